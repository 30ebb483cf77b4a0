"""Hidden tests of ``ex08_softplus_expectation``: the contract in EXERCISES.md, one check per graded name.

``eps`` has the logistic density ``p_beta(eps) = beta exp(-beta eps) / (1 + exp(-beta eps))^2``
(scale 1/beta). The smoothed ReLU unit is ``G(w, b, x) = E[ReLU(w^T x + b + ||w|| eps)]``,
``= ||w|| softplus_beta(u)`` with ``u = (w^T x + b) / ||w||`` for ``w != 0`` and ``ReLU(b)``
for ``w = 0``; its power moments are ``E[ReLU(x - eps)^n] = -n! Li_n(-exp(beta x)) / beta^n``.

References are computed here, in the grader's process, never by the student's code: densities,
layers and gradients in mpmath at 50 digits from the float64 inputs; the expectations of
``logistic_smoothing`` by mpmath quadrature split at the kinks, at 25 digits; the symbolic moments with mpmath's polylogarithm at 45 digits. The functions handed
to ``logistic_smoothing`` are built in the worker from the source strings below
(:class:`~autograder.worker.Function`); each has an mpmath twin here for the references (a test
checks that the two agree). A student's SymPy answer is rebuilt here from its ``srepr`` and
evaluated here.
"""
from __future__ import annotations

import functools
import math
from typing import Callable, Sequence

import mpmath
import numpy as np
import sympy as sp

from autograder.checks.framework import (
    Call, Check, Function, Judge, Part, a_tuple_of_arrays, all_of, an_array, by_hidden_cell, contract_with, each,
    evaluate_each, hidden_cell_functions, items_of, parse_srepr, refuses_after_a_right_result, runtime_warning,
    well_behaved_and_right, with_right_values, within,
)
from autograder.protocol import Outcome

RNG = np.random.default_rng(20261208)

#: beta values that break the contract's rules: each must raise ValueError first.
BAD_BETAS = (0.0, -1.0, float("inf"), float("nan"))
#: How the messages name the calls with them.
BAD_BETA_NAMES = tuple(f"beta = {beta}" for beta in BAD_BETAS)


def _mpf(value) -> mpmath.mpf:
    return mpmath.mpf(float(value))


def _require(condition: bool, message: str) -> None:
    """A sanity check of this module's own test inputs (kept under ``python -O``)."""
    if not condition:
        raise RuntimeError(f"ex08_softplus_expectation checks: {message}")


# --- shared judging helpers -----------------------------------------------------------------------


def _numeric(target: str, *args, **kwargs) -> Call:
    return Call(target, args=tuple(args), kwargs=kwargs)


def _raises_value_error(outcome: Outcome, where: str) -> str | None:
    if outcome.error is None or outcome.type_name:  # a type name: the function returned, and reading its result failed
        return f"{where} did not raise (it must raise ValueError before computing anything)"
    if "ValueError" not in outcome.error_types:
        return f"{where} raised {outcome.error[:120]}; it must raise ValueError"
    return None


def _beta_cases(call: Callable, judge: Callable, *cases) -> tuple[tuple[Call, ...], Judge]:
    """The calls ``call(case, beta)`` on ``cases``, pairs ``(case, beta)`` (beta None: the
    default, 1), and the judge that each result is right (``judge(case, beta)``)."""
    return (tuple(call(case, beta) for case, beta in cases),
            all_of(*(judge(case, 1.0 if beta is None else beta) for case, beta in cases)))


def _bad_beta_calls(target: str, *args, kind: str = "numeric") -> tuple[Call, ...]:
    return tuple(Call(target, args=tuple(args), kwargs={"beta": beta}, kind=kind) for beta in BAD_BETAS)


#: Each outcome of the calls with :data:`BAD_BETAS` a ValueError.
_rejects_bad_betas = each(_raises_value_error, BAD_BETA_NAMES)


def _raises_before_f_is_called(outcome: Outcome, where: str) -> str | None:
    """A ValueError, raised before the f handed over was called."""
    message = _raises_value_error(outcome, where)
    if not message and outcome.records.get("called"):
        return f"with {where} f was called before the ValueError: check beta before computing anything"
    return message


def _bad_betas_after(right: Judge, valid_beta: float, *, f_silent: bool = False) -> Judge:
    """The first outcome (the valid call, with ``valid_beta``) right by ``right``, then the
    calls with :data:`BAD_BETAS` each a ValueError (raised before f is called, with
    ``f_silent``): a function that raises ValueError for everything earns nothing."""
    return refuses_after_a_right_result(right, f"beta = {valid_beta}", BAD_BETA_NAMES,
                                        raises=_raises_before_f_is_called if f_silent else _raises_value_error)


# --- logistic_density ----------------------------------------------------------------------------


def exact_density(eps, beta) -> np.ndarray:
    """p_beta at each float64 eps, in 50-digit arithmetic, rounded to float64."""
    eps = np.asarray(eps, dtype=np.float64)
    with mpmath.workdps(50):
        b = _mpf(beta)
        values = [b * mpmath.exp(-abs(b * _mpf(e))) / (1 + mpmath.exp(-abs(b * _mpf(e)))) ** 2 for e in eps.ravel()]
        return np.array([float(v) for v in values]).reshape(eps.shape)


def _density_judge(eps, beta) -> Judge:
    want = exact_density(eps, beta)
    allowed = np.maximum(1e-12 * np.abs(want), 1e-300)
    return lambda outcomes: within(outcomes[0], want, allowed, f"logistic_density(eps, beta={beta}) (shape {want.shape})")


DENSITY_MODERATE = (RNG.uniform(-6, 6, size=(3, 4)), 1.7)
DENSITY_DEFAULT = np.linspace(-8.0, 8.0, 9)
DENSITY_SCALES = ((np.array([-2e5, -3.1, 0.0, 1e-3, 4e4]) * 1e-5, 1e5), (np.array([-9e6, 2.5e6, 0.0, 7e5]), 1e-6),
                  (np.array([-0.2, 0.05, 0.5]), 1e6))
#: beta eps of 40 to 700: beyond where 1 + exp(-t) rounds to 1, and where exp(t) overflows.
DENSITY_TAILS = (np.array([40.0, -55.5, 120.0, -300.0, 700.0, -745.0]), 1.0)
#: (with a few moderate values, so that zeros do not pass)
DENSITY_HUGE = (np.array([710.0, -800.0, 1e4, -1e300, 1e300, 3e3, 0.0, -2.5]), 1.0)
DENSITY_BIG_BETA = (np.array([7.1e-4, -1e-3, 0.5, -2e-2, 1e-6, -3e-6]), 1e6)


def _density_call(eps, beta=None) -> Call:
    return _numeric("logistic_density", eps) if beta is None else _numeric("logistic_density", eps, beta)


def _density_well_behaved(*cases) -> Judge:
    return well_behaved_and_right(*(_density_judge(eps, beta) for eps, beta in cases))


def _valid_beta_forms(outcomes: Sequence[Outcome]) -> str | None:
    eps = np.array([-0.5, 0.25, 2.0])
    want = exact_density(eps, 2.0)
    for outcome, form in zip(outcomes, ("the int 2", "np.float64(2.0)", "np.array(2.0)")):
        message = within(outcome, want, 1e-12 * want, f"with beta = {form} the result")
        if message:
            return message
    return None


LOGISTIC_DENSITY_HIDDEN = Check(
    target="logistic_density",
    points=3,
    parts=(
        Part(
            "p_beta for moderate eps (a (3, 4) array, beta = 1.7) and with the default beta = 1",
            (_density_call(*DENSITY_MODERATE), _density_call(DENSITY_DEFAULT)),
            all_of(_density_judge(*DENSITY_MODERATE), _density_judge(DENSITY_DEFAULT, 1.0)),
            weight=2,
        ),
        Part(
            "beta from 1e-6 to 1e6 (the factor beta and the scale 1/beta)",
            tuple(_density_call(eps, beta) for eps, beta in DENSITY_SCALES),
            all_of(*(_density_judge(eps, beta) for eps, beta in DENSITY_SCALES)),
        ),
        Part(
            "the tails: beta eps from 40 to 745, where 1 + exp(-t) rounds to 1, to 1e-12 relative",
            (_density_call(*DENSITY_TAILS),),
            _density_judge(*DENSITY_TAILS),
        ),
        Part(
            "no overflow and no warning for abs(beta eps) > 709.8 up to 1e300 (also at beta = 1e6)",
            (_density_call(*DENSITY_HUGE), _density_call(*DENSITY_BIG_BETA)),
            _density_well_behaved(DENSITY_HUGE, DENSITY_BIG_BETA),
        ),
        Part(
            "beta = 0, negative, inf or nan raises ValueError; an int, a NumPy scalar or a 0-d array is fine",
            (*_bad_beta_calls("logistic_density", np.array([0.5, 1.0])),
             _numeric("logistic_density", np.array([-0.5, 0.25, 2.0]), 2),
             _numeric("logistic_density", np.array([-0.5, 0.25, 2.0]), np.float64(2.0)),
             _numeric("logistic_density", np.array([-0.5, 0.25, 2.0]), np.array(2.0))),
            lambda outcomes: _rejects_bad_betas(outcomes[:4]) or _valid_beta_forms(outcomes[4:]),
            accepts_errors=True,
        ),
        Part(
            "accepts a list and a float; returns a new float64 array; leaves eps alone; no warning",
            (_numeric("logistic_density", [-1, 0, 2], 0.5), _numeric("logistic_density", 0.75, 3.0),
             _density_call(DENSITY_MODERATE[0].copy(), DENSITY_MODERATE[1])),
            lambda outcomes: (_density_judge(np.array([-1.0, 0.0, 2.0]), 0.5)([outcomes[0]])
                              or _density_judge(np.array(0.75), 3.0)([outcomes[1]])
                              or _density_well_behaved((np.array([-1.0, 0.0, 2.0]), 0.5),
                                                       (DENSITY_MODERATE[0], DENSITY_MODERATE[1]))(
                                  [outcomes[0], outcomes[2]])),
        ),
    ),
)

# --- logistic_smoothing: the functions handed to the student --------------------------------------
# Each source is built in the worker; it returns a float for a Python float and an array of the
# same shape for an array, and records that it was called. Its mpmath twin gives the references.

_PRELUDE = '''
def _out(t, value):
    record("called", True)
    return float(value) if isinstance(t, float) else np.asarray(value, dtype=np.float64)
'''

#: smooth, no kinks: sin(t) + cos(2 t) / 2
WAVE_SOURCE = _PRELUDE + '''
def wave(t):
    a = np.asarray(t, dtype=np.float64)
    return _out(t, np.sin(a) + 0.5 * np.cos(2.0 * a))
'''
#: smooth, cubic growth (the tails matter for small beta)
CUBIC_SOURCE = _PRELUDE + '''
def cubic(t):
    a = np.asarray(t, dtype=np.float64)
    return _out(t, 0.05 * a ** 3 - 0.4 * a + 1.0)
'''
#: ReLU itself: kink at 0
RELU_SOURCE = _PRELUDE + '''
def relu(t):
    a = np.asarray(t, dtype=np.float64)
    return _out(t, np.maximum(a, 0.0))
'''
#: continuous, with a jump in the slope at 0.3
BEND_SOURCE = _PRELUDE + '''
def bend(t):
    a = np.asarray(t, dtype=np.float64)
    return _out(t, np.abs(a - 0.3) * (1.0 + 0.1 * a) + np.tanh(a))
'''
#: discontinuous at -1 and at 0.5
JUMPS_SOURCE = _PRELUDE + '''
def jumps(t):
    a = np.asarray(t, dtype=np.float64)
    return _out(t, np.where(a < -1.0, 0.5 * a + 1.0, np.where(a < 0.5, np.exp(-a * a), 2.0 - np.cos(a) * a / 3.0)))
'''
#: seven jumps, at k + 1/4 for k = -3..3, on a slow wave
STAIRS_KINKS = tuple(k + 0.25 for k in range(-3, 4))
STAIRS_SOURCE = _PRELUDE + f'''
_STEPS = np.array({list(STAIRS_KINKS)!r})

def stairs(t):
    a = np.asarray(t, dtype=np.float64)
    heights = 1.0 + 0.1 * np.arange(-3, 4)
    return _out(t, (heights * (a[..., None] > _STEPS)).sum(axis=-1) + 0.2 * np.sin(a))
'''
#: the indicator of t > 1.5
STEP_SOURCE = _PRELUDE + '''
def step(t):
    a = np.asarray(t, dtype=np.float64)
    return _out(t, np.where(a > 1.5, 1.0, 0.0))
'''


def _mp_wave(t):
    return mpmath.sin(t) + mpmath.cos(2 * t) / 2


def _mp_cubic(t):
    return mpmath.mpf("0.05") * t**3 - mpmath.mpf("0.4") * t + 1


def _mp_relu(t):
    return t if t > 0 else mpmath.mpf(0)


def _mp_bend(t):
    return abs(t - mpmath.mpf("0.3")) * (1 + mpmath.mpf("0.1") * t) + mpmath.tanh(t)


def _mp_jumps(t):
    if t < -1:
        return t / 2 + 1
    if t < mpmath.mpf("0.5"):
        return mpmath.exp(-t * t)
    return 2 - mpmath.cos(t) * t / 3


#: (kink, height of the step there) in 25-digit arithmetic, made once
_MP_STAIRS = tuple((mpmath.mpf(k) + mpmath.mpf(1) / 4, 1 + mpmath.mpf(k) / 10) for k in range(-3, 4))


def _mp_stairs(t):
    return mpmath.fsum(height for kink, height in _MP_STAIRS if t > kink) + mpmath.sin(t) / 5


def _mp_step(t):
    return mpmath.mpf(1) if t > mpmath.mpf("1.5") else mpmath.mpf(0)


#: name -> (source, its kinks, mpmath twin)
SMOOTHING_FUNCTIONS = {
    "wave": (WAVE_SOURCE, (), _mp_wave),
    "cubic": (CUBIC_SOURCE, (), _mp_cubic),
    "relu": (RELU_SOURCE, (0.0,), _mp_relu),
    "bend": (BEND_SOURCE, (0.3,), _mp_bend),
    "jumps": (JUMPS_SOURCE, (-1.0, 0.5), _mp_jumps),
    "stairs": (STAIRS_SOURCE, STAIRS_KINKS, _mp_stairs),
    "step": (STEP_SOURCE, (1.5,), _mp_step),
}

SMOOTHING_DIGITS = 25


def exact_smoothing(name: str, x: float, beta: float) -> mpmath.mpf:
    """E[f(x - eps)] by mpmath quadrature. With u = sigmoid(beta eps), which is uniform on
    (0, 1), it is the integral over (0, 1) of f(x - logit(u) / beta); it is split where
    x - eps meets a kink, so that tanh-sinh quadrature sees an analytic integrand on each
    piece (with at most logarithmic growth at the ends)."""
    _, kinks, twin = SMOOTHING_FUNCTIONS[name]
    with mpmath.workdps(SMOOTHING_DIGITS):
        X, B = _mpf(x), _mpf(beta)
        cuts = {1 / (1 + mpmath.exp(-B * (X - _mpf(k)))) for k in kinks}
        edges = [mpmath.mpf(0), *sorted(c for c in cuts if 0 < c < 1), mpmath.mpf(1)]

        def integrand(u):
            if not 0 < u < 1:  # a node rounded onto an end: its weight is negligible
                return mpmath.mpf(0)
            return twin(X - mpmath.log(u / (1 - u)) / B)

        return mpmath.quad(integrand, edges)


def _local(name: str):
    """The grader's own copy of a function handed to the student, with a ``record`` that keeps nothing."""
    namespace = {"np": np, "math": math, "sympy": sp, "record": lambda key, value: None, "ARGS": []}
    exec(compile(SMOOTHING_FUNCTIONS[name][0], f"<reference {name}>", "exec"), namespace)
    return namespace[name]


def mean_abs(name: str, x: float, beta: float, nodes: int = 20_000) -> float:
    """E|f(x - eps)|, the contract's tolerance scale, by the midpoint rule in u (to about 1e-3)."""
    u = (np.arange(nodes) + 0.5) / nodes
    return float(np.mean(np.abs(_local(name)(x - np.log(u / (1 - u)) / beta))))


@functools.lru_cache(maxsize=None)
def smoothing_reference(name: str, xs: tuple, beta: float) -> tuple[np.ndarray, np.ndarray]:
    """The exact values at ``xs`` and the contract's tolerance ``1e-9 (1 + E|f|)``; computed
    once, when a judge first needs them."""
    values = np.array([float(exact_smoothing(name, x, beta)) for x in xs])
    scales = np.array([mean_abs(name, x, beta) for x in xs])
    return values, 1e-9 * (1.0 + scales)


#: label -> (function, x, beta or None for the default, kinks as handed over)
SMOOTHING_CASES = {
    "wave_small_beta": ("wave", np.array([-20.0, -3.3, 0.0, 1.1, 7.25, 20.0]), 0.1, ()),
    "wave_large_beta": ("wave", np.array([-17.5, -0.4, 0.9, 2.6, 13.0]), 100.0, ()),
    "cubic": ("cubic", np.array([-20.0, -6.5, -1.0, 0.35, 4.0, 19.0]), 0.1, ()),
    "cubic_default": ("cubic", np.array([-2.2, 0.0, 1.7, 15.5]), None, ()),
    "relu": ("relu", np.array([-20.0, -2.0, -0.03, 0.0, 0.6, 12.0]), 1.0, (0.0,)),
    "relu_sharp": ("relu", np.array([-0.02, -0.004, 0.0, 0.007, 0.05, 3.0]), 100.0, (0.0,)),
    "relu_wide": ("relu", np.array([-20.0, -4.0, 5.0, 20.0]), 0.1, (0.0,)),
    "bend": ("bend", np.array([-5.0, 0.0, 0.3, 0.31, 2.0, 16.0]), 2.5, (0.3,)),
    "jumps_sharp": ("jumps", np.array([-1.002, -0.9, 0.497, 0.5, 0.504, 1.2]), 100.0, (-1.0, 0.5)),
    "jumps": ("jumps", np.array([-20.0, -1.0, -0.25, 0.5, 3.5, 20.0]), 1.0, (-1.0, 0.5)),
    "step": ("step", np.array([-3.0, 1.45, 1.5, 1.52, 2.5]), 30.0, (1.5,)),
    "stairs_wide": ("stairs", np.array([-20.0, -1.6, 0.25, 2.1, 9.0]), 0.5, STAIRS_KINKS),
    "stairs_sharp": ("stairs", np.array([-2.74, -0.76, 0.26, 1.2499, 2.3, 3.25]), 50.0, STAIRS_KINKS),
    # the forms the contract allows: a float x, kinks as a list, a tuple, an array; x a list
    "float_x": ("jumps", 0.45, 4.0, [-1.0, 0.5]),
    "tuple_kinks": ("bend", np.array([0.0, 1.0]), 4.0, (0.3,)),
    "array_kinks": ("stairs", np.array([-1.1, 0.8, 2.3]), 6.0, np.array(STAIRS_KINKS)),
    "list_x": ("relu", [-1, 0, 2], 2.0, [0.0]),
    # the valid call before the calls with bad betas (on the same f and x)
    "valid_beta": ("wave", np.array([0.5, 1.0]), 2.0, ()),
}


def _smoothing_call(label: str, *, copies: bool = False) -> Call:
    name, x, beta, kinks = SMOOTHING_CASES[label]
    source = SMOOTHING_FUNCTIONS[name][0]
    x = x.copy() if copies and isinstance(x, np.ndarray) else x
    kinks = kinks.copy() if isinstance(kinks, np.ndarray) else kinks
    kwargs = {} if beta is None else {"beta": beta}
    if isinstance(kinks, np.ndarray) or kinks != ():  # no kinks: the default kinks=() is used
        kwargs["kinks"] = kinks
    return Call("logistic_smoothing", args=(Function(source, name), x), kwargs=kwargs)


def _smoothing_message(outcome: Outcome, label: str) -> str | None:
    name, x, beta, kinks = SMOOTHING_CASES[label]
    xs = tuple(float(v) for v in np.ravel(np.asarray(x, dtype=np.float64)))
    values, allowed = smoothing_reference(name, xs, 1.0 if beta is None else beta)
    shape = np.shape(np.asarray(x, dtype=np.float64))
    shown_kinks = "none" if len(kinks) == 0 else ", ".join(f"{k:g}" for k in kinks)
    what = f"for f = {name} (kinks: {shown_kinks}) with beta = {1.0 if beta is None else beta} the result"
    return within(outcome, values.reshape(shape), allowed.reshape(shape), what)


def _smoothing(*labels: str) -> Judge:
    return each(_smoothing_message, labels)


def _smoothing_cases(*labels: str) -> tuple[tuple[Call, ...], Judge]:
    """The calls of the cases ``labels`` of :data:`SMOOTHING_CASES` and the judge of their results."""
    return tuple(_smoothing_call(label) for label in labels), _smoothing(*labels)


def _smoothing_forms(outcomes: Sequence[Outcome]) -> str | None:
    float_outcome = outcomes[0]
    if float_outcome.type_name not in ("numpy.ndarray", "numpy.float64") or (
            float_outcome.type_name == "numpy.ndarray" and float_outcome.dtype != "float64"):
        return f"for a float x, returned a {float_outcome.type_name}, expected a 0-d float64 array or a NumPy float64"
    return _smoothing("float_x", "tuple_kinks", "array_kinks", "list_x")(outcomes)


def _smoothing_well_behaved(*labels: str) -> Judge:
    return contract_with(an_array(inputs="x or kinks"), _smoothing(*labels))


def _smoothing_bad_betas() -> tuple[Call, ...]:
    """The valid call ``valid_beta``, then the same f and x with each of :data:`BAD_BETAS`."""
    return (_smoothing_call("valid_beta"),
            *(Call("logistic_smoothing", args=(Function(WAVE_SOURCE, "wave"), np.array([0.5, 1.0])),
                   kwargs={"beta": beta}) for beta in BAD_BETAS))


LOGISTIC_SMOOTHING_HIDDEN = Check(
    target="logistic_smoothing",
    points=5,
    parts=(
        Part(
            "smooth f without kinks (a wave, a cubic), beta from 0.1 to 100, abs(x) up to 20, to 1e-9",
            *_smoothing_cases("wave_small_beta", "wave_large_beta", "cubic", "cubic_default"),
        ),
        Part(
            "f with a kink in its slope (ReLU, an abs), x on and near the kink, beta = 0.1, 1, 2.5 and 100",
            *_smoothing_cases("relu", "relu_sharp", "relu_wide", "bend"),
            weight=2,
        ),
        Part(
            "discontinuous f (jumps at the kinks), x on and near the jumps, beta = 1, 30 and 100",
            *_smoothing_cases("jumps_sharp", "jumps", "step"),
            weight=2,
        ),
        Part(
            "seven jumps (a staircase), beta = 0.5 and 50",
            *_smoothing_cases("stairs_wide", "stairs_sharp"),
        ),
        Part(
            "a float x gives a 0-d result; kinks as a list, a tuple or an array; x a list of integers",
            tuple(_smoothing_call(label) for label in ("float_x", "tuple_kinks", "array_kinks", "list_x")),
            _smoothing_forms,
        ),
        Part(
            "beta = 0, negative, inf or nan raises ValueError before f is called",
            _smoothing_bad_betas(),
            _bad_betas_after(_smoothing("valid_beta"), SMOOTHING_CASES["valid_beta"][2], f_silent=True),
            accepts_errors=True,
        ),
        Part(
            "returns a float64 array of x's shape; never modifies x or kinks; no warning",
            (_smoothing_call("array_kinks", copies=True), _smoothing_call("jumps_sharp", copies=True)),
            _smoothing_well_behaved("array_kinks", "jumps_sharp"),
        ),
    ),
)

# --- smoothed_relu_layer and its backward pass -----------------------------------------------------


def _exact_rows(W, b, X, beta):
    """Per (i, j), in 50 digits: G, sigmoid(beta u), h(u), ||w_j||, w_j^T x_i + b_j (u = that / ||w_j||)."""
    W, b, X = (np.asarray(v, dtype=np.float64) for v in (W, b, X))
    B = _mpf(beta)
    norms = [mpmath.sqrt(mpmath.fsum(_mpf(v) ** 2 for v in row)) for row in W]
    table = {}
    for i, x in enumerate(X):
        for j, row in enumerate(W):
            pre = mpmath.fsum(_mpf(wk) * _mpf(xk) for wk, xk in zip(row, x)) + _mpf(b[j])
            if norms[j] == 0:
                table[i, j] = (max(pre, mpmath.mpf(0)), None, None, norms[j], pre)
                continue
            u = pre / norms[j]
            softplus = (max(u, 0) + mpmath.log1p(mpmath.exp(-B * abs(u))) / B)
            sig = 1 / (1 + mpmath.exp(-B * u))
            h = mpmath.log1p(mpmath.exp(-B * abs(u))) / B + abs(u) / (1 + mpmath.exp(B * abs(u)))
            table[i, j] = (norms[j] * softplus, sig, h, norms[j], pre)
    return table


def exact_layer(W, b, X, beta=1.0) -> tuple[np.ndarray, np.ndarray]:
    """``G`` (N, H) and the contract's tolerance ``1e-12 (|G| + |b_j| + sum_k |W_jk X_ik|)``."""
    W, b, X = (np.asarray(v, dtype=np.float64) for v in (W, b, X))
    with mpmath.workdps(50):
        table = _exact_rows(W, b, X, beta)
        G = np.array([[float(table[i, j][0]) for j in range(len(W))] for i in range(len(X))])
    scale = np.abs(G) + np.abs(b) + np.abs(X) @ np.abs(W).T
    return G, 1e-12 * scale


def exact_layer_backward(W, b, X, V, beta=1.0):
    """``(dW, db, dX)`` of ``S = sum V G`` in 50 digits, and the contract's tolerance of each."""
    W, b, X, V = (np.asarray(v, dtype=np.float64) for v in (W, b, X, V))
    (N, d), H = X.shape, W.shape[0]
    with mpmath.workdps(50):
        table = _exact_rows(W, b, X, beta)
        dW = [[mpmath.fsum(_mpf(V[i, j]) * (table[i, j][1] * _mpf(X[i, k]) + table[i, j][2] * _mpf(W[j, k]) / table[i, j][3])
                           for i in range(N)) for k in range(d)] for j in range(H)]
        db = [mpmath.fsum(_mpf(V[i, j]) * table[i, j][1] for i in range(N)) for j in range(H)]
        dX = [[mpmath.fsum(_mpf(V[i, j]) * table[i, j][1] * _mpf(W[j, k]) for j in range(H)) for k in range(d)]
              for i in range(N)]
        values = tuple(np.array(m, dtype=object).astype(float) for m in (dW, db, dX))
    norms = np.sqrt(np.sum(W**2, axis=1))
    scale_dW = np.abs(V).T @ np.abs(X) + np.abs(V).sum(axis=0)[:, None] * np.abs(W) / (beta * norms[:, None])
    scales = (scale_dW, np.abs(V).sum(axis=0), np.abs(V) @ np.abs(W))
    return values, tuple(1e-10 * s for s in scales)


def _layer_case(H: int, d: int, N: int, *, wscale=1.0, xscale=1.0, bscale=1.0, zero_rows=()):
    W = RNG.normal(size=(H, d)) * wscale
    W[list(zero_rows)] = 0.0
    return W, RNG.normal(size=H) * bscale, RNG.normal(size=(N, d)) * xscale


LAYER_RANDOM = _layer_case(4, 3, 6)
LAYER_BETAS = ((_layer_case(3, 2, 5), 1e-3), (_layer_case(3, 2, 5), 40.0), (_layer_case(2, 4, 3), 1e6))
#: W rows of very different lengths, up to 1e50 and down to 1e-50 (zeros allowed in a row).
LAYER_EXTREME = (np.array([[1e50, -3e49, 0.0], [1e-50, 2e-50, -1e-50], [0.5, 0.0, 2.0], [-1e-20, 1e20, 3.0]]),
                 np.array([2.0, 1e-49, -1e50, 7.0]),
                 np.array([[1.0, -2.0, 0.5], [1e30, 1e-30, -1e20], [-3.0, 4.0, 1e50], [0.0, 0.0, 0.0]]))
#: Zero rows give ReLU(b_j): b of either sign and zero.
LAYER_ZERO_ROWS = (np.array([[0.0, 0.0], [1.5, -0.5], [0.0, 0.0], [0.0, 0.0]]), np.array([1.25, 0.3, -2.0, 0.0]),
                   np.array([[0.5, 1.0], [-2.0, 0.25], [3.0, -1.0]]))
LAYER_LISTS = ([[1, 2], [0, -1]], [0, 1], [[1, 0], [2, -3], [-1, 1]])


def _layer_call(case, beta=None, copies=False) -> Call:
    W, b, X = (np.array(v, copy=True) if copies else v for v in case)
    return _numeric("smoothed_relu_layer", W, b, X) if beta is None else _numeric("smoothed_relu_layer", W, b, X, beta)


def _layer_judge(case, beta=1.0, what: str = "G") -> Judge:
    want, allowed = exact_layer(*case, beta)
    return lambda outcomes: within(outcomes[0], want, allowed, f"{what} (beta = {beta})")


#: ``Part(description, *_layer_cases((case, beta), ...))``: G on each case.
_layer_cases = functools.partial(_beta_cases, _layer_call, _layer_judge)


def _layer_well_behaved(*cases) -> Judge:
    return with_right_values(an_array(inputs="arrays"), *(_layer_judge(case, beta) for case, beta in cases))


SMOOTHED_RELU_LAYER_HIDDEN = Check(
    target="smoothed_relu_layer",
    points=4,
    parts=(
        Part(
            "G = E[ReLU(w^T x + b + ||w|| eps)] on random data (H = 4, d = 3, N = 6), beta = 1 and 2.5",
            *_layer_cases((LAYER_RANDOM, None), (LAYER_RANDOM, 2.5)),
            weight=2,
        ),
        Part(
            "beta from 1e-3 to 1e6 (the temperature beta / ||w||)",
            *_layer_cases(*LAYER_BETAS),
        ),
        Part(
            "rows of W from 1e-50 to 1e50, b and X up to 1e50: no overflow, to 1e-12 of the scale",
            *_layer_cases((LAYER_EXTREME, 3.0), (LAYER_EXTREME, 1e-3)),
        ),
        Part(
            "a zero row of W gives ReLU(b_j), with no warning",
            (_layer_call(LAYER_ZERO_ROWS, 2.0),),
            lambda outcomes: _layer_judge(LAYER_ZERO_ROWS, 2.0)(outcomes) or runtime_warning(outcomes[0]),
        ),
        Part(
            "beta = 0, negative, inf or nan raises ValueError",
            (_layer_call(LAYER_RANDOM, 2.5), *_bad_beta_calls("smoothed_relu_layer", *LAYER_RANDOM)),
            _bad_betas_after(_layer_judge(LAYER_RANDOM, 2.5), 2.5),
            accepts_errors=True,
        ),
        Part(
            "accepts lists of integers; returns a new float64 array; leaves its inputs alone; no warning",
            (_numeric("smoothed_relu_layer", *LAYER_LISTS, 1.5), _layer_call(LAYER_RANDOM, 2.5, copies=True),
             _layer_call(LAYER_EXTREME, 3.0, copies=True)),
            lambda outcomes: (_layer_judge(LAYER_LISTS, 1.5)(outcomes[:1])
                              or _layer_well_behaved((LAYER_RANDOM, 2.5), (LAYER_EXTREME, 3.0))(outcomes[1:])),
        ),
    ),
)


def _backward_case(H: int, d: int, N: int, **kwargs):
    W, b, X = _layer_case(H, d, N, **kwargs)
    return W, b, X, RNG.normal(size=(N, H))


BACKWARD_RANDOM = _backward_case(4, 3, 6)
BACKWARD_BETAS = ((_backward_case(3, 2, 5), 1e-3), (_backward_case(3, 2, 5, wscale=0.05), 40.0),
                  (_backward_case(2, 3, 4), 1e3))
#: Rows of W of lengths 1e-40 to 1e40, and u near 0, where h is largest and sigmoid = 1/2.
BACKWARD_SCALES = (np.array([[1e40, -2e40], [3e-40, 1e-40], [0.6, -0.8]]), np.array([5e39, 0.0, 1e-3]),
                   np.array([[0.25, 0.5], [1.0, -1.0], [-0.5, 2.0]]), np.array([[1.0, -2.0, 0.5], [0.3, 1.0, -1.0], [2.0, 0.5, 1.5]]))
BACKWARD_LISTS = ([[1, 2], [0, -1]], [0, 1], [[1, 0], [2, -3], [-1, 1]], [[1, 0], [0, 1], [2, -1]])
#: One zero row in each, at a known index: the message must name it.
BACKWARD_ZERO_ROW = {
    2: (np.array([[1.0, 2.0], [0.5, -1.0], [0.0, 0.0], [1.0, 1.0]]), np.zeros(4), np.ones((2, 2)), np.ones((2, 4))),
    0: (np.array([[0.0, 0.0, 0.0], [3.0, 1.0, 0.0]]), np.array([1.0, -1.0]), np.ones((3, 3)), np.ones((3, 2))),
}


def _within_contract(case, beta) -> bool:
    """beta (|b_j| + sum_k |W_jk X_ik|) / ||w_j|| <= 1e4 for all i, j: the contract's range."""
    W, b, X = (np.asarray(v, dtype=np.float64) for v in case[:3])
    reach = (np.abs(b) + np.abs(X) @ np.abs(W).T) / np.linalg.norm(W, axis=1)
    return bool(np.all(beta * reach <= 1e4))


for _case, _beta in ((BACKWARD_RANDOM, 2.5), *BACKWARD_BETAS, (BACKWARD_SCALES, 2.0), (BACKWARD_LISTS, 1.5)):
    _require(_within_contract(_case, _beta), "a backward case outside beta (|b| + sum |W X|) / ||w|| <= 1e4")


def _backward_call(case, beta=None, copies=False) -> Call:
    args = tuple(np.array(v, copy=True) if copies else v for v in case)
    kwargs = {} if beta is None else {"beta": beta}
    return Call("smoothed_relu_layer_backward", args=args, kwargs=kwargs, kind="tree")


GRADIENT_LABELS = ("dW", "db", "dX")


def _backward_judge(case, beta=1.0, *, factor: float = 1.0) -> Judge:
    values, allowed = exact_layer_backward(*case, beta)
    return lambda outcomes: _gradients_right(outcomes[0], values, allowed, beta, factor=factor)


def _gradients_right(outcome: Outcome, values, allowed, beta, labels=GRADIENT_LABELS,
                     factor: float = 1.0) -> str | None:
    """Each gradient named in ``labels`` within ``factor`` times its tolerance of the exact ``values``."""
    tree, message = items_of(outcome, GRADIENT_LABELS)
    if message:
        return message
    for got, want, tolerance, label in zip(tree, values, allowed, GRADIENT_LABELS):
        if label in labels:
            message = within(Outcome(value=np.asarray(got, dtype=np.float64)), want, factor * tolerance,
                             f"{label} (beta = {beta})")
            if message:
                return message
    return None


#: ``Part(description, *_backward_cases((case, beta), ...))``: the gradients on each case.
_backward_cases = functools.partial(_beta_cases, _backward_call, _backward_judge)


def _backward_well_behaved(*cases) -> Judge:
    return with_right_values(a_tuple_of_arrays(*GRADIENT_LABELS), *(_backward_judge(case, beta) for case, beta in cases))


def _names_row(outcomes: Sequence[Outcome]) -> str | None:
    import re

    for outcome, row in zip(outcomes, BACKWARD_ZERO_ROW):
        message = _raises_value_error(outcome, f"W with row {row} zero")
        if message:
            return message.replace(" before computing anything", "")
        text = outcome.error.split(": ", 1)[-1]
        if str(row) not in re.findall(r"(?<![\w.])\d+(?![\w.])", text):
            return f"the ValueError for the zero row {row} of W does not name the row's index: {outcome.error[:160]}"
    return None


SMOOTHED_RELU_LAYER_BACKWARD_HIDDEN = Check(
    target="smoothed_relu_layer_backward",
    points=5,
    parts=(
        Part(
            "db and dX on random data (H = 4, d = 3, N = 6), beta = 1",
            (_backward_call(BACKWARD_RANDOM),),
            lambda outcomes: _backward_partial(outcomes[0], BACKWARD_RANDOM, 1.0, ("db", "dX")),
        ),
        Part(
            "dW, with the term from ||w_j|| (beta = 1 and 2.5)",
            *_backward_cases((BACKWARD_RANDOM, None), (BACKWARD_RANDOM, 2.5)),
            weight=2,
        ),
        Part(
            "beta from 1e-3 to 1e3 (the temperature beta / ||w||)",
            *_backward_cases(*BACKWARD_BETAS),
        ),
        Part(
            "rows of W from 1e-40 to 1e40 and u near 0: no overflow, to 1e-10 of the scale",
            *_backward_cases((BACKWARD_SCALES, 2.0)),
        ),
        Part(
            "a zero row of W raises ValueError naming the row",
            tuple(_backward_call(case, 1.0) for case in BACKWARD_ZERO_ROW.values()),
            _names_row,
            accepts_errors=True,
        ),
        Part(
            "beta = 0, negative, inf or nan raises ValueError",
            (_backward_call(BACKWARD_RANDOM, 2.5),
             *_bad_beta_calls("smoothed_relu_layer_backward", *BACKWARD_RANDOM, kind="tree")),
            _bad_betas_after(_backward_judge(BACKWARD_RANDOM, 2.5), 2.5),
            accepts_errors=True,
        ),
        Part(
            "accepts lists of integers; returns float64 arrays; leaves its inputs alone; no warning",
            (Call("smoothed_relu_layer_backward", args=BACKWARD_LISTS, kwargs={"beta": 1.5}, kind="tree"),
             _backward_call(BACKWARD_RANDOM, 2.5, copies=True), _backward_call(BACKWARD_SCALES, 2.0, copies=True)),
            lambda outcomes: (_backward_judge(BACKWARD_LISTS, 1.5)(outcomes[:1])
                              or _backward_well_behaved((BACKWARD_RANDOM, 2.5), (BACKWARD_SCALES, 2.0))(outcomes[1:])),
        ),
    ),
)


def _backward_partial(outcome: Outcome, case, beta, labels) -> str | None:
    """Only the gradients named in ``labels`` (db and dX do not involve the norm's derivative)."""
    return _gradients_right(outcome, *exact_layer_backward(*case, beta), beta, labels)


# --- smoothed_relu_power_symbolic -------------------------------------------------------------------

POWER_DIGITS = 25
#: (x, beta) as exact rationals with abs(beta x) <= 30: both signs, near 0, at +-30.
POWER_POINTS = (("0", "1"), ("7/3", "9/2"), ("-5/2", "3"), ("29/2", "2"), ("-30/7", "7"), ("1/5", "1/3"),
                ("11", "5/2"), ("-3/4", "1/10"), ("-12", "5/2"), ("3", "10"))
_require(all(abs(sp.Rational(x) * sp.Rational(b)) <= 30 for x, b in POWER_POINTS), "POWER_POINTS within abs(beta x) <= 30")
POWER_GROUPS = ((1, 2), (3,), (4, 5))
#: What the contract calls not a closed form.
UNEVALUATED = (sp.Integral, sp.Sum, sp.Product, sp.Limit, sp.Derivative)
POWER_EVAL_SECONDS = 20.0


def exact_power(n: int, x: mpmath.mpf, beta: mpmath.mpf) -> mpmath.mpf:
    """E[ReLU(x - eps)^n] = -n! Li_n(-exp(beta x)) / beta^n."""
    return -math.factorial(n) * mpmath.polylog(n, -mpmath.exp(beta * x)) / beta**n


def _power_call(n: int) -> Call:
    # no points: the expression is evaluated here, from its srepr, never in the student's process
    return Call("smoothed_relu_power_symbolic", args=(n,), kind="expr", points=())


def _power_value(expression, symbols: dict, x: str, beta: str):
    value = expression.subs({symbols["x"]: sp.Rational(x), symbols["beta"]: sp.Rational(beta)}).evalf(POWER_DIGITS + 20)
    real, imaginary = value.as_real_imag()
    with mpmath.workdps(POWER_DIGITS + 25):
        return mpmath.mpf(str(sp.Float(real, POWER_DIGITS + 20))), mpmath.mpf(str(sp.Float(imaginary, POWER_DIGITS + 20)))


def _power_message(outcome: Outcome, n: int) -> str | None:
    where = f"for n = {n}"
    if not outcome.srepr:
        return f"{where} returned a {outcome.type_name}, expected a SymPy expression (of moderate size)"
    if sorted(outcome.symbols) != ["beta", "x"]:
        return f"{where} the free symbols must be exactly x and beta (sympy.symbols('x beta')), found {outcome.symbols}"
    try:
        expression = parse_srepr(outcome.srepr)
    except ValueError as exc:
        return f"{where} the expression could not be read: {exc}"
    if not isinstance(expression, sp.Expr):
        return f"{where} the result is not a SymPy expression"
    if expression.has(*UNEVALUATED):
        kinds = sorted({type(node).__name__ for node in sp.preorder_traversal(expression) if isinstance(node, UNEVALUATED)})
        return f"{where} the expression holds an unevaluated {', '.join(kinds)}: give a closed form"
    symbols = {str(s): s for s in expression.free_symbols}
    if set(symbols) != {"x", "beta"}:
        return f"{where} the free symbols must be exactly x and beta, found {sorted(symbols)}"
    values = evaluate_each(POWER_EVAL_SECONDS, _power_value, [(expression, symbols, x, beta) for x, beta in POWER_POINTS])
    for (x, beta), value in zip(POWER_POINTS, values):
        if isinstance(value, TimeoutError):
            return f"{where} the expression could not be evaluated at x = {x}, beta = {beta} in {POWER_EVAL_SECONDS:g} s"
        if isinstance(value, Exception):  # SymPy raises many kinds of errors on odd expressions
            return f"{where} the expression could not be evaluated at x = {x}, beta = {beta} ({type(value).__name__})"
        if isinstance(value, BaseException):
            raise value
        real, imaginary = value
        with mpmath.workdps(POWER_DIGITS + 25):
            X, B = (mpmath.mpf(sp.Rational(v).p) / sp.Rational(v).q for v in (x, beta))
            want = exact_power(n, X, B)
            allowed = mpmath.mpf(10) ** (-POWER_DIGITS) * abs(want)
            if not (mpmath.isfinite(real) and abs(real - want) <= allowed and abs(imaginary) <= allowed):
                got = mpmath.nstr(real, 15) + (f" + {mpmath.nstr(imaginary, 3)} I" if imaginary else "")
                off = mpmath.nstr(abs(mpmath.mpc(real, imaginary) - want) / abs(want), 2)
                return (f"{where} at x = {x}, beta = {beta} the expression is {got}, expected {mpmath.nstr(want, 15)} "
                        f"(relative difference {off}; {POWER_DIGITS} digits are needed)")
    return None


def _power(*ns: int) -> Judge:
    return each(_power_message, ns)


SMOOTHED_RELU_POWER_SYMBOLIC_HIDDEN = Check(
    target="smoothed_relu_power_symbolic",
    points=3,
    parts=tuple(
        Part(f"equals E[ReLU(x - eps)^n] to {POWER_DIGITS} digits at exact points with abs(beta x) <= 30, "
             f"n = {' and '.join(map(str, ns))}",
             tuple(_power_call(n) for n in ns), _power(*ns))
        for ns in POWER_GROUPS
    ),
)

# --- what the hidden test cells call ----------------------------------------------------------------

#: Hidden test cell ``grade_id`` -> the check that grades it.
CHECKS = by_hidden_cell(LOGISTIC_DENSITY_HIDDEN, LOGISTIC_SMOOTHING_HIDDEN, SMOOTHED_RELU_LAYER_HIDDEN,
                        SMOOTHED_RELU_LAYER_BACKWARD_HIDDEN, SMOOTHED_RELU_POWER_SYMBOLIC_HIDDEN)
#: ``<target>_hidden(function)``, what each hidden test cell calls.
globals().update(hidden_cell_functions(CHECKS))
