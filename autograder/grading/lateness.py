"""Due dates, extensions and late penalties, the way nbgrader applies them.

nbgrader records a submission's ``timestamp`` and the assignment's ``duedate`` (plus a
student's ``extension``) in the gradebook; its ``AssignLatePenalties`` preprocessor asks a
``LateSubmissionPlugin`` for the penalty of a late notebook and clamps it to ``[0, score]``.
:class:`LatePenalty` is such a plugin, with nbgrader's methods (``none``, ``zero``) and two
common course policies:

- ``per_hour``: ``points_per_hour`` points for each started hour late (the example plugin in
  nbgrader's documentation, "SubMarks", takes 1 point per hour);
- ``percent_per_day``: ``percent_per_day`` percent of the score for each started day late.

Both stop at ``max_percent`` percent of the score. :class:`DuePolicy` reads ``--due``,
``--extensions`` and the penalty settings, says whether a submission is late and what penalty
nbgrader will apply (:meth:`DuePolicy.penalty`), and configures nbgrader to apply the same
(:meth:`DuePolicy.configure`).
"""
from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from nbgrader.plugins import LateSubmissionPlugin
from traitlets import Enum, Float

from autograder.errors import AutograderError
from autograder.grading.ids import id_problem
from autograder.grading.records import printable

METHODS = ("none", "zero", "per_hour", "percent_per_day")


def parse_when(text: str, *, what: str = "date") -> datetime:
    """An ISO 8601 date and time with its zone (``2026-03-01T23:59:00+01:00``, ``...Z``)."""
    try:
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise AutograderError(f"{what} {printable(text)!r} is not an ISO 8601 date and time "
                              "(for example 2026-03-01T23:59:00+01:00)") from None
    if when.tzinfo is None:
        raise AutograderError(f"{what} {printable(text)!r} has no time zone: add one, such as +01:00 or Z")
    return when


def _penalty(method: str, score: float, seconds_late: float, *, points_per_hour: float, percent_per_day: float,
             max_percent: float) -> float:
    if seconds_late <= 0 or method == "none":
        return 0.0
    if method == "zero":
        return score
    if method == "per_hour":
        raw = points_per_hour * math.ceil(seconds_late / 3600)
    elif method == "percent_per_day":
        raw = score * percent_per_day / 100 * math.ceil(seconds_late / 86400)
    else:
        raise ValueError(f"unknown late penalty method {method!r}")
    return min(raw, score * max_percent / 100)


class LatePenalty(LateSubmissionPlugin):
    """nbgrader's late submission plugin, with per-hour and per-day policies added."""

    penalty_method = Enum(METHODS, default_value="none",
                          help="none, zero (nbgrader's), per_hour or percent_per_day").tag(config=True)
    points_per_hour = Float(1.0, help="Points taken per started hour late (per_hour)").tag(config=True)
    percent_per_day = Float(10.0, help="Percent of the score taken per started day late (percent_per_day)").tag(
        config=True)
    max_percent = Float(100.0, help="At most this percent of the score is taken").tag(config=True)

    def late_submission_penalty(self, student_id: str, score: float, total_seconds_late: float):
        if self.penalty_method == "none":
            return None
        return _penalty(self.penalty_method, score, total_seconds_late, points_per_hour=self.points_per_hour,
                        percent_per_day=self.percent_per_day, max_percent=self.max_percent)


@dataclass
class DuePolicy:
    """A due date, per-student extensions and a penalty method."""

    due: datetime | None = None
    extensions: dict[str, datetime] = field(default_factory=dict)  # student id -> that student's due date
    method: str = "none"
    points_per_hour: float = 1.0
    percent_per_day: float = 10.0
    max_percent: float = 100.0

    def __post_init__(self):
        if self.method not in METHODS:
            raise AutograderError(f"unknown late penalty {self.method!r}; choose one of {', '.join(METHODS)}")

    @classmethod
    def from_options(cls, due: str | None = None, extensions: Path | None = None, penalty: str | None = None) \
            -> "DuePolicy":
        """From ``--due``, ``--extensions FILE`` and ``--late-penalty METHOD[:AMOUNT[:MAX%]]``
        (``per_hour:2`` takes 2 points an hour; ``percent_per_day:10:50`` 10% a day, at most 50%)."""
        when = parse_when(due, what="--due") if due else None
        policy = cls(when)
        if penalty:
            method, *numbers = penalty.split(":")
            policy = cls(when, method=method)
            try:
                amounts = [float(n) for n in numbers]
            except ValueError:
                raise AutograderError(f"--late-penalty {printable(penalty)!r}: amounts must be numbers") from None
            if amounts and method == "per_hour":
                policy.points_per_hour = amounts[0]
            if amounts and method == "percent_per_day":
                policy.percent_per_day = amounts[0]
            if len(amounts) > 1:
                policy.max_percent = amounts[1]
        if extensions:
            policy.extensions = read_extensions(extensions, when)
        return policy

    def due_for(self, student_id: str) -> datetime | None:
        return self.extensions.get(student_id, self.due)

    def seconds_late(self, student_id: str, submitted_at: datetime | None) -> float | None:
        due = self.due_for(student_id)
        if due is None or submitted_at is None:
            return None
        if submitted_at.tzinfo is None:  # a platform that gives local times: read them in the due date's zone
            submitted_at = submitted_at.replace(tzinfo=due.tzinfo)
        return max(0.0, (submitted_at - due).total_seconds())

    def is_late(self, student_id: str, submitted_at: datetime | None, platform_flag: bool | None = None) -> bool | None:
        """Late by the recorded time and due date; else what the platform said; else unknown."""
        seconds = self.seconds_late(student_id, submitted_at)
        return platform_flag if seconds is None else seconds > 0

    def penalty(self, student_id: str, score: float, submitted_at: datetime | None) -> float:
        """The penalty nbgrader's AssignLatePenalties applies with :meth:`configure` (clamped to [0, score])."""
        seconds = self.seconds_late(student_id, submitted_at) or 0.0
        raw = _penalty(self.method, score, seconds, points_per_hour=self.points_per_hour,
                       percent_per_day=self.percent_per_day, max_percent=self.max_percent)
        return min(max(raw, 0.0), score)

    def configure(self, config) -> None:
        """Make nbgrader's ``AssignLatePenalties`` use :class:`LatePenalty` with these settings."""
        config.AssignLatePenalties.plugin_class = LatePenalty
        config.LatePenalty.penalty_method = self.method
        config.LatePenalty.points_per_hour = self.points_per_hour
        config.LatePenalty.percent_per_day = self.percent_per_day
        config.LatePenalty.max_percent = self.max_percent

    def extension_for(self, student_id: str) -> timedelta | None:
        """The extension to record with nbgrader's ``Gradebook.grant_extension`` (its ``minutes``)."""
        own = self.extensions.get(student_id)
        return None if own is None or self.due is None else max(own - self.due, timedelta(0))


def record_due_date(gradebook, assignment_id: str, student_id: str, policy: DuePolicy) -> None:
    """Before ``autograde``: the due date and this student's extension in nbgrader's gradebook,
    where ``SubmittedAssignment.total_seconds_late`` (what ``AssignLatePenalties`` uses) reads them."""
    if policy.due is None:
        return
    gradebook.update_or_create_assignment(assignment_id, duedate=policy.due)
    gradebook.update_or_create_student(student_id)
    gradebook.update_or_create_submission(assignment_id, student_id)
    extension = policy.extension_for(student_id)
    gradebook.grant_extension(assignment_id, student_id, minutes=extension.total_seconds() / 60 if extension else 0)


def timestamp_text(policy: DuePolicy, student_id: str, submitted_at: datetime | None) -> str | None:
    """What to write in ``submitted/<student>/<assignment>/timestamp.txt`` (nbgrader reads the
    submission time from there), or ``None`` when the time is unknown. A time without a zone
    (Blackboard's file names, Moodle's worksheet) is read in the due date's zone."""
    if submitted_at is None:
        return None
    if submitted_at.tzinfo is None:
        due = policy.due_for(student_id)
        if due is None:
            return None
        submitted_at = submitted_at.replace(tzinfo=due.tzinfo)
    return nbgrader_timestamp(submitted_at)


def nbgrader_timestamp(when: datetime) -> str:
    """``when`` as nbgrader writes ``timestamp.txt`` (UTC), for the submitted folder."""
    if when.tzinfo is None:
        raise ValueError("a timestamp needs a time zone")
    return when.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f UTC")


def read_extensions(path: Path, due: datetime | None) -> dict[str, datetime]:
    """``student_id,hours`` or ``student_id,<ISO date>`` rows (a header row is allowed)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise AutograderError(f"cannot read the extensions file {path}: {exc.strerror}") from None
    extensions = {}
    for number, row in enumerate(csv.reader(text.splitlines()), start=1):
        if not row or not any(c.strip() for c in row):
            continue
        student_id, value = row[0].strip(), (row[1].strip() if len(row) > 1 else "")
        if number == 1 and student_id.casefold() in ("student_id", "student", "id"):
            continue
        problem = id_problem(student_id)
        if problem:
            raise AutograderError(f"{path}, line {number}: {problem}: {printable(student_id, 80)!r}")
        try:
            hours = float(value)
        except ValueError:
            extensions[student_id] = parse_when(value, what=f"{path}, line {number}:")
            continue
        if due is None:
            raise AutograderError(f"{path}, line {number}: an extension in hours needs --due")
        extensions[student_id] = due + timedelta(hours=hours)
    return extensions
