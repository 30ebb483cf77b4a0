"""Student code runs in the sandbox: it sees nothing of the machine, changes nothing outside,
cannot outlive or stall its run, and its limits hold for all its processes together."""
from __future__ import annotations

import os
import socket
import sys
import time
import uuid
from pathlib import Path

import pytest

from autograder import course
from autograder.errors import AutograderError
from autograder.grading import sandbox as sandbox_module
from autograder.grading.judge import Limits, SandboxRunner, run_notebook
from autograder.protocol import Call

FAST = Limits(cell_timeout=3, call_timeout=2, notebook_budget=60, memory_bytes=768 * 1024**2,
              disk_bytes=64 * 1024**2, processes=32)


def _text(run, cell: int) -> str:
    """Everything cell ``cell`` showed, as one string."""
    parts = []
    for output in run.outputs.get(cell, []):
        parts.append(output.get("text", "") + output.get("evalue", "") + output.get("data", {}).get("text/plain", ""))
    return "".join(parts)


def test_the_sandbox_works_on_this_machine_with_whole_submission_limits():
    runner = SandboxRunner(FAST)
    assert runner.sandbox.check() is None
    assert runner.sandbox.whole_submission_limits, "these machines offer writable cgroup v1 memory and pids"


def test_nothing_of_the_project_or_the_grader_is_visible():
    secrets = [str(course.ROOT / "solutions"), str(course.ROOT / "autograder" / "checks"), str(course.ROOT / "README.md")]
    run = run_notebook([
        "import os\nprint(sorted(os.listdir('/')))",
        f"import os\nprint([os.path.exists(p) for p in {secrets!r}])",
        "import sys\ntry:\n    import autograder\n    print('imported')\nexcept ImportError:\n    print('no autograder')",
        f"import os\ntry:\n    os.kill({os.getpid()}, 9)\nexcept ProcessLookupError:\n    print('no such process')",
        "import os\nprint(os.getpid() < 10, open('/proc/1/cmdline', 'rb').read()[:4])",
    ], [], FAST)
    assert "'sandbox'" in _text(run, 0) and "'etc'" not in _text(run, 0)
    assert _text(run, 1).strip() == "[False, False, False]"  # the folder holds only the mounted .venv
    assert _text(run, 2).strip() == "no autograder"
    assert _text(run, 3).strip() == "no such process"
    assert _text(run, 4).startswith("True")


def test_the_python_environment_is_read_only_and_tmp_is_private_and_capped():
    run = run_notebook([
        f"open({sys.prefix + '/planted.py'!r}, 'w')",
        "import os\nos.makedirs(os.path.expanduser('~/.ipython/profile_default/startup'))\n"
        "open(os.path.expanduser('~/.ipython/profile_default/startup/evil.py'), 'w').write('x')",
        "open('/tmp/big', 'wb').write(b'0' * (100 * 1024**2))",
    ], [], FAST)
    assert "Read-only file system" in _text(run, 0)
    assert "No space left" in _text(run, 2) or "File too large" in _text(run, 2)
    assert not os.path.exists(sys.prefix + "/planted.py")
    later = run_notebook(["import os\nprint(os.path.exists(os.path.expanduser('~/.ipython')))"], [], FAST)
    assert _text(later, 0).strip() == "False"


def test_no_network_not_even_the_graders_loopback():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    port = server.getsockname()[1]
    try:
        run = run_notebook([f"import socket\ntry:\n    socket.create_connection(('127.0.0.1', {port}), 2)\n"
                            "    print('connected')\nexcept OSError as e:\n    print('refused', e)"], [], FAST)
    finally:
        server.close()
    assert _text(run, 0).startswith("refused")


def test_a_detached_process_does_not_outlive_its_run():
    marker = f"outlives-{uuid.uuid4().hex}"
    run_notebook([f"import os, subprocess, sys\nif os.fork() == 0:\n    os.setsid()\n"
                  f"    os.execv(sys.executable, [sys.executable, '-c', 'import time; time.sleep(120)', {marker!r}])"],
                 [], FAST)
    time.sleep(0.5)
    alive = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if marker.encode() in open(f"/proc/{pid}/cmdline", "rb").read():
                alive.append(pid)
        except OSError:
            pass
    assert alive == []


def test_processes_are_capped_for_the_whole_submission():
    run = run_notebook([
        "import os, time\nchildren = 0\nfor _ in range(200):\n    try:\n        pid = os.fork()\n"
        "    except OSError:\n        break\n    if pid == 0:\n        time.sleep(30)\n        os._exit(0)\n    children += 1\n"
        "print(children)",
        "def f(x):\n    return x",
    ], [Call("f", (1.0,))], FAST)
    assert 0 < int(_text(run, 0).strip()) < FAST.processes
    assert run.outcomes[0].error is None and float(run.outcomes[0].value) == 1.0


def test_memory_is_capped_for_all_processes_together():
    # four children of 300 MB each fit a per-process limit but not the 768 MB cgroup
    run = run_notebook([
        "import os, time\npids = []\nfor _ in range(4):\n    pid = os.fork()\n    if pid == 0:\n"
        "        block = bytearray(300 * 1024**2)\n        block[::4096] = b'1' * len(block[::4096])\n"
        "        time.sleep(1)\n        os._exit(0)\n    pids.append(pid)\n"
        "died = 0\nfor pid in pids:\n    _, status = os.waitpid(pid, 0)\n    died += os.WIFSIGNALED(status)\nprint('killed', died)",
        "def f(x):\n    return 2 * x",
    ], [Call("f", (1.0,))], Limits(**{**FAST.__dict__, "cell_timeout": 30}))
    assert _text(run, 0).startswith("killed") and _text(run, 0).strip() != "killed 0"
    assert run.outcomes[0].error is None and float(run.outcomes[0].value) == 2.0


def test_the_budget_does_not_grow_with_the_number_of_cells():
    limits = Limits(cell_timeout=2, call_timeout=2, notebook_budget=8)
    started = time.monotonic()
    run = run_notebook(["import time\ntime.sleep(1.5)"] * 60 + ["def f(x):\n    return x"], [Call("f", (1.0,))],
                       limits)
    assert time.monotonic() - started < 8 + 10
    assert "budget" in run.outcomes[0].error


def test_a_hang_in_c_code_costs_only_that_call_or_cell():
    catastrophic = "sum(range(10**15))  # one C loop that never checks for signals"
    started = time.monotonic()
    run = run_notebook([
        "import re",
        f"def stuck(x):\n    return {catastrophic}",
        f"{catastrophic}",
        "def fine(x):\n    return 3 * x",
    ], [Call("stuck", (1.0,)), Call("stuck", (2.0,)), Call("fine", (1.0,))], FAST)
    assert time.monotonic() - started < 60
    assert "stopped" in _text(run, 2)
    assert run.outcomes[0].error == "timed out"
    assert run.outcomes[1].error == "timed out (on an earlier call)"
    assert run.outcomes[2].error is None and float(run.outcomes[2].value) == 3.0


def test_a_process_killed_in_a_call_loses_only_that_call():
    run = run_notebook(["import os, signal\ndef die(x):\n    os.kill(os.getpid(), signal.SIGKILL)",
                        "def fine(x):\n    return x"],
                       [Call("fine", (1.0,)), Call("die", (1.0,)), Call("fine", (2.0,))], FAST)
    assert run.outcomes[0].error is None
    assert run.outcomes[1].error == "ended the grading process"
    assert run.outcomes[2].error is None and float(run.outcomes[2].value) == 2.0


def test_forked_children_cannot_speak_for_the_worker():
    run = run_notebook(["import os\nif os.fork() == 0:\n    pass  # the child goes on running the worker",
                        "def f(x):\n    return x"], [Call("f", (5.0,))], FAST)
    assert float(run.outcomes[0].value) == 5.0


def test_grade_refuses_to_run_without_a_working_sandbox(tmp_path, monkeypatch, perfect):
    from autograder.grading.run import grade
    from conftest import write_submission

    write_submission(tmp_path / "class", "ada", perfect)
    monkeypatch.setattr(sandbox_module, "find_bwrap", lambda: str(tmp_path / "no-bwrap-here"))
    with pytest.raises(AutograderError, match="--no-sandbox"):
        grade(tmp_path / "class", tmp_path / "out")
    assert not (tmp_path / "out" / "grades.csv").exists()


def test_the_environment_is_mounted_over_the_private_tmp():
    """A clone under /tmp (as CI may make) keeps its .venv visible: the binds come after /tmp."""
    command = SandboxRunner(FAST).sandbox.command([])
    environment = str(Path(sys.prefix).resolve())
    assert command.index("/tmp") < command.index(environment)
