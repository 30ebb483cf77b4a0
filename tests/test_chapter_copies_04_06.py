"""Chapters 04-06 do not print their exercises' answers (issue 17, DESIGN.md).

A student who copies a chapter's code takes every function it defines, renames it to the
graded name and adds the one-line fixes anyone would write (positional mapping,
``np.asarray(..., float)``, a reshape or transpose; no loop over samples, which would be
writing the batched code the exercise asks for).
Those adapters are below, one per graded name the chapter has something for. Each is handed
to the exercise's hidden checks exactly as ``tests/test_checks_exNN.py`` grades a function
(``tests.checks_harness.grade``),
and what it earns must stay at or under a quarter of the exercise's automatic points.
An adapter that finds nothing to adapt (the chapter defines no such function) scores 0.
"""
from __future__ import annotations

import importlib

import pytest

from tests.chapter_code import chapter_namespace
from tests.checks_harness import grade

BOUND = 0.25

#: page, checks module, and for each graded name the adapter source a student would write.
COPIES = {
    "ex04": ("ch04_losses_cross_entropy", "autograder.checks.ex04_losses_cross_entropy", {
        "cross_entropy": "cross_entropy_ = lambda logits, y: cross_entropy_one(np.asarray(logits, float), y)",
        "cross_entropy_grad": "cross_entropy_grad_ = lambda logits, y: _softmax(np.asarray(logits, float)) - np.eye(np.shape(logits)[-1])[np.asarray(y)]",
        "bce_with_logits": "bce_with_logits_ = lambda t, y: exact_bce(np.asarray(t, float), np.asarray(y, float))",
        "logistic_nll_grad": "logistic_nll_grad_ = lambda theta, X, y: np.asarray(X, float).T @ (sigmoid(np.asarray(X, float) @ np.asarray(theta, float)) - np.asarray(y, float))",
    }),
    "ex05": ("ch05_tanh_sigmoid", "autograder.checks.ex05_tanh_sigmoid", {
        "sigmoid": "sigmoid_ = lambda x: _sigmoid(np.asarray(x, float))",
        "mlp_forward": "mlp_forward_ = lambda As, bs, x, activation: _network(As, bs, np.asarray(x, float), activation)",
        "sigmoid_net_to_tanh_net": "sigmoid_net_to_tanh_net_ = lambda As, bs: _sigmoid_to_tanh([np.asarray(A, float) for A in As], [np.asarray(b, float) for b in bs])",
    }),
    "ex06": ("ch06_dead_relu", "autograder.checks.ex06_dead_relu", {
        "two_layer_grads": "two_layer_grads_ = lambda a, b, u, X, Y, alpha=0.0: grads(*(np.asarray(p, float) for p in (a, b, u, X, Y)), alpha)",
        # ch06 defines no which-units function (it counts them inside train) and no training
        # loop with the graded return value (step takes one step; train keeps only counts and
        # losses): nothing there becomes dead_units or gradient_descent by a one-line fix.
        "dead_units": "dead_units_ = lambda a, b, X: dead_count(*(np.asarray(p, float) for p in (a, b, X)))",
        "gradient_descent": "gradient_descent_ = lambda a, b, u, X, Y, lr, steps, alpha=0.0: gradient_descent(*(np.asarray(p, float) for p in (a, b, u, X, Y)), lr, steps, alpha)",
    }),
}


def earned(exercise: str) -> tuple[float, float, dict]:
    """Points the chapter's copied code earns on the exercise's hidden checks, the maximum, and per name."""
    page, module, adapters = COPIES[exercise]
    checks = importlib.import_module(module).CHECKS
    per_name, total = {}, 0.0
    for check in checks.values():
        total += check.points
        source = adapters.get(check.target)
        if source is None:
            continue
        try:
            function = chapter_namespace(page, source)[check.target + "_"]
        except (NameError, KeyError, AttributeError):  # nothing in the chapter to adapt
            continue
        per_name[check.target] = grade(check, function).score
    return sum(per_name.values()), total, per_name


@pytest.mark.parametrize("exercise", sorted(COPIES))
def test_copying_the_chapter_earns_at_most_a_quarter(exercise):
    got, total, per_name = earned(exercise)
    print(f"{exercise}: the chapter's code earns {got:g} of {total:g} automatic points "
          f"({100 * got / total:.0f}%): {per_name}")
    assert got <= BOUND * total, per_name
