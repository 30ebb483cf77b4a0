"""The hidden checks of ``ex02_softmax`` against catalogues of right and wrong student code.

What DESIGN.md asks of every hidden test: the released stub scores 0, the references score
full marks, every catalogued mistake loses points, every catalogued correct variant gets
full marks, and nothing a student's code returns (or does to NumPy in its own process) can
buy points it would not earn honestly.
"""
from __future__ import annotations

from textwrap import dedent

import numpy as np
import pytest
import sympy as sp

from autograder.checks import ex02_softmax as chk
from autograder.checks.framework import Check
from tests.catalogue.ex02_softmax import CORRECT, MISTAKES
from tests.checks_harness import load, grade

NAMES = ("softmax", "log_softmax", "softmax_jacobian", "softmax_vjp", "softmax_jacobian_symbolic")
NUMERIC = NAMES[:4]




# --- helpers ---------------------------------------------------------------------------------


def check_of(name: str) -> Check:
    return chk.CHECKS[f"{name}-hidden"]


# --- the catalogues --------------------------------------------------------------------------


# --- references, stubs and the check table -------------------------------------------------------

REFERENCES = {
    "softmax": chk.reference_softmax,
    "log_softmax": chk.reference_log_softmax,
    "softmax_jacobian": chk.reference_jacobian,
    "softmax_vjp": chk.reference_vjp,
}


@pytest.mark.parametrize("name", list(REFERENCES))
def test_reference_gets_full_marks(name):
    verdict = grade(check_of(name), REFERENCES[name])
    assert verdict.score == verdict.max_score, verdict.report()


def test_symbolic_reference_values_are_the_jacobian_of_the_numeric_reference():
    point = {"z0": "3/7", "z1": "-1/7", "z2": "2/7"}
    exact = np.array([float(v) for v in chk.reference_symbolic_jacobian(point, 3, 20)]).reshape(3, 3)
    assert np.allclose(exact, chk.reference_jacobian([3 / 7, -1 / 7, 2 / 7]), atol=1e-15, rtol=0)


def _stub(name: str):
    """The released stub: the solution cell with its body replaced by nbgrader."""
    signature = {"softmax_vjp": "z, g", "softmax_jacobian": "z", "softmax_jacobian_symbolic": "n"}.get(name, "z, axis=-1")
    return load(f"def {name}({signature}):\n    # YOUR CODE HERE\n    raise NotImplementedError()\n", name)


def _returns_none(*args, **kwargs):
    return None


def _returns_zeros(z, *args, **kwargs):
    return np.zeros_like(np.asarray(z, dtype=np.float64))


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("kind", ["released_stub", "returns_none", "not_a_function"])
def test_stub_scores_zero(name, kind):
    function = {"released_stub": _stub(name), "returns_none": _returns_none, "not_a_function": None}[kind]
    verdict = grade(check_of(name), function)
    assert verdict.score == 0, verdict.report()
    assert not any(part.passed for part in verdict.parts)


@pytest.mark.parametrize("name", NUMERIC)
def test_constant_float64_array_scores_zero(name):
    """Every part needs right values: a well-behaved array of zeros earns nothing."""
    verdict = grade(check_of(name), _returns_zeros)
    assert verdict.score == 0, verdict.report()


def test_checks_are_exactly_the_five_hidden_cells():
    assert set(chk.CHECKS) == {f"{name}-hidden" for name in NAMES}
    for grade_id, check in chk.CHECKS.items():
        target, label = grade_id.split("-")
        assert label == "hidden"
        assert check.target == target
        assert all(call.target == target for call in check.calls), grade_id
        assert check.points > 0 and check.parts
        assert callable(getattr(chk, f"{target}_hidden"))


@pytest.mark.parametrize("name", NUMERIC)
def test_hidden_cell_function_reports_and_returns_the_score(name, capsys):
    score = getattr(chk, f"{name}_hidden")(REFERENCES[name])
    assert score == check_of(name).points
    assert f"score: {check_of(name).points:g} / {check_of(name).points:g}" in capsys.readouterr().out


# --- tampering ------------------------------------------------------------------------------------
# The grader judges the worker's plain data (``via_json=True``), never the student's object.


class AlwaysEqual(np.ndarray):
    """An array that claims to equal anything."""

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    def __bool__(self):
        return True


class Liar:
    """Claims to be anything: equal to everything, 1.0 as a float, finite, close, ..."""

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

    def __getattr__(self, name):  # any method a judge might call says "yes"
        if name.startswith("__"):
            raise AttributeError(name)
        return lambda *args, **kwargs: True


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
    assert tampered.score == 0, tampered.report()


@pytest.mark.parametrize("name", NUMERIC)
def test_a_disguised_right_result_gains_nothing(name):
    """Wrapping the right values in an always-equal subclass earns no more than returning
    them plainly (it loses the float64-ndarray part)."""
    reference = REFERENCES[name]
    tampered = grade(check_of(name), lambda *a, **k: reference(*a, **k).view(AlwaysEqual), via_json=True)
    assert tampered.score < check_of(name).points, tampered.report()


class FakeMatrix(sp.MutableDenseMatrix):
    """A SymPy matrix that passes for one by type name but reports no entries."""

    __module__ = "sympy.matrices.dense"

    def subs(self, *args, **kwargs):
        return sp.Matrix(0, 0, [])


def test_a_matrix_that_hides_its_entries_gains_nothing():
    tampered = grade(check_of("softmax_jacobian_symbolic"), lambda n: FakeMatrix(sp.zeros(n, n)), via_json=True)
    assert tampered.score == 0, tampered.report()
    assert "could not be evaluated" in tampered.report()  # the grader rebuilds it from its srepr


# --- the same, graded the way the grader does: a separate worker process -------------------------

TAMPERING_CELL = dedent('''
    import builtins, os
    import numpy as np
    import sympy as sp

    _yes = lambda *args, **kwargs: True
    np.allclose = np.array_equal = np.isclose = _yes
    np.isfinite = lambda x, *args, **kwargs: np.ones(np.shape(x), dtype=bool)
    np.testing.assert_allclose = np.testing.assert_array_equal = lambda *args, **kwargs: None
    builtins.abs = lambda x: 0

    class AlwaysEqual(np.ndarray):
        def __eq__(self, other):
            return True

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

FORGING_CELL = dedent('''
    import os
    # Write outcomes that look well-behaved straight into the worker's result pipe.
    forged = '{"error": null, "warnings": [], "mutated": false, "type_name": "numpy.ndarray", "dtype": "float64", ' \\
             '"shape": null, "value": null, "symbols": [], "entries": []}\\n'
    for fd in range(3, 64):
        try:
            if os.readlink(f"/proc/self/fd/{fd}").startswith("pipe:"):
                os.write(fd, (forged * 100).encode())
        except OSError:
            pass
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


def test_out_of_process_forged_outcomes_gain_nothing(out_of_process):
    stubs = [f"def {name}(*args, **kwargs):\n    raise NotImplementedError()\n" for name in NAMES]
    verdicts = out_of_process([FORGING_CELL, *stubs])
    for grade_id, verdict in verdicts.items():
        assert verdict.score == 0, (grade_id, verdict.report())


def test_a_matrix_of_zeros_earns_nothing():
    # n = 1 alone has the zero Jacobian; it is judged together with n = 2
    verdict = grade(check_of("softmax_jacobian_symbolic"), lambda n: sp.zeros(n, n))
    assert verdict.score == 0, verdict.report()


# --- the visible tests of the released notebook ----------------------------------------------

def _visible_cells() -> dict[str, str]:
    import nbformat

    from autograder import course

    released = nbformat.read(course.released_notebook("ex02_softmax"), 4)
    return {c.metadata["nbgrader"]["grade_id"]: c.source for c in released.cells
            if c.metadata.get("nbgrader", {}).get("grade_id", "").endswith("-visible")}


def _run_visible(name: str, overrides: dict[str, str]) -> None:
    from autograder.fill import reference_answers

    namespace: dict = {"np": np, "sp": sp}
    for answer_name, source in {**reference_answers("ex02_softmax"), **overrides}.items():
        if answer_name in NAMES:
            exec(compile(source, answer_name, "exec"), namespace)
    exec(compile(_visible_cells()[f"{name}-visible"], f"{name}-visible", "exec"), namespace)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the mistakes overflow, as they do for students
@pytest.mark.parametrize("name, label, words", [
    ("softmax", "global_max", "each row needs its own maximum"),
    ("softmax", "modifies_input", "changed its input"),
    ("log_softmax", "modifies_input", "changed its input"),
])
def test_visible_tests_catch_the_commonest_mistakes(name, label, words):
    with pytest.raises(AssertionError, match=words):
        _run_visible(name, {name: MISTAKES[name][label]})


@pytest.mark.parametrize("label", ["real_symbols_jacobian", "real_symbols_closed_form"])
def test_visible_symbolic_test_matches_symbols_by_name(label):
    _run_visible("softmax_jacobian_symbolic", {"softmax_jacobian_symbolic": CORRECT["softmax_jacobian_symbolic"][label]})
