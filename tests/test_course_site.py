"""The book's own Sphinx extension (``book/_ext/course_site.py``) on its own, without a build."""
from __future__ import annotations

import sys
from types import SimpleNamespace
from urllib.parse import parse_qs, urlparse

import nbformat

from autograder import course

sys.path.insert(0, str(course.ROOT / "book" / "_ext"))
import course_site  # noqa: E402


def _page(repository: str) -> list[dict]:
    app = SimpleNamespace(config=SimpleNamespace(course_repository=repository))
    context = {"header_buttons": [], "title": "Softmax in depth"}
    course_site._erratum_button(app, "book/ch02_softmax", "page.html", context, doctree=object())
    return context["header_buttons"]


def test_an_erratum_opens_an_issue_naming_the_page():
    [button] = _page("https://github.com/example/course/")
    url = urlparse(button["url"])
    assert url.netloc == "github.com" and url.path == "/example/course/issues/new"
    query = parse_qs(url.query)
    assert query["title"] == ["Erratum: Softmax in depth"] and "book/ch02_softmax.html" in query["body"][0]


def test_without_a_repository_there_is_no_erratum_button():
    assert _page("") == [] and _page("   ") == []


def test_the_chapter_notebook_is_the_chapter_source(tmp_path):
    app = SimpleNamespace(outdir=str(tmp_path), builder=SimpleNamespace(format="html"),
                          env=SimpleNamespace(doc2path=lambda name: course.ROOT / f"{name}.md"))
    context = {}
    course_site._chapter_notebook(app, "book/ch02_softmax", "page.html", context, doctree=object())
    notebook = nbformat.read(tmp_path / "_sources" / "book" / "ch02_softmax.ipynb", 4)
    nbformat.validate(notebook)
    assert context["ipynb_source"] == "book/ch02_softmax.ipynb"
    assert any(c.cell_type == "code" and "import numpy" in c.source for c in notebook.cells)
