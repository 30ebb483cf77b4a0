"""Run a notebook once in the sandbox: its cells, then the checks' calls, within one budget.

The worker (``autograder/worker.py``, with :mod:`autograder.protocol` beside it) runs the
code cells in order, keeping their outputs for the feedback; only then are the calls of
the student's functions sent, one at a time, each answered before the next is sent
(:mod:`autograder.protocol` describes the conversation). Array arguments go through a
shared :class:`~autograder.protocol.Arena`, read back here after each call: an argument
changed in place is seen from this side, where the student's code cannot hide it.

The time a notebook may take is one budget, whatever its number of cells. A cell or call
that hangs where the worker's own alarm cannot reach it (inside a C call) is found by the
time it has been running, whatever else arrives on the event stream: the sandbox is killed
and started again, skipping that cell, or that call and later calls of the same function,
so a hang costs only what hung. When the budget is spent, the whole sandbox is killed.

Everything read from the worker is untrusted and bounded: lines are cut at
:data:`MAX_EVENT_BYTES`, at most :data:`MAX_STREAM_BYTES` are read per start, at most a few
events wait in memory, and every byte of a cell's outputs (errors and frame names too)
counts against the cell's and the notebook's output limits.
"""
from __future__ import annotations

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

from autograder import protocol
from autograder.grading.sandbox import Sandbox, SandboxLimits
from autograder.grading.warm import WarmSandbox
from autograder.protocol import Arena, Outcome, Request

#: The two files that run in the sandbox: the worker and the protocol it imports.
WORKER = Path(__file__).resolve().parent.parent / "worker.py"
PROTOCOL = Path(protocol.__file__).resolve()
#: Seconds beyond a cell's or call's own limit before the sandbox is killed.
GRACE = 5.0
#: Seconds the worker may take to start and between steps.
START_UP = 60.0
#: How many times one notebook's sandbox may be started (the first run and restarts).
MAX_STARTS = 4
#: Longest event line read from a worker; anything longer is dropped.
MAX_EVENT_BYTES = 16 * 1024**2
#: Bytes read from one start of a worker at most; past them the worker is stopped.
MAX_STREAM_BYTES = 512 * 1024**2
#: Events read but not yet handled, at most (the reader waits beyond that).
MAX_QUEUED_EVENTS = 8


@dataclass(frozen=True)
class Limits:
    """How long and how much a submission's code may take (the one place of the defaults)."""

    cell_timeout: float = 30.0
    call_timeout: float = 20.0
    notebook_budget: float = 240.0
    memory_bytes: int = 2 * 1024**3
    file_bytes: int = 256 * 1024**2
    disk_bytes: int = 256 * 1024**2
    processes: int = 64
    output_bytes: int = 256 * 1024
    notebook_output_bytes: int = 4 * 1024**2

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


# --- where the worker runs ---------------------------------------------------------------


class SandboxRunner:
    """Starts each run of the worker in a fresh bubblewrap sandbox: forked from this
    process's zygote (:mod:`autograder.grading.warm`), or a cold start where none can run."""

    def __init__(self, limits: Limits, *, warm: bool = True):
        self.sandbox = Sandbox(limits.sandbox_limits(), worker=WORKER)
        self.warm = WarmSandbox(self.sandbox) if warm else None

    def start(self, pass_fds=()):
        return self.warm.start(pass_fds=pass_fds) if self.warm else self.sandbox.start(pass_fds=pass_fds)

    def prepare(self) -> None:
        """Start this process's zygote now, so that it imports while no notebook waits."""
        if self.warm:
            self.warm.prepare()

    def describe(self) -> str:
        return self.warm.describe() if self.warm else f"{self.sandbox.describe()}; cold starts"


class UnsandboxedRunner:
    """``--no-sandbox``: the worker in an empty temporary folder with per-process limits
    only. Student code then runs as the grading user and can read and change what that
    user can."""

    def __init__(self, limits: Limits):
        self.limits = limits

    def describe(self) -> str:
        return "NO SANDBOX: student code runs as this user, with per-process limits only"

    def prepare(self) -> None:
        """Nothing to start ahead: each run is a fresh interpreter."""

    def start(self, pass_fds=()):
        folder = tempfile.mkdtemp(prefix="autograder-worker-")
        shutil.copyfile(WORKER, Path(folder) / "worker.py")
        shutil.copyfile(PROTOCOL, Path(folder) / "protocol.py")
        limits = self.limits

        def enter_limits():
            import resource

            # the worker lowers its own soft limit to twice the memory (see Sandbox.start): the
            # hard limit must leave it that room, or the worker cannot start
            resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, 2 * limits.memory_bytes))
            resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_bytes, limits.file_bytes))

        environment = {"PATH": os.environ.get("PATH", ""), "HOME": folder, "MPLBACKEND": "Agg",
                       "MPLCONFIGDIR": folder, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
        process = subprocess.Popen([sys.executable, "-I", str(Path(folder) / "worker.py")], cwd=folder,
                                   env=environment, start_new_session=True, preexec_fn=enter_limits,
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                   pass_fds=pass_fds)
        return _SessionProcess(process, folder)


class _SessionProcess:
    def __init__(self, process: subprocess.Popen, folder: str):
        self.process, self.folder = process, folder
        self.stdin, self.stdout = process.stdin, process.stdout

    def kill(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


_RUNNERS: dict = {}


def runner_for(limits: Limits, sandboxed: bool = True):
    """The runner for ``limits`` (one per set of limits in this process: a sandbox checks
    its set-up once)."""
    key = (limits, sandboxed)
    if key not in _RUNNERS:
        _RUNNERS[key] = (SandboxRunner if sandboxed else UnsandboxedRunner)(limits)
    return _RUNNERS[key]


# --- one notebook ------------------------------------------------------------------------


def run_notebook(cells, calls: list, limits: Limits, runner=None) -> NotebookRun:
    """Execute ``cells`` (code sources in order, or ``(cell_id, source)`` pairs), then make
    ``calls``, in the sandbox and within the notebook's budget."""
    runner = runner or runner_for(limits)
    cells = tuple(c if isinstance(c, tuple) else (i, c) for i, c in enumerate(cells))
    state = _RunState(list(calls), limits)
    started = time.monotonic()
    deadline = started + limits.notebook_budget
    for _ in range(MAX_STARTS):
        # Address space per process, twice the submission's memory: one huge allocation then
        # fails as a MemoryError in its cell instead of the cgroup killing the whole run.
        request = Request(cells, limits.cell_timeout, limits.call_timeout, 2 * limits.memory_bytes,
                          limits.file_bytes, limits.output_bytes, tuple(state.skip_cells))
        finished = _one_start(runner, request, limits, deadline, state)
        if finished or time.monotonic() >= deadline or not state.restartable:
            break
    state.timings["total"] = time.monotonic() - started
    return state.result(budget_left=time.monotonic() < deadline)


class _RunState:
    """What the runs of one notebook found so far, and where a restart picks up."""

    def __init__(self, calls: list, limits: Limits):
        self.calls, self.limits = calls, limits
        self.outputs: dict = {}
        self.counts: dict = {}
        self.outcomes: list = [None] * len(calls)
        self.skip_cells: list = []
        self.skip_targets: set = set()
        self.next_call = 0
        self.notes: list = []
        self.timings: dict = {}
        self.restartable = True
        self.output_left = limits.notebook_output_bytes

    def take_next_call(self) -> int | None:
        """The index of the next call to send; calls of a function that hung are answered
        here, without sending them."""
        while self.next_call < len(self.calls):
            index = self.next_call
            self.next_call += 1
            if self.calls[index].target in self.skip_targets:
                self.outcomes[index] = Outcome(error="timed out (on an earlier call)")
                continue
            return index
        return None

    def keep_outputs(self, cell_id: int, outputs) -> None:
        """A cell's outputs, cleaned and within the cell's and the notebook's output limits."""
        limit = min(self.limits.output_bytes, self.output_left)
        kept, size = _clean_outputs(outputs, limit)
        self.output_left -= size
        self.outputs[cell_id] = kept

    def result(self, budget_left: bool) -> NotebookRun:
        why = "not run: the notebook's time budget ran out" if not budget_left else \
            "the notebook's code ended the grading process early"
        outcomes = [o if o is not None else Outcome(error=why) for o in self.outcomes]
        return NotebookRun(self.outputs, self.counts, outcomes, self.notes, self.timings)


def _error_output(name: str, message: str) -> dict:
    return {"output_type": "error", "ename": name, "evalue": message, "traceback": [f"{name}: {message}"]}


class _Sender:
    """Writes framed messages to the worker's standard input from a thread of its own, so a
    worker that stops reading never blocks the grader."""

    def __init__(self, stream):
        self._stream, self._messages = stream, queue.Queue()
        threading.Thread(target=self._run, daemon=True).start()

    def send(self, message) -> None:
        self._messages.put(message)

    def close(self) -> None:
        self._messages.put(None)

    def _run(self) -> None:
        try:
            while (message := self._messages.get()) is not None:
                protocol.write_message(self._stream, message)
        except (BrokenPipeError, OSError, ValueError):
            pass
        finally:
            try:
                self._stream.close()
            except OSError:
                pass


def _one_start(runner, request: Request, limits: Limits, deadline: float, state: _RunState) -> bool:
    """Run the worker once; record what it reported; True when it got to the end."""
    launched = time.monotonic()
    arena = Arena(Arena.bytes_needed(state.calls[state.next_call:]))
    process = runner.start(pass_fds=(arena.fd,))
    events: queue.Queue = queue.Queue(MAX_QUEUED_EVENTS)
    stop = threading.Event()
    threading.Thread(target=_read_events, args=(process.stdout, events, stop), daemon=True).start()
    sender = _Sender(process.stdin)
    request = Request(**{**protocol.request_to_wire(request), "arena_fd": arena.fd, "arena_bytes": arena.size})
    sender.send(protocol.request_to_wire(request))
    current, since = None, launched  # ("cell", id) or ("call", index) while one runs, and since when
    # Events are believed only in the order the worker sends them: a cell starts when nothing
    # runs, a cell ends when it was the one running, the calls begin once every cell ended.
    # Lines a notebook's code writes on the stream by hand can then neither stretch a hang
    # nor speak for a cell that is not running.
    expected = {cell_id for cell_id, _ in request.cells if cell_id not in request.skip_cells}
    calling = False

    def send_next_call() -> bool:
        index = state.take_next_call()
        if index is None:
            sender.send({"end": True})
            return False
        sender.send({"index": index, "call": protocol.to_wire(state.calls[index], arena)})
        return True

    try:
        while True:
            if current is None:
                limit = START_UP + limits.cell_timeout
            else:
                limit = (limits.cell_timeout if current[0] == "cell" else limits.call_timeout) + GRACE
            now = time.monotonic()
            wait = min(since + limit, deadline) - now
            if wait <= 0:
                _record_stop(current, state, hung=True)
                return False
            try:
                event = events.get(timeout=wait)
            except queue.Empty:
                continue  # the next turn of the loop charges the hang
            if event is None:  # the worker's output ended before it said it was done
                _record_stop(current, state, hung=False)
                return False
            state.timings.setdefault("first_event", time.monotonic() - launched)
            kind, value = _classify(event, len(state.calls))
            if kind == "cell_start" and current is None and value in expected and not calling:
                current, since = ("cell", value), time.monotonic()
            elif kind == "cell" and current == ("cell", value):
                expected.discard(value)
                state.keep_outputs(value, event.get("outputs"))
                state.counts[value] = event.get("count") if isinstance(event.get("count"), int) else None
                stopped = event.get("stopped")  # the worker stopped the cell at its time limit
                if isinstance(stopped, (int, float)) and not isinstance(stopped, bool) and 0 < stopped < 1e6:
                    state.notes.append(f"cell {value}: the cell ran longer than {stopped:g} s and was stopped")
                current, since = None, time.monotonic()
                state.timings["cells_done"] = time.monotonic() - launched
            elif kind == "ready" and current is None and not expected and not calling:
                calling, current, since = True, ("call", None), time.monotonic()
                if not send_next_call():
                    current = None
            elif kind == "call_start" and current is not None and current[0] == "call" and current[1] is None:
                current, since = ("call", value), time.monotonic()
            elif kind == "call" and current == ("call", value):
                outcome = _outcome(event.get("outcome"))
                outcome.mutated = outcome.mutated or arena.changed()  # seen from here, not told
                arena.clear()
                state.outcomes[value] = outcome
                if outcome.error == "timed out":
                    state.skip_targets.add(state.calls[value].target)
                current, since = ("call", None), time.monotonic()
                if not send_next_call():
                    current = None
            elif kind == "done":
                state.timings["calls_done"] = time.monotonic() - launched
                return True
    finally:
        stop.set()
        sender.close()
        process.kill()
        arena.close()


def _record_stop(current, state: _RunState, *, hung: bool) -> None:
    """The worker stopped reporting in the middle of ``current``: charge it to that."""
    limits = state.limits
    if current is None or current == ("call", None):
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
        state.outcomes[value] = Outcome(error="timed out" if hung else "ended the grading process")
        if hung:
            state.skip_targets.add(state.calls[value].target)


def _classify(event, call_count: int):
    """What kind of event a worker line is, checked as untrusted data."""
    if not isinstance(event, dict):
        return None, None
    if event.get("done") is True:
        return "done", None
    if event.get("ready") is True:
        return "ready", None
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
    """An outcome event read as untrusted data: the text fields a failure message may quote
    (the error, the type name, the warnings) cut to the worker's own limits."""
    try:
        outcome = Outcome.from_data(data)
        outcome.error = None if outcome.error is None else str(outcome.error)[: protocol.MAX_MESSAGE]
        outcome.type_name = str(outcome.type_name)[:200]
        outcome.warnings = [str(w)[: protocol.MAX_MESSAGE] for w in outcome.warnings[:20]]
        return outcome
    except (ValueError, TypeError, KeyError, RecursionError):
        return Outcome(error="the result could not be read back from the notebook's code")


#: The output fields kept from a worker, per output type; every value must be text.
_OUTPUT_FIELDS = {
    "stream": ("name", "text"),
    "display_data": ("data", "metadata"),
    "execute_result": ("data", "metadata", "execution_count"),
    "error": ("ename", "evalue", "traceback"),
}


def _clean_output(output) -> dict | None:
    """One output as nbformat accepts it, or None when it is malformed."""
    if not isinstance(output, dict) or output.get("output_type") not in _OUTPUT_FIELDS:
        return None
    kind = output["output_type"]
    clean = {"output_type": kind}
    try:
        if kind == "stream":
            clean["name"] = "stderr" if output.get("name") == "stderr" else "stdout"
            clean["text"] = str(output.get("text", ""))
        elif kind == "error":
            clean["ename"] = str(output.get("ename", "Error"))[:200]
            clean["evalue"] = str(output.get("evalue", ""))[:2000]
            clean["traceback"] = [str(line)[:2000] for line in list(output.get("traceback", []))[:200]]
        else:
            data = output.get("data", {})
            clean["data"] = {str(k)[:100]: str(v) for k, v in data.items()} if isinstance(data, dict) else {}
            clean["metadata"] = {}
            if kind == "execute_result":
                clean["execution_count"] = None
    except (TypeError, ValueError, AttributeError):
        return None
    return clean


def _size(output: dict) -> int:
    """Every character of an output that would reach the feedback."""
    return sum(len(value) if isinstance(value, str) else
               sum(len(k) + len(v) for k, v in value.items()) if isinstance(value, dict) else
               sum(len(line) for line in value) if isinstance(value, list) else 0
               for value in output.values())


def _clean_outputs(outputs, limit: int) -> tuple[list, int]:
    """Outputs as nbformat accepts them, with anything malformed dropped, and at most
    ``limit`` characters of them; returns them and their size."""
    if not isinstance(outputs, list):
        return [], 0
    kept, total = [], 0
    for output in outputs[:200]:
        clean = _clean_output(output)
        if clean is None:
            continue
        size = _size(clean)
        if total + size > limit:
            kept.append({"output_type": "stream", "name": "stderr",
                         "text": f"\n[output truncated: more than {limit} bytes]\n"})
            break
        kept.append(clean)
        total += size
    return kept, total


def _put(events: queue.Queue, event, stop: threading.Event) -> None:
    """Queue ``event``, waiting while the queue is full, unless the run is over."""
    while not stop.is_set():
        try:
            events.put(event, timeout=0.2)
            return
        except queue.Full:
            continue


def _read_events(stream, events: queue.Queue, stop: threading.Event) -> None:
    """Parse the worker's event lines as they come; ``None`` marks the end of the stream
    (also once :data:`MAX_STREAM_BYTES` have been read: the worker is then stopped)."""
    read = 0
    try:
        while read < MAX_STREAM_BYTES and not stop.is_set():
            line = stream.readline(MAX_EVENT_BYTES)
            read += len(line)
            if not line:
                break
            if not line.endswith(b"\n"):  # an over-long line: skip the rest of it
                while line and not line.endswith(b"\n") and read < MAX_STREAM_BYTES:
                    line = stream.readline(MAX_EVENT_BYTES)
                    read += len(line)
                continue
            try:
                event = json.loads(line)
            except (ValueError, RecursionError):
                continue
            del line
            _put(events, event, stop)
    except (OSError, ValueError):
        pass
    finally:
        _put(events, None, stop)
