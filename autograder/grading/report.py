"""Rewrite the grade tables and the feedback from the gradebook: the ``report`` command.

Run it after grading proofs by hand (nbgrader's formgrader, or any tool that writes manual
scores and comments into the gradebook): the tables then include the manual scores, and
the feedback shows them with the graders' comments. Submissions that could not be graded
keep their rows as they were.
"""
from __future__ import annotations

from pathlib import Path

from nbgrader.apps import NbGraderAPI

from autograder import course
from autograder.errors import AutograderError
from autograder.grading.feedback import publish_feedback
from autograder.grading.records import GradeTables, SubmissionGrade, read_grades, recorded_grade


def report(out: Path, *, work: Path | None = None) -> list[SubmissionGrade]:
    """Re-export ``OUT/grades.csv``, ``OUT/cells.csv`` and ``OUT/feedback`` from the gradebook."""
    work = (work or out / "work").resolve()
    if not (out / "grades.csv").is_file() or not (work / "gradebook.db").is_file():
        raise AutograderError(f"no graded run in {out}: run `python -m autograder grade ... --out {out}` first")
    previous = read_grades(out / "grades.csv")
    api = NbGraderAPI(config=course.nbgrader_config(release_to=work / "release", work=work))
    tables = GradeTables(out)
    results = []
    for row in previous:
        if row.status.startswith("graded"):
            publish_feedback(api, work, out, row.student_id, row.assignment_id)
            row = recorded_grade(work, row.student_id, row.assignment_id, row.status)
        tables.add(row)
        results.append(row)
    return results
