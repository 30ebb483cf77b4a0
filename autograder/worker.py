"""Run a student's notebook code in a separate, disposable process and report what it does.

This file is the only part of the grader that executes untrusted code. It is run as a
script with ``python -I``, beside one other file, :mod:`protocol` (``autograder/protocol.py``,
imported as a sibling): the student's code then runs in a process whose import path holds
neither the checks, nor the grader, nor the reference solutions. When grading, this process
runs inside the sandbox (:mod:`autograder.grading.sandbox`).

The process never judges anything. It runs the notebook's code cells in order, keeping
each cell's outputs as a kernel would show them; only then does it receive the calls, one
at a time (the conversation is described in :mod:`protocol`), call the student's functions
and write back plain data. The grader compares that data with references it computed
itself, so tampering with NumPy, builtins or this module cannot turn a wrong answer into a
right one. File descriptors 0-2 point at ``/dev/null`` before any student code runs.
"""
from __future__ import annotations

import base64
import builtins
import io
import json
import linecache
import mmap
import os
import signal
import sys
import traceback

# ``python -I`` leaves the script's folder off the path: the protocol is found beside this
# file explicitly (in the sandbox, that folder holds these two files and nothing else).
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import protocol  # noqa: E402
from protocol import Outcome, Request, TimeLimit, describe, probe

#: Where tracebacks stop: frames of the worker itself are not the student's.
_OWN_FILES = {__file__, protocol.__file__}


def _on_alarm(signum, frame):
    raise TimeLimit()


def _with_time_limit(seconds: float, function, *args, **kwargs):
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return function(*args, **kwargs)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


class _Shell:
    """Stands in for ``get_ipython()`` so that code written for a kernel runs here.

    Magics that only time, profile or capture the code they wrap run that code; every
    other magic, shell escape or widget call does nothing. ``display`` records outputs.
    """

    PASS_THROUGH = {"time", "timeit", "prun", "capture"}

    def __init__(self, namespace: dict, capture: "_Capture | None" = None):
        self._namespace = namespace
        self.capture = capture

    def run_cell_magic(self, name, line, cell):
        if name in self.PASS_THROUGH:
            exec(compile(_to_python(cell), f"<%%{name}>", "exec"), self._namespace)

    def run_line_magic(self, name, line, *args, **kwargs):
        if name in self.PASS_THROUGH - {"capture"}:
            exec(compile(_to_python(line), f"<%{name}>", "exec"), self._namespace)

    def display(self, *objects, **kwargs):
        if self.capture is not None:
            for obj in objects:
                self.capture.add("display_data", obj)

    def __getattr__(self, name):
        return lambda *args, **kwargs: None


def _to_python(source: str) -> str:
    """``source`` as plain Python: IPython's syntax (magics, ``!`` escapes) is translated
    the way a kernel does, and IPython is only imported for cells that need it."""
    import ast

    try:
        ast.parse(source)
        return source
    except SyntaxError:
        from IPython.core.inputtransformer2 import TransformerManager

        return TransformerManager().transform_cell(source)


# --- running the notebook's cells, with their outputs -----------------------------------


class _Capture:
    """The outputs of one cell, as nbformat output dicts, kept to ``limit`` bytes."""

    def __init__(self, limit: int):
        self.outputs: list = []
        self.limit, self.size, self.truncated = limit, 0, False

    def _room(self, size: int) -> bool:
        if self.size + size > self.limit:
            if not self.truncated:
                self.truncated = True
                self.outputs.append({"output_type": "stream", "name": "stderr",
                                     "text": f"\n[output truncated: more than {self.limit} bytes]\n"})
            return False
        self.size += size
        return True

    def stream(self, name: str, text: str) -> None:
        if not self._room(len(text)):
            return
        last = self.outputs[-1] if self.outputs else None
        if last and last["output_type"] == "stream" and last["name"] == name:
            last["text"] += text
        else:
            self.outputs.append({"output_type": "stream", "name": name, "text": text})

    def add(self, output_type: str, obj) -> None:
        data = _mime_bundle(obj)
        if data and self._room(sum(len(v) for v in data.values())):
            output = {"output_type": output_type, "data": data, "metadata": {}}
            if output_type == "execute_result":
                output["execution_count"] = None
            self.outputs.append(output)

    def error(self, exc: BaseException) -> None:
        """The error as IPython shows it: a header, one entry per frame (``Cell In[n]`` for
        the notebook's own code, the frames of the worker itself left out) and the error;
        a runaway recursion keeps its first and last frames (the feedback folds the rest).
        Every byte of it counts against the cell's output limit, frame names too."""
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename not in _OWN_FILES]
        if len(frames) > 2 * MAX_FRAMES:
            frames = [*frames[:MAX_FRAMES], None, *frames[-MAX_FRAMES:]]
        entries = [_frame_entry(f) if f is not None else "Traceback truncated" for f in frames]
        error = "".join(traceback.format_exception_only(type(exc), exc)).strip()[:protocol.MAX_MESSAGE]
        name = type(exc).__name__[:200]
        output = {"output_type": "error", "ename": name, "evalue": describe(exc),
                  "traceback": ["-" * 75, f"{name}  Traceback (most recent call last)", *entries, error]}
        if self._room(len(name) + len(output["evalue"]) + sum(len(line) for line in output["traceback"])):
            self.outputs.append(output)


#: Frames kept from each end of a very long traceback.
MAX_FRAMES = 30


def _frame_entry(frame: traceback.FrameSummary) -> str:
    """One frame as IPython writes it, the notebook's cells as ``Cell In[n]``."""
    if frame.filename.startswith("<cell "):
        where = f"Cell In[{frame.filename[6:-1]}], line {frame.lineno}"
    else:
        where = f"File {frame.filename}:{frame.lineno}"
    return f"{where[:300]}, in {frame.name[:200]}\n    {(frame.line or '').strip()[:200]}"


class _Stream(io.TextIOBase):
    """``sys.stdout`` or ``sys.stderr`` while a cell runs: text goes to its capture."""

    def __init__(self, name: str, current):
        self.name, self._current = name, current

    def writable(self) -> bool:
        return True

    def write(self, text) -> int:
        text = str(text)
        capture = self._current()
        if capture is not None:
            capture.stream(self.name, text)
        return len(text)


def _mime_bundle(obj) -> dict:
    """What a kernel would show for ``obj``: plain text always; LaTeX, HTML and PNG where
    the object offers them. Every value is a string (the grader sanitises before showing)."""
    data = {}
    try:
        data["text/plain"] = repr(obj)[:20_000]
    except BaseException:  # noqa: B036 - a broken __repr__ is the student's, not ours
        data["text/plain"] = f"<{type(obj).__name__} object>"
    for mime, method in (("text/latex", "_repr_latex_"), ("text/html", "_repr_html_")):
        try:
            shown = getattr(obj, method, None)
            value = shown() if callable(shown) else None
            if isinstance(value, str) and len(value) <= 100_000:
                data[mime] = value
        except BaseException:  # noqa: B036
            pass
    if type(obj).__module__.startswith("matplotlib.figure"):
        png = _figure_png(obj)
        if png:
            data["image/png"] = png
    return data


def _figure_png(figure) -> str | None:
    try:
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=72, bbox_inches="tight")
        return base64.b64encode(buffer.getvalue()).decode("ascii")
    except BaseException:  # noqa: B036
        return None


def _show_open_figures(capture: _Capture) -> None:
    """Like the inline backend: every figure a cell left open is shown, then closed."""
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is None:
        return
    try:
        for number in pyplot.get_fignums():
            png = _figure_png(pyplot.figure(number))
            if png and capture._room(len(png)):
                capture.outputs.append({"output_type": "display_data", "metadata": {},
                                        "data": {"image/png": png, "text/plain": "<Figure>"}})
        pyplot.close("all")
    except BaseException:  # noqa: B036
        pass


def _run_cell(source: str, cell_id: int, namespace: dict, capture: _Capture) -> None:
    """Run one cell as a kernel would: the value of a final expression is shown."""
    import ast

    python = _to_python(source)
    name = f"<cell {cell_id}>"
    linecache.cache[name] = (len(python), None, python.splitlines(True), name)  # for tracebacks
    tree = ast.parse(python, name)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    exec(compile(tree, f"<cell {cell_id}>", "exec"), namespace)
    if last is not None:
        value = eval(compile(ast.Expression(last.value), f"<cell {cell_id}>", "eval"), namespace)
        if value is not None and not source.rstrip().endswith(";"):
            capture.add("execute_result", value)


def _limit_resources(memory_bytes: int, file_bytes: int) -> None:
    import resource

    for limit, value in ((resource.RLIMIT_AS, memory_bytes), (resource.RLIMIT_FSIZE, file_bytes)):
        if value:
            resource.setrlimit(limit, (value, value))


_end_process = os._exit
_worker_pid = os.getpid()


def _exit_as_exception(status=1, *args):
    """``os._exit`` for the student's code: in the worker itself it fails the cell or call
    that made it; in a process the student's code forked, it ends that process as usual."""
    if os.getpid() != _worker_pid:
        _end_process(status if isinstance(status, int) else 1)
    raise SystemExit("the notebook's code tried to end the process")


class _Events:
    """The worker's report, one JSON line per event, on the stream the grader reads."""

    def __init__(self, stream):
        self._stream = stream

    def send(self, **event) -> None:
        self.send_line(json.dumps(event))

    def send_line(self, line: str) -> None:
        """An event already written as one JSON line (an outcome is encoded once, not
        encoded, read back and encoded again: megabytes for a large array)."""
        if os.getpid() != _worker_pid:  # a process the student's code forked says nothing
            return
        self._stream.write(line + "\n")
        self._stream.flush()


class _Patience:
    """How long the next cell or call may run. A notebook gets its full limits until it has
    spent one whole cell limit in cells or calls that ran out of time; from then on each
    gets :data:`SHORT_LIMIT` seconds. Honest code never runs out of time, so only a
    notebook that already hangs is hurried: an endless loop that every visible test and
    every function calls costs one cell limit and a few seconds, not minutes."""

    def __init__(self, request: Request):
        self.request, self.wasted = request, 0.0

    def _limit(self, full: float) -> float:
        return full if self.wasted < self.request.cell_timeout else min(full, SHORT_LIMIT)

    def cell(self) -> float:
        return self._limit(self.request.cell_timeout)

    def call(self) -> float:
        return self._limit(self.request.call_timeout)

    def ran_out(self, seconds: float) -> None:
        self.wasted += seconds


#: Seconds a cell or call may run once the notebook has used up its patience.
SHORT_LIMIT = 1.0


def _run_cells(request: Request, namespace: dict, shell: _Shell, events: _Events, patience: _Patience) -> None:
    current: list = [None]
    sys.stdout, sys.stderr = _Stream("stdout", lambda: current[0]), _Stream("stderr", lambda: current[0])
    for count, (cell_id, source) in enumerate(request.cells, start=1):
        if cell_id in request.skip_cells:
            continue
        capture = current[0] = shell.capture = _Capture(request.output_bytes)
        events.send(cell=cell_id, state="start")
        limit, stopped = patience.cell(), None
        try:
            _with_time_limit(limit, _run_cell, source, cell_id, namespace, capture)
        except TimeLimit:
            patience.ran_out(limit)
            stopped = limit
            capture.outputs.append({"output_type": "error", "ename": "TimeoutError",
                                    "evalue": f"the cell ran longer than {limit:g} s",
                                    "traceback": [f"TimeoutError: the cell ran longer than {limit:g} s"]})
        except BaseException as exc:  # noqa: B036 - a broken cell must not stop the others
            capture.error(exc)
        _show_open_figures(capture)
        current[0] = shell.capture = None
        try:
            events.send(cell=cell_id, outputs=capture.outputs, count=count, stopped=stopped)
        except (TypeError, ValueError):
            events.send(cell=cell_id, outputs=[], count=count, stopped=stopped)


def _make_calls(calls, arena, namespace: dict, events: _Events, patience: _Patience) -> None:
    """Answer the grader's calls, one at a time, until it says there are no more. Nothing
    of a call is kept once it is answered (the grader sends the next only then)."""
    while True:
        message = protocol.read_message(calls)
        if not isinstance(message, dict) or message.get("end"):
            return
        index = message["index"]
        call = protocol.from_wire(message["call"], arena)
        del message
        events.send(call=index, state="start")
        limit = patience.call()
        try:
            function = namespace.get(call.target)
            if function is None:
                outcome = Outcome(error=f"{call.target} is not defined")
            else:
                outcome = _with_time_limit(limit, probe, function, call, fresh_arguments=True)
        except BaseException as exc:  # noqa: B036
            outcome = Outcome(error=describe(exc))
        if outcome.error == "timed out":
            patience.ran_out(limit)
        try:
            line = outcome.to_json()
        except BaseException as exc:  # noqa: B036
            line = Outcome(error=f"result could not be read back: {describe(exc)}").to_json()
        del call, outcome  # (a gc.collect() here cost 50 ms a call with SymPy loaded: most of the grading time)
        events.send_line(f'{{"call": {int(index)}, "outcome": {line}}}')


def _open_arena(request: Request):
    """The grader's shared memory for array arguments, mapped before any student code runs
    (its descriptor is closed: the mapping is all this process keeps)."""
    if request.arena_fd < 0:
        return None
    arena = mmap.mmap(request.arena_fd, request.arena_bytes)
    os.close(request.arena_fd)
    return arena


def main() -> None:
    global _worker_pid
    _worker_pid = os.getpid()  # (a warm start imported this module in the zygote, another process)
    calls = os.fdopen(os.dup(0), "rb")
    request = protocol.request_from_wire(protocol.read_message(calls))
    arena = _open_arena(request)
    os._exit = os.abort = _exit_as_exception  # a cell that calls them loses only itself
    events = _Events(os.fdopen(os.dup(1), "w", buffering=1))
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    signal.signal(signal.SIGALRM, _on_alarm)
    _limit_resources(request.memory_bytes, request.file_bytes)
    os.environ["MPLBACKEND"] = "Agg"  # figures are drawn off-screen and shown as PNG
    # IPython's own names, so that code written for a kernel runs here the same way
    namespace = {"__name__": "__main__", "__builtins__": builtins}
    shell = _Shell(namespace)
    namespace.update(get_ipython=lambda: shell, display=shell.display)
    patience = _Patience(request)
    _run_cells(request, namespace, shell, events, patience)
    if os.getpid() != _worker_pid:  # a process the cells forked, still running this code
        _end_process(0)
    sys.stdout = sys.stderr = open(os.devnull, "w")
    events.send(ready=True)
    _make_calls(calls, arena, namespace, events, patience)
    events.send(done=True)
    _end_process(0)


if __name__ == "__main__":
    try:
        main()
    except BaseException:
        traceback.print_exc(file=sys.__stderr__)
        os._exit(1)
