"""Find the submissions in a folder laid out as ``<student_id>/<assignment_id>/<notebook>.ipynb``."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Submission:
    student_id: str
    assignment_id: str
    folder: Path


def collect(submissions: Path, assignment_ids: list[str]) -> list[Submission]:
    """Every ``<student>/<assignment>`` folder, sorted; only ``assignment_ids`` if given.

    Unknown assignments are still returned, so that they get a row that says so.
    """
    found = []
    for student in sorted(p for p in submissions.iterdir() if p.is_dir() and not p.name.startswith(".")):
        for folder in sorted(p for p in student.iterdir() if p.is_dir() and not p.name.startswith(".")):
            if not assignment_ids or folder.name in assignment_ids:
                found.append(Submission(student.name, folder.name, folder))
    return found


def find_notebook(folder: Path, expected_name: str) -> tuple[Path | None, str | None]:
    """The notebook to grade in ``folder`` and a note when it was not named as released.

    An LMS often renames files (``ex02_softmax (1).ipynb``); a single notebook under
    another name is graded all the same.
    """
    expected = folder / expected_name
    if expected.is_file():
        return expected, None
    notebooks = sorted(p for p in folder.glob("*.ipynb") if p.is_file())
    if len(notebooks) == 1:
        return notebooks[0], f"graded {notebooks[0].name} as {expected_name}"
    return None, None
