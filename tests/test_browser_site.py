"""The built book in a real browser, as a student on a train would read it: Debian's
headless Chromium with every request outside the site aborted.

Every built page is opened twice: at desktop width (math typeset, no console error, no
request leaving the site, images loaded with real alt text, every internal link and anchor
alive) and at 375 px (no sideways scroll, the navigation and contents panels open). Every
exercise download is fetched as a browser would and compared byte for byte with the
released notebook. `make test` builds the book (and the PDF and kit) before this runs.
"""
from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlparse

import pytest
from bs4 import BeautifulSoup

from autograder import course
from publish import browser

SITE = course.ROOT / "_build" / "html"
REDIRECT = '<meta http-equiv="Refresh"'
PAGES = sorted(p.relative_to(SITE).as_posix() for p in SITE.rglob("*.html")
               if not p.relative_to(SITE).parts[0].startswith("_") and not p.read_text().startswith(REDIRECT))
LANDING = "book/intro.html"
PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 900}


def test_the_book_is_built():
    assert LANDING in PAGES and any(p.startswith("book/ch") for p in PAGES), "run `make test`: it builds the book"
    assert (SITE / "index.html").read_text().startswith(f'{REDIRECT} content="0; url={LANDING}"')


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    """(browser context, site URL, list of blocked outside requests)."""
    with browser.serve(SITE) as url, browser.chromium(tmp_path_factory.mktemp("chromium")) as context:
        blocked = browser.offline(context, (url,))
        yield context, url, blocked


@functools.cache
def _ids(page: str) -> frozenset[str]:
    soup = BeautifulSoup((SITE / page).read_text(encoding="utf-8"), "html.parser")
    return frozenset([t["id"] for t in soup.find_all(id=True)] + [t["name"] for t in soup.find_all("a", attrs={"name": True})])


def _open(context, url: str, page_name: str, viewport: dict):
    page = context.new_page()
    page.set_viewport_size(viewport)
    problems: list[str] = []
    page.on("console", lambda m: m.type in ("error", "warning") and problems.append(f"console {m.type}: {m.text}"))
    page.on("pageerror", lambda e: problems.append(f"JavaScript error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url} ({r.failure})"))
    page.on("response", lambda r: r.status >= 400 and problems.append(f"HTTP {r.status}: {r.url}"))
    page.goto(url + page_name, wait_until="load")
    browser.typeset(page)
    return page, problems


RAW_MATH = re.compile(r"\\\(|\\\[|\$\$|\\begin\{")


@pytest.mark.parametrize("page_name", PAGES)
def test_page_reads_offline(site, page_name):
    context, url, blocked = site
    blocked.clear()
    page, problems = _open(context, url, page_name, DESKTOP)
    try:
        math = page.evaluate("""() => {
            const all = Array.from(document.querySelectorAll('.math'));
            const clone = document.body.cloneNode(true);
            clone.querySelectorAll('pre, code, script, style, mjx-container, textarea').forEach(e => e.remove());
            return {
                total: all.length,
                untypeset: all.filter(e => !e.querySelector('mjx-container')).map(e => e.textContent.slice(0, 60)),
                errors: Array.from(document.querySelectorAll('mjx-merror')).map(e => e.textContent.slice(0, 80)),
                text: clone.innerText,
            };
        }""")
        images = page.evaluate("""() => Array.from(document.images).map(i => ({
            src: i.getAttribute('src'), ok: i.complete && i.naturalWidth > 0, alt: i.getAttribute('alt') || '',
            content: !!i.closest('.bd-article')}))""")
        links = page.evaluate("() => Array.from(document.querySelectorAll('a[href]')).map(a => a.href)")
        duplicates = page.evaluate("""() => { const seen = {}; document.querySelectorAll('[id]').forEach(e => {
            seen[e.id] = (seen[e.id] || 0) + 1; }); return Object.keys(seen).filter(k => seen[k] > 1); }""")
        proofs = page.evaluate("""() => Array.from(document.querySelectorAll('div[class="proof admonition"]')).map(p =>
            getComputedStyle(p.lastElementChild, '::after').content)""")
        numbers = page.evaluate("""() => Array.from(document.querySelectorAll(
            '.bd-article .caption-number, .bd-article .eqno, .bd-article .section-number, .bd-article .admonition-title'))
            .map(e => e.textContent)""")
        downloads = page.evaluate("() => Array.from(document.querySelectorAll('.bd-article a.download, .bd-article a[download]'))"
                                  ".map(a => a.getAttribute('href'))")
        for link in downloads:
            with page.expect_download() as event:
                page.click(f"a[href='{link}']")
            name = Path(unquote(urlparse(link).path)).name
            data = Path(event.value.path()).read_bytes()
            assert len(data) > 1000, f"{page_name}: the download of {name} is empty"
            if not name.endswith(".ipynb"):
                continue
            assignment_id = Path(name).stem
            assert assignment_id in course.assignment_ids(), f"{page_name} offers {name}, which is no exercise"
            assert data == course.released_notebook(assignment_id).read_bytes(), \
                f"{page_name}: the download of {name} is not the released notebook"
        # on a wide screen the navigation button hides the sidebar and shows it again
        toggle = page.locator(".primary-toggle:visible")
        sidebar = [page.evaluate("() => document.querySelector('.bd-sidebar-primary').getBoundingClientRect().width")]
        if toggle.count():
            for _ in range(2):
                toggle.first.click()
                page.wait_for_timeout(100)
                sidebar.append(page.evaluate("() => document.querySelector('.bd-sidebar-primary')"
                                             ".getBoundingClientRect().width"))
    finally:
        page.close()

    assert not problems, f"{page_name}: " + "; ".join(problems)
    assert len(sidebar) == 3 and sidebar[0] > 100 and sidebar[1] == 0 and sidebar[2] == sidebar[0], \
        f"{page_name}: the navigation button does not hide and show the sidebar on a wide screen: {sidebar}"
    assert not blocked, f"{page_name} requested things from outside the site: {blocked}"
    assert not math["untypeset"], f"{page_name}: {len(math['untypeset'])} formulas not typeset: {math['untypeset'][:3]}"
    assert not math["errors"], f"{page_name}: TeX errors: {math['errors'][:3]}"
    raw = RAW_MATH.search(math["text"])
    assert raw is None, f"{page_name}: raw TeX in the text: {math['text'][max(0, raw.start() - 40):raw.end() + 40]!r}"
    for image in images:
        assert image["ok"], f"{page_name}: image {image['src']} did not load"
        if image["content"]:
            alt = image["alt"]
            assert len(alt) >= 20 and not re.search(r"\.(png|svg|jpe?g)$|_images/", alt), \
                f"{page_name}: image {image['src']} has no real alt text ({alt!r})"
    assert not duplicates, f"{page_name}: ids used more than once: {duplicates[:5]}"
    assert all("\u220e" in content for content in proofs), f"{page_name}: a proof without a tombstone: {proofs}"
    chapter = re.match(r"book/ch(\d+)_", page_name)
    if chapter:
        number = str(int(chapter.group(1)))
        found = [n for n in numbers if re.search(r"\d+\.\d+", n)]
        assert found, f"{page_name}: no numbered headings, theorems, figures or equations"
        wrong = [n for n in found if not re.search(rf"(^|[^\d.]){number}\.\d", n)]
        assert not wrong, f"{page_name}: numbers not of chapter {number}: {wrong[:5]}"
        assert proofs, f"{page_name}: no proofs found"
    for link in links:
        if not link.startswith(url):
            continue
        target, anchor = urldefrag(link)
        target_page = unquote(target[len(url):]) or "index.html"
        if target_page.endswith("/"):
            target_page += "index.html"
        assert (SITE / target_page).is_file(), f"{page_name}: dead link to {target_page}"
        if anchor and target_page.endswith(".html"):
            assert anchor in _ids(target_page), f"{page_name}: link to {target_page}#{anchor}, no such anchor"


@pytest.mark.parametrize("page_name", PAGES)
def test_page_on_a_phone(site, page_name):
    context, url, blocked = site
    page, problems = _open(context, url, page_name, PHONE)
    try:
        widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        wide = page.evaluate("""() => Array.from(document.querySelectorAll('body *')).filter(e => {
            const r = e.getBoundingClientRect(); return r.width > 0 && r.right > window.innerWidth + 1
                && !e.closest('.bd-sidebar-primary, .bd-sidebar-secondary, dialog');
        }).slice(0, 3).map(e => e.tagName + '.' + e.className)""")
        assert widths[0] <= widths[1], f"{page_name} scrolls sideways at 375 px ({widths[0]} px wide): {wide}"
        # no formula is cut off by a box around it (it may scroll inside its own box, or in a
        # table that scrolls)
        clipped = page.evaluate("""() => Array.from(document.querySelectorAll('mjx-container')).filter(m => {
            const r = m.getBoundingClientRect();
            if (r.width === 0) return false;
            for (let a = m.parentElement; a && a !== document.body; a = a.parentElement) {
                const s = getComputedStyle(a);
                if (['auto', 'scroll'].includes(s.overflowX)) return false;  // reachable by scrolling that box
                if (s.overflowX !== 'visible' && r.right > a.getBoundingClientRect().right + 1) return true;
            }
            return r.right > window.innerWidth + 1;
        }).slice(0, 3).map(m => (m.getAttribute('aria-label') || m.textContent).slice(0, 60))""")
        assert not clipped, f"{page_name}: formulas cut off at 375 px: {clipped}"

        opened = {}
        for kind, dialog in (("primary", "#pst-primary-sidebar-modal"), ("secondary", "#pst-secondary-sidebar-modal")):
            buttons = page.locator(f".{kind}-toggle:visible")
            if buttons.count() == 0:
                continue
            buttons.first.click()
            page.wait_for_selector(f"{dialog}[open]", timeout=3000)
            links = page.locator(f"{dialog} a:visible").count()
            opened[kind] = links
            page.keyboard.press("Escape")
            page.wait_for_selector(f"{dialog}:not([open])", state="attached", timeout=3000)
    finally:
        page.close()
    assert not problems, f"{page_name} at 375 px: " + "; ".join(problems)
    assert opened.get("primary", 0) > 0, f"{page_name}: the navigation does not open at 375 px ({opened})"
    if page_name.startswith("book/ch"):
        assert opened.get("secondary", 0) > 0, f"{page_name}: the contents panel does not open at 375 px ({opened})"


def test_every_chapter_offers_its_exercise():
    for assignment_id in course.assignment_ids():
        number = assignment_id[2:4]
        chapters = [p for p in PAGES if p.startswith(f"book/ch{number}_")]
        if chapters:
            html = (SITE / chapters[0]).read_text(encoding="utf-8")
            assert f"{assignment_id}.ipynb" in html, f"{chapters[0]} has no download of {assignment_id}"


def test_landing_page_offers_pdf_and_kit(site):
    context, url, blocked = site
    soup = BeautifulSoup((SITE / LANDING).read_text(encoding="utf-8"), "html.parser")
    hrefs = [a["href"] for a in soup.find_all("a", href=True)]
    for wanted in (".pdf", "student-kit.zip"):
        found = [h for h in hrefs if urlparse(h).path.endswith(wanted)]
        assert found, f"the landing page has no link to the {wanted}"
        response = context.request.get(url + "book/" + found[0])
        assert response.ok and len(response.body()) > 10_000, f"{found[0]} is missing or empty"



def test_a_tap_on_a_section_closes_the_phone_drawer(site):
    context, url, blocked = site
    page, problems = _open(context, url, "book/ch02_softmax.html", PHONE)
    try:
        page.locator(".secondary-toggle:visible").first.click()
        page.wait_for_selector("#pst-secondary-sidebar-modal[open]", timeout=3000)
        links = page.locator("#pst-secondary-sidebar-modal a[href^='#']:visible")
        assert links.count() > 3, "the contents drawer lists the page's sections"
        target = links.nth(3).get_attribute("href")
        links.nth(3).click()
        page.wait_for_selector("#pst-secondary-sidebar-modal:not([open])", state="attached", timeout=5000)
        assert page.evaluate("() => location.hash") == target, "the tap still jumps to its section"
    finally:
        page.close()
    assert not problems, "; ".join(problems)


def test_every_download_link_saves_the_file():
    for name in PAGES:
        soup = BeautifulSoup((SITE / name).read_text(encoding="utf-8"), "html.parser")
        for link in soup.select("a[href*='_downloads/']"):
            assert link.has_attr("download"), f"{name}: {link['href']} opens instead of saving"


def test_each_chapter_downloads_as_a_runnable_notebook(site):
    context, url, blocked = site
    page, problems = _open(context, url, "book/ch02_softmax.html", DESKTOP)
    try:
        links = page.evaluate("""() => Array.from(document.querySelectorAll('a.dropdown-item[href*="_sources/"]'))
            .map(a => ({href: a.href, download: a.hasAttribute('download')}))""")
    finally:
        page.close()
    assert not problems, "; ".join(problems)
    notebooks = [link for link in links if link["href"].endswith("/_sources/book/ch02_softmax.ipynb")]
    assert notebooks, f"the download menu offers no notebook of the chapter: {links}"
    assert all(link["download"] for link in links), f"a download opens instead of saving: {links}"
    response = context.request.get(notebooks[0]["href"])
    notebook = json.loads(response.body())
    code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    assert notebook["nbformat"] == 4 and len(code) > 5 and "import numpy" in "".join(
        "".join(c["source"]) for c in code), "the notebook holds the chapter's code"


def test_search_snippets_show_no_tex(site):
    context, url, blocked = site
    page, problems = _open(context, url, "search.html?q=Jacobian", DESKTOP)
    try:
        page.wait_for_selector("ul.search li p.context", timeout=60_000)
        page.wait_for_function("() => document.querySelector('#search-progress')?.textContent !== ''"
                               " && !document.querySelector('#search-progress')?.textContent.includes('Preparing')",
                               timeout=60_000)
        snippets = page.locator("ul.search li p.context").all_inner_texts()
    finally:
        page.close()
    assert len(snippets) >= 3, snippets
    raw = [s for s in snippets if RAW_MATH.search(s) or "\\frac" in s or "\\)" in s]
    assert not raw, f"search snippets with TeX in them: {raw[:3]}"


#: The pages with a link to a file the site offers (an exercise, the chapter as a notebook).
PAGES_WITH_FILES = [name for name in PAGES if "data-course-file=" in (SITE / name).read_text(encoding="utf-8")]


@pytest.fixture(scope="session")
def from_disk(tmp_path_factory):
    """A browser reading the site from its files, with no server and no network."""
    with browser.chromium(tmp_path_factory.mktemp("chromium")) as context:
        blocked = browser.offline(context, ("file://",))
        yield context, blocked


def test_the_pages_that_offer_files_are_found():
    assert "book/ch02_softmax.html" in PAGES_WITH_FILES and len(PAGES_WITH_FILES) >= 11


@pytest.mark.parametrize("page_name", PAGES_WITH_FILES)
def test_every_download_saves_its_file_from_disk_too(from_disk, page_name):
    """The site opened from disk (unzipped on a laptop): each exercise, and the chapter as a
    notebook or as MyST, is saved byte for byte, and the page stays where it was (Chromium
    ignores the download attribute there and would show a notebook as raw JSON)."""
    context, blocked = from_disk
    blocked.clear()
    page = context.new_page()
    try:
        page.goto((SITE / page_name).as_uri(), wait_until="domcontentloaded")  # course.js is ready by then
        hrefs = page.evaluate("() => Array.from(document.querySelectorAll('a[data-course-file]'))"
                              ".map(a => a.getAttribute('href'))")
        assert hrefs, f"{page_name}: no link carries its file"
        for href in hrefs:
            with page.expect_download(timeout=20_000) as event:
                page.locator(f"a[href='{href}']").first.dispatch_event("click")  # the menu's items are hidden
            expected = ((SITE / page_name).parent / unquote(href)).resolve()
            assert event.value.suggested_filename == expected.name, f"{page_name}: {href} saved under another name"
            assert Path(event.value.path()).read_bytes() == expected.read_bytes(), f"{page_name}: {href} saved other bytes"
            assert page.url == (SITE / page_name).as_uri(), f"{page_name}: {href} opened instead of saving"
    finally:
        page.close()
    assert not blocked, f"{page_name} from disk requested things from the network: {blocked}"
