"""Grade a class: the ``grade`` command.

The steps, one module each: collect the submissions (:mod:`collect`), decide what needs
grading (:mod:`ledger`: new or changed files, or everything with ``regrade``), grade each
notebook as an independent job, N at a time or on a cluster (:mod:`job`, :mod:`schedule`;
the student's code runs once per notebook, in the sandbox), record the results as they
arrive, in this process only (nbgrader's gradebook in batches, :mod:`batch`; then the
autograded notebook, the feedback and the ledger), and write the tables from what the run
holds. A submission that fails any step gets a row saying why; the others go on. Ctrl-C or
SIGTERM stops the run within seconds, keeping everything finished; running again grades the
rest.
"""
from __future__ import annotations

import concurrent.futures.process
import json
import logging
import os
import queue
import shutil
import signal
import sqlite3
import sys
import threading
import time
import warnings
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from nbgrader.apps import NbGraderAPI
from sqlalchemy import event
from sqlalchemy.engine import Engine

from autograder import course
from autograder.errors import AutograderError, Interrupted, NotGraded
from autograder.grading.analysis import prepare_charts, write_analysis
from autograder.grading import environment
from autograder.grading.batch import GradebookBatch, Staged
from autograder.grading.collect import INTAKE_FILE, HandIn, Intake, intake
from autograder.grading.feedback import write_failure_feedback, write_feedback
from autograder.grading.job import Job, JobResult
from autograder.grading.execute import Limits, runner_for
from autograder.grading.ledger import (
    Entry, Ledger, claim_work_folder, hold_work_folder, source_fingerprint, submission_fingerprint,
)
from autograder.grading.lateness import DuePolicy
from autograder.grading.lms import extra_fields, status_notes
from autograder.grading.records import (
    MISSING, GradebookReader, SubmissionGrade, atomic_write, pending_status, printable, write_tables,
)
from autograder.grading.sandbox import check_sandbox, remove_stale_cgroups
from autograder.grading.schedule import make_scheduler
from autograder.recognise import normalise

log = logging.getLogger("autograder")


def grade(submissions: Path, out: Path, *, assignment_ids: list[str] | None = None, work: Path | None = None,
          limits: Limits = Limits(), jobs: int | None = None, scheduler: str | None = None,
          students: list[str] | None = None, regrade: bool = False, sandbox: bool = True, lms: str | None = None,
          roster: Path | None = None, due: DuePolicy | None = None,
          similarity: float | None = None) -> list[SubmissionGrade]:
    """Grade what is new or changed in ``submissions``; write tables and feedback under ``out``.

    ``submissions`` is a folder or an archive in any layout :func:`intake` knows (this
    project's ``<student>/<assignment>/`` folders, Canvas, Moodle, Blackboard, Gradescope;
    ``lms`` forces one). ``roster`` gives every listed student a row; ``due`` sets due
    dates, extensions and the late penalty. ``work`` holds nbgrader's gradebook and copies
    (default ``out/work``) and is kept between runs. ``similarity``, a threshold, also writes the
    similarity report of the class's answers (:mod:`similarity`), linked from ``report.html``.
    """
    if not submissions.exists():
        raise AutograderError(f"submissions not found: {submissions}")
    ids = [course.require_assignment(a) for a in assignment_ids] if assignment_ids else []
    work = claim_work_folder(work or out / "work")
    with hold_work_folder(work):
        return _grade_held(submissions, out, work, ids, limits=limits, jobs=jobs, scheduler=scheduler,
                           students=students, regrade=regrade, sandbox=sandbox, lms=lms, roster=roster, due=due,
                           similarity=similarity)


def _grade_held(submissions: Path, out: Path, work: Path, ids: list[str], *, limits: Limits, jobs: int | None,
                scheduler: str | None, students: list[str] | None, regrade: bool, sandbox: bool, lms: str | None,
                roster: Path | None, due: DuePolicy | None, similarity: float | None) -> list[SubmissionGrade]:
    """:func:`grade`, while this process holds the working folder."""
    out.mkdir(parents=True, exist_ok=True)
    if sandbox:
        remove_stale_cgroups()
        runner = runner_for(limits)
        check_sandbox(runner.sandbox)
        log.info(runner.describe())
    else:
        log.warning("--no-sandbox: student code runs as this user and can read, change or delete anything this user "
                    "can (the solutions, the checks, the gradebook, other students' files); use only for trusted code")
    scratch = work / "intake" / f"{os.getpid()}-{int(time.time() * 1000)}"  # this run's extraction, removed after
    ledger = Ledger(work)
    ledger.compact()
    recorder = _Recorder(work, out, ledger, due)
    try:
        found = intake(submissions, scratch, assignment_ids=ids, lms=lms, roster=roster)
        found.save(out / INTAKE_FILE)
        for line in found.notes:
            log.info("%s", printable(line))
        _grade_found(found, out, work, ledger, recorder, limits=limits, jobs=jobs, scheduler=scheduler,
                     students=students, regrade=regrade, sandbox=sandbox)
    finally:  # also after an interrupt: the tables then show everything finished so far
        shutil.rmtree(scratch, ignore_errors=True)
        try:
            recorder.close()
            results = _write_tables(out, work, ledger, recorder.rows)
            if similarity is not None:
                from autograder.grading.similarity import similarity as write_similarity  # copydetect: 0.8 s to import

                write_similarity(out, threshold=similarity, work=work)
            write_analysis(out, results, work=work, parts=recorder.parts)
        finally:
            ledger.compact()
    return results


def _grade_found(found: Intake, out: Path, work: Path, ledger: Ledger, recorder: "_Recorder", *, limits: Limits,
                 jobs: int | None, scheduler: str | None, students: list[str] | None, regrade: bool,
                 sandbox: bool) -> None:
    """Grade what intake found and record a row for everything else it reported."""
    wanted = (lambda student_id: student_id in students) if students else (lambda student_id: True)
    hand_ins = [h for h in found.submissions if wanted(h.student_id)]
    known = set(course.assignment_ids())
    api = NbGraderAPI(config=course.nbgrader_config(release_to=work / "release", work=work))
    # nbgrader 0.9's gradebook triggers autoflush notices under SQLAlchemy 2; they are harmless
    warnings.filterwarnings("ignore", message=r"Object of type <Submitted", module="nbgrader")
    named = {h.assignment_id for h in hand_ins} | {m.assignment_id for m in found.missing}
    pending, refused, skipped = [], [], 0
    releases = {a: course.released_notebook(a).read_bytes() for a in sorted(named & known)}
    for hand_in in hand_ins:
        decided = _job_for(hand_in, releases, limits, sandbox, ledger, regrade, recorder.due)
        if decided is None:
            skipped += 1
        elif isinstance(decided[0], Job):
            pending.append(decided)
        else:
            refused.append(decided)
    # The pools start (and warm up: imports, zygotes) while nbgrader prepares the assignments.
    pools = make_scheduler(jobs or os.cpu_count() or 1, scheduler, grader=environment.fingerprint(),
                           assignment_ids=sorted(releases), limits=limits, sandboxed=sandbox) if pending else None
    try:
        starting = _InBackground(pools.start) if pools else None
        for assignment_id in sorted(named & known):
            if ledger.assignments.get(assignment_id) != source_fingerprint(assignment_id):
                _prepare(api, assignment_id)
                ledger.prepared(assignment_id, source_fingerprint(assignment_id))
        for problem in found.problems:
            if problem.student_id and wanted(problem.student_id):
                recorder.failed(problem.student_id, problem.assignment_id, printable(problem.reason, 200), None)
            elif not problem.student_id:
                log.warning("skipped: %s", printable(problem.reason))
        for absent in found.missing:
            if wanted(absent.student_id) and Ledger.key(absent.student_id, absent.assignment_id) not in ledger.entries:
                recorder.failed(absent.student_id, absent.assignment_id, MISSING, None, {"name": absent.name})
        for row in refused:
            recorder.failed(*row)
        if skipped:
            log.info("%d submission%s unchanged since the last run (use --regrade to grade again)",
                     skipped, "" if skipped == 1 else "s")
        if starting:
            starting.join()
            _InBackground(prepare_charts)  # for report.html's charts, drawn at the end
    except BaseException:
        if pools:
            pools.stop()
        raise
    if pending:
        try:
            _grade_jobs(pending, recorder, pools)
        finally:
            _write_timings(work, recorder.timings)


class _InBackground(threading.Thread):
    """``function()`` in a thread of its own, started at once; :meth:`join` raises what it raised."""

    def __init__(self, function):
        super().__init__(daemon=True)
        self.function, self.error = function, None
        self.start()

    def run(self) -> None:
        try:
            self.function()
        except BaseException as exc:  # noqa: BLE001 - raised again in the caller's thread
            self.error = exc

    def join(self, timeout=None) -> None:
        super().join(timeout)
        if self.error is not None:
            raise self.error


def _durable_commits(dbapi_connection, connection_record) -> None:
    """SQLite settings for the gradebook: a write-ahead log (readers, such as the feedback
    process, never wait for the writer), synced at every commit. The recorder commits once per
    batch of notebooks, so that is one sync per batch; and since the ledger calls a notebook
    graded only after its commit, even a power cut cannot leave the ledger calling graded a
    notebook whose grades the gradebook lost."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()


event.listen(Engine, "connect", _durable_commits)


def _prepare(api: NbGraderAPI, assignment_id: str) -> None:
    """Record the assignment's cells in the gradebook (nbgrader ``generate_assignment``)."""
    prepared = api.generate_assignment(assignment_id, force=True)
    if not prepared["success"]:
        raise AutograderError(f"could not prepare {assignment_id} for grading: {course.nbgrader_message(prepared)}")


def _extra(hand_in: HandIn, due: DuePolicy | None) -> dict:
    """The row's added columns for ``hand_in``, as plain data for the ledger."""
    fields = extra_fields(hand_in, due)
    when = fields["submitted_at"]
    extra = {"submitted_at": when.isoformat() if when else None, "late": fields["late"], "name": fields["name"]}
    if hand_in.get("original_id"):
        extra["original_id"] = hand_in.get("original_id")
    return extra


def _fingerprint(hand_in: HandIn, content: bytes) -> str:
    """The file, the checks it is graded with, and when it was handed in."""
    when = hand_in.submitted_at.isoformat() if hand_in.submitted_at else ""
    return submission_fingerprint(content + when.encode(), hand_in.assignment_id)


def _job_for(hand_in: HandIn, releases: dict, limits: Limits, sandbox: bool, ledger: Ledger, regrade: bool,
             due: DuePolicy | None):
    """``(job, fingerprint)`` for ``hand_in``; a failed row's fields when it cannot be
    graded; None when it is unchanged since it was last graded."""
    student_id, assignment_id = hand_in.student_id, hand_in.assignment_id
    extra = _extra(hand_in, due)
    if assignment_id not in releases:
        return student_id, assignment_id, f"unknown assignment {assignment_id}", None, extra
    notebook_name = f"{assignment_id}.ipynb"
    if hand_in.notebook is None:
        status = f"missing notebook {notebook_name}"
        why = [note for note in status_notes(hand_in) if note != status]
        return student_id, assignment_id, status + (f" ({'; '.join(why)})" if why else ""), None, extra
    content = hand_in.content  # read once by intake, from the descriptor it checked; never the path again
    if content is None:
        why = hand_in.unread or "intake did not read it"
        return student_id, assignment_id, f"could not be read: {why}", None, extra
    fingerprint = _fingerprint(hand_in, content)
    if not regrade and ledger.unchanged(student_id, assignment_id, fingerprint):
        return None
    notes = tuple(status_notes(hand_in))
    job = Job(student_id, assignment_id, notebook_name, normalise(content) or content, limits, sandbox, notes,
              released=releases[assignment_id], grader=environment.fingerprint())
    return job, fingerprint, hand_in.submitted_at, extra


#: A batch of the gradebook is committed when it holds this many notebooks, or this many
#: seconds after its first, whichever comes first (and at the end of the run, and on an
#: interrupt): a kill loses at most that much grading, which the next run does again.
BATCH_NOTEBOOKS = 16
BATCH_SECONDS = 2.0


class _Recorder:
    """Records finished jobs: the only writer of the gradebook and the ledger.

    A graded notebook is recorded in three steps: its scores go into the gradebook with the
    next batch (:class:`~autograder.grading.batch.GradebookBatch`), its feedback page is then
    rendered elsewhere (a pool process reads the gradebook), and only then does the ledger
    call it graded. The rows and the item analysis of what this run graded are kept here,
    so the end of the run reads nothing back.
    """

    def __init__(self, work: Path, out: Path, ledger: Ledger, due: DuePolicy | None = None):
        self.work, self.out, self.ledger, self.due = work, out, ledger, due
        self.batch = GradebookBatch(course.gradebook_url(work), due, notebooks=BATCH_NOTEBOOKS,
                                    seconds=BATCH_SECONDS)
        self.fingerprints: dict = {}
        self.submitted: dict = {}
        self.extras: dict = {}
        self.timings: list = []
        self.written: dict = {}  # (student, assignment) -> the row committed, until its feedback is in
        self.rows: dict = {}  # (student, assignment) -> the row of each notebook graded by this run
        self.parts: dict = {}  # (student, assignment) -> its hidden tests' properties

    def failed(self, student_id: str, assignment_id: str, status: str, fingerprint: str | None,
               extra: dict | None = None) -> None:
        """A submission that could not be graded (or was not handed in): its row, and a
        feedback page saying why."""
        extra = extra or self.extras.get((student_id, assignment_id), {})
        entry = Entry(student_id, assignment_id, fingerprint or "", status, self.batch.max_score(assignment_id),
                      extra=extra)
        if status != MISSING:
            write_failure_feedback(self.out, student_id, assignment_id, f"{assignment_id}.ipynb", status)
        self.ledger.record(entry)
        log.info("%s", _line(entry.student_id, entry.assignment_id, f"0/{entry.max_score:g} {status}"))

    def not_graded(self, result: JobResult) -> None:
        """The grader could not grade this notebook (its own fault, after its retries): a row
        saying so, nothing recorded as a grade, and the next run grades it. A grade an
        earlier run recorded for the same submission is kept as it was."""
        key = (result.student_id, result.assignment_id)
        status = f"not graded: {printable(result.fault, 160)} (the grader's fault; run the same command again)"
        earlier = self.ledger.entries.get(Ledger.key(*key))
        if earlier is not None and earlier.graded:
            entry = Entry(*key, "", f"{earlier.status}; this run: {status}", earlier.max_score, graded=True,
                          extra=earlier.extra)
        else:
            entry = Entry(*key, "", status, self.batch.max_score(result.assignment_id), extra=self.extras.get(key, {}))
        self.ledger.record(entry)
        log.warning("%s", _line(result.student_id, result.assignment_id, status))

    def save_grades(self, result: JobResult) -> None:
        """Hand a notebook's grades to the next batch of the gradebook (checked now, written
        at the commit)."""
        self.batch.add(result, self.submitted.get((result.student_id, result.assignment_id)))

    def commit(self) -> tuple[list[JobResult], int]:
        """Commit the batch and write the autograded copies of its notebooks: the results whose
        feedback may now be rendered, and how many could not be recorded (each gets its row)."""
        if not len(self.batch):
            return [], 0
        started = time.monotonic()
        written, failed = self.batch.commit()
        for result, exc in failed:
            _record_failure(self, result, exc)
        share = (time.monotonic() - started) / max(1, len(written) + len(failed))
        for staged in written:
            self._keep(staged, share)
        return [staged.result for staged in written], len(failed)

    def _keep(self, staged: Staged, seconds: float) -> None:
        """A committed notebook: its autograded copy (the job's text as is: recording changes
        nothing in it), its row and parts until the end of the run."""
        result = staged.result
        key = (result.student_id, result.assignment_id)
        path = self.work / "autograded" / result.student_id / result.assignment_id / result.notebook_name
        atomic_write(path, result.autograded)
        self.written[key] = staged.grade
        self.parts[key] = staged.parts
        result.timings["gradebook"] = seconds

    def graded(self, result: JobResult, feedback_problem: str | None, feedback_seconds: float) -> None:
        """The notebook's grades and feedback are both written: the ledger says so."""
        notes = [n for n in [*result.notes, feedback_problem] if n]
        status = "graded" + (f" ({'; '.join(notes)})" if notes else "")
        key = (result.student_id, result.assignment_id)
        row = self.written.pop(key)
        row = replace(row, status=pending_status(status, row.cells))
        self.ledger.record(Entry(result.student_id, result.assignment_id, self.fingerprints.get(key, ""),
                                 row.status, row.max_score, graded=True, extra=self.extras.get(key, {})))
        self.rows[key] = row
        result.timings["feedback"] = feedback_seconds
        self.timings.append({"student_id": result.student_id, "assignment_id": result.assignment_id,
                             **result.timings})
        log.info("%s", _line(row.student_id, row.assignment_id, f"{row.score:g}/{row.max_score:g} {row.status}"))

    def close(self) -> None:
        """Commit what is left (the end of the run, an interrupt) and close the gradebook.
        Nothing of it is rendered or called graded: the next run grades it again."""
        try:
            self.commit()
        finally:
            self.batch.close()


def timed_feedback(work: Path, out: Path, student_id: str, assignment_id: str) -> tuple[str | None, float]:
    """:func:`write_feedback` and how long it took (run in a pool process)."""
    started = time.monotonic()
    problem = write_feedback(work, out, student_id, assignment_id)
    return problem, time.monotonic() - started


#: How often a notebook is tried when the grader fails on it (a worker lost, a broken pool).
ATTEMPTS = 3


def _grade_jobs(pending: list, recorder: _Recorder, scheduler) -> None:
    """Run the jobs; record the results in batches as they arrive; stop cleanly on a signal.

    A job the grader failed on is sent again, up to :data:`ATTEMPTS` times in all (a lost
    worker's jobs go to the others; a broken local pool is replaced); after that its row says
    "not graded" and the run ends with :class:`NotGraded`. The gradebook's batch is committed
    when it is full, when its time is up and when no job is left running; its notebooks'
    feedback is rendered after the commit, and a notebook counts as graded in the ledger as
    soon as its feedback is written too.
    """
    log.info("grading %d notebook%s, %s", len(pending), "" if len(pending) == 1 else "s", scheduler.describe())
    with _stop_on_signals() as stop, _progress(len(pending)) as advance:
        flight = _Flight(scheduler, recorder, advance)
        try:
            for job, fingerprint, submitted_at, extra in pending:
                key = (job.student_id, job.assignment_id)
                recorder.fingerprints[key], recorder.submitted[key], recorder.extras[key] = fingerprint, submitted_at, extra
                flight.send(job)
            while flight.unfinished and not stop.is_set():
                arrival = stop.wait_for(flight.arrivals, recorder.batch.seconds_left())
                if stop.is_set():
                    break
                flight.take(arrival)
        finally:
            if stop.is_set():
                scheduler.stop()
            else:
                scheduler.close()
    if stop.is_set():
        raise Interrupted(f"stopped by {stop.reason}: {flight.done} of {len(pending)} notebooks graded and kept; "
                          "run the same command again to grade the rest")
    if flight.faults:
        raise NotGraded(f"{len(flight.faults)} notebook{'s' if len(flight.faults) != 1 else ''} not graded because "
                        f"of the grader ({printable(flight.faults[0], 160)}); nothing of them was recorded: "
                        "run the same command again")


class _Flight:
    """The notebooks of one run between their job and their ledger entry: jobs sent and tried
    again, results batched into the gradebook, feedback rendered after each commit. Futures
    report to :attr:`arrivals` from any thread; :meth:`take` handles each in this one."""

    def __init__(self, scheduler, recorder: _Recorder, advance):
        self.scheduler, self.recorder, self.advance = scheduler, recorder, advance
        self.arrivals: queue.Queue = queue.Queue()  # ("job" | "feedback", future, item)
        self.attempts: dict = {}
        self.faults: list[str] = []
        self.unfinished = self.running = 0  # notebooks without their ledger entry; jobs not finished
        self.done = 0

    def send(self, job: Job, again: bool = False) -> None:
        key = (job.student_id, job.assignment_id)
        self.attempts[key] = self.attempts.get(key, 0) + 1
        if not again:
            self.unfinished += 1
            self.running += 1
        future = self.scheduler.submit(job)
        future.add_done_callback(lambda f, job=job: self.arrivals.put(("job", f, job)))

    def render(self, result: JobResult) -> None:
        feedback = self.scheduler.submit_feedback(timed_feedback, self.recorder.work, self.recorder.out,
                                                  result.student_id, result.assignment_id)
        feedback.add_done_callback(lambda f, r=result: self.arrivals.put(("feedback", f, r)))

    def take(self, arrival) -> None:
        """One arrival (None: the batch's time is up)."""
        if arrival is None:
            self.commit()
        elif arrival[0] == "job":
            self.job_done(*arrival[1:])
        else:
            self.feedback_done(*arrival[1:])

    def commit(self) -> None:
        """Commit the batch and render its feedback; those it could not record are finished."""
        written, lost = self.recorder.commit()
        for result in written:
            self.render(result)
        self.finished(lost)

    def job_done(self, future, job: Job) -> None:
        result = _job_result(future, job)
        if result.fault and self.attempts[job.student_id, job.assignment_id] < ATTEMPTS:
            log.info("%s", _line(job.student_id, job.assignment_id, f"trying again: {printable(result.fault, 160)}"))
            self.send(job, again=True)
            return
        self.running -= 1
        staged = False
        if result.fault:
            self.recorder.not_graded(result)
            self.faults.append(result.fault)
        else:
            staged = _save(self.recorder, result)
        if self.recorder.batch.due() or not self.running:
            self.commit()
        if not staged:
            self.finished()

    def feedback_done(self, future, result: JobResult) -> None:
        problem, seconds = _feedback_result(future)
        again = ("feedback", result.student_id, result.assignment_id)
        if problem and problem.startswith(FEEDBACK_LOST) and self.attempts.get(again, 1) < ATTEMPTS:
            self.attempts[again] = self.attempts.get(again, 1) + 1
            self.render(result)
            return
        try:
            self.recorder.graded(result, problem, seconds)
        except Exception as exc:  # noqa: BLE001 - its row says why, the rest go on
            _record_failure(self.recorder, result, exc)
        self.finished()

    def finished(self, count: int = 1) -> None:
        """``count`` notebooks have their ledger entry (a grade or a row saying why)."""
        self.unfinished -= count
        self.done += count
        for _ in range(count):
            self.advance()


def _job_result(future, job: Job) -> JobResult:
    """A job's result; a job whose process or worker was lost becomes a fault of the grader's."""
    try:
        return future.result()
    except Exception as exc:  # noqa: BLE001 - the grader's doing (a lost worker, a broken pool): retried
        log.debug("grading %s/%s failed", job.student_id, job.assignment_id, exc_info=True)
        return JobResult(job.student_id, job.assignment_id, job.notebook_name, None,
                         fault=f"{type(exc).__name__}: {exc}"[:200])


#: How a feedback page that was lost with its process begins (it is rendered again).
FEEDBACK_LOST = "no feedback (process lost)"


def _feedback_result(future) -> tuple[str | None, float]:
    try:
        return future.result()
    except concurrent.futures.process.BrokenProcessPool as exc:
        return f"{FEEDBACK_LOST}: {exc}"[:200], 0.0
    except Exception as exc:  # noqa: BLE001 - no feedback is a note on the row, not a lost grade
        return f"no feedback: {type(exc).__name__}: {exc}"[:200], 0.0


def _save(recorder: _Recorder, result: JobResult) -> bool:
    """Hand a result's grades to the gradebook's batch; False when it has none, or they
    cannot be recorded (its row is written instead)."""
    if result.autograded is None:
        fingerprint = recorder.fingerprints.get((result.student_id, result.assignment_id))
        recorder.failed(result.student_id, result.assignment_id, result.problem or "could not be graded", fingerprint)
        return False
    try:
        recorder.save_grades(result)
        return True
    except Exception as exc:  # noqa: BLE001 - a submission that breaks recording still gets its row
        _record_failure(recorder, result, exc)
        return False


def _record_failure(recorder: _Recorder, result: JobResult, exc: Exception) -> None:
    """A notebook whose recording failed: a row saying why (no fingerprint: graded again next run)."""
    log.debug("recording %s/%s failed", result.student_id, result.assignment_id, exc_info=exc)
    recorder.failed(result.student_id, result.assignment_id,
                    f"could not be recorded: {type(exc).__name__}: {exc}"[:200], None)


class _StopFlag(threading.Event):
    """Set by Ctrl-C or SIGTERM. The signal wakes the recorder only while it waits for the
    next result (:meth:`wait_for`), never in the middle of recording one."""

    reason = "a signal"
    waiting = False

    def wait_for(self, arrivals: queue.Queue, timeout: float | None):
        """The next arrival, or None after ``timeout`` seconds (None: no limit)."""
        self.waiting = True
        try:
            if self.is_set():
                raise _Wakeup()
            return arrivals.get(timeout=timeout)
        except queue.Empty:
            return None
        finally:
            self.waiting = False


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
        if stop.waiting:
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


def _write_tables(out: Path, work: Path, ledger: Ledger, rows: dict) -> list[SubmissionGrade]:
    """Both tables, for every submission this working folder has a record of: the rows this
    run graded from ``rows`` (by student and assignment), those of earlier runs from the
    gradebook (manual scores given since included), through one session."""
    results = []
    reader = None
    try:
        for entry in ledger:
            extra = dict(entry.extra)
            if extra.get("submitted_at"):
                extra["submitted_at"] = datetime.fromisoformat(extra["submitted_at"])
            key = (entry.student_id, entry.assignment_id)
            if entry.graded and key in rows and rows[key].status == entry.status:
                results.append(replace(rows[key], **extra))
            elif entry.graded:
                reader = reader or GradebookReader(work)
                results.append(reader.grade(entry.student_id, entry.assignment_id, entry.status, **extra))
            else:
                results.append(SubmissionGrade(entry.student_id, entry.assignment_id, 0.0, entry.max_score,
                                               entry.status, **extra))
    finally:
        if reader is not None:
            reader.close()
    write_tables(out, results)
    return results


#: The phases of one notebook, from the timings a job and the recorder note (seconds since
#: the sandbox was started, except the last three, which are durations).
PHASES = {
    "sandbox and interpreter start": lambda t: t.get("first_event", 0.0),
    "student code": lambda t: t.get("cells_done", 0.0) - t.get("first_event", 0.0),
    "calls of the student's functions": lambda t: t.get("calls_done", 0.0) - t.get("cells_done", 0.0),
    "sanitize and judge": lambda t: t.get("job", 0.0) - t.get("total", 0.0),
    "gradebook": lambda t: t.get("gradebook", 0.0),
    "feedback": lambda t: t.get("feedback", 0.0),
}


def _write_timings(work: Path, timings: list[dict]) -> None:
    """Where the time went, per notebook and phase: ``work/timings.json`` and one log line."""
    if not timings:
        return
    phases = {name: [phase(t) for t in timings] for name, phase in PHASES.items()}
    means = {name: sum(values) / len(values) for name, values in phases.items()}
    atomic_write(work / "timings.json", json.dumps({"notebooks": timings, "mean_seconds": means}, indent=1))
    log.info("mean seconds per notebook: %s", ", ".join(f"{name} {value:.2f}" for name, value in means.items()))


def _line(student_id: str, assignment_id: str, text: str) -> str:
    """A log line with the student's id made safe for a terminal (no control characters)."""
    return printable(f"{student_id}/{assignment_id}: {text}")


@contextmanager
def _progress(total: int):
    """A progress bar on a terminal; nothing extra otherwise (the log has a line each)."""
    if sys.stderr.isatty():
        from tqdm import tqdm

        with tqdm(total=total, desc="grading", unit="notebook") as bar:
            yield lambda: bar.update(1)
    else:
        yield lambda: None
