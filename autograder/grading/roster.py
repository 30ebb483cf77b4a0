"""A class roster, read from the platform's own export, so that every student gets a row.

Recognised by their header rows:

- **Canvas** gradebook export (Grades > Export): ``Student, ID, SIS User ID, SIS Login ID,
  Section, <assignment> (<id>), ...``; the ``Points Possible`` row (and Canvas's "Student, Test"
  test student) are skipped. The id is Canvas's user ``ID``, the number in its submission
  file names.
- **Moodle** offline grading worksheet (Assignment > Download grading worksheet):
  ``Identifier, Full name, Email address, Status, Grade, ...``; ``Identifier`` is
  ``Participant <n>`` and the id is ``<n>``, the number in Moodle's submission folder names.
- **Moodle** participants table download: ``First name, Last name, [ID number], [Username],
  Email address, ...``; Moodle's archives name students by full name and a per-assignment
  participant number, so these students are matched by full name.
- **Blackboard** Grade Center export: ``Last Name, First Name, Username, Student ID, ...``
  (comma or tab separated, UTF-8 or UTF-16); the id is the ``Username`` of the file names.
- **Gradescope** roster: ``First Name, Last Name, SID, Email, ...``; the id is the SID (or the
  e-mail when there is none), as in ``submission_metadata.yml``.
- **Plain** CSV: ``student_id[,name]`` with that header, or two columns without one.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from autograder.errors import AutograderError
from autograder.grading.ids import id_problem
from autograder.grading.records import printable


@dataclass(frozen=True)
class RosterStudent:
    student_id: str
    name: str = ""
    email: str = ""
    extra: dict = field(default_factory=dict, compare=False, hash=False)  # the platform's own columns


@dataclass
class Roster:
    kind: str  # canvas | moodle | moodle-participants | blackboard | gradescope | plain
    students: list[RosterStudent]
    header: list[str]
    problems: list[tuple[str, str]] = field(default_factory=list)  # (row id, printable; reason)
    match_by_name: bool = False

    def find(self, student_id: str, name: str = "") -> RosterStudent | None:
        for student in self.students:
            if student.student_id == student_id:
                return student
        if self.match_by_name and name:
            wanted = " ".join(name.split()).casefold()
            found = [s for s in self.students if " ".join(s.name.split()).casefold() == wanted]
            if len(found) == 1:
                return found[0]
        return None


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _rows(path: Path) -> list[list[str]]:
    try:
        text = _decode(path.read_bytes())
    except OSError as exc:
        raise AutograderError(f"cannot read the roster {path}: {exc.strerror}") from None
    first = text.splitlines()[0] if text.strip() else ""
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    return [row for row in csv.reader(io.StringIO(text), delimiter=delimiter) if any(c.strip() for c in row)]


def read_roster(path: Path) -> Roster:
    """Read a roster file, whichever platform exported it."""
    rows = _rows(path)
    if not rows:
        raise AutograderError(f"the roster {path} is empty")
    header = [h.strip() for h in rows[0]]
    column = {name.casefold(): index for index, name in enumerate(header)}
    body = rows[1:]

    def get(row, *names):
        for name in names:
            index = column.get(name.casefold())
            if index is not None and index < len(row):
                return row[index].strip()
        return ""

    def extra(row):
        return {h: (row[i].strip() if i < len(row) else "") for i, h in enumerate(header)}

    entries: list[tuple[str, str, str, dict]] = []
    match_by_name = False
    if {"student", "id"} <= column.keys() and ("sis login id" in column or "section" in column):
        kind = "canvas"
        for row in body:
            name = get(row, "Student")
            if name.strip().casefold() in ("points possible", "student, test") or not get(row, "ID"):
                continue
            entries.append((get(row, "ID"), name, "", extra(row)))
    elif "identifier" in column and "full name" in column:
        kind = "moodle"
        for row in body:
            identifier = get(row, "Identifier")
            number = identifier.rsplit(" ", 1)[-1] if identifier else ""
            entries.append((number, get(row, "Full name"), get(row, "Email address"), extra(row)))
    elif {"first name", "last name"} <= column.keys() and "username" in column and "student id" in column:
        kind = "blackboard"
        for row in body:
            entries.append((get(row, "Username"), f"{get(row, 'First Name')} {get(row, 'Last Name')}".strip(),
                            get(row, "Email"), extra(row)))
    elif {"first name", "last name"} <= column.keys() and "sid" in column:
        kind = "gradescope"
        for row in body:
            entries.append((get(row, "SID") or get(row, "Email"),
                            f"{get(row, 'First Name')} {get(row, 'Last Name')}".strip(), get(row, "Email"), extra(row)))
    elif {"first name", "last name"} <= column.keys():
        kind, match_by_name = "moodle-participants", True
        for row in body:
            entries.append((get(row, "ID number", "Username", "Email address"),
                            f"{get(row, 'First name')} {get(row, 'Last name')}".strip(), get(row, "Email address"),
                            extra(row)))
    elif "student_id" in column:
        kind = "plain"
        entries = [(get(row, "student_id"), get(row, "name"), get(row, "email"), extra(row)) for row in body]
    elif len(header) <= 2 and id_problem(header[0].strip()) is None:
        kind = "plain"
        entries = [(row[0].strip(), row[1].strip() if len(row) > 1 else "", "", {}) for row in rows]
        header = ["student_id", "name"]
    else:
        raise AutograderError(
            f"cannot tell who exported the roster {path}: its header is {printable(', '.join(header[:8]))}; "
            "give a Canvas gradebook export, a Moodle grading worksheet or participants table, a Blackboard or "
            "Gradescope roster, or a CSV with a student_id[,name] header")
    roster = Roster(kind, [], header, match_by_name=match_by_name)
    seen: set[str] = set()
    for student_id, name, email, columns in entries:
        problem = id_problem(student_id)
        if problem:
            roster.problems.append((printable(student_id, 80), f"roster row skipped: {problem}"))
        elif student_id in seen:
            roster.problems.append((student_id, "roster lists this student twice; the first row was kept"))
        else:
            seen.add(student_id)
            roster.students.append(RosterStudent(student_id, name, email, columns))
    return roster
