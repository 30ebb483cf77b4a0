"""Every step the grader runs on text a student wrote costs time linear in it, or is capped.

Each hostile input below cost the grader minutes before (a traceback line: 90 s for 1 MB;
nested ``<div>``s: 138 s for 640 KB; a million empty cells: far past the notebook's budget).
The bound each test allows is a hang detector two orders of magnitude above what the linear
code needs, not a measure of speed.
"""
from __future__ import annotations

import json
import threading

import pytest

from autograder.grading import feedback
from autograder.grading import sanitize as sanitize_module
from autograder.grading.sanitize import SubmissionError, parse_notebook

#: Seconds after which a step on 1 MB of hostile text counts as stalled.
STALLED = 30


def _finishes(function, *args):
    """``function(*args)``, or a failure if it is still running after :data:`STALLED` s."""
    result: list = []

    def run():
        try:
            result.append((function(*args), None))
        except Exception as exc:  # noqa: BLE001 - raised again in the test's thread
            result.append((None, exc))

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(STALLED)
    assert not worker.is_alive(), f"{function.__name__} was still running after {STALLED} s"
    value, error = result[0]
    if error is not None:
        raise error
    return value


# --- tracebacks -----------------------------------------------------------------------------

def test_a_traceback_line_the_student_wrote_costs_linear_time():
    header = ["-----", "ValueError  Traceback"]
    hostile = [
        "skipping similar frames: " * 40_000 + "x",  # each start used to scan to the end of the line
        "[... skipping similar frames: " + "(" * 1_000_000,
        "Traceback truncated" + "!" * 1_000_000 + "x",
        "\x1b[" + "1;" * 500_000,
    ]
    lines = [*header, "Cell In[1], line 1\n", *hostile, "File lib.py:1\n", "ValueError: " + "a" * 1_000_000]
    short = _finishes(feedback.trim_traceback, lines)
    assert short[:3] == lines[:3] and short[-1] == lines[-1]


def test_ipythons_folded_frames_are_still_counted():
    frame = "Cell In[2], line 2, in f(x)\n----> 2     return f(x)\n"
    lines = ["-----", "RecursionError  Traceback", "Cell In[3], line 1\n", frame, frame,
             "[... skipping similar frames: f at line 2 (2950 times)]", frame, "RecursionError: too deep"]
    assert "2950 more calls" in "".join(feedback.trim_traceback(lines))  # 3 + 2950 calls, 3 shown


# --- the HTML sanitiser -------------------------------------------------------------------------

@pytest.mark.parametrize("hostile", [
    "<div>" * 128_000,                                   # 640 KB of nested <div>s
    "<div><table></div>" * 40_000,                       # end tags a browser ignores, nesting on
    "".join(f"<b id={i}>x" for i in range(60_000)),       # formatting elements left open
    "<p><span>" * 60_000,
])
def test_deeply_nested_html_is_shown_as_text_not_sanitised_for_minutes(hostile):
    shown = _finishes(feedback.sanitize, hostile)
    assert "shown as text" in shown and "<div><table>" not in shown and "<b id" not in shown
    assert _finishes(feedback._markdown, hostile).count("shown as text") == 1


def test_html_larger_than_the_cap_is_shown_as_text():
    shown = feedback.sanitize("<p>x</p>" * (feedback.MAX_MARKUP_CHARS // 8 + 1))
    assert "shown as text" in shown and "<p>x</p>" not in shown


def test_honest_html_is_still_rendered():
    table = "<table>" + "<tr><td>1</td><td>2</td></tr>" * 5000 + "</table>"
    assert feedback.sanitize(table).count("<td>") == 10_000
    loose_list = "<ul>" + "<li>item" * 2000 + "</ul>"
    assert feedback.sanitize(loose_list).count("<li>") == 2000
    nested = "<div>" * 100 + "deep" + "</div>" * 100
    assert feedback.sanitize(nested).count("<div>") == 100


def test_a_page_sanitises_at_most_its_budget_of_student_html_and_markdown():
    budget = feedback._page_budget.set({"html": 1000, "markdown": 30})
    try:
        first, second = feedback.sanitize("<b>x</b>" * 100), feedback.sanitize("<b>y</b>" * 100)
        markdown = [feedback._markdown("**bold** text"), feedback._markdown("**more** text, past the budget")]
    finally:
        feedback._page_budget.reset(budget)
    assert first.count("<b>") == 100
    assert "shown as text" in second and "<b>" not in second
    assert "<strong>bold</strong>" in markdown[0]
    assert "shown as text" in markdown[1] and "<strong>" not in markdown[1]


@pytest.mark.parametrize("hostile", ["[" * 200_000, "*a " * 70_000, "|a" * 100_000 + "\n" + "|-" * 100_000])
def test_markdown_that_converts_slowly_is_capped_per_cell(hostile):
    shown = _finishes(feedback._markdown, hostile)
    assert "shown as text" in shown and len(shown) < 2 * len(hostile) + 1000


def test_honest_markdown_is_still_rendered():
    proof = "We show that $s_i > 0$.\n\n" + "Since $e^{z_j} > 0$ for every $j$, **the sum is positive**.\n\n" * 100
    assert feedback._markdown(proof).count("<strong>") == 100


# --- reading the notebook --------------------------------------------------------------------

def _notebook(cells: int, escaped_keys: bool = False) -> bytes:
    cell = {"cell_type": "code", "metadata": {}, "source": [], "outputs": [], "execution_count": None}
    text = json.dumps({"nbformat": 4, "nbformat_minor": 4, "metadata": {}, "cells": [cell] * cells})
    if escaped_keys:  # the same JSON, its keys written with escapes
        text = text.replace('"cell_type"', '"\\u0063ell_type"').replace('"outputs"', '"\\u006futputs"')
    return text.encode()


def test_a_million_empty_cells_are_refused_before_anything_slow_reads_them():
    with pytest.raises(SubmissionError, match="1000000 cells, more than"):
        _finishes(parse_notebook, _notebook(1_000_000))


def test_cells_whose_keys_are_written_with_escapes_are_counted_too():
    with pytest.raises(SubmissionError, match="3000 cells, more than"):
        parse_notebook(_notebook(3000, escaped_keys=True))


def test_too_many_outputs_are_refused(monkeypatch):
    monkeypatch.setattr(sanitize_module, "MAX_OUTPUTS", 3)
    output = {"output_type": "stream", "name": "stdout", "text": "x"}
    cell = {"cell_type": "code", "metadata": {}, "source": "", "outputs": [output] * 4, "execution_count": 1}
    with pytest.raises(SubmissionError, match="4 outputs, more than 3"):
        parse_notebook(json.dumps({"nbformat": 4, "nbformat_minor": 4, "metadata": {}, "cells": [cell]}).encode())


def test_a_notebook_within_the_caps_is_read():
    assert len(parse_notebook(_notebook(sanitize_module.MAX_CELLS)).cells) == sanitize_module.MAX_CELLS


def test_the_kit_and_the_grader_cap_cells_alike():
    from autograder.recognise import MOST_CELLS

    assert MOST_CELLS == sanitize_module.MAX_CELLS


def test_the_notebook_with_a_million_cells_gets_a_row_saying_so(tmp_path, perfect):
    from autograder.grading.run import grade
    from conftest import read_rows, write_submission

    path = write_submission(tmp_path / "class", "mallory", perfect)
    path.write_bytes(_notebook(1_000_000))
    grade(tmp_path / "class", tmp_path / "out")
    rows = {row["student_id"]: row for row in read_rows(tmp_path / "out" / "grades.csv")}
    assert "1000000 cells, more than" in rows["mallory"]["status"]


def test_code_too_long_to_highlight_is_shown_escaped():
    from nbconvert.filters import Highlight2HTML

    highlight = feedback._capped(Highlight2HTML(pygments_lexer="ipython3"))
    long_code = "x = '<script>'\n" * (feedback.MAX_HIGHLIGHTED_CHARS // 10)
    shown = _finishes(highlight, long_code)
    assert shown.startswith('<div class="highlight"><pre>') and "<script>" not in shown
    assert '<span class="n">x</span>' in highlight("x = 1\n")
