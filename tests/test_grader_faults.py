"""Faults of the grader's own are never grades: a lost worker or pool process is retried,
a grader that cannot grade a notebook says "not graded" and exits non-zero, and the next
run grades what was left. The clusters here are started the way the README says, as
`dask scheduler` and `dask worker` processes in another folder, not in-process.
"""
from __future__ import annotations

import concurrent.futures
import json
import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import psutil
import pytest

from autograder.errors import NotGraded
from autograder.grading import run as run_module
from autograder.grading.job import Job, grade_notebook
from autograder.grading.judge import Limits
from autograder.grading.ledger import Ledger
from autograder.grading.records import printable
from autograder.grading.run import grade
from tests.conftest import read_rows, write_submission

BIN = Path(sys.executable).parent
LIMITS = Limits(cell_timeout=10)
WRONG = "def softmax(z, axis=-1):\n    import numpy as np\n    return np.exp(z) / np.exp(z).sum()"


@pytest.fixture
def small_class(tmp_path, perfect):
    """Four notebooks: three perfect, one with a wrong softmax."""
    import copy

    folder = tmp_path / "class"
    for student in ("ada", "bob", "cy"):
        write_submission(folder, student, perfect)
    wrong = copy.deepcopy(perfect)
    for cell in wrong.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "softmax":
            cell.source = WRONG
    write_submission(folder, "dan", wrong)
    return folder


def _graded(out: Path) -> dict[str, str]:
    """The scores of the rows that were graded (a proof may still be pending)."""
    return {row["student_id"]: row["score"] for row in read_rows(out / "grades.csv")
            if row["status"].startswith(("graded", "pending"))}


def _ledger_graded(out: Path) -> int:
    return sum(entry.graded for entry in Ledger(out / "work"))


# --- in this process -----------------------------------------------------------------------


def test_status_text_is_one_printable_line():
    assert printable("ValueError: bad\nsecond line\r\n\tthird") == "ValueError: bad second line third"
    assert printable("\x1b[31mred") == "\\x1b[31mred"


def test_a_job_from_another_grader_is_the_graders_fault_not_the_students(perfect):
    import nbformat

    job = Job("ada", "ex02_softmax", "ex02_softmax.ipynb", nbformat.writes(perfect).encode(), LIMITS,
              grader="a different grader")
    result = grade_notebook(job)
    assert result.autograded is None and result.problem is None
    assert "different grader" in result.fault


def test_an_exception_in_the_graders_code_is_a_fault(perfect, monkeypatch):
    import nbformat

    from autograder.grading import job as job_module

    def broken(assignment_id):
        raise RuntimeError("a bug of the grader's")

    monkeypatch.setattr(job_module, "checks_for", broken)
    result = grade_notebook(Job("ada", "ex02_softmax", "ex02_softmax.ipynb", nbformat.writes(perfect).encode(), LIMITS))
    assert result.problem is None and "a bug of the grader's" in result.fault


class _LostWorkers:
    """A scheduler whose every job is lost with its worker (what a cluster that cannot
    import the grader, or that keeps dying, gives)."""

    def __init__(self, *args, **kwargs):
        self.sent = 0
        self._pool = concurrent.futures.ThreadPoolExecutor(1)

    def describe(self) -> str:
        return "on workers that are lost"

    def start(self):
        pass

    def submit(self, job):
        self.sent += 1
        future = concurrent.futures.Future()
        future.set_exception(RuntimeError("worker tcp://10.0.0.9:1234 was lost"))
        return future

    def submit_feedback(self, function, *args):
        return self._pool.submit(function, *args)

    def stop(self):
        self._pool.shutdown(wait=False)

    close = stop


@pytest.mark.slow
def test_lost_workers_record_nothing_and_the_next_run_grades_everything(tmp_path, small_class, monkeypatch):
    lost = _LostWorkers()
    monkeypatch.setattr(run_module, "make_scheduler", lambda *a, **k: lost)
    with pytest.raises(NotGraded, match="4 notebooks not graded because of the grader"):
        grade(small_class, tmp_path / "out", limits=LIMITS, jobs=2)
    assert lost.sent == 4 * run_module.ATTEMPTS  # each job tried again before giving up
    rows = read_rows(tmp_path / "out" / "grades.csv")
    assert len(rows) == 4 and all(row["status"].startswith("not graded") for row in rows)
    assert all("\\x0a" not in row["status"] for row in rows)
    assert _ledger_graded(tmp_path / "out") == 0
    assert not (tmp_path / "out" / "feedback").exists() or not list((tmp_path / "out" / "feedback").rglob("*.html"))
    monkeypatch.undo()
    grade(small_class, tmp_path / "out", limits=LIMITS, jobs=2)  # not "unchanged": graded now
    scores = _graded(tmp_path / "out")
    assert sorted(scores) == ["ada", "bob", "cy", "dan"]
    assert {scores[s] for s in ("ada", "bob", "cy")} == {"16"} and float(scores["dan"]) < 16


# --- real processes --------------------------------------------------------------------------


def _grade_command(folder: Path, out: Path, *options: str) -> list[str]:
    return [str(BIN / "autograder"), "grade", str(folder), "--out", str(out), "--timeout", "10", *options]


def _sandboxed_parent(process: psutil.Process) -> psutil.Process | None:
    """A child of ``process`` (itself included) whose sandbox is running a notebook right now:
    a cold start's worker, or a keeper its zygote forked (an idle pool process has a zygote too)."""
    for candidate in [process, *process.children(recursive=True)]:
        try:
            if any("bwrap" in child.name() for child in candidate.children()) and _runs_a_notebook(candidate):
                return candidate
        except psutil.NoSuchProcess:
            continue
    return None


def _runs_a_notebook(process: psutil.Process) -> bool:
    def zygote(candidate: psutil.Process) -> bool:  # the zygote's interpreter, or a fork of it
        return "bwrap" not in candidate.name() and "zygote.py" in " ".join(candidate.cmdline())

    return any(zygote(d) and zygote(d.parent()) or "bwrap" not in d.name() and "worker.py" in " ".join(d.cmdline())
               for d in process.children(recursive=True))


def _kill_one_busy_process(root: psutil.Process, timeout: float = 600) -> bool:
    """SIGKILL one process under ``root`` that is grading a notebook, as an OOM killer would."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        busy = _sandboxed_parent(root)
        if busy is not None and busy.pid != root.pid:
            busy.kill()
            return True
        time.sleep(0.05)
    return False


@pytest.mark.slow
def test_a_killed_pool_process_costs_no_grade(tmp_path, small_class):
    subprocess.run(_grade_command(small_class, tmp_path / "undisturbed", "--jobs", "2"), check=True,
                   capture_output=True, cwd=tmp_path)
    grader = subprocess.Popen(_grade_command(small_class, tmp_path / "out", "--jobs", "2"), cwd=tmp_path,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert _kill_one_busy_process(psutil.Process(grader.pid))
    _, errors = grader.communicate(timeout=300)
    assert grader.returncode == 0, errors
    assert "trying again" in errors
    assert _graded(tmp_path / "out") == _graded(tmp_path / "undisturbed")
    assert read_rows(tmp_path / "out" / "cells.csv") == read_rows(tmp_path / "undisturbed" / "cells.csv")


def _read_until(stream, words: str) -> str:
    """What ``stream`` says up to and including the line with ``words``."""
    lines = []
    for line in stream:
        lines.append(line)
        if words in line:
            break
    return "".join(lines)


@contextmanager
def dask_cluster(tmp_path: Path, workers: int = 2, environment: dict | None = None):
    """`dask scheduler` and `dask worker --nworkers N`, started as the README says, from a
    folder that is not the project's."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(exist_ok=True)
    scheduler_file = elsewhere / f"scheduler-{time.monotonic_ns()}.json"
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "cwd": elsewhere, "start_new_session": True}
    scheduler = subprocess.Popen([str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", "0",
                                  "--no-dashboard", "--scheduler-file", str(scheduler_file)], **quiet)
    worker = None
    try:
        deadline = time.monotonic() + 60
        while not scheduler_file.is_file() and time.monotonic() < deadline:
            time.sleep(0.1)
        address = json.loads(scheduler_file.read_text())["address"]
        worker = subprocess.Popen([str(BIN / "dask"), "worker", "--scheduler-file", str(scheduler_file),
                                   "--nworkers", str(workers), "--nthreads", "1", "--no-dashboard",
                                   "--host", "127.0.0.1"], env={**os.environ, **(environment or {})}, **quiet)
        from distributed import Client

        with Client(address, timeout="30s") as client:
            client.wait_for_workers(workers, timeout=120)
        yield address, psutil.Process(worker.pid)
    finally:
        for process in (worker, scheduler):
            if process is not None:
                try:
                    os.killpg(process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                process.wait()


@pytest.mark.slow
def test_a_cluster_started_by_hand_grades_like_the_local_pool_through_a_killed_worker(tmp_path, small_class):
    subprocess.run(_grade_command(small_class, tmp_path / "local", "--jobs", "2"), check=True,
                   capture_output=True, cwd=tmp_path)
    with dask_cluster(tmp_path) as (address, workers):
        grader = subprocess.Popen(_grade_command(small_class, tmp_path / "dask", "--scheduler", address),
                                  cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        said = _read_until(grader.stderr, "grading 4 notebooks")  # the workers are probed by then
        assert _kill_one_busy_process(workers)
        _, errors = grader.communicate(timeout=300)
        errors = said + errors
    assert grader.returncode == 0, errors
    assert _graded(tmp_path / "dask") == _graded(tmp_path / "local")
    assert read_rows(tmp_path / "dask" / "cells.csv") == read_rows(tmp_path / "local" / "cells.csv")


@pytest.mark.slow
def test_workers_that_cannot_import_the_grader_are_named_and_nothing_is_recorded(tmp_path, small_class):
    impostor = tmp_path / "impostor" / "autograder"
    impostor.mkdir(parents=True)
    (impostor / "__init__.py").write_text("raise ImportError('no autograder on this worker')\n")
    with dask_cluster(tmp_path, workers=1, environment={"PYTHONPATH": str(impostor.parent)}) as (address, _):
        refused = subprocess.run(_grade_command(small_class, tmp_path / "out", "--scheduler", address),
                                 cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert refused.returncode != 0
    message = refused.stderr.strip().splitlines()[-1]
    assert message.startswith("error: ") and ("Dask worker" in message or "Dask workers" in message), refused.stderr
    assert _ledger_graded(tmp_path / "out") == 0
    with dask_cluster(tmp_path, workers=2) as (address, _):
        subprocess.run(_grade_command(small_class, tmp_path / "out", "--scheduler", address), check=True,
                       cwd=tmp_path, capture_output=True, timeout=300)
    assert len(_graded(tmp_path / "out")) == 4


# --- the gradebook in batches ------------------------------------------------------------------


def _prepared_gradebook(tmp_path: Path) -> Path:
    """A working folder whose gradebook knows ex02_softmax (nbgrader generate_assignment)."""
    from nbgrader.apps import NbGraderAPI

    from autograder import course
    from autograder.grading.ledger import claim_work_folder

    work = claim_work_folder(tmp_path / "work")
    run_module._prepare(NbGraderAPI(config=course.nbgrader_config(release_to=work / "release", work=work)),
                        "ex02_softmax")
    return work


def _submitted(url: str) -> set[str]:
    """Who has a submission in the gradebook at ``url``, as another process would see it."""
    from nbgrader.api import Gradebook

    with Gradebook(url) as gradebook:
        return {s.student.id for s in gradebook.find_assignment("ex02_softmax").submissions}


def test_a_batch_is_written_only_by_its_commit_and_a_notebook_that_fails_spares_the_others(tmp_path, perfect):
    import copy

    import nbformat

    from autograder import course
    from autograder.grading.batch import GradebookBatch
    from autograder.grading.job import JobResult
    from autograder.grading.records import recorded_grade

    work = _prepared_gradebook(tmp_path)
    url = course.gradebook_url(work)
    unknown = copy.deepcopy(perfect)  # valid metadata, but a cell the gradebook does not know
    next(c for c in unknown.cells if c.metadata.get("nbgrader", {}).get("grade")).metadata.nbgrader["grade_id"] = "x"
    batch = GradebookBatch(url, notebooks=3, seconds=3600)
    for student, notebook in (("ada", perfect), ("eve", unknown), ("bob", perfect)):
        assert not batch.due()
        batch.add(JobResult(student, "ex02_softmax", "ex02_softmax.ipynb", nbformat.writes(notebook)))
    assert batch.due()
    assert _submitted(url) == set()  # held in memory: a kill now loses these three and nothing else
    written, failed = batch.commit()
    batch.close()
    assert [s.result.student_id for s in written] == ["ada", "bob"]
    assert [(r.student_id, type(e).__name__) for r, e in failed] == [("eve", "MissingEntry")]
    assert _submitted(url) == {"ada", "bob"}
    assert [s.grade for s in written] == [recorded_grade(work, s, "ex02_softmax", "graded") for s in ("ada", "bob")]


_KILLED_AT_THE_SECOND_COMMIT = """
import os, sys
from autograder.grading import batch, run

run.BATCH_NOTEBOOKS, run.BATCH_SECONDS = 2, 3600.0
commit = batch.GradebookBatch.commit


def killed_at_the_second(self):
    if getattr(batch, "committed_once", False):
        os._exit(9)  # as a SIGKILL would: the second batch only in memory, nothing cleaned up
    batch.committed_once = True
    return commit(self)


batch.GradebookBatch.commit = killed_at_the_second
from autograder.cli import main

sys.exit(main(sys.argv[1:]))
"""


def _left_behind(folder: Path, patience: float = 20.0) -> list[str]:
    """The processes still working in ``folder`` (their current directory) after ``patience``
    seconds, bar this one."""
    deadline = time.monotonic() + patience
    while True:
        left = []
        for process in psutil.process_iter(["pid", "cwd", "cmdline"]):
            cwd = process.info["cwd"]
            if process.info["pid"] != os.getpid() and cwd and Path(cwd).is_relative_to(folder):
                left.append(" ".join(process.info["cmdline"] or [])[:120])
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.2)


@pytest.mark.slow
def test_a_kill_between_batches_loses_only_the_uncommitted_batch_and_the_next_run_grades_it(tmp_path, small_class):
    from autograder import course

    out = tmp_path / "out"
    command = ["grade", str(small_class), "--out", str(out), "--timeout", "10", "--jobs", "1"]
    with (tmp_path / "killed.log").open("w") as log:
        killed = subprocess.run([sys.executable, "-c", _KILLED_AT_THE_SECOND_COMMIT, *command], cwd=tmp_path,
                                stdout=log, stderr=log, timeout=600)
    assert killed.returncode == 9, (tmp_path / "killed.log").read_text()[-2000:]
    assert _left_behind(tmp_path) == []  # its pool processes, their zygotes and the fork server ended with it
    first_batch = _submitted(course.gradebook_url(out / "work"))
    assert len(first_batch) == 2  # the committed batch; the second one is lost
    kept = {e.student_id for e in Ledger(out / "work") if e.graded}
    assert kept <= first_batch  # the ledger never calls an uncommitted notebook graded

    resumed = subprocess.run([str(BIN / "autograder"), *command], cwd=tmp_path, capture_output=True, text=True,
                             timeout=600)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert f"grading {4 - len(kept)} notebook" in resumed.stderr
    scores = _graded(out)
    assert sorted(scores) == ["ada", "bob", "cy", "dan"]
    assert {scores[s] for s in ("ada", "bob", "cy")} == {"16"} and float(scores["dan"]) < 16
    assert _ledger_graded(out) == 4 and not (out / "work" / "ledger.jsonl").exists()
