"""Make submissions from a released notebook: fill its answer cells with given sources.

Used to build the demo class and the test suite's submissions, so that every made-up
student starts from the real released notebook, exactly as a student would.
"""
from __future__ import annotations

import copy
import re

import nbformat
from nbformat import NotebookNode

from autograder import course

_SOLUTION = re.compile(r"^[ \t]*### BEGIN SOLUTION\n(.*?)^[ \t]*### END SOLUTION\n?", re.S | re.M)


def reference_answers(assignment_id: str) -> dict[str, str]:
    """The answer cells of the instructor's source notebook, with the solution markers removed."""
    source = nbformat.read(course.source_notebook(assignment_id), 4)
    return {
        cell.metadata["nbgrader"]["grade_id"]: _SOLUTION.sub(r"\1", cell.source)
        for cell in source.cells
        if cell.metadata.get("nbgrader", {}).get("solution")
    }


def filled(assignment_id: str, answers: dict[str, str]) -> NotebookNode:
    """The released notebook with each answer cell named in ``answers`` replaced."""
    notebook = copy.deepcopy(nbformat.read(course.released_notebook(assignment_id), 4))
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id]
    return notebook
