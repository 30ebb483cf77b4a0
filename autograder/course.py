"""Where things are, and the nbgrader configuration that maps our layout onto a course.

nbgrader's course directory is the repository itself (``solutions/`` is its source
folder, ``exercises/`` its release folder). Everything a grading run writes (submitted,
autograded and feedback copies, the gradebook) goes under a working folder outside git.
"""
from __future__ import annotations

import functools
from pathlib import Path

from traitlets.config import Config

from autograder.errors import AutograderError

ROOT = Path(__file__).resolve().parent.parent

#: Kernels keep no history file and print only errors (not ipykernel's startup notices).
KERNEL_ARGUMENTS = ["--HistoryManager.hist_file=:memory:", "--IPKernelApp.log_level=ERROR"]
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"


def assignment_ids() -> list[str]:
    """Every assignment with a source notebook, in order."""
    return sorted(p.name for p in SOLUTIONS.iterdir() if (p / f"{p.name}.ipynb").is_file())


def require_assignment(assignment_id: str) -> str:
    if assignment_id not in assignment_ids():
        raise AutograderError(f"unknown assignment {assignment_id!r}; known: {', '.join(assignment_ids())}")
    return assignment_id


def source_notebook(assignment_id: str) -> Path:
    return SOLUTIONS / assignment_id / f"{assignment_id}.ipynb"


def released_notebook(assignment_id: str) -> Path:
    return EXERCISES / assignment_id / f"{assignment_id}.ipynb"


def nbgrader_config(*, release_to: Path, work: Path) -> Config:
    """nbgrader settings for this repository, with a gradebook and copies under ``work``."""
    config = Config()
    config.CourseDirectory.root = str(ROOT)
    config.CourseDirectory.source_directory = "solutions"
    config.CourseDirectory.release_directory = str(release_to.resolve())
    for name in ("submitted", "autograded", "feedback"):
        setattr(config.CourseDirectory, f"{name}_directory", str((work / name).resolve()))
    config.CourseDirectory.db_url = gradebook_url(work)
    config.Application.log_level = "ERROR"
    config.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
    config.ClearSolutions.text_stub = "YOUR ANSWER HERE"
    return config


def gradebook_url(work: Path) -> str:
    """Where the gradebook of a working folder lives, as SQLAlchemy wants it. Every gradebook
    of the project is opened through this URL, so it is also where nbgrader is made to read
    its schema version in this process (:func:`_schema_version_in_process`)."""
    import nbgrader.api

    nbgrader.api.get_alembic_version = _schema_version_in_process
    return f"sqlite:///{(work / 'gradebook.db').resolve()}"


@functools.cache
def _schema_version_in_process() -> str:
    """The head revision of nbgrader's gradebook migrations, which a new gradebook records.

    nbgrader's own ``get_alembic_version`` runs the ``alembic`` program for it: found only
    when the virtual environment's ``bin`` is on ``PATH``, and 3.7 s of every grading run
    (that program imports all of nbgrader again). Alembic's script directory gives the
    same revision in 0.1 s."""
    import nbgrader
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(Path(nbgrader.__file__).parent / "alembic")).get_current_head()


def nbgrader_message(result: dict) -> str:
    """The line worth showing from what an NbGraderAPI call returned: its last error line."""
    text = (result.get("error") or result.get("log") or "").strip()
    errors = [line for line in text.splitlines() if "rror" in line]
    return (errors[-1] if errors else (text.splitlines() or ["no message from nbgrader"])[-1]).strip()[:200]
