"""The whole path: released notebook, filled in, `python -m autograder grade`, the tables.

One grading run of a made-up class covers the contract: correct answers written in other
ways get full marks, typical mistakes lose points, broken and tampered submissions get a
row that says what happened and never stop the others.
"""
from __future__ import annotations

import copy
import subprocess
import sys

import nbformat
import pytest

from autograder.fill import filled
from tests.catalogue.ex02_softmax import CORRECT, MISTAKES
from conftest import ASSIGNMENT, GRADED_NAMES, read_rows, write_submission

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("grade_end_to_end")]  # one whole `grade` run, shared

AUTO_POINTS = {"softmax": 4, "log_softmax": 3, "softmax_jacobian": 3, "softmax_vjp": 3, "softmax_jacobian_symbolic": 3}
FULL = sum(AUTO_POINTS.values())

TAMPER = '''import builtins, sys, types
import numpy as np
np.allclose = lambda *a, **k: True
np.testing.assert_allclose = lambda *a, **k: None
builtins.isinstance = lambda *a, **k: True
fake = types.ModuleType("autograder.checks.ex02_softmax")
fake.__getattr__ = lambda name: (lambda *a, **k: 100.0)
sys.modules["autograder.checks.ex02_softmax"] = fake
sys.modules["autograder.checks"] = types.ModuleType("autograder.checks")
try:
    ip = get_ipython()
    ip.showtraceback = lambda *a, **k: None
    ip.run_cell = lambda *a, **k: None
except Exception:
    pass
'''

WRONG_SOFTMAX = "def softmax(z, axis=-1):\n    return np.zeros(np.shape(z))"


def _first(catalogue: dict, name: str) -> str:
    return next(iter(catalogue[name].values()))


def _with_extra_cell(notebook, source: str, after: str):
    notebook = copy.deepcopy(notebook)
    index = next(i for i, c in enumerate(notebook.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == after)
    notebook.cells.insert(index + 1, nbformat.v4.new_code_cell(source))
    return notebook


@pytest.fixture(scope="session")
def graded(tmp_path_factory, answers, perfect):
    root = tmp_path_factory.mktemp("class")
    write_submission(root, "perfect", perfect)
    write_submission(root, "blank", filled(ASSIGNMENT, {}))
    write_submission(root, "mistakes", filled(ASSIGNMENT, {n: _first(MISTAKES, n) for n in GRADED_NAMES}))
    write_submission(root, "alternative", filled(ASSIGNMENT, {n: list(CORRECT[n].values())[-1] for n in GRADED_NAMES}))
    write_submission(root, "honest_wrong", filled(ASSIGNMENT, {**answers, "softmax": WRONG_SOFTMAX}))
    tampered = _with_extra_cell(filled(ASSIGNMENT, {**answers, "softmax": WRONG_SOFTMAX}), TAMPER, "imports")
    write_submission(root, "tamperer", tampered)

    edited = copy.deepcopy(perfect)
    for cell in edited.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id", "").endswith("-visible"):
            cell.source = "pass"
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "softmax-hidden":
            cell.metadata["nbgrader"]["points"] = 1000
    write_submission(root, "edited", edited)
    deleted = copy.deepcopy(perfect)
    deleted.cells = [c for c in deleted.cells if c.metadata.get("nbgrader", {}).get("grade_id") != "softmax-hidden"]
    write_submission(root, "deleted", deleted)
    write_submission(root, "old_format", nbformat.convert(copy.deepcopy(perfect), 3))

    looping = filled(ASSIGNMENT, {**answers, "softmax": answers["softmax"] + "\n\nwhile True:\n    pass"})
    write_submission(root, "looping", looping)
    broken = write_submission(root, "broken", perfect)
    broken.write_text(broken.read_text()[:500])
    (root / "missing" / ASSIGNMENT).mkdir(parents=True)
    renamed = write_submission(root, "renamed", perfect)
    renamed.rename(renamed.with_name(f"{ASSIGNMENT} (1).ipynb"))
    write_submission(root, "stranger", perfect, assignment="ex99_unknown")

    out = tmp_path_factory.mktemp("out")
    run = subprocess.run([sys.executable, "-m", "autograder", "grade", str(root), "--out", str(out), "--timeout", "5"],
                         capture_output=True, text=True, timeout=1200)
    assert run.returncode == 0, run.stderr[-2000:]
    grades = {row["student_id"]: row for row in read_rows(out / "grades.csv")}
    cells = {}
    for row in read_rows(out / "cells.csv"):
        cells.setdefault(row["student_id"], {})[row["grade_id"]] = float(row["score"] or 0)  # empty: pending
    return out, grades, cells


def _auto(cells: dict, student: str) -> float:
    return sum(score for grade_id, score in cells[student].items() if grade_id != "proof")


def test_every_submission_has_a_row(graded):
    _, grades, _ = graded
    assert set(grades) == {"perfect", "blank", "mistakes", "alternative", "honest_wrong", "tamperer", "edited",
                           "deleted", "old_format", "looping", "broken", "missing", "renamed", "stranger"}


def test_reference_solution_gets_full_marks_and_stub_gets_zero(graded):
    _, grades, cells = graded
    assert _auto(cells, "perfect") == FULL and grades["perfect"]["status"] == "pending (manual: proof)"
    assert float(grades["perfect"]["max_score"]) == FULL + 4  # plus the proof, graded by hand
    assert _auto(cells, "blank") == 0 and float(grades["blank"]["score"]) == 0


def test_correct_answers_written_differently_get_full_marks(graded):
    _, _, cells = graded
    assert _auto(cells, "alternative") == FULL


def test_each_typical_mistake_loses_points_on_its_own_cell(graded):
    _, _, cells = graded
    for name in GRADED_NAMES:
        assert cells["mistakes"][f"{name}-hidden"] < AUTO_POINTS[name], name


def test_tampering_gains_nothing(graded):
    _, _, cells = graded
    assert cells["tamperer"]["softmax-hidden"] == cells["honest_wrong"]["softmax-hidden"] < AUTO_POINTS["softmax"]
    assert _auto(cells, "tamperer") <= _auto(cells, "honest_wrong")


def test_edited_and_deleted_test_cells_are_restored(graded):
    _, grades, cells = graded
    assert _auto(cells, "edited") == FULL and float(grades["edited"]["max_score"]) == FULL + 4
    assert "restored edited test cells" in grades["edited"]["status"]
    assert _auto(cells, "deleted") == FULL
    assert "re-inserted deleted test cells: softmax-hidden" in grades["deleted"]["status"]


def test_old_format_and_renamed_notebooks_are_graded(graded):
    _, grades, cells = graded
    assert _auto(cells, "old_format") == FULL
    assert _auto(cells, "renamed") == FULL and "as ex02_softmax.ipynb" in grades["renamed"]["status"]


def test_a_notebook_that_loops_forever_loses_only_what_it_breaks(graded):
    out, grades, cells = graded
    assert grades["looping"]["status"].startswith("pending")
    # the instructor and the student both learn which cell hit the time limit
    assert "the cell ran longer than 5 s and was stopped" in grades["looping"]["status"], grades["looping"]["status"]
    page = next((out / "feedback" / "looping").rglob("*.html")).read_text(encoding="utf-8")
    assert "ran longer than 5 s" in page
    assert cells["looping"]["log_softmax-hidden"] == AUTO_POINTS["log_softmax"]
    assert cells["looping"]["softmax_jacobian_symbolic-hidden"] == AUTO_POINTS["softmax_jacobian_symbolic"]


def test_ungradable_submissions_say_why(graded):
    _, grades, cells = graded
    assert grades["broken"]["status"] == "not a valid notebook: the file is not valid JSON"
    assert grades["missing"]["status"] == "missing notebook ex02_softmax.ipynb"
    assert grades["stranger"]["status"] == "unknown assignment ex99_unknown"
    for student in ("broken", "missing", "stranger"):
        assert float(grades[student]["score"]) == 0 and student not in cells


def test_feedback_is_written_without_hidden_tests(graded):
    out, _, _ = graded
    html = (out / "feedback" / "mistakes" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
    assert "failed" in html and "autograder.checks" not in html and "BEGIN HIDDEN TESTS" not in html
    for student in ("broken", "missing"):  # a page saying why, for what could not be graded
        page = (out / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
        assert "could not be graded" in page.lower() or "not graded" in page.lower(), student
