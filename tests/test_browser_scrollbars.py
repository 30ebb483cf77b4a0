"""The book with the scrollbars Chrome and Edge draw on Windows and Linux (headless Chromium
hides them, so the other browser tests cannot see a formula that draws its own): only what is
really wider than its column scrolls. A module of its own, because Playwright allows one
browser per test process at a time and each browser module keeps its own open.
"""
from __future__ import annotations

import pytest

from publish import browser
from tests.test_browser_site import DESKTOP, PAGES, SITE
#: Every element that scrolls sideways on a page, with the real scrollbars of Chrome and
#: Edge on Windows and Linux: its tag, classes, and how much wider its content is than its box.
_SCROLLERS = """() => Array.from(document.querySelectorAll('.bd-article *')).filter(e => {
    const style = getComputedStyle(e);
    return ['auto', 'scroll'].includes(style.overflowX) && e.scrollWidth > e.clientWidth + 1;
  }).map(e => ({tag: e.tagName.toLowerCase(), wide: e.classList.contains('course-wide-math'),
                display: e.getAttribute('display'), excess: e.scrollWidth - e.clientWidth,
                room: (e.closest('p, li, td, th, dd, dt, div, section') || e.parentElement).clientWidth,
                width: e.scrollWidth}))"""


@pytest.fixture(scope="session")
def site_with_scrollbars(tmp_path_factory):
    with browser.serve(SITE) as url, browser.chromium(tmp_path_factory.mktemp("chromium"), scrollbars=True) as context:
        browser.offline(context, (url,))
        yield context, url


@pytest.mark.parametrize("page_name", [p for p in PAGES if p.startswith("book/")])
def test_only_what_is_wider_than_its_column_scrolls_with_real_scrollbars(site_with_scrollbars, page_name):
    context, url = site_with_scrollbars
    for viewport in (DESKTOP,):  # phones overlay their scrollbars: there every formula may keep a box
        page = context.new_page()
        page.set_viewport_size(viewport)
        page.goto(url + page_name, wait_until="load")
        browser.typeset(page)
        page.wait_for_timeout(300)  # course.js marks the wide formulas after typesetting
        scrollers = page.evaluate(_SCROLLERS)
        page.close()
        inline = [s for s in scrollers if s["tag"] == "mjx-container" and s["display"] != "true"]
        assert all(s["wide"] and s["width"] > s["room"] for s in inline), (viewport, inline[:5])
