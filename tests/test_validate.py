"""`validate` tells a student what to fix, and says when a notebook is ready."""
import subprocess
import sys

import nbformat

from autograder import course
from autograder.fill import filled
from autograder.validate import validate
from conftest import ASSIGNMENT, write_submission


def test_blank_notebook_lists_unwritten_answers_after_saying_which_exercise_it_is():
    report = validate(course.released_notebook(ASSIGNMENT), timeout=30)
    assert not report.ok
    assert any("softmax-visible" in problem and "NotImplementedError" in problem for problem in report.problems)
    assert "proof: not written yet (it still says YOUR ANSWER HERE); it is graded by hand" in report.problems
    first = report.text().splitlines()[0]
    assert first == f"{ASSIGNMENT}.ipynb: checked as {ASSIGNMENT} (recognised from its cells)"


def test_finished_notebook_is_ready(tmp_path, perfect):
    path = write_submission(tmp_path, "me", perfect)
    run = subprocess.run([sys.executable, "-m", "autograder", "validate", str(path)], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.strip().endswith("ready to hand in")
    assert "passed: softmax_vjp-visible" in run.stdout


def test_edited_test_cell_and_broken_file_are_reported(tmp_path, perfect):
    edited = nbformat.from_dict(perfect)
    for cell in edited.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "softmax-visible":
            cell.source = "pass"
    report = validate(write_submission(tmp_path, "edited", edited), timeout=30)
    assert report.problems == ["test cells edited: softmax-visible (grading uses the originals)"]
    broken = tmp_path / "broken.ipynb"
    broken.write_text("{not json")
    assert validate(broken).problems == ["not a valid notebook: the file is not valid JSON"]


def test_missing_file_is_a_one_line_usage_error(tmp_path):
    run = subprocess.run([sys.executable, "-m", "autograder", "validate", str(tmp_path / "nope.ipynb")],
                         capture_output=True, text=True)
    assert run.returncode == 2 and run.stderr.strip().count("\n") == 0 and run.stderr.startswith("error:")


def test_a_loop_and_a_dying_kernel_are_reported_not_raised(tmp_path, answers):
    looping = filled(ASSIGNMENT, {**answers, "softmax": answers["softmax"] + "\nwhile True:\n    pass"})
    report = validate(write_submission(tmp_path, "loop", looping), timeout=15)  # imports take seconds on a busy machine
    assert report.problems == ["softmax: did not finish within 15 s (an endless loop?)"]
    assert "passed: softmax_vjp-visible" in report.text()
    exiting = filled(ASSIGNMENT, {**answers, "softmax": "import os\nos._exit(1)"})
    report = validate(write_submission(tmp_path, "exit", exiting), timeout=10)
    assert len(report.problems) == 1 and report.problems[0].startswith("the kernel died")


# --- the kit's validate, as a new student meets it (issue 18, item 3) --------------------

import json
import os
import re
from pathlib import Path

import pytest

from autograder.recognise import edited_locked_cells, identify, unwritten_answers
from publish import kit


def _kit(tmp_path) -> Path:
    folder = tmp_path / "kit"
    for name, data in kit.kit_files().items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    return folder


def _released() -> dict:
    return {a: json.loads(course.released_notebook(a).read_bytes()) for a in course.assignment_ids()}


@pytest.mark.parametrize("name", ["Copy of {}.ipynb", "{}-Copy1.ipynb", "{}_final.ipynb", "Untitled.ipynb",
                                  "Untitled1.ipynb", "ex01_vector_activations.ipynb"])
def test_every_exercise_is_recognised_from_its_cells_whatever_its_name(name):
    released = _released()
    for assignment_id, notebook in released.items():
        found = identify(notebook, released, name.format(assignment_id))
        assert (found.assignment_id, found.how) == (assignment_id, "its cells")


def test_cells_pasted_into_a_new_notebook_are_recognised_from_their_text():
    released = _released()
    for assignment_id, notebook in released.items():
        pasted = {"cells": [{"cell_type": c["cell_type"], "metadata": {}, "source": c["source"]}
                            for c in notebook["cells"]]}
        assert identify(pasted, released, "Untitled.ipynb").assignment_id == assignment_id
    assert identify({"cells": []}, released, "Copy of ex03_relu_subgradients.ipynb").how == "its file name"
    assert identify({"cells": []}, released, "homework.ipynb").assignment_id is None


def test_shared_cell_names_decide_nothing():
    released = _released()
    shared = {"cells": [c for c in released["ex03_relu_subgradients"]["cells"]
                        if c["metadata"]["nbgrader"]["grade_id"] in ("intro", "imports", "proof-text", "proof")]}
    for cell in shared["cells"]:
        cell.pop("id", None)
        cell["source"] = ""
    assert identify(shared, released, "Untitled.ipynb").assignment_id is None


def test_unwritten_written_answers_and_edited_locked_cells_are_found(perfect):
    released = nbformat.read(course.released_notebook(ASSIGNMENT), 4)
    assert unwritten_answers(released) == ["proof"] and unwritten_answers(perfect) == []
    edited = nbformat.from_dict(json.loads(nbformat.writes(perfect)))
    next(c for c in edited.cells if c.metadata["nbgrader"]["grade_id"] == "imports").source += "\nimport scipy"
    assert edited_locked_cells(edited, released) == ["imports"] and edited_locked_cells(perfect, released) == []


def test_kit_validate_on_a_renamed_copy_says_what_it_took_and_what_is_not_written(tmp_path, perfect):
    """One run: a correct ex02 saved as Untitled.ipynb, proof not written, an import added to
    the locked imports cell. No false problems, no Jupyter warning, the first line says ex02."""
    folder = _kit(tmp_path)
    mine = json.loads(nbformat.writes(perfect))
    for cell in mine["cells"]:
        grade_id = cell["metadata"]["nbgrader"]["grade_id"]
        if grade_id == "proof":
            cell["source"] = "YOUR ANSWER HERE"
        if grade_id == "imports":
            cell["source"] = "".join(cell["source"]) + "\nimport math"
    path = tmp_path / "work" / "Untitled.ipynb"
    path.parent.mkdir()
    path.write_text(json.dumps(mine))
    run = subprocess.run([sys.executable, "validate.py", str(path)], cwd=folder, capture_output=True, text=True,
                         timeout=600)
    lines = run.stdout.strip().splitlines()
    assert run.returncode == 1, run.stdout + run.stderr
    assert lines[0] == "Untitled.ipynb: checked as ex02_softmax (recognised from its cells)"
    problems = [line for line in lines if line.startswith("PROBLEM")]
    assert problems == [
        "PROBLEM: locked cells edited: imports (grading uses the originals: put what you added in a cell of your own)",
        "PROBLEM: proof: not written yet (it still says YOUR ANSWER HERE); it is graded by hand"]
    assert "passed: softmax_vjp-visible" in lines and lines[-1] == "2 problem(s) to fix before handing in"
    assert "WARNING" not in run.stderr and "TCP" not in run.stderr, run.stderr


def test_kit_validate_without_its_packages_says_how_in_one_line_or_uses_the_kits_venv(tmp_path):
    folder = _kit(tmp_path)
    notebook = folder / "exercises" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    bare = subprocess.run([sys.executable, "-S", "validate.py", str(notebook)], cwd=folder, capture_output=True,
                          text=True, timeout=120)  # -S: a Python with the standard library only
    assert bare.returncode == 1 and bare.stdout == "", bare.stderr
    assert bare.stderr.count("\n") == 1 and "Traceback" not in bare.stderr
    assert bare.stderr.startswith("validate needs nbformat") and "python3 -m venv .venv" in bare.stderr
    assert "py -m venv .venv" in bare.stderr  # and how on Windows
    (folder / ".venv" / "bin").mkdir(parents=True)
    kit_python = folder / ".venv" / "bin" / "python"  # the kit's .venv, made as README.txt says (a stand-in)
    kit_python.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    kit_python.chmod(0o755)
    again = subprocess.run([sys.executable, "-S", "validate.py", str(notebook)], cwd=folder, capture_output=True,
                           text=True, timeout=600)
    assert again.stdout.startswith(f"{ASSIGNMENT}.ipynb: checked as {ASSIGNMENT} (recognised from its cells)")
    assert "is not written yet (NotImplementedError)" in again.stdout and again.returncode == 1


def test_the_kits_requirements_are_what_the_notebooks_import_and_what_runs_them():
    pinned = {line.split("==")[0].lower() for line in kit.requirements().splitlines()}
    assert pinned == kit.notebook_imports() | set(kit.TOOLS)
    assert {"numpy", "sympy"} <= kit.notebook_imports()
    assert not (pinned - kit.notebook_imports()) & {"scipy", "matplotlib", "notebook", "mpmath"}


def test_validate_is_written_one_way_everywhere():
    """The kit's README, every notebook the students get and the book give the same command."""
    root = course.ROOT
    texts = {"kit README": kit.README, "README.md": (root / "README.md").read_text()}
    texts.update({str(p.relative_to(root)): p.read_text() for p in (root / "book").glob("*.md")})
    for assignment_id in course.assignment_ids():
        texts[assignment_id] = course.released_notebook(assignment_id).read_text()
    command = re.compile(r"python3 validate\.py path/to/\S+\.ipynb")
    for name, text in texts.items():
        assert "-m autograder validate path" not in text and not re.search(r"(?<![\w/])python validate\.py", text), name
        assert ".venv/bin/python validate.py" not in text, name
    for name in ["kit README", "book/intro.md", *course.assignment_ids()]:
        assert command.search(texts[name]), name
    for chapter in (root / "book").glob("ch0*.md"):
        assert command.search(chapter.read_text()), chapter.name

