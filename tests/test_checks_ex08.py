"""What is special to the hidden checks of ``ex08_softplus_expectation`` (``test_checks_contract.py``
tests what every exercise shares).

The references are checked against closed forms, quadrature, Monte Carlo and finite
differences (and the functions handed to the student against their mpmath twins); constant
answers earn only the input checks; a disguised layer and a lying SymPy object gain
nothing, nor do, in the real worker, an exercise-specific tampering and a student who
breaks the function it is handed; the released notebook keeps its secrets; and a student
who copies the chapter's code earns at most 25% of the automatic points.
"""
from __future__ import annotations

from functools import partial
from textwrap import dedent

import mpmath
import numpy as np
import pytest
import sympy as sp

from autograder.checks import ex08_softplus_expectation as chk
from chapter_code import chapter_namespace
from tests.catalogue.ex08_softplus_expectation import MISTAKES
from tests.checks_harness import (
    TAMPERING_PREAMBLE, AlwaysEqual, assert_cell_points, assert_nothing_gained, assert_release_keeps, check_for, grade,
    judged_in_worker, load,
)

ASSIGNMENT = "ex08_softplus_expectation"
POINTS = {"logistic_density": 3, "logistic_smoothing": 5, "smoothed_relu_layer": 4, "smoothed_relu_layer_backward": 5,
          "smoothed_relu_power_symbolic": 3}
NAMES = tuple(POINTS)
PROOFS = {"proof_gradient_w": 2, "proof_h": 2, "proof_vector_noise": 2}
check_of = partial(check_for, ASSIGNMENT)


# --- the references ----------------------------------------------------------------------------


def test_the_functions_handed_over_agree_with_their_mpmath_twins():
    rng = np.random.default_rng(0)
    for name, (source, kinks, twin) in chk.SMOOTHING_FUNCTIONS.items():
        f = chk._local(name)
        t = np.concatenate([rng.uniform(-25, 25, 200), np.asarray(kinks, dtype=float) + 1e-9,
                            np.asarray(kinks, dtype=float) - 1e-9])
        values = f(t)
        assert values.shape == t.shape and values.dtype == np.float64, name
        assert isinstance(f(0.7), float), name
        twins = np.array([float(twin(mpmath.mpf(float(v)))) for v in t])
        assert np.allclose(values, twins, rtol=1e-13, atol=1e-13), name


def test_smoothing_references_match_closed_forms():
    """E sin(x - eps) = sin(x) phi(1), E cos(2(x - eps)) = cos(2x) phi(2) with phi(w) = (pi w / beta) /
    sinh(pi w / beta); E[x - eps]^3 = x^3 + 3 x pi^2 / (3 beta^2); softplus for ReLU; sigmoid for the step."""
    with mpmath.workdps(30):
        for beta in (0.1, 1.0, 100.0):
            B = mpmath.mpf(beta)
            phi = lambda w: (mpmath.pi * w / B) / mpmath.sinh(mpmath.pi * w / B)  # noqa: E731
            for x in (-20.0, -0.4, 1.1, 20.0):
                X = mpmath.mpf(x)
                closed = {
                    "wave": mpmath.sin(X) * phi(1) + mpmath.cos(2 * X) * phi(2) / 2,
                    "cubic": mpmath.mpf("0.05") * (X**3 + X * mpmath.pi**2 / B**2) - mpmath.mpf("0.4") * X + 1,
                    "relu": mpmath.log1p(mpmath.exp(B * X)) / B,
                    "step": 1 / (1 + mpmath.exp(-B * (X - mpmath.mpf("1.5")))),
                }
                for name, want in closed.items():
                    got = chk.exact_smoothing(name, x, beta)
                    assert abs(got - want) <= 1e-15 * (1 + abs(want)), (name, x, beta)


def test_smoothing_references_agree_with_a_quadrature_in_eps():
    """An independent quadrature (in eps, split at x - kink and at 0) for the functions with kinks."""
    for name, x, beta in (("jumps", 0.504, 100.0), ("stairs", 0.25, 0.5), ("bend", 0.31, 2.5), ("jumps", -20.0, 1.0)):
        _, kinks, twin = chk.SMOOTHING_FUNCTIONS[name]
        with mpmath.workdps(25):
            X, B = mpmath.mpf(x), mpmath.mpf(beta)
            edges = [-mpmath.inf, *sorted({X - mpmath.mpf(k) for k in kinks} | {mpmath.mpf(0)}), mpmath.inf]
            other = mpmath.quad(lambda e: twin(X - e) * B * mpmath.exp(-abs(B * e)) / (1 + mpmath.exp(-abs(B * e))) ** 2,
                                edges)
        assert abs(chk.exact_smoothing(name, x, beta) - other) < 1e-13, (name, x, beta)


def test_smoothing_tolerance_scale_is_right_to_a_percent():
    for name, x, beta in (("cubic", 3.0, 0.1), ("jumps", 0.5, 100.0), ("wave", 1.0, 1.0)):
        _, kinks, twin = chk.SMOOTHING_FUNCTIONS[name]
        with mpmath.workdps(20):
            X, B = mpmath.mpf(x), mpmath.mpf(beta)
            cuts = sorted({1 / (1 + mpmath.exp(-B * (X - mpmath.mpf(k)))) for k in kinks})
            exact = mpmath.quad(lambda u: abs(twin(X - mpmath.log(u / (1 - u)) / B)), [0, *cuts, 1])
        assert abs(chk.mean_abs(name, x, beta) - float(exact)) < 1e-2 * float(exact), name


def test_power_reference_matches_quadrature_and_the_recursion():
    with mpmath.workdps(30):
        for n in range(1, 6):
            for x, beta in ((mpmath.mpf(1) / 3, mpmath.mpf(2)), (mpmath.mpf(-3), mpmath.mpf(1) / 2), (mpmath.mpf(5), 3)):
                density = lambda e: beta * mpmath.exp(-abs(beta * e)) / (1 + mpmath.exp(-abs(beta * e))) ** 2  # noqa: E731
                quad = mpmath.quad(lambda e: (x - e) ** n * density(e), [-mpmath.inf, 0, x]) if x > 0 else \
                    mpmath.quad(lambda e: (x - e) ** n * density(e), [-mpmath.inf, x])
                assert abs(chk.exact_power(n, x, beta) - quad) < mpmath.mpf(10) ** -20 * abs(quad), (n, x)
                if n > 1:   # S_n' = n S_{n-1}
                    slope = mpmath.diff(lambda t: chk.exact_power(n, t, beta), x)
                    assert abs(slope - n * chk.exact_power(n - 1, x, beta)) < mpmath.mpf(10) ** -20 * abs(slope)


def test_layer_reference_matches_monte_carlo_along_w():
    rng = np.random.default_rng(3)
    W, b, X = chk.LAYER_RANDOM
    G, _ = chk.exact_layer(W, b, X, 1.5)
    u = rng.uniform(size=1_000_000)
    eps = np.log(u / (1 - u)) / 1.5
    norms = np.linalg.norm(W, axis=1)
    for i, j in ((0, 0), (3, 2), (5, 3)):
        samples = np.maximum(X[i] @ W[j] + b[j] + norms[j] * eps, 0)
        assert abs(samples.mean() - G[i, j]) < 5 * samples.std() / 1e3


def test_backward_reference_matches_finite_differences_of_the_layer_reference():
    W, b, X, V = chk.BACKWARD_RANDOM
    (dW, db, dX), _ = chk.exact_layer_backward(W, b, X, V, 2.5)

    def S(W, b, X):
        return float(np.sum(V * chk.exact_layer(W, b, X, 2.5)[0]))

    h = 1e-6
    for k, (P, want) in enumerate(((W, dW), (b, db), (X, dX))):
        for index in list(np.ndindex(P.shape))[:6]:
            args = [W.copy(), b.copy(), X.copy()]
            args[k][index] += h
            plus = S(*args)
            args[k][index] -= 2 * h
            assert abs((plus - S(*args)) / (2 * h) - want[index]) < 1e-7


def _checks_beta(beta):
    if np.ndim(beta) or not np.isfinite(beta) or beta <= 0:
        raise ValueError("bad beta")


def _constant_density(eps, beta=1.0):
    _checks_beta(beta)
    return np.zeros(np.shape(eps))


def _constant_smoothing(f, x, beta=1.0, kinks=()):
    _checks_beta(beta)
    return np.zeros(np.shape(x))


def _constant_layer(W, b, X, beta=1.0):
    _checks_beta(beta)
    return np.zeros((np.shape(X)[0], np.shape(W)[0]))


def _constant_backward(W, b, X, V, beta=1.0):
    _checks_beta(beta)
    W = np.asarray(W, dtype=float)
    if np.any(np.all(W == 0, axis=1)):
        raise ValueError(f"row {int(np.flatnonzero(np.all(W == 0, axis=1))[0])} of W is zero")
    return np.zeros(np.shape(W)), np.zeros(np.shape(W)[0]), np.zeros(np.shape(X))


CONSTANT_ANSWERS = {
    "logistic_density": _constant_density,
    "logistic_smoothing": _constant_smoothing,
    "smoothed_relu_layer": _constant_layer,
    "smoothed_relu_layer_backward": _constant_backward,
    "smoothed_relu_power_symbolic": lambda n: sp.Integer(0) * sp.Symbol("x") * sp.Symbol("beta"),
}

#: The points a constant answer may keep: the backward pass's zero row (the beta parts need a right result too).
CONSTANT_MAY_KEEP = {"logistic_density": (), "logistic_smoothing": (), "smoothed_relu_layer": (),
                     "smoothed_relu_layer_backward": ("naming the row",), "smoothed_relu_power_symbolic": ()}


@pytest.mark.parametrize("name", NAMES)
def test_constant_answers_earn_only_the_input_checks(name):
    """Zeros of the right type and shape earn nothing that needs a computed value."""
    verdict = grade(check_of(name), CONSTANT_ANSWERS[name])
    passed = [part.description for part in verdict.parts if part.passed]
    assert all(any(words in description for words in CONSTANT_MAY_KEEP[name]) for description in passed), verdict.report()
    assert verdict.score <= 0.35 * verdict.max_score, verdict.report()


def test_the_notebook_gives_each_cell_its_points():
    assert_cell_points(ASSIGNMENT, POINTS, PROOFS)


def test_power_points_keep_abs_beta_x_within_30_and_symbolic_calls_send_no_points():
    assert all(abs(sp.Rational(x) * sp.Rational(b)) <= 30 for x, b in chk.POWER_POINTS)
    assert any(abs(sp.Rational(x) * sp.Rational(b)) == 30 for x, b in chk.POWER_POINTS)
    for call in chk.SMOOTHED_RELU_POWER_SYMBOLIC_HIDDEN.calls:
        assert call.points == ()   # evaluated by the grader from the srepr, not in the student's process


# --- tampering ------------------------------------------------------------------------------------


def test_a_disguised_wrong_layer_gains_nothing():
    honest = load(MISTAKES["smoothed_relu_layer"]["temperature_beta"], "smoothed_relu_layer")
    tampered = grade(check_of("smoothed_relu_layer"), lambda *a, **k: np.asarray(honest(*a, **k)).view(AlwaysEqual),
                     via_json=True)
    assert tampered.score <= grade(check_of("smoothed_relu_layer"), honest, via_json=True).score, tampered.report()


def test_a_sympy_object_that_lies_about_its_value_gains_nothing():
    class Sneaky(sp.Symbol):
        def evalf(self, *args, **kwargs):
            return sp.Float(0.25)

    tampered = grade(check_of("smoothed_relu_power_symbolic"), lambda n: Sneaky("x") * sp.Symbol("beta"), via_json=True)
    assert tampered.score == 0, tampered.report()


# --- the same, graded the way the grader does: in the real worker --------------------------------

TAMPERING_CELL = TAMPERING_PREAMBLE + dedent('''
    sp.polylog = lambda *args: sp.Integer(0)

    def logistic_density(eps, beta=1.0):
        return np.zeros(np.shape(eps))

    def logistic_smoothing(f, x, beta=1.0, kinks=()):
        return np.zeros(np.shape(x))

    def smoothed_relu_layer(W, b, X, beta=1.0):
        return np.zeros((len(X), len(W)))

    def smoothed_relu_layer_backward(W, b, X, V, beta=1.0):
        return np.zeros(np.shape(W)), np.zeros(len(W)), np.zeros(np.shape(X))

    def smoothed_relu_power_symbolic(n):
        x, beta = sp.symbols("x beta")
        return sp.Float(0.25) * x * beta
''')


#: Grades cells as ``python -m autograder grade`` does, in the real worker.
out_of_process = judged_in_worker(chk.CHECKS)


def test_out_of_process_tampering_gains_nothing():
    assert_nothing_gained(out_of_process([TAMPERING_CELL]))


def test_out_of_process_a_student_cannot_replace_the_function_it_is_handed():
    """The f handed to logistic_smoothing is the check's own; a student who rebinds names in
    its namespace or returns f's values from somewhere else still gets judged on the truth."""
    cell = dedent('''
        import numpy as np

        def logistic_smoothing(f, x, beta=1.0, kinks=()):
            f.__globals__["np"] = None            # break the handed function for everyone else
            return np.zeros(np.shape(x))
    ''')
    verdict = out_of_process([cell])["logistic_smoothing-hidden"]
    assert verdict.score == 0, verdict.report()


# --- the released notebook ------------------------------------------------------------------------


def test_released_notebook_gives_nothing_away():
    assert_release_keeps(ASSIGNMENT, "polylog", "log1p", "np.abs(u)")


# --- the chapter gives the exercise away only in small part ---------------------------------------

#: How the chapter's functions become the graded names, with the obvious one-line adapters.
CHAPTER_ADAPTERS = dedent('''
    def logistic_density(eps, beta=1.0):
        return logistic_pdf(np.asarray(eps, dtype=float), beta)

    def logistic_smoothing(f, x, beta=1.0, kinks=()):
        return np.array([smoothed_mc(f, xi, beta)[0] for xi in np.ravel(np.asarray(x, dtype=float))]).reshape(np.shape(x))

    def smoothed_relu_layer(W, b, X, beta=1.0):
        W, X = np.asarray(W, dtype=float), np.asarray(X, dtype=float)
        return np.array([[smoothed_unit(w, x, beta) for w in W] for x in X])

    def smoothed_relu_layer_backward(W, b, X, V, beta=1.0):
        W, X, V = (np.asarray(v, dtype=float) for v in (W, X, V))
        dX = sum(V[:, [j]] * np.array([smoothed_unit_input_grad(w, x, beta) for x in X]) for j, w in enumerate(W))
        return np.zeros(W.shape), np.zeros(W.shape[0]), dX

    def smoothed_relu_power_symbolic(n):
        x, beta = sp.symbols("x beta")
        return softplus_sym(x, beta) ** n
''')


@pytest.mark.slow
def test_copying_the_chapter_earns_at_most_a_quarter(capsys):
    namespace = chapter_namespace("ch08_softplus_expectation", CHAPTER_ADAPTERS)
    earned = {name: grade(check_of(name), namespace[name]).score for name in NAMES}
    total = sum(earned.values()) / sum(POINTS.values())
    with capsys.disabled():
        print(f"\nchapter 08 copied under the graded names: {earned}, {100 * total:.1f}% of the automatic points")
    assert total <= 0.25, earned
