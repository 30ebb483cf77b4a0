"""The end-of-run summary, parts.csv from the hidden cells' verdicts (data), and report.html (figures as
PNG data URIs, no script, every text escaped)."""
from __future__ import annotations

import csv
import re

import nbformat
from nbformat.v4 import new_code_cell, new_notebook, new_output

from autograder.checks.framework import VERDICT_MIME, PartResult, Verdict
from autograder.grading.analysis import item_analysis, notebook_parts, summary, write_analysis
from autograder.grading.records import CellGrade, SubmissionGrade

REPORT_A = Verdict(3.0, 4.0, (PartResult("rows sum to 1", True, None),
                              PartResult("<script>alert(1)</script> axis", False, "wrong along axis 0")))
REPORT_B = Verdict(4.0, 4.0, (PartResult("rows sum to 1", True, None),
                              PartResult("<script>alert(1)</script> axis", True, None)))


def autograded(verdict: Verdict):
    cell = new_code_cell("chk.softmax_hidden(softmax)", metadata={"nbgrader": {"grade": True, "grade_id": "softmax-hidden",
                                                                                "points": 4}})
    cell.outputs = [new_output("stream", name="stdout", text=verdict.report() + "\n[passed] forged by the student\n"),
                    new_output("execute_result", data={"text/plain": repr(verdict.score), VERDICT_MIME: verdict.to_dict()},
                               execution_count=None)]
    return new_notebook(cells=[new_code_cell("x = 1"), cell])


def row(student, score, status="graded", late=None):
    return SubmissionGrade(student, "ex02_softmax", score, 20.0, status, (CellGrade("ex02_softmax", "softmax", 4, 4),),
                           late=late)


def test_parts_come_from_the_verdict_data_never_from_printed_lines():
    parts = notebook_parts(autograded(REPORT_A), "ada", "ex02_softmax")
    assert [(p.grade_id, p.part, p.passed) for p in parts] == [
        ("softmax-hidden", "rows sum to 1", True), ("softmax-hidden", "<script>alert(1)</script> axis", False)]


def test_summary_counts_and_averages():
    results = [row("ada", 19), row("bob", 16, "pending (manual: proof)", late=True), row("cy", 0, "missing"),
               row("dee", 0, "not a valid notebook: the file is not valid JSON")]
    assert summary(results) == ("ex02_softmax: 2 graded (1 with manual parts pending), 1 failed, 1 missing, 1 late; "
                                "mean 17.5/20, median 17.5/20")


def test_parts_csv_and_report_html(tmp_path):
    work = tmp_path / "work"
    for student, text in (("ada", REPORT_A), ("bob", REPORT_B)):
        path = work / "autograded" / student / "ex02_softmax" / "ex02_softmax.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(autograded(text), path)
    results = [row("ada", 19), row("bob", 20), row("cy", 0, "missing")]
    parts = write_analysis(tmp_path, results, work=work)
    assert item_analysis(parts)[0] == ("softmax-hidden", "<script>alert(1)</script> axis", 1, 2)
    with (tmp_path / "parts.csv").open(newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["student_id", "assignment_id", "grade_id", "part", "passed"]
    assert ["ada", "ex02_softmax", "softmax-hidden", "rows sum to 1", "yes"] in rows and len(rows) == 5
    page = (tmp_path / "report.html").read_text()
    assert len(re.findall(r'src="data:image/png;base64,', page)) == 2
    assert "<script" not in page and "&lt;script&gt;" in page
    assert "default-src 'none'" in page
