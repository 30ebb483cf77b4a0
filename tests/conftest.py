"""Shared helpers: make submissions from the released notebook, read the grade tables."""
from __future__ import annotations

import csv
from pathlib import Path

import nbformat
import pytest

from autograder.fill import filled, reference_answers

ASSIGNMENT = "ex02_softmax"


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook, which reads the groups
def pytest_collection_modifyitems(items):
    """Under pytest-xdist (``-n 2 --dist loadgroup`` in pytest.ini), the tests of a file that
    share an expensive session fixture of that file (a whole `grade` run, a browser, the built
    site) run in one process, so the fixture is made once; every other test goes wherever a
    process is free. (A module-scoped fixture would not do: the process may run other files'
    tests in between, and the fixture would be torn down and made again.)"""
    for item in items:
        if item.get_closest_marker("xdist_group") is None and _uses_a_session_fixture_of_its_file(item):
            item.add_marker(pytest.mark.xdist_group(item.module.__name__))


def _uses_a_session_fixture_of_its_file(item) -> bool:
    module = item.nodeid.split("::")[0]
    for name in item.fixturenames:
        definitions = item._fixtureinfo.name2fixturedefs.get(name) or ()
        if definitions and definitions[-1].scope == "session" and definitions[-1].baseid == module:
            return True
    return False


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
