"""Where the per-notebook jobs run: a local pool of processes, or a Dask cluster.

Both take :class:`~autograder.grading.job.Job` s and return futures that finish in whatever
order; the one process that records grades (the caller) is the only one that writes the
gradebook, so grades do not depend on how the work was scheduled. Each also offers a local
pool for the grader's own work beside the jobs (rendering feedback, which reads the
gradebook and so stays on this machine).
"""
from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
import signal

from autograder.errors import AutograderError
from autograder.grading.job import Job, grade_notebook


def _ignore_interrupts() -> None:
    """Pool processes leave Ctrl-C and SIGTERM to the grader, which stops them itself."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


class LocalScheduler:
    """``jobs`` worker processes on this machine."""

    def __init__(self, jobs: int):
        self.jobs = jobs
        self._pool = local_pool(jobs)

    @property
    def local_pool(self) -> concurrent.futures.Executor:
        """Where the grader's own work runs beside the jobs (rendering feedback): the same pool."""
        return self._pool

    def describe(self) -> str:
        return f"{self.jobs} notebook{'s' if self.jobs != 1 else ''} at a time on this machine"

    def submit(self, job: Job):
        return self._pool.submit(grade_notebook, job)

    def stop(self) -> None:
        """Drop the jobs not started and kill the running ones (their sandboxes die with them)."""
        _kill_pool(self._pool)

    def close(self) -> None:
        self._pool.shutdown(wait=True)


class DaskScheduler:
    """The same jobs on an existing Dask distributed cluster (``--scheduler ADDRESS``).

    Every worker needs this project and its environment (the sandbox included); a job
    carries the notebook's bytes, so workers need no access to the submissions.
    """

    def __init__(self, address: str):
        try:
            from distributed import Client
        except ImportError as exc:
            raise AutograderError(f"--scheduler needs dask distributed: {exc}") from None
        try:
            self._client = Client(address, timeout="20s")
        except (OSError, TimeoutError, ValueError) as exc:
            raise AutograderError(f"no Dask scheduler at {address}: {exc}") from None
        self.address = address
        self.local_pool = local_pool(os.cpu_count() or 1)
        self._futures: list = []

    def describe(self) -> str:
        workers = len(self._client.scheduler_info().get("workers", {}))
        return f"on the Dask cluster at {self.address} ({workers} workers)"

    def submit(self, job: Job):
        future = self._client.submit(grade_notebook, job, pure=False)
        self._futures.append(future)
        return future

    def stop(self) -> None:
        self._client.cancel(self._futures)
        _kill_pool(self.local_pool)
        self._client.close()

    def close(self) -> None:
        self.local_pool.shutdown(wait=True)
        self._client.close()


def local_pool(workers: int) -> concurrent.futures.ProcessPoolExecutor:
    return concurrent.futures.ProcessPoolExecutor(
        max_workers=workers, mp_context=multiprocessing.get_context("spawn"), initializer=_ignore_interrupts)


def _kill_pool(pool: concurrent.futures.ProcessPoolExecutor) -> None:
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        try:
            process.kill()
        except (OSError, ValueError):
            pass


def make_scheduler(jobs: int, address: str | None):
    if address:
        return DaskScheduler(address)
    if jobs < 1:
        raise AutograderError("--jobs must be at least 1")
    return LocalScheduler(jobs)
