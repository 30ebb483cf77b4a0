"""What a handed-in notebook is, from what it holds: one module for ``grade`` and ``validate``.

The student kit ships a copy of this file (``kit_recognise.py``), so it needs only the
standard library and ``nbformat``, and knows nothing of the grader.

- :func:`normalise`: any honest nbformat dialect (4.x with or without cell ids, v3,
  duplicate ids, a newer minor than this nbformat knows) as one canonical nbformat 4.5
  notebook, by nbformat's own conversion and repair, so that it is graded like the original.
- :func:`identify`: which exercise a notebook is, from its cells first (the nbgrader grade
  ids and cell ids that belong to one exercise only, then the largest overlap with a
  released notebook's text), and only then from its file name, which Colab (``Copy of
  ex02_softmax.ipynb``), Jupyter (``ex02_softmax-Copy1.ipynb``), students (``_final``) and
  a fresh notebook (``Untitled.ipynb``) change.
- :func:`unwritten_answers` and :func:`edited_locked_cells`: what validate and the status
  say about answer cells still holding their placeholder, and locked cells that were edited
  (grading puts the released ones back).
"""
from __future__ import annotations

import json
import re
import warnings
from dataclasses import dataclass
from pathlib import PurePath

#: The placeholder of nbgrader's released written-answer cells.
ANSWER_PLACEHOLDER = "YOUR ANSWER HERE"

_CELL_ID = re.compile(r"[a-zA-Z0-9_-]{1,64}")

#: More cells than this are not rebuilt: nbformat takes minutes over a million empty cells.
#: The grader's own cap (``sanitize.MAX_CELLS``, the same number) then refuses the notebook
#: with a line that says so; ``tests/test_hostile_text.py`` checks that the two agree.
MOST_CELLS = 2000
_CELL_KEYS = {"markdown": ("attachments",), "raw": ("attachments",), "code": ()}


def normalise(content: bytes) -> bytes | None:
    """``content`` as a canonical nbformat 4.5 notebook, or ``None`` when it is no notebook
    nbformat can read (the caller then reports it as it is).

    Outputs are dropped (grading runs every cell again); sources, metadata and markdown
    attachments are kept. Duplicate or missing cell ids get fresh ones, cell metadata that
    breaks the schema is dropped, and keys of cells a newer minor version added are left out.
    """
    import nbformat
    from nbformat import v4

    try:
        data = json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("nbformat"), int):
        return None
    sheets = data.get("worksheets") if isinstance(data.get("worksheets"), list) else []
    cells = [data.get("cells")] + [sheet.get("cells") for sheet in sheets if isinstance(sheet, dict)]
    if sum(len(part) for part in cells if isinstance(part, list)) > MOST_CELLS:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # nbformat warns about the very dialects it repairs
        try:
            if data["nbformat"] == 4:  # 4.0-4.4 with ids, or a newer minor: rebuilt as 4.5 below
                data["nbformat_minor"] = 5
                for cell in data.get("cells") if isinstance(data.get("cells"), list) else []:
                    if isinstance(cell, dict) and cell.get("cell_type") == "code":
                        cell["outputs"], cell["execution_count"] = [], None
                    elif isinstance(cell, dict):
                        cell.pop("outputs", None)
                        cell.pop("execution_count", None)
            notebook = nbformat.reader.reads(json.dumps(data))
            notebook = nbformat.convert(notebook, 4)
            cells, ids = [], set()
            for cell in notebook.cells:
                kind = cell.get("cell_type")
                if kind not in _CELL_KEYS:
                    continue
                source = cell.get("source", "")
                source = "".join(source) if isinstance(source, list) else str(source)
                made = {"code": v4.new_code_cell, "markdown": v4.new_markdown_cell, "raw": v4.new_raw_cell}[kind](
                    source, metadata=dict(cell.get("metadata") or {}))
                for key in _CELL_KEYS[kind]:
                    if key in cell:
                        made[key] = cell[key]
                theirs = cell.get("id")
                if isinstance(theirs, str) and _CELL_ID.fullmatch(theirs) and theirs not in ids:
                    made["id"] = theirs  # kept, unless a duplicate or invalid (then the fresh one)
                ids.add(made["id"])
                cells.append(made)
            clean = v4.new_notebook(cells=cells, metadata=dict(notebook.get("metadata") or {}))
            _, clean = nbformat.validator.normalize(clean, strip_invalid_metadata=True)
            clean = nbformat.from_dict(clean)
            nbformat.validate(clean)
            return nbformat.writes(clean).encode("utf-8")
        except Exception:  # noqa: BLE001 - nbformat raises many kinds for malformed files
            return None


# --- which exercise -------------------------------------------------------------------


@dataclass(frozen=True)
class Identified:
    """The exercise a notebook was taken for (``None``: none) and how that was decided."""

    assignment_id: str | None
    how: str  # "its cells", "its text", "its file name", or why none was found


def _grade_id(cell) -> str | None:
    info = cell.get("metadata", {}).get("nbgrader") if isinstance(cell.get("metadata"), dict) else None
    value = info.get("grade_id") if isinstance(info, dict) else None
    return value if isinstance(value, str) else None


def _tokens(notebook) -> set[tuple[str, str]]:
    found = set()
    for cell in notebook.get("cells", []):
        if not isinstance(cell, dict):
            continue
        if _grade_id(cell):
            found.add(("grade_id", _grade_id(cell)))
        if isinstance(cell.get("id"), str):
            found.add(("id", cell["id"]))
    return found


def _lines(notebook, locked_only: bool) -> set[str]:
    found = set()
    for cell in notebook.get("cells", []):
        if not isinstance(cell, dict):
            continue
        info = cell.get("metadata", {}).get("nbgrader", {}) if isinstance(cell.get("metadata"), dict) else {}
        if locked_only and isinstance(info, dict) and info.get("solution"):
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        found.update(line.strip() for line in source.splitlines() if len(line.strip()) >= 12)
    return found


def _best(scores: dict[str, int]) -> str | None:
    """The one assignment with the highest positive score (``None`` on a tie or all zero)."""
    if not scores:
        return None
    top = max(scores.values())
    winners = [a for a, s in scores.items() if s == top]
    return winners[0] if top > 0 and len(winners) == 1 else None


def _unique(sets: dict[str, set]) -> dict[str, set]:
    return {a: s - set().union(*(t for b, t in sets.items() if b != a)) for a, s in sets.items()}


_RENAMED = re.compile(r"(?:-\d+| ?\(\d+\)|-Copy\d*|[ _-]copy\d*|[ _-]final\d*|[ _-]v\d+)+$", re.IGNORECASE)
_COPY_OF = re.compile(r"^(?:Copy of |Kopie von |Copie de )+", re.IGNORECASE)


def assignment_for(filename: str, candidates: list[str]) -> str | None:
    """The assignment a notebook's file name names, allowing the renamings of LMSs (``-1``,
    `` (2)``), Jupyter (``-Copy1``), Colab (``Copy of ...``) and students (``_final``)."""
    stem = PurePath(filename.replace("\\", "/")).stem
    plain = _RENAMED.sub("", _COPY_OF.sub("", stem)).strip()
    for value in (stem, plain):
        if value in candidates:
            return value
    starts = [a for a in candidates if plain.startswith(a)]
    return max(starts, key=len) if starts else None


def identify(notebook, released: dict, filename: str = "", names: list[str] | None = None) -> Identified:
    """Which of the ``released`` notebooks (by assignment id) ``notebook`` is.

    First the grade ids and cell ids that appear in one released notebook only (``intro``,
    ``imports``, ``proof`` are in all of them and say nothing); then the lines of text
    shared with one released notebook only (a notebook whose cells were pasted into a new
    one); then the file name, matched against ``names`` (default: the released ones).
    ``notebook`` and the released ones are parsed notebooks (dicts); ``notebook`` may be
    ``None`` (not readable as JSON), which leaves the name."""
    if isinstance(notebook, dict) and released:
        theirs = _tokens(notebook)
        unique = _unique({a: _tokens(nb) for a, nb in released.items()})
        chosen = _best({a: len(theirs & tokens) for a, tokens in unique.items()})
        if chosen:
            return Identified(chosen, "its cells")
        lines = _lines(notebook, locked_only=False)
        unique = _unique({a: _lines(nb, locked_only=True) for a, nb in released.items()})
        chosen = _best({a: len(lines & text) for a, text in unique.items()})
        if chosen:
            return Identified(chosen, "its text")
    chosen = assignment_for(filename, list(released) if names is None else names) if filename else None
    if chosen:
        return Identified(chosen, "its file name")
    return Identified(None, "neither its cells nor its file name match an exercise of this course")


# --- what validate and the status say --------------------------------------------------


def _source(cell) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def unwritten_answers(notebook) -> list[str]:
    """The grade ids of written (markdown) answer cells that still say ``YOUR ANSWER HERE``
    or are empty. Code answers are not judged by their text (a student may keep the
    ``YOUR CODE HERE`` comment above working code): running them says whether they are done."""
    found = []
    for cell in notebook.get("cells", []):
        info = cell.get("metadata", {}).get("nbgrader", {})
        if cell.get("cell_type") == "code" or not isinstance(info, dict) or not info.get("solution"):
            continue
        text = _source(cell)
        if _grade_id(cell) and (ANSWER_PLACEHOLDER in text or not text.strip()):
            found.append(_grade_id(cell))
    return found


def edited_locked_cells(submitted, released) -> list[str]:
    """The grade ids of locked cells of ``released`` that are not test cells (``imports``,
    the exercise texts) whose source ``submitted`` changed; grading restores them."""
    theirs: dict[str, str] = {}
    for cell in submitted.get("cells", []):
        grade_id = _grade_id(cell)
        if grade_id and grade_id not in theirs:
            theirs[grade_id] = _source(cell)
    edited = []
    for cell in released.get("cells", []):
        grade_id = _grade_id(cell)
        info = cell.get("metadata", {}).get("nbgrader", {})
        if not grade_id or "-" in grade_id:
            continue  # test cells (and their texts) are reported by the sanitiser
        if isinstance(info, dict) and info.get("locked") and not info.get("solution") and grade_id in theirs:
            if theirs[grade_id].strip() != _source(cell).strip():
                edited.append(grade_id)
    return edited
