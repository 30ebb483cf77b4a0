"""Print the built book to one PDF, offline, with the headless Chromium of the browser tests.

    python -m publish.pdf _build/html _build/html/activation-functions-in-depth.pdf

Pages are printed in the order of the book's navigation (the landing page, then every
chapter), each after MathJax has typeset it, and joined into a book one can study from:

- **nothing clipped**: code wraps in print (``course.css``), and a formula wider than its
  column is shrunk to fit (:data:`FIT_FOR_PRINT`, measured in print layout at the printed
  column's width); anything that still does not fit stops the build with its name;
- **chapter titles with their numbers**, as the navigation numbers them;
- **a contents page** at the front with every chapter's number and first page;
- **page numbers** ("page k of N") on every page but the contents, overlaid after joining;
- **links inside the PDF**: a link to another page of the book (or an anchor on it) goes to
  that page; any other link to the site (a download, the kit) goes to the published site's
  address (``html.baseurl`` in ``_config.yml``), or, where none is set, is left as plain text.
  No link points at the temporary print server.
"""
from __future__ import annotations

import html
import re
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import unquote, urldefrag, urljoin, urlparse

import yaml
from bs4 import BeautifulSoup
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, NameObject, NullObject

from publish import browser

LANDING = "book/intro.html"
CONFIG = Path(__file__).resolve().parent.parent / "_config.yml"
TITLE = "Activation Functions, In Depth"

#: A4 with these margins leaves a column of 178 mm, 673 CSS pixels (96 px to the inch).
MARGIN = {"top": "18mm", "bottom": "18mm", "left": "16mm", "right": "16mm"}
COLUMN_PX = round((210 - 16 - 16) / 25.4 * 96)

#: Run in print layout at the printed column's width: shrink every formula wider than the
#: block it sits in (CSS zoom, so the layout shrinks with it), then return a description of
#: every ``pre`` and formula box that still does not fit (an empty list: all fit).
FIT_FOR_PRINT = r"""() => {
  const contentWidth = (el) => {
    const s = getComputedStyle(el);
    return el.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);
  };
  const columnOf = (el) => {
    let c = el.parentElement;
    while (c && (c.matches("div.math, div.math-wrapper, span.math, mjx-container")
                 || getComputedStyle(c).display.startsWith("inline"))) c = c.parentElement;
    return c || document.body;
  };
  // The width a formula draws on the page: a block one's box may be narrower than its content.
  const widthOf = (f) => {
    const width = f.getBoundingClientRect().width;
    return f.clientWidth > 0 ? width * Math.max(1, f.scrollWidth / f.clientWidth) : width;
  };
  const article = document.querySelector("article.bd-article") || document.body;
  // A table sizes its cells to what they hold: it shrinks as a whole, its formulas do not.
  const formulas = Array.from(article.querySelectorAll("mjx-container")).filter((f) => !f.closest("table"));
  const tables = Array.from(article.querySelectorAll("table"));
  const shrink = (el, room, width) => {
    const zoom = parseFloat(el.style.zoom || "1") * room / width;
    el.style.zoom = String(Math.floor(zoom * 995) / 1000);
  };
  for (let pass = 0; pass < 3; pass++) {  // zoom re-lays out: check again, shrink again
    for (const f of formulas) {
      const room = contentWidth(columnOf(f)), width = widthOf(f);
      if (room > 0 && width > room + 1) shrink(f, room, width);
    }
    for (const t of tables) {
      const room = contentWidth(t.parentElement), width = t.getBoundingClientRect().width;
      if (room > 0 && width > room + 1) shrink(t, room, width);
    }
  }
  const page = article.getBoundingClientRect();
  const label = (el) => (el.textContent || "").replace(/\s+/g, " ").trim().slice(0, 60);
  const problems = [];
  for (const t of tables) {
    const box = t.getBoundingClientRect();
    if (box.width > contentWidth(t.parentElement) + 1 || box.right > page.right + 1) {
      problems.push(`table ${label(t)} (${Math.round(box.width)} px)`);
    }
  }
  for (const f of formulas) {
    const box = f.getBoundingClientRect(), room = contentWidth(columnOf(f));
    if (widthOf(f) > room + 1 || box.right > page.right + 1 || box.left < page.left - 1) {
      problems.push(`formula ${label(f)} (${Math.round(widthOf(f))} px in ${Math.round(room)} px)`);
    }
  }
  for (const p of article.querySelectorAll("pre")) {
    const box = p.getBoundingClientRect();
    if (p.scrollWidth > p.clientWidth + 1 || box.right > page.right + 1) {
      problems.push(`code ${label(p)} (${p.scrollWidth} px in a ${p.clientWidth} px box)`);
    }
  }
  return problems;
}"""

#: Put the chapter's number (from the navigation) before its title.
NUMBER_TITLE = """(number) => {
  for (const h1 of document.querySelectorAll("#jb-print-docs-body h1, article.bd-article h1")) {
    if (!h1.textContent.trim().startsWith(number + ".")) {
      h1.insertBefore(document.createTextNode(number + ". "), h1.firstChild);
    }
  }
}"""

#: Give each anchor that other pages link to a link to itself, so that Chromium writes a
#: named destination for it (it writes one only for anchors linked from the same page).
MARK_ANCHORS = """(ids) => {
  for (const id of ids) {
    const target = document.getElementById(id);
    if (!target || target.closest("nav, .bd-sidebar-primary, .bd-sidebar-secondary")) continue;
    const mark = document.createElement("a");
    mark.href = "#" + encodeURIComponent(id);
    mark.textContent = "\u200b";
    mark.setAttribute("aria-hidden", "true");
    mark.style.cssText = "font-size:1px; color:transparent; text-decoration:none";
    target.insertBefore(mark, target.firstChild);
  }
}"""

_NUMBER = re.compile(r"^([0-9]+|[A-Z])\.\s")


def book_pages(site: Path) -> list[tuple[str, str]]:
    """(path, title as the navigation shows it, with its number) for the landing page and
    every page its navigation lists, in order."""
    soup = BeautifulSoup((site / LANDING).read_text(encoding="utf-8"), "html.parser")
    pages = [(LANDING, TITLE)]
    for link in soup.select("nav.bd-docs-nav a.reference.internal"):
        path = urlparse(urljoin(LANDING, link["href"])).path
        if path.endswith(".html") and path not in dict(pages) and (site / path).is_file():
            pages.append((path, " ".join(link.get_text(" ", strip=True).split())))
    return pages


def linked_anchors(site: Path, pages: list[str]) -> dict[str, set[str]]:
    """page -> the anchors on it that another page of the book links to."""
    wanted: dict[str, set[str]] = {name: set() for name in pages}
    for name in pages:
        soup = BeautifulSoup((site / name).read_text(encoding="utf-8"), "html.parser")
        for link in soup.select("article a[href]"):
            path, fragment = urldefrag(urljoin(name, link["href"]))
            path = urlparse(path).path
            if fragment and path != name and path in wanted:
                wanted[path].add(unquote(fragment))
    return wanted


def site_address(config: Path = CONFIG) -> str | None:
    """The published site's address (``html.baseurl`` in ``_config.yml``), or None."""
    if not config.is_file():
        return None
    settings = yaml.safe_load(config.read_text(encoding="utf-8")) or {}
    address = str((settings.get("html") or {}).get("baseurl") or "").strip()
    return address.rstrip("/") + "/" if address else None


def contents_html(url: str, entries: list[tuple[str, str, int]]) -> str:
    """A contents page: every entry (path, title, first page) as a link to its page."""
    rows = "\n".join(
        f'<li><a href="{html.escape(url + path)}"><span class="t">{html.escape(title)}</span>'
        f'<span class="n">{number}</span></a></li>' for path, title, number in entries)
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Contents</title>
<style>
  body {{ font: 12pt/1.5 sans-serif; color: #222; }}
  h1 {{ font-size: 20pt; margin: 0 0 1em; }}
  ul {{ list-style: none; padding: 0; }}
  li a {{ display: flex; gap: 1em; color: inherit; text-decoration: none; padding: .25em 0;
          border-bottom: 1px dotted #aaa; }}
  .t {{ flex: 1; }}
</style></head><body><h1>{html.escape(TITLE)}</h1><h2>Contents</h2><ul>{rows}</ul></body></html>"""


def footer_html(total: int, unnumbered: int) -> str:
    """``total`` A4 pages, empty but for "page k of N" at the foot of each numbered one."""
    sheets = "".join(
        f'<div class="p">{"" if k <= unnumbered else f"<span>page {k} of {total}</span>"}</div>'
        for k in range(1, total + 1))
    return f"""<!doctype html><html><head><meta charset="utf-8"><style>
  @page {{ size: A4; margin: 0; }}
  html, body {{ margin: 0; }}
  .p {{ height: 290mm; position: relative; break-after: page; }}
  .p:last-child {{ break-after: auto; }}
  .p span {{ position: absolute; top: 282mm; left: 0; right: 0; text-align: center;
            font: 9pt sans-serif; color: #555; }}
</style></head><body>{sheets}</body></html>"""


def _print(page, target: Path, **options) -> int:
    page.pdf(path=str(target), format="A4", print_background=True, **options)
    return len(PdfReader(str(target)).pages)


def print_book(site: Path, target: Path) -> int:
    pages = book_pages(site)
    address = site_address()
    writer = PdfWriter()
    with tempfile.TemporaryDirectory() as scratch, browser.serve(site) as url, \
            browser.chromium(Path(scratch) / "profile") as context:
        scratch = Path(scratch)
        blocked = browser.offline(context, (url,))
        page = context.new_page()
        page.emulate_media(media="print")
        page.set_viewport_size({"width": COLUMN_PX, "height": 1000})
        pieces, unfit = [], []
        targets = linked_anchors(site, [name for name, _title in pages])
        for name, title in pages:
            page.goto(url + name, wait_until="load")
            browser.typeset(page)
            page.evaluate(MARK_ANCHORS, sorted(targets[name]))
            unfit += [f"{name}: {problem}" for problem in page.evaluate(FIT_FOR_PRINT)]
            if match := _NUMBER.match(title):
                page.evaluate(NUMBER_TITLE, match.group(1))
            pdf = scratch / (name.replace("/", "_") + ".pdf")
            pieces.append((name, title, pdf, _print(page, pdf, margin=MARGIN)))
        if unfit:
            raise SystemExit("too wide for the printed page:\n  " + "\n  ".join(unfit))

        # The contents page(s) come first: print until the page count it assumes is right.
        contents = scratch / "contents.pdf"
        lead = 1
        for _ in range(3):
            starts, start = [], lead + 1
            for name, title, _pdf, count in pieces:
                starts.append((name, title, start))
                start += count
            page.goto(url + LANDING, wait_until="load")  # the contents' links are the site's
            page.set_content(contents_html(url, starts))
            printed = _print(page, contents, margin=MARGIN)
            if printed == lead:
                break
            lead = printed
        else:
            raise SystemExit("the contents page's length did not settle")
        total = start - 1

        writer.append(str(contents))
        first_page, piece_of = {}, [None] * lead
        for (name, title, pdf, count), (_n, _t, start) in zip(pieces, starts):
            first_page[name] = start - 1
            piece_of += [name] * count
            writer.append(str(pdf))
            writer.add_outline_item(title=title, page_number=start - 1)
        anchors = _anchors(pieces, first_page)
        _relink(writer, url, piece_of, first_page, anchors, address)

        footer = scratch / "footer.pdf"
        page.set_content(footer_html(total, lead))
        page.pdf(path=str(footer), format="A4", margin={"top": "0", "bottom": "0", "left": "0", "right": "0"})
        overlay = PdfReader(str(footer))
        if len(overlay.pages) != total:
            raise SystemExit(f"the page-number overlay has {len(overlay.pages)} pages for {total}")
        for number in range(lead, total):
            writer.pages[number].merge_page(overlay.pages[number])
        if blocked:
            raise SystemExit(f"the book requested things from outside the site while printing: {blocked[:3]}")
    writer.add_metadata({"/Title": TITLE})
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as out:
        writer.write(out)
    return total


def _anchors(pieces, first_page: dict[str, int]) -> dict[tuple[str, str], int]:
    """(page path, anchor) -> page index in the book, from each piece's named destinations
    (Chromium writes one for every anchor a link on the page points at)."""
    anchors = {}
    for name, _title, pdf, _count in pieces:
        reader = PdfReader(str(pdf))
        for anchor, destination in reader.named_destinations.items():
            index = reader.get_destination_page_number(destination)
            if index is not None and index >= 0:
                anchors[(name, unquote(str(anchor)))] = first_page[name] + index
    return anchors


def _goto(writer: PdfWriter, annotation, index: int) -> None:
    annotation.pop("/A", None)
    annotation[NameObject("/Dest")] = ArrayObject(
        [writer.pages[index].indirect_reference, NameObject("/XYZ"), NullObject(), NullObject(), NullObject()])


def _relink(writer: PdfWriter, url: str, piece_of: list[str | None], first_page: dict[str, int],
            anchors: dict[tuple[str, str], int], address: str | None) -> None:
    """Point every link to the print server inside the PDF, at the published site, or nowhere;
    and every link to an anchor of its own page at that page's anchor (the joined PDF keeps
    one named destination per name, and the chapters share names such as ``proof``)."""
    for number, pdf_page in enumerate(writer.pages):
        annotations = pdf_page.get("/Annots")
        if annotations is None:
            continue
        kept = ArrayObject()
        for reference in annotations.get_object():
            annotation = reference.get_object()
            named = annotation.get("/Dest")
            if isinstance(named, (str, bytes)) and (piece_of[number], unquote(str(named))) in anchors:
                _goto(writer, annotation, anchors[(piece_of[number], unquote(str(named)))])
                kept.append(reference)
                continue
            action = annotation.get("/A")
            action = action.get_object() if action is not None else None
            uri = str(action.get("/URI", "")) if action is not None else ""
            if not uri.startswith(url):
                kept.append(reference)
                continue
            relative = uri[len(url):]
            path, fragment = urldefrag(relative)
            path = unquote(path)
            if path in first_page:
                _goto(writer, annotation, anchors.get((path, unquote(fragment)), first_page[path]))
                kept.append(reference)
            elif address is not None:
                action[NameObject("/URI")] = type(action["/URI"])(address + relative)
                kept.append(reference)
        pdf_page[NameObject("/Annots")] = kept


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m publish.pdf SITE_FOLDER OUTPUT.pdf", file=sys.stderr)
        return 2
    started = time.perf_counter()
    try:
        count = print_book(Path(argv[0]), Path(argv[1]))
    except browser.BrowserMissing as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"{argv[1]}: {count} pages in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
