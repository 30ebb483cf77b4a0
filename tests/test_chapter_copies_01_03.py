"""A student who copies chapters 01-03 earns at most a quarter of ex01-ex03's automatic points.

DESIGN.md: "what an exercise asks a student to derive is not in the book". Each test runs the
chapter's code once (``tests/chapter_code.py``), defines every graded name it can from the
chapter's own functions with the one-line adapters a student would write (positional mapping,
``np.asarray(..., float)``, a reshape; a chapter that shows one row where the exercise batches
is not adapted to batches),
grades them with the exercise's hidden checks exactly as ``tests/test_checks_exNN.py`` grades a
function, and asserts the total is at most 25% of the exercise's automatic points. A name the
chapter gives nothing for is graded as undefined (0 points). The figure is printed (run with
``-s`` to see it).
"""
from __future__ import annotations

import re

import numpy as np
import pytest

from autograder.checks import ex01_vector_activations, ex02_softmax, ex03_relu_subgradients
from autograder.fill import reference_answers
from tests.chapter_code import BOOK, chapter_namespace
from tests.checks_harness import grade

BOUND = 0.25


def earned(checks_module, namespace: dict) -> tuple[float, float, dict]:
    """(points earned, automatic points, per graded name) of the namespace's functions."""
    total = possible = 0.0
    per_name = {}
    for key, check in checks_module.CHECKS.items():
        name = key.removesuffix("-hidden")
        function = namespace.get(name)
        if callable(function):
            score = grade(check, function).score
        else:
            score = 0.0
        per_name[name] = (score, check.points)
        total += score
        possible += check.points
    return total, possible, per_name


def assert_within_bound(label: str, checks_module, namespace: dict) -> None:
    total, possible, per_name = earned(checks_module, namespace)
    detail = ", ".join(f"{name} {score:.2f}/{points:g}" for name, (score, points) in per_name.items())
    print(f"\n{label}: the chapter's code earns {total:.2f}/{possible:g} = {total / possible:.0%} ({detail})")
    assert total <= BOUND * possible, f"{label}: {total:.2f} of {possible:g} points ({detail})"


@pytest.mark.parametrize("assignment, checks_module", [
    ("ex01_vector_activations", ex01_vector_activations), ("ex02_softmax", ex02_softmax),
    ("ex03_relu_subgradients", ex03_relu_subgradients)], ids=["ex01", "ex02", "ex03"])
def test_the_measurement_gives_the_reference_solution_full_marks(assignment, checks_module):
    """The same measurement, run on the instructor's solution, earns every automatic point (so
    a low figure for a chapter means the chapter's code, not the measurement, falls short)."""
    namespace: dict = {}
    exec("import numpy as np\nimport sympy as sp\n", namespace)
    for key in checks_module.CHECKS:
        exec(reference_answers(assignment)[key.removesuffix("-hidden")], namespace)
    total, possible, per_name = earned(checks_module, namespace)
    assert total == possible, per_name


# --- ch01 -> ex01 --------------------------------------------------------------------------------

CH01_ADAPTERS = """
import numpy as np
jacobian_fd = lambda f, z, eps=1e-5: numerical_jacobian(lambda v: np.reshape(f(v), -1), np.asarray(z, float))
"""


def test_ch01_code_earns_at_most_a_quarter_of_ex01():
    assert_within_bound("ch01 -> ex01", ex01_vector_activations, chapter_namespace("ch01_vector_activations", CH01_ADAPTERS))


# --- ch02 -> ex02 --------------------------------------------------------------------------------

CH02_ADAPTERS = """
import numpy as np
softmax = lambda z, axis=-1: _softmax(np.asarray(z, float))
log_softmax = lambda z, axis=-1: _log_softmax(np.asarray(z, float))
softmax_jacobian = lambda z: _jacobian(np.asarray(z, float))
softmax_vjp = lambda z, g: vjp_formula(_softmax(np.asarray(z, float)), np.asarray(g, float))
"""


def test_ch02_code_earns_at_most_a_quarter_of_ex02():
    assert_within_bound("ch02 -> ex02", ex02_softmax, chapter_namespace("ch02_softmax", CH02_ADAPTERS))


# --- ch03 -> ex03 --------------------------------------------------------------------------------

def ch03_adapters() -> str:
    """The chapter's ``relu_finite`` under the graded name ``relu``, and the chapter's subgradient-method loop as a student
    would wrap it in a function: the chapter's own update line ``xk = xk - <step> * gk``, every
    iterate kept, and an ``argmin`` for the best one."""
    text = (BOOK / "ch03_relu_subgradients.md").read_text(encoding="utf-8")
    update = re.search(r"^\s*xk = xk - (.+?) \* gk\s*$", text, flags=re.M)
    assert update, "the chapter's subgradient-method update was not found: update ch03_adapters()"
    return f"""
import numpy as np
relu = relu_finite  # the chapter's function under the graded name
def subgradient_method(f, subgrad, x0, steps, c):
    xk = np.array(x0, dtype=float)
    iterates = [xk]
    for k in range(steps):
        gk = np.asarray(subgrad(xk), dtype=float)
        xk = xk - {update.group(1)} * gk
        iterates.append(xk)
    values = np.array([float(f(v)) for v in iterates])
    best = int(np.argmin(values))
    return iterates[best], float(values[best]), values
"""


def test_ch03_code_earns_at_most_a_quarter_of_ex03():
    assert_within_bound("ch03 -> ex03", ex03_relu_subgradients, chapter_namespace("ch03_relu_subgradients", ch03_adapters()))
