"""The printed book (``make pdf``) as a student studies from it: a contents page with every
chapter's number and page, a page number on every other page, links that stay inside the
PDF (or go to the published site, never to the temporary print server), and no code or
formula cut off at the edge of the paper.

`make test` builds the book and the PDF before this runs.
"""
from __future__ import annotations

import re

import pytest
from pypdf import PdfReader
from pypdf.generic import ArrayObject

from autograder import course
from publish import browser, pdf
from tests.pdf_text import pdf_pages

SITE = course.ROOT / "_build" / "html"
PDF = SITE / "activation-functions-in-depth.pdf"
FOOTER = re.compile(r"page (\d+) of (\d+)")
#: The tests that read the PDF's text run in the process of test_site, which reads it too.
READS_THE_PDF = pytest.mark.xdist_group("site")


@pytest.fixture(scope="session")
def book():
    if not PDF.is_file():
        pytest.fail(f"{PDF} is missing: run `make pdf` (make test builds it)")
    return PdfReader(str(PDF))


@pytest.fixture(scope="session")
def texts(book):
    return list(pdf_pages())


def _contents_pages(texts) -> int:
    count = 0
    while count < len(texts) and not FOOTER.search(texts[count]):
        count += 1
    return count


@READS_THE_PDF
def test_every_page_but_the_contents_has_its_number(texts):
    lead = _contents_pages(texts)
    assert 1 <= lead <= 2 and "Contents" in texts[0], "the book starts with its contents"
    for index in range(lead, len(texts)):
        numbers = FOOTER.findall(texts[index])
        assert numbers == [(str(index + 1), str(len(texts)))], f"page {index + 1}: footer {numbers}"


@READS_THE_PDF
def test_the_contents_list_every_chapter_with_its_number_and_page(book, texts):
    lead = _contents_pages(texts)
    contents = " ".join(" ".join(texts[:lead]).split())
    outline = {item.title: book.get_destination_page_number(item) for item in book.outline}
    chapters = pdf.book_pages(SITE)
    assert any(re.match(r"\d+\. ", title) for _path, title in chapters), "chapters are numbered"
    for _path, title in chapters:
        found = re.search(re.escape(title) + r"\s*(\d+)", contents)
        assert found, f"{title!r} is not in the contents"
        first = int(found.group(1))
        assert outline.get(title) == first - 1, f"{title!r}: contents say page {first}, bookmark {outline.get(title)}"
        heading = title.split(". ", 1)
        if len(heading) == 2:  # the chapter's own title carries its number
            assert f"{heading[0]}. {heading[1][:15]}" in " ".join(texts[first - 1].split()), title


def _links(book):
    for index, page in enumerate(book.pages):
        for annotation in page.get("/Annots") or []:
            annotation = annotation.get_object()
            if annotation.get("/Subtype") == "/Link":
                yield index, annotation


@READS_THE_PDF
def test_no_link_points_at_the_print_server(book):
    uris, internal = [], 0
    for index, annotation in _links(book):
        action = annotation.get("/A")
        if action is not None and "/URI" in action.get_object():
            uris.append((index + 1, str(action.get_object()["/URI"])))
        else:
            internal += 1
    local = [(page, uri) for page, uri in uris if re.search(r"//(127\.0\.0\.1|localhost)[:/]", uri)]
    assert not local, f"links to the print server: {local[:5]}"
    assert internal > 50, "links between chapters and within them stay inside the PDF"


@READS_THE_PDF
def test_links_between_chapters_land_on_a_page_of_the_book(book):
    pages = {page.indirect_reference.idnum for page in book.pages}
    for index, annotation in _links(book):
        destination = annotation.get("/Dest")
        if isinstance(destination, ArrayObject):  # the links publish.pdf made (Chromium's are named)
            assert getattr(destination[0], "idnum", None) in pages, f"page {index + 1}: a link to nowhere"


@pytest.fixture(scope="session")
def printer(tmp_path_factory):
    with browser.serve(SITE) as url, browser.chromium(tmp_path_factory.mktemp("chromium")) as context:
        browser.offline(context, (url,))
        page = context.new_page()
        page.emulate_media(media="print")
        page.set_viewport_size({"width": pdf.COLUMN_PX, "height": 1000})
        yield page, url


@pytest.mark.parametrize("name", [name for name, _title in pdf.book_pages(SITE)] if SITE.is_dir() else [])
def test_every_code_block_and_formula_fits_the_printed_page(printer, name):
    page, url = printer
    page.goto(url + name, wait_until="load")
    browser.typeset(page)
    assert page.evaluate(pdf.FIT_FOR_PRINT) == []


def test_the_fit_check_shrinks_a_wide_formula_and_reports_code_that_does_not_wrap(printer):
    page, _url = printer
    page.set_content("""<article class="bd-article"><p>text</p>
        <div class="math"><mjx-container display="true" style="display:block">
          <span style="display:inline-block; width:1500px">wide</span></mjx-container></div>
        <pre style="white-space:pre; overflow:auto">""" + "x" * 400 + "</pre></article>")
    problems = page.evaluate(pdf.FIT_FOR_PRINT)
    assert len(problems) == 1 and problems[0].startswith("code"), problems
    assert float(page.evaluate("document.querySelector('mjx-container').style.zoom")) < 0.5
