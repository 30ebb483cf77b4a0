"""The hidden checks of ``ex05_tanh_sigmoid`` against catalogues of right and wrong student code.

What DESIGN.md asks of every hidden test: the released stub scores 0, the references score
full marks, every catalogued mistake loses points in the part it should, every catalogued
correct variant (including conversions whose parameters differ from the reference's but
compute the same function) gets full marks, and nothing a student's code returns can buy
points it would not earn honestly. The last test grades a perfect and a blank notebook with
``python -m autograder grade`` (marked ``slow``: it starts the sandboxed grader).
"""
from __future__ import annotations

from textwrap import dedent

import numpy as np
import pytest
import sympy as sp

from autograder.checks import ex05_tanh_sigmoid as chk
from autograder.checks.framework import Check
from autograder.fill import reference_answers
from autograder.protocol import Outcome
from tests.catalogue.ex05_tanh_sigmoid import EXPECTED_FAILED_PART, MISTAKES
from tests.checks_harness import load, grade, failed_parts, catalogue_ids

ASSIGNMENT = "ex05_tanh_sigmoid"
NAMES = ("sigmoid", "mlp_forward", "sigmoid_net_to_tanh_net", "tanh_net_to_sigmoid_net",
         "sigmoid_derivative_polynomial")
CONVERSIONS = ("sigmoid_net_to_tanh_net", "tanh_net_to_sigmoid_net")


#: Mistakes that must keep the points of some parts: partial credit per property.
PARTIAL_CREDIT = {
    ("sigmoid", "naive_overflows"), ("mlp_forward", "dict_lookup_raises_keyerror"),
    ("mlp_forward", "checks_only_where_used"), ("sigmoid_net_to_tanh_net", "first_layer_rule_for_L1"),
    ("sigmoid_net_to_tanh_net", "scales_inputs_in_place"), ("tanh_net_to_sigmoid_net", "doubles_inputs_in_place"),
    ("sigmoid_derivative_polynomial", "table_up_to_three"),
}



# --- helpers ---------------------------------------------------------------------------------


def check_of(name: str) -> Check:
    return chk.CHECKS[f"{name}-hidden"]


@pytest.fixture(scope="module")
def solution() -> dict:
    """The reference solution's functions, run from the instructor's notebook."""
    namespace: dict = {}
    exec("import numpy as np\nimport sympy as sp\n", namespace)
    for grade_id, source in reference_answers(ASSIGNMENT).items():
        if grade_id in NAMES:
            exec(compile(source, f"<solution: {grade_id}>", "exec"), namespace)
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
    if (name, label) in PARTIAL_CREDIT:
        assert verdict.score > 0, verdict.report()


# --- references, stubs and the check table -------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_reference_solution_gets_full_marks(name, solution):
    verdict = grade(check_of(name), solution[name], via_json=True)
    assert verdict.score == verdict.max_score, verdict.report()


@pytest.mark.parametrize("name", NAMES)
def test_hidden_cell_function_reports_and_returns_the_score(name, solution, capsys):
    score = getattr(chk, f"{name}_hidden")(solution[name])
    assert score == check_of(name).points
    assert f"score: {check_of(name).points:g} / {check_of(name).points:g}" in capsys.readouterr().out


def test_references_agree_with_each_other_and_the_theorem():
    rng = np.random.default_rng(0)
    for L in range(1, 6):
        widths = list(rng.integers(1, 6, size=L + 1))
        As = [rng.normal(size=(m, n)) for n, m in zip(widths[:-1], widths[1:])]
        bs = [rng.normal(size=m) for m in widths[1:]]
        x = rng.normal(scale=3.0, size=(9, widths[0]))
        Cs, ds = chk.reference_sigmoid_to_tanh(As, bs)
        want = chk.reference_forward(As, bs, x, "sigmoid")
        assert np.allclose(chk.reference_forward(Cs, ds, x, "tanh"), want, rtol=1e-12, atol=1e-12)
        back = chk.reference_tanh_to_sigmoid(Cs, ds)
        assert all(np.allclose(p, q) for p, q in zip(back[0] + back[1], As + bs))
    s, x = sp.Symbol("s"), sp.Symbol("x")
    sigma = 1 / (1 + sp.exp(-x))
    for n in range(1, 5):
        assert sp.simplify(chk.reference_polynomial(n).subs(s, sigma) - sp.diff(sigma, x, n)) == 0
    assert np.allclose(chk.exact_sigmoid(chk.WIDE), chk.reference_sigmoid(chk.WIDE), rtol=1e-15, atol=0)


SIGNATURES = {"sigmoid": "x", "mlp_forward": "As, bs, x, activation", "sigmoid_net_to_tanh_net": "As, bs",
              "tanh_net_to_sigmoid_net": "Cs, ds", "sigmoid_derivative_polynomial": "n"}


def _stub(name: str):
    """The released stub: the solution cell with its body replaced by nbgrader."""
    return load(f"def {name}({SIGNATURES[name]}):\n    # YOUR CODE HERE\n    raise NotImplementedError()\n", name)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("kind", ["released_stub", "returns_none", "not_a_function", "raises_value_error"])
def test_stub_scores_zero(name, kind):
    def raises_value_error(*args, **kwargs):
        raise ValueError("not implemented")

    function = {"released_stub": _stub(name), "returns_none": lambda *a, **k: None, "not_a_function": None,
                "raises_value_error": raises_value_error}[kind]
    verdict = grade(check_of(name), function)
    assert verdict.score == 0, verdict.report()
    assert not any(part.passed for part in verdict.parts)


@pytest.mark.parametrize("name", NAMES)
def test_undefined_name_scores_zero(name):
    check = check_of(name)
    verdict = check.judge([Outcome(error=f"NameError: {name} is not defined", error_types=["NameError"])
                           for _ in check.calls])
    assert verdict.score == 0


def test_checks_are_exactly_the_five_hidden_cells():
    assert set(chk.CHECKS) == {f"{name}-hidden" for name in NAMES}
    for grade_id, check in chk.CHECKS.items():
        target, label = grade_id.split("-")
        assert label == "hidden" and check.target == target
        assert all(call.target == target for call in check.calls), grade_id
        assert check.points > 0 and check.parts
        assert callable(getattr(chk, f"{target}_hidden"))


def test_conversions_are_tested_for_every_depth_and_several_widths():
    for name in CONVERSIONS:
        depths, shapes = set(), set()
        for call in check_of(name).calls:
            As = call.args[0]
            depths.add(len(As))
            shapes.update(np.shape(A) for A in As)
            assert call.kind == "tree"
        assert {1, 2, 3, 4, 5} <= depths, name
        assert any(m != n for m, n in shapes) and any(m == n for m, n in shapes) and any(1 in s for s in shapes)


# --- honest but wrong, and disguised results ---------------------------------------------------------


def _zeros_like_network(As, bs):
    return [np.zeros(np.shape(A)) for A in As], [np.zeros(np.shape(b)) for b in bs]


def _identity_conversion(As, bs):
    return [np.array(A, dtype=np.float64) for A in As], [np.array(b, dtype=np.float64) for b in bs]


@pytest.mark.parametrize("name", CONVERSIONS)
@pytest.mark.parametrize("wrong", [_zeros_like_network, _identity_conversion], ids=["zeros", "unchanged"])
def test_a_network_of_the_right_shapes_but_another_function_earns_only_l1(name, wrong):
    verdict = grade(check_of(name), wrong)
    passed = [part.description for part in verdict.parts if part.passed]
    # Copying the parameters is right for L = 1 only (the affine network); zeros are never right.
    assert passed == ([check_of(name).parts[0].description] if wrong is _identity_conversion else []), verdict.report()


def test_constant_outputs_earn_nothing():
    assert grade(check_of("sigmoid"), lambda x: np.full(np.shape(x), 0.5)).score == 0

    def constant_forward(As, bs, x, activation):
        if activation not in ("sigmoid", "tanh"):
            raise ValueError(activation)
        return np.zeros((np.shape(x)[0], np.shape(As[-1])[0]))

    assert grade(check_of("mlp_forward"), constant_forward).score == 0


def test_an_expression_equal_only_at_the_test_points_is_not_a_polynomial():
    """A forged answer: the right polynomial plus sin(23 pi s), which vanishes at every test
    point (all have denominator 23). The values agree; the polynomial test must not."""
    def forged(n):
        s = sp.Symbol("s")
        return chk.reference_polynomial(n).subs(chk.S, s) + sp.sin(23 * sp.pi * s)

    verdict = grade(check_of("sigmoid_derivative_polynomial"), forged, via_json=True)
    assert verdict.score == 0, verdict.report()
    assert "not a polynomial" in verdict.report()


class AlwaysEqual(np.ndarray):
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False


class Liar:
    """Claims to be anything: equal to everything, 0.5 as an array, 1.0 as a float."""

    def __init__(self, shape):
        self.shape = shape

    def __array__(self, dtype=None, copy=None):
        return np.full(self.shape, 0.5)

    def __float__(self):
        return 1.0

    def __eq__(self, other):
        return True

    def __len__(self):
        return self.shape[0] if self.shape else 0


@pytest.mark.parametrize("name", CONVERSIONS)
@pytest.mark.parametrize("disguise", ["always_equal_leaves", "lying_leaves", "list_subclass"])
def test_disguised_parameters_gain_nothing(name, disguise):
    def tampered(As, bs):
        Ms, vs = _zeros_like_network(As, bs)
        if disguise == "always_equal_leaves":
            return [M.view(AlwaysEqual) for M in Ms], [v.view(AlwaysEqual) for v in vs]
        if disguise == "lying_leaves":
            return [Liar(M.shape) for M in Ms], [Liar(v.shape) for v in vs]

        class Pair(tuple):
            def __eq__(self, other):
                return True

        return Pair((Ms, vs))

    verdict = grade(check_of(name), tampered, via_json=True)
    assert verdict.score == 0, verdict.report()


def test_disguised_right_parameters_lose_the_float64_part():
    def tampered(As, bs):
        Cs, ds = chk.reference_sigmoid_to_tanh(As, bs)
        return [C.view(AlwaysEqual) for C in Cs], [d.view(AlwaysEqual) for d in ds]

    verdict = grade(check_of("sigmoid_net_to_tanh_net"), tampered, via_json=True)
    assert 0 < verdict.score < verdict.max_score, verdict.report()


# --- the same, graded the way the grader does: a separate worker process -------------------------

TAMPERING_CELL = dedent('''
    import builtins
    import numpy as np
    import sympy as sp

    np.allclose = np.array_equal = np.isclose = lambda *args, **kwargs: True
    np.testing.assert_allclose = lambda *args, **kwargs: None
    builtins.abs = lambda x: 0

    class AlwaysEqual(np.ndarray):
        def __eq__(self, other):
            return True

    def sigmoid(x):
        return np.full(np.shape(x), 0.5).view(AlwaysEqual)

    def mlp_forward(As, bs, x, activation):
        if activation not in ("sigmoid", "tanh"):
            raise ValueError(activation)
        return np.zeros((len(x), len(bs[-1]))).view(AlwaysEqual)

    def sigmoid_net_to_tanh_net(As, bs):
        return [np.zeros(np.shape(A)).view(AlwaysEqual) for A in As], [np.zeros(np.shape(b)) for b in bs]

    def tanh_net_to_sigmoid_net(Cs, ds):
        return [np.zeros(np.shape(C)) for C in Cs], [np.zeros(np.shape(d)).view(AlwaysEqual) for d in ds]

    def sigmoid_derivative_polynomial(n):
        s = sp.Symbol("s")
        return s + sp.sin(23 * sp.pi * s) * 0 + 0 * s
''')


@pytest.fixture(scope="module")
def out_of_process():
    from autograder.grading import judge as judge_module

    def run(cells):
        return judge_module.run_and_judge(list(cells), chk.CHECKS, judge_module.Limits(call_timeout=60.0))[0]

    return run


def test_out_of_process_tampering_gains_nothing(out_of_process):
    for grade_id, verdict in out_of_process([TAMPERING_CELL]).items():
        assert verdict.score == 0, (grade_id, verdict.report())


# --- end to end: `python -m autograder grade` on a perfect and a blank notebook ---------------------


# --- the released notebook ---------------------------------------------------------------------


def test_released_notebook_is_up_to_date_and_gives_nothing_away(tmp_path):
    import json

    import nbformat

    from autograder import course
    from autograder.release import release

    def cells(path):
        notebook = nbformat.read(path, 4)
        return [(c.cell_type, c.source, json.dumps(c.metadata, sort_keys=True)) for c in notebook.cells]

    (fresh,) = release([ASSIGNMENT], into=tmp_path)
    committed = course.released_notebook(ASSIGNMENT)
    assert cells(fresh) == cells(committed), "exercises/ is stale: run `python -m autograder release ex05_tanh_sigmoid`"
    text = committed.read_text()
    for secret in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS", "autograder.checks", "A @ np.ones", "sp.expand(sp.diff"):
        assert secret not in text, secret
    notebook = nbformat.read(committed, 4)
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in notebook.cells]
    for name in NAMES:
        assert {name, f"{name}-visible", f"{name}-hidden"} <= set(ids)
    source = nbformat.read(course.source_notebook(ASSIGNMENT), 4)
    points = {c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"].get("points")
              for c in source.cells if c.metadata.get("nbgrader", {}).get("grade")}
    for grade_id, check in chk.CHECKS.items():
        assert points[grade_id] == check.points
    assert points["proof"] > 0
