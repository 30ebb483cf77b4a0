"""The hidden checks of ``ex08_softplus_expectation`` against catalogues of right and wrong student code.

What DESIGN.md asks of every hidden test: the released stub scores 0, the references score
full marks, every catalogued mistake loses points (in the part we expect), every catalogued
correct variant gets full marks, and nothing a student's code returns (or does to NumPy in
its own process) can buy points it would not earn honestly. The references themselves are
checked against closed forms, quadrature and Monte Carlo; the released notebook against the
source; and the chapter's own code against the checks (a student who copies it earns at most
25% of the automatic points).
"""
from __future__ import annotations

import functools
import json
import re
import subprocess
import sys
from pathlib import Path
from textwrap import dedent

import mpmath
import numpy as np
import pytest
import sympy as sp

from autograder.checks import ex08_softplus_expectation as chk
from autograder.checks.framework import Check, Verdict
from autograder.fill import filled, reference_answers
from autograder.worker import Outcome, probe
from conftest import read_rows, write_submission
from tests.catalogue.ex08_softplus_expectation import CORRECT, MISTAKES

ASSIGNMENT = "ex08_softplus_expectation"
NAMES = ("logistic_density", "logistic_smoothing", "smoothed_relu_layer", "smoothed_relu_layer_backward",
         "smoothed_relu_power_symbolic")
POINTS = {"logistic_density": 3, "logistic_smoothing": 5, "smoothed_relu_layer": 4, "smoothed_relu_layer_backward": 5,
          "smoothed_relu_power_symbolic": 3}
CHAPTER = Path(__file__).resolve().parent.parent / "book" / "ch08_softplus_expectation.md"


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
def grade_mistake(name: str, label: str) -> Verdict:
    """Each catalogued mistake is graded once; several tests read its verdict."""
    return grade(check_of(name), load(MISTAKES[name][label], name))


@functools.lru_cache(maxsize=None)
def solution_namespace() -> dict:
    """The instructor's answer cells, run together as the notebook runs them."""
    namespace: dict = {"np": np, "sp": sp}
    for name in NAMES:
        exec(compile(reference_answers(ASSIGNMENT)[name], name, "exec"), namespace)
    return namespace


# --- the catalogues --------------------------------------------------------------------------


# --- references, stubs and the check table -------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_solution_notebook_gets_full_marks(name):
    verdict = grade(check_of(name), solution_namespace()[name])
    assert verdict.score == verdict.max_score, verdict.report()


def test_the_functions_handed_over_agree_with_their_mpmath_twins():
    rng = np.random.default_rng(0)
    for name, (source, kinks, twin) in chk.SMOOTHING_FUNCTIONS.items():
        f = chk._local(name)
        t = np.concatenate([rng.uniform(-25, 25, 200), np.asarray(kinks, dtype=float) + 1e-9,
                            np.asarray(kinks, dtype=float) - 1e-9])
        values = f(t)
        assert values.shape == t.shape and values.dtype == np.float64, name
        assert isinstance(f(0.7), float), name
        twins = np.array([float(twin(mpmath.mpf(float(v)))) for v in t])
        assert np.allclose(values, twins, rtol=1e-13, atol=1e-13), name


def test_smoothing_references_match_closed_forms():
    """E sin(x - eps) = sin(x) phi(1), E cos(2(x - eps)) = cos(2x) phi(2) with phi(w) = (pi w / beta) /
    sinh(pi w / beta); E[x - eps]^3 = x^3 + 3 x pi^2 / (3 beta^2); softplus for ReLU; sigmoid for the step."""
    with mpmath.workdps(30):
        for beta in (0.1, 1.0, 100.0):
            B = mpmath.mpf(beta)
            phi = lambda w: (mpmath.pi * w / B) / mpmath.sinh(mpmath.pi * w / B)  # noqa: E731
            for x in (-20.0, -0.4, 1.1, 20.0):
                X = mpmath.mpf(x)
                closed = {
                    "wave": mpmath.sin(X) * phi(1) + mpmath.cos(2 * X) * phi(2) / 2,
                    "cubic": mpmath.mpf("0.05") * (X**3 + X * mpmath.pi**2 / B**2) - mpmath.mpf("0.4") * X + 1,
                    "relu": mpmath.log1p(mpmath.exp(B * X)) / B,
                    "step": 1 / (1 + mpmath.exp(-B * (X - mpmath.mpf("1.5")))),
                }
                for name, want in closed.items():
                    got = chk.exact_smoothing(name, x, beta)
                    assert abs(got - want) <= 1e-15 * (1 + abs(want)), (name, x, beta)


def test_smoothing_references_agree_with_a_quadrature_in_eps():
    """An independent quadrature (in eps, split at x - kink and at 0) for the functions with kinks."""
    for name, x, beta in (("jumps", 0.504, 100.0), ("stairs", 0.25, 0.5), ("bend", 0.31, 2.5), ("jumps", -20.0, 1.0)):
        _, kinks, twin = chk.SMOOTHING_FUNCTIONS[name]
        with mpmath.workdps(25):
            X, B = mpmath.mpf(x), mpmath.mpf(beta)
            edges = [-mpmath.inf, *sorted({X - mpmath.mpf(k) for k in kinks} | {mpmath.mpf(0)}), mpmath.inf]
            other = mpmath.quad(lambda e: twin(X - e) * B * mpmath.exp(-abs(B * e)) / (1 + mpmath.exp(-abs(B * e))) ** 2,
                                edges)
        assert abs(chk.exact_smoothing(name, x, beta) - other) < 1e-13, (name, x, beta)


def test_smoothing_tolerance_scale_is_right_to_a_percent():
    for name, x, beta in (("cubic", 3.0, 0.1), ("jumps", 0.5, 100.0), ("wave", 1.0, 1.0)):
        _, kinks, twin = chk.SMOOTHING_FUNCTIONS[name]
        with mpmath.workdps(20):
            X, B = mpmath.mpf(x), mpmath.mpf(beta)
            cuts = sorted({1 / (1 + mpmath.exp(-B * (X - mpmath.mpf(k)))) for k in kinks})
            exact = mpmath.quad(lambda u: abs(twin(X - mpmath.log(u / (1 - u)) / B)), [0, *cuts, 1])
        assert abs(chk.mean_abs(name, x, beta) - float(exact)) < 1e-2 * float(exact), name


def test_power_reference_matches_quadrature_and_the_recursion():
    with mpmath.workdps(30):
        for n in range(1, 6):
            for x, beta in ((mpmath.mpf(1) / 3, mpmath.mpf(2)), (mpmath.mpf(-3), mpmath.mpf(1) / 2), (mpmath.mpf(5), 3)):
                density = lambda e: beta * mpmath.exp(-abs(beta * e)) / (1 + mpmath.exp(-abs(beta * e))) ** 2  # noqa: E731
                quad = mpmath.quad(lambda e: (x - e) ** n * density(e), [-mpmath.inf, 0, x]) if x > 0 else \
                    mpmath.quad(lambda e: (x - e) ** n * density(e), [-mpmath.inf, x])
                assert abs(chk.exact_power(n, x, beta) - quad) < mpmath.mpf(10) ** -20 * abs(quad), (n, x)
                if n > 1:   # S_n' = n S_{n-1}
                    slope = mpmath.diff(lambda t: chk.exact_power(n, t, beta), x)
                    assert abs(slope - n * chk.exact_power(n - 1, x, beta)) < mpmath.mpf(10) ** -20 * abs(slope)


def test_layer_reference_matches_monte_carlo_along_w():
    rng = np.random.default_rng(3)
    W, b, X = chk.LAYER_RANDOM
    G, _ = chk.exact_layer(W, b, X, 1.5)
    u = rng.uniform(size=1_000_000)
    eps = np.log(u / (1 - u)) / 1.5
    norms = np.linalg.norm(W, axis=1)
    for i, j in ((0, 0), (3, 2), (5, 3)):
        samples = np.maximum(X[i] @ W[j] + b[j] + norms[j] * eps, 0)
        assert abs(samples.mean() - G[i, j]) < 5 * samples.std() / 1e3


def test_backward_reference_matches_finite_differences_of_the_layer_reference():
    W, b, X, V = chk.BACKWARD_RANDOM
    (dW, db, dX), _ = chk.exact_layer_backward(W, b, X, V, 2.5)

    def S(W, b, X):
        return float(np.sum(V * chk.exact_layer(W, b, X, 2.5)[0]))

    h = 1e-6
    for k, (P, want) in enumerate(((W, dW), (b, db), (X, dX))):
        for index in list(np.ndindex(P.shape))[:6]:
            args = [W.copy(), b.copy(), X.copy()]
            args[k][index] += h
            plus = S(*args)
            args[k][index] -= 2 * h
            assert abs((plus - S(*args)) / (2 * h) - want[index]) < 1e-7


def _stub(name: str):
    signature = {"logistic_density": "eps, beta=1.0", "logistic_smoothing": "f, x, beta=1.0, kinks=()",
                 "smoothed_relu_layer": "W, b, X, beta=1.0", "smoothed_relu_layer_backward": "W, b, X, V, beta=1.0",
                 "smoothed_relu_power_symbolic": "n"}[name]
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


def _checks_beta(beta):
    if np.ndim(beta) or not np.isfinite(beta) or beta <= 0:
        raise ValueError("bad beta")


def _constant_density(eps, beta=1.0):
    _checks_beta(beta)
    return np.zeros(np.shape(eps))


def _constant_smoothing(f, x, beta=1.0, kinks=()):
    _checks_beta(beta)
    return np.zeros(np.shape(x))


def _constant_layer(W, b, X, beta=1.0):
    _checks_beta(beta)
    return np.zeros((np.shape(X)[0], np.shape(W)[0]))


def _constant_backward(W, b, X, V, beta=1.0):
    _checks_beta(beta)
    W = np.asarray(W, dtype=float)
    if np.any(np.all(W == 0, axis=1)):
        raise ValueError(f"row {int(np.flatnonzero(np.all(W == 0, axis=1))[0])} of W is zero")
    return np.zeros(np.shape(W)), np.zeros(np.shape(W)[0]), np.zeros(np.shape(X))


CONSTANT_ANSWERS = {
    "logistic_density": _constant_density,
    "logistic_smoothing": _constant_smoothing,
    "smoothed_relu_layer": _constant_layer,
    "smoothed_relu_layer_backward": _constant_backward,
    "smoothed_relu_power_symbolic": lambda n: sp.Integer(0) * sp.Symbol("x") * sp.Symbol("beta"),
}

#: The points a constant answer may keep: checking beta (and, for the backward pass, the zero row).
CONSTANT_MAY_KEEP = {"logistic_density": ("raises ValueError",), "logistic_smoothing": ("raises ValueError",),
                     "smoothed_relu_layer": ("raises ValueError",),
                     "smoothed_relu_layer_backward": ("raises ValueError", "naming the row"),
                     "smoothed_relu_power_symbolic": ()}


@pytest.mark.parametrize("name", NAMES)
def test_constant_answers_earn_only_the_input_checks(name):
    """Zeros of the right type and shape earn nothing that needs a computed value."""
    verdict = grade(check_of(name), CONSTANT_ANSWERS[name])
    passed = [part.description for part in verdict.parts if part.passed]
    assert all(any(words in description for words in CONSTANT_MAY_KEEP[name]) for description in passed), verdict.report()
    assert verdict.score <= 0.35 * verdict.max_score, verdict.report()


def test_checks_are_exactly_the_five_hidden_cells():
    assert set(chk.CHECKS) == {f"{name}-hidden" for name in NAMES}
    for grade_id, check in chk.CHECKS.items():
        target, label = grade_id.split("-")
        assert label == "hidden" and check.target == target
        assert all(call.target == target for call in check.calls), grade_id
        assert check.points == POINTS[target]
        assert callable(getattr(chk, f"{target}_hidden"))


def test_hidden_cell_function_reports_and_returns_the_score(capsys):
    score = chk.logistic_density_hidden(solution_namespace()["logistic_density"])
    assert score == 3 and "score: 3 / 3" in capsys.readouterr().out


def test_power_points_keep_abs_beta_x_within_30_and_symbolic_calls_send_no_points():
    assert all(abs(sp.Rational(x) * sp.Rational(b)) <= 30 for x, b in chk.POWER_POINTS)
    assert any(abs(sp.Rational(x) * sp.Rational(b)) == 30 for x, b in chk.POWER_POINTS)
    for call in chk.SMOOTHED_RELU_POWER_SYMBOLIC_HIDDEN.calls:
        assert call.points == ()   # evaluated by the grader from the srepr, not in the student's process


# --- tampering ------------------------------------------------------------------------------------


class AlwaysEqual(np.ndarray):
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False


def test_a_disguised_wrong_layer_gains_nothing():
    honest = load(MISTAKES["smoothed_relu_layer"]["temperature_beta"], "smoothed_relu_layer")
    tampered = grade(check_of("smoothed_relu_layer"), lambda *a, **k: np.asarray(honest(*a, **k)).view(AlwaysEqual),
                     via_json=True)
    assert tampered.score <= grade_mistake("smoothed_relu_layer", "temperature_beta").score, tampered.report()


def test_a_sympy_object_that_lies_about_its_value_gains_nothing():
    class Sneaky(sp.Symbol):
        def evalf(self, *args, **kwargs):
            return sp.Float(0.25)

    tampered = grade(check_of("smoothed_relu_power_symbolic"), lambda n: Sneaky("x") * sp.Symbol("beta"), via_json=True)
    assert tampered.score == 0, tampered.report()


TAMPERING_CELL = dedent('''
    import builtins
    import numpy as np
    import sympy as sp

    np.allclose = np.array_equal = np.isclose = lambda *args, **kwargs: True
    builtins.abs = lambda x: 0
    sp.polylog = lambda *args: sp.Integer(0)

    def logistic_density(eps, beta=1.0):
        return np.zeros(np.shape(eps))

    def logistic_smoothing(f, x, beta=1.0, kinks=()):
        return np.zeros(np.shape(x))

    def smoothed_relu_layer(W, b, X, beta=1.0):
        return np.zeros((len(X), len(W)))

    def smoothed_relu_layer_backward(W, b, X, V, beta=1.0):
        return np.zeros(np.shape(W)), np.zeros(len(W)), np.zeros(np.shape(X))

    def smoothed_relu_power_symbolic(n):
        x, beta = sp.symbols("x beta")
        return sp.Float(0.25) * x * beta
''')


@pytest.fixture(scope="module")
def out_of_process():
    from autograder.grading import judge as judge_module

    def run(cells, call_timeout=60.0):
        return judge_module.judge(list(cells), chk.CHECKS, judge_module.Limits(call_timeout=call_timeout))

    return run


def test_out_of_process_correct_code_gets_full_marks(out_of_process):
    verdicts = out_of_process([next(iter(CORRECT[name].values())) for name in NAMES])
    for grade_id, verdict in verdicts.items():
        assert verdict.score == verdict.max_score, (grade_id, verdict.report())


def test_out_of_process_tampering_gains_nothing(out_of_process):
    verdicts = out_of_process([TAMPERING_CELL])
    for grade_id, verdict in verdicts.items():
        assert verdict.score == 0, (grade_id, verdict.report())


def test_out_of_process_a_student_cannot_replace_the_function_it_is_handed(out_of_process):
    """The f handed to logistic_smoothing is the check's own; a student who rebinds names in
    its namespace or returns f's values from somewhere else still gets judged on the truth."""
    cell = dedent('''
        import numpy as np

        def logistic_smoothing(f, x, beta=1.0, kinks=()):
            f.__globals__["np"] = None            # break the handed function for everyone else
            return np.zeros(np.shape(x))
    ''')
    verdict = out_of_process([cell])["logistic_smoothing-hidden"]
    assert verdict.score == 0, verdict.report()


# --- the released notebook ---------------------------------------------------------------------


def test_released_notebook_is_up_to_date_and_gives_nothing_away(tmp_path):
    import nbformat

    from autograder import course
    from autograder.release import release

    def cells(path):
        notebook = nbformat.read(path, 4)
        return [(c.cell_type, c.source, json.dumps(c.metadata, sort_keys=True)) for c in notebook.cells]

    (fresh,) = release([ASSIGNMENT], into=tmp_path)
    committed = course.released_notebook(ASSIGNMENT)
    assert cells(fresh) == cells(committed), f"exercises/ is stale: run `python -m autograder release {ASSIGNMENT}`"
    text = committed.read_text()
    for secret in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS", "autograder.checks", "polylog", "log1p", "np.abs(u)"):
        assert secret not in text, secret
    notebook = nbformat.read(committed, 4)
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in notebook.cells]
    for name in NAMES:
        assert {name, f"{name}-visible", f"{name}-hidden"} <= set(ids)
    assert len(set(c.id for c in notebook.cells)) == len(notebook.cells)
    source = nbformat.read(course.source_notebook(ASSIGNMENT), 4)
    points = {c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"].get("points")
              for c in source.cells if c.metadata.get("nbgrader", {}).get("grade")}
    for grade_id, check in chk.CHECKS.items():
        assert points[grade_id] == check.points
    assert [points[p] for p in ("proof_gradient_w", "proof_h", "proof_vector_noise")] == [2, 2, 2]


def _visible_cells() -> dict[str, str]:
    import nbformat

    from autograder import course

    notebook = nbformat.read(course.released_notebook(ASSIGNMENT), 4)
    return {c.metadata["nbgrader"]["grade_id"]: c.source for c in notebook.cells
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
    ("logistic_density", "sigmoid_product_loses_the_tail", "the tail was lost"),
    ("logistic_density", "noise_scale_beta", "should be"),
    ("logistic_density", "missing_factor_beta", "should be"),
    ("logistic_smoothing", "ignores_kinks", "are the kinks used"),
    ("smoothed_relu_layer", "temperature_beta", "check the temperature"),
    ("smoothed_relu_layer", "l1_norm", "check the temperature"),
    ("smoothed_relu_layer_backward", "without_the_h_term", "depends on w"),
    ("smoothed_relu_layer_backward", "zero_row_not_caught", "must raise ValueError"),
    ("smoothed_relu_power_symbolic", "n_minus_one_factorial", "E[ReLU(x - eps)^n]"),
    ("smoothed_relu_power_symbolic", "unevaluated_integral", "give a closed form"),
])
def test_visible_tests_catch_the_commonest_mistakes(name, label, words):
    with pytest.raises(AssertionError, match=re.escape(words)):
        _run_visible(name, {name: MISTAKES[name][label]})


# --- the chapter gives the exercise away only in small part ---------------------------------------

#: How the chapter's functions become the graded names, with the obvious one-line adapters.
CHAPTER_ADAPTERS = dedent('''
    def logistic_density(eps, beta=1.0):
        return logistic_pdf(np.asarray(eps, dtype=float), beta)

    def logistic_smoothing(f, x, beta=1.0, kinks=()):
        return np.array([smoothed_mc(f, xi, beta)[0] for xi in np.ravel(np.asarray(x, dtype=float))]).reshape(np.shape(x))

    def smoothed_relu_layer(W, b, X, beta=1.0):
        W, X = np.asarray(W, dtype=float), np.asarray(X, dtype=float)
        return np.array([[smoothed_unit(w, x, beta) for w in W] for x in X])

    def smoothed_relu_layer_backward(W, b, X, V, beta=1.0):
        W, X, V = (np.asarray(v, dtype=float) for v in (W, X, V))
        dX = sum(V[:, [j]] * np.array([smoothed_unit_input_grad(w, x, beta) for x in X]) for j, w in enumerate(W))
        return np.zeros(W.shape), np.zeros(W.shape[0]), dX

    def smoothed_relu_power_symbolic(n):
        x, beta = sp.symbols("x beta")
        return softplus_sym(x, beta) ** n
''')


def chapter_code() -> str:
    """The chapter's code cells, in order, as jupytext reads them."""
    import jupytext

    notebook = jupytext.read(CHAPTER)
    return "\n\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")


@pytest.mark.slow
def test_copying_the_chapter_earns_at_most_a_quarter(capsys):
    import matplotlib

    matplotlib.use("Agg")
    namespace: dict = {"__name__": "chapter08"}
    exec(compile(chapter_code(), str(CHAPTER), "exec"), namespace)
    exec(CHAPTER_ADAPTERS, namespace)
    earned = {name: grade(check_of(name), namespace[name]).score for name in NAMES}
    total = sum(earned.values()) / sum(POINTS.values())
    with capsys.disabled():
        print(f"\nchapter 08 copied under the graded names: {earned}, {100 * total:.1f}% of the automatic points")
    assert total <= 0.25, earned


# --- end to end: `python -m autograder grade` on a perfect and a blank notebook -------------------


@pytest.mark.slow
def test_grade_command_on_a_perfect_and_a_blank_notebook(tmp_path):
    root = tmp_path / "class"
    write_submission(root, "perfect", filled(ASSIGNMENT, reference_answers(ASSIGNMENT)), assignment=ASSIGNMENT)
    write_submission(root, "blank", filled(ASSIGNMENT, {}), assignment=ASSIGNMENT)
    out = tmp_path / "out"
    run = subprocess.run([sys.executable, "-m", "autograder", "grade", str(root), "--out", str(out)],
                         capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-2000:]
    grades = {row["student_id"]: row for row in read_rows(out / "grades.csv")}
    cells: dict = {}
    for row in read_rows(out / "cells.csv"):
        cells.setdefault(row["student_id"], {})[row["grade_id"]] = float(row["score"] or 0)
    full = sum(POINTS.values())
    assert grades["perfect"]["status"].startswith("pending (manual") and float(grades["perfect"]["max_score"]) == full + 6
    assert sum(score for grade_id, score in cells["perfect"].items() if not grade_id.startswith("proof")) == full
    assert float(grades["blank"]["score"]) == 0
