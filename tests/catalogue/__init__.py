"""Catalogues of student implementations, correct and wrong, one module per exercise.

In each module, ``CORRECT[name][label]`` is a complete cell that defines ``name`` and must
earn full marks on the hidden check of ``name``; every entry is written differently from the
reference solution. ``MISTAKES[name][label]`` is a complete cell with a typical mistake that
must lose points (the contract test, ``tests/test_checks_contract.py``, checks both).

Each source is self-contained (it imports what it uses and keeps its helpers inside the
function), so it can be ``exec``-ed in a fresh namespace or pasted into a notebook cell
without clobbering the student's other functions.
"""
from __future__ import annotations

from textwrap import dedent


def source(text: str) -> str:
    """A cell's source written indented inside a module: dedented, without the first newline."""
    return dedent(text).lstrip("\n")


def changed(template: str, *replacements: tuple[str, str]) -> str:
    """``template`` (a correct cell) with each ``old`` replaced by ``new``: a mistake made in
    one place. Each ``old`` must occur, so a template's edit cannot silently empty a mistake."""
    text = template
    for old, new in replacements:
        if old not in text:
            raise ValueError(old)
        text = text.replace(old, new)
    return source(text)
