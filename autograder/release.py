"""Generate the student notebooks in ``exercises/`` from the sources in ``solutions/``."""
from __future__ import annotations

import tempfile
from pathlib import Path

from nbgrader.apps import NbGraderAPI

from autograder import course
from autograder.errors import AutograderError
from autograder.grading.records import atomic_write


def release(assignment_ids: list[str] | None = None, *, into: Path | None = None) -> list[Path]:
    """Run nbgrader's ``generate_assignment`` for each assignment (all when none is named).

    Makes ``<into>/<id>/<id>.ipynb`` (``into`` defaults to ``exercises/``) and returns their
    paths. A notebook is written only when it differs from the one already there, so a
    release with nothing changed touches no file (and nothing built from the exercises is
    rebuilt). The gradebook nbgrader needs lives in a throw-away folder.
    """
    ids = [course.require_assignment(a) for a in (assignment_ids or course.assignment_ids())]
    target = into or course.EXERCISES
    with tempfile.TemporaryDirectory(prefix="autograder-release-") as scratch:
        fresh = Path(scratch) / "release"
        api = NbGraderAPI(config=course.nbgrader_config(release_to=fresh, work=Path(scratch)))
        for assignment_id in ids:
            result = api.generate_assignment(assignment_id, force=True)
            if not result["success"]:
                raise AutograderError(f"releasing {assignment_id} failed: {course.nbgrader_message(result)}")
            made = fresh / assignment_id / f"{assignment_id}.ipynb"
            released = target / assignment_id / f"{assignment_id}.ipynb"
            if not released.is_file() or released.read_bytes() != made.read_bytes():
                released.parent.mkdir(parents=True, exist_ok=True)
                atomic_write(released, made.read_bytes())
    return [target / a / f"{a}.ipynb" for a in ids]
