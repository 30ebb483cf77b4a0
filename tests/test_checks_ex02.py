"""What is special to the hidden checks of ``ex02_softmax`` (``test_checks_contract.py``
tests what every exercise shares).

The module's references get full marks and the symbolic one is the Jacobian of the
numeric one; arrays of zeros and a matrix of zeros earn nothing; nothing a student's code
returns or does to NumPy in its own process (disguised results, a matrix that hides its
entries, an exercise-specific tampering in the real worker) buys points it would not earn
honestly; the visible symbolic test matches symbols by name.
"""
from __future__ import annotations

from functools import partial
from textwrap import dedent

import numpy as np
import pytest
import sympy as sp

from autograder.checks import ex02_softmax as chk
from tests.catalogue.ex02_softmax import CORRECT
from tests.checks_harness import (
    TAMPERING_PREAMBLE, AlwaysEqual, FakeMatrix, assert_full_marks, assert_nothing_gained, assert_scores_zero,
    check_for, grade, graded_disguised, judged_in_worker, run_visible,
)

ASSIGNMENT = "ex02_softmax"
NAMES = ("softmax", "log_softmax", "softmax_jacobian", "softmax_vjp", "softmax_jacobian_symbolic")
NUMERIC = NAMES[:4]
check_of = partial(check_for, ASSIGNMENT)


# --- the references, and answers that compute nothing ---------------------------------------------

REFERENCES = {
    "softmax": chk.reference_softmax,
    "log_softmax": chk.reference_log_softmax,
    "softmax_jacobian": chk.reference_jacobian,
    "softmax_vjp": chk.reference_vjp,
}


@pytest.mark.parametrize("name", list(REFERENCES))
def test_reference_gets_full_marks(name):
    assert_full_marks(check_of(name), REFERENCES[name])


def test_symbolic_reference_values_are_the_jacobian_of_the_numeric_reference():
    point = {"z0": "3/7", "z1": "-1/7", "z2": "2/7"}
    exact = np.array([float(v) for v in chk.reference_symbolic_jacobian(point, 3, 20)]).reshape(3, 3)
    assert np.allclose(exact, chk.reference_jacobian([3 / 7, -1 / 7, 2 / 7]), atol=1e-15, rtol=0)


def _returns_zeros(z, *args, **kwargs):
    return np.zeros_like(np.asarray(z, dtype=np.float64))


@pytest.mark.parametrize("name", NUMERIC)
def test_constant_float64_array_scores_zero(name):
    """Every part needs right values: a well-behaved array of zeros earns nothing."""
    assert_scores_zero(check_of(name), _returns_zeros)


def test_a_matrix_of_zeros_earns_nothing():
    # n = 1 alone has the zero Jacobian; it is judged together with n = 2
    assert_scores_zero(check_of("softmax_jacobian_symbolic"), lambda n: sp.zeros(n, n))


# --- tampering: the grader judges the worker's plain data (``via_json=True``) ---------------------


def _uniform(z, axis=-1):
    """A wrong softmax that still sums to one."""
    z = np.asarray(z, dtype=np.float64)
    return np.full(z.shape, 1.0 / z.shape[axis])


HONEST_WRONG = {
    "softmax": _uniform,
    "log_softmax": lambda z, axis=-1: np.log(_uniform(z, axis)),
    "softmax_jacobian": lambda z: np.diag(_uniform(z)),
    "softmax_vjp": lambda z, g: _uniform(z) * np.asarray(g, dtype=np.float64),
}


@pytest.mark.parametrize("name", NUMERIC)
@pytest.mark.parametrize("how", ["always_equal_subclass", "lying_object", "float_only"])
def test_a_disguised_wrong_result_gains_nothing(name, how):
    tampered, baseline = graded_disguised(check_of(name), HONEST_WRONG[name], how)
    assert tampered.score <= baseline.score and tampered.score == 0, tampered.report()


@pytest.mark.parametrize("name", NUMERIC)
def test_a_disguised_right_result_gains_nothing(name):
    """Wrapping the right values in an always-equal subclass earns no more than returning
    them plainly (it loses the float64-ndarray part)."""
    reference = REFERENCES[name]
    tampered = grade(check_of(name), lambda *a, **k: reference(*a, **k).view(AlwaysEqual), via_json=True)
    assert tampered.score < check_of(name).points, tampered.report()


def test_a_matrix_that_hides_its_entries_gains_nothing():
    tampered = grade(check_of("softmax_jacobian_symbolic"), lambda n: FakeMatrix(sp.zeros(n, n)), via_json=True)
    assert tampered.score == 0, tampered.report()
    assert "could not be evaluated" in tampered.report()  # the grader rebuilds it from its srepr


# --- the same, graded the way the grader does: in the real worker --------------------------------

TAMPERING_CELL = TAMPERING_PREAMBLE + dedent('''
    np.isfinite = lambda x, *args, **kwargs: np.ones(np.shape(x), dtype=bool)
    np.testing.assert_allclose = np.testing.assert_array_equal = lambda *args, **kwargs: None

    class Liar:
        def __init__(self, shape):
            self.shape = shape
        def __array__(self, dtype=None, copy=None):
            return np.full(self.shape, 0.5)
        def __float__(self):
            return 1.0
        def __eq__(self, other):
            return True

    class FakeMatrix(sp.MutableDenseMatrix):
        __module__ = "sympy.matrices.dense"
        def subs(self, *args, **kwargs):
            return sp.Matrix(0, 0, [])

    def softmax(z, axis=-1):
        z = np.asarray(z, dtype=np.float64)
        return np.full(z.shape, 1.0 / z.shape[axis]).view(AlwaysEqual)

    def log_softmax(z, axis=-1):
        return Liar(np.shape(z))

    def softmax_jacobian(z):
        return np.zeros((len(z), len(z))).view(AlwaysEqual)

    def softmax_vjp(z, g):
        return Liar(np.shape(g))

    def softmax_jacobian_symbolic(n):
        return FakeMatrix(sp.zeros(n, n))
''')


def test_out_of_process_tampering_gains_nothing():
    assert_nothing_gained(judged_in_worker(chk.CHECKS)([TAMPERING_CELL]))


# --- the visible tests of the released notebook ----------------------------------------------


@pytest.mark.parametrize("label", ["real_symbols_jacobian", "real_symbols_closed_form"])
def test_visible_symbolic_test_matches_symbols_by_name(label):
    run_visible(ASSIGNMENT, "softmax_jacobian_symbolic", {"softmax_jacobian_symbolic": CORRECT["softmax_jacobian_symbolic"][label]})
