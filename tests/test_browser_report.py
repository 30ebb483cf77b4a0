"""``report.html`` in a real browser (Debian's headless Chromium, network cut), as an
instructor opens it on a laptop or a phone: it has a viewport and never scrolls sideways,
however long the names of the properties in its charts and tables are.
"""
from __future__ import annotations

import pytest

from autograder.grading import analysis
from autograder.grading.analysis import PartRow
from autograder.grading.records import SubmissionGrade
from publish import browser

LONG = ("the Jacobian of softmax agrees within 1e-7 of the exact Jacobian at every point of a "
        "grid of eleven vectors, including extreme ones like [1000, -1000]")


def _report() -> str:
    results = [SubmissionGrade(f"student{k:02d}", "ex02_softmax", score, 20.0, "graded")
               for k, score in enumerate([20, 18.5, 12, 7, 20, 3])]
    parts = [PartRow(r.student_id, "ex02_softmax", f"softmax_jacobian-hidden-{n}", f"{LONG} ({n})", k % (n + 2) == 0)
             for k, r in enumerate(results) for n in range(6)]
    return analysis.render_report(results, parts)


@pytest.mark.parametrize("width", [375, 1280])
def test_report_fits_the_window(tmp_path, width):
    page_file = tmp_path / "report.html"
    page_file.write_text(_report(), encoding="utf-8")
    with browser.chromium(tmp_path / "chromium") as context:
        blocked = browser.offline(context, ("file://",))
        page = context.new_page()
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(page_file.as_uri(), wait_until="load")
        seen = page.evaluate("""() => ({
            viewport: document.querySelector('meta[name=viewport]')?.content || '',
            wide: document.documentElement.scrollWidth, window: window.innerWidth,
            images: Array.from(document.images).map(i => [i.complete && i.naturalWidth > 0,
                                                          i.getBoundingClientRect().right])})""")
    assert "width=device-width" in seen["viewport"]
    assert seen["wide"] <= seen["window"], f"report.html scrolls sideways at {width} px: {seen['wide']} px"
    assert seen["images"] and all(ok and right <= width for ok, right in seen["images"]), seen["images"]
    assert not blocked
