"""Hidden tests of ``ex05_tanh_sigmoid``: the contract in EXERCISES.md, one check per graded name.

The references below are computed here, in the grader's process, before any student code
runs; the student's functions are only ever *called* (see :mod:`autograder.protocol`). A
conversion is judged by the function the returned network computes: the grader evaluates
both networks with its own forward pass (:func:`reference_forward`) on inputs it chooses,
never by comparing parameters, which are not unique.
"""
from __future__ import annotations

from typing import Sequence

import mpmath
import numpy as np
import sympy

from autograder.checks.framework import (
    Call, Check, Judge, Part, agrees_to_digits, all_of, by_hidden_cell, close_to, compare, hidden_cell_functions,
    parse_srepr, refuses_after_a_right_result, runtime_warning, time_limited, well_behaved_and_right, with_right_values,
)
from autograder.protocol import Outcome

RNG = np.random.default_rng(20261105)

# --- references ------------------------------------------------------------------------


def reference_sigmoid(x):
    x = np.asarray(x, dtype=np.float64)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def exact_sigmoid(x) -> np.ndarray:
    """The sigmoid of every entry to full float64 precision (50-digit mpmath, then rounded)."""
    with mpmath.workdps(50):
        flat = [float(1 / (1 + mpmath.exp(-mpmath.mpf(float(v))))) for v in np.ravel(x)]
    return np.array(flat, dtype=np.float64).reshape(np.shape(x))


ACTIVATIONS = {"sigmoid": reference_sigmoid, "tanh": np.tanh}


def reference_forward(As, bs, x, activation):
    """The network of the contract: activations on layers 1..L-1, an affine last layer."""
    phi = ACTIVATIONS[activation]
    y = np.asarray(x, dtype=np.float64)
    for i, (A, b) in enumerate(zip(As, bs)):
        z = y @ np.asarray(A, dtype=np.float64).T + np.asarray(b, dtype=np.float64)
        y = z if i == len(As) - 1 else phi(z)
    return y


def reference_sigmoid_to_tanh(As, bs):
    As = [np.asarray(A, dtype=np.float64) for A in As]
    bs = [np.asarray(b, dtype=np.float64) for b in bs]
    if len(As) == 1:
        return [As[0].copy()], [bs[0].copy()]
    Cs, ds = [As[0] / 2], [bs[0] / 2]
    for A, b in zip(As[1:-1], bs[1:-1]):
        Cs.append(A / 4)
        ds.append(b / 2 + A.sum(axis=1) / 4)
    Cs.append(As[-1] / 2)
    ds.append(bs[-1] + As[-1].sum(axis=1) / 2)
    return Cs, ds


def reference_tanh_to_sigmoid(Cs, ds):
    Cs = [np.asarray(C, dtype=np.float64) for C in Cs]
    ds = [np.asarray(d, dtype=np.float64) for d in ds]
    if len(Cs) == 1:
        return [Cs[0].copy()], [ds[0].copy()]
    As, bs = [2 * Cs[0]], [2 * ds[0]]
    for C, d in zip(Cs[1:-1], ds[1:-1]):
        As.append(4 * C)
        bs.append(2 * d - 2 * C.sum(axis=1))
    As.append(2 * Cs[-1])
    bs.append(ds[-1] - Cs[-1].sum(axis=1))
    return As, bs


S = sympy.Symbol("s")


def reference_polynomial(n: int):
    """P_n with sigma^(n)(x) = P_n(sigma(x)): d/dx P(s) = P'(s) s (1 - s)."""
    p = S * (1 - S)
    for _ in range(n - 1):
        p = sympy.expand(sympy.diff(p, S) * S * (1 - S))
    return p


# --- shared judges -------------------------------------------------------------------------


def _well_behaved_and_right(*references: np.ndarray, rtol: float = 1e-9) -> Judge:
    """The common contract (:func:`well_behaved`), earned only by results that are also
    roughly right; otherwise a constant float64 array would collect these points."""
    return well_behaved_and_right(*(close_to(reference, atol=1e-9 * max(1.0, float(np.abs(reference).max())), rtol=rtol)
                                    for reference in references))


# --- sigmoid ------------------------------------------------------------------------------

MODERATE = RNG.uniform(-30.0, 30.0, size=(3, 4, 5))
INTEGERS = [-3, -1, 0, 2, 5]
SCALAR = 0.75
#: Inputs with |x| <= 700 where the sigmoid is tiny or close to 1; relative error is judged.
WIDE = np.concatenate([RNG.uniform(-700.0, 700.0, 40), [-700.0, -699.5, -400.0, -40.0, -36.7, 36.7, 40.0, 700.0]])
#: Inputs beyond 700 (and the largest doubles): no warning, 0 and 1 to float64 precision.
HUGE = np.array([-1.7e308, -1e300, -1e5, -800.0, -745.5, 745.5, 800.0, 1e5, 1e300, 1.7e308])


def _sigmoid_wide(outcomes: Sequence[Outcome]) -> str | None:
    return compare(outcomes[0], exact_sigmoid(WIDE), atol=0.0, rtol=1e-12, what="sigmoid(x) for |x| <= 700")


def _sigmoid_huge(outcomes: Sequence[Outcome]) -> str | None:
    # The exact values are below 5e-324 or within 1e-300 of 1: float64 cannot tell them from 0 and 1.
    return compare(outcomes[0], exact_sigmoid(HUGE), atol=1e-300, what="sigmoid(x) for |x| > 700")


SIGMOID_HIDDEN = Check(
    target="sigmoid",
    points=3,
    parts=(
        Part(
            "values for |x| <= 30: an array of shape (3, 4, 5), a list of integers, a number",
            (Call("sigmoid", (MODERATE,)), Call("sigmoid", (INTEGERS,)), Call("sigmoid", (SCALAR,))),
            all_of(close_to(exact_sigmoid(MODERATE), atol=0.0, rtol=1e-12),
                   close_to(exact_sigmoid(np.array(INTEGERS, dtype=float)), atol=0.0, rtol=1e-12),
                   close_to(exact_sigmoid(SCALAR), atol=0.0, rtol=1e-12)),
        ),
        Part(
            "relative error <= 1e-12 for |x| up to 700 (tiny results too), 0 and 1 beyond",
            (Call("sigmoid", (WIDE,)), Call("sigmoid", (HUGE,)), Call("sigmoid", (HUGE.reshape(2, 5),))),
            lambda o: (_sigmoid_wide(o[:1]) or _sigmoid_huge(o[1:2])
                       or compare(o[2], exact_sigmoid(HUGE).reshape(2, 5), atol=1e-300, what="sigmoid(x) for |x| > 700 (shape (2, 5))")),
        ),
        Part(
            "returns a new float64 array, leaves its input alone, no warning for any finite x",
            (Call("sigmoid", (WIDE.copy(),)), Call("sigmoid", (HUGE.copy(),))),
            _well_behaved_and_right(exact_sigmoid(WIDE), exact_sigmoid(HUGE), rtol=1e-9),
        ),
    ),
)

# --- networks used by the next checks ---------------------------------------------------------


def _network(widths: Sequence[int], scale: float = 1.0, integer: bool = False):
    """Random (As, bs) with A_i of shape (widths[i], widths[i-1]); integer entries on request."""
    if integer:
        As = [RNG.integers(-3, 4, size=(m, n)) for n, m in zip(widths[:-1], widths[1:])]
        bs = [RNG.integers(-3, 4, size=m) for m in widths[1:]]
    else:
        As = [RNG.normal(scale=scale, size=(m, n)) for n, m in zip(widths[:-1], widths[1:])]
        bs = [RNG.normal(scale=scale, size=m) for m in widths[1:]]
    return As, bs


def _inputs(n0: int, rows: int = 12) -> np.ndarray:
    """Test inputs: most of moderate size, a few large enough to saturate the units."""
    return np.concatenate([RNG.normal(scale=2.0, size=(rows - 3, n0)), RNG.normal(scale=30.0, size=(3, n0))])


#: Widths by depth. Middle layers are square and non-square, so that row sums and column
#: sums differ, and some layers have width 1.
WIDTHS = {
    1: ([3, 2], [1, 4], [4, 4]),
    2: ([3, 4, 2], [2, 1, 3], [1, 5, 1], [4, 4, 4]),
    3: ([2, 3, 4, 2], [3, 3, 3, 1], [1, 2, 5, 3]),
    4: ([3, 4, 2, 5, 1], [2, 2, 2, 2, 2]),
    5: ([2, 3, 1, 4, 3, 2],),
}
NETWORKS = {L: [_network(w, scale=1.5) for w in widths] for L, widths in WIDTHS.items()}
INPUTS = {L: [_inputs(w[0]) for w in widths] for L, widths in WIDTHS.items()}

# --- mlp_forward ------------------------------------------------------------------------------

BAD_ACTIVATIONS = ("relu", "Sigmoid", "tanh ", None)
#: Inputs large enough that a naive 1 / (1 + exp(-z)) overflows in the first layer.
SATURATING = RNG.normal(scale=1e3, size=(6, 3))


def _forward_call(As, bs, x, activation) -> Call:
    return Call("mlp_forward", args=(list(As), list(bs), x, activation))


def _forward_values(cases, activation: str) -> tuple[tuple[Call, ...], Judge]:
    calls = tuple(_forward_call(As, bs, x, activation) for As, bs, x in cases)
    judges = []
    for As, bs, x in cases:
        reference = reference_forward(As, bs, x, activation)
        judges.append(close_to(reference, atol=1e-10 * max(1.0, float(np.abs(reference).max())), rtol=1e-10,
                               what=f"the output of the {activation} network with L = {len(As)}"))
    return calls, all_of(*judges)


SIGMOID_CASES = [(*NETWORKS[L][k], INPUTS[L][k]) for L, k in ((1, 0), (2, 0), (2, 1), (3, 0), (4, 0))]
TANH_CASES = [(*NETWORKS[L][k], INPUTS[L][k]) for L, k in ((1, 1), (2, 2), (3, 1), (4, 1), (5, 0))]
_SIGMOID_CALLS, _SIGMOID_JUDGE = _forward_values(SIGMOID_CASES, "sigmoid")
_TANH_CALLS, _TANH_JUDGE = _forward_values(TANH_CASES, "tanh")
_GOOD_CASE = SIGMOID_CASES[2]
_GOOD_REFERENCE = reference_forward(*_GOOD_CASE[:2], _GOOD_CASE[2], "sigmoid")
SATURATING_NET = _network([3, 4, 3, 2])
_SATURATING_REFERENCE = reference_forward(*SATURATING_NET, SATURATING, "sigmoid")


#: The good call (sigmoid, judged to 1e-10) and the bad ones, each of which must raise ValueError.
_refuses_bad_activations = refuses_after_a_right_result(
    close_to(_GOOD_REFERENCE, atol=1e-10 * max(1.0, float(np.abs(_GOOD_REFERENCE).max())), rtol=1e-10,
             what="the output for activation='sigmoid'"),
    "activation='sigmoid'", [f"activation={a!r}" for a in BAD_ACTIVATIONS] + ["activation='relu' with L = 1"])


MLP_FORWARD_HIDDEN = Check(
    target="mlp_forward",
    points=3,
    parts=(
        Part(
            "sigmoid networks with L = 1, 2, 3, 4 and various widths",
            _SIGMOID_CALLS,
            _SIGMOID_JUDGE,
        ),
        Part(
            "tanh networks with L = 1, 2, 3, 4, 5 and various widths",
            _TANH_CALLS,
            _TANH_JUDGE,
        ),
        Part(
            "any activation but 'sigmoid' and 'tanh' raises ValueError, also when L = 1",
            (_forward_call(*_GOOD_CASE, "sigmoid"),
             *(_forward_call(*_GOOD_CASE, bad) for bad in BAD_ACTIVATIONS),
             _forward_call(*SIGMOID_CASES[0], "relu")),
            _refuses_bad_activations,
            accepts_errors=True,
        ),
        Part(
            "returns a new float64 array, leaves As, bs and x alone, no warning for large inputs",
            (_forward_call(*SATURATING_NET, SATURATING.copy(), "sigmoid"),
             _forward_call(*_GOOD_CASE[:2], _GOOD_CASE[2].copy(), "tanh")),
            _well_behaved_and_right(_SATURATING_REFERENCE, reference_forward(*_GOOD_CASE, "tanh")),
        ),
    ),
)

# --- the conversions ------------------------------------------------------------------------


def _as_array(node) -> np.ndarray | None:
    """A leaf of a ``"tree"`` outcome as an array; a nested list (of numbers) is stacked."""
    if isinstance(node, np.ndarray):
        return node
    try:
        return np.array(node, dtype=np.float64)
    except (ValueError, TypeError):
        return None


def _read_network(outcome: Outcome, shapes_A, shapes_b, names: str) -> tuple[list, list] | str:
    """The pair of parameter lists a conversion returned, or what is wrong with its form."""
    tree = outcome.tree
    first, second = names.split(", ")
    if tree is None or len(tree) != 2 or not all(isinstance(part, list) for part in tree):
        return f"expected a pair ({names}) of two lists, got a {outcome.type_name} that is not one"
    L = len(shapes_A)
    if len(tree[0]) != L or len(tree[1]) != L:
        return f"for L = {L}, {first} and {second} must hold {L} arrays each, got {len(tree[0])} and {len(tree[1])}"
    Ms, vs = [_as_array(node) for node in tree[0]], [_as_array(node) for node in tree[1]]
    for i, (M, v, shape_A, shape_b) in enumerate(zip(Ms, vs, shapes_A, shapes_b)):
        if M is None or M.shape != shape_A:
            return (f"for L = {L}, {first}[{i}] has shape {None if M is None else M.shape}, expected {shape_A} "
                    f"(the shape of the input's matrix {i})")
        if v is None or v.shape != shape_b:
            return (f"for L = {L}, {second}[{i}] has shape {None if v is None else v.shape}, expected {shape_b} "
                    f"(the shape of the input's vector {i})")
    return Ms, vs


def _same_function(network, x, given: str, wanted: str, names: str) -> Judge:
    """Judge that the returned network with activation ``wanted`` computes, on the rows of
    ``x``, what ``network`` computes with activation ``given``."""
    As, bs = network
    reference = reference_forward(As, bs, x, given)
    shapes_A, shapes_b = [np.shape(A) for A in As], [np.shape(b) for b in bs]
    L = len(As)

    def judge(outcomes: Sequence[Outcome]) -> str | None:
        read = _read_network(outcomes[0], shapes_A, shapes_b, names)
        if isinstance(read, str):
            return read
        with np.errstate(all="ignore"):  # the returned parameters may be anything
            got = reference_forward(*read, x, wanted)
        return compare(Outcome(value=got), reference, atol=1e-10 * max(1.0, float(np.abs(reference).max())),
                       rtol=1e-10, what=f"the {wanted} network you returned for L = {L} (widths "
                                        f"{[shapes_A[0][1], *(s[0] for s in shapes_A)]}): its output")

    return judge


def _conversion_part(target: str, description: str, depths: Sequence[int], given: str, wanted: str,
                     names: str, weight: float = 1.0) -> Part:
    cases = [(network, x) for L in depths for network, x in zip(NETWORKS[L], INPUTS[L])]
    calls = tuple(Call(target, args=(list(As), list(bs)), kind="tree") for (As, bs), _ in cases)
    judges = [_same_function(network, x, given, wanted, names) for network, x in cases]
    return Part(description, calls, all_of(*judges), weight=weight)


def _well_behaved_tree(target: str, networks, given: str, wanted: str, names: str) -> Part:
    """Lists of new float64 arrays, inputs untouched, no warning: earned only with a right network."""
    cases = [(network, _inputs(np.shape(network[0][0])[1])) for network in networks]
    calls = tuple(Call(target, args=([A.copy() for A in As], [b.copy() for b in bs]), kind="tree")
                  for (As, bs), _ in cases)
    values = [_same_function(network, x, given, wanted, names) for network, x in cases]
    inputs = "Cs and ds" if names == "As, bs" else "As and bs"
    return Part(f"returns lists of new float64 arrays, also for integer inputs; leaves {inputs} alone", calls,
                with_right_values(_new_parameter_lists, *values))


def _new_parameter_lists(outcome: Outcome) -> str | None:
    """Lists of float64 arrays, the arrays given untouched, no RuntimeWarning."""
    if outcome.mutated:
        return "modified the arrays it was given; compute new arrays instead"
    types = [t for part in (outcome.tree_types or []) if isinstance(part, list) for t in part]
    odd = [t for t in types if t != "numpy.ndarray:float64"]
    if odd:
        return f"returned {odd[0]} among the parameters; every parameter must be a float64 numpy.ndarray"
    return runtime_warning(outcome)


#: Integer-valued networks (the contract accepts any array-like) for the well-behaved parts.
INTEGER_NETWORKS = [_network([3, 4, 2, 2], integer=True), _network([2, 3], integer=True)]
FLOAT_NETWORKS = [NETWORKS[3][2], NETWORKS[1][0], NETWORKS[2][1]]

SIGMOID_NET_TO_TANH_NET_HIDDEN = Check(
    target="sigmoid_net_to_tanh_net",
    points=4,
    parts=(
        _conversion_part("sigmoid_net_to_tanh_net", "L = 1: the network is affine, the same function",
                         (1,), "sigmoid", "tanh", "Cs, ds"),
        _conversion_part("sigmoid_net_to_tanh_net", "L = 2: the first and the last layer",
                         (2,), "sigmoid", "tanh", "Cs, ds"),
        _conversion_part("sigmoid_net_to_tanh_net", "L = 3, 4, 5: middle layers, square and non-square",
                         (3, 4, 5), "sigmoid", "tanh", "Cs, ds", weight=2),
        _well_behaved_tree("sigmoid_net_to_tanh_net", FLOAT_NETWORKS + INTEGER_NETWORKS, "sigmoid", "tanh", "Cs, ds"),
    ),
)

TANH_NET_TO_SIGMOID_NET_HIDDEN = Check(
    target="tanh_net_to_sigmoid_net",
    points=3,
    parts=(
        _conversion_part("tanh_net_to_sigmoid_net", "L = 1: the network is affine, the same function",
                         (1,), "tanh", "sigmoid", "As, bs"),
        _conversion_part("tanh_net_to_sigmoid_net", "L = 2, 3, 4, 5: first, middle and last layers",
                         (2, 3, 4, 5), "tanh", "sigmoid", "As, bs", weight=2),
        _well_behaved_tree("tanh_net_to_sigmoid_net", FLOAT_NETWORKS + INTEGER_NETWORKS, "tanh", "sigmoid", "As, bs"),
    ),
)

# --- sigmoid_derivative_polynomial ---------------------------------------------------------------

DIGITS = 30
#: Orders judged together in one part each.
ORDER_GROUPS = ((1, 2), (3, 4, 5), (6, 7, 8))
#: More points than the degree (n + 1) of any P_n graded, so equal values mean equal
#: polynomials; none at s = 0 or 1, where a rational function equal to P_n elsewhere may be
#: undefined: the polynomial test, not a division by zero, should say what is wrong with it.
POLY_POINTS = tuple({"s": str(sympy.Rational(k, 23))} for k in (-31, -9, -2, 3, 5, 8, 11, 14, 17, 20, 26, 40))


REFERENCE_VALUES = {n: [reference_polynomial(n).subs(S, sympy.Rational(p["s"])) for p in POLY_POINTS]
                    for group in ORDER_GROUPS for n in group}


def _polynomial_call(n: int) -> Call:
    return Call("sigmoid_derivative_polynomial", args=(n,), kind="expr", points=POLY_POINTS, digits=DIGITS + 10)


def _is_polynomial(text: str) -> str | None:
    """None when the ``srepr`` is a polynomial in the one symbol named s, else why not."""
    try:
        expression = parse_srepr(text)
        if not isinstance(expression, sympy.Expr):
            return "it is not a SymPy expression"
        symbol = next(iter(expression.free_symbols))
        time_limited(5.0, sympy.Poly, expression, symbol)
    except sympy.PolynomialError:
        return "it is not a polynomial in s (no x, exp, division by s or roots)"
    except (ValueError, TimeoutError, StopIteration) as exc:
        return f"it could not be read as a polynomial ({exc})"
    except Exception as exc:  # anything else SymPy raises on a strange expression
        return f"it could not be read as a polynomial ({type(exc).__name__})"
    return None


def _polynomial_values(n: int) -> Judge:
    def judge(outcomes: Sequence[Outcome]) -> str | None:
        outcome = outcomes[0]
        if not outcome.srepr:
            return f"for n = {n} returned a {outcome.type_name}, expected a SymPy expression in s"
        if outcome.symbols != ["s"]:
            return f"for n = {n} the expression uses the symbols {outcome.symbols}; use exactly one, sympy.Symbol('s')"
        if len(outcome.entries) != len(POLY_POINTS):
            return f"for n = {n} the expression could not be evaluated at the test points"
        for point, text, want in zip(POLY_POINTS, outcome.entries, REFERENCE_VALUES[n]):
            with mpmath.workdps(DIGITS + 10):
                expected = mpmath.mpf(want.p) / want.q
            if not agrees_to_digits(text, expected, DIGITS):
                return (f"for n = {n}, the value at s = {point['s']} is {text[:30]}, expected "
                        f"{mpmath.nstr(expected, 15)}")
        message = _is_polynomial(outcome.srepr)
        return message and f"for n = {n}: {message}"

    return judge


SIGMOID_DERIVATIVE_POLYNOMIAL_HIDDEN = Check(
    target="sigmoid_derivative_polynomial",
    points=3,
    parts=tuple(
        Part(f"a polynomial in s equal to the derivative of order {', '.join(map(str, group))}",
             tuple(_polynomial_call(n) for n in group), all_of(*(_polynomial_values(n) for n in group)))
        for group in ORDER_GROUPS
    ),
)

# --- what the hidden test cells call ------------------------------------------------------------------

#: Hidden test cell ``grade_id`` -> the check that grades it.
CHECKS = by_hidden_cell(SIGMOID_HIDDEN, MLP_FORWARD_HIDDEN, SIGMOID_NET_TO_TANH_NET_HIDDEN,
                        TANH_NET_TO_SIGMOID_NET_HIDDEN, SIGMOID_DERIVATIVE_POLYNOMIAL_HIDDEN)
#: ``<target>_hidden(function)``, what each hidden test cell calls.
globals().update(hidden_cell_functions(CHECKS))
