"""Who wrote it alike: a similarity report over a class's answers, for the instructor.

Only what students wrote is compared: the solution cells of each autograded notebook (code
and written answers), with what every student was given (the released stub) taken out
first. Code is read as Python tokens with every identifier, number and string replaced by
its kind and comments, blank lines and layout dropped, so renaming, reformatting and added
comments do not hide a copy; written answers are compared as lower-case words. Each answer
becomes a set of fingerprints by winnowing (Schleimer, Wilkerson and Aiken 2003, with
copydetect's implementation) over k-grams of those tokens, hashed stably so that they can be
kept between runs. Functions in another order share the same fingerprints.

A pair's score is the weight of the fingerprints the two share over the geometric mean of
their own weights (1 for the same answer, 0 for nothing in common), each fingerprint weighted
by how rare it is in the class (``log((n + 1) / df)``): a line that every correct answer to a
small task must contain counts for little, an odd one shared by two students counts for much,
and a nearly empty answer is not similar to everything it overlaps. The reference solution takes part as one more submission, so
a student who handed in the published solution is flagged against it.

It reports, it never decides: nothing here changes a grade.
"""
from __future__ import annotations

import csv
import hashlib
import html
import io
import json
import keyword
import re
import sys
import tokenize
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

import nbformat
import numpy as np
from copydetect.utils import winnow

from autograder.fill import reference_answers
from autograder.grading.records import atomic_write

#: Tokens per k-gram, and the winnowing window: any shared run of ``K + WINDOW - 1``
#: tokens is certain to be found; shorter runs than ``K`` never are.
K, WINDOW = 12, 6
WORDS_K, WORDS_WINDOW = 5, 4
REFERENCE = "(reference solution)"
FOLDER = "similarity"
_FINGERPRINTS = "fingerprints.json"
#: At most this many pairs are shown side by side (the table has every pair).
SHOWN = 100
_VERSION = f"1-py{sys.version_info[0]}.{sys.version_info[1]}"  # tokens differ between Pythons (f-strings)


@dataclass
class Answer:
    """One submission's written answers and their fingerprints."""

    student_id: str
    code: str
    text: str
    fingerprints: dict[int, list[tuple[str, int, int]]] = field(default_factory=dict)  # hash -> (kind, first, last line)


#: f-strings are tokens of their own from Python 3.12 on; all of them count as one string.
_FSTRING = {getattr(tokenize, name) for name in ("FSTRING_START", "FSTRING_MIDDLE", "FSTRING_END") if hasattr(tokenize, name)}


def code_tokens(source: str) -> list[tuple[str, int]]:
    """``source`` as (token, line) pairs that ignore names, literals, comments and layout."""
    out = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            kind, text, line = token.type, token.string, token.start[0]
            if kind == tokenize.NAME:
                out.append((text if _is_keyword(text) else "V", line))
            elif kind == tokenize.NUMBER:
                out.append(("N", line))
            elif kind == tokenize.STRING or kind in _FSTRING:
                out.append(("S", line))
            elif kind == tokenize.OP:
                out.append((text, line))
            elif kind == tokenize.INDENT:
                out.append(("{", line))
            elif kind == tokenize.DEDENT:
                out.append(("}", line))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass  # what was read up to the error still counts
    return out


def _is_keyword(text: str) -> bool:
    return keyword.iskeyword(text) or keyword.issoftkeyword(text)


def word_tokens(text: str) -> list[tuple[str, int]]:
    """Written answers as lower-case words (and numbers), with their lines."""
    return [(word, number) for number, line in enumerate(text.splitlines(), 1)
            for word in re.findall(r"[^\W_]+", line.lower())]


def fingerprints(tokens: list[tuple[str, int]], k: int, window: int, kind: str, stub: set[int]) -> dict:
    """Winnowed fingerprints of ``tokens``: hash -> the places (kind, first line, last line)."""
    if len(tokens) < k:
        return {}
    words = [t for t, _ in tokens]
    hashes = np.array([_stable_hash(kind, words[i:i + k]) for i in range(len(words) - k + 1)], dtype=np.int64)
    selected, where = winnow(hashes, window_size=window, remove_duplicates=False)
    found: dict[int, list] = {}
    for value, start in zip(selected.tolist(), where.tolist()):
        if value not in stub:
            found.setdefault(value, []).append((kind, tokens[start][1], tokens[start + k - 1][1]))
    return found


def _stable_hash(kind: str, gram: list[str]) -> int:
    digest = hashlib.blake2b(("\x1f".join([kind, *gram])).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def answer_parts(notebook) -> tuple[str, str]:
    """The code and the written text of a notebook's solution cells, in order (a notebook
    as nbformat reads it, or as plain JSON data)."""
    code, text = [], []
    for cell in notebook["cells"]:
        if not cell.get("metadata", {}).get("nbgrader", {}).get("solution"):
            continue
        source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])  # JSON keeps lines
        (code if cell["cell_type"] == "code" else text).append(source)
    return "\n\n".join(code), "\n\n".join(text)


def fingerprint_answer(student_id: str, code: str, text: str, stub: set[int]) -> Answer:
    answer = Answer(student_id, code, text)
    answer.fingerprints = fingerprints(code_tokens(code), K, WINDOW, "code", stub)
    for value, places in fingerprints(word_tokens(text), WORDS_K, WORDS_WINDOW, "text", stub).items():
        answer.fingerprints.setdefault(value, []).extend(places)
    return answer


def stub_fingerprints(released) -> set[int]:
    """Everything the released notebook's answer cells already hold (every student has it)."""
    code, text = answer_parts(released)
    return set(fingerprints(code_tokens(code), K, WINDOW, "code", set())) | \
        set(fingerprints(word_tokens(text), WORDS_K, WORDS_WINDOW, "text", set()))


@dataclass(frozen=True)
class Pair:
    first: str
    second: str
    score: float
    shared: int


def score_pairs(answers: list[Answer]) -> list[Pair]:
    """Every pair's rarity-weighted overlap of fingerprints, most similar first.

    One sparse product gives every pair at once: with ``A`` the submissions-by-fingerprints
    incidence matrix and ``w`` the weights, the shared weights are ``A diag(w) A^T``."""
    from scipy import sparse

    columns: dict[int, int] = {}
    rows, cols = [], []
    for row, answer in enumerate(answers):
        for value in answer.fingerprints:
            rows.append(row)
            cols.append(columns.setdefault(value, len(columns)))
    incidence = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(answers), max(len(columns), 1)))
    frequency = np.asarray(incidence.sum(axis=0)).ravel()
    weights = np.log((len(answers) + 1) / np.maximum(frequency, 1))
    shared_weight = (incidence @ sparse.diags(weights) @ incidence.T).toarray()
    shared_count = (incidence @ incidence.T).toarray()
    mass = np.diag(shared_weight)
    scale = np.sqrt(np.outer(mass, mass))
    with np.errstate(divide="ignore", invalid="ignore"):
        scores = np.where(scale > 0, shared_weight / np.where(scale > 0, scale, 1), 0.0)
    pairs = [Pair(answers[i].student_id, answers[j].student_id, float(min(scores[i, j], 1.0)), int(shared_count[i, j]))
             for i, j in combinations(range(len(answers)), 2)]
    return sorted(pairs, key=lambda p: (-p.score, p.first, p.second))


def similarity(out: Path, *, assignment_ids: list[str] | None = None, threshold: float = 0.5,
               work: Path | None = None) -> list[Path]:
    """Write ``OUT/similarity/<assignment>.html`` and ``.csv`` for each assignment graded in
    ``out``; return the pages written. Fingerprints are kept in ``OUT/similarity`` and
    recomputed only for notebooks that changed since."""
    work = work or out / "work"
    autograded = work / "autograded"
    folder = out / FOLDER
    kept = _load(folder / _FINGERPRINTS)
    pages = []
    found = sorted({p.parent.name for p in autograded.glob("*/*/*.ipynb")}) if autograded.is_dir() else []
    for assignment_id in assignment_ids or found:
        notebooks = sorted(autograded.glob(f"*/{assignment_id}/{assignment_id}.ipynb"))
        if not notebooks:
            continue
        released = nbformat.read(work / "release" / assignment_id / f"{assignment_id}.ipynb", 4) \
            if (work / "release" / assignment_id).is_dir() else None
        stub = stub_fingerprints(released) if released is not None else set()
        answers = []
        for path in notebooks:
            student_id = path.parent.parent.name
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            key = f"{assignment_id}/{student_id}"
            code, text = answer_parts(_read_notebook(path))
            if kept.get(key, {}).get("digest") == digest:
                answer = Answer(student_id, code, text,
                                {int(v): [tuple(p) for p in places] for v, places in kept[key]["fingerprints"].items()})
            else:
                answer = fingerprint_answer(student_id, code, text, stub)
                kept[key] = {"digest": digest, "fingerprints": {str(v): p for v, p in answer.fingerprints.items()}}
            answers.append(answer)
        reference = reference_answers(assignment_id)
        answers.append(fingerprint_answer(REFERENCE, *_reference_parts(released, reference), stub))
        pairs = score_pairs(answers)
        folder.mkdir(parents=True, exist_ok=True)
        atomic_write(folder / f"{assignment_id}.csv", _table(pairs))
        page = folder / f"{assignment_id}.html"
        atomic_write(page, render_page(assignment_id, answers, pairs, threshold))
        pages.append(page)
    atomic_write(folder / _FINGERPRINTS, json.dumps({"version": _VERSION, "answers": kept}))
    return pages


def _read_notebook(path: Path) -> dict:
    """A notebook as plain data (the grader wrote and validated it already: no second check)."""
    return json.loads(path.read_text(encoding="utf-8"))


def _reference_parts(released, reference: dict[str, str]) -> tuple[str, str]:
    if released is None:
        return "\n\n".join(reference.values()), ""
    code, text = [], []
    for cell in released.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if cell.get("metadata", {}).get("nbgrader", {}).get("solution") and grade_id in reference:
            (code if cell.cell_type == "code" else text).append(reference[grade_id])
    return "\n\n".join(code), "\n\n".join(text)


def _load(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return data["answers"] if data.get("version") == _VERSION else {}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def _table(pairs: list[Pair]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["student_a", "student_b", "score", "shared_fingerprints"])
    for pair in pairs:
        writer.writerow([_cell(pair.first), _cell(pair.second), f"{pair.score:.4f}", pair.shared])
    return buffer.getvalue()


def _cell(text: str) -> str:
    """A table cell a spreadsheet shows as text, never runs as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


# --- the page ----------------------------------------------------------------------------------

_STYLE = """
body { font: 16px/1.5 system-ui, sans-serif; margin: 0 auto; max-width: 72rem; padding: 1rem; color: #222; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.15rem; margin-top: 2rem; overflow-wrap: anywhere; }
.note { background: #f4f6f8; border-left: 4px solid #5b7083; padding: .5rem 1rem; }
.pair { display: flex; flex-wrap: wrap; gap: 1rem; }
.side { flex: 1 1 20rem; min-width: 0; }
.side h3 { font-size: 1rem; margin: .5rem 0; overflow-wrap: anywhere; }
pre { background: #fafafa; border: 1px solid #ddd; padding: .5rem; overflow-x: auto; font-size: .85rem; margin: 0; }
pre span { display: block; min-height: 1.2em; white-space: pre; }
pre .shared { background: #ffe08a; }
svg { max-width: 100%; height: auto; }
table { border-collapse: collapse; } td, th { padding: .2rem .6rem; border-bottom: 1px solid #ddd; text-align: left; }
"""


def render_page(assignment_id: str, answers: list[Answer], pairs: list[Pair], threshold: float) -> str:
    """The instructor's page: the distribution of scores, then each pair above the threshold."""
    by_id = {answer.student_id: answer for answer in answers}
    flagged = [pair for pair in pairs if pair.score >= threshold]
    sections = [_pair_section(pair, by_id[pair.first], by_id[pair.second]) for pair in flagged[:SHOWN]]
    if len(flagged) > SHOWN:
        sections.append(f"<p>{len(flagged) - SHOWN} more pairs reach the threshold; the table lists them all.</p>")
    title = f"Similarity of answers: {html.escape(assignment_id)}"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src 'none'">
<title>{title}</title><style>{_STYLE}</style></head>
<body><h1>{title}</h1>
<p class="note">A high score means two answers share unusual passages once names, numbers, comments and layout are
set aside; it does not say who copied from whom, or that anyone did: small tasks have few good answers, and
students may have worked together as allowed. Read the passages before drawing any conclusion. Nothing here
changes a grade. The reference solution takes part as "{html.escape(REFERENCE)}".</p>
<p>{len(answers) - 1} submissions, {len(pairs)} pairs; {len(flagged)} at or above the threshold {threshold:g}.
Every pair's score is in <code>{html.escape(assignment_id)}.csv</code>.</p>
{_histogram(pairs, threshold)}
{''.join(sections) or '<p>No pair reaches the threshold.</p>'}
</body></html>
"""


def _pair_section(pair: Pair, first: Answer, second: Answer) -> str:
    shared = first.fingerprints.keys() & second.fingerprints.keys()
    return (f'<section><h2>{html.escape(pair.first)} and {html.escape(pair.second)}: {pair.score:.2f} '
            f'({pair.shared} shared fingerprints)</h2><div class="pair">'
            f'{_side(first, shared)}{_side(second, shared)}</div></section>')


def _side(answer: Answer, shared: set[int]) -> str:
    marked = {"code": set(), "text": set()}
    for value in shared:
        for kind, first, last in answer.fingerprints.get(value, []):
            marked[kind].update(range(first, last + 1))
    blocks = [f"<h3>{html.escape(answer.student_id)}</h3>"]
    for kind, source in (("code", answer.code), ("text", answer.text)):
        if source.strip():
            lines = "".join(f'<span class="shared">{html.escape(line)}</span>' if number in marked[kind]
                            else f"<span>{html.escape(line)}</span>"
                            for number, line in enumerate(source.splitlines(), 1))
            blocks.append(f"<pre>{lines}</pre>")
    return f'<div class="side">{"".join(blocks)}</div>'


def _histogram(pairs: list[Pair], threshold: float, bins: int = 20) -> str:
    """An inline SVG of how many pairs have each score (twenty bins from 0 to 1)."""
    counts = [0] * bins
    for pair in pairs:
        counts[min(int(pair.score * bins), bins - 1)] += 1
    top = max(counts) or 1
    width, height, left, bottom = 600, 220, 48, 36
    bar = (width - left - 10) / bins
    rects = []
    for i, count in enumerate(counts):
        h = (height - bottom - 10) * count / top
        x, y = left + i * bar, height - bottom - h
        fill = "#c0392b" if (i + 1) / bins > threshold else "#5b7083"
        rects.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar - 2:.1f}" height="{h:.1f}" fill="{fill}">'
                     f'<title>{i / bins:.2f}-{(i + 1) / bins:.2f}: {count} pairs</title></rect>')
    ticks = "".join(f'<text x="{left + i * bar * 5:.1f}" y="{height - bottom + 16}" font-size="12" '
                    f'text-anchor="middle">{i * 0.25:.2f}</text>' for i in range(5))
    return (f'<figure><svg viewBox="0 0 {width} {height}" role="img" aria-label="Histogram of pair scores">'
            f'{"".join(rects)}{ticks}'
            f'<text x="{left - 6}" y="16" font-size="12" text-anchor="end">{top}</text>'
            f'<text x="{left - 6}" y="{height - bottom}" font-size="12" text-anchor="end">0</text>'
            f'<text x="{width / 2}" y="{height - 4}" font-size="12" text-anchor="middle">pair score</text></svg>'
            f'<figcaption>How many pairs of submissions have each score; red bars are at or above the '
            f'threshold. Most pairs of independent answers sit at the left.</figcaption></figure>')
