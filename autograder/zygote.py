"""A warm start for the sandboxed worker: one process that has imported what the notebooks
import, and forks a fresh, isolated worker for each notebook.

Run inside the sandbox (:mod:`autograder.grading.sandbox`, beside ``worker.py`` and
``protocol.py``) as ``python -I zygote.py CONTROL_FD MODULE...``. It imports the modules (NumPy,
SymPy, Matplotlib with the Agg backend: what the released notebooks' imports cells import)
and then only waits on its control socket. For each notebook the grader sends three file
descriptors (the worker's request pipe, its event pipe and the grader's call arena) and the
limits; the zygote forks:

- a **keeper**, which tells the grader it exists (the grader reads its host pid from the
  socket's credentials, puts it in the notebook's cgroups and holds a pidfd to it), waits
  for the grader's go-ahead on the request pipe, takes the notebook's limits, and enters
  fresh mount, PID, IPC, UTS, network and cgroup namespaces, with a fresh private ``/tmp``
  and ``/dev/shm`` of their own size; it then waits for its child and dies with the zygote;
- an **init**, pid 1 of the new PID namespace: it mounts that namespace's own ``/proc`` (with
  ``/proc/sys`` read-only), gives up every capability for good (bounding, ambient,
  effective, permitted and inheritable sets; no new privileges was set by bubblewrap), and
  forks the worker, reaping orphans until the worker ends; when it ends, the kernel ends
  every process left in the namespace;
- the **worker**, which runs :func:`worker.main` on the notebook, exactly as a cold start.

The zygote holds capabilities only inside its own user namespace (mount and namespace
set-up, as bubblewrap does during its own set-up) and never runs student code; every
process that does has none, in a mount namespace of its own where the previous notebook's
files are not, a PID namespace where no other process is visible, and memory copied from
the zygote, which no child can write back. The zygote keeps nothing of any notebook.
"""
from __future__ import annotations

import ctypes
import importlib
import json
import os
import resource
import signal
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import worker  # noqa: E402

_libc = ctypes.CDLL(None, use_errno=True)
#: The real ``os._exit``: the worker replaces it for the student's code.
_exit = os._exit

CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS = 0x00020000, 0x02000000, 0x04000000
CLONE_NEWIPC, CLONE_NEWPID, CLONE_NEWNET = 0x08000000, 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
PR_SET_PDEATHSIG, PR_CAPBSET_DROP, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 1, 24, 47, 4
_CAPABILITY_VERSION_3 = 0x20080522
HOME = "/tmp/home"
#: How many descriptors come with each order: request pipe, event pipe, call arena.
DESCRIPTORS = 3


def _check(result: int, what: str) -> None:
    if result != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"{what}: {os.strerror(error)}")


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    encode = (lambda text: None if text is None else text.encode())
    _check(_libc.mount(encode(source), encode(target), encode(fstype), ctypes.c_ulong(flags), encode(data)),
           f"mount {target}")


def _die_with_parent() -> None:
    _check(_libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), "prctl")


def _drop_every_capability() -> None:
    """No capability left in any set, and none that an exec could bring back."""
    last = int(open("/proc/sys/kernel/cap_last_cap").read())
    for capability in range(last + 1):
        _check(_libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0), "drop a bounding capability")
    _check(_libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0), "clear ambient capabilities")
    header = (ctypes.c_uint32 * 2)(_CAPABILITY_VERSION_3, 0)
    data = (ctypes.c_uint32 * 6)()  # effective, permitted, inheritable, twice: all empty
    _check(_libc.capset(header, data), "capset")


def _set_limits(order: dict) -> None:
    """The notebook's per-process limits (the cgroups, where there are some, were set by the grader)."""
    for name, soft, hard in order["rlimits"]:
        resource.setrlimit(getattr(resource, name), (soft, hard))


def _keeper(descriptors: list[int], order: dict, control: socket.socket) -> None:
    """Between the zygote and the notebook: joins the cgroups (through the grader), takes
    the limits and the fresh namespaces, then waits for the init."""
    _die_with_parent()
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    control.send(b"forked")  # the grader reads this process's host pid from the credentials
    control.close()
    requests, events, arena = descriptors
    if os.read(requests, 1) != b"\x01":  # the grader's go-ahead: the cgroups hold this process
        _exit(1)
    _set_limits(order)
    _check(_libc.unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNET | CLONE_NEWCGROUP),
           "unshare")
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    _fresh_tmp(order["disk_bytes"])
    os.mkdir(HOME, 0o700)
    _mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, f"size={order['shm_bytes']},mode=1777")
    init = os.fork()
    if init == 0:
        _init(descriptors, order)
    for descriptor in descriptors:
        os.close(descriptor)
    _, status = os.waitpid(init, 0)
    _exit(os.waitstatus_to_exitcode(status) & 0xFF)


def _mounts_under_tmp() -> list[str]:
    """The mount points below /tmp, parents first: the environment's read-only binds when it
    lives under /tmp (a clone there), which a fresh /tmp must not hide."""
    points = []
    with open("/proc/self/mountinfo") as mountinfo:
        for line in mountinfo:
            point = line.split()[4].encode().decode("unicode_escape")
            if point.startswith("/tmp/"):
                points.append(point)
    return sorted(dict.fromkeys(points), key=lambda p: p.count("/"))


def _fresh_tmp(size: int) -> None:
    """A new, empty tmpfs on /tmp, with the read-only binds that were below it bound again
    at their places (through descriptors opened before it covered them)."""
    kept = [(point, os.open(point, os.O_PATH | os.O_CLOEXEC)) for point in _mounts_under_tmp()]
    _mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, f"size={size},mode=1777")
    for point, descriptor in kept:
        if os.path.isdir(f"/proc/self/fd/{descriptor}"):
            os.makedirs(point, 0o755, exist_ok=True)
        else:
            os.makedirs(os.path.dirname(point), 0o755, exist_ok=True)
            open(point, "a").close()
        _mount(f"/proc/self/fd/{descriptor}", point, None, MS_BIND)
        _mount(None, point, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
        os.close(descriptor)


def _init(descriptors: list[int], order: dict) -> None:
    """Pid 1 of the notebook's namespace: its /proc, no capability, then the worker."""
    try:
        _die_with_parent()
        _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
        _mount("/proc/sys", "/proc/sys", None, MS_BIND | MS_REC)
        _mount(None, "/proc/sys", None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)
        _drop_every_capability()
        child = os.fork()
        if child == 0:
            _worker(descriptors, order)
        for descriptor in descriptors:
            os.close(descriptor)
        while True:  # reap orphans until the worker itself ends
            pid, status = os.wait()
            if pid == child:
                _exit(os.waitstatus_to_exitcode(status) & 0xFF)
    except BaseException:  # noqa: B036 - nothing of a failed set-up may go on running
        _exit(1)


def _worker(descriptors: list[int], order: dict) -> None:
    """The notebook's worker, on the descriptors numbered as a cold start numbers them."""
    try:
        _die_with_parent()
        requests, events, arena = descriptors
        os.dup2(requests, 0)
        os.dup2(events, 1)
        os.dup2(arena, order["arena_fd"])
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        keep = {0, 1, 2, order["arena_fd"]}
        for descriptor in map(int, os.listdir("/proc/self/fd")):
            if descriptor not in keep:
                try:
                    os.close(descriptor)
                except OSError:
                    pass
        os.chdir(HOME)
        numpy = sys.modules.get("numpy")
        if numpy is not None:
            numpy.random.seed()  # its own random state, as a fresh interpreter would have
        worker.main()
    except BaseException:  # noqa: B036
        pass
    _exit(1)


def serve(control: socket.socket) -> None:
    """Fork a keeper for each order until the grader closes the socket."""
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # keepers are reaped by the kernel
    while True:
        try:
            message, descriptors, _, _ = socket.recv_fds(control, 65536, DESCRIPTORS)
        except OSError:
            return
        if not message:
            return
        try:
            order = json.loads(message)
            if len(descriptors) != DESCRIPTORS:
                raise ValueError("an order needs its three descriptors")
            if os.fork() == 0:
                try:
                    _keeper(descriptors, order, control)
                finally:
                    _exit(1)
        except (ValueError, OSError):
            control.send(b"refused")
        finally:
            for descriptor in descriptors:
                os.close(descriptor)


def main() -> None:
    control = socket.socket(fileno=int(sys.argv[1]))
    for name in sys.argv[2:]:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - a module that will not import costs that notebook its own import
            pass
    os.chdir("/")
    serve(control)


if __name__ == "__main__":
    main()
