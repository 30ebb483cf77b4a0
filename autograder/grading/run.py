"""Grade a folder of submissions: the ``grade`` command.

For each submission: find its notebook, sanitize it into nbgrader's ``submitted`` folder,
run nbgrader ``autograde`` (our judge inside) and ``generate_feedback``, then append its
rows to the grade tables. A submission that fails any step gets a row saying why; the
others go on.
"""
from __future__ import annotations

import logging
import shutil
import sys
import warnings
from pathlib import Path

import nbformat
from nbconvert.preprocessors import ClearMetadataPreprocessor
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.apps import NbGraderAPI
from nbgrader.preprocessors import (
    AssignLatePenalties, CheckCellMetadata, IgnorePattern, LimitOutput, SaveAutoGrades,
)

from autograder import course
from autograder.errors import AutograderError
from autograder.grading.collect import Submission, collect, find_notebook, unpack
from autograder.grading.judge import Limits
from autograder.grading.preprocessors import ExecuteExceptJudged, JudgeHiddenTests
from autograder.grading.feedback import publish_feedback
from autograder.grading.records import GradeTables, SubmissionGrade, recorded_grade
from autograder.grading.sanitize import SubmissionError, read_notebook, sanitize

log = logging.getLogger("autograder")


def grade(submissions: Path, out: Path, *, assignment_ids: list[str] | None = None,
          work: Path | None = None, limits: Limits = Limits(), jobs: int = 1) -> list[SubmissionGrade]:
    """Grade every submission under ``submissions``; write tables and feedback under ``out``.

    ``work`` holds nbgrader's gradebook and copies (default ``out/work``). ``jobs`` is
    accepted for the command-line contract; submissions are graded one at a time for now.
    ``submissions`` may also be a zip of that folder, as an LMS hands it out.
    """
    if not (submissions.is_dir() or submissions.suffix == ".zip" and submissions.is_file()):
        raise AutograderError(f"submissions folder or zip not found: {submissions}")
    if jobs < 1:
        raise AutograderError("--jobs must be at least 1")
    if jobs > 1:
        log.info("grading one notebook at a time: parallel grading (--jobs) is not implemented yet")
    ids = [course.require_assignment(a) for a in assignment_ids] if assignment_ids else []
    known = set(course.assignment_ids())
    work = (work or out / "work").resolve()
    if work.is_dir() and any(work.iterdir()) and not (work / "gradebook.db").is_file():
        raise AutograderError(f"{work} is not empty and holds no gradebook: give --work an empty or new folder")
    out.mkdir(parents=True, exist_ok=True)
    _fresh(work)
    if submissions.is_file():
        submissions = unpack(submissions, work / "unzipped")
    _fresh(out / "feedback")
    tables = GradeTables(out)
    found = collect(submissions, ids)
    api = NbGraderAPI(config=_config(work, limits))
    # nbgrader 0.9's gradebook triggers autoflush notices under SQLAlchemy 2; they are harmless
    warnings.filterwarnings("ignore", message=r"Object of type <Submitted", module="nbgrader")
    for assignment_id in sorted({s.assignment_id for s in found} & known):
        prepared = api.generate_assignment(assignment_id, force=True)  # records the source cells
        if not prepared["success"]:
            raise AutograderError(f"could not prepare {assignment_id} for grading: {course.nbgrader_message(prepared)}")
    results = []
    submissions_left, report = _progress(found)
    for submission in submissions_left:
        if submission.assignment_id not in known:
            result = _failed(submission, f"unknown assignment {submission.assignment_id}", max_score=0)
        else:
            try:
                result = _grade_one(api, submission, work, out)
            except Exception as exc:  # a submission that breaks the pipeline still gets its row
                log.debug("grading %s failed", submission, exc_info=True)
                result = _failed(submission, f"could not be graded: {type(exc).__name__}: {exc}"[:200],
                                 _max_score(work, submission.assignment_id))
        tables.add(result)
        results.append(result)
        report(f"{result.student_id}/{result.assignment_id}: {result.score:g}/{result.max_score:g} {result.status}")
    return results


def _fresh(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)


def _config(work: Path, limits: Limits):
    config = course.nbgrader_config(release_to=work / "release", work=work, cell_timeout=int(limits.cell_timeout))
    config.Autograde.autograde_preprocessors = [
        ExecuteExceptJudged, JudgeHiddenTests, IgnorePattern, ClearMetadataPreprocessor,
        LimitOutput, SaveAutoGrades, AssignLatePenalties, CheckCellMetadata,
    ]
    config.JudgeHiddenTests.cell_timeout = limits.cell_timeout
    config.JudgeHiddenTests.call_timeout = limits.call_timeout
    for limited in (config.JudgeHiddenTests, config.LimitedKernelManager):
        limited.memory_limit = limits.memory_bytes
        limited.file_size_limit = limits.file_bytes
    return config


def _grade_one(api: NbGraderAPI, submission: Submission, work: Path, out: Path) -> SubmissionGrade:
    assignment_id, student_id = submission.assignment_id, submission.student_id
    notebook_name = f"{assignment_id}.ipynb"
    max_score = _max_score(work, assignment_id)
    path, rename_note = find_notebook(submission.folder, notebook_name)
    if path is None:
        return _failed(submission, f"missing notebook {notebook_name}", max_score)
    try:
        sanitized = sanitize(read_notebook(path), nbformat.read(course.released_notebook(assignment_id), 4))
    except SubmissionError as exc:
        return _failed(submission, str(exc), max_score)
    target = work / "submitted" / student_id / assignment_id / notebook_name
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(sanitized.notebook, target)

    result = api.autograde(assignment_id, student_id, force=True, create=True)
    if not result["success"]:
        return _failed(submission, f"autograde failed: {course.nbgrader_message(result)}", max_score)
    notes = [n for n in [rename_note, *sanitized.notes] if n]
    problem = publish_feedback(api, work, out, student_id, assignment_id)
    if problem:
        notes.append(problem)
    return recorded_grade(work, student_id, assignment_id, "graded" + (f" ({'; '.join(notes)})" if notes else ""))


def _max_score(work: Path, assignment_id: str) -> float:
    with Gradebook(course.gradebook_url(work)) as gradebook:
        try:
            return float(gradebook.find_assignment(assignment_id).max_score)
        except MissingEntry:
            return 0.0


def _failed(submission: Submission, status: str, max_score: float) -> SubmissionGrade:
    return SubmissionGrade(submission.student_id, submission.assignment_id, 0.0, max_score, status)


def _progress(items):
    """The submissions to go through, and how to report each one: under a progress bar
    on a terminal, as plain log lines otherwise."""
    if sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(items, desc="grading", unit="notebook")
        return bar, bar.write
    return items, log.info
