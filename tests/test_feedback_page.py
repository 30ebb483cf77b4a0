"""A feedback page as a whole, rendered from a tiny gradebook without running the grader: its
one script and the policy that names it, the feedback folder's shared MathJax, the page made
to travel alone, and the text each process renders once (in a browser: test_browser_feedback.py)."""
from __future__ import annotations

import base64
import hashlib
import os
import re
import sys
import zipfile
from pathlib import Path

import nbformat
import pygments
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from nbgrader.api import Gradebook, GradeCell, SolutionCell

from autograder import course
from autograder.checks.framework import VERDICT_MIME
from autograder.grading import feedback
from autograder.grading.export import export
from autograder.grading.records import SubmissionGrade, write_tables
from test_feedback import VERDICT

SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)
CSP = re.compile(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">')


def _meta(grade_id: str, *, grade: bool, solution: bool, points: float = 0) -> dict:
    return {"nbgrader": {"grade": grade, "solution": solution, "grade_id": grade_id, "points": points,
                         "locked": not solution, "schema_version": 3}}


@pytest.fixture
def work(tmp_path, monkeypatch) -> Path:
    """A work folder holding one student's autograded notebook and its gradebook: an answer
    ``f`` whose hidden tests scored 1 of 2, and a proof nobody has graded yet."""
    monkeypatch.setenv("PATH", str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""))  # alembic
    work = tmp_path / "work"
    work.mkdir()
    with Gradebook(course.gradebook_url(work)) as gradebook:
        gradebook.add_assignment("ex")
        gradebook.add_student("ada")
        notebook = gradebook.update_or_create_notebook("ex", "ex")
        gradebook.db.add(SolutionCell(name="f", notebook=notebook))
        gradebook.db.add(GradeCell(name="f-hidden", max_score=2, notebook=notebook, cell_type="code"))
        gradebook.db.add(GradeCell(name="proof", max_score=4, notebook=notebook, cell_type="markdown"))
        gradebook.db.add(SolutionCell(name="proof", notebook=notebook))
        gradebook.db.commit()
        gradebook.add_submission("ex", "ada")
        tests = gradebook.find_grade("f-hidden", "ex", "ex", "ada")
        tests.auto_score, tests.needs_manual_grade = 1.0, False
        gradebook.db.commit()
    cells = [new_markdown_cell("Softmax: $y_i = e^{z_i} / \\sum_k e^{z_k}$."),
             new_code_cell("def f(z):\n    return z\n", metadata=_meta("f", grade=False, solution=True)),
             new_code_cell("# hidden tests", metadata=_meta("f-hidden", grade=True, solution=False, points=2),
                           outputs=[nbformat.v4.new_output("execute_result", execution_count=1, data={
                               "text/plain": "1.0", VERDICT_MIME: VERDICT.to_dict()})]),
             new_markdown_cell("My proof: $\\sum_i y_i = 1$.",
                               metadata=_meta("proof", grade=True, solution=True, points=4))]
    path = work / "autograded" / "ada" / "ex" / "ex.ipynb"
    path.parent.mkdir(parents=True)
    nbformat.write(new_notebook(cells=cells, metadata={"language_info": {"name": "python"}}), path)
    return work


def _page(work: Path) -> str:
    return feedback.render_feedback(work / "autograded" / "ada" / "ex" / "ex.ipynb", course.gradebook_url(work),
                                    "ada", "ex")


def _hash(script: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode() + "'"


def test_the_page_shows_scores_verdicts_and_the_students_work(work):
    page = _page(work)
    assert '<strong>1 / 6</strong>, of which\n  4 points are graded by hand' in page
    assert 'href="#f-hidden"' in page and '<span class="badge partial">2 failed</span>' in page
    assert page.index("the axis argument") < page.index("values on vectors")  # failures first
    assert '<span class="k">def</span>' in page and "My proof:" in page and "# hidden tests" not in page


def test_the_page_runs_one_script_named_by_its_hash_and_loads_the_folders_mathjax(work):
    page = _page(work)
    head = page.split("</head>")[0]
    scripts = SCRIPT.findall(page)
    assert len(scripts) == 1 and "<script src" not in page and feedback.MATHJAX_CONFIG in scripts[0]
    assert f"script.src = '{feedback.MATHJAX_URL}'" in scripts[0]
    script_src = CSP.search(head).group(1).split("script-src ")[1].split(";")[0]
    assert script_src == f"{_hash(scripts[0])} 'strict-dynamic'"  # nothing else: no 'self', no host, no inline
    assert len(page) < 100_000  # MathJax (2.2 MB) is not in the page


def test_write_feedback_puts_mathjax_where_the_page_looks_for_it(work, tmp_path):
    out = tmp_path / "out"
    assert feedback.write_feedback(work, out, "ada", "ex") is None
    page = out / "feedback" / "ada" / "ex" / "ex.html"
    asset = (page.parent / feedback.MATHJAX_URL).resolve()
    assert asset == (out / "feedback" / feedback.MATHJAX_FOLDER / feedback.MATHJAX_FILE).resolve()
    assert asset.read_text("utf-8") == feedback._inline_mathjax().replace("<\\/script", "</script")
    assert (asset.parent / "LICENSE").is_file()


def test_mathjax_is_written_only_when_missing_or_different(tmp_path, monkeypatch):
    folder = tmp_path / "feedback"
    feedback.share_mathjax(folder)
    asset = folder / feedback.MATHJAX_FOLDER / feedback.MATHJAX_FILE
    before = asset.stat()
    monkeypatch.setattr(feedback, "_shared", set())  # as a new process would find it
    feedback.share_mathjax(folder)
    assert asset.stat().st_ino == before.st_ino and asset.stat().st_mtime_ns == before.st_mtime_ns
    asset.write_text("window.MathJax = 'tampered';")
    monkeypatch.setattr(feedback, "_shared", set())
    feedback.share_mathjax(folder)
    assert asset.stat().st_size == before.st_size and "tampered" not in asset.read_text("utf-8")
    asset.unlink()
    feedback.share_mathjax(folder)  # this process put it there, but it is gone: put again
    assert asset.is_file()


def test_a_page_made_to_travel_alone_carries_mathjax_and_names_both_scripts(work):
    alone = feedback.standalone(_page(work))
    scripts = SCRIPT.findall(alone)
    assert len(scripts) == 2 and scripts[0] == feedback.MATHJAX_CONFIG and len(scripts[1]) > 2_000_000
    assert feedback.MATHJAX_URL not in alone and "</script" not in scripts[1]
    script_src = CSP.search(alone).group(1).split("script-src ")[1].split(";")[0]
    assert script_src == f"{_hash(scripts[0])} {_hash(scripts[1])}"
    assert feedback.standalone(alone) == alone
    assert feedback.standalone("<p>made by something else</p>") == "<p>made by something else</p>"


@pytest.mark.parametrize("to", ["moodle", "csv"])
def test_exported_feedback_travels_alone(work, tmp_path, to):
    out = tmp_path / "out"
    feedback.write_feedback(work, out, "ada", "ex")
    write_tables(out, [SubmissionGrade("ada", "ex", 1.0, 6.0, "pending (manual: proof)", name="Ada")])
    export(out, to, feedback=True)
    if to == "moodle":
        with zipfile.ZipFile(out / "export" / "moodle_feedback_ex.zip") as bundle:
            handed_back = bundle.read("Ada_ada_assignsubmission_file_ex.html").decode("utf-8")
    else:
        handed_back = (out / "export" / "feedback" / "ada" / "ex" / "ex.html").read_text("utf-8")
    page = (out / "feedback" / "ada" / "ex" / "ex.html").read_text("utf-8")
    assert handed_back == feedback.standalone(page) != page


def test_the_could_not_grade_page_runs_no_script(tmp_path):
    feedback.write_failure_feedback(tmp_path, "s1", "ex", "ex.ipynb", "not a valid notebook")
    page = (tmp_path / "feedback" / "s1" / "ex" / "ex.html").read_text("utf-8")
    assert "<script" not in page and "script-src 'none'" in page


def test_text_the_same_in_every_copy_is_highlighted_once(monkeypatch):
    calls = []
    highlight = pygments.highlight
    monkeypatch.setattr(pygments, "highlight", lambda code, *args: calls.append(code) or highlight(code, *args))
    released = f"import numpy as np  # {os.getpid()} {id(calls)}\n"
    assert feedback._highlight(released, "python", {}) == feedback._highlight(released, "python", {})
    assert len(calls) == 1
    long = "y = 1\n" * (feedback.MEMO_CHARS // 6 + 1)  # a long answer: unlikely to come again, not kept
    feedback._highlight(long, "python", {})
    feedback._highlight(long, "python", {})
    assert len(calls) == 3


def test_kept_html_still_spends_the_pages_budget():
    budget = feedback._page_budget.set({"html": 12, "markdown": 10**6})
    try:
        first, second = feedback.sanitize("<b>kept</b>"), feedback.sanitize("<b>kept</b>")
    finally:
        feedback._page_budget.reset(budget)
    assert first == "<b>kept</b>" and "shown as text" in second
