"""Archives and ids as a hostile student (or a broken LMS) makes them: nothing lands outside the
target, nothing is followed through a link, a bad member costs only its own submission, and ids
that would grade another student, become a formula or hide a terminal escape are refused."""
from __future__ import annotations

import io
import os
import stat
import tarfile
import zipfile

import pytest

from autograder.grading.archive import ArchiveLimits, extract, safe_parts
from autograder.grading.collect import intake
from autograder.grading.ids import id_problem
from test_collect_lms import KNOWN, NB, make_zip


@pytest.mark.parametrize("name", ["//tmp/x.ipynb", "/etc/x.ipynb", "../x.ipynb", "a/../../x.ipynb", "C:\\x.ipynb",
                                  "..\\..\\x.ipynb", "a/\x1b[31mred.ipynb"])
def test_member_names_that_leave_the_target_are_refused(name):
    parts, reason = safe_parts(name)
    assert parts is None and reason


def test_backslash_names_are_folders():
    assert safe_parts("ada\\ex02_softmax\\ex02_softmax.ipynb")[0] == ["ada", "ex02_softmax", "ex02_softmax.ipynb"]


@pytest.mark.filterwarnings("ignore:Duplicate name")
def test_bad_members_cost_only_themselves(tmp_path):
    outside = tmp_path / "outside.ipynb"
    archive = make_zip(tmp_path / "a.zip", {
        f"/{outside}": NB, f"//{outside}": NB, "../outside.ipynb": NB,
        "ada\\ex02_softmax\\ex02_softmax.ipynb": NB,
        "bob/ex02_softmax/ex02_softmax.ipynb": NB, "bob/ex02_softmax/ex02_softmax.ipynb ": NB,
    })
    with zipfile.ZipFile(archive, "a") as bundle:  # a duplicate and a symbolic link
        bundle.writestr("bob/ex02_softmax/ex02_softmax.ipynb", b"{}")
        link = zipfile.ZipInfo("cy/ex02_softmax/ex02_softmax.ipynb")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        bundle.writestr(link, "/work/solutions/ex02_softmax/ex02_softmax.ipynb")
    found = intake(archive, tmp_path / "x", assignment_ids=["ex02_softmax"], known_assignments=KNOWN)
    assert not outside.exists() and not (tmp_path / "outside.ipynb").exists()
    assert sorted(s.student_id for s in found.submissions) == ["ada", "bob"]
    bob = next(s for s in found.submissions if s.student_id == "bob")
    assert bob.notebook.read_bytes() == NB and bob.content == NB
    assert any("two files of this name" in note for note in bob.notes)
    reasons = " | ".join(p.reason for p in found.problems)
    assert reasons.count("absolute path") == 2 and "'..'" in reasons and "links" in reasons
    assert "second member with the same path" in " | ".join(bob.notes)  # told on the submission it concerns
    assert not any(p.is_symlink() for p in (tmp_path / "x").rglob("*"))


def test_caps_on_member_size_total_and_count(tmp_path):
    bomb = make_zip(tmp_path / "bomb.zip", {"ada/ex02_softmax/ex02_softmax.ipynb": b"\0" * 5_000_000,
                                            "bob/ex02_softmax/ex02_softmax.ipynb": NB})
    result = extract(bomb, tmp_path / "x", ArchiveLimits(member_bytes=1_000_000))
    assert result.files == ["bob/ex02_softmax/ex02_softmax.ipynb"]
    assert "larger than the limit" in result.problems[0][1]
    assert not (tmp_path / "x" / "ada" / "ex02_softmax" / "ex02_softmax.ipynb").exists()
    many = make_zip(tmp_path / "many.zip", {f"s{i}/ex02_softmax/ex02_softmax.ipynb": NB for i in range(20)})
    result = extract(many, tmp_path / "y", ArchiveLimits(members=5))
    assert len(result.files) == 5 and "more than 5 members" in result.problems[-1][1]
    result = extract(many, tmp_path / "z", ArchiveLimits(total_bytes=3 * len(NB)))
    assert len(result.files) == 3


def test_tar_links_and_devices_are_never_created(tmp_path):
    archive = tmp_path / "a.tar"
    with tarfile.open(archive, "w") as bundle:
        for name, kind in [("ada/ex02_softmax/ex02_softmax.ipynb", tarfile.SYMTYPE),
                           ("bob/ex02_softmax/ex02_softmax.ipynb", tarfile.LNKTYPE),
                           ("cy/dev", tarfile.CHRTYPE)]:
            info = tarfile.TarInfo(name)
            info.type, info.linkname = kind, "/etc/passwd"
            bundle.addfile(info)
        info = tarfile.TarInfo("dee/ex02_softmax/ex02_softmax.ipynb")
        info.size = len(NB)
        bundle.addfile(info, io.BytesIO(NB))
    result = extract(archive, tmp_path / "x")
    assert result.files == ["dee/ex02_softmax/ex02_softmax.ipynb"] and len(result.problems) == 3


def test_links_in_a_submissions_folder_are_not_followed(tmp_path):
    secret = tmp_path / "solution.ipynb"
    secret.write_bytes(NB)
    folder = tmp_path / "class" / "eve" / "ex02_softmax"
    folder.mkdir(parents=True)
    os.symlink(secret, folder / "ex02_softmax.ipynb")
    (tmp_path / "class" / "ada" / "ex02_softmax").mkdir(parents=True)
    (tmp_path / "class" / "ada" / "ex02_softmax" / "ex02_softmax.ipynb").write_bytes(NB)
    found = intake(tmp_path / "class", tmp_path / "x", assignment_ids=[], known_assignments=KNOWN)
    eve = next(s for s in found.submissions if s.student_id == "eve")
    assert eve.notebook is None and any("symbolic link" in n for n in eve.notes)


@pytest.mark.parametrize("raw, fragment", [
    ("ada[1]", "wildcard"), ("ada ", "spaces"), (" ada", "spaces"), ("a\x1b[2Jb", "control"), ("..", "'..'"),
    ("a/b", "separator"), ("=HYPERLINK(1)", "letters"), ("@SUM(A1)", "letters"), ("", "empty"), ("x" * 65, "longer"),
])
def test_bad_student_ids_are_refused_with_a_reason(raw, fragment):
    assert fragment in id_problem(raw)


@pytest.mark.parametrize("good", ["ada", "12345", "jane.doe@example.edu", "anon_Xy9Ab", "s-1+2"])
def test_ordinary_ids_pass(good):
    assert id_problem(good) is None


def test_a_bad_id_is_graded_under_a_safe_one_and_never_becomes_another_student(tmp_path):
    archive = make_zip(tmp_path / "a.zip", {"ada[1]/ex02_softmax/ex02_softmax.ipynb": NB,
                                            "=cmd/ex02_softmax/ex02_softmax.ipynb": NB,
                                            "ada/ex02_softmax/ex02_softmax.ipynb": NB})
    found = intake(archive, tmp_path / "x", assignment_ids=[], known_assignments=KNOWN)
    ids = {s.get("original_id") or s.student_id: s.student_id for s in found.submissions}
    assert set(ids) == {"ada", "ada[1]", "=cmd"} and ids["ada"] == "ada"
    assert all(id_problem(safe) is None for safe in ids.values()) and len(set(ids.values())) == 3
    assert not found.problems


def test_undecodable_member_names_cost_only_their_submission(tmp_path):
    archive = tmp_path / "a.tar"
    with tarfile.open(archive, "w", encoding="utf-8", errors="surrogateescape") as bundle:
        for name in (b"ada\xff/ex02_softmax/ex02_softmax.ipynb".decode("utf-8", "surrogateescape"),
                     "bob/ex02_softmax/ex02_softmax.ipynb"):
            info = tarfile.TarInfo(name)
            info.size = len(NB)
            bundle.addfile(info, io.BytesIO(NB))
    found = intake(archive, tmp_path / "x", assignment_ids=[], known_assignments=KNOWN)
    assert [s.student_id for s in found.submissions] == ["bob"]
    assert [p.student_id for p in found.problems] == ["ada\\udcff"]


def test_odd_assignment_folder_names_are_refused(tmp_path):
    archive = make_zip(tmp_path / "a.zip", {"ada/ex02_softmax /ex02_softmax.ipynb": NB,
                                            "ada/ex\x1b[2J/ex02_softmax.ipynb": NB,
                                            "bob/ex02_softmax/ex02_softmax.ipynb": NB})
    found = intake(archive, tmp_path / "x", assignment_ids=[], known_assignments=KNOWN)
    assert [s.student_id for s in found.submissions] == ["bob"]
    assert ("ex02_softmax ", "not an assignment: name has leading or trailing spaces") in [
        (p.assignment_id, p.reason) for p in found.problems if p.student_id == "ada"]
    assert any("control characters" in p.reason for p in found.problems if p.student_id == "ada")  # when extracted
