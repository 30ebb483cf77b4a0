"""Intake that cannot be starved or raced, and honest inputs it must read right (issue 15,
items 4 and 6): deep and crowded folders cost only their student, a notebook is read once
from the descriptor that was checked, a second run on a work folder is refused, odd dates,
backslash and duplicate members, stray folders and odd ids cost nothing, and a renamed
notebook is recognised from its cells."""
from __future__ import annotations

import json
import os
import zipfile

import nbformat
import pytest

from autograder import course
from autograder.errors import AutograderError
from autograder.fill import filled, reference_answers
from autograder.grading import collect
from autograder.grading.archive import ArchiveLimits, extract
from autograder.grading.collect import intake, read_beneath
from autograder.grading.ids import safe_id
from autograder.grading.ledger import claim_work_folder, hold_work_folder
from autograder.grading.records import SubmissionGrade, read_grades, write_tables
from test_collect_lms import NB, RECEIPT, make_zip

ALL = course.assignment_ids()


def notebook_bytes(assignment_id: str) -> bytes:
    return nbformat.writes(filled(assignment_id, reference_answers(assignment_id))).encode()


def folder_class(root, students: dict[str, dict[str, bytes]]):
    for student, files in students.items():
        for relative, data in files.items():
            path = root / student / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    return root


# --- walks with caps per submission ----------------------------------------------------


def _remove_chain(top, name: str = "d") -> None:
    """Remove a chain of folders ``top/d/d/...`` of any depth without recursion (pytest's own
    clean-up, ``shutil.rmtree``, recurses and would fail on it in every later session)."""
    handles = [os.open(top, os.O_RDONLY)]
    while True:
        try:
            handles.append(os.open(name, os.O_RDONLY | os.O_NOFOLLOW, dir_fd=handles[-1]))
        except FileNotFoundError:
            break
    os.close(handles.pop())
    while handles:
        handle = handles.pop()
        os.rmdir(name, dir_fd=handle)
        os.close(handle)


@pytest.fixture
def deep_class(tmp_path):
    root = folder_class(tmp_path / "class", {"ada": {"ex02_softmax/ex02_softmax.ipynb": NB},
                                             "bob": {"ex02_softmax/ex02_softmax.ipynb": NB}})
    deep = root / "bob" / "ex02_softmax"
    descriptor = os.open(deep, os.O_RDONLY)
    try:  # 1200 levels, made relative to a descriptor (the full path is longer than PATH_MAX)
        for _ in range(1200):
            os.mkdir("d", dir_fd=descriptor)
            inner = os.open("d", os.O_RDONLY, dir_fd=descriptor)
            os.close(descriptor)
            descriptor = inner
    finally:
        os.close(descriptor)
    try:
        yield root
    finally:
        _remove_chain(deep)


def test_a_folder_nested_1200_deep_costs_only_its_student(tmp_path, deep_class):
    root = deep_class
    found = intake(root, tmp_path / "x", assignment_ids=[], known_assignments=ALL)
    students = {s.student_id: s for s in found.submissions}
    assert set(students) == {"ada", "bob"} and students["ada"].content == NB and students["bob"].content == NB
    assert any(f"nested more than {collect.WALK_DEPTH} deep" in n for n in students["bob"].notes)
    assert not any("nested" in n for n in students["ada"].notes)


def test_fifty_thousand_files_of_one_student_cost_only_that_student(tmp_path):
    members = {f"ada/ex02_softmax/junk/{i}.txt": b"" for i in range(50_000)}
    members["ada/ex02_softmax/ex02_softmax.ipynb"] = NB
    members.update({f"s{i:02}/ex02_softmax/ex02_softmax.ipynb": NB for i in range(30)})
    archive = make_zip(tmp_path / "class.zip", members)
    found = intake(archive, tmp_path / "x", assignment_ids=[], known_assignments=ALL)
    ids = sorted(s.student_id for s in found.submissions)
    assert ids == ["ada"] + [f"s{i:02}" for i in range(30)]  # everyone after her is still there
    ada = next(s for s in found.submissions if s.student_id == "ada")
    assert ada.content == NB and any("more files than one submission may hold" in n for n in ada.notes)
    extracted = sum(1 for _ in (tmp_path / "x").rglob("*.txt"))
    assert extracted < ArchiveLimits().members_per_submission + 1


def test_the_member_cap_counts_per_submission_below_a_wrapping_folder(tmp_path):
    members = {f"course/ada/ex02_softmax/{i}.txt": b"" for i in range(30)}
    members.update({"course/ada/ex02_softmax/ex02_softmax.ipynb": NB, "course/bob/ex02_softmax/ex02_softmax.ipynb": NB})
    archive = make_zip(tmp_path / "class.zip", members)
    result = extract(archive, tmp_path / "x", ArchiveLimits(members_per_submission=10, members_per_folder=20))
    assert "course/bob/ex02_softmax/ex02_softmax.ipynb" in result.files
    assert [p for p in result.problems if "more files than one submission" in p[1]][0][0] == "course/ada/ex02_softmax/"


def test_a_crowded_folder_in_a_folder_source_is_walked_only_up_to_the_cap(tmp_path, monkeypatch):
    monkeypatch.setattr(collect, "WALK_ENTRIES", 20)
    files = {f"ex02_softmax/extra/{i}.txt": b"" for i in range(50)}
    root = folder_class(tmp_path / "class", {"ada": {"ex02_softmax/ex02_softmax.ipynb": NB, **files},
                                             "bob": {"ex02_softmax/ex02_softmax.ipynb": NB}})
    found = intake(root, tmp_path / "x", assignment_ids=[], known_assignments=ALL)
    students = {s.student_id: s for s in found.submissions}
    assert students["bob"].content == NB and not any("more than" in n for n in students["bob"].notes)
    assert students["ada"].content == NB and any("more than 20 files and folders" in n for n in students["ada"].notes)


# --- read once, from the descriptor that was checked -----------------------------------


def test_a_notebook_swapped_for_a_link_after_intake_is_never_read_through_it(tmp_path):
    mine, theirs = notebook_bytes("ex02_softmax"), b'{"classmate": true}'
    root = folder_class(tmp_path / "class", {"eve": {"ex02_softmax/ex02_softmax.ipynb": mine},
                                             "amy": {"ex02_softmax/ex02_softmax.ipynb": theirs}})
    found = intake(root, tmp_path / "x", assignment_ids=[], known_assignments=ALL)
    eve = next(s for s in found.submissions if s.student_id == "eve")
    eve.notebook.unlink()
    eve.notebook.symlink_to(root / "amy" / "ex02_softmax" / "ex02_softmax.ipynb")
    assert eve.content == mine  # what grading uses: the bytes read at intake, never the path again
    assert read_beneath(root, eve.notebook) == (None, "it was replaced by a symbolic link after it was found")


def test_a_folder_swapped_for_a_link_is_refused_too(tmp_path):
    root = folder_class(tmp_path / "class", {"amy": {"ex02_softmax/ex02_softmax.ipynb": NB}})
    (root / "eve").mkdir()
    (root / "eve" / "ex02_softmax").symlink_to(root / "amy" / "ex02_softmax")
    content, why = read_beneath(root, root / "eve" / "ex02_softmax" / "ex02_softmax.ipynb")
    assert content is None and "symbolic link" in why
    fifo = root / "amy" / "pipe.ipynb"
    os.mkfifo(fifo)
    assert read_beneath(root, fifo) == (None, "it is not a regular file")
    assert read_beneath(root, root / "amy" / "ex02_softmax" / "ex02_softmax.ipynb", limit=10)[1].startswith(
        "it is larger than")


def test_the_job_is_built_from_the_bytes_intake_read(tmp_path, monkeypatch):
    from autograder.grading import run
    from autograder.grading.judge import Limits
    from autograder.grading.ledger import Ledger

    mine = notebook_bytes("ex02_softmax")
    root = folder_class(tmp_path / "class", {"eve": {"ex02_softmax/ex02_softmax.ipynb": mine}})
    found = intake(root, tmp_path / "x", assignment_ids=[], known_assignments=ALL)
    hand_in = found.submissions[0]
    hand_in.notebook.unlink()
    hand_in.notebook.write_bytes(b"swapped")
    work = claim_work_folder(tmp_path / "work")
    releases = {a: course.released_notebook(a).read_bytes() for a in ALL}
    job, *_ = run._job_for(hand_in, releases, Limits(), False, Ledger(work), False, None)
    assert json.loads(job.content)["cells"]  # the notebook read at intake (normalised), not "swapped"


# --- one grade at a time per work folder -----------------------------------------------


def test_a_second_grade_on_the_same_work_folder_stops_with_one_line(tmp_path):
    work = claim_work_folder(tmp_path / "work")
    with hold_work_folder(work):
        with pytest.raises(AutograderError) as refused:
            with hold_work_folder(work):
                pass
        message = str(refused.value)
        assert "another grade run" in message and str(os.getpid()) in message and "\n" not in message
    with hold_work_folder(work):  # released: the next run goes ahead
        pass


def test_a_second_grade_process_is_refused_before_it_touches_anything(tmp_path):
    import subprocess
    import sys

    work = claim_work_folder(tmp_path / "out" / "work")
    (tmp_path / "class" / "ada" / "ex02_softmax").mkdir(parents=True)
    (tmp_path / "class" / "ada" / "ex02_softmax" / "ex02_softmax.ipynb").write_bytes(NB)
    with hold_work_folder(work):
        second = subprocess.run([sys.executable, "-m", "autograder", "grade", str(tmp_path / "class"), "--out",
                                 str(tmp_path / "out"), "--no-sandbox"], capture_output=True, text=True,
                                cwd=course.ROOT, timeout=300)
    assert second.returncode == 2, second.stderr
    assert second.stderr.strip().count("\n") == 0 and "another grade run" in second.stderr
    assert not (work / "ledger.json").exists()


# --- honest inputs ---------------------------------------------------------------------


@pytest.mark.parametrize("date", ["Monday, March 2, 2026 10:15:00 AM +2500", "Monday, March 2, 2026 UTC+25",
                                  "Montag, 2. März 2026 10:15 Uhr MEZ 99"])
def test_an_unreadable_blackboard_date_is_a_note_on_that_submission(tmp_path, date):
    ts = "2026-03-02-10-15-00"
    receipt = RECEIPT.format(ts=ts).replace("Monday, 2 March 2026 10:15:00 o'clock UTC", date)
    archive = make_zip(tmp_path / "bb.zip", {
        f"Exercise 2_jdoe7_attempt_{ts}_ex02_softmax.ipynb": NB, f"Exercise 2_jdoe7_attempt_{ts}.txt": receipt.encode(),
        f"Exercise 2_jdoe7_attempt_2026-03-01-09-00-00_ex02_softmax.ipynb": NB,
        f"Exercise 2_bsmith_attempt_{ts}_ex02_softmax.ipynb": NB})
    found = intake(archive, tmp_path / "x", assignment_ids=["ex02_softmax"], known_assignments=ALL)
    students = {s.student_id: s for s in found.submissions}
    assert set(students) == {"jdoe7", "bsmith"}
    jane = students["jdoe7"]
    assert ts in jane.notebook.name and jane.submitted_at.isoformat() == "2026-03-02T10:15:00"
    assert any("could not be read; used the attempt's time" in n for n in jane.notes)


def test_sortable_never_raises():
    from datetime import datetime, timedelta, timezone

    class Odd(timezone.__base__):
        def utcoffset(self, dt):
            return timedelta(hours=30)

    assert collect._sortable(datetime(2026, 1, 1, tzinfo=Odd())) == 0.0


def test_a_zip_with_backslash_names_and_folder_entries_is_read_as_its_folders(tmp_path):
    archive = tmp_path / "windows.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        for name in ("ada\\", "ada\\ex02_softmax\\", "bob\\", "bob\\ex02_softmax\\"):
            info = zipfile.ZipInfo(name)
            info.external_attr = 0x10  # the MS-DOS folder bit, as Windows' own zip writes it
            bundle.writestr(info, b"")
        bundle.writestr("ada\\ex02_softmax\\ex02_softmax.ipynb", NB)
        bundle.writestr("bob\\ex02_softmax\\ex02_softmax.ipynb", NB)
    found = intake(archive, tmp_path / "x", assignment_ids=[], known_assignments=ALL)
    assert sorted((s.student_id, s.assignment_id) for s in found.submissions) == [
        ("ada", "ex02_softmax"), ("bob", "ex02_softmax")]
    assert all(s.content == NB for s in found.submissions)


@pytest.mark.filterwarnings("ignore:Duplicate name")
def test_a_duplicate_member_is_reported_on_its_submission(tmp_path):
    archive = make_zip(tmp_path / "a.zip", {"ada/ex02_softmax/ex02_softmax.ipynb": NB})
    with zipfile.ZipFile(archive, "a") as bundle:
        bundle.writestr("ada\\ex02_softmax\\ex02_softmax.ipynb", b"{}")
    found = intake(archive, tmp_path / "x", assignment_ids=[], known_assignments=ALL)
    ada, = found.submissions
    assert ada.content == NB
    assert any("two files of this name" in n for n in ada.notes)
    assert any("second member with the same path" in n for n in ada.notes)


def test_a_stray_top_level_folder_does_not_make_everyone_unknown(tmp_path):
    archive = make_zip(tmp_path / "a.zip", {
        "submissions/ada/ex02_softmax/ex02_softmax.ipynb": NB, "submissions/bob/ex02_softmax/ex02_softmax.ipynb": NB,
        "notes/readme.txt": b"grading notes", "instructions.pdf": b"%PDF"})
    found = intake(archive, tmp_path / "x", assignment_ids=[], known_assignments=ALL)
    assert sorted((s.student_id, s.assignment_id) for s in found.submissions) == [
        ("ada", "ex02_softmax"), ("bob", "ex02_softmax")]
    assert any("'submissions'" in n and "notes" in n for n in found.notes)


@pytest.mark.parametrize("raw", ["Ada [1815]", "ada ", "a*b?", "{x}"])
def test_odd_student_ids_are_graded_under_a_safe_id_with_the_original_kept(tmp_path, raw):
    archive = make_zip(tmp_path / "a.zip", {f"{raw}/ex02_softmax/ex02_softmax.ipynb": NB,
                                            "ada/ex02_softmax/ex02_softmax.ipynb": NB})
    found = intake(archive, tmp_path / "x", assignment_ids=[], known_assignments=ALL)
    mapped = next(s for s in found.submissions if s.get("original_id") == raw)
    assert mapped.student_id == safe_id(raw)[0] and mapped.student_id != "ada"
    assert not any(c in mapped.student_id for c in "[]*?{} ")
    assert any(repr(raw) in n for n in mapped.notes) and mapped.content == NB


def test_the_original_id_is_a_column_of_the_tables(tmp_path):
    write_tables(tmp_path, [SubmissionGrade("Ada_1815-328f2a54", "ex02_softmax", 1.0, 20.0, "graded",
                                            original_id="Ada [1815]")])
    row, = read_grades(tmp_path / "grades.csv")
    assert row.original_id == "Ada [1815]" and "original_id" in (tmp_path / "grades.csv").read_text().splitlines()[0]


def test_safe_ids_keep_different_originals_apart_and_refuse_only_unprintable_ones():
    assert safe_id("ada") == ("ada", None)
    assert safe_id("ada ")[0] != safe_id(" ada")[0] != safe_id("ada")[0]
    assert safe_id("")[0] is None and safe_id("a\x1bb")[0] is None and safe_id("ada\udcff")[0] is None


# --- the assignment from what the notebook holds ---------------------------------------


@pytest.mark.parametrize("name", ["Copy of ex02_softmax.ipynb", "ex02_softmax-Copy1.ipynb", "ex02_softmax_final.ipynb",
                                  "Untitled.ipynb", "homework.ipynb"])
def test_a_renamed_notebook_in_a_flat_download_is_recognised_from_its_cells(tmp_path, name):
    content = notebook_bytes("ex02_softmax")
    archive = make_zip(tmp_path / "canvas.zip", {f"doejane_1234_5678_{name}": content,
                                                 "smithbob_1235_5679_ex01_vector_activations.ipynb":
                                                     notebook_bytes("ex01_vector_activations")})
    found = intake(archive, tmp_path / "x", assignment_ids=[], known_assignments=ALL)
    assert sorted((s.student_id, s.assignment_id) for s in found.submissions) == [
        ("1234", "ex02_softmax"), ("1235", "ex01_vector_activations")]


def test_the_cells_win_over_a_misleading_name_and_pick_among_several_notebooks(tmp_path):
    ex02 = notebook_bytes("ex02_softmax")
    archive = make_zip(tmp_path / "canvas.zip", {"doejane_1234_5678_ex01_vector_activations.ipynb": ex02})
    found = intake(archive, tmp_path / "x", assignment_ids=[], known_assignments=ALL)
    jane, = found.submissions
    assert jane.assignment_id == "ex02_softmax" and any("recognised from its cells" in n for n in jane.notes)
    ex03 = notebook_bytes("ex03_relu_subgradients")
    root = folder_class(tmp_path / "class", {"ada": {"ex02_softmax/Untitled.ipynb": ex03,
                                                     "ex02_softmax/Copy of mine.ipynb": ex02}})
    ada, = intake(root, tmp_path / "y", assignment_ids=[], known_assignments=ALL).submissions
    assert ada.notebook.name == "Copy of mine.ipynb" and ada.content == ex02


# --- honest nbformat dialects ----------------------------------------------------------


def _dialects():
    base = json.loads(notebook_bytes("ex02_softmax"))
    without_ids = json.loads(json.dumps(base))
    without_ids["nbformat_minor"] = 4
    for cell in without_ids["cells"]:
        cell.pop("id")
    with_ids = {**json.loads(json.dumps(base)), "nbformat_minor": 4}
    duplicate = json.loads(json.dumps(base))
    duplicate["cells"][4]["id"] = duplicate["cells"][3]["id"]
    newer = json.loads(json.dumps(base))
    newer["nbformat_minor"] = 9
    newer["cells"][0]["added_in_4_9"] = {"x": 1}
    v3 = json.loads(nbformat.writes(nbformat.convert(nbformat.from_dict(without_ids), 3), version=3))
    return {"4.4 without ids": without_ids, "4.4 with ids": with_ids, "duplicate ids": duplicate, "4.9": newer,
            "v3": v3}


@pytest.mark.parametrize("dialect", list(_dialects()))
def test_honest_dialects_are_normalised_to_the_same_notebook(dialect):
    from autograder.grading.sanitize import parse_notebook, sanitize
    from autograder.recognise import normalise

    released = nbformat.read(course.released_notebook("ex02_softmax"), 4)
    reference = sanitize(parse_notebook(notebook_bytes("ex02_softmax")), released)
    normalised = normalise(json.dumps(_dialects()[dialect]).encode())
    assert normalised is not None
    graded = sanitize(parse_notebook(normalised), released)
    assert graded.notes == [] and [c.source for c in graded.notebook.cells] == [
        c.source for c in reference.notebook.cells]
    assert len({c.id for c in nbformat.reads(normalised, 4).cells}) == len(released.cells)


def test_normalise_leaves_what_is_not_a_notebook_to_be_reported():
    from autograder.recognise import normalise

    assert normalise(b"{not json") is None and normalise(b'{"cells": 1}') is None and normalise(b"\xff") is None


# --- graded end to end: odd but honest inputs get the honest notebook's marks ----------


@pytest.mark.slow
def test_an_odd_id_a_renamed_old_dialect_and_an_edited_import_are_graded_like_the_original(tmp_path, perfect):
    """``Ada [1815]`` hands in ``Copy of ex02_softmax.ipynb`` as nbformat 4.4 with cell ids and an
    import added to the locked imports cell; ``ada`` hands in the same notebook as released.
    Both get the same marks, Ada's row keeps her id as handed in, and the status says what was put back."""
    import subprocess
    import sys

    from conftest import read_rows

    honest = json.loads(nbformat.writes(perfect))
    odd = json.loads(json.dumps(honest))
    odd["nbformat_minor"] = 4
    for cell in odd["cells"]:
        if cell["metadata"]["nbgrader"]["grade_id"] == "imports":
            cell["source"] = "".join(cell["source"]) + "\nimport math"
    root = folder_class(tmp_path / "class", {
        "ada": {"ex02_softmax/ex02_softmax.ipynb": json.dumps(honest).encode()},
        "Ada [1815]": {"ex02_softmax/Copy of ex02_softmax.ipynb": json.dumps(odd).encode()}})
    out = tmp_path / "out"
    run = subprocess.run([sys.executable, "-m", "autograder", "grade", str(root), "--out", str(out),
                          "--jobs", "2"], capture_output=True, text=True, timeout=900, cwd=course.ROOT)
    assert run.returncode == 0, run.stderr[-2000:]
    rows = {row["student_id"]: row for row in read_rows(out / "grades.csv")}
    mapped = safe_id("Ada [1815]")[0]
    assert set(rows) == {"ada", mapped}
    assert rows[mapped]["original_id"] == "Ada [1815]" and rows["ada"]["original_id"] == ""
    assert rows[mapped]["score"] == rows["ada"]["score"] and float(rows["ada"]["score"]) == 16
    assert "restored edited locked cells: imports" in rows[mapped]["status"]
    assert "restored" not in rows["ada"]["status"]
    feedback = (out / "feedback" / mapped / "ex02_softmax" / "ex02_softmax.html").read_text()
    assert "it was graded as released" in feedback
    honest_page = (out / "feedback" / "ada" / "ex02_softmax" / "ex02_softmax.html").read_text()
    assert "it was graded as released" not in honest_page
