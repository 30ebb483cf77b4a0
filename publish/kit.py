"""The student kit: the released notebooks and a standalone ``validate.py``, as one zip.

    python -m publish.kit _build/html/student-kit.zip

Nothing from ``solutions/`` or ``autograder/checks/`` goes in: only the released
notebooks (``exercises/``), the checker of visible tests and structure
(``publish/kit_validate.py``, with the cell-repair logic of
``autograder/grading/sanitize.py``, which holds no answers), pinned requirements and a README.
The zip is the same bytes for the same inputs (fixed timestamps, sorted entries).
"""
from __future__ import annotations

import sys
import zipfile
from pathlib import Path

from autograder import course

HERE = Path(__file__).resolve().parent
FOLDER = "activation-functions-kit"
#: What validate and the exercises need, pinned as the course's own environment pins them.
PACKAGES = ("numpy", "scipy", "sympy", "mpmath", "matplotlib", "nbformat", "nbclient", "ipykernel",
            "jupyterlab", "notebook")

README = """\
Activation Functions, In Depth: student kit
============================================

exercises/<id>/<id>.ipynb   the exercise notebooks, as released (one per chapter)
validate.py                 checks a notebook before you hand it in
requirements.txt            the Python packages both need (Python 3.11 to 3.13)

Set up once (in this folder):
    python3 -m venv .venv
    .venv/bin/python -m pip install -r requirements.txt      (Windows: .venv\\Scripts\\python)

Work: copy a notebook, open it in Jupyter (.venv/bin/jupyter lab), fill in every cell
that says YOUR CODE HERE or YOUR ANSWER HERE, and run the visible test under each answer.

Before handing in:
    .venv/bin/python validate.py path/to/your/ex02_softmax.ipynb

It runs the notebook from top to bottom in a fresh kernel and lists what still needs
attention; it ends with "ready to hand in". Your grade comes from hidden tests that
check more than the visible ones; proofs are graded by hand.
"""


def requirements() -> str:
    pins = {}
    for line in (course.ROOT / "requirements.txt").read_text().splitlines():
        name, _, version = line.partition("==")
        pins[name.strip().lower()] = line.strip()
    return "".join(pins[name] + "\n" for name in PACKAGES if name in pins)


def kit_files() -> dict[str, bytes]:
    files = {
        "README.txt": README.encode(),
        "requirements.txt": requirements().encode(),
        "validate.py": (HERE / "kit_validate.py").read_bytes(),
        "kit_sanitize.py": (course.ROOT / "autograder" / "grading" / "sanitize.py").read_bytes(),
    }
    for assignment_id in course.assignment_ids():
        released = course.released_notebook(assignment_id)
        if released.is_file():
            files[f"exercises/{assignment_id}/{assignment_id}.ipynb"] = released.read_bytes()
    return files


def build(target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in sorted(kit_files().items()):
            info = zipfile.ZipInfo(f"{FOLDER}/{name}", date_time=(2026, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return target


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m publish.kit OUTPUT.zip")
    print(build(Path(sys.argv[1])))
