"""The pieces of the feedback page, each on its own (the whole page is tested in a browser
in test_browser_feedback.py)."""
from __future__ import annotations

from pathlib import Path

from autograder.grading import feedback

REPORT = """[passed] values on vectors
[FAILED] the axis argument
         result (shape (4, 5)) is wrong at index (1, 4)
[passed] no overflow
[FAILED] returns a new float64 array
         emitted a warning: RuntimeWarning
score: 2 / 4
"""


def test_report_parts_failures_first_with_their_details():
    parts = feedback.parse_report(REPORT)
    assert [p["title"] for p in parts] == ["the axis argument", "returns a new float64 array",
                                          "values on vectors", "no overflow"]
    assert [p["passed"] for p in parts] == [False, False, True, True]
    assert parts[0]["details"] == ["result (shape (4, 5)) is wrong at index (1, 4)"]
    assert parts[2]["details"] == []


def test_a_report_in_another_form_gives_no_parts():
    assert feedback.parse_report("Traceback (most recent call last):\n  boom\n") == []


def test_long_traceback_keeps_its_ends():
    lines = ["-----", "RecursionError  Traceback"] + [f"frame {i}" for i in range(300)] + ["RecursionError: too deep"]
    short = feedback.trim_traceback(lines)
    assert short[:4] == lines[:4] and short[-3:] == lines[-3:]
    assert len(short) == 2 + 2 + 1 + 2 + 1 and "296 more frames" in short[4]
    assert feedback.trim_traceback(lines[:6] + lines[-1:]) == lines[:6] + lines[-1:]


def test_sanitize_keeps_text_and_removes_everything_active():
    dirty = ('<p onclick="x()">Hi <b>there</b> $x^2$</p><script>alert(1)</script>'
             '<iframe src="https://e.org"></iframe><object data="x"></object><embed src="x">'
             '<a href="javascript:alert(1)">j</a><a href="https://example.org">ok</a>'
             '<img src="https://e.org/t.png" onerror="x()"><img src="data:image/png;base64,AAAA" alt="i">'
             '<style>body{display:none}</style><form action="https://e.org"><input></form>')
    clean = feedback.sanitize(dirty)
    for gone in ("onclick", "<script", "alert", "<iframe", "<object", "<embed", "javascript:", "onerror",
                 "https://e.org", "<style", "<form", "<input"):
        assert gone not in clean, gone
    for kept in ("Hi <b>there</b> $x^2$", 'href="https://example.org"', 'src="data:image/png;base64,AAAA"'):
        assert kept in clean, kept


def test_advice_says_what_to_do():
    assert "download ex02_softmax.ipynb again" in feedback.advice("not a valid notebook: the file is not valid JSON",
                                                                "ex02_softmax.ipynb")
    assert "named ex02_softmax.ipynb" in feedback.advice("missing notebook ex02_softmax.ipynb", "ex02_softmax.ipynb")
    assert "validate" in feedback.advice("could not be graded: KeyError: 'x'", "ex02_softmax.ipynb")


def test_failure_page_is_written_with_reason_and_advice(tmp_path: Path):
    feedback.write_failure_feedback(tmp_path, "s1", "ex02_softmax", "ex02_softmax.ipynb", "missing notebook <b>x</b>")
    page = (tmp_path / "feedback" / "s1" / "ex02_softmax" / "ex02_softmax.html").read_text()
    assert "missing notebook &lt;b&gt;x&lt;/b&gt;" in page and "What to do" in page
    assert '<meta name="viewport"' in page and "Content-Security-Policy" in page


def test_no_autograded_notebook_is_a_one_line_problem(tmp_path: Path):
    problem = feedback.write_feedback(tmp_path / "work", tmp_path, "s1", "ex02_softmax")
    assert problem and problem.startswith("no feedback") and "\n" not in problem
