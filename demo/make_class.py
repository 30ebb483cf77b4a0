"""Build the demo class: a few students' submissions of every exercise, made from the
released notebooks and the reference solutions (never hand-edited JSON).

    python demo/make_class.py demo/class

writes ``demo/class/<student>/<assignment>/<assignment>.ipynb`` for:
perfect (the reference answers), typical (two classic mistakes in softmax), blank (the
released notebook untouched), broken (a file that is not valid JSON) and looping (an
answer cell that never finishes).
"""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import nbformat  # noqa: E402

from autograder import course  # noqa: E402
from autograder.fill import filled, reference_answers  # noqa: E402

TYPICAL_SOFTMAX = '''def softmax(z, axis=-1):
    """Forgets the max shift (overflows) and normalises over the whole array."""
    e = np.exp(np.asarray(z, dtype=float))
    return e / e.sum()'''

LOOPING_SOFTMAX = '''def softmax(z, axis=-1):
    return softmax(z, axis)

while True:  # left over from debugging
    pass'''


def students(assignment_id: str) -> dict[str, dict[str, str] | None]:
    """Each demo student's answers (None: hand in the released notebook untouched)."""
    reference = reference_answers(assignment_id)
    return {
        "perfect": reference,
        "typical": {**reference, "softmax": TYPICAL_SOFTMAX} if "softmax" in reference else reference,
        "blank": None,
        "looping": {**reference, "softmax": LOOPING_SOFTMAX} if "softmax" in reference else reference,
    }


def make_class(target: Path) -> None:
    shutil.rmtree(target, ignore_errors=True)
    for assignment_id in course.assignment_ids():
        for student, answers in students(assignment_id).items():
            path = target / student / assignment_id / f"{assignment_id}.ipynb"
            path.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(filled(assignment_id, answers or {}), path)
        broken = target / "broken" / assignment_id / f"{assignment_id}.ipynb"
        broken.parent.mkdir(parents=True, exist_ok=True)
        text = course.released_notebook(assignment_id).read_text()
        broken.write_text(text[: len(text) // 2])  # a download cut off half-way


if __name__ == "__main__":
    make_class(Path(sys.argv[1] if len(sys.argv) > 1 else "demo/class"))
