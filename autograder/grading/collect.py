"""Find the submissions in a folder laid out as ``<student_id>/<assignment_id>/<notebook>.ipynb``."""
from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from autograder.errors import AutograderError


@dataclass(frozen=True)
class Submission:
    student_id: str
    assignment_id: str
    folder: Path


def unpack(archive: Path, into: Path) -> Path:
    """Extract the zip an LMS hands out into ``into`` and return the folder to collect from.

    Only regular files are extracted, and only below ``into``: a member named with ``..``
    or an absolute path is skipped. An archive that wraps the class in one top folder
    (``submissions/<student>/...``) is read from inside that folder.
    """
    try:
        with zipfile.ZipFile(archive) as bundle:
            for member in bundle.infolist():
                parts = PurePosixPath(member.filename).parts
                if member.is_dir() or not parts or parts[0] == "/" or ".." in parts:
                    continue
                target = into.joinpath(*parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                with bundle.open(member) as source, target.open("wb") as sink:
                    sink.write(source.read())
    except zipfile.BadZipFile:
        raise AutograderError(f"{archive} is not a zip file") from None
    return into if _holds_students(into) else _single_folder(into) or into


def _holds_students(folder: Path) -> bool:
    """Whether ``folder`` has notebooks at ``<student>/<assignment>/<notebook>.ipynb``."""
    return any(folder.glob("*/*/*.ipynb"))


def _single_folder(folder: Path) -> Path | None:
    entries = [p for p in folder.iterdir() if not p.name.startswith(("__MACOSX", "."))]
    return entries[0] if len(entries) == 1 and entries[0].is_dir() else None


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
