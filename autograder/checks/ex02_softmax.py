"""Hidden tests of ``ex02_softmax``: the contract in EXERCISES.md, one check per graded name.

The references below are computed here, in the grader's process, before any student code
runs; the student's functions are only ever *called* (see :mod:`autograder.protocol`).
"""
from __future__ import annotations

import functools
from typing import Sequence

import mpmath
import numpy as np

from autograder.checks.framework import (
    Call, Check, Part, agrees, all_of, by_hidden_cell, close_to, compare, hidden_cell_functions, rational_points,
    symbolic_matrices, well_behaved,
)
from autograder.protocol import Outcome

RNG = np.random.default_rng(20261123)

# --- references ------------------------------------------------------------------------


def reference_softmax(z, axis=-1):
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def reference_log_softmax(z, axis=-1):
    z = np.asarray(z, dtype=np.float64)
    shifted = z - z.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def reference_jacobian(z):
    y = reference_softmax(z)
    return np.diag(y) - np.outer(y, y)


def reference_vjp(z, g):
    y = reference_softmax(z)
    g = np.asarray(g, dtype=np.float64)
    return y * (g - (g * y).sum(axis=-1, keepdims=True))


def _exact(text: str):
    numerator, denominator = text.split("/")
    return mpmath.mpf(int(numerator)) / int(denominator)


def reference_symbolic_jacobian(point: dict, n: int, digits: int) -> list:
    """J = diag(y) - y y^T at ``point``, in mpmath with ``digits`` + 10 digits."""
    with mpmath.workdps(digits + 10):
        z = [_exact(point[f"z{i}"]) for i in range(n)]
        e = [mpmath.exp(v) for v in z]
        y = [v / mpmath.fsum(e) for v in e]
        return [(y[i] if i == j else 0) - y[i] * y[j] for i in range(n) for j in range(n)]


# --- inputs ----------------------------------------------------------------------------

VECTOR = RNG.normal(size=7) * 3
BATCH = RNG.normal(size=(4, 5)) * 3
CUBE = RNG.normal(size=(2, 3, 4)) * 3
INTEGERS = [3, -1, 0, 2]
EXTREME = np.array([[1e5, 0.0, -1e5], [1000.0, 1000.0, 999.0], [-1e5, -1e5, -1e5 + 1], [-800.0, -801.0, -1e5]])
#: One large row on its own (1-D): code that is stable on batches only overflows here.
EXTREME_ROW = np.array([1000.0, 999.0, -1e5, 0.0])
SHIFT = 37.5
#: The contract's "moderate" range: exact to 1e-12 here (rows spread over the whole range).
MODERATE = RNG.uniform(-50.0, 50.0, size=(6, 8))


def _numeric(target: str, *args, **kwargs) -> Call:
    return Call(target, args=tuple(args), kwargs=kwargs)


def _sums_to_one(outcomes: Sequence[Outcome], axis: int = -1, atol: float = 1e-12) -> str | None:
    if outcomes[0].value is None:
        return compare(outcomes[0], np.ones(1), atol=atol)  # says why there is no value
    total = np.sum(outcomes[0].value, axis=axis)
    return compare(Outcome(value=np.asarray(total)), np.ones_like(total), atol=atol, what="the sum along axis")


def _well_behaved_and_right(target: str, reference, inputs=(BATCH, EXTREME)):
    """The calls and judge of the common contract (:func:`well_behaved`) on copies of
    ``inputs``, earned only by results that are also roughly right (to 1e-6; the other parts
    judge the precision). Otherwise a constant float64 array, or an outcome forged by the
    notebook's code, would collect these points without computing anything."""
    return agrees(target, reference, [x.copy() for x in inputs], atol=1e-6, rtol=1e-9, well_behaved=True)


# --- softmax -----------------------------------------------------------------------------

SOFTMAX_HIDDEN = Check(
    target="softmax",
    points=4,
    parts=(
        Part(
            "values on vectors, batches and integer lists (axis=-1)",
            *agrees("softmax", reference_softmax, [VECTOR, BATCH, INTEGERS], atol=1e-12),
            weight=2,
        ),
        Part(
            "the axis argument: axis=0 on a matrix, axis=1 on a 3-d array",
            (_numeric("softmax", BATCH, axis=0), _numeric("softmax", CUBE, axis=1)),
            all_of(close_to(reference_softmax(BATCH, axis=0), atol=1e-12),
                   close_to(reference_softmax(CUBE, axis=1), atol=1e-12)),
        ),
        Part(
            "moderate inputs (|z| <= 50): within 1e-12 of the exact value, summing to 1 to 1e-12",
            (_numeric("softmax", MODERATE),),
            lambda o: compare(o[0], reference_softmax(MODERATE), atol=1e-12) or _sums_to_one(o, atol=1e-12),
        ),
        Part(
            "no overflow: finite, within 1e-9 of the exact value and summing to 1 to 1e-9 for |z| up to 1e5 "
            "(a batch and a single row)",
            (_numeric("softmax", EXTREME), _numeric("softmax", EXTREME_ROW)),
            lambda o: (compare(o[0], reference_softmax(EXTREME), atol=1e-9) or _sums_to_one(o[:1], atol=1e-9)
                       or compare(o[1], reference_softmax(EXTREME_ROW), atol=1e-9) or _sums_to_one(o[1:], atol=1e-9)),
        ),
        Part(
            "unchanged when a constant is added along the axis",
            (_numeric("softmax", BATCH + SHIFT),),
            close_to(reference_softmax(BATCH), atol=1e-12),
        ),
        Part(
            "returns a new float64 array, leaves its input alone, emits no warning",
            *_well_behaved_and_right("softmax", reference_softmax),
        ),
    ),
)

# --- log_softmax ---------------------------------------------------------------------------

TINY_TAIL = np.array([0.0, -1e4])

LOG_SOFTMAX_HIDDEN = Check(
    target="log_softmax",
    points=3,
    parts=(
        Part(
            "values on vectors and batches (axis=-1)",
            *agrees("log_softmax", reference_log_softmax, [VECTOR, BATCH, INTEGERS], atol=1e-9, rtol=1e-12),
            weight=2,
        ),
        Part(
            "the axis argument",
            *agrees("log_softmax", reference_log_softmax, [CUBE], atol=1e-9, rtol=1e-12, axis=0),
        ),
        Part(
            "finite where the inputs are: log_softmax([0, -1e4]) is [0, -1e4]",
            (_numeric("log_softmax", TINY_TAIL), _numeric("log_softmax", EXTREME), _numeric("log_softmax", EXTREME_ROW)),
            all_of(close_to(np.array([0.0, -1e4]), atol=1e-9),
                   close_to(reference_log_softmax(EXTREME), atol=1e-9, rtol=1e-12),
                   close_to(reference_log_softmax(EXTREME_ROW), atol=1e-9, rtol=1e-12)),
            weight=2,
        ),
        Part(
            "returns a new float64 array, leaves its input alone, emits no warning",
            *_well_behaved_and_right("log_softmax", reference_log_softmax),
        ),
    ),
)

# --- softmax_jacobian ------------------------------------------------------------------------

# The last entry is a plain list: the contract says any array-like is accepted.
SMALL_VECTORS = (np.array([0.5]), RNG.normal(size=2), RNG.normal(size=3) * 2, np.array([2, -1, 0, 1, 3]),
                 [1, 0, -2])
LARGE_VECTOR = np.array([1000.0, 0.0, -1000.0, 999.0])

SOFTMAX_JACOBIAN_HIDDEN = Check(
    target="softmax_jacobian",
    points=3,
    parts=(
        Part(
            "J[i, j] = d y_i / d z_j for n = 1, 2, 3, 5",
            *agrees("softmax_jacobian", reference_jacobian, SMALL_VECTORS, atol=1e-12),
            weight=2,
        ),
        Part(
            "finite and exact for large inputs",
            *agrees("softmax_jacobian", reference_jacobian, [LARGE_VECTOR, VECTOR], atol=1e-12),
        ),
        Part(
            "returns a new float64 array, leaves its input alone, emits no warning",
            *_well_behaved_and_right("softmax_jacobian", reference_jacobian, [VECTOR, LARGE_VECTOR]),
        ),
    ),
)

# --- softmax_vjp ---------------------------------------------------------------------------------

G_VECTOR = RNG.normal(size=VECTOR.shape)
G_CUBE = RNG.normal(size=CUBE.shape)
LONG_Z = RNG.normal(size=200_000) * 5
LONG_G = RNG.normal(size=200_000)
G_ROW = np.array([1.0, -2.0, 0.5, 3.0])  # drawn by hand, so the RNG's later draws stay as they were

SOFTMAX_VJP_HIDDEN = Check(
    target="softmax_vjp",
    points=3,
    parts=(
        Part(
            "J(z)^T g for one row",
            *agrees("softmax_vjp", reference_vjp, [(VECTOR, G_VECTOR), ([1, 2, 3], [1, 0, 0])], atol=1e-12),
        ),
        Part(
            "J(z)^T g for every row of a batch of shape (2, 3, 4)",
            *agrees("softmax_vjp", reference_vjp, [(CUBE, G_CUBE)], atol=1e-12),
        ),
        Part(
            "O(n) memory: one row with n = 200000",
            *agrees("softmax_vjp", reference_vjp, [(LONG_Z, LONG_G)], atol=1e-12),
        ),
        Part(
            "finite for large inputs; a new float64 array; inputs untouched; no warning",
            (_numeric("softmax_vjp", EXTREME.copy(), np.ones_like(EXTREME)),
             _numeric("softmax_vjp", BATCH.copy(), BATCH.copy()),
             _numeric("softmax_vjp", EXTREME_ROW.copy(), G_ROW.copy())),
            # J^T 1 = 0, so the first call alone would pass an array of zeros: check the others too
            lambda o: (compare(o[0], reference_vjp(EXTREME, np.ones_like(EXTREME)), atol=1e-12)
                       or compare(o[1], reference_vjp(BATCH, BATCH), atol=1e-12)
                       or compare(o[2], reference_vjp(EXTREME_ROW, G_ROW), atol=1e-12) or well_behaved(o)),
        ),
    ),
)

# --- softmax_jacobian_symbolic ----------------------------------------------------------------------

DIGITS = 30
SYMBOLIC_SIZES = (1, 2, 3, 4)
#: Sizes judged together in one part. For n = 1 the Jacobian is the zero matrix, so n = 1
#: counts only together with n = 2: a matrix of zeros earns nothing.
SYMBOLIC_GROUPS = ((1, 2), (3,), (4,))
SYMBOLIC_POINTS = {n: rational_points(RNG, [f"z{i}" for i in range(n)], 3) for n in SYMBOLIC_SIZES}


SOFTMAX_JACOBIAN_SYMBOLIC_HIDDEN = Check(
    target="softmax_jacobian_symbolic",
    points=3,
    parts=tuple(symbolic_matrices("softmax_jacobian_symbolic", sizes, SYMBOLIC_POINTS,
                                  functools.partial(reference_symbolic_jacobian, digits=DIGITS), DIGITS)
                for sizes in SYMBOLIC_GROUPS),
)

# --- what the hidden test cells call ------------------------------------------------------------------

#: Hidden test cell ``grade_id`` -> the check that grades it.
CHECKS = by_hidden_cell(SOFTMAX_HIDDEN, LOG_SOFTMAX_HIDDEN, SOFTMAX_JACOBIAN_HIDDEN, SOFTMAX_VJP_HIDDEN,
                        SOFTMAX_JACOBIAN_SYMBOLIC_HIDDEN)
#: ``<target>_hidden(function)``, what each hidden test cell calls.
globals().update(hidden_cell_functions(CHECKS))
