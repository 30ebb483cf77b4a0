"""Hidden tests of ``ex03_relu_subgradients``: the contract in EXERCISES.md, one check per
graded name.

The references below are computed here, in the grader's process, before any student code
runs; the student's functions are only ever *called* (see :mod:`autograder.protocol`). Where
the contract allows several answers (how ``max_subgradient`` splits a tie) the judges test
the defining properties instead of comparing with one reference.
"""
from __future__ import annotations

import functools

import math
from typing import Sequence

import mpmath
import numpy as np
import sympy as sp

from autograder.checks.framework import (
    Call, Check, Function, Judge, Part, Sym, agrees_to_digits, all_of, by_hidden_cell, contract_with, each, exactly,
    hidden_cell_functions, items_of, parse_srepr, time_limited, untouched_and_quiet, well_behaved_and_right,
)
from autograder.protocol import Outcome

RNG = np.random.default_rng(20261124)

# --- shared judges ---------------------------------------------------------------------------


def _describe_input(value) -> str:
    text = np.array2string(np.asarray(value, dtype=np.float64), precision=4, threshold=8, separator=", ")
    return text.replace("\n", "")


# --- relu ----------------------------------------------------------------------------------------


def reference_relu(x):
    return np.maximum(np.asarray(x, dtype=np.float64), 0.0)


RELU_VECTOR = RNG.normal(size=9) * 3
RELU_MATRIX = RNG.normal(size=(4, 5)) * 3
RELU_CUBE = RNG.normal(size=(2, 3, 4)) * 3
RELU_INTEGERS = [3, -1, 0, 2, -7]
RELU_SPECIAL = np.array([np.nan, np.inf, -np.inf, -1.5, 0.0, -0.0, 2.5, 1e308, -1e308, 5e-324])
RELU_SPECIAL_MATRIX = np.array([[np.nan, -np.inf], [np.inf, -2.0]])


def _relu_exactly(x) -> Judge:
    return exactly(reference_relu(x), what=f"relu({_describe_input(x)})")


def _relu_values(*inputs) -> Judge:
    return all_of(*map(_relu_exactly, inputs))


def _relu_well_behaved(*inputs) -> Judge:
    return well_behaved_and_right(*map(_relu_exactly, inputs))


RELU_HIDDEN = Check(
    target="relu",
    points=2,
    parts=(
        Part(
            "max(0, x) on vectors, matrices, 3-d arrays, integer lists and scalars",
            tuple(Call("relu", args=(x,)) for x in (RELU_VECTOR, RELU_MATRIX, RELU_CUBE, RELU_INTEGERS, -2.5, 4.0)),
            _relu_values(RELU_VECTOR, RELU_MATRIX, RELU_CUBE, RELU_INTEGERS, -2.5, 4.0),
            weight=2,
        ),
        Part(
            "NaN stays NaN, relu(inf) is inf, relu(-inf) is 0",
            (Call("relu", args=(RELU_SPECIAL,)), Call("relu", args=(RELU_SPECIAL_MATRIX,))),
            _relu_values(RELU_SPECIAL, RELU_SPECIAL_MATRIX),
        ),
        Part(
            "returns a new float64 array, leaves its input alone, emits no warning",
            (Call("relu", args=(RELU_MATRIX.copy(),)), Call("relu", args=(RELU_SPECIAL.copy(),)),
             Call("relu", args=(RELU_INTEGERS,))),
            _relu_well_behaved(RELU_MATRIX, RELU_SPECIAL, RELU_INTEGERS),
        ),
    ),
)

# --- relu_subdifferential ----------------------------------------------------------------------


def reference_relu_subdifferential(x):
    x = np.asarray(x, dtype=np.float64)
    return (x > 0).astype(np.float64), (x >= 0).astype(np.float64)


def _away_from_zero(shape, scale=3.0):
    """Normal samples with |x| >= 0.01, so that no entry is near the kink."""
    x = RNG.normal(size=shape) * scale
    return np.where(np.abs(x) < 0.01, np.sign(x + 0.5) * 0.5, x)


SUB_VECTOR = _away_from_zero(8)
SUB_CUBE = _away_from_zero((2, 3, 4))
SUB_INTEGERS = [2, -3, 5, -1]
#: Exact zeros (also -0.0) among values on both sides, some of them tiny.
SUB_KINK = np.array([[0.0, 1e-300, -1e-300, 5e-324], [-0.0, -5e-324, 1e-20, 0.0]])
SUB_SCALARS = (0.0, -1.5, 2.0)


def _pair(outcome: Outcome, x, *, strict: bool) -> str | None:
    """The outcome is a tuple/list of two arrays equal to the reference pair; with ``strict``,
    also float64 ndarrays."""
    lo_ref, hi_ref = reference_relu_subdifferential(x)
    where = f"relu_subdifferential({_describe_input(x)})"
    tree, message = items_of(outcome, ("lo", "hi"), where)
    if message:
        return message
    for label, node, kind, reference in (("lo", tree[0], outcome.tree_types[0], lo_ref),
                                         ("hi", tree[1], outcome.tree_types[1], hi_ref)):
        array = _as_array(node)
        if array is None:
            return f"{where}: {label} could not be read as an array of numbers"
        if strict and kind != "numpy.ndarray:float64":
            return f"{where}: {label} is a {kind}, expected a numpy.ndarray of dtype float64"
        message = exactly(reference, what=f"{label} of {where}")([Outcome(value=array)])
        if message:
            return message
    return None


def _as_array(node) -> np.ndarray | None:
    """A leaf of ``outcome.tree`` (a float64 array), or nested lists of 0-d leaves (what a
    list of numbers becomes) as one array; ``None`` for anything ragged."""
    if isinstance(node, np.ndarray):
        return node

    def plain(item):
        if isinstance(item, list):
            return [plain(inner) for inner in item]
        if isinstance(item, np.ndarray) and item.shape == ():
            return float(item)
        raise ValueError("not a number")

    try:
        return np.array(plain(node), dtype=np.float64)
    except ValueError:
        return None


def _pairs(*inputs, strict: bool = False) -> Judge:
    return each(functools.partial(_pair, strict=strict), inputs)


def _pairs_well_behaved(*inputs) -> Judge:
    return contract_with(untouched_and_quiet, _pairs(*inputs, strict=True))


def _tree_call(target: str, *args) -> Call:
    return Call(target, args=tuple(args), kind="tree")


RELU_SUBDIFFERENTIAL_HIDDEN = Check(
    target="relu_subdifferential",
    points=2,
    parts=(
        Part(
            "[0, 0] below 0 and [1, 1] above 0, on vectors, 3-d arrays and integer lists",
            tuple(_tree_call("relu_subdifferential", x) for x in (SUB_VECTOR, SUB_CUBE, SUB_INTEGERS)),
            _pairs(SUB_VECTOR, SUB_CUBE, SUB_INTEGERS),
            weight=2,
        ),
        Part(
            "exactly [0, 1] at 0 (and -0.0), and nowhere else, however close to 0",
            tuple(_tree_call("relu_subdifferential", x) for x in (SUB_KINK, *SUB_SCALARS)),
            _pairs(SUB_KINK, *SUB_SCALARS),
        ),
        Part(
            "a tuple of two new float64 arrays of the shape of x; x untouched; no warning",
            (_tree_call("relu_subdifferential", SUB_CUBE.copy()), _tree_call("relu_subdifferential", SUB_KINK.copy())),
            _pairs_well_behaved(SUB_CUBE, SUB_KINK),
        ),
    ),
)

# --- max_subgradient -------------------------------------------------------------------------------


def reference_max_subgradient(z):
    """One valid answer (ties split evenly); the judges accept any other valid one."""
    z = np.asarray(z, dtype=np.float64)
    winners = z == z.max(axis=-1, keepdims=True)
    return winners / winners.sum(axis=-1, keepdims=True)


def _clear_winner(shape, gap=1e-3):
    """Random rows whose largest entry beats the runner-up by at least ``gap``."""
    z = RNG.normal(size=shape) * 3
    for row in z.reshape(-1, shape[-1]):  # views into z
        top_two = np.sort(row)[-2:]
        if top_two[1] - top_two[0] < gap:
            row[np.argmax(row)] += 1.0
    return z


MAX_BATCH = _clear_winner((5, 6))
MAX_CUBE = _clear_winner((2, 3, 4))
MAX_ONE_ROW = _clear_winner((7,))
MAX_SINGLETON = np.array([[3.5], [-1.0]])
MAX_INTEGERS = [[3, -1, 7], [0, 5, 2]]
#: Near ties that are not ties: the runner-up is within ``np.isclose`` of the maximum (its
#: default rtol 1e-5 and atol 1e-8) but smaller, so the subgradient is still one-hot. An
#: answer that treats "close to the maximum" as "the maximum" fails here, on a row and on
#: a batch.
MAX_NEAR_TIE_ROW = np.array([3.0, 3.0 - 1e-9, 1.0])
MAX_NEAR_TIES = np.array([
    [1.0, 1.0 - 1e-12, 0.5],
    [1e6, 1e6 - 1.0, 0.0],
    [1e-9, 0.0, -1.0],
    [-2.0, -2.0 + 1e-10, -3.0],
])
#: Exact ties on purpose, including every entry tied, -0.0 tied with 0.0, huge values and
#: a tie between the first and last entries.
MAX_TIES = np.array([
    [2.0, 2.0, 1.0, -3.0],
    [5.0, 5.0, 5.0, 5.0],
    [0.0, -0.0, -1.0, -2.0],
    [1e300, -1e300, 1e300, 0.0],
    [7.0, -1.0, 0.5, 7.0],
    [-4.0, -4.0, -4.0, -5.0],
])
MAX_TIES_CUBE = np.array([[[1.0, 3.0, 3.0], [0.0, 0.0, 0.0]], [[2.0, 1.0, 0.0], [-1.0, 9.0, 9.0]]])
MAX_INTEGER_TIES = [[1, 4, 4, 0], [2, 2, 2, 1]]


def _subgradient_message(g: np.ndarray, z: np.ndarray) -> str | None:
    """Say how ``g`` fails to be a subgradient of max at each row of ``z``, or ``None``."""
    what = f"max_subgradient({_describe_input(z)})"
    if g.shape != z.shape:
        return f"{what} has shape {g.shape}, expected {z.shape}"
    if not np.isfinite(g).all():
        index = tuple(int(i) for i in np.argwhere(~np.isfinite(g))[0])
        return f"{what} is not finite at index {index}"
    if (g < 0).any():
        index = tuple(int(i) for i in np.argwhere(g < 0)[0])
        return f"{what} is negative at index {index} ({float(g[index])!r}); a subgradient of max has g >= 0"
    below = z < z.max(axis=-1, keepdims=True)
    if (g[below] != 0).any():
        index = tuple(int(i) for i in np.argwhere(below & (g != 0))[0])
        return (f"{what} is {float(g[index])!r} at index {index}, where z is below its row's maximum; "
                "it must be exactly 0 there")
    sums = g.sum(axis=-1)
    off = np.abs(sums - 1) > 1e-12
    if off.any():
        if sums.ndim == 0:
            return f"{what} sums to {float(sums)!r}; it must sum to 1"
        row = tuple(int(i) for i in np.argwhere(off)[0])
        return f"{what}: row {row if len(row) > 1 else row[0]} sums to {float(sums[row])!r}; each row must sum to 1"
    return None


def _one_subgradient(outcome: Outcome, z) -> str | None:
    if outcome.value is None:
        return f"max_subgradient returned a {outcome.type_name}, which could not be read as an array"
    return _subgradient_message(outcome.value, np.asarray(z, dtype=np.float64))


def _subgradients(*inputs) -> Judge:
    return each(_one_subgradient, inputs)


def _subgradients_well_behaved(*inputs) -> Judge:
    return well_behaved_and_right(*(_subgradients(z) for z in inputs))


MAX_SUBGRADIENT_HIDDEN = Check(
    target="max_subgradient",
    points=3,
    parts=(
        Part(
            "the one-hot vector of the argmax for every row with a single largest entry "
            "(shapes (7,), (5, 6), (2, 3, 4), n = 1, integer lists, near ties that are not ties)",
            tuple(Call("max_subgradient", args=(z,)) for z in (MAX_ONE_ROW, MAX_BATCH, MAX_CUBE, MAX_SINGLETON,
                                                              MAX_INTEGERS, MAX_NEAR_TIE_ROW, MAX_NEAR_TIES)),
            _subgradients(MAX_ONE_ROW, MAX_BATCH, MAX_CUBE, MAX_SINGLETON, MAX_INTEGERS, MAX_NEAR_TIE_ROW,
                          MAX_NEAR_TIES),
            weight=2,
        ),
        Part(
            "exact ties: g >= 0, zero below the maximum, each row sums to 1 (any split of a tie)",
            tuple(Call("max_subgradient", args=(z,)) for z in (MAX_TIES, MAX_TIES_CUBE, MAX_INTEGER_TIES)),
            _subgradients(MAX_TIES, MAX_TIES_CUBE, MAX_INTEGER_TIES),
            weight=2,
        ),
        Part(
            "returns a new float64 array, leaves its input alone, emits no warning",
            (Call("max_subgradient", args=(MAX_BATCH.copy(),)), Call("max_subgradient", args=(MAX_TIES.copy(),)),
             Call("max_subgradient", args=(MAX_INTEGERS,))),
            _subgradients_well_behaved(MAX_BATCH, MAX_TIES, MAX_INTEGERS),
        ),
    ),
)

# --- max_derivative ------------------------------------------------------------------------------------

X = sp.Symbol("x")
X_REAL = sp.Symbol("x", real=True)
T_POSITIVE = sp.Symbol("t", positive=True)
R = sp.Rational
#: The answer of a case where max(fs) is not differentiable at the point.
NOT_DIFFERENTIABLE = "ValueError"


def _taylor_exp(symbol, order):
    return sum(symbol**k / sp.factorial(k) for k in range(order + 1))


#: (functions, symbol, point, the exact derivative of their maximum or NOT_DIFFERENTIABLE),
#: each answer worked out by hand; ``tests/test_checks_ex03.py`` checks every one against
#: the reference solution and against difference quotients.
DERIVATIVE_CASES = {
    "unique": [
        ((X**2, sp.sin(X), 3 * X - 1), X, R(2), sp.Integer(3)),
        ((sp.exp(X), X**3, sp.log(X)), X, R(1, 2), sp.exp(R(1, 2))),
        ((sp.cos(X), X / 3), X, R(1, 3), -sp.sin(R(1, 3))),
        ((X**3 - 2 * X, -X**2, sp.log(X**2 + 1)), X, R(-3, 2), R(-12, 13)),
        ((sp.sin(X) * sp.exp(X),), X, R(1, 4), (sp.cos(R(1, 4)) + sp.sin(R(1, 4))) * sp.exp(R(1, 4))),
    ],
    "equal_slopes": [
        ((sp.sin(X), X, X**3 + X), X, R(0), sp.Integer(1)),
        ((sp.log(X), X - 1), X, R(1), sp.Integer(1)),
        ((sp.exp(X), 1 + X, 1 + sp.log(1 + X)), X, R(0), sp.Integer(1)),
        ((2 * sp.log(X), sp.log(X**2)), X, R(2), sp.Integer(1)),
        ((sp.cos(X), 1 - X**2 / 2, X - 5), X, R(0), sp.Integer(0)),
    ],
    "corners": [
        ((X**2, X), X, R(1), NOT_DIFFERENTIABLE),
        ((sp.sin(X), X**2), X, R(0), NOT_DIFFERENTIABLE),
        ((2 * sp.log(X), sp.log(X**2) + X - 2), X, R(2), NOT_DIFFERENTIABLE),
        ((sp.exp(X), 1 - X, X - 3), X, R(0), NOT_DIFFERENTIABLE),
        ((X**2, 2 * X - 1), X, R(1), sp.Integer(2)),
        ((sp.cos(X), -sp.cos(X) + 2 * sp.cos(R(1, 2))), X, R(1, 2), NOT_DIFFERENTIABLE),
    ],
    "lower_ties": [
        ((X, -X, sp.Integer(5)), X, R(0), sp.Integer(0)),
        ((sp.sin(X), X**2, X / 2 + 1), X, R(0), R(1, 2)),
        ((X**2 - 1, 1 - X**2, X + 1), X, R(1), sp.Integer(1)),
    ],
    "near_ties": [
        ((X**2, X + R(1, 10**20)), X, R(1), sp.Integer(1)),
        ((sp.exp(X), _taylor_exp(X, 7)), X, R(1, 10), sp.exp(R(1, 10))),
    ],
    "symbol": [
        ((T_POSITIVE**2, 3 * T_POSITIVE), T_POSITIVE, R(5, 2), sp.Integer(3)),
        ((X_REAL**3, X_REAL), X_REAL, R(-1, 2), R(3, 4)),
        ((sp.cos(T_POSITIVE), sp.sin(T_POSITIVE)), T_POSITIVE, R(1, 5), -sp.sin(R(1, 5))),
    ],
}
DERIVATIVE_DIGITS = 30


def _derivative_call(case) -> Call:
    fs, symbol, point, _ = case
    return Call("max_derivative", args=([Sym(sp.srepr(f)) for f in fs], Sym(sp.srepr(symbol)), Sym(sp.srepr(point))),
                kind="expr", points=({},), digits=DERIVATIVE_DIGITS + 10)


def _case_text(case) -> str:
    fs, symbol, point, _ = case
    return f"max_derivative([{', '.join(str(f) for f in fs)}], {symbol}, {point})"


def _expected_value(answer):
    with mpmath.workdps(DERIVATIVE_DIGITS + 20):
        return mpmath.mpf(str(sp.N(answer, DERIVATIVE_DIGITS + 20)))


def _derivative_message(outcome: Outcome, case) -> str | None:
    answer = case[3]
    where = _case_text(case)
    if answer == NOT_DIFFERENTIABLE:
        if outcome.error is None:
            return (f"{where} returned a value, but the maximum is not differentiable there "
                    "(tied maximal functions with different derivatives): raise ValueError")
        if "ValueError" not in outcome.error_types:
            return f"{where} raised {outcome.error}; expected a ValueError"
        return None
    if outcome.error is not None:
        return f"{where} raised {outcome.error}; expected {answer}"
    if len(outcome.entries) != 1:
        return f"{where} returned a {outcome.type_name}, expected a SymPy number"
    if outcome.symbols:
        return f"{where} returned an expression in {outcome.symbols}; expected a number (substitute the point)"
    if not agrees_to_digits(outcome.entries[0], _expected_value(answer), DERIVATIVE_DIGITS):
        return f"{where} is {outcome.entries[0][:40]}, expected {answer} = {sp.N(answer, 15)}"
    return None


def _derivatives(cases) -> Judge:
    return each(_derivative_message, cases)


def _exact_numbers(cases) -> Judge:
    """Right values, and exact: the expression is rebuilt here from its ``srepr`` (never
    trusting what the student's process says about it) and must contain no ``Float``."""
    right = _derivatives(cases)

    def judge(outcomes: Sequence[Outcome]) -> str | None:
        for outcome, case in zip(outcomes, cases):
            where = _case_text(case)
            if not outcome.type_name.startswith("sympy."):
                return f"{where} returned a {outcome.type_name}; return a SymPy number"
            try:
                expression = time_limited(10, parse_srepr, outcome.srepr)
                floats = time_limited(10, lambda: bool(expression.atoms(sp.Float)))
                text = time_limited(10, lambda: str(sp.N(expression, DERIVATIVE_DIGITS + 10)))
            except (ValueError, TimeoutError, TypeError) as exc:
                return f"{where}: the returned expression could not be read back ({exc})"
            if floats:
                return f"{where} returned a floating-point number; return the exact SymPy value (no evalf, no float)"
            if not agrees_to_digits(text, _expected_value(case[3]), DERIVATIVE_DIGITS):
                return f"{where} is {text[:20]}, expected {case[3]}"
        wrong = right(outcomes)
        return wrong and f"{wrong} (this part needs a correct result)"

    return judge


def _derivative_part(description: str, group: str, weight: float = 1.0, judge=None, cases=None) -> Part:
    cases = DERIVATIVE_CASES[group] if cases is None else cases
    return Part(description, tuple(_derivative_call(case) for case in cases), (judge or _derivatives)(cases),
                weight=weight, accepts_errors=any(case[3] == NOT_DIFFERENTIABLE for case in cases))


#: Cases whose answers are irrational numbers, where a float cannot pass for the exact value.
EXACT_CASES = [DERIVATIVE_CASES["unique"][1], DERIVATIVE_CASES["unique"][2], DERIVATIVE_CASES["unique"][4]]

MAX_DERIVATIVE_HIDDEN = Check(
    target="max_derivative",
    points=4,
    parts=(
        _derivative_part("one function attains the maximum: its derivative at the point", "unique", weight=2),
        _derivative_part("exact ties with equal derivatives: differentiable, the common derivative",
                         "equal_slopes", weight=2),
        _derivative_part("ties with different derivatives raise ValueError (and only those)", "corners", weight=2),
        _derivative_part("ties among functions below the maximum do not matter", "lower_ties"),
        _derivative_part("exact comparisons: a difference of 1e-20 is not a tie", "near_ties"),
        _derivative_part("uses the symbol it is given (any name, any assumptions)", "symbol"),
        _derivative_part("returns an exact SymPy number, not a float", "unique", judge=_exact_numbers, cases=EXACT_CASES),
    ),
)

# --- subgradient_method ----------------------------------------------------------------------------------------

#: Least absolute deviations, f(x) = |M x - y|_1, with the subgradient M^T sign(M x - y).
LAD_M = np.round(RNG.normal(size=(7, 3)), 3)
LAD_Y = np.round(LAD_M @ np.array([0.8, -1.1, 0.4]) + RNG.standard_t(2, size=7) * 0.3, 3)
LAD_SOURCE = f"""
M = np.array({LAD_M.tolist()!r})
y = np.array({LAD_Y.tolist()!r})

def f(x):
    return float(np.abs(M @ x - y).sum())

def subgrad(x):
    return M.T @ np.sign(M @ x - y)
"""
#: f(x) = |x1| + 2 |x2|, the function of the chapter's counterexample.
L1_SOURCE = """
def f(x):
    return abs(float(x[0])) + 2 * abs(float(x[1]))

def subgrad(x):
    return np.array([np.sign(x[0]), 2 * np.sign(x[1])])
"""
#: Integer values, so that several iterates tie exactly for the best value.
FLOOR_SOURCE = """
def f(x):
    return float(np.floor(abs(x[0])))

def subgrad(x):
    return np.sign(x)
"""
#: A smooth quadratic, to see that the step really is c / sqrt(k + 1).
QUADRATIC_SOURCE = """
def f(x):
    return float(x @ x)

def subgrad(x):
    return 2 * x
"""


def _namespace(source: str) -> dict:
    namespace = {"np": np, "math": math, "sympy": sp, "record": lambda key, value: None, "ARGS": []}
    exec(compile(source, "<ex03 test function>", "exec"), namespace)
    return namespace


def reference_subgradient_method(f, subgrad, x0, steps, c):
    x = np.array(x0, dtype=np.float64)
    history = [float(f(x))]
    best_x, best_f = x.copy(), history[0]
    for k in range(steps):
        x = x - c / np.sqrt(k + 1) * np.asarray(subgrad(x), dtype=np.float64)
        history.append(float(f(x)))
        if history[-1] < best_f:
            best_x, best_f = x.copy(), history[-1]
    return best_x, best_f, np.array(history)


#: label -> (source, x0, steps, c)
METHOD_CASES = {
    "lad": (LAD_SOURCE, np.array([0.0, 0.0, 0.0]), 200, 0.05),
    "l1": (L1_SOURCE, np.array([1.3, -0.7]), 60, 0.3),
    "quadratic": (QUADRATIC_SOURCE, np.array([1.0, -2.0, 0.5]), 25, 0.2),
    "zero_steps": (L1_SOURCE, np.array([0.4, -0.9]), 0, 0.3),
    "one_step": (L1_SOURCE, np.array([0.4, -0.9]), 1, 0.3),
    "ties": (FLOOR_SOURCE, np.array([2.5]), 12, 1.0),
    "integer_x0": (QUADRATIC_SOURCE, np.array([3, -2, 1]), 10, 0.1),
}
METHOD_REFERENCES = {
    label: reference_subgradient_method(_namespace(source)["f"], _namespace(source)["subgrad"], x0, steps, c)
    for label, (source, x0, steps, c) in METHOD_CASES.items()
}


def _method_call(label: str) -> Call:
    source, x0, steps, c = METHOD_CASES[label]
    return Call("subgradient_method", args=(Function(source, "f"), Function(source, "subgrad"), x0.copy(), steps, c),
                kind="tree")


def _close(array: np.ndarray, reference: np.ndarray) -> bool:
    return array.shape == reference.shape and bool(np.all(np.abs(array - reference) <= 1e-12 * np.maximum(1, np.abs(reference))))


def _method_message(outcome: Outcome, label: str, *, strict: bool) -> str | None:
    best_x, best_f, history = METHOD_REFERENCES[label]
    _, x0, steps, c = METHOD_CASES[label]
    where = f"subgradient_method(f, subgrad, x0={_describe_input(x0)}, steps={steps}, c={c}) [{label}]"
    tree, message = items_of(outcome, ("x_best", "f_best", "f_history"), where)
    if message:
        return message
    got_x, got_f, got_history = (_as_array(node) for node in tree)
    if got_history is None or got_history.shape != history.shape:
        shape = None if got_history is None else got_history.shape
        return f"{where}: f_history has shape {shape}, expected {history.shape} (the steps + 1 values f(x[0..steps]))"
    if not _close(got_history, history):
        k = int(np.argmax(np.abs(got_history - history)))
        return f"{where}: f_history[{k}] is {float(got_history[k])!r}, expected {float(history[k])!r}"
    if got_x is None or got_x.shape != best_x.shape or not _close(got_x, best_x):
        return (f"{where}: x_best is {None if got_x is None else _describe_input(got_x)}, expected "
                f"{_describe_input(best_x)} (the first iterate with the smallest f)")
    if got_f is None or got_f.shape != () or not _close(got_f, np.float64(best_f)):
        return f"{where}: f_best is {None if got_f is None else _describe_input(got_f)}, expected {best_f!r} (a float)"
    if strict:
        kinds = outcome.tree_types
        if kinds[0] != "numpy.ndarray:float64" or kinds[2] != "numpy.ndarray:float64":
            return f"{where}: x_best and f_history must be float64 numpy arrays, got {kinds[0]} and {kinds[2]}"
        if kinds[1] not in ("builtins.float", "numpy.float64"):
            return f"{where}: f_best is a {kinds[1]}, expected a float"
    return None


def _methods(*labels, strict: bool = False) -> tuple[tuple[Call, ...], Judge]:
    """The calls of the cases ``labels`` and the judge of each result against its case's
    reference; with ``strict``, also the common rules."""

    def judge_one(outcome: Outcome, label: str) -> str | None:
        return (strict and untouched_and_quiet(outcome, "x0")) or _method_message(outcome, label, strict=strict)

    return tuple(_method_call(label) for label in labels), each(judge_one, labels)


SUBGRADIENT_METHOD_HIDDEN = Check(
    target="subgradient_method",
    points=3,
    parts=(
        Part("x_best, f_best and f_history on non-smooth convex problems and a quadratic",
             *_methods("lad", "l1", "quadratic"), weight=2),
        Part("steps = 0 and steps = 1", *_methods("zero_steps", "one_step")),
        Part("on ties for the best value, the first such iterate", *_methods("ties")),
        Part("accepts an integer x0 and never modifies x0; float64 arrays and a float f_best",
             *_methods("integer_x0", "lad", strict=True)),
    ),
)

# --- what the hidden test cells call ------------------------------------------------------------------------------

#: Hidden test cell ``grade_id`` -> the check that grades it.
CHECKS = by_hidden_cell(RELU_HIDDEN, RELU_SUBDIFFERENTIAL_HIDDEN, MAX_SUBGRADIENT_HIDDEN, MAX_DERIVATIVE_HIDDEN,
                        SUBGRADIENT_METHOD_HIDDEN)
#: ``<target>_hidden(function)``, what each hidden test cell calls.
globals().update(hidden_cell_functions(CHECKS))
