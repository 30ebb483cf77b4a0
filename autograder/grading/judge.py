"""Run a notebook's code once, in the sandbox, and score its hidden test cells.

One execution per notebook: the worker (:mod:`autograder.worker`) runs the code cells in
order, keeping their outputs for the feedback, then makes every check's calls of the
student's functions. Verdicts are reached here, against references computed in this
process; nothing the student's code returns is trusted beyond plain data.

The time a notebook may take is one budget, whatever its number of cells. A cell or call
that hangs where the worker's own alarm cannot reach it (inside a C call) is found by the
silence of the worker's event stream: the sandbox is killed and started again, skipping
that cell, or that call and later calls of the same function, so a hang costs only what
hung.
"""
from __future__ import annotations

import importlib
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from autograder import worker
from autograder.checks.framework import Check, Verdict
from autograder.errors import AutograderError
from autograder.grading.sandbox import Sandbox, SandboxLimits
from autograder.worker import Outcome, Request

#: Seconds of silence beyond a cell's or call's own limit before the sandbox is killed.
GRACE = 5.0
#: How many times one notebook's sandbox may be started (the first run and restarts).
MAX_STARTS = 4
#: Longest event line read from a worker; anything longer is dropped.
MAX_EVENT_BYTES = 64 * 1024**2


@dataclass(frozen=True)
class Limits:
    """How long and how much a submission's code may take."""

    cell_timeout: float = 30.0
    call_timeout: float = 20.0
    notebook_budget: float = 240.0
    memory_bytes: int = 2 * 1024**3
    file_bytes: int = 256 * 1024**2
    disk_bytes: int = 256 * 1024**2
    processes: int = 64
    output_bytes: int = 256 * 1024

    def sandbox_limits(self) -> SandboxLimits:
        return SandboxLimits(memory_bytes=self.memory_bytes, disk_bytes=self.disk_bytes, processes=self.processes,
                             cpu_seconds=int(self.notebook_budget) + 60, file_bytes=self.file_bytes)


@dataclass
class NotebookRun:
    """What one notebook's execution produced: outputs per cell, outcomes per call."""

    outputs: dict = field(default_factory=dict)
    counts: dict = field(default_factory=dict)
    outcomes: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    timings: dict = field(default_factory=dict)


def checks_for(assignment_id: str) -> dict[str, Check]:
    """The hidden test cell ids of an assignment and the check that grades each."""
    try:
        module = importlib.import_module(f"autograder.checks.{assignment_id}")
    except ModuleNotFoundError as exc:
        raise AutograderError(f"no checks for assignment {assignment_id!r}: {exc}") from exc
    return module.CHECKS


# --- where the worker runs ---------------------------------------------------------------


class SandboxRunner:
    """Starts each run of the worker in a fresh bubblewrap sandbox."""

    def __init__(self, limits: Limits):
        self.sandbox = Sandbox(limits.sandbox_limits(), worker=Path(worker.__file__))

    def start(self):
        return self.sandbox.start()

    def describe(self) -> str:
        return self.sandbox.describe()


class UnsandboxedRunner:
    """``--no-sandbox``: the worker in an empty temporary folder with per-process limits
    only. Student code then runs as the grading user and can read and change what that
    user can."""

    def __init__(self, limits: Limits):
        self.limits = limits

    def describe(self) -> str:
        return "NO SANDBOX: student code runs as this user, with per-process limits only"

    def start(self):
        folder = tempfile.mkdtemp(prefix="autograder-worker-")
        script = Path(folder) / "worker.py"
        shutil.copyfile(worker.__file__, script)
        limits = self.limits

        def enter_limits():
            import resource

            resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
            resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_bytes, limits.file_bytes))

        environment = {"PATH": os.environ.get("PATH", ""), "HOME": folder, "MPLBACKEND": "Agg",
                       "MPLCONFIGDIR": folder, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
        process = subprocess.Popen([sys.executable, "-I", str(script)], cwd=folder, env=environment,
                                   start_new_session=True, preexec_fn=enter_limits, stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        return _SessionProcess(process, folder)


class _SessionProcess:
    def __init__(self, process: subprocess.Popen, folder: str):
        self.process, self.folder = process, folder

    def kill(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


_DEFAULT_RUNNERS: dict = {}


def default_runner(limits: Limits) -> SandboxRunner:
    """A sandbox runner for ``limits`` (one per set of limits in this process)."""
    if limits not in _DEFAULT_RUNNERS:
        _DEFAULT_RUNNERS[limits] = SandboxRunner(limits)
    return _DEFAULT_RUNNERS[limits]


# --- one notebook ------------------------------------------------------------------------


def judge(cells, checks: dict[str, Check], limits: Limits, runner=None) -> dict[str, Verdict]:
    """Run ``cells`` once, then grade every check on them (see :func:`run_and_judge`)."""
    return run_and_judge(cells, checks, limits, runner)[0]


def run_and_judge(cells, checks: dict[str, Check], limits: Limits, runner=None) -> tuple[dict[str, Verdict], NotebookRun]:
    """``cells`` are code sources in order, or ``(cell_id, source)`` pairs."""
    calls = [call for check in checks.values() for call in check.calls]
    run = run_notebook(cells, calls, limits, runner)
    verdicts, start = {}, 0
    for grade_id, check in checks.items():
        count = len(check.calls)
        verdicts[grade_id] = check.judge(run.outcomes[start : start + count])
        start += count
    return verdicts, run


def run_worker(cells, calls: list, limits: Limits, runner=None) -> list[Outcome]:
    """Only the outcomes of ``calls``, in order."""
    return run_notebook(cells, calls, limits, runner).outcomes


def run_notebook(cells, calls: list, limits: Limits, runner=None) -> NotebookRun:
    """Execute ``cells`` and make ``calls`` in the sandbox, within the notebook's budget."""
    runner = runner or default_runner(limits)
    cells = tuple(c if isinstance(c, tuple) else (i, c) for i, c in enumerate(cells))
    state = _RunState(len(calls))
    started = time.monotonic()
    deadline = started + limits.notebook_budget
    for _ in range(MAX_STARTS):
        # Address space per process, twice the submission's memory: one huge allocation then
        # fails as a MemoryError in its cell instead of the cgroup killing the whole run.
        request = Request(cells, tuple(calls), limits.cell_timeout, limits.call_timeout, 2 * limits.memory_bytes,
                          limits.file_bytes,
                          limits.output_bytes, tuple(state.skip_cells), tuple(state.skip_targets), state.first_call)
        finished = _one_start(runner, request, calls, limits, deadline, state)
        if finished or time.monotonic() >= deadline or not state.restartable:
            break
    state.timings["total"] = time.monotonic() - started
    return state.result(calls, budget_left=time.monotonic() < deadline)


class _RunState:
    """What the runs of one notebook found so far, and where a restart picks up."""

    def __init__(self, call_count: int):
        self.outputs: dict = {}
        self.counts: dict = {}
        self.outcomes: list = [None] * call_count
        self.skip_cells: list = []
        self.skip_targets: list = []
        self.first_call = 0
        self.notes: list = []
        self.timings: dict = {}
        self.restartable = True

    def result(self, calls, budget_left: bool) -> NotebookRun:
        why = "not run: the notebook's time budget ran out" if not budget_left else \
            "the notebook's code ended the grading process early"
        outcomes = [o if o is not None else Outcome(error=why) for o in self.outcomes]
        return NotebookRun(self.outputs, self.counts, outcomes, self.notes, self.timings)


def _error_output(name: str, message: str) -> dict:
    return {"output_type": "error", "ename": name, "evalue": message, "traceback": [f"{name}: {message}"]}


def _one_start(runner, request: Request, calls, limits: Limits, deadline: float, state: _RunState) -> bool:
    """Run the worker once; record what it reported; True when it got to the end."""
    launched = time.monotonic()
    process = runner.start()
    events: queue.Queue = queue.Queue()
    threading.Thread(target=_read_events, args=(process.process.stdout, events), daemon=True).start()
    current = None  # ("cell", id) or ("call", index) while one is running
    try:
        try:
            process.process.stdin.write(request.to_wire())
            process.process.stdin.close()
        except (BrokenPipeError, OSError):
            pass
        while True:
            limit = (limits.cell_timeout if current and current[0] == "cell" else limits.call_timeout) + GRACE
            if current is None:
                limit = limits.cell_timeout + GRACE + 60  # start-up, or between events
            wait = min(limit, deadline - time.monotonic())
            try:
                event = events.get(timeout=max(wait, 0.0))
            except queue.Empty:
                _record_stop(current, calls, state, hung=True, limits=limits)
                return False
            if event is None:  # the worker's output ended before it said it was done
                _record_stop(current, calls, state, hung=False, limits=limits)
                return False
            state.timings.setdefault("first_event", time.monotonic() - launched)
            kind, value = _classify(event, len(calls))
            if kind == "cell_start":
                current = ("cell", value)
            elif kind == "cell":
                state.outputs[value] = _clean_outputs(event.get("outputs"))
                state.counts[value] = event.get("count") if isinstance(event.get("count"), int) else None
                current = None
                state.timings["cells_done"] = time.monotonic() - launched
            elif kind == "call_start":
                current = ("call", value)
            elif kind == "call":
                state.outcomes[value] = _outcome(event.get("outcome"))
                current = None
            elif kind == "done":
                state.timings["calls_done"] = time.monotonic() - launched
                return True
    finally:
        process.kill()


def _record_stop(current, calls, state: _RunState, *, hung: bool, limits: Limits) -> None:
    """The worker stopped reporting in the middle of ``current``: charge it to that."""
    if current is None:
        state.restartable = False
        state.notes.append("the notebook's code stopped the grading process between steps")
        return
    kind, value = current
    if kind == "cell":
        message = (f"the cell ran longer than {limits.cell_timeout:g} s and was stopped" if hung
                   else "the cell ended the grading process")
        state.outputs[value] = [*state.outputs.get(value, []), _error_output("CellStopped", message)]
        state.skip_cells.append(value)
        state.notes.append(f"cell {value}: {message}")
    else:
        target = calls[value].target
        state.outcomes[value] = Outcome(error="timed out" if hung else "ended the grading process")
        if hung:
            state.skip_targets.append(target)
        state.first_call = value + 1


def _classify(event, call_count: int):
    """What kind of event a worker line is, checked as untrusted data."""
    if not isinstance(event, dict):
        return None, None
    if event.get("done") is True:
        return "done", None
    for key in ("cell", "call"):
        value = event.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            if key == "call" and not 0 <= value < call_count:
                return None, None
            if event.get("state") == "start":
                return f"{key}_start", value
            return key, value
    return None, None


def _outcome(data) -> Outcome:
    try:
        return Outcome.from_json(json.dumps(data))
    except (ValueError, TypeError, KeyError):
        return Outcome(error="the result could not be read back from the notebook's code")


#: The output fields kept from a worker, per output type; every value must be text.
_OUTPUT_FIELDS = {
    "stream": ("name", "text"),
    "display_data": ("data", "metadata"),
    "execute_result": ("data", "metadata", "execution_count"),
    "error": ("ename", "evalue", "traceback"),
}


def _clean_outputs(outputs) -> list:
    """Outputs as nbformat accepts them, with anything malformed dropped."""
    if not isinstance(outputs, list):
        return []
    kept = []
    for output in outputs[:200]:
        if not isinstance(output, dict) or output.get("output_type") not in _OUTPUT_FIELDS:
            continue
        kind = output["output_type"]
        clean = {"output_type": kind}
        try:
            if kind == "stream":
                clean["name"] = "stderr" if output.get("name") == "stderr" else "stdout"
                clean["text"] = str(output.get("text", ""))
            elif kind == "error":
                clean["ename"] = str(output.get("ename", "Error"))[:200]
                clean["evalue"] = str(output.get("evalue", ""))[:2000]
                clean["traceback"] = [str(line) for line in list(output.get("traceback", []))[:200]]
            else:
                data = output.get("data", {})
                clean["data"] = {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}
                clean["metadata"] = {}
                if kind == "execute_result":
                    clean["execution_count"] = None
        except (TypeError, ValueError, AttributeError):
            continue
        kept.append(clean)
    return kept


def _read_events(stream, events: queue.Queue) -> None:
    """Parse the worker's event lines as they come; ``None`` marks the end of the stream."""
    try:
        while True:
            line = stream.readline(MAX_EVENT_BYTES)
            if not line:
                break
            if not line.endswith(b"\n"):  # an over-long line: skip the rest of it
                while line and not line.endswith(b"\n"):
                    line = stream.readline(MAX_EVENT_BYTES)
                continue
            try:
                events.put(json.loads(line))
            except (ValueError, RecursionError):
                continue
    except (OSError, ValueError):
        pass
    finally:
        events.put(None)
