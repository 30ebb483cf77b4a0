"""What is special to the hidden checks of ``ex09_sigmoid_approximation`` (``test_checks_contract.py``
tests what every exercise shares; its catalogue runs take minutes on a loaded machine).

Answers that compute nothing score 0. The check's own supremum search is tested: it finds
peaks that a grid of 10^6 points misses, it agrees with a brute force and with the exact
maximum of the staircase limit, it finds the worst point of a ball in d >= 2; the budgets
are exact ceilings and the limit's reference agrees with a quadrature. A network that lies
about its length and an exercise-specific tampering in the real worker gain nothing; the
released notebook keeps its secrets; and a student who copies the chapter's code earns at
most 25% of the automatic points.
"""
from __future__ import annotations

import math
from functools import partial

import mpmath
import numpy as np
import pytest
import sympy as sp

from autograder.checks import ex09_sigmoid_approximation as chk
from chapter_code import chapter_namespace
from tests.checks_harness import (
    Liar, assert_cell_points, assert_nothing_gained, assert_release_keeps, assert_scores_zero, check_for, grade,
    judged_in_worker,
)

ASSIGNMENT = "ex09_sigmoid_approximation"
POINTS = {"sigmoid_net": 3, "sup_error_relu": 4, "relu_sigmoid_approx": 4, "relu_net_to_sigmoid_net": 4,
          "staircase_limit_error_symbolic": 3}
NAMES = tuple(POINTS)
PROOFS = {"proof_lower_bound": 3, "proof_limit": 3}
check_of = partial(check_for, ASSIGNMENT)


# --- answers that compute nothing, the points ------------------------------------------------------

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
    assert_scores_zero(check_of(name), CONSTANT_ANSWERS[name])


def test_the_notebook_gives_each_cell_its_points():
    assert_cell_points(ASSIGNMENT, POINTS, PROOFS)


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
    assert_nothing_gained(judged_in_worker(chk.CHECKS)([TAMPERING_CELL]))


# --- the released notebook -----------------------------------------------------------------------------


def test_released_notebook_gives_nothing_away():
    assert_release_keeps(ASSIGNMENT, "golden", "logaddexp", "eps / (H * abs(vj))", "1 + sp.exp(-C * B)")


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
