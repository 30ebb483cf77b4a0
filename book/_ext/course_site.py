"""What the published book needs beyond Jupyter Book's defaults (a local Sphinx extension).

- **Offline math**: MathJax 3 is served from the site itself (``_static/mathjax``), copied
  from the pinned ``django-static-mathjax`` wheel (which ships MathJax 3.2.2), never loaded
  from a CDN.
- **Numbers by chapter**: sections, theorems, figures and equations of ``book/chNN_*`` are
  numbered ``NN.1``, ``NN.2``, ... whichever chapters are in the table of contents, and those
  of ``book/appendix_a_*`` ``A.1``, ``A.2``, ... (``_toc.yml`` also letters the appendix part
  with sphinx-external-toc's ``style: alphaupper``; this keeps the letter if it did not).
- **No thebe**: the book has no launch buttons, so the thebe scripts (which sphinx-thebe
  includes twice, a JavaScript error on every page) are left out.
- **Alt text**: a figure's image with none gets the figure's caption.
- **Unique anchors**: repeated ids are numbered (sphinx-proof gives every proof the same).
- **Chapters as notebooks**: each chapter's MyST source is converted with jupytext into a
  runnable ``.ipynb`` (``_sources/<page>.ipynb``), which the page's download menu offers.
- **Errata**: with ``course_repository`` set (``sphinx: config:`` in ``_config.yml``, the
  repository's web address), every page gets a "report an erratum" button that opens a new
  issue naming the page; without it, none.
- **Phone navigation**: ``course.js`` (in ``_static``) works around the pydata-sphinx-theme
  0.17 bug that leaves the sidebar buttons dead on narrow screens.
- **Downloads from disk**: a page opened from a file (``file://``, the site unzipped on a
  laptop) gets no ``download`` attribute honoured by Chromium, which then shows a notebook
  as raw JSON. Every link to a file the site offers (``_downloads/``, ``_sources/``) carries
  that file's bytes (``data-course-file``, base64), which ``course.js`` saves from there when
  the page is read from disk.
"""
from __future__ import annotations

import base64
import re
import shutil
from pathlib import Path
from urllib.parse import quote, unquote

import jupytext
import mathjax
from docutils import nodes
from sphinx.application import Sphinx

#: The MathJax files the site serves: the combined TeX-to-HTML component (all TeX
#: extensions included, so nothing is loaded on demand) and the fonts it uses.
MATHJAX_ROOT = Path(mathjax.__file__).parent / "static" / "mathjax" / "es5"
MATHJAX_FILES = ("tex-chtml-full.js", "output/chtml/fonts/woff-v2")
MATHJAX_PATH = "mathjax/tex-chtml-full.js"  # relative to _static

_CHAPTER = re.compile(r"(?:^|/)ch(\d+)_[^/]*$")
_APPENDIX = re.compile(r"(?:^|/)appendix_([a-z])_[^/]*$")


def chapter_number(docname: str) -> int | str | None:
    """``book/ch02_softmax`` -> 2, ``book/appendix_a_convolution`` -> "A", anything else -> None."""
    if match := _CHAPTER.search(docname):
        return int(match.group(1))
    if match := _APPENDIX.search(docname):
        return match.group(1).upper()
    return None


def _configure(app: Sphinx, config) -> None:
    config.mathjax_path = MATHJAX_PATH
    config.numfig_secnum_depth = 1
    config.html_static_path = [*config.html_static_path, str(Path(__file__).parent.parent / "_static")]


def _renumber(app: Sphinx, env) -> list[str]:
    """Give every number of a chapter's page the chapter's own number as its first part."""
    for docname, numbers in env.toc_secnumbers.items():
        chapter = chapter_number(docname)
        if chapter is not None:
            for anchor, number in numbers.items():
                if number:
                    numbers[anchor] = (chapter, *number[1:])
    for docname, toc in env.tocs.items():  # the numbers tables of contents show
        chapter = chapter_number(docname)
        if chapter is not None:
            for node in toc.findall(lambda n: "secnumber" in getattr(n, "attributes", {})):
                if node["secnumber"]:
                    node["secnumber"] = (chapter, *node["secnumber"][1:])
    for docname, kinds in env.toc_fignumbers.items():
        chapter = chapter_number(docname)
        if chapter is not None:
            for figures in kinds.values():
                for figure_id, number in figures.items():
                    if len(number) > 1:
                        figures[figure_id] = (chapter, *number[1:])
    return []


def _figure_alt_text(app: Sphinx, doctree, docname) -> None:
    """A figure's image without alt text (an executed cell's plot, say) gets its caption as
    alt text, not its file name; ``mystnb: image: alt:`` in the cell gives a better one."""
    for figure in doctree.findall(nodes.figure):
        captions = [c.astext() for c in figure.findall(nodes.caption)]
        for image in figure.findall(nodes.image):
            if not image.get("alt") and captions:
                image["alt"] = " ".join(captions[0].split())


def _unique_ids(app: Sphinx, doctree, docname) -> None:
    """sphinx-proof gives every proof the ids "proof" and "proof-content": number the
    repeats (the first keeps its id), so that each id on a page names one element."""
    seen: dict[str, int] = {}
    for node in doctree.findall(lambda n: bool(getattr(n, "get", lambda *_: None)("ids"))):
        ids = []
        for node_id in node["ids"]:
            seen[node_id] = seen.get(node_id, 0) + 1
            ids.append(node_id if seen[node_id] == 1 else f"{node_id}-{seen[node_id]}")
        node["ids"] = ids


def _chapter_notebook(app: Sphinx, pagename, templatename, context, doctree) -> None:
    """Write the chapter's source as a notebook and let the theme's download menu offer it
    (the theme lists ``ipynb_source`` under ``_sources``; runs before the theme's buttons)."""
    if doctree is None or chapter_number(pagename) is None or app.builder.format != "html":
        return
    source = Path(app.env.doc2path(pagename))
    if source.suffix != ".md":
        return
    target = Path(app.outdir) / "_sources" / f"{pagename}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    jupytext.write(jupytext.read(source), target, fmt="ipynb")
    context["ipynb_source"] = f"{pagename}.ipynb"


def _erratum_button(app: Sphinx, pagename, templatename, context, doctree) -> None:
    """A header button that opens a new issue about this page, where a repository is set."""
    repository = app.config.course_repository.strip().rstrip("/")
    buttons = context.get("header_buttons")
    if not repository or buttons is None or doctree is None:
        return
    title = quote(f"Erratum: {context.get('title', pagename)}")
    body = quote(f"Page: {pagename}.html\n\nWhat is wrong, and what it should say:\n")
    buttons.append({
        "type": "link", "url": f"{repository}/issues/new?title={title}&body={body}",
        "tooltip": "Report an erratum", "icon": "fas fa-bug", "label": "erratum-button",
        "classes": "pst-navbar-icon",
    })


def _page_context(app: Sphinx, pagename, templatename, context, doctree) -> None:
    # the theme's colour mode: empty by default, which the theme logs as an error on every page
    context["default_mode"] = "light"
    scripts = context.get("script_files")
    if scripts is None:
        return
    kept = [s for s in scripts
            if "thebe" not in str(s).lower() and "thebe" not in str(getattr(s, "attributes", {})).lower()]
    scripts[:] = kept


def _copy_mathjax(app: Sphinx, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    target = Path(app.outdir) / "_static" / "mathjax"
    for name in MATHJAX_FILES:
        source = MATHJAX_ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name, dirs_exist_ok=True)
        else:
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target / name)


#: A link to a file the site offers, up to its ``href`` value (and a copy it carried already).
_FILE_LINK = re.compile(r'<a (?:data-course-file="[^"]*" )?((?:[^>]*?\s)?href="((?:[^"]*/)?_(?:downloads|sources)/[^"#?]+)")')
#: Larger files are left to the link alone (the page would grow by a third more than the file).
MOST_CARRIED_BYTES = 512 * 1024


def _carry_downloads(app: Sphinx, exception) -> None:
    """Give every link to a file under ``_downloads`` or ``_sources`` that file's bytes."""
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir).resolve()
    for page in outdir.rglob("*.html"):
        text = page.read_text(encoding="utf-8")

        def carried(match: re.Match) -> str:
            target = (page.parent / unquote(match.group(2))).resolve()
            if outdir not in target.parents or not target.is_file() or target.stat().st_size > MOST_CARRIED_BYTES:
                return f"<a {match.group(1)}"
            data = base64.b64encode(target.read_bytes()).decode("ascii")
            return f'<a data-course-file="{data}" {match.group(1)}'

        changed = _FILE_LINK.sub(carried, text)
        if changed != text:
            page.write_text(changed, encoding="utf-8")


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", _configure, priority=900)
    app.connect("env-get-updated", _renumber, priority=900)  # after the toctree collector
    app.add_config_value("course_repository", "", "html", types=[str])
    app.connect("html-page-context", _chapter_notebook, priority=450)  # before the theme's menu (501)
    app.connect("html-page-context", _erratum_button, priority=600)  # after it
    app.connect("html-page-context", _page_context, priority=900)
    app.connect("doctree-resolved", _unique_ids)
    app.connect("doctree-resolved", _figure_alt_text)
    app.connect("build-finished", _copy_mathjax)
    app.connect("build-finished", _carry_downloads)
    app.add_css_file("course.css")
    app.add_js_file("course.js", defer="defer")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
