"""Shared helpers: make submissions from the released notebook, read the grade tables.

The suite runs in two processes (``-n 2 --dist loadgroup``, pytest.ini). A file whose tests
share an expensive session fixture (a whole ``grade`` run) marks them with one
``xdist_group``, so they run in one process and the fixture is made once; a module-scoped
fixture would not do, since a process runs other files' tests in between. Cheap session
fixtures (a browser) are made once per process instead, so their many tests spread.
"""
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
