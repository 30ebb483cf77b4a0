"""What is special to the hidden checks of ``ex01_vector_activations`` (``test_checks_contract.py``
tests what every exercise shares).

The module's references agree with extended precision and finite differences (and forward
differences really miss the tolerance); a function that refuses everything, with every
index in its message, and zeros of the right shape score 0; the symbolic points and the
reading of zero-vector messages are sound; and nothing a student's code returns or does in its own process (disguised results,
fake records, a function never called, a matrix that hides its entries, an
exercise-specific tampering in the real worker) buys points it would not earn honestly.
"""
from __future__ import annotations

from functools import partial
from textwrap import dedent

import mpmath
import numpy as np
import pytest
import sympy as sp

from autograder.checks import ex01_vector_activations as chk
from tests.catalogue.ex01_vector_activations import MISTAKES
from tests.checks_harness import (
    TAMPERING_PREAMBLE, AlwaysEqual, FakeMatrix, assert_cell_points, assert_full_marks, assert_nothing_gained,
    assert_scores_zero, check_for, failed_parts, grade, graded_disguised, judged_in_worker, load, solution_namespace,
)

ASSIGNMENT = "ex01_vector_activations"
POINTS = {"jacobian_fd": 4, "l2_normalize": 4, "l2_normalize_jacobian": 3, "l2_normalize_vjp": 3,
          "l2_normalize_jacobian_symbolic": 3}
NAMES = tuple(POINTS)
NUMERIC = NAMES[:4]
PROOFS = {"proof": 4}
check_of = partial(check_for, ASSIGNMENT)


# --- the references, answers that compute nothing, the points ------------------------------------

REFERENCES = {
    "l2_normalize": chk.reference_l2_normalize,
    "l2_normalize_jacobian": chk.reference_l2_normalize_jacobian,
    "l2_normalize_vjp": chk.reference_l2_normalize_vjp,
}


@pytest.mark.parametrize("name", ["l2_normalize_jacobian", "l2_normalize_vjp"])
def test_module_references_get_full_marks(name):
    assert_full_marks(check_of(name), REFERENCES[name])


def test_module_references_agree_with_extended_precision_and_finite_differences():
    rng = np.random.default_rng(5)
    z, g = rng.normal(size=4), rng.normal(size=4)
    with mpmath.workdps(40):
        exact = np.array([float(v) for v in chk.reference_symbolic_jacobian(
            {f"z{i}": f"{int(round(v * 7000))}/7000" for i, v in enumerate(z)}, 4, 30)]).reshape(4, 4)
    z_rational = np.array([round(v * 7000) / 7000 for v in z])
    assert np.allclose(chk.reference_l2_normalize_jacobian(z_rational), exact, atol=1e-15, rtol=1e-14)
    numeric = chk.reference_central_differences(chk.reference_l2_normalize, z)
    assert np.allclose(chk.reference_l2_normalize_jacobian(z), numeric, atol=1e-9)
    assert np.allclose(chk.reference_l2_normalize_vjp(z, g), chk.reference_l2_normalize_jacobian(z).T @ g, atol=1e-15)
    # the exact Jacobians of the test functions handed to jacobian_fd
    for source, name, exact_jacobian, point in (
            (chk.SMOOTH_SOURCE, "smooth", chk.exact_smooth, chk.Z_SMOOTH),
            (chk.LIST_SOURCE, "as_list", chk.exact_as_list, chk.Z_LIST),
            (chk.SCALAR_SOURCE, "scalar", chk.exact_scalar, chk.Z_SCALAR),
            (chk.INTEGER_SOURCE, "polynomial", chk.exact_polynomial, np.array(chk.Z_INTEGER, dtype=float))):
        numeric = chk.reference_central_differences(chk._local(source, name), point, 1e-5)
        assert np.allclose(numeric, exact_jacobian(point), atol=1e-9), name
    assert np.allclose(chk.exact_l2_normalize(chk.EXTREME), chk.reference_l2_normalize(chk.EXTREME), atol=1e-15, rtol=0)


def test_forward_differences_really_miss_the_tolerance():
    """The smooth test function is curved enough that a forward difference at eps=1e-4
    is off by more than 1e-7 (the contract's reason to ask for central differences)."""
    f = chk._local(chk.SMOOTH_SOURCE, "smooth")
    for point in (chk.Z_SMOOTH, chk.Z_SMOOTH[::-1].copy()):
        forward = np.column_stack([(f(point + e) - f(point)) / 1e-4 for e in 1e-4 * np.eye(3)])
        assert np.abs(forward - chk.exact_smooth(point)).max() > 1e-6


def _always_value_error(*args, **kwargs):
    raise ValueError("row 0 1 2 3 4 5 (1, 2) is zero")


@pytest.mark.parametrize("name", NAMES)
def test_refusing_everything_with_every_index_in_the_message_scores_zero(name):
    """A ValueError whose message names every index a zero-row part looks for earns nothing."""
    verdict = grade(check_of(name), _always_value_error)
    assert verdict.score == 0 and not any(part.passed for part in verdict.parts), verdict.report()


ZEROS = {
    "jacobian_fd": lambda f, z, eps=1e-5: np.zeros((np.size(f(np.array(z, dtype=float))), np.size(z))),
    "l2_normalize": lambda z, axis=-1: np.zeros(np.shape(z)),
    "l2_normalize_jacobian": lambda z: np.zeros((np.size(z), np.size(z))),
    "l2_normalize_vjp": lambda z, g: np.zeros(np.shape(g)),
}


@pytest.mark.parametrize("name", NUMERIC)
def test_constant_float64_array_scores_zero(name):
    """Every part needs right values: a well-behaved array of zeros of the right shape earns nothing."""
    assert_scores_zero(check_of(name), ZEROS[name])


def test_the_notebook_gives_each_cell_its_points():
    assert_cell_points(ASSIGNMENT, POINTS, PROOFS)


def test_symbolic_points_avoid_the_origin():
    for n, points in chk.SYMBOLIC_POINTS.items():
        for point in points:
            assert any(not text.startswith("0/") for text in point.values()), (n, point)


def test_zero_vector_messages_are_read_as_integers():
    assert chk.names_index("row 3 is zero", ((3,),))
    assert chk.names_index("zero vector at (np.int64(1), np.int64(2))", ((1, 2), (5,)))
    assert chk.names_index("index [1, 2]", ((1, 2), (5,))) and chk.names_index("flat row 5", ((1, 2), (5,)))
    assert not chk.names_index("row 13 is zero", ((3,),))
    assert not chk.names_index("row 3.5", ((3,),))
    assert not chk.names_index("rows 2, 1 of the batch", ((1, 2),))
    assert not chk.names_index("an int64 array", ((64,),))


# --- tampering: the grader judges the worker's plain data (``via_json=True``) ---------------------


def _honest_fd(f, z, eps=1e-5):
    """A wrong jacobian_fd (forward differences) that is otherwise well behaved."""
    z = np.asarray(z, dtype=float)
    base = np.ravel(np.array(f(z.copy()), dtype=float))
    return np.column_stack([(np.ravel(np.array(f(z + e), dtype=float)) - base) / eps for e in eps * np.eye(z.size)])


HONEST_WRONG = {
    "jacobian_fd": _honest_fd,
    "l2_normalize": lambda z, axis=-1: np.asarray(z, dtype=float) / np.max(np.abs(np.asarray(z, dtype=float)), axis=axis, keepdims=True),
    "l2_normalize_jacobian": lambda z: np.eye(np.size(z)),
    "l2_normalize_vjp": lambda z, g: np.asarray(g, dtype=float) * 1.0,
}


@pytest.mark.parametrize("name", NUMERIC)
@pytest.mark.parametrize("how", ["always_equal_subclass", "lying_object", "float_only"])
def test_a_disguised_wrong_result_gains_nothing(name, how):
    tampered, baseline = graded_disguised(check_of(name), HONEST_WRONG[name], how)
    assert tampered.score <= baseline.score, tampered.report()


@pytest.mark.parametrize("name", NAMES[:4])
def test_a_disguised_right_result_gains_nothing(name):
    """Wrapping the right values in an always-equal subclass earns less than returning them plainly."""
    reference = solution_namespace(ASSIGNMENT)[name]
    tampered = grade(check_of(name), lambda *a, **k: reference(*a, **k).view(AlwaysEqual), via_json=True)
    assert tampered.score < check_of(name).points, tampered.report()


def test_recording_true_for_the_test_function_gains_nothing():
    """The student's code can reach the test function's ``record`` and add observations,
    but never remove one: modifying z in place still fails, however many True it adds."""
    def cheat(f, z, eps=1e-5):
        record = f.__globals__["record"]
        for _ in range(50):
            record("z_intact", True)
        return load(MISTAKES["jacobian_fd"]["perturbs_z_in_place_and_restores"], "jacobian_fd")(f, z, eps)

    verdict = grade(check_of("jacobian_fd"), cheat, via_json=True)
    assert any("not even while f runs" in part.description for part in failed_parts(verdict)), verdict.report()


def test_a_function_that_never_calls_f_gains_nothing():
    """Returning the right matrix for the smooth function without calling f (it was built
    from the check's source, which the student never sees) fails the records."""
    exact = chk.exact_smooth(chk.Z_SMOOTH)
    verdict = grade(check_of("jacobian_fd"), lambda f, z, eps=1e-5: exact.copy(), via_json=True)
    assert not any(part.passed for part in verdict.parts if "not even while f runs" in part.description)


def test_a_matrix_that_hides_its_entries_gains_nothing():
    tampered = grade(check_of("l2_normalize_jacobian_symbolic"), lambda n: FakeMatrix(sp.zeros(n, n)), via_json=True)
    assert tampered.score == 0, tampered.report()


def test_a_matrix_of_zeros_earns_nothing():
    assert_scores_zero(check_of("l2_normalize_jacobian_symbolic"), lambda n: sp.zeros(n, n))


# --- the same, graded the way the grader does: in the real worker --------------------------------

TAMPERING_CELL = TAMPERING_PREAMBLE + dedent('''
    np.isfinite = lambda x, *args, **kwargs: np.ones(np.shape(x), dtype=bool)

    def jacobian_fd(f, z, eps=1e-5):
        z = np.array(z, dtype=float)
        return np.zeros((np.size(f(z)), z.size)).view(AlwaysEqual)

    def l2_normalize(z, axis=-1):
        return np.ones(np.shape(z)).view(AlwaysEqual)

    def l2_normalize_jacobian(z):
        return np.eye(len(z)).view(AlwaysEqual)

    def l2_normalize_vjp(z, g):
        return np.asarray(g, dtype=float).view(AlwaysEqual)

    def l2_normalize_jacobian_symbolic(n):
        return sp.zeros(n, n)
''')


#: Grades cells as ``python -m autograder grade`` does, in the real worker.
out_of_process = judged_in_worker(chk.CHECKS)


def test_out_of_process_tampering_gains_nothing():
    assert_nothing_gained(out_of_process([TAMPERING_CELL]))


def test_out_of_process_in_place_perturbation_is_seen():
    """The records of the test function travel back from the worker."""
    verdicts = out_of_process([MISTAKES["jacobian_fd"]["perturbs_z_in_place_and_restores"]])
    verdict = verdicts["jacobian_fd-hidden"]
    assert [part.description for part in failed_parts(verdict)] == [
        part.description for part in check_of("jacobian_fd").parts if "not even while f runs" in part.description]
