"""Hidden tests of ``ex04_losses_cross_entropy``: the contract in EXERCISES.md, one check per
graded name.

Every reference is computed here, in the grader's process, before any student code runs,
and in extended precision (mpmath) where float64 is not accurate enough: the losses are
judged to ``1e-12`` relative to logits as large as ``1e5``, which a float64 reference could
miss by its own rounding. The student's functions are only ever *called* (see
:mod:`autograder.protocol`), and the SymPy answer is judged on an expression rebuilt here from
its ``srepr`` (:func:`~autograder.checks.framework.expression_in`), never on the student's
object.
"""
from __future__ import annotations

from typing import Sequence

import mpmath
import numpy as np
import sympy

from autograder.checks.framework import (
    Call, Check, Judge, Part, all_of, by_hidden_cell, expression_in, hidden_cell_functions, near, quiet,
    refuses_after_a_right_result, time_limited, values_at, well_behaved_and_right,
)
from autograder.protocol import Outcome

RNG = np.random.default_rng(20261124)
#: Decimal digits of the mpmath references, beyond what a term's size needs.
DPS = 40

# --- exact references ------------------------------------------------------------------------


def _mp(value) -> mpmath.mpf:
    return mpmath.mpf(float(value))


def exact_cross_entropy(logits, labels) -> np.ndarray:
    """``log(sum(exp(z))) - z[y]`` per row, literally. With DPS significant digits the sum
    is exact to a relative 1e-DPS, so the loss is exact to an absolute 1e-DPS, far below the
    contract's absolute tolerance of at least 1e-12, however large the logits."""
    logits = np.asarray(logits, dtype=np.float64)
    out = []
    for row, label in zip(logits, np.asarray(labels, dtype=np.int64)):
        with mpmath.workdps(DPS):
            z = [_mp(v) for v in row]
            out.append(float(mpmath.log(mpmath.fsum(mpmath.exp(v) for v in z)) - z[label]))
    return np.array(out)


def exact_cross_entropy_grad(logits, labels) -> np.ndarray:
    """``softmax(z) - onehot(y)`` per row, in mpmath (exact to an absolute 1e-DPS)."""
    logits = np.asarray(logits, dtype=np.float64)
    out = []
    for row, label in zip(logits, np.asarray(labels, dtype=np.int64)):
        with mpmath.workdps(DPS):
            e = [mpmath.exp(_mp(v)) for v in row]
            total = mpmath.fsum(e)
            out.append([float(v / total - (1 if j == label else 0)) for j, v in enumerate(e)])
    return np.array(out)


def exact_bce(t, y) -> np.ndarray:
    """``-y log(sigmoid(t)) - (1 - y) log(1 - sigmoid(t))``, literally, broadcast. ``1 -
    sigmoid(t)`` is about ``e^-t``: the digits grow with ``|t|`` so that it is not lost."""
    t, y = np.broadcast_arrays(np.asarray(t, dtype=np.float64), np.asarray(y, dtype=np.float64))
    out = np.empty(t.shape)
    for index in np.ndindex(t.shape):
        with mpmath.workdps(DPS + int(abs(t[index]) / 2)):
            tt, yy = _mp(t[index]), _mp(y[index])
            p = 1 / (1 + mpmath.exp(-tt))
            out[index] = float(-yy * mpmath.log(p) - (1 - yy) * mpmath.log(1 - p))
    return out


def exact_logistic_grad(theta, X, y) -> tuple[np.ndarray, np.ndarray]:
    """``X^T (sigmoid(X theta) - y)`` in mpmath, and the contract's tolerance per entry,
    ``1e-12 * sum_i |X[i, j]| (sigmoid_i + |y_i|)``."""
    theta, X, y = (np.asarray(a, dtype=np.float64) for a in (theta, X, y))
    with mpmath.workdps(DPS + 10):
        u = [mpmath.fsum(_mp(a) * _mp(b) for a, b in zip(row, theta)) for row in X]
    with mpmath.workdps(DPS):  # sigmoid exact to a relative 1e-DPS, for any u
        sig = [1 / (1 + mpmath.exp(-ui)) for ui in u]
    with mpmath.workdps(DPS):
        grad = [float(mpmath.fsum(_mp(X[i, j]) * (sig[i] - _mp(y[i])) for i in range(len(u)))) for j in range(X.shape[1])]
    sig_f = np.array([float(s) for s in sig])
    allowed = 1e-12 * (np.abs(X) * (sig_f + np.abs(y))[:, None]).sum(axis=0)
    return np.array(grad), allowed


def exact_ce_scaled_onehot(k: int, lam: mpmath.mpf) -> mpmath.mpf:
    """``CE(lam e_0, 0)`` with ``k`` classes, literally from the definition (log-sum-exp of
    the logits minus the right one): no closed form is assumed."""
    with mpmath.workdps(DPS + 20 + int(abs(lam) / 2)):
        logits = [lam] + [mpmath.mpf(0)] * (k - 1)
        return mpmath.log(mpmath.fsum(mpmath.exp(v) for v in logits)) - logits[0]


# --- inputs --------------------------------------------------------------------------------------

N, K = 6, 5
LOGITS = RNG.normal(size=(N, K)) * 3
LABELS = RNG.integers(0, K, size=N)
LABELS[:2] = (0, K - 1)                                   # the first and the last class
LOGITS_LIST = [[1, 2, 3], [0, 0, 0], [-2, 5, 1], [4, 4, 4]]
LABELS_LIST = [2, 1, 0, 2]
ONE_ROW = np.array([[0.25, -1.5]])
ONE_LABEL = np.array([1], dtype=np.int32)
#: |logits| up to 1e5: exp overflows without the shift, softmax underflows without log-sum-exp.
HUGE = np.array([[1e5, 0.0, -1e5], [1000.0, 1000.0, 999.0], [-1e5, -1e5 + 1, -1e5 + 3.5],
                 [-800.0, -801.0, -1e5], [99999.25, 1e5, -3.0], [7.5, 40.0, -750.0]])
HUGE_LABELS = np.array([2, 0, 1, 2, 0, 1])


def _ce_scale(logits) -> np.ndarray:
    """The contract's tolerance per row: 1e-12 * max(1, max |logits[i]|)."""
    return 1e-12 * np.maximum(1.0, np.abs(np.asarray(logits, dtype=np.float64)).max(axis=1))


def _call(target: str, *args, **kwargs) -> Call:
    return Call(target, args=tuple(args), kwargs=kwargs)


#: Labels that are not classes (K = 3 classes), and what each is, for the messages.
NEGATIVE_AND_TOO_LARGE = (([0, -1, 2], "a label of -1 (NumPy indexing would silently use the last class)"),
                          (np.array([1, -3]), "a label of -3 = -K (NumPy would silently use class 0)"),
                          ([0, 3, 1], "a label of 3 with K = 3 classes"))
FRACTIONAL_AND_NAN = ((np.array([0.0, 1.5, 2.0]), "a label of 1.5"),
                      (np.array([0.0, np.nan, 1.0]), "a label of nan"))
BAD_LOGITS = RNG.normal(size=(3, 3))
GOOD_LABELS = np.array([2, 0, 1])


def _bad_label_parts(target: str, good: Judge) -> tuple[Part, Part]:
    """Two parts: each makes one call with valid labels (``BAD_LOGITS``, ``GOOD_LABELS``),
    judged by ``good``, then the calls with bad labels, which must raise ``ValueError``.
    The valid call keeps a function that refuses everything from earning these parts."""

    def logits_for(labels):
        return BAD_LOGITS[: len(labels)].copy()

    def part(description, cases):
        calls = (_call(target, BAD_LOGITS.copy(), GOOD_LABELS.copy()),
                 *(_call(target, logits_for(labels), labels) for labels, _ in cases))
        judge = refuses_after_a_right_result(good, f"valid labels {GOOD_LABELS.tolist()}",
                                             [f"with {what}" for _, what in cases])
        return Part(description, calls, judge, accepts_errors=True)

    return (part("refuses negative labels and labels >= K with ValueError", NEGATIVE_AND_TOO_LARGE),
            part("refuses fractional and nan labels with ValueError", FRACTIONAL_AND_NAN))


# --- cross_entropy -------------------------------------------------------------------------------

CE_REF = exact_cross_entropy(LOGITS, LABELS)
CE_REF_LIST = exact_cross_entropy(LOGITS_LIST, LABELS_LIST)
CE_REF_ONE = exact_cross_entropy(ONE_ROW, ONE_LABEL)
CE_REF_HUGE = exact_cross_entropy(HUGE, HUGE_LABELS)

CROSS_ENTROPY_HIDDEN = Check(
    target="cross_entropy",
    points=4,
    parts=(
        Part(
            "one loss per sample, exact, for arrays, lists of ints and a single row",
            (_call("cross_entropy", LOGITS, LABELS), _call("cross_entropy", LOGITS_LIST, LABELS_LIST),
             _call("cross_entropy", ONE_ROW, ONE_LABEL)),
            all_of(near(CE_REF, _ce_scale(LOGITS)), near(CE_REF_LIST, _ce_scale(LOGITS_LIST)),
                   near(CE_REF_ONE, _ce_scale(ONE_ROW))),
            weight=2,
        ),
        Part(
            "no overflow: finite and exact to 1e-12 max(1, max|logits|) for |logits| up to 1e5",
            (_call("cross_entropy", HUGE, HUGE_LABELS),),
            near(CE_REF_HUGE, _ce_scale(HUGE)),
            weight=2,
        ),
        *_bad_label_parts("cross_entropy", near(exact_cross_entropy(BAD_LOGITS, GOOD_LABELS), _ce_scale(BAD_LOGITS))),
        Part(
            "returns a new float64 array, leaves its inputs alone, emits no warning",
            (_call("cross_entropy", LOGITS.copy(), LABELS.copy()), _call("cross_entropy", HUGE.copy(), HUGE_LABELS.copy())),
            well_behaved_and_right(near(CE_REF, _ce_scale(LOGITS)), near(CE_REF_HUGE, _ce_scale(HUGE))),
        ),
    ),
)

# --- cross_entropy_grad ---------------------------------------------------------------------------

MODERATE = RNG.uniform(-50, 50, size=(5, 4))
MODERATE_LABELS = np.array([0, 3, 1, 2, 3])
GRAD_REF = exact_cross_entropy_grad(LOGITS, LABELS)
GRAD_REF_LIST = exact_cross_entropy_grad(LOGITS_LIST, LABELS_LIST)
GRAD_REF_MODERATE = exact_cross_entropy_grad(MODERATE, MODERATE_LABELS)
GRAD_REF_HUGE = exact_cross_entropy_grad(HUGE, HUGE_LABELS)

CROSS_ENTROPY_GRAD_HIDDEN = Check(
    target="cross_entropy_grad",
    points=3,
    parts=(
        Part(
            "softmax(logits) - onehot(y) per row, to 1e-12 for |logits| <= 50",
            (_call("cross_entropy_grad", LOGITS, LABELS), _call("cross_entropy_grad", LOGITS_LIST, LABELS_LIST),
             _call("cross_entropy_grad", MODERATE, MODERATE_LABELS)),
            all_of(near(GRAD_REF, 1e-12), near(GRAD_REF_LIST, 1e-12), near(GRAD_REF_MODERATE, 1e-12)),
            weight=2,
        ),
        Part(
            "finite and exact to 1e-9 for |logits| up to 1e5",
            (_call("cross_entropy_grad", HUGE, HUGE_LABELS),),
            near(GRAD_REF_HUGE, 1e-9),
        ),
        *_bad_label_parts("cross_entropy_grad", near(exact_cross_entropy_grad(BAD_LOGITS, GOOD_LABELS), 1e-12)),
        Part(
            "returns a new float64 array, leaves its inputs alone, emits no warning",
            (_call("cross_entropy_grad", LOGITS.copy(), LABELS.copy()),
             _call("cross_entropy_grad", HUGE.copy(), HUGE_LABELS.copy())),
            well_behaved_and_right(near(GRAD_REF, 1e-12), near(GRAD_REF_HUGE, 1e-9)),
        ),
    ),
)

# --- bce_with_logits ---------------------------------------------------------------------------------

T_MODERATE = np.round(RNG.uniform(-4, 4, size=8), 3)
Y_HARD = (RNG.uniform(size=8) < 0.5).astype(np.float64)
Y_SOFT = np.round(RNG.uniform(0, 1, size=8), 3)
T_COLUMN = np.array([[-2.5], [0.0], [1.25]])
Y_ROW = np.array([0.0, 0.2, 0.5, 1.0])
#: Where 1 - sigmoid(t) (or sigmoid(t) for t < 0) keeps only a few digits, or rounds to 0.
T_CANCEL = np.array([15.0, -15.0, 20.0, -20.0, 30.0, -30.0, 36.5, -36.5, 38.0, -38.0])
Y_CANCEL = np.array([0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.5, 0.5, 0.0, 1.0])
#: |t| up to 1e4: exp(-t) or exp(t) overflows, sigmoid rounds to 0 or 1.
T_HUGE = np.array([1e4, -1e4, 1e4, -1e4, 800.0, -800.0, 710.0, -745.5, 5000.0, -5000.0])
Y_HUGE = np.array([0.0, 1.0, 1.0, 0.0, 0.3, 0.7, 0.0, 1.0, 0.5, 0.25])


def _bce_allowed(t, y):
    t = np.broadcast_arrays(np.asarray(t, dtype=np.float64), np.asarray(y, dtype=np.float64))[0]
    return 1e-12 * np.maximum(1.0, np.abs(t))


BCE_CASES = {
    "hard": (T_MODERATE, Y_HARD),
    "soft": (T_MODERATE, Y_SOFT),
    "lists": (T_MODERATE.tolist(), Y_SOFT.tolist()),
    "table": (T_COLUMN, Y_ROW),
    "scalar_t": (0.75, Y_ROW),
    "cancel": (T_CANCEL, Y_CANCEL),
    "huge": (T_HUGE, Y_HUGE),
}
BCE_REF = {name: exact_bce(t, y) for name, (t, y) in BCE_CASES.items()}


def _bce_call(name: str, copy: bool = False) -> Call:
    t, y = BCE_CASES[name]
    if copy:
        t, y = np.array(t, dtype=np.float64), np.array(y, dtype=np.float64)
    return _call("bce_with_logits", t, y)


def _bce_near(name: str) -> Judge:
    return near(BCE_REF[name], _bce_allowed(*BCE_CASES[name]))


BCE_WITH_LOGITS_HIDDEN = Check(
    target="bce_with_logits",
    points=3,
    parts=(
        Part(
            "values for hard and soft labels, arrays and lists, |t| <= 4",
            (_bce_call("hard"), _bce_call("soft"), _bce_call("lists")),
            all_of(_bce_near("hard"), _bce_near("soft"), _bce_near("lists")),
            weight=2,
        ),
        Part(
            "broadcasting: a column of logits with a row of labels, a scalar logit with an array",
            (_bce_call("table"), _bce_call("scalar_t")),
            all_of(_bce_near("table"), _bce_near("scalar_t")),
        ),
        Part(
            "exact to 1e-12 max(1, |t|) where 1 - sigmoid(t) loses its digits (15 <= |t| <= 38)",
            (_bce_call("cancel"),),
            _bce_near("cancel"),
        ),
        Part(
            "finite, exact and without warnings for |t| up to 1e4",
            (_bce_call("huge"),),
            lambda o: _bce_near("huge")(o) or quiet(o),
        ),
        Part(
            "returns a new float64 array, leaves its inputs alone, emits no warning",
            (_bce_call("soft", copy=True), _bce_call("huge", copy=True)),
            well_behaved_and_right(_bce_near("soft"), _bce_near("huge")),
        ),
    ),
)

# --- logistic_nll_grad ---------------------------------------------------------------------------------

X_DATA = RNG.normal(size=(20, 3))
THETA = RNG.normal(size=3)
Y_DATA = (RNG.uniform(size=20) < 0.5).astype(np.float64)
X_SMALL = [[1.0, 2.0], [1.0, -1.0], [1.0, 0.5]]
THETA_SMALL = [0.1, -0.3]
Y_SMALL = [1, 0, 1]
#: |X theta| up to 1e4 (theta = (1, 0.5)): exp(-u) overflows in the textbook sigmoid.
X_HUGE = np.array([[1e4, 0.0], [-1e4, 0.0], [0.0, 2e4], [-5000.0, -1e4], [800.0, -2.0], [-750.0, 3.0], [0.5, 0.25]])
THETA_HUGE = np.array([1.0, 0.5])
Y_HUGE_LOGISTIC = np.array([0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 1.0])
ONE_FEATURE = (np.array([2.0]), np.array([[0.5], [-1.0], [3.0], [0.0]]), np.array([1.0, 1.0, 0.0, 0.0]))

LOGISTIC_CASES = {
    "data": (THETA, X_DATA, Y_DATA),
    "lists": (THETA_SMALL, X_SMALL, Y_SMALL),
    "one_feature": ONE_FEATURE,
    "huge": (THETA_HUGE, X_HUGE, Y_HUGE_LOGISTIC),
}
LOGISTIC_REF = {name: exact_logistic_grad(*args) for name, args in LOGISTIC_CASES.items()}


def _logistic_call(name: str, copy: bool = False) -> Call:
    args = LOGISTIC_CASES[name]
    if copy:
        args = tuple(np.array(a, dtype=np.float64) for a in args)
    return _call("logistic_nll_grad", *args)


def _logistic_near(name: str) -> Judge:
    return near(*LOGISTIC_REF[name])


LOGISTIC_NLL_GRAD_HIDDEN = Check(
    target="logistic_nll_grad",
    points=3,
    parts=(
        Part(
            "X^T (sigmoid(X theta) - y): the gradient of the sum over the examples",
            (_logistic_call("data"), _logistic_call("lists"), _logistic_call("one_feature")),
            all_of(_logistic_near("data"), _logistic_near("lists"), _logistic_near("one_feature")),
            weight=2,
        ),
        Part(
            "finite, exact and without warnings for |X theta| up to 1e4",
            (_logistic_call("huge"),),
            lambda o: _logistic_near("huge")(o) or quiet(o),
        ),
        Part(
            "returns a new float64 array, leaves its inputs alone, emits no warning",
            (_logistic_call("data", copy=True), _logistic_call("huge", copy=True)),
            well_behaved_and_right(_logistic_near("data"), _logistic_near("huge")),
        ),
    ),
)

# --- ce_scaled_onehot_symbolic ---------------------------------------------------------------------------

SYMBOL = "lam"
DIGITS = 30
#: Exact points: lam = 0 (equal logits), random rationals in [-3, 3], and a few larger values.
LAM_POINTS = tuple(
    {SYMBOL: text}
    for text in ("0", *(f"{int(n)}/7" for n in RNG.integers(-21, 22, size=4)), "9/2", "-5/2", "12")
)
#: Where a SymPy limit the grader cannot finish is replaced by values far out on the ray.
TAIL_POINTS = (20, 40, 80)
LIMIT_SECONDS = 20.0
EVAL_SECONDS = 20.0
SYMBOLIC_GROUPS = ((2, 3), (5, 10))
LIMIT_KS = (4, 7)


def _symbolic_call(k: int) -> Call:
    return Call("ce_scaled_onehot_symbolic", args=(k,), kind="expr", points=LAM_POINTS, digits=DIGITS + 10)


def _values_message(expression, symbol, k: int) -> str | None:
    """Compare the rebuilt expression with the reference at every point of LAM_POINTS."""
    texts = [point[SYMBOL] for point in LAM_POINTS]
    values = values_at(expression, symbol, texts, DIGITS, f"for k = {k}")
    if isinstance(values, str):
        return values
    for text, got in zip(texts, values):
        with mpmath.workdps(DIGITS + 20):
            lam = mpmath.mpf(sympy.Rational(text).p) / sympy.Rational(text).q
            want = exact_ce_scaled_onehot(k, lam)
            if not abs(got - want) <= mpmath.mpf(10) ** (-DIGITS) * max(1, abs(want)):
                return f"for k = {k} at lam = {text} the expression is {mpmath.nstr(got, 15)}, expected {mpmath.nstr(want, 15)}"
    return None


def _symbolic_values(k: int) -> Judge:
    def judge(outcomes: Sequence[Outcome]) -> str | None:
        expression, symbol, message = expression_in(outcomes[0], SYMBOL, f"for k = {k}")
        return message or _values_message(expression, symbol, k)

    return judge


def _tail_message(expression, symbol, k: int) -> str | None:
    """Values far out on the ray, in mpmath with enough digits, against the reference."""
    function = sympy.lambdify(symbol, expression, modules="mpmath")
    for lam in TAIL_POINTS:
        with mpmath.workdps(DIGITS + 20 + lam):
            want = exact_ce_scaled_onehot(k, mpmath.mpf(lam))
            try:
                got = mpmath.mpf(function(mpmath.mpf(lam)))
            except (TypeError, ValueError, ArithmeticError):
                return f"for k = {k} the expression could not be evaluated at lam = {lam}"
            if not abs(got - want) <= mpmath.mpf(10) ** (-DIGITS) * abs(want):
                return f"for k = {k} at lam = {lam} the expression is {mpmath.nstr(got, 15)}, expected {mpmath.nstr(want, 15)}"
    return None


def _limit_message(expression, symbol, k: int) -> str | None:
    """The limit as lam -> oo must be 0. SymPy decides it when it can; when it cannot (it
    gives up, runs out of time, or returns an unevaluated limit), the expression must
    agree with the reference far out on the ray instead, to DIGITS significant digits."""
    try:
        limit = time_limited(LIMIT_SECONDS, sympy.limit, expression, symbol, sympy.oo)
    except Exception:  # noqa: BLE001 - SymPy's limit raises many kinds of errors; fall back
        limit = None
    if limit is not None and limit.is_number and limit.is_zero:
        return None
    if limit is not None and limit.is_number and limit.is_zero is False and (limit.is_finite or limit.is_infinite):
        return f"for k = {k} the limit as lam -> oo is {limit}, expected 0"
    try:
        return time_limited(EVAL_SECONDS, _tail_message, expression, symbol, k)
    except Exception as exc:  # noqa: BLE001 - anything that stops the evaluation fails the part
        return f"for k = {k} the limit as lam -> oo could not be found ({type(exc).__name__})"


def _symbolic_limit(k: int) -> Judge:
    def judge(outcomes: Sequence[Outcome]) -> str | None:
        expression, symbol, message = expression_in(outcomes[0], SYMBOL, f"for k = {k}")
        if message:
            return message
        # a limit of 0 is only worth something on the right expression: exp(-lam) has it too
        wrong = _values_message(expression, symbol, k)
        if wrong:
            return f"{wrong} (this part needs a correct expression)"
        return _limit_message(expression, symbol, k)

    return judge


CE_SCALED_ONEHOT_SYMBOLIC_HIDDEN = Check(
    target="ce_scaled_onehot_symbolic",
    points=3,
    parts=(
        *(Part(f"equals CE(lam e_y, y) at exact points for k = {' and '.join(map(str, ks))}",
               tuple(_symbolic_call(k) for k in ks), all_of(*(_symbolic_values(k) for k in ks)))
          for ks in SYMBOLIC_GROUPS),
        Part(f"its limit as lam -> oo is 0 (k = {' and '.join(map(str, LIMIT_KS))})",
             tuple(_symbolic_call(k) for k in LIMIT_KS), all_of(*(_symbolic_limit(k) for k in LIMIT_KS))),
    ),
)

# --- what the hidden test cells call ----------------------------------------------------------------------

#: Hidden test cell ``grade_id`` -> the check that grades it.
CHECKS = by_hidden_cell(CROSS_ENTROPY_HIDDEN, CROSS_ENTROPY_GRAD_HIDDEN, BCE_WITH_LOGITS_HIDDEN,
                        LOGISTIC_NLL_GRAD_HIDDEN, CE_SCALED_ONEHOT_SYMBOLIC_HIDDEN)
#: ``<target>_hidden(function)``, what each hidden test cell calls.
globals().update(hidden_cell_functions(CHECKS))
