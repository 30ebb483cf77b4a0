"""A chapter's own code, as a student who copies it would have it: every code cell of the
MyST page run once, in order, in one namespace (plots off-screen, myst-nb's glue ignored).

The chapter-copy tests hand the functions defined there to the exercise's checks under the
graded names (with the one-line adapters a student would write) and assert that they earn at
most a quarter of the exercise's automatic points (DESIGN.md: a chapter teaches, it never
prints its exercise's answers).
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

BOOK = Path(__file__).resolve().parent.parent / "book"


def chapter_code(page: str | Path) -> str:
    """Every ``{code-cell}`` of ``book/<page>.md`` in order, as one program."""
    path = BOOK / f"{page}.md" if not str(page).endswith(".md") else Path(page)
    cells = re.findall(r"^```\{code-cell\}[^\n]*\n(.*?)^```", path.read_text(encoding="utf-8"), flags=re.S | re.M)
    return "\n".join(re.sub(r"\A---\n.*?^---\n", "", cell, flags=re.S | re.M) for cell in cells)


@lru_cache(maxsize=None)
def _run(page: str) -> dict:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    namespace: dict = {"__name__": "chapter"}
    source = re.sub(r"^(\s*)(glue|plt\.show|display)\(.*$", r"\1pass", chapter_code(page), flags=re.M)
    exec(compile(source, str(BOOK / f"{page}.md"), "exec"), namespace)
    plt.close("all")
    return namespace


def chapter_namespace(page: str, adapters: str = "") -> dict:
    """What running the chapter defines (computed once per test process), plus ``adapters``:
    source that defines the graded names from the chapter's functions."""
    namespace = dict(_run(page))
    if adapters:
        exec(adapters, namespace)
    return namespace
