"""Shared helpers: make submissions from the released notebook, read the grade tables."""
from __future__ import annotations

import csv
from pathlib import Path

import nbformat
import pytest

from autograder.fill import filled, reference_answers

ASSIGNMENT = "ex02_softmax"
GRADED_NAMES = ["softmax", "log_softmax", "softmax_jacobian", "softmax_vjp", "softmax_jacobian_symbolic"]


def write_submission(root: Path, student: str, notebook, assignment: str = ASSIGNMENT) -> Path:
    path = root / student / assignment / f"{assignment}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, path)
    return path


def read_rows(path: Path) -> list[dict]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="session")
def answers() -> dict[str, str]:
    return reference_answers(ASSIGNMENT)


@pytest.fixture(scope="session")
def perfect(answers):
    return filled(ASSIGNMENT, answers)
