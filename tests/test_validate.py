"""`validate` tells a student what to fix, and says when a notebook is ready."""
import subprocess
import sys

import nbformat

from autograder import course
from autograder.fill import filled
from autograder.validate import validate
from conftest import ASSIGNMENT, write_submission


def test_blank_notebook_lists_unwritten_answers():
    report = validate(course.released_notebook(ASSIGNMENT), timeout=30)
    assert not report.ok
    assert any("softmax-visible" in problem and "NotImplementedError" in problem for problem in report.problems)


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
    report = validate(write_submission(tmp_path, "loop", looping), timeout=3)
    assert report.problems == ["softmax: did not finish within 3 s (an endless loop?)"]
    assert "passed: softmax_vjp-visible" in report.text()
    exiting = filled(ASSIGNMENT, {**answers, "softmax": "import os\nos._exit(1)"})
    report = validate(write_submission(tmp_path, "exit", exiting), timeout=10)
    assert len(report.problems) == 1 and report.problems[0].startswith("the kernel died")
