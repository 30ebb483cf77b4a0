"""Hidden tests of ``ex09_sigmoid_approximation``: the contract in EXERCISES.md, one check per graded name.

A scalar sigmoid network ``(a, b, u, c)`` computes ``g(x) = c + sum_j u_j sigmoid(a_j x + b_j)``; a
shallow ReLU network ``(W, beta, v, c0)`` computes ``f(x) = c0 + sum_j v_j relu(W_j . x + beta_j)``.

The approximations a student returns are judged by property, never against reference weights:
their number of units against the budget (an exact ceiling, computed with fractions), and their
uniform error found by this module's own search for the supremum over the continuum
(:func:`sup_abs_1d`, :func:`sup_abs_ball`):

- in one dimension, every unit is sampled at its own scale (spacing ``1/(4 |a_j|)`` wherever
  ``|a_j x + b_j| <= 40``; elsewhere it is constant to 1e-17), on top of a uniform grid, the ends
  and the kinks of the ReLU side; every local maximum of the sampled error is refined by a golden
  section search in its bracket, all of them at once; the network is evaluated in extended
  precision (``numpy.longdouble``) while searching and exactly (mpmath, the arguments
  ``a_j x + b_j`` formed without rounding) at the best points;
- in d >= 2 dimensions, on points of the check's choosing: uniform in the ball, on the sphere,
  along and beside the direction of every unit (each line searched as in one dimension), then a
  local maximisation (Nelder-Mead, projected onto the ball) from the worst points.

So a network whose error hides in a peak of width 1e-7 B is caught, and the reference for
``sup_error_relu`` is this search, not the student's.
"""
from __future__ import annotations

import functools
import math
from fractions import Fraction
from typing import Callable, Sequence

import mpmath
import numpy as np
from scipy.special import expit

from autograder.checks.framework import (
    Call, Check, Judge, Part, a_tuple_of_arrays, by_hidden_cell, contract_with, hidden_cell_functions,
    symbolic_expression, untouched_and_quiet,
)
from autograder.protocol import Outcome

RNG = np.random.default_rng(20261202)
LD = np.longdouble

# --- evaluating networks: extended precision while searching, exact at the end -----------------

#: Beyond ``|a_j x + b_j| > REACH`` a unit is constant to within sigmoid(-40) < 5e-18.
REACH = 40.0
#: Sample spacing near a unit, in units of its argument ``a_j x + b_j``.
SPACING = 0.25
#: Points of the uniform grid laid under the per-unit samples.
BASE_POINTS = 2049
#: Brackets refined by golden section (the best local maxima of the samples), and the golden steps.
BRACKETS = 64
GOLDEN_STEPS = 56
#: Refined points evaluated exactly at the end.
EXACT_POINTS = 12
EXACT_DPS = 40


def exact_sigmoid(t: mpmath.mpf) -> mpmath.mpf:
    return 1 / (1 + mpmath.exp(-t)) if t >= 0 else mpmath.exp(t) / (1 + mpmath.exp(t))


def _exact_affine(coefficients, bias: float, x) -> mpmath.mpf:
    """``coefficients . x + bias`` of float64 numbers, without rounding."""
    total = mpmath.mpf(float(bias))
    for w, xi in zip(coefficients, x):
        total = mpmath.fadd(total, mpmath.fmul(float(w), float(xi), exact=True), exact=True)
    return total


def exact_sigmoid_net(A, b, u, c, x) -> mpmath.mpf:
    """The exact value of ``c + sum_j u_j sigmoid(A_j . x + b_j)`` at the float64 point ``x``."""
    with mpmath.workdps(EXACT_DPS):
        terms = [mpmath.mpf(float(uj)) * exact_sigmoid(_exact_affine(Aj, bj, x)) for Aj, bj, uj in zip(A, b, u)]
        return mpmath.mpf(float(c)) + mpmath.fsum(terms)


def exact_relu_net(W, beta, v, c0, x) -> mpmath.mpf:
    with mpmath.workdps(EXACT_DPS):
        terms = [mpmath.mpf(float(vj)) * max(_exact_affine(Wj, bj, x), mpmath.mpf(0)) for Wj, bj, vj in zip(W, beta, v)]
        return mpmath.mpf(float(c0)) + mpmath.fsum(terms)


class Approximation:
    """The error ``g - f`` of a sigmoid network ``g = (A, b, u, c)`` against a ReLU network
    ``f = (W, beta, v, c0)``, both of input dimension d; ``relu`` itself is ``W = [[1]]``.

    The search evaluates it in float64, or in extended precision (``numpy.longdouble``) when the
    network's own rounding (its weights' sizes times 1e-16) could hide a part of its error."""

    def __init__(self, sigmoid_net, relu_net):
        A, b, u, c = sigmoid_net
        W, beta, v, c0 = relu_net
        self.A, self.b, self.u, self.c = (np.asarray(p, dtype=np.float64) for p in (A, b, u, c))
        self.W, self.beta, self.v, self.c0 = (np.asarray(p, dtype=np.float64) for p in (W, beta, v, c0))
        self.A = self.A.reshape(len(self.u), self.W.shape[1])
        self.scale = abs(float(self.c)) + float(np.abs(self.u).sum()) + abs(float(self.c0)) + float(np.abs(self.v).sum())
        self.dtype = np.float64
        self._converted = None

    def use_extended_precision(self) -> None:
        self.dtype = LD

    def _in_dtype(self) -> tuple:
        """The weights in :attr:`dtype`, converted once (the local search evaluates one point at a time)."""
        if self._converted is None or self._converted[0] is not self.dtype:
            self._converted = (self.dtype, *(p.astype(self.dtype) for p in (self.A, self.b, self.u, self.W, self.beta, self.v)),
                               self.dtype(self.c), self.dtype(self.c0))
        return self._converted[1:]

    def error(self, X: np.ndarray, budget: int = 1 << 22) -> np.ndarray:
        """``g(x) - f(x)`` at the rows of ``X`` (shape (N, d)), in :attr:`dtype`, in chunks of
        at most ``budget`` unit evaluations."""
        A, b, u, W, beta, v, c, c0 = self._in_dtype()
        X = np.asarray(X, dtype=self.dtype)
        rows = max(1, budget // max(1, len(u)))
        if len(X) <= rows:
            return self._error_of_rows(X, A, b, u, W, beta, v, c, c0)
        out = np.empty(len(X), dtype=self.dtype)
        for start in range(0, len(X), rows):
            out[start:start + rows] = self._error_of_rows(X[start:start + rows], A, b, u, W, beta, v, c, c0)
        return out

    def _error_of_rows(self, X, A, b, u, W, beta, v, c, c0) -> np.ndarray:
        g = expit(X @ A.T + b) @ u if len(u) else np.zeros(len(X), dtype=self.dtype)
        f = np.maximum(X @ W.T + beta, 0) @ v
        return (c + g) - (c0 + f)

    def error_exact(self, x) -> mpmath.mpf:
        with mpmath.workdps(EXACT_DPS):
            return (exact_sigmoid_net(self.A, self.b, self.u, self.c, x)
                    - exact_relu_net(self.W, self.beta, self.v, self.c0, x))


# --- the supremum over an interval: samples at every unit's scale, golden section, exact values ----


def sample_points(lo: float, hi: float, slopes, offsets, extra=()) -> np.ndarray:
    """Sorted points of ``[lo, hi]``: a uniform grid, ``extra`` (kinks), and around every unit
    ``t -> sigmoid(s t + o)`` a spacing of ``SPACING / |s|`` wherever ``|s t + o| <= REACH``.

    Overlapping windows share their points (a sweep over the windows' ends takes the finest
    spacing asked for on each stretch), so a staircase of n units costs O(n) points, not O(n^2).
    """
    slopes, offsets = np.asarray(slopes, dtype=np.float64), np.asarray(offsets, dtype=np.float64)
    points = [np.linspace(lo, hi, BASE_POINTS), np.asarray(extra, dtype=np.float64)]
    steep = np.isfinite(slopes) & np.isfinite(offsets) & (np.abs(slopes) * (hi - lo) > 8 * SPACING)
    s, o = np.abs(slopes[steep]), np.where(slopes[steep] < 0, -offsets[steep], offsets[steep])
    centre, half, step = -o / s, REACH / s, SPACING / s
    left, right = np.maximum(centre - half, lo), np.minimum(centre + half, hi)
    inside = left < right
    left, right, step = left[inside], right[inside], step[inside]
    if len(step):
        edges = np.unique(np.concatenate([left, right]))
        for start in range(0, len(edges) - 1, 512):
            e0, e1 = edges[start:start + 513][:-1], edges[start:start + 513][1:]
            mid = (e0 + e1) / 2
            covered = (left[None, :] <= mid[:, None]) & (mid[:, None] <= right[None, :])
            finest = np.where(covered, step[None, :], np.inf).min(axis=1)
            for x0, x1, h in zip(e0, e1, finest):
                if np.isfinite(h):
                    points.append(np.linspace(x0, x1, int(min(np.ceil((x1 - x0) / h), 4e6)) + 1))
    x = np.unique(np.clip(np.concatenate(points), lo, hi))
    return x[np.isfinite(x)]


def golden_maxima(func: Callable[[np.ndarray], np.ndarray], lefts: np.ndarray, rights: np.ndarray) -> np.ndarray:
    """For each bracket ``[lefts[i], rights[i]]`` a point where ``|func|`` is locally largest
    (golden section, all brackets at once; ``func`` maps an array of points to values)."""
    ratio = (math.sqrt(5) - 1) / 2
    lo, hi = lefts.astype(np.float64), rights.astype(np.float64)
    x1, x2 = hi - ratio * (hi - lo), lo + ratio * (hi - lo)
    f1, f2 = np.abs(func(x1)), np.abs(func(x2))
    for _ in range(GOLDEN_STEPS):
        right_better = f2 > f1
        lo = np.where(right_better, x1, lo)
        hi = np.where(right_better, hi, x2)
        x1n = np.where(right_better, x2, hi - ratio * (hi - lo))
        x2n = np.where(right_better, lo + ratio * (hi - lo), x1)
        f_new = np.abs(func(np.where(right_better, x2n, x1n)))
        f1, f2 = np.where(right_better, f2, f_new), np.where(right_better, f_new, f1)
        x1, x2 = x1n, x2n
    return np.where(f1 > f2, x1, x2)


def best_points_1d(func, x: np.ndarray, count: int, brackets: int = BRACKETS) -> np.ndarray:
    """The sampled local maxima of ``|func|`` on the sorted points ``x``, refined, best first:
    the ``count`` best of the refined points and the samples themselves."""
    y = np.abs(func(x))
    left_ok = np.concatenate([[True], y[1:] >= y[:-1]])
    right_ok = np.concatenate([y[:-1] >= y[1:], [True]])
    peaks = np.flatnonzero(left_ok & right_ok)
    peaks = peaks[np.argsort(y[peaks])[::-1][:brackets]]
    lefts, rights = x[np.maximum(peaks - 1, 0)], x[np.minimum(peaks + 1, len(x) - 1)]
    refined = golden_maxima(func, lefts, rights)
    candidates = np.concatenate([refined, x[peaks]])
    values = np.abs(func(candidates))
    order = np.argsort(values)[::-1]
    return candidates[order][:count]


def sup_abs_1d(approximation: Approximation, lo: float, hi: float) -> tuple[mpmath.mpf, float]:
    """``max over x in [lo, hi] of |g(x) - f(x)|`` for an input of dimension 1, and where."""
    A, b = approximation.A[:, 0], approximation.b
    W, beta = approximation.W[:, 0], approximation.beta
    kinks = [-bj / wj for wj, bj in zip(W, beta) if wj != 0 and lo < -bj / wj < hi]
    x = sample_points(lo, hi, A, b, extra=[lo, hi, *kinks])

    def func(points):
        return approximation.error(np.asarray(points, dtype=np.float64)[:, None])

    best = best_points_1d(func, x, EXACT_POINTS)
    exact = [(abs(approximation.error_exact([p])), float(p)) for p in best]
    if approximation.dtype is np.float64 and approximation.scale * 1e-14 > 1e-7 * float(max(exact)[0]):
        approximation.use_extended_precision()       # float64 rounding could hide the maximum
        return sup_abs_1d(approximation, lo, hi)
    return max(exact)


# --- the supremum over a ball in d >= 2: points of the check's choosing, then local search ---------


def _lines(approximation: Approximation, R: float, rng: np.random.Generator):
    """(offset p, unit direction w) pairs: through the centre and beside it (|p| = 0.5 R and 0.9 R,
    perpendicular to w), along every ReLU unit, every other sigmoid direction and two random ones."""
    d = approximation.W.shape[1]
    rows = [w for w in (*approximation.W, *approximation.A) if np.linalg.norm(w) > 0]
    directions = []
    for w in [*rows, *rng.normal(size=(2, d))]:
        w = np.asarray(w, dtype=np.float64) / np.linalg.norm(w)
        if all(abs(abs(w @ seen) - 1) > 1e-9 for seen in directions) and len(directions) < 32:
            directions.append(w)
    for w in directions:
        yield np.zeros(d), w
        for radius in (0.5 * R, 0.9 * R):
            p = rng.normal(size=d)
            p -= (p @ w) * w
            if np.linalg.norm(p) > 0:
                yield radius * p / np.linalg.norm(p), w


def sup_abs_ball(approximation: Approximation, R: float, seed: int = 0) -> tuple[mpmath.mpf, np.ndarray]:
    """An estimate from below of ``sup over |x| <= R of |g(x) - f(x)|`` in d >= 2, and where:
    the largest exact error over the check's points and the local maxima found from the worst."""
    from scipy.optimize import minimize

    rng = np.random.default_rng(seed)
    d = approximation.W.shape[1]
    inside = rng.normal(size=(20000, d))
    inside /= np.linalg.norm(inside, axis=1, keepdims=True)
    sphere = R * inside[:4000]
    ball = R * inside[4000:] * rng.uniform(size=(16000, 1)) ** (1 / d)
    candidates = [np.zeros((1, d)), sphere, ball]
    for p, w in _lines(approximation, R, rng):
        half = math.sqrt(max(R * R - p @ p, 0.0))
        slopes, offsets = approximation.A @ w, approximation.A @ p + approximation.b
        kw, kb = approximation.W @ w, approximation.W @ p + approximation.beta
        kinks = [-bj / wj for wj, bj in zip(kw, kb) if wj != 0 and -half < -bj / wj < half]
        t = sample_points(-half, half, slopes, offsets, extra=[-half, half, *kinks])

        def along(ts, p=p, w=w):
            return approximation.error(p[None, :] + np.asarray(ts, dtype=np.float64)[:, None] * w[None, :])

        best = best_points_1d(along, t, 3, brackets=12)
        candidates.append(p[None, :] + best[:, None] * w[None, :])
    points = np.concatenate(candidates)
    values = np.abs(approximation.error(points)).astype(np.float64)
    starts = points[np.argsort(values)[::-1][:EXACT_POINTS]]

    def project(x):
        norm = np.linalg.norm(x)
        return x if norm <= R else x * (R / norm)

    refined = []
    for start in starts:
        scale = 1e-3 * R
        simplex = np.vstack([start, start + scale * np.eye(d)])
        result = minimize(lambda x: -float(abs(approximation.error(project(x)[None, :])[0])), start,
                          method="Nelder-Mead", options={"initial_simplex": simplex, "xatol": 1e-13 * R,
                                                         "fatol": 1e-16, "maxiter": 400 * d})
        refined.append(project(result.x))
    exact = [(abs(approximation.error_exact(x)), tuple(x)) for x in [*starts, *refined]]
    value, where = max(exact)
    return value, np.array(where)


# --- budgets ---------------------------------------------------------------------------------------


def unit_budget(B: float, eps: float) -> int:
    """``ceil(B / (4 eps))`` of the float64 inputs, exactly."""
    return math.ceil(Fraction(float(B)) / (4 * Fraction(float(eps))))


def net_budget(W, beta, v, R: float, eps: float) -> int:
    """``sum_j ceil(H |v_j| B_j / (4 eps))`` with ``B_j = R |W_j| + |beta_j|``; the norm is
    rounded once, which the test inputs keep far from mattering (every term away from an integer)."""
    W, beta, v = (np.asarray(p, dtype=np.float64) for p in (W, beta, v))
    H = len(v)
    total = 0
    for Wj, bj, vj in zip(W, beta, v):
        Bj = Fraction(float(R)) * Fraction(float(np.linalg.norm(Wj))) + abs(Fraction(float(bj)))
        total += math.ceil(H * abs(Fraction(float(vj))) * Bj / (4 * Fraction(float(eps))))
    return total


def budget_margin(quotient: Fraction) -> float:
    """How far ``quotient`` is from the nearest integer (the inputs keep this above 0.05)."""
    return float(abs(quotient - round(quotient)))


def _require(condition: bool, message: str) -> None:
    """A sanity check of this module's own test inputs (kept under ``python -O``)."""
    if not condition:
        raise RuntimeError(f"ex09_sigmoid_approximation checks: {message}")


# --- reading a returned network ----------------------------------------------------------------------


def _tree_call(target: str, *args, **kwargs) -> Call:
    return Call(target, args=tuple(args), kwargs=kwargs, kind="tree")


def read_network(outcome: Outcome, d: int | None = None) -> "tuple | str":
    """``(A, b, u, c)`` as float64 arrays (``A`` of shape (m, d); for a scalar network (m, 1)),
    or a message saying what is wrong with the returned value."""
    if outcome.tree is None or not isinstance(outcome.tree, list):
        return f"returned a {outcome.type_name or 'value'} that is not a tuple (a, b, u, c)"
    if len(outcome.tree) != 4:
        return f"returned {len(outcome.tree)} items, expected 4: (a, b, u, c)"
    if any(isinstance(leaf, list) for leaf in outcome.tree):
        return "each of a, b, u, c must be an array or a number, not a nested tuple or list"
    A, b, u, c = (np.asarray(leaf, dtype=np.float64) for leaf in outcome.tree)
    names = ("a", "b", "u") if d is None else ("A", "b", "u")
    if u.ndim != 1 or b.shape != u.shape:
        return f"b and u must be arrays of one shape (m,), got {b.shape} and {u.shape}"
    m = len(u)
    want = (m,) if d is None else (m, d)
    if A.shape != want:
        return f"{names[0]} has shape {A.shape}, expected {want} (m = {m} units)"
    if c.shape != ():
        return f"c must be one number, got an array of shape {c.shape}"
    for name, p in zip((*names, "c"), (A, b, u, c)):
        if not np.all(np.isfinite(p)):
            return f"{name} has entries that are not finite"
    return A.reshape(m, 1 if d is None else d), b, u, c


def _typed(outcome: Outcome, d: int | None) -> str | None:
    """a, b, u (or A) float64 ndarrays, c a number; no warning."""
    kinds = outcome.tree_types or []
    if outcome.type_name not in ("builtins.tuple", "builtins.list") or len(kinds) != 4:
        return f"returned a {outcome.type_name}, expected a tuple (a, b, u, c)"
    return a_tuple_of_arrays("A" if d else "a", "b", "u")(outcome)


def _fmt(value) -> str:
    return mpmath.nstr(mpmath.mpf(value), 6)


# --- sigmoid_net ---------------------------------------------------------------------------------------

SIGNET_TOLERANCE = 1e-12


def _sigmoid_net_reference(a, b, u, c, x):
    """Exact values of the scalar network at every entry of ``x`` and the contract's allowance."""
    a, b, u = (np.atleast_1d(np.asarray(p, dtype=np.float64)) for p in (a, b, u))
    x = np.asarray(x, dtype=np.float64)
    values, allowed = np.empty(x.shape), np.empty(x.shape)
    with mpmath.workdps(EXACT_DPS):
        for index in np.ndindex(x.shape):
            xi = float(x[index])
            ts = [_exact_affine([aj], bj, [xi]) for aj, bj in zip(a, b)]
            ss = [exact_sigmoid(t) for t in ts]
            values[index] = float(mpmath.mpf(float(c)) + mpmath.fsum(mpmath.mpf(float(uj)) * s for uj, s in zip(u, ss)))
            scale = abs(float(c)) + sum(abs(float(uj)) * (1 + float(s * (1 - s)) * (abs(float(aj) * xi) + abs(float(bj))))
                                        for uj, s, aj, bj in zip(u, ss, a, b))
            allowed[index] = SIGNET_TOLERANCE * scale
    return values, allowed


def _values_right(*cases) -> Judge:
    references = [_sigmoid_net_reference(*case) for case in cases]

    def judge(outcomes: Sequence[Outcome]) -> str | None:
        for outcome, case, (want, allowed) in zip(outcomes, cases, references):
            got = outcome.value
            shape = np.shape(case[4])
            if got is None:
                return "the result could not be read as an array of numbers"
            if got.shape != want.shape:
                return f"for x of shape {shape} the result has shape {got.shape}; it must have the shape of x"
            if not np.all(np.isfinite(got)):
                return f"for x of shape {shape} the result is not finite everywhere"
            error = np.abs(got - want)
            if np.any(error > allowed):
                k = int(np.argmax(error - allowed))
                xk = float(np.asarray(case[4], dtype=np.float64).flat[k])
                return (f"at x = {xk:.6g} (m = {len(np.atleast_1d(case[2]))} units) you return {got.flat[k]!r}, "
                        f"expected {want.flat[k]!r} (difference {error.flat[k]:.3g})")
        return None

    return judge


def _values_well_behaved(*cases) -> Judge:
    return contract_with(_values_contract, _values_right(*cases))


def _values_contract(outcome: Outcome) -> str | None:
    """A float64 ndarray (or a 0-d result), the caller's arrays untouched, no RuntimeWarning."""
    if outcome.type_name != "numpy.ndarray" and outcome.shape != ():
        return f"returned a {outcome.type_name}, expected a numpy.ndarray"
    if outcome.type_name == "numpy.ndarray" and outcome.dtype != "float64":
        return f"returned an array of dtype {outcome.dtype}, expected float64"
    return untouched_and_quiet(outcome, "arrays")


def _random_scalar_net(m: int, slope: float = 3.0):
    a = RNG.normal(size=m) * slope
    b = RNG.normal(size=m) * slope
    return a, b, RNG.normal(size=m), float(RNG.normal())


NET5 = _random_scalar_net(5)
NET5_X = RNG.uniform(-3, 3, 7)
NET5_GRID = RNG.uniform(-3, 3, (2, 3, 4))
NET5_POINT = np.array(0.8125)
EMPTY = (np.zeros(0), np.zeros(0), np.zeros(0), -1.75)
STEEP = (np.array([1e6, -4e7, 1e200, 3.0, -1e150]), np.array([-2.5e5, 1e7, 1e250, -1e300, 2.0]),
         np.array([0.7, -1.2, 0.4, 2.0, -0.3]), 0.25)
STEEP_X = np.array([0.25, 0.2500001, -1e50, 1e99, -1e-150, 0.0])
LIST_NET = ([1.5, -2], [0, 1], [2, 3], 1)
LIST_X = [-1, 0, 2]

SIGMOID_NET_HIDDEN = Check(
    target="sigmoid_net",
    points=3,
    parts=(
        Part("five random units at 7 points (x of shape (7,))",
             (Call("sigmoid_net", args=(*NET5, NET5_X)),), _values_right((*NET5, NET5_X)), weight=2),
        Part("x of any shape: (2, 3, 4) and 0-d; the result has the shape of x",
             (Call("sigmoid_net", args=(*NET5, NET5_GRID)), Call("sigmoid_net", args=(*NET5, NET5_POINT))),
             _values_right((*NET5, NET5_GRID), (*NET5, NET5_POINT))),
        Part("m = 0 units gives c everywhere (x of shape (5,) and (2, 2))",
             (Call("sigmoid_net", args=(*EMPTY, np.linspace(-1, 1, 5))), Call("sigmoid_net", args=(*EMPTY, np.ones((2, 2))))),
             _values_right((*EMPTY, np.linspace(-1, 1, 5)), (*EMPTY, np.ones((2, 2))))),
        Part("steep units and huge arguments (|a_j x|, |b_j| up to 1e300): right values, no warning",
             (Call("sigmoid_net", args=(*STEEP, STEEP_X)),), _values_well_behaved((*STEEP, STEEP_X)), weight=2),
        Part("accepts lists and integers",
             (Call("sigmoid_net", args=(*LIST_NET, LIST_X)),), _values_right((*LIST_NET, LIST_X))),
        Part("returns a float64 numpy array, leaves its inputs alone, emits no warning",
             (Call("sigmoid_net", args=(*(p.copy() for p in NET5[:3]), NET5[3], NET5_GRID.copy())),),
             _values_well_behaved((*NET5, NET5_GRID))),
    ),
)

# --- sup_error_relu ----------------------------------------------------------------------------------


def relu_approximation(network) -> Approximation:
    a, b, u, c = network
    return Approximation((np.asarray(a, dtype=np.float64)[:, None], b, u, c), ([[1.0]], [0.0], [1.0], 0.0))


def sup_error(network, B: float) -> mpmath.mpf:
    """This module's supremum of ``|g - relu|`` over ``[-B, B]``."""
    return sup_abs_1d(relu_approximation(network), -float(B), float(B))[0]


def centred_staircase(B: float, n: int, k: float, shift: float = 0.5):
    """``(B/n) sum_i sigmoid(C (x - (i - shift) B/n))`` with ``C = k n / B`` as ``(a, b, u, c)``."""
    delta = B / n
    centres = (np.arange(1, n + 1) - shift) * delta
    return np.full(n, k / delta), -(k / delta) * centres, np.full(n, delta), 0.0


def _bump(B: float, where: float, height: float, slope: float):
    """Two units whose difference is a peak of about ``4 / slope`` wide at ``where``."""
    return (np.array([slope, slope]), np.array([-slope * where + 1.0, -slope * where - 1.0]),
            np.array([height, -height]))


def _combine(*parts, c: float = 0.0):
    a = np.concatenate([p[0] for p in parts])
    b = np.concatenate([p[1] for p in parts])
    u = np.concatenate([p[2] for p in parts])
    return a, b, u, c


def _far_from_grids(B: float, where: float) -> bool:
    """Whether ``where`` is at least 2.5e-7 B from every point of the usual uniform grids of about
    10^6 points (their spacing is 2e-6 B: the peaks below are invisible from there)."""
    for count in (10**6, 10**6 + 1, 2**20, 2**20 + 1):
        step = 2 * B / (count - 1)
        offset = (where + B) / step
        if abs(offset - round(offset)) * step < 2.5e-7 * B:
            return False
    return True


def _grid_place(B: float, lo: float, hi: float) -> float:
    while True:
        where = float(RNG.uniform(lo, hi) * B)
        if _far_from_grids(B, where):
            return where


SUP_B = 2.5
#: a moderate network with its maximum inside: a staircase with a few perturbed units
MODERATE = centred_staircase(SUP_B, 12, 2.0)
MODERATE = (MODERATE[0] * (1 + 0.2 * RNG.uniform(-1, 1, 12)), MODERATE[1], MODERATE[2] * (1 + 0.3 * RNG.uniform(-1, 1, 12)), 0.05)
RANDOM40 = _random_scalar_net(40, slope=4.0)
#: the maximum at the kink: g ~ x/2 + 1 (a flat unit), |g - relu| = 1 at 0 and about 0.5 at the ends
KINK_NET = (np.array([0.02]), np.array([0.0]), np.array([100.0]), -49.0)
#: the maximum at x = -B: a decreasing unit
LEFT_END = (np.array([-1.3, 0.4]), np.array([-0.2, 0.1]), np.array([1.5, 0.8]), -0.3)
#: negative, zero slopes and centres far outside, maximum at x = B
ODD_SLOPES = (np.array([0.0, -2.0, 1e-8, 3.0, -50.0]), np.array([1.0, 30.0, -2.0, -40.0, -1e4]),
              np.array([0.6, -0.4, 3.0, 1.0, 2.0]), 0.1)
BIG = centred_staircase(SUP_B, 400, 5.0)
BIG = (BIG[0] * (1 + 0.05 * RNG.uniform(-1, 1, 400)), BIG[1], BIG[2], 0.0)

STEEP_SLOPE = 1e7 / SUP_B


def _steep_pairs(count: int, base):
    """``count`` pairs of steep units (slopes 0.3e7 / B to 1e7 / B, either sign) of unequal heights:
    each pair is a small step with a spike on it, of width about 1e-6 B, at a place far from the grids."""
    parts = [base]
    for _ in range(count):
        slope = float(RNG.choice([-1, 1]) * STEEP_SLOPE * RNG.uniform(0.3, 1))
        where = _grid_place(SUP_B, -0.95, 0.95)
        height = float(RNG.uniform(0.05, 0.3))
        parts.append((np.array([slope, slope]), np.array([-slope * where + 1.5, -slope * where - 1.5]),
                      np.array([height, -height * RNG.uniform(0.8, 0.95)])))
    return _combine(*parts, c=0.02)


STEEP_NETS = (_steep_pairs(3, centred_staircase(SUP_B, 30, 4.0)[:3]), _steep_pairs(12, _random_scalar_net(10, 2.0)[:3]))
NARROW_WHERE = (_grid_place(SUP_B, -0.9, -0.1), _grid_place(SUP_B, 0.2, 0.8), _grid_place(SUP_B, 0.99, 0.9999))
NARROW_NETS = (
    _combine(_bump(SUP_B, NARROW_WHERE[0], 0.4, STEEP_SLOPE), centred_staircase(SUP_B, 50, 5.0)[:3]),
    _combine(_bump(SUP_B, NARROW_WHERE[1], -0.3, STEEP_SLOPE), _bump(SUP_B, NARROW_WHERE[2], 0.45, STEEP_SLOPE),
             centred_staircase(SUP_B, 80, 5.0)[:3], c=0.01),
)


def _sup_right(cases) -> Judge:
    """Each ``(network, B)`` case within the contract's tolerance of this module's supremum."""
    wants: list = []

    def judge(outcomes: Sequence[Outcome]) -> str | None:
        if not wants:  # computed once, when first needed (a few seconds; never by the student's process)
            wants.extend(sup_error(net, B) for net, B in cases)
        for index, (outcome, (net, B), want) in enumerate(zip(outcomes, cases, wants)):
            got = outcome.value
            if got is None or got.shape != ():
                return f"return one number, not an array of shape {None if got is None else got.shape}"
            if not np.isfinite(got):
                return f"network {index} ({len(net[2])} units): the result is not finite"
            scale = abs(float(net[3])) + float(np.sum(np.abs(net[2])))
            allowed = max(1e-6 * float(want), 1e-10 * scale)
            if abs(float(got) - float(want)) > allowed:
                hint = " (yours is smaller: the maximum is where your search did not look)" if float(got) < float(want) else ""
                return (f"network {index} ({len(net[2])} units, B = {B:g}): you return {float(got):.9g}, "
                        f"but the error reaches {_fmt(want)}{hint}")
        return None

    return judge


def _sup_well_behaved(cases) -> Judge:
    return contract_with(lambda outcome: untouched_and_quiet(outcome, "arrays"), _sup_right(cases))


def _sup_calls(cases):
    return tuple(Call("sup_error_relu", args=(*(np.array(p, dtype=np.float64) if np.ndim(p) else p for p in net), B))
                 for net, B in cases)


def _sup_part(description: str, cases, *, weight: float = 1.0, behaved: bool = False) -> Part:
    cases = tuple(cases)
    return Part(description, _sup_calls(cases), (_sup_well_behaved if behaved else _sup_right)(cases), weight=weight)


SUP_ERROR_RELU_HIDDEN = Check(
    target="sup_error_relu",
    points=4,
    parts=(
        _sup_part("moderate slopes, maximum inside the interval (12 and 40 units, B = 2.5)",
                  [(MODERATE, SUP_B), (RANDOM40, SUP_B)]),
        _sup_part("maximum at the kink x = 0, at x = -B, at x = B; zero and negative slopes; m = 0",
                  [(KINK_NET, SUP_B), (LEFT_END, SUP_B), (ODD_SLOPES, SUP_B), (EMPTY, SUP_B)]),
        _sup_part("400 units, and other intervals (B = 0.001, B = 1000)",
                  [(BIG, SUP_B), (centred_staircase(1e-3, 7, 3.0), 1e-3), (centred_staircase(1e3, 9, 1.5), 1e3)]),
        _sup_part("steep units (slopes up to 1e7 / B) whose features a grid misses; no warning",
                  [(net, SUP_B) for net in STEEP_NETS], weight=2, behaved=True),
        _sup_part("peaks of width about 1e-7 B anywhere in the interval (a grid of 10^6 points misses them)",
                  [(net, SUP_B) for net in NARROW_NETS], weight=2),
    ),
)

# --- relu_sigmoid_approx and relu_net_to_sigmoid_net: judged by property --------------------------

#: Relative slack on ``error <= eps`` for the rounding of the returned float64 weights.
EPS_SLACK = 1e-9
#: A returned network with more units than this many times its budget (plus 1000) is not searched.
TOO_MANY = 20
_SUP_CACHE: dict = {}


def _network_key(*arrays) -> tuple:
    return tuple((np.asarray(p, dtype=np.float64).shape, np.asarray(p, dtype=np.float64).tobytes()) for p in arrays)


def approximation_error(network, relu_net, R: float) -> tuple[mpmath.mpf, np.ndarray]:
    """The check's supremum of ``|g - f|`` over ``|x| <= R`` and where (cached per network)."""
    key = _network_key(*network, *relu_net, R)
    if key not in _SUP_CACHE:
        approximation = Approximation(network, relu_net)
        if approximation.W.shape[1] == 1:
            value, x = sup_abs_1d(approximation, -float(R), float(R))
            _SUP_CACHE[key] = (value, np.array([x]))
        else:
            _SUP_CACHE[key] = sup_abs_ball(approximation, float(R))
    return _SUP_CACHE[key]


RELU = (np.array([[1.0]]), np.array([0.0]), np.array([1.0]), 0.0)


def _within(network, relu_net, R: float, eps: float, budget: int, what: str, count: bool) -> str | None:
    """Whether the network's error is at most eps (and, with ``count``, its units within budget)."""
    A, b, u, c = network
    m = len(u)
    if count and m > budget:
        return f"{what}: {m} units, but the budget is {budget}"
    if m > TOO_MANY * budget + 1000:
        return f"{what}: {m} units is too many to judge (the budget is {budget})"
    error, where = approximation_error(network, relu_net, R)
    if error > eps * (1 + EPS_SLACK):
        at = f"x = {float(where[0]) + 0.0:.6g}" if len(where) == 1 else f"|x| = {float(np.linalg.norm(where)):.4g}"
        return f"{what}: the uniform error reaches {_fmt(error)} at {at}, more than eps = {eps:g}"
    return None


APPROX_CASES = ((1.0, 0.013), (3.7, 0.0021), (0.002, 0.00017), (250.0, 0.9), (1.0, 0.4))
APPROX_LARGEST = (5.0, 0.0013)
for _B, _eps in (*APPROX_CASES, APPROX_LARGEST):
    _require(budget_margin(Fraction(_B) / (4 * Fraction(_eps))) > 0.05 and _B / _eps <= 4000, f"B, eps = {_B}, {_eps}")


def _approx_judge(cases, *, count: bool) -> Judge:
    def judge(outcomes: Sequence[Outcome]) -> str | None:
        for outcome, (B, eps) in zip(outcomes, cases):
            network = read_network(outcome)
            if isinstance(network, str):
                return f"for B = {B:g}, eps = {eps:g}: {network}"
            wrong = _within(network, RELU, B, eps, unit_budget(B, eps), f"for B = {B:g}, eps = {eps:g}", count)
            if wrong:
                return wrong
        return None

    return judge


BAD_APPROX_INPUTS = ((0.0, 0.1), (-1.0, 0.1), (1.0, 0.0), (1.0, -0.01), (math.inf, 0.1), (1.0, math.nan))


def _raises_value_error(outcomes: Sequence[Outcome], inputs) -> str | None:
    for outcome, args in zip(outcomes, inputs):
        if "ValueError" not in outcome.error_types:
            shown = ", ".join(f"{a:g}" if isinstance(a, float) else "..." for a in args)
            got = f"raised {outcome.error}" if outcome.error else "returned normally"
            return f"for ({shown}) expected a ValueError, but it {got}"
    return None


def _approx_well_behaved(outcomes: Sequence[Outcome]) -> str | None:
    good, bad = outcomes[0], outcomes[1:]
    if good.error:
        return good.error
    message = _typed(good, None) or _approx_judge(APPROX_CASES[:1], count=True)([good])
    if message:
        return f"{message} (this part needs a correct result)"
    return _raises_value_error(bad, BAD_APPROX_INPUTS)


RELU_SIGMOID_APPROX_HIDDEN = Check(
    target="relu_sigmoid_approx",
    points=4,
    parts=(
        Part("uniform error at most eps on [-B, B] (B from 0.002 to 250; also B / (4 eps) < 1)",
             tuple(_tree_call("relu_sigmoid_approx", B, eps) for B, eps in APPROX_CASES),
             _approx_judge(APPROX_CASES, count=False)),
        Part("at most ceil(B / (4 eps)) units, with the error at most eps (up to 962 units)",
             tuple(_tree_call("relu_sigmoid_approx", B, eps) for B, eps in (*APPROX_CASES, APPROX_LARGEST)),
             _approx_judge((*APPROX_CASES, APPROX_LARGEST), count=True), weight=3),
        Part("float64 arrays a, b, u of one shape, no warning; ValueError for non-positive or non-finite B, eps",
             (_tree_call("relu_sigmoid_approx", *APPROX_CASES[0]),
              *(_tree_call("relu_sigmoid_approx", B, eps) for B, eps in BAD_APPROX_INPUTS)),
             _approx_well_behaved, accepts_errors=True),
    ),
)

# --- relu_net_to_sigmoid_net ----------------------------------------------------------------------------


def _net(W, beta, v, c0):
    return (np.array(W, dtype=np.float64), np.array(beta, dtype=np.float64), np.array(v, dtype=np.float64), float(c0))


NET_1D = (_net([[1.5], [-0.8], [2.0]], [0.3, -0.5, 0.1], [1.0, -0.7, 0.4], 0.2), 1.3, 0.04576)
#: eight units with beta = 0: every unit's error is largest, with one sign, at x = 0
NET_1D_ALIGNED = (_net([[1.0], [-1.3], [0.7], [2.2], [-0.6], [1.7], [-2.0], [0.9]], np.zeros(8),
                       [0.8, 0.5, 1.2, 0.3, 0.9, 0.6, 0.4, 1.1], -0.4), 0.9, 0.03094)
NET_2D = (_net([[1.2, -0.5], [0.3, 0.9], [-1.1, -0.7], [0.0, 0.0], [0.8, 0.4]], [0.4, -0.2, 0.7, 0.6, -0.3],
               [0.9, -1.3, 0.6, 0.7, 0.0], 0.1), 1.7, 0.08051)
NET_2D_ALIGNED = (_net([[1.0, 0.5], [-0.4, 1.1], [0.9, -0.9], [-1.2, -0.3], [0.2, -1.4], [0.6, 0.6]], np.zeros(6),
                       [0.7, 1.1, 0.5, 0.9, 0.8, 0.6], 0.0), 1.1, 0.05678)
NET_3D = (_net([[0.7, -0.2, 1.1], [-0.9, 0.6, 0.3]], [0.25, -0.35], [1.4, -0.8], -0.6), 0.8, 0.05917)
NET_CASES_1D = (NET_1D, NET_1D_ALIGNED)
NET_CASES_ND = (NET_2D, NET_2D_ALIGNED, NET_3D)


def _net_terms(relu_net, R, eps):
    W, beta, v, _ = relu_net
    H = len(v)
    return [Fraction(H) * abs(Fraction(float(vj))) * (Fraction(float(R)) * Fraction(float(np.linalg.norm(Wj))) + abs(Fraction(float(bj))))
            / (4 * Fraction(float(eps))) for Wj, bj, vj in zip(W, beta, v) if vj != 0]


for _case in (*NET_CASES_1D, *NET_CASES_ND):
    _require(all(budget_margin(q) > 0.1 for q in _net_terms(*_case)), "a budget term is too close to an integer")


def _net_call(case) -> Call:
    (W, beta, v, c0), R, eps = case
    return _tree_call("relu_net_to_sigmoid_net", W.copy(), beta.copy(), v.copy(), c0, R, eps)


def _net_judge(cases, *, count: bool) -> Judge:
    def judge(outcomes: Sequence[Outcome]) -> str | None:
        for outcome, (relu_net, R, eps) in zip(outcomes, cases):
            H, d = relu_net[0].shape
            what = f"for H = {H}, d = {d}, R = {R:g}, eps = {eps:g}"
            network = read_network(outcome, d)
            if isinstance(network, str):
                return f"{what}: {network}"
            budget = net_budget(*relu_net[:3], R, eps)
            wrong = _within(network, relu_net, R, eps, budget, what, count)
            if wrong:
                return wrong
        return None

    return judge


BAD_NET_INPUTS = ((*NET_1D[0], 0.0, 0.1), (*NET_1D[0], -1.0, 0.1), (*NET_1D[0], 1.0, 0.0), (*NET_1D[0], 1.0, -0.5))


def _net_well_behaved(outcomes: Sequence[Outcome]) -> str | None:
    good, bad = outcomes[0], outcomes[1:]
    if good.error:
        return good.error
    message = _typed(good, 2) or _net_judge((NET_2D,), count=True)([good])
    if message:
        return f"{message} (this part needs a correct result)"
    return _raises_value_error(bad, [(R, eps) for *_, R, eps in BAD_NET_INPUTS])


RELU_NET_TO_SIGMOID_NET_HIDDEN = Check(
    target="relu_net_to_sigmoid_net",
    points=4,
    parts=(
        Part("d = 1: uniform error at most eps on [-R, R] (3 units; 8 units whose errors add up at x = 0)",
             tuple(_net_call(case) for case in NET_CASES_1D), _net_judge(NET_CASES_1D, count=False)),
        Part("d = 1: at most sum_j ceil(H |v_j| B_j / (4 eps)) units, with the error at most eps",
             tuple(_net_call(case) for case in NET_CASES_1D), _net_judge(NET_CASES_1D, count=True), weight=1.5),
        Part("d = 2, 3: uniform error at most eps on the ball |x| <= R (units with v_j = 0 or W_j = 0 too)",
             tuple(_net_call(case) for case in NET_CASES_ND), _net_judge(NET_CASES_ND, count=False)),
        Part("d = 2, 3: within the budget, with the error at most eps",
             tuple(_net_call(case) for case in NET_CASES_ND), _net_judge(NET_CASES_ND, count=True), weight=1.5),
        Part("float64 arrays, A of shape (m, d), inputs left alone; ValueError for non-positive R or eps",
             (_net_call(NET_2D), *(_tree_call("relu_net_to_sigmoid_net", *args) for args in BAD_NET_INPUTS)),
             _net_well_behaved, accepts_errors=True),
    ),
)

# --- staircase_limit_error_symbolic -------------------------------------------------------------------------

LIMIT_DIGITS = 30
LIMIT_POINTS = ({"C": "2", "B": "1"}, {"C": "1/3", "B": "3/2"}, {"C": "7/2", "B": "5/4"}, {"C": "1/10", "B": "1/5"})
LIMIT_LARGE_CB = ({"C": "40", "B": "3"}, {"C": "500", "B": "7/10"})


def exact_limit_error(point: dict) -> mpmath.mpf:
    """``integral_0^B sigmoid(-C t) dt = log(2 / (1 + exp(-C B))) / C`` (also checked by quadrature in the tests)."""
    with mpmath.workdps(LIMIT_DIGITS + 10):
        C, B = (mpmath.mpf(Fraction(point[name]).numerator) / Fraction(point[name]).denominator for name in ("C", "B"))
        return mpmath.log(2 / (1 + mpmath.exp(-C * B))) / C


#: ``Part(description, *_limit(points))``: the expression equals the limit's error at ``points``.
_limit = functools.partial(symbolic_expression, "staircase_limit_error_symbolic", exact=exact_limit_error,
                           digits=LIMIT_DIGITS, symbols=("C", "B"))


STAIRCASE_LIMIT_ERROR_SYMBOLIC_HIDDEN = Check(
    target="staircase_limit_error_symbolic",
    points=3,
    parts=(
        Part("the limit's uniform error for moderate C B (C B from 0.02 to 4.4)",
             *_limit(LIMIT_POINTS), weight=2),
        Part("large C B (the error approaches log(2) / C), together with the moderate values",
             *_limit(LIMIT_LARGE_CB + LIMIT_POINTS[:2])),
    ),
)

# --- what the hidden test cells call ---------------------------------------------------------------------------

#: Hidden test cell ``grade_id`` -> the check that grades it.
CHECKS = by_hidden_cell(SIGMOID_NET_HIDDEN, SUP_ERROR_RELU_HIDDEN, RELU_SIGMOID_APPROX_HIDDEN,
                        RELU_NET_TO_SIGMOID_NET_HIDDEN, STAIRCASE_LIMIT_ERROR_SYMBOLIC_HIDDEN)
#: ``<target>_hidden(function)``, what each hidden test cell calls.
globals().update(hidden_cell_functions(CHECKS))
