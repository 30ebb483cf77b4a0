"""Hidden tests of ``ex07_softplus_lipschitz``: the contract in EXERCISES.md, one check per
graded name.

``softplus_beta(x) = log(1 + exp(beta x)) / beta``; the smoothed perceptron loss is
``F_beta(w) = (1/N) sum_i softplus_beta(-y_i x_i^T w)``, whose gradient is
``-(1/N) sum_i sigmoid(-beta y_i x_i^T w) y_i x_i`` and whose smallest Lipschitz constant
is ``beta ||X||_2^2 / (4N)``.

References are computed here, before any student code runs: softplus values and the
largest singular values in mpmath (from the float64 inputs, exactly up to 1e-40), the
constants ``sup |sigma^(k)|`` from the exact polynomials in ``s = sigmoid`` (mpmath roots
of their derivatives at 60 digits), and the continuation trajectories in float64 (gradient
descent with the step ``1/L`` on a convex L-smooth function is non-expansive, so rounding
differences between correct programs do not grow). The SymPy answer is judged on an
expression rebuilt here from its ``srepr``, never on the student's object.
"""
from __future__ import annotations

from typing import Sequence

import mpmath
import numpy as np
import sympy

from autograder.checks.framework import (
    Call, Check, Judge, Part, a_tuple_of_arrays, by_hidden_cell, compare, expression_in, hidden_cell_functions,
    runtime_warning, untouched_and_quiet, values_at, well_behaved_and_right, with_right_values,
)
from autograder.protocol import Outcome

RNG = np.random.default_rng(20261207)
#: Decimal digits of the mpmath references.
DPS = 40
#: Values that every ``beta`` must refuse with ``ValueError``.
BAD_BETAS = (0.0, -1.5, float("inf"), float("nan"), float("-inf"))

# --- exact references ------------------------------------------------------------------------


def exact_softplus(x, beta) -> np.ndarray:
    """``log(1 + exp(beta x)) / beta`` of the float64 inputs, in mpmath (written as
    ``t + log1p(exp(-t))`` for ``t > 0``, which is the same number and keeps mpmath's
    exponents small)."""
    x = np.asarray(x, dtype=np.float64)
    out = np.empty(x.shape)
    with mpmath.workdps(DPS):
        b = mpmath.mpf(float(beta))
        for index in np.ndindex(x.shape):
            t = b * mpmath.mpf(float(x[index]))
            value = t + mpmath.log1p(mpmath.exp(-t)) if t > 0 else mpmath.log1p(mpmath.exp(t))
            out[index] = float(value / b)
    return out


def sigmoid_derivative_polynomial(k: int) -> sympy.Poly:
    """``sigma^(k)`` as a polynomial in ``s = sigma``: ``P_0 = s``, ``P_{j+1} = P_j'(s) s (1 - s)``."""
    s = sympy.Symbol("s")
    p = s
    for _ in range(k):
        p = sympy.expand(sympy.diff(p, s) * s * (1 - s))
    return sympy.Poly(p, s)


def exact_sup_sigmoid_derivative(k: int) -> mpmath.mpf:
    """``sup_t |sigma^(k)(t)| = max |P_k(s)|`` over the zeros of ``P_k'`` in (0, 1) (``P_k``
    vanishes at both ends for k >= 1), at 60 digits."""
    p = sigmoid_derivative_polynomial(k)
    with mpmath.workdps(60):
        coefficients = [mpmath.mpf(int(c)) for c in p.all_coeffs()]
        derivative = [mpmath.mpf(int(c)) for c in p.diff().all_coeffs()]
        roots = mpmath.polyroots(derivative, maxsteps=200, extraprec=200)
        inside = [mpmath.re(r) for r in roots if abs(mpmath.im(r)) < mpmath.mpf(10) ** -40 and 0 < mpmath.re(r) < 1]
        return max(abs(mpmath.polyval(coefficients, r)) for r in inside)


SUP_SIGMOID = {k: exact_sup_sigmoid_derivative(k) for k in range(1, 6)}


def exact_lipschitz_symbolic(k: int, beta: mpmath.mpf) -> mpmath.mpf:
    """The smallest Lipschitz constant of ``softplus_beta^(k)``: ``beta^k sup |sigma^(k)|``."""
    return beta ** k * SUP_SIGMOID[k]


def exact_perceptron_lipschitz(X, beta) -> float:
    """``beta ||X||_2^2 / (4N)``, the largest eigenvalue of ``X^T X`` found in mpmath."""
    X = np.asarray(X, dtype=np.float64)
    N, d = X.shape
    with mpmath.workdps(DPS + 10):
        A = mpmath.matrix([[mpmath.mpf(float(v)) for v in row] for row in X])
        G = A.T * A
        if all(G[i, j] == 0 for i in range(d) for j in range(d)):
            return 0.0
        top = max(mpmath.eigsy(G, eigvals_only=True))
        return float(mpmath.mpf(float(beta)) * top / (4 * N))


def reference_loss(X, y, w, beta) -> float:
    """``F_beta(w)``, stably (``logaddexp(0, t) = log(1 + e^t)``)."""
    X, y, w = (np.asarray(a, dtype=np.float64) for a in (X, y, w))
    return float(np.mean(np.logaddexp(0.0, -beta * y * (X @ w))) / beta)


def reference_gradient(X, y, w, beta) -> np.ndarray:
    """``grad F_beta(w) = -(1/N) X^T (y * sigmoid(-beta y X w))``, with a sigmoid that cannot overflow."""
    import scipy.special

    X, y, w = (np.asarray(a, dtype=np.float64) for a in (X, y, w))
    return -(X.T @ (y * scipy.special.expit(-beta * y * (X @ w)))) / X.shape[0]


def reference_continuation(X, y, w0, betas, steps):
    """``(w, losses)``: for each beta in the order given, ``steps`` steps of size ``1/L_beta``."""
    X = np.asarray(X, dtype=np.float64)
    w = np.array(w0, dtype=np.float64)
    top = np.linalg.norm(X, 2) ** 2
    rows = []
    for beta in betas:
        L = float(beta) * top / (4 * X.shape[0])
        row = [reference_loss(X, y, w, beta)]
        for _ in range(steps):
            w = w - reference_gradient(X, y, w, beta) / L
            row.append(reference_loss(X, y, w, beta))
        rows.append(row)
    return w, np.array(rows)


def _require(condition: bool, message: str) -> None:
    """A sanity check of this module's own test inputs (kept under ``python -O``)."""
    if not condition:
        raise RuntimeError(f"ex07_softplus_lipschitz checks: {message}")


# --- judges shared by the numeric checks ------------------------------------------------------


def _raises_value_error(what: str) -> Judge:
    def judge(outcomes: Sequence[Outcome]) -> str | None:
        outcome = outcomes[0]
        if outcome.error is None:
            return f"{what} must raise ValueError, but it returned a result"
        if "ValueError" not in outcome.error_types:
            return f"{what} must raise ValueError, but it raised {outcome.error_types[0] if outcome.error_types else 'something else'}"
        return None

    return judge


def _refusals_and_answers(answers: Judge, count: int, refusals: Sequence[Judge]) -> Judge:
    """The first ``count`` (valid) calls right, and every later call refused as required: a
    function that raises ValueError on everything must not collect the part."""

    def judge(outcomes: Sequence[Outcome]) -> str | None:
        for outcome in outcomes[:count]:
            if outcome.error is not None:
                return f"a valid call failed: {outcome.error}"
        wrong = answers(outcomes[:count])
        if wrong:
            return f"{wrong} (this part needs a correct result too)"
        for refusal, outcome in zip(refusals, outcomes[count:]):
            message = refusal([outcome])
            if message:
                return message
        return None

    return judge


# --- softplus_beta ---------------------------------------------------------------------------

SOFTPLUS_RTOL, SOFTPLUS_ATOL = 1e-12, 1e-300


def _softplus_case(x, beta):
    return np.asarray(x, dtype=np.float64), beta, exact_softplus(x, beta)


#: |beta x| <= 18: the naive formula and every cut-off >= 20 are accurate here.
MODERATE = (
    _softplus_case(RNG.uniform(-6.0, 6.0, (3, 4)), 1.0),
    _softplus_case(np.concatenate([RNG.uniform(-7.0, 7.0, 6), [0.0]]), 2.5),
    _softplus_case(RNG.uniform(-50.0, 50.0, (2, 2, 3)), 0.3),
)
#: A Python float: the result may be a NumPy float64 (0-d).
MODERATE_SCALAR = (0.7, 1.5, exact_softplus(0.7, 1.5))
#: 20 < beta x < 40: a cut-off that returns x above beta x = 20 is off by about 1e-10.
THRESHOLD = (
    _softplus_case([20.25, 21.0, 22.5, 24.0, 26.0, 30.0, 35.0, 39.5], 1.0),
    _softplus_case(np.array([20.5, 21.5, 23.0, 27.0, 33.0]) / 4.0, 4.0),
)
#: beta x far above 709.8, where exp overflows.
POSITIVE_TAIL = (
    _softplus_case([100.0, 709.0, 710.0, 800.0, 1e5, 1e10, 1e100, 1e300], 1.0),
    _softplus_case([1e-3, 0.5, 1e3, 1e300], 1e6),
    _softplus_case([1e9, 1e300], 1e-6),
)
#: beta x below -36.7, where 1 + exp(beta x) rounds to 1: the value is about exp(beta x)/beta.
NEGATIVE_TAIL = (
    _softplus_case([-37.0, -40.0, -100.0, -500.0, -700.0, -740.0, -800.0, -1e5, -1e300], 1.0),
    _softplus_case([-0.05, -0.3, -0.7], 1e3),
    _softplus_case([-4e7, -3e8, -6.5e8], 1e-6),
)
#: Small beta and large x: beta x is moderate, so a cut-off on x instead of beta x is wrong.
SMALL_BETA = (
    _softplus_case([50.0, 100.0, -50.0, 1e3, 1.5e4], 1e-3),
    _softplus_case([1.0, 30.0, 1e4, -1e4, 1e7], 1e-6),
)
_require(all(abs(b * v) <= 18 for x, b, _ in MODERATE for v in x.ravel()), "MODERATE stays moderate")
_require(all(20 < b * v < 40 for x, b, _ in THRESHOLD for v in x), "THRESHOLD straddles the cut-offs")
_require(all(abs(b * v) < 20 and abs(v) > 20 for x, b, _ in SMALL_BETA for v in x[1:]), "SMALL_BETA")


def _softplus_call(x, beta, *, copy: bool = False, keyword: bool = True) -> Call:
    x = np.array(x, copy=True) if copy else x
    if keyword:
        return Call("softplus_beta", args=(x,), kwargs={"beta": beta})
    return Call("softplus_beta", args=(x, beta))


def _softplus_right(*cases, silent: bool = False) -> Judge:
    def judge(outcomes: Sequence[Outcome]) -> str | None:
        for outcome, (x, beta, want) in zip(outcomes, cases):
            message = compare(outcome, want, atol=SOFTPLUS_ATOL, rtol=SOFTPLUS_RTOL, what=f"softplus_beta(x, beta={beta:g})")
            if message:
                return message
            warning = silent and runtime_warning(outcome)
            if warning:
                return f"for beta = {beta:g}: {warning} (use a form that cannot overflow)"
        return None

    return judge


def _softplus_well_behaved(*cases) -> Judge:
    return well_behaved_and_right(*(_softplus_right(case) for case in cases))


LIST_X = [[-2, 0, 3], [1, -1, 5]]
LIST_CASES = (
    (np.array(LIST_X, dtype=float), 2, exact_softplus(LIST_X, 2)),
    (np.array(LIST_X, dtype=float), np.float64(0.5), exact_softplus(LIST_X, 0.5)),
    (np.array(LIST_X, dtype=float), np.array(3.0), exact_softplus(LIST_X, 3.0)),
)

SOFTPLUS_BETA_HIDDEN = Check(
    target="softplus_beta",
    points=4,
    parts=(
        Part(
            "moderate inputs (|beta x| <= 18), several beta and shapes, x = 0, a float x",
            (*(_softplus_call(x, b) for x, b, _ in MODERATE), _softplus_call(MODERATE_SCALAR[0], MODERATE_SCALAR[1])),
            _softplus_right(*MODERATE, (np.asarray(MODERATE_SCALAR[0]), *MODERATE_SCALAR[1:])),
        ),
        Part(
            "20 < beta x < 40: a cut-off must be at beta x >= 24.4 (PyTorch's 20 is too early)",
            tuple(_softplus_call(x, b) for x, b, _ in THRESHOLD),
            _softplus_right(*THRESHOLD),
        ),
        Part(
            "large positive beta x, beyond 709.8 where exp overflows, up to x = 1e300: right and no warning",
            tuple(_softplus_call(x, b) for x, b, _ in POSITIVE_TAIL),
            _softplus_right(*POSITIVE_TAIL, silent=True),
        ),
        Part(
            "large negative beta x, below -36.7 where 1 + exp(beta x) rounds to 1: about exp(beta x)/beta, relative 1e-12",
            tuple(_softplus_call(x, b) for x, b, _ in NEGATIVE_TAIL),
            _softplus_right(*NEGATIVE_TAIL, silent=True),
        ),
        Part(
            "small beta (1e-3, 1e-6) with large |x|: the cut-off is on beta x, not on x",
            tuple(_softplus_call(x, b) for x, b, _ in SMALL_BETA),
            _softplus_right(*SMALL_BETA),
        ),
        Part(
            "beta = 0, negative, inf or nan raises ValueError; an int, NumPy or 0-d beta and a list x are fine",
            (_softplus_call(LIST_X, 2, keyword=False), _softplus_call(LIST_X, np.float64(0.5)),
             _softplus_call(LIST_X, np.array(3.0)), *(_softplus_call([1.0, -2.0], b) for b in BAD_BETAS)),
            _refusals_and_answers(_softplus_right(*LIST_CASES), len(LIST_CASES),
                                  [_raises_value_error(f"beta = {b}") for b in BAD_BETAS]),
            accepts_errors=True,
        ),
        Part(
            "returns a new float64 array of x's shape, leaves x alone, emits no warning",
            tuple(_softplus_call(x, b, copy=True) for x, b, _ in MODERATE),
            _softplus_well_behaved(*MODERATE),
        ),
    ),
)

# --- softplus_lipschitz_symbolic --------------------------------------------------------------

SYMBOL = "beta"
DIGITS = 25
BETA_POINTS = ("1", "3/7", "5/2", "12", "1/250")


def _symbolic_call(k: int) -> Call:
    # judged on the rebuilt srepr: the worker need not evaluate anything
    return Call("softplus_lipschitz_symbolic", args=(k,), kind="expr", points=(), digits=DIGITS + 15)


def _symbolic_right(*ks: int) -> Judge:
    def judge(outcomes: Sequence[Outcome]) -> str | None:
        for outcome, k in zip(outcomes, ks):
            expression, symbol, message = expression_in(outcome, SYMBOL, f"for k = {k}")
            if message:
                return message
            values = values_at(expression, symbol, BETA_POINTS, DIGITS, f"for k = {k}")
            if isinstance(values, str):
                return values
            for text, got in zip(BETA_POINTS, values):
                with mpmath.workdps(DIGITS + 20):
                    rational = sympy.Rational(text)
                    want = exact_lipschitz_symbolic(k, mpmath.mpf(rational.p) / rational.q)
                    if not abs(got - want) <= mpmath.mpf(10) ** (-DIGITS) * abs(want):
                        return (f"for k = {k} at beta = {text} the expression is {mpmath.nstr(got, 17)}, expected "
                                f"{mpmath.nstr(want, 17)} (to {DIGITS} significant digits: it must be exact)")
        return None

    return judge


SOFTPLUS_LIPSCHITZ_SYMBOLIC_HIDDEN = Check(
    target="softplus_lipschitz_symbolic",
    points=3,
    parts=(
        Part("k = 1, the Lipschitz constant of the gradient, at rational beta",
             (_symbolic_call(1),), _symbolic_right(1)),
        Part(f"k = 2 and k = 4, where the maximisers are irrational, exact to {DIGITS} digits",
             (_symbolic_call(2), _symbolic_call(4)), _symbolic_right(2, 4)),
        Part(f"k = 3 and k = 5, exact to {DIGITS} digits",
             (_symbolic_call(3), _symbolic_call(5)), _symbolic_right(3, 5)),
    ),
)

# --- smooth_perceptron_lipschitz ----------------------------------------------------------------

LIPSCHITZ_RTOL = 1e-12


def _with_singular_values(N: int, d: int, values) -> np.ndarray:
    """A random N x d matrix with the given singular values (up to rounding)."""
    U, _ = np.linalg.qr(RNG.normal(size=(N, d)))
    V, _ = np.linalg.qr(RNG.normal(size=(d, d)))
    return (U * np.asarray(values, dtype=np.float64)) @ V.T


def _lipschitz_case(X, beta):
    return X, beta, exact_perceptron_lipschitz(X, beta)


LIP_RANDOM = (_lipschitz_case(RNG.normal(size=(40, 5)), 1.0), _lipschitz_case(RNG.uniform(-3, 3, (25, 3)), 3.5))
#: Top singular values equal, or within 1e-8 of each other: power iteration stalls among them
#: (the weight of a direction whose singular value is 1e-8 below the top shrinks by 1 - 4e-8
#: per iteration), far from the 1e-12 asked for.
LIP_TIES = (
    _lipschitz_case(_with_singular_values(12, 5, [3.0, 3.0, 3.0 * (1 - 1e-8), 3.0 * (1 - 2e-8), 1.0]), 1.0),
    _lipschitz_case(_with_singular_values(9, 4, [2.0 * (1 + 1e-8), 2.0, 2.0 * (1 - 1e-8), 0.3]), 2.0),
    _lipschitz_case(_with_singular_values(6, 6, [1.5, 1.5 * (1 - 2e-8), 1.5 * (1 - 4e-8), 1.0, 1.0, 0.1]), 0.25),
)
LIP_EDGES = (
    _lipschitz_case(np.array([[3.0]]), 2.0),                               # N = d = 1
    _lipschitz_case(np.array([[1.0, -2.0, 3.0, 4.0]]), 0.5),               # N = 1
    _lipschitz_case(np.array([[0.5], [-1.5], [2.0]]), 1e3),                # d = 1
    _lipschitz_case(1e100 * RNG.normal(size=(6, 3)), 1e-3),                # |X| ~ 1e100
)
LIP_ZERO = np.zeros((3, 2))
LIP_LIST = [[1, 2], [3, -1], [0, 2]]
LIP_LIST_CASE = _lipschitz_case(np.array(LIP_LIST, dtype=float), 4)


def _lipschitz_call(X, beta, *, copy: bool = False) -> Call:
    return Call("smooth_perceptron_lipschitz", args=(np.array(X, copy=True) if copy else X,), kwargs={"beta": beta})


def _lipschitz_value(outcome: Outcome, X, beta, want: float) -> str | None:
    """The value (a 1-element result is read as its entry here; the scalar part judges its type)."""
    value = outcome.value
    if value is None or value.size != 1:
        shape = None if value is None else value.shape
        return f"returned an array of shape {shape}, expected one number"
    got = float(value.ravel()[0])
    N, d = np.shape(X)
    if not np.isfinite(got) or abs(got - want) > LIPSCHITZ_RTOL * abs(want):
        return f"for X of shape ({N}, {d}) and beta = {beta:g} you return {got!r}, expected {want:.15g}"
    return None


def _lipschitz_right(*cases) -> Judge:
    def judge(outcomes: Sequence[Outcome]) -> str | None:
        for outcome, (X, beta, want) in zip(outcomes, cases):
            message = _lipschitz_value(outcome, X, beta, want)
            if message:
                return message
        return None

    return judge


SCALAR_TYPES = ("builtins.float", "numpy.float64")


def _a_float(outcome: Outcome) -> str | None:
    """A float (Python, NumPy or a 0-d float64 array), the caller's arrays untouched, no warning."""
    shape = None if outcome.value is None else outcome.value.shape
    zero_d = outcome.type_name == "numpy.ndarray" and outcome.dtype == "float64" and shape == ()
    if not (outcome.type_name in SCALAR_TYPES or zero_d):
        kind = f"{outcome.type_name} of shape {shape}" if outcome.type_name == "numpy.ndarray" else outcome.type_name
        return f"returned a {kind}, expected a float (a Python float, a NumPy float64 or a 0-d array)"
    return untouched_and_quiet(outcome)


def _lipschitz_scalar(*cases) -> Judge:
    return with_right_values(_a_float, *(_lipschitz_right(case) for case in cases))


def _lipschitz_edges(outcomes: Sequence[Outcome]) -> str | None:
    wrong = _lipschitz_right(*LIP_EDGES)(outcomes[:len(LIP_EDGES)])
    if wrong:
        return wrong
    zero, listed = outcomes[len(LIP_EDGES):]
    if zero.value is None or zero.value.size != 1 or float(zero.value.ravel()[0]) != 0.0 or runtime_warning(zero):
        return f"for X = 0 the constant is 0 (with no warning); got {zero.value}{' ' + runtime_warning(zero) if runtime_warning(zero) else ''}"
    return _lipschitz_right(LIP_LIST_CASE)([listed])


SMOOTH_PERCEPTRON_LIPSCHITZ_HIDDEN = Check(
    target="smooth_perceptron_lipschitz",
    points=3,
    parts=(
        Part("random X (N = 40, d = 5 and N = 25, d = 3), two beta",
             tuple(_lipschitz_call(X, b) for X, b, _ in LIP_RANDOM), _lipschitz_right(*LIP_RANDOM)),
        Part("the top singular values equal or within 1e-8 of each other (a fixed number of power iterations is not enough)",
             tuple(_lipschitz_call(X, b) for X, b, _ in LIP_TIES), _lipschitz_right(*LIP_TIES)),
        Part("N = 1, d = 1, entries up to 1e100, X = 0 (gives 0) and a list of integers",
             (*(_lipschitz_call(X, b) for X, b, _ in LIP_EDGES), _lipschitz_call(LIP_ZERO, 1.0),
              _lipschitz_call(LIP_LIST, 4)),
             _lipschitz_edges),
        Part("returns one number (a float, a NumPy float64 or a 0-d array; not a 1-element vector), leaves X alone",
             tuple(_lipschitz_call(X, b, copy=True) for X, b, _ in (*LIP_RANDOM, LIP_EDGES[0])),
             _lipschitz_scalar(*LIP_RANDOM, LIP_EDGES[0])),
        Part("beta = 0, negative, inf or nan raises ValueError",
             (_lipschitz_call(*LIP_RANDOM[0][:2]), *(_lipschitz_call(LIP_RANDOM[0][0], b) for b in BAD_BETAS)),
             _refusals_and_answers(_lipschitz_right(LIP_RANDOM[0]), 1,
                                   [_raises_value_error(f"beta = {b}") for b in BAD_BETAS]),
             accepts_errors=True),
    ),
)

# --- continuation_gd ----------------------------------------------------------------------------

GD_TOLERANCE = 1e-10


def _classification_data(N: int, d: int, scale: float = 1.0):
    X = scale * RNG.normal(size=(N, d))
    y = np.where(X @ RNG.normal(size=d) + 0.7 * scale * RNG.normal(size=N) > 0, 1.0, -1.0)
    return X, y


def _gd_case(X, y, w0, betas, steps):
    return (X, y, w0, betas, steps), reference_continuation(X, y, w0, betas, steps)


_X, _Y = _classification_data(30, 3)
#: Unsorted betas: sorting them, or one L for every stage, changes the trajectory.
GD_MAIN = _gd_case(_X, _Y, 0.3 * RNG.normal(size=3), [2.0, 0.5, 8.0, 32.0], 15)
_X2, _Y2 = _classification_data(18, 4)
GD_SECOND = _gd_case(_X2, _Y2, np.zeros(4), [16.0, 1.0, 4.0], 10)
#: steps = 0 (every row is F_beta_j(w0)) and a single stage.
GD_ZERO = _gd_case(_X, _Y, np.array([0.5, -1.0, 2.0]), [1.0, 3.0, 0.25], 0)
GD_ONE = _gd_case(_X2, _Y2, np.array([1.0, 0.0, -1.0, 0.5]), [3.0], 7)
#: |beta y x^T w| up to about 1e10: every exp must be kept from overflowing.
_X3, _Y3 = _classification_data(12, 2, scale=10.0)
GD_LARGE = _gd_case(_X3, _Y3, np.array([800.0, -1000.0]), [1.0, 1e3, 1e6], 6)
_require(np.abs(1e6 * _X3 @ np.array([800.0, -1000.0])).max() > 1e9, "GD_LARGE is large")
#: Integer labels in a list, integer data.
_X4 = np.array([[1, 2], [-1, 1], [2, -1], [0, 1], [-2, -1]])
_Y4 = [1, 1, -1, 1, -1]
GD_INTS = _gd_case(_X4.tolist(), _Y4, [0, 0], [1, 2], 5)


def _gd_call(args, *, copy: bool = False) -> Call:
    if copy:
        args = tuple(np.array(a, copy=True) if isinstance(a, np.ndarray) else a for a in args)
    return Call("continuation_gd", args=tuple(args), kind="tree")


def _leaves(outcome: Outcome) -> "list[np.ndarray] | str":
    if outcome.tree is None or not isinstance(outcome.tree, list):
        return "could not read the result as a tuple (w, losses)"
    if len(outcome.tree) != 2:
        return f"returned {len(outcome.tree)} items, expected 2: (w, losses)"
    return [np.asarray(leaf, dtype=np.float64) for leaf in outcome.tree]


def _gd_right(*cases) -> Judge:
    def judge(outcomes: Sequence[Outcome]) -> str | None:
        for outcome, (args, (w_want, losses_want)) in zip(outcomes, cases):
            leaves = _leaves(outcome)
            if isinstance(leaves, str):
                return leaves
            betas, steps = args[3], args[4]
            for got, want, label in zip(leaves, (w_want, losses_want), ("w", "losses")):
                if got.shape != want.shape:
                    hint = (f" (one row per beta, steps + 1 = {steps + 1} columns: F before the stage's first "
                            f"step and after each)") if label == "losses" else ""
                    return f"{label} has shape {got.shape}, expected {want.shape}{hint}"
                if not np.all(np.isfinite(got)):
                    return f"{label} is not finite (betas = {list(betas)})"
                error = np.abs(got - want)
                allowed = GD_TOLERANCE * np.maximum(1.0, np.abs(want))
                if np.any(error > allowed):
                    index = np.unravel_index(int(np.argmax(error - allowed)), error.shape)
                    where = (f"losses[{index[0]}, {index[1]}] (stage beta = {betas[index[0]]:g}, step {index[1]})"
                             if label == "losses" else f"w[{index[0]}]")
                    return (f"with betas = {list(betas)} and steps = {steps}, {where} is {got[index]!r}, "
                            f"expected {want[index]!r}")
        return None

    return judge


def _gd_large(outcomes: Sequence[Outcome]) -> str | None:
    for outcome in outcomes:
        if runtime_warning(outcome):
            return f"{runtime_warning(outcome)} (keep exp from overflowing when beta y x^T w is large)"
    return _gd_right(GD_LARGE)(outcomes)


def _gd_well_behaved(*cases) -> Judge:
    return with_right_values(a_tuple_of_arrays("w", "losses"), *(_gd_right(case) for case in cases))


_BAD_Y = np.where(_Y2 > 0, 1.0, 0.0)           # labels in {0, 1}
_GD_REFUSALS = (
    ((_X2, _BAD_Y, np.zeros(4), [1.0], 3), "labels 0 and 1 (y must hold only -1 and +1)"),
    ((_X2, _Y2, np.zeros(4), [1.0, 0.0, 2.0], 3), "a beta of 0 in betas"),
    ((_X2, _Y2, np.zeros(4), [1.0, float("nan")], 3), "a beta of nan in betas"),
    ((_X2, _Y2, np.zeros(4), [-2.0], 3), "a negative beta in betas"),
)

CONTINUATION_GD_HIDDEN = Check(
    target="continuation_gd",
    points=4,
    parts=(
        Part(
            "stages in the order given (betas 2, 0.5, 8, 32: not sorted), each with its own L_beta, w carried over",
            (_gd_call(GD_MAIN[0]),),
            _gd_right(GD_MAIN),
            weight=2,
        ),
        Part(
            "another data set and order (betas 16, 1, 4) starting at w0 = 0",
            (_gd_call(GD_SECOND[0]),),
            _gd_right(GD_SECOND),
        ),
        Part(
            "steps = 0 (each row is F_beta_j(w0)) and a single stage",
            (_gd_call(GD_ZERO[0]), _gd_call(GD_ONE[0])),
            _gd_right(GD_ZERO, GD_ONE),
        ),
        Part(
            "beta up to 1e6 and |beta y x^T w| up to 1e10: right, finite and no warning",
            (_gd_call(GD_LARGE[0]),),
            _gd_large,
        ),
        Part(
            "integer data and labels in lists; labels other than -1, +1 and a bad beta in betas raise ValueError",
            (_gd_call(GD_INTS[0]), *(_gd_call(args) for args, _ in _GD_REFUSALS)),
            _refusals_and_answers(_gd_right(GD_INTS), 1, [_raises_value_error(what) for _, what in _GD_REFUSALS]),
            accepts_errors=True,
        ),
        Part(
            "returns (w, losses) as float64 arrays, never modifies its inputs, emits no warning",
            (_gd_call(GD_MAIN[0], copy=True), _gd_call(GD_ONE[0], copy=True)),
            _gd_well_behaved(GD_MAIN, GD_ONE),
        ),
    ),
)

# --- what the hidden test cells call ------------------------------------------------------------

#: Hidden test cell ``grade_id`` -> the check that grades it.
CHECKS = by_hidden_cell(SOFTPLUS_BETA_HIDDEN, SOFTPLUS_LIPSCHITZ_SYMBOLIC_HIDDEN, SMOOTH_PERCEPTRON_LIPSCHITZ_HIDDEN,
                        CONTINUATION_GD_HIDDEN)
#: ``<target>_hidden(function)``, what each hidden test cell calls.
globals().update(hidden_cell_functions(CHECKS))
