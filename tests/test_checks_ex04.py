"""The hidden checks of ``ex04_losses_cross_entropy`` against catalogues of right and wrong code.

What DESIGN.md asks of every hidden test: the released stub scores 0, the references score
full marks, every catalogued mistake loses points (in the part we expect), every catalogued
correct variant gets full marks, and nothing a student's code returns can buy points it would
not earn honestly. Also: the mpmath references agree with independent formulas, the SymPy
answer is judged by value and by its limit (with the numerical fallback when SymPy cannot
find the limit), and a perfect and a blank notebook go through ``python -m autograder grade``.
"""
from __future__ import annotations

from textwrap import dedent

import mpmath
import numpy as np
import pytest
import sympy as sp

from autograder.checks import ex04_losses_cross_entropy as chk
from autograder.checks.framework import Check
from autograder.fill import reference_answers
from autograder.checks.framework import read_symbolic
from autograder.protocol import Outcome, probe
from tests.catalogue.ex04_losses_cross_entropy import EXPECTED_FAILED_PART, MISTAKES
from tests.checks_harness import load, grade, failed_parts, catalogue_ids

ASSIGNMENT = "ex04_losses_cross_entropy"
NAMES = ("cross_entropy", "cross_entropy_grad", "bce_with_logits", "logistic_nll_grad", "ce_scaled_onehot_symbolic")
NUMERIC = NAMES[:4]
POINTS = {"cross_entropy": 4, "cross_entropy_grad": 3, "bce_with_logits": 3, "logistic_nll_grad": 3,
          "ce_scaled_onehot_symbolic": 3}


#: Mistakes that must lose exactly the parts named (and keep every other part).
ONLY_FAILED_PARTS = {
    ("cross_entropy", "accepts_negative_labels"): {"refuses negative labels"},
    ("cross_entropy", "fractional_labels_truncated"): {"refuses fractional and nan labels"},
    ("logistic_nll_grad", "naive_sigmoid_overflows"): {"without warnings", "emits no warning"},
    ("ce_scaled_onehot_symbolic", "right_values_wrong_limit"): {"its limit"},
}



# --- helpers ---------------------------------------------------------------------------------


def check_of(name: str) -> Check:
    return chk.CHECKS[f"{name}-hidden"]


@pytest.fixture(scope="module")
def references() -> dict:
    """The reference solution's functions, from the instructor's notebook."""
    answers = reference_answers(ASSIGNMENT)
    namespace: dict = {}
    exec("import numpy as np\nimport sympy as sp", namespace)
    for name in NAMES:
        exec(answers[name], namespace)
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
    only = ONLY_FAILED_PARTS.get((name, label))
    if only is not None:
        assert all(any(w in part.description for w in only) for part in failed), verdict.report()


# --- references, stubs and the check table -------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_reference_solution_gets_full_marks(name, references):
    verdict = grade(check_of(name), references[name], via_json=True)
    assert verdict.score == verdict.max_score, verdict.report()


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


def _stub(name: str):
    """The released stub: the solution cell with its body replaced by nbgrader."""
    signature = {"cross_entropy": "logits, y", "cross_entropy_grad": "logits, y", "bce_with_logits": "t, y",
                 "logistic_nll_grad": "theta, X, y", "ce_scaled_onehot_symbolic": "k"}[name]
    return load(f"def {name}({signature}):\n    # YOUR CODE HERE\n    raise NotImplementedError()\n", name)


def _returns_none(*args, **kwargs):
    return None


def _raises_value_error(*args, **kwargs):
    raise ValueError("I refuse everything")


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("kind", ["released_stub", "returns_none", "not_a_function", "always_value_error"])
def test_stub_scores_zero(name, kind):
    function = {"released_stub": _stub(name), "returns_none": _returns_none, "not_a_function": None,
                "always_value_error": _raises_value_error}[kind]
    verdict = grade(check_of(name), function)
    assert verdict.score == 0, verdict.report()
    assert not any(part.passed for part in verdict.parts)


def test_refusing_everything_earns_nothing():
    """A function that raises ValueError for every input gets no credit for refusing bad labels."""
    for name in ("cross_entropy", "cross_entropy_grad"):
        verdict = grade(check_of(name), _raises_value_error)
        assert verdict.score == 0
        assert "valid labels [2, 0, 1] must not raise" in verdict.report()


def test_the_released_stub_scores_zero_even_on_the_bad_label_parts():
    """NotImplementedError is not a ValueError: the stub earns nothing there either."""
    for name in ("cross_entropy", "cross_entropy_grad"):
        verdict = grade(check_of(name), _stub(name))
        assert verdict.score == 0 and "NotImplementedError" in verdict.report()


@pytest.mark.parametrize("name", NAMES)
def test_undefined_name_scores_zero(name):
    check = check_of(name)
    verdict = check.judge([Outcome(error=f"{name} is not defined", error_types=["NameError"]) for _ in check.calls])
    assert verdict.score == 0
    assert all(part.message for part in verdict.parts)


@pytest.mark.parametrize("name", NUMERIC)
def test_constant_float64_array_scores_zero(name):
    """Every part needs right values (or an error): a well-behaved array of zeros earns nothing."""
    shapes = {"cross_entropy": lambda a: np.zeros(np.shape(a[0])[0]),
              "cross_entropy_grad": lambda a: np.zeros(np.shape(a[0])),
              "bce_with_logits": lambda a: np.zeros(np.broadcast_shapes(np.shape(a[0]), np.shape(a[1]))),
              "logistic_nll_grad": lambda a: np.zeros(np.shape(a[1])[1])}
    verdict = grade(check_of(name), lambda *args: shapes[name](args))
    assert verdict.score == 0, verdict.report()


def test_checks_are_exactly_the_five_hidden_cells():
    assert set(chk.CHECKS) == {f"{name}-hidden" for name in NAMES}
    for grade_id, check in chk.CHECKS.items():
        target, label = grade_id.split("-")
        assert label == "hidden" and check.target == target and check.points == POINTS[target]
        assert all(call.target == target for call in check.calls), grade_id
        assert callable(getattr(chk, f"{target}_hidden"))


def test_hidden_cell_points_match_the_source_notebook():
    import nbformat

    from autograder import course

    source = nbformat.read(course.source_notebook(ASSIGNMENT), 4)
    points = {c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"].get("points")
              for c in source.cells if c.metadata.get("nbgrader", {}).get("grade")}
    assert points == {**{f"{n}-hidden": p for n, p in POINTS.items()}, "proof": 4}


@pytest.mark.parametrize("name", NAMES)
def test_hidden_cell_function_reports_and_returns_the_score(name, references, capsys):
    score = getattr(chk, f"{name}_hidden")(references[name])
    assert score == POINTS[name]
    assert f"score: {POINTS[name]} / {POINTS[name]}" in capsys.readouterr().out


def test_released_notebook_gives_nothing_away():
    from autograder import course

    text = course.released_notebook(ASSIGNMENT).read_text()
    for secret in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS", "autograder.checks", "logaddexp", "log1p",
                   "_validated", "(k - 1)", "exp(-lam)"):
        assert secret not in text, secret


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


# --- tampering ------------------------------------------------------------------------------------
# The grader judges the worker's plain data (``via_json=True``), never the student's object.


class AlwaysEqual(np.ndarray):
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False


class Liar:
    def __init__(self, values):
        self.values = np.asarray(values, dtype=np.float64)
        self.shape, self.dtype = self.values.shape, np.dtype(np.float64)

    def __array__(self, dtype=None, copy=None):
        return self.values

    def __float__(self):
        return 1.0

    def __eq__(self, other):
        return True

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return lambda *args, **kwargs: True


HONEST_WRONG = {
    "cross_entropy": lambda z, y: np.full(np.shape(z)[0], np.log(np.shape(z)[1])),
    "cross_entropy_grad": lambda z, y: np.zeros(np.shape(z)) + 0.5,
    "bce_with_logits": lambda t, y: np.broadcast_arrays(np.asarray(t, float), np.asarray(y, float))[0] * 0 + np.log(2),
    "logistic_nll_grad": lambda theta, X, y: np.asarray(X, float).T @ (0.5 - np.asarray(y, float)),
}


@pytest.mark.parametrize("name", NUMERIC)
@pytest.mark.parametrize("disguise", ["always_equal_subclass", "lying_object"])
def test_a_disguised_wrong_result_gains_nothing(name, disguise):
    honest = HONEST_WRONG[name]
    wrap = {"always_equal_subclass": lambda value: np.asarray(value).view(AlwaysEqual), "lying_object": Liar}[disguise]
    tampered = grade(check_of(name), lambda *a, **k: wrap(honest(*a, **k)), via_json=True)
    baseline = grade(check_of(name), honest, via_json=True)
    assert tampered.score <= baseline.score, tampered.report()
    assert tampered.score == 0, tampered.report()


class LyingLog(sp.log):
    """A SymPy function that claims to be the right answer when evaluated."""

    def _eval_evalf(self, prec):
        return sp.Float(0.5, prec)


def test_a_lying_sympy_subclass_is_judged_by_what_it_really_is():
    lam = sp.Symbol("lam")
    # srepr prints "LyingLog(...)", which is no SymPy class: it cannot be rebuilt and earns nothing
    verdict = grade(check_of("ce_scaled_onehot_symbolic"), lambda k: LyingLog(1 + (k - 1) * sp.exp(-lam)), via_json=True)
    assert verdict.score == 0, verdict.report()


TAMPERING_CELL = dedent('''
    import numpy as np
    import sympy as sp

    np.allclose = np.isclose = lambda *a, **k: True
    np.isfinite = lambda x, *a, **k: np.ones(np.shape(x), dtype=bool)

    class AlwaysEqual(np.ndarray):
        def __eq__(self, other):
            return True

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
    from autograder.grading import judge as judge_module

    verdicts = judge_module.run_and_judge([TAMPERING_CELL], chk.CHECKS, judge_module.Limits(call_timeout=60.0))[0]
    for grade_id, verdict in verdicts.items():
        assert verdict.score == 0, (grade_id, verdict.report())


# --- end to end: `python -m autograder grade` on a perfect and a blank notebook -------------------


