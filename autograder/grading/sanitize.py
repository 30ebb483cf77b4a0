"""Turn whatever a student handed in into a notebook that is safe and fair to grade.

The student owns the answer cells and any cells they added; every other cell of the
released notebook is put back as it was released (edited or deleted test cells are
restored, cell metadata cannot be forged), and each repair is reported.
"""
from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbformat import NotebookNode
from nbformat.reader import NotJSONError


#: What stands in an answer cell that the submission lacks.
MISSING_ANSWER = {
    "code": "# (this answer cell was missing from the submission)",
    "markdown": "*(this answer cell was missing from the submission)*",
}


class SubmissionError(Exception):
    """The submission cannot be graded; the message is the status shown for it."""


@dataclass
class Sanitized:
    """The notebook to grade, and the grade ids of the cells that had to be repaired."""

    notebook: NotebookNode
    restored: list[str] = field(default_factory=list)         # test cells the student edited
    reinserted: list[str] = field(default_factory=list)       # test cells the student deleted
    missing_answers: list[str] = field(default_factory=list)  # answer cells the student deleted

    @property
    def notes(self) -> list[str]:
        """The repairs, one line each, for the status column."""
        kinds = (("restored edited test cells", self.restored), ("re-inserted deleted test cells", self.reinserted),
                 ("answer cells missing", self.missing_answers))
        return [f"{kind}: {', '.join(ids)}" for kind, ids in kinds if ids]


#: A notebook larger than this is not read at all (an exercise notebook is well under 1 MB).
MAX_NOTEBOOK_BYTES = 100 * 1024**2


def read_notebook(path: Path) -> NotebookNode:
    """Read any nbformat version, upgraded to 4, or raise :class:`SubmissionError`."""
    size = path.stat().st_size
    if size > MAX_NOTEBOOK_BYTES:
        raise SubmissionError(f"not graded: the notebook is {size / 1024**2:.0f} MB, "
                              f"more than {MAX_NOTEBOOK_BYTES // 1024**2} MB")
    return parse_notebook(path.read_bytes())


#: More cells, or outputs, than any exercise notebook has by far (one has about forty cells).
#: Reading JSON, and nbformat's reading and validation, take time in proportion to them (a
#: million empty cells fit in the size cap and take minutes), so they are counted first.
MAX_CELLS = 2000
MAX_OUTPUTS = 10000


def _check_counts(text: str) -> None:
    """Raise :class:`SubmissionError` for a notebook with too many cells or outputs, before
    nbformat reads it. First a count of the ``"cell_type"`` and ``"output_type"`` keys in the
    text (one pass in C: each cell of any nbformat has one, each output one; a string can
    hold one only escaped), then, for keys written with escapes, a count in the parsed JSON."""
    _at_most(text.count('"cell_type"'), text.count('"output_type"'))
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        raise SubmissionError("not a valid notebook: the file is not valid JSON") from None
    if not isinstance(data, dict):
        return  # nbformat says what is wrong with it
    cells = data.get("cells")
    if not isinstance(cells, list):  # nbformat 3: the cells are in worksheets
        worksheets = data.get("worksheets") if isinstance(data.get("worksheets"), list) else []
        cells = [cell for sheet in worksheets if isinstance(sheet, dict) and isinstance(sheet.get("cells"), list)
                 for cell in sheet["cells"]]
    _at_most(len(cells), sum(len(cell["outputs"]) for cell in cells
                             if isinstance(cell, dict) and isinstance(cell.get("outputs"), list)))


def _at_most(cells: int, outputs: int) -> None:
    if cells > MAX_CELLS:
        raise SubmissionError(f"not graded: the notebook has {cells} cells, more than {MAX_CELLS}")
    if outputs > MAX_OUTPUTS:
        raise SubmissionError(f"not graded: the notebook has {outputs} outputs, more than {MAX_OUTPUTS}")


def parse_notebook(content: bytes) -> NotebookNode:
    """A notebook from the bytes a student handed in (see :func:`read_notebook`)."""
    if len(content) > MAX_NOTEBOOK_BYTES:
        raise SubmissionError(f"not graded: the notebook is {len(content) / 1024**2:.0f} MB, "
                              f"more than {MAX_NOTEBOOK_BYTES // 1024**2} MB")
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        raise SubmissionError("not a notebook: the file is not UTF-8 text") from None
    _check_counts(text)
    try:
        notebook = nbformat.reads(text, as_version=nbformat.NO_CONVERT)
    except (json.JSONDecodeError, NotJSONError):
        raise SubmissionError("not a valid notebook: the file is not valid JSON") from None
    except Exception as exc:  # nbformat raises many kinds for malformed files
        raise SubmissionError(f"not a valid notebook: {_first_line(exc)}") from None
    try:
        notebook = nbformat.convert(notebook, 4)
        nbformat.validate(notebook)
    except Exception as exc:
        raise SubmissionError(f"not a valid notebook: {_first_line(exc)}") from None
    return notebook


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:120]


def _grade_id(cell) -> str | None:
    info = cell.get("metadata", {}).get("nbgrader", {})
    grade_id = info.get("grade_id") if isinstance(info, dict) else None
    return grade_id if isinstance(grade_id, str) else None


def _is_answer(cell) -> bool:
    return bool(cell.metadata.get("nbgrader", {}).get("solution"))


def _is_test(grade_id: str) -> bool:
    return "-" in grade_id


def _as_extra(cell) -> NotebookNode:
    """A cell the student added (or duplicated): kept and run, but worth nothing."""
    extra = copy.deepcopy(cell)
    extra.metadata.pop("nbgrader", None)
    for key in ("editable", "deletable"):
        extra.metadata.pop(key, None)
    return extra


def sanitize(submitted: NotebookNode, released: NotebookNode) -> Sanitized:
    """Rebuild ``submitted`` on the frame of ``released`` and say what had to be repaired."""
    released_ids = [_grade_id(cell) for cell in released.cells]
    known = {gid for gid in released_ids if gid}
    theirs_by_id: dict[str, NotebookNode] = {}  # the first of their cells with each released id
    extras: dict[str | None, list[NotebookNode]] = {}  # the other cells, by the id they follow
    anchor = None
    for cell in submitted.cells:
        grade_id = _grade_id(cell)
        if grade_id in known and grade_id not in theirs_by_id:
            theirs_by_id[grade_id] = cell
            anchor = grade_id
        else:
            extras.setdefault(anchor, []).append(_as_extra(cell))

    cells = list(extras.get(None, []))
    restored, reinserted, missing_answers = [], [], []
    for frame, grade_id in zip(released.cells, released_ids):
        cell = copy.deepcopy(frame)
        theirs = theirs_by_id.get(grade_id) if grade_id else None
        if grade_id and _is_answer(frame):
            if theirs is None:  # not the released stub: it would redefine what their other cells define
                missing_answers.append(grade_id)
                cell.source = MISSING_ANSWER[frame.cell_type]
            else:
                cell.source = theirs.source
        elif grade_id and _is_test(grade_id):
            if theirs is None:
                reinserted.append(grade_id)
            elif theirs.source != frame.source or theirs.cell_type != frame.cell_type:
                restored.append(grade_id)
        cells.append(cell)
        cells.extend(extras.get(grade_id, []) if grade_id else [])
    notebook = copy.deepcopy(released)
    notebook.cells = cells
    return Sanitized(notebook, restored, reinserted, missing_answers)


def code_to_run(notebook: NotebookNode) -> list[str]:
    """The sources of the code cells that define the student's answers, in order: every
    code cell except the test cells (whose ``grade_id`` is ``<name>-<label>``)."""
    return [
        cell.source for cell in notebook.cells
        if cell.cell_type == "code" and not _is_test(_grade_id(cell) or "")
    ]
