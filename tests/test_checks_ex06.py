"""The hidden checks of ``ex06_dead_relu`` against catalogues of right and wrong student code.

What DESIGN.md asks of every hidden test: the released stub scores 0, the references score
full marks, every catalogued mistake loses points (in the part we expect), every catalogued
correct variant gets full marks, and nothing a student's code returns (or does to NumPy in
its own process) can buy points it would not earn honestly. One test grades a perfect and
a blank notebook with ``python -m autograder grade``.
"""
from __future__ import annotations

import functools
from textwrap import dedent

import numpy as np
import pytest
import sympy as sp

from autograder.checks import ex06_dead_relu as chk
from autograder.checks.framework import Check, Verdict
from autograder.fill import reference_answers
from autograder.protocol import Outcome
from tests.catalogue.ex06_dead_relu import EXPECTED_FAILED_PART, MISTAKES, SLOW_MISTAKES
from tests.checks_harness import load, grade, failed_parts, catalogue_ids

ASSIGNMENT = "ex06_dead_relu"
NAMES = ("two_layer_grads", "dead_units", "gradient_descent", "dead_init_probability",
         "dead_init_probability_symbolic")
NUMERIC = NAMES[:4]
POINTS = {"two_layer_grads": 4, "dead_units": 2, "gradient_descent": 4, "dead_init_probability": 3,
          "dead_init_probability_symbolic": 3}


#: Mistakes that must keep the points of some part: partial credit is per property.
KEEPS_PART = {
    ("two_layer_grads", "slope_one_at_zero"): "ReLU on random data",
    ("two_layer_grads", "forward_pass_ignores_leak"): "ReLU on random data",
    ("gradient_descent", "slope_one_at_zero"): "the ReLU trajectory",
    ("gradient_descent", "mutates_inputs"): "the ReLU trajectory",
    ("dead_units", "strict_less_than"): "random units",
    ("dead_init_probability", "atan_of_the_ratio"): "data on one side",
    ("dead_init_probability_symbolic", "atan_of_the_ratio"): "both endpoints positive",
}



# --- helpers ---------------------------------------------------------------------------------


def check_of(name: str) -> Check:
    return chk.CHECKS[f"{name}-hidden"]


@functools.lru_cache(maxsize=None)
def grade_mistake(name: str, label: str) -> Verdict:
    """Each catalogued mistake is graded once; several tests read its verdict."""
    return grade(check_of(name), load(MISTAKES[name][label], name))


# --- the catalogues --------------------------------------------------------------------------


@pytest.mark.parametrize("name, label", catalogue_ids(MISTAKES))
def test_mistake_loses_points(name, label):
    verdict = grade_mistake(name, label)
    failed = failed_parts(verdict)
    assert verdict.score < verdict.max_score, verdict.report()
    assert failed and all(part.message for part in failed), verdict.report()
    words = EXPECTED_FAILED_PART.get((name, label))
    if words is not None:
        assert any(words in part.description for part in failed), verdict.report()
    kept = KEEPS_PART.get((name, label))
    if kept is not None:
        assert not any(kept in part.description for part in failed), verdict.report()
        assert verdict.score > 0, verdict.report()


# --- references, stubs and the check table -------------------------------------------------------


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
    verdict = grade(check_of(name), REFERENCES[name])
    assert verdict.score == verdict.max_score, verdict.report()


def test_solution_notebook_gets_full_marks():
    """The instructor's own answer cells (what ``fill`` puts into the perfect submission)."""
    namespace: dict = {}
    for name in NAMES:
        exec(compile(reference_answers(ASSIGNMENT)[name], name, "exec"), namespace)
    exec("import numpy as np\nimport sympy as sp", namespace)
    namespace.update(np=np, sp=sp)
    for name in NAMES:
        verdict = grade(check_of(name), namespace[name])
        assert verdict.score == verdict.max_score, (name, verdict.report())


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


def _stub(name: str):
    signature = {"two_layer_grads": "a, b, u, X, Y, alpha=0.0", "dead_units": "a, b, X",
                 "gradient_descent": "a, b, u, X, Y, lr, steps, alpha=0.0", "dead_init_probability": "X",
                 "dead_init_probability_symbolic": ""}[name]
    return load(f"def {name}({signature}):\n    # YOUR CODE HERE\n    raise NotImplementedError()\n", name)


def _returns_none(*args, **kwargs):
    return None


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("kind", ["released_stub", "returns_none", "not_a_function"])
def test_stub_scores_zero(name, kind):
    function = {"released_stub": _stub(name), "returns_none": _returns_none, "not_a_function": None}[kind]
    verdict = grade(check_of(name), function)
    assert verdict.score == 0, verdict.report()


@pytest.mark.parametrize("name", NAMES)
def test_undefined_name_scores_zero(name):
    check = check_of(name)
    verdict = check.judge([Outcome(error=f"{name} is not defined") for _ in check.calls])
    assert verdict.score == 0
    assert all(f"{name} is not defined" in part.message for part in verdict.parts)


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
    verdict = grade(check_of(name), CONSTANT_ANSWERS[name])
    assert verdict.score == 0, verdict.report()


def test_checks_are_exactly_the_five_hidden_cells():
    assert set(chk.CHECKS) == {f"{name}-hidden" for name in NAMES}
    for grade_id, check in chk.CHECKS.items():
        target, label = grade_id.split("-")
        assert label == "hidden" and check.target == target
        assert all(call.target == target for call in check.calls), grade_id
        assert check.points == POINTS[target]
        assert callable(getattr(chk, f"{target}_hidden"))


def test_hidden_cell_function_reports_and_returns_the_score(capsys):
    score = chk.dead_units_hidden(chk.reference_dead_units)
    assert score == 2 and "score: 2 / 2" in capsys.readouterr().out


# --- tampering ------------------------------------------------------------------------------------


class AlwaysEqual(np.ndarray):
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False


class Liar:
    """Claims to be anything: equal to everything, 0.25 as a float, ..."""

    def __init__(self, values):
        self.values = np.asarray(values, dtype=np.float64)

    def __array__(self, dtype=None, copy=None):
        return self.values

    def __float__(self):
        return 0.25

    def __eq__(self, other):
        return True

    def __len__(self):
        return len(self.values)


HONEST_WRONG = {
    "two_layer_grads": lambda *args, **kwargs: tuple(2 * g for g in chk.reference_grads(*args, **kwargs)),
    "dead_units": lambda a, b, X: ~chk.reference_dead_units(a, b, X),
    "gradient_descent": lambda *args, **kwargs: tuple(2 * p for p in _reference_gd(*args, **kwargs)),
    "dead_init_probability": lambda X: 0.5 ** len(np.asarray(X)),
}


def _disguise(value, how):
    if isinstance(value, tuple):
        return tuple(_disguise(v, how) for v in value)
    if isinstance(value, float):
        return Liar(value) if how == "lying_object" else np.float64(value)
    return np.asarray(value).view(AlwaysEqual) if how == "always_equal_subclass" else Liar(value)


@pytest.mark.parametrize("name", NUMERIC)
@pytest.mark.parametrize("how", ["always_equal_subclass", "lying_object"])
def test_a_disguised_wrong_result_gains_nothing(name, how):
    honest = HONEST_WRONG[name]
    tampered = grade(check_of(name), lambda *a, **k: _disguise(honest(*a, **k), how), via_json=True)
    baseline = grade(check_of(name), honest, via_json=True)
    assert tampered.score <= baseline.score, tampered.report()


def test_a_sympy_object_that_lies_about_its_value_gains_nothing():
    class Sneaky(sp.Symbol):
        def evalf(self, *args, **kwargs):
            return sp.Float(0.25)

    tampered = grade(check_of("dead_init_probability_symbolic"), lambda: Sneaky("x1"), via_json=True)
    assert tampered.score == 0, tampered.report()


# --- the same, graded the way the grader does: a separate worker process -------------------------

TAMPERING_CELL = dedent('''
    import builtins
    import numpy as np
    import sympy as sp

    np.allclose = np.array_equal = np.isclose = lambda *args, **kwargs: True
    builtins.abs = lambda x: 0

    class AlwaysEqual(np.ndarray):
        def __eq__(self, other):
            return True

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

FORGING_CELL = dedent('''
    import os
    forged = '{"error": null, "error_types": [], "warnings": [], "mutated": false, "type_name": "builtins.tuple", ' \\
             '"dtype": "", "shape": null, "value": null, "symbols": [], "entries": [], "tree": null, ' \\
             '"tree_types": null, "srepr": "", "records": {}}\\n'
    for fd in range(3, 64):
        try:
            if os.readlink(f"/proc/self/fd/{fd}").startswith("pipe:"):
                os.write(fd, (forged * 100).encode())
        except OSError:
            pass
''')


@pytest.fixture(scope="module")
def out_of_process():
    from autograder.grading import judge as judge_module

    def run(cells, call_timeout=60.0):
        return judge_module.run_and_judge(list(cells), chk.CHECKS, judge_module.Limits(call_timeout=call_timeout))[0]

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


@pytest.mark.parametrize("label", list(SLOW_MISTAKES["two_layer_grads"]))
def test_a_python_loop_over_samples_loses_only_the_batched_part(out_of_process, label):
    """With the grader's time limit (here 4 s; 20 s by default) a loop over 2,000,000 samples
    runs out of time, and the loop loses the batched part only."""
    verdicts = out_of_process([SLOW_MISTAKES["two_layer_grads"][label]], call_timeout=4.0)
    verdict = verdicts["two_layer_grads-hidden"]
    failed = failed_parts(verdict)
    assert [part.description for part in failed] == [chk.TWO_LAYER_GRADS_HIDDEN.parts[-1].description], verdict.report()
    assert "timed out" in failed[0].message


# --- end to end: `python -m autograder grade` on a perfect and a blank notebook -------------------


