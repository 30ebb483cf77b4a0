"""The hidden checks of ``ex07_softplus_lipschitz`` against catalogues of right and wrong student code.

What DESIGN.md asks of every hidden test: the released stub scores 0, the references score
full marks, every catalogued mistake loses points (in the part we expect), every catalogued
correct variant gets full marks, and nothing a student's code returns (or does to NumPy in
its own process) can buy points it would not earn honestly. Also: the module's references
agree with independent computations, the visible tests pass on the reference and fail on
the stub, the committed release is up to date, and a student who copies the chapter's code
earns at most 25% of the automatic points.
"""
from __future__ import annotations

import ast
import functools
import re
import subprocess
import sys
from pathlib import Path
from textwrap import dedent

import mpmath
import nbformat
import numpy as np
import pytest
import sympy as sp

from autograder.checks import ex07_softplus_lipschitz as chk
from autograder.checks.framework import Check, Verdict
from autograder.fill import filled, reference_answers
from autograder.protocol import Outcome, probe
from conftest import read_rows, write_submission
from tests.catalogue.ex07_softplus_lipschitz import CORRECT, MISTAKES

ASSIGNMENT = "ex07_softplus_lipschitz"
CHAPTER = Path(__file__).resolve().parent.parent / "book" / "ch07_softplus_lipschitz.md"
NAMES = ("softplus_beta", "softplus_lipschitz_symbolic", "smooth_perceptron_lipschitz", "continuation_gd")
NUMERIC = ("softplus_beta", "smooth_perceptron_lipschitz", "continuation_gd")
POINTS = {"softplus_beta": 4, "softplus_lipschitz_symbolic": 3, "smooth_perceptron_lipschitz": 3, "continuation_gd": 4}
PROOFS = {"proof_lipschitz": 2, "proof_descent": 2, "proof_relu": 2}


# --- helpers ---------------------------------------------------------------------------------


def check_of(name: str) -> Check:
    return chk.CHECKS[f"{name}-hidden"]


def load(source: str, name: str):
    """Run a catalogue source in a fresh namespace and return the function it defines."""
    namespace: dict = {}
    exec(compile(source, f"<catalogue: {name}>", "exec"), namespace)
    return namespace[name]


def outcomes_of(check: Check, function, *, via_json: bool = False) -> list[Outcome]:
    outcomes = [probe(function, call) for call in check.calls]
    if via_json:
        outcomes = [Outcome.from_json(outcome.to_json()) for outcome in outcomes]
    return outcomes


def grade(check: Check, function, *, via_json: bool = False) -> Verdict:
    return check.judge(outcomes_of(check, function, via_json=via_json))


@functools.lru_cache(maxsize=None)


@functools.lru_cache(maxsize=None)
def solution_namespace() -> dict:
    """The instructor's answer cells, run together as the notebook runs them."""
    namespace: dict = {"np": np, "sp": sp}
    for name, source in reference_answers(ASSIGNMENT).items():
        if name in NAMES:
            exec(compile(source, name, "exec"), namespace)
    return namespace


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


# --- references, stubs and the check table -------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_solution_gets_full_marks(name):
    verdict = grade(check_of(name), solution_namespace()[name])
    assert verdict.score == verdict.max_score, verdict.report()


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


def _stub(name: str):
    signature = {"softplus_beta": "x, beta=1.0", "softplus_lipschitz_symbolic": "k",
                 "smooth_perceptron_lipschitz": "X, beta=1.0", "continuation_gd": "X, y, w0, betas, steps"}[name]
    return load(f"def {name}({signature}):\n    # YOUR CODE HERE\n    raise NotImplementedError()\n", name)


def _returns_none(*args, **kwargs):
    return None


def _refuses_everything(*args, **kwargs):
    raise ValueError("no")


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("kind", ["released_stub", "returns_none", "not_a_function", "refuses_everything"])
def test_stub_scores_zero(name, kind):
    function = {"released_stub": _stub(name), "returns_none": _returns_none, "not_a_function": None,
                "refuses_everything": _refuses_everything}[kind]
    verdict = grade(check_of(name), function)
    assert verdict.score == 0, verdict.report()


@pytest.mark.parametrize("name", NAMES)
def test_undefined_name_scores_zero(name):
    check = check_of(name)
    verdict = check.judge([Outcome(error=f"{name} is not defined") for _ in check.calls])
    assert verdict.score == 0
    assert all(f"{name} is not defined" in part.message for part in verdict.parts)


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


def test_checks_are_exactly_the_four_hidden_cells():
    assert set(chk.CHECKS) == {f"{name}-hidden" for name in NAMES}
    for grade_id, check in chk.CHECKS.items():
        target, label = grade_id.split("-")
        assert label == "hidden" and check.target == target
        assert all(call.target == target for call in check.calls), grade_id
        assert check.points == POINTS[target]
        assert callable(getattr(chk, f"{target}_hidden"))


def test_source_notebook_points_match_the_checks():
    source = nbformat.read(f"solutions/{ASSIGNMENT}/{ASSIGNMENT}.ipynb", 4)
    points = {c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"].get("points")
              for c in source.cells if c.metadata.get("nbgrader", {}).get("grade")}
    assert points == {**{f"{name}-hidden": POINTS[name] for name in NAMES}, **PROOFS}
    ids = [c.id for c in source.cells]
    assert len(set(ids)) == len(ids)


def test_hidden_cell_function_reports_and_returns_the_score(capsys):
    score = chk.smooth_perceptron_lipschitz_hidden(solution_namespace()["smooth_perceptron_lipschitz"])
    assert score == 3 and "score: 3 / 3" in capsys.readouterr().out


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


def _honest_wrong(name):
    right = solution_namespace()[name]
    if name == "continuation_gd":
        return lambda *a, **k: tuple(2 * v for v in right(*a, **k))
    return lambda *a, **k: 2 * np.asarray(right(*a, **k))


def _disguise(value, how):
    if isinstance(value, tuple):
        return tuple(_disguise(v, how) for v in value)
    return np.asarray(value).view(AlwaysEqual) if how == "always_equal_subclass" else Liar(value)


@pytest.mark.parametrize("name", NUMERIC)
@pytest.mark.parametrize("how", ["always_equal_subclass", "lying_object"])
def test_a_disguised_wrong_result_gains_nothing(name, how):
    honest = _honest_wrong(name)
    tampered = grade(check_of(name), lambda *a, **k: _disguise(honest(*a, **k), how), via_json=True)
    baseline = grade(check_of(name), honest, via_json=True)
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

    def softplus_beta(x, beta=1.0):
        return np.zeros(np.shape(x)).view(AlwaysEqual)

    def softplus_lipschitz_symbolic(k):
        return sp.Float(0.25) * sp.Symbol("beta") ** k

    def smooth_perceptron_lipschitz(X, beta=1.0):
        return np.zeros(1).view(AlwaysEqual)

    def continuation_gd(X, y, w0, betas, steps):
        return np.zeros(3).view(AlwaysEqual), np.zeros((len(betas), steps + 1)).view(AlwaysEqual)
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


def test_out_of_process_correct_code_gets_full_marks(out_of_process):
    verdicts = out_of_process([next(iter(CORRECT[name].values())) for name in NAMES])
    for grade_id, verdict in verdicts.items():
        assert verdict.score == verdict.max_score, (grade_id, verdict.report())


def test_out_of_process_tampering_gains_nothing(out_of_process):
    verdicts = out_of_process([TAMPERING_CELL])
    for grade_id, verdict in verdicts.items():
        limit = 1 if grade_id == "softplus_lipschitz_symbolic-hidden" else 0  # 0.25 beta is right for k = 1
        assert verdict.score <= limit, (grade_id, verdict.report())


def test_out_of_process_forged_outcomes_gain_nothing(out_of_process):
    stubs = [f"def {name}(*args, **kwargs):\n    raise NotImplementedError()\n" for name in NAMES]
    verdicts = out_of_process([FORGING_CELL, *stubs])
    for grade_id, verdict in verdicts.items():
        assert verdict.score == 0, (grade_id, verdict.report())


# --- the released notebook -----------------------------------------------------------------------


def _visible_cells() -> dict[str, str]:
    from autograder import course

    released = nbformat.read(course.released_notebook(ASSIGNMENT), 4)
    return {c.metadata["nbgrader"]["grade_id"]: c.source for c in released.cells
            if c.metadata.get("nbgrader", {}).get("grade_id", "").endswith("-visible")}


def _run_visible(name: str, overrides: dict[str, str]) -> None:
    namespace: dict = {"np": np, "sp": sp}
    for answer_name, source in {**reference_answers(ASSIGNMENT), **overrides}.items():
        if answer_name in NAMES:
            exec(compile(source, answer_name, "exec"), namespace)
    exec(compile(_visible_cells()[f"{name}-visible"], f"{name}-visible", "exec"), namespace)


@pytest.mark.parametrize("name", NAMES)
def test_visible_tests_pass_on_the_reference(name):
    _run_visible(name, {})


@pytest.mark.parametrize("name", NAMES)
def test_visible_tests_fail_on_the_stub(name):
    stub = f"def {name}(*args, **kwargs):\n    raise NotImplementedError()\n"
    with pytest.raises(NotImplementedError):
        _run_visible(name, {name: stub})


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("name, label, words", [
    ("softplus_beta", "naive_formula", "should be"),
    ("softplus_beta", "no_beta_check", "must raise ValueError"),
    ("softplus_lipschitz_symbolic", "bound_one_not_one_quarter", "not the smallest"),
    ("smooth_perceptron_lipschitz", "bound_one_not_one_quarter", "not the smallest"),
    ("smooth_perceptron_lipschitz", "norm_not_squared", "too small"),
    ("continuation_gd", "updates_w0_in_place", "modified w0"),
    ("continuation_gd", "losses_only_after_steps", r"steps \+ 1"),
])
def test_visible_tests_catch_common_mistakes(name, label, words):
    with pytest.raises(AssertionError, match=words):
        _run_visible(name, {name: MISTAKES[name][label]})


def test_released_notebook_gives_nothing_away():
    text = open(f"exercises/{ASSIGNMENT}/{ASSIGNMENT}.ipynb").read()
    for secret in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS", "autograder.checks", "log1p(np.exp(-np.abs",
                   "real_roots", "compute_uv", "_positive_beta", "X^T D(w) X", "sqrt(3)"):
        assert secret not in text, secret


@pytest.mark.slow
def test_committed_release_is_up_to_date(tmp_path):
    from autograder.release import release

    def cells(path):
        notebook = nbformat.read(path, 4)
        return [(c.cell_type, c.source, c.metadata) for c in notebook.cells]

    (fresh,) = release([ASSIGNMENT], into=tmp_path)
    assert cells(fresh) == cells(f"exercises/{ASSIGNMENT}/{ASSIGNMENT}.ipynb"), (
        f"exercises/ is stale: run `python -m autograder release {ASSIGNMENT}` and commit the result")


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


def chapter_functions() -> dict:
    """The functions defined in the chapter's code cells, run with the chapter's imports."""
    text = CHAPTER.read_text()
    cells = re.findall(r"^```\{code-cell\}[^\n]*\n(.*?)^```", text, flags=re.S | re.M)
    namespace: dict = {}
    for cell in cells:
        if cell.startswith("---\n"):                      # the cell's YAML options
            cell = cell.split("\n---\n", 1)[1]
        tree = ast.parse(cell)
        keep = [node for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom, ast.FunctionDef))
                and not (isinstance(node, ast.ImportFrom) and node.module == "myst_nb")]
        exec(compile(ast.Module(body=keep, type_ignores=[]), str(CHAPTER), "exec"), namespace)
    return {name: value for name, value in namespace.items()
            if callable(value) and getattr(value, "__module__", None) is None and not name.startswith("__")}


def test_copying_the_chapter_earns_at_most_a_quarter():
    functions = chapter_functions()
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


# --- end to end: `python -m autograder grade` on a perfect and a blank notebook -------------------


@pytest.mark.slow
def test_grade_command_on_a_perfect_and_a_blank_notebook(tmp_path):
    root = tmp_path / "class"
    write_submission(root, "perfect", filled(ASSIGNMENT, reference_answers(ASSIGNMENT)), assignment=ASSIGNMENT)
    write_submission(root, "blank", filled(ASSIGNMENT, {}), assignment=ASSIGNMENT)
    out = tmp_path / "out"
    run = subprocess.run([sys.executable, "-m", "autograder", "grade", str(root), "--out", str(out),
                          "--assignment", ASSIGNMENT, "--timeout", "120"],
                         capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-2000:]
    grades = {row["student_id"]: row for row in read_rows(out / "grades.csv")}
    cells: dict = {}
    for row in read_rows(out / "cells.csv"):
        cells.setdefault(row["student_id"], {})[row["grade_id"]] = float(row["score"] or 0)
    full = sum(POINTS.values())
    assert grades["perfect"]["status"].startswith("pending (manual:")
    assert float(grades["perfect"]["max_score"]) == full + sum(PROOFS.values())
    assert sum(score for grade_id, score in cells["perfect"].items() if grade_id not in PROOFS) == full
    assert float(grades["blank"]["score"]) == 0


@pytest.mark.parametrize("name", NAMES)
def test_each_answer_cell_stands_alone(name):
    """A wrong or missing answer in one cell must not cost points in another: every solution
    cell runs and earns full marks with only the graded functions it is meant to call
    (continuation_gd calls smooth_perceptron_lipschitz, as the contract says)."""
    answers = reference_answers(ASSIGNMENT)
    namespace: dict = {"np": np, "sp": sp}
    needs = {"continuation_gd": ["smooth_perceptron_lipschitz"]}.get(name, [])
    for other in [*needs, name]:
        exec(compile(answers[other], other, "exec"), namespace)
    verdict = grade(check_of(name), namespace[name])
    assert verdict.score == verdict.max_score, verdict.report()
