"""The working folder of a grading run, and its ledger of what was graded from what.

The working folder holds nbgrader's gradebook (the course's record: every automatic and
manual score and comment), the submitted and autograded notebooks, and ``ledger.json``:
for every submission, a fingerprint of the file and of the checks it was graded with,
and how it ended. A second run grades only what is new or changed; a run that was
stopped half-way has recorded every notebook it finished, and nothing else.

A folder is only ever used (and written) when this grader made it: it carries a marker
file, so ``--work`` pointed at anything else (an nbgrader course, a home folder) is
refused, and nothing in it is touched.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from autograder import course
from autograder.grading.execute import PROTOCOL, WORKER
from autograder.errors import AutograderError
from autograder.grading.records import atomic_write

MARKER = ".autograder-work"
LEDGER = "ledger.json"


def claim_work_folder(work: Path) -> Path:
    """``work``, made if missing; an error if it exists and this grader did not make it."""
    work = work.resolve()
    if work.is_dir() and (work / MARKER).is_file():
        return work
    if work.exists() and (not work.is_dir() or any(work.iterdir())):
        raise AutograderError(f"{work} is not empty and was not made by this grader: "
                              "give --work a new or empty folder (nothing in it was changed)")
    work.mkdir(parents=True, exist_ok=True)
    atomic_write(work / MARKER, "made by `python -m autograder grade`; holds the gradebook of its runs\n")
    return work


def checks_fingerprint(assignment_id: str) -> str:
    """What a grade depends on besides the submission: the release, the checks, the worker
    and its protocol."""
    digest = hashlib.sha256()
    sources = [course.released_notebook(assignment_id), course.ROOT / "autograder" / "checks" / f"{assignment_id}.py",
               course.ROOT / "autograder" / "checks" / "framework.py", WORKER, PROTOCOL]
    for path in sources:
        digest.update(path.read_bytes() if path.is_file() else b"-")
    return digest.hexdigest()


def submission_fingerprint(content: bytes, assignment_id: str) -> str:
    return hashlib.sha256(content + checks_fingerprint(assignment_id).encode()).hexdigest()


@dataclass
class Entry:
    """How one submission was last graded."""

    student_id: str
    assignment_id: str
    fingerprint: str
    status: str
    max_score: float = 0.0
    graded: bool = False
    extra: dict = field(default_factory=dict)  # the row's added columns: submitted_at, late, name


class Ledger:
    """``ledger.json`` in the working folder: one :class:`Entry` per submission, and the
    fingerprint of the source each assignment was last prepared from."""

    def __init__(self, work: Path):
        self.path = work / LEDGER
        self.entries: dict[str, Entry] = {}
        self.assignments: dict[str, str] = {}
        if self.path.is_file():
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
                self.entries = {key: Entry(**value) for key, value in data["submissions"].items()}
                self.assignments = dict(data["assignments"])
            except (ValueError, TypeError, KeyError):
                raise AutograderError(f"{self.path} is damaged; move it away to grade everything again") from None

    @staticmethod
    def key(student_id: str, assignment_id: str) -> str:
        return f"{student_id}\x1f{assignment_id}"

    def unchanged(self, student_id: str, assignment_id: str, fingerprint: str) -> bool:
        entry = self.entries.get(self.key(student_id, assignment_id))
        return entry is not None and entry.fingerprint == fingerprint

    def record(self, entry: Entry) -> None:
        """Keep ``entry`` and write the ledger at once (atomically)."""
        self.entries[self.key(entry.student_id, entry.assignment_id)] = entry
        self._write()

    def prepared(self, assignment_id: str, fingerprint: str) -> None:
        self.assignments[assignment_id] = fingerprint
        self._write()

    def _write(self) -> None:
        data = {"submissions": {k: asdict(v) for k, v in sorted(self.entries.items())},
                "assignments": dict(sorted(self.assignments.items()))}
        atomic_write(self.path, json.dumps(data, indent=1))

    def __iter__(self):
        return iter(sorted(self.entries.values(), key=lambda e: (e.student_id, e.assignment_id)))


def source_fingerprint(assignment_id: str) -> str:
    """The instructor's source notebook, which the gradebook's record of the assignment
    (its cells and points) is made from."""
    return hashlib.sha256(course.source_notebook(assignment_id).read_bytes()).hexdigest()
