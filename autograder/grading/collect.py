"""Find the submissions in what an instructor hands the grader: :func:`intake`.

The source is a folder or an archive (zip or tar, extracted by :mod:`.archive` as hostile
input). Its layout is detected, or forced with ``lms=``:

``folder``
    ``<student_id>/<assignment_id>/<notebook>.ipynb`` (nbgrader's ``submitted`` layout; its
    ``timestamp.txt`` is read when present).
``canvas``
    Canvas "Download Submissions": flat files named ``<name>[_LATE]_<user id>_<attachment id>_<file>``
    (``lib/content_zipper.rb`` in canvas-lms: the name is the sortable name, lower-cased, without
    non-word characters; ``LATE`` when Canvas marked the submission late; ``anon_<id>`` instead of
    name and user id under anonymous grading). A file uploaded again under the same name gets
    Canvas's ``-1``, ``-2`` ... suffix; the newest attachment (highest id) is graded.
``moodle``
    Moodle "Download all submissions": one folder per participant,
    ``<Full Name>_<participant id>_assignsubmission_file`` (Moodle 4, ``mod/assign/classes/downloader.php``)
    or with a trailing ``_`` (Moodle 3.1-3.11, ``locallib.php``), or, when "download submissions in
    folders" is off, flat files ``<Full Name>_<participant id>_assignsubmission_file_<file>``.
    The id is the participant id (the number of the grading worksheet's ``Participant <n>``).
``blackboard``
    Blackboard Learn "Assignment File Download": flat files
    ``<Assignment>_<username>_attempt_<YYYY-MM-DD-HH-MM-SS>_<file>`` and a receipt
    ``<Assignment>_<username>_attempt_<...>.txt`` per attempt (``Name: Full Name (username)``,
    ``Date Submitted: ...``, and the original file names). The newest attempt is graded.
``gradescope``
    Gradescope "Export Submissions": ``submission_metadata.yml`` beside one ``submission_<id>/``
    folder per submission; every member of a group submission gets the group's notebook.

An archive that wraps everything in one folder is read from inside it, and so is one whose
submissions are all in one folder beside stray ones (``__MACOSX`` and hidden files are
ignored). A student id outside the accepted set is mapped to a safe one and the original is
kept (:mod:`.ids`); a bad archive member, a file that fits no assignment or an unreadable
date becomes a :class:`Problem` row or a note and costs only that submission. Finding no
submission at all is an :class:`~autograder.errors.AutograderError` that says what was found
instead.

Hostile input costs only its own submission: folders are walked without recursion, with a
depth and a count cap per submission (:data:`WALK_DEPTH`, :data:`WALK_ENTRIES`), and every
notebook is read once, here, from the file descriptor that was checked (opened beneath the
source folder without following any link, a regular file within the size cap); grading uses
those bytes and never reads the path again. Which assignment a notebook is for comes from its
cells first, then its name (:func:`autograder.recognise.identify`).
"""
from __future__ import annotations

import errno
import itertools
import json
import os
import re
import stat
from collections import deque
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath

from autograder.errors import AutograderError
from autograder.grading.archive import ArchiveLimits, extract, is_archive, safe_parts
from autograder.grading.ids import id_problem, safe_id
from autograder.grading.records import printable
from autograder.recognise import assignment_for, identify

LAYOUTS = ("folder", "canvas", "moodle", "blackboard", "gradescope")
NOTEBOOK_SUFFIX = ".ipynb"
#: Where a grading run keeps its :class:`Intake` (``OUT/intake.json``), for ``export``.
INTAKE_FILE = "intake.json"
_IGNORED_NAMES = ("__MACOSX", ".DS_Store", "Thumbs.db", "desktop.ini")
#: How deep a submission's folders are looked into, and how many entries of one submission are looked at.
WALK_DEPTH = 16
WALK_ENTRIES = 2_000
#: A notebook larger than this is not read (as the grader's own limit; an exercise is well under 1 MB).
NOTEBOOK_BYTES = 100 * 1024**2


@dataclass(frozen=True)
class HandIn:
    """One student's submission of one assignment, as found (not yet graded)."""

    student_id: str
    assignment_id: str
    notebook: Path | None  # None: nothing to grade (the reason is in notes)
    name: str = ""
    submitted_at: datetime | None = None
    late: bool | None = None
    notes: tuple[str, ...] = ()
    platform: str = "folder"
    ref: tuple[tuple[str, str], ...] = ()  # platform data kept for exports (attachment id, folder prefix, ...)
    #: The notebook's bytes, read once by intake (never saved in intake.json); None: see ``unread``.
    content: bytes | None = field(default=None, compare=False, repr=False)
    unread: str = ""  # why the notebook could not be read, when it could not

    def get(self, key: str, default: str = "") -> str:
        return dict(self.ref).get(key, default)


@dataclass(frozen=True)
class Missing:
    """A roster student with nothing handed in for an assignment."""

    student_id: str
    assignment_id: str
    name: str = ""


@dataclass(frozen=True)
class Problem:
    """Something found that cannot be graded: a bad member, a bad id, a file of no assignment."""

    student_id: str
    assignment_id: str
    reason: str


@dataclass
class Intake:
    layout: str
    submissions: list[HandIn] = field(default_factory=list)
    missing: list[Missing] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # about the whole source (ignored files, roster)
    roster_kind: str | None = None
    roster: list = field(default_factory=list)  # RosterStudent rows, kept for exports

    def save(self, path: Path) -> None:
        """Keep what was found beside the grades (``export`` names feedback files with it)."""
        from autograder.grading.records import atomic_write

        def plain(item):
            data = asdict(item)
            data.pop("content", None)
            for key, value in data.items():
                if isinstance(value, datetime):
                    data[key] = value.isoformat()
                elif isinstance(value, Path):
                    data[key] = str(value)
            return data

        atomic_write(path, json.dumps({
            "layout": self.layout, "roster_kind": self.roster_kind, "notes": self.notes,
            "submissions": [plain(s) for s in self.submissions], "missing": [plain(m) for m in self.missing],
            "problems": [plain(p) for p in self.problems],
            "roster": [plain(r) for r in self.roster]}, indent=1))

    @classmethod
    def load(cls, path: Path) -> "Intake":
        data = json.loads(path.read_text())

        def hand_in(d):
            return HandIn(d["student_id"], d["assignment_id"], Path(d["notebook"]) if d["notebook"] else None,
                          d["name"], datetime.fromisoformat(d["submitted_at"]) if d["submitted_at"] else None,
                          d["late"], tuple(d["notes"]), d["platform"], tuple(tuple(r) for r in d["ref"]),
                          unread=d.get("unread", ""))

        from autograder.grading.roster import RosterStudent

        return cls(data["layout"], [hand_in(d) for d in data["submissions"]],
                   [Missing(**m) for m in data["missing"]], [Problem(**p) for p in data["problems"]],
                   data["notes"], data.get("roster_kind"), [RosterStudent(**r) for r in data.get("roster", [])])


@dataclass
class _Candidate:
    """One notebook file a layout found, before ids are checked and attempts chosen."""

    student_id: str
    path: Path
    name: str = ""
    assignment_id: str | None = None  # None: tell from the file name
    submitted_at: datetime | None = None
    late: bool | None = None
    order: tuple = ()  # larger is newer, among one student's files
    ref: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    content: bytes | None = None
    unread: str | None = None  # None: not read yet; "": read; else why it could not be


# --- the entry point ---------------------------------------------------------------------


def intake(source: Path, into: Path, *, assignment_ids: list[str], lms: str | None = None,
           roster: Path | None = None, limits: ArchiveLimits = ArchiveLimits(),
           known_assignments: list[str] | None = None) -> Intake:
    """Every submission in ``source`` (a folder or an archive, extracted into ``into``).

    ``assignment_ids``: the assignments to grade; empty means every assignment found (with the
    folder layout, an unknown assignment folder is still returned, so that it gets a row).
    ``known_assignments`` (default: the course's) are the ids a flat LMS archive's file names
    are matched against. ``roster``: the platform's roster export (:mod:`.roster`).
    """
    from autograder import course

    if lms is not None and lms not in LAYOUTS:
        raise AutograderError(f"unknown --lms {printable(lms)!r}; choose one of {', '.join(LAYOUTS)}")
    known = list(known_assignments if known_assignments is not None else course.assignment_ids())
    problems: list[Problem] = []
    notes: list[str] = []
    duplicates: set[str] = set()
    skipped: list[tuple[str, str]] = []
    if source.is_dir():
        root = source
    elif source.is_file() and is_archive(source):
        extracted = extract(source, into, limits)
        skipped = extracted.problems
        duplicates = {str(into.joinpath(*d.split("/"))) for d in extracted.duplicates}
        root = into
    elif source.exists():
        raise AutograderError(f"{source} is neither a folder nor a zip or tar archive")
    else:
        raise AutograderError(f"submissions folder or archive not found: {source}")
    root, strays = _unwrap(root)
    if strays:
        notes.append(f"read the submissions in {printable(root.name, 60)!r}; ignored beside it: "
                     + ", ".join(printable(p, 60) for p in strays[:5]) + (" ..." if len(strays) > 5 else ""))
    layout = lms or detect_layout(root)
    problems += [Problem(_member_student(name, into, root, layout), "", f"archive member {name!r} skipped: {reason}")
                 for name, reason in skipped]
    reader = {"folder": _folder, "canvas": _canvas, "moodle": _moodle, "blackboard": _blackboard,
              "gradescope": _gradescope}[layout]
    candidates, ignored = reader(root, problems)
    if ignored:
        shown = ", ".join(printable(p, 60) for p in ignored[:5]) + (" ..." if len(ignored) > 5 else "")
        notes.append(f"ignored {len(ignored)} file(s) that are not notebooks of a submission: {shown}")
    found = Intake(layout, notes=notes, problems=problems)
    _assemble(found, candidates, assignment_ids, known, duplicates, root)
    if roster is not None and found.submissions:
        _apply_roster(found, roster, assignment_ids)
    if not found.submissions:
        refused = f"; {len(found.problems)} refused, first: {found.problems[0].reason}" if found.problems else ""
        raise AutograderError(f"no submissions found in {source} (layout {layout}): " + _what_is_there(root) + refused)
    return found


def _unwrap(root: Path) -> tuple[Path, list[str]]:
    """Inside wrapping folders (an LMS archive of ``<course> submissions/...``), and the names
    of what was left beside them.

    A single folder is entered unless the level above already looks like submissions; among
    several entries, the one folder that explains more submissions than the level itself is
    entered (a stray ``notes/`` or ``README`` beside ``submissions/``), and the rest is ignored.
    """
    strays: list[str] = []
    for _ in range(8):
        entries = _entries(root)
        folders = [e for e in entries if e.is_dir() and not e.is_symlink()]
        if len(entries) == 1 and folders:
            inner = _layout_scores(folders[0])
            if any(_layout_scores(root).values()) and not any(v for k, v in inner.items() if k != "folder"):
                break
            root = folders[0]
            continue
        if len(folders) < 1 or len(entries) < 2:
            break
        here = max(_layout_scores(root).values())
        scored = sorted(((max(_layout_scores(f).values()), f) for f in folders), key=lambda x: x[0], reverse=True)
        best, runner_up = scored[0][0], (scored[1][0] if len(scored) > 1 else 0)
        if best <= here or best == runner_up:
            break
        strays += [e.name for e in entries if e != scored[0][1]]
        root = scored[0][1]
    return root, strays


def _member_student(name: str, into: Path, root: Path, layout: str) -> str:
    """The student folder a skipped archive member was in (folder layout), so that it costs
    that student a note; ``""`` when it is not in one."""
    parts, _ = safe_parts(name)
    if layout != "folder" or not parts:
        return ""
    try:
        inside = into.joinpath(*parts).relative_to(root).parts
    except ValueError:
        return ""
    return inside[0] if len(inside) >= 2 else ""


def _entries(folder: Path) -> list[Path]:
    try:
        return sorted(p for p in folder.iterdir() if not p.name.startswith(".") and p.name not in _IGNORED_NAMES)
    except OSError:
        return []


def _what_is_there(root: Path) -> str:
    entries = _entries(root)
    files = [p.name for p in entries if p.is_file()]
    folders = [p.name for p in entries if p.is_dir()]
    if not entries:
        return "it is empty"
    listed = lambda names: ", ".join(printable(n, 60) for n in names[:5]) + (" ..." if len(names) > 5 else "")
    parts = []
    if files:
        parts.append(f"{len(files)} file(s) ({listed(files)})")
    if folders:
        parts.append(f"{len(folders)} folder(s) ({listed(folders)})")
    return ("found " + " and ".join(parts) + "; expected <student>/<assignment>/<notebook>.ipynb or a Canvas, "
            "Moodle, Blackboard or Gradescope download (force one with --lms)")


# --- detection ---------------------------------------------------------------------------

_CANVAS = re.compile(r"^(?P<name>[^\W_]*(?:_[^\W_]+)*?)(?:_(?P<late>LATE))?_(?P<uid>\d+)_(?P<att>\d+)_(?P<file>.+)$")
_CANVAS_ANON = re.compile(r"^(?:(?P<late>LATE)_)?(?P<uid>anon_[A-Za-z0-9]+)_(?P<att>\d+)_(?P<file>.+)$")
_MOODLE_DIR = re.compile(r"^(?P<name>[^_]*)_(?P<pid>\d+)_assignsubmission_(?P<plugin>[a-z0-9]+)_?$")
_MOODLE_FLAT = re.compile(r"^(?P<name>[^_]*)_(?P<pid>\d+)_assignsubmission_(?P<plugin>[a-z0-9]+)_(?P<file>.+)$")
_BLACKBOARD = re.compile(r"^(?P<prefix>(?P<head>.+)_attempt_(?P<ts>\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d))"
                         r"(?:_(?P<file>.+)|\.txt)$")


def _moodle_folder(name: str) -> bool:
    return bool(_MOODLE_DIR.match(name))


def _layout_scores(root: Path) -> dict[str, int]:
    entries = _entries(root)
    files = [p.name for p in entries if p.is_file()]
    folders = [p for p in entries if p.is_dir() and not p.is_symlink()]
    return {
        "gradescope": 1000 if (root / "submission_metadata.yml").is_file() else 0,
        "moodle": sum(bool(_MOODLE_DIR.match(p.name)) for p in folders)
        + sum(bool(_MOODLE_FLAT.match(f)) for f in files),
        "blackboard": sum(bool(_BLACKBOARD.match(f)) for f in files),
        "canvas": sum(bool(_CANVAS.match(f) or _CANVAS_ANON.match(f)) for f in files if not _BLACKBOARD.match(f)),
        "folder": sum(1 for s in folders for a in _entries(s) if a.is_dir() and any(
            p.suffix == NOTEBOOK_SUFFIX for p in _entries(a))),
    }


def detect_layout(root: Path) -> str:
    """The layout that explains most of what is in ``root`` (``folder`` when nothing fits)."""
    scores = _layout_scores(root)
    best = max(("gradescope", "moodle", "blackboard", "canvas", "folder"), key=lambda k: scores[k])
    return best if scores[best] else "folder"


# --- one reader per layout: (candidates, ignored file names) -----------------------------


def _safe_files(folder: Path, problems: list[Problem], student: str = "", *, per_entry: bool = False) -> list[Path]:
    """Regular files under ``folder`` (never through a link; links are reported), breadth
    first and without recursion: at most :data:`WALK_DEPTH` folders deep and
    :data:`WALK_ENTRIES` entries looked at. The caps hold for the whole of ``folder`` (one
    submission), or with ``per_entry`` for each top-level folder of it separately (a flat LMS
    download, whose top-level files are the submissions and are not capped)."""
    found: list[Path] = []
    used: dict[str, int] = {}
    capped: set[str] = set()
    pending = deque([(folder, 0, "")])
    while pending:
        here, depth, budget = pending.popleft()
        listing_cap = None if per_entry and depth == 0 else WALK_ENTRIES + 1
        try:
            with os.scandir(here) as listing:
                entries = list(itertools.islice(listing, listing_cap))
        except OSError:
            continue
        for entry in sorted(entries, key=lambda e: e.name):
            key = entry.name if per_entry and depth == 0 else budget
            try:
                is_link, is_dir = entry.is_symlink(), entry.is_dir(follow_symlinks=False)
                is_file = entry.is_file(follow_symlinks=False)
            except OSError:
                continue
            if not (per_entry and depth == 0 and not is_dir):
                used[key] = used.get(key, 0) + 1
                if used[key] > WALK_ENTRIES:
                    if key not in capped:
                        capped.add(key)
                        where = f" in {printable(key, 60)!r}" if key else ""
                        problems.append(Problem(student, "", f"more than {WALK_ENTRIES} files and folders{where}: "
                                                             "the rest were not looked at"))
                    continue
            name = entry.name
            if is_link:
                problems.append(Problem(student, "", f"symbolic link {printable(name, 60)!r} ignored"))
            elif name.startswith(".") or name in _IGNORED_NAMES:
                continue
            elif is_dir and depth + 1 > WALK_DEPTH:
                if ("depth", key) not in capped:
                    capped.add(("depth", key))
                    problems.append(Problem(student, "", f"folders nested more than {WALK_DEPTH} deep were not "
                                                         "looked at"))
            elif is_dir:
                pending.append((Path(entry.path), depth + 1, key))
            elif is_file:
                found.append(Path(entry.path))
    return found


def read_beneath(root: Path, path: Path, limit: int = NOTEBOOK_BYTES) -> tuple[bytes | None, str]:
    """The bytes of ``path``, a file under ``root``, and ``""``; or ``None`` and why not.

    Every folder from ``root`` down and the file itself are opened without following a link
    (``O_NOFOLLOW``, one component at a time), the open file is checked (``fstat``: a regular
    file within ``limit``) and read from that same descriptor: a file or folder swapped for a
    link after it was found is refused, never read through the link."""
    try:
        parts = path.relative_to(root).parts
    except ValueError:
        return None, "it is not inside the submissions"
    if not parts:
        return None, "it is not a file"
    nofollow, cloexec = getattr(os, "O_NOFOLLOW", 0), getattr(os, "O_CLOEXEC", 0)
    try:
        folder = os.open(root, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | cloexec)
    except OSError as exc:
        return None, f"it could not be opened: {exc.strerror}"
    try:
        for part in parts[:-1]:
            inner = os.open(part, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | nofollow | cloexec, dir_fd=folder)
            os.close(folder)
            folder = inner
        handle = os.open(parts[-1], os.O_RDONLY | nofollow | cloexec | getattr(os, "O_NONBLOCK", 0), dir_fd=folder)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR, errno.EMLINK):
            return None, "it was replaced by a symbolic link after it was found"
        return None, f"it could not be opened: {exc.strerror}"
    finally:
        os.close(folder)
    try:
        info = os.fstat(handle)
        if not stat.S_ISREG(info.st_mode):
            return None, "it is not a regular file"
        chunks, total = [], 0
        while True:
            chunk = os.read(handle, 1 << 20)
            if not chunk:
                break
            total += len(chunk)
            if total > limit:
                return None, f"it is larger than {limit // 1024**2} MB"
            chunks.append(chunk)
        return b"".join(chunks), ""
    except OSError as exc:
        return None, f"it could not be read: {exc.strerror}"
    finally:
        os.close(handle)


def _folder(root: Path, problems: list[Problem]):
    candidates, ignored = [], []
    for student in _entries(root):
        if student.is_symlink():
            problems.append(Problem(printable(student.name, 80), "", "symbolic link ignored"))
            continue
        if not student.is_dir():
            ignored.append(student.name)
            continue
        for folder in _entries(student):
            if folder.is_symlink() or not folder.is_dir():
                (problems.append(Problem(printable(student.name, 80), "", f"symbolic link {printable(folder.name)!r}"
                                         " ignored")) if folder.is_symlink() else ignored.append(folder.name))
                continue
            files = _safe_files(folder, problems, printable(student.name, 80))
            notebooks = [p for p in files if p.suffix == NOTEBOOK_SUFFIX]
            others = [p.name for p in files if p.suffix != NOTEBOOK_SUFFIX and p.name != "timestamp.txt"]
            when = _nbgrader_timestamp(folder / "timestamp.txt")
            shown = ", ".join(printable(o, 40) for o in others[:3])
            notes = [f"ignored {len(others)} file(s) that are not notebooks: {shown}"] if others else []
            candidate = _Candidate(student.name, None, assignment_id=folder.name, submitted_at=when, notes=notes,
                                   order=(0,))
            chosen, note = _pick_folder_notebook(notebooks, folder.name, root, candidate)
            if note:
                notes.append(note)
            candidate.path = chosen
            candidates.append(candidate)
    return candidates, ignored


def _pick_folder_notebook(notebooks: list[Path], assignment_id: str, root: Path | None = None,
                          candidate: _Candidate | None = None) -> tuple[Path | None, str | None]:
    """The notebook of ``assignment_id`` among ``notebooks`` and a note when it was not named as
    released. Among several, none so named, the one whose cells are that assignment's is taken
    (read from ``root`` into ``candidate``, so that it is never read again)."""
    expected = [p for p in notebooks if p.name == f"{assignment_id}{NOTEBOOK_SUFFIX}"]
    if expected:
        return expected[0], None
    if len(notebooks) == 1:
        return notebooks[0], f"graded {notebooks[0].name} as {assignment_id}{NOTEBOOK_SUFFIX}"
    if not notebooks:
        return None, f"missing notebook {assignment_id}{NOTEBOOK_SUFFIX}"
    if root is not None and candidate is not None:
        from autograder import course

        released = _released(course.assignment_ids())
        if assignment_id in released:
            read = {p: read_beneath(root, p) for p in notebooks}
            matching = [p for p, (content, _) in read.items()
                        if identify(_parsed(content), released, p.name).assignment_id == assignment_id]
            if len(matching) == 1:
                candidate.content, candidate.unread = read[matching[0]]
                return matching[0], (f"graded {printable(matching[0].name, 60)} as {assignment_id}{NOTEBOOK_SUFFIX} "
                                     f"(recognised from its cells among {len(notebooks)} notebooks)")
    return None, (f"{len(notebooks)} notebooks and none named {assignment_id}{NOTEBOOK_SUFFIX}: "
                  "cannot tell which to grade")


def _nbgrader_timestamp(path: Path) -> datetime | None:
    if not path.is_file() or path.is_symlink():
        return None
    try:
        from dateutil import parser

        when = parser.parse(path.read_text()[:100].strip())
        return when if when.tzinfo else None
    except (ValueError, OverflowError, OSError):
        return None


def _canvas(root: Path, problems: list[Problem]):
    candidates, ignored = [], []
    for path in _safe_files(root, problems, per_entry=True):
        match = _CANVAS_ANON.match(path.name) or _CANVAS.match(path.name)
        if not match or path.suffix != NOTEBOOK_SUFFIX:
            ignored.append(path.name)
            continue
        name = match.groupdict().get("name") or ""
        candidates.append(_Candidate(match["uid"], path, name=name, late=bool(match["late"]),
                                     order=(int(match["att"]),),
                                     ref={"attachment_id": match["att"], "canvas_name": name, "file": match["file"]}))
    return candidates, ignored


def _moodle(root: Path, problems: list[Problem]):
    candidates, ignored = [], []
    for entry in _entries(root):
        folder = _MOODLE_DIR.match(entry.name) if entry.is_dir() and not entry.is_symlink() else None
        if folder:
            files = [(p, p.name) for p in _safe_files(entry, problems, folder["pid"])]
            prefix = entry.name
        else:
            flat = _MOODLE_FLAT.match(entry.name) if entry.is_file() and not entry.is_symlink() else None
            if not flat:
                ignored.append(entry.name)
                continue
            folder, files, prefix = flat, [(entry, flat["file"])], None
        for path, original in files:
            if path.suffix != NOTEBOOK_SUFFIX or folder["plugin"] != "file":
                ignored.append(path.name)
                continue
            candidates.append(_Candidate(folder["pid"], path, name=folder["name"], order=(path.stat().st_mtime,),
                                         ref={"moodle_prefix": f"{folder['name']}_{folder['pid']}", "file": original,
                                              "folder": prefix or ""}))
    return candidates, ignored


def _blackboard(root: Path, problems: list[Problem]):
    receipts: dict[str, dict] = {}
    files = _safe_files(root, problems, per_entry=True)
    for path in files:
        match = _BLACKBOARD.match(path.name)
        if match and path.name.endswith(".txt") and not match["file"]:
            receipts[match["prefix"]] = _read_receipt(path)
    candidates, ignored = [], []
    for path in files:
        match = _BLACKBOARD.match(path.name)
        if not match or not match["file"]:
            if not (match and match["prefix"] in receipts):
                ignored.append(path.name)
            continue
        receipt = receipts.get(match["prefix"], {})
        username = receipt.get("username") or match["head"].rsplit("_", 1)[-1]
        head = match["head"]
        if not head.endswith("_" + username):
            username = head.rsplit("_", 1)[-1]
        original = receipt.get("files", {}).get(path.name, match["file"])
        if not original.endswith(NOTEBOOK_SUFFIX):
            ignored.append(path.name)
            continue
        notes = []
        try:
            stamp = datetime.strptime(match["ts"], "%Y-%m-%d-%H-%M-%S")
        except ValueError:  # a date of the right shape that does not exist (month 13)
            stamp = None
            notes.append(f"the attempt's date {match['ts']} in the file name is not a date")
        when = receipt.get("submitted_at")
        if receipt.get("unreadable_date"):
            notes.append(f"the receipt's date {printable(receipt['unreadable_date'], 60)!r} could not be read"
                         + ("; used the attempt's time in the file name" if stamp else ""))
        if when is None or stamp is None or abs((when.replace(tzinfo=None) - stamp).total_seconds()) > 26 * 3600:
            when = stamp or when  # a receipt in another language or format: the file name's own (server local) time
        candidates.append(_Candidate(username, path, name=receipt.get("name", ""), submitted_at=when,
                                     order=(stamp or datetime.min,), notes=notes,
                                     ref={"file": original, "attempt": match["ts"],
                                          "assignment_name": head[: -len(username) - 1]}))
    return candidates, ignored


def _read_receipt(path: Path) -> dict:
    """What a Blackboard receipt says: name, username, submission time, original file names."""
    try:
        text = path.read_bytes()[:1_000_000].decode("utf-8", "replace")
    except OSError:
        return {}
    found: dict = {"files": {}}
    name = re.search(r"^Name:\s*(.*?)\s*\(([^()]*)\)\s*$", text, re.MULTILINE)
    if name:
        found["name"], found["username"] = name.group(1), name.group(2).strip()
    submitted = re.search(r"^Date Submitted:\s*(.+?)\s*$", text, re.MULTILINE)
    if submitted:
        found["submitted_at"] = _receipt_time(submitted.group(1))
        if found["submitted_at"] is None:
            found["unreadable_date"] = submitted.group(1)
    for original, stored in re.findall(r"Original filename:\s*(.+?)\s*\n\s*Filename:\s*(.+?)\s*$", text,
                                       re.MULTILINE):
        found["files"][stored] = original
    return found


#: Zone abbreviations Blackboard servers print in receipts, as UTC offsets in hours.
_ZONES = {"UTC": 0, "GMT": 0, "BST": 1, "CET": 1, "CEST": 2, "EET": 2, "EEST": 3, "EST": -5, "EDT": -4,
          "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7, "AEST": 10, "AEDT": 11}


def _receipt_time(text: str) -> datetime | None:
    """A receipt's "Date Submitted" (``Tuesday, September 5, 2017 11:58:43 PM EDT``); without a
    known zone, a local time (read in the due date's zone)."""
    import warnings

    from dateutil import parser, tz

    zones = {name: tz.tzoffset(name, hours * 3600) for name, hours in _ZONES.items()}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            when = parser.parse(text.replace(" o'clock", ""), fuzzy=True, tzinfos=zones)
        when.isoformat()  # an offset of a day or more parses but is no time zone: refused here, not later
        when.timestamp()
        return when
    except (ValueError, OverflowError, TypeError, OSError):
        return None


def _gradescope(root: Path, problems: list[Problem]):
    metadata = _read_gradescope_metadata(root / "submission_metadata.yml")
    candidates, ignored = [], []
    for entry in _entries(root):
        if entry.name == "submission_metadata.yml":
            continue
        record = metadata.get(entry.name)
        if not entry.is_dir() or entry.is_symlink() or not isinstance(record, dict):
            ignored.append(entry.name)
            continue
        files = _safe_files(entry, problems)
        notebooks = [p for p in files if p.suffix == NOTEBOOK_SUFFIX]
        ignored += [p.name for p in files if p.suffix != NOTEBOOK_SUFFIX]
        when = record.get(":created_at")
        when = when if isinstance(when, datetime) else None
        submitters = record.get(":submitters") or []
        group = [s for s in submitters if isinstance(s, dict)]
        for person in group:
            student_id = str(person.get(":sid") or person.get(":email") or "").strip()
            notes = [f"group submission with {len(group) - 1} other member(s)"] if len(group) > 1 else []
            for notebook in notebooks or [None]:
                candidates.append(_Candidate(student_id, notebook, name=str(person.get(":name") or ""),
                                             submitted_at=when, order=(_sortable(when),), notes=list(notes),
                                             ref={"submission": entry.name}))
    return candidates, ignored


def _read_gradescope_metadata(path: Path) -> dict:
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    def anything(loader, suffix, node):  # Ruby objects in Gradescope's YAML, read as plain data
        if isinstance(node, yaml.MappingNode):
            return loader.construct_mapping(node, deep=True)
        if isinstance(node, yaml.SequenceNode):
            return loader.construct_sequence(node, deep=True)
        return loader.construct_scalar(node)

    Loader.add_multi_constructor("!", anything)
    try:
        data = yaml.load(path.read_bytes()[:50_000_000], Loader=Loader)
    except (yaml.YAMLError, OSError) as exc:
        raise AutograderError(f"cannot read Gradescope's {path.name}: {printable(exc, 200)}") from None
    return data if isinstance(data, dict) else {}


# --- from candidates to submissions ------------------------------------------------------

def _released(assignment_ids: list[str]) -> dict:
    """The released notebooks of ``assignment_ids`` that exist, parsed, by id."""
    from autograder import course

    found = {}
    for assignment_id in assignment_ids:
        try:
            found[assignment_id] = json.loads(course.released_notebook(assignment_id).read_bytes())
        except (OSError, ValueError):
            continue
    return found


def _parsed(content: bytes | None):
    """A notebook's JSON as data (``None`` when it is not JSON), for :func:`identify`."""
    if content is None:
        return None
    try:
        data = json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def _read(candidate: _Candidate, root: Path) -> None:
    """Read the candidate's notebook once, from the descriptor that was checked."""
    if candidate.path is not None and candidate.unread is None:
        candidate.content, candidate.unread = read_beneath(root, candidate.path)


def _assemble(found: Intake, candidates: list[_Candidate], assignment_ids: list[str], known: list[str],
              duplicates: set[str], root: Path) -> None:
    wanted = list(assignment_ids) or list(known)
    released = _released(wanted)
    groups: dict[tuple[str, str], list[_Candidate]] = {}
    mapped_ids: dict[str, str] = {}
    for candidate in candidates:
        original = candidate.student_id
        mapped, problem = safe_id(original)
        if mapped is None:
            found.problems.append(Problem(printable(original, 80), candidate.assignment_id or "", problem))
            continue
        if mapped != original:  # never a glob pattern or a path in nbgrader: the original is kept beside it
            mapped_ids[printable(original, 80)] = mapped
            candidate.student_id = mapped
            candidate.ref["original_id"] = original
            candidate.notes.append(f"student id {printable(original, 80)!r} is graded as {mapped}")
        assignment_id = candidate.assignment_id
        if assignment_id is not None and id_problem(assignment_id):
            found.problems.append(Problem(candidate.student_id, printable(assignment_id, 80),
                                          "not an assignment: " + id_problem(assignment_id).replace("student id", "name")))
            continue
        _read(candidate, root)
        if assignment_id is None:
            filename = candidate.ref.get("file") or (candidate.path.name if candidate.path else "")
            recognised = identify(_parsed(candidate.content), released, filename, wanted)
            assignment_id = recognised.assignment_id
            named = assignment_for(filename, wanted)
            if assignment_id and recognised.how != "its file name" and named != assignment_id:
                candidate.notes.append(f"graded {printable(filename, 60)} as {assignment_id}{NOTEBOOK_SUFFIX} "
                                       f"(recognised from {recognised.how})")
            if assignment_id is None and len(wanted) == 1:
                assignment_id = wanted[0]
                candidate.notes.append(f"graded {printable(filename, 60)} as {wanted[0]}{NOTEBOOK_SUFFIX}"
                                       if filename else f"missing notebook {wanted[0]}{NOTEBOOK_SUFFIX}")
            if assignment_id is None:
                found.problems.append(Problem(candidate.student_id, "", f"cannot tell which assignment "
                                              f"{printable(filename or 'an empty submission', 80)!r} is for"))
                continue
        elif assignment_ids and assignment_id not in assignment_ids:
            continue
        groups.setdefault((candidate.student_id, assignment_id), []).append(candidate)
    for (student_id, assignment_id), group in sorted(groups.items()):
        group.sort(key=lambda c: (_names(c, assignment_id), c.submitted_at is not None, _sortable(c.submitted_at),
                                  c.order))
        chosen = group[-1]
        notes = list(chosen.notes)
        if len(group) > 1:
            when = f" (submitted {chosen.submitted_at.isoformat(sep=' ')})" if chosen.submitted_at else ""
            newest = printable(chosen.ref.get("file") or (chosen.path.name if chosen.path else "no notebook"), 60)
            notes.append(f"{len(group)} files handed in; graded the newest, {newest}{when}")
        if chosen.path is not None and str(chosen.path) in duplicates:
            notes.append("the archive held two files of this name; graded the first")
        platform = found.layout
        found.submissions.append(HandIn(student_id, assignment_id, chosen.path, chosen.name, chosen.submitted_at,
                                        chosen.late if platform == "canvas" else None, tuple(notes), platform,
                                        tuple(sorted((k, str(v)) for k, v in chosen.ref.items())),
                                        content=chosen.content, unread=chosen.unread or ""))
    _fold_problems(found, mapped_ids)


def _names(candidate: _Candidate, assignment_id: str) -> bool:
    """Whether a candidate's file is named after the assignment (preferred over other notebooks)."""
    filename = candidate.ref.get("file") or (candidate.path.name if candidate.path else "")
    return assignment_for(filename, [assignment_id]) == assignment_id


def _fold_problems(found: Intake, mapped_ids: dict[str, str]) -> None:
    """A problem about a student with exactly one submission becomes a note of that submission
    (``mapped_ids``: the ids graded under another, safe id)."""
    by_student: dict[str, list[int]] = {}
    for index, hand_in in enumerate(found.submissions):
        by_student.setdefault(hand_in.student_id, []).append(index)
    kept = []
    for problem in found.problems:
        if problem.student_id in mapped_ids:
            problem = Problem(mapped_ids[problem.student_id], problem.assignment_id, problem.reason)
        indices = by_student.get(problem.student_id, []) if not problem.assignment_id else []
        if len(indices) != 1:  # none, or several: which one it concerns is unclear
            indices = []
            kept.append(problem)
        for index in indices:
            hand_in = found.submissions[index]
            found.submissions[index] = HandIn(**{**hand_in.__dict__, "notes": hand_in.notes + (problem.reason,)})
    found.problems = kept


def _sortable(when: datetime | None):
    """``when`` as a number to order attempts by (0 for no time, or one that has no number)."""
    if when is None:
        return 0.0
    try:
        return when.timestamp() if when.tzinfo else when.replace(tzinfo=None).timestamp()
    except (ValueError, OverflowError, OSError):
        return 0.0


def _apply_roster(found: Intake, path: Path, assignment_ids: list[str]) -> None:
    from dataclasses import replace

    from autograder.grading.roster import read_roster

    roster = read_roster(path)
    found.roster_kind, found.roster = roster.kind, list(roster.students)
    found.problems += [Problem(sid, "", reason) for sid, reason in roster.problems]
    assignments = sorted(set(assignment_ids) | {s.assignment_id for s in found.submissions}) or []
    handed = set()
    for index, submission in enumerate(found.submissions):
        student = roster.find(submission.get("original_id") or submission.student_id, submission.name)
        if student is None:
            found.submissions[index] = replace(submission, notes=submission.notes + ("not on the roster",))
            continue
        handed.add((student.student_id, submission.assignment_id))
        when = submission.submitted_at or _worksheet_time(student.extra.get("Last modified (submission)", ""))
        found.submissions[index] = replace(submission, name=submission.name or student.name, submitted_at=when,
                                           ref=submission.ref + (("roster_id", student.student_id),))
    for assignment_id in assignments:
        for student in roster.students:
            if (student.student_id, assignment_id) not in handed:
                found.missing.append(Missing(student.student_id, assignment_id, student.name))
    found.notes.append(f"roster ({roster.kind}): {len(roster.students)} students, "
                       f"{len(found.missing)} with nothing handed in")


def _worksheet_time(text: str) -> datetime | None:
    """A Moodle grading worksheet's "Last modified (submission)" (``Monday, 2 March 2026, 10:15 AM``),
    in the Moodle user's time zone, which the worksheet does not name: read as local to the due date."""
    if not text or text.strip() in ("-", ""):
        return None
    try:
        from dateutil import parser

        return parser.parse(text, fuzzy=True)
    except (ValueError, OverflowError):
        return None


# --- the folder layout, as the grader used it before intake() ----------------------------


@dataclass(frozen=True)
class Submission:
    student_id: str
    assignment_id: str
    folder: Path


def unpack(archive: Path, into: Path) -> Path:
    """Extract a zip of the folder layout into ``into`` and return the folder to collect from."""
    extract(archive, into)
    return _unwrap(into)[0]


def collect(submissions: Path, assignment_ids: list[str]) -> list[Submission]:
    """Every ``<student>/<assignment>`` folder, sorted; only ``assignment_ids`` if given."""
    found = []
    for student in _entries(submissions):
        if student.is_dir() and not student.is_symlink():
            for folder in _entries(student):
                wanted = not assignment_ids or folder.name in assignment_ids
                if folder.is_dir() and not folder.is_symlink() and wanted:
                    found.append(Submission(student.name, folder.name, folder))
    return found


def find_notebook(folder: Path, expected_name: str) -> tuple[Path | None, str | None]:
    """The notebook to grade in ``folder`` and a note when it was not named as released."""
    notebooks = [p for p in _safe_files(folder, []) if p.suffix == NOTEBOOK_SUFFIX and p.parent == folder]
    path, note = _pick_folder_notebook(notebooks, expected_name[: -len(NOTEBOOK_SUFFIX)])
    return path, (note if path is not None else None)
