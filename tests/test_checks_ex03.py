"""What is special to the hidden checks of ``ex03_relu_subgradients`` (``test_checks_contract.py``
tests what every exercise shares).

The module's references get full marks; lazy answers and a max_derivative that always
refuses score 0; the inputs are fair: the hand-worked derivatives agree with the reference
and with difference quotients at 120 digits, and the inputs keep away from kinks and
near-ties except where they are put in on purpose; nothing a student's code returns can buy
points it would not earn honestly (disguised arrays and tuples, a lying SymPy integer,
functions handed over and replaced, an exercise-specific tampering and forged symbolic
outcomes in the real worker); in the real worker the reference and the last catalogued
correct variants (for ``max_subgradient``: another way of splitting a tie) get full marks;
and the released notebook keeps its secrets.
"""
from __future__ import annotations

from functools import partial
from textwrap import dedent

import mpmath
import numpy as np
import pytest
import sympy as sp

from autograder.checks import ex03_relu_subgradients as chk
from tests.catalogue.ex03_relu_subgradients import CORRECT
from tests.checks_harness import (
    TAMPERING_PREAMBLE, AlwaysEqual, Liar, assert_cell_points, assert_full_marks, assert_nothing_gained,
    assert_release_keeps, assert_scores_zero, check_for, forging_cell, grade, judged_in_worker, solution_answers,
    solution_namespace,
)

ASSIGNMENT = "ex03_relu_subgradients"
POINTS = {"relu": 2, "relu_subdifferential": 2, "max_subgradient": 3, "max_derivative": 4, "subgradient_method": 3}
NAMES = tuple(POINTS)
PROOFS = {"proof": 4}
check_of = partial(check_for, ASSIGNMENT)


# --- the references, answers that compute nothing, the points ------------------------------------


@pytest.mark.parametrize("name, reference", [
    ("relu", chk.reference_relu),
    ("relu_subdifferential", chk.reference_relu_subdifferential),
    ("max_subgradient", chk.reference_max_subgradient),
    ("subgradient_method", chk.reference_subgradient_method),
])
def test_module_references_get_full_marks(name, reference):
    assert_full_marks(check_of(name), reference)


def _uniform_weights(z):
    z = np.asarray(z, dtype=np.float64)
    return np.full(z.shape, 1.0 / z.shape[-1])


def _never_moves(f, subgrad, x0, steps, c):
    x = np.array(x0, dtype=np.float64)
    return x, float(f(x)), np.full(steps + 1, float(f(x)))


#: Honest answers that compute nothing useful; each must earn nothing at all.
LAZY = {
    "relu": lambda x: np.zeros(np.shape(x)),
    "relu_subdifferential": lambda x: (np.zeros(np.shape(x)), np.ones(np.shape(x))),
    "max_subgradient": _uniform_weights,
    "max_derivative": lambda fs, x, point: sp.Integer(0),
    "subgradient_method": _never_moves,
}


@pytest.mark.parametrize("name", NAMES)
def test_lazy_answers_score_zero(name):
    assert_scores_zero(check_of(name), LAZY[name])


def test_always_raising_value_error_scores_zero():
    def max_derivative(fs, x, point):
        raise ValueError("not differentiable")

    assert_scores_zero(check_of("max_derivative"), max_derivative)


def test_the_notebook_gives_each_cell_its_points():
    assert_cell_points(ASSIGNMENT, POINTS, PROOFS)


# --- fair inputs: the references are right, and keep away from kinks and near-ties -------------


def _max_quotients(case, h=mpmath.mpf(10) ** -40):
    """Right and left difference quotients of max(fs) at the point, at 120 digits."""
    fs, symbol, point, _ = case
    with mpmath.workdps(120):
        functions = [sp.lambdify(symbol, f, "mpmath") for f in fs]
        p = mpmath.mpf(point.p) / point.q
        at = lambda t: max(f(t) for f in functions)
        return (at(p + h) - at(p)) / h, (at(p - h) - at(p)) / (-h)


@pytest.mark.parametrize("group, index", [(g, i) for g, cases in chk.DERIVATIVE_CASES.items()
                                          for i in range(len(cases))])
def test_derivative_cases_are_right(group, index):
    """Each hand-worked answer agrees with the reference solution and with difference
    quotients at 120 digits; ties are exact where the group says so, and not elsewhere."""
    case = chk.DERIVATIVE_CASES[group][index]
    fs, symbol, point, answer = case
    reference = solution_namespace(ASSIGNMENT)["max_derivative"]
    right, left = _max_quotients(case)
    if answer == chk.NOT_DIFFERENTIABLE:
        with pytest.raises(ValueError):
            reference(list(fs), symbol, point)
        assert abs(right - left) > 1e-3
    else:
        assert sp.simplify(reference(list(fs), symbol, point) - answer) == 0
        with mpmath.workdps(60):
            expected = chk._expected_value(answer)
            assert abs(right - expected) < 1e-30 and abs(left - expected) < 1e-30
    values = [f.subs(symbol, point) for f in fs]
    tied_pairs = [(i, j) for i in range(len(fs)) for j in range(i + 1, len(fs))
                  if sp.simplify(values[i] - values[j]) == 0]
    if group in ("equal_slopes", "corners", "lower_ties"):
        assert tied_pairs, case
    if group in ("unique", "near_ties", "symbol"):
        assert not tied_pairs, case


def test_max_subgradient_inputs_have_clear_winners_or_exact_ties():
    for z in (chk.MAX_ONE_ROW, chk.MAX_BATCH, chk.MAX_CUBE, chk.MAX_INTEGERS):
        top_two = np.sort(np.asarray(z, dtype=float), axis=-1)[..., -2:]
        assert np.all(top_two[..., 1] - top_two[..., 0] >= 1e-3)
    for z in (chk.MAX_TIES, chk.MAX_TIES_CUBE, chk.MAX_INTEGER_TIES):
        z = np.asarray(z, dtype=float)
        counts = (z == z.max(axis=-1, keepdims=True)).sum(axis=-1)
        assert counts.max() >= 2
        # every tied row has its runner-up well below the maximum (or everything tied)
        below = np.where(z < z.max(axis=-1, keepdims=True), z, -np.inf).max(axis=-1)
        gap = z.max(axis=-1) - below
        assert np.all((gap >= 0.5) | np.isinf(gap))


def test_relu_subdifferential_inputs_keep_away_from_zero_except_on_purpose():
    for x in (chk.SUB_VECTOR, chk.SUB_CUBE, chk.SUB_INTEGERS):
        assert np.all(np.abs(np.asarray(x, dtype=float)) >= 0.01)
    assert np.count_nonzero(chk.SUB_KINK == 0) == 3


def _iterates(label):
    source, x0, steps, c = chk.METHOD_CASES[label]
    namespace = chk._namespace(source)
    x, xs = np.array(x0, dtype=float), []
    xs.append(x)
    for k in range(steps):
        x = x - c / np.sqrt(k + 1) * namespace["subgrad"](x)
        xs.append(x)
    return np.array(xs)


def test_subgradient_method_cases_keep_away_from_kinks_and_near_ties():
    """Rounding differences between correct implementations (about 1e-15) can neither flip a
    sign inside a subgradient nor change which iterate is best."""
    residuals = _iterates("lad") @ chk.LAD_M.T - chk.LAD_Y
    assert np.abs(residuals).min() > 1e-6
    for label in ("l1", "zero_steps", "one_step"):
        assert np.abs(_iterates(label)).min() > 1e-6, label
    floor_points = np.abs(_iterates("ties")[:, 0])
    assert np.abs(floor_points - np.round(floor_points)).min() > 1e-6
    for label, (_, _, history) in chk.METHOD_REFERENCES.items():
        if label == "ties":
            best = history.min()
            assert np.count_nonzero(history == best) >= 3  # ties put in on purpose
            assert int(np.argmin(history)) < len(history) - 1
            continue
        others = np.sort(history)[1:] if len(history) > 1 else np.array([np.inf])
        assert others[0] - history.min() > 1e-9, label


def test_subgradient_method_reference_follows_the_recursion():
    best_x, best_f, history = chk.METHOD_REFERENCES["quadratic"]
    x = np.array([1.0, -2.0, 0.5])
    for k in range(25):
        x = x * (1 - 2 * 0.2 / np.sqrt(k + 1))  # subgrad(x) = 2x
    assert np.allclose(history[-1], x @ x, rtol=1e-13)
    assert best_f == history.min() and np.allclose(best_x @ best_x, best_f, rtol=1e-13)


# --- tampering: the grader judges the worker's plain data (``via_json=True``) ---------------------


HONEST_WRONG = {
    "relu": lambda x: np.abs(np.asarray(x, dtype=np.float64)),
    "max_subgradient": _uniform_weights,
}


@pytest.mark.parametrize("name", list(HONEST_WRONG))
@pytest.mark.parametrize("disguise", ["always_equal_subclass", "lying_object"])
def test_a_disguised_wrong_array_gains_nothing(name, disguise):
    honest = HONEST_WRONG[name]
    wrap = {"always_equal_subclass": lambda value: value.view(AlwaysEqual), "lying_object": Liar}[disguise]
    tampered = grade(check_of(name), lambda *a: wrap(honest(*a)), via_json=True)
    assert tampered.score <= grade(check_of(name), honest, via_json=True).score == 0, tampered.report()


def test_disguised_tuples_gain_nothing():
    def relu_subdifferential(x):
        shape = np.shape(x)
        return Liar(np.zeros(shape)), np.ones(shape).view(AlwaysEqual)

    def subgradient_method(f, subgrad, x0, steps, c):
        return Liar(x0), Liar(0.0), np.zeros(steps + 1).view(AlwaysEqual)

    for name, function in (("relu_subdifferential", relu_subdifferential), ("subgradient_method", subgradient_method)):
        verdict = grade(check_of(name), function, via_json=True)
        assert verdict.score == 0, verdict.report()


class Sneaky(sp.Integer):
    """A SymPy integer whose evalf claims a different value."""

    def evalf(self, *args, **kwargs):
        return sp.Float(1)


def test_an_expression_that_lies_about_its_value_gains_nothing():
    """Whatever the student's process says, exactness is judged on the rebuilt srepr."""
    def max_derivative(fs, x, point):
        return Sneaky(7)

    verdict = grade(check_of("max_derivative"), max_derivative, via_json=True)
    assert not any(part.passed for part in verdict.parts if "exact" in part.description), verdict.report()


def test_functions_handed_to_the_student_cannot_be_replaced_for_the_judge():
    """The references were computed from the check's own sources; a student who swaps the
    functions it was given (or records fake calls) changes nothing in the judgement."""
    def subgradient_method(f, subgrad, x0, steps, c):
        fake = lambda v: 0.0
        return np.array(x0, dtype=float), fake(x0), np.zeros(steps + 1)

    verdict = grade(check_of("subgradient_method"), subgradient_method, via_json=True)
    assert verdict.score == 0, verdict.report()


# --- the same, graded the way the grader does: in the real worker --------------------------------

TAMPERING_CELL = TAMPERING_PREAMBLE + dedent('''
    np.isnan = lambda x, *args, **kwargs: np.ones(np.shape(x), dtype=bool)
    sp.simplify = lambda expr, *args, **kwargs: 0

    def relu(x):
        return np.zeros(np.shape(x)).view(AlwaysEqual)

    def relu_subdifferential(x):
        return (np.zeros(np.shape(x)).view(AlwaysEqual),) * 2

    def max_subgradient(z):
        return np.zeros(np.shape(z)).view(AlwaysEqual)

    def max_derivative(fs, x, point):
        return sp.Integer(0)

    def subgradient_method(f, subgrad, x0, steps, c):
        return np.zeros(len(x0)).view(AlwaysEqual), 0.0, np.zeros(steps + 1).view(AlwaysEqual)
''')


#: Forged outcomes that look right for a symbolic answer.
FORGING_CELL = forging_cell(type_name="builtins.tuple", entries=["3"], srepr="Integer(3)")


#: Grades cells as ``python -m autograder grade`` does, in the real worker.
out_of_process = judged_in_worker(chk.CHECKS)


def test_out_of_process_reference_and_correct_variants_get_full_marks():
    for cells in (list(solution_answers(ASSIGNMENT).values()), [list(CORRECT[name].values())[-1] for name in NAMES]):
        verdicts = out_of_process(["import numpy as np\nimport sympy as sp", *cells])
        for grade_id, verdict in verdicts.items():
            assert verdict.score == verdict.max_score, (grade_id, verdict.report())


def test_out_of_process_forged_outcomes_gain_nothing():
    stubs = [f"def {name}(*args, **kwargs):\n    raise NotImplementedError()\n" for name in NAMES]
    assert_nothing_gained(out_of_process([FORGING_CELL, *stubs]))


def test_out_of_process_tampering_gains_nothing():
    assert_nothing_gained(out_of_process([TAMPERING_CELL]))


# --- the released notebook ------------------------------------------------------------------------


def test_released_notebook_gives_nothing_away():
    assert_release_keeps(ASSIGNMENT, "np.maximum", "heaviside", "winners", "is_zero", "best_x, best_f = x.copy()",
                         "max(x_1, x_2)")
