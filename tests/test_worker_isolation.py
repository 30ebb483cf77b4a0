"""The worker that runs student code cannot reach the checks, and tampering there fails."""
from textwrap import dedent

from autograder.grading.execute import Limits, run_notebook
from autograder.grading.judge import checks_for, run_and_judge
from autograder.protocol import Call
from conftest import ASSIGNMENT

FAST = Limits(cell_timeout=5, call_timeout=5)


def _softmax_score(source: str) -> float:
    """What the hidden softmax cell scores on a notebook of one cell, ``source``, graded in the real worker."""
    verdicts, _ = run_and_judge([dedent(source)], checks_for(ASSIGNMENT), FAST)
    return verdicts["softmax-hidden"].score


def test_student_code_cannot_import_the_checks_or_the_references():
    assert _softmax_score('''
        import numpy as np
        try:
            from autograder.checks.ex02_softmax import reference_softmax as softmax
        except ImportError:
            def softmax(z, axis=-1):
                return np.zeros(np.shape(z))
    ''') == 0


def test_patching_numpy_in_the_worker_cannot_forge_values():
    assert _softmax_score('''
        import numpy as np
        np.array = lambda *a, **k: np.ones(3)
        np.asarray = np.array
        def softmax(z, axis=-1):
            return [1.0]
    ''') == 0


def test_an_exit_and_a_hung_call_lose_only_their_calls():
    cells = ["import os\n", "def slow(x):\n    while True:\n        pass\n", "def quit(x):\n    os._exit(3)\n",
             "def fine(x):\n    return x\n"]
    outcomes = run_notebook(cells, [Call("fine", (1.0,)), Call("slow", (1.0,)), Call("slow", (2.0,)),
                                    Call("quit", (1.0,)), Call("fine", (2.0,))], Limits(cell_timeout=5, call_timeout=1)).outcomes
    assert outcomes[0].error is None and float(outcomes[0].value) == 1.0
    assert outcomes[1].error == "timed out" and outcomes[2].error == "timed out (on an earlier call)"
    assert "tried to end the process" in outcomes[3].error
    assert outcomes[4].error is None and float(outcomes[4].value) == 2.0


def test_a_killed_worker_loses_only_the_call_that_killed_it():
    cells = ["import os, signal\n", "def die(x):\n    os.kill(os.getpid(), signal.SIGKILL)\n",
             "def fine(x):\n    return x\n"]
    outcomes = run_notebook(cells, [Call("fine", (1.0,)), Call("die", (1.0,)), Call("fine", (2.0,))], FAST).outcomes
    assert outcomes[0].error is None
    assert outcomes[1].error == "ended the grading process"
    assert outcomes[2].error is None and float(outcomes[2].value) == 2.0  # after a restart past the killer


def test_code_written_for_a_kernel_runs_in_the_worker():
    cells = ["%matplotlib inline\ndisplay('shown in a kernel')\n!echo ignored\ndef f(x):\n    return 2 * x\n"]
    (outcome,) = run_notebook(cells, [Call("f", (2.0,))], FAST).outcomes
    assert outcome.error is None and float(outcome.value) == 4.0


def test_timing_and_capturing_magics_still_run_the_code_they_wrap():
    cells = ["%%time\ndef f(x):\n    return x + 1\n", "%%capture out\ndef g(x):\n    return x + 2\n",
             "%time h = lambda x: x + 3\n", "%%writefile ignored.py\ndef k(x):\n    return x\n"]
    outcomes = run_notebook(cells, [Call("f", (1.0,)), Call("g", (1.0,)), Call("h", (1.0,)), Call("k", (1.0,))], FAST).outcomes
    assert [float(o.value) for o in outcomes[:3]] == [2.0, 3.0, 4.0]
    assert outcomes[3].error == "k is not defined"


def test_a_detached_grandchild_holding_the_results_pipe_does_not_hang_the_grader():
    import time

    cells = ["import os, time\n"
             "if os.fork() == 0:\n"
             "    os.setsid()\n"
             "    if os.fork() == 0:\n"
             "        time.sleep(60)\n"
             "    os._exit(0)\n",
             "def fine(x):\n    return x\n"]
    start = time.monotonic()
    outcomes = run_notebook(cells, [Call("fine", (1.0,)), Call("fine", (2.0,))], FAST).outcomes
    assert time.monotonic() - start < 20
    assert [float(o.value) for o in outcomes] == [1.0, 2.0]
