"""export: files each platform imports as is, one row per student, pending never a number.

Columns checked against the importers: Canvas's gradebook import reads the columns of its own
export (``Student, ID, SIS User ID, SIS Login ID, Section``, assignment columns, a ``Points
Possible`` row); Moodle's ``assignfeedback_offline`` grade importer needs ``Identifier``
(``Participant <n>``), ``Grade`` and ``Last modified (grade)`` and skips empty grades. Feedback
names: Canvas re-reads ``<name>_<user id>_<attachment id>_<file>``
(``Assignment#infer_comment_context_from_filename``), Moodle ``<Full Name>_<participant id>_
<plugintype>_<plugin>_<file>`` (``assignfeedback_file_zip_importer``).
"""
from __future__ import annotations

import csv
import subprocess
import sys
import zipfile
from pathlib import Path

from autograder.grading.collect import INTAKE_FILE, intake
from autograder.grading.export import CANVAS_COLUMNS, MOODLE_COLUMNS, export
from autograder.grading.records import CellGrade, SubmissionGrade, write_tables
from test_collect_lms import KNOWN, NB, make_zip
from test_lms_roster_and_lateness import CANVAS_ROSTER, MOODLE_WORKSHEET


def graded_run(tmp_path: Path, members: dict, roster_text: str) -> Path:
    out = tmp_path / "out"
    (tmp_path / "roster.csv").write_text(roster_text)
    found = intake(make_zip(tmp_path / "a.zip", members), tmp_path / "x", assignment_ids=["ex02_softmax"],
                   known_assignments=KNOWN, roster=tmp_path / "roster.csv")
    rows = []
    for index, hand_in in enumerate(found.submissions):
        pending = index == 1
        cells = (CellGrade("ex02_softmax", "softmax", 4.0, 4.0),
                 CellGrade("ex02_softmax", "proof", None if pending else 3.0, 4.0))
        rows.append(SubmissionGrade(hand_in.student_id, "ex02_softmax", 16.0 if pending else 19.0, 20.0,
                                    "pending (manual: proof)" if pending else "graded", cells, name=hand_in.name))
        feedback = out / "feedback" / hand_in.student_id / "ex02_softmax" / "ex02_softmax.html"
        feedback.parent.mkdir(parents=True)
        feedback.write_text(f"<p>feedback for {hand_in.student_id}</p>")
    rows += [SubmissionGrade(m.student_id, m.assignment_id, 0.0, 20.0, "missing", name=m.name) for m in found.missing]
    write_tables(out, rows)
    found.save(out / INTAKE_FILE)
    return out


def read(path: Path) -> list[list[str]]:
    with path.open(newline="") as handle:
        return list(csv.reader(handle))


def test_canvas_export(tmp_path):
    out = graded_run(tmp_path, {"doejane_12345_901_ex02_softmax.ipynb": NB, "smithbob_23456_902_ex02_softmax.ipynb": NB},
                     CANVAS_ROSTER)
    done = export(out, "canvas", feedback=True)
    rows = read(out / "export" / "canvas_grades.csv")
    assert rows[0] == CANVAS_COLUMNS + ["ex02_softmax (777)"]
    assert rows[1] == ["    Points Possible", "", "", "", "", "20"]
    assert rows[2:] == [["Doe, Jane", "12345", "S1", "jdoe", "Sec A", "19"],
                        ["Smith, Bob", "23456", "S2", "bsmith", "Sec A", ""],  # pending: left empty
                        ["Young, Cy", "34567", "S3", "cyoung", "Sec B", ""]]  # missing
    assert done.pending == [("23456", "ex02_softmax")]
    with zipfile.ZipFile(out / "export" / "canvas_feedback.zip") as bundle:
        names = bundle.namelist()
    assert "doejane_12345_901_ex02_softmax.html" in names
    assert all([p for p in n.split("_") if p.isdigit()][:2] in (["12345", "901"], ["23456", "902"]) for n in names)


def test_moodle_export(tmp_path):
    out = graded_run(tmp_path, {"Jane Doe_101_assignsubmission_file/ex02_softmax.ipynb": NB}, MOODLE_WORKSHEET)
    export(out, "moodle", feedback=True)
    rows = read(out / "export" / "moodle_ex02_softmax.csv")
    assert rows[0] == MOODLE_COLUMNS
    assert [r[:6] for r in rows[1:]] == [["Participant 101", "Jane Doe", "jane@example.edu", "Graded", "19", "20"],
                                         ["Participant 103", "Cy Young", "cy@example.edu", "Missing", "", "20"]]
    assert rows[1][8] and rows[2][8] == ""
    with zipfile.ZipFile(out / "export" / "moodle_feedback_ex02_softmax.zip") as bundle:
        name, = bundle.namelist()
    fullname, participant, plugintype, plugin, filename = name.split("_", 4)
    assert (fullname, participant, plugintype, plugin, filename) == \
        ("Jane Doe", "101", "assignsubmission", "file", "ex02_softmax.html")


def test_csv_export_by_command_line(tmp_path):
    out = graded_run(tmp_path, {"doejane_12345_901_ex02_softmax.ipynb": NB, "smithbob_23456_902_ex02_softmax.ipynb": NB},
                     CANVAS_ROSTER)
    run = subprocess.run([sys.executable, "-m", "autograder", "export", str(out), "--to", "csv", "--feedback"],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "manual grading pending (1): 23456/ex02_softmax" in run.stdout
    rows = read(out / "export" / "grades_by_student.csv")
    assert rows[0] == ["student_id", "name", "ex02_softmax", "ex02_softmax max_score", "ex02_softmax status"]
    assert rows[2] == ["23456", "Smith, Bob", "", "20", "pending (manual: proof)"]
    assert rows[3] == ["34567", "Young, Cy", "", "20", "missing"]
    assert (out / "export" / "feedback" / "12345" / "ex02_softmax" / "ex02_softmax.html").is_file()
