"""The warm sandbox: a zygote per grading process forks each notebook's worker, already
past ``import numpy, sympy``.

A cold start (:meth:`Sandbox.start`) pays for a ``bwrap``, a fresh interpreter and the
imports cell's imports on every notebook: about a second of CPU, most of the grading. The
zygote (:mod:`autograder.zygote`, in a sandbox of the same profile) pays for them once per
grading process; each notebook then gets a forked child in fresh namespaces, a fresh
``/tmp``, its own cgroups and limits and no capability (the zygote's docstring says how).

The conversation on the control socket, one notebook at a time:

1. the grader sends an order (the limits, and the number the call arena must have) with
   three descriptors: the worker's request pipe, its event pipe and the arena;
2. the zygote forks a keeper, which answers ``forked``; the socket's credentials give its
   pid in the grader's PID namespace, and the grader opens a pidfd on it (so a kill can
   never reach a recycled pid) and puts it in the notebook's cgroups;
3. the grader writes one go-ahead byte on the request pipe; the keeper takes its limits and
   namespaces and starts the notebook's worker, which from there on is a cold start's.

A zygote that dies or answers wrongly is started again once; where no zygote can run, the
grader falls back to cold starts and says so (:meth:`WarmSandbox.describe`).
"""
from __future__ import annotations

import ast
import json
import os
import select
import signal
import socket
import struct
import threading
from functools import lru_cache
from pathlib import Path

from autograder import course
from autograder.grading.sandbox import Cgroups, Sandbox, _sandbox_id

#: Seconds the zygote may take to import its modules and answer an order.
ANSWER_TIMEOUT = 60.0
#: Modules every zygote imports beside the notebooks' own: Matplotlib, for a student who
#: plots (its Agg backend, as the worker uses).
ALWAYS_IMPORTED = ("matplotlib", "matplotlib.pyplot")
#: Processes of the zygote's uid besides a notebook's own (two ``bwrap``, the zygote, the
#: keeper, the init): where a process count per uid is the limit, it counts them too.
ZYGOTE_PROCESSES = 5
_CREDENTIALS = struct.Struct("iII")  # struct ucred: pid, uid, gid


class ZygoteUnavailable(Exception):
    """The zygote could not start a worker (it is gone, or refused the order)."""


@lru_cache(maxsize=1)
def notebook_imports() -> tuple[str, ...]:
    """The modules the released notebooks' imports cells import (cells with nbgrader id
    ``imports``), and :data:`ALWAYS_IMPORTED`; read, never run."""
    found = dict.fromkeys(ALWAYS_IMPORTED)
    for assignment_id in course.assignment_ids():
        try:
            cells = json.loads(course.released_notebook(assignment_id).read_text())["cells"]
        except (OSError, ValueError, KeyError):
            continue
        for cell in cells:
            if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") != "imports":
                continue
            source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
            try:
                tree = ast.parse(source)
            except SyntaxError:
                continue
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    found.update(dict.fromkeys(alias.name for alias in node.names))
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    found[node.module] = None
    return tuple(found)


class WarmProcess:
    """One notebook's worker, forked by the zygote: its pipes, its keeper, its cgroups."""

    def __init__(self, pid: int, pidfd: int, stdin, stdout, cgroups: Cgroups | None):
        self.pid, self.pidfd, self.stdin, self.stdout, self.cgroups = pid, pidfd, stdin, stdout, cgroups

    def kill(self) -> None:
        """End the notebook: its keeper (whose death ends the init, and with it every process
        of the notebook's PID namespace), then whatever its cgroups still hold."""
        try:
            signal.pidfd_send_signal(self.pidfd, signal.SIGKILL)
        except ProcessLookupError:
            pass
        select.select([self.pidfd], [], [], 5.0)  # readable once the keeper has ended
        os.close(self.pidfd)
        if self.cgroups:
            self.cgroups.kill_all()
        for stream in (self.stdin, self.stdout):
            try:
                stream.close()
            except OSError:
                pass


class Zygote:
    """A running zygote and the grader's end of its control socket."""

    def __init__(self, sandbox: Sandbox, modules: tuple[str, ...]):
        self.sandbox = sandbox
        self.control, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.control.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        try:
            self.process = sandbox.start_zygote(theirs.fileno(), modules)
        finally:
            theirs.close()
        self.control.settimeout(ANSWER_TIMEOUT)

    def fork(self, arena_fd: int) -> WarmProcess:
        """A fresh worker for one notebook, with ``arena_fd`` under the same number."""
        sandbox = self.sandbox
        cgroups = Cgroups(sandbox.cgroup_parents, sandbox.limits) if sandbox.cgroup_parents else None
        order = {"arena_fd": arena_fd, "disk_bytes": sandbox.limits.disk_bytes,
                 "shm_bytes": min(sandbox.limits.shm_bytes, sandbox.limits.disk_bytes),
                 "rlimits": [(name, soft + ZYGOTE_PROCESSES, hard + ZYGOTE_PROCESSES) if name == "RLIMIT_NPROC"
                             else (name, soft, hard) for name, soft, hard in sandbox.rlimits(_sandbox_id(), bool(cgroups))]}
        requests_read, requests_write = os.pipe()
        events_read, events_write = os.pipe()
        pidfd = None
        try:
            try:
                socket.send_fds(self.control, [json.dumps(order).encode()], [requests_read, events_write, arena_fd])
                pid = self._answer()
                pidfd = os.pidfd_open(pid)
            finally:
                os.close(requests_read)
                os.close(events_write)
            for path in cgroups.join_files() if cgroups else ():
                Path(path).write_text(str(pid))
            os.write(requests_write, b"\x01")
        except BaseException:
            for descriptor in (requests_write, events_read, pidfd):
                if descriptor is not None:
                    os.close(descriptor)
            if cgroups:
                cgroups.kill_all()
            raise
        return WarmProcess(pid, pidfd, os.fdopen(requests_write, "wb"), os.fdopen(events_read, "rb"), cgroups)

    def _answer(self) -> int:
        """The keeper's host pid, from the credentials of its answer."""
        try:
            message, ancillary, _, _ = self.control.recvmsg(64, socket.CMSG_SPACE(_CREDENTIALS.size))
        except (OSError, socket.timeout) as exc:
            raise ZygoteUnavailable(f"the zygote did not answer: {exc}") from None
        if message != b"forked":
            raise ZygoteUnavailable(f"the zygote answered {message[:40]!r}")
        for level, kind, data in ancillary:
            if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                pid, _, _ = _CREDENTIALS.unpack(data[:_CREDENTIALS.size])
                return pid
        raise ZygoteUnavailable("the zygote's answer came without credentials")

    def close(self) -> None:
        self.control.close()  # the zygote ends when its socket does
        try:
            self.process.kill()
        except ProcessLookupError:
            pass
        self.process.wait()


class WarmSandbox:
    """Starts each notebook's worker from this process's zygote, or cold where it cannot.

    The zygote is this process's own: a pool forked after one was started makes its own
    (a socket shared between processes would mix their answers)."""

    def __init__(self, sandbox: Sandbox, modules: tuple[str, ...] | None = None):
        self.sandbox = sandbox
        self.modules = notebook_imports() if modules is None else modules
        self._zygote: Zygote | None = None
        self._owner = None
        self._lock = threading.Lock()
        self.cold_because: str | None = None

    def describe(self) -> str:
        start = (f"warm starts (a zygote per grading process, with {', '.join(self.modules)} imported)"
                 if self.cold_because is None else f"cold starts ({self.cold_because})")
        return f"{self.sandbox.describe()}; {start}"

    def start(self, pass_fds=()):
        (arena_fd,) = pass_fds
        if self.cold_because is None:
            with self._lock:
                for attempt in range(2):
                    try:
                        return self._current().fork(arena_fd)
                    except (ZygoteUnavailable, OSError) as exc:
                        self._discard()
                        if attempt:
                            self.cold_because = f"the zygote failed: {exc}"
        return self.sandbox.start(pass_fds=pass_fds)

    def prepare(self) -> None:
        """Start the zygote without waiting for it: the first notebook's fork waits for its
        imports, which by then are done or under way."""
        if self.cold_because is None:
            with self._lock:
                try:
                    self._current()
                except OSError:
                    pass  # the first notebook's start tries again, and says why it starts cold

    def _current(self) -> Zygote:
        if self._zygote is None or self._owner != os.getpid():
            self._zygote, self._owner = Zygote(self.sandbox, self.modules), os.getpid()
        return self._zygote

    def _discard(self) -> None:
        if self._zygote is not None and self._owner == os.getpid():
            self._zygote.close()
        self._zygote = None
