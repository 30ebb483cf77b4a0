"""The working folder of a grading run, and its ledger of what was graded from what.

The working folder holds nbgrader's gradebook (the course's record: every automatic and
manual score and comment), the submitted and autograded notebooks, and the ledger: for
every submission, a fingerprint of the file and of the checks it was graded with, and how
it ended. A second run grades only what is new or changed; a run that was stopped half-way
has recorded every notebook it finished, and nothing else.

The ledger is two files. ``ledger.jsonl`` is a journal: each entry is appended as one JSON
line and synced before the grader goes on, so recording a notebook costs the same in a
class of 40 as in one of 5,000. ``ledger.json`` is the journal compacted (every entry, one
JSON document, written by a rename), done when a run starts and when it ends. A kill in the
middle of an append leaves a last line without its newline, which is ignored (that
notebook is graded again); a ledger of the older, single-file kind is simply one with an
empty journal.

A folder is only ever used (and written) when this grader made it: it carries a marker
file, so ``--work`` pointed at anything else (an nbgrader course, a home folder) is
refused, and nothing in it is touched.
"""
from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from autograder import course
from autograder.grading.execute import PROTOCOL, WORKER
from autograder.errors import AutograderError
from autograder.grading.records import atomic_write

MARKER = ".autograder-work"
LEDGER = "ledger.json"
JOURNAL = "ledger.jsonl"
LOCK = ".autograder-lock"


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


@contextmanager
def hold_work_folder(work: Path):
    """Hold ``work`` for one ``grade`` run: a second run on the same folder stops at once with
    a one-line message, instead of both writing the gradebook and the ledger (an ``fcntl``
    lock on ``work/.autograder-lock``, released by the system if the holder dies)."""
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        handle = os.open(work / LOCK, flags, 0o600)
    except OSError as exc:
        raise AutograderError(f"cannot lock {work}: {exc.strerror}") from None
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise AutograderError(f"cannot lock {work}: {exc.strerror}") from None
            holder = os.pread(handle, 32, 0).decode("ascii", "replace").strip()
            who = f" (process {holder})" if holder.isdigit() else ""
            raise AutograderError(f"another grade run{who} is using {work}; wait for it to finish, "
                                  "or give this one another --work/--out") from None
        os.ftruncate(handle, 0)
        os.pwrite(handle, f"{os.getpid()}\n".encode(), 0)
        yield work
    finally:
        os.close(handle)  # closing the descriptor releases the lock


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
    """The ledger of a working folder: one :class:`Entry` per submission, and the fingerprint of
    the source each assignment was last prepared from.

    Reading it changes nothing (a test or a second reader may look while a run writes);
    :meth:`record` and :meth:`prepared` append to the journal, and :meth:`compact`, called
    only by the run that holds the folder (when it starts and when it ends), folds the journal
    into ``ledger.json``.
    """

    def __init__(self, work: Path):
        self.path = work / LEDGER
        self.journal = work / JOURNAL
        self.entries: dict[str, Entry] = {}
        self.assignments: dict[str, str] = {}
        journal = _read_bytes(self.journal)  # before the snapshot: a compaction in between loses nothing
        self._load_snapshot()
        self._journal_length = self._replay(journal)

    @staticmethod
    def key(student_id: str, assignment_id: str) -> str:
        return f"{student_id}\x1f{assignment_id}"

    def unchanged(self, student_id: str, assignment_id: str, fingerprint: str) -> bool:
        entry = self.entries.get(self.key(student_id, assignment_id))
        return entry is not None and entry.fingerprint == fingerprint

    def record(self, entry: Entry) -> None:
        """Keep ``entry``, and append it to the journal (synced) before returning."""
        self.entries[self.key(entry.student_id, entry.assignment_id)] = entry
        self._append({"submission": asdict(entry)})

    def prepared(self, assignment_id: str, fingerprint: str) -> None:
        self.assignments[assignment_id] = fingerprint
        self._append({"assignment": assignment_id, "fingerprint": fingerprint})

    def compact(self) -> None:
        """Write every entry to ``ledger.json`` (by a rename, synced), then empty the journal.
        Nothing is done when the journal is empty. A kill in between leaves a journal whose
        lines are already in ``ledger.json``; reading them again changes nothing."""
        if not self._journal_length and not self.journal.exists():
            return
        data = {"submissions": {k: asdict(v) for k, v in sorted(self.entries.items())},
                "assignments": dict(sorted(self.assignments.items()))}
        atomic_write(self.path, json.dumps(data, indent=1))
        self.journal.unlink(missing_ok=True)
        self._journal_length = 0

    def __iter__(self):
        return iter(sorted(self.entries.values(), key=lambda e: (e.student_id, e.assignment_id)))

    def _load_snapshot(self) -> None:
        if not self.path.is_file():
            return
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            self.entries = {key: Entry(**value) for key, value in data["submissions"].items()}
            self.assignments = dict(data["assignments"])
        except (ValueError, TypeError, KeyError):
            raise self._damaged(self.path) from None

    def _replay(self, journal: bytes) -> int:
        """Apply the journal's complete lines, in order; return how many bytes they take. A
        last line without its newline is an append a kill cut short, and is left out."""
        complete = journal[: journal.rfind(b"\n") + 1]
        for line in complete.splitlines():
            try:
                self._apply(json.loads(line))
            except (ValueError, TypeError, KeyError):
                raise self._damaged(self.journal) from None
        return len(complete)

    def _apply(self, record: dict) -> None:
        if "submission" in record:
            entry = Entry(**record["submission"])
            self.entries[self.key(entry.student_id, entry.assignment_id)] = entry
        else:
            self.assignments[record["assignment"]] = record["fingerprint"]

    def _append(self, record: dict) -> None:
        """One line at the journal's end, synced: the cost does not depend on the ledger's size.
        A torn last line a kill left is cut off first, so it never ends up between two lines."""
        line = (json.dumps(record, separators=(",", ":")) + "\n").encode("ascii")  # json escapes the rest
        flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
        handle = os.open(self.journal, flags, 0o600)
        try:
            if os.fstat(handle).st_size != self._journal_length:
                os.ftruncate(handle, self._journal_length)
            written = 0
            while written < len(line):
                written += os.write(handle, line[written:])
            os.fsync(handle)
        finally:
            os.close(handle)
        self._journal_length += len(line)

    @staticmethod
    def _damaged(path: Path) -> AutograderError:
        return AutograderError(f"{path} is damaged; move it away to grade everything again")


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return b""


def source_fingerprint(assignment_id: str) -> str:
    """The instructor's source notebook, which the gradebook's record of the assignment
    (its cells and points) is made from."""
    return hashlib.sha256(course.source_notebook(assignment_id).read_bytes()).hexdigest()
