"""The committed student notebook is what `release` makes, and gives nothing away."""
import json

import nbformat

from autograder import course
from autograder.release import release
from conftest import ASSIGNMENT, GRADED_NAMES


def _cells(path):
    notebook = nbformat.read(path, 4)
    return [(c.cell_type, c.source, json.dumps(c.metadata, sort_keys=True)) for c in notebook.cells]


def test_committed_release_is_up_to_date(tmp_path):
    (fresh,) = release([ASSIGNMENT], into=tmp_path)
    assert _cells(fresh) == _cells(course.released_notebook(ASSIGNMENT)), (
        "exercises/ is stale: run `python -m autograder release` and commit the result")


def test_released_notebook_has_no_solutions_or_hidden_tests():
    text = course.released_notebook(ASSIGNMENT).read_text()
    for secret in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS", "autograder.checks", "np.outer", "keepdims"):
        assert secret not in text


def test_every_graded_name_has_answer_visible_and_hidden_cells():
    notebook = nbformat.read(course.released_notebook(ASSIGNMENT), 4)
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in notebook.cells]
    for name in GRADED_NAMES:
        assert {name, f"{name}-visible", f"{name}-hidden"} <= set(ids)
    answers = [c for c in notebook.cells if c.metadata["nbgrader"].get("solution") and c.cell_type == "code"]
    assert all("raise NotImplementedError()" in c.source for c in answers)


def test_hidden_cell_points_match_the_checks():
    from autograder.grading.judge import checks_for

    source = nbformat.read(course.source_notebook(ASSIGNMENT), 4)
    points = {c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"].get("points")
              for c in source.cells if c.metadata.get("nbgrader", {}).get("grade")}
    for grade_id, check in checks_for(ASSIGNMENT).items():
        assert points[grade_id] == check.points
