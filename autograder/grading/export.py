"""Grades out: ``python -m autograder export OUT --to canvas|moodle|csv``.

Reads the run's ``OUT/grades.csv`` and ``OUT/intake.json`` (what was found, with the roster
given to ``grade``) and writes, under ``OUT/export/`` (or ``--dest``), files the platform
imports as they are, one row per student:

``canvas``: ``canvas_grades.csv``
    Canvas's gradebook import format (Grades > Import), the columns of its own export:
    ``Student, ID, SIS User ID, SIS Login ID, Section``, then one column per assignment and a
    ``Points Possible`` row. The assignment columns reuse the headers of the Canvas roster
    export (``ex02_softmax (123456)``) when one was given, so the scores land in the existing
    assignment; otherwise Canvas creates an assignment named by the id.
``moodle``: ``moodle_<assignment>.csv`` per assignment
    Moodle's offline grading worksheet (Assignment > "Upload grading worksheet"), with the
    worksheet's columns ``Identifier, Full name, Email address, Status, Grade, Maximum Grade,
    Grade can be changed, Last modified (submission), Last modified (grade)``; the importer needs
    ``Identifier`` (``Participant <n>``), ``Grade`` and ``Last modified (grade)``. A "Feedback
    comments" column is left out so that the import never blanks comments typed in Moodle.
``csv``: ``grades_by_student.csv``
    ``student_id, name``, then ``<assignment>``, ``<assignment> max_score`` and
    ``<assignment> status`` per assignment.

A grade with a manual part nobody graded yet is never exported as a number: its cell is left
empty (both platforms skip empty cells), the status says ``pending``, and the command lists
those students. Students with nothing handed in have an empty cell too (status ``missing``).

``--feedback`` also writes the feedback files named as the platform's bulk upload expects:
``canvas_feedback.zip`` (Canvas "Upload submission comments" re-reads
``<name>_<user id>_<attachment id>_<file>``: ``Assignment#infer_comment_context_from_filename``),
``moodle_feedback_<assignment>.zip`` (Moodle's feedback files "Upload multiple feedback files in a
zip": ``<Full Name>_<participant id>_assignsubmission_file_<file>``,
``assignfeedback_file_zip_importer``), or ``feedback/<student>/<assignment>/<notebook>.html``.
Each is a page that works alone (:func:`autograder.grading.feedback.standalone`: MathJax
inlined), since each is handed to its student on its own, away from the feedback folder's
shared copy of MathJax.
"""
from __future__ import annotations

import zipfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from autograder.errors import AutograderError
from autograder.grading.collect import INTAKE_FILE, HandIn, Intake
from autograder.grading.records import MISSING, SubmissionGrade, atomic_write, number, read_grades, write_csv

PLATFORMS = ("canvas", "moodle", "csv")
CANVAS_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
MOODLE_COLUMNS = ["Identifier", "Full name", "Email address", "Status", "Grade", "Maximum Grade",
                  "Grade can be changed", "Last modified (submission)", "Last modified (grade)"]


@dataclass
class Exported:
    files: list[Path]
    pending: list[tuple[str, str]]  # (student, assignment) left empty: manual grading pending
    skipped: list[str]  # students a platform cannot take, and why


def export(out: Path, to: str, *, dest: Path | None = None, feedback: bool = False) -> Exported:
    if to not in PLATFORMS:
        raise AutograderError(f"unknown --to {to!r}; choose one of {', '.join(PLATFORMS)}")
    if not (out / "grades.csv").is_file():
        raise AutograderError(f"no graded run in {out}: run `python -m autograder grade ... --out {out}` first")
    grades = read_grades(out / "grades.csv")
    found = Intake.load(out / INTAKE_FILE) if (out / INTAKE_FILE).is_file() else Intake("folder")
    dest = dest or out / "export"
    dest.mkdir(parents=True, exist_ok=True)
    result = Exported([], [(g.student_id, g.assignment_id) for g in grades if g.pending], [])
    writer = {"canvas": _canvas, "moodle": _moodle, "csv": _plain}[to]
    writer(grades, found, dest, result)
    if feedback:
        _feedback(out, to, grades, found, dest, result)
    return result


def _value(grade: SubmissionGrade | None) -> str:
    """The score a platform should import: empty when there is none to give yet."""
    if grade is None or grade.status == MISSING or grade.pending:
        return ""
    return number(grade.score)


def _students(grades: list[SubmissionGrade], found: Intake) -> list[tuple[str, str, dict]]:
    """(id, name, platform columns) of every student, roster order first."""
    names = {g.student_id: g.name for g in grades if g.name}
    names.update({s.student_id: s.name for s in found.submissions if s.name})
    seen, students = set(), []
    for row in found.roster:
        students.append((row.student_id, row.name or names.get(row.student_id, ""), dict(row.extra, email=row.email)))
        seen.add(row.student_id)
    for student_id in dict.fromkeys(g.student_id for g in grades):
        if student_id not in seen:
            students.append((student_id, names.get(student_id, ""), {}))
            seen.add(student_id)
    return students


def _roster_key(found: Intake) -> dict[str, str]:
    """Submission id -> roster id (they differ when a roster matched by name)."""
    return {s.student_id: s.get("roster_id") for s in found.submissions if s.get("roster_id")}


def _table(grades, found) -> dict[tuple[str, str], SubmissionGrade]:
    key = _roster_key(found)
    return {(key.get(g.student_id, g.student_id), g.assignment_id): g for g in grades}


def _assignments(grades) -> list[str]:
    return sorted({g.assignment_id for g in grades})


def _canvas(grades, found, dest, result) -> None:
    assignments = _assignments(grades)
    header_for = {a: a for a in assignments}
    roster_header = list(found.roster[0].extra) if found.roster and found.roster_kind == "canvas" else []
    for column in roster_header:
        base = column.rsplit(" (", 1)[0]
        if base in header_for and column.endswith(")"):
            header_for[base] = column
    table = _table(grades, found)
    best = {a: max((g.max_score for g in grades if g.assignment_id == a), default=0) for a in assignments}
    rows = [["    Points Possible", "", "", "", ""] + [number(best[a]) for a in assignments]]
    for student_id, name, extra in _students(grades, found):
        if not student_id.isdigit() and found.roster_kind != "canvas":
            result.skipped.append(f"{student_id}: Canvas matches students by their numeric ID")
        rows.append([name, student_id, extra.get("SIS User ID", ""), extra.get("SIS Login ID", ""),
                     extra.get("Section", "")] + [_value(table.get((student_id, a))) for a in assignments])
    path = dest / "canvas_grades.csv"
    write_csv(path, CANVAS_COLUMNS + [header_for[a] for a in assignments], rows)
    result.files.append(path)


def _moodle(grades, found, dest, result) -> None:
    table = _table(grades, found)
    now = datetime.now(timezone.utc).astimezone().strftime("%Y-%m-%d %H:%M:%S")
    submitted = {(s.student_id, s.assignment_id): s.submitted_at for s in found.submissions}
    for assignment_id in _assignments(grades):
        best = max((g.max_score for g in grades if g.assignment_id == assignment_id), default=0)
        rows = []
        for student_id, name, extra in _students(grades, found):
            grade = table.get((student_id, assignment_id))
            identifier = extra.get("Identifier") or f"Participant {student_id}"
            if not identifier.rsplit(" ", 1)[-1].isdigit():
                result.skipped.append(f"{student_id}: Moodle matches students by their participant number")
            when = submitted.get((student_id, assignment_id))
            status = "Missing" if grade is None or grade.status == MISSING else (
                "Pending manual grading" if grade.pending else "Graded")
            rows.append([identifier, name, extra.get("email", ""), status, _value(grade), number(best), "Yes",
                         when.strftime("%Y-%m-%d %H:%M:%S") if when else "", now if _value(grade) else ""])
        path = dest / f"moodle_{assignment_id}.csv"
        write_csv(path, MOODLE_COLUMNS, rows)
        result.files.append(path)


def _plain(grades, found, dest, result) -> None:
    table = _table(grades, found)
    assignments = _assignments(grades)
    header = ["student_id", "name"]
    for a in assignments:
        header += [a, f"{a} max_score", f"{a} status"]
    rows = []
    for student_id, name, _ in _students(grades, found):
        row = [student_id, name]
        for a in assignments:
            grade = table.get((student_id, a))
            row += [_value(grade), number(grade.max_score) if grade else "", grade.status if grade else MISSING]
        rows.append(row)
    path = dest / "grades_by_student.csv"
    write_csv(path, header, rows)
    result.files.append(path)


def _feedback(out: Path, to: str, grades, found: Intake, dest: Path, result: Exported) -> None:
    hand_ins: dict[tuple[str, str], HandIn] = {(s.student_id, s.assignment_id): s for s in found.submissions}
    members: dict[str, list[tuple[str, Path]]] = {}
    for grade in grades:
        folder = out / "feedback" / grade.student_id / grade.assignment_id
        if not grade.graded or not folder.is_dir():
            continue
        hand_in = hand_ins.get((grade.student_id, grade.assignment_id))
        for html in sorted(folder.glob("*.html")):
            if to == "canvas":
                if hand_in is None or not hand_in.get("attachment_id"):
                    result.skipped.append(f"{grade.student_id}: no Canvas attachment id (not graded from a Canvas "
                                          "download), feedback not named for Canvas")
                    continue
                name = f"{hand_in.get('canvas_name') or 'student'}_{grade.student_id}_{hand_in.get('attachment_id')}_" \
                       f"{html.name}"
                members.setdefault("canvas_feedback.zip", []).append((name, html))
            elif to == "moodle":
                full = (hand_in.name if hand_in and hand_in.name else grade.name or "Participant").replace("_", " ")
                name = f"{full}_{grade.student_id}_assignsubmission_file_{html.name}"
                members.setdefault(f"moodle_feedback_{grade.assignment_id}.zip", []).append((name, html))
            else:
                target = dest / "feedback" / grade.student_id / grade.assignment_id / html.name
                atomic_write(target, _alone(html))
                result.files.append(target)
    for archive, files in members.items():
        path = dest / archive
        temporary = path.with_name(f".{path.name}.tmp")
        with zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED) as bundle:
            for name, source in files:
                bundle.writestr(name, _alone(source))
        temporary.replace(path)
        result.files.append(path)


def _alone(page: Path) -> str:
    """A feedback page as it is handed back: one file that typesets its math by itself."""
    from autograder.grading.feedback import standalone  # imports nbgrader: only when feedback is exported

    return standalone(page.read_text("utf-8"))
