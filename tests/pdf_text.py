"""The printed book's text, page by page, read once per process: pypdf takes about 20 s over
the whole PDF, and both ``test_pdf`` and ``test_site`` read it (in one xdist group, "site")."""
from __future__ import annotations

import functools

from pypdf import PdfReader

from autograder import course

PDF = course.ROOT / "_build" / "html" / "activation-functions-in-depth.pdf"


@functools.cache
def pdf_pages() -> tuple[str, ...]:
    return tuple(page.extract_text() or "" for page in PdfReader(str(PDF)).pages)
