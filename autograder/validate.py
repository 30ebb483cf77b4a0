"""Check a notebook before handing it in: the ``validate`` command (the instructors' twin of
the student kit's ``validate.py``, with the same steps and messages).

Says first which exercise it took the notebook for (:func:`autograder.recognise.identify`:
from its cells, whatever the file is called, as ``grade`` does), then runs the notebook the
way the grader will see it (test and locked cells as released), in a fresh kernel reached
over local sockets, and lists what needs attention: answers not written yet (code and
written ones), visible tests that fail, and test or locked cells that were edited or
deleted (they are restored when grading).
"""
from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError

from autograder import course
from autograder.errors import AutograderError
from autograder.grading.sanitize import MAX_NOTEBOOK_BYTES, SubmissionError, parse_notebook, sanitize
from autograder.recognise import edited_locked_cells, identify, normalise, unwritten_answers


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)
    passed: list[str] = field(default_factory=list)
    first: str = ""  # which exercise the notebook was taken for, and how that was decided

    @property
    def ok(self) -> bool:
        return not self.problems

    def text(self) -> str:
        lines = [self.first] if self.first else []
        lines += [f"passed: {name}" for name in self.passed]
        lines += [f"PROBLEM: {problem}" for problem in self.problems]
        verdict = "ready to hand in" if self.ok else f"{len(self.problems)} problem(s) to fix before handing in"
        return "\n".join([*lines, verdict])


def _released() -> dict:
    return {a: json.loads(course.released_notebook(a).read_bytes()) for a in course.assignment_ids()
            if course.released_notebook(a).is_file()}


def _kernel_manager_class(tmp: str):
    """Kernels reached over local sockets (IPC, files in ``tmp``) on POSIX: nothing travels
    over TCP, so the kernel has nothing to warn about; on Windows, TCP on the loopback.
    A class, not a manager: nbclient then owns the kernel and shuts it down when done."""
    from jupyter_client.manager import AsyncKernelManager

    if os.name != "posix":
        return AsyncKernelManager

    class LocalSockets(AsyncKernelManager):
        def __init__(self, **options):
            super().__init__(**{**options, "transport": "ipc", "ip": os.path.join(tmp, "kernel")})

    return LocalSockets


def validate(path: Path, *, timeout: int = 60) -> Report:
    if not path.is_file():
        raise AutograderError(f"no such notebook: {path}")
    report = Report()
    if path.stat().st_size > MAX_NOTEBOOK_BYTES:
        report.problems.append(f"not graded: the notebook is more than {MAX_NOTEBOOK_BYTES // 1024**2} MB")
        return report
    content = path.read_bytes()
    try:
        submitted = parse_notebook(normalise(content) or content)
    except SubmissionError as exc:
        report.problems.append(str(exc))
        return report
    released = _released()
    recognised = identify(submitted, released, path.name)
    if recognised.assignment_id is None:
        raise AutograderError(f"{path.name} is not one of this course's exercise notebooks ({recognised.how})")
    assignment_id = recognised.assignment_id
    report.first = f"{path.name}: checked as {assignment_id} (recognised from {recognised.how})"
    frame = nbformat.reads(json.dumps(released[assignment_id]), 4)
    sanitized = sanitize(submitted, frame)
    for kind, ids, consequence in (
        ("test cells edited", sanitized.restored, "grading uses the originals"),
        ("locked cells edited", edited_locked_cells(submitted, frame),
         "grading uses the originals: put what you added in a cell of your own"),
        ("test cells deleted", sanitized.reinserted, "grading puts them back"),
        ("answer cells missing", sanitized.missing_answers,
         "copy them from the released notebook and put your answers back in them"),
    ):
        if ids:
            report.problems.append(f"{kind}: {', '.join(ids)} ({consequence})")
    for grade_id in unwritten_answers(sanitized.notebook):
        report.problems.append(f"{grade_id}: not written yet (it still says YOUR ANSWER HERE); it is graded by hand")
    notebook = sanitized.notebook
    replies: dict[int, dict] = {}
    with tempfile.TemporaryDirectory(prefix="validate-") as tmp:
        _run(notebook, path, timeout, replies, report, tmp)
    _read_replies(notebook, replies, timeout, report)
    return report


def _run(notebook, path: Path, timeout: int, replies: dict, report: Report, tmp: str) -> None:
    client = NotebookClient(
        notebook, kernel_manager_class=_kernel_manager_class(tmp), kernel_name="python3", timeout=timeout,
        allow_errors=True, extra_arguments=course.KERNEL_ARGUMENTS, interrupt_on_timeout=True,
        error_on_timeout={"ename": TIMED_OUT, "evalue": "", "traceback": []},
        on_cell_executed=lambda cell, cell_index, execute_reply: replies.__setitem__(cell_index, execute_reply),
        resources={"metadata": {"path": str(path.parent.resolve())}},
    )
    try:
        client.execute()
    except DeadKernelError:
        report.problems.append("the kernel died while running the notebook (does a cell exit or crash?); "
                               "the cells after that one did not run")
    except CellTimeoutError:
        report.problems.append(f"a cell did not finish within {timeout} s and could not be interrupted; "
                               "the cells after it did not run")


def _read_replies(notebook, replies: dict, timeout: int, report: Report) -> None:
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code" or index not in replies:
            continue
        name = cell.metadata.get("nbgrader", {}).get("grade_id") or f"cell {index + 1}"
        error = _error_of(cell, replies[index])
        if error is None:
            if "-" in name and cell.source.strip() and not name.endswith("-hidden"):
                report.passed.append(name)
        elif error[0] == "NotImplementedError":
            report.problems.append(f"{name}: {name.split('-')[0]} is not written yet (NotImplementedError)")
        elif error[0] in (TIMED_OUT, "KeyboardInterrupt"):
            report.problems.append(f"{name}: did not finish within {timeout} s (an endless loop?)")
        else:
            report.problems.append(f"{name}: {error[0]}: {error[1]}".strip().rstrip(":")[:300])


TIMED_OUT = "TimedOut"


def _error_of(cell, reply: dict) -> tuple[str, str] | None:
    """The cell's error as (name, message): from its outputs, or from the kernel's reply
    when the error never reached the outputs (a timeout, a silenced traceback)."""
    for output in cell.outputs:
        if output.output_type == "error":
            return output.ename, output.evalue
    content = reply.get("content", {})
    if content.get("status") == "error":
        return content.get("ename", "error"), content.get("evalue", "")
    return None
