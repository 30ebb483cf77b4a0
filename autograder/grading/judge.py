"""Run a notebook's code in a disposable worker process and score its hidden test cells.

The worker (:mod:`autograder.worker`) is copied into an empty temporary folder and started
in Python's isolated mode, with memory and file-size limits, in a session of its own that
is killed when its time is up. It only *calls* the student's functions; every verdict is reached
here, against references computed in this process.
"""
from __future__ import annotations

import importlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from autograder import worker
from autograder.checks.framework import Check, Verdict
from autograder.errors import AutograderError
from autograder.worker import Outcome, Request


@dataclass(frozen=True)
class Limits:
    """How long and how much a submission's code may take."""

    cell_timeout: float = 30.0
    call_timeout: float = 20.0
    memory_bytes: int = 4 * 1024**3
    file_bytes: int = 256 * 1024**2


def checks_for(assignment_id: str) -> dict[str, Check]:
    """The hidden test cell ids of an assignment and the check that grades each."""
    try:
        module = importlib.import_module(f"autograder.checks.{assignment_id}")
    except ModuleNotFoundError as exc:
        raise AutograderError(f"no checks for assignment {assignment_id!r}: {exc}") from exc
    return module.CHECKS


def judge(cells: list[str], checks: dict[str, Check], limits: Limits) -> dict[str, Verdict]:
    """Run ``cells`` (code sources, in order) once, then grade every check on them."""
    calls = [call for check in checks.values() for call in check.calls]
    outcomes = run_worker(cells, calls, limits)
    verdicts, start = {}, 0
    for grade_id, check in checks.items():
        count = len(check.calls)
        verdicts[grade_id] = check.judge(outcomes[start : start + count])
        start += count
    return verdicts


def run_worker(cells: list[str], calls: list, limits: Limits) -> list[Outcome]:
    """Outcomes of ``calls``, in order; calls the worker never answered get an error."""
    request = Request(tuple(cells), tuple(calls), limits.cell_timeout, limits.call_timeout,
                      limits.memory_bytes, limits.file_bytes)
    targets = len({call.target for call in calls})
    deadline = limits.cell_timeout * len(cells) + limits.call_timeout * targets + 30
    with tempfile.TemporaryDirectory(prefix="autograder-worker-") as folder:
        script = Path(folder) / "worker.py"
        shutil.copyfile(worker.__file__, script)
        process = subprocess.Popen(
            [sys.executable, "-I", str(script)],
            cwd=folder, env=_worker_environment(folder), start_new_session=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        )
        results = _Collector(process.stdout)
        try:
            process.stdin.write(request.to_wire())
            process.stdin.close()
            process.wait(timeout=deadline)
            missing = "the notebook's code ended the grading process early"
        except subprocess.TimeoutExpired:
            missing = "timed out"
        except BrokenPipeError:
            missing = "the grading process ended before it started"
        finally:
            _kill_leftovers(process)
            process.wait()
        output = results.collected(grace=2.0)
    return _read_outcomes(output, len(calls), missing)


class _Collector(threading.Thread):
    """Reads a worker's results as they come, so that the worker's end, not the end of
    its output, ends the wait: a process the student's code detached from the worker may
    hold the pipe open long after the worker is gone."""

    def __init__(self, stream, limit: int = 256 * 1024**2):
        super().__init__(daemon=True)
        self.stream, self.limit, self.chunks, self.size = stream, limit, [], 0
        self.start()

    def run(self) -> None:
        for chunk in iter(lambda: self.stream.read1(1 << 16), b""):
            if self.size < self.limit:
                self.chunks.append(chunk)
                self.size += len(chunk)

    def collected(self, grace: float) -> bytes:
        """What arrived by now, after waiting up to ``grace`` seconds for the rest."""
        self.join(timeout=grace)
        return b"".join(list(self.chunks))


def _worker_environment(folder: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": folder,
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": folder,
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        **{k: v for k, v in os.environ.items() if k.startswith("OPENBLAS_CORETYPE") or k == "OPENBLAS_L2_SIZE"},
    }


def _kill_leftovers(process: subprocess.Popen) -> None:
    """Kill whatever the student's code started in the worker's session."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _read_outcomes(output: bytes, expected: int, missing: str) -> list[Outcome]:
    outcomes = []
    for line in output.decode("utf-8", errors="replace").splitlines()[:expected]:
        try:
            outcomes.append(Outcome.from_json(line))
        except (ValueError, TypeError, KeyError):
            outcomes.append(Outcome(error="the result could not be read back from the notebook's code"))
    outcomes.extend(Outcome(error=missing) for _ in range(expected - len(outcomes)))
    return outcomes
