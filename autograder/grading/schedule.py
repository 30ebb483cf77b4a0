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
import multiprocessing
import os
import signal
import time

from autograder.errors import AutograderError
from autograder.grading.environment import probe
from autograder.grading.job import Job, grade_notebook


def _ignore_interrupts() -> None:
    """Pool processes leave Ctrl-C and SIGTERM to the grader, which stops them itself."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


class _Pool:
    """A process pool that is replaced when one of its processes is lost."""

    def __init__(self, workers: int, preload: tuple = ()):
        self.workers, self.preload = workers, preload
        self._executor = local_pool(workers, preload)

    def submit(self, function, *args):
        try:
            return self._executor.submit(function, *args)
        except concurrent.futures.process.BrokenProcessPool:
            _kill_pool(self._executor)
            self._executor = local_pool(self.workers, self.preload)
            return self._executor.submit(function, *args)

    def kill(self) -> None:
        _kill_pool(self._executor)

    def close(self) -> None:
        self._executor.shutdown(wait=True)


class LocalScheduler:
    """``jobs`` worker processes on this machine, and one more for feedback pages."""

    def __init__(self, jobs: int, assignment_ids: tuple = ()):
        self.jobs = jobs
        checks = tuple(f"autograder.checks.{assignment_id}" for assignment_id in assignment_ids)
        self._grading = _Pool(jobs, checks)
        self._feedback = _Pool(1, checks)

    def describe(self) -> str:
        return f"{self.jobs} notebook{'s' if self.jobs != 1 else ''} at a time on this machine"

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
        self._feedback = _Pool(max(1, (os.cpu_count() or 1) // 2))
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


#: What every pool process needs, imported once by the fork server the processes are forked
#: from (not by each process, as a spawned one would: 2-4 s of CPU each, for SymPy, SciPy,
#: nbformat and nbconvert). The fork server is a fresh, single-threaded interpreter that has
#: run nothing but these imports, so a fork of it is safe, unlike a fork of the grader.
PRELOAD = ["autograder.grading.job", "autograder.grading.feedback"]


def local_pool(workers: int, preload: tuple = ()) -> concurrent.futures.ProcessPoolExecutor:
    """``workers`` processes forked from the fork server; ``preload`` adds modules (the
    checks of the assignments graded) to what it imports, if it has not started yet."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([*PRELOAD, *preload])
    return concurrent.futures.ProcessPoolExecutor(max_workers=workers, mp_context=context,
                                                  initializer=_ignore_interrupts)


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


def make_scheduler(jobs: int, address: str | None, *, grader: str, assignment_ids: list[str]):
    if address:
        return DaskScheduler(address, grader=grader, assignment_ids=assignment_ids)
    if jobs < 1:
        raise AutograderError("--jobs must be at least 1")
    return LocalScheduler(jobs, tuple(assignment_ids))
