"""Run a student's notebook code in a separate, disposable process and report what it returns.

This file is the only part of the grader that executes untrusted code. It is deliberately
standalone (standard library, NumPy and SymPy only; it imports nothing from ``autograder``)
so that the grader can copy it into an empty folder and start it with ``python -I``: the
student's code then runs in a process whose import path holds neither the checks nor the
reference solutions.

The process never judges anything. It calls the student's functions on the inputs it is
sent and writes back plain data (float64 arrays as ``.npy`` bytes, strings, booleans); the
grader compares that data with references it computed itself. Tampering with NumPy,
builtins or this module therefore cannot turn a wrong answer into a right one.

Protocol: the grader writes one :class:`Request` (:meth:`Request.to_wire`) to standard
input. The worker runs the notebook's code cells in order, keeping each cell's outputs as a
kernel would show them, then makes the calls; it reports on the file descriptor that was
standard output when it started, one JSON line per event: ``{"cell": id, "state":
"start"}`` and ``{"cell": id, "outputs": [...], "count": n}`` per cell, ``{"call": k,
"state": "start"}`` and ``{"call": k, "outcome": {...}}`` per call, and ``{"done": true}``.
The start events let the grader tell which cell or call hung or killed the process.
File descriptors 0-2 point at ``/dev/null`` before any student code runs. When grading,
this process runs inside the sandbox (:mod:`autograder.grading.sandbox`).
"""
from __future__ import annotations

import base64
import builtins
import copy
import io
import json
import linecache
import os
import pickle
import signal
import sys
import traceback
import warnings
from dataclasses import dataclass, field

import numpy as np

#: Longest error message kept from a student's exception.
MAX_MESSAGE = 300
#: How deep and how large a ``"tree"`` result may be, and how long an ``srepr``.
MAX_TREE_DEPTH = 4
MAX_TREE_LEAVES = 10_000
MAX_SREPR = 20_000
#: Values kept per key by ``record`` in a :class:`Function`.
MAX_RECORDS = 1000


@dataclass(frozen=True)
class Function:
    """A function handed to the student's code, built in the worker from the check's source.

    ``source`` is run in a fresh namespace holding ``np``, ``math``, ``sympy``, ``record``
    (``record(key, value)`` appends a plain value to the outcome's ``records[key]``) and
    ``ARGS`` (the positional arguments exactly as the student receives them); the student
    gets ``namespace[name]``. What it records is an observation, read back as plain data.
    """

    source: str
    name: str


@dataclass(frozen=True)
class Sym:
    """A SymPy object handed to the student's code, rebuilt in the worker from its ``srepr``."""

    srepr: str


@dataclass(frozen=True)
class Call:
    """One call of a student's function, made in the untrusted process.

    ``args`` and ``kwargs`` may hold :class:`Function` and :class:`Sym` values (also inside
    lists, tuples and dicts). ``kind`` says how the result is read back: ``"numeric"``
    converts it to a float64 array; ``"tree"`` reads tuples and lists recursively and
    converts every leaf to a float64 array; ``"sympy"`` expects a SymPy matrix and
    evaluates it at ``points`` (maps from symbol name to a number given as a string) with
    ``digits`` significant digits; ``"expr"`` expects a SymPy expression (or number),
    keeps its ``srepr`` and evaluates it at ``points`` the same way.
    """

    target: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    kind: str = "numeric"
    points: tuple = ()
    digits: int = 40


@dataclass
class Outcome:
    """What one :class:`Call` gave back, as plain data that is safe to trust."""

    error: str | None = None
    error_types: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    mutated: bool = False
    type_name: str = ""
    dtype: str = ""
    shape: tuple | None = None
    value: np.ndarray | None = None
    symbols: list = field(default_factory=list)
    entries: list = field(default_factory=list)
    tree: list | None = None
    tree_types: list | None = None
    srepr: str = ""
    records: dict = field(default_factory=dict)

    def to_json(self) -> str:
        data = {name: getattr(self, name) for name in self.__dataclass_fields__}
        data["value"] = None if self.value is None else _encode_array(self.value)
        data["tree"] = None if self.tree is None else _map_leaves(self.tree, _encode_array)
        return json.dumps(data)

    @classmethod
    def from_json(cls, line: str) -> "Outcome":
        """Rebuild an outcome from a worker's line; raises ValueError on anything malformed."""
        data = json.loads(line)
        if not isinstance(data, dict) or set(data) != set(cls.__dataclass_fields__):
            raise ValueError("malformed outcome")
        value, shape, tree = data.pop("value"), data.pop("shape"), data.pop("tree")
        if not isinstance(data["records"], dict) or not isinstance(data["error_types"], list):
            raise ValueError("malformed outcome")
        outcome = cls(**data)
        outcome.shape = None if shape is None else tuple(int(s) for s in shape)
        outcome.value = None if value is None else _decode_array(value)
        outcome.tree = None if tree is None else _map_leaves(tree, _decode_array)
        return outcome


@dataclass(frozen=True)
class Request:
    """Everything a worker needs: the cells to run, then the calls to make.

    ``cells`` are ``(cell_id, source)`` pairs in notebook order. A worker that was
    restarted after a hang skips the cells in ``skip_cells``, starts the calls at
    ``first_call`` and treats the targets in ``skip_targets`` as timed out.
    """

    cells: tuple
    calls: tuple
    cell_timeout: float = 30.0
    call_timeout: float = 30.0
    memory_bytes: int = 0
    file_bytes: int = 0
    output_bytes: int = 256 * 1024
    skip_cells: tuple = ()
    skip_targets: tuple = ()
    first_call: int = 0

    def to_wire(self) -> bytes:
        """This request as a pickle of plain data only: the worker runs as ``__main__``,
        so pickled instances of this module's classes would not load there."""
        data = {name: getattr(self, name) for name in self.__dataclass_fields__}
        data["calls"] = [_to_wire(call) for call in self.calls]
        return pickle.dumps(data)

    @classmethod
    def from_wire(cls, blob: bytes) -> "Request":
        data = pickle.loads(blob)
        data["calls"] = tuple(_from_wire(call) for call in data["calls"])
        return cls(**data)


#: The classes :func:`_to_wire` turns into tagged plain data.
_WIRE_CLASSES = {"Call": Call, "Function": Function, "Sym": Sym}


def _to_wire(value):
    """``value`` with every :class:`Call`, :class:`Function` and :class:`Sym` turned into
    a tagged dict, inside lists, tuples and dicts too."""
    if type(value) in _WIRE_CLASSES.values():
        fields = {name: _to_wire(getattr(value, name)) for name in value.__dataclass_fields__}
        return {"__wire__": type(value).__name__, **fields}
    if isinstance(value, (list, tuple)):
        return type(value)(_to_wire(item) for item in value)
    if isinstance(value, dict):
        return {key: _to_wire(item) for key, item in value.items()}
    return value


def _from_wire(value):
    if isinstance(value, dict) and value.get("__wire__") in _WIRE_CLASSES:
        fields = {key: _from_wire(item) for key, item in value.items() if key != "__wire__"}
        return _WIRE_CLASSES[value["__wire__"]](**fields)
    if isinstance(value, (list, tuple)):
        return type(value)(_from_wire(item) for item in value)
    if isinstance(value, dict):
        return {key: _from_wire(item) for key, item in value.items()}
    return value


class TimeLimit(BaseException):
    """Raised inside student code when its time is up (not an Exception, so a bare
    ``except Exception`` in the student's code cannot swallow it)."""


def _encode_array(array: np.ndarray) -> str:
    buffer = io.BytesIO()
    np.save(buffer, np.asarray(array, dtype=np.float64), allow_pickle=False)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _decode_array(text: str) -> np.ndarray:
    array = np.load(io.BytesIO(base64.b64decode(text)), allow_pickle=False)
    if array.dtype != np.float64:
        raise ValueError("outcome array is not float64")
    return array


def _map_leaves(tree, function, depth: int = 0):
    """``tree`` with every leaf (anything but a list) replaced by ``function(leaf)``."""
    if isinstance(tree, list):
        if depth > MAX_TREE_DEPTH:
            raise ValueError("result nested too deeply")
        return [_map_leaves(item, function, depth + 1) for item in tree]
    return function(tree)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, TimeLimit):
        return "timed out"
    message = f"{type(exc).__name__}: {exc}"
    return message if len(message) <= MAX_MESSAGE else message[: MAX_MESSAGE - 3] + "..."


def _on_alarm(signum, frame):
    raise TimeLimit()


def _with_time_limit(seconds: float, function, *args, **kwargs):
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return function(*args, **kwargs)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def _type_name(obj) -> str:
    kind = type(obj)
    return f"{kind.__module__}.{kind.__qualname__}"


def _arrays_in(values, depth: int = 0) -> list:
    """The ndarrays among ``values``, also inside lists, tuples and dicts."""
    found = []
    for value in values:
        if isinstance(value, np.ndarray):
            found.append(value)
        elif isinstance(value, (list, tuple)) and depth < MAX_TREE_DEPTH:
            found.extend(_arrays_in(value, depth + 1))
        elif isinstance(value, dict) and depth < MAX_TREE_DEPTH:
            found.extend(_arrays_in(list(value.values()), depth + 1))
    return found


def _was_mutated(arrays, copies) -> bool:
    return any(
        not np.array_equal(value, before, equal_nan=value.dtype.kind in "fc")
        for value, before in zip(arrays, copies)
    )


def _plain(value):
    """A value ``record`` may keep: bools, numbers and strings as they are, arrays as lists."""
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    return np.asarray(value, dtype=np.float64).ravel()[:MAX_TREE_LEAVES].tolist()


def _build_arguments(args, kwargs, outcome: "Outcome"):
    """The arguments as the student receives them: fresh copies, with every
    :class:`Function` and :class:`Sym` built here."""
    args, kwargs = copy.deepcopy(args), copy.deepcopy(kwargs)  # the student may modify them
    handed = []

    def record(key, value):
        kept = outcome.records.setdefault(str(key), [])
        if len(kept) < MAX_RECORDS:
            kept.append(_plain(value))

    def build(value):
        if isinstance(value, Function):
            import math

            import sympy

            namespace = {"np": np, "math": math, "sympy": sympy, "record": record, "ARGS": handed}
            exec(compile(value.source, f"<function {value.name}>", "exec"), namespace)
            return namespace[value.name]
        if isinstance(value, Sym):
            import sympy

            return eval(value.srepr, vars(sympy).copy())  # the check's own text, never the student's
        if isinstance(value, (list, tuple)):
            return type(value)(build(item) for item in value)
        if isinstance(value, dict):
            return {key: build(item) for key, item in value.items()}
        return value

    handed.extend(build(arg) for arg in args)
    return handed, {key: build(value) for key, value in kwargs.items()}


def _read_tree(result, outcome: Outcome) -> None:
    outcome.type_name = _type_name(result)
    leaves = 0

    def read(node, depth):
        nonlocal leaves
        if isinstance(node, (list, tuple)) and type(node).__module__ == "builtins":
            if depth >= MAX_TREE_DEPTH:
                raise ValueError(f"the result is nested more than {MAX_TREE_DEPTH} levels deep")
            pairs = [read(item, depth + 1) for item in node]
            return [p[0] for p in pairs], [p[1] for p in pairs]
        leaves += 1
        if leaves > MAX_TREE_LEAVES:
            raise ValueError(f"the result has more than {MAX_TREE_LEAVES} parts")
        kind = _type_name(node) + (f":{node.dtype}" if type(node) is np.ndarray else "")
        return np.array(node, dtype=np.float64, copy=True), kind

    outcome.tree, outcome.tree_types = read(result, 0) if isinstance(result, (list, tuple)) else ([], [])
    if not isinstance(result, (list, tuple)):
        raise TypeError(f"returned a {outcome.type_name}, expected a tuple or list")


def _evaluate_at(expression, call: Call) -> list:
    """``expression``'s value at each of ``call.points`` as strings (a list per point)."""
    import sympy

    by_name = {str(s): s for s in expression.free_symbols}
    values = []
    for point in call.points:
        substitution = {by_name[name]: sympy.Rational(text) for name, text in point.items() if name in by_name}
        evaluated = expression.subs(substitution).evalf(call.digits)
        entries = evaluated if isinstance(evaluated, sympy.MatrixBase) else [evaluated]
        values.append([str(entry) for entry in entries])
    return values


def _read_expr(result, call: Call, outcome: Outcome) -> None:
    import sympy

    outcome.type_name = _type_name(result)
    if isinstance(result, (int, float)) and not isinstance(result, bool):
        result = sympy.sympify(result)
    if not isinstance(result, sympy.Basic) or isinstance(result, sympy.MatrixBase):
        return
    outcome.symbols = sorted(str(s) for s in result.free_symbols)
    text = sympy.srepr(result)
    outcome.srepr = text if len(text) <= MAX_SREPR else ""
    outcome.entries = [entries[0] for entries in _evaluate_at(result, call)]


def _read_numeric(result, outcome: Outcome) -> None:
    outcome.type_name = _type_name(result)
    if type(result) is np.ndarray:
        outcome.dtype = str(result.dtype)
    value = np.array(result, dtype=np.float64, copy=True)
    outcome.shape = value.shape
    outcome.value = value


def _read_sympy(result, call: Call, outcome: Outcome) -> None:
    import sympy

    outcome.type_name = _type_name(result)
    if not isinstance(result, sympy.MatrixBase):
        return
    outcome.shape = tuple(result.shape)
    outcome.symbols = sorted(str(s) for s in result.free_symbols)
    outcome.entries = _evaluate_at(result, call)


def probe(function, call: Call) -> Outcome:
    """Call ``function`` as ``call`` says and return what came back as plain data.

    Also used in-process by :func:`autograder.checks.framework.run_locally`, so that a
    check reads a result the same way in a notebook and in the grader.
    """
    outcome = Outcome()
    if not callable(function):
        outcome.error = f"{call.target} is not a function (it is a {type(function).__name__})"
        return outcome
    args, kwargs = _build_arguments(call.args, call.kwargs, outcome)
    arrays = _arrays_in([*args, *kwargs.values()])
    copies = [np.array(a, copy=True) for a in arrays]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            with np.errstate(over="warn", divide="warn", invalid="warn", under="ignore"):
                result = function(*args, **kwargs)
            outcome.mutated = _was_mutated(arrays, copies)
            READERS[call.kind](result, call, outcome)
        except TimeLimit:
            raise
        except BaseException as exc:  # the student's code may raise anything, SystemExit too
            outcome.error = _describe(exc)
            outcome.error_types = [kind.__name__ for kind in type(exc).__mro__][:8]
    outcome.warnings = sorted({f"{w.category.__name__}: {w.message}" for w in caught})
    return outcome


#: How each :attr:`Call.kind` reads a result back.
READERS = {
    "numeric": lambda result, call, outcome: _read_numeric(result, outcome),
    "tree": lambda result, call, outcome: _read_tree(result, outcome),
    "sympy": _read_sympy,
    "expr": _read_expr,
}


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
        a runaway recursion keeps its first and last frames (the feedback folds the rest)."""
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename != __file__]
        if len(frames) > 2 * MAX_FRAMES:
            frames = [*frames[:MAX_FRAMES], None, *frames[-MAX_FRAMES:]]
        entries = [_frame_entry(f) if f is not None else "Traceback truncated" for f in frames]
        error = "".join(traceback.format_exception_only(type(exc), exc)).strip()[:MAX_MESSAGE]
        self.outputs.append({"output_type": "error", "ename": type(exc).__name__, "evalue": _describe(exc),
                             "traceback": ["-" * 75, f"{type(exc).__name__}  Traceback (most recent call last)",
                                           *entries, error]})


#: Frames kept from each end of a very long traceback.
MAX_FRAMES = 30


def _frame_entry(frame: traceback.FrameSummary) -> str:
    """One frame as IPython writes it, the notebook's cells as ``Cell In[n]``."""
    if frame.filename.startswith("<cell "):
        where = f"Cell In[{frame.filename[6:-1]}], line {frame.lineno}"
    else:
        where = f"File {frame.filename}:{frame.lineno}"
    return f"{where}, in {frame.name}\n    {(frame.line or '').strip()[:200]}"


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
        if os.getpid() != _worker_pid:  # a process the student's code forked says nothing
            return
        self._stream.write(json.dumps(event) + "\n")
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
        limit = patience.cell()
        try:
            _with_time_limit(limit, _run_cell, source, cell_id, namespace, capture)
        except TimeLimit:
            patience.ran_out(limit)
            capture.outputs.append({"output_type": "error", "ename": "TimeoutError",
                                    "evalue": f"the cell ran longer than {limit:g} s",
                                    "traceback": [f"TimeoutError: the cell ran longer than {limit:g} s"]})
        except BaseException as exc:  # noqa: B036 - a broken cell must not stop the others
            capture.error(exc)
        _show_open_figures(capture)
        current[0] = shell.capture = None
        try:
            events.send(cell=cell_id, outputs=capture.outputs, count=count)
        except (TypeError, ValueError):
            events.send(cell=cell_id, outputs=[], count=count)


def _make_calls(request: Request, namespace: dict, events: _Events, patience: _Patience) -> None:
    timed_out = set(request.skip_targets)
    for index in range(request.first_call, len(request.calls)):
        call = request.calls[index]
        events.send(call=index, state="start")
        limit = patience.call()
        try:
            function = namespace.get(call.target)
            if function is None:
                outcome = Outcome(error=f"{call.target} is not defined")
            elif call.target in timed_out:
                outcome = Outcome(error="timed out (on an earlier call)")
            else:
                outcome = _with_time_limit(limit, probe, function, call)
        except BaseException as exc:  # noqa: B036
            outcome = Outcome(error=_describe(exc))
        if outcome.error == "timed out":
            timed_out.add(call.target)
            patience.ran_out(limit)
        try:
            line = outcome.to_json()
        except BaseException as exc:  # noqa: B036
            line = Outcome(error=f"result could not be read back: {_describe(exc)}").to_json()
        events.send(call=index, outcome=json.loads(line))


def main() -> None:
    request = Request.from_wire(sys.stdin.buffer.read())
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
    sys.stdout = sys.stderr = open(os.devnull, "w")
    _make_calls(request, namespace, events, patience)
    events.send(done=True)
    _end_process(0)


if __name__ == "__main__":
    try:
        main()
    except BaseException:
        traceback.print_exc(file=sys.__stderr__)
        os._exit(1)
