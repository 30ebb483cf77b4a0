"""The pieces of the feedback page, each on its own (the whole page is tested in a browser
in test_browser_feedback.py)."""
from __future__ import annotations

from pathlib import Path

from autograder.checks.framework import VERDICT_MIME, PartResult, Verdict
from autograder.grading import feedback

VERDICT = Verdict(2, 4, (PartResult("values on vectors", True, None),
                         PartResult("the axis argument", False, "result (shape (4, 5)) is wrong at index (1, 4)"),
                         PartResult("no overflow", True, None),
                         PartResult("returns a new float64 array", False, "emitted a warning: RuntimeWarning")))


def _graded_cell(verdict: Verdict) -> dict:
    return {"outputs": [{"output_type": "stream", "name": "stdout", "text": verdict.report()},
                        {"output_type": "execute_result", "data": {"text/plain": repr(verdict.score),
                                                                   VERDICT_MIME: verdict.to_dict()}}]}


def test_report_parts_failures_first_with_their_details():
    parts = feedback.report_parts(_graded_cell(VERDICT))
    assert [p["title"] for p in parts] == ["the axis argument", "returns a new float64 array",
                                          "values on vectors", "no overflow"]
    assert [p["passed"] for p in parts] == [False, False, True, True]
    assert parts[0]["details"] == ["result (shape (4, 5)) is wrong at index (1, 4)"]
    assert parts[2]["details"] == []


def test_a_report_in_another_form_gives_no_parts():
    forged = {"outputs": [{"output_type": "stream", "name": "stdout", "text": "[passed] values on vectors\n"}]}
    assert feedback.report_parts(forged) == []  # printed text is never read as a verdict


def test_runaway_recursion_keeps_the_ends_of_the_run():
    frame = "\x1b[36mCell\x1b[39m In[2], line 2, in softmax(z, axis)\n      1 def softmax(z, axis=-1):\n----> 2     return softmax(z, axis)\n"
    lines = ["-----", "RecursionError  Traceback", "Cell In[3], line 1\n----> 1 softmax([1])\n"]
    lines += [frame] * 300 + ["RecursionError: maximum recursion depth exceeded"]
    short = feedback.trim_traceback(lines)
    assert short[:5] == lines[:5] and short[-2:] == lines[-2:]
    assert len(short) == 2 + 1 + 2 + 1 + 1 + 1 and "297 more calls from the same line" in short[5]


def test_library_frames_between_the_students_are_left_out():
    lines = ["-----", "ValueError  Traceback", "Cell In[4], line 3\n----> 3 f(x)\n"]
    lines += [f"File /usr/lib/python3/site-packages/numpy/core/x.py:{i}, in g()\n" for i in range(6)]
    lines += ["Cell In[2], line 5, in f(x)\n----> 5 np.reshape(x, -2)\n", "File numpy/last.py:1, in h()\n",
              "ValueError: bad shape"]
    short = feedback.trim_traceback(lines)
    assert short[2] == lines[2] and "6 frames of library code left out" in short[3]
    assert short[4].startswith("Cell In[2]") and short[5] == lines[-2] and short[-1] == "ValueError: bad shape"


def test_short_tracebacks_are_kept_whole():
    lines = ["-----", "KeyError  Traceback", "Cell In[1], line 1\n", "File lib.py:3\n", "KeyError: 'x'"]
    assert feedback.trim_traceback(lines) == lines


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


def test_frames_already_folded_count_towards_the_run():
    frame = "Cell In[2], line 2, in f(x)\n----> 2     return f(x)\n"
    ipython = ["-----", "RecursionError  Traceback", "Cell In[3], line 1\n"] + [frame] * 3
    ipython += ["[... skipping similar frames: f at line 2 (2950 times)]", frame, "RecursionError: too deep"]
    assert "2951 more calls" in "".join(feedback.trim_traceback(ipython))
    cut = ["-----", "RecursionError  Traceback", "Cell In[3], line 1\n"] + [frame] * 40
    cut += ["... Traceback truncated ..."] + [frame] * 40 + ["RecursionError: too deep"]
    assert "at least 77 more calls" in "".join(feedback.trim_traceback(cut))
