"""The grade tables: ``grades.csv`` (one row per submission or roster student) and ``cells.csv``
(one per graded cell), read back from the gradebook (or kept from the grading run), and written so that nothing a student
typed can hurt whoever opens them.

- Every table is written whole to a temporary name beside it and renamed over the old one,
  so a run that fails or is killed never leaves a truncated table.
- A cell a spreadsheet would read as a formula (starting with ``=``, ``+``, ``-``, ``@``, a tab
  or a carriage return) is prefixed with ``'`` (OWASP's advice for CSV injection); numbers we
  write ourselves are left alone.
- :func:`printable` makes any text safe to print on a terminal (control characters and
  escape sequences are shown as ``\\x1b``-style escapes), for the grader's log lines too.
- A manually graded cell nobody has graded yet (nbgrader: ``manual_score is None`` while the
  grade ``needs_manual_grade``) is ``pending`` in ``cells.csv`` (an empty score, never a silent
  0) and makes the submission's status ``pending (manual: <cells>)``.

The contract's columns come first, in the contract's order; columns added since
(``submitted_at``, ``late``, ``penalty``, ``name``, ``original_id`` in ``grades.csv``; ``status`` in
``cells.csv``) are appended after them.
"""
from __future__ import annotations

import csv
import io
import os
import re
import tempfile
import time
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Iterable, Sequence

GRADE_COLUMNS = ["student_id", "assignment_id", "score", "max_score", "status"]
GRADE_EXTRA_COLUMNS = ["submitted_at", "late", "penalty", "name", "original_id"]
CELL_COLUMNS = ["student_id", "assignment_id", "notebook", "grade_id", "score", "max_score"]
CELL_EXTRA_COLUMNS = ["status"]

#: Status of a roster student with nothing handed in.
MISSING = "missing"
#: Status word of a submission with manual parts nobody has graded yet.
PENDING = "pending"


@dataclass(frozen=True)
class CellGrade:
    notebook: str
    grade_id: str
    score: float | None  # None: a manual grade nobody has given yet
    max_score: float

    @property
    def pending(self) -> bool:
        return self.score is None


@dataclass(frozen=True)
class SubmissionGrade:
    student_id: str
    assignment_id: str
    score: float
    max_score: float
    status: str
    cells: tuple[CellGrade, ...] = ()
    submitted_at: datetime | None = None
    late: bool | None = None
    penalty: float = 0.0
    name: str = ""
    original_id: str = ""  # the id as handed in, when it was graded under a safe one (``Ada [1815]``)

    @property
    def graded(self) -> bool:
        """Whether the gradebook holds a grade for it (pending manual parts included)."""
        return self.status.startswith(("graded", PENDING))

    @property
    def pending(self) -> bool:
        return self.status.startswith(PENDING)


# --- safe text --------------------------------------------------------------------------

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: str) -> str:
    """``value`` as a CSV cell no spreadsheet evaluates: a leading ``'`` before a formula start."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def printable(text: object, limit: int = 300) -> str:
    """``text`` as one line: line breaks and tabs become single spaces, every other control
    character (escape sequences included) is shown as an escape, and the whole is cut to
    ``limit`` characters: safe to print on a terminal, in a log line or in a status cell."""
    out = []
    for char in " ".join(re.split(r"[\t\n\r\v\f]+", str(text))):
        code = ord(char)
        if char == "\\":
            out.append("\\\\")
        elif code < 0x20 or 0x7F <= code < 0xA0 or code in (0x2028, 0x2029) or 0x202A <= code <= 0x202E \
                or 0x2066 <= code <= 0x2069 or 0xD800 <= code <= 0xDFFF:  # ... and undecodable bytes
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(char)
    joined = "".join(out)
    return joined if len(joined) <= limit else joined[: limit - 1] + "…"


def number(value: float | None) -> str:
    """A score as the tables show it: to 6 decimals, without trailing zeros (12.607143, 16)."""
    return "" if value is None else f"{round(value, 6):.12g}"


def _when(value: datetime | None) -> str:
    return "" if value is None else value.isoformat()


def _flag(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "no")


# --- writing ----------------------------------------------------------------------------


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]], *, escape: bool = True) -> None:
    """Write a whole CSV table to a temporary file beside ``path`` and rename it over ``path``.

    Text cells are made :func:`spreadsheet_safe` (unless ``escape`` is false, for files whose
    importer must see the value as is, such as a platform's numeric id column).
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([spreadsheet_safe(c) if escape and isinstance(c, str) else c for c in row])
    atomic_write(path, buffer.getvalue())


def atomic_write(path: Path, text: str | bytes) -> None:
    """Replace ``path`` with ``text`` so that readers see the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as sink:
            sink.write(text.encode("utf-8", "backslashreplace") if isinstance(text, str) else text)
            sink.flush()
            os.fsync(sink.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def grade_row(grade: SubmissionGrade) -> list[str]:
    return [grade.student_id, grade.assignment_id, number(grade.score), number(grade.max_score), grade.status,
            _when(grade.submitted_at), _flag(grade.late), number(grade.penalty) if grade.penalty else "",
            grade.name, grade.original_id]


def cell_rows(grade: SubmissionGrade) -> list[list[str]]:
    return [[grade.student_id, grade.assignment_id, cell.notebook, cell.grade_id, number(cell.score),
             number(cell.max_score), PENDING if cell.pending else "graded"] for cell in grade.cells]


def write_tables(out: Path, grades: Sequence[SubmissionGrade]) -> None:
    """Write ``OUT/grades.csv`` and ``OUT/cells.csv`` whole, each by a rename."""
    write_csv(out / "grades.csv", GRADE_COLUMNS + GRADE_EXTRA_COLUMNS, [grade_row(g) for g in grades])
    write_csv(out / "cells.csv", CELL_COLUMNS + CELL_EXTRA_COLUMNS, [r for g in grades for r in cell_rows(g)])


class GradeTables:
    """Both tables under ``out``, rewritten (by rename) as rows arrive.

    ``add`` rewrites the tables at most every ``interval`` seconds (default: on every row);
    ``close`` (or leaving the ``with`` block, even by an exception) writes the last rows. A row for a student and
    assignment already present replaces it, so re-grading one student keeps one row.
    """

    def __init__(self, out: Path, rows: Sequence[SubmissionGrade] = (), *, interval: float = 0.0):
        self.out = out
        self.grades_path = out / "grades.csv"
        self.cells_path = out / "cells.csv"
        self.interval = interval
        self._rows: dict[tuple[str, str], SubmissionGrade] = {(r.student_id, r.assignment_id): r for r in rows}
        self._written = 0.0
        self.flush()

    def add(self, grade: SubmissionGrade) -> None:
        self._rows[(grade.student_id, grade.assignment_id)] = grade
        if time.monotonic() - self._written >= self.interval:
            self.flush()

    @property
    def rows(self) -> list[SubmissionGrade]:
        return list(self._rows.values())

    def flush(self) -> None:
        write_tables(self.out, self.rows)
        self._written = time.monotonic()

    close = flush

    def __enter__(self) -> "GradeTables":
        return self

    def __exit__(self, *exc) -> None:
        self.flush()


# --- reading ----------------------------------------------------------------------------


class GradebookReader:
    """Submissions' grades as the gradebook under ``work`` has them (manual scores included),
    read through one session: the tables of a whole class cost a few queries per submission,
    not a gradebook (an engine, a schema check) each."""

    def __init__(self, work: Path):
        from nbgrader.api import Gradebook

        from autograder import course

        self._gradebook = Gradebook(course.gradebook_url(work))
        self._orders: dict[str, dict[str, int]] = {}

    def grade(self, student_id: str, assignment_id: str, status: str, **extra) -> SubmissionGrade:
        """The submission's row; see :func:`recorded_grade`."""
        if assignment_id not in self._orders:
            self._orders[assignment_id] = graded_cell_order(assignment_id)
        notebook = self._gradebook.find_submission_notebook(assignment_id, assignment_id, student_id)
        grade = submitted_grade(self._gradebook.db, notebook, student_id, assignment_id, status,
                                self._orders[assignment_id])
        return replace(grade, **extra)

    def close(self) -> None:
        self._gradebook.close()

    def __enter__(self) -> "GradebookReader":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def recorded_grade(work: Path, student_id: str, assignment_id: str, status: str, **extra) -> SubmissionGrade:
    """A submission's grade as the gradebook under ``work`` has it (manual scores included).

    A manual cell not graded yet is pending (score ``None``), and a ``status`` that starts with
    ``graded`` then starts with ``pending (manual: ...)`` instead. ``extra`` fills the added
    fields (``submitted_at``, ``late``, ``penalty``, ``name``); the penalty defaults to the one
    nbgrader recorded.
    """
    with GradebookReader(work) as reader:
        return reader.grade(student_id, assignment_id, status, **extra)


def submitted_grade(session, notebook, student_id: str, assignment_id: str, status: str,
                    order: dict[str, int]) -> SubmissionGrade:
    """The row of one of nbgrader's submitted notebooks (``SubmittedNotebook``), with its cells
    in ``order`` (:func:`graded_cell_order`), read fresh from ``session`` (which may hold
    grades written but not yet committed): its scores in two queries."""
    from nbgrader.api import Grade
    from sqlalchemy import select
    from sqlalchemy.orm import undefer

    session.refresh(notebook, ["score", "max_score", "late_submission_penalty"])
    query = (select(Grade).where(Grade.notebook_id == notebook.id).options(undefer(Grade.max_score))
             .execution_options(populate_existing=True))
    grades = session.scalars(query).all()
    cells = tuple(
        CellGrade(assignment_id, g.name, None if is_pending(g) else float(g.score or 0), float(g.max_score))
        for g in sorted(grades, key=lambda g: order.get(g.name, len(order)))
    )
    penalty = float(notebook.late_submission_penalty or 0)
    score = max(0.0, float(notebook.score or 0) - penalty)
    return SubmissionGrade(student_id, assignment_id, score, float(notebook.max_score),
                           pending_status(status, cells), cells, penalty=penalty)


def is_pending(grade) -> bool:
    """Whether a gradebook grade (nbgrader's ``Grade``) waits for a hand: it needs manual
    grading, nobody has given it, and no automatic score stands in. The one definition of
    "pending": the tables, the feedback page and the formgrader's feedback all ask here."""
    return grade.manual_score is None and bool(grade.needs_manual_grade) and grade.auto_score is None


def pending_status(status: str, cells: Sequence[CellGrade]) -> str:
    """``status`` with ``graded`` turned into ``pending (manual: ...)`` when a manual cell waits."""
    waiting = [c.grade_id for c in cells if c.pending]
    if not waiting:
        if status.startswith(PENDING + " (manual:"):
            notes = status.split(")", 1)[1]
            return "graded" + notes
        return status
    head = f"{PENDING} (manual: {', '.join(waiting)})"
    if status.startswith("graded"):
        return head + status[len("graded"):]
    if status.startswith(PENDING + " (manual:"):
        return head + status.split(")", 1)[1]
    return status


def graded_cell_order(assignment_id: str) -> dict[str, int]:
    """Graded cells in notebook order, so that cells.csv reads like the notebook."""
    import nbformat

    from autograder import course

    notebook = nbformat.read(course.released_notebook(assignment_id), 4)
    graded = [c.metadata["nbgrader"]["grade_id"] for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade")]
    return {grade_id: index for index, grade_id in enumerate(graded)}


def _unescape(value: str) -> str:
    return value[1:] if value.startswith("'") and value[1:2] in _FORMULA_START and value[1:] else value


def _optional_float(value: str | None) -> float | None:
    return None if value in (None, "") else float(value)


def read_grades(path: Path) -> list[SubmissionGrade]:
    """The rows of an existing ``grades.csv`` (with the cells of ``cells.csv`` beside it, if any)."""
    cells: dict[tuple[str, str], list[CellGrade]] = {}
    cells_path = path.with_name("cells.csv")
    if cells_path.is_file():
        with cells_path.open(newline="") as handle:
            for row in csv.DictReader(handle):
                key = (_unescape(row["student_id"]), _unescape(row["assignment_id"]))
                score = None if row.get("status") == PENDING else float(row["score"] or 0)
                cells.setdefault(key, []).append(CellGrade(_unescape(row["notebook"]), _unescape(row["grade_id"]),
                                                           score, float(row["max_score"])))
    grades = []
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            key = (_unescape(row["student_id"]), _unescape(row["assignment_id"]))
            when = row.get("submitted_at") or ""
            late = row.get("late") or ""
            grades.append(SubmissionGrade(
                key[0], key[1], float(row["score"] or 0), float(row["max_score"] or 0), _unescape(row["status"]),
                tuple(cells.get(key, ())), datetime.fromisoformat(when) if when else None,
                None if not late else late == "yes", _optional_float(row.get("penalty")) or 0.0,
                _unescape(row.get("name") or ""), _unescape(row.get("original_id") or "")))
    return grades
