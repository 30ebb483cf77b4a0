"""The vocabulary every check module uses: parts, checks, verdicts and the shared judges.

A :class:`Check` grades one hidden test cell. It is a list of :class:`Part` s, each worth a
share of the cell's points. A part names the calls to make of the student's function
(:class:`~autograder.protocol.Call`) and a *judge*: a plain function that receives what those
calls returned (:class:`~autograder.protocol.Outcome`, plain data) and says what is wrong, or
``None`` when nothing is. Calls run wherever the grader wants (a disposable worker
process when grading, the student's own kernel when the cell is run in a notebook); judges
always run beside the references, which are computed by the check module itself.

Most parts are one line: :func:`agrees` makes the calls and the judge from one list of
inputs (``Part("values on vectors and batches", *agrees("softmax", reference_softmax,
[VECTOR, BATCH], atol=1e-12), weight=2)``), and :func:`symbolic_matrix`
(:func:`symbolic_matrices`, a part of several sizes) and :func:`symbolic_expression` do the
same for a SymPy answer evaluated at exact points. The other shared judges, by what
EXERCISES.md asks:

- right values: :func:`close_to` / :func:`compare` (to ``atol + rtol |reference|``),
  :func:`near` / :func:`within` (a tolerance per entry), :func:`exactly`; :func:`each` judges
  every outcome with its input, :func:`all_of` with its own judge;
- the common rules (a new float64 array, the caller's arrays untouched, no RuntimeWarning):
  :func:`an_array`, :func:`a_tuple_of_arrays`, :func:`untouched_and_quiet`, :func:`quiet`, earned
  only with right values
  (:func:`contract_with`, :func:`with_right_values`, :func:`well_behaved_and_right`);
- raising: :func:`raises_value_error`, :func:`refuses_after_a_right_result`; results in
  parts: :func:`items_of`;
- an expression judged on itself: :func:`expression_in` rebuilds it, :func:`values_at`
  evaluates it.

:func:`by_hidden_cell` makes ``CHECKS`` and :func:`hidden_cell_functions` what the hidden
cells call.

A convention of the check modules: ``reference_*`` functions compute in float64, as a
careful student's code would; ``exact_*`` ones in extended precision (mpmath), for the
properties that are judged against the exact value.
"""
from __future__ import annotations

import dataclasses
import functools
import gc
import hashlib
import math
import os
import pickle
import select
import signal
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from autograder.protocol import Call, Function, Outcome, Sym, probe  # noqa: F401 - the checks' vocabulary

Judge = Callable[[Sequence[Outcome]], "str | None"]
#: The MIME type under which a hidden cell's verdict travels as data, beside the score.
VERDICT_MIME = "application/vnd.autograder.verdict+json"


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
    """One property's result; ``message`` says what failed, with any text of the
    student's (an error message, a type name) escaped onto one line."""

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

    def to_dict(self) -> dict:
        """The verdict as plain data (what :data:`VERDICT_MIME` carries)."""
        return {"score": self.score, "max_score": self.max_score,
                "parts": [{"description": p.description, "passed": p.passed, "message": p.message} for p in self.parts]}

    @classmethod
    def from_dict(cls, data) -> "Verdict":
        """Read :meth:`to_dict`'s data back; ValueError on anything of another shape."""
        try:
            return cls(float(data["score"]), float(data["max_score"]), tuple(_part_from_dict(p) for p in data["parts"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"not a verdict: {exc}") from None


def _part_from_dict(data) -> PartResult:
    description, passed, message = data["description"], data["passed"], data["message"]
    if not isinstance(description, str) or not isinstance(passed, bool) or not isinstance(message, (str, type(None))):
        raise ValueError("malformed part")
    return PartResult(description, passed, None if message is None else escaped(message))


def verdict_in(cell) -> "Verdict | None":
    """The verdict a graded hidden cell carries as data (``job.py`` writes it), or None. The
    one place that reads a verdict back: feedback and analysis both call it."""
    for output in cell.get("outputs", []) if isinstance(cell, dict) else []:
        data = output.get("data") if isinstance(output, dict) else None
        if isinstance(data, dict) and VERDICT_MIME in data:
            try:
                return Verdict.from_dict(data[VERDICT_MIME])
            except ValueError:
                return None
    return None


def escaped(text: str) -> str:
    """``text`` on one line, every unprintable character (newlines, escapes, line
    separators) written as its Python escape: a student's text stays data, never layout."""
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


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
        """Score the outcomes of :attr:`calls`, in the same order. Symbolic results are
        evaluated here first, from their ``srepr`` (:func:`read_symbolic`)."""
        if len(outcomes) != len(self.calls):
            raise ValueError(f"expected {len(self.calls)} outcomes, got {len(outcomes)}")
        outcomes = [read_symbolic(call, outcome) for call, outcome in zip(self.calls, outcomes)]
        results, start, earned = [], 0, 0.0
        total_weight = sum(part.weight for part in self.parts)
        for part in self.parts:
            mine = outcomes[start : start + len(part.calls)]
            start += len(part.calls)
            message = _judged(part, mine)
            results.append(PartResult(part.description, message is None, None if message is None else escaped(message)))
            if message is None:
                earned += part.weight
        score = round(self.points * earned / total_weight, 6)
        return Verdict(score, self.points, tuple(results))


#: What slow parts said, by a digest of the part and its outcomes: a class hands in the same
#: answers many times, and a part that rebuilds SymPy expressions or searches for a supremum
#: takes seconds. Judging is deterministic given the outcomes, so a verdict is kept unless
#: a time limit ran out while it was reached (that depends on the machine's load).
_JUDGED: dict[bytes, str | None] = {}
MOST_JUDGED = 4096
#: Seconds of judging that make a part worth remembering (cheap parts are judged again:
#: digesting their outcomes would cost about as much).
WORTH_KEEPING = 0.05
#: The parts found slow, by id; holding them keeps their ids from being reused.
_SLOW_PARTS: dict[int, "Part"] = {}


def _judged(part: Part, outcomes: Sequence[Outcome]) -> str | None:
    """``part``'s message on ``outcomes`` (None when it holds): its first error, unless it
    accepts errors, or its judge's; remembered for slow parts (:data:`_JUDGED`)."""
    key = _digest(part, outcomes) if _SLOW_PARTS.get(id(part)) is part else None
    if key in _JUDGED:
        return _JUDGED[key]
    timeouts, started = TIMEOUTS, time.monotonic()
    message = (None if part.accepts_errors else _first_error(outcomes)) or part.judge(outcomes)
    if TIMEOUTS == timeouts and len(_JUDGED) < MOST_JUDGED:
        if key is None and time.monotonic() - started > WORTH_KEEPING:
            _SLOW_PARTS[id(part)] = part
            key = _digest(part, outcomes)
        if key is not None:
            _JUDGED[key] = message
    return message


def _digest(part: Part, outcomes: Sequence[Outcome]) -> bytes:
    digest = hashlib.sha256(id(part).to_bytes(8, "little"))
    for outcome in outcomes:
        digest.update(outcome.to_json().encode("utf-8"))
    return digest.digest()


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
    """Say how ``outcome`` differs from ``reference`` by more than ``atol + rtol * |reference|``,
    or return ``None`` when it does not."""
    return within(outcome, reference, atol + rtol * np.abs(reference), what=what)


def within(outcome: Outcome, reference: np.ndarray, allowed, what: str = "result") -> str | None:
    """Say how ``outcome`` differs from ``reference`` in shape, in finiteness or by more than
    ``allowed`` (a tolerance per entry, broadcast to the reference's shape: a contract whose
    tolerance scales with each input), or return ``None`` when it does not."""
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
    allowed = np.broadcast_to(np.asarray(allowed, dtype=np.float64), reference.shape)
    if (error > allowed).any():
        index = tuple(int(i) for i in np.unravel_index(np.argmax(error - allowed), error.shape))
        got, want, off = float(value[index]), float(reference[index]), float(error[index])
        return (f"{what} (shape {reference.shape}) is wrong at index {index}: got {rounded(got, off)}, "
                f"expected {rounded(want, off)} (difference {off:.2g}, allowed {float(allowed[index]):.2g})")
    return None


def near(reference: np.ndarray, allowed, *, what: str = "result") -> Judge:
    """Judge that one outcome equals ``reference`` in shape and, entry by entry, within
    ``allowed`` (:func:`within`)."""
    reference = np.asarray(reference, dtype=np.float64)

    def judge(outcomes: Sequence[Outcome]) -> str | None:
        return within(outcomes[0], reference, allowed, what=what)

    return judge


#: The most significant digits a failure message shows of a reference value.
SHOWN_DIGITS = 6


def rounded(value: float, difference: float = 0.0) -> str:
    """``value`` with just the digits that show a difference of ``difference`` (at most
    :data:`SHOWN_DIGITS`): a failure message says how far off a result is, and never hands
    out the reference to the precision a property needs."""
    if not math.isfinite(value) or value == 0 or not difference > 0:
        return f"{value:.{SHOWN_DIGITS}g}"
    digits = math.ceil(math.log10(abs(value) / difference)) + 1
    return f"{value:.{min(max(digits, 2), SHOWN_DIGITS)}g}"


def runtime_warning(outcome: Outcome) -> str | None:
    """The first RuntimeWarning the call emitted (an overflow, an invalid value), as a complaint."""
    runtime = [w for w in outcome.warnings if w.startswith("RuntimeWarning")]
    return f"emitted a warning: {runtime[0]}" if runtime else None


def quiet(outcomes: Sequence[Outcome]) -> str | None:
    """Judge that no call emitted a RuntimeWarning (the first one found is the complaint)."""
    return next(filter(None, map(runtime_warning, outcomes)), None)


def untouched_and_quiet(outcome: Outcome, inputs: str = "array") -> str | None:
    """The common rules' last two for one call: the caller's ``inputs`` (named so in the
    message: "array", "x0", "arrays", "x or kinks") left as they were, and no RuntimeWarning."""
    if outcome.mutated:
        copies = "copies" if inputs.endswith("s") else "a copy"
        return f"modified the caller's {inputs} in place; work on {copies} instead"
    return runtime_warning(outcome)


def an_array(dtype: str = "float64", inputs: str = "array") -> Callable[[Outcome], "str | None"]:
    """The common contract of one call returning a NumPy array of ``dtype``: that type,
    the caller's ``inputs`` untouched, no RuntimeWarning (:func:`untouched_and_quiet`)."""

    def contract_one(outcome: Outcome) -> str | None:
        if outcome.type_name != "numpy.ndarray":
            return f"returned a {outcome.type_name}, expected a numpy.ndarray of dtype {dtype}"
        if outcome.dtype != dtype:
            return f"returned an array of dtype {outcome.dtype}, expected {dtype}"
        return untouched_and_quiet(outcome, inputs)

    return contract_one


_well_behaved_one = an_array()


def a_tuple_of_arrays(*labels: str) -> Callable[[Outcome], "str | None"]:
    """The common contract of one call returning a tuple (or a list) whose first items,
    named ``labels``, are float64 ndarrays: that shape, the caller's arrays untouched, no
    RuntimeWarning (:func:`untouched_and_quiet`)."""

    def contract_one(outcome: Outcome) -> str | None:
        if outcome.type_name not in ("builtins.tuple", "builtins.list"):
            return f"returned a {outcome.type_name}, expected a tuple ({', '.join(labels)})"
        for label, kind in zip(labels, outcome.tree_types or []):
            if kind != "numpy.ndarray:float64":
                shown = kind if isinstance(kind, str) else "builtins.list"
                return f"{label} is a {shown}, expected a float64 numpy.ndarray"
        return untouched_and_quiet(outcome, "arrays")

    return contract_one


def well_behaved(outcomes: Sequence[Outcome]) -> str | None:
    """The common contract: a float64 ndarray, arguments untouched, no RuntimeWarning."""
    return next(filter(None, map(_well_behaved_one, outcomes)), None)


def contract_with(contract_one: Callable[[Outcome], "str | None"], values: Judge) -> Judge:
    """A part for a contract (``contract_one`` complains about one outcome, or returns
    ``None``), earned only together with right values (``values`` judges all the outcomes):
    otherwise a constant of the right type, or an outcome forged by the notebook's code,
    would collect these points without computing anything."""

    def judge(outcomes: Sequence[Outcome]) -> str | None:
        broken = next(filter(None, map(contract_one, outcomes)), None)
        if broken:
            return broken
        wrong = values(outcomes)
        return wrong and f"{wrong} (this part needs a correct result)"

    return judge


def with_right_values(contract_one: Callable[[Outcome], "str | None"], *value_judges: Judge) -> Judge:
    """:func:`contract_with`, each outcome's values judged by the matching judge."""
    return contract_with(contract_one, all_of(*value_judges))


def well_behaved_and_right(*value_judges: Judge) -> Judge:
    """The common contract (:func:`well_behaved`), earned only together with right values."""
    return with_right_values(_well_behaved_one, *value_judges)


def all_of(*judges: Judge) -> Judge:
    """Judge each outcome with the matching judge; the first complaint wins."""

    def judge(outcomes: Sequence[Outcome]) -> str | None:
        for single, outcome in zip(judges, outcomes):
            message = single([outcome])
            if message is not None:
                return message
        return None

    return judge


def each(judge_one: Callable[[Outcome, Any], "str | None"], inputs: Sequence) -> Judge:
    """Judge the outcomes one by one against ``inputs`` (``judge_one(outcome, x)``), in
    order; the first complaint wins. The loop every multi-input part needs, written once."""
    inputs = list(inputs)

    def judge(outcomes: Sequence[Outcome]) -> str | None:
        if len(outcomes) != len(inputs):
            return f"expected {len(inputs)} results, got {len(outcomes)}"
        for outcome, x in zip(outcomes, inputs):
            message = judge_one(outcome, x)
            if message:
                return message
        return None

    return judge


def exactly(reference, *, what: str = "result") -> Judge:
    """Judge that one outcome equals ``reference`` exactly, in shape and entry by entry
    (NaN equal to NaN, +0 equal to -0)."""
    reference = np.asarray(reference, dtype=np.float64)

    def judge(outcomes: Sequence[Outcome]) -> str | None:
        value = outcomes[0].value
        if value is None:
            return f"{what} could not be read as an array of numbers"
        if value.shape != reference.shape:
            return f"{what} has shape {value.shape}, expected {reference.shape}"
        wrong = ~((value == reference) | (np.isnan(value) & np.isnan(reference)))
        if wrong.any():
            index = tuple(int(i) for i in np.argwhere(wrong)[0])
            return f"{what} is wrong at index {index}: got {float(value[index])!r}, expected exactly {float(reference[index])!r}"
        return None

    return judge


def items_of(outcome: Outcome, names: Sequence[str], where: str = "") -> tuple:
    """``(the items, None)`` of a result that must be a tuple (or a list) of the items
    ``names``, or ``(None, what is wrong)``; ``where`` (the call) starts the message."""
    tree, shown, returned = outcome.tree, ", ".join(names), f"{where} returned" if where else "returned"
    if tree is None or outcome.type_name not in ("builtins.tuple", "builtins.list"):
        return None, f"{returned} a {outcome.type_name}, expected a tuple ({shown})"
    if len(tree) != len(names):
        return None, f"{returned} {len(tree)} items, expected {_COUNTS.get(len(names), len(names))}: ({shown})"
    return tree, None


_COUNTS = {2: "two", 3: "three"}


def raises_value_error(outcome: Outcome, where: str) -> str | None:
    """That the call ``where`` names (``"activation='relu' with L = 1"``) raised ``ValueError``;
    a result, or any other error, is the complaint. For parts that accept errors."""
    if outcome.error is None:
        return f"{where} returned a result instead of raising ValueError"
    if "ValueError" not in outcome.error_types:
        return f"{where} raised {outcome.error[:120]}, expected a ValueError"
    return None


def refuses_after_a_right_result(right: Judge, valid: str, refused: Sequence[str], *,
                                 raises: Callable[[Outcome, str], "str | None"] = raises_value_error) -> Judge:
    """Judge a valid call (the first outcome, named ``valid``: "activation='sigmoid'") right
    by ``right``, then each later call, named by ``refused``, a ``ValueError``
    (:func:`raises_value_error`, or ``raises(outcome, name)`` for a module's own messages
    and demands): the valid call keeps a function that refuses everything from earning the
    part. For parts that accept errors."""
    refuses = each(raises, refused)

    def judge(outcomes: Sequence[Outcome]) -> str | None:
        first = outcomes[0]
        if first.error is not None:
            return f"{valid} must not raise, but the call raised {first.error[:120]}"
        wrong = right([first])
        return (wrong and f"{wrong} (this part needs a correct result for {valid})") or refuses(outcomes[1:])

    return judge


def _arguments(x) -> tuple:
    """An input of :func:`agrees`: a tuple is the positional arguments, anything else the one argument."""
    return x if isinstance(x, tuple) else (x,)


def agrees(target: str, reference: Callable, inputs: Sequence, *, atol: float, rtol: float = 0.0,
           well_behaved: bool = False, what: str = "result", **kwargs) -> tuple[tuple[Call, ...], Judge]:
    """The calls of ``target`` on ``inputs`` and the judge that each result is within
    ``atol + rtol * |reference|`` of ``reference`` on the same input (``kwargs`` go to both),
    so that an input is written once: ``Part("values", *agrees("softmax",
    reference_softmax, [VECTOR, BATCH], atol=1e-12))``. Each input is one argument, or a
    tuple of them. With ``well_behaved``, the part is the common contract
    (:func:`well_behaved_and_right`) on those calls."""
    calls = tuple(Call(target, args=tuple(_arguments(x)), kwargs=dict(kwargs)) for x in inputs)
    judges = [close_to(np.asarray(reference(*_arguments(x), **kwargs), dtype=np.float64), atol=atol, rtol=rtol, what=what)
              for x in inputs]
    return calls, (well_behaved_and_right(*judges) if well_behaved else all_of(*judges))


def symbolic_matrix(target: str, size: int, points: Sequence[dict], reference_at: Callable, digits: int,
                    *, symbol: str = "z") -> tuple[tuple[Call, ...], Judge]:
    """The call ``target(size)`` that should return a ``size`` x ``size`` SymPy matrix in the
    symbols ``{symbol}0 .. {symbol}{size-1}``, and the judge that it equals
    ``reference_at(point)`` (the entries row by row, in mpmath) to ``digits`` digits at
    each of ``points``. The matrix is evaluated by the grader (:func:`read_symbolic`)."""
    import mpmath

    call = Call(target, args=(size,), kind="sympy", points=tuple(points), digits=digits + 10)

    def judge(outcomes: Sequence[Outcome]) -> str | None:
        outcome = outcomes[0]
        if not outcome.type_name.startswith("sympy.matrices"):
            return f"returned a {outcome.type_name}, expected a sympy.Matrix"
        if outcome.shape != (size, size):
            return f"for n = {size} the matrix has shape {outcome.shape}, expected {(size, size)}"
        stray = sorted(set(outcome.symbols) - {f"{symbol}{i}" for i in range(size)})
        if stray:
            return f"for n = {size} the matrix uses symbols {stray}; use sympy.symbols('{symbol}0:{size}')"
        if len(outcome.entries) != len(points) or any(len(e) != size * size for e in outcome.entries):
            return f"for n = {size} the matrix could not be evaluated entry by entry at the test points"
        for point, entries in zip(points, outcome.entries):
            for k, (text, want) in enumerate(zip(entries, reference_at(point))):
                if not agrees_to_digits(text, want, digits):
                    return (f"for n = {size}, entry ({k // size}, {k % size}) at {symbol} = {list(point.values())} "
                            f"is {text[:12]}, expected {mpmath.nstr(want, SHOWN_DIGITS)}")
        return None

    return (call,), judge


def symbolic_expression(target: str, points: Sequence[dict], exact: Callable, digits: int, symbols: Sequence[str],
                        *, use: str | None = None) -> tuple[tuple[Call, ...], Judge]:
    """The call ``target()`` that should return a SymPy expression in (some of) the symbols
    named ``symbols``, and the judge that it equals ``exact(point)`` (an mpmath number) to
    ``digits`` digits at each of ``points``. The expression is evaluated by the grader
    (:func:`read_symbolic`); ``use`` says in a message how to name the symbols (by default
    ``sympy.symbols('...')``)."""
    import mpmath

    wants = [exact(point) for point in points]
    use = use or f"sympy.symbols('{' '.join(symbols)}')"

    def judge(outcomes: Sequence[Outcome]) -> str | None:
        outcome = outcomes[0]
        if not outcome.type_name.startswith("sympy."):
            return f"returned a {outcome.type_name}, expected a SymPy expression"
        stray = sorted(set(outcome.symbols) - set(symbols))
        if stray:
            return f"the expression uses the symbols {stray}; use only {use}"
        if len(outcome.entries) != len(points):
            return "the expression could not be evaluated at the test points"
        for point, text, want in zip(points, outcome.entries, wants):
            if not agrees_to_digits(text, want, digits):
                where = ", ".join(f"{name} = {point[name]}" for name in symbols)
                return f"at {where} the expression is {text[:30]}, expected {mpmath.nstr(want, 12)}"
        return None

    return (Call(target, kind="expr", points=tuple(points), digits=digits + 10),), judge


def expression_in(outcome: Outcome, symbol: str, where: str):
    """``(expression, its symbol, None)``: the SymPy expression a student's call returned,
    rebuilt here from its ``srepr`` (:func:`parse_srepr`, within :data:`SYMBOLIC_SECONDS`),
    with exactly one free symbol, named ``symbol``; or ``(None, None, what is wrong)``, the
    message starting with ``where`` (``"for k = 2"``). For judges that work on the
    expression itself (a limit, values far out), not only on its values at points."""
    import sympy

    if not outcome.srepr:
        return None, None, f"{where} returned a {outcome.type_name}, expected a SymPy expression (of moderate size)"
    if outcome.symbols != [symbol]:
        return None, None, (f"{where} the expression must have exactly one free symbol, named {symbol}; "
                            f"it has {outcome.symbols}")
    try:
        expression = time_limited(SYMBOLIC_SECONDS, parse_srepr, outcome.srepr)
    except (ValueError, TimeoutError) as exc:
        return None, None, f"{where} the expression could not be read: {exc}"
    named = [s for s in getattr(expression, "free_symbols", ()) if str(s) == symbol]
    if not isinstance(expression, sympy.Expr) or len(expression.free_symbols) != 1 or not named:
        return None, None, f"{where} the result must be a SymPy expression in the one symbol {symbol}"
    return expression, named[0], None


def values_at(expression, symbol, texts: Sequence[str], digits: int, where: str) -> "list | str":
    """The values of ``expression`` (rebuilt by :func:`expression_in`) at ``symbol`` = each
    exact rational of ``texts``, as real mpmath numbers to ``digits`` digits, each computed
    within :data:`SYMBOLIC_SECONDS` (all in one forked child, :func:`evaluate_each`); or the
    message, starting with ``where``, that says at which point it could not be."""
    values = evaluate_each(SYMBOLIC_SECONDS, _real_value_at, [(expression, symbol, text, digits) for text in texts])
    for text, got in zip(texts, values):
        if isinstance(got, TimeoutError):
            return f"{where} the expression could not be evaluated at {symbol} = {text} in {SYMBOLIC_SECONDS:g} s"
        if isinstance(got, (TypeError, ValueError, ArithmeticError, AttributeError)):
            return (f"{where} the expression could not be evaluated to a real number at {symbol} = {text} "
                    f"({type(got).__name__})")
        if isinstance(got, BaseException):
            raise got
    return values


def _real_value_at(expression, symbol, text: str, digits: int):
    import mpmath
    import sympy

    value = expression.subs(symbol, sympy.Rational(text)).evalf(digits + 15)
    if not value.is_Number or not value.is_real:
        raise ValueError("not a real number")
    with mpmath.workdps(digits + 20):
        return mpmath.mpf(str(value))


def symbolic_matrices(target: str, sizes: Sequence[int], points: dict, reference_at: Callable, digits: int,
                      *, symbol: str = "z") -> Part:
    """One part: ``target(n)`` equals the exact matrix for every ``n`` of ``sizes`` together,
    at the test points ``points[n]``, where ``reference_at(point, n)`` gives the entries
    (:func:`symbolic_matrix` judges each size)."""
    pieces = [symbolic_matrix(target, n, points[n], functools.partial(reference_at, n=n), digits, symbol=symbol)
              for n in sizes]
    return Part(f"equals the exact Jacobian for n = {' and '.join(map(str, sizes))}",
                tuple(call for calls, _judge in pieces for call in calls), all_of(*(judge for _calls, judge in pieces)))


def by_hidden_cell(*checks: "Check") -> dict[str, "Check"]:
    """``CHECKS`` of a module: each check under its hidden test cell's ``grade_id``,
    ``<target>-hidden``."""
    return {f"{check.target}-hidden": check for check in checks}


def hidden_cell_functions(checks: dict[str, "Check"]) -> dict[str, Callable]:
    """What the hidden test cells of a module's ``CHECKS`` call: ``<target>_hidden(function)``
    grades ``function`` on its check in this process (:func:`run_locally`). A checks module
    ends ``globals().update(hidden_cell_functions(CHECKS))``."""
    return {f"{check.target}_hidden": functools.partial(run_locally, check) for check in checks.values()}


def rational_points(rng: np.random.Generator, names: Sequence[str], count: int, denominator: int = 7) -> tuple[dict, ...]:
    """``count`` random points with exact rational coordinates in [-2, 2], keyed by symbol name."""
    return tuple(
        {name: f"{int(k)}/{denominator}" for name, k in zip(names, rng.integers(-2 * denominator, 2 * denominator + 1, len(names)))}
        for _ in range(count)
    )


def time_limited(seconds: float, function, *args, **kwargs):
    """``function(*args, **kwargs)``, or ``TimeoutError`` once ``seconds`` have passed.

    For judges that do heavy SymPy work on a student's expression (rebuilding it, a limit, a
    polynomial test): an expression built to take forever then fails its part instead of
    stalling the grader. The work runs in a forked child process that is killed when its
    time is up, so the limit holds in any thread (a Dask worker's too) and the grade does
    not depend on where the job ran. The result comes back pickled from that child (the
    grader's own copy, never the student's process); an exception it raised is raised here.
    """
    (result,) = evaluate_each(seconds, functools.partial(function, **kwargs), [args])
    if isinstance(result, BaseException):
        raise result
    return result


def evaluate_each(seconds: float, function, argument_lists: Sequence[tuple]) -> list:
    """``function(*arguments)`` for each of ``argument_lists``, each within ``seconds``, all in
    one forked child (as :func:`time_limited`; a fork of the grader costs tens of
    milliseconds, more than most evaluations): the values in order, up to the first that
    raised or ran out of time, whose exception (``TimeoutError`` for time) ends the list.
    Each value is sent back as soon as it is computed, so each gets its own ``seconds``."""
    global TIMEOUTS
    if not argument_lists:
        return []
    if not hasattr(os, "fork"):  # not on this platform: no limit, as in the student's kernel
        return _each(function, argument_lists)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: compute, send each result as it comes, leave at once
        try:
            # The grader's objects are never collected here: without this, the child's first
            # collection walks (and copies) the whole inherited heap, 0.3-0.4 s per fork.
            gc.freeze()
            os.close(read_end)
            _limit_child_memory()
            with os.fdopen(write_end, "wb") as stream:
                for arguments in argument_lists:
                    try:
                        ok, payload = True, pickle.dumps((True, function(*arguments)))
                    except BaseException as exc:  # noqa: B036 - carried back to the parent
                        ok = False
                        try:
                            payload = pickle.dumps((False, exc))
                        except BaseException:  # noqa: B036
                            payload = pickle.dumps((False, ValueError(f"{type(exc).__name__}: {exc}")))
                    stream.write(len(payload).to_bytes(8, "little") + payload)
                    stream.flush()
                    if not ok:
                        break
        finally:
            os._exit(0)
    os.close(write_end)
    results: list = []
    buffer = b""
    try:
        deadline = time.monotonic() + seconds
        while len(results) < len(argument_lists):
            while len(buffer) < 8 or len(buffer) < 8 + int.from_bytes(buffer[:8], "little"):
                left = deadline - time.monotonic()
                if left <= 0:
                    TIMEOUTS += 1
                    results.append(TimeoutError(f"gave up after {seconds:g} s"))
                    return results
                if not select.select([read_end], [], [], left)[0]:
                    continue
                chunk = os.read(read_end, 1 << 20)
                if not chunk:
                    results.append(ValueError("the computation ended without a result (out of memory?)"))
                    return results
                buffer += chunk
            size = int.from_bytes(buffer[:8], "little")
            try:
                ok, value = pickle.loads(buffer[8:8 + size])
            except (EOFError, pickle.UnpicklingError):
                ok, value = False, ValueError("the computation's result could not be read")
            buffer = buffer[8 + size:]
            results.append(value)
            if not ok:
                return results
            deadline = time.monotonic() + seconds
        return results
    finally:
        os.close(read_end)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(pid, 0)


def _each(function, argument_lists) -> list:
    results = []
    for arguments in argument_lists:
        try:
            results.append(function(*arguments))
        except Exception as exc:  # noqa: BLE001 - ends the list, as in the forked child
            results.append(exc)
            break
    return results


#: How many :func:`evaluate_each` calls ran out of time in this process: a verdict reached
#: while one did depends on the machine's load, and is not kept (:func:`_judged`).
TIMEOUTS = 0


#: Memory a :func:`time_limited` child may take beyond what the grader already holds.
CHILD_MEMORY = 2 * 1024**3


def _limit_child_memory() -> None:
    import resource

    try:
        with open("/proc/self/statm") as statm:
            size = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        resource.setrlimit(resource.RLIMIT_AS, (size + CHILD_MEMORY, resource.getrlimit(resource.RLIMIT_AS)[1]))
    except (OSError, ValueError):
        pass


#: Seconds the grader spends rebuilding and evaluating one symbolic result.
SYMBOLIC_SECONDS = 20.0
#: What evaluations gave, by a digest of (srepr, kind, points, digits): a class hands in the
#: same expression many times, and each evaluation costs a fork and up to a second of SymPy
#: (3 s of a perfect ex02 notebook). The evaluation is deterministic, so only its results are
#: kept, never a timeout or an error (those depend on the machine's load and limits).
_EVALUATED: dict[bytes, Any] = {}
MOST_EVALUATED = 4096


def read_symbolic(call: Call, outcome: Outcome) -> Outcome:
    """``outcome`` of a symbolic ``call`` (``kind`` ``"sympy"`` or ``"expr"``) with its
    ``entries`` (and for a matrix ``shape`` and ``symbols``) computed here: the expression is
    rebuilt from its ``srepr`` (:func:`parse_srepr`) and evaluated at the call's points,
    within :data:`SYMBOLIC_SECONDS`. Whatever the worker sent in those fields is ignored;
    other outcomes are returned as they are."""
    if call.kind not in ("sympy", "expr"):
        return outcome
    matrix = call.kind == "sympy"
    outcome = dataclasses.replace(outcome, entries=[], symbols=[], shape=None if matrix else outcome.shape)
    if outcome.error is not None or not outcome.srepr:
        return outcome
    key = hashlib.sha256(repr((outcome.srepr, matrix, call.points, call.digits)).encode("utf-8")).digest()
    import sympy  # noqa: F401 - imported here, once, not in every forked child (0.3-0.5 s each)

    try:
        read = _EVALUATED[key] if key in _EVALUATED else \
            time_limited(SYMBOLIC_SECONDS, _evaluate_srepr, outcome.srepr, matrix, call.points, call.digits)
    except TimeoutError:
        return dataclasses.replace(outcome, error=f"the expression took longer than {SYMBOLIC_SECONDS:g} s to evaluate")
    except (ValueError, TypeError, ArithmeticError, RecursionError, MemoryError) as exc:
        return dataclasses.replace(outcome, error=f"the expression could not be evaluated: {exc}")
    if len(_EVALUATED) < MOST_EVALUATED:
        _EVALUATED[key] = read
    if read is None:
        return dataclasses.replace(outcome, srepr="")
    shape, symbols, entries = read
    return dataclasses.replace(outcome, shape=shape if matrix else outcome.shape, symbols=symbols, entries=entries)


def _evaluate_srepr(text: str, matrix: bool, points, digits: int):
    """(shape, free symbols, values at ``points`` as strings) of the expression ``text``, or
    None when it is not of the kind expected (a matrix, or an expression that is not one)."""
    import sympy

    expression = parse_srepr(text, max_chars=MAX_SYMBOLIC_CHARS, max_nodes=MAX_SYMBOLIC_NODES)
    if matrix != isinstance(expression, sympy.MatrixBase) or not isinstance(expression, (sympy.Basic, sympy.MatrixBase)):
        return None
    by_name = {str(s): s for s in expression.free_symbols}
    values = []
    for point in points:
        substitution = {by_name[name]: sympy.Rational(value) for name, value in point.items() if name in by_name}
        evaluated = expression.subs(substitution).evalf(digits)
        entries = [str(entry) for entry in (evaluated if isinstance(evaluated, sympy.MatrixBase) else [evaluated])]
        values.append(entries if matrix else entries[0])
    shape = tuple(expression.shape) if matrix else None
    return shape, sorted(by_name), values


#: Largest student ``srepr`` :func:`parse_srepr` reads, in characters and in syntax nodes.
MAX_SREPR_CHARS = 20_000
MAX_SREPR_NODES = 2_000
#: Longest integer literal it accepts, in digits.
MAX_LITERAL_DIGITS = 60
#: Highest degree of the polynomial of a ``CRootOf`` it rebuilds.
MAX_ROOT_DEGREE = 60
#: The same caps for a result the grader evaluates itself (:func:`read_symbolic`; a matrix
#: is larger, and that work runs under a time limit).
MAX_SYMBOLIC_CHARS = 200_000
MAX_SYMBOLIC_NODES = 50_000


def parse_srepr(text: str, *, max_chars: int = MAX_SREPR_CHARS, max_nodes: int = MAX_SREPR_NODES):
    """Rebuild a SymPy expression from the ``srepr`` a student's code sent, safely.

    The text is parsed, never evaluated: only calls of SymPy classes and functions by
    name, with literal arguments (numbers, strings, ``True``/``False``, tuples, lists and
    keyword arguments) are accepted, within size caps, and the expression is built
    unevaluated (``Pow(10, 10**50)`` is not computed). Raises ``ValueError`` otherwise.
    """
    import ast

    import sympy

    if not isinstance(text, str) or not text or len(text) > max_chars:
        raise ValueError("the expression is empty or too large to read")
    try:
        tree = ast.parse(text, mode="eval")
    except (SyntaxError, RecursionError, MemoryError):
        raise ValueError("the expression's srepr is not valid") from None
    if sum(1 for _ in ast.walk(tree)) > max_nodes:
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
    """Whether a number printed by SymPy's ``evalf`` (the grader's, :func:`read_symbolic`)
    equals ``expected`` to about ``digits`` significant digits. The text is parsed as a
    number, never evaluated."""
    import mpmath

    with mpmath.workdps(digits + 10):
        try:
            got = mpmath.mpf(text)
        except (ValueError, TypeError):
            return False
        return abs(got - expected) <= mpmath.mpf(10) ** (-digits) * max(1, abs(expected))
