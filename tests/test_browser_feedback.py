"""Feedback pages in a real browser (Debian's headless Chromium, network cut), as a student
opens the file handed back to them: made by grading a tiny class with
`python -m autograder grade`, one student of which wrote hostile HTML into the notebook.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder import course
from autograder.fill import filled, reference_answers
from autograder.grading import feedback
from publish import browser

ASSIGNMENT = course.assignment_ids()[0]
RELEASED = nbformat.read(course.released_notebook(ASSIGNMENT), 4)
#: The graded functions, in the order of their hidden test cells.
NAMES = [c.metadata["nbgrader"]["grade_id"].split("-")[0] for c in RELEASED.cells
         if c.metadata.get("nbgrader", {}).get("grade_id", "").endswith("-hidden")]

HOSTILE_MARKDOWN = r"""My proof: for every $i$, $y_i = e^{z_i} / \sum_k e^{z_k}$, and
$$\sum_i y_i = 1.$$
<script>window.pwned = 'markdown script'</script>
<img src="x" onerror="window.pwned = 'onerror'">
<iframe src="https://example.org/"></iframe><object data="https://example.org/x.swf"></object>
<a href="javascript:window.pwned = 'link'" id="jslink">click me</a>
<svg onload="window.pwned = 'svg'"></svg>
<a href="DATA:text/html,<script>alert(1)</script>" id="datalink">a page of my own</a>
<span class="badge passed">forged badge</span>

A fake verdict drawn over the page: $\style{position:fixed;top:0;left:0;width:100vw;height:100vh;background:white;z-index:9999}{\text{20 / 20}}$,
a link out of a formula: $\href{javascript:window.pwned='mathjax href'}{\text{click}}$,
$\class{badge passed}{x}$, $\cssId{summary}{y}$, $\require{action}$, $\unicode{x202E}$,
$\mmlToken{mi}[style="position:fixed;top:0;left:0;width:100vw;height:100vh;background:red"]{z}$,
$\bbox[position:fixed;top:0;left:0;width:100vw;height:100vh]{w}$.
"""

HOSTILE_CODE = """from IPython.display import HTML, Javascript, display
display(HTML('<b>bold</b><script>window.pwned = "html output"</script><img src=x onerror="window.pwned=1">'))
display(Javascript('window.pwned = "javascript output"'))
display({"image/png": '"><script>window.pwned = "forged png"</script>', "text/plain": "forged png"}, raw=True)
display({"application/x-evil+html": "<script>window.pwned = 1</script>", "text/plain": "evil"}, raw=True)
import matplotlib.pyplot as plt
plt.plot([0, 1], [1, 0])
plt.show()
"""

#: A runaway recursion: its traceback has 300 frames (like the 379 of an endless one, without
#: the seconds IPython takes to format thousands).
RUNAWAY = ("def {name}(*args, _depth=0, **kwargs):\n"
           "    if _depth > 300:\n"
           "        raise RecursionError('maximum recursion depth exceeded')\n"
           "    return {name}(*args, _depth=_depth + 1, **kwargs)\n")

pytestmark = pytest.mark.xdist_group("browser_feedback")  # the session fixture is made once



def _hostile_notebook() -> nbformat.NotebookNode:
    answers = reference_answers(ASSIGNMENT)
    last = NAMES[-1]  # the others do not call it, so only its own cells fail
    answers[last] = RUNAWAY.format(name=last)
    manual = [c.metadata["nbgrader"]["grade_id"] for c in RELEASED.cells
              if c.cell_type == "markdown" and c.metadata.get("nbgrader", {}).get("solution")]
    for grade_id in manual:
        answers[grade_id] = HOSTILE_MARKDOWN
    notebook = filled(ASSIGNMENT, answers)
    notebook.cells.insert(2, nbformat.v4.new_code_cell(HOSTILE_CODE))
    return notebook


@pytest.fixture(scope="session")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("feedback")
    submission = root / "class" / "mallory" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    submission.parent.mkdir(parents=True)
    nbformat.write(_hostile_notebook(), submission)
    out = root / "out"
    run = subprocess.run([sys.executable, "-m", "autograder", "grade", str(root / "class"), "--out", str(out),
                          "--timeout", "20"], cwd=course.ROOT, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-2000:]
    page = out / "feedback" / "mallory" / ASSIGNMENT / f"{ASSIGNMENT}.html"
    assert page.is_file(), f"no feedback page: {run.stdout[-500:]} {run.stderr[-1000:]}"
    feedback.write_failure_feedback(out, "trudy", ASSIGNMENT, f"{ASSIGNMENT}.ipynb",
                                    "not a valid notebook: the file is not valid JSON")
    failure = out / "feedback" / "trudy" / ASSIGNMENT / f"{ASSIGNMENT}.html"
    with browser.chromium(root / "chromium") as context:
        blocked = browser.offline(context, ("file://",))
        yield context, page, failure, blocked


def _open(context, path: Path, width: int):
    page = context.new_page()
    page.set_viewport_size({"width": width, "height": 800})
    problems: list[str] = []
    page.on("console", lambda m: m.type in ("error", "warning") and problems.append(f"console {m.type}: {m.text}"))
    page.on("pageerror", lambda e: problems.append(f"JavaScript error: {e}"))
    page.goto(path.as_uri(), wait_until="load")
    browser.typeset(page)
    return page, problems


def test_feedback_page_offline_and_safe(graded):
    context, path, _, blocked = graded
    page, problems = _open(context, path, 1280)
    try:
        state = page.evaluate("""() => ({
            pwned: window.pwned === undefined ? null : String(window.pwned),
            scripts: document.scripts.length,
            scriptsInBody: document.body.querySelectorAll('script').length,
            handlers: Array.from(document.querySelectorAll('*')).filter(e => Array.from(e.attributes)
                .some(a => a.name.startsWith('on'))).map(e => e.tagName),
            frames: document.querySelectorAll('iframe, object, embed, frame').length,
            jsLinks: Array.from(document.querySelectorAll('[href], [src]')).filter(e =>
                /^\\s*javascript:/i.test(e.getAttribute('href') || e.getAttribute('src') || '')).length,
            math: document.querySelectorAll('mjx-container').length,
            images: Array.from(document.querySelectorAll('img[src]')).map(i => i.complete && i.naturalWidth > 0),
            texErrors: document.querySelectorAll('mjx-merror').length,
            manualText: (document.querySelector('.box.manual') || document.body).innerText,
            viewport: !!document.querySelector('meta[name=viewport]'),
            csp: (document.querySelector('meta[http-equiv=Content-Security-Policy]') || {}).content || '',
        })""")
    finally:
        page.close()
    assert not problems, problems
    assert not blocked, f"the feedback page requested {blocked}"
    assert state["pwned"] is None, f"student code ran in the feedback page: {state['pwned']}"
    assert state["scripts"] == 2 and state["scriptsInBody"] == 0, state
    assert not state["handlers"] and not state["frames"] and not state["jsLinks"], state
    assert state["math"] >= 2 and not state["texErrors"], state
    assert state["images"] and all(state["images"]), f"images that did not load: {state['images']}"
    assert "$" not in state["manualText"], f"the student's math was not typeset: {state['manualText'][:200]}"
    assert state["viewport"] and "script-src 'sha256-" in state["csp"] and "http" not in state["csp"], state


def test_feedback_page_says_what_to_fix(graded):
    context, path, _, _ = graded
    page, problems = _open(context, path, 1280)
    try:
        report = page.evaluate("""() => ({
            headings: Array.from(document.querySelectorAll('.box.tests h3 code')).map(e => e.textContent),
            orders: Array.from(document.querySelectorAll('ul.parts')).map(list =>
                Array.from(list.children).map(li => li.className)),
            colours: ['failed', 'passed'].map(kind => {
                const li = document.querySelector('ul.parts li.' + kind);
                return li ? getComputedStyle(li).backgroundColor : null; }),
            summary: document.querySelector('table.summary').innerText,
            tracebacks: Array.from(document.querySelectorAll('.output_error')).map(e => e.innerText),
            height: document.documentElement.scrollHeight,
        })""")
    finally:
        page.close()
    assert not problems, problems
    assert report["headings"] == NAMES, report["headings"]
    for order in report["orders"]:
        assert order == sorted(order, key=lambda kind: kind != "failed"), f"failures not first: {order}"
    assert any("failed" in order for order in report["orders"]) and any("passed" in o for o in report["orders"])
    assert None not in report["colours"] and report["colours"][0] != report["colours"][1], report["colours"]
    assert "pending" in report["summary"], report["summary"]
    recursion = [t for t in report["tracebacks"] if "RecursionError" in t]
    assert recursion and all("left out" in t and t.count("\n") < 80 for t in recursion), recursion[:1]
    assert report["height"] < 20_000, f"the page is {report['height']} px long"


@pytest.mark.parametrize("which", ["graded", "failure"])
def test_feedback_on_a_phone(graded, which):
    context, path, failure, _ = graded
    page, problems = _open(context, path if which == "graded" else failure, 375)
    try:
        width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        text = page.evaluate("() => document.body.innerText")
    finally:
        page.close()
    assert not problems, problems
    assert width[0] <= width[1], f"the {which} feedback page scrolls sideways at 375 px ({width[0]} px)"
    if which == "failure":
        assert "not valid JSON" in text and "What to do" in text and "download" in text.lower(), text


def test_hostile_math_and_links_neither_run_nor_cover_the_page(graded):
    context, path, _, _ = graded
    page, problems = _open(context, path, 1280)
    try:
        state = page.evaluate("""() => {
            const covering = Array.from(document.querySelectorAll('*')).filter(e => {
                const position = getComputedStyle(e).position;
                return position === 'fixed' || position === 'sticky';
            }).map(e => e.tagName);
            const summary = document.querySelector('table.summary');
            const box = summary.getBoundingClientRect();
            const onTop = document.elementFromPoint(box.left + 5, box.top + 5);
            return {
                pwned: window.pwned === undefined ? null : String(window.pwned),
                covering,
                summaryOnTop: summary.contains(onTop),
                links: Array.from(document.querySelectorAll('.box.manual [href]')).map(a => a.getAttribute('href')),
                mathLinks: document.querySelectorAll('mjx-container a, mjx-container [href]').length,
                styled: Array.from(document.querySelectorAll('mjx-container [style]')).map(e => e.getAttribute('style'))
                    .filter(s => /position|z-index|100vw|100vh/.test(s)),
                forgedBadges: Array.from(document.querySelectorAll('.badge')).filter(e =>
                    e.textContent.includes('forged')).length,
                ids: document.querySelectorAll('.box.manual .rendered_html [id]').length,
                manualText: document.querySelector('.box.manual').innerText,
            };
        }""")
    finally:
        page.close()
    assert not problems, problems
    assert state["pwned"] is None, state["pwned"]
    assert state["covering"] == [] and state["summaryOnTop"], state
    assert not any(link.lower().lstrip().startswith(("data:", "javascript:")) for link in state["links"]), state
    assert state["mathLinks"] == 0 and state["styled"] == [], state
    assert state["forgedBadges"] == 0 and state["ids"] == 0, state
    assert "20 / 20" in state["manualText"]  # shown as what it is, the student's own text
