"""The student kit: the released notebooks and a standalone ``validate.py``, as one zip.

    python -m publish.kit _build/html/student-kit.zip

Nothing from ``solutions/`` or ``autograder/checks/`` goes in: only the released
notebooks (``exercises/``), the checker of visible tests and structure
(``publish/kit_validate.py``, with the cell-repair logic of
``autograder/grading/sanitize.py`` and the notebook recognition of ``autograder/recognise.py``,
which hold no answers), pinned requirements and a README.
The zip is the same bytes for the same inputs (fixed timestamps, sorted entries).

The requirements are what the released notebooks import (read from their code cells) and
what validate and Jupyter need to run them, nothing more, each pinned as the course's own
environment pins it.
"""
from __future__ import annotations

import ast
import json
import sys
import zipfile
from pathlib import Path

from autograder import course

HERE = Path(__file__).resolve().parent
FOLDER = "activation-functions-kit"
#: What runs the notebooks and checks them: validate (nbformat, nbclient, ipykernel) and JupyterLab.
TOOLS = ("nbformat", "nbclient", "ipykernel", "jupyterlab")
#: The one way to run validate, as the README, every notebook and the book write it.
VALIDATE_COMMAND = "python3 validate.py path/to/your/notebook.ipynb"

README = """\
Activation Functions, In Depth: student kit
============================================

exercises/<id>/<id>.ipynb   the exercise notebooks, as released (one per chapter)
validate.py                 checks a notebook before you hand it in
requirements.txt            the Python packages both need (Python 3.11 to 3.13)

Set up once, in this folder:
    Debian, Ubuntu, macOS:  python3 -m venv .venv
                            .venv/bin/python -m pip install -r requirements.txt
    Windows:                py -m venv .venv
                            .venv\\Scripts\\python -m pip install -r requirements.txt
(On Debian and Ubuntu, `sudo apt install python3-venv` first if venv is missing.)

Work: copy a notebook, open it in Jupyter (.venv/bin/jupyter lab; Windows:
.venv\\Scripts\\jupyter lab), fill in every cell that says YOUR CODE HERE or
YOUR ANSWER HERE, and run the visible test under each answer.

Before handing in, in this folder:
    {command}        (Windows: py validate.py ...)

It uses the .venv made above by itself. It says which exercise it took your notebook for
(from its cells, whatever the file is called), runs it from top to bottom in a fresh kernel
and lists what still needs attention, written answers included; it ends with "ready to
hand in". Your grade comes from hidden tests that check more than the visible ones;
written answers (proofs) are graded by hand.
""".replace("{command}", VALIDATE_COMMAND)


#: Import names whose package is called otherwise on PyPI.
_DISTRIBUTIONS = {"sklearn": "scikit-learn", "PIL": "pillow", "yaml": "PyYAML"}


def notebook_imports() -> set[str]:
    """The packages (not of the standard library) that the released notebooks import."""
    found = set()
    for assignment_id in course.assignment_ids():
        released = course.released_notebook(assignment_id)
        if not released.is_file():
            continue
        for cell in json.loads(released.read_bytes())["cells"]:
            if cell["cell_type"] != "code":
                continue
            try:
                tree = ast.parse("".join(cell["source"]))
            except SyntaxError:
                continue
            for node in ast.walk(tree):
                names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                         else [node.module] if isinstance(node, ast.ImportFrom) and node.module and not node.level
                         else [])
                found.update(n.split(".")[0] for n in names)
    return {_DISTRIBUTIONS.get(n, n) for n in found if n not in sys.stdlib_module_names}


def packages() -> list[str]:
    return sorted(notebook_imports() | set(TOOLS))


def requirements() -> str:
    pins = {}
    for line in (course.ROOT / "requirements.txt").read_text().splitlines():
        name, _, version = line.partition("==")
        pins[name.strip().lower()] = line.strip()
    missing = [name for name in packages() if name.lower() not in pins]
    if missing:
        raise ValueError(f"not pinned in requirements.txt: {', '.join(missing)}")
    return "".join(pins[name.lower()] + "\n" for name in packages())


def kit_files() -> dict[str, bytes]:
    files = {
        "README.txt": README.encode(),
        "requirements.txt": requirements().encode(),
        "validate.py": (HERE / "kit_validate.py").read_bytes(),
        "kit_sanitize.py": (course.ROOT / "autograder" / "grading" / "sanitize.py").read_bytes(),
        "kit_recognise.py": (course.ROOT / "autograder" / "recognise.py").read_bytes(),
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
