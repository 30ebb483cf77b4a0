"""After grading by hand, `report` puts the manual scores and comments into the tables and
the feedback, and keeps the rows of submissions that could not be graded."""
import subprocess
import sys

from nbgrader.api import Gradebook

from autograder import course
from conftest import ASSIGNMENT, read_rows, write_submission

COMMENT = "Clear proof; say why the vector of ones is non-zero."


def test_manual_grades_reach_the_tables_and_the_feedback(tmp_path, perfect):
    folder, out = tmp_path / "class", tmp_path / "out"
    write_submission(folder, "ada", perfect)
    write_submission(folder, "bob", perfect).write_text("{")
    command = [sys.executable, "-m", "autograder"]
    subprocess.run([*command, "grade", str(folder), "--out", str(out), "--timeout", "10"], check=True,
                   capture_output=True)
    assert {r["student_id"]: r["score"] for r in read_rows(out / "grades.csv")} == {"ada": "16", "bob": "0"}

    with Gradebook(course.gradebook_url(out / "work")) as gradebook:
        gradebook.find_grade("proof", ASSIGNMENT, ASSIGNMENT, "ada").manual_score = 3
        gradebook.find_comment("proof", ASSIGNMENT, ASSIGNMENT, "ada").manual_comment = COMMENT
        gradebook.db.commit()
    run = subprocess.run([*command, "report", str(out)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr

    grades = {r["student_id"]: r for r in read_rows(out / "grades.csv")}
    assert grades["ada"]["score"] == "19" and grades["ada"]["status"] == "graded"
    assert grades["bob"]["status"] == "not a valid notebook: the file is not valid JSON"
    proof = [r for r in read_rows(out / "cells.csv") if r["grade_id"] == "proof"]
    assert [(r["student_id"], r["score"]) for r in proof] == [("ada", "3")]
    assert COMMENT in (out / "feedback" / "ada" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()


def test_report_without_a_graded_run_is_a_one_line_error(tmp_path):
    run = subprocess.run([sys.executable, "-m", "autograder", "report", str(tmp_path)], capture_output=True, text=True)
    assert run.returncode == 2 and run.stderr.startswith("error: no graded run")
