"""Hidden tests of ``ex01_vector_activations``: the contract in EXERCISES.md, one check per graded name.

The references below are computed here, in the grader's process, before any student code
runs; the student's functions are only ever *called* (see :mod:`autograder.protocol`). The
functions handed to the student's ``jacobian_fd`` are built in the worker from the source
strings below (:class:`~autograder.protocol.Function`); what they observe while the student's
code runs (whether ``z`` was still intact, what they were called with) comes back as plain
records.
"""
from __future__ import annotations

import functools
import re
from typing import Sequence

import mpmath
import numpy as np

from autograder.checks.framework import (
    Call, Check, Function, Judge, Part, agrees, all_of, by_hidden_cell, close_to, compare, hidden_cell_functions,
    rational_points, symbolic_matrices, well_behaved, well_behaved_and_right,
)
from autograder.protocol import Outcome

RNG = np.random.default_rng(20261124)

# --- references ------------------------------------------------------------------------


def reference_central_differences(f, z, eps=1e-5):
    """The contract's formula, column by column, for a trusted ``f`` (one of ours)."""
    z = np.array(z, dtype=np.float64)
    columns = []
    for j in range(z.size):
        plus, minus = z.copy(), z.copy()
        plus[j] += eps
        minus[j] -= eps
        columns.append((np.array(f(plus), dtype=np.float64).reshape(-1)
                        - np.array(f(minus), dtype=np.float64).reshape(-1)) / (2 * eps))
    return np.stack(columns, axis=1)


def _norm(z, axis=-1):
    """||z|| along ``axis`` (keepdims), scaled by the largest entry so that it cannot overflow."""
    scale = np.max(np.abs(z), axis=axis, keepdims=True)
    return scale * np.sqrt(np.sum((z / scale) ** 2, axis=axis, keepdims=True))


def reference_l2_normalize(z, axis=-1):
    z = np.asarray(z, dtype=np.float64)
    scale = np.max(np.abs(z), axis=axis, keepdims=True)
    scaled = z / scale
    return scaled / np.sqrt(np.sum(scaled**2, axis=axis, keepdims=True))


def exact_l2_normalize(rows) -> np.ndarray:
    """z / ||z|| for each row of a 2-D array, in 50-digit arithmetic, rounded to float64."""
    out = []
    with mpmath.workdps(50):
        for row in np.asarray(rows, dtype=np.float64):
            entries = [mpmath.mpf(float(v)) for v in row]
            norm = mpmath.sqrt(mpmath.fsum(v * v for v in entries))
            out.append([float(v / norm) for v in entries])
    return np.array(out)


def reference_l2_normalize_jacobian(z):
    z = np.asarray(z, dtype=np.float64)
    norm = _norm(z)[0]
    y = z / norm
    return (np.eye(z.size) - np.outer(y, y)) / norm


def reference_l2_normalize_vjp(z, g):
    z = np.asarray(z, dtype=np.float64)
    g = np.asarray(g, dtype=np.float64)
    norm = _norm(z)
    y = z / norm
    return (g - y * np.sum(g * y, axis=-1, keepdims=True)) / norm


def _exact(text: str):
    numerator, denominator = text.split("/")
    return mpmath.mpf(int(numerator)) / int(denominator)


def reference_symbolic_jacobian(point: dict, n: int, digits: int) -> list:
    """(I - y y^T) / ||z|| at ``point``, row by row, in mpmath with ``digits`` + 10 digits."""
    with mpmath.workdps(digits + 10):
        z = [_exact(point[f"z{i}"]) for i in range(n)]
        norm = mpmath.sqrt(mpmath.fsum(v * v for v in z))
        y = [v / norm for v in z]
        return [((1 if i == j else 0) - y[i] * y[j]) / norm for i in range(n) for j in range(n)]


# --- the functions handed to jacobian_fd ------------------------------------------------------
# Each is a source string, built in the worker; the same source, run here with a dummy
# ``record``, gives the grader's own copy for the references. Exact Jacobians are by hand.

Z_SMOOTH = np.array([0.7, 1.3, -0.4])

#: R^3 -> R^2, smooth, with second derivatives large enough that forward differences miss
#: 1e-7 at eps = 1e-4. It records, at every call, whether the student's z (ARGS[1]) still
#: holds the point it was given, and whether it was itself called with a 1-D float64 array.
SMOOTH_SOURCE = f'''
_Z = np.array({Z_SMOOTH.tolist()!r}, dtype=float)

def smooth(x):
    z = ARGS[1] if len(ARGS) > 1 else None
    record("z_intact", bool(z is not None and np.shape(z) == _Z.shape
                            and np.array_equal(np.asarray(z, dtype=float), _Z)))
    record("float64_vector", bool(type(x) is np.ndarray and x.dtype == np.float64 and x.shape == (3,)))
    return np.array([np.sin(x[0]) * x[1], np.exp(0.5 * x[2]) - x[0] * x[1] ** 2])
'''


def exact_smooth(x):
    return np.array([[np.cos(x[0]) * x[1], np.sin(x[0]), 0.0],
                     [-x[1] ** 2, -2 * x[0] * x[1], 0.5 * np.exp(0.5 * x[2])]])


#: R^2 -> R^3 as a Python list of floats.
LIST_SOURCE = '''
def as_list(x):
    return [float(x[0] * x[1]), float(x[0] + x[1] ** 3), math.cos(float(x[1]))]
'''
Z_LIST = np.array([-0.6, 0.9])


def exact_as_list(x):
    return np.array([[x[1], x[0]], [1.0, 3 * x[1] ** 2], [0.0, -np.sin(x[1])]])


#: R^3 -> a single Python float (m = 1).
SCALAR_SOURCE = '''
def scalar(x):
    return float(np.sum(x ** 2) + x[0] * x[2])
'''
Z_SCALAR = np.array([0.5, -1.5, 2.0])


def exact_scalar(x):
    return np.array([[2 * x[0] + x[2], 2 * x[1], 2 * x[2] + x[0]]])


#: Views of the argument: reversed (m = n = 4) and without its first entry (m = 3, n = 4).
REVERSED_SOURCE = '''
def reversed_view(x):
    return x[::-1]
'''
TAIL_SOURCE = '''
def tail_view(x):
    return x[1:]
'''
Z_VIEW = np.array([1.5, -0.5, 2.5, 0.25])

#: Called with the integer list [1, 2, 0]: records whether it receives float64 vectors.
INTEGER_SOURCE = '''
def polynomial(x):
    record("float64_vector", bool(type(x) is np.ndarray and x.dtype == np.float64 and x.shape == (3,)))
    return np.array([x[0] * x[2] + x[1], x[1] ** 2 - x[0]])
'''
Z_INTEGER = [1, 2, 0]


def exact_polynomial(x):
    return np.array([[x[2], 1.0, x[0]], [-1.0, 2 * x[1], 0.0]])


def _local(source: str, name: str):
    """The grader's own copy of a test function, with a ``record`` that keeps nothing."""
    import math

    import sympy

    namespace = {"np": np, "math": math, "sympy": sympy, "record": lambda key, value: None, "ARGS": []}
    exec(compile(source, f"<reference {name}>", "exec"), namespace)
    return namespace[name]


def _fd_call(source: str, name: str, z, **kwargs) -> Call:
    return Call("jacobian_fd", args=(Function(source, name), z), kwargs=kwargs)


# --- jacobian_fd -------------------------------------------------------------------------------


def _records_all_true(outcome: Outcome, key: str, message: str) -> str | None:
    seen = outcome.records.get(key, [])
    if not seen:
        return "f was never called"
    if not all(value is True for value in seen):
        return message
    return None


def _intact_while_f_runs(outcomes: Sequence[Outcome]) -> str | None:
    outcome = outcomes[0]
    return (compare(outcome, exact_smooth(Z_SMOOTH), atol=1e-7, what="the Jacobian")
            or well_behaved([outcome])
            or _records_all_true(outcome, "z_intact",
                                 "z was modified while f was running (f looked at it): perturb a copy of z, "
                                 "never z itself, not even temporarily"))


def _integer_point(outcomes: Sequence[Outcome]) -> str | None:
    outcome = outcomes[0]
    return (compare(outcome, exact_polynomial(np.array(Z_INTEGER, dtype=float)), atol=1e-7,
                    what="for z = [1, 2, 0] (a list of integers) the Jacobian")
            or _records_all_true(outcome, "float64_vector",
                                 "f was called with something other than a 1-D float64 array: "
                                 "convert z with np.asarray(z, dtype=float) before perturbing it"))


JACOBIAN_FD_HIDDEN = Check(
    target="jacobian_fd",
    points=4,
    parts=(
        Part(
            "central differences: within 1e-7 of the exact Jacobian at eps=1e-4, for f: R^3 -> R^2",
            (_fd_call(SMOOTH_SOURCE, "smooth", Z_SMOOTH, eps=1e-4),
             _fd_call(SMOOTH_SOURCE, "smooth", Z_SMOOTH[::-1].copy(), eps=1e-4)),
            all_of(close_to(exact_smooth(Z_SMOOTH), atol=1e-7, what="the Jacobian"),
                   close_to(exact_smooth(Z_SMOOTH[::-1]), atol=1e-7, what="the Jacobian")),
            weight=2,
        ),
        Part(
            "follows the formula at the step it is given (eps=1e-2, and the default eps=1e-5)",
            (_fd_call(SMOOTH_SOURCE, "smooth", Z_SMOOTH, eps=1e-2), _fd_call(SMOOTH_SOURCE, "smooth", Z_SMOOTH)),
            all_of(close_to(reference_central_differences(_local(SMOOTH_SOURCE, "smooth"), Z_SMOOTH, 1e-2),
                            atol=1e-9, rtol=1e-9, what="with eps=1e-2 the result"),
                   close_to(reference_central_differences(_local(SMOOTH_SOURCE, "smooth"), Z_SMOOTH, 1e-5),
                            atol=1e-8, rtol=1e-8, what="with the default eps the result")),
        ),
        Part(
            "f returning a list (m = 3, n = 2) or a single number (m = 1)",
            (_fd_call(LIST_SOURCE, "as_list", Z_LIST, eps=1e-4), _fd_call(SCALAR_SOURCE, "scalar", Z_SCALAR, eps=1e-4)),
            all_of(close_to(exact_as_list(Z_LIST), atol=1e-7, what="for f returning a list, the Jacobian"),
                   close_to(exact_scalar(Z_SCALAR), atol=1e-7, what="for f returning one number, the Jacobian")),
        ),
        Part(
            "f returning a view of its own argument (x[::-1] and x[1:])",
            (_fd_call(REVERSED_SOURCE, "reversed_view", Z_VIEW), _fd_call(TAIL_SOURCE, "tail_view", Z_VIEW)),
            all_of(close_to(np.eye(4)[::-1], atol=1e-7, what="for f(x) = x[::-1], the Jacobian"),
                   close_to(np.eye(4)[1:], atol=1e-7, what="for f(x) = x[1:], the Jacobian")),
        ),
        Part(
            "accepts a list of integers for z and calls f with 1-D float64 arrays",
            (_fd_call(INTEGER_SOURCE, "polynomial", Z_INTEGER, eps=1e-4),),
            _integer_point,
        ),
        Part(
            "never modifies z, not even while f runs; returns a new float64 array; no warning",
            (_fd_call(SMOOTH_SOURCE, "smooth", Z_SMOOTH.copy(), eps=1e-4),),
            _intact_while_f_runs,
        ),
    ),
)

# --- l2_normalize --------------------------------------------------------------------------------

VECTOR = RNG.normal(size=7) * 3
BATCH = RNG.normal(size=(4, 5)) * 3
CUBE = RNG.normal(size=(2, 3, 4)) * 3
INTEGERS = [[3, 4, 0], [1, -2, 2]]
#: Entries from 1e-300 to 1e300 and zeros, in nonzero rows.
EXTREME = np.array([
    [1e300, -1e300, 3e299, 0.0],
    [1e-300, 0.0, -2e-300, 5e-300],
    [1e300, 1e-300, 0.0, -2e299],
    [1e200, 1e200, -1e200, 1e200],
    [1e-200, 3e-200, 0.0, 0.0],
    [-1e-300, 0.0, 0.0, 0.0],
])

#: Zero vectors at known places: (array, axis, patterns one of which the message must match).
ZERO_IN_BATCH = RNG.normal(size=(6, 4))
ZERO_IN_BATCH[3] = 0.0
ZERO_IN_CUBE = RNG.normal(size=(2, 3, 4))
ZERO_IN_CUBE[1, 2] = 0.0
ZERO_COLUMN = RNG.normal(size=(5, 6))
ZERO_COLUMN[:, 4] = 0.0
ZERO_VECTOR = np.zeros(3)
#: For each, the integer sequences one of which must appear, consecutively, among the
#: integers the message mentions (``np.int64(1)`` counts as 1; a flat index 5 for (1, 2) too).
ZERO_CASES = (
    ("row 3 of a (6, 4) batch", ((3,),)),
    ("index (1, 2) of a (2, 3, 4) batch", ((1, 2), (5,))),
    ("column 4 of a (5, 6) array with axis=0", ((4,),)),
    ("the single vector [0, 0, 0]", ()),
)
#: Integers standing alone in a message: not part of a word (int64), a decimal or a sign.
_INTEGER = re.compile(r"(?<![\w.])\d+(?![\w.])")


def names_index(message: str, sequences) -> bool:
    """Whether ``message`` mentions one of ``sequences`` as consecutive integers."""
    found = [int(text) for text in _INTEGER.findall(message)]
    return any(found[i : i + len(seq)] == list(seq) for seq in sequences for i in range(len(found)))


def _raises_value_error_naming_the_index(outcomes: Sequence[Outcome]) -> str | None:
    *raising, fine = outcomes
    for outcome, (where, sequences) in zip(raising, ZERO_CASES):
        if outcome.error is None:
            return f"the zero vector at {where} did not raise (it must raise ValueError)"
        if "ValueError" not in outcome.error_types:
            return f"the zero vector at {where} raised {outcome.error[:120]}; it must raise ValueError"
        message = outcome.error.split(": ", 1)[-1]  # without the "ValueError: " prefix
        if sequences and not names_index(message, sequences):
            return f"the ValueError for the zero vector at {where} does not name its index: {outcome.error[:160]}"
    if fine.error is not None:
        return f"a batch without zero vectors raised {fine.error[:160]}"
    return compare(fine, reference_l2_normalize(BATCH), atol=1e-12, what="a batch without zero vectors")


def _well_behaved_and_right(*references: np.ndarray) -> Judge:
    """The common contract (:func:`well_behaved`), earned only by results that are also
    roughly right (the other parts judge the precision): a constant float64 array, or an
    outcome forged by the notebook's code, collects nothing here."""
    return well_behaved_and_right(*(close_to(reference, atol=1e-6, rtol=1e-6) for reference in references))


def _numeric(target: str, *args, **kwargs) -> Call:
    return Call(target, args=tuple(args), kwargs=kwargs)


L2_NORMALIZE_HIDDEN = Check(
    target="l2_normalize",
    points=4,
    parts=(
        Part(
            "values on vectors, batches and integer lists (axis=-1)",
            *agrees("l2_normalize", reference_l2_normalize, [VECTOR, BATCH, INTEGERS], atol=1e-12),
            weight=2,
        ),
        Part(
            "the axis argument: axis=0 on a matrix, axis=1 on a 3-d array",
            (_numeric("l2_normalize", BATCH, axis=0), _numeric("l2_normalize", CUBE, axis=1)),
            all_of(close_to(reference_l2_normalize(BATCH, axis=0), atol=1e-12),
                   close_to(reference_l2_normalize(CUBE, axis=1), atol=1e-12)),
        ),
        Part(
            "no overflow or underflow: exact to 1e-12 for entries from 1e-300 to 1e300 (batches and single rows)",
            (_numeric("l2_normalize", EXTREME), _numeric("l2_normalize", EXTREME.T, axis=0),
             _numeric("l2_normalize", EXTREME[0].copy()), _numeric("l2_normalize", EXTREME[1].copy())),
            all_of(close_to(exact_l2_normalize(EXTREME), atol=1e-12),
                   close_to(exact_l2_normalize(EXTREME).T, atol=1e-12),
                   close_to(exact_l2_normalize(EXTREME)[0], atol=1e-12),
                   close_to(exact_l2_normalize(EXTREME)[1], atol=1e-12)),
            weight=2,
        ),
        Part(
            "a vector of zeros raises ValueError naming its index",
            (_numeric("l2_normalize", ZERO_IN_BATCH), _numeric("l2_normalize", ZERO_IN_CUBE),
             _numeric("l2_normalize", ZERO_COLUMN, axis=0), _numeric("l2_normalize", ZERO_VECTOR),
             _numeric("l2_normalize", BATCH)),
            _raises_value_error_naming_the_index,
            weight=2,
            accepts_errors=True,
        ),
        Part(
            "returns a new float64 array, leaves its input alone, emits no warning",
            (_numeric("l2_normalize", BATCH.copy()), _numeric("l2_normalize", EXTREME.copy())),
            _well_behaved_and_right(reference_l2_normalize(BATCH), exact_l2_normalize(EXTREME)),
        ),
    ),
)

# --- l2_normalize_jacobian -----------------------------------------------------------------------

# The last entry is a plain list: the contract says any array-like is accepted. For n = 1 the
# Jacobian is 0, so it is judged together with the others.
SMALL_VECTORS = (np.array([-0.8]), RNG.normal(size=2), RNG.normal(size=3) * 2, np.array([2, -1, 0, 1, 3]),
                 [1, 0, -2])
#: |z| from 1e-100 (entries of J near 1e100: the relative error counts) to 1e100.
SCALED_VECTORS = (RNG.normal(size=4) * 1e-100, RNG.normal(size=3) * 1e-6, RNG.normal(size=3) * 1e100,
                  np.array([1e100, -3e99, 0.0, 2e-100]))


def _close(reference: np.ndarray) -> Judge:
    """Within 1e-12, absolute or relative."""
    return close_to(reference, atol=1e-12, rtol=1e-12)


def _jacobian_well_behaved(outcomes: Sequence[Outcome]) -> str | None:
    """:func:`well_behaved`, earned only with roughly right values; the second call has
    entries near 1e100, so it is judged by relative error."""
    first, second = outcomes
    wrong = (compare(first, reference_l2_normalize_jacobian(VECTOR), atol=1e-6, rtol=1e-6)
             or compare(second, reference_l2_normalize_jacobian(SCALED_VECTORS[0]), atol=0.0, rtol=1e-6))
    return well_behaved(outcomes) or (wrong and f"{wrong} (this part needs a correct result)")


L2_NORMALIZE_JACOBIAN_HIDDEN = Check(
    target="l2_normalize_jacobian",
    points=3,
    parts=(
        Part(
            "J[i, j] = d y_i / d z_j for n = 1, 2, 3, 5",
            *agrees("l2_normalize_jacobian", reference_l2_normalize_jacobian, SMALL_VECTORS, atol=1e-12, rtol=1e-12),
            weight=2,
        ),
        Part(
            "small and large inputs: |z| from 1e-100 to 1e100",
            *agrees("l2_normalize_jacobian", reference_l2_normalize_jacobian, SCALED_VECTORS,
                    atol=1e-12, rtol=1e-12),
        ),
        Part(
            "returns a new float64 array, leaves its input alone, emits no warning",
            (_numeric("l2_normalize_jacobian", VECTOR.copy()), _numeric("l2_normalize_jacobian", SCALED_VECTORS[0].copy())),
            _jacobian_well_behaved,
        ),
    ),
)

# --- l2_normalize_vjp ------------------------------------------------------------------------------

G_VECTOR = RNG.normal(size=VECTOR.shape)
G_CUBE = RNG.normal(size=CUBE.shape)
LONG_Z = RNG.normal(size=200_000) * 5
LONG_G = RNG.normal(size=200_000)
#: Rows from 1e-100 to 1e100 in one batch; each row's own norm matters.
SCALED_BATCH = np.vstack([RNG.normal(size=5) * s for s in (1e-100, 1e-6, 1.0, 1e100)])
G_SCALED = RNG.normal(size=SCALED_BATCH.shape)

L2_NORMALIZE_VJP_HIDDEN = Check(
    target="l2_normalize_vjp",
    points=3,
    parts=(
        Part(
            "J(z)^T g for one row",
            *agrees("l2_normalize_vjp", reference_l2_normalize_vjp, [(VECTOR, G_VECTOR), ([1, 2, 2], [1, 0, 0])],
                    atol=1e-12, rtol=1e-12),
        ),
        Part(
            "J(z)^T g for every row of a batch of shape (2, 3, 4)",
            *agrees("l2_normalize_vjp", reference_l2_normalize_vjp, [(CUBE, G_CUBE)], atol=1e-12, rtol=1e-12),
        ),
        Part(
            "O(n) memory: one row with n = 200000",
            *agrees("l2_normalize_vjp", reference_l2_normalize_vjp, [(LONG_Z, LONG_G)], atol=1e-12, rtol=1e-12),
        ),
        Part(
            "rows from 1e-100 to 1e100; a new float64 array; inputs untouched; no warning",
            (_numeric("l2_normalize_vjp", SCALED_BATCH.copy(), G_SCALED.copy()),),
            lambda o: (_close(reference_l2_normalize_vjp(SCALED_BATCH, G_SCALED))(o) or well_behaved(o)),
        ),
    ),
)

# --- l2_normalize_jacobian_symbolic ------------------------------------------------------------------

DIGITS = 30
SYMBOLIC_SIZES = (1, 2, 3, 4)
#: Sizes judged together in one part. For n = 1 the Jacobian is the zero matrix, so n = 1
#: counts only together with n = 2: a matrix of zeros earns nothing.
SYMBOLIC_GROUPS = ((1, 2), (3,), (4,))


def _nonzero_points(n: int, count: int = 3) -> tuple:
    """Random rational points, none of them the origin, where the Jacobian is undefined."""
    points = []
    while len(points) < count:
        point = rational_points(RNG, [f"z{i}" for i in range(n)], 1)[0]
        if any(not text.startswith("0/") for text in point.values()):
            points.append(point)
    return tuple(points)


SYMBOLIC_POINTS = {n: _nonzero_points(n) for n in SYMBOLIC_SIZES}


L2_NORMALIZE_JACOBIAN_SYMBOLIC_HIDDEN = Check(
    target="l2_normalize_jacobian_symbolic",
    points=3,
    parts=tuple(symbolic_matrices("l2_normalize_jacobian_symbolic", sizes, SYMBOLIC_POINTS,
                                  functools.partial(reference_symbolic_jacobian, digits=DIGITS), DIGITS)
                for sizes in SYMBOLIC_GROUPS),
)

# --- what the hidden test cells call ------------------------------------------------------------------

#: Hidden test cell ``grade_id`` -> the check that grades it.
CHECKS = by_hidden_cell(JACOBIAN_FD_HIDDEN, L2_NORMALIZE_HIDDEN, L2_NORMALIZE_JACOBIAN_HIDDEN, L2_NORMALIZE_VJP_HIDDEN,
                        L2_NORMALIZE_JACOBIAN_SYMBOLIC_HIDDEN)
#: ``<target>_hidden(function)``, what each hidden test cell calls.
globals().update(hidden_cell_functions(CHECKS))
