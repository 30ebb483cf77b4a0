"""Sanitizing: the student owns the answer cells and the cells they add, nothing else."""
import copy

import nbformat
import pytest

from autograder import course
from autograder.grading import sanitize as sanitize_module
from autograder.grading.sanitize import SubmissionError, code_to_run, read_notebook, sanitize
from conftest import ASSIGNMENT


@pytest.fixture
def released():
    return nbformat.read(course.released_notebook(ASSIGNMENT), 4)


def _ids(notebook):
    return [c.metadata.get("nbgrader", {}).get("grade_id") for c in notebook.cells]


def test_untouched_release_needs_no_repair(released):
    result = sanitize(copy.deepcopy(released), released)
    assert result.notes == [] and _ids(result.notebook) == _ids(released)


def test_added_cells_stay_where_the_student_put_them(released):
    submitted = copy.deepcopy(released)
    index = _ids(submitted).index("softmax")
    submitted.cells.insert(index + 1, nbformat.v4.new_code_cell("helper = 1"))
    result = sanitize(submitted, released)
    ids = _ids(result.notebook)
    assert ids[ids.index("softmax") + 1] is None and result.notebook.cells[ids.index("softmax") + 1].source == "helper = 1"


def test_forged_metadata_and_duplicates_do_not_count(released):
    submitted = copy.deepcopy(released)
    answer = next(c for c in submitted.cells if c.metadata["nbgrader"]["grade_id"] == "softmax")
    answer.metadata["nbgrader"].update(grade=True, points=100)
    answer.source = "def softmax(z, axis=-1):\n    return z"
    duplicate = copy.deepcopy(answer)
    submitted.cells.append(duplicate)
    result = sanitize(submitted, released)
    graded = [c for c in result.notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "softmax"]
    assert len(graded) == 1 and "points" not in graded[0].metadata["nbgrader"]
    assert graded[0].source == answer.source
    assert result.notebook.cells[-1].source == answer.source and "nbgrader" not in result.notebook.cells[-1].metadata


def test_deleted_answer_is_reported_and_test_cells_never_run_as_student_code(released):
    submitted = copy.deepcopy(released)
    submitted.cells = [c for c in submitted.cells if c.metadata["nbgrader"].get("grade_id") != "softmax_vjp"]
    result = sanitize(submitted, released)
    assert result.notes == ["answer cells missing: softmax_vjp"]
    sources = code_to_run(result.notebook)
    assert not any("Visible tests" in s or "Hidden tests" in s for s in sources)


def test_unreadable_files_get_a_one_line_reason(tmp_path, monkeypatch):
    binary = tmp_path / "binary.ipynb"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(SubmissionError, match="not UTF-8"):
        read_notebook(binary)
    wrong_shape = tmp_path / "list.ipynb"
    wrong_shape.write_text("[1, 2, 3]")
    with pytest.raises(SubmissionError, match="not a valid notebook"):
        read_notebook(wrong_shape)
    monkeypatch.setattr(sanitize_module, "MAX_NOTEBOOK_BYTES", 5)
    with pytest.raises(SubmissionError, match="more than"):
        read_notebook(wrong_shape)


def test_an_answer_rewritten_in_a_new_cell_is_not_overwritten_by_the_stub(released):
    submitted = copy.deepcopy(released)
    index = _ids(submitted).index("softmax")
    submitted.cells[index] = nbformat.v4.new_code_cell("def softmax(z, axis=-1):\n    return 'mine'")
    result = sanitize(submitted, released)
    assert result.notes == ["answer cells missing: softmax"]
    sources = code_to_run(result.notebook)
    mine = next(i for i, s in enumerate(sources) if "return 'mine'" in s)
    assert not any("NotImplementedError" in s and "def softmax(" in s for s in sources[mine:])
