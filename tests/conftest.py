"""Shared helpers: make submissions from the released notebook, read the grade tables."""
from __future__ import annotations

import csv
from pathlib import Path

import nbformat
import pytest

from autograder.fill import filled, reference_answers

ASSIGNMENT = "ex02_softmax"


def pytest_collection_modifyitems(items):
    """Under pytest-xdist (``-n 2`` in pytest.ini), keep each file's tests in one process;
    only the many small, independent checks tests (``test_checks_*``) are spread over both.
    A file's expensive fixture (a whole `grade` run, a browser, the built site) is
    session-scoped, not module-scoped: the process may run other files' tests between this
    file's, and a module fixture would then be torn down and made again (measured: every
    whole-`grade` fixture ran twice)."""
    for item in items:
        if not item.module.__name__.split(".")[-1].startswith("test_checks_") and not item.get_closest_marker("xdist_group"):
            item.add_marker(pytest.mark.xdist_group(item.module.__name__))
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
