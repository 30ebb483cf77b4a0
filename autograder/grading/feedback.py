"""Hand feedback back: nbgrader's ``generate_feedback``, copied to ``OUT/feedback``."""
from __future__ import annotations

import shutil
from pathlib import Path

from nbgrader.apps import NbGraderAPI

from autograder import course


def publish_feedback(api: NbGraderAPI, work: Path, out: Path, student_id: str, assignment_id: str) -> str | None:
    """Write ``OUT/feedback/<student>/<assignment>/<notebook>.html``; say what went wrong, if anything."""
    result = api.generate_feedback(assignment_id, student_id, force=True)
    if not result["success"]:
        return "no feedback: " + course.nbgrader_message(result)
    made = work / "feedback" / student_id / assignment_id
    for html in sorted(made.glob("*.html")):
        destination = out / "feedback" / student_id / assignment_id / html.name
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(html, destination)
    return None
