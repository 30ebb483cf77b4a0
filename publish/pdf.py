"""Print the built book to one PDF, offline, with the headless Chromium of the browser tests.

    python -m publish.pdf _build/html _build/html/activation-functions-in-depth.pdf

Pages are printed in the order of the book's navigation (the landing page, then every
chapter), each after MathJax has typeset it, and joined with a bookmark per page.
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urljoin, urlparse

from bs4 import BeautifulSoup
from pypdf import PdfWriter

from publish import browser

LANDING = "book/intro.html"


def book_pages(site: Path) -> list[str]:
    """The landing page and every page its navigation lists, in order."""
    soup = BeautifulSoup((site / LANDING).read_text(encoding="utf-8"), "html.parser")
    pages = [LANDING]
    for link in soup.select("nav.bd-docs-nav a.reference.internal"):
        path = urlparse(urljoin(LANDING, link["href"])).path
        if path.endswith(".html") and path not in pages and (site / path).is_file():
            pages.append(path)
    return pages


def print_book(site: Path, target: Path) -> int:
    pages = book_pages(site)
    writer = PdfWriter()
    with tempfile.TemporaryDirectory() as scratch, browser.serve(site) as url, \
            browser.chromium(Path(scratch) / "profile") as context:
        blocked = browser.offline(context, (url,))
        page = context.new_page()
        page.emulate_media(media="print")
        for name in pages:
            page.goto(url + name, wait_until="load")
            browser.typeset(page)
            title = page.title().split("—")[0].split(" | ")[0].strip() or name
            pdf = Path(scratch) / (name.replace("/", "_") + ".pdf")
            page.pdf(path=str(pdf), format="A4", print_background=True,
                     margin={"top": "18mm", "bottom": "18mm", "left": "16mm", "right": "16mm"})
            start = len(writer.pages)
            writer.append(str(pdf))
            writer.add_outline_item(title=title, page_number=start)
        if blocked:
            raise SystemExit(f"the book requested things from outside the site while printing: {blocked[:3]}")
    writer.add_metadata({"/Title": "Activation Functions, In Depth"})
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as out:
        writer.write(out)
    return len(writer.pages)


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
