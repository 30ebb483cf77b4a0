"""What is special to the hidden checks of ``ex05_tanh_sigmoid`` (``test_checks_contract.py``
tests what every exercise shares).

The module's references agree with each other and with the theorem; the conversions are
tested for every depth and several widths; a network of the right shapes that computes another function earns only
the affine case, and constant outputs nothing; an expression equal to the polynomial only
at the test points, disguised parameters and an exercise-specific tampering in the real
worker gain nothing; and the released notebook keeps its secrets.
"""
from __future__ import annotations

from functools import partial
from textwrap import dedent

import numpy as np
import pytest
import sympy as sp

from autograder.checks import ex05_tanh_sigmoid as chk
from tests.checks_harness import (
    TAMPERING_PREAMBLE, AlwaysEqual, Liar, assert_nothing_gained, assert_release_keeps, check_for, grade,
    judged_in_worker,
)

ASSIGNMENT = "ex05_tanh_sigmoid"
NAMES = ("sigmoid", "mlp_forward", "sigmoid_net_to_tanh_net", "tanh_net_to_sigmoid_net",
         "sigmoid_derivative_polynomial")
CONVERSIONS = ("sigmoid_net_to_tanh_net", "tanh_net_to_sigmoid_net")
check_of = partial(check_for, ASSIGNMENT)


# --- the references and the tested networks ---------------------------------------------------------


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


@pytest.mark.parametrize("name", CONVERSIONS)
@pytest.mark.parametrize("disguise", ["always_equal_leaves", "lying_leaves", "list_subclass"])
def test_disguised_parameters_gain_nothing(name, disguise):
    def tampered(As, bs):
        Ms, vs = _zeros_like_network(As, bs)
        if disguise == "always_equal_leaves":
            return [M.view(AlwaysEqual) for M in Ms], [v.view(AlwaysEqual) for v in vs]
        if disguise == "lying_leaves":
            return [Liar(np.full(M.shape, 0.5)) for M in Ms], [Liar(np.full(v.shape, 0.5)) for v in vs]

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


# --- the same, graded the way the grader does: in the real worker --------------------------------

TAMPERING_CELL = TAMPERING_PREAMBLE + dedent('''
    np.testing.assert_allclose = lambda *args, **kwargs: None

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


def test_out_of_process_tampering_gains_nothing():
    assert_nothing_gained(judged_in_worker(chk.CHECKS)([TAMPERING_CELL]))


# --- the released notebook ---------------------------------------------------------------------


def test_released_notebook_gives_nothing_away():
    assert_release_keeps(ASSIGNMENT, "A @ np.ones", "sp.expand(sp.diff")
