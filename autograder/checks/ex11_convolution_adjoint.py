"""Hidden tests of ``ex11_convolution_adjoint``: the contract in EXERCISES.md, one check per graded name.

For ``x`` of length n and a kernel ``k`` of length m the full convolution is
``f[i] = sum_j k[j] x[i - j]``, i = 0..n+m-2; the modes are the slices ``"full"`` = f,
``"valid"`` = ``f[m-1 : n]`` (only for m <= n) and ``"same"`` = ``f[s : s + n]`` with
``s = (m - 1) // 2``; the cross-correlation is the convolution with the flipped kernel; the
2-D rules are the same per axis.

References are computed here, before any student code runs, from the definitions: the
convolution as a sum over the kernel's taps, and the adjoint as ``C^T y`` with ``C`` built
entry by entry (``C[i, l] = k[i - l]``, the rows of the mode), so that agreeing with it is
the identity ``<conv1d(x, k, mode), y> = <x, conv1d_adjoint(y, k, mode)>`` on every input.
Kernels are random, hence not symmetric, so that a convolution and a correlation always
differ; lengths are odd and even, shorter and longer than the signal. The SymPy answer is
judged by value at exact rational points, to 30 digits, against the closed form in mpmath.
"""
from __future__ import annotations

import functools
from typing import Sequence

import mpmath
import numpy as np

from autograder.checks.framework import (
    Call, Check, Judge, Part, all_of, by_hidden_cell, hidden_cell_functions, raises_value_error, symbolic_expression,
    well_behaved_and_right,
)
from autograder.protocol import Outcome

RNG = np.random.default_rng(20261202)
MODES = ("full", "valid", "same")
#: Relative accuracy the contract asks of every entry (times sum|k| * max|row|).
RELATIVE = 1e-12

# --- references ------------------------------------------------------------------------------


def window(mode: str, n: int, m: int) -> slice:
    """The rows of the full convolution (length n + m - 1) that ``mode`` keeps."""
    if mode == "full":
        return slice(0, n + m - 1)
    if mode == "valid":
        return slice(m - 1, n)
    if mode == "same":
        start = (m - 1) // 2
        return slice(start, start + n)
    raise ValueError(f"unknown mode {mode!r}")


def full_matrix(k, n: int) -> np.ndarray:
    """``C[i, l] = k[i - l]`` for 0 <= i - l < m, the (n + m - 1, n) matrix of the full
    convolution, entry by entry from the definition."""
    k = np.asarray(k, dtype=np.float64)
    m = k.size
    C = np.zeros((n + m - 1, n))
    for i in range(n + m - 1):
        for l in range(n):
            if 0 <= i - l < m:
                C[i, l] = k[i - l]
    return C


def reference_matrix(k, n: int, mode: str = "full") -> np.ndarray:
    return full_matrix(k, n)[window(mode, n, len(k))]


def reference_conv1d(x, k, mode: str = "full") -> np.ndarray:
    """The convolution along the last axis, as the sum over taps of shifted copies of x."""
    x, k = np.asarray(x, dtype=np.float64), np.asarray(k, dtype=np.float64)
    n, m = x.shape[-1], k.size
    f = np.zeros(x.shape[:-1] + (n + m - 1,))
    for j in range(m):
        f[..., j : j + n] += k[j] * x
    return f[..., window(mode, n, m)]


def reference_corr1d(x, k, mode: str = "full") -> np.ndarray:
    return reference_conv1d(x, np.asarray(k, dtype=np.float64)[::-1], mode)


def input_length(mode: str, out: int, m: int) -> int:
    """The n whose convolution in ``mode`` has ``out`` entries."""
    return {"full": out - m + 1, "valid": out + m - 1, "same": out}[mode]


def reference_adjoint(y, k, mode: str = "full") -> np.ndarray:
    """``C^T y`` along the last axis, with ``C`` built entry by entry."""
    y = np.asarray(y, dtype=np.float64)
    C = reference_matrix(k, input_length(mode, y.shape[-1], len(k)), mode)
    return y @ C


def reference_conv2d(x, k, mode: str = "full") -> np.ndarray:
    """``f[i1, i2] = sum k[j1, j2] x[i1 - j1, i2 - j2]`` over the last two axes, sliced per axis."""
    x, k = np.asarray(x, dtype=np.float64), np.asarray(k, dtype=np.float64)
    (H, W), (p, q) = x.shape[-2:], k.shape
    f = np.zeros(x.shape[:-2] + (H + p - 1, W + q - 1))
    for j1 in range(p):
        for j2 in range(q):
            f[..., j1 : j1 + H, j2 : j2 + W] += k[j1, j2] * x
    return f[..., window(mode, H, p), window(mode, W, q)]


def correlation_closed_form(t, a, b, c):
    """``(f star g)(t) = integral f(s) g(t + s) ds`` for ``f(s) = s exp(-a s^2)``,
    ``g(s) = exp(-b (s - c)^2)`` (mpmath numbers in, an mpmath number out)."""
    u = t - c
    return -(b * u / (a + b)) * mpmath.sqrt(mpmath.pi / (a + b)) * mpmath.exp(-a * b * u**2 / (a + b))


def _require(condition: bool, message: str) -> None:
    """A sanity check of this module's own test inputs (kept under ``python -O``)."""
    if not condition:
        raise RuntimeError(f"ex11_convolution_adjoint checks: {message}")


# --- judges ----------------------------------------------------------------------------------


def _row_scale(x, k, image_axes: int = 1) -> np.ndarray:
    """``sum|k| * max|row of x|`` (or of each image), shaped to broadcast against the result."""
    x = np.abs(np.asarray(x, dtype=np.float64))
    axes = tuple(range(x.ndim - image_axes, x.ndim))
    return np.abs(np.asarray(k, dtype=np.float64)).sum() * x.max(axis=axes, keepdims=True)


def _close(reference: np.ndarray, allowed, what: str) -> Judge:
    """One outcome equals ``reference`` in shape and, entry by entry, within ``allowed``."""
    allowed = np.broadcast_to(allowed, reference.shape)

    def judge(outcomes: Sequence[Outcome]) -> str | None:
        if outcomes[0].error is not None:  # seen only in a part that accepts errors
            return f"{what}: raised {outcomes[0].error[:120]}; this input must give a result"
        value = outcomes[0].value
        if value is None:
            return f"{what}: the result could not be read as an array of numbers"
        if value.shape != reference.shape:
            return f"{what}: the result has shape {value.shape}, expected {reference.shape}"
        finite = np.isfinite(value)
        if not finite.all():
            index = tuple(int(i) for i in np.argwhere(~finite)[0])
            return f"{what}: the result is not finite at index {index}"
        error = np.abs(value - reference)
        if (error > allowed).any():
            index = tuple(int(i) for i in np.unravel_index(np.argmax(error - allowed), error.shape))
            return (f"{what}: wrong at index {index}: got {float(value[index]):.6g}, "
                    f"expected {float(reference[index]):.6g} (off by {error[index]:.2g}, "
                    f"allowed {allowed[index]:.2g})")
        return None

    return judge


def _raises(what: str) -> Judge:
    """The outcome must be a ``ValueError`` (a result, or any other error, fails)."""
    return lambda outcomes: raises_value_error(outcomes[0], f"{what}:")


class Case:
    """One call of a graded function and the judge of its result."""

    def __init__(self, target: str, args: tuple, mode: "str | None", judge: Judge):
        kwargs = {} if mode is None else {"mode": mode}
        self.call = Call(target, args=args, kwargs=kwargs)
        self.judge = judge


def _part(description: str, cases: Sequence[Case], weight: float = 1.0, *, errors: bool = False) -> Part:
    return Part(description, tuple(c.call for c in cases), all_of(*(c.judge for c in cases)),
                weight=weight, accepts_errors=errors)


def _mode_label(mode: "str | None") -> str:
    return "the default mode" if mode is None else f'mode "{mode}"'


# --- inputs ----------------------------------------------------------------------------------

X12 = RNG.normal(size=12)
X5 = RNG.normal(size=5)
X1 = RNG.normal(size=1)
KERNELS = {m: RNG.normal(size=m) for m in (1, 2, 3, 4, 5, 6, 7, 8, 9, 12)}
BATCH = RNG.normal(size=(2, 3, 10))
SHORT_BATCH = RNG.normal(size=(4, 3))
BIG_N, BIG_M = 20_000, 31
BIG_X = RNG.normal(size=BIG_N)
BIG_K = RNG.normal(size=BIG_M)
for _k in KERNELS.values():
    _require(_k.size == 1 or np.abs(_k - _k[::-1]).max() > 0.1, "kernels must be far from symmetric")

# --- conv1d and corr1d -----------------------------------------------------------------------


def _signal_case(target: str, reference, x, m_or_k, mode: "str | None") -> Case:
    k = KERNELS[m_or_k] if isinstance(m_or_k, int) else m_or_k
    want = reference(x, k, mode or "full")
    label = f"n = {np.shape(x)[-1]}, m = {len(k)}, {_mode_label(mode)}"
    return Case(target, (x, k), mode, _close(want, RELATIVE * _row_scale(x, k), label))


def _error_case(target: str, args: tuple, mode: "str | None", what: str) -> Case:
    return Case(target, args, mode, _raises(what))


def _signal_check(target: str, reference, points: float) -> Check:
    """The check of ``conv1d`` or ``corr1d`` (the same properties, another reference)."""
    def case(x, m, mode):
        return _signal_case(target, reference, x, m, mode)

    return Check(
        target=target,
        points=points,
        parts=(
            _part('"full" mode (also the default): odd and even m, m = 1, m = n',
                  [case(X12, 5, "full"), case(X12, 4, None), case(X12, 1, "full"), case(X12, 12, "full")]),
            _part('"valid" mode, m <= n: odd and even m, m = 1, m = n',
                  [case(X12, 5, "valid"), case(X12, 4, "valid"), case(X12, 1, "valid"), case(X12, 12, "valid")]),
            _part('"same" mode with odd m (n entries, starting at (m - 1) // 2)',
                  [case(X12, 5, "same"), case(X12, 3, "same"), case(X12, 9, "same")]),
            _part('"same" mode with even m (the start is (m - 1) // 2, not m // 2)',
                  [case(X12, 4, "same"), case(X12, 2, "same"), case(X12, 6, "same")]),
            _part('kernels longer than the signal (m > n): "full", and "same" gives n entries',
                  [case(X5, 8, "full"), case(X5, 9, "same"), case(X5, 8, "same"), case(X1, 3, "same")]),
            _part("batched along the leading axes of x (shapes (2, 3, 10) and (4, 3))",
                  [case(BATCH, 6, "full"), case(BATCH, 4, "same"), case(BATCH, 5, "valid"),
                   case(SHORT_BATCH, 7, "same")]),
            _part(f'one long signal (n = {BIG_N}, m = {BIG_M}, "same") within the time limit',
                  [_signal_case(target, reference, BIG_X, BIG_K, "same")]),
            _part('raises ValueError for an unknown mode, an empty or 2-D k, an x without entries, '
                  '"valid" with m > n (and only then: m = n and m > n in "full" give results)',
                  [case(X5, 8, "full"), case(X12, 12, "valid"),
                   _error_case(target, (X12, KERNELS[5]), "circular", 'mode "circular"'),
                   _error_case(target, (X12, np.zeros(0)), "full", "an empty kernel"),
                   _error_case(target, (X12, KERNELS[6].reshape(2, 3)), "full", "a 2-D kernel"),
                   _error_case(target, (np.zeros((3, 0)), KERNELS[3]), "full", "x of shape (3, 0)"),
                   _error_case(target, (X5, KERNELS[8]), "valid", '"valid" with n = 5, m = 8'),
                   _error_case(target, (X5, KERNELS[6]), "valid", '"valid" with n = 5, m = 6')],
                  errors=True),
            Part("returns a float64 numpy array and leaves its inputs alone",
                 (Call(target, args=(X12.copy(), KERNELS[5].copy()), kwargs={"mode": "same"}),
                  Call(target, args=(BATCH.copy(), KERNELS[4].copy()), kwargs={"mode": "valid"})),
                 well_behaved_and_right(case(X12, 5, "same").judge, case(BATCH, 4, "valid").judge)),
        ),
    )


CONV1D_HIDDEN = _signal_check("conv1d", reference_conv1d, 3)
CORR1D_HIDDEN = _signal_check("corr1d", reference_corr1d, 2)

# --- conv1d_adjoint ---------------------------------------------------------------------------

Y = {length: RNG.normal(size=length) for length in (3, 6, 10, 12, 16)}
Y_BATCH = RNG.normal(size=(2, 3, 11))


def _adjoint_case(y, m: int, mode: "str | None") -> Case:
    k = KERNELS[m]
    want = reference_adjoint(y, k, mode or "full")
    n = input_length(mode or "full", np.shape(y)[-1], m)
    label = f"len(y) = {np.shape(y)[-1]} (n = {n}), m = {m}, {_mode_label(mode)}"
    return Case("conv1d_adjoint", (y, k), mode, _close(want, RELATIVE * _row_scale(y, k), label))


CONV1D_ADJOINT_HIDDEN = Check(
    target="conv1d_adjoint",
    points=4,
    parts=(
        _part('"full": C^T y has n = len(y) - m + 1 entries (odd and even m, also the default, m = len(y))',
              [_adjoint_case(Y[16], 5, "full"), _adjoint_case(Y[16], 4, None), _adjoint_case(Y[12], 12, "full"),
               _adjoint_case(Y[10], 1, "full")]),
        _part('"valid": C^T y has n = len(y) + m - 1 entries (odd and even m, also m > len(y))',
              [_adjoint_case(Y[10], 5, "valid"), _adjoint_case(Y[10], 4, "valid"), _adjoint_case(Y[3], 8, "valid"),
               _adjoint_case(Y[6], 1, "valid")]),
        _part('"same" with odd m',
              [_adjoint_case(Y[12], 5, "same"), _adjoint_case(Y[12], 3, "same"), _adjoint_case(Y[10], 1, "same")]),
        _part('"same" with even m (the adjoint is not the "same" correlation: mind the offset)',
              [_adjoint_case(Y[12], 4, "same"), _adjoint_case(Y[12], 2, "same"), _adjoint_case(Y[10], 6, "same")],
              weight=2),
        _part('"same" with kernels longer than the signal (m > n, odd and even)',
              [_adjoint_case(Y[3], 8, "same"), _adjoint_case(Y[3], 7, "same"), _adjoint_case(Y[6], 9, "same")]),
        _part("batched over the leading axes of y (shape (2, 3, 11))",
              [_adjoint_case(Y_BATCH, 4, "full"), _adjoint_case(Y_BATCH, 5, "valid"),
               _adjoint_case(Y_BATCH, 6, "same")]),
        _part('raises ValueError for "full" with len(y) < m and for an unknown mode (and only then)',
              [_adjoint_case(Y[12], 12, "full"), _adjoint_case(Y[3], 8, "valid"),
               _error_case("conv1d_adjoint", (Y[6], KERNELS[8]), "full", '"full" with len(y) = 6, m = 8'),
               _error_case("conv1d_adjoint", (Y[6], KERNELS[7]), "full", '"full" with len(y) = 6, m = 7'),
               _error_case("conv1d_adjoint", (Y[6], KERNELS[3]), "transpose", 'mode "transpose"')],
              errors=True),
        Part("returns a float64 numpy array and leaves its inputs alone",
             (Call("conv1d_adjoint", args=(Y[12].copy(), KERNELS[4].copy()), kwargs={"mode": "same"}),
              Call("conv1d_adjoint", args=(Y_BATCH.copy(), KERNELS[5].copy()), kwargs={"mode": "full"})),
             well_behaved_and_right(_adjoint_case(Y[12], 4, "same").judge, _adjoint_case(Y_BATCH, 5, "full").judge)),
    ),
)

# --- conv_matrix ------------------------------------------------------------------------------


def _matrix_case(m: int, n, mode: "str | None") -> Case:
    k = KERNELS[m]
    want = reference_matrix(k, int(n), mode or "full")
    label = f"m = {m}, n = {int(n)}, {_mode_label(mode)}"
    return Case("conv_matrix", (k, n), mode, _close(want, 1e-14 * np.abs(k).max(), label))


CONV_MATRIX_HIDDEN = Check(
    target="conv_matrix",
    points=3,
    parts=(
        _part('"full": the (n + m - 1, n) matrix (odd and even m, also the default, n = 1)',
              [_matrix_case(5, 7, "full"), _matrix_case(4, 6, None), _matrix_case(3, 1, "full")]),
        _part('"valid": the (n - m + 1, n) matrix (odd and even m, m = n)',
              [_matrix_case(5, 9, "valid"), _matrix_case(4, 8, "valid"), _matrix_case(6, 6, "valid")]),
        _part('"same": the (n, n) matrix (odd and even m)',
              [_matrix_case(5, 8, "same"), _matrix_case(4, 8, "same"), _matrix_case(2, 5, "same")]),
        _part('kernels longer than the signal (m > n): "full" and "same"',
              [_matrix_case(8, 5, "full"), _matrix_case(8, 3, "same"), _matrix_case(9, 4, "same")]),
        _part("n may be a NumPy integer",
              [_matrix_case(5, np.int64(7), "same"), _matrix_case(4, np.int32(6), "valid")]),
        _part('raises ValueError for n = 0, n < 0, a fractional or float n, and "valid" with m > n '
              '(and only then)',
              [_matrix_case(6, 6, "valid"), _matrix_case(8, 5, "full"),
               _error_case("conv_matrix", (KERNELS[3], 0), "full", "n = 0"),
               _error_case("conv_matrix", (KERNELS[3], -2), "full", "n = -2"),
               _error_case("conv_matrix", (KERNELS[3], 2.5), "full", "n = 2.5"),
               _error_case("conv_matrix", (KERNELS[3], 4.0), "same", "n = 4.0 (a float)"),
               _error_case("conv_matrix", (KERNELS[6], 5), "valid", '"valid" with m = 6, n = 5'),
               _error_case("conv_matrix", (KERNELS[8], 5), "valid", '"valid" with m = 8, n = 5')],
              errors=True),
        Part("returns a float64 numpy array and leaves k alone",
             (Call("conv_matrix", args=(KERNELS[4].copy(), 9), kwargs={"mode": "same"}),),
             well_behaved_and_right(_matrix_case(4, 9, "same").judge)),
    ),
)

# --- conv2d -----------------------------------------------------------------------------------

IMAGE = RNG.normal(size=(6, 7))
SMALL_IMAGE = RNG.normal(size=(3, 4))
IMAGES = RNG.normal(size=(2, 3, 5, 6))
KERNELS_2D = {shape: RNG.normal(size=shape) for shape in ((3, 2), (2, 4), (3, 3), (4, 4), (1, 3), (5, 2), (4, 6), (2, 5))}
for _k in KERNELS_2D.values():
    _flips = [_k[::-1, ::-1]] + ([_k[::-1], _k[:, ::-1]] if min(_k.shape) > 1 else [])
    _require(min(np.abs(_k - flipped).max() for flipped in _flips) > 0.1,
             "2-D kernels must tell convolution from correlation (and from a flip of one axis)")


def _image_case(x, shape, mode: "str | None") -> Case:
    k = KERNELS_2D[shape]
    want = reference_conv2d(x, k, mode or "full")
    label = f"image {np.shape(x)[-2:]}, kernel {shape}, {_mode_label(mode)}"
    return Case("conv2d", (x, k), mode, _close(want, RELATIVE * _row_scale(x, k, image_axes=2), label))


CONV2D_HIDDEN = Check(
    target="conv2d",
    points=3,
    parts=(
        _part('"full" with non-symmetric kernels (also the default)',
              [_image_case(IMAGE, (3, 2), "full"), _image_case(IMAGE, (2, 4), None), _image_case(IMAGE, (1, 3), "full")]),
        _part('"valid" with non-symmetric kernels',
              [_image_case(IMAGE, (3, 2), "valid"), _image_case(IMAGE, (3, 3), "valid"), _image_case(IMAGE, (2, 5), "valid")]),
        _part('"same" with odd and even kernel sides (start ((p - 1) // 2, (q - 1) // 2))',
              [_image_case(IMAGE, (3, 3), "same"), _image_case(IMAGE, (4, 4), "same"), _image_case(IMAGE, (3, 2), "same"),
               _image_case(IMAGE, (2, 5), "same")]),
        _part('kernels larger than the image in one or both axes: "full" and "same"',
              [_image_case(SMALL_IMAGE, (5, 2), "full"), _image_case(SMALL_IMAGE, (4, 6), "same"),
               _image_case(SMALL_IMAGE, (5, 2), "same"), _image_case(SMALL_IMAGE, (2, 5), "same")]),
        _part("batched over the leading axes of x (shape (2, 3, 5, 6))",
              [_image_case(IMAGES, (3, 2), "full"), _image_case(IMAGES, (4, 4), "same"), _image_case(IMAGES, (2, 4), "valid")]),
        _part('raises ValueError for an unknown mode, a k that is not 2-D and non-empty, and "valid" when '
              'p > H or q > W (and only then)',
              [_image_case(SMALL_IMAGE, (3, 3), "valid"), _image_case(SMALL_IMAGE, (4, 6), "full"),
               _error_case("conv2d", (IMAGE, KERNELS_2D[(3, 3)]), "wrap", 'mode "wrap"'),
               _error_case("conv2d", (IMAGE, KERNELS[3]), "full", "a 1-D kernel"),
               _error_case("conv2d", (IMAGE, np.zeros((0, 3))), "full", "a kernel of shape (0, 3)"),
               _error_case("conv2d", (SMALL_IMAGE, KERNELS_2D[(5, 2)]), "valid", '"valid" with p > H only'),
               _error_case("conv2d", (SMALL_IMAGE, KERNELS_2D[(2, 5)]), "valid", '"valid" with q > W only'),
               _error_case("conv2d", (SMALL_IMAGE, KERNELS_2D[(4, 6)]), "valid", '"valid" with p > H and q > W')],
              errors=True),
        Part("returns a float64 numpy array and leaves its inputs alone",
             (Call("conv2d", args=(IMAGES.copy(), KERNELS_2D[(3, 2)].copy()), kwargs={"mode": "same"}),),
             well_behaved_and_right(_image_case(IMAGES, (3, 2), "same").judge)),
    ),
)

# --- cross_correlation_symbolic ------------------------------------------------------------------

DIGITS = 30
SYMBOLS = ("t", "a", "b", "c")
#: a = b, then a != b with t on both sides of c; t = c (value 0), c = 0 and t = 0 (where an
#: unsimplified integral divides by zero), each judged together with nearby nonzero values.
EQUAL_WIDTHS = ({"t": "1/2", "a": "1", "b": "1", "c": "0"}, {"t": "-3/2", "a": "2/3", "b": "2/3", "c": "1/4"},
                {"t": "5/4", "a": "3", "b": "3", "c": "-1/3"})
GENERAL = ({"t": "3/2", "a": "1/3", "b": "2", "c": "1/2"}, {"t": "-1/2", "a": "5/2", "b": "1/4", "c": "2/3"},
           {"t": "2", "a": "3/4", "b": "7/5", "c": "-1"}, {"t": "-7/3", "a": "2", "b": "1/2", "c": "-3/2"})
SPECIAL = ({"t": "3/4", "a": "1/2", "b": "3/2", "c": "3/4"}, {"t": "0", "a": "4/3", "b": "1/5", "c": "-2/3"},
           {"t": "5/3", "a": "1/6", "b": "2/7", "c": "0"}, {"t": "0", "a": "1", "b": "2", "c": "0"})


def _exact(text: str) -> mpmath.mpf:
    numerator, _, denominator = text.partition("/")
    return mpmath.mpf(int(numerator)) / int(denominator or 1)


def _expected(point: dict) -> mpmath.mpf:
    with mpmath.workdps(DIGITS + 10):
        return correlation_closed_form(*(_exact(point[name]) for name in SYMBOLS))


#: ``Part(description, *_expression(points))``: the expression equals the closed form at ``points``.
_expression = functools.partial(symbolic_expression, "cross_correlation_symbolic", exact=_expected, digits=DIGITS,
                                symbols=SYMBOLS, use="symbols named t, a, b, c")


CROSS_CORRELATION_SYMBOLIC_HIDDEN = Check(
    target="cross_correlation_symbolic",
    points=3,
    parts=(
        Part("equal widths a = b", *_expression(EQUAL_WIDTHS)),
        Part("a != b, with t on either side of c (the sign and the direction of the shift)",
             *_expression(GENERAL)),
        Part("t = c (where it is 0), t = 0 and c = 0, together with the values elsewhere",
             *_expression(SPECIAL + GENERAL)),
    ),
)

# --- what the hidden test cells call ---------------------------------------------------------------

#: Hidden test cell ``grade_id`` -> the check that grades it.
CHECKS = by_hidden_cell(CONV1D_HIDDEN, CORR1D_HIDDEN, CONV1D_ADJOINT_HIDDEN, CONV_MATRIX_HIDDEN, CONV2D_HIDDEN,
                        CROSS_CORRELATION_SYMBOLIC_HIDDEN)
#: ``<target>_hidden(function)``, what each hidden test cell calls.
globals().update(hidden_cell_functions(CHECKS))
