"""Generate the student notebooks in ``exercises/`` from the sources in ``solutions/``."""
from __future__ import annotations

import tempfile
from pathlib import Path

from nbgrader.apps import NbGraderAPI

from autograder import course
from autograder.errors import AutograderError


def release(assignment_ids: list[str] | None = None, *, into: Path | None = None) -> list[Path]:
    """Run nbgrader's ``generate_assignment`` for each assignment (all when none is named).

    Writes ``<into>/<id>/<id>.ipynb`` (``into`` defaults to ``exercises/``) and returns
    the paths written. The gradebook it needs lives in a throw-away folder.
    """
    ids = [course.require_assignment(a) for a in (assignment_ids or course.assignment_ids())]
    target = into or course.EXERCISES
    with tempfile.TemporaryDirectory(prefix="autograder-release-") as scratch:
        api = NbGraderAPI(config=course.nbgrader_config(release_to=target, work=Path(scratch)))
        for assignment_id in ids:
            result = api.generate_assignment(assignment_id, force=True)
            if not result["success"]:
                raise AutograderError(f"releasing {assignment_id} failed: {course.nbgrader_message(result)}")
    return [target / a / f"{a}.ipynb" for a in ids]

