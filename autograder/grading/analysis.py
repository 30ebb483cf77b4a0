"""What happened, at a glance: the end-of-run summary, ``OUT/parts.csv`` and ``OUT/report.html``.

- :func:`summary` is the few lines printed at the end of ``grade`` and ``report``: per
  assignment, how many were graded (and how many wait for manual grading), failed, missing
  and late, with the mean and median score of the graded ones.
- ``parts.csv`` has one row per hidden-test property per student, read from the autograded
  notebooks (kept in memory by the run that graded them, read from disk for earlier runs): each hidden test cell carries its verdict as data
  (:func:`autograder.checks.framework.verdict_in`, the one reader of verdicts).
- ``report.html`` shows, per assignment, a histogram of the scores and an item analysis
  (which properties fail most), drawn with matplotlib and embedded as PNG ``data:`` URIs.
  It holds no script and forbids every outside resource; every text in it is escaped.
"""
from __future__ import annotations

import base64
import html
import io
import statistics
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping, Sequence

from autograder.checks.framework import verdict_in
from autograder.grading.records import MISSING, SubmissionGrade, atomic_write, number, printable, write_csv

PART_COLUMNS = ["student_id", "assignment_id", "grade_id", "part", "passed"]


@dataclass(frozen=True)
class PartRow:
    """One row of ``parts.csv``: one property of one hidden test of one student."""

    student_id: str
    assignment_id: str
    grade_id: str
    part: str
    passed: bool


def _kind(result: SubmissionGrade) -> str:
    if result.status == MISSING:
        return "missing"
    return "graded" if result.graded else "failed"


def summary(results: Sequence[SubmissionGrade]) -> str:
    """A few lines: per assignment, graded (pending), failed, missing, late; mean and median."""
    if not results:
        return "nothing graded"
    lines = []
    for assignment_id in sorted({r.assignment_id for r in results}):
        rows = [r for r in results if r.assignment_id == assignment_id]
        graded = [r for r in rows if _kind(r) == "graded"]
        counts = [f"{len(graded)} graded"]
        pending = sum(r.pending for r in graded)
        if pending:
            counts[0] += f" ({pending} with manual parts pending)"
        counts += [f"{sum(_kind(r) == 'failed' for r in rows)} failed",
                   f"{sum(_kind(r) == 'missing' for r in rows)} missing", f"{sum(bool(r.late) for r in rows)} late"]
        line = f"{printable(assignment_id, 80)}: " + ", ".join(counts)
        if graded:
            scores = [r.score for r in graded]
            best = max(r.max_score for r in graded)
            line += (f"; mean {statistics.fmean(scores):.3g}/{number(best)}, "
                     f"median {statistics.median(scores):.3g}/{number(best)}")
        lines.append(line)
    return "\n".join(lines)


# --- parts.csv --------------------------------------------------------------------------


def notebook_parts(notebook, student_id: str, assignment_id: str) -> list[PartRow]:
    """The hidden-test properties reported in one autograded notebook's test cells."""
    parts = []
    for cell in notebook.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        grade_id = meta.get("grade_id")
        if cell.get("cell_type") != "code" or not meta.get("grade") or not grade_id:
            continue
        verdict = verdict_in(cell)
        if verdict is not None:
            parts += [PartRow(student_id, assignment_id, grade_id, part.description, part.passed) for part in verdict.parts]
    return parts


def collect_parts(work: Path, results: Iterable[SubmissionGrade],
                  known: Mapping[tuple[str, str], Sequence[PartRow]] | None = None) -> list[PartRow]:
    """Every property of every graded submission: from ``known`` (the parts a grading run kept,
    by student and assignment), else from ``WORK/autograded/<student>/<assignment>/``."""
    import nbformat

    known = known or {}
    parts = []
    for result in results:
        if not result.graded:
            continue
        if (result.student_id, result.assignment_id) in known:
            parts += known[result.student_id, result.assignment_id]
            continue
        folder = work / "autograded" / result.student_id / result.assignment_id
        for path in sorted(folder.glob("*.ipynb")) if folder.is_dir() else []:
            try:
                notebook = nbformat.read(path, as_version=4)
            except Exception:  # an unreadable copy only loses its rows here
                continue
            parts += notebook_parts(notebook, result.student_id, result.assignment_id)
    return parts


def write_parts(out: Path, parts: Sequence[PartRow]) -> None:
    write_csv(out / "parts.csv", PART_COLUMNS,
              [[p.student_id, p.assignment_id, p.grade_id, p.part, "yes" if p.passed else "no"] for p in parts])


# --- report.html ------------------------------------------------------------------------


def prepare_charts() -> None:
    """Import what the charts are drawn with (half a second or more), for a caller that has
    time now and charts to draw later: ``grade`` does it in a thread while the class is graded."""
    from matplotlib.backends import backend_agg  # noqa: F401 - savefig's PNG canvas
    from matplotlib.figure import Figure  # noqa: F401
    from matplotlib.ticker import MaxNLocator  # noqa: F401


def _png(figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _histogram(rows: Sequence[SubmissionGrade], title: str) -> str:
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(6, 3))
    axes = figure.subplots()
    best = max(r.max_score for r in rows) or 1
    axes.hist([r.score for r in rows], bins=min(20, max(5, int(best))), range=(0, best), color="#4c72b0",
              edgecolor="white")
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))  # whole submissions, never 0.5
    axes.set_xlabel("score")
    axes.set_ylabel("submissions")
    axes.set_title(title)
    return _png(figure)


def item_analysis(parts: Sequence[PartRow]) -> list[tuple[str, str, int, int]]:
    """(grade_id, property, failed, total) per property, the most failed first."""
    counts: dict[tuple[str, str], list[int]] = {}
    for part in parts:
        tally = counts.setdefault((part.grade_id, part.part), [0, 0])
        tally[0] += not part.passed
        tally[1] += 1
    rows = [(grade_id, part, failed, total) for (grade_id, part), (failed, total) in counts.items()]
    return sorted(rows, key=lambda r: (-r[2] / r[3], r[0], r[1]))


def _item_chart(items: Sequence[tuple[str, str, int, int]], title: str) -> str:
    from matplotlib.figure import Figure

    shown = list(items[:15])[::-1]
    # whole words on lines of 45 characters (never cut mid-word); text, never mathtext
    labels = ["\n".join(textwrap.wrap(f"{g}: {p}", 45, break_long_words=False, max_lines=3,
                                       placeholder=" …")).replace("$", r"\$") for g, p, _, _ in shown]
    lines = sum(label.count("\n") + 1 for label in labels)
    figure = Figure(figsize=(8, 0.22 * lines + 0.2 * len(shown) + 1))
    axes = figure.subplots()
    axes.barh(range(len(shown)), [100 * f / t for _, _, f, t in shown], color="#dd8452")
    axes.set_yticks(range(len(shown)), labels, fontsize=8)
    axes.set_xlim(0, 100)
    axes.set_xlabel("% of students failing")
    axes.set_title(title)
    return _png(figure)


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<title>Grading report</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto;padding:0 1em}}
img{{max-width:100%;height:auto}}pre{{white-space:pre-wrap;overflow-wrap:anywhere}}
table{{border-collapse:collapse;display:block;max-width:100%;overflow-x:auto}}
td,th{{border:1px solid #ccc;padding:.2em .5em;text-align:left;overflow-wrap:anywhere}}td.n{{text-align:right}}</style>
</head><body><main>
<h1>Grading report</h1>
<pre>{summary}</pre>
{sections}
</main></body></html>
"""


def render_report(results: Sequence[SubmissionGrade], parts: Sequence[PartRow],
                  similarity_pages: Sequence[str] = ()) -> str:
    """The whole ``report.html`` page as text; ``similarity_pages`` are the assignments with a
    similarity report beside it (``similarity/<id>.html``), linked from their sections."""
    e = html.escape
    sections = []
    for assignment_id in sorted({r.assignment_id for r in results}):
        graded = [r for r in results if r.assignment_id == assignment_id and r.graded]
        mine = [p for p in parts if p.assignment_id == assignment_id]
        body = [f"<h2>{e(assignment_id)}</h2>"]
        if assignment_id in similarity_pages:
            body.append(f'<p><a href="similarity/{e(assignment_id)}.html">Who wrote it alike: the similarity '
                        'of answers</a> (a report for you, never a verdict)</p>')
        if graded:
            body.append(f'<img alt="histogram of scores" src="{_histogram(graded, "scores")}">')
        items = item_analysis(mine)
        if items:
            body.append(f'<h3>Item analysis</h3><img alt="properties failed most" '
                        f'src="{_item_chart(items, "properties failed most")}">')
            body.append("<table><tr><th>graded name</th><th>property</th><th>failed</th><th>of</th></tr>")
            body += [f'<tr><td>{e(g)}</td><td>{e(p)}</td><td class="n">{f}</td><td class="n">{t}</td></tr>'
                     for g, p, f, t in items]
            body.append("</table>")
        sections.append("\n".join(body))
    return _PAGE.format(summary=e(summary(results)), sections="\n".join(sections))


def write_analysis(out: Path, results: Sequence[SubmissionGrade], *, work: Path | None = None,
                   parts: Mapping[tuple[str, str], Sequence[PartRow]] | None = None) -> list[PartRow]:
    """Write ``OUT/parts.csv`` and ``OUT/report.html`` (each by a rename); return the parts.
    ``parts`` are those already known by student and assignment (see :func:`collect_parts`)."""
    parts = collect_parts((work or out / "work"), results, parts)
    write_parts(out, parts)
    similar = sorted(page.stem for page in (out / "similarity").glob("*.html"))
    atomic_write(out / "report.html", render_report(results, parts, similar))
    return parts
