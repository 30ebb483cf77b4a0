"""Debian's Chromium, headless and offline, driven by Playwright: for printing the book
(:mod:`publish.pdf`) and for the browser tests.

The machine's network may be closed, and the published site must not need it: Chromium
starts with its background services off, and :func:`offline` aborts every request that
does not go to the site itself, recording it.
"""
from __future__ import annotations

import atexit
import contextlib
import functools
import http.server
import shutil
import threading
from pathlib import Path

#: Debian's chromium package (``make setup`` installs it where missing).
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--disable-quic", "--disable-default-apps", "--mute-audio"]


class BrowserMissing(RuntimeError):
    pass


def chromium_path() -> str:
    path = shutil.which("chromium") or (CHROMIUM if Path(CHROMIUM).exists() else None)
    if path is None:
        raise BrowserMissing("Chromium is not installed: run `make setup` (as root it installs "
                             "Debian's chromium package) or `apt-get install chromium`")
    return path


@functools.cache
def _playwright():
    """The process's one Playwright driver, started on first use and stopped at exit.

    Playwright's sync API runs an event loop in the calling thread; a second
    ``sync_playwright()`` started while one is open (two session fixtures, or a test that
    prints a PDF while another fixture's browser is open) fails with "using Playwright Sync
    API inside the asyncio loop". One driver serves every browser the process launches."""
    from playwright.sync_api import sync_playwright

    driver = sync_playwright().start()
    atexit.register(driver.stop)
    return driver


@contextlib.contextmanager
def chromium(user_data_dir: Path, *, scrollbars: bool = False):
    """A headless Chromium with a fresh profile in ``user_data_dir``: yields the browser context.
    ``scrollbars`` shows them as Chrome and Edge on Windows and Linux do (headless hides them)."""
    context = _playwright().chromium.launch_persistent_context(
        str(user_data_dir), executable_path=chromium_path(), headless=True, args=FLAGS,
        accept_downloads=True, viewport={"width": 1280, "height": 900},
        ignore_default_args=["--hide-scrollbars"] if scrollbars else None,
    )
    context.set_default_timeout(120_000)  # a busy machine (a test suite on 2 cores) loads pages slowly
    try:
        yield context
    finally:
        context.close()


def offline(context, allowed_prefixes: tuple[str, ...]) -> list[str]:
    """Abort every request of ``context`` whose URL does not start with an allowed prefix
    (``data:`` and ``blob:`` URLs are always local); return the list the aborted URLs go to."""
    blocked: list[str] = []

    def route(route):
        url = route.request.url
        if url.startswith((*allowed_prefixes, "data:", "blob:")):
            route.continue_()
        else:
            blocked.append(url)
            route.abort()

    context.route("**/*", route)
    return blocked


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serve(folder: Path):
    """Serve ``folder`` on 127.0.0.1 (a free port) for as long as the block runs; yield its URL."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def typeset(page) -> None:
    """Wait until MathJax, if the page loads it, has typeset the page (call after the load event)."""
    page.evaluate("async () => { if (window.MathJax && MathJax.startup && MathJax.startup.promise)"
                  " { await MathJax.startup.promise; } }")
