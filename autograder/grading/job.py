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
from autograder.checks.framework import VERDICT_MIME
from autograder.errors import GraderFault
from autograder.grading import environment
from autograder.grading.execute import Limits, runner_for
from autograder.grading.judge import checks_for, run_and_judge
from autograder.grading.sanitize import SubmissionError, parse_notebook, sanitize
from autograder.recognise import edited_locked_cells


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


def warm_up(limits: Limits, sandboxed: bool, assignment_ids) -> None:
    """Get a grading process ready before its first job: its zygote started (it imports
    while the first notebook is sanitized), and the notebook schema and each assignment's
    checks loaded. Only ever saves time: what fails here fails again, and is reported, in
    the job itself."""
    runner_for(limits, sandboxed).prepare()
    for assignment_id in assignment_ids:
        checks_for(assignment_id)
        nbformat.validate(nbformat.read(course.released_notebook(assignment_id), 4))


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
    submitted = parse_notebook(job.content)
    sanitized = sanitize(submitted, released)
    result.notes.extend(sanitized.notes)
    locked = edited_locked_cells(submitted, released)
    if locked:  # put back as released by the sanitiser, like the test cells: said here, as they are
        result.notes.append(f"restored edited locked cells: {', '.join(locked)}")
    notebook = sanitized.notebook
    checks = checks_for(job.assignment_id)
    cells = [(index, cell.source) for index, cell in enumerate(notebook.cells)
             if cell.cell_type == "code" and _grade_id(cell) not in checks]
    result.timings["sanitize"] = time.monotonic() - started
    verdicts, run = run_and_judge(cells, checks, job.limits, runner_for(job.limits, job.sandboxed))
    if "first_event" not in run.timings:  # the worker never reported: no student code ran at all
        raise GraderFault("the sandbox did not start (no word from the worker)")
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        grade_id = _grade_id(cell)
        if grade_id in verdicts:
            verdict = verdicts[grade_id]
            # nbgrader's SaveAutoGrades reads the score from "text/plain" of the execute_result
            # (nbgrader.utils.get_partial_grade); the verdict rides beside it as data, which
            # the feedback and the analysis read back (framework.verdict_in). The report on
            # stdout is for people reading the notebook in the formgrader.
            cell.outputs = [
                new_output("stream", name="stdout", text=verdict.report() + "\n"),
                new_output("execute_result", data={"text/plain": repr(verdict.score), VERDICT_MIME: verdict.to_dict()},
                           execution_count=None),
            ]
            cell.execution_count = None
        else:
            cell.outputs = [nbformat.from_dict(output) for output in run.outputs.get(index, [])]
            cell.execution_count = run.counts.get(index)
        if grade_id in locked:  # the feedback page shows it under the cell that was put back
            cell.outputs.insert(0, new_output("stream", name="stderr", text=LOCKED_NOTE))
    result.notes.extend(run.notes)
    result.autograded = nbformat.writes(notebook)
    result.timings.update(run.timings)
    result.timings["job"] = time.monotonic() - started


#: Shown under a locked cell the student had edited, in the autograded notebook and the feedback.
LOCKED_NOTE = ("Note: your notebook had changed this locked cell; it was graded as released. "
               "Put what you added in a cell of your own.\n")


def _grade_id(cell) -> str | None:
    grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
    return grade_id if isinstance(grade_id, str) else None
