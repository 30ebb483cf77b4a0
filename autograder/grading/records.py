"""The grade tables: ``grades.csv`` (one row per submission) and ``cells.csv`` (one per cell),
and reading a submission's grade back from the gradebook to fill them.

Rows are appended and flushed as each submission finishes, so a run that is killed half-way
keeps every grade it reached.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook

from autograder import course

GRADE_COLUMNS = ["student_id", "assignment_id", "score", "max_score", "status"]
CELL_COLUMNS = ["student_id", "assignment_id", "notebook", "grade_id", "score", "max_score"]


@dataclass(frozen=True)
class CellGrade:
    notebook: str
    grade_id: str
    score: float
    max_score: float


@dataclass(frozen=True)
class SubmissionGrade:
    student_id: str
    assignment_id: str
    score: float
    max_score: float
    status: str
    cells: tuple[CellGrade, ...] = ()


def number(value: float) -> str:
    return f"{value:g}"


class GradeTables:
    """Writes both tables under ``out``, starting them afresh."""

    def __init__(self, out: Path):
        self.grades_path = out / "grades.csv"
        self.cells_path = out / "cells.csv"
        for path, columns in ((self.grades_path, GRADE_COLUMNS), (self.cells_path, CELL_COLUMNS)):
            with path.open("w", newline="") as handle:
                csv.writer(handle).writerow(columns)

    def add(self, grade: SubmissionGrade) -> None:
        with self.grades_path.open("a", newline="") as handle:
            csv.writer(handle).writerow([grade.student_id, grade.assignment_id, number(grade.score),
                                         number(grade.max_score), grade.status])
        with self.cells_path.open("a", newline="") as handle:
            writer = csv.writer(handle)
            for cell in grade.cells:
                writer.writerow([grade.student_id, grade.assignment_id, cell.notebook, cell.grade_id,
                                 number(cell.score), number(cell.max_score)])


def recorded_grade(work: Path, student_id: str, assignment_id: str, status: str) -> SubmissionGrade:
    """A submission's grade as the gradebook under ``work`` has it (manual scores included)."""
    order = _graded_cell_order(assignment_id)
    with Gradebook(course.gradebook_url(work)) as gradebook:
        notebook = gradebook.find_submission_notebook(assignment_id, assignment_id, student_id)
        cells = tuple(
            CellGrade(assignment_id, g.name, float(g.score or 0), float(g.max_score))
            for g in sorted(notebook.grades, key=lambda g: order.get(g.name, len(order)))
        )
        return SubmissionGrade(student_id, assignment_id, float(notebook.score or 0), float(notebook.max_score),
                               status, cells)


def _graded_cell_order(assignment_id: str) -> dict[str, int]:
    """Graded cells in notebook order, so that cells.csv reads like the notebook."""
    notebook = nbformat.read(course.released_notebook(assignment_id), 4)
    graded = [c.metadata["nbgrader"]["grade_id"] for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade")]
    return {grade_id: index for index, grade_id in enumerate(graded)}


def read_grades(path: Path) -> list[SubmissionGrade]:
    """The rows of an existing ``grades.csv`` (without their cells)."""
    with path.open(newline="") as handle:
        return [SubmissionGrade(row["student_id"], row["assignment_id"], float(row["score"]),
                                float(row["max_score"]), row["status"]) for row in csv.DictReader(handle)]
