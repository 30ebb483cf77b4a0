"""Extract a class's archive (zip, or tar of any compression) as hostile input.

- Members are streamed to disk in chunks; what counts is the bytes actually written, never the
  sizes the archive claims, so a zip bomb stops at the caps: each member, the whole archive,
  and the number of members (:class:`ArchiveLimits`).
- The number of members is also capped per submission, so one student's 50,000 tiny files
  cost only that student: below the folders that wrap the whole archive, each top-level
  folder (a student, or a wrapper of students) and each folder inside it (a student's
  assignment, or a student) has its own cap; what is over it is skipped and reported once
  per folder, and the members of everyone else are still extracted.
- Every path stays inside the target: backslashes are read as folder separators (archives made
  on Windows, whose folder entries end in a backslash), and a member named absolutely (``/x``,
  ``//x``, ``C:x``), with ``..``, with control characters, with an over-long name or nested
  deeper than :attr:`ArchiveLimits.depth` folders is refused.
- Links, devices and other special members are never created, and files are opened with
  ``O_NOFOLLOW | O_EXCL``, so nothing is written through a link.
- A bad member (refused, corrupt, encrypted, too big) is skipped and reported; it costs only
  the submission it belonged to. A second member with the same path is reported and does not
  replace the first.
"""
from __future__ import annotations

import os
import stat
import tarfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from autograder.errors import AutograderError
from autograder.grading.records import printable

CHUNK = 1 << 20
#: Notebooks one folder of a submission may hold (counted apart from its other files).
NOTEBOOKS_PER_FOLDER = 100


@dataclass(frozen=True)
class ArchiveLimits:
    member_bytes: int = 100 * 1024**2
    total_bytes: int = 4 * 1024**3
    members: int = 50_000
    name_bytes: int = 255  # per path component, as most file systems allow
    depth: int = 32  # folders in a member's path
    #: Members under one folder two levels below the archive's wrapping folders, and one level below.
    members_per_submission: int = 2_000
    members_per_folder: int = 10_000


@dataclass
class Extracted:
    """What came out of an archive: files by their path relative to the target, and what did not."""

    root: Path
    files: list[str] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (member name, printable; reason)
    duplicates: set[str] = field(default_factory=set)

    def refuse(self, name: str, reason: str) -> None:
        self.problems.append((printable(name, 200), reason))


def is_archive(path: Path) -> bool:
    return path.is_file() and (zipfile.is_zipfile(path) or _is_tar(path))


def _is_tar(path: Path) -> bool:
    try:
        return tarfile.is_tarfile(path)
    except (OSError, tarfile.TarError):
        return False


def safe_parts(name: str, limits: ArchiveLimits = ArchiveLimits()) -> tuple[list[str] | None, str | None]:
    """The path components of a member name inside the target, or ``None`` and why not."""
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in name):
        return None, "name contains control characters"
    name = name.replace("\\", "/")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":" and name[0].isalpha()):
        return None, "absolute path"
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if ".." in parts:
        return None, "path leaves the folder ('..')"
    if not parts:
        return None, "empty name"
    if len(parts) > limits.depth + 1:
        return None, f"nested more than {limits.depth} folders deep"
    if any(len(p.encode("utf-8", "surrogateescape")) > limits.name_bytes for p in parts):
        return None, "name too long"
    return parts, None


def extract(archive: Path, into: Path, limits: ArchiveLimits = ArchiveLimits()) -> Extracted:
    """Extract ``archive`` into the folder ``into`` (created if needed), within ``limits``."""
    into.mkdir(parents=True, exist_ok=True)
    result = Extracted(into)
    if zipfile.is_zipfile(archive):
        try:
            with zipfile.ZipFile(archive) as bundle:
                _members(result, list(_zip_members(bundle)), limits)
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise AutograderError(f"{archive} is not a readable zip file: {printable(exc)}") from None
    elif _is_tar(archive):
        try:
            with tarfile.open(archive, mode="r:*") as bundle:
                _members(result, _tar_members(bundle, limits), limits)
        except (tarfile.TarError, OSError, EOFError) as exc:
            result.refuse(archive.name, f"archive ends early or is corrupt after this point: {printable(exc)}")
    else:
        raise AutograderError(f"{archive} is neither a folder nor a zip or tar archive")
    return result


def _zip_members(bundle: zipfile.ZipFile):
    for info in bundle.infolist():
        mode = info.external_attr >> 16
        folder = info.is_dir() or info.filename.endswith("\\") or bool(info.external_attr & 0x10)  # MS-DOS folder bit
        kind = "dir" if folder else "file"
        if stat.S_IFMT(mode) and not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):
            kind = "link" if stat.S_ISLNK(mode) else "special"
        yield info.filename, kind, (lambda info=info: bundle.open(info))


def _tar_members(bundle: tarfile.TarFile, limits: ArchiveLimits) -> list:
    """The members' names, kinds and openers; the headers are read first (at most a few times
    the member cap), so that the per-submission caps know the archive's wrapping folders."""
    found = []
    for info in bundle:
        found.append(_tar_member(bundle, info))
        if len(found) > 4 * limits.members:
            break
    return found


def _tar_member(bundle: tarfile.TarFile, info: tarfile.TarInfo):
    if info.isdir():
        kind = "dir"
    elif info.isreg():
        kind = "file"
    else:
        kind = "link" if info.issym() or info.islnk() else "special"
    return info.name, kind, (lambda info=info: bundle.extractfile(info))


def _wrapping(members: list, limits: ArchiveLimits) -> int:
    """How many leading folders every file of the archive is in (ignoring ``__MACOSX`` and
    hidden entries)."""
    common: list[str] | None = None
    for name, kind, _ in members:
        parts, _ = safe_parts(name, limits)
        if kind != "file" or not parts or parts[0] == "__MACOSX" or parts[0].startswith("."):
            continue
        folders = parts[:-1]
        if common is None:
            common = folders
        else:
            same = 0
            while same < min(len(common), len(folders)) and common[same] == folders[same]:
                same += 1
            common = common[:same]
        if not common:
            return 0
    return len(common or [])


def _members(result: Extracted, members: list, limits: ArchiveLimits) -> None:
    total = count = 0
    seen: set[str] = set()
    wrap = _wrapping(members, limits)
    per_folder: dict[tuple, int] = {}
    skipped: dict[str, int] = {}
    for name, kind, opener in members:
        if kind == "dir":
            continue
        if kind != "file":
            result.refuse(name, "links and special files are not extracted")
            continue
        parts, reason = safe_parts(name, limits)
        if parts is None:
            result.refuse(name, reason)
            continue
        over = _over_cap(parts, wrap, per_folder, limits)
        if over:
            skipped[over] = skipped.get(over, 0) + 1
            continue
        count += 1
        if count > limits.members:
            result.refuse(name, f"more than {limits.members} members in the archive: the rest were not extracted")
            break
        relative = "/".join(parts)
        if relative in seen:
            result.duplicates.add(relative)
            result.refuse(name, "a second member with the same path; the first one was kept")
            continue
        seen.add(relative)
        if total >= limits.total_bytes:
            result.refuse(name, f"the archive holds more than {limits.total_bytes} bytes: the rest were not extracted")
            return
        written, reason = _write(result.root, parts, opener, min(limits.member_bytes, limits.total_bytes - total))
        total += written
        if reason:
            result.refuse(name, reason)
        else:
            result.files.append(relative)
    for folder, number in skipped.items():
        result.refuse(folder + "/", f"more files than one submission may hold: {number} of them were not extracted")


def _over_cap(parts: list[str], wrap: int, per_folder: dict, limits: ArchiveLimits) -> str | None:
    """The folder whose cap this member is over (``None``: within every cap); counts it.
    Notebooks are counted apart (up to :data:`NOTEBOOKS_PER_FOLDER`), so that other files
    that come first in the archive cannot crowd out the notebook of the submission."""
    inner = parts[wrap:-1]
    notebook = parts[-1].endswith(".ipynb")
    caps = ((1, NOTEBOOKS_PER_FOLDER if notebook else limits.members_per_folder),
            (2, NOTEBOOKS_PER_FOLDER if notebook else limits.members_per_submission))
    keys = [(notebook, *parts[: wrap + depth]) for depth, _ in caps if len(inner) >= depth]
    for key, (_, cap) in zip(keys, caps):
        if per_folder.get(key, 0) >= cap:
            return "/".join(key[1:])
    for key in keys:
        per_folder[key] = per_folder.get(key, 0) + 1
    return None


def _write(root: Path, parts: list[str], opener, cap: int) -> tuple[int, str | None]:
    folder = root
    for part in parts[:-1]:
        folder = folder / part
        if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
            return 0, "a file of the archive is in the way of this member's folder"
        try:
            folder.mkdir(exist_ok=True)
        except OSError as exc:
            return 0, f"its folder cannot be made: {printable(exc.strerror)}"
    target = folder / parts[-1]
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        descriptor = os.open(target, flags, 0o600)
    except FileExistsError:
        return 0, "a folder of the archive has this member's name"
    except OSError as exc:
        return 0, f"cannot be written: {printable(exc.strerror)}"
    written = 0
    try:
        with os.fdopen(descriptor, "wb") as sink, opener() as source:
            while True:
                chunk = source.read(CHUNK)
                if not chunk:
                    break
                written += len(chunk)
                if written > cap:
                    raise _TooBig()
                sink.write(chunk)
        return written, None
    except _TooBig:
        target.unlink(missing_ok=True)
        return written, f"larger than the limit of {cap} bytes"
    except RuntimeError as exc:  # zipfile: encrypted member
        target.unlink(missing_ok=True)
        return written, f"cannot be read: {printable(exc)}"
    except Exception as exc:  # corrupt data: bad CRC, truncated stream, bad compression
        target.unlink(missing_ok=True)
        return written, f"corrupt in the archive: {type(exc).__name__}"


class _TooBig(Exception):
    pass
