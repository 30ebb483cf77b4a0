"""Feedback a student can act on: ``OUT/feedback/<student>/<assignment>/<notebook>.html``.

One page per graded notebook, written straight from the autograded notebook and the
gradebook (nbgrader's gradebook, read through its ``GetGrades`` preprocessor in two queries,
and its ``ClearHiddenTests``; not ``NbGraderAPI.generate_feedback``, which copies the whole
course each time), through our own Jinja templates (``templates/feedback``), compiled once per
process; the markup of the cells is that of nbconvert's classic HTML template. The page

- opens with a summary: each graded part under the name of its function, its score, and
  "pending" for a part graded by hand that nobody has graded yet;
- shows each hidden test cell as the list of its properties, failures first, coloured,
  with what went wrong (never the hidden test code);
- cuts long tracebacks to the frames that matter;
- renders what the student wrote with every script, event handler, frame, object and
  ``javascript:`` URL removed (an allow-list sanitiser, nh3), and forbids any script but
  its own and MathJax by a content-security policy;
- typesets math offline with MathJax 3 (from the pinned ``django-static-mathjax`` wheel), of
  which each feedback folder holds one copy (``OUT/feedback/_static/mathjax``) that its pages
  load by a relative URL, from disk or from a web server; a page handed back on its own
  carries MathJax inside (:func:`standalone`), and one that finds no MathJax says so.

What is the same in every student's copy (the released notebook's cells) is highlighted,
converted and sanitised once per process (:data:`MEMO_CHARS`); each page costs what its
student wrote. A submission that could not be graded gets a page too
(:func:`write_failure_feedback`), saying why and what to do. The functions only read the
gradebook, so several processes may write feedback at once.
"""
from __future__ import annotations

import base64
import contextvars
import functools
import hashlib
import html
import re
from pathlib import Path

import jinja2
import nbformat
import nh3
from nbconvert.filters import Highlight2HTML, ansi2html, get_metadata, markdown2html
from nbgrader.api import Comment, Grade, Gradebook, MissingEntry
from nbgrader.preprocessors import ClearHiddenTests, GetGrades
from sqlalchemy.orm import joinedload, undefer

from autograder import course
from autograder.checks.framework import verdict_in
from autograder.grading.records import atomic_write, is_pending

TEMPLATES = Path(__file__).parent / "templates"

# --- sanitising what the student wrote ------------------------------------------------------

#: Tags kept in student HTML: nh3's (ammonia's) allow-list, which has no script, style,
#: iframe, object, embed, form or input; attributes: its list, and no ``style`` or ``id``;
#: URLs: http(s), mailto and inline images only.
_TAGS = set(nh3.ALLOWED_TAGS)
_ATTRIBUTES = {tag: set(names) for tag, names in nh3.ALLOWED_ATTRIBUTES.items()}
_ATTRIBUTES["*"] = {"title", "lang", "dir"}
_SCHEMES = {"http", "https", "mailto", "data"}
#: The only classes student HTML keeps: code highlighting's and a DataFrame's, none of the
#: page's own (a forged "badge passed" or summary row would read as the grader's).
_PYGMENTS = {"highlight", "hll", "c", "err", "k", "l", "n", "o", "x", "p", "ch", "cm", "cp", "cpf", "c1", "cs", "gd",
             "ge", "gr", "gh", "gi", "go", "gp", "gs", "gu", "gt", "kc", "kd", "kn", "kp", "kr", "kt", "ld", "m", "s",
             "na", "nb", "nc", "no", "nd", "ni", "ne", "nf", "nl", "nn", "nx", "py", "nt", "nv", "ow", "w", "mb", "mf",
             "mh", "mi", "mo", "sa", "sb", "sc", "dl", "sd", "s2", "se", "sh", "si", "sx", "sr", "s1", "ss", "bp",
             "fm", "vc", "vg", "vi", "vm", "il"}
_CLASSES = {"div": {"highlight"}, "span": _PYGMENTS, "pre": {"highlight"}, "table": {"dataframe"}}
#: Inline images a browser shows as pictures and nothing else.
_IMAGE_URL = re.compile(r"data:image/(png|jpeg|gif|webp|svg\+xml);base64,[A-Za-z0-9+/=\s]*")


def _inline_images_only(tag: str, attribute: str, value: str) -> str | None:
    """The page is one self-contained file that loads nothing: an image that is not inline
    would be a request (and could not load anyway), so its source is dropped; a ``data:``
    URL anywhere else (a link to a page made of it), in any case, is dropped too."""
    if attribute == "src":
        return value if _IMAGE_URL.fullmatch(value.strip()) else None
    if value.strip().lower().startswith("data:"):
        return None
    return value


# The sanitiser's HTML parser (html5ever) spends time in proportion to how deep the open
# elements nest on every tag it reads, so 128,000 nested <div>s (640 KB) take minutes. Markup
# nested deeper than this, larger than this, or past the page's budget is shown as text.
MAX_NESTING = 128
MAX_MARKUP_CHARS = 1024**2
#: Markdown is converted to HTML (nbconvert's mistune) in time that grows faster than its
#: length on some inputs (64 KB of "[": seconds), so one piece and one page get less of it.
MAX_MARKDOWN_CHARS = 32 * 1024
#: Student markup and markdown one page renders in all; the rest of it is shown as text.
PAGE_BUDGET = {"html": 4 * 1024**2, "markdown": 256 * 1024}
_page_budget: contextvars.ContextVar[dict | None] = contextvars.ContextVar("page_budget", default=None)


def _spend(kind: str, amount: int) -> bool:
    """Take ``amount`` from this page's budget for ``kind``; False when it has not enough."""
    budget = _page_budget.get()
    if budget is None:
        return True
    if budget[kind] < amount:
        return False
    budget[kind] -= amount
    return True

_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]{0,40})")
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "keygen", "link", "meta", "param", "source",
         "track", "wbr"}
#: Elements an end tag of an enclosing element closes too (``<li>`` left open, and so on);
#: past any other, an end tag is taken to close nothing, as a browser may.
_CLOSED_BY_PARENT = {"p", "li", "dt", "dd", "option", "optgroup", "rb", "rt", "rp", "rtc"}


def _nests_deeper_than(markup: str, limit: int) -> bool:
    """Whether ``markup`` may open more than ``limit`` elements inside one another, counted
    so as never to be fewer than a browser's parser would: every start tag not void opens
    one; an end tag closes only up to the element it names, through elements its parent
    closes anyway. Linear in ``markup``: each tag costs at most ``limit`` steps."""
    open_: list[str] = []
    for match in _TAG.finditer(markup):
        name = match.group(2).lower()
        if not match.group(1):
            if name in _CLOSED_BY_PARENT and open_ and open_[-1] == name:
                open_.pop()  # <li> after an open <li>: a sibling, not a child
            if name not in _VOID:
                open_.append(name)
                if len(open_) > limit:
                    return True
            continue
        for depth in range(len(open_) - 1, -1, -1):
            if open_[depth] == name:
                del open_[depth:]
                break
            if open_[depth] not in _CLOSED_BY_PARENT:
                break
    return False


def _as_text(markup: str, why: str) -> str:
    return f'<p><em>({why}: shown as text)</em></p><pre>{html.escape(markup[:MAX_MARKUP_CHARS])}</pre>'


#: A text up to this long is converted once per process and the result kept (the least
#: recently used of :data:`MEMO_ENTRIES` go first): the released notebook's own cells, the same
#: in every student's copy, are then highlighted, converted and sanitised once, and only what
#: a student wrote costs Pygments, the markdown converter and the sanitiser.
MEMO_CHARS = 4096
MEMO_ENTRIES = 512


def _memoized(function):
    """``function(text, *key)``, kept for a ``text`` of at most :data:`MEMO_CHARS` characters
    (``function`` must depend on its arguments only)."""
    kept = functools.lru_cache(maxsize=MEMO_ENTRIES)(function)

    @functools.wraps(function)
    def call(text, *key):
        return kept(text, *key) if len(text) <= MEMO_CHARS else function(text, *key)
    return call


@_memoized
def _clean(markup: str) -> str:
    """nh3's allow-list over ``markup``, or ``markup`` as text when it nests too deep for it."""
    if _nests_deeper_than(markup, MAX_NESTING):
        return _as_text(markup, f"HTML nested more than {MAX_NESTING} levels deep")
    return nh3.clean(markup, tags=_TAGS, attributes=_ATTRIBUTES, url_schemes=_SCHEMES, allowed_classes=_CLASSES,
                     link_rel="noopener noreferrer", attribute_filter=_inline_images_only)


def sanitize(markup: str) -> str:
    """Student-authored HTML with nothing active left in it, in time linear in its length:
    markup too large or nested too deep for the sanitiser is escaped and shown as text."""
    markup = markup if isinstance(markup, str) else str(markup)
    if len(markup) > MAX_MARKUP_CHARS:
        return _as_text(markup, f"more than {MAX_MARKUP_CHARS >> 10} KB of HTML")
    if not _spend("html", len(markup)):
        return _as_text(markup, "more HTML on this page than feedback renders")
    return _clean(markup)


#: TeX commands that give a formula a link, a style, a class, an id, attributes, a tooltip,
#: another package or any character: the config leaves their packages out, and they are
#: made inert in the student's text besides (``\\mmlToken`` is in MathJax's base package).
_UNSAFE_TEX = re.compile(r"\\(?=(?:href|style|class|cssId|data|html[A-Za-z]*|require|unicode|bbox|enclose|"
                         r"mmlToken|mmltoken|toggle|mathtip|texttip|fragment)(?![A-Za-z]))")


def inert_tex(text: str) -> str:
    """``text`` with each unsafe TeX command broken (a zero-width space after its backslash):
    it reads the same, and MathJax sees an unknown symbol and the letters, not the command."""
    return _UNSAFE_TEX.sub("\\\u200b", text)


_markdown2html = _memoized(markdown2html)


def _markdown(text: str) -> str:
    text = inert_tex(text) if isinstance(text, str) else ""
    if len(text) > MAX_MARKDOWN_CHARS:
        return _as_text(text, f"more than {MAX_MARKDOWN_CHARS >> 10} KB of text in one cell")
    if not _spend("markdown", len(text)):
        return _as_text(text, "more text on this page than feedback renders")
    return sanitize(_markdown2html(text))


def markdown_for_formgrader(text, *args, **kwargs) -> str:
    """nbconvert's ``markdown2html`` filter, sanitised: for the formgrader's pages
    (:mod:`autograder.grading.formgrader`), which call it with nbconvert's arguments."""
    return _markdown(text)


def _svg_image(svg: str) -> str:
    """An SVG shown as an image: a browser runs no script inside an <img>."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


# --- offline math -------------------------------------------------------------------------------

#: MathJax without the TeX packages that reach outside the formula: ``html`` (``\\href``,
#: ``\\style``, ``\\class``, ``\\cssId``, ``\\data``), ``require`` (loads more), ``unicode``
#: (any character, in any font), ``bbox`` and ``enclose`` (CSS styles), ``action`` (tooltips),
#: ``autoload`` (which would bring them back on first use).
MATHJAX_CONFIG = ("window.MathJax = {tex: {inlineMath: [['$', '$'], ['\\\\(', '\\\\)']], "
                  "displayMath: [['$$', '$$'], ['\\\\[', '\\\\]']], processEscapes: true, tags: 'ams', "
                  "packages: {'[-]': ['html', 'require', 'unicode', 'bbox', 'enclose', 'action', 'autoload']}}, "
                  "svg: {fontCache: 'global'}, options: {ignoreHtmlClass: 'no-math', "
                  "processHtmlClass: 'math'}, startup: {typeset: true}};")

#: MathJax 3's TeX-to-SVG component with every TeX package in (none is loaded later) and no web
#: font to fetch: a page opened from disk typesets with it too, where Chromium fetches nothing
#: for a page (each file:// page is an origin of its own).
MATHJAX_FILE = "tex-svg-full.js"
#: Where the pages' one copy of MathJax goes, in the feedback folder (``OUT/feedback``), with
#: MathJax's licence; pages are two folders down, ``<student>/<assignment>/<notebook>.html``.
MATHJAX_FOLDER = "_static/mathjax"
MATHJAX_URL = f"../../{MATHJAX_FOLDER}/{MATHJAX_FILE}"

#: The page's own script: the configuration, then MathJax added as a classic script, which
#: loads from disk as from a web server (a ``<script src>`` needs no CORS; one with an
#: ``integrity`` attribute does, and fails from disk). The policy trusts it by the hash of this
#: script and ``'strict-dynamic'``: what this script adds runs, no other script does. When
#: MathJax does not load, the page says its formulas are shown as TeX (``#no-mathjax``).
MATHJAX_LOADER = MATHJAX_CONFIG + (
    "\n(function () {\n"
    "  var script = document.createElement('script');\n"
    f"  script.src = '{MATHJAX_URL}';\n"
    "  script.onerror = function () {\n"
    "    function say() { var note = document.getElementById('no-mathjax'); if (note) { note.hidden = false; } }\n"
    "    if (document.readyState !== 'loading') { say(); }\n"
    "    else { document.addEventListener('DOMContentLoaded', say); }\n"
    "  };\n"
    "  document.head.appendChild(script);\n"
    "})();")


def _mathjax_source() -> Path:
    """MathJax 3 as the pinned ``django-static-mathjax`` wheel installs it."""
    import mathjax

    return Path(mathjax.__file__).parent / "static" / "mathjax"


@functools.cache
def _inline_mathjax() -> str:
    """MathJax's component as the text of an inline ``<script>``."""
    return (_mathjax_source() / "es5" / MATHJAX_FILE).read_text("utf-8").replace("</script", "<\\/script")


def _hash(script: str) -> str:
    return f"'sha256-{base64.b64encode(hashlib.sha256(script.encode('utf-8')).digest()).decode()}'"


def _csp(script_src: str) -> str:
    """Nothing from elsewhere: scripts only as ``script_src`` says, images and fonts only
    inline, no frames, no forms, no connections."""
    return (f"default-src 'none'; script-src {script_src}; style-src 'unsafe-inline'; "
            "img-src data:; font-src data:; base-uri 'none'; form-action 'none'")


#: A page's head as it goes in a feedback folder: {csp, scripts} (page.html.j2).
SHARED_MATH = {"csp": _csp(f"{_hash(MATHJAX_LOADER)} 'strict-dynamic'"),
               "scripts": f"<script>{MATHJAX_LOADER}</script>\n"}
#: The head of a page with no math (the could-not-grade page): no script at all.
NO_MATH = {"csp": _csp("'none'"), "scripts": ""}


@functools.cache
def _standalone_math() -> dict:
    """The head of a page that travels alone: MathJax inlined, both scripts named by hash."""
    return {"csp": _csp(f"{_hash(MATHJAX_CONFIG)} {_hash(_inline_mathjax())}"),
            "scripts": f"<script>{MATHJAX_CONFIG}</script>\n<script>{_inline_mathjax()}</script>\n"}


def standalone(page: str) -> str:
    """``page`` made to typeset its math on its own, without the feedback folder's MathJax:
    for a page handed back as a single file (:mod:`autograder.grading.export`). Other pages
    (one made so already, or by something else) are returned as they are."""
    head, end, body = page.partition("</head>")
    if SHARED_MATH["scripts"] not in head:
        return page
    alone = _standalone_math()
    head = head.replace(f'content="{SHARED_MATH["csp"]}"', f'content="{alone["csp"]}"', 1)
    return head.replace(SHARED_MATH["scripts"], alone["scripts"], 1) + end + body


#: Folders this process has put MathJax in, or found it in already.
_shared: set[Path] = set()


def share_mathjax(feedback_folder: Path) -> None:
    """Put MathJax where the pages in ``feedback_folder`` find it, unless it is there already
    as the wheel has it: compared once per process and folder, then only looked for."""
    folder = feedback_folder / MATHJAX_FOLDER
    if folder in _shared and (folder / MATHJAX_FILE).is_file():
        return
    source = _mathjax_source()
    for name, original in ((MATHJAX_FILE, source / "es5" / MATHJAX_FILE), ("LICENSE", source / "LICENSE")):
        data = original.read_bytes()
        copy = folder / name
        if not (copy.is_file() and copy.stat().st_size == len(data) and copy.read_bytes() == data):
            atomic_write(copy, data)
    _shared.add(folder)


# --- what the page shows of each cell ------------------------------------------------------------

def report_parts(cell) -> list[dict]:
    """The parts of a hidden test's verdict (carried as data, :func:`verdict_in`), failures
    first: ``[{passed, title, details}]``; none when the cell holds no verdict."""
    verdict = verdict_in(cell)
    if verdict is None:
        return []
    parts = [{"passed": part.passed, "title": part.description, "details": [part.message] if part.message else []}
             for part in verdict.parts]
    return sorted(parts, key=lambda part: part["passed"])  # stable: failures first, in order


def _text_of(outputs) -> str:
    chunks = []
    for output in outputs:
        if output.get("output_type") == "stream":
            chunks.append(output.get("text", ""))
        elif output.get("output_type") == "error":
            chunks.append(f"[FAILED] the test could not run\n    {output.get('ename')}: {output.get('evalue')}\n")
    return "".join(chunks)


# Every pattern here runs on text the student's code wrote (a frame's file name, an error
# message), so each is linear in it: no pattern has two unbounded parts that can match the
# same characters, and the one that needs "the last count on the line" finds it without one.
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
#: IPython's own "[... skipping similar frames: f at line 2 (2950 times)]": calls already
#: left out, counted by the last "(N times)" on the line.
_SKIPPING = "skipping similar frames: "
_TIMES = re.compile(r"\((\d+) times\)")
#: The line the grader puts where it cut a traceback short: calls left out, not counted.
_TRUNCATED = re.compile(r"\W*Traceback truncated\W*")
_STUDENT_FRAME = re.compile(r"\s*(Cell In\[|File <ipython-input|<ipython-input|Input In \[)")


def _folded(line: str) -> tuple[bool, int | None]:
    """Whether ``line`` (without colours) stands for frames already left out, and how many."""
    start = line.find(_SKIPPING)
    if start >= 0:
        counts = [match.group(1) for match in _TIMES.finditer(line, start + len(_SKIPPING))]
        if counts:
            return True, int(counts[-1])
    return (True, None) if _TRUNCATED.fullmatch(line) else (False, None)


def _frame_key(frame: str) -> str:
    plain = _ANSI.sub("", frame).strip()
    return plain.splitlines()[0] if plain else ""


def _note(text: str) -> str:
    return f"\x1b[33m... {text} ...\x1b[0m"


def trim_traceback(lines: list[str]) -> list[str]:
    """The frames that matter: the student's own code, and where the error was raised.

    IPython's traceback is a header (two entries), one entry per frame and the error line.
    Frames of library code between the student's frames are left out, and a run of frames
    in the same place (a runaway recursion) keeps its first two and last one; each gap is
    said in one line.
    """
    if len(lines) <= 6:
        return lines
    head, frames, last = lines[:2], [], lines[-1]
    hidden: list[int] = []  # calls IPython itself already folded into the frame before
    for frame in lines[2:-1]:
        folded, count = _folded(_ANSI.sub("", frame))
        if folded and frames:
            hidden[-1] += count if count is not None else -10**9  # negative: not counted
        else:
            frames.append(frame)
            hidden.append(0)
    keys = [_frame_key(frame) for frame in frames]  # once each: a run compares every frame with its first
    keep = [bool(_STUDENT_FRAME.match(_ANSI.sub("", f))) or k == len(frames) - 1 for k, f in enumerate(frames)]
    keep[0] = True  # the cell the error started from
    out: list[str] = []
    k = 0
    while k < len(frames):
        if not keep[k]:
            run = k
            while run < len(frames) and not keep[run]:
                run += 1
            out.append(_note(f"{run - k} frame{'s' if run - k > 1 else ''} of library code left out"))
            k = run
            continue
        run = k
        while run + 1 < len(frames) and keep[run + 1] and keys[run + 1] == keys[k]:
            run += 1
        counted = sum(h for h in hidden[k:run + 1] if h > 0)
        uncounted = any(h < 0 for h in hidden[k:run + 1])
        same = run - k + 1 + counted
        if (same > 3 or uncounted) and run > k + 1:
            more = f"{'at least ' if uncounted else ''}{same - 3} more calls from the same line left out"
            out += [frames[k], frames[k + 1], _note(more), frames[run]]
        else:
            out += frames[k:run + 1]
        k = run + 1
    return [*head, *out, last]


#: The output types a feedback page shows (JavaScript and widgets as a note saying they are
#: not shown); an output's other types, unknown or forged, are dropped. An image must be the
#: base64 of a file of its type, as IPython writes it.
SHOWN_TYPES = {"text/plain", "text/html", "text/markdown", "text/latex", "image/png", "image/jpeg", "image/svg+xml",
               "application/javascript", "application/vnd.jupyter.widget-view+json"}
_BASE64 = re.compile(r"[A-Za-z0-9+/=\s]*")
_MAGIC = {"image/png": b"\x89PNG\r\n\x1a\n", "image/jpeg": b"\xff\xd8\xff"}


def shown_data(data) -> dict:
    """The part of an output's ``data`` a feedback page may show."""
    kept = {}
    for mime, value in (data.items() if isinstance(data, dict) else ()):
        if mime not in SHOWN_TYPES:
            continue
        if mime == "application/vnd.jupyter.widget-view+json":
            kept[mime] = value if isinstance(value, dict) else {}
            continue
        if not isinstance(value, str):
            continue
        if mime in _MAGIC:
            if not _BASE64.fullmatch(value):
                continue
            start = "".join(value[:256].split())[:16]  # 16 characters: 12 bytes, past the magic
            try:
                head = base64.b64decode(start)
            except ValueError:
                continue
            if not head.startswith(_MAGIC[mime]):
                continue
        kept[mime] = value
    return kept


def _kind(cell) -> str:
    meta = cell.metadata.get("nbgrader", {})
    if meta.get("grade") and meta.get("solution"):
        return "manual"
    if meta.get("grade"):
        return "tests"
    if meta.get("solution"):
        return "answer"
    return ""


def _function_name(grade_id: str) -> str:
    return grade_id.split("-")[0]


#: The comment a hand-graded cell nobody has graded yet gets in nbgrader's own feedback.
PENDING_NOTE = "**Score pending:** this answer is graded by hand and its score is not in yet; the 0 shown is not final."


class GetGradesMarkingPending(GetGrades):
    """nbgrader's ``GetGrades`` for the formgrader's "generate feedback" button
    (:func:`autograder.grading.formgrader.write_config` configures it there): a cell nobody
    has graded by hand yet gets :data:`PENDING_NOTE` as its comment, so nbgrader's page
    says "pending" in the cell's Comments box instead of a silent 0."""

    def _get_score(self, cell, resources) -> None:
        super()._get_score(cell, resources)
        grade = self.gradebook.find_grade(cell.metadata["nbgrader"]["grade_id"], self.notebook_id,
                                          self.assignment_id, self.student_id)
        if is_pending(grade):
            cell.metadata.nbgrader["comment"] = PENDING_NOTE


@functools.lru_cache(maxsize=8)
def _gradebook(db_url: str) -> Gradebook:
    """One nbgrader gradebook per database for this process: SQLAlchemy compiles each query
    once per engine, so a gradebook opened for every page costs more than its queries."""
    return Gradebook(db_url)


class Annotate(GetGrades):
    """``GetGrades``, reading the notebook's grades and comments in two queries rather than one
    per cell, from this process's gradebook, and also: which hand-graded parts are still
    pending, the parts of each hidden test's report, and tracebacks cut short."""

    def preprocess(self, nb, resources):
        """GetGrades's, but with the process's gradebook, closed after the page with its
        connections (the next page opens the database file again, as it is then)."""
        self.notebook_id = resources["nbgrader"]["notebook"]
        self.assignment_id = resources["nbgrader"]["assignment"]
        self.student_id = resources["nbgrader"]["student"]
        self.gradebook = _gradebook(resources["nbgrader"]["db_url"])
        self._rows = None
        try:
            nb, resources = super(GetGrades, self).preprocess(nb, resources)  # each cell: _get_score, _get_comment
            notebook = self._submission_rows()[0]
            penalty = notebook.late_submission_penalty or 0
            resources["nbgrader"].update(score=notebook.score - penalty, max_score=notebook.max_score,
                                         late_penalty=penalty)
        finally:
            self.gradebook.close()
            self.gradebook.engine.dispose()
        return nb, resources

    def _submission_rows(self) -> tuple:
        """This submitted notebook, its grades and its comments by cell name, read on first use."""
        if self._rows is None:
            submission = self.gradebook.find_submission_notebook(self.notebook_id, self.assignment_id,
                                                                 self.student_id)
            db = self.gradebook.db
            grades = db.query(Grade).filter(Grade.notebook_id == submission.id).options(
                joinedload(Grade.cell), undefer(Grade.max_score))
            comments = db.query(Comment).filter(Comment.notebook_id == submission.id).options(joinedload(Comment.cell))
            self._rows = submission, {g.cell.name: g for g in grades}, {c.cell.name: c for c in comments}
        return self._rows

    def _get_score(self, cell, resources):  # GetGrades's, and "pending" from the same row
        grade_id = cell.metadata["nbgrader"]["grade_id"]
        grade = self._submission_rows()[1].get(grade_id) or self.gradebook.find_grade(  # MissingEntry if none
            grade_id, self.notebook_id, self.assignment_id, self.student_id)
        cell.metadata.nbgrader["score"] = grade.score
        cell.metadata.nbgrader["points"] = grade.max_score
        cell.metadata.nbgrader["pending"] = is_pending(grade)

    def _get_comment(self, cell, resources):
        comment = self._submission_rows()[2].get(cell.metadata["nbgrader"]["grade_id"])
        if comment is None:
            super()._get_comment(cell, resources)  # nbgrader's query, and its MissingEntry
        else:
            cell.metadata.nbgrader["comment"] = comment.comment

    def preprocess_cell(self, cell, resources, index):
        cell, resources = super().preprocess_cell(cell, resources, index)
        kind = _kind(cell)
        cell.metadata["feedback_kind"] = kind
        if kind == "tests" and cell.cell_type == "code":
            cell.metadata["feedback_name"] = _function_name(cell.metadata.nbgrader["grade_id"])
            cell.metadata["feedback_parts"] = report_parts(cell)
            cell.metadata["feedback_raw"] = _text_of(cell.get("outputs", [])) if not cell.metadata["feedback_parts"] else ""
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                output["traceback"] = trim_traceback(list(output.get("traceback", [])))
            if "data" in output:
                output["data"] = shown_data(output["data"])
        if kind in ("tests", "manual"):
            resources.setdefault("feedback_summary", []).append({
                "grade_id": cell.metadata.nbgrader["grade_id"],
                "name": _function_name(cell.metadata.nbgrader["grade_id"]) if kind == "tests" else "written answer",
                "kind": kind,
                "score": cell.metadata.nbgrader.get("score"),
                "points": cell.metadata.nbgrader.get("points"),
                "pending": cell.metadata.nbgrader.get("pending", False),
                "failed": sum(not p["passed"] for p in cell.metadata.get("feedback_parts", [])),
            })
        return cell, resources


# --- the page ------------------------------------------------------------------------------------

#: Code longer than this is shown without highlighting (Pygments' lexer is linear, but slow).
MAX_HIGHLIGHTED_CHARS = 256 * 1024


def _capped(highlight):
    """``highlight`` for code up to :data:`MAX_HIGHLIGHTED_CHARS`, escaped text beyond."""
    def highlight_code(source, *args, **kwargs):
        if isinstance(source, str) and len(source) > MAX_HIGHLIGHTED_CHARS:
            return f'<div class="highlight"><pre>{html.escape(source)}</pre></div>'
        return highlight(source, *args, **kwargs)
    return highlight_code


@functools.cache
def _highlighter(language: str | None):
    """nbconvert's highlighting filter for ``language``, capped, made once per process."""
    return _capped(Highlight2HTML(pygments_lexer=language))


@_memoized
def _highlighted(source: str, language: str | None, magics: str | None) -> str:
    """``source`` as nbconvert's filter highlights it in ``language`` (the notebook's), or in
    the language of a cell magic (``magics_language``) when that is IPython."""
    return _highlighter(language)(source, metadata={"magics_language": magics} if magics else None)


def _highlight(source: str, language: str | None, metadata) -> str:
    magics = metadata.get("magics_language") if isinstance(metadata, dict) else None
    return _highlighted(source, language, magics if isinstance(magics, str) else None)


def _language(nb) -> str | None:
    """The Pygments lexer the notebook names, as nbconvert's HTML exporter reads it."""
    info = nb.metadata.get("language_info", {})
    lexer = info.get("pygments_lexer", info.get("name")) if isinstance(info, dict) else None
    return lexer if isinstance(lexer, str) else None


#: The types an output may be shown as, in the order nbconvert's HTML exporter prefers them.
DISPLAY_PRIORITY = ("application/vnd.jupyter.widget-view+json", "application/javascript", "text/html",
                    "text/markdown", "image/svg+xml", "text/latex", "image/png", "image/jpeg", "text/plain")
_WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def _widget_models(nb) -> list:
    """The widgets whose state the notebook keeps (nbconvert shows no other widget's view)."""
    widgets = nb.metadata.get("widgets")
    state = widgets.get("application/vnd.jupyter.widget-state+json") if isinstance(widgets, dict) else None
    models = state.get("state") if isinstance(state, dict) else None
    return list(models) if isinstance(models, dict) else []


def _shown_type(data: dict, widgets: list) -> str | None:
    """The type an output's ``data`` is shown as (none when it has none the page shows)."""
    for mime in DISPLAY_PRIORITY:
        if mime in data and (mime != _WIDGET_VIEW or data[mime].get("model_id") in widgets):
            return mime
    return None


@functools.cache
def _environment() -> jinja2.Environment:
    """Our templates, compiled once per process, and the filters they use."""
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES / "feedback"), auto_reload=False)
    environment.filters.update({
        "sanitize": sanitize, "markdown_safe": _markdown, "tex_safe": inert_tex, "svg_image": _svg_image,
        "highlight_code": _highlight, "shown_type": _shown_type, "ansi2html": ansi2html,
        "get_metadata": get_metadata, "escape_html": lambda text: html.escape(str(text))})
    return environment


def _page(student_id: str, assignment_id: str, notebook: str, math: dict) -> dict:
    """What the page says of itself (``resources.feedback`` in the templates)."""
    return {"student": student_id, "assignment": assignment_id, "notebook": notebook, **math}


def _destination(out: Path, student_id: str, assignment_id: str, notebook: str) -> Path:
    path = out / "feedback" / student_id / assignment_id / f"{notebook}.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def render_feedback(notebook_path: Path, db_url: str, student_id: str, assignment_id: str) -> str:
    """The feedback page of one autograded notebook, as HTML, for the feedback folder (its
    MathJax is the folder's: :func:`share_mathjax`; :func:`standalone` for a page alone)."""
    notebook_id = notebook_path.stem
    nb = nbformat.read(notebook_path, as_version=4)
    resources = {"nbgrader": {"notebook": notebook_id, "assignment": assignment_id, "student": student_id,
                              "db_url": db_url},
                 "feedback": _page(student_id, assignment_id, notebook_id, SHARED_MATH)}
    nb, resources = Annotate().preprocess(nb, resources)
    clear = ClearHiddenTests()
    clear.enforce_metadata = False
    nb, resources = clear.preprocess(nb, resources)
    budget = _page_budget.set(dict(PAGE_BUDGET))
    try:
        return _environment().get_template("index.html.j2").render(
            nb=nb, resources=resources, language=_language(nb), widgets=_widget_models(nb))
    finally:
        _page_budget.reset(budget)


def warm_up(assignment_ids) -> None:
    """Do once, before the first page is asked for, what every page of these assignments
    needs: the templates compiled, the notebook schema, the highlighter and the Markdown
    renderer loaded, here on the released notebooks (whose cells most pages repeat, and are
    remembered). A pool process does this while the first notebooks are graded; the first
    page would otherwise wait about 0.4 s for it."""
    environment = _environment()
    for template in ("index.html.j2", "failure.html.j2"):
        environment.get_template(template)
    for assignment_id in assignment_ids:
        released = nbformat.read(course.released_notebook(assignment_id), as_version=4)
        language = _language(released)
        for cell in released.cells:
            if cell.cell_type == "code":
                _highlight(cell.source, language, cell.metadata)
            elif cell.cell_type == "markdown":
                _markdown(cell.source)


def write_feedback(work: Path, out: Path, student_id: str, assignment_id: str) -> str | None:
    """Write the feedback page of each autograded notebook of one submission; return a
    one-line problem, or None when every page was written."""
    folder = work / "autograded" / student_id / assignment_id
    notebooks = sorted(folder.glob("*.ipynb"))
    if not notebooks:
        return f"no feedback: no autograded notebook in {folder}"
    db_url = course.gradebook_url(work)
    try:
        share_mathjax(out / "feedback")
    except OSError as exc:
        return f"no feedback: MathJax could not be put in the feedback folder ({exc})"[:200]
    for path in notebooks:
        try:
            page = render_feedback(path, db_url, student_id, assignment_id)
        except MissingEntry as exc:
            return f"no feedback for {path.name}: not in the gradebook ({exc})"[:200]
        except Exception as exc:  # noqa: BLE001 - one bad page must not stop the run
            return f"no feedback for {path.name}: {type(exc).__name__}: {exc}"[:200]
        atomic_write(_destination(out, student_id, assignment_id, path.stem), page)
    return None


# --- a submission that could not be graded -------------------------------------------------------

def advice(reason: str, notebook_name: str) -> str:
    """What a student should do about a submission that could not be graded."""
    text = reason.lower()
    if "json" in text or "utf-8" in text or "not a notebook" in text:
        return (f"The file you handed in is damaged (perhaps cut off during the upload, or edited outside "
                f"Jupyter). Open it in Jupyter: if it does not open, download {notebook_name} again from the "
                "course book, copy your answers into it, run the student kit's validate on it and hand it in again.")
    if "missing notebook" in text or "no notebook" in text:
        return (f"Hand in the exercise notebook itself, named {notebook_name} (not a zip, an HTML or PDF "
                "export, or another notebook).")
    if "mb" in text and "more than" in text:
        return ("The notebook is far larger than an exercise needs, usually because of huge outputs: clear "
                "all outputs (Kernel, Restart & Clear Output), save, validate and hand it in again.")
    if "unknown assignment" in text:
        return "The notebook was handed in under an assignment this course does not have: check where you uploaded it."
    return ("Run the student kit's validate on your notebook, fix what it reports and hand it in again. If "
            "validate says it is ready, ask your instructor: this may be a problem of the grader, not of your work.")


def write_failure_feedback(out: Path, student_id: str, assignment_id: str, notebook_name: str, reason: str) -> None:
    """The page for a submission that could not be graded: why, and what to do."""
    notebook_name = notebook_name if notebook_name.endswith(".ipynb") else f"{notebook_name}.ipynb"
    template = _environment().get_template("failure.html.j2")
    page = template.render(resources={"feedback": _page(student_id, assignment_id, Path(notebook_name).stem, NO_MATH)},
                           reason=reason, advice=advice(reason, notebook_name), notebook_name=notebook_name)
    atomic_write(_destination(out, student_id, assignment_id, Path(notebook_name).stem), page)
