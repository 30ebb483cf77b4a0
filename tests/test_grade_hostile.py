"""Notebooks that attack the grader's resources lose only the cells that do it."""
import copy
import subprocess
import sys

import nbformat
import pytest

from conftest import read_rows, write_submission

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("grade_hostile")]  # one whole `grade` run, shared

HOSTILE_CELLS = {
    "exits": "import os\nos._exit(3)",
    "floods": "while True:\n    print('x' * 100_000)",
    "hogs_memory": "hog = bytearray(16 * 1024**3)",
    "writes_huge_file": "with open('big.bin', 'wb') as f:\n    f.write(b'0' * (512 * 1024**2))",
}


@pytest.fixture(scope="session")
def graded(tmp_path_factory, perfect):
    root = tmp_path_factory.mktemp("hostile")
    for student, source in HOSTILE_CELLS.items():
        notebook = copy.deepcopy(perfect)
        notebook.cells.insert(2, nbformat.v4.new_code_cell(source))  # right after the imports
        write_submission(root, student, notebook)
    out = tmp_path_factory.mktemp("out")
    run = subprocess.run([sys.executable, "-m", "autograder", "grade", str(root), "--out", str(out), "--timeout", "5"],
                         capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-2000:]
    return out


@pytest.mark.parametrize("student", sorted(HOSTILE_CELLS))
def test_hostile_cell_costs_nothing_else(graded, student):
    grades = {row["student_id"]: row for row in read_rows(graded / "grades.csv")}
    # a flood is stopped by the output cap or, on a slow machine, by the time limit (named then)
    assert grades[student]["status"] in ("pending (manual: proof)",
                                         "pending (manual: proof) (cell 2: the cell ran longer than 5 s and was stopped)")
    cells = [row for row in read_rows(graded / "cells.csv") if row["student_id"] == student]
    auto = [row for row in cells if row["grade_id"] != "proof"]
    assert all(float(row["score"]) == float(row["max_score"]) for row in auto), auto


def test_flooded_output_is_truncated_in_the_feedback(graded):
    html = (graded / "feedback" / "floods" / "ex02_softmax" / "ex02_softmax.html").read_text()
    assert "output truncated" in html and len(html) < 5 * 1024**2
