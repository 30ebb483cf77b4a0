"""Grade one notebook: the unit of work that ``grade`` runs N at a time, here or on a cluster.

A :class:`Job` carries everything needed (the submitted bytes, the limits), so it runs the
same in a local process pool and on a Dask worker; it touches no shared file and no
gradebook. It sanitizes the notebook against the release, executes it once in the sandbox
(outputs and observations together), judges the hidden test cells, and returns the
autograded notebook as text for the one process that records grades.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import nbformat
from nbformat.v4 import new_output

from autograder import course
from autograder.errors import GraderFault
from autograder.grading import environment
from autograder.grading.judge import Limits, SandboxRunner, UnsandboxedRunner, checks_for, run_and_judge
from autograder.grading.sanitize import SubmissionError, parse_notebook, sanitize


@dataclass(frozen=True)
class Job:
    """One submitted notebook to grade."""

    student_id: str
    assignment_id: str
    notebook_name: str
    content: bytes
    limits: Limits = Limits()
    sandboxed: bool = True
    notes: tuple = ()
    released: bytes = b""  # the released notebook, so a worker needs no clone of the course
    grader: str = ""  # the fingerprint of the grader that sent the job (environment.fingerprint)


@dataclass
class JobResult:
    """What grading one notebook gave: the autograded notebook, or why there is none."""

    student_id: str
    assignment_id: str
    notebook_name: str
    autograded: str | None
    problem: str | None = None  # why the submission cannot be graded: the student's doing
    fault: str | None = None  # why the grader could not grade it: never a grade, graded again later
    notes: list = field(default_factory=list)
    timings: dict = field(default_factory=dict)


_RUNNERS: dict = {}


def _runner(job: Job):
    """One runner per process and set of limits (a sandbox checks its set-up once)."""
    key = (job.limits, job.sandboxed)
    if key not in _RUNNERS:
        _RUNNERS[key] = (SandboxRunner if job.sandboxed else UnsandboxedRunner)(job.limits)
    return _RUNNERS[key]


def grade_notebook(job: Job) -> JobResult:
    """Sanitize, run once in the sandbox, judge; never raises.

    What goes wrong is sorted by whose doing it is: a submission that cannot be graded
    (``problem``, a row with its reason) or the grader's own failure (``fault``: a worker
    that differs from the grader, a sandbox that never started, an exception in the
    grader's code), which the caller retries and never records as a grade.
    """
    result = JobResult(job.student_id, job.assignment_id, job.notebook_name, None, notes=list(job.notes))
    try:
        _grade_into(result, job)
    except SubmissionError as exc:
        result.problem = str(exc)
    except GraderFault as exc:
        result.fault = str(exc)
    except Exception as exc:  # noqa: BLE001 - the grader's own bug: reported, retried, never a grade
        result.fault = f"{type(exc).__name__} in the grader: {exc}"
    return result


def _grade_into(result: JobResult, job: Job) -> None:
    started = time.monotonic()
    if job.grader and job.grader != environment.fingerprint():
        raise GraderFault("this worker runs a different grader (version, code or checks) than the one that "
                          "sent the job")
    released = nbformat.reads(job.released.decode("utf-8"), 4) if job.released else \
        nbformat.read(course.released_notebook(job.assignment_id), 4)
    sanitized = sanitize(parse_notebook(job.content), released)
    result.notes.extend(sanitized.notes)
    notebook = sanitized.notebook
    checks = checks_for(job.assignment_id)
    cells = [(index, cell.source) for index, cell in enumerate(notebook.cells)
             if cell.cell_type == "code" and _grade_id(cell) not in checks]
    result.timings["sanitize"] = time.monotonic() - started
    verdicts, run = run_and_judge(cells, checks, job.limits, _runner(job))
    if "first_event" not in run.timings:  # the worker never reported: no student code ran at all
        raise GraderFault("the sandbox did not start (no word from the worker)")
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        grade_id = _grade_id(cell)
        if grade_id in verdicts:
            verdict = verdicts[grade_id]
            cell.outputs = [
                new_output("stream", name="stdout", text=verdict.report() + "\n"),
                new_output("execute_result", data={"text/plain": repr(verdict.score)}, execution_count=None),
            ]
            cell.execution_count = None
        else:
            cell.outputs = [nbformat.from_dict(output) for output in run.outputs.get(index, [])]
            cell.execution_count = run.counts.get(index)
    result.notes.extend(run.notes)
    result.autograded = nbformat.writes(notebook)
    result.timings.update(run.timings)
    result.timings["job"] = time.monotonic() - started


def _grade_id(cell) -> str | None:
    grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
    return grade_id if isinstance(grade_id, str) else None
