"""Rewrite the grade tables and the feedback from the gradebook: the ``report`` command.

Run it after grading proofs by hand (``python -m autograder formgrader OUT``, or any tool that
writes manual scores and comments into the gradebook): the tables then include the manual
scores (a manual part still ungraded stays ``pending``), the feedback shows them with the
graders' comments, and ``parts.csv`` and ``report.html`` are drawn again. Submissions that
could not be graded, and roster students with nothing handed in, keep their rows as they were.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from autograder.errors import AutograderError
from autograder.grading.feedback import write_feedback
from autograder.grading.records import GradebookReader, GradeTables, SubmissionGrade, read_grades


def report(out: Path, *, work: Path | None = None) -> list[SubmissionGrade]:
    """Re-export ``OUT/grades.csv``, ``OUT/cells.csv``, ``OUT/feedback``, ``OUT/parts.csv`` and
    ``OUT/report.html`` from the gradebook."""
    from autograder.grading.analysis import write_analysis

    work = (work or out / "work").resolve()
    if not (out / "grades.csv").is_file() or not (work / "gradebook.db").is_file():
        raise AutograderError(f"no graded run in {out}: run `python -m autograder grade ... --out {out}` first")
    previous = read_grades(out / "grades.csv")
    results = []
    with GradeTables(out, previous, interval=3600) as tables, GradebookReader(work) as reader:
        for row in previous:
            if row.graded:
                write_feedback(work, out, row.student_id, row.assignment_id)
                fresh = reader.grade(row.student_id, row.assignment_id, row.status)
                row = replace(row, score=fresh.score, max_score=fresh.max_score, status=fresh.status,
                              cells=fresh.cells, penalty=fresh.penalty)
            tables.add(row)
            results.append(row)
    write_analysis(out, results, work=work)
    return results
