"""Student ids: which are accepted, and a clear reason for each that is not.

An id becomes a folder name (nbgrader's ``submitted/<student_id>/``), a gradebook key and a
cell in every table, so only a conservative set is accepted: ASCII letters and digits, then
also ``.``, ``_``, ``-``, ``@`` and ``+`` (e-mail addresses and LMS user names), at most 64
characters, starting with a letter or digit (so no formula and no hidden file), never ``..``.
Ids are compared as plain strings and never used as glob or regular-expression patterns.

An id outside that set which is still printable text (``Ada [1815]``, ``ada `` with a
trailing space, an e-mail with a comma) is not refused: :func:`safe_id` maps it to an
accepted id made of its letters and a short digest of the whole original (so two ids that
differ only in what was replaced stay apart), and the original is kept beside it for the
tables. Only an empty id, or one with control characters or undecodable bytes, is refused.
"""
from __future__ import annotations

import hashlib
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


_REPLACED = re.compile(r"[^A-Za-z0-9._@+-]+")


def safe_id(raw: str) -> tuple[str | None, str | None]:
    """``(id, None)``: the id to grade ``raw`` under (``raw`` itself when it is accepted);
    ``(None, reason)`` when it cannot be mapped."""
    if valid_id(raw):
        return raw, None
    if raw.strip() == "":
        return None, "empty student id"
    if any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 or 0xD800 <= ord(c) <= 0xDFFF for c in raw):
        return None, "student id contains control characters or undecodable bytes"
    digest = hashlib.sha256(raw.encode("utf-8")).hexdigest()[:8]
    stem = _REPLACED.sub("_", raw.strip()).replace("..", "_").strip("._@+-")[: MAX_LENGTH - 10] or "student"
    mapped = f"{stem}-{digest}"
    if not valid_id(mapped):  # cannot happen with the set above; kept as a guard of the contract
        return None, id_problem(mapped)
    return mapped, None
