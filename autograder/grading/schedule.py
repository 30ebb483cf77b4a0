"""Where the per-notebook jobs run: a local pool of processes, or a Dask cluster.

Both take :class:`~autograder.grading.job.Job` s and return futures that finish in whatever
order; the one process that records grades (the caller) is the only one that writes the
gradebook, so grades do not depend on how the work was scheduled. Each also renders feedback
pages (which read the gradebook, and so stay on this machine) in a pool of its own, so a
finished notebook's feedback never waits behind the class's grading jobs.

A lost process is the grader's fault, never a student's: a local pool that broke (a process
killed by the out-of-memory killer) is replaced at the next submission; the caller sends
the lost jobs again. A Dask cluster is probed before any job is sent.
"""
from __future__ import annotations

import concurrent.futures
import concurrent.futures.process
import functools
import os
import select
import signal
import threading
import time

from autograder.errors import AutograderError
from autograder.grading import forkserver
from autograder.grading.environment import probe
from autograder.grading.execute import Limits
from autograder.grading.feedback import warm_up as warm_up_feedback
from autograder.grading.job import Job, grade_notebook, warm_up as warm_up_grading


def _start_process(grader: int, warm_up) -> None:
    """A pool process leaves Ctrl-C and SIGTERM to the grader, which stops it itself, and ends
    with the grader (process ``grader``); then it gets ready for its first task (``warm_up``,
    or nothing), before one waits for it. A warm-up that fails only costs the time it saves:
    the task meets the same trouble and reports it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    _end_with(grader)
    if warm_up is not None:
        try:
            warm_up()
        except Exception:  # noqa: BLE001 - see above
            pass


def _end_with(pid: int) -> None:
    """End this process as soon as process ``pid`` ends, however it ends. A pool process whose
    grader was killed (SIGKILL, the out-of-memory killer) would otherwise wait for its next
    task forever, keeping its zygote and the fork server alive."""
    try:
        descriptor = os.pidfd_open(pid)
    except (AttributeError, OSError):  # no pidfd here, or the grader is already gone
        if not _alive(pid):
            os._exit(1)
        descriptor = None

    def watch() -> None:
        if descriptor is not None:
            select.select([descriptor], [], [])  # readable once the process has ended
        else:
            while _alive(pid):
                time.sleep(1)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def _nothing() -> None:
    """A task that only makes a pool start a process (:meth:`LocalScheduler.start`)."""


class _Pool:
    """A process pool that is replaced when one of its processes is lost."""

    def __init__(self, workers: int, preload: tuple = (), warm_up=None):
        self.workers, self.preload, self.warm_up = workers, preload, warm_up
        self._executor = local_pool(workers, preload, warm_up)

    def start(self) -> None:
        """Start every process now (each warms up) rather than at the first tasks."""
        for _ in range(self.workers):
            self.submit(_nothing)

    def submit(self, function, *args):
        try:
            return self._executor.submit(function, *args)
        except concurrent.futures.process.BrokenProcessPool:
            _kill_pool(self._executor)
            self._executor = local_pool(self.workers, self.preload, self.warm_up)
            return self._executor.submit(function, *args)

    def kill(self) -> None:
        _kill_pool(self._executor)

    def close(self) -> None:
        self._executor.shutdown(wait=True)


class LocalScheduler:
    """``jobs`` worker processes on this machine, and one more for feedback pages. Each
    process warms up as it starts (:func:`autograder.grading.job.warm_up`,
    :func:`autograder.grading.feedback.warm_up`)."""

    def __init__(self, jobs: int, assignment_ids: tuple = (), limits: Limits = Limits(), sandboxed: bool = True):
        self.jobs = jobs
        checks = tuple(f"autograder.checks.{assignment_id}" for assignment_id in assignment_ids)
        self._grading = _Pool(jobs, checks, functools.partial(warm_up_grading, limits, sandboxed, assignment_ids))
        self._feedback = _Pool(1, checks, functools.partial(warm_up_feedback, assignment_ids))

    def describe(self) -> str:
        return f"{self.jobs} notebook{'s' if self.jobs != 1 else ''} at a time on this machine"

    def start(self) -> None:
        """Start the processes and their warm-up now (a second or two: the fork server's
        imports, then each process's zygote), beside whatever the caller does next."""
        self._grading.start()
        self._feedback.start()

    def submit(self, job: Job):
        return self._grading.submit(grade_notebook, job)

    def submit_feedback(self, function, *args):
        return self._feedback.submit(function, *args)

    def stop(self) -> None:
        """Drop the jobs not started and kill the running ones (their sandboxes die with them)."""
        self._grading.kill()
        self._feedback.kill()

    def close(self) -> None:
        self._grading.close()
        self._feedback.close()


class DaskScheduler:
    """The same jobs on an existing Dask distributed cluster (``--scheduler ADDRESS``).

    Every worker needs this grader's package at the same version, with the same checks, and
    a working sandbox; a job carries the notebook's and the release's bytes, so workers need
    no access to the submissions or a clone of the course. Each worker is probed first, and
    the run stops with one line naming a worker that falls short.
    """

    def __init__(self, address: str, *, grader: str, assignment_ids: list[str]):
        try:
            from distributed import Client
        except ImportError as exc:
            raise AutograderError(f"--scheduler needs dask distributed: {exc}") from None
        try:
            self._client = Client(address, timeout="20s")
        except (OSError, TimeoutError, ValueError) as exc:
            raise AutograderError(f"no Dask scheduler at {address}: {exc}") from None
        self.address = address
        self._feedback = _Pool(max(1, (os.cpu_count() or 1) // 2), (), functools.partial(warm_up_feedback, assignment_ids))
        self._futures: list = []
        try:
            self._probe(grader, assignment_ids)
        except BaseException:
            self.close()
            raise

    def _probe(self, grader: str, assignment_ids: list[str]) -> None:
        """Stop with one line unless every worker can grade these assignments as we would.
        A worker lost while it is probed (its connection closed) is asked again, up to three
        times: the cluster may have replaced it; a worker that answers wrongly is final."""
        from distributed.comm.core import CommClosedError

        for attempt in range(3):
            if not self._client.scheduler_info().get("workers"):
                raise AutograderError(f"the Dask cluster at {self.address} has no workers")
            try:
                answers = self._client.run(probe, grader, assignment_ids, on_error="return")
            except Exception as exc:  # noqa: BLE001 - whatever the cluster says, it is one line
                raise AutograderError(f"could not probe the Dask workers at {self.address}: "
                                      f"{type(exc).__name__}: {exc}") from None
            lost = False
            for worker, answer in sorted(answers.items()):
                if isinstance(answer, (CommClosedError, OSError)) and attempt < 2:
                    lost = True
                    continue
                if isinstance(answer, BaseException):
                    answer = f"cannot run the grader: {type(answer).__name__}: {answer}"
                if answer:
                    raise AutograderError(f"Dask worker {worker} {answer}; nothing was graded")
            if not lost:
                return
            time.sleep(2)

    def start(self) -> None:
        """The cluster's workers are already running; the feedback process starts now."""
        self._feedback.start()

    def describe(self) -> str:
        workers = len(self._client.scheduler_info().get("workers", {}))
        return f"on the Dask cluster at {self.address} ({workers} workers)"

    def submit(self, job: Job):
        future = self._client.submit(grade_notebook, job, pure=False)
        self._futures.append(future)
        return future

    def submit_feedback(self, function, *args):
        return self._feedback.submit(function, *args)

    def stop(self) -> None:
        self._client.cancel(self._futures)
        self._feedback.kill()
        self._client.close()

    def close(self) -> None:
        self._feedback.close()
        self._client.close()


def local_pool(workers: int, preload: tuple = (), warm_up=None) -> concurrent.futures.ProcessPoolExecutor:
    """``workers`` processes forked from the fork server (:mod:`forkserver`, with ``preload``
    if it has not started yet); each runs ``warm_up`` (picklable) as it starts."""
    return concurrent.futures.ProcessPoolExecutor(max_workers=workers, mp_context=forkserver.context(preload),
                                                  initializer=_start_process, initargs=(os.getpid(), warm_up))


def _kill_pool(pool: concurrent.futures.ProcessPoolExecutor) -> None:
    """Stop a pool now: its queued work is dropped and its processes get SIGKILL (they ignore
    SIGTERM), so a stop never waits for them."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        try:
            process.kill()
        except (OSError, ValueError):
            pass


def make_scheduler(jobs: int, address: str | None, *, grader: str, assignment_ids: list[str],
                   limits: Limits = Limits(), sandboxed: bool = True):
    if address:
        return DaskScheduler(address, grader=grader, assignment_ids=assignment_ids)
    if jobs < 1:
        raise AutograderError("--jobs must be at least 1")
    return LocalScheduler(jobs, tuple(assignment_ids), limits, sandboxed)
