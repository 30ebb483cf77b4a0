"""The grader against plain nbgrader on the same class, side by side in one run.

    .venv/bin/python benchmarks/grading.py [STUDENTS]

Makes a class of STUDENTS (default 6) submissions of ex02_softmax with the reference
answers, then times

- ``python -m autograder grade`` (sanitize, autograde with the out-of-process judge,
  feedback, tables), and
- plain ``nbgrader generate_assignment`` + ``autograde`` + ``generate_feedback`` on a course
  folder holding the same sources, where the hidden test cells run the checks in the
  student's kernel;

and prints both times, per notebook, and their ratio, with the class's mean automatic score
under each, to show that both graded the same work.
"""
from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import nbformat  # noqa: E402
from nbgrader.api import Gradebook  # noqa: E402

from autograder.fill import filled, reference_answers  # noqa: E402

ASSIGNMENT = "ex02_softmax"


def make_class(folder: Path, students: int) -> None:
    notebook = filled(ASSIGNMENT, reference_answers(ASSIGNMENT))
    for index in range(students):
        path = folder / f"student{index:02d}" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(notebook, path)


def timed(command: list[str], **options) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **options)
    return time.perf_counter() - start


def ours(submissions: Path, out: Path) -> tuple[float, float]:
    seconds = timed([sys.executable, "-m", "autograder", "grade", str(submissions), "--out", str(out)], cwd=ROOT)
    with (out / "grades.csv").open() as table:
        scores = [float(row["score"]) for row in csv.DictReader(table)]
    return seconds, sum(scores) / len(scores)


def plain_nbgrader(submissions: Path, course: Path) -> tuple[float, float]:
    shutil.copytree(ROOT / "solutions", course / "source")
    shutil.copytree(submissions, course / "submitted")
    nbgrader = str(Path(sys.executable).with_name("nbgrader"))
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    common = [f"--CourseDirectory.root={course}", "--log-level=ERROR"]
    seconds = sum(
        timed([nbgrader, step, ASSIGNMENT, *common], cwd=course, env=environment)
        for step in ("generate_assignment", "autograde", "generate_feedback")
    )
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        scores = [s.score for s in gradebook.find_assignment(ASSIGNMENT).submissions]
    return seconds, sum(scores) / len(scores)


def main() -> None:
    students = int(sys.argv[1]) if len(sys.argv) > 1 else 6
    with tempfile.TemporaryDirectory(prefix="grading-bench-") as scratch:
        scratch = Path(scratch)
        make_class(scratch / "class", students)
        plain, plain_score = plain_nbgrader(scratch / "class", scratch / "course")
        grader, grader_score = ours(scratch / "class", scratch / "out")
    print(f"{students} notebooks of {ASSIGNMENT}")
    print(f"{'':<30}{'seconds':>9}{'per notebook':>14}{'vs nbgrader':>13}{'mean score':>12}")
    for label, seconds, score in (("plain nbgrader (in-kernel)", plain, plain_score),
                                  ("python -m autograder grade", grader, grader_score)):
        print(f"{label:<30}{seconds:>9.1f}{seconds / students:>14.2f}{seconds / plain:>13.2f}{score:>12g}")


if __name__ == "__main__":
    main()
