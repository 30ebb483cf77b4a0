"""What is special to the hidden checks of ``ex11_convolution_adjoint`` (``test_checks_contract.py``
tests what every exercise shares).

The references agree with SciPy, with the convolution matrix, with the inner-product
identity and (the closed form) with numerical integration, and earn every part but the
input checks; zeros of the right shape and a constant expression earn at most the input
checks; disguised results and an exercise-specific tampering in the real worker gain
nothing; the released notebook keeps its secrets and its cell ids are its own; and a
student who copies the code of appendix A earns at most 25% of the automatic points.
"""
from __future__ import annotations

from functools import partial
from textwrap import dedent

import mpmath
import nbformat
import numpy as np
import pytest
import sympy as sp
from scipy import integrate, signal

from autograder import course
from autograder.checks import ex11_convolution_adjoint as chk
from tests.checks_harness import (
    TAMPERING_PREAMBLE, assert_cell_points, assert_nothing_gained, assert_release_keeps, assert_scores_zero,
    chapter_definitions, check_for, failed_parts, grade, graded_disguised, judged_in_worker, solution_namespace,
)

ASSIGNMENT = "ex11_convolution_adjoint"
POINTS = {"conv1d": 3, "corr1d": 2, "conv1d_adjoint": 4, "conv_matrix": 3, "conv2d": 3,
          "cross_correlation_symbolic": 3}
NAMES = tuple(POINTS)
NUMERIC = NAMES[:5]
PROOFS = {"proof": 4}
check_of = partial(check_for, ASSIGNMENT)


# --- the references ----------------------------------------------------------------------------


@pytest.mark.parametrize("m", [1, 2, 3, 4, 7, 8])
@pytest.mark.parametrize("n", [1, 3, 5, 9])
def test_references_agree_with_scipy_and_the_matrix(n, m):
    rng = np.random.default_rng(n * 10 + m)
    x, k = rng.normal(size=n), rng.normal(size=m)
    for mode in ("full", "same") + (("valid",) if m <= n else ()):
        conv = chk.reference_conv1d(x, k, mode)
        assert np.allclose(conv, signal.convolve(x, k, mode=mode, method="direct"), atol=1e-13)
        assert np.allclose(chk.reference_corr1d(x, k, mode), signal.correlate(x, k, mode=mode, method="direct"), atol=1e-13)
        assert np.allclose(chk.reference_matrix(k, n, mode) @ x, conv, atol=1e-13)
        if m <= n:  # NumPy agrees only while m <= n
            assert np.allclose(np.convolve(x, k, mode), conv, atol=1e-13)


@pytest.mark.parametrize("mode, m", [(mode, m) for mode in ("full", "valid", "same") for m in (2, 3, 4, 5, 8)
                                     if not (mode == "valid" and m > 6)])
def test_reference_adjoint_satisfies_the_inner_product_identity(mode, m):
    rng = np.random.default_rng(m)
    n = 6
    k, x = rng.normal(size=m), rng.normal(size=n)
    y = rng.normal(size=chk.reference_conv1d(x, k, mode).shape)
    assert np.isclose(chk.reference_conv1d(x, k, mode) @ y, x @ chk.reference_adjoint(y, k, mode), atol=1e-12)


def test_reference_conv2d_agrees_with_scipy():
    rng = np.random.default_rng(2)
    for shape in [(3, 2), (4, 4), (5, 2), (2, 5), (4, 6)]:
        x, k = rng.normal(size=(3, 4)), rng.normal(size=shape)
        for mode in ("full", "same") + (("valid",) if shape[0] <= 3 and shape[1] <= 4 else ()):
            assert np.allclose(chk.reference_conv2d(x, k, mode), signal.convolve2d(x, k, mode), atol=1e-13)


def test_closed_form_agrees_with_numerical_integration():
    for t, a, b, c in [(0.5, 1.0, 2.0, -0.25), (-1.5, 0.3, 0.7, 1.0), (2.0, 2.5, 0.5, 2.0)]:
        numeric, _ = integrate.quad(lambda s: s * np.exp(-a * s**2) * np.exp(-b * (t + s - c) ** 2), -np.inf, np.inf,
                                    epsabs=1e-13)
        exact = float(chk.correlation_closed_form(*(mpmath.mpf(v) for v in (t, a, b, c))))
        assert abs(numeric - exact) < 1e-10


# --- the references against the checks, and answers that compute nothing -------------------------

REFERENCES = {
    "conv1d": chk.reference_conv1d,
    "corr1d": chk.reference_corr1d,
    "conv1d_adjoint": chk.reference_adjoint,
    "conv_matrix": chk.reference_matrix,
    "conv2d": chk.reference_conv2d,
}


@pytest.mark.parametrize("name", NUMERIC)
def test_references_earn_every_part_but_the_errors(name):
    """The check module's own references compute without validating: every value part passes."""
    verdict = grade(check_of(name), REFERENCES[name])
    failed = failed_parts(verdict)
    assert all("ValueError" in part.description for part in failed), verdict.report()


def _zeros_or_raise(shape_of):
    """Zeros of the right shape, and ValueError wherever the contract asks for one: well typed
    and careful, but it computes nothing."""
    def answer(*args, **kwargs):
        reference = solution_namespace(ASSIGNMENT)[shape_of]
        return np.zeros(np.shape(reference(*args, **kwargs)))
    return answer


@pytest.mark.parametrize("name", NUMERIC)
def test_zeros_of_the_right_shape_earn_at_most_the_error_part(name):
    verdict = grade(check_of(name), _zeros_or_raise(name))
    passed = [part.description for part in verdict.parts if part.passed]
    assert all("ValueError" in description for description in passed), verdict.report()
    assert verdict.score <= verdict.max_score / 6, verdict.report()


def test_a_constant_expression_earns_nothing():
    assert_scores_zero(check_of("cross_correlation_symbolic"), lambda: sp.Integer(0))


def test_the_notebook_gives_each_cell_its_points():
    assert_cell_points(ASSIGNMENT, POINTS, PROOFS)


# --- tampering ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NUMERIC)
@pytest.mark.parametrize("how", ["always_equal_subclass", "lying_object"])
def test_a_disguised_wrong_result_gains_nothing(name, how):
    right = solution_namespace(ASSIGNMENT)[name]
    tampered, baseline = graded_disguised(check_of(name), lambda *args, **kwargs: 2 * right(*args, **kwargs), how)
    assert tampered.score <= baseline.score, tampered.report()


# --- the same, graded the way the grader does: in the real worker --------------------------------

TAMPERING_CELL = TAMPERING_PREAMBLE + dedent('''
    def conv1d(x, k, mode="full"):
        return np.zeros(3).view(AlwaysEqual)

    corr1d = conv1d_adjoint = conv1d

    def conv_matrix(k, n, mode="full"):
        return np.zeros((n, n)).view(AlwaysEqual)

    def conv2d(x, k, mode="full"):
        return np.zeros((2, 2)).view(AlwaysEqual)

    def cross_correlation_symbolic():
        return sp.Float(0.25)
''')


def test_out_of_process_tampering_gains_nothing():
    assert_nothing_gained(judged_in_worker(chk.CHECKS)([TAMPERING_CELL]))


# --- the released notebook ------------------------------------------------------------------------


def test_released_notebook_gives_nothing_away():
    assert_release_keeps(ASSIGNMENT, "m - 1 - (m - 1) // 2", "moment1")


def test_cell_ids_are_this_exercises_own():
    assert all(cell.id.startswith("ex11-") for cell in nbformat.read(course.source_notebook(ASSIGNMENT), 4).cells)


# --- what copying the appendix earns ----------------------------------------------------------------


def copied_answers(book: dict) -> dict:
    """The graded names, each the closest appendix function with the obvious one-line adapter."""
    conv, corr, matrix = book["conv_full"], book["corr_full"], book["conv_full_matrix"]

    def conv1d(x, k, mode="full"):
        return conv(x, k)

    def corr1d(x, k, mode="full"):
        return corr(x, k)

    def conv1d_adjoint(y, k, mode="full"):
        return matrix(k, len(y) - len(k) + 1).T @ y

    def conv_matrix(k, n, mode="full"):
        return matrix(k, n)

    return {"conv1d": conv1d, "corr1d": corr1d, "conv1d_adjoint": conv1d_adjoint, "conv_matrix": conv_matrix}


def test_copying_the_appendix_earns_at_most_a_quarter():
    book = chapter_definitions("appendix_a_convolution")
    answers = copied_answers(book)
    earned = sum(grade(check_of(name), function).score for name, function in answers.items())
    total = sum(POINTS.values())
    assert earned / total <= 0.25, f"copying appendix A earns {earned:g} of {total} points"
