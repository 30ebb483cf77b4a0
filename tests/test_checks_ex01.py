"""The hidden checks of ``ex01_vector_activations`` against catalogues of right and wrong student code.

What DESIGN.md asks of every hidden test: the released stub scores 0, the references score
full marks, every catalogued mistake loses points in the part it should, every catalogued
correct variant gets full marks, and nothing a student's code returns (or does in its own
process) buys points it would not earn honestly. The last test grades a perfect and a blank
notebook with ``python -m autograder grade``.
"""
from __future__ import annotations

from textwrap import dedent

import mpmath
import numpy as np
import pytest
import sympy as sp

from autograder.checks import ex01_vector_activations as chk
from autograder.checks.framework import Check
from autograder.fill import filled, reference_answers
from autograder.protocol import Outcome
from tests.catalogue.ex01_vector_activations import EXPECTED_FAILED_PART, MISTAKES
from tests.checks_harness import load, grade, failed_parts, catalogue_ids

ASSIGNMENT = "ex01_vector_activations"
NAMES = ("jacobian_fd", "l2_normalize", "l2_normalize_jacobian", "l2_normalize_vjp", "l2_normalize_jacobian_symbolic")
NUMERIC = NAMES[:4]
POINTS = {"jacobian_fd": 4, "l2_normalize": 4, "l2_normalize_jacobian": 3, "l2_normalize_vjp": 3,
          "l2_normalize_jacobian_symbolic": 3}


#: Mistakes that must lose *only* the part named above (everything else is right).
ONLY_THAT_PART = {
    ("jacobian_fd", "perturbs_z_in_place_and_restores"),
    ("jacobian_fd", "keeps_a_view_that_changes"),
    ("jacobian_fd", "integer_z_not_converted"),
    ("jacobian_fd", "assumes_f_returns_a_sized_array"),
    ("jacobian_fd", "ignores_eps"),
    ("l2_normalize", "no_zero_check"),
    ("l2_normalize", "error_without_index"),
    ("l2_normalize", "assertion_instead_of_value_error"),
    ("l2_normalize", "modifies_input"),
    ("l2_normalize_vjp", "forms_full_jacobian"),
    ("l2_normalize_vjp", "modifies_gradient_in_place"),
}



# --- helpers ---------------------------------------------------------------------------------


def check_of(name: str) -> Check:
    return chk.CHECKS[f"{name}-hidden"]


@pytest.fixture(scope="module")
def solution() -> dict:
    """The reference solution's functions, from the instructor's notebook."""
    namespace: dict = {}
    exec("import numpy as np\nimport sympy as sp\n", namespace)
    for name in NAMES:
        exec(compile(reference_answers(ASSIGNMENT)[name], f"<solution: {name}>", "exec"), namespace)
    return {name: namespace[name] for name in NAMES}


# --- the catalogues --------------------------------------------------------------------------


@pytest.mark.parametrize("name, label", catalogue_ids(MISTAKES))
def test_mistake_loses_points(name, label):
    verdict = grade(check_of(name), load(MISTAKES[name][label], name))
    failed = failed_parts(verdict)
    assert verdict.score < verdict.max_score, verdict.report()
    assert all(part.message for part in failed), verdict.report()
    words = EXPECTED_FAILED_PART[(name, label)]
    assert any(words in part.description for part in failed), verdict.report()
    if (name, label) in ONLY_THAT_PART:
        assert len(failed) == 1, verdict.report()


# --- references, stubs and the check table -------------------------------------------------------

REFERENCES = {
    "l2_normalize": chk.reference_l2_normalize,
    "l2_normalize_jacobian": chk.reference_l2_normalize_jacobian,
    "l2_normalize_vjp": chk.reference_l2_normalize_vjp,
}


@pytest.mark.parametrize("name", NAMES)
def test_reference_solution_gets_full_marks(name, solution):
    verdict = grade(check_of(name), solution[name])
    assert verdict.score == verdict.max_score, verdict.report()


@pytest.mark.parametrize("name", ["l2_normalize_jacobian", "l2_normalize_vjp"])
def test_module_references_get_full_marks(name):
    verdict = grade(check_of(name), REFERENCES[name])
    assert verdict.score == verdict.max_score, verdict.report()


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


def _stub(name: str):
    """The released stub: the solution cell with its body replaced by nbgrader."""
    signature = {"jacobian_fd": "f, z, eps=1e-5", "l2_normalize": "z, axis=-1", "l2_normalize_vjp": "z, g",
                 "l2_normalize_jacobian": "z", "l2_normalize_jacobian_symbolic": "n"}[name]
    return load(f"def {name}({signature}):\n    # YOUR CODE HERE\n    raise NotImplementedError()\n", name)


def _returns_none(*args, **kwargs):
    return None


def _always_value_error(*args, **kwargs):
    raise ValueError("row 0 1 2 3 4 5 (1, 2) is zero")


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("kind", ["released_stub", "returns_none", "not_a_function", "always_value_error"])
def test_stub_scores_zero(name, kind):
    function = {"released_stub": _stub(name), "returns_none": _returns_none, "not_a_function": None,
                "always_value_error": _always_value_error}[kind]
    verdict = grade(check_of(name), function)
    assert verdict.score == 0, verdict.report()
    assert not any(part.passed for part in verdict.parts)


def test_released_notebook_stubs_score_zero():
    answers = {cell.metadata["nbgrader"]["grade_id"]: cell.source
               for cell in filled(ASSIGNMENT, {}).cells if cell.metadata.get("nbgrader", {}).get("solution")}
    for name in NAMES:
        assert "raise NotImplementedError()" in answers[name]
        verdict = grade(check_of(name), load(answers[name], name))
        assert verdict.score == 0, verdict.report()


@pytest.mark.parametrize("name", NAMES)
def test_undefined_name_scores_zero(name):
    """What the worker sends back when the notebook never defined the graded name."""
    check = check_of(name)
    verdict = check.judge([Outcome(error=f"{name} is not defined") for _ in check.calls])
    assert verdict.score == 0
    assert all(part.message for part in verdict.parts)


ZEROS = {
    "jacobian_fd": lambda f, z, eps=1e-5: np.zeros((np.size(f(np.array(z, dtype=float))), np.size(z))),
    "l2_normalize": lambda z, axis=-1: np.zeros(np.shape(z)),
    "l2_normalize_jacobian": lambda z: np.zeros((np.size(z), np.size(z))),
    "l2_normalize_vjp": lambda z, g: np.zeros(np.shape(g)),
}


@pytest.mark.parametrize("name", NUMERIC)
def test_constant_float64_array_scores_zero(name):
    """Every part needs right values: a well-behaved array of zeros of the right shape earns nothing."""
    verdict = grade(check_of(name), ZEROS[name])
    assert verdict.score == 0, verdict.report()


def test_checks_are_exactly_the_five_hidden_cells():
    assert set(chk.CHECKS) == {f"{name}-hidden" for name in NAMES}
    for grade_id, check in chk.CHECKS.items():
        target, label = grade_id.split("-")
        assert label == "hidden"
        assert check.target == target and check.points == POINTS[target]
        assert all(call.target == target for call in check.calls), grade_id
        assert callable(getattr(chk, f"{target}_hidden"))


@pytest.mark.parametrize("name", NAMES)
def test_hidden_cell_function_reports_and_returns_the_score(name, solution, capsys):
    score = getattr(chk, f"{name}_hidden")(solution[name])
    assert score == POINTS[name]
    assert f"score: {POINTS[name]:g} / {POINTS[name]:g}" in capsys.readouterr().out


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


# --- tampering ------------------------------------------------------------------------------------
# The grader judges the worker's plain data (``via_json=True``), never the student's object.


class AlwaysEqual(np.ndarray):
    """An array that claims to equal anything."""

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False


class Liar:
    """Claims to be anything: equal to everything, 1.0 as a float, close, ..."""

    def __init__(self, values):
        self.values = np.asarray(values, dtype=np.float64)
        self.shape, self.dtype = self.values.shape, np.dtype(np.float64)

    def __array__(self, dtype=None, copy=None):
        return self.values

    def __float__(self):
        return 1.0

    def __eq__(self, other):
        return True

    def __len__(self):
        return len(self.values)

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return lambda *args, **kwargs: True


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
@pytest.mark.parametrize("disguise", ["always_equal_subclass", "lying_object", "float_only"])
def test_a_disguised_wrong_result_gains_nothing(name, disguise):
    honest = HONEST_WRONG[name]
    wrap = {
        "always_equal_subclass": lambda value: value.view(AlwaysEqual),
        "lying_object": Liar,
        "float_only": lambda value: Liar(1.0),
    }[disguise]
    tampered = grade(check_of(name), lambda *a, **k: wrap(honest(*a, **k)), via_json=True)
    baseline = grade(check_of(name), honest, via_json=True)
    assert tampered.score <= baseline.score, tampered.report()


@pytest.mark.parametrize("name", NAMES[:4])
def test_a_disguised_right_result_gains_nothing(name, solution):
    """Wrapping the right values in an always-equal subclass earns less than returning them plainly."""
    reference = solution[name]
    tampered = grade(check_of(name), lambda *a, **k: reference(*a, **k).view(AlwaysEqual), via_json=True)
    assert tampered.score < check_of(name).points, tampered.report()


def test_recording_true_for_the_test_function_gains_nothing(solution):
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


class FakeMatrix(sp.MutableDenseMatrix):
    """A SymPy matrix that passes for one by type name but reports no entries."""

    __module__ = "sympy.matrices.dense"

    def subs(self, *args, **kwargs):
        return sp.Matrix(0, 0, [])


def test_a_matrix_that_hides_its_entries_gains_nothing():
    tampered = grade(check_of("l2_normalize_jacobian_symbolic"), lambda n: FakeMatrix(sp.zeros(n, n)), via_json=True)
    assert tampered.score == 0, tampered.report()


def test_a_matrix_of_zeros_earns_nothing():
    verdict = grade(check_of("l2_normalize_jacobian_symbolic"), lambda n: sp.zeros(n, n))
    assert verdict.score == 0, verdict.report()


# --- the same, graded the way the grader does: a separate worker process -------------------------

TAMPERING_CELL = dedent('''
    import builtins
    import numpy as np
    import sympy as sp

    _yes = lambda *args, **kwargs: True
    np.allclose = np.array_equal = np.isclose = _yes
    np.isfinite = lambda x, *args, **kwargs: np.ones(np.shape(x), dtype=bool)
    builtins.abs = lambda x: 0

    class AlwaysEqual(np.ndarray):
        def __eq__(self, other):
            return True

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


@pytest.fixture(scope="module")
def out_of_process():
    """Grade cells as ``python -m autograder grade`` does: one worker process per run."""
    from autograder.grading import judge as judge_module

    def run(cells):
        return judge_module.run_and_judge(list(cells), chk.CHECKS, judge_module.Limits(call_timeout=60.0))[0]

    return run


def test_out_of_process_tampering_gains_nothing(out_of_process):
    verdicts = out_of_process([TAMPERING_CELL])
    for grade_id, verdict in verdicts.items():
        assert verdict.score == 0, (grade_id, verdict.report())


def test_out_of_process_in_place_perturbation_is_seen(out_of_process):
    """The records of the test function travel back from the worker."""
    verdicts = out_of_process([MISTAKES["jacobian_fd"]["perturbs_z_in_place_and_restores"]])
    verdict = verdicts["jacobian_fd-hidden"]
    assert [part.description for part in failed_parts(verdict)] == [
        part.description for part in check_of("jacobian_fd").parts if "not even while f runs" in part.description]


# --- end to end: python -m autograder grade on a perfect and a blank notebook -------------------------


