"""nbgrader's gradebook, written in batches: one session for the run, one commit for many notebooks.

After a notebook has run, nbgrader's own steps record it: ``SaveAutoGrades`` (each grade
cell's automatic score and whether it needs a hand, each answer cell's "No response."),
``AssignLatePenalties`` (the notebook's late penalty) and ``CheckCellMetadata`` (nbgrader's
metadata validator). Run as they are, each opens a gradebook of its own and commits once per
cell; in the one process that records a class, that alone capped a run near 8 notebooks a
second whatever ``--jobs`` was. :class:`GradebookBatch` does the same writes, to the same
nbgrader models and by nbgrader's own rules (``determine_grade``, ``compute_checksum``, the
late-penalty plugin, the metadata validator), through one session kept for the run, and
commits several notebooks at once. Between commits it holds the notebooks in memory only, so
the gradebook is never locked while the run waits, and a kill loses the notebooks not yet
committed and nothing else (the ledger calls a notebook graded only after its commit).
"""
from __future__ import annotations

import datetime
import json
import logging
import time
from dataclasses import dataclass, field

import nbformat
from nbgrader import utils
from nbgrader.api import Comment, Grade, Gradebook, MissingEntry, Student, SubmittedAssignment, SubmittedNotebook
from nbgrader.nbgraderformat import MetadataValidator, ValidationError
from nbgrader.preprocessors import AssignLatePenalties
from traitlets.config import Config

from autograder.grading.analysis import PartRow, notebook_parts
from autograder.grading.job import JobResult
from autograder.grading.lateness import DuePolicy, timestamp_text
from autograder.grading.records import SubmissionGrade, graded_cell_order, submitted_grade

log = logging.getLogger("autograder")


@dataclass
class Staged:
    """A notebook waiting for the next commit, then what was written for it."""

    result: JobResult
    notebook: nbformat.NotebookNode
    submitted_at: datetime.datetime | None
    parts: list[PartRow] = field(default_factory=list)
    grade: SubmissionGrade | None = None  # the row as written (status "graded"), once committed


class _RememberingValidator(MetadataValidator):
    """nbgrader's metadata validator (what ``CheckCellMetadata`` runs), which remembers the
    cells it found valid. A cell's validity depends only on its type and its nbgrader metadata,
    and a class's notebooks carry the release's, so each kind of cell is checked once per run
    instead of once per notebook (JSON-schema validation was a third of recording's time)."""

    def __init__(self) -> None:
        super().__init__()
        self._valid: set[tuple[str, str]] = set()

    def validate_cell(self, cell) -> None:
        key = (cell.cell_type, json.dumps(cell.metadata.get("nbgrader"), sort_keys=True, default=str))
        if key not in self._valid:
            super().validate_cell(cell)
            self._valid.add(key)


class GradebookBatch:
    """The gradebook of one run, written ``notebooks`` at a time or ``seconds`` after the first
    notebook of a batch, whichever comes first (the caller asks :meth:`due` and calls
    :meth:`commit`, also at the end of the run and on an interrupt)."""

    def __init__(self, url: str, due: DuePolicy | None = None, *, notebooks: int = 16, seconds: float = 2.0):
        self.url, self.due_policy = url, due
        self.notebooks, self.seconds = notebooks, seconds
        self._pending: list[Staged] = []
        self._opened = 0.0
        self._gradebook: Gradebook | None = None
        self._validator = _RememberingValidator()
        config = Config()
        if due is not None:
            due.configure(config)
        self._late = AssignLatePenalties(config=config)
        self._late.init_plugin()
        self._orders: dict[str, dict[str, int]] = {}
        self._max_scores: dict[str, float] = {}

    # --- the batch --------------------------------------------------------------------------

    def add(self, result: JobResult, submitted_at: datetime.datetime | None = None) -> None:
        """Hold ``result`` for the next commit, once its nbgrader metadata is valid
        (``CheckCellMetadata``'s check and message); nothing is written yet."""
        notebook = nbformat.reads(result.autograded, 4)
        try:
            self._validator.validate_nb(notebook)
        except ValidationError:
            log.debug("nbgrader metadata of %s/%s is not valid", result.student_id, result.assignment_id,
                      exc_info=True)
            raise ValidationError("Notebook failed to validate; the nbgrader metadata may be corrupted.") from None
        if not self._pending:
            self._opened = time.monotonic()
        parts = notebook_parts(notebook, result.student_id, result.assignment_id)
        self._pending.append(Staged(result, notebook, submitted_at, parts))

    def __len__(self) -> int:
        return len(self._pending)

    def due(self) -> bool:
        """Whether the batch is full or its time is up."""
        return bool(self._pending) and (len(self._pending) >= self.notebooks or self.seconds_left() == 0)

    def seconds_left(self) -> float | None:
        """How long the batch may still wait; None when it is empty."""
        if not self._pending:
            return None
        return max(0.0, self.seconds - (time.monotonic() - self._opened))

    def commit(self) -> tuple[list[Staged], list[tuple[JobResult, Exception]]]:
        """Write every held notebook in one session and commit them at once: ``(written,
        failed)``. A notebook whose writing fails is left out (the rest are written again
        without it, since the failure rolled the session back); if the commit itself fails,
        none is kept."""
        pending, self._pending = self._pending, []
        failed: list[tuple[JobResult, Exception]] = []
        session = self.gradebook.db
        while pending:
            current = None
            try:
                for current in pending:
                    current.grade = self._write(current)
                current = None
                session.commit()
                return pending, failed
            except Exception as exc:  # noqa: BLE001 - the caller gives each a row saying why
                session.rollback()
                if current is None:
                    return [], failed + [(staged.result, exc) for staged in pending]
                failed.append((current.result, exc))
                pending = [staged for staged in pending if staged is not current]
        return [], failed

    # --- reading --------------------------------------------------------------------------

    @property
    def gradebook(self) -> Gradebook:
        """The run's one gradebook (opened when first needed: it makes the database)."""
        if self._gradebook is None:
            self._gradebook = Gradebook(self.url)
            _index_lookups(self._gradebook.engine)
        return self._gradebook

    def max_score(self, assignment_id: str) -> float:
        """The assignment's points (0 when the gradebook does not know it), read once per run."""
        if assignment_id not in self._max_scores:
            try:
                self._max_scores[assignment_id] = float(self.gradebook.find_assignment(assignment_id).max_score)
            except MissingEntry:
                self._max_scores[assignment_id] = 0.0
            finally:
                self.gradebook.db.rollback()  # ends the read; nothing is ever pending between commits
        return self._max_scores[assignment_id]

    def close(self) -> None:
        if self._gradebook is not None:
            self._gradebook.close()
            self._gradebook = None

    # --- one notebook, in the open session --------------------------------------------------

    def _write(self, staged: Staged) -> SubmissionGrade:
        """What nbgrader's three steps write for one notebook, flushed but not committed; the
        notebook's row read back from the same session."""
        result = staged.result
        submission = self._submission(result.assignment_id, result.student_id)
        if self.due_policy is not None:
            self._record_due(submission, result.student_id, staged.submitted_at)
        notebook_id = result.notebook_name.rsplit(".", 1)[0]
        submitted = self.gradebook.find_submission_notebook(notebook_id, result.assignment_id, result.student_id)
        self._save_autogrades(staged.notebook, submitted)
        self._assign_late_penalty(submission, submitted, result.student_id)
        order = self._orders.get(result.assignment_id)
        if order is None:
            order = self._orders[result.assignment_id] = graded_cell_order(result.assignment_id)
        return submitted_grade(self.gradebook.db, submitted, result.student_id, result.assignment_id, "graded", order)

    def _submission(self, assignment_id: str, student_id: str) -> SubmittedAssignment:
        """The student's submission, made if new: nbgrader's ``update_or_create_student`` and
        ``add_submission`` (the submission mirrors the assignment: a notebook for each of its
        notebooks, a grade for each grade and task cell, a comment for each solution and task
        cell), without their commits."""
        session = self.gradebook.db
        try:
            return self.gradebook.find_submission(assignment_id, student_id)
        except MissingEntry:
            pass
        student = session.get(Student, student_id)
        assignment = self.gradebook.find_assignment(assignment_id)
        with session.no_autoflush:  # nothing half-built is flushed
            if student is None:
                student = Student(id=student_id)
                session.add(student)
            submission = SubmittedAssignment(assignment=assignment, student=student)
            for notebook in assignment.notebooks:
                submitted = SubmittedNotebook(notebook=notebook, assignment=submission)
                for cell in notebook.grade_cells:
                    Grade(cell_id=cell.id, notebook=submitted)
                for cell in notebook.solution_cells:
                    Comment(cell_id=cell.id, notebook=submitted)
                for cell in notebook.task_cells:
                    Comment(cell_id=cell.id, notebook=submitted)
                    Grade(cell_id=cell.id, notebook=submitted)
            session.add(submission)
        session.flush()
        return submission

    def _record_due(self, submission: SubmittedAssignment, student_id: str,
                    submitted_at: datetime.datetime | None) -> None:
        """The due date, the student's extension and the submission time, as
        :func:`~autograder.grading.lateness.record_due_date` and nbgrader's
        ``update_or_create_submission(timestamp=...)`` record them."""
        policy = self.due_policy
        if policy.due is not None:
            submission.assignment.duedate = utils.parse_utc(policy.due)
            extension = policy.extension_for(student_id)
            submission.extension = (datetime.timedelta(minutes=extension.total_seconds() / 60) if extension
                                    else None)
        stamp = timestamp_text(policy, student_id, submitted_at)
        if stamp:
            submission.timestamp = utils.parse_utc(stamp)

    def _save_autogrades(self, notebook, submitted: SubmittedNotebook) -> None:
        """nbgrader's ``SaveAutoGrades``, cell by cell: the automatic score (a manual score
        already given is kept, and then the cell needs review), and "No response." for an
        answer cell left as released."""
        grades = {grade.name: grade for grade in submitted.grades}
        comments = {comment.name: comment for comment in submitted.comments}
        for cell in notebook.cells:
            if utils.is_grade(cell):
                grade = _named(grades, cell, "grade")
                grade.auto_score, _ = utils.determine_grade(cell, log)
                grade.needs_manual_grade = grade.manual_score is not None or grade.auto_score is None
            if utils.is_solution(cell) or utils.is_task(cell):
                comment = _named(comments, cell, "comment")
                unchanged = cell.metadata.nbgrader.get("checksum", None) == utils.compute_checksum(cell)
                comment.auto_comment = "No response." if unchanged and not utils.is_task(cell) else None

    def _assign_late_penalty(self, submission: SubmittedAssignment, submitted: SubmittedNotebook,
                             student_id: str) -> None:
        """nbgrader's ``AssignLatePenalties``: none unless the submission is late, then the
        plugin's penalty on the notebook's score, clamped to ``[0, score]``."""
        session = self.gradebook.db
        session.flush()
        session.refresh(submitted, ["score"])  # the sum of the scores just written
        submitted.late_submission_penalty = None
        if submission.total_seconds_late > 0:
            penalty = self._late.plugin_inst.late_submission_penalty(student_id, submitted.score,
                                                                      submission.total_seconds_late)
            if penalty is not None:
                submitted.late_submission_penalty = self._late._check_late_penalty(submitted, penalty)
        session.flush()


#: Indexes nbgrader's schema lacks: its unique constraints lead with the cell, so finding a
#: notebook's grades or comments (and summing its score) scanned the whole table, a cost per
#: notebook that grew with the class. Extra indexes change nothing nbgrader reads or writes.
LOOKUP_INDEXES = {"autograder_grade_notebook": "grade (notebook_id)",
                  "autograder_comment_notebook": "comment (notebook_id)"}


def _index_lookups(engine) -> None:
    """Make :data:`LOOKUP_INDEXES` if missing (once per gradebook: later runs find them)."""
    with engine.begin() as connection:
        for name, columns in LOOKUP_INDEXES.items():
            connection.exec_driver_sql(f"CREATE INDEX IF NOT EXISTS {name} ON {columns}")


def _named(rows: dict, cell, kind: str):
    """The gradebook's grade or comment for ``cell`` (nbgrader's ``find_grade`` and
    ``find_comment`` by the cell's name), or nbgrader's ``MissingEntry``."""
    name = cell.metadata["nbgrader"]["grade_id"]
    if name not in rows:
        raise MissingEntry(f"No such {kind}: {name}")
    return rows[name]
