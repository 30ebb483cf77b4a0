"""Score a notebook's hidden test cells: run it once (:mod:`~autograder.grading.execute`),
then judge every check on what its calls gave back.

Verdicts are reached here, against references computed in this process; nothing the
student's code returns is trusted beyond plain data, and SymPy answers are rebuilt from
their ``srepr`` and evaluated here (:meth:`~autograder.checks.framework.Check.judge`).
"""
from __future__ import annotations

import importlib

from autograder.checks.framework import Check, Verdict
from autograder.errors import AutograderError
from autograder.grading.execute import Limits, NotebookRun, SandboxRunner, run_notebook  # noqa: F401 - Limits and SandboxRunner: where callers have found them


def checks_for(assignment_id: str) -> dict[str, Check]:
    """The hidden test cell ids of an assignment and the check that grades each."""
    try:
        module = importlib.import_module(f"autograder.checks.{assignment_id}")
    except ModuleNotFoundError as exc:
        raise AutograderError(f"no checks for assignment {assignment_id!r}: {exc}") from exc
    return module.CHECKS


def run_and_judge(cells, checks: dict[str, Check], limits: Limits, runner=None) -> tuple[dict[str, Verdict], NotebookRun]:
    """Run ``cells`` (code sources in order, or ``(cell_id, source)`` pairs) once, then
    grade every check on them; the verdicts by hidden cell id, and the run."""
    calls = [call for check in checks.values() for call in check.calls]
    run = run_notebook(cells, calls, limits, runner)
    verdicts, start = {}, 0
    for grade_id, check in checks.items():
        count = len(check.calls)
        verdicts[grade_id] = check.judge(run.outcomes[start : start + count])
        start += count
    return verdicts, run
