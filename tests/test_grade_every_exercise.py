"""One class, every exercise: ``python -m autograder grade`` once, on a perfect, a blank and a
mistaken notebook of each assignment (the whole pipeline needs one run; what is special to
each exercise, its checks through the real sandbox, is in ``test_checks_contract.py``)."""
from __future__ import annotations

import subprocess
import sys

import pytest

from autograder.fill import filled, reference_answers
from conftest import read_rows, write_submission
from tests.checks_harness import catalogue, checks_module, graded_assignments, graded_names

ASSIGNMENTS = graded_assignments()

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("every_exercise")]


def _mistaken(assignment_id: str) -> dict[str, str]:
    mistakes = catalogue(assignment_id).MISTAKES
    return {name: next(iter(mistakes[name].values())) for name in graded_names(assignment_id)}


@pytest.fixture(scope="session")
def tables(tmp_path_factory):
    """grades.csv, cells.csv and parts.csv of one run over the whole class."""
    root = tmp_path_factory.mktemp("class")
    for assignment_id in ASSIGNMENTS:
        for student, answers in (("perfect", reference_answers(assignment_id)), ("blank", {}),
                                 ("mistaken", _mistaken(assignment_id))):
            write_submission(root / "class", student, filled(assignment_id, answers), assignment=assignment_id)
    out = root / "out"
    run = subprocess.run([sys.executable, "-m", "autograder", "grade", str(root / "class"), "--out", str(out),
                          "--timeout", "60"], capture_output=True, text=True, timeout=1800)
    assert run.returncode == 0, run.stderr[-2000:]
    return {name: read_rows(out / f"{name}.csv") for name in ("grades", "cells", "parts")}


def _cells(tables, student: str, assignment_id: str) -> dict[str, float]:
    return {row["grade_id"]: float(row["score"] or 0) for row in tables["cells"]
            if row["student_id"] == student and row["assignment_id"] == assignment_id}


def _grade(tables, student: str, assignment_id: str) -> dict:
    (row,) = [r for r in tables["grades"] if r["student_id"] == student and r["assignment_id"] == assignment_id]
    return row


@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_the_perfect_notebook_gets_every_automatic_point_and_waits_for_its_proof(tables, assignment_id):
    checks = checks_module(assignment_id).CHECKS
    cells = _cells(tables, "perfect", assignment_id)
    assert {g: s for g, s in cells.items() if g in checks} == {g: c.points for g, c in checks.items()}
    manual = [grade_id for grade_id in cells if grade_id not in checks]  # cells.csv is in notebook order
    grade = _grade(tables, "perfect", assignment_id)
    assert grade["status"] == (f"pending (manual: {', '.join(manual)})" if manual else "graded"), grade


@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_the_blank_notebook_scores_zero(tables, assignment_id):
    assert sum(_cells(tables, "blank", assignment_id).values()) == 0
    assert float(_grade(tables, "blank", assignment_id)["score"]) == 0


@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_the_mistaken_notebook_loses_points_on_every_graded_name_and_says_where(tables, assignment_id):
    checks = checks_module(assignment_id).CHECKS
    cells = _cells(tables, "mistaken", assignment_id)
    for grade_id, check in checks.items():
        assert cells[grade_id] < check.points, grade_id
    failed = {row["grade_id"] for row in tables["parts"]
              if row["student_id"] == "mistaken" and row["assignment_id"] == assignment_id and row["passed"] == "no"}
    assert failed == set(checks)  # parts.csv, read from the verdicts as data
