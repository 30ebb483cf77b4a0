"""What is special to the hidden checks of ``ex10_backprop`` (``test_checks_contract.py``
tests what every exercise shares).

The module's references (float64, exact, central differences) against each other and
against the hidden checks; the test networks (the kink, the symmetric nets); answers that
compute nothing; what the check observes inside the student's process (the traced events of
a batched backward pass, and a student who switches the tracing off); disguised results and
an exercise-specific tampering and forging in the real worker (where a loop over samples
loses only the batched part); what the released notebook keeps secret; and the chapter's
own code, copied under the graded names, earns at most 25%.
"""
from __future__ import annotations

import sys
from functools import partial
from textwrap import dedent

import numpy as np
import pytest

from autograder.checks import ex10_backprop as chk
from autograder.checks.framework import Call
from autograder.protocol import probe
from chapter_code import chapter_namespace
from tests.catalogue.ex10_backprop import MISTAKES
from tests.checks_harness import (
    TAMPERING_PREAMBLE, assert_cell_points, assert_full_marks, assert_nothing_gained, assert_release_keeps,
    assert_scores_zero, check_for, failed_parts, forging_cell, grade, graded_disguised, judged_in_worker, load,
)

ASSIGNMENT = "ex10_backprop"
POINTS = {"forward": 3, "activation_vjp": 4, "backward": 5, "numerical_gradient": 3, "gradient_descent": 4}
NAMES = tuple(POINTS)
PROOF_POINTS = {"proof_backprop": 3, "proof_symmetry": 4}
check_of = partial(check_for, ASSIGNMENT)


# --- the references and the test networks --------------------------------------------------------


def _reference_gd(Ws, bs, acts, X, Y, lr, steps):
    return chk.reference_gradient_descent(Ws, bs, acts, X, Y, lr, steps)[0]


def _reference_fd(Ws, bs, acts, X, Y, eps=1e-5):
    dWs, dbs, _ = chk.exact_central_differences(Ws, bs, acts, X, Y, eps)
    return dWs, dbs


def _checked_forward(Ws, bs, acts, X):
    if len(acts) != len(Ws) or any(a not in chk.ELEMENTWISE + chk.VECTOR for a in acts):
        raise ValueError("bad activations")
    return chk.reference_forward(Ws, bs, acts, X)


def _checked_vjp(act, z, g):
    if act not in chk.ELEMENTWISE + chk.VECTOR:
        raise ValueError(act)
    return chk.reference_vjp(act, z, g)


REFERENCES = {
    "forward": _checked_forward,
    "activation_vjp": _checked_vjp,
    "backward": chk.reference_backward,
    "numerical_gradient": _reference_fd,
    "gradient_descent": _reference_gd,
}


@pytest.mark.parametrize("name", NAMES)
def test_module_reference_gets_full_marks(name):
    assert_full_marks(check_of(name), REFERENCES[name])


@pytest.mark.parametrize("net", ["SMOOTH", "HIDDEN_LOG_SOFTMAX", "RELU_SOFTMAX"])
def test_exact_gradient_agrees_with_float64_and_with_central_differences(net):
    Ws, bs, acts, X, Y = getattr(chk, net)
    exact = chk.exact_backward(Ws, bs, acts, X, Y)
    floats = chk.reference_backward(Ws, bs, acts, X, Y)
    quotients = chk.exact_central_differences(Ws, bs, acts, X, Y, 1e-6)
    for e, f, q in zip(exact[0] + exact[1], floats[0] + floats[1], quotients[0] + quotients[1]):
        assert np.allclose(e, f, rtol=0, atol=1e-13)
        assert np.allclose(e, q, rtol=0, atol=1e-9)   # the quotient is the gradient up to O(eps^2)


def test_central_difference_reference_is_the_quotient_not_the_gradient():
    Ws, bs, acts, X, Y = chk.FD_NET
    dWs, _, loss = chk.exact_central_differences(Ws, bs, acts, X, Y, 0.1)
    exact = chk.exact_backward(Ws, bs, acts, X, Y)[0]
    assert np.abs(dWs[0] - exact[0]).max() > 1e-4
    moved = [W.copy() for W in Ws], [W.copy() for W in Ws]
    moved[0][0][0, 1] += 0.1
    moved[1][0][0, 1] -= 0.1
    quotient = (chk.reference_loss(moved[0], bs, acts, X, Y) - chk.reference_loss(moved[1], bs, acts, X, Y)) / 0.2
    assert abs(dWs[0][0, 1] - quotient) < 1e-13
    assert abs(loss - chk.reference_loss(Ws, bs, acts, X, Y)) < 1e-14


def test_kink_network_puts_exact_zeros_where_relu_prime_at_zero_matters():
    Ws, bs, acts, X, Y = chk.KINK
    zs = chk.reference_forward(Ws, bs, acts, X)[0]
    assert sum(int((Z == 0).sum()) for Z in zs[:2]) >= 6
    with_zero = chk.exact_backward(*chk.KINK)
    with_one = load(MISTAKES["backward"]["relu_slope_one_at_zero"], "backward")(*chk.KINK)
    assert any(np.abs(a - b).max() > 0.1 for a, b in zip(with_zero[0], with_one[0]))


def test_symmetric_networks_start_symmetric_and_asymmetric_ones_break():
    i, k = chk.SYMMETRY_PAIR
    for key, (Ws, bs, acts, X, Y) in chk.SYMMETRIC_NETS.items():
        assert np.array_equal(Ws[0][i], Ws[0][k]) and bs[0][i] == bs[0][k] and np.array_equal(Ws[1][:, i], Ws[1][:, k])
        assert acts[0] in ("tanh", "softmax", "log_softmax"), key
        # with unequal outgoing weights the tie breaks: the hypothesis is needed
        W2 = Ws[1].copy()
        W2[:, k] += 0.5
        new = chk.reference_gradient_descent([Ws[0], W2, *Ws[2:]], bs, acts, X, Y, 0.5, 5)[0][0]
        assert np.abs(new[0][i] - new[0][k]).max() > 1e-6, key


def _zeros_like_params(Ws, bs, *rest, **kwargs):
    return [np.zeros(np.shape(W)) for W in Ws], [np.zeros(np.shape(b)) for b in bs]


CONSTANT_ANSWERS = {
    "forward": lambda Ws, bs, acts, X: ([np.zeros((len(X), len(b))) for b in bs],
                                        [np.asarray(X, float)] + [np.zeros((len(X), len(b))) for b in bs]),
    "activation_vjp": lambda act, z, g: np.asarray(g, dtype=np.float64).copy(),
    "backward": _zeros_like_params,
    "numerical_gradient": _zeros_like_params,
    # the inputs unchanged: "units stay identical" alone must not pay
    "gradient_descent": lambda Ws, bs, acts, X, Y, lr, steps: (
        [np.array(W, float) for W in Ws], [np.array(b, float) for b in bs], np.zeros(steps + 1)),
}


@pytest.mark.parametrize("name", NAMES)
def test_constant_answers_score_zero(name):
    """Zeros, g itself (right for the identity only), or the inputs unchanged: well-typed but
    computed nothing."""
    assert_scores_zero(check_of(name), CONSTANT_ANSWERS[name])


def test_the_notebook_gives_each_cell_its_points():
    assert_cell_points(ASSIGNMENT, POINTS, PROOF_POINTS)


# --- what the check observes inside the student's process ------------------------------------------


def test_event_count_is_independent_of_the_number_of_samples():
    """The batched reference traces the same number of events for 50 rows as for 5000."""
    counts = []
    for n in (50, 5000):
        function, _ = chk.counted_rows(7, (n, 4))
        call = Call("backward", args=(chk.BIG_WS, chk.BIG_BS, chk.BIG_ACTS, function, np.zeros((n, 3))), kind="tree")
        counts.append(probe(chk.reference_backward, call).records["events"][0])
    assert counts[0] == counts[1] < chk.EVENT_BUDGET / 2


def test_tracing_stops_after_the_call():
    function, _ = chk.counted_rows(7, (10, 4))
    call = Call("backward", args=(chk.BIG_WS, chk.BIG_BS, chk.BIG_ACTS, function, np.zeros((10, 3))), kind="tree")
    before = sys.gettrace()
    probe(chk.reference_backward, call)
    assert sys.gettrace() is before


def test_switching_tracing_off_does_not_buy_the_batched_part():
    loop = load(MISTAKES["backward"]["python_loop_over_samples"], "backward")

    def sneaky(*args):
        sys.settrace(None)
        return loop(*args)

    verdict = grade(check_of("backward"), sneaky)
    batched = [p for p in verdict.parts if "batched over samples" in p.description][0]
    assert not batched.passed and "could not be observed" in batched.message


def test_watched_lists_hold_exactly_the_given_arrays():
    seen = []
    probe(lambda Ws: seen.extend(np.array(W) for W in Ws), Call("f", args=(chk.watched_list(chk.SMOOTH[0], "Ws"),)))
    assert all(np.array_equal(a, b) for a, b in zip(seen, chk.SMOOTH[0]))


# --- tampering ------------------------------------------------------------------------------------


def _doubled(result):
    if isinstance(result, (list, tuple)):
        return type(result)(_doubled(r) for r in result)
    return 2 * np.asarray(result) + 1


HONEST_WRONG = {name: (lambda name: lambda *a, **k: _doubled(REFERENCES[name](*a, **k)))(name) for name in NAMES}


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("how", ["always_equal_subclass", "lying_object"])
def test_a_disguised_wrong_result_gains_nothing(name, how):
    tampered, baseline = graded_disguised(check_of(name), HONEST_WRONG[name], how, as_float=0.25)
    assert tampered.score <= baseline.score, tampered.report()


# --- the same, graded the way the grader does: in the real worker --------------------------------

TAMPERING_CELL = TAMPERING_PREAMBLE + dedent('''
    import sys
    sys.settrace = lambda *args: None

    def forward(Ws, bs, acts, X):
        return [np.zeros(3).view(AlwaysEqual)], [np.zeros(3).view(AlwaysEqual)]

    def activation_vjp(act, z, g):
        return np.zeros(np.shape(z)).view(AlwaysEqual)

    def backward(Ws, bs, acts, X, Y):
        return [np.zeros(np.shape(W)) for W in Ws], [np.zeros(np.shape(b)) for b in bs]

    numerical_gradient = backward

    def gradient_descent(Ws, bs, acts, X, Y, lr, steps):
        return list(Ws), list(bs), np.zeros(steps + 1)
''')

#: Forged "records" too: the event count that the batched part reads.
FORGING_CELL = forging_cell(type_name="builtins.tuple", dtype="", entries=[], records={"events": [1]})


#: Grades cells as ``python -m autograder grade`` does, in the real worker.
out_of_process = judged_in_worker(chk.CHECKS)


def test_out_of_process_a_loop_over_samples_loses_only_the_batched_part():
    verdict = out_of_process([MISTAKES["backward"]["python_loop_over_samples"]])["backward-hidden"]
    assert [p.description for p in failed_parts(verdict)] == [chk.BACKWARD_HIDDEN.parts[-1].description], verdict.report()


def test_out_of_process_tampering_gains_nothing():
    assert_nothing_gained(out_of_process([TAMPERING_CELL]))


def test_out_of_process_forged_outcomes_and_events_gain_nothing():
    stubs = [f"def {name}(*args, **kwargs):\n    raise NotImplementedError()\n" for name in NAMES]
    assert_nothing_gained(out_of_process([FORGING_CELL, *stubs]))


# --- the released notebook ------------------------------------------------------------------------


def test_released_notebook_gives_nothing_away():
    assert_release_keeps(ASSIGNMENT, "g - s * g.sum", "(g * s).sum", "D.T @ as_", "P[k] = saved", "J P = P J", "tanh 1")


# --- how much the chapter gives away ----------------------------------------------------------------

#: The chapter's functions that a student could copy, handed in under the graded names with
#: the obvious adapters (one line each; for numerical_gradient, the chapter's one-entry
#: central difference applied to every entry).
CHAPTER_COPIES = {
    "forward": "def forward(Ws, bs, acts, X):\n    return forward_pass(Ws, bs, acts, X)\n",
    "activation_vjp": ("def activation_vjp(act, z, g):\n"
                       "    return DERIVATIVES[act](z, ACTIVATIONS[act](z)) * g\n"),
    "backward": "def backward(Ws, bs, acts, X, Y):\n    return backward_elementwise(Ws, bs, acts, X, Y)\n",
    "numerical_gradient": (
        "def numerical_gradient(Ws, bs, acts, X, Y, eps=1e-5):\n"
        "    return tuple([np.array([central_difference(entry_function(Ws, bs, acts, X, Y, which, l, k), P[k], eps)"
        " for k in np.ndindex(P.shape)]).reshape(P.shape) for l, P in enumerate(params)]"
        " for which, params in ((\"W\", Ws), (\"b\", bs)))\n"),
    "gradient_descent": "def gradient_descent(Ws, bs, acts, X, Y, lr, steps):\n    return train(Ws, bs, acts, X, Y, lr, steps)\n",
}


@pytest.mark.slow
def test_copying_the_chapter_earns_at_most_a_quarter():
    copied_chapter = chapter_namespace("ch10_backprop", "".join(CHAPTER_COPIES.values()))
    earned = 0.0
    for name in NAMES:
        score = grade(check_of(name), copied_chapter[name]).score
        print(f"{name}: {score:g} / {POINTS[name]}")
        earned += score
    print(f"the chapter's code earns {earned:.2f} of {sum(POINTS.values())} points ({earned / sum(POINTS.values()):.0%})")
    assert earned <= 0.25 * sum(POINTS.values()), f"the chapter's code earns {earned} of {sum(POINTS.values())} points"
