"""Hidden tests of ``ex06_dead_relu``: the contract in EXERCISES.md, one check per graded name.

The model is ``f(x) = sum_j u_j phi(a_j x + b_j)`` with the leaky ReLU ``phi`` of slope
``alpha`` (``phi'(0) = alpha``) and the loss ``L = 1/(2N) sum_i (f(X_i) - Y_i)^2``.

References are computed here, before any student code runs: gradients exactly (mpmath, from
the float64 inputs), trajectories in float64 by a plain reference whose pre-activations are
verified to stay far from the kinks (so that rounding cannot send two correct programs down
different branches), probabilities in mpmath. Inputs with exact kinks, ``a_j X_i + b_j == 0``,
use dyadic numbers, so every correct program computes the same exact zero there and the
contract's ``phi'(0) = alpha`` decides.
"""
from __future__ import annotations

import functools
from typing import Sequence

import mpmath
import numpy as np

from autograder.checks.framework import (
    Call, Check, Judge, Part, all_of, an_array, by_hidden_cell, contract_with, hidden_cell_functions,
    symbolic_expression, untouched_and_quiet, with_right_values,
)
from autograder.protocol import Outcome

RNG = np.random.default_rng(20261124)

# --- references ------------------------------------------------------------------------------


def _arrays(*values):
    return tuple(np.asarray(v, dtype=np.float64) for v in values)


def reference_grads(a, b, u, X, Y, alpha=0.0):
    """``(da, db, du)`` in float64, batched (the reference for large inputs and trajectories)."""
    a, b, u, X, Y = _arrays(a, b, u, X, Y)
    T = np.outer(X, a) + b
    act = np.where(T > 0, T, alpha * T)
    slope = np.where(T > 0, 1.0, alpha)
    r = act @ u - Y
    back = r[:, None] * slope * u
    N = X.shape[0]
    return back.T @ X / N, back.sum(axis=0) / N, act.T @ r / N


def exact_grads(a, b, u, X, Y, alpha=0.0):
    """The exact gradient of the float64 inputs (mpmath, 50 digits), and for each entry the
    sum of the absolute values of its per-sample terms (the contract's tolerance scale).
    Returns ``(values, scales)``, each a list of three float64 arrays of shape (H,)."""
    a, b, u, X, Y = _arrays(a, b, u, X, Y)
    with mpmath.workdps(50):
        al = mpmath.mpf(float(alpha))
        A, B, U = ([mpmath.mpf(float(v)) for v in p] for p in (a, b, u))
        H, N = len(A), len(X)
        T = [[A[j] * mpmath.mpf(float(x)) + B[j] for j in range(H)] for x in X]
        act = [[t if t > 0 else al * t for t in row] for row in T]
        slope = [[mpmath.mpf(1) if t > 0 else al for t in row] for row in T]
        r = [mpmath.fsum(U[j] * act[i][j] for j in range(H)) - mpmath.mpf(float(Y[i])) for i in range(N)]
        terms = {
            "da": lambda i, j: r[i] * U[j] * slope[i][j] * mpmath.mpf(float(X[i])) / N,
            "db": lambda i, j: r[i] * U[j] * slope[i][j] / N,
            "du": lambda i, j: r[i] * act[i][j] / N,
        }
        values, scales = [], []
        for term in terms.values():
            values.append(np.array([float(mpmath.fsum(term(i, j) for i in range(N))) for j in range(H)]))
            scales.append(np.array([float(mpmath.fsum(abs(term(i, j)) for i in range(N))) for j in range(H)]))
    return values, scales


def reference_loss(a, b, u, X, Y, alpha=0.0):
    a, b, u, X, Y = _arrays(a, b, u, X, Y)
    T = np.outer(X, a) + b
    return 0.5 * np.mean((np.where(T > 0, T, alpha * T) @ u - Y) ** 2)


def reference_gradient_descent(a, b, u, X, Y, lr, steps, alpha=0.0):
    a, b, u, X, Y = _arrays(a, b, u, X, Y)
    losses = [reference_loss(a, b, u, X, Y, alpha)]
    trajectory = [(a, b)]
    for _ in range(steps):
        da, db, du = reference_grads(a, b, u, X, Y, alpha)
        a, b, u = a - lr * da, b - lr * db, u - lr * du
        losses.append(reference_loss(a, b, u, X, Y, alpha))
        trajectory.append((a, b))
    return (a, b, u, np.array(losses)), trajectory


def reference_dead_units(a, b, X):
    a, b, X = _arrays(a, b, X)
    return np.all(np.outer(X, a) + b <= 0, axis=0)


def exact_dead_probability(X) -> mpmath.mpf:
    """P(a X_i + b <= 0 for all i), a, b iid N(0, s^2): the dead set is a wedge of angle
    pi - (atan(max X) - atan(min X)) in the (a, b) plane."""
    X = np.asarray(X, dtype=np.float64)
    with mpmath.workdps(40):
        spread = mpmath.atan(mpmath.mpf(float(X.max()))) - mpmath.atan(mpmath.mpf(float(X.min())))
        return mpmath.mpf(1) / 2 - spread / (2 * mpmath.pi)


def _require(condition: bool, message: str) -> None:
    """A sanity check of this module's own test inputs (kept under ``python -O``)."""
    if not condition:
        raise RuntimeError(f"ex06_dead_relu checks: {message}")


def _margin(a, b, X) -> float:
    """Smallest |a_j X_i + b_j| relative to |a_j X_i| + |b_j| (how far from every kink)."""
    T = np.outer(X, a) + b
    size = np.abs(np.outer(X, a)) + np.abs(b)
    return float(np.min(np.abs(T) / np.maximum(size, 1e-300)))


# --- inputs ----------------------------------------------------------------------------------


def _random_network(H: int, N: int, scale_u: float = 1.0):
    """Random parameters and data whose pre-activations are all clearly nonzero."""
    while True:
        a, b = RNG.normal(size=H), RNG.normal(size=H)
        u = RNG.normal(size=H) * scale_u
        X = RNG.uniform(-2.0, 2.0, N)
        Y = np.sin(2 * X) + 0.3 * RNG.normal(size=N)
        if _margin(a, b, X) > 1e-3:
            return a, b, u, X, Y


RANDOM = _random_network(6, 25)
RANDOM_LEAKY_ALPHA = 0.2

#: Dyadic data with exact kinks. Unit 0: t = X - 2, dead, zero at X = 2. Unit 1: zero at
#: X = -0.5, alive. Unit 2: zero at X = -0.5, alive. Unit 3: a = b = 0, t = 0 everywhere,
#: dead. Unit 4: zero at X = -2, alive. Unit 5: t < 0 everywhere, dead. Unit 6: no kink.
KINK_X = np.array([-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0])
KINK_Y = np.array([0.5, -1.0, 0.25, 1.0, -0.5, 0.75, 2.0, -1.5])
KINK_A = np.array([1.0, -0.5, 2.0, 0.0, 0.25, -1.0, 1.0])
KINK_B = np.array([-2.0, -0.25, 1.0, 0.0, 0.5, -3.0, 0.75])
KINK_U = np.array([1.5, -0.75, 0.5, 2.0, -1.25, 0.5, 1.0])
KINK = (KINK_A, KINK_B, KINK_U, KINK_X, KINK_Y)
KINK_DEAD = np.array([True, False, False, True, False, True, False])
KINK_ALPHA = 0.25
_require(np.array_equal(reference_dead_units(KINK_A, KINK_B, KINK_X), KINK_DEAD), "dead units of KINK")
_require(np.count_nonzero(np.outer(KINK_X, KINK_A) + KINK_B == 0) >= 12, "exact kinks of KINK")

#: Plain Python lists and integers: the contract says any array-like.
LISTS = ([0.5, -1.5], [1.0, 0.25], [2.0, -1.0], [-1.0, 0.5, 1.75], [1.0, 0.0, -2.0])
INTEGERS = ([1], [2], [3], [1, -2], [0, 1])
#: A batch too large for a Python loop over the samples within the time limit.
BIG_N = 2_000_000
BIG = (np.array([0.7, -1.1]), np.array([0.2, 0.4]), np.array([1.3, -0.6]),
       RNG.uniform(-2.0, 2.0, BIG_N), RNG.normal(size=BIG_N))


def _tree_call(target: str, *args, **kwargs) -> Call:
    return Call(target, args=tuple(args), kwargs=kwargs, kind="tree")


def _leaves(outcome: Outcome, count: int, what: str) -> "list[np.ndarray] | str":
    """The ``count`` arrays of a tuple/list result, or a message saying what is wrong."""
    if outcome.tree is None or not isinstance(outcome.tree, list):
        return f"could not read the result as a tuple of {count} arrays"
    if len(outcome.tree) != count:
        return f"returned {len(outcome.tree)} items, expected {count}: {what}"
    leaves = []
    for index, leaf in enumerate(outcome.tree):
        try:
            leaves.append(np.asarray(leaf, dtype=np.float64))
        except (ValueError, TypeError):
            return f"item {index} of the result is not an array of numbers"
    return leaves


def _compare(got: np.ndarray, want: np.ndarray, allowed: np.ndarray, label: str) -> str | None:
    if got.shape != want.shape:
        return f"{label} has shape {got.shape}, expected {want.shape}"
    if not np.all(np.isfinite(got)):
        return f"{label} is not finite: {got}"
    error = np.abs(got - want)
    if np.any(error > allowed):
        k = int(np.argmax(error - allowed))
        return (f"{label}[{k}] is {got.flat[k]!r}, expected {want.flat[k]!r} "
                f"(difference {error.flat[k]:.3g}, allowed {allowed.flat[k]:.3g})")
    return None


def _well_typed(outcome: Outcome, count: int) -> str | None:
    """A tuple or list of ``count`` float64 ndarrays, arguments untouched, no RuntimeWarning."""
    if outcome.type_name not in ("builtins.tuple", "builtins.list"):
        return f"returned a {outcome.type_name}, expected a tuple"
    types = outcome.tree_types or []
    for index, kind in enumerate(types):
        if isinstance(kind, list):
            inner = sorted({k for k in kind if isinstance(k, str)}) or ["nothing"]
            return f"item {index} of the result is a builtins.list (of {', '.join(inner)}), expected a float64 numpy.ndarray"
        if kind != "numpy.ndarray:float64":
            return f"item {index} of the result is a {kind}, expected a float64 numpy.ndarray"
    if len(types) != count:
        return f"returned {len(types)} items, expected {count}"
    return untouched_and_quiet(outcome, "arrays")


# --- two_layer_grads -------------------------------------------------------------------------

GRAD_LABELS = ("da", "db", "du")


def _grads_right(args, alpha=0.0, *, factor: float = 1e-12) -> Judge:
    """Each entry within ``factor`` times the sum of |per-sample terms| of the exact value."""
    values, scales = exact_grads(*args, alpha=alpha)

    def judge(outcomes: Sequence[Outcome]) -> str | None:
        leaves = _leaves(outcomes[0], 3, "(da, db, du)")
        if isinstance(leaves, str):
            return leaves
        for got, want, scale, label in zip(leaves, values, scales, GRAD_LABELS):
            message = _compare(got, want, factor * scale, label)
            if message:
                return message
        return None

    return judge


def _big_grads_right() -> Judge:
    """For the large batch: a float64 reference, to 1e-9 of the summed |terms|."""
    a, b, u, X, Y = BIG
    values = reference_grads(a, b, u, X, Y)
    T = np.outer(X, a) + b
    r = np.maximum(T, 0) @ u - Y
    slope = (T > 0).astype(float)
    scales = (np.abs(r[:, None] * slope * u * X[:, None]).sum(0) / BIG_N,
              np.abs(r[:, None] * slope * u).sum(0) / BIG_N,
              np.abs(r[:, None] * np.maximum(T, 0)).sum(0) / BIG_N)

    def judge(outcomes: Sequence[Outcome]) -> str | None:
        leaves = _leaves(outcomes[0], 3, "(da, db, du)")
        if isinstance(leaves, str):
            return leaves
        for got, want, scale, label in zip(leaves, values, scales, GRAD_LABELS):
            message = _compare(got, want, 1e-9 * scale, label)
            if message:
                return message
        return None

    return judge


def _grads_well_behaved(*cases) -> Judge:
    """:func:`_well_typed`, earned only together with roughly right values (to 1e-6 of
    the scale; the other parts judge the precision), so that a constant array of zeros of
    the right type earns nothing."""
    return with_right_values(functools.partial(_well_typed, count=3),
                             *(_grads_right(args, alpha, factor=1e-6) for args, alpha in cases))


TWO_LAYER_GRADS_HIDDEN = Check(
    target="two_layer_grads",
    points=4,
    parts=(
        Part(
            "exact gradient for ReLU on random data (H = 6, N = 25)",
            (_tree_call("two_layer_grads", *RANDOM),),
            _grads_right(RANDOM),
            weight=2,
        ),
        Part(
            "exact gradient for a leaky ReLU (alpha = 0.2) on random data",
            (_tree_call("two_layer_grads", *RANDOM, alpha=RANDOM_LEAKY_ALPHA),),
            _grads_right(RANDOM, RANDOM_LEAKY_ALPHA),
        ),
        Part(
            "under ReLU dead units (also with t = 0 on some samples) get exactly 0, the others the exact gradient",
            (_tree_call("two_layer_grads", *KINK),),
            _grads_right(KINK),
            weight=2,
        ),
        Part(
            "at the kinks a_j X_i + b_j = 0 the slope is phi'(0) = alpha (alpha = 0.25)",
            (_tree_call("two_layer_grads", *KINK, alpha=KINK_ALPHA), _tree_call("two_layer_grads", *KINK, KINK_ALPHA)),
            all_of(_grads_right(KINK, KINK_ALPHA), _grads_right(KINK, KINK_ALPHA)),
        ),
        Part(
            "accepts lists and integers (H = 1, H = 2)",
            (_tree_call("two_layer_grads", *LISTS), _tree_call("two_layer_grads", *INTEGERS, alpha=0)),
            all_of(_grads_right(LISTS), _grads_right(INTEGERS)),
        ),
        Part(
            "returns a tuple of three float64 arrays, leaves its inputs alone, emits no warning",
            (_tree_call("two_layer_grads", *(p.copy() for p in RANDOM)),
             _tree_call("two_layer_grads", *(p.copy() for p in KINK), alpha=KINK_ALPHA)),
            _grads_well_behaved((RANDOM, 0.0), (KINK, KINK_ALPHA)),
        ),
        Part(
            f"batched over the data: N = {BIG_N:,} samples within the time limit (no Python loop over samples)",
            (_tree_call("two_layer_grads", *BIG),),
            _big_grads_right(),
        ),
    ),
)

# --- dead_units ------------------------------------------------------------------------------

DEAD_RANDOM = _random_network(9, 12)
DEAD_RANDOM = (DEAD_RANDOM[0], DEAD_RANDOM[1] - 1.0, DEAD_RANDOM[3])   # a bias shift: some units die
DEAD_LISTS = ([0.5, -1.0, 0.0], [-1.0, -2.0, 1.0], [2.0])             # N = 1: t = (0, -4, 1)
_require(0 < reference_dead_units(*DEAD_RANDOM).sum() < 9 and _margin(*DEAD_RANDOM) > 1e-3, "DEAD_RANDOM")


def _numeric(target: str, *args, **kwargs) -> Call:
    return Call(target, args=tuple(args), kwargs=kwargs)


def _mask_right(args) -> Judge:
    want = reference_dead_units(*args)

    def judge(outcomes: Sequence[Outcome]) -> str | None:
        value = outcomes[0].value
        if value is None:
            return "the result could not be read as an array"
        if value.shape != want.shape:
            return f"the result has shape {value.shape}, expected {want.shape} (one entry per unit)"
        wrong = np.flatnonzero((value != 0) != want)
        if wrong.size:
            j = int(wrong[0])
            t = np.outer(np.asarray(args[2], float), np.asarray(args[0], float)[j]) + np.asarray(args[1], float)[j]
            return (f"unit {j} is {'dead' if want[j] else 'alive'} (its pre-activations are {np.round(t, 4).tolist()}), "
                    f"you return {bool(value[j])}")
        if not np.all(np.isin(value, (0.0, 1.0))):
            return "the result must be True/False values"
        return None

    return judge


def _mask_well_behaved(args) -> Judge:
    """A bool ndarray, the caller's arrays untouched, no RuntimeWarning: earned only with the right mask."""
    return with_right_values(an_array("bool", "arrays"), _mask_right(args))


DEAD_UNITS_HIDDEN = Check(
    target="dead_units",
    points=2,
    parts=(
        Part(
            "random units, some dead (H = 9, N = 12)",
            (_numeric("dead_units", *DEAD_RANDOM),),
            _mask_right(DEAD_RANDOM),
        ),
        Part(
            "a pre-activation of exactly 0 counts as dead (<= 0), also a = b = 0",
            (_numeric("dead_units", KINK_A, KINK_B, KINK_X),),
            _mask_right((KINK_A, KINK_B, KINK_X)),
        ),
        Part(
            "accepts lists; one sample (N = 1)",
            (_numeric("dead_units", *DEAD_LISTS),),
            _mask_right(DEAD_LISTS),
        ),
        Part(
            "returns a boolean numpy array, leaves its inputs alone, emits no warning",
            (_numeric("dead_units", *(p.copy() for p in DEAD_RANDOM)),),
            _mask_well_behaved(DEAD_RANDOM),
        ),
    ),
)

# --- gradient_descent -------------------------------------------------------------------------

GD_TOLERANCE = 1e-10


def _gd_case(args, lr, steps, alpha=0.0, *, from_step: int = 0, skip_dead: bool = False):
    """The reference result; asserts that the trajectory stays far from the kinks (after
    ``from_step``; dead units of a ReLU net keep their exact kinks by design)."""
    result, trajectory = reference_gradient_descent(*args, lr, steps, alpha)
    X = np.asarray(args[3], dtype=np.float64)
    keep = ~reference_dead_units(args[0], args[1], X) if skip_dead else slice(None)
    for a, b in trajectory[from_step:]:
        _require(_margin(a[keep], b[keep], X) > 1e-7, "a test trajectory passes too close to a kink")
    return result


GD_RANDOM = _random_network(8, 30, scale_u=1 / np.sqrt(8))
GD_RANDOM_ARGS = (0.05, 60)
GD_RANDOM_REF = _gd_case(GD_RANDOM, *GD_RANDOM_ARGS)
GD_LEAKY_ARGS = (0.0625, 40, KINK_ALPHA)
GD_LEAKY_REF = _gd_case(KINK, *GD_LEAKY_ARGS, from_step=1)
GD_DEAD_ARGS = (0.0625, 100)
GD_DEAD_REF = _gd_case(KINK, *GD_DEAD_ARGS, from_step=1, skip_dead=True)
GD_LISTS_ARGS = (0.1, 5)
GD_LISTS_REF = _gd_case(LISTS, *GD_LISTS_ARGS)
GD_ZERO_REF = _gd_case(GD_RANDOM, 0.05, 0)
_require(np.array_equal(GD_DEAD_REF[0][KINK_DEAD], KINK_A[KINK_DEAD]), "dead units of GD_DEAD_REF")
_require(np.abs(GD_DEAD_REF[0][~KINK_DEAD] - KINK_A[~KINK_DEAD]).min() > 1e-3, "live units of GD_DEAD_REF")


def _gd_call(args, lr, steps, alpha=None) -> Call:
    kwargs = {} if alpha is None else {"alpha": alpha}
    return Call("gradient_descent", args=(*args, lr, steps), kwargs=kwargs, kind="tree")


GD_LABELS = ("a", "b", "u", "losses")


def _trajectory_right(reference) -> Judge:
    def judge(outcomes: Sequence[Outcome]) -> str | None:
        leaves = _leaves(outcomes[0], 4, "(a, b, u, losses)")
        if isinstance(leaves, str):
            return leaves
        for got, want, label in zip(leaves, reference, GD_LABELS):
            message = _compare(got, want, GD_TOLERANCE * np.maximum(1.0, np.abs(want)), label)
            if message:
                if label == "losses" and got.shape != want.shape:
                    message += " (steps + 1 values: the loss before each step and after the last)"
                return message
        return None

    return judge


def _dead_unchanged(reference) -> Judge:
    right = _trajectory_right(reference)

    def judge(outcomes: Sequence[Outcome]) -> str | None:
        leaves = _leaves(outcomes[0], 4, "(a, b, u, losses)")
        if isinstance(leaves, str):
            return leaves
        for got, start, label in zip(leaves, (KINK_A, KINK_B, KINK_U), GD_LABELS):
            if got.shape != start.shape:
                return f"{label} has shape {got.shape}, expected {start.shape}"
            moved = np.flatnonzero(KINK_DEAD & (got != start))
            if moved.size:
                j = int(moved[0])
                return (f"unit {j} is dead at the start, so {label}[{j}] must come back exactly "
                        f"{start[j]!r}, got {got[j]!r} (use phi'(0) = 0 for ReLU)")
        wrong = right(outcomes)
        return wrong and f"{wrong} (the live units must train correctly too)"

    return judge


def _gd_well_behaved(*references) -> Judge:
    return with_right_values(functools.partial(_well_typed, count=4), *map(_trajectory_right, references))


GRADIENT_DESCENT_HIDDEN = Check(
    target="gradient_descent",
    points=4,
    parts=(
        Part(
            "the ReLU trajectory: final a, b, u and the steps + 1 losses (60 steps; also steps = 0)",
            (_gd_call(GD_RANDOM, *GD_RANDOM_ARGS), _gd_call(GD_RANDOM, 0.05, 0)),
            all_of(_trajectory_right(GD_RANDOM_REF), _trajectory_right(GD_ZERO_REF)),
            weight=2,
        ),
        Part(
            "under ReLU the parameters of dead units come back exactly unchanged (t = 0 included)",
            (_gd_call(KINK, *GD_DEAD_ARGS),),
            _dead_unchanged(GD_DEAD_REF),
            weight=2,
        ),
        Part(
            "the leaky ReLU trajectory (alpha = 0.25, starting on kinks)",
            (_gd_call(KINK, *GD_LEAKY_ARGS),),
            _trajectory_right(GD_LEAKY_REF),
        ),
        Part(
            "accepts lists",
            (_gd_call(LISTS, *GD_LISTS_ARGS),),
            _trajectory_right(GD_LISTS_REF),
        ),
        Part(
            "returns a tuple of four float64 arrays, never modifies its inputs, emits no warning",
            (_gd_call(tuple(p.copy() for p in GD_RANDOM), *GD_RANDOM_ARGS),
             _gd_call(tuple(p.copy() for p in KINK), *GD_DEAD_ARGS)),
            _gd_well_behaved(GD_RANDOM_REF, GD_DEAD_REF),
        ),
    ),
)

# --- dead_init_probability ---------------------------------------------------------------------

PROBABILITY_TOLERANCE = 1e-8
ONE_POINT_SETS = (np.array([0.0]), np.array([3.7]), np.array([-2.5, -2.5, -2.5]))
TWO_POINTS = np.array([-0.5, 1.5])
ONE_SIDE_SETS = (np.array([0.3, 2.0, 1.1, 0.7]), np.array([-4.0, -0.25, -1.5]), np.array([5.0, 0.5, 5.0, 2.0]))
BOTH_SIDES_SETS = (RNG.normal(size=40), np.array([2.0, -3.0, 0.5, 0.0]), np.array([0.0, 7.5]),
                   np.array([-0.8, 0.9]))
EXTREME_SETS = (np.array([-1e6, 1e6]), np.array([1e6, 1e6 - 1.0]), np.array([-1e6, -999999.5, 3.0]),
                np.array([1e6]))


def _probability_right(*sets) -> Judge:
    wants = [exact_dead_probability(X) for X in sets]

    def judge(outcomes: Sequence[Outcome]) -> str | None:
        for outcome, X, want in zip(outcomes, sets, wants):
            value = outcome.value
            if value is None or value.shape != ():
                shape = None if value is None else value.shape
                return f"return one number (a float), not an array of shape {shape}"
            if not np.isfinite(value) or abs(float(value) - float(want)) > PROBABILITY_TOLERANCE:
                shown = np.array2string(np.asarray(X, dtype=float)[:6], precision=4)
                return f"for X = {shown}{' ...' if len(X) > 6 else ''} you return {float(value)!r}, expected {mpmath.nstr(want, 12)}"
        return None

    return judge


def _probability_well_behaved(sets) -> Judge:
    return contract_with(untouched_and_quiet, _probability_right(*sets))


LIST_SET = [3, -1, 2]          # integers in a list
WELL_SETS = (BOTH_SIDES_SETS[0].copy(), EXTREME_SETS[0].copy())

DEAD_INIT_PROBABILITY_HIDDEN = Check(
    target="dead_init_probability",
    points=3,
    parts=(
        Part(
            "one point, or one point repeated, gives 1/2; two points",
            tuple(_numeric("dead_init_probability", X) for X in (*ONE_POINT_SETS, TWO_POINTS)),
            _probability_right(*ONE_POINT_SETS, TWO_POINTS),
        ),
        Part(
            "data on one side of 0 (unsorted, with repeats)",
            tuple(_numeric("dead_init_probability", X) for X in ONE_SIDE_SETS),
            _probability_right(*ONE_SIDE_SETS),
        ),
        Part(
            "data on both sides of 0 (also 0 itself, and 40 random points)",
            tuple(_numeric("dead_init_probability", X) for X in BOTH_SIDES_SETS),
            _probability_right(*BOTH_SIDES_SETS),
        ),
        Part(
            "extreme data, |X| up to 1e6, to 1e-8",
            tuple(_numeric("dead_init_probability", X) for X in EXTREME_SETS),
            _probability_right(*EXTREME_SETS),
        ),
        Part(
            "accepts a list of integers; leaves its input alone; emits no warning",
            (_numeric("dead_init_probability", LIST_SET), *(_numeric("dead_init_probability", X) for X in WELL_SETS)),
            _probability_well_behaved((np.array(LIST_SET, dtype=float), *WELL_SETS)),
        ),
    ),
)

# --- dead_init_probability_symbolic -------------------------------------------------------------

DIGITS = 30
SAME_SIGN_POINTS = ({"x1": "1/3", "x2": "2"}, {"x1": "1/7", "x2": "13/2"}, {"x1": "-5", "x2": "-1/2"},
                    {"x1": "-9/4", "x2": "-2/9"})
STRADDLING_POINTS = ({"x1": "-1/2", "x2": "3/2"}, {"x1": "-3", "x2": "2"}, {"x1": "-7/2", "x2": "5/3"},
                     {"x1": "0", "x2": "5/2"}, {"x1": "-4/3", "x2": "0"})
EQUAL_POINTS = ({"x1": "3/2", "x2": "3/2"}, {"x1": "-2", "x2": "-2"}, {"x1": "0", "x2": "0"})


def _exact(text: str) -> mpmath.mpf:
    numerator, _, denominator = text.partition("/")
    return mpmath.mpf(int(numerator)) / int(denominator or 1)


def _exact_interval(point: dict) -> mpmath.mpf:
    with mpmath.workdps(DIGITS + 10):
        lo, hi = _exact(point["x1"]), _exact(point["x2"])
        return mpmath.mpf(1) / 2 - (mpmath.atan(hi) - mpmath.atan(lo)) / (2 * mpmath.pi)


#: ``Part(description, *_expression(points))``: the expression equals the exact probability at ``points``.
_expression = functools.partial(symbolic_expression, "dead_init_probability_symbolic", exact=_exact_interval,
                                digits=DIGITS, symbols=("x1", "x2"))


DEAD_INIT_PROBABILITY_SYMBOLIC_HIDDEN = Check(
    target="dead_init_probability_symbolic",
    points=3,
    parts=(
        Part("both endpoints positive, or both negative", *_expression(SAME_SIGN_POINTS)),
        Part("endpoints on either side of 0 (also with x1 * x2 < -1), or at 0", *_expression(STRADDLING_POINTS)),
        # x1 = x2 alone would pass the constant 1/2: judged with the same-sign points
        Part("x1 = x2 (one point) gives 1/2, together with the same-sign values",
             *_expression(EQUAL_POINTS + SAME_SIGN_POINTS)),
    ),
)

# --- what the hidden test cells call ---------------------------------------------------------------

#: Hidden test cell ``grade_id`` -> the check that grades it.
CHECKS = by_hidden_cell(TWO_LAYER_GRADS_HIDDEN, DEAD_UNITS_HIDDEN, GRADIENT_DESCENT_HIDDEN,
                        DEAD_INIT_PROBABILITY_HIDDEN, DEAD_INIT_PROBABILITY_SYMBOLIC_HIDDEN)
#: ``<target>_hidden(function)``, what each hidden test cell calls.
globals().update(hidden_cell_functions(CHECKS))
