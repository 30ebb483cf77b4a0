"""The harness every checks test uses, written once: grade a function on a check in this
process, the catalogues of an assignment, and which assignments have checks and a catalogue.

A new exercise needs ``autograder/checks/<id>.py`` and ``tests/catalogue/<id>.py``
(``CORRECT``, ``MISTAKES`` and, as data, ``EXPECTED_FAILED_PART`` and
``ACTIONABLE_MESSAGES``); ``tests/test_checks_contract.py`` then tests it like every other.
"""
from __future__ import annotations

import contextlib
import importlib
import resource
from pathlib import Path

import pytest

from autograder import course
from autograder.checks.framework import Check, Verdict
from autograder.protocol import Outcome, probe

ROOT = Path(__file__).resolve().parent.parent


def graded_assignments() -> list[str]:
    """Every assignment with a source notebook, a checks module and a catalogue."""
    return [a for a in course.assignment_ids()
            if (ROOT / "autograder" / "checks" / f"{a}.py").is_file() and (ROOT / "tests" / "catalogue" / f"{a}.py").is_file()]


def checks_module(assignment_id: str):
    return importlib.import_module(f"autograder.checks.{assignment_id}")


def catalogue(assignment_id: str):
    return importlib.import_module(f"tests.catalogue.{assignment_id}")


def check_for(assignment_id: str, name: str) -> Check:
    return checks_module(assignment_id).CHECKS[f"{name}-hidden"]


def graded_names(assignment_id: str) -> list[str]:
    return [check.target for check in checks_module(assignment_id).CHECKS.values()]


def load(source: str, name: str, **names):
    """Run a catalogue source in a fresh namespace (holding ``names``: a solution cell's
    source may rely on the notebook's imports cell) and return the function it defines."""
    namespace: dict = dict(names)
    exec(compile(source, f"<catalogue: {name}>", "exec"), namespace)
    return namespace[name]


@contextlib.contextmanager
def address_space_cap(extra_bytes: int = 4 * 1024**3):
    """Make an allocation of hundreds of GB fail at once with MemoryError, as the worker's
    memory limit does, instead of relying on the machine's overcommit policy."""
    try:
        with open("/proc/self/status") as status:
            kb = next(int(line.split()[1]) for line in status if line.startswith("VmSize:"))
    except (OSError, StopIteration, ValueError):
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = kb * 1024 + extra_bytes
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    if soft != resource.RLIM_INFINITY:
        cap = min(cap, soft)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def outcomes_of(check: Check, function, *, via_json: bool = False) -> list[Outcome]:
    """Call ``function`` as the check says, in this process; ``via_json`` sends every
    outcome through the worker's wire format, as the grader receives it."""
    with address_space_cap():
        outcomes = [probe(function, call) for call in check.calls]
    if via_json:
        outcomes = [Outcome.from_json(outcome.to_json()) for outcome in outcomes]
    return outcomes


def grade(check: Check, function, *, via_json: bool = False) -> Verdict:
    return check.judge(outcomes_of(check, function, via_json=via_json))


def failed_parts(verdict: Verdict) -> list:
    return [part for part in verdict.parts if not part.passed]


def catalogue_ids(entries: dict) -> list:
    return [pytest.param(name, label, id=f"{name}/{label}") for name in entries for label in entries[name]]
