"""From what :func:`~autograder.grading.collect.intake` found to rows of the grade tables.

The grading core (``run.grade``) grades the submissions; these helpers give it, or a caller
around it, everything else a course's record needs:

- :func:`status_notes` turns a submission's notes (newest attempt chosen, file renamed, not on
  the roster, ...) into the words appended to its status;
- :func:`extra_fields` gives the added columns of its row (``submitted_at``, ``late``, ``name``);
- :func:`missing_rows` and :func:`problem_rows` give a row to every roster student with nothing
  handed in (status ``missing``) and to every submission that could not even be collected;
- :func:`stage` lays the found notebooks out as ``<student>/<assignment>/<assignment>.ipynb``, the
  layout every version of ``run.grade`` reads, and :func:`grade_from_intake` wraps such a
  ``grade`` with all of the above (used by the command line while ``grade`` does not take
  ``lms``/``roster``/``due`` itself).
"""
from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path
from typing import Callable, Sequence

from autograder.grading.collect import INTAKE_FILE, HandIn, Intake, intake
from autograder.grading.lateness import DuePolicy
from autograder.grading.records import MISSING, GradeTables, SubmissionGrade, printable


def status_notes(hand_in: HandIn) -> list[str]:
    return [printable(note, 200) for note in hand_in.notes]


def extra_fields(hand_in: HandIn, due: DuePolicy | None = None) -> dict:
    late = hand_in.late
    if due is not None:
        late = due.is_late(hand_in.student_id, hand_in.submitted_at, hand_in.late)
    return {"submitted_at": hand_in.submitted_at, "late": late, "name": hand_in.name}


def missing_rows(found: Intake, max_score: Callable[[str], float]) -> list[SubmissionGrade]:
    return [SubmissionGrade(m.student_id, m.assignment_id, 0.0, max_score(m.assignment_id), MISSING, name=m.name)
            for m in found.missing]


def problem_rows(found: Intake, max_score: Callable[[str], float]) -> list[SubmissionGrade]:
    """A row for each problem that names a student (others are about the archive as a whole)."""
    return [SubmissionGrade(p.student_id, p.assignment_id, 0.0, max_score(p.assignment_id) if p.assignment_id else 0.0,
                            printable(p.reason, 200)) for p in found.problems if p.student_id]


def stage(found: Intake, folder: Path) -> Path:
    """Copy every found notebook to ``folder/<student>/<assignment>/<assignment>.ipynb``."""
    for hand_in in found.submissions:
        target = folder / hand_in.student_id / hand_in.assignment_id
        target.mkdir(parents=True, exist_ok=True)
        if hand_in.notebook is not None:
            shutil.copyfile(hand_in.notebook, target / f"{hand_in.assignment_id}.ipynb", follow_symlinks=False)
    return folder


def grade_from_intake(grade: Callable, submissions: Path, out: Path, *, assignment_ids: Sequence[str] | None,
                      work: Path | None, lms: str | None = None, roster: Path | None = None,
                      due: DuePolicy | None = None, **options) -> list[SubmissionGrade]:
    """Find the submissions with :func:`intake`, grade them with ``grade`` (``run.grade``'s
    signature), then complete its rows: names, submission times, lateness and late penalties,
    notes, ``missing`` rows for the roster and rows for what could not be collected."""
    out.mkdir(parents=True, exist_ok=True)
    scratch = out / ".intake"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir()
    found = intake(submissions, scratch / "extracted", assignment_ids=list(assignment_ids or []), lms=lms,
                   roster=roster)
    found.save(out / INTAKE_FILE)
    staged = stage(found, scratch / "staged")
    results = grade(staged, out, assignment_ids=list(assignment_ids) if assignment_ids else None, work=work, **options)
    by_key = {(h.student_id, h.assignment_id): h for h in found.submissions}
    maxima = {r.assignment_id: r.max_score for r in results if r.max_score}
    max_score = lambda a: maxima.get(a, 0.0)  # noqa: E731
    completed = []
    for result in results:
        hand_in = by_key.get((result.student_id, result.assignment_id))
        if hand_in is not None:
            fields = extra_fields(hand_in, due)
            notes = [n for n in status_notes(hand_in) if n not in result.status]
            status = result.status + (f" ({'; '.join(notes)})" if notes and result.graded else "")
            penalty = 0.0
            if due is not None and result.graded and fields["late"]:
                penalty = due.penalty(result.student_id, result.score, hand_in.submitted_at)
            result = replace(result, status=status, score=max(0.0, result.score - penalty), penalty=penalty, **fields)
        completed.append(result)
    completed += missing_rows(found, max_score) + problem_rows(found, max_score)
    with GradeTables(out, completed, interval=3600):
        pass
    from autograder.grading.analysis import write_analysis

    write_analysis(out, completed, work=(work or out / "work"))
    shutil.rmtree(scratch, ignore_errors=True)  # the archive itself is the copy of record
    for line in found.notes:
        print(printable(line))
    for problem in found.problems:
        if not problem.student_id:
            print(f"skipped: {printable(problem.reason)}")
    return completed
