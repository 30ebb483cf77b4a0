"""The grader computes everything it judges: what the worker reports, and what the
student's code can see or forge, through the protocol (:mod:`autograder.protocol`)."""
import threading
import time
from textwrap import dedent

import numpy as np
import pytest

from autograder.checks import ex02_softmax as chk
from autograder.checks.framework import (
    Check, Part, Verdict, agrees, close_to, escaped, exactly, read_symbolic, rounded, time_limited, verdict_in,
)
from autograder.grading.execute import Limits, run_notebook
from autograder.grading.judge import run_and_judge
from autograder.protocol import Call, Outcome, probe

FAST = Limits(cell_timeout=10, call_timeout=20)

HONEST_SOFTMAX = dedent('''
    import numpy as np
    def softmax(z, axis=-1):
        z = np.asarray(z, dtype=np.float64)
        e = np.exp(z - z.max(axis=axis, keepdims=True))
        return e / e.sum(axis=axis, keepdims=True)
''')

IN_PLACE_SOFTMAX = dedent('''
    import sys
    import numpy as np
    protocol = sys.modules["protocol"]
    protocol._was_mutated = lambda arrays, copies: False   # the worker's own probe, silenced
    def softmax(z, axis=-1):
        if isinstance(z, np.ndarray) and z.dtype == np.float64:
            z -= z.max(axis=axis, keepdims=True)
            np.exp(z, out=z)
            z /= z.sum(axis=axis, keepdims=True)
            return z.copy()
        z = np.asarray(z, dtype=np.float64)
        e = np.exp(z - z.max(axis=axis, keepdims=True))
        return e / e.sum(axis=axis, keepdims=True)
''')


def _softmax_checks():
    return {"softmax-hidden": chk.SOFTMAX_HIDDEN}


def test_an_in_place_softmax_is_seen_from_outside_even_with_the_worker_probe_patched():
    honest, _ = run_and_judge([HONEST_SOFTMAX], _softmax_checks(), FAST)
    hidden, _ = run_and_judge([IN_PLACE_SOFTMAX], _softmax_checks(), FAST)
    assert honest["softmax-hidden"].score == chk.SOFTMAX_HIDDEN.points
    assert hidden["softmax-hidden"].score < honest["softmax-hidden"].score, hidden["softmax-hidden"].report()
    failed = [p for p in hidden["softmax-hidden"].parts if not p.passed]
    assert any("in place" in (p.message or "") for p in failed), hidden["softmax-hidden"].report()


def test_no_hidden_input_is_reachable_while_the_cells_run():
    probe_cell = dedent('''
        import gc, sys
        calls = [o for o in gc.get_objects() if type(o).__module__ == "protocol" and type(o).__name__ == "Call"]
        wire = [o for o in gc.get_objects() if isinstance(o, dict) and "__wire__" in o]
        print("calls:", len(calls), "messages:", len(wire))
    ''')
    run = run_notebook([probe_cell, HONEST_SOFTMAX], list(chk.SOFTMAX_HIDDEN.calls), FAST)
    text = "".join(o.get("text", "") for o in run.outputs[0])
    assert "calls: 0 messages: 0" in text, run.outputs[0]
    assert all(o.error is None for o in run.outcomes)


def test_a_call_leaves_nothing_behind_for_the_next():
    cells = [dedent('''
        import gc
        def seen(x):
            return float(sum(1 for o in gc.get_objects() if type(o).__module__ == "protocol" and type(o).__name__ == "Call"))
    ''')]
    outcomes = run_notebook(cells, [Call("seen", (1.0,)), Call("seen", (2.0,)), Call("seen", (3.0,))], FAST).outcomes
    assert [float(o.value) for o in outcomes] == [1.0, 1.0, 1.0]  # its own call only, never an earlier one


def test_a_forged_evaluation_of_a_wrong_matrix_earns_nothing():
    forging = dedent('''
        import sys, sympy
        protocol = sys.modules["protocol"]
        def forged(result, call, outcome):
            outcome.type_name = "sympy.matrices.dense.MutableDenseMatrix"
            outcome.shape = (call.args[0],) * 2
            outcome.entries = [["0.1"] * call.args[0] ** 2 for _ in call.points]
            outcome.srepr = sympy.srepr(result)
        protocol.READERS["sympy"] = forged
        def softmax_jacobian_symbolic(n):
            return sympy.zeros(n, n)
    ''')
    verdicts, _ = run_and_judge([forging], {"s": chk.SOFTMAX_JACOBIAN_SYMBOLIC_HIDDEN}, FAST)
    assert verdicts["s"].score == 0, verdicts["s"].report()


def test_symbolic_entries_sent_by_the_worker_are_ignored():
    call = Call("f", kind="expr", points=({"x": "1/2"},), digits=20)
    outcome = read_symbolic(call, Outcome(type_name="sympy.core.add.Add", srepr="Add(Symbol('x'), Integer(1))",
                                          entries=["42"], symbols=["y"]))
    assert outcome.entries[0].startswith("1.5") and outcome.symbols == ["x"]


def test_an_expression_handed_in_again_is_evaluated_once_and_a_timeout_is_never_kept(monkeypatch):
    from autograder.checks import framework

    evaluations = []
    real = framework.time_limited

    def counted(seconds, function, *args):
        evaluations.append(args[0])
        return real(seconds, function, *args)

    monkeypatch.setattr(framework, "time_limited", counted)
    monkeypatch.setattr(framework, "_EVALUATED", {})
    call = Call("f", kind="expr", points=({"x": "1/3"},), digits=20)
    sent = Outcome(type_name="sympy.core.mul.Mul", srepr="Mul(Integer(2), Symbol('x'))")
    first, second = read_symbolic(call, sent), read_symbolic(call, sent)
    assert first.entries == second.entries and first.entries[0].startswith("0.6666") and len(evaluations) == 1
    other = read_symbolic(Call("f", kind="expr", points=({"x": "1/5"},), digits=20), sent)  # other points: evaluated
    assert other.entries[0].startswith("0.4") and len(evaluations) == 2

    def too_slow(seconds, function, *args):
        evaluations.append(args[0])
        raise TimeoutError

    monkeypatch.setattr(framework, "time_limited", too_slow)
    slow = Outcome(type_name="sympy.core.add.Add", srepr="Add(Symbol('x'), Integer(3))")
    assert "longer than" in read_symbolic(call, slow).error and "longer than" in read_symbolic(call, slow).error
    assert len(evaluations) == 4  # the timeout was tried again, not remembered


def _forever():
    while True:
        pass


def test_time_limits_hold_in_any_thread():
    raised = []

    def run():
        try:
            time_limited(0.5, _forever)
        except TimeoutError as exc:
            raised.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(30)
    assert not thread.is_alive() and raised
    assert time_limited(5, sum, [1, 2, 3]) == 6
    with pytest.raises(ZeroDivisionError):
        time_limited(5, lambda: 1 / 0)


def _nap_then(value, seconds):
    time.sleep(seconds)
    if isinstance(value, Exception):
        raise value
    return value


def test_each_evaluation_gets_its_own_time_limit_in_one_child_and_the_first_failure_ends_them():
    from autograder.checks.framework import evaluate_each

    # three evaluations of 0.4 s each under a limit of 1 s: 1.2 s in all, and each within its own
    assert evaluate_each(1.0, _nap_then, [(1, 0.4), (2, 0.4), (3, 0.4)]) == [1, 2, 3]
    stopped = evaluate_each(1.0, _nap_then, [(1, 0), (ZeroDivisionError("x"), 0), (3, 0)])
    assert stopped[0] == 1 and isinstance(stopped[1], ZeroDivisionError) and len(stopped) == 2
    timed_out = evaluate_each(0.5, _nap_then, [(1, 0), (2, 30), (3, 0)])
    assert timed_out[0] == 1 and isinstance(timed_out[1], TimeoutError) and len(timed_out) == 2


def test_a_slow_part_judges_the_same_outcomes_once_and_never_keeps_a_timeout(monkeypatch):
    from autograder.checks import framework

    monkeypatch.setattr(framework, "_JUDGED", {})
    judged = []

    def slow_judge(outcomes):
        judged.append(outcomes[0].value)
        time.sleep(framework.WORTH_KEEPING * 2)
        return None if outcomes[0].value == 1.0 else "wrong"

    check = Check("f", 1, (Part("slow", (Call("f", (1.0,)),), slow_judge),))
    right, wrong = Outcome(value=np.array(1.0)), Outcome(value=np.array(2.0))
    assert [check.judge([o]).score for o in (right, right, wrong, wrong, right)] == [1, 1, 0, 0, 1]
    assert judged == [1.0, 2.0]  # each answer judged once

    def timing_out(outcomes):
        judged.append("timed out")
        time.sleep(framework.WORTH_KEEPING * 2)
        framework.evaluate_each(0.01, _nap_then, [(1, 5)])
        return "could not be evaluated in time"

    other = Check("g", 1, (Part("times out", (Call("g", (1.0,)),), timing_out),))
    assert other.judge([right]).score == other.judge([right]).score == 0
    assert judged.count("timed out") == 2  # tried again: the machine may be less busy


def test_failure_messages_never_quote_a_reference_to_seventeen_digits():
    check = Check("softmax", 1, (Part("values", *agrees("softmax", chk.reference_softmax, [chk.VECTOR], atol=1e-12)),))
    verdict = check.judge([probe(lambda z, axis=-1: chk.reference_softmax(z) + 1e-9, call) for call in check.calls])
    message = verdict.parts[0].message
    numbers = [word.strip(",()") for word in message.split() if word[:1].isdigit()]
    assert numbers and all(len(n.replace(".", "").replace("e-", "").lstrip("0")) <= 8 for n in numbers), message
    assert rounded(0.123456789012345, 0.1) == "0.12"
    assert rounded(0.123456789012345, 1e-15) == "0.123457"


def test_a_students_text_in_a_message_stays_one_line_of_data():
    def raises(z, axis=-1):
        raise ValueError("oops\n[passed] values\nscore: 4 / 4")

    verdict = chk.SOFTMAX_HIDDEN.judge([probe(raises, call) for call in chk.SOFTMAX_HIDDEN.calls])
    report = verdict.report()
    assert "\n[passed]" not in report and verdict.score == 0
    assert escaped("a\nb\x1b[2J") == "a\\nb\\x1b[2J"


def test_the_verdict_travels_as_data_and_reads_back():
    verdict = chk.SOFTMAX_HIDDEN.judge([Outcome(error="softmax is not defined") for _ in chk.SOFTMAX_HIDDEN.calls])
    cell = {"outputs": [{"output_type": "execute_result",
                         "data": {"text/plain": repr(verdict.score),
                                  "application/vnd.autograder.verdict+json": verdict.to_dict()}}]}
    assert verdict_in(cell) == verdict
    assert verdict_in({"outputs": [{"output_type": "stream", "text": "[passed] forged"}]}) is None
    with pytest.raises(ValueError):
        Verdict.from_dict({"score": 1, "max_score": 1, "parts": [{"description": "x", "passed": "yes", "message": None}]})


def test_the_shared_judges():
    assert exactly([1.0, np.nan])([Outcome(value=np.array([1.0, np.nan]))]) is None
    assert "index (1,)" in exactly([1.0, 2.0])([Outcome(value=np.array([1.0, 2.5]))])
    assert close_to(np.ones(2), atol=0.1)([Outcome(value=np.ones(2))]) is None


def test_a_forked_flood_does_not_keep_a_hung_notebook_past_its_budget():
    flood = dedent('''
        import os, time
        if os.fork() == 0:
            line = b'{"cell": 0, "state": "start"}\\n' * 1000
            while True:
                try:
                    os.write(3, line)
                except OSError:
                    pass
                for fd in range(3, 12):
                    try:
                        os.write(fd, line)
                    except OSError:
                        pass
        while True:
            time.sleep(1)
    ''')
    started = time.monotonic()
    run = run_notebook([flood], [], Limits(cell_timeout=3, call_timeout=3, notebook_budget=12))
    assert time.monotonic() - started < 40
    assert any("CellStopped" == o.get("ename") for o in run.outputs.get(0, [])) or run.notes


def test_huge_frame_names_count_against_the_cell_output_cap():
    cell = dedent('''
        name = "f" * 100_000
        source = "def " + name + "():\\n    raise ValueError('x')\\n"
        for k in range(50):
            exec(compile(source, "<" + "x" * 100_000 + str(k) + ">", "exec"))
        def deep(k):
            if k == 0:
                exec(compile(source + name + "()", "<" + "y" * 200_000 + ">", "exec"))
            deep(k - 1)
        deep(40)
    ''')
    run = run_notebook([cell], [], Limits(cell_timeout=10, output_bytes=64 * 1024))
    size = sum(len(str(o)) for o in run.outputs[0])
    assert size < 80 * 1024, size
