"""The messages between the grader and the sandboxed worker, and how a call's result is read.

This is the checks' vocabulary: a check asks for :class:`Call` s of a student's function
(with :class:`Function` and :class:`Sym` values among the arguments where the student's
code needs them) and judges the :class:`Outcome` s that come back. The same module is run
inside the sandbox beside ``worker.py`` (imported there as the sibling module
``protocol``) and in the grader (as :mod:`autograder.protocol`), so it imports nothing from
``autograder``: standard library and NumPy, SymPy only where a call needs it.

The conversation, on the worker's standard input and on the event stream it writes:

1. The grader sends one :class:`Request` (the notebook's code cells and the limits) as a
   framed message (:func:`write_message`). It holds no hidden input and no test point.
2. The worker runs the cells and reports ``{"cell": id, "state": "start"}`` and
   ``{"cell": id, "outputs": [...], "count": n}`` per cell, then ``{"ready": true}``.
3. Only then does the grader send the calls, **one at a time**: a framed
   ``{"index": k, "call": ...}``, answered by ``{"call": k, "state": "start"}`` and
   ``{"call": k, "outcome": {...}}``; the next call is sent only after that answer, and
   nothing of a call is kept by the worker once it is answered. ``{"end": true}`` ends the
   calls; the worker answers ``{"done": true}``.

Array arguments travel through a shared *arena* (a memory file the grader made and
passed to the worker, :class:`Arena`): the student's function receives views of it, and
after the call the grader reads the arena back from its own side, where the student's code
cannot reach, to see whether an argument was changed in place (:attr:`Outcome.mutated`
is only the worker's own, forgeable, observation; the grader adds its own).

SymPy results travel as their ``srepr`` only. The worker never evaluates anything for the
judge: the grader rebuilds and evaluates the expression itself
(:func:`autograder.checks.framework.read_symbolic`).
"""
from __future__ import annotations

import base64
import copy
import io
import json
import os
import pickle
import struct
import warnings
from dataclasses import dataclass, field

import numpy as np

#: Longest error message kept from a student's exception.
MAX_MESSAGE = 300
#: How deep and how large a ``"tree"`` result may be, and how long an ``srepr``.
MAX_TREE_DEPTH = 4
MAX_TREE_LEAVES = 10_000
MAX_SREPR = 200_000
#: Values kept per key by ``record`` in a :class:`Function`.
MAX_RECORDS = 1000
#: Largest framed message the worker reads from the grader.
MAX_MESSAGE_BYTES = 1 << 30


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
    ``"expr"`` a SymPy expression (or number): both come back as their ``srepr``, and the
    grader evaluates them at ``points`` (maps from symbol name to a number given as a
    string) with ``digits`` significant digits.
    """

    target: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    kind: str = "numeric"
    points: tuple = ()
    digits: int = 40


@dataclass
class Outcome:
    """What one :class:`Call` gave back, as plain data.

    ``entries`` (and for a matrix ``shape`` and ``symbols``) of a symbolic result are
    filled by the grader from ``srepr``; whatever the worker sends there is discarded.
    """

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
        return cls.from_data(json.loads(line))

    @classmethod
    def from_data(cls, data) -> "Outcome":
        """Rebuild an outcome from a worker's line once parsed as JSON (the event that
        carried it is parsed once, with the outcome in it); raises ValueError on anything
        malformed."""
        data = dict(data) if isinstance(data, dict) else data
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
    """What a worker needs before the calls: the cells to run and its limits.

    ``cells`` are ``(cell_id, source)`` pairs in notebook order; a worker that was
    restarted after a hang skips the cells in ``skip_cells``. ``arena_fd`` is the file
    descriptor of the :class:`Arena` the grader passed (-1: none). The limits have no
    defaults: the grader's :class:`~autograder.grading.judge.Limits` are the one place.
    """

    cells: tuple
    cell_timeout: float
    call_timeout: float
    memory_bytes: int
    file_bytes: int
    output_bytes: int
    skip_cells: tuple = ()
    arena_fd: int = -1
    arena_bytes: int = 0


# --- the wire --------------------------------------------------------------------------


def write_message(stream, message) -> None:
    """Send ``message`` (plain data) as a pickle framed by its length. Only the grader sends
    these, to the worker: the worker's own reports are JSON lines, read as untrusted data."""
    blob = pickle.dumps(message)
    stream.write(struct.pack(">Q", len(blob)) + blob)
    stream.flush()


def read_message(stream):
    """The next framed message on ``stream``, or ``None`` when it is closed. The bytes read
    are overwritten once unpickled, so the message's text does not linger in memory."""
    header = stream.read(8)
    if len(header) < 8:
        return None
    (size,) = struct.unpack(">Q", header)
    if size > MAX_MESSAGE_BYTES:
        raise ValueError("message too large")
    blob = bytearray(size)
    view, got = memoryview(blob), 0
    while got < size:
        count = stream.readinto(view[got:])
        if not count:
            return None
        got += count
    try:
        return pickle.loads(blob)
    finally:
        view.release()
        blob[:] = bytes(size)


def request_to_wire(request: Request) -> dict:
    return {name: getattr(request, name) for name in request.__dataclass_fields__}


def request_from_wire(data: dict) -> Request:
    return Request(**data)


#: The classes :func:`to_wire` turns into tagged plain data.
_WIRE_CLASSES = {"Call": Call, "Function": Function, "Sym": Sym}
#: The tag of an ndarray placed in the arena.
ARENA_TAG = "__arena__"


def to_wire(value, arena: "Arena | None" = None):
    """``value`` with every :class:`Call`, :class:`Function` and :class:`Sym` turned into a
    tagged dict, inside lists, tuples and dicts too; with an ``arena``, every numeric
    ndarray is written into it and sent as a tag saying where."""
    if type(value) in _WIRE_CLASSES.values():
        fields = {name: to_wire(getattr(value, name), arena) for name in value.__dataclass_fields__}
        return {"__wire__": type(value).__name__, **fields}
    if arena is not None and isinstance(value, np.ndarray) and value.dtype.kind in "biufc":
        return arena.place(value)
    if isinstance(value, (list, tuple)):
        return type(value)(to_wire(item, arena) for item in value)
    if isinstance(value, dict):
        return {key: to_wire(item, arena) for key, item in value.items()}
    return value


def from_wire(value, arena=None):
    """The inverse of :func:`to_wire`; arena tags become views of ``arena`` (an mmap)."""
    if isinstance(value, dict) and ARENA_TAG in value and arena is not None:
        return np.ndarray(tuple(value["shape"]), dtype=np.dtype(value["dtype"]), buffer=arena,
                          offset=value[ARENA_TAG], order="F" if value["fortran"] else "C")
    if isinstance(value, dict) and value.get("__wire__") in _WIRE_CLASSES:
        fields = {key: from_wire(item, arena) for key, item in value.items() if key != "__wire__"}
        return _WIRE_CLASSES[value["__wire__"]](**fields)
    if isinstance(value, (list, tuple)):
        return type(value)(from_wire(item, arena) for item in value)
    if isinstance(value, dict):
        return {key: from_wire(item, arena) for key, item in value.items()}
    return value


class Arena:
    """The grader's side of the shared memory that carries one call's array arguments.

    A memory file (``memfd``) the grader creates and passes to the worker at start. Before
    each call the grader writes the call's arrays into it (:func:`to_wire`); after the call
    :meth:`changed` compares the bytes there with what was written, read through the
    grader's own descriptor, and :meth:`clear` zeroes them, so nothing of the call is left.
    """

    ALIGN = 64

    def __init__(self, size: int):
        self.size = max(int(size), self.ALIGN)
        self.fd = os.memfd_create("autograder-arena", 0)
        os.ftruncate(self.fd, self.size)
        self._placed: list = []
        self._next = 0

    @staticmethod
    def bytes_needed(calls) -> int:
        """Room for the largest call's arrays."""
        def needed(value) -> int:
            if isinstance(value, np.ndarray) and value.dtype.kind in "biufc":
                return value.nbytes + Arena.ALIGN
            if isinstance(value, (list, tuple)):
                return sum(needed(item) for item in value)
            if isinstance(value, dict):
                return sum(needed(item) for item in value.values())
            return 0

        return max((needed(call.args) + needed(call.kwargs) for call in calls), default=0)

    def place(self, array: np.ndarray) -> dict:
        fortran = array.flags.f_contiguous and not array.flags.c_contiguous
        data = array.tobytes(order="F" if fortran else "C")
        offset = self._next
        if offset + len(data) > self.size:
            raise ValueError("the call's arrays do not fit in the arena")
        os.pwrite(self.fd, data, offset)
        self._placed.append((offset, data))
        self._next = offset + -(-max(len(data), 1) // self.ALIGN) * self.ALIGN
        return {ARENA_TAG: offset, "dtype": array.dtype.str, "shape": list(array.shape), "fortran": fortran}

    def changed(self) -> bool:
        """Whether any array of the last call differs, byte for byte, from what was sent."""
        return any(os.pread(self.fd, len(data), offset) != data for offset, data in self._placed)

    def clear(self) -> None:
        for offset, data in self._placed:
            os.pwrite(self.fd, bytes(len(data)), offset)
        self._placed, self._next = [], 0

    def close(self) -> None:
        os.close(self.fd)


# --- reading a result back ---------------------------------------------------------------


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


def describe(exc: BaseException) -> str:
    """A student's exception as one short line."""
    if isinstance(exc, TimeLimit):
        return "timed out"
    message = f"{type(exc).__name__}: {exc}"
    return message if len(message) <= MAX_MESSAGE else message[: MAX_MESSAGE - 3] + "..."


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


def _build_arguments(args, kwargs, outcome: Outcome):
    """The arguments as the student receives them, with every :class:`Function` and
    :class:`Sym` built here."""
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


def _read_tree(result, call: Call, outcome: Outcome) -> None:
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


def _read_srepr(result, outcome: Outcome) -> None:
    import sympy

    text = sympy.srepr(result)
    if len(text) > MAX_SREPR:
        raise ValueError(f"the expression is longer than {MAX_SREPR} characters written out")
    outcome.srepr = text


def _read_expr(result, call: Call, outcome: Outcome) -> None:
    import sympy

    outcome.type_name = _type_name(result)
    if isinstance(result, (int, float)) and not isinstance(result, bool):
        result = sympy.sympify(result)
    if isinstance(result, sympy.Basic) and not isinstance(result, sympy.MatrixBase):
        _read_srepr(result, outcome)


def _read_numeric(result, call: Call, outcome: Outcome) -> None:
    outcome.type_name = _type_name(result)
    if type(result) is np.ndarray:
        outcome.dtype = str(result.dtype)
    value = np.array(result, dtype=np.float64, copy=True)
    outcome.shape = value.shape
    outcome.value = value


def _read_matrix(result, call: Call, outcome: Outcome) -> None:
    import sympy

    outcome.type_name = _type_name(result)
    if isinstance(result, sympy.MatrixBase):
        _read_srepr(result, outcome)


#: How each :attr:`Call.kind` reads a result back.
READERS = {"numeric": _read_numeric, "tree": _read_tree, "sympy": _read_matrix, "expr": _read_expr}


def probe(function, call: Call, *, fresh_arguments: bool = False) -> Outcome:
    """Call ``function`` as ``call`` says and return what came back as plain data.

    The arguments are deep copies of the call's (the student may modify them), unless
    ``fresh_arguments`` says they were just built for this call alone (the worker's, from
    the wire and the arena). Also used in-process by
    :func:`autograder.checks.framework.run_locally`, so that a check reads a result the
    same way in a notebook and in the grader.
    """
    outcome = Outcome()
    if not callable(function):
        outcome.error = f"{call.target} is not a function (it is a {type(function).__name__})"
        return outcome
    args, kwargs = (call.args, call.kwargs) if fresh_arguments else copy.deepcopy((call.args, call.kwargs))
    args, kwargs = _build_arguments(args, kwargs, outcome)
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
            outcome.error = describe(exc)
            outcome.error_types = [kind.__name__ for kind in type(exc).__mro__][:8]
    outcome.warnings = sorted({f"{w.category.__name__}: {w.message}" for w in caught})
    return outcome
