"""Where the per-notebook jobs run: a local pool of processes, or a Dask cluster.

Both take :class:`~autograder.grading.job.Job` s and hand back results as they finish, in
whatever order; the one process that records grades (the caller) is the only one that
touches the gradebook, so grades do not depend on how the work was scheduled.
"""
from __future__ import annotations

import concurrent.futures
import multiprocessing
import signal

from autograder.errors import AutograderError
from autograder.grading.job import Job, JobResult, grade_notebook


def _ignore_interrupts() -> None:
    """Pool processes leave Ctrl-C and SIGTERM to the grader, which stops them itself."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


class LocalScheduler:
    """``jobs`` worker processes on this machine."""

    def __init__(self, jobs: int):
        self.jobs = jobs
        self._pool = concurrent.futures.ProcessPoolExecutor(
            max_workers=jobs, mp_context=multiprocessing.get_context("spawn"), initializer=_ignore_interrupts)

    def describe(self) -> str:
        return f"{self.jobs} notebook{'s' if self.jobs != 1 else ''} at a time on this machine"

    def submit(self, job: Job):
        return self._pool.submit(grade_notebook, job)

    def results(self, futures):
        """Each future's result as it finishes; a job that crashed yields its exception."""
        for future in concurrent.futures.as_completed(futures):
            yield future, _result_or_exception(future)

    def stop(self) -> None:
        """Drop the jobs not started and kill the running ones (their sandboxes die with them)."""
        processes = list(getattr(self._pool, "_processes", {}).values())
        self._pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            try:
                process.kill()
            except (OSError, ValueError):
                pass

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

    def describe(self) -> str:
        workers = len(self._client.scheduler_info().get("workers", {}))
        return f"on the Dask cluster at {self.address} ({workers} workers)"

    def submit(self, job: Job):
        return self._client.submit(grade_notebook, job, pure=False)

    def results(self, futures):
        from distributed import as_completed

        for future in as_completed(futures):
            yield future, _result_or_exception(future)

    def stop(self) -> None:
        self._client.cancel(list(self._client.futures.values()) if hasattr(self._client, "futures") else [])

    def close(self) -> None:
        self._client.close()


def _result_or_exception(future) -> JobResult | BaseException:
    try:
        return future.result()
    except BaseException as exc:  # noqa: B036 - the caller turns it into the submission's row
        return exc


def make_scheduler(jobs: int, address: str | None):
    if address:
        return DaskScheduler(address)
    if jobs < 1:
        raise AutograderError("--jobs must be at least 1")
    return LocalScheduler(jobs)
