"""Two nbgrader preprocessors that put our judge into nbgrader's autograde pipeline.

nbgrader decides a test cell's score from the outputs the student's kernel produced; a
submission that patches IPython or the checks could forge those. So the hidden test
cells are not run in the student's kernel at all (:class:`ExecuteExceptJudged`), and
:class:`JudgeHiddenTests` writes their outputs from verdicts reached outside it. nbgrader's
own SaveAutoGrades then reads the score from those outputs (partial credit).
"""
from __future__ import annotations

from nbformat.v4 import new_output
from nbgrader.preprocessors import Execute, NbGraderPreprocessor
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from traitlets import Bool, Float, Integer

from autograder.errors import AutograderError
from autograder.grading.judge import Limits, checks_for, judge
from autograder.grading.kernel import LimitedKernelManager
from autograder.grading.sanitize import code_to_run


def _grade_id(cell) -> str:
    return cell.metadata.get("nbgrader", {}).get("grade_id", "")


def _assignment(resources) -> str:
    return resources["nbgrader"]["assignment"]


class ExecuteExceptJudged(Execute):
    """nbgrader's Execute, skipping the cells that :class:`JudgeHiddenTests` grades.

    A cell that silences or kills the kernel costs that cell, not the whole notebook:
    the error is recorded in its outputs and the remaining cells still run.
    """

    raise_on_iopub_timeout = Bool(False).tag(config=True)
    max_output_bytes = Integer(1024**2, help="Output kept per cell; the rest is dropped as it arrives.").tag(config=True)

    def __init__(self, **kwargs):
        kwargs["kernel_manager_class"] = LimitedKernelManager  # nbgrader's Execute would set its own
        super().__init__(**kwargs)
        self._output_bytes: dict[int, int] = {}  # per cell index, for the notebook being run

    def output(self, outs, msg, display_id, cell_index):
        """Keep at most :attr:`max_output_bytes` of each cell's output, counted as it
        streams in, so a cell that prints without end cannot exhaust the grader's memory."""
        if msg["msg_type"] == "error":  # always kept: it decides whether the cell failed
            return super().output(outs, msg, display_id, cell_index)
        size = len(str(msg.get("content", "")))
        seen = self._output_bytes.get(cell_index, 0)
        self._output_bytes[cell_index] = seen + size
        if seen + size <= self.max_output_bytes:
            return super().output(outs, msg, display_id, cell_index)
        if seen <= self.max_output_bytes:
            outs.append(new_output("stream", name="stderr",
                                   text=f"\n[output truncated: more than {self.max_output_bytes} bytes]\n"))
        return None

    def preprocess(self, nb, resources=None, km=None):
        self._judged = set(checks_for(_assignment(resources)))
        self._output_bytes = {}
        return super().preprocess(nb, resources, km=km)

    def preprocess_cell(self, cell, resources, index):
        if _grade_id(cell) in self._judged:
            cell.outputs = []
            return cell, resources
        try:
            return super().preprocess_cell(cell, resources, index)
        except (CellTimeoutError, DeadKernelError) as exc:
            message = (str(exc).strip().splitlines() or [""])[0]
            cell.outputs.append(new_output("error", ename=type(exc).__name__, evalue=message, traceback=[message]))
            return cell, resources


class JudgeHiddenTests(NbGraderPreprocessor):
    """Grade every hidden test cell with its check, in a disposable worker process."""

    cell_timeout = Float(Limits.cell_timeout, help="Seconds one notebook cell may run in the worker.").tag(config=True)
    call_timeout = Float(Limits.call_timeout, help="Seconds one call of a student's function may run.").tag(config=True)
    memory_limit = Integer(Limits.memory_bytes, help="Bytes of address space the worker may use.").tag(config=True)
    file_size_limit = Integer(Limits.file_bytes, help="Largest file the worker may write, in bytes.").tag(config=True)

    def preprocess(self, nb, resources):
        checks = checks_for(_assignment(resources))
        cells = {_grade_id(cell): cell for cell in nb.cells if _grade_id(cell) in checks}
        untested = [gid for gid in checks if gid not in cells]
        if untested:
            raise AutograderError(f"hidden test cells missing after sanitizing: {', '.join(untested)}")
        limits = Limits(self.cell_timeout, self.call_timeout, self.memory_limit, self.file_size_limit)
        for grade_id, verdict in judge(code_to_run(nb), checks, limits).items():
            cells[grade_id].outputs = [
                new_output("stream", name="stdout", text=verdict.report() + "\n"),
                new_output("execute_result", data={"text/plain": repr(verdict.score)}, execution_count=None),
            ]
        return nb, resources
