"""What is special to the hidden checks of ``ex07_softplus_lipschitz`` (``test_checks_contract.py``
tests what every exercise shares).

The typical mistakes of the issue are catalogued; the module's references agree with
independent computations (SymPy's exact roots and a fine grid for the suprema of sigma's
derivatives, the Hessian for the perceptron's constant, mpmath for the continuation
trajectory and both softplus tails); constant answers earn little; disguised results, lying
SymPy objects and an exercise-specific tampering in the real worker gain nothing; the
released notebook keeps its secrets; each answer cell stands alone; and a student who
copies the chapter's code earns at most 25% of the automatic points.
"""
from __future__ import annotations

from functools import partial
from textwrap import dedent

import mpmath
import numpy as np
import pytest
import sympy as sp

from autograder.checks import ex07_softplus_lipschitz as chk
from autograder.fill import reference_answers
from tests.catalogue.ex07_softplus_lipschitz import MISTAKES
from tests.checks_harness import (
    TAMPERING_PREAMBLE, assert_cell_points, assert_full_marks, assert_nothing_gained, assert_release_keeps,
    chapter_definitions, check_for, grade, graded_disguised, judged_in_worker, notebook_namespace, solution_namespace,
)

ASSIGNMENT = "ex07_softplus_lipschitz"
POINTS = {"softplus_beta": 4, "softplus_lipschitz_symbolic": 3, "smooth_perceptron_lipschitz": 3, "continuation_gd": 4}
NAMES = tuple(POINTS)
NUMERIC = ("softplus_beta", "smooth_perceptron_lipschitz", "continuation_gd")
PROOFS = {"proof_lipschitz": 2, "proof_descent": 2, "proof_relu": 2}
check_of = partial(check_for, ASSIGNMENT)


# --- the catalogues --------------------------------------------------------------------------


def test_the_issues_typical_mistakes_are_catalogued():
    """PyTorch's threshold of 20, a cut-off on x, the bound 1 instead of 1/4, the Frobenius
    norm, sum instead of mean, one L for every stage, sorted betas."""
    for name, label in [("softplus_beta", "pytorch_threshold_20"), ("softplus_beta", "cutoff_on_x"),
                        ("softplus_lipschitz_symbolic", "bound_one_not_one_quarter"),
                        ("smooth_perceptron_lipschitz", "bound_one_not_one_quarter"),
                        ("smooth_perceptron_lipschitz", "frobenius_norm"), ("continuation_gd", "frobenius_norm"),
                        ("smooth_perceptron_lipschitz", "sum_not_mean"), ("continuation_gd", "sum_not_mean"),
                        ("continuation_gd", "one_L_for_every_stage"), ("continuation_gd", "sorted_betas")]:
        assert label in MISTAKES[name], (name, label)


# --- the references ----------------------------------------------------------------------------


def test_sup_of_sigmoid_derivatives_agrees_with_sympy_and_a_fine_grid():
    """The module's constants against an independent computation: SymPy's exact roots of
    sigma^(k+1)(t) = 0 in t, and a dense grid (which can only be below the supremum)."""
    t = sp.Symbol("t", real=True)
    sigma = 1 / (1 + sp.exp(-t))
    known = {1: sp.Rational(1, 4), 2: sp.sqrt(3) / 18, 3: sp.Rational(1, 8), 5: sp.Rational(1, 4)}
    grid = np.linspace(-15, 15, 300001)
    for k in range(1, 6):
        f = sp.lambdify(t, sp.diff(sigma, t, k), "numpy")
        on_grid = float(np.max(np.abs(f(grid))))
        assert on_grid <= float(chk.SUP_SIGMOID[k]) * (1 + 1e-15)
        assert on_grid >= float(chk.SUP_SIGMOID[k]) * (1 - 1e-8), k
        if k in known:
            with mpmath.workdps(50):
                assert abs(chk.SUP_SIGMOID[k] - mpmath.mpf(sp.N(known[k], 60))) < mpmath.mpf(10) ** -45, k


def test_perceptron_lipschitz_reference_is_the_sup_of_the_hessian_norm():
    """beta ||X||^2 / (4N) is the Hessian's norm at w = 0, and no sampled w exceeds it."""
    X, beta, want = chk.LIP_RANDOM[1]
    rng = np.random.default_rng(4)
    y = np.where(rng.normal(size=len(X)) > 0, 1.0, -1.0)
    for scale in (0.0, 0.3, 1.0, 3.0):
        w = scale * rng.normal(size=X.shape[1])
        s = 1 / (1 + np.exp(beta * y * (X @ w)))
        hessian = beta * (X.T * (s * (1 - s))) @ X / len(X)
        top = np.linalg.eigvalsh(hessian)[-1]
        assert top <= want * (1 + 1e-12)
        if scale == 0.0:
            assert abs(top - want) <= 1e-12 * want


def test_tied_inputs_are_really_tied():
    for X, _, _ in chk.LIP_TIES:
        s = np.linalg.svd(X, compute_uv=False)
        assert (s[0] - s[1]) / s[0] < 3e-8 and (s[0] - s[2]) / s[0] < 5e-8


def test_continuation_reference_matches_extended_precision():
    """The float64 reference trajectory against the same recursion in mpmath (30 digits)."""
    (X, y, w0, betas, steps), (w_ref, losses_ref) = chk.GD_MAIN
    with mpmath.workdps(30):
        Xm = [[mpmath.mpf(float(v)) for v in row] for row in X]
        ym = [mpmath.mpf(float(v)) for v in y]
        w = [mpmath.mpf(float(v)) for v in w0]
        N, d = len(Xm), len(w)
        top = max(mpmath.eigsy(mpmath.matrix(Xm).T * mpmath.matrix(Xm), eigvals_only=True))
        for j, beta in enumerate(betas):
            b = mpmath.mpf(beta)
            L = b * top / (4 * N)
            for k in range(steps + 1):
                margins = [-b * ym[i] * mpmath.fsum(Xm[i][c] * w[c] for c in range(d)) for i in range(N)]
                loss = mpmath.fsum(mpmath.log1p(mpmath.exp(m)) for m in margins) / (N * b)
                assert abs(float(loss) - losses_ref[j, k]) < 1e-13
                if k == steps:
                    break
                sig = [1 / (1 + mpmath.exp(-m)) for m in margins]
                grad = [-mpmath.fsum(sig[i] * ym[i] * Xm[i][c] for i in range(N)) / N for c in range(d)]
                w = [w[c] - grad[c] / L for c in range(d)]
    assert np.allclose([float(v) for v in w], w_ref, rtol=1e-13, atol=1e-13)


def test_softplus_reference_is_exact_in_both_tails():
    """Against the series log(1 + e^t) = e^t - e^2t / 2 + ... (t < -50) and t + e^-t - ... (t > 50),
    and the formula itself at 60 digits in between."""
    for x, beta, want in (*chk.POSITIVE_TAIL, *chk.NEGATIVE_TAIL, *chk.MODERATE, *chk.THRESHOLD):
        with mpmath.workdps(60):
            for v, w in zip(x.ravel(), want.ravel()):
                t = mpmath.mpf(float(beta)) * mpmath.mpf(float(v))
                if t < -50:
                    e = mpmath.exp(t)
                    exact = e - e**2 / 2 + e**3 / 3
                elif t > 50:
                    e = mpmath.exp(-t)
                    exact = t + e - e**2 / 2
                else:
                    exact = mpmath.log(1 + mpmath.exp(t))
                exact /= mpmath.mpf(float(beta))
                assert abs(w - exact) <= 1e-15 * abs(exact) + 1e-320, (v, beta)


CONSTANT_ANSWERS = {
    "softplus_beta": lambda x, beta=1.0: np.zeros(np.shape(x)),
    "softplus_lipschitz_symbolic": lambda k: sp.Symbol("beta") / 4,
    "smooth_perceptron_lipschitz": lambda X, beta=1.0: 0.25,
    "continuation_gd": lambda X, y, w0, betas, steps: (np.array(w0, dtype=float), np.zeros((len(betas), steps + 1))),
}


def test_constant_answers_earn_little():
    """Zeros, beta/4 for every k (right for k = 1 only), a constant, or w0 unchanged."""
    for name, answer in CONSTANT_ANSWERS.items():
        verdict = grade(check_of(name), answer)
        limit = 1 if name == "softplus_lipschitz_symbolic" else 0
        assert verdict.score <= limit, verdict.report()


def test_the_notebook_gives_each_cell_its_points():
    assert_cell_points(ASSIGNMENT, POINTS, PROOFS)


# --- tampering ------------------------------------------------------------------------------------


def _honest_wrong(name):
    right = solution_namespace(ASSIGNMENT)[name]
    if name == "continuation_gd":
        return lambda *a, **k: tuple(2 * v for v in right(*a, **k))
    return lambda *a, **k: 2 * np.asarray(right(*a, **k))


@pytest.mark.parametrize("name", NUMERIC)
@pytest.mark.parametrize("how", ["always_equal_subclass", "lying_object"])
def test_a_disguised_wrong_result_gains_nothing(name, how):
    tampered, baseline = graded_disguised(check_of(name), _honest_wrong(name), how, as_float=0.25)
    assert tampered.score <= baseline.score, tampered.report()


def test_a_sympy_object_that_lies_about_its_value_gains_nothing():
    class Sneaky(sp.Symbol):
        def evalf(self, *args, **kwargs):
            return sp.Rational(1, 4)

        _eval_evalf = evalf

    tampered = grade(check_of("softplus_lipschitz_symbolic"), lambda k: Sneaky("beta"), via_json=True)
    assert tampered.score == 0, tampered.report()


def test_a_crootof_with_a_huge_power_is_refused_not_expanded():
    from autograder.checks.framework import parse_srepr

    text = "ComplexRootOf(Add(Pow(Symbol('x'), Integer(100000000)), Integer(-2)), Integer(0))"
    with pytest.raises(ValueError, match="integer powers"):
        parse_srepr(text)
    x = sp.Symbol("x")
    root = parse_srepr(sp.srepr(sp.CRootOf(x**5 - x - 1, 0)))
    assert abs(float(root) - 1.1673039782614187) < 1e-15


# --- the same, graded the way the grader does: in the real worker --------------------------------

TAMPERING_CELL = TAMPERING_PREAMBLE + dedent('''
    def softplus_beta(x, beta=1.0):
        return np.zeros(np.shape(x)).view(AlwaysEqual)

    def softplus_lipschitz_symbolic(k):
        return sp.Float(0.25) * sp.Symbol("beta") ** k

    def smooth_perceptron_lipschitz(X, beta=1.0):
        return np.zeros(1).view(AlwaysEqual)

    def continuation_gd(X, y, w0, betas, steps):
        return np.zeros(3).view(AlwaysEqual), np.zeros((len(betas), steps + 1)).view(AlwaysEqual)
''')


def test_out_of_process_tampering_gains_nothing():
    # 0.25 beta is right for k = 1
    assert_nothing_gained(judged_in_worker(chk.CHECKS)([TAMPERING_CELL]), {"softplus_lipschitz_symbolic-hidden": 1})


# --- the released notebook ------------------------------------------------------------------------


def test_released_notebook_gives_nothing_away():
    assert_release_keeps(ASSIGNMENT, "log1p(np.exp(-np.abs", "real_roots", "compute_uv", "_positive_beta", "X^T D(w) X",
                         "sqrt(3)")


# --- what copying the chapter's code earns ------------------------------------------------------------

#: Every function the chapter defines, and the graded name a student could pass it off as
#: (with the obvious adapter), or None where it answers nothing the exercise asks.
CHAPTER_FUNCTIONS = {
    "softplus_naive": "softplus_beta",
    "descend": None,              # fixed-step descent on the chapter's own f of two variables
    "relu_slope": None,
    "sigmoid": None,              # a stable sigmoid: a helper, graded nowhere
    "toy_gradient": None,         # the 1-D toy problem, not a data loss
    "toy_continuation": None,     # fixed steps on the toy problem: no X, y, no Lambda_beta
}
#: How a copying student would use them. The chapter also states Lambda = beta / 4 for k = 1,
#: which we count as copied too (beta / 4 for every k).
CHAPTER_ADAPTERS = {
    "softplus_beta": lambda functions: functions["softplus_naive"],
    "softplus_lipschitz_symbolic": lambda functions: (lambda k: sp.Symbol("beta", positive=True) / 4),
}


def test_copying_the_chapter_earns_at_most_a_quarter():
    functions = chapter_definitions("ch07_softplus_lipschitz")
    assert set(functions) == set(CHAPTER_FUNCTIONS), (
        "the chapter's functions changed: say in CHAPTER_FUNCTIONS which graded name each could stand in for")
    earned = 0.0
    for name in NAMES:
        adapter = CHAPTER_ADAPTERS.get(name)
        candidate = adapter(functions) if adapter else None
        earned += grade(check_of(name), candidate).score if candidate else 0.0
    share = earned / sum(POINTS.values())
    print(f"copying the chapter earns {earned:g} of {sum(POINTS.values())} automatic points ({share:.0%})")
    assert share <= 0.25, earned


@pytest.mark.parametrize("name", NAMES)
def test_each_answer_cell_stands_alone(name):
    """A wrong or missing answer in one cell must not cost points in another: every solution
    cell runs and earns full marks with only the graded functions it is meant to call
    (continuation_gd calls smooth_perceptron_lipschitz, as the contract says)."""
    answers = reference_answers(ASSIGNMENT)
    needs = {"continuation_gd": ["smooth_perceptron_lipschitz"]}.get(name, [])
    namespace = notebook_namespace(ASSIGNMENT, {other: answers[other] for other in [*needs, name]})
    assert_full_marks(check_of(name), namespace[name])
