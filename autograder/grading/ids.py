"""Student ids: which are accepted, and a clear reason for each that is not.

An id becomes a folder name (nbgrader's ``submitted/<student_id>/``), a gradebook key and a
cell in every table, so only a conservative set is accepted: ASCII letters and digits, then
also ``.``, ``_``, ``-``, ``@`` and ``+`` (e-mail addresses and LMS user names), at most 64
characters, starting with a letter or digit (so no formula and no hidden file), never ``..``.
Ids are compared as plain strings and never used as glob or regular-expression patterns.
"""
from __future__ import annotations

import re

_ALLOWED = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}")
MAX_LENGTH = 64


def id_problem(raw: str) -> str | None:
    """Why ``raw`` cannot be a student id, or ``None`` when it can."""
    if raw == "":
        return "empty student id"
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in raw):
        return "student id contains control characters"
    if raw != raw.strip():
        return "student id has leading or trailing spaces"
    if "/" in raw or "\\" in raw:
        return "student id contains a path separator"
    if ".." in raw:
        return "student id contains '..'"
    if any(c in raw for c in "[]*?{}"):
        return "student id contains a wildcard character ([, ], *, ?, { or })"
    if len(raw) > MAX_LENGTH:
        return f"student id longer than {MAX_LENGTH} characters"
    if not _ALLOWED.fullmatch(raw):
        return "student id may hold only letters, digits and . _ - @ + (starting with a letter or digit)"
    return None


def valid_id(raw: str) -> bool:
    return id_problem(raw) is None
