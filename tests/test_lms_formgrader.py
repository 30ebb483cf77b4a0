"""`formgrader OUT` serves nbgrader's formgrader on that run's gradebook with no configuration
by hand: a manual score given through it reaches the tables with `report`, and the proof that
was pending is pending no more."""
from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import time
import urllib.request

from autograder.grading.formgrader import prepare
from conftest import read_rows, write_submission


def call(url: str, token: str, method: str = "GET", body: dict | None = None):
    request = urllib.request.Request(url, method=method, data=None if body is None else json.dumps(body).encode(),
                                     headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


@contextlib.contextmanager
def formgrader(out):
    """nbgrader's formgrader served on the grading run in ``out`` (``formgrader OUT``), once it
    answers: ``(base URL, token, the submitted ex02 notebooks)``; stopped on leaving."""
    server = prepare(out)
    base, token = server.url.split("/formgrader")[0], server.url.split("token=")[1]
    process = subprocess.Popen(server.argv, cwd=server.cwd, env=server.env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        for _ in range(720):  # a loaded machine takes a minute or more to start Jupyter
            try:
                notebooks = call(f"{base}/formgrader/api/submitted_notebooks/ex02_softmax/ex02_softmax", token)
                break
            except OSError:
                time.sleep(0.25)
        else:
            raise AssertionError("the formgrader did not start")
        yield base, token, notebooks
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_grading_by_hand_in_the_formgrader_then_report(tmp_path, perfect):
    folder, out = tmp_path / "class", tmp_path / "out"
    write_submission(folder, "ada", perfect)
    command = [sys.executable, "-m", "autograder"]
    subprocess.run([*command, "grade", str(folder), "--out", str(out), "--timeout", "10"], check=True,
                   capture_output=True)
    assert read_rows(out / "grades.csv")[0]["status"] == "pending (manual: proof)"

    with formgrader(out) as (base, token, notebooks):
        ada, = [n for n in notebooks if n["student"] == "ada"]
        grades = call(f"{base}/formgrader/api/grades?submission_id={ada['id']}", token)
        proof, = [g for g in grades if g["name"] == "proof"]
        call(f"{base}/formgrader/api/grade/{proof['id']}", token, "PUT", {"manual_score": 3})

    run = subprocess.run([*command, "report", str(out)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    grades = read_rows(out / "grades.csv")
    assert (grades[0]["score"], grades[0]["status"]) == ("19", "graded")
    assert [r["status"] for r in read_rows(out / "cells.csv") if r["grade_id"] == "proof"] == ["graded"]
    assert (out / "report.html").is_file() and (out / "parts.csv").is_file()


def test_the_formgrader_feedback_button_marks_pending_parts_and_hides_the_tests(tmp_path):
    from traitlets.config import Config
    from nbconvert.exporters.exporter import Exporter

    from autograder.grading.formgrader import write_config

    config = Config()
    exec((write_config(tmp_path) / "nbgrader_config.py").read_text(), {"get_config": lambda: config})
    assert config.GenerateFeedback.preprocessors == ["autograder.grading.feedback.GetGradesMarkingPending",
                                                     "nbgrader.preprocessors.ClearHiddenTests",
                                                     "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor"]
    exporter = Exporter()
    for name in config.GenerateFeedback.preprocessors:  # each importable, as nbgrader will import it
        exporter.register_preprocessor(name, enabled=True)
