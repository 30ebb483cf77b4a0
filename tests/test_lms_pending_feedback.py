"""Feedback for a proof nobody graded yet says so ("Score pending") instead of a bare 0, and says
nothing of the kind once a grader has scored it."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_markdown_cell, new_notebook
from nbgrader.api import Gradebook, GradeCell, SolutionCell

from autograder.grading.feedback import PENDING_NOTE, GetGradesMarkingPending


def test_pending_proof_gets_a_pending_comment(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""))  # alembic
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    meta = {"nbgrader": {"grade": True, "solution": True, "grade_id": "proof", "points": 4, "schema_version": 3,
                         "locked": False}}
    with Gradebook(url) as gradebook:
        gradebook.add_assignment("ex")
        gradebook.add_student("ada")
        notebook = gradebook.update_or_create_notebook("ex", "ex")
        gradebook.db.add(GradeCell(name="proof", max_score=4, notebook=notebook, cell_type="markdown"))
        gradebook.db.add(SolutionCell(name="proof", notebook=notebook))
        gradebook.db.commit()
        gradebook.add_submission("ex", "ada")
    resources = {"nbgrader": {"notebook": "ex", "assignment": "ex", "student": "ada", "db_url": url}}
    nb = new_notebook(cells=[new_markdown_cell("my proof", metadata=meta)])
    marked, _ = GetGradesMarkingPending().preprocess(nbformat.from_dict(nb), resources)
    assert marked.cells[0].metadata.nbgrader["comment"] == PENDING_NOTE
    with Gradebook(url) as gradebook:
        gradebook.find_grade("proof", "ex", "ex", "ada").manual_score = 3
        gradebook.db.commit()
    graded, _ = GetGradesMarkingPending().preprocess(nbformat.from_dict(nb), resources)
    assert graded.cells[0].metadata.nbgrader.get("comment") != PENDING_NOTE
