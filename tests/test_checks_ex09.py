"""The hidden checks of ``ex09_sigmoid_approximation`` against catalogues of right and wrong student code.

What DESIGN.md asks of every hidden test: the released stub scores 0, the reference solution
scores full marks, every catalogued mistake loses points (in the part we expect), every
catalogued correct variant (other constructions, fewer units, fitted weights, other searches)
gets full marks, and tampering buys nothing. Besides, the check's own supremum search is
tested: it finds peaks that a grid of 10^6 points misses, it agrees with a brute force where
one is possible, and it finds the maximum in d >= 2. Whole-grade runs of the approximations
take minutes on a loaded machine; the catalogue runs are shared through a cache.
"""
from __future__ import annotations

import functools
import math
import re
import subprocess
import sys

import mpmath
import numpy as np
import pytest
import sympy as sp

from autograder.checks import ex09_sigmoid_approximation as chk
from autograder.checks.framework import Check, Verdict
from autograder.fill import filled, reference_answers
from autograder.worker import Outcome, probe
from chapter_code import chapter_namespace
from conftest import read_rows, write_submission
from tests.catalogue.ex09_sigmoid_approximation import CORRECT, MISTAKES
from tests.checks_harness import failed_parts

ASSIGNMENT = "ex09_sigmoid_approximation"
NAMES = ("sigmoid_net", "sup_error_relu", "relu_sigmoid_approx", "relu_net_to_sigmoid_net",
         "staircase_limit_error_symbolic")
POINTS = {"sigmoid_net": 3, "sup_error_relu": 4, "relu_sigmoid_approx": 4, "relu_net_to_sigmoid_net": 4,
          "staircase_limit_error_symbolic": 3}


def check_of(name: str) -> Check:
    return chk.CHECKS[f"{name}-hidden"]


def load(source: str, name: str):
    namespace: dict = {}
    exec(compile(source, f"<catalogue: {name}>", "exec"), namespace)
    return namespace[name]


def grade(check: Check, function, *, via_json: bool = False) -> Verdict:
    outcomes = [probe(function, call) for call in check.calls]
    if via_json:
        outcomes = [Outcome.from_json(outcome.to_json()) for outcome in outcomes]
    return check.judge(outcomes)


@functools.lru_cache(maxsize=None)
def grade_source(table: str, name: str, label: str) -> Verdict:
    source = (CORRECT if table == "correct" else MISTAKES)[name][label]
    return grade(check_of(name), load(source, name))


# --- the catalogues --------------------------------------------------------------------------


def test_failure_messages_say_what_is_wrong():
    over = grade_source("mistake", "relu_sigmoid_approx", "budget_spent_four_times_over")
    assert any("but the budget is" in (p.message or "") for p in failed_parts(over)), over.report()
    lagging = grade_source("mistake", "relu_sigmoid_approx", "uncentred_staircase")
    assert any("the uniform error reaches" in (p.message or "") for p in failed_parts(lagging)), lagging.report()
    grid = grade_source("mistake", "sup_error_relu", "grid_of_a_million_points")
    assert any("did not look" in (p.message or "") for p in failed_parts(grid)), grid.report()


# --- the reference, stubs, the check table -------------------------------------------------------


@pytest.fixture(scope="module")
def solution_namespace():
    namespace: dict = {}
    exec("import math\nimport warnings\nimport numpy as np\nimport sympy as sp", namespace)
    for name, source in reference_answers(ASSIGNMENT).items():
        if name in NAMES:
            exec(compile(source, name, "exec"), namespace)
    return namespace


@pytest.mark.parametrize("name", NAMES)
def test_solution_notebook_gets_full_marks(name, solution_namespace):
    verdict = grade(check_of(name), solution_namespace[name])
    assert verdict.score == verdict.max_score, verdict.report()


def _stub(name: str):
    signature = {"sigmoid_net": "a, b, u, c, x", "sup_error_relu": "a, b, u, c, B", "relu_sigmoid_approx": "B, eps",
                 "relu_net_to_sigmoid_net": "W, beta, v, c0, R, eps", "staircase_limit_error_symbolic": ""}[name]
    return load(f"def {name}({signature}):\n    # YOUR CODE HERE\n    raise NotImplementedError()\n", name)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("kind", ["released_stub", "returns_none", "not_a_function"])
def test_stub_scores_zero(name, kind):
    function = {"released_stub": _stub(name), "returns_none": lambda *a, **k: None, "not_a_function": None}[kind]
    verdict = grade(check_of(name), function)
    assert verdict.score == 0, verdict.report()


CONSTANT_ANSWERS = {
    "sigmoid_net": lambda a, b, u, c, x: np.zeros(np.shape(x)),
    "sup_error_relu": lambda a, b, u, c, B: 0.0,
    # no units: well-typed and within every budget, but far from relu
    "relu_sigmoid_approx": lambda B, eps: (np.zeros(0), np.zeros(0), np.zeros(0), 0.0),
    "relu_net_to_sigmoid_net": lambda W, beta, v, c0, R, eps: (np.zeros((0, np.shape(W)[1])), np.zeros(0), np.zeros(0), float(c0)),
    "staircase_limit_error_symbolic": lambda: sp.log(2) / sp.Symbol("C"),
}


@pytest.mark.parametrize("name", NAMES)
def test_constant_answers_score_zero(name):
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


# --- the check's own supremum search --------------------------------------------------------------


def test_the_search_finds_a_peak_that_a_grid_of_a_million_points_misses():
    B = 1.0
    grid = np.linspace(-B, B, 10**6)
    where = float((grid[712_345] + grid[712_346]) / 2)
    slope = 1e7 / B                                   # width about 4e-7 B
    network = chk._combine(chk._bump(B, where, 0.5, slope), chk.centred_staircase(B, 40, 5.0)[:3])
    found = chk.sup_error(network, B)
    a, b, u, c = network
    on_grid = max(float(np.max(np.abs(c + chk.expit(np.outer(xs, a) + b) @ u - np.maximum(xs, 0))))
                  for xs in np.array_split(grid, 200))
    near = np.linspace(where - 1e-6, where + 1e-6, 200_001)
    brute = float(np.max(np.abs(c + chk.expit(np.outer(near, a) + b) @ u - near)))
    assert on_grid < 0.5 * float(found)
    assert abs(float(found) - brute) <= 1e-6 * brute


def test_the_search_agrees_with_the_exact_maximum_of_the_staircase_limit():
    """With many units at a fixed slope, the staircase's error is the limit's (largest at 0 and B)."""
    B, C, n = 1.0, 6.0, 3000
    network = chk.centred_staircase(B, n, C * B / n)
    found = chk.sup_error(network, B)
    limit = mpmath.log(2 / (1 + mpmath.exp(-C * B))) / C
    assert abs(found - limit) < 1e-6


def test_the_search_finds_the_kink_and_the_ends():
    assert abs(chk.sup_error(chk.KINK_NET, chk.SUP_B) - 1) < 1e-9
    assert chk.sup_error(chk.EMPTY, chk.SUP_B) == mpmath.mpf(chk.SUP_B) - chk.EMPTY[3]


def test_the_ball_search_finds_the_worst_point_in_two_dimensions():
    """Four units with beta = 0 and one-signed staircase errors at x = 0: the error there is the sum."""
    W = np.array([[1.0, 0.0], [0.0, 1.0], [0.6, -0.8], [-0.8, -0.6]])
    beta, v, R = np.zeros(4), np.ones(4), 1.0
    parts = [chk.centred_staircase(1.0, 6, 3.0) for _ in range(4)]
    A = np.vstack([np.outer(p[0], Wj) for p, Wj in zip(parts, W)])
    b = np.concatenate([p[1] for p in parts])
    u = np.concatenate([p[2] for p in parts])
    value, where = chk.sup_abs_ball(chk.Approximation((A, b, u, 0.0), (W, beta, v, 0.0)), R)
    at_zero = 4 * float(np.sum(parts[0][2] * chk.expit(parts[0][1])))
    assert float(value) >= at_zero * (1 - 1e-9)
    assert np.linalg.norm(where) <= R * (1 + 1e-12)


def test_the_grid_places_are_far_from_the_usual_grids():
    for where in chk.NARROW_WHERE:
        assert chk._far_from_grids(chk.SUP_B, where)


def test_budgets_are_exact_ceilings():
    assert chk.unit_budget(1.0, 0.013) == 20 and chk.unit_budget(1.0, 0.4) == 1
    (W, beta, v, _), R, eps = chk.NET_2D
    terms = chk._net_terms((W, beta, v, 0.0), R, eps)
    assert chk.net_budget(W, beta, v, R, eps) == sum(math.ceil(q) for q in terms)


def test_limit_reference_matches_quadrature():
    for point in chk.LIMIT_POINTS:
        C, B = (float(sp.Rational(point[k])) for k in ("C", "B"))
        quad = mpmath.quad(lambda t: 1 / (1 + mpmath.exp(C * t)), [0, B])
        assert abs(chk.exact_limit_error(point) - quad) < 1e-12


# --- tampering -----------------------------------------------------------------------------------------


class Liar:
    def __init__(self, values):
        self.values = np.asarray(values, dtype=np.float64)

    def __array__(self, dtype=None, copy=None):
        return self.values

    def __len__(self):
        return len(self.values)

    def __eq__(self, other):
        return True


def test_a_network_that_lies_about_its_length_gains_nothing():
    """A result whose arrays claim to be short: the check reads them as plain arrays."""
    def lying(B, eps):
        a, b, u, c = chk.centred_staircase(B, math.ceil(B / eps), 5.0)
        return Liar(a), Liar(b), Liar(u), c

    honest = grade(check_of("relu_sigmoid_approx"), lambda B, eps: chk.centred_staircase(B, math.ceil(B / eps), 5.0), via_json=True)
    tampered = grade(check_of("relu_sigmoid_approx"), lying, via_json=True)
    assert tampered.score <= honest.score < 4, tampered.report()


TAMPERING_CELL = '''
import builtins
import numpy as np
import sympy as sp
np.max = np.abs = lambda *args, **kwargs: 0.0
builtins.len = lambda x: 0

def sigmoid_net(a, b, u, c, x):
    return np.zeros(np.shape(x))

def sup_error_relu(a, b, u, c, B):
    return 0.0

def relu_sigmoid_approx(B, eps):
    return np.zeros(0), np.zeros(0), np.zeros(0), 0.0

def relu_net_to_sigmoid_net(W, beta, v, c0, R, eps):
    return np.zeros((0, 1)), np.zeros(0), np.zeros(0), 0.0

def staircase_limit_error_symbolic():
    return sp.Float(0.25)
'''


def test_out_of_process_tampering_gains_nothing():
    from autograder.grading import judge as judge_module

    verdicts = judge_module.run_and_judge([TAMPERING_CELL], chk.CHECKS, judge_module.Limits(call_timeout=60.0))[0]
    for grade_id, verdict in verdicts.items():
        assert verdict.score == 0, (grade_id, verdict.report())


# --- the released notebook and its visible tests ------------------------------------------------------


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
    assert cells(fresh) == cells(committed), f"exercises/ is stale: run `python -m autograder release {ASSIGNMENT}`"
    text = committed.read_text()
    for secret in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS", "autograder.checks", "golden", "logaddexp",
                   "eps / (H * abs(vj))", "1 + sp.exp(-C * B)"):
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
    assert points["proof_lower_bound"] > 0 and points["proof_limit"] > 0


def _visible_cells() -> dict[str, str]:
    import nbformat

    from autograder import course

    released = nbformat.read(course.released_notebook(ASSIGNMENT), 4)
    return {c.metadata["nbgrader"]["grade_id"]: c.source for c in released.cells
            if c.metadata.get("nbgrader", {}).get("grade_id", "").endswith("-visible")}


def _run_visible(name: str, overrides: dict[str, str]) -> None:
    namespace: dict = {}
    exec("import math\nimport warnings\nimport numpy as np\nimport sympy as sp", namespace)
    for answer_name, source in {**reference_answers(ASSIGNMENT), **overrides}.items():
        if answer_name in NAMES:
            exec(compile(source, answer_name, "exec"), namespace)
    exec(compile(_visible_cells()[f"{name}-visible"], f"{name}-visible", "exec"), namespace)


@pytest.mark.parametrize("name", NAMES)
def test_visible_tests_pass_on_the_reference(name):
    _run_visible(name, {})


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("name", NAMES)
def test_visible_tests_fail_on_the_stub(name):
    stub = f"def {name}(*args, **kwargs):\n    raise NotImplementedError()\n"
    with pytest.raises(NotImplementedError):
        _run_visible(name, {name: stub})


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("name, label, words", [
    ("sigmoid_net", "naive_exp_overflows", "compute the sigmoid without overflow"),
    ("sup_error_relu", "grid_of_a_million_points", "the error peaks at the kink"),
    ("relu_sigmoid_approx", "uncentred_staircase", "the error reaches"),
    ("relu_sigmoid_approx", "budget_spent_four_times_over", "but the budget is"),
    ("relu_net_to_sigmoid_net", "ignores_the_bias", "the error reaches"),
    ("staircase_limit_error_symbolic", "log2_over_C", "above relu at x = 0"),
])
def test_visible_tests_catch_the_commonest_mistakes(name, label, words):
    with pytest.raises(AssertionError, match=re.escape(words)):
        _run_visible(name, {name: MISTAKES[name][label]})


# --- how much the chapter gives away --------------------------------------------------------------------

#: The chapter's functions under the graded names, with the obvious adapters. The chapter has
#: no evaluator of a given network and no symbolic limit, so those two stay stubs; its grid
#: maxima become a grid search; its staircase, sized by its bound, becomes the weights.
COPY_ADAPTERS = '''
def sigmoid_net(a, b, u, c, x):
    raise NotImplementedError()

def sup_error_relu(a, b, u, c, B):
    x = np.linspace(-B, B, 10**6)
    return max(float(np.max(np.abs(c + expit(np.outer(xs, a) + b) @ u - np.maximum(xs, 0)))) for xs in np.array_split(x, 400))

def relu_sigmoid_approx(B, eps, k=2.0):
    n = units_from_the_bound(B, eps, k)
    delta = B / n
    return np.full(n, k / delta), -k * (np.arange(n) + 0.5), np.full(n, delta), 0.0

def relu_net_to_sigmoid_net(W, beta, v, c0, R, eps, k=2.0):
    W, beta, v = (np.asarray(p, dtype=np.float64) for p in (W, beta, v))
    H = len(v)
    A, b, u, c = [np.zeros((0, W.shape[1]))], [np.zeros(0)], [np.zeros(0)], float(c0)
    for Wj, bj, vj in zip(W, beta, v):
        Bj = R * np.linalg.norm(Wj) + abs(bj)
        if vj != 0 and Bj > 0:
            a_s, b_s, u_s, _ = relu_sigmoid_approx(Bj, eps / (H * abs(vj)), k)
            A.append(np.outer(a_s, Wj)); b.append(a_s * bj + b_s); u.append(vj * u_s)
    return np.concatenate(A), np.concatenate(b), np.concatenate(u), c

def staircase_limit_error_symbolic():
    raise NotImplementedError()
'''


@pytest.mark.slow
def test_copying_the_chapter_earns_at_most_a_quarter():
    namespace = chapter_namespace("ch09_sigmoid_approximation", COPY_ADAPTERS)
    earned = sum(grade(check_of(name), namespace[name]).score for name in NAMES)
    total = sum(POINTS.values())
    print(f"copying the chapter earns {earned:g} of {total} points ({earned / total:.0%})")
    assert earned <= 0.25 * total


# --- end to end ------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_grade_command_on_a_perfect_and_a_blank_notebook(tmp_path):
    root = tmp_path / "class"
    write_submission(root, "perfect", filled(ASSIGNMENT, reference_answers(ASSIGNMENT)), assignment=ASSIGNMENT)
    write_submission(root, "blank", filled(ASSIGNMENT, {}), assignment=ASSIGNMENT)
    out = tmp_path / "out"
    run = subprocess.run([sys.executable, "-m", "autograder", "grade", str(root), "--out", str(out)],
                         capture_output=True, text=True, timeout=1800)
    assert run.returncode == 0, run.stderr[-2000:]
    grades = {row["student_id"]: row for row in read_rows(out / "grades.csv")}
    cells: dict = {}
    for row in read_rows(out / "cells.csv"):
        cells.setdefault(row["student_id"], {})[row["grade_id"]] = float(row["score"] or 0)
    full = sum(POINTS.values())
    assert grades["perfect"]["status"].startswith("pending")
    assert sum(s for g, s in cells["perfect"].items() if not g.startswith("proof")) == full
    assert float(grades["blank"]["score"]) == 0
