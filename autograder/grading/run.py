"""Grade a class: the ``grade`` command.

The steps, one module each: collect the submissions (:mod:`collect`), decide what needs
grading (:mod:`ledger`: new or changed files, or everything with ``regrade``), grade each
notebook as an independent job, N at a time or on a cluster (:mod:`job`, :mod:`schedule`;
the student's code runs once per notebook, in the sandbox), record each result as it
arrives, in this process only (nbgrader's gradebook, the autograded notebook, the
feedback, the ledger), and write the tables. A submission that fails any step gets a row
saying why; the others go on. Ctrl-C or SIGTERM stops the run within seconds, keeping
everything finished; running again grades the rest.
"""
from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
import warnings
from contextlib import contextmanager
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.apps import NbGraderAPI
from nbgrader.preprocessors import AssignLatePenalties, CheckCellMetadata, SaveAutoGrades

from autograder import course
from autograder.errors import AutograderError, Interrupted
from autograder.grading.collect import Submission, collect, find_notebook, unpack
from autograder.grading.feedback import publish_feedback
from autograder.grading.job import Job, JobResult
from autograder.grading.judge import Limits, SandboxRunner
from autograder.grading.ledger import (
    Entry, Ledger, claim_work_folder, source_fingerprint, submission_fingerprint, write_atomically,
)
from autograder.grading.records import GradeTables, SubmissionGrade, recorded_grade
from autograder.grading.sandbox import check_sandbox, remove_stale_cgroups
from autograder.grading.schedule import make_scheduler

log = logging.getLogger("autograder")


def grade(submissions: Path, out: Path, *, assignment_ids: list[str] | None = None, work: Path | None = None,
          limits: Limits = Limits(), jobs: int | None = None, scheduler: str | None = None,
          students: list[str] | None = None, regrade: bool = False, sandbox: bool = True) -> list[SubmissionGrade]:
    """Grade what is new or changed under ``submissions``; write tables and feedback under ``out``.

    ``work`` holds nbgrader's gradebook and copies (default ``out/work``); it is kept
    between runs. ``submissions`` may also be a zip of the folder, as an LMS hands it out.
    """
    if not (submissions.is_dir() or submissions.suffix == ".zip" and submissions.is_file()):
        raise AutograderError(f"submissions folder or zip not found: {submissions}")
    ids = [course.require_assignment(a) for a in assignment_ids] if assignment_ids else []
    work = claim_work_folder(work or out / "work")
    out.mkdir(parents=True, exist_ok=True)
    if sandbox:
        remove_stale_cgroups()
        runner = SandboxRunner(limits)
        check_sandbox(runner.sandbox)
        log.info(runner.describe())
    else:
        log.warning("--no-sandbox: student code runs as this user and can read, change or delete anything this user "
                    "can (the solutions, the checks, the gradebook, other students' files); use only for trusted code")
    if submissions.is_file():
        submissions = unpack(submissions, work / "unzipped" / f"{int(time.time() * 1000)}")
    found = [s for s in collect(submissions, ids) if not students or s.student_id in students]
    api = NbGraderAPI(config=course.nbgrader_config(release_to=work / "release", work=work))
    # nbgrader 0.9's gradebook triggers autoflush notices under SQLAlchemy 2; they are harmless
    warnings.filterwarnings("ignore", message=r"Object of type <Submitted", module="nbgrader")
    known = set(course.assignment_ids())
    ledger = Ledger(work)
    for assignment_id in sorted({s.assignment_id for s in found} & known):
        if ledger.assignments.get(assignment_id) != source_fingerprint(assignment_id):
            _prepare(api, assignment_id)
            ledger.prepared(assignment_id, source_fingerprint(assignment_id))
    recorder = _Recorder(api, work, out, ledger)
    pending = []
    for submission in found:
        decided = _job_for(submission, known, limits, sandbox, ledger, regrade)
        if decided is not None and isinstance(decided[0], Job):
            pending.append(decided)
        elif decided is not None:
            recorder.failed(*decided)
    skipped = len(found) - len(pending)
    if skipped:
        log.info("%d submission%s unchanged since the last run (use --regrade to grade again)",
                 skipped, "" if skipped == 1 else "s")
    if pending:
        _grade_jobs(pending, recorder, jobs or os.cpu_count() or 1, scheduler)
    return _write_tables(out, work, ledger)


def _prepare(api: NbGraderAPI, assignment_id: str) -> None:
    """Record the assignment's cells in the gradebook (nbgrader ``generate_assignment``)."""
    prepared = api.generate_assignment(assignment_id, force=True)
    if not prepared["success"]:
        raise AutograderError(f"could not prepare {assignment_id} for grading: {course.nbgrader_message(prepared)}")


def _job_for(submission: Submission, known: set, limits: Limits, sandbox: bool, ledger: Ledger, regrade: bool):
    """``(job, fingerprint)`` for ``submission``; a failed row's fields when it cannot be
    graded; None when it is unchanged since it was last graded."""
    student_id, assignment_id = submission.student_id, submission.assignment_id
    if assignment_id not in known:
        return student_id, assignment_id, f"unknown assignment {assignment_id}", None
    notebook_name = f"{assignment_id}.ipynb"
    path, rename_note = find_notebook(submission.folder, notebook_name)
    if path is None:
        return student_id, assignment_id, f"missing notebook {notebook_name}", None
    try:
        content = path.read_bytes()
    except OSError as exc:
        return student_id, assignment_id, f"could not be read: {exc.strerror}", None
    fingerprint = submission_fingerprint(content, assignment_id)
    if not regrade and ledger.unchanged(student_id, assignment_id, fingerprint):
        return None
    notes = (rename_note,) if rename_note else ()
    return Job(student_id, assignment_id, notebook_name, content, limits, sandbox, notes), fingerprint


class _Recorder:
    """Records finished jobs: the only writer of the gradebook and the ledger."""

    def __init__(self, api: NbGraderAPI, work: Path, out: Path, ledger: Ledger):
        self.api, self.work, self.out, self.ledger = api, work, out, ledger
        self.url = course.gradebook_url(work)
        self.fingerprints: dict = {}
        self.timings: list = []

    def failed(self, student_id: str, assignment_id: str, status: str, fingerprint: str | None) -> None:
        entry = Entry(student_id, assignment_id, fingerprint or "", status, _max_score(self.url, assignment_id))
        self.ledger.record(entry)
        log.info("%s", _line(entry.student_id, entry.assignment_id, f"0/{entry.max_score:g} {status}"))

    def record(self, result: JobResult) -> None:
        key = (result.student_id, result.assignment_id)
        fingerprint = self.fingerprints.get(key)
        if result.autograded is None:
            self.failed(result.student_id, result.assignment_id, result.problem or "could not be graded", fingerprint)
            return
        started = time.monotonic()
        notebook = nbformat.reads(result.autograded, 4)
        self._save_grades(result, notebook)
        saved = time.monotonic()
        problem = publish_feedback(self.api, self.work, self.out, result.student_id, result.assignment_id)
        notes = [n for n in [*result.notes, problem] if n]
        status = "graded" + (f" ({'; '.join(notes)})" if notes else "")
        row = recorded_grade(self.work, result.student_id, result.assignment_id, status)
        self.ledger.record(Entry(result.student_id, result.assignment_id, fingerprint or "", status,
                                 row.max_score, graded=True))
        result.timings.update(gradebook=saved - started, feedback=time.monotonic() - saved)
        self.timings.append(result.timings)
        log.info("%s", _line(row.student_id, row.assignment_id, f"{row.score:g}/{row.max_score:g} {status}"))

    def _save_grades(self, result: JobResult, notebook) -> None:
        """nbgrader's own steps after execution: scores into the gradebook (manual scores
        and comments already there are kept), late penalty, the autograded copy."""
        with Gradebook(self.url) as gradebook:
            gradebook.update_or_create_student(result.student_id)
            gradebook.update_or_create_submission(result.assignment_id, result.student_id)
        notebook_id = Path(result.notebook_name).stem
        resources = {"nbgrader": {"notebook": notebook_id, "assignment": result.assignment_id,
                                  "student": result.student_id, "db_url": self.url}}
        for step in (SaveAutoGrades(), AssignLatePenalties(), CheckCellMetadata()):
            notebook, resources = step.preprocess(notebook, resources)
        for folder, text in (("autograded", nbformat.writes(notebook)),):
            write_atomically(self.work / folder / result.student_id / result.assignment_id / result.notebook_name, text)


def _grade_jobs(pending: list[Job], recorder: _Recorder, jobs: int, address: str | None) -> None:
    scheduler = make_scheduler(jobs, address)
    log.info("grading %d notebook%s, %s", len(pending), "" if len(pending) == 1 else "s", scheduler.describe())
    done = 0
    with _stop_on_signals() as stop:
        futures = {}
        for job, fingerprint in pending:
            recorder.fingerprints[(job.student_id, job.assignment_id)] = fingerprint
            futures[scheduler.submit(job)] = job
        try:
            with _progress(len(futures)) as advance:
                for future, result in scheduler.results(list(futures)):
                    if stop.is_set():
                        break
                    job = futures[future]
                    if isinstance(result, BaseException):
                        log.debug("grading %s/%s failed", job.student_id, job.assignment_id, exc_info=result)
                        result = JobResult(job.student_id, job.assignment_id, job.notebook_name, None,
                                           problem=f"could not be graded: {type(result).__name__}: {result}"[:200])
                    try:
                        recorder.record(result)
                    except Exception as exc:  # a submission that breaks recording still gets its row
                        log.debug("recording %s/%s failed", job.student_id, job.assignment_id, exc_info=True)
                        recorder.failed(job.student_id, job.assignment_id,
                                        f"could not be recorded: {type(exc).__name__}: {exc}"[:200], None)
                    done += 1
                    advance()
        finally:
            if stop.is_set():
                scheduler.stop()
            else:
                scheduler.close()
    if stop.is_set():
        raise Interrupted(f"stopped by {stop.reason}: {done} of {len(pending)} notebooks graded and kept; "
                          "run the same command again to grade the rest")


class _StopFlag(threading.Event):
    reason = "a signal"


@contextmanager
def _stop_on_signals():
    """Ctrl-C and SIGTERM set a flag (checked between notebooks) instead of raising
    wherever the grader happens to be; the previous handlers come back afterwards."""
    stop = _StopFlag()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return

    def handler(signum, frame):
        stop.reason = signal.Signals(signum).name
        stop.set()
        raise _Wakeup()

    previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    except _Wakeup:
        pass
    finally:
        for number, old in previous.items():
            signal.signal(number, old)


class _Wakeup(BaseException):
    """Raised by the signal handler to break out of the wait for the next result."""


def _max_score(url: str, assignment_id: str) -> float:
    with Gradebook(url) as gradebook:
        try:
            return float(gradebook.find_assignment(assignment_id).max_score)
        except MissingEntry:
            return 0.0


def _write_tables(out: Path, work: Path, ledger: Ledger) -> list[SubmissionGrade]:
    """Both tables, for every submission this working folder has a record of."""
    results = []
    for entry in ledger:
        if entry.graded:
            results.append(recorded_grade(work, entry.student_id, entry.assignment_id, entry.status))
        else:
            results.append(SubmissionGrade(entry.student_id, entry.assignment_id, 0.0, entry.max_score, entry.status))
    tables = GradeTables(out)
    for result in results:
        tables.add(result)
    return results


def _line(student_id: str, assignment_id: str, text: str) -> str:
    """A log line with the student's id made safe for a terminal (no control characters)."""
    return "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in f"{student_id}/{assignment_id}: {text}")


@contextmanager
def _progress(total: int):
    """A progress bar on a terminal; nothing extra otherwise (the log has a line each)."""
    if sys.stderr.isatty():
        from tqdm import tqdm

        with tqdm(total=total, desc="grading", unit="notebook") as bar:
            yield lambda: bar.update(1)
    else:
        yield lambda: None
