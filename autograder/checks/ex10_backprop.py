"""Hidden tests of ``ex10_backprop``: the contract in EXERCISES.md, one check per graded name.

A network is ``(Ws, bs, acts)``: ``Z^l = A^{l-1} (W^l)^T + b^l``, ``A^l = F_l(Z^l)``, ``A^0 = X``
(rows are samples), and the loss is ``L = 1/(2N) sum_i ||A^L_i - Y_i||^2``.

References are computed here, before any student code runs. Gradients and central-difference
quotients are computed sample by sample in mpmath at 40 digits from the float64 inputs (integer
inputs are exact there, so the exact zeros that decide ``relu'(0) = 0`` stay exact zeros);
trajectories and the large batch use a float64 reference whose pre-activations are verified
to stay away from the ReLU kink. Random inputs keep every ReLU pre-activation away from 0,
except the integer networks that put exact zeros there on purpose.

Two properties are observed inside the student's process by values the check builds there
(:class:`~autograder.worker.Function`): the ``X`` of the large batch installs a counter of
traced Python events (lines and calls) that stops at the end of the call, so a Python loop over
the 5000 samples shows up as a count, not as a time; and the ``Ws`` / ``bs`` lists of the
"never modifies" parts are list subclasses that record any change made to the list itself.
"""
from __future__ import annotations

from typing import Sequence

import mpmath
import numpy as np

from autograder.checks.framework import (
    Call, Check, Function, Judge, Part, all_of, an_array, by_hidden_cell, contract_with, hidden_cell_functions,
    runtime_warning, with_right_values,
)
from autograder.protocol import Outcome

RNG = np.random.default_rng(20261202)
DPS = 40
ELEMENTWISE = ("identity", "relu", "sigmoid", "tanh")
VECTOR = ("softmax", "log_softmax")


def _require(condition: bool, message: str) -> None:
    """A sanity check of this module's own test inputs (kept under ``python -O``)."""
    if not condition:
        raise RuntimeError(f"ex10_backprop checks: {message}")


# --- float64 references ------------------------------------------------------------------------


def _f64(values):
    return [np.asarray(v, dtype=np.float64) for v in values]


def reference_activation(act: str, z: np.ndarray) -> np.ndarray:
    z = np.asarray(z, dtype=np.float64)
    if act == "identity":
        return z.copy()
    if act == "relu":
        return np.maximum(z, 0.0)
    if act == "sigmoid":
        e = np.exp(-np.abs(z))
        return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    if act == "tanh":
        return np.tanh(z)
    shifted = z - z.max(axis=-1, keepdims=True)
    log_s = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    return np.exp(log_s) if act == "softmax" else log_s


def reference_vjp(act: str, z, g) -> np.ndarray:
    z, g = np.asarray(z, dtype=np.float64), np.asarray(g, dtype=np.float64)
    if act == "identity":
        return g.copy()
    if act == "relu":
        return np.where(z > 0, g, 0.0)
    if act in ("sigmoid", "tanh"):
        y = reference_activation(act, z)
        return (y * (1 - y) if act == "sigmoid" else 1 - y * y) * g
    s = reference_activation("softmax", z)
    if act == "softmax":
        return s * (g - (g * s).sum(axis=-1, keepdims=True))
    return g - s * g.sum(axis=-1, keepdims=True)


def reference_forward(Ws, bs, acts, X):
    A = np.array(X, dtype=np.float64)
    zs, as_ = [], [A]
    for W, b, act in zip(_f64(Ws), _f64(bs), acts):
        Z = A @ W.T + b
        A = reference_activation(act, Z)
        zs.append(Z)
        as_.append(A)
    return zs, as_


def reference_loss(Ws, bs, acts, X, Y) -> float:
    A = reference_forward(Ws, bs, acts, X)[1][-1]
    return float(0.5 * np.sum((A - np.asarray(Y, dtype=np.float64)) ** 2) / A.shape[0])


def reference_backward(Ws, bs, acts, X, Y):
    zs, as_ = reference_forward(Ws, bs, acts, X)
    Ws = _f64(Ws)
    G = (as_[-1] - np.asarray(Y, dtype=np.float64)) / as_[0].shape[0]
    dWs, dbs = [None] * len(Ws), [None] * len(Ws)
    for l in reversed(range(len(Ws))):
        D = reference_vjp(acts[l], zs[l], G)
        dWs[l], dbs[l] = D.T @ as_[l], D.sum(axis=0)
        G = D @ Ws[l]
    return dWs, dbs


def reference_gradient_descent(Ws, bs, acts, X, Y, lr, steps):
    """The float64 trajectory: ``(Ws, bs, losses)`` and the list of every step's ``zs``."""
    Ws, bs = _f64(Ws), _f64(bs)
    losses, trajectory = [reference_loss(Ws, bs, acts, X, Y)], [reference_forward(Ws, bs, acts, X)[0]]
    for _ in range(steps):
        dWs, dbs = reference_backward(Ws, bs, acts, X, Y)
        Ws = [W - lr * d for W, d in zip(Ws, dWs)]
        bs = [b - lr * d for b, d in zip(bs, dbs)]
        losses.append(reference_loss(Ws, bs, acts, X, Y))
        trajectory.append(reference_forward(Ws, bs, acts, X)[0])
    return (Ws, bs, np.array(losses)), trajectory


def relu_margin(zs, acts) -> float:
    """Smallest |pre-activation| of a ReLU layer (how far the inputs are from the kink)."""
    margins = [float(np.abs(Z).min()) for Z, act in zip(zs, acts) if act == "relu"]
    return min(margins, default=np.inf)


# --- exact references (mpmath, one sample at a time) ---------------------------------------------


def _mp(array) -> list:
    """A float64 array as nested lists of exact mpmath numbers."""
    array = np.asarray(array, dtype=np.float64)
    if array.ndim == 0:
        return mpmath.mpf(float(array))
    return [_mp(row) for row in array]


def _mp_activation(act: str, z: list) -> list:
    if act == "identity":
        return list(z)
    if act == "relu":
        return [t if t > 0 else mpmath.mpf(0) for t in z]
    if act == "sigmoid":
        return [1 / (1 + mpmath.exp(-t)) for t in z]
    if act == "tanh":
        return [mpmath.tanh(t) for t in z]
    top = max(z)
    log_sum = top + mpmath.log(mpmath.fsum(mpmath.exp(t - top) for t in z))
    return [mpmath.exp(t - log_sum) if act == "softmax" else t - log_sum for t in z]


def _mp_jacobian(act: str, z: list) -> list:
    """``J[i][j] = d F_i / d z_j`` at one row."""
    n = len(z)
    if act in ELEMENTWISE:
        y = _mp_activation(act, z)
        slope = {"identity": lambda k: mpmath.mpf(1), "relu": lambda k: mpmath.mpf(1 if z[k] > 0 else 0),
                 "sigmoid": lambda k: y[k] * (1 - y[k]), "tanh": lambda k: 1 - y[k] ** 2}[act]
        return [[slope(i) if i == j else mpmath.mpf(0) for j in range(n)] for i in range(n)]
    s = _mp_activation("softmax", z)
    if act == "softmax":
        return [[s[i] * ((1 if i == j else 0) - s[j]) for j in range(n)] for i in range(n)]
    return [[(1 if i == j else 0) - s[j] for j in range(n)] for i in range(n)]


def _mp_forward_row(Ws, bs, acts, x):
    zs, as_ = [], [x]
    for W, b, act in zip(Ws, bs, acts):
        z = [mpmath.fsum(w * a for w, a in zip(row, as_[-1])) + c for row, c in zip(W, b)]
        zs.append(z)
        as_.append(_mp_activation(act, z))
    return zs, as_


def exact_loss(Ws, bs, acts, X, Y):
    """L at the given (mpmath) parameters, at the working precision."""
    total = mpmath.mpf(0)
    for x, y in zip(X, Y):
        a = _mp_forward_row(Ws, bs, acts, x)[1][-1]
        total += mpmath.fsum((p - q) ** 2 for p, q in zip(a, y))
    return total / (2 * len(X))


def exact_backward(Ws, bs, acts, X, Y):
    """The exact gradient of L at the float64 inputs, as float64 arrays ``(dWs, dbs)``."""
    with mpmath.workdps(DPS):
        Wm, bm, Xm, Ym = [_mp(W) for W in Ws], [_mp(b) for b in bs], _mp(X), _mp(Y)
        N, L = len(Xm), len(Wm)
        dW = [[[mpmath.mpf(0)] * len(W[0]) for _ in W] for W in Wm]
        db = [[mpmath.mpf(0)] * len(b) for b in bm]
        for x, y in zip(Xm, Ym):
            zs, as_ = _mp_forward_row(Wm, bm, acts, x)
            g = [(p - q) / N for p, q in zip(as_[-1], y)]
            for l in reversed(range(L)):
                J = _mp_jacobian(acts[l], zs[l])
                delta = [mpmath.fsum(J[i][j] * g[i] for i in range(len(g))) for j in range(len(g))]
                for i, d in enumerate(delta):
                    db[l][i] += d
                    for j, a in enumerate(as_[l]):
                        dW[l][i][j] += d * a
                g = [mpmath.fsum(Wm[l][i][j] * delta[i] for i in range(len(delta))) for j in range(len(as_[l]))]
        to_array = lambda rows: np.array([[float(v) for v in row] for row in rows])  # noqa: E731
        return [to_array(W) for W in dW], [np.array([float(v) for v in b]) for b in db]


def exact_central_differences(Ws, bs, acts, X, Y, eps: float):
    """For every parameter entry, ``(L(theta + eps) - L(theta - eps)) / (2 eps)`` with exact
    arithmetic (40 digits) on the float64 inputs, and L at the given parameters."""
    with mpmath.workdps(DPS):
        Wm, bm, Xm, Ym = [_mp(W) for W in Ws], [_mp(b) for b in bs], _mp(X), _mp(Y)
        step = mpmath.mpf(float(eps))
        params = [*Wm, *bm]

        def moved(entry_list, k, value):
            entry_list[k] = value
            return exact_loss(params[: len(Wm)], params[len(Wm):], acts, Xm, Ym)

        out = []
        for P in params:
            rows = P if isinstance(P[0], list) else [P]
            quotient = [[None] * len(rows[0]) for _ in rows]
            for r, row in enumerate(rows):
                for k, theta in enumerate(row):
                    up = moved(row, k, theta + step)
                    down = moved(row, k, theta - step)
                    row[k] = theta
                    quotient[r][k] = float((up - down) / (2 * step))
            out.append(np.array(quotient if isinstance(P[0], list) else quotient[0]))
        loss = float(exact_loss(Wm, bm, acts, Xm, Ym))
    return out[: len(Wm)], out[len(Wm):], loss


# --- test networks ---------------------------------------------------------------------------------


def _network(sizes, acts, N, *, scale=1.0, relu_margin_at_least=0.05, targets="normal"):
    """Random parameters and data; ReLU pre-activations kept at least the margin from 0."""
    while True:
        Ws = [RNG.normal(size=(m, n)) * scale / np.sqrt(n) for n, m in zip(sizes, sizes[1:])]
        bs = [RNG.normal(size=m) * 0.5 for m in sizes[1:]]
        X = RNG.normal(size=(N, sizes[0]))
        if targets == "probabilities":
            Y = RNG.dirichlet(np.ones(sizes[-1]), size=N)
        else:
            Y = RNG.normal(size=(N, sizes[-1]))
        if relu_margin(reference_forward(Ws, bs, acts, X)[0], acts) >= relu_margin_at_least:
            return Ws, bs, list(acts), X, Y


#: One network per kind of layer: every activation appears, vector ones hidden and at the output.
SMOOTH = _network((3, 5, 4, 2), ("tanh", "identity", "sigmoid"), 7)
RELU_SOFTMAX = _network((4, 6, 3), ("relu", "softmax"), 6, targets="probabilities")
HIDDEN_SOFTMAX = _network((3, 5, 4), ("softmax", "tanh"), 6, scale=2.0)
HIDDEN_LOG_SOFTMAX = _network((3, 4, 3, 2), ("log_softmax", "tanh", "identity"), 5, scale=2.0)
LOG_SOFTMAX_OUT = _network((4, 5, 3), ("sigmoid", "log_softmax"), 6)

#: Integers: ReLU pre-activations exactly 0 on several samples, where the upstream gradient is not.
KINK_WS = [np.array([[1, -1], [2, 1], [0, 1]]), np.array([[1, -1, 2], [-1, 1, 1]]), np.array([[1, 2], [-2, 1]])]
KINK_BS = [np.array([0, -1, 1]), np.array([-1, -4]), np.array([1, 0])]
KINK_X = np.array([[1, 1], [2, -1], [0, -1], [-1, 3], [3, 1], [1, -2]])
KINK_Y = np.array([[1, 0], [0, 2], [-1, 1], [2, -1], [0, 0], [1, 1]])
KINK = ([W.astype(float) for W in KINK_WS], [b.astype(float) for b in KINK_BS], ["relu", "relu", "identity"],
        KINK_X.astype(float), KINK_Y.astype(float))
_kink_zs = reference_forward(*KINK[:4])[0]
_require(sum(int(np.count_nonzero(Z == 0)) for Z in _kink_zs[:2]) >= 6, "exact zeros of KINK")


def _grad_at_zero_matters() -> bool:
    """With relu'(0) = 1 the gradient would differ: the upstream gradient is nonzero at a zero."""
    zs, as_ = reference_forward(*KINK[:4])
    G = (as_[-1] - KINK[4]) / len(KINK[3])
    D2 = G @ KINK[0][2]
    return bool(np.any((zs[1] == 0) & (D2 != 0)))


_require(_grad_at_zero_matters(), "KINK does not test relu'(0)")

#: Plain lists of integers and floats (array-likes).
LIST_NET = ([[[1, 0], [0, -1], [1, 1]], [[0.5, -1.0, 0.25]]], [[0, 1, -1], [0.5]], ["tanh", "identity"],
            [[1, 2], [0, -1], [2, 1]], [[1], [0], [-1]])

# --- shapes of results -------------------------------------------------------------------------


def _tree_call(target: str, *args, **kwargs) -> Call:
    return Call(target, args=tuple(args), kwargs=kwargs, kind="tree")


def _groups(outcome: Outcome, labels: Sequence[str], lengths: Sequence["int | None"]) -> "list | str":
    """The result as ``len(labels)`` items, item k a list of ``lengths[k]`` arrays (or, where the
    length is ``None``, one array); or a message saying what is wrong."""
    what = f"({', '.join(labels)})"
    tree, types = outcome.tree, outcome.tree_types
    if outcome.type_name not in ("builtins.tuple", "builtins.list") or tree is None:
        return f"returned a {outcome.type_name}, expected a tuple {what}"
    if len(tree) != len(labels):
        return f"returned {len(tree)} items, expected {len(labels)}: {what}"
    groups = []
    for item, kinds, label, length in zip(tree, types, labels, lengths):
        if length is None:
            if isinstance(item, list):
                return f"{label} must be one array, not a list"
            groups.append(np.asarray(item, dtype=np.float64))
            continue
        if not isinstance(item, list):
            return f"{label} must be a list of {length} arrays, one per layer"
        if len(item) != length:
            return f"{label} has {len(item)} entries, expected {length} (one per layer)"
        for k, (leaf, kind) in enumerate(zip(item, kinds)):
            if isinstance(leaf, list):
                return f"{label}[{k}] is a list, expected an array"
        groups.append([np.asarray(leaf, dtype=np.float64) for leaf in item])
    return groups


def _float64_items(outcome: Outcome) -> str | None:
    """Every array of the result a float64 ndarray; nothing modified; no RuntimeWarning."""
    def kinds(node):
        return [k for item in node for k in kinds(item)] if isinstance(node, list) else [node]

    for kind in kinds(outcome.tree_types or []):
        if kind != "numpy.ndarray:float64":
            return f"an array of the result is a {kind}, expected a float64 numpy.ndarray"
    if outcome.mutated or outcome.records.get("list_modified"):
        return "modified the caller's arrays or lists in place; work on copies instead"
    return runtime_warning(outcome)


def _compare(got: np.ndarray, want: np.ndarray, allowed, label: str) -> str | None:
    if got.shape != want.shape:
        return f"{label} has shape {got.shape}, expected {want.shape}"
    if not np.all(np.isfinite(got)):
        return f"{label} is not finite (it holds {got[~np.isfinite(got)].ravel()[0]!r})"
    error = np.abs(got - want)
    allowed = np.broadcast_to(allowed, want.shape)
    if np.any(error > allowed):
        k = np.unravel_index(int(np.argmax(error - allowed)), want.shape)
        k = tuple(int(i) for i in k)
        return (f"{label}{list(k)} is {float(got[k]):.10g}, expected {float(want[k]):.10g} "
                f"(difference {float(error[k]):.2g})")
    return None


def _lists_right(labels, wants, tolerance) -> Judge:
    """Judge a ``(list, list[, array])`` result against ``wants``; ``tolerance(want)`` gives the
    allowed error of one array."""
    lengths = [None if isinstance(w, np.ndarray) else len(w) for w in wants]

    def judge(outcomes: Sequence[Outcome]) -> str | None:
        groups = _groups(outcomes[0], labels, lengths)
        if isinstance(groups, str):
            return groups
        for got, want, label in zip(groups, wants, labels):
            pairs = [(got, want, label)] if isinstance(want, np.ndarray) else [
                (g, w, f"{label}[{k}]") for k, (g, w) in enumerate(zip(got, want))]
            for g, w, name in pairs:
                message = _compare(g, w, tolerance(w), name)
                if message:
                    return message
        return None

    return judge


def _right_and_well_behaved(*value_judges: Judge) -> Judge:
    """:func:`_float64_items` for every outcome, earned only together with right values."""
    return with_right_values(_float64_items, *value_judges)


def _raises_value_error_after(right: Judge) -> Judge:
    """The first outcome (a valid call) right and without error, every later one a ValueError:
    a function that always raises earns nothing."""

    def judge(outcomes: Sequence[Outcome]) -> str | None:
        valid, *invalid = outcomes
        if valid.error is not None:
            return valid.error
        for outcome in invalid:
            if "ValueError" not in outcome.error_types:
                got = f"raised {outcome.error}" if outcome.error else "returned without an error"
                return f"must raise ValueError, but {got}"
        wrong = right([valid])
        return wrong and f"{wrong} (this part needs a correct result on valid input too)"

    return judge


# --- values built inside the student's process -----------------------------------------------------

_WATCHED_LIST = '''
class WatchedList(list):
    """A list that records any change made to it (the caller's list must stay as it was)."""

def _watching(method):
    original = getattr(list, method)
    def changed(self, *args, **kwargs):
        if any(self is handed for handed in HANDED):   # not a copy the student made (copy.copy fills one)
            record("list_modified", method)
        return original(self, *args, **kwargs)
    return changed

for _method in ("__setitem__", "__delitem__", "__iadd__", "__imul__", "append", "extend", "insert",
                "pop", "remove", "clear", "sort", "reverse"):
    setattr(WatchedList, _method, _watching(_method))

{name} = WatchedList(np.array([float.fromhex(h) for h in hexes], dtype=np.float64).reshape(shape)
                     for hexes, shape in {data!r})
HANDED = [{name}]
'''


def watched_list(arrays, name: str) -> Function:
    """``arrays`` handed to the student as a list that records changes to itself (the arrays
    inside are plain float64 ndarrays, exactly these values)."""
    data = [([float(v).hex() for v in np.asarray(a, dtype=np.float64).ravel()], np.shape(a)) for a in arrays]
    return Function(_WATCHED_LIST.format(name=name, data=data), name)


#: Most Python events (lines and calls) a call on the large batch may trace; a loop over its
#: 5000 samples traces at least one per sample, a batched pass a fixed number whatever N is.
EVENT_BUDGET = 2500

_COUNTED_ROWS = '''
import sys

{name} = np.random.default_rng({seed}).normal(size={shape})

def _count_events():
    """Count the Python lines and calls traced until the grader's probe returns."""
    frame = sys._getframe()
    while frame is not None and frame.f_code.co_name != "probe":
        frame = frame.f_back
    if frame is None:
        return
    probe_frame, count = frame, [0]

    def trace(frame, event, arg):
        count[0] += 1
        if count[0] > {budget}:
            record("over_budget", count[0])
            sys.settrace(None)
            return None
        if event == "return" and frame is probe_frame:
            record("events", count[0])
            sys.settrace(None)
            return None
        return trace

    sys.settrace(trace)
    probe_frame.f_trace = trace

_count_events()
'''


def counted_rows(seed: int, shape: tuple, name: str = "X") -> tuple[Function, np.ndarray]:
    """Random rows built in the student's process, with an event counter around the call; and
    the same rows here, for the reference."""
    source = _COUNTED_ROWS.format(name=name, seed=seed, shape=tuple(shape), budget=EVENT_BUDGET)
    return Function(source, name), np.random.default_rng(seed).normal(size=shape)


def _batched(judge_values: Judge, N: int) -> Judge:
    def judge(outcomes: Sequence[Outcome]) -> str | None:
        records = outcomes[0].records
        if records.get("over_budget"):
            return (f"Python code ran for each sample: more than {EVENT_BUDGET} Python lines and calls "
                    f"for N = {N} rows (a batched pass runs the same few lines whatever N is)")
        if not records.get("events"):
            return "the call could not be observed (it must not change sys.settrace)"
        return judge_values(outcomes)

    return judge


# --- forward --------------------------------------------------------------------------------------


def _forward_right(net, atol=1e-12) -> Judge:
    zs, as_ = reference_forward(*net[:4])
    return _lists_right(("zs", "as_"), (zs, as_), lambda w: atol * np.maximum(1.0, np.abs(w)))


#: Pre-activations up to 1e3 in absolute value: stable sigmoid, softmax and log_softmax.
EXTREME = ([np.array([[400.0, -300.0], [-350.0, 250.0], [300.0, 300.0]])], [np.array([0.0, -100.0, 50.0])],
           None, np.array([[1.0, 2.0], [-2.0, -1.0], [1.5, -0.5]]))
EXTREME_ACTS = ("sigmoid", "softmax", "log_softmax")
_require(all(np.abs(reference_forward(*EXTREME[:2], [a], EXTREME[3])[0][0]).max() > 500 for a in EXTREME_ACTS),
         "EXTREME inputs are not extreme")
_require(all(np.abs(reference_forward(*EXTREME[:2], [a], EXTREME[3])[0][0]).max() <= 1e3 for a in EXTREME_ACTS),
         "EXTREME inputs are out of the contract")


def _forward(net) -> Call:
    return _tree_call("forward", *net[:4])


FORWARD_HIDDEN = Check(
    target="forward",
    points=3,
    parts=(
        Part(
            "elementwise layers: tanh, identity, sigmoid (the last layer applies its activation too)",
            (_forward(SMOOTH),),
            _forward_right(SMOOTH),
        ),
        Part(
            "ReLU and softmax layers, softmax along each row",
            (_forward(RELU_SOFTMAX), _forward(HIDDEN_SOFTMAX)),
            all_of(_forward_right(RELU_SOFTMAX), _forward_right(HIDDEN_SOFTMAX)),
        ),
        Part(
            "log_softmax layers (hidden and output)",
            (_forward(HIDDEN_LOG_SOFTMAX), _forward(LOG_SOFTMAX_OUT)),
            all_of(_forward_right(HIDDEN_LOG_SOFTMAX), _forward_right(LOG_SOFTMAX_OUT)),
        ),
        Part(
            "finite and right for pre-activations up to 1e3 (sigmoid, softmax, log_softmax), no warning",
            tuple(_tree_call("forward", *EXTREME[:2], [act], EXTREME[3]) for act in EXTREME_ACTS),
            _right_and_well_behaved(*(_forward_right((*EXTREME[:2], [act], EXTREME[3]), atol=1e-9)
                                      for act in EXTREME_ACTS)),
        ),
        Part(
            "an unknown activation name ('Tanh', 'softplus') or len(acts) != len(Ws) raises ValueError",
            (_forward(SMOOTH),
             _tree_call("forward", *SMOOTH[:2], ["tanh", "Tanh", "identity"], SMOOTH[3]),
             _tree_call("forward", *SMOOTH[:2], ["tanh", "sigmoid", "softplus"], SMOOTH[3]),
             _tree_call("forward", *SMOOTH[:2], ["tanh", "sigmoid"], SMOOTH[3])),
            _raises_value_error_after(_forward_right(SMOOTH)),
            accepts_errors=True,
        ),
        Part(
            "accepts lists of integers; float64 arrays (as_[0] too); leaves its inputs alone",
            (_forward(LIST_NET), _tree_call("forward", watched_list(SMOOTH[0], "Ws"), watched_list(SMOOTH[1], "bs"),
                                            SMOOTH[2], SMOOTH[3].copy())),
            _right_and_well_behaved(_forward_right(LIST_NET), _forward_right(SMOOTH)),
        ),
    ),
)

# --- activation_vjp --------------------------------------------------------------------------------


def _numeric(target: str, *args, **kwargs) -> Call:
    return Call(target, args=tuple(args), kwargs=kwargs)


def _vjp_right(act, z, g) -> Judge:
    want = reference_vjp(act, z, g)
    exact = _exact_vjp(act, z, g) if np.size(z) <= 64 else want
    scale = np.max(np.abs(np.asarray(g, dtype=np.float64)), axis=-1, keepdims=True)

    def judge(outcomes: Sequence[Outcome]) -> str | None:
        value = outcomes[0].value
        if value is None:
            return f"{act}: the result could not be read as an array of numbers"
        return _compare(value, exact, 1e-12 * np.maximum(scale, 1e-300), f"{act}: the result")

    return judge


def _exact_vjp(act, z, g) -> np.ndarray:
    z, g = np.asarray(z, dtype=np.float64), np.asarray(g, dtype=np.float64)
    rows_z, rows_g = z.reshape(-1, z.shape[-1]), g.reshape(-1, z.shape[-1])
    out = np.empty_like(rows_z)
    with mpmath.workdps(DPS):
        for r, (zr, gr) in enumerate(zip(rows_z, rows_g)):
            J = _mp_jacobian(act, _mp(zr))
            gm = _mp(gr)
            out[r] = [float(mpmath.fsum(J[i][j] * gm[i] for i in range(len(gm)))) for j in range(len(gm))]
    return out.reshape(z.shape)


def _vjp_case(act, shape, scale=3.0):
    z = RNG.normal(size=shape) * scale
    if act == "relu":
        z = np.where(np.abs(z) < 0.05, 0.5, z)
    return act, z, RNG.normal(size=shape)


VJP_ELEMENTWISE = [_vjp_case(act, (3, 5)) for act in ELEMENTWISE]
VJP_RELU_ZERO = ("relu", np.array([[0.0, 1.5, -2.0, 0.0], [-0.0, 0.0, 3.0, -1.0]]),
                 np.array([[1.0, -2.0, 0.5, 3.0], [2.0, -1.0, 1.0, 4.0]]))
VJP_SOFTMAX = [_vjp_case("softmax", (4, 6)), _vjp_case("softmax", (2, 3, 5))]
VJP_LOG_SOFTMAX = [_vjp_case("log_softmax", (4, 6)), _vjp_case("log_softmax", (2, 3, 5)),
                   ("log_softmax", np.array([1.0, 2.0, 3.0]), np.array([1.0, 0.0, 0.0]))]
LONG = 200_000
VJP_LONG = [("softmax", RNG.normal(size=LONG) * 4, RNG.normal(size=LONG)),
            ("log_softmax", RNG.normal(size=LONG) * 4, RNG.normal(size=LONG))]
VJP_EXTREME = [(act, np.array([[1e3, -1e3, 0.0, 999.0], [-1e3, -999.5, -998.0, 1e3]]),
                np.array([[1.0, -2.0, 0.5, 0.25], [0.5, 1.0, -1.0, 2.0]])) for act in ("sigmoid", "softmax", "log_softmax")]


def _vjp_calls(cases) -> tuple:
    return tuple(_numeric("activation_vjp", act, z, g) for act, z, g in cases)


def _vjp_all(cases) -> Judge:
    return all_of(*(_vjp_right(*case) for case in cases))


def _vjp_well_behaved(cases) -> Judge:
    return contract_with(an_array(), _vjp_all(cases))


VJP_WELL = [(act, z.copy(), g.copy()) for act, z, g in (VJP_EXTREME + VJP_SOFTMAX[:1] + VJP_LOG_SOFTMAX[:1])]

ACTIVATION_VJP_HIDDEN = Check(
    target="activation_vjp",
    points=4,
    parts=(
        Part(
            "elementwise activations (identity, relu, sigmoid, tanh): F'(z) * g",
            _vjp_calls(VJP_ELEMENTWISE),
            _vjp_all(VJP_ELEMENTWISE),
        ),
        Part(
            "relu'(0) = 0 at exact zeros",
            _vjp_calls([VJP_RELU_ZERO]),
            _vjp_all([VJP_RELU_ZERO]),
        ),
        Part(
            "softmax: J^T g for every row (batches of shape (4, 6) and (2, 3, 5))",
            _vjp_calls(VJP_SOFTMAX),
            _vjp_all(VJP_SOFTMAX),
        ),
        Part(
            "log_softmax: J^T g with J = I - 1 s^T, not J g (one row and batches)",
            _vjp_calls(VJP_LOG_SOFTMAX),
            _vjp_all(VJP_LOG_SOFTMAX),
            weight=2,
        ),
        Part(
            f"O(n) memory: one row with n = {LONG} for softmax and log_softmax",
            _vjp_calls(VJP_LONG),
            _vjp_all(VJP_LONG),
        ),
        Part(
            "finite and right for abs(z) up to 1e3; a float64 array; inputs untouched; no warning",
            _vjp_calls(VJP_WELL),
            _vjp_well_behaved(VJP_WELL),
        ),
        Part(
            "an unknown activation name ('Softmax', 'elu') raises ValueError",
            (*_vjp_calls(VJP_SOFTMAX[:1]),
             _numeric("activation_vjp", "Softmax", VJP_SOFTMAX[0][1], VJP_SOFTMAX[0][2]),
             _numeric("activation_vjp", "elu", VJP_SOFTMAX[0][1], VJP_SOFTMAX[0][2])),
            _raises_value_error_after(_vjp_right(*VJP_SOFTMAX[0])),
            accepts_errors=True,
        ),
    ),
)

# --- backward ---------------------------------------------------------------------------------------


def _gradient_right(net) -> Judge:
    dWs, dbs = exact_backward(*net)
    return _lists_right(("dWs", "dbs"), (dWs, dbs), lambda w: 1e-10 * (1 + np.abs(w).max()))


BIG_N = 5000
BIG_SIZES = (4, 6, 5, 3)
BIG_ACTS = ["tanh", "log_softmax", "softmax"]
BIG_WS = [RNG.normal(size=(m, n)) / np.sqrt(n) for n, m in zip(BIG_SIZES, BIG_SIZES[1:])]
BIG_BS = [RNG.normal(size=m) * 0.5 for m in BIG_SIZES[1:]]
BIG_X_FUNCTION, BIG_X = counted_rows(1010, (BIG_N, BIG_SIZES[0]))
BIG_Y = RNG.dirichlet(np.ones(BIG_SIZES[-1]), size=BIG_N)


def _big_gradient_right() -> Judge:
    dWs, dbs = reference_backward(BIG_WS, BIG_BS, BIG_ACTS, BIG_X, BIG_Y)
    return _batched(_lists_right(("dWs", "dbs"), (dWs, dbs), lambda w: 1e-9 * (1 + np.abs(w).max())), BIG_N)


def _backward(net) -> Call:
    return _tree_call("backward", *net)


BACKWARD_HIDDEN = Check(
    target="backward",
    points=5,
    parts=(
        Part(
            "elementwise layers (tanh, identity, sigmoid): the exact gradient",
            (_backward(SMOOTH),),
            _gradient_right(SMOOTH),
        ),
        Part(
            "relu'(0) = 0 at exact zeros (integer weights and inputs)",
            (_backward(KINK),),
            _gradient_right(KINK),
        ),
        Part(
            "a softmax output layer, and a hidden softmax layer (its full Jacobian, not diag(f'))",
            (_backward(RELU_SOFTMAX), _backward(HIDDEN_SOFTMAX)),
            all_of(_gradient_right(RELU_SOFTMAX), _gradient_right(HIDDEN_SOFTMAX)),
            weight=2,
        ),
        Part(
            "log_softmax layers, hidden and at the output (J^T, not J)",
            (_backward(HIDDEN_LOG_SOFTMAX), _backward(LOG_SOFTMAX_OUT)),
            all_of(_gradient_right(HIDDEN_LOG_SOFTMAX), _gradient_right(LOG_SOFTMAX_OUT)),
            weight=2,
        ),
        Part(
            "accepts lists of integers; float64 arrays of the shapes of Ws and bs; inputs untouched",
            (_backward(LIST_NET), _tree_call("backward", watched_list(SMOOTH[0], "Ws"), watched_list(SMOOTH[1], "bs"),
                                             *SMOOTH[2:])),
            _right_and_well_behaved(_gradient_right(LIST_NET), _gradient_right(SMOOTH)),
        ),
        Part(
            f"batched over samples: N = {BIG_N} rows, no Python code run per sample",
            (_tree_call("backward", BIG_WS, BIG_BS, BIG_ACTS, BIG_X_FUNCTION, BIG_Y),),
            _big_gradient_right(),
            weight=2,
        ),
    ),
)

# --- numerical_gradient -----------------------------------------------------------------------------

FD_NET = _network((2, 3, 2), ("tanh", "log_softmax"), 4, scale=1.5)
FD_RELU = _network((3, 3, 2), ("relu", "sigmoid"), 5)
FD_SOFT = _network((2, 3, 3), ("sigmoid", "softmax"), 4, scale=2.0, targets="probabilities")


def _quotients_right(net, eps) -> Judge:
    dWs, dbs, loss = exact_central_differences(*net, eps)
    return _lists_right(("dWs", "dbs"), (dWs, dbs), lambda w: 1e-12 * (1 + loss) / eps)


def _fd(net, eps=None, *, Ws=None, bs=None) -> Call:
    Ws = net[0] if Ws is None else Ws
    bs = net[1] if bs is None else bs
    kwargs = {} if eps is None else {"eps": eps}
    return _tree_call("numerical_gradient", Ws, bs, *net[2:], **kwargs)


def _rounding_leaves_a_trace(net, eps) -> bool:
    """Whether theta + eps - 2 eps + eps differs from theta for some entry (so that an in-place
    perturbation that is undone by arithmetic changes the caller's arrays)."""
    return any(np.any((P + eps - 2 * eps + eps) != P) for P in [*net[0], *net[1]])


_require(_rounding_leaves_a_trace(FD_NET, 1e-3), "FD_NET cannot show a rounding trace")

NUMERICAL_GRADIENT_HIDDEN = Check(
    target="numerical_gradient",
    points=3,
    parts=(
        Part(
            "the central-difference quotient at the default step eps = 1e-5 (tanh, log_softmax)",
            (_fd(FD_NET),),
            _quotients_right(FD_NET, 1e-5),
        ),
        Part(
            "at eps = 0.1 it is the quotient (L(theta + eps) - L(theta - eps)) / (2 eps), not the gradient",
            (_fd(FD_NET, 0.1), _fd(FD_SOFT, 0.1)),
            all_of(_quotients_right(FD_NET, 0.1), _quotients_right(FD_SOFT, 0.1)),
            weight=2,
        ),
        Part(
            "a ReLU network, at eps = 1e-6 and at eps = 0.1",
            (_fd(FD_RELU, 1e-6), _fd(FD_RELU, 0.1)),
            all_of(_quotients_right(FD_RELU, 1e-6), _quotients_right(FD_RELU, 0.1)),
        ),
        Part(
            "never modifies Ws, bs (not even by a rounding error); float64 arrays; no warning",
            (_fd(FD_NET, 1e-3, Ws=watched_list(FD_NET[0], "Ws"), bs=watched_list(FD_NET[1], "bs")),),
            _right_and_well_behaved(_quotients_right(FD_NET, 1e-3)),
            weight=2,
        ),
    ),
)

# --- gradient_descent -------------------------------------------------------------------------------

GD_TOLERANCE = 1e-9


def _gd_case(net, lr, steps):
    (Ws, bs, losses), trajectory = reference_gradient_descent(*net, lr, steps)
    for zs in trajectory:
        _require(relu_margin(zs, net[2]) > 1e-4, "a trajectory passes too close to the ReLU kink")
    return Ws, bs, losses


def _trajectory_right(reference) -> Judge:
    Ws, bs, losses = reference
    inner = _lists_right(("Ws", "bs", "losses"), (Ws, bs, losses),
                         lambda w: GD_TOLERANCE * np.maximum(1.0, np.abs(w)))

    def judge(outcomes: Sequence[Outcome]) -> str | None:
        message = inner(outcomes)
        if message and message.startswith("losses has shape"):
            message += " (steps + 1 values: the loss before each step and after the last)"
        return message

    return judge


GD_SMOOTH = _network((3, 4, 2), ("tanh", "identity"), 8)
GD_SMOOTH_ARGS = (0.5, 30)
GD_SOFT = _network((3, 5, 3), ("relu", "softmax"), 8, targets="probabilities", relu_margin_at_least=0.1)
GD_SOFT_ARGS = (0.8, 25)
GD_LOG = _network((3, 4, 3, 2), ("log_softmax", "sigmoid", "identity"), 6, scale=2.0)
GD_LOG_ARGS = (0.6, 25)


def _symmetric(sizes, acts, N, pair):
    """A network whose hidden units ``pair`` of layer 1 start identical: equal rows of W^1,
    equal entries of b^1 and equal columns of W^2."""
    Ws, bs, acts, X, Y = _network(sizes, acts, N)
    i, k = pair
    Ws[0][k], bs[0][k], Ws[1][:, k] = Ws[0][i], bs[0][i], Ws[1][:, i]
    return Ws, bs, acts, X, Y


SYMMETRY_PAIR = (1, 3)
SYMMETRIC_NETS = {
    "tanh": _symmetric((3, 5, 2), ("tanh", "identity"), 7, SYMMETRY_PAIR),
    "softmax": _symmetric((3, 5, 2), ("softmax", "identity"), 7, SYMMETRY_PAIR),
    "log_softmax": _symmetric((3, 5, 3, 2), ("log_softmax", "sigmoid", "identity"), 7, SYMMETRY_PAIR),
}
SYMMETRY_ARGS = (0.5, 40)
GD_REFS = {
    "smooth": _gd_case(GD_SMOOTH, *GD_SMOOTH_ARGS),
    "soft": _gd_case(GD_SOFT, *GD_SOFT_ARGS),
    "log": _gd_case(GD_LOG, *GD_LOG_ARGS),
    "zero": _gd_case(GD_SMOOTH, 0.5, 0),
    "lists": _gd_case(LIST_NET, 0.1, 5),
    **{f"sym_{k}": _gd_case(net, *SYMMETRY_ARGS) for k, net in SYMMETRIC_NETS.items()},
}


def _symmetry_kept(reference) -> Judge:
    right = _trajectory_right(reference)
    i, k = SYMMETRY_PAIR

    def judge(outcomes: Sequence[Outcome]) -> str | None:
        groups = _groups(outcomes[0], ("Ws", "bs", "losses"), (len(reference[0]), len(reference[1]), None))
        if isinstance(groups, str):
            return groups
        Ws, bs, _ = groups
        pairs = (("the rows", Ws[0][i], Ws[0][k]), ("the biases", bs[0][i], bs[0][k]),
                 ("the outgoing columns", Ws[1][:, i], Ws[1][:, k]))
        for what, one, other in pairs:
            scale = max(1.0, float(np.max(np.abs(one))))
            if np.shape(one) != np.shape(other) or np.max(np.abs(one - other)) > 1e-12 * scale:
                return (f"hidden units {i} and {k} start identical, but {what} of layer 1 differ after training "
                        f"by {np.max(np.abs(one - other)):.2g}: units that start identical must stay identical")
        wrong = right(outcomes)
        return wrong and f"{wrong} (the trajectory must be right too)"

    return judge


def _gd(net, lr, steps, *, Ws=None, bs=None) -> Call:
    return Call("gradient_descent", args=(net[0] if Ws is None else Ws, net[1] if bs is None else bs,
                                          *net[2:], lr, steps), kind="tree")


GRADIENT_DESCENT_HIDDEN = Check(
    target="gradient_descent",
    points=4,
    parts=(
        Part(
            "the trajectory of an elementwise network: final Ws, bs and the steps + 1 losses (also steps = 0)",
            (_gd(GD_SMOOTH, *GD_SMOOTH_ARGS), _gd(GD_SMOOTH, 0.5, 0)),
            all_of(_trajectory_right(GD_REFS["smooth"]), _trajectory_right(GD_REFS["zero"])),
        ),
        Part(
            "trajectories with softmax and log_softmax layers",
            (_gd(GD_SOFT, *GD_SOFT_ARGS), _gd(GD_LOG, *GD_LOG_ARGS)),
            all_of(_trajectory_right(GD_REFS["soft"]), _trajectory_right(GD_REFS["log"])),
            weight=2,
        ),
        Part(
            "units that start identical stay identical (tanh hidden layer)",
            (_gd(SYMMETRIC_NETS["tanh"], *SYMMETRY_ARGS),),
            _symmetry_kept(GD_REFS["sym_tanh"]),
        ),
        Part(
            "units that start identical stay identical (softmax and log_softmax hidden layers)",
            (_gd(SYMMETRIC_NETS["softmax"], *SYMMETRY_ARGS), _gd(SYMMETRIC_NETS["log_softmax"], *SYMMETRY_ARGS)),
            all_of(_symmetry_kept(GD_REFS["sym_softmax"]), _symmetry_kept(GD_REFS["sym_log_softmax"])),
            weight=2,
        ),
        Part(
            "accepts lists; new float64 arrays; never modifies its inputs (arrays or lists)",
            (_gd(LIST_NET, 0.1, 5), _gd(GD_SMOOTH, *GD_SMOOTH_ARGS, Ws=watched_list(GD_SMOOTH[0], "Ws"),
                                       bs=watched_list(GD_SMOOTH[1], "bs"))),
            _right_and_well_behaved(_trajectory_right(GD_REFS["lists"]), _trajectory_right(GD_REFS["smooth"])),
        ),
    ),
)

# --- what the hidden test cells call -----------------------------------------------------------------

#: Hidden test cell ``grade_id`` -> the check that grades it.
CHECKS = by_hidden_cell(FORWARD_HIDDEN, ACTIVATION_VJP_HIDDEN, BACKWARD_HIDDEN, NUMERICAL_GRADIENT_HIDDEN,
                        GRADIENT_DESCENT_HIDDEN)
#: ``<target>_hidden(function)``, what each hidden test cell calls.
globals().update(hidden_cell_functions(CHECKS))
