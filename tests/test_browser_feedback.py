"""Feedback pages in a real browser (Debian's headless Chromium, network cut), as a student
opens the file handed back to them: made by grading a tiny class with
`python -m autograder grade`, one student of which wrote hostile HTML into the notebook.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder import course
from autograder.fill import filled, reference_answers
from autograder.grading import feedback
from autograder.grading.export import export
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
    with browser.chromium(root / "chromium") as context, browser.serve(out / "feedback") as served:
        blocked = browser.offline(context, ("file://", served))
        yield context, page, failure, blocked, served


@pytest.fixture(scope="session")
def handed_back(graded, tmp_path_factory):
    """The graded page as the export hands it back (alone, in a folder without MathJax), the
    page copied alone as it is, and a copy of the feedback folder whose page carries scripts
    the sanitiser would never let through, with a script file beside MathJax."""
    _, page, *_ = graded
    root = tmp_path_factory.mktemp("handed_back")
    out = page.parents[3]
    export(out, "csv", dest=root / "export", feedback=True)
    exported = root / "export" / "feedback" / page.relative_to(out / "feedback")
    lone = root / "lone" / page.name
    lone.parent.mkdir()
    shutil.copy(page, lone)
    copy = root / "injected"
    shutil.copytree(out / "feedback", copy)
    injected = copy / page.relative_to(out / "feedback")
    (copy / feedback.MATHJAX_FOLDER / "evil.js").write_text("window.pwned = 'a script beside MathJax';")
    text = injected.read_text("utf-8").replace("<main>", f'<main><script src="../../{feedback.MATHJAX_FOLDER}/evil.js">'
                                               "</script><script>window.pwned = 'an inline script';</script>", 1)
    injected.write_text(text, "utf-8")
    return exported, lone, injected


def _open(context, path: Path | str, width: int):
    """``path`` (a file, or a URL) open in a new tab once MathJax, if it loaded, has typeset it;
    with the console's errors and warnings and the page's own errors."""
    page = context.new_page()
    page.set_viewport_size({"width": width, "height": 800})
    problems: list[str] = []
    page.on("console", lambda m: m.type in ("error", "warning") and problems.append(f"console {m.type}: {m.text}"))
    page.on("pageerror", lambda e: problems.append(f"JavaScript error: {e}"))
    page.goto(path if isinstance(path, str) else path.as_uri(), wait_until="load")
    browser.typeset(page)
    return page, problems


def test_feedback_page_offline_and_safe(graded):
    context, path, _, blocked, _ = graded
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
    context, path, *_ = graded
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
    context, path, failure, *_ = graded
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
    context, path, *_ = graded
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


#: What a page's math came to: formulas drawn, TeX errors, its scripts (inline or from a file),
#: what it fetched, whether it says MathJax is missing, and the student's proof as shown.
MATH = """() => ({
    math: document.querySelectorAll('mjx-container').length,
    texErrors: document.querySelectorAll('mjx-merror').length,
    scripts: Array.from(document.scripts).map(s => s.src ? s.getAttribute('src') : 'inline'),
    fetched: performance.getEntriesByType('resource').map(e => e.name),
    noMathJax: getComputedStyle(document.getElementById('no-mathjax')).display !== 'none',
    manualText: document.querySelector('.box.manual').innerText,
    pwned: window.pwned === undefined ? null : String(window.pwned),
})"""


def _math_of(context, where: Path | str) -> tuple[dict, list[str]]:
    page, problems = _open(context, where, 1280)
    try:
        return page.evaluate(MATH), problems
    finally:
        page.close()


def test_the_page_loads_the_folders_mathjax_from_a_web_server(graded):
    context, path, _, blocked, served = graded
    url = served + path.relative_to(path.parents[2]).as_posix()
    state, problems = _math_of(context, url)
    assert not problems and not blocked, (problems, blocked)
    assert state["scripts"] == ["inline", feedback.MATHJAX_URL], state["scripts"]
    assert state["fetched"] == [served + f"{feedback.MATHJAX_FOLDER}/{feedback.MATHJAX_FILE}"], state["fetched"]
    assert state["math"] >= 2 and not state["texErrors"] and "$" not in state["manualText"], state
    assert not state["noMathJax"]


def test_a_page_handed_back_alone_typesets_by_itself(graded, handed_back):
    context, *_ = graded
    exported = handed_back[0]
    assert not (exported.parents[2] / feedback.MATHJAX_FOLDER).exists()  # nothing beside it to load
    state, problems = _math_of(context, exported)
    assert not problems, problems
    assert state["scripts"] == ["inline", "inline"], state["scripts"]
    assert state["math"] >= 2 and not state["texErrors"] and "$" not in state["manualText"], state
    assert not state["noMathJax"]


def test_a_page_away_from_its_mathjax_says_how_its_math_is_shown(graded, handed_back):
    context, *_ = graded
    page, problems = _open(context, handed_back[1], 1280)
    try:
        page.wait_for_function("() => !document.getElementById('no-mathjax').hidden", timeout=30_000)
        state = page.evaluate(MATH)
        note = page.inner_text("#no-mathjax")
    finally:
        page.close()
    assert [p for p in problems if "ERR_FILE_NOT_FOUND" not in p] == [], problems  # only MathJax is missing
    assert state["noMathJax"] and "shown as TeX" in note and "_static/mathjax" in note, note
    assert state["math"] == 0 and "$" in state["manualText"]  # the formulas, as typed


def test_no_script_but_the_pages_own_runs_even_beside_mathjax(graded, handed_back):
    context, *_ = graded
    state, problems = _math_of(context, handed_back[2])
    assert state["pwned"] is None, state["pwned"]
    assert problems and all("Content Security Policy" in p for p in problems), problems
    assert state["math"] >= 2 and not state["texErrors"], state  # MathJax itself still runs


UNSAFE_TEX = [r"\href{https://example.org/}{x}", r"\style{position:fixed;top:0}{x}", r"\class{badge passed}{x}",
              r"\cssId{summary}{x}", r"\require{html}\href{https://example.org/}{x}", r"\unicode{x202E}",
              r"\bbox[position:fixed]{x}", r"\enclose{box}[style=position:fixed]{x}", r"\toggle{a}{b}\endtoggle"]


def test_the_shared_mathjax_has_no_package_that_reaches_outside_the_formula(graded):
    """Typeset straight through MathJax, past the inert-TeX pass the page's text gets."""
    context, path, *_ = graded
    page, problems = _open(context, path, 1280)
    try:
        packages = page.evaluate("() => MathJax.config.tex.packages")
        drawn = page.evaluate("(sources) => sources.map(s => MathJax.tex2svg(s).outerHTML)", UNSAFE_TEX)
    finally:
        page.close()
    assert not problems, problems
    assert {"html", "require", "unicode", "bbox", "enclose", "action", "autoload"}.isdisjoint(packages), packages
    for source, svg in zip(UNSAFE_TEX, drawn):
        for trace in ("<a ", "example.org", "fixed", "badge", 'id="summary"', "\u202e"):  # undefined: drawn as text
            assert trace not in svg, (source, trace)
