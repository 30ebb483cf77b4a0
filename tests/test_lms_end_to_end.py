"""A Canvas "Download Submissions" zip graded end to end from the command line: Canvas's ids and
names, the newest attachment graded, Canvas's LATE flag and a due date with a late penalty, and a
`missing` row for the roster student who handed nothing in. (File names as canvas-lms
``lib/content_zipper.rb`` builds them; roster as Canvas's gradebook export.)"""
from __future__ import annotations

import pytest

import subprocess
import sys
import zipfile

import nbformat

from autograder.fill import filled
from conftest import ASSIGNMENT, read_rows
from test_lms_roster_and_lateness import CANVAS_ROSTER

pytestmark = pytest.mark.slow  # whole `grade` runs


def test_canvas_zip_with_roster_and_due_date(tmp_path, perfect):
    blank = nbformat.writes(filled(ASSIGNMENT, {}))
    good = nbformat.writes(perfect)
    archive = tmp_path / "ex02 submissions.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr(f"doejane_12345_700001_{ASSIGNMENT}.ipynb", good)
        bundle.writestr(f"smithbob_LATE_23456_700002_{ASSIGNMENT}.ipynb", blank)
        bundle.writestr(f"smithbob_LATE_23456_700009_{ASSIGNMENT}-1.ipynb", good)  # re-uploaded: newest
        bundle.writestr("smithbob_LATE_23456_700010_scratch.txt", "notes")
    (tmp_path / "roster.csv").write_text(CANVAS_ROSTER)
    out = tmp_path / "out"
    run = subprocess.run([sys.executable, "-m", "autograder", "grade", str(archive), "--out", str(out), "--timeout", "10",
                          "--roster", str(tmp_path / "roster.csv"), "--late-penalty", "percent_per_day:10"],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-3000:]
    grades = {r["student_id"]: r for r in read_rows(out / "grades.csv")}
    assert set(grades) == {"12345", "23456", "34567"}
    jane, bob, cy = grades["12345"], grades["23456"], grades["34567"]
    assert (jane["score"], jane["late"], jane["name"]) == ("16", "no", "doejane")
    assert jane["status"] == "pending (manual: proof)"
    assert bob["score"] == "16" and bob["late"] == "yes" and "graded the newest" in bob["status"]
    assert (cy["status"], cy["name"], cy["max_score"]) == ("missing", "Young, Cy", "20")
    assert "1 missing" in run.stdout and "1 late" in run.stdout
    assert (out / "report.html").is_file() and len(read_rows(out / "parts.csv")) > 10

    done = subprocess.run([sys.executable, "-m", "autograder", "export", str(out), "--to", "canvas"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "manual grading pending (2)" in done.stdout


def test_blackboard_zip_newest_attempt_late_with_penalty(tmp_path, perfect):
    """Blackboard's "Assignment File Download" (files ``<Assignment>_<username>_attempt_<time>_<file>``
    and ``.txt`` receipts): the newest attempt is graded, and it is late by its recorded time."""
    blank = nbformat.writes(filled(ASSIGNMENT, {}))
    early, late = "2026-03-01-20-00-00", "2026-03-02-02-30-00"
    receipt = ("Name: Jane Doe (jdoe7)\nAssignment: Exercise 2\nDate Submitted: Monday, March 2, 2026 2:30:00 AM UTC\n"
               "Current Grade: Needs Grading\n\nFiles:\n\tOriginal filename: ex02_softmax.ipynb\n"
               f"\tFilename: Exercise 2_jdoe7_attempt_{late}_ex02_softmax.ipynb\n")
    archive = tmp_path / "gradebook_EX2.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr(f"Exercise 2_jdoe7_attempt_{early}_{ASSIGNMENT}.ipynb", blank)
        bundle.writestr(f"Exercise 2_jdoe7_attempt_{late}_{ASSIGNMENT}.ipynb", nbformat.writes(perfect))
        bundle.writestr(f"Exercise 2_jdoe7_attempt_{late}.txt", receipt)
    out = tmp_path / "out"
    run = subprocess.run([sys.executable, "-m", "autograder", "grade", str(archive), "--out", str(out), "--timeout", "10",
                          "--due", "2026-03-02T00:00:00Z", "--late-penalty", "per_hour:1"],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-3000:]
    row, = read_rows(out / "grades.csv")
    assert (row["student_id"], row["name"], row["late"]) == ("jdoe7", "Jane Doe", "yes")
    assert row["submitted_at"] == "2026-03-02T02:30:00+00:00"
    assert (row["score"], row["penalty"]) == ("13", "3")  # 16 points, 3 started hours late at 1 point each
    assert "2 files handed in; graded the newest" in row["status"]


def test_an_archive_with_no_submissions_is_an_error(tmp_path):
    archive = tmp_path / "wrong.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("syllabus.pdf", b"%PDF")
    run = subprocess.run([sys.executable, "-m", "autograder", "grade", str(archive), "--out", str(tmp_path / "out")],
                         capture_output=True, text=True)
    assert run.returncode == 2 and "no submissions found" in run.stderr and "syllabus.pdf" in run.stderr
