"""The vocabulary every check module uses: parts, checks, verdicts and a few judges.

A :class:`Check` grades one hidden test cell. It is a list of :class:`Part` s, each worth a
share of the cell's points. A part names the calls to make of the student's function
(:class:`~autograder.worker.Call`) and a *judge*: a plain function that receives what those
calls returned (:class:`~autograder.worker.Outcome`, plain data) and says what is wrong, or
``None`` when nothing is. Calls run wherever the grader wants (a disposable worker
process when grading, the student's own kernel when the cell is run in a notebook); judges
always run beside the references, which are computed by the check module itself.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from autograder.worker import Call, Function, Outcome, Sym, probe  # noqa: F401 - the checks' vocabulary

Judge = Callable[[Sequence[Outcome]], "str | None"]


@dataclass(frozen=True)
class Part:
    """One property of a graded name, worth ``weight`` shares of its cell's points."""

    description: str
    calls: tuple[Call, ...]
    judge: Judge
    weight: float = 1.0
    #: Whether the judge also sees outcomes whose call raised (to grade an expected
    #: ``ValueError``); otherwise the first error fails the part with its message.
    accepts_errors: bool = False


@dataclass(frozen=True)
class PartResult:
    description: str
    passed: bool
    message: str | None


@dataclass(frozen=True)
class Verdict:
    """The score of one hidden test cell and the reasons for it, ready to show a student."""

    score: float
    max_score: float
    parts: tuple[PartResult, ...]

    def report(self) -> str:
        lines = []
        for part in self.parts:
            mark = "passed" if part.passed else "FAILED"
            line = f"[{mark}] {part.description}"
            lines.append(line if part.passed else f"{line}\n         {part.message}")
        lines.append(f"score: {format_points(self.score)} / {format_points(self.max_score)}")
        return "\n".join(lines)


@dataclass(frozen=True)
class Check:
    """Everything needed to grade one hidden test cell of graded name ``target``."""

    target: str
    points: float
    parts: tuple[Part, ...] = field(default_factory=tuple)

    @property
    def calls(self) -> tuple[Call, ...]:
        return tuple(call for part in self.parts for call in part.calls)

    def judge(self, outcomes: Sequence[Outcome]) -> Verdict:
        """Score the outcomes of :attr:`calls`, in the same order."""
        if len(outcomes) != len(self.calls):
            raise ValueError(f"expected {len(self.calls)} outcomes, got {len(outcomes)}")
        results, start, earned = [], 0, 0.0
        total_weight = sum(part.weight for part in self.parts)
        for part in self.parts:
            mine = outcomes[start : start + len(part.calls)]
            start += len(part.calls)
            message = (None if part.accepts_errors else _first_error(mine)) or part.judge(mine)
            results.append(PartResult(part.description, message is None, message))
            if message is None:
                earned += part.weight
        score = round(self.points * earned / total_weight, 6)
        return Verdict(score, self.points, tuple(results))


def _first_error(outcomes: Sequence[Outcome]) -> str | None:
    for outcome in outcomes:
        if outcome.error is not None:
            return outcome.error
    return None


def format_points(value: float) -> str:
    return f"{value:g}"


def run_locally(check: Check, function) -> float:
    """Grade ``function`` in this process, print the report and return the score.

    This is what a hidden test cell does when a notebook is run by hand or by plain
    ``nbgrader autograde``. It trusts the process it runs in; ``python -m autograder
    grade`` does not, and makes the calls in a separate worker instead.
    """
    verdict = check.judge([probe(function, call) for call in check.calls])
    print(verdict.report())
    return verdict.score


# --- judges shared by all check modules ---------------------------------------------


def close_to(reference: np.ndarray, *, atol: float, rtol: float = 0.0, what: str = "result") -> Judge:
    """Judge that one outcome equals ``reference`` in shape and, entry by entry, to tolerance."""

    def judge(outcomes: Sequence[Outcome]) -> str | None:
        return compare(outcomes[0], reference, atol=atol, rtol=rtol, what=what)

    return judge


def compare(outcome: Outcome, reference: np.ndarray, *, atol: float, rtol: float = 0.0, what: str = "result") -> str | None:
    """Say how ``outcome`` differs from ``reference``, or return ``None`` when it does not."""
    value = outcome.value
    if value is None:
        return f"{what} could not be read as an array of numbers"
    if value.shape != reference.shape:
        return f"{what} has shape {value.shape}, expected {reference.shape}"
    finite = np.isfinite(value)
    if not finite.all():
        index = tuple(int(i) for i in np.argwhere(~finite)[0])
        return f"{what} is not finite at index {index}: {float(value[index])}"
    error = np.abs(value - reference)
    allowed = atol + rtol * np.abs(reference)
    if (error > allowed).any():
        index = tuple(int(i) for i in np.unravel_index(np.argmax(error - allowed), error.shape))
        return (f"{what} (shape {reference.shape}) is wrong at index {index}: got {float(value[index])!r}, "
                f"expected {float(reference[index])!r} (difference {error[index]:.3g})")
    return None


def well_behaved(outcomes: Sequence[Outcome]) -> str | None:
    """The common contract: a float64 ndarray, arguments untouched, no RuntimeWarning."""
    for outcome in outcomes:
        if outcome.type_name != "numpy.ndarray":
            return f"returned a {outcome.type_name}, expected a numpy.ndarray"
        if outcome.dtype != "float64":
            return f"returned an array of dtype {outcome.dtype}, expected float64"
        if outcome.mutated:
            return "modified the caller's array in place; work on a copy instead"
        runtime = [w for w in outcome.warnings if w.startswith("RuntimeWarning")]
        if runtime:
            return f"emitted a warning: {runtime[0]}"
    return None


def well_behaved_and_right(*value_judges: Judge) -> Judge:
    """The common contract (:func:`well_behaved`), earned only together with right values
    (each outcome judged by the matching judge): otherwise a constant float64 array, or an
    outcome forged by the notebook's code, would collect these points without computing
    anything."""
    values = all_of(*value_judges)

    def judge(outcomes: Sequence[Outcome]) -> str | None:
        wrong = values(outcomes)
        return well_behaved(outcomes) or (wrong and f"{wrong} (this part needs a correct result)")

    return judge


def all_of(*judges: Judge) -> Judge:
    """Judge each outcome with the matching judge; the first complaint wins."""

    def judge(outcomes: Sequence[Outcome]) -> str | None:
        for single, outcome in zip(judges, outcomes):
            message = single([outcome])
            if message is not None:
                return message
        return None

    return judge


def rational_points(rng: np.random.Generator, names: Sequence[str], count: int, denominator: int = 7) -> tuple[dict, ...]:
    """``count`` random points with exact rational coordinates in [-2, 2], keyed by symbol name."""
    return tuple(
        {name: f"{int(k)}/{denominator}" for name, k in zip(names, rng.integers(-2 * denominator, 2 * denominator + 1, len(names)))}
        for _ in range(count)
    )


def time_limited(seconds: float, function, *args, **kwargs):
    """``function(*args, **kwargs)``, or ``TimeoutError`` once ``seconds`` have passed.

    For judges that do heavy SymPy work on a student's expression (a limit, a polynomial
    test): an expression built to take forever then fails its part instead of stalling
    the grader. Uses SIGALRM, so only in a process's main thread; elsewhere it just calls.
    """
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return function(*args, **kwargs)

    def expire(signum, frame):
        raise TimeoutError(f"gave up after {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return function(*args, **kwargs)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


#: Largest student ``srepr`` :func:`parse_srepr` reads, in characters and in syntax nodes.
MAX_SREPR_CHARS = 20_000
MAX_SREPR_NODES = 2_000
#: Longest integer literal it accepts, in digits.
MAX_LITERAL_DIGITS = 60
#: Highest degree of the polynomial of a ``CRootOf`` it rebuilds.
MAX_ROOT_DEGREE = 60


def parse_srepr(text: str):
    """Rebuild a SymPy expression from the ``srepr`` a student's code sent, safely.

    The text is parsed, never evaluated: only calls of SymPy classes and functions by
    name, with literal arguments (numbers, strings, ``True``/``False``, tuples, lists and
    keyword arguments) are accepted, within size caps, and the expression is built
    unevaluated (``Pow(10, 10**50)`` is not computed). Raises ``ValueError`` otherwise.
    """
    import ast

    import sympy

    if not isinstance(text, str) or not text or len(text) > MAX_SREPR_CHARS:
        raise ValueError("the expression is empty or too large to read")
    try:
        tree = ast.parse(text, mode="eval")
    except (SyntaxError, RecursionError, MemoryError):
        raise ValueError("the expression's srepr is not valid") from None
    if sum(1 for _ in ast.walk(tree)) > MAX_SREPR_NODES:
        raise ValueError("the expression is too large to read")
    from sympy.functions.elementary.piecewise import ExprCondPair

    namespace = {**vars(sympy), "ExprCondPair": ExprCondPair}

    def build(node):
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float, str, bool)) or (
                isinstance(node, ast.Constant) and node.value is None):
            if isinstance(node.value, int) and len(str(abs(node.value))) > MAX_LITERAL_DIGITS:
                raise ValueError("a number in the expression is too long")
            if isinstance(node.value, str) and len(node.value) > 200:
                raise ValueError("a name in the expression is too long")
            return node.value
        if isinstance(node, ast.Name) and isinstance(namespace.get(node.id), sympy.Basic):
            return namespace[node.id]  # constants such as pi, E, oo, true
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -build(node.operand)
        if isinstance(node, (ast.Tuple, ast.List)):
            return [build(item) for item in node.elts]
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            constructor = namespace.get(node.func.id)
            if not (isinstance(constructor, type) and issubclass(constructor, (sympy.Basic, sympy.MatrixBase))
                    or isinstance(constructor, sympy.FunctionClass)):
                raise ValueError(f"{node.func.id} is not a SymPy class")
            arguments = [build(arg) for arg in node.args]
            keywords = {kw.arg: build(kw.value) for kw in node.keywords if kw.arg}
            if node.func.id in ("Integer", "Float", "Rational") and any(isinstance(a, str) and len(a) > MAX_LITERAL_DIGITS for a in arguments):
                raise ValueError("a number in the expression is too long")
            if isinstance(constructor, type) and issubclass(constructor, sympy.polys.rootoftools.RootOf):
                return _root_of(constructor, arguments, keywords)
            return constructor(*arguments, **keywords)
        raise ValueError(f"unexpected {type(node).__name__} in the expression")

    with sympy.evaluate(False):
        try:
            return build(tree.body)
        except ValueError:
            raise
        except Exception as exc:  # SymPy's own complaints about malformed arguments
            raise ValueError(f"the expression could not be rebuilt: {type(exc).__name__}") from None


def _root_of(constructor, arguments, keywords):
    """A ``CRootOf`` (an exact root of a polynomial): its polynomial must be evaluated to be
    read, which is safe once every power in it is a small integer."""
    import sympy

    if not arguments or not isinstance(arguments[0], sympy.Expr):
        raise ValueError("a CRootOf needs a polynomial")
    for power in arguments[0].atoms(sympy.Pow):
        if not (power.exp.is_Integer and 0 <= power.exp <= MAX_ROOT_DEGREE):
            raise ValueError(f"the polynomial of a CRootOf must have integer powers up to {MAX_ROOT_DEGREE}")
    with sympy.evaluate(True):
        return constructor(arguments[0].doit(), *arguments[1:], **keywords)


def agrees_to_digits(text: str, expected, digits: int) -> bool:
    """Whether a number a worker printed (SymPy's ``evalf`` output) equals ``expected`` to
    about ``digits`` significant digits. The text is parsed as a number, never evaluated."""
    import mpmath

    with mpmath.workdps(digits + 10):
        try:
            got = mpmath.mpf(text)
        except (ValueError, TypeError):
            return False
        return abs(got - expected) <= mpmath.mpf(10) ** (-digits) * max(1, abs(expected))
