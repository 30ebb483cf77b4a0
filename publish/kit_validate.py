"""Check an exercise notebook before handing it in (the student kit's ``validate.py``).

    python3 validate.py path/to/ex02_softmax.ipynb      (Windows: py validate.py ...)

Run it from the kit's folder, with any Python 3: when that Python lacks the kit's packages
it runs itself again with the kit's own ``.venv`` (made once, as README.txt says), and
without one it says in one line how to make it.

It says first which exercise it took the notebook for (from its cells, whatever the file is
called), then runs the notebook from top to bottom in a fresh kernel, with its test cells
as released (the grader puts them back too), and lists what needs attention: answers not
written yet (code and written ones), visible tests that fail, cells that raise, test and
locked cells that were edited or deleted. It ends with "ready to hand in" when there is
nothing left. It runs the *visible* tests only: the grade comes from hidden tests that check
more, and written answers are graded by hand.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

KIT = Path(__file__).resolve().parent
EXERCISES = KIT / "exercises"
TIMED_OUT = "TimedOut"
#: The modules validate needs besides the standard library (requirements.txt pins them).
NEEDED = ("nbformat", "nbclient", "jupyter_client", "ipykernel", "numpy", "sympy")
COMMAND = "python3 validate.py path/to/your/notebook.ipynb"
SETUP = ("set up the kit once, in its folder: `python3 -m venv .venv` and then "
         "`.venv/bin/python -m pip install -r requirements.txt` (Windows: `py -m venv .venv` and "
         "`.venv\\Scripts\\python -m pip install -r requirements.txt`), as README.txt says")


def _kit_python() -> Path | None:
    """The kit's own virtual environment's Python, if it was made."""
    for candidate in (KIT / ".venv" / "bin" / "python", KIT / ".venv" / "Scripts" / "python.exe"):
        if candidate.is_file():
            return candidate
    return None


def _missing() -> list[str]:
    import importlib.util

    return [name for name in NEEDED if importlib.util.find_spec(name) is None]


def ensure_requirements(argv: list[str]) -> None:
    """Go on here, run again with the kit's ``.venv``, or stop with one line that says what to do."""
    if sys.version_info < (3, 10):
        sys.exit(f"validate needs Python 3.10 or newer (this is {sys.version.split()[0]}); {SETUP}")
    missing = _missing()
    if not missing:
        return
    kit_python = _kit_python()
    if kit_python is not None and os.environ.get("KIT_VALIDATE_AGAIN") != "1":
        environment = {**os.environ, "KIT_VALIDATE_AGAIN": "1"}
        done = subprocess.run([str(kit_python), str(Path(__file__).resolve()), *argv], env=environment)
        sys.exit(done.returncode)
    where = f"the kit's .venv ({kit_python})" if kit_python else f"this Python ({sys.executable})"
    sys.exit(f"validate needs {', '.join(missing)}, which {where} does not have: {SETUP}")


def assignment_ids() -> list[str]:
    return sorted(p.name for p in EXERCISES.iterdir() if (p / f"{p.name}.ipynb").is_file())


def released_notebook(assignment_id: str) -> Path:
    return EXERCISES / assignment_id / f"{assignment_id}.ipynb"


def _released() -> dict:
    import json

    return {a: json.loads(released_notebook(a).read_bytes()) for a in assignment_ids()}


def _error_of(cell, reply: dict):
    for output in cell.outputs:
        if output.output_type == "error":
            return output.ename, output.evalue
    content = reply.get("content", {})
    if content.get("status") == "error":
        return content.get("ename", "error"), content.get("evalue", "")
    return None


def _kernel_manager_class(tmp: str):
    """Kernels reached over local sockets (IPC, files in ``tmp``) on POSIX: nothing travels
    over TCP, so the kernel has nothing to warn about; on Windows, TCP on the loopback.
    A class, not a manager: nbclient then owns the kernel and shuts it down when done."""
    from jupyter_client.manager import AsyncKernelManager

    if os.name != "posix":
        return AsyncKernelManager

    class LocalSockets(AsyncKernelManager):
        def __init__(self, **options):
            super().__init__(**{**options, "transport": "ipc", "ip": os.path.join(tmp, "kernel")})

    return LocalSockets


def validate(path: Path, timeout: int = 60) -> tuple[str, list[str], list[str]]:
    """(the first line: which exercise, what passed, the problems)."""
    import json

    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    from kit_recognise import edited_locked_cells, identify, normalise, unwritten_answers
    from kit_sanitize import SubmissionError, parse_notebook, sanitize

    passed: list[str] = []
    problems: list[str] = []
    content = path.read_bytes()
    try:
        submitted = parse_notebook(normalise(content) or content)
    except SubmissionError as exc:
        return f"{path.name}: not checked", passed, [str(exc)]
    released = _released()
    recognised = identify(submitted, released, path.name)
    if recognised.assignment_id is None:
        return (f"{path.name}: not one of this course's exercise notebooks ({recognised.how})", passed,
                ["not an exercise notebook: start from the one in the kit's exercises folder"])
    assignment_id = recognised.assignment_id
    first = f"{path.name}: checked as {assignment_id} (recognised from {recognised.how})"
    frame = nbformat.reads(json.dumps(released[assignment_id]), 4)
    sanitized = sanitize(submitted, frame)
    locked = edited_locked_cells(submitted, frame)
    for kind, ids, consequence in (
        ("test cells edited", sanitized.restored, "grading uses the originals"),
        ("locked cells edited", locked, "grading uses the originals: put what you added in a cell of your own"),
        ("test cells deleted", sanitized.reinserted, "grading puts them back"),
        ("answer cells missing", sanitized.missing_answers,
         "copy them from the released notebook and put your answers back in them"),
    ):
        if ids:
            problems.append(f"{kind}: {', '.join(ids)} ({consequence})")
    for grade_id in unwritten_answers(sanitized.notebook):
        problems.append(f"{grade_id}: not written yet (it still says YOUR ANSWER HERE); it is graded by hand")
    notebook = sanitized.notebook
    replies: dict[int, dict] = {}
    with tempfile.TemporaryDirectory(prefix="validate-") as tmp:
        client = NotebookClient(
            notebook, kernel_manager_class=_kernel_manager_class(tmp), kernel_name="python3", timeout=timeout,
            allow_errors=True, interrupt_on_timeout=True,
            error_on_timeout={"ename": TIMED_OUT, "evalue": "", "traceback": []},
            extra_arguments=["--HistoryManager.hist_file=:memory:"],
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
    return first, passed, problems


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], usage=COMMAND)
    parser.add_argument("notebook", type=Path)
    parser.add_argument("--timeout", type=int, default=60, help="seconds each cell may run (default 60)")
    args = parser.parse_args(argv)
    if not args.notebook.is_file():
        print(f"no such notebook: {args.notebook}", file=sys.stderr)
        return 2
    ensure_requirements(argv)
    sys.path.insert(0, str(KIT))
    first, passed, problems = validate(args.notebook, args.timeout)
    print(first)
    for name in passed:
        print(f"passed: {name}")
    for problem in problems:
        print(f"PROBLEM: {problem}")
    print("ready to hand in" if not problems else f"{len(problems)} problem(s) to fix before handing in")
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
