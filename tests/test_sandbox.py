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
from autograder.grading import execute as execute_module
from autograder.grading import sandbox as sandbox_module
from autograder.grading.judge import Limits, SandboxRunner, run_notebook
from autograder.protocol import Call

FAST = Limits(cell_timeout=3, call_timeout=2, notebook_budget=60, memory_bytes=768 * 1024**2,
              disk_bytes=64 * 1024**2, processes=32)


#: The virtual environment where the sandbox binds it (a linked ``.venv`` where it leads).
ENVIRONMENT = str(Path(sys.prefix).resolve())


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
        f"open({ENVIRONMENT + '/planted.py'!r}, 'w')",
        "import os\nos.makedirs(os.path.expanduser('~/.ipython/profile_default/startup'))\n"
        "open(os.path.expanduser('~/.ipython/profile_default/startup/evil.py'), 'w').write('x')",
        "open('/tmp/big', 'wb').write(b'0' * (100 * 1024**2))",
    ], [], FAST)
    assert "Read-only file system" in _text(run, 0)
    assert "No space left" in _text(run, 2) or "File too large" in _text(run, 2)
    assert not os.path.exists(ENVIRONMENT + "/planted.py")
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
    monkeypatch.setattr(execute_module, "_RUNNERS", {})  # the runner made here is not kept for later tests
    with pytest.raises(AutograderError, match="--no-sandbox"):
        grade(tmp_path / "class", tmp_path / "out")
    assert not (tmp_path / "out" / "grades.csv").exists()


def test_the_environment_is_mounted_over_the_private_tmp():
    """A clone under /tmp (as CI may make) keeps its .venv visible: the binds come after /tmp."""
    command = SandboxRunner(FAST).sandbox.command([])
    environment = str(Path(sys.prefix).resolve())
    assert command.index("/tmp") < command.index(environment)


# --- the sandbox's root is nobody -----------------------------------------------------------
#
# Run as root (this machine, CI) the grader hands each sandbox an unprivileged uid of its own;
# run as an ordinary user it runs the sandbox as that user. Both are tried: as root directly,
# and as a user by running the grader in a subprocess under ``nobody`` (when the tests run as
# root) or directly (when they do not).

#: One cell that tries every way out a sandbox whose root were root would give, and says
#: what each attempt came to ("mounted"/"written" would be a way out).
HOSTILE = r'''
import ctypes, json, os
libc = ctypes.CDLL(None, use_errno=True)
MS_REMOUNT, MS_BIND = 32, 4096
CLONE_NEWUSER, CLONE_NEWNS = 0x10000000, 0x00020000

def mount(source, target, fstype=None, flags=0, data=None):
    done = libc.mount(source.encode(), target.encode(), fstype and fstype.encode(), ctypes.c_ulong(flags),
                      data and data.encode())
    return "mounted" if done == 0 else os.strerror(ctypes.get_errno())

def write(path, data=b"x", mode="ab"):
    try:
        with open(path, mode) as handle:
            handle.write(data)
        return "written"
    except OSError as exc:
        return exc.strerror

def plant(path):
    """Whether ``path`` (a folder or file of the host) can be changed; changes nothing even
    where it can: a new file is removed at once, a file is opened for writing, not written."""
    try:
        if os.path.isdir(path):
            planted = os.path.join(path, PROBE)
            open(planted, "x").close()
            os.unlink(planted)
        else:
            os.close(os.open(path, os.O_WRONLY | os.O_APPEND))
        return "written"
    except OSError as exc:
        return exc.strerror

found = {}
for name, path in TARGETS.items():
    found["remount " + name] = mount("none", path, flags=MS_REMOUNT | MS_BIND)
    found["write " + name] = plant(path)
found["cgroupfs visible"] = os.path.exists("/sys/fs/cgroup")
os.makedirs("/tmp/home/cg", exist_ok=True)
found["mount cgroup v1"] = mount("cgroup", "/tmp/home/cg", "cgroup", 0, "memory,pids")
found["mount cgroup v2"] = mount("cgroup2", "/tmp/home/cg", "cgroup2")
for key in ("kernel/pid_max", "vm/swappiness", "net/ipv4/ip_forward"):
    current = open("/proc/sys/" + key, "rb").read()
    found["write /proc/sys/" + key] = write("/proc/sys/" + key, current, "wb")  # the same value: harmless
found["write /dev/shm past the cap"] = write("/dev/shm/fill", b"0" * (SHM + 1024**2), "wb")
found["write /dev"] = write("/dev/planted")
found["write /"] = write("/planted")
found["new user namespace"] = "made" if libc.unshare(CLONE_NEWUSER | CLONE_NEWNS) == 0 else os.strerror(ctypes.get_errno())
status = dict(line.split(":", 1) for line in open("/proc/self/status").read().splitlines())
found["capabilities"] = [status[k].strip() for k in ("CapEff", "CapPrm", "CapBnd", "CapAmb")]
found["uid"] = os.getuid()
print(json.dumps(found))
'''


def _read_only_targets() -> dict[str, str]:
    from autograder.grading.sandbox import WORKER_PATH

    return {"venv": str(Path(sys.prefix).resolve()), "python": str(Path(sys.base_prefix).resolve()),
            "/usr/lib": "/usr/lib", "worker": WORKER_PATH}


def attacks_from_inside() -> dict:
    """What :data:`HOSTILE` found, run by this process's grader in its sandbox."""
    import json

    probe = f"autograder-probe-{uuid.uuid4().hex}.py"
    cell = (f"TARGETS = {_read_only_targets()!r}\nSHM = {FAST.sandbox_limits().shm_bytes}\nPROBE = {probe!r}\n"
            + HOSTILE)
    found = json.loads(_text(run_notebook([cell], [], FAST), 0))
    found["started"] = execute_module.runner_for(FAST).describe()
    found["planted outside"] = [path for path in _read_only_targets().values() if Path(path, probe).exists()]
    return found


def sandboxed_host_uids() -> list[int]:
    """The host uids of the worker processes of a sandbox this process starts, read from
    outside, in the host's ``/proc``."""
    from autograder import worker
    from autograder.grading.sandbox import WORKER_PATH, Sandbox

    running = Sandbox(FAST.sandbox_limits(), worker=Path(worker.__file__)).start()
    try:
        for _ in range(500):
            uids = [_host_uid(pid) for pid in _descendants(running.process.pid) if _is_worker(pid, WORKER_PATH)]
            if uids:
                return uids
            time.sleep(0.02)
        raise AssertionError("the sandboxed worker never appeared")
    finally:
        running.kill()


def warm_host_uids() -> list[int]:
    """The host uids of a warm start's processes (the keeper and what it starts), read from
    outside while the worker waits for its request."""
    from autograder import worker
    from autograder.grading.sandbox import Sandbox
    from autograder.grading.warm import WarmSandbox
    from autograder.protocol import Arena

    warm, arena = WarmSandbox(Sandbox(FAST.sandbox_limits(), worker=Path(worker.__file__))), Arena(4096)
    running = warm.start(pass_fds=(arena.fd,))
    try:
        for _ in range(500):
            found = [running.pid, *_descendants(running.pid)]
            if len(found) >= 3:  # the keeper, the init, the worker
                return [_host_uid(pid) for pid in found]
            time.sleep(0.02)
        raise AssertionError("the warm worker never appeared")
    finally:
        running.kill()
        warm._discard()
        arena.close()


def _descendants(root: int) -> list[int]:
    parents = {}
    for name in filter(str.isdigit, os.listdir("/proc")):
        try:
            parents[int(name)] = int(Path(f"/proc/{name}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            pass
    found, frontier = [], [root]
    while frontier:
        pid = frontier.pop()
        children = [child for child, parent in parents.items() if parent == pid]
        found += children
        frontier += children
    return found


def _is_worker(pid: int, worker_path: str) -> bool:
    try:
        arguments = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    arguments = [a for a in arguments if a]
    return len(arguments) == 3 and arguments[1:] == [b"-I", worker_path.encode()]  # python -I worker.py


def _host_uid(pid: int) -> int:
    line = next(l for l in Path(f"/proc/{pid}/status").read_text().splitlines() if l.startswith("Uid:"))
    return int(line.split()[1])


def _as_unprivileged_grader(function: str):
    """``function`` of this module, run by a grader process that is not root: this process
    when it is not, else a subprocess under ``nobody``, with no capability."""
    import json
    import shutil
    import subprocess

    if os.geteuid() != 0:
        return globals()[function]()
    nobody = 65534
    home = Path(f"/tmp/autograder-test-nobody-{uuid.uuid4().hex[:8]}")
    home.mkdir()
    os.chown(home, nobody, nobody)
    script = (f"import json, sys\nsys.path[:0] = [{str(course.ROOT)!r}, {str(course.ROOT / 'tests')!r}]\n"
              f"import test_sandbox\nprint(json.dumps(test_sandbox.{function}()))")
    drop = (f"import os, sys\nos.setgroups([])\nos.setresgid({nobody}, {nobody}, {nobody})\n"
            f"os.setresuid({nobody}, {nobody}, {nobody})\nos.execv(sys.argv[1], sys.argv[1:])")
    try:
        # The machine as it is, except that an interpreter root keeps in a private folder
        # (/root/.pyenv) is made reachable, as a user's own Python would be.
        done = subprocess.run([sandbox_module.find_bwrap(), "--dev-bind", "/", "/", *_reachable(sys.base_prefix),
                               "--die-with-parent", "--chdir", str(home), "--clearenv", "--setenv", "HOME", str(home),
                               "--setenv", "PATH", "/usr/bin:/bin",
                               "--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID",
                               sys.executable, "-I", "-S", "-c", drop, sys.executable, "-c", script],
                              capture_output=True, text=True, timeout=300)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _reachable(folder: str) -> list[str]:
    """``bwrap`` arguments (over ``--dev-bind / /``) that let anyone reach ``folder``: a tmpfs
    over its topmost ancestor others cannot enter, holding only ``folder``, bound back."""
    folder = Path(folder).resolve()
    closed = next((p for p in reversed(folder.parents) if not os.stat(p).st_mode & 0o001), None)
    if closed is None:
        return []
    arguments = ["--perms", "0755", "--tmpfs", str(closed)]
    for parent in reversed(folder.parents):
        if len(parent.parts) > len(closed.parts):
            arguments += ["--perms", "0755", "--dir", str(parent)]
    return [*arguments, "--ro-bind", str(folder), str(folder)]


GRADERS = [pytest.param("root", marks=pytest.mark.skipif(os.geteuid() != 0, reason="needs a grader running as root")),
           pytest.param("user")]


@pytest.mark.parametrize("grader", GRADERS)
def test_student_code_has_no_root_no_capability_and_no_way_to_lift_a_limit(grader):
    found = attacks_from_inside() if grader == "root" else _as_unprivileged_grader("attacks_from_inside")
    for name in _read_only_targets():
        assert found[f"remount {name}"] == "Operation not permitted", name
        assert found[f"write {name}"] in ("Read-only file system", "Permission denied"), name
    assert found["cgroupfs visible"] is False
    assert found["mount cgroup v1"] == found["mount cgroup v2"] == "Operation not permitted"
    for key in ("kernel/pid_max", "vm/swappiness", "net/ipv4/ip_forward"):
        assert found[f"write /proc/sys/{key}"] in ("Read-only file system", "Permission denied"), key
    assert found["write /dev/shm past the cap"] == "No space left on device"
    assert found["write /dev"] == found["write /"] == "Read-only file system"
    assert found["new user namespace"] != "made"
    assert found["capabilities"] == ["0000000000000000"] * 4
    assert found["uid"] != 0
    assert found["planted outside"] == []
    assert "warm starts" in found["started"], found["started"]  # all of it held in a zygote's child


@pytest.mark.parametrize("grader", GRADERS)
def test_the_sandboxed_process_is_not_root_on_the_host(grader):
    from autograder.grading.sandbox import SANDBOX_IDS

    uids = sandboxed_host_uids() if grader == "root" else _as_unprivileged_grader("sandboxed_host_uids")
    assert uids and 0 not in uids
    if grader == "root":
        assert all(uid in SANDBOX_IDS for uid in uids)
    elif os.geteuid() == 0:
        assert uids == [65534]  # the grader's own uid, nobody's


@pytest.mark.parametrize("grader", GRADERS)
def test_a_warm_start_is_not_root_on_the_host_either(grader):
    from autograder.grading.sandbox import SANDBOX_IDS

    uids = warm_host_uids() if grader == "root" else _as_unprivileged_grader("warm_host_uids")
    assert len(set(uids)) == 1 and 0 not in uids
    if grader == "root":
        assert uids[0] in SANDBOX_IDS
    elif os.geteuid() == 0:
        assert uids[0] == 65534


def test_every_sandbox_of_a_root_grader_gets_a_uid_of_its_own():
    if os.geteuid() != 0:
        pytest.skip("needs a grader running as root")
    commands = [SandboxRunner(FAST).sandbox.command([], sandbox_module._sandbox_id()) for _ in range(20)]
    uids = {command[command.index("--uid") + 1] for command in commands}
    assert len(uids) > 1


# --- warm starts: a zygote's children share nothing ---------------------------------------

#: Leaves every trace one notebook could leave for the next: files in /tmp and /dev/shm, a
#: process that waits, an environment variable, changed modules, builtins and open files.
LEAVES_TRACES = """
import builtins, os, subprocess, sys, numpy as np
open('/tmp/home/left.txt', 'w').write('x')
open('/dev/shm/left', 'w').write('x')
os.environ['LEFT'] = '1'
np.LEFT = builtins.LEFT = sys.LEFT = 1
np.pi = 3.0
kept = open('/tmp/kept', 'w')
if os.fork() == 0:
    os.setsid()
    import time
    time.sleep(60)
"""

#: What the next notebook finds of them.
FINDS_TRACES = """
import builtins, json, os, sys
import numpy as np
print(json.dumps({"files": sorted(os.listdir('/tmp/home')) + sorted(os.listdir('/dev/shm')) + sorted(os.listdir('/tmp')),
                  "env": 'LEFT' in os.environ, "modules": [hasattr(m, 'LEFT') for m in (np, builtins, sys)],
                  "pi": np.pi, "processes": sorted(int(p) for p in os.listdir('/proc') if p.isdigit()),
                  "pid": os.getpid(), "numpy before the cell": 'numpy' in sys.modules}))
"""


def test_nothing_of_one_notebook_reaches_the_next_from_the_same_zygote():
    import json

    run_notebook([LEAVES_TRACES], [], FAST)
    found = json.loads(_text(run_notebook([FINDS_TRACES], [], FAST), 0))
    assert not {"left.txt", "left", "kept"} & set(found["files"]), found["files"]  # (/tmp may hold a clone's binds)
    assert found["env"] is False and found["modules"] == [False, False, False]
    assert found["pi"] == 3.141592653589793
    assert found["processes"] == [1, found["pid"]]  # its init and itself: nothing of the other
    assert "warm starts" in execute_module.runner_for(FAST).describe()


def test_the_first_cell_finds_the_imports_done():
    import json

    cell = "import json, sys\nprint(json.dumps([m in sys.modules for m in ('numpy', 'sympy', 'matplotlib.pyplot')]))"
    assert json.loads(_text(run_notebook([cell], [], FAST), 0)) == [True, True, True]


def test_without_a_zygote_the_sandbox_starts_cold_and_says_so(monkeypatch):
    from autograder.grading.sandbox import Sandbox

    monkeypatch.setattr(Sandbox, "start_zygote", lambda self, fd, modules: __import__("subprocess").Popen(["true"]))
    runner = SandboxRunner(FAST)
    run = run_notebook(["def f(x):\n    return 2 * x"], [Call("f", (2.0,))], FAST, runner)
    assert run.outcomes[0].value == 4.0
    assert "cold starts (the zygote failed" in runner.describe()
