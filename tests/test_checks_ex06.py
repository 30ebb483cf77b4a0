"""What is special to the hidden checks of ``ex06_dead_relu`` (``test_checks_contract.py``
tests what every exercise shares).

The module's references get full marks and agree with exact arithmetic, finite differences,
the convention at the kink and Monte Carlo; constant answers score 0; disguised results, a
lying SymPy object and an exercise-specific tampering in the real worker gain nothing; and
in the real worker a Python loop over 2,000,000 samples runs out of time and loses only the
batched part.
"""
from __future__ import annotations

from functools import partial
from textwrap import dedent

import numpy as np
import pytest
import sympy as sp

from autograder.checks import ex06_dead_relu as chk
from tests.catalogue.ex06_dead_relu import SLOW_MISTAKES
from tests.checks_harness import (
    TAMPERING_PREAMBLE, assert_cell_points, assert_full_marks, assert_nothing_gained, assert_scores_zero, check_for,
    failed_parts, grade, graded_disguised, judged_in_worker,
)

ASSIGNMENT = "ex06_dead_relu"
POINTS = {"two_layer_grads": 4, "dead_units": 2, "gradient_descent": 4, "dead_init_probability": 3,
          "dead_init_probability_symbolic": 3}
NAMES = tuple(POINTS)
NUMERIC = NAMES[:4]
PROOFS = {"proof": 4}
check_of = partial(check_for, ASSIGNMENT)


# --- the references, answers that compute nothing, the points ------------------------------------


def _reference_gd(*args, **kwargs):
    return chk.reference_gradient_descent(*args, **kwargs)[0]


def _reference_probability(X):
    return float(chk.exact_dead_probability(X))


def _reference_symbolic():
    x1, x2 = sp.symbols("x1 x2")
    return sp.Rational(1, 2) - (sp.atan(x2) - sp.atan(x1)) / (2 * sp.pi)


REFERENCES = {
    "two_layer_grads": chk.reference_grads,
    "dead_units": chk.reference_dead_units,
    "gradient_descent": _reference_gd,
    "dead_init_probability": _reference_probability,
    "dead_init_probability_symbolic": _reference_symbolic,
}


@pytest.mark.parametrize("name", NAMES)
def test_reference_gets_full_marks(name):
    assert_full_marks(check_of(name), REFERENCES[name])


def test_exact_reference_agrees_with_the_float_reference_and_finite_differences():
    a, b, u, X, Y = chk.RANDOM
    exact, scales = chk.exact_grads(a, b, u, X, Y, alpha=0.2)
    for e, f, s in zip(exact, chk.reference_grads(a, b, u, X, Y, alpha=0.2), scales):
        assert np.all(np.abs(e - f) <= 1e-13 * s)
    h = 1e-6
    for k in range(3):
        for j in range(len(a)):
            plus, minus = [p.copy() for p in (a, b, u)], [p.copy() for p in (a, b, u)]
            plus[k][j] += h
            minus[k][j] -= h
            numeric = (chk.reference_loss(*plus, X, Y, 0.2) - chk.reference_loss(*minus, X, Y, 0.2)) / (2 * h)
            assert abs(exact[k][j] - numeric) < 1e-7


def test_kink_references_follow_the_convention():
    """At t = 0 the slope is alpha: with alpha = 0 a dead unit's gradient is exactly 0, and the
    all-zero unit 3 gets alpha * u_3 * (the ReLU-independent sums) under the leaky ReLU."""
    (da, db, du), _ = chk.exact_grads(*chk.KINK)
    for g in (da, db, du):
        assert np.all(g[chk.KINK_DEAD] == 0)
    (da, db, du), _ = chk.exact_grads(*chk.KINK, alpha=chk.KINK_ALPHA)
    a, b, u, X, Y = chk.KINK
    T = np.outer(X, a) + b
    r = np.where(T > 0, T, chk.KINK_ALPHA * T) @ u - Y
    assert np.isclose(db[3], chk.KINK_ALPHA * u[3] * r.mean()) and db[3] != 0
    assert du[3] == 0


def test_probability_reference_matches_monte_carlo():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(2, 400_000))
    for X in (np.array([0.3]), np.array([-1.0, 2.0]), np.array([0.5, 3.0])):
        estimate = np.mean(np.all(np.outer(a, X) + b[:, None] <= 0, axis=1))
        assert abs(estimate - float(chk.exact_dead_probability(X))) < 0.004


def _zeros_like_params(a, b, *rest, **kwargs):
    a = np.asarray(a, dtype=np.float64)
    return tuple(np.zeros_like(a) for _ in range(3))


CONSTANT_ANSWERS = {
    "two_layer_grads": _zeros_like_params,
    "dead_units": lambda a, b, X: np.zeros(np.shape(a), dtype=bool),
    # returning the inputs unchanged: "dead units unchanged" alone must not pay
    "gradient_descent": lambda a, b, u, X, Y, lr, steps, alpha=0.0: (
        *(np.array(p, dtype=np.float64) for p in (a, b, u)), np.zeros(steps + 1)),
    "dead_init_probability": lambda X: 0.5,
    "dead_init_probability_symbolic": lambda: sp.Rational(1, 2),
}


@pytest.mark.parametrize("name", NAMES)
def test_constant_answers_score_zero(name):
    """Zeros, all units alive, the inputs unchanged, or 1/2: well-typed but computed nothing."""
    assert_scores_zero(check_of(name), CONSTANT_ANSWERS[name])


def test_the_notebook_gives_each_cell_its_points():
    assert_cell_points(ASSIGNMENT, POINTS, PROOFS)


# --- tampering ------------------------------------------------------------------------------------


HONEST_WRONG = {
    "two_layer_grads": lambda *args, **kwargs: tuple(2 * g for g in chk.reference_grads(*args, **kwargs)),
    "dead_units": lambda a, b, X: ~chk.reference_dead_units(a, b, X),
    "gradient_descent": lambda *args, **kwargs: tuple(2 * p for p in _reference_gd(*args, **kwargs)),
    "dead_init_probability": lambda X: 0.5 ** len(np.asarray(X)),
}


@pytest.mark.parametrize("name", NUMERIC)
@pytest.mark.parametrize("how", ["always_equal_subclass", "lying_object"])
def test_a_disguised_wrong_result_gains_nothing(name, how):
    tampered, baseline = graded_disguised(check_of(name), HONEST_WRONG[name], how, as_float=0.25)
    assert tampered.score <= baseline.score, tampered.report()


def test_a_sympy_object_that_lies_about_its_value_gains_nothing():
    class Sneaky(sp.Symbol):
        def evalf(self, *args, **kwargs):
            return sp.Float(0.25)

    tampered = grade(check_of("dead_init_probability_symbolic"), lambda: Sneaky("x1"), via_json=True)
    assert tampered.score == 0, tampered.report()


# --- the same, graded the way the grader does: in the real worker --------------------------------

TAMPERING_CELL = TAMPERING_PREAMBLE + dedent('''
    def two_layer_grads(a, b, u, X, Y, alpha=0.0):
        return tuple(np.zeros(len(a)).view(AlwaysEqual) for _ in range(3))

    def dead_units(a, b, X):
        return np.zeros(len(a), dtype=bool).view(AlwaysEqual)

    def gradient_descent(a, b, u, X, Y, lr, steps, alpha=0.0):
        return np.zeros(3), np.zeros(3), np.zeros(3), np.zeros(steps + 1)

    def dead_init_probability(X):
        return 0.25

    def dead_init_probability_symbolic():
        return sp.Float(0.25)
''')


#: Grades cells as ``python -m autograder grade`` does, in the real worker.
out_of_process = judged_in_worker(chk.CHECKS)


def test_out_of_process_tampering_gains_nothing():
    assert_nothing_gained(out_of_process([TAMPERING_CELL]))


@pytest.mark.parametrize("label", list(SLOW_MISTAKES["two_layer_grads"]))
def test_a_python_loop_over_samples_loses_only_the_batched_part(label):
    """With the grader's time limit (here 4 s; 20 s by default) a loop over 2,000,000 samples
    runs out of time, and the loop loses the batched part only."""
    verdicts = out_of_process([SLOW_MISTAKES["two_layer_grads"][label]], call_timeout=4.0)
    verdict = verdicts["two_layer_grads-hidden"]
    failed = failed_parts(verdict)
    assert [part.description for part in failed] == [chk.TWO_LAYER_GRADS_HIDDEN.parts[-1].description], verdict.report()
    assert "timed out" in failed[0].message
