"""intake() on archives built the way each platform builds them.

Sources of each fixture's naming (read in the platforms' code, not guessed):
- Canvas: canvas-lms ``lib/content_zipper.rb`` (``get_filename``: sortable name lower-cased with
  non-word characters removed, ``LATE`` when late, the user id or ``anon_<id>``; then
  ``_<attachment id>_<display name>``); ``-1`` is Canvas's suffix for a re-uploaded file name.
- Moodle: ``mod/assign/classes/downloader.php`` (4.x: folder ``<fullname>_<participant id>_assignsubmission_file``
  holding the files; flat ``..._assignsubmission_file_<file>``) and 3.x ``locallib.php`` (folder with a
  trailing ``_``); underscores in the full name become spaces.
- Blackboard Learn: "Assignment File Download" as read by vangef/BBGradebookOrganiser
  (``<Assignment>_<username>_attempt_<YYYY-MM-DD-HH-MM-SS>_<file>`` plus a ``.txt`` receipt starting
  ``Name: Full Name (username)``).
- Gradescope: "Export Submissions": ``submission_metadata.yml`` keyed by ``submission_<id>`` with
  ``:submitters:`` (``:name:``, ``:sid:``, ``:email:``) and ``:created_at:``, one folder per submission.
"""
from __future__ import annotations

import io
import tarfile
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import pytest

from autograder.errors import AutograderError
from autograder.grading.collect import Intake, assignment_for, detect_layout, intake

NB = b'{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'
IDS = ["ex02_softmax"]
KNOWN = ["ex01_scalar", "ex02_softmax"]


def make_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name, data in members.items():
            bundle.writestr(name, data)
    return path


def run(tmp_path, members, **options):
    archive = make_zip(tmp_path / "download.zip", members)
    options.setdefault("assignment_ids", IDS)
    return intake(archive, tmp_path / "x", known_assignments=KNOWN, **options)


def by_student(found: Intake):
    return {s.student_id: s for s in found.submissions}


def test_canvas_download_with_late_resubmission_and_anonymous(tmp_path):
    found = run(tmp_path, {
        "doejane_12345_900001_ex02_softmax.ipynb": NB,
        "doejane_12345_900002_ex02_softmax-1.ipynb": NB,  # uploaded again: newer attachment
        "smithbob_LATE_23456_900003_ex02_softmax.ipynb": NB,
        "LATE_anon_Xy9Ab_900004_ex02_softmax.ipynb": NB,
        "doejane_12345_900005_notes.pdf": b"%PDF",
        "obrienmary_34567_900006_text.html": b"<p>hi</p>",
    })
    assert found.layout == "canvas"
    students = by_student(found)
    assert set(students) == {"12345", "23456", "anon_Xy9Ab"}
    jane = students["12345"]
    assert jane.notebook.name == "doejane_12345_900002_ex02_softmax-1.ipynb" and jane.late is False
    assert jane.name == "doejane" and jane.get("attachment_id") == "900002"
    assert any("graded the newest" in n for n in jane.notes)
    assert students["23456"].late is True and students["anon_Xy9Ab"].late is True
    assert any("not notebooks" in n for n in found.notes)


@pytest.mark.parametrize("folder_suffix", ["", "_"])  # Moodle 4.x and Moodle 3.x
def test_moodle_download_in_folders(tmp_path, folder_suffix):
    found = run(tmp_path, {
        f"Jane Doe_101_assignsubmission_file{folder_suffix}/ex02_softmax.ipynb": NB,
        f"Bob Smith_102_assignsubmission_file{folder_suffix}/ex02_softmax (1).ipynb": NB,
        f"Bob Smith_102_assignsubmission_onlinetext{folder_suffix}/onlinetext.html": b"<p>x</p>",
    })
    assert found.layout == "moodle"
    students = by_student(found)
    assert set(students) == {"101", "102"} and students["101"].name == "Jane Doe"
    assert students["102"].assignment_id == "ex02_softmax"


def test_moodle_download_flat(tmp_path):
    found = run(tmp_path, {"Jane Doe_101_assignsubmission_file_ex02_softmax.ipynb": NB,
                           "Bob Smith_102_assignsubmission_file_report.pdf": b"%PDF"})
    assert found.layout == "moodle" and set(by_student(found)) == {"101"}
    assert found.submissions[0].get("file") == "ex02_softmax.ipynb"


RECEIPT = """Name: Jane Doe (jdoe7)
Assignment: Exercise 2
Date Submitted: Monday, 2 March 2026 10:15:00 o'clock UTC
Current Grade: Needs Grading

Submission Field:
There is no student submission text data for this assignment.

Comments:
There are no student comments for this assignment.

Files:
	Original filename: ex02_softmax.ipynb
	Filename: Exercise 2_jdoe7_attempt_{ts}_ex02_softmax.ipynb
"""


def test_blackboard_download_newest_attempt_and_receipts(tmp_path):
    first, second = "2026-03-01-09-00-00", "2026-03-02-10-15-00"
    found = run(tmp_path, {
        f"Exercise 2_jdoe7_attempt_{first}_ex02_softmax.ipynb": NB,
        f"Exercise 2_jdoe7_attempt_{first}.txt": RECEIPT.format(ts=first).encode(),
        f"Exercise 2_jdoe7_attempt_{second}_ex02_softmax.ipynb": NB,
        f"Exercise 2_jdoe7_attempt_{second}.txt": RECEIPT.format(ts=second).encode(),
        f"Exercise 2_bsmith_attempt_{first}_ex02_softmax.ipynb": NB,
    })
    assert found.layout == "blackboard"
    students = by_student(found)
    assert set(students) == {"jdoe7", "bsmith"}
    jane = students["jdoe7"]
    assert jane.name == "Jane Doe" and second in jane.notebook.name
    assert jane.submitted_at == datetime(2026, 3, 2, 10, 15, tzinfo=timezone.utc)
    assert any("2 files handed in; graded the newest" in n for n in jane.notes)
    assert students["bsmith"].submitted_at == datetime(2026, 3, 1, 9, 0)


METADATA = """submission_111:
  :submitters:
  - :name: Jane Doe
    :sid: '2001'
    :email: jane@example.edu
  - :name: Bob Smith
    :sid: '2002'
    :email: bob@example.edu
  :created_at: 2026-03-01 10:00:00.123456000 -08:00
  :score: !ruby/object:BigDecimal 18:0.1e2
  :status: processed
submission_222:
  :submitters:
  - :name: Cy Young
    :sid: ''
    :email: cy@example.edu
  :created_at: 2026-03-02 11:00:00.000000000 -08:00
  :score: 0.0
"""


def test_gradescope_export_gives_every_group_member_the_notebook(tmp_path):
    found = run(tmp_path, {
        "assignment_9_export/submission_metadata.yml": METADATA.encode(),
        "assignment_9_export/submission_111/ex02_softmax.ipynb": NB,
        "assignment_9_export/submission_222/ex02_softmax.ipynb": NB,
    })
    assert found.layout == "gradescope"
    students = by_student(found)
    assert set(students) == {"2001", "2002", "cy@example.edu"}
    assert students["2001"].notebook == students["2002"].notebook
    assert students["2002"].name == "Bob Smith" and "group submission" in students["2002"].notes[0]
    assert students["2001"].submitted_at.utcoffset().total_seconds() == -8 * 3600


def test_folder_layout_and_lms_can_be_forced(tmp_path):
    found = run(tmp_path, {"class/ada/ex02_softmax/ex02_softmax.ipynb": NB,
                           "class/ada/ex02_softmax/timestamp.txt": b"2026-03-01 10:00:00.000000 UTC",
                           "class/bob/ex02_softmax/mine.ipynb": NB}, assignment_ids=[])
    assert found.layout == "folder"
    students = by_student(found)
    assert students["ada"].submitted_at == datetime(2026, 3, 1, 10, tzinfo=timezone.utc)
    assert students["bob"].notes == ("graded mine.ipynb as ex02_softmax.ipynb",)
    with pytest.raises(AutograderError, match="no submissions found"):
        intake(tmp_path / "x", tmp_path / "y", assignment_ids=IDS, lms="canvas", known_assignments=KNOWN)


def test_zero_submissions_says_what_was_found(tmp_path):
    with pytest.raises(AutograderError) as caught:
        run(tmp_path, {"readme.txt": b"hi", "photos/cat.jpg": b"x"})
    assert "no submissions found" in str(caught.value) and "readme.txt" in str(caught.value)


def test_file_names_map_to_assignments():
    assert assignment_for("ex02_softmax-2.ipynb", KNOWN) == "ex02_softmax"
    assert assignment_for("ex02_softmax (3).ipynb", KNOWN) == "ex02_softmax"
    assert assignment_for("ex01_scalar_final.ipynb", KNOWN) == "ex01_scalar"
    assert assignment_for("homework.ipynb", KNOWN) is None


def test_two_assignments_in_one_canvas_zip_need_names(tmp_path):
    found = run(tmp_path, {"doejane_1_5_ex02_softmax.ipynb": NB, "doejane_1_6_ex01_scalar.ipynb": NB,
                           "doejane_1_7_homework.ipynb": NB}, assignment_ids=[])
    assert sorted(s.assignment_id for s in found.submissions) == ["ex01_scalar", "ex02_softmax"]
    assert [p.reason for p in found.problems] == ["cannot tell which assignment 'homework.ipynb' is for"]


def test_detect_layout_on_folders(tmp_path):
    (tmp_path / "ada" / "ex02_softmax").mkdir(parents=True)
    (tmp_path / "ada" / "ex02_softmax" / "ex02_softmax.ipynb").write_bytes(NB)
    assert detect_layout(tmp_path) == "folder"


def test_tar_archives_are_read_too(tmp_path):
    archive = tmp_path / "class.tar.gz"
    with tarfile.open(archive, "w:gz") as bundle:
        info = tarfile.TarInfo("ada/ex02_softmax/ex02_softmax.ipynb")
        info.size = len(NB)
        bundle.addfile(info, io.BytesIO(NB))
    found = intake(archive, tmp_path / "x", assignment_ids=IDS, known_assignments=KNOWN)
    assert [s.student_id for s in found.submissions] == ["ada"]


def test_intake_survives_a_round_trip_through_json(tmp_path):
    found = run(tmp_path, {"smithbob_LATE_23456_900003_ex02_softmax.ipynb": NB})
    found.save(tmp_path / "intake.json")
    assert Intake.load(tmp_path / "intake.json") == found
