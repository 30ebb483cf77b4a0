"""What is special to the hidden checks of ``ex04_losses_cross_entropy`` (``test_checks_contract.py``
tests what every exercise shares).

The mpmath references agree with independent formulas and the huge inputs really break
the textbook formulas; refusing every
label, the released stub on the bad-label parts and zeros of the right shape earn nothing;
the SymPy answer is judged by value and by its limit, never by form (with the numerical
fallback when SymPy cannot find the limit, and no code smuggled in an srepr); disguised
results, a lying SymPy subclass and an exercise-specific tampering in the real worker gain
nothing; and the released notebook keeps its secrets.
"""
from __future__ import annotations

from functools import partial
from textwrap import dedent

import mpmath
import numpy as np
import pytest
import sympy as sp

from autograder.checks import ex04_losses_cross_entropy as chk
from autograder.checks.framework import read_symbolic
from autograder.protocol import Outcome, probe
from tests.checks_harness import (
    TAMPERING_PREAMBLE, assert_cell_points, assert_nothing_gained, assert_release_keeps, assert_scores_zero, check_for,
    grade, graded_disguised, judged_in_worker, load, released_cells,
)

ASSIGNMENT = "ex04_losses_cross_entropy"
POINTS = {"cross_entropy": 4, "cross_entropy_grad": 3, "bce_with_logits": 3, "logistic_nll_grad": 3,
          "ce_scaled_onehot_symbolic": 3}
NAMES = tuple(POINTS)
NUMERIC = NAMES[:4]
PROOFS = {"proof": 4}
check_of = partial(check_for, ASSIGNMENT)


# --- the references, answers that compute nothing, the points ------------------------------------


def test_mpmath_references_agree_with_independent_formulas():
    z, y = np.array([[0.5, -1.0, 2.0], [3.0, 3.0, 3.0]]), np.array([1, 2])
    assert np.allclose(chk.exact_cross_entropy(z, y), [np.log(np.exp(z[0]).sum()) - z[0, 1], np.log(3)], rtol=1e-15)
    grad = chk.exact_cross_entropy_grad(z, y)
    assert np.allclose(grad, np.exp(z) / np.exp(z).sum(axis=1, keepdims=True) - np.eye(3)[y], atol=1e-16)
    t = np.array([-3.0, 0.0, 2.5])
    assert np.allclose(chk.exact_bce(t, 0.25), np.logaddexp(0, t) - 0.25 * t, rtol=1e-15)
    X, theta, yl = np.array([[1.0, 2.0], [0.5, -1.0]]), np.array([0.3, -0.2]), np.array([1.0, 0.0])
    grad, allowed = chk.exact_logistic_grad(theta, X, yl)
    assert np.allclose(grad, X.T @ (1 / (1 + np.exp(-(X @ theta))) - yl), rtol=1e-14)
    assert np.all(allowed > 0) and np.all(allowed < 1e-11)
    # the ray: the definition gives log(1 + (k - 1) e^-lam), for every k and lam tested
    for k in (2, 3, 10):
        for lam in (-2.5, 0, 1, 12, 80):
            with mpmath.workdps(60):
                want = mpmath.log(1 + (k - 1) * mpmath.exp(-mpmath.mpf(lam)))
                assert abs(chk.exact_ce_scaled_onehot(k, mpmath.mpf(lam)) - want) < mpmath.mpf(10) ** -45 * max(1, want)


def test_huge_inputs_really_need_care():
    """The inputs of the overflow parts break the textbook formulas (else the parts test nothing)."""
    with np.errstate(all="ignore"):
        naive = -np.log((np.exp(chk.HUGE) / np.exp(chk.HUGE).sum(axis=1, keepdims=True))[np.arange(6), chk.HUGE_LABELS])
        p = 1 / (1 + np.exp(-chk.T_HUGE))
        naive_bce = -chk.Y_HUGE * np.log(p) - (1 - chk.Y_HUGE) * np.log(1 - p)
        p = 1 / (1 + np.exp(-chk.T_CANCEL))
        cancelled = -chk.Y_CANCEL * np.log(p) - (1 - chk.Y_CANCEL) * np.log(1 - p)
    assert not np.all(np.isfinite(naive))
    assert not np.all(np.isfinite(naive_bce))
    error = np.abs(cancelled - chk.BCE_REF["cancel"]) / np.maximum(1, np.abs(chk.T_CANCEL))
    assert np.nanmax(np.where(np.isfinite(error), error, np.inf)) > 1e-12
    assert np.abs(chk.HUGE).max() == 1e5 and np.abs(chk.X_HUGE @ chk.THETA_HUGE).max() == 1e4


def _raises_value_error(*args, **kwargs):
    raise ValueError("I refuse everything")


def test_refusing_everything_earns_nothing():
    """A function that raises ValueError for every input gets no credit for refusing bad labels."""
    for name in ("cross_entropy", "cross_entropy_grad"):
        verdict = grade(check_of(name), _raises_value_error)
        assert verdict.score == 0
        assert "valid labels [2, 0, 1] must not raise" in verdict.report()


def test_the_released_stub_scores_zero_even_on_the_bad_label_parts():
    """NotImplementedError is not a ValueError: the stub earns nothing there either."""
    for name in ("cross_entropy", "cross_entropy_grad"):
        verdict = grade(check_of(name), load(released_cells(ASSIGNMENT)[name], name))
        assert verdict.score == 0 and "NotImplementedError" in verdict.report()


@pytest.mark.parametrize("name", NUMERIC)
def test_constant_float64_array_scores_zero(name):
    """Every part needs right values (or an error): a well-behaved array of zeros earns nothing."""
    shapes = {"cross_entropy": lambda a: np.zeros(np.shape(a[0])[0]),
              "cross_entropy_grad": lambda a: np.zeros(np.shape(a[0])),
              "bce_with_logits": lambda a: np.zeros(np.broadcast_shapes(np.shape(a[0]), np.shape(a[1]))),
              "logistic_nll_grad": lambda a: np.zeros(np.shape(a[1])[1])}
    assert_scores_zero(check_of(name), lambda *args: shapes[name](args))


def test_the_notebook_gives_each_cell_its_points():
    assert_cell_points(ASSIGNMENT, POINTS, PROOFS)


def test_released_notebook_gives_nothing_away():
    assert_release_keeps(ASSIGNMENT, "logaddexp", "log1p", "_validated", "(k - 1)", "exp(-lam)")


# --- the SymPy answer: by value and by its limit, never by form ----------------------------------


def _expression_outcome(expression, k: int) -> Outcome:
    """What the judge sees: the expression's srepr, rebuilt and evaluated by the grader."""
    call = chk._symbolic_call(k)
    return read_symbolic(call, probe(lambda _: expression, call))


@pytest.mark.parametrize("form", ["closed", "quotient", "lse", "expanded_sum"])
def test_symbolic_answer_in_any_form_passes_values_and_limit(form):
    lam = sp.Symbol("lam")
    k = 7
    expression = {
        "closed": sp.log(1 + (k - 1) * sp.exp(-lam)),
        "quotient": -sp.log(sp.exp(lam) / (sp.exp(lam) + k - 1)),
        "lse": sp.log(sp.exp(lam) + k - 1) - lam,
        "expanded_sum": sp.log(sum(sp.exp(lam * int(j == 0)) for j in range(k))) - lam,
    }[form]
    judge = chk._symbolic_limit(k)
    assert judge([_expression_outcome(expression, k)]) is None


def test_limit_falls_back_to_values_far_out_when_sympy_cannot_decide(monkeypatch):
    """When SymPy's limit fails, the tail values decide: right answers still pass, and an
    answer that is right near 0 but wrong far out still fails."""
    lam = sp.Symbol("lam")

    def broken_limit(*args, **kwargs):
        raise NotImplementedError("SymPy gave up")

    monkeypatch.setattr(chk.sympy, "limit", broken_limit)
    right = _expression_outcome(sp.log(sp.exp(lam) + 3) - lam, 4)
    assert chk._symbolic_limit(4)([right]) is None
    wrong_far_out = _expression_outcome(sp.log(1 + 3 * sp.exp(-lam)) + sp.exp(lam - 60) / 10**30, 4)
    assert chk._symbolic_values(4)([wrong_far_out]) is None       # right at the moderate points ...
    message = chk._symbolic_limit(4)([wrong_far_out])
    assert message and "at lam = 40" in message                    # ... wrong far out on the ray


def test_limit_that_sympy_returns_unevaluated_uses_the_fallback(monkeypatch):
    lam = sp.Symbol("lam")
    monkeypatch.setattr(chk.sympy, "limit", lambda e, s, p: sp.Limit(e, s, p))
    assert chk._symbolic_limit(7)([_expression_outcome(sp.log(1 + 6 * sp.exp(-lam)), 7)]) is None


def test_forged_srepr_cannot_smuggle_code():
    call = chk._symbolic_call(2)
    outcome = probe(lambda _: sp.log(1 + sp.exp(-sp.Symbol("lam"))), call)
    outcome.srepr = "__import__('os').system('echo hacked')"
    assert "could not be evaluated" in read_symbolic(call, outcome).error
    assert chk._symbolic_values(2)([outcome]) is not None  # and the part fails on what is left


# --- tampering: the grader judges the worker's plain data (``via_json=True``) ---------------------


HONEST_WRONG = {
    "cross_entropy": lambda z, y: np.full(np.shape(z)[0], np.log(np.shape(z)[1])),
    "cross_entropy_grad": lambda z, y: np.zeros(np.shape(z)) + 0.5,
    "bce_with_logits": lambda t, y: np.broadcast_arrays(np.asarray(t, float), np.asarray(y, float))[0] * 0 + np.log(2),
    "logistic_nll_grad": lambda theta, X, y: np.asarray(X, float).T @ (0.5 - np.asarray(y, float)),
}


@pytest.mark.parametrize("name", NUMERIC)
@pytest.mark.parametrize("how", ["always_equal_subclass", "lying_object"])
def test_a_disguised_wrong_result_gains_nothing(name, how):
    tampered, baseline = graded_disguised(check_of(name), HONEST_WRONG[name], how)
    assert tampered.score <= baseline.score and tampered.score == 0, tampered.report()


class LyingLog(sp.log):
    """A SymPy function that claims to be the right answer when evaluated."""

    def _eval_evalf(self, prec):
        return sp.Float(0.5, prec)


def test_a_lying_sympy_subclass_is_judged_by_what_it_really_is():
    lam = sp.Symbol("lam")
    # srepr prints "LyingLog(...)", which is no SymPy class: it cannot be rebuilt and earns nothing
    verdict = grade(check_of("ce_scaled_onehot_symbolic"), lambda k: LyingLog(1 + (k - 1) * sp.exp(-lam)), via_json=True)
    assert verdict.score == 0, verdict.report()


# --- the same, graded the way the grader does: in the real worker --------------------------------

TAMPERING_CELL = TAMPERING_PREAMBLE + dedent('''
    np.isfinite = lambda x, *a, **k: np.ones(np.shape(x), dtype=bool)

    def cross_entropy(logits, y):
        if np.any(np.asarray(y) < 0):
            raise ValueError("no")
        return np.zeros(np.shape(logits)[0]).view(AlwaysEqual)

    def cross_entropy_grad(logits, y):
        return np.zeros(np.shape(logits)).view(AlwaysEqual)

    def bce_with_logits(t, y):
        return np.zeros(np.broadcast_shapes(np.shape(t), np.shape(y))).view(AlwaysEqual)

    def logistic_nll_grad(theta, X, y):
        return np.zeros(np.shape(theta)).view(AlwaysEqual)

    class Anything(sp.Symbol):
        def __eq__(self, other):
            return True

    def ce_scaled_onehot_symbolic(k):
        return Anything("lam")
''')


def test_out_of_process_tampering_gains_nothing():
    assert_nothing_gained(judged_in_worker(chk.CHECKS)([TAMPERING_CELL]))
