"""The grade tables: ``grades.csv`` (one row per submission) and ``cells.csv`` (one per cell).

Rows are appended and flushed as each submission finishes, so a run that is killed half-way
keeps every grade it reached.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

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
