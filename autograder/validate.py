"""Check a notebook before handing it in: the ``validate`` command.

Runs the notebook the way the grader will see it (test cells as released), in a fresh
kernel, and lists what needs attention: answers not written yet, visible tests that
fail, and test cells that were edited or deleted (they are restored when grading).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError

from autograder import course
from autograder.errors import AutograderError
from autograder.grading.sanitize import SubmissionError, read_notebook, sanitize


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)
    passed: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def text(self) -> str:
        lines = [f"passed: {name}" for name in self.passed]
        lines += [f"PROBLEM: {problem}" for problem in self.problems]
        verdict = "ready to hand in" if self.ok else f"{len(self.problems)} problem(s) to fix before handing in"
        return "\n".join([*lines, verdict])


def _assignment_of(path: Path, notebook) -> str:
    ids = course.assignment_ids()
    stem = path.stem.split(" ")[0]
    if stem in ids:
        return stem
    theirs = {c.metadata.get("nbgrader", {}).get("grade_id") for c in notebook.cells}
    for assignment_id in ids:
        released = nbformat.read(course.released_notebook(assignment_id), 4)
        if theirs & {c.metadata.get("nbgrader", {}).get("grade_id") for c in released.cells} - {None}:
            return assignment_id
    raise AutograderError(f"{path.name} is not one of this course's exercise notebooks")


def validate(path: Path, *, timeout: int = 60) -> Report:
    if not path.is_file():
        raise AutograderError(f"no such notebook: {path}")
    report = Report()
    try:
        submitted = read_notebook(path)
    except SubmissionError as exc:
        report.problems.append(str(exc))
        return report
    assignment_id = _assignment_of(path, submitted)
    sanitized = sanitize(submitted, nbformat.read(course.released_notebook(assignment_id), 4))
    for kind, ids, consequence in (
        ("test cells edited", sanitized.restored, "grading uses the originals"),
        ("test cells deleted", sanitized.reinserted, "grading puts them back"),
        ("answer cells missing", sanitized.missing_answers,
         "copy them from the released notebook and put your answers back in them"),
    ):
        if ids:
            report.problems.append(f"{kind}: {', '.join(ids)} ({consequence})")
    notebook = sanitized.notebook
    replies: dict[int, dict] = {}
    client = NotebookClient(
        notebook, timeout=timeout, allow_errors=True, kernel_name="python3", extra_arguments=course.KERNEL_ARGUMENTS,
        interrupt_on_timeout=True, error_on_timeout={"ename": TIMED_OUT, "evalue": "", "traceback": []},
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
    return report


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
