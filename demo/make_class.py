"""Build the demo class: a few students' submissions of every exercise, made from the
released notebooks and the reference solutions (never hand-edited JSON).

    python demo/make_class.py demo/class

writes ``demo/class/<student>/<assignment>/<assignment>.ipynb`` for:
perfect (the reference answers), typical (two classic mistakes from the test catalogue),
blank (the released notebook untouched), broken (a file that is not valid JSON), looping
(an answer cell that never finishes) and snooping (correct, plus a cell that looks for the
instructor's files, which the sandbox does not show it).
"""
from __future__ import annotations

import importlib
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import nbformat  # noqa: E402

from autograder import course  # noqa: E402
from autograder.fill import filled, reference_answers  # noqa: E402

LOOP_AFTER = "\n\nwhile True:  # left over from debugging\n    pass\n"

SNOOPING_CELL = """import os
# looks around the grading machine: the sandbox shows only the Python installation
print(sorted(os.listdir('/')), os.path.exists('/etc/passwd'))"""


def typical_mistakes(assignment_id: str) -> dict[str, str]:
    """Two classic mistakes, taken from the assignment's test catalogue: the first
    catalogued mistake of each of the first two graded names."""
    catalogue = importlib.import_module(f"tests.catalogue.{assignment_id}")
    return {name: next(iter(mistakes.values())) for name, mistakes in list(catalogue.MISTAKES.items())[:2]}


def students(assignment_id: str) -> dict[str, dict[str, str] | None]:
    """Each demo student's answers (None: hand in the released notebook untouched)."""
    reference = reference_answers(assignment_id)
    first = next(iter(reference))
    return {
        "perfect": reference,
        "typical": {**reference, **typical_mistakes(assignment_id)},
        "blank": None,
        "looping": {**reference, first: reference[first] + LOOP_AFTER},
        "snooping": reference,
    }


def make_class(target: Path) -> None:
    shutil.rmtree(target, ignore_errors=True)
    for assignment_id in course.assignment_ids():
        for student, answers in students(assignment_id).items():
            path = target / student / assignment_id / f"{assignment_id}.ipynb"
            path.parent.mkdir(parents=True, exist_ok=True)
            notebook = filled(assignment_id, answers or {})
            if student == "snooping":
                notebook.cells.insert(1, nbformat.v4.new_code_cell(SNOOPING_CELL, id="snooping"))  # a fixed id: the same file every time
            nbformat.write(notebook, path)
        broken = target / "broken" / assignment_id / f"{assignment_id}.ipynb"
        broken.parent.mkdir(parents=True, exist_ok=True)
        text = course.released_notebook(assignment_id).read_text()
        broken.write_text(text[: len(text) // 2])  # a download cut off half-way


if __name__ == "__main__":
    make_class(Path(sys.argv[1] if len(sys.argv) > 1 else "demo/class"))
