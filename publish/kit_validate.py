"""Check an exercise notebook before handing it in (the student kit's ``validate.py``).

    python validate.py path/to/ex02_softmax.ipynb

Runs the notebook from top to bottom in a fresh kernel, with its test cells as released
(the grader puts them back too), and lists what needs attention: answers not written
yet, visible tests that fail, cells that raise, test cells that were edited or deleted.
It ends with "ready to hand in" when there is nothing left. It runs the *visible* tests
only: the grade comes from hidden tests that check more.

Needs Python 3.11+ with the packages in requirements.txt (numpy, sympy, ... and Jupyter).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError

from kit_sanitize import SubmissionError, read_notebook, sanitize

KIT = Path(__file__).resolve().parent
EXERCISES = KIT / "exercises"
TIMED_OUT = "TimedOut"


def assignment_ids() -> list[str]:
    return sorted(p.name for p in EXERCISES.iterdir() if (p / f"{p.name}.ipynb").is_file())


def released_notebook(assignment_id: str) -> Path:
    return EXERCISES / assignment_id / f"{assignment_id}.ipynb"


def assignment_of(path: Path, notebook) -> str:
    """Which exercise this is: by its file name, else by the names of its cells."""
    stem = path.stem.split(" ")[0]
    if stem in assignment_ids():
        return stem
    theirs = {c.metadata.get("nbgrader", {}).get("grade_id") for c in notebook.cells} - {None}
    for assignment_id in assignment_ids():
        released = nbformat.read(released_notebook(assignment_id), 4)
        if theirs & {c.metadata.get("nbgrader", {}).get("grade_id") for c in released.cells}:
            return assignment_id
    raise SystemExit(f"{path.name} is not one of this course's exercise notebooks")


def _error_of(cell, reply: dict):
    for output in cell.outputs:
        if output.output_type == "error":
            return output.ename, output.evalue
    content = reply.get("content", {})
    if content.get("status") == "error":
        return content.get("ename", "error"), content.get("evalue", "")
    return None


def validate(path: Path, timeout: int = 60) -> tuple[list[str], list[str]]:
    """(what passed, the problems)."""
    passed: list[str] = []
    problems: list[str] = []
    try:
        submitted = read_notebook(path)
    except SubmissionError as exc:
        return passed, [str(exc)]
    assignment_id = assignment_of(path, submitted)
    sanitized = sanitize(submitted, nbformat.read(released_notebook(assignment_id), 4))
    for kind, ids, consequence in (
        ("test cells edited", sanitized.restored, "grading uses the originals"),
        ("test cells deleted", sanitized.reinserted, "grading puts them back"),
        ("answer cells missing", sanitized.missing_answers,
         "copy them from the released notebook and put your answers back in them"),
    ):
        if ids:
            problems.append(f"{kind}: {', '.join(ids)} ({consequence})")
    notebook = sanitized.notebook
    replies: dict[int, dict] = {}
    client = NotebookClient(
        notebook, timeout=timeout, allow_errors=True, kernel_name="python3", interrupt_on_timeout=True,
        error_on_timeout={"ename": TIMED_OUT, "evalue": "", "traceback": []},
        on_cell_executed=lambda cell, cell_index, execute_reply: replies.__setitem__(cell_index, execute_reply),
        resources={"metadata": {"path": str(path.parent.resolve())}},
    )
    try:
        client.execute()
    except DeadKernelError:
        problems.append("the kernel died while running the notebook (does a cell exit or crash?); "
                        "the cells after that one did not run")
    except CellTimeoutError:
        problems.append(f"a cell did not finish within {timeout} s; the cells after it did not run")
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code" or index not in replies:
            continue
        name = cell.metadata.get("nbgrader", {}).get("grade_id") or f"cell {index + 1}"
        error = _error_of(cell, replies[index])
        if error is None:
            if "-" in name and cell.source.strip() and not name.endswith("-hidden"):
                passed.append(name)
        elif error[0] == "NotImplementedError":
            problems.append(f"{name}: {name.split('-')[0]} is not written yet (NotImplementedError)")
        elif error[0] in (TIMED_OUT, "KeyboardInterrupt"):
            problems.append(f"{name}: did not finish within {timeout} s (an endless loop?)")
        else:
            problems.append(f"{name}: {error[0]}: {error[1]}".strip().rstrip(":")[:300])
    return passed, problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebook", type=Path)
    parser.add_argument("--timeout", type=int, default=60, help="seconds each cell may run (default 60)")
    args = parser.parse_args(argv)
    if not args.notebook.is_file():
        print(f"no such notebook: {args.notebook}", file=sys.stderr)
        return 2
    passed, problems = validate(args.notebook, args.timeout)
    for name in passed:
        print(f"passed: {name}")
    for problem in problems:
        print(f"PROBLEM: {problem}")
    print("ready to hand in" if not problems else f"{len(problems)} problem(s) to fix before handing in")
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
