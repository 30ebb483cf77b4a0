"""The gradebook is the course's record: runs add to it, manual grades survive every regrade,
an interrupted run keeps what it finished, and where the work ran changes nothing."""
from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import pytest
from nbgrader.api import Gradebook

from autograder import AutograderError, course
from autograder.fill import filled
from autograder.grading import ledger as ledger_module
from autograder.grading.judge import Limits
from autograder.grading.run import grade
from conftest import ASSIGNMENT, read_rows, write_submission
from tests.catalogue.ex02_softmax import MISTAKES

LIMITS = Limits(cell_timeout=10)
WRONG_SOFTMAX = filled(ASSIGNMENT, {"softmax": next(iter(MISTAKES["softmax"].values()))})


def _give_manual_grade(work, student, score, comment):
    with Gradebook(course.gradebook_url(work)) as gradebook:
        gradebook.find_grade("proof", ASSIGNMENT, ASSIGNMENT, student).manual_score = score
        gradebook.find_comment("proof", ASSIGNMENT, ASSIGNMENT, student).manual_comment = comment
        gradebook.db.commit()


def _manual(work, student):
    with Gradebook(course.gradebook_url(work)) as gradebook:
        return (gradebook.find_grade("proof", ASSIGNMENT, ASSIGNMENT, student).manual_score,
                gradebook.find_comment("proof", ASSIGNMENT, ASSIGNMENT, student).manual_comment)


def _scores(out):
    return {row["student_id"]: float(row["score"]) for row in read_rows(out / "grades.csv")}


@pytest.mark.slow
def test_manual_grades_survive_a_regrade_of_one_of_everyone_and_a_check_fix(tmp_path, perfect, monkeypatch, caplog):
    folder, out = tmp_path / "class", tmp_path / "out"
    write_submission(folder, "ada", perfect)
    write_submission(folder, "bob", WRONG_SOFTMAX)
    grade(folder, out, limits=LIMITS, jobs=2)
    work = out / "work"
    _give_manual_grade(work, "ada", 3.5, "clear argument")

    caplog.set_level("INFO", logger="autograder")
    grade(folder, out, limits=LIMITS)  # nothing changed: nothing is graded again, the tables are rewritten
    assert "2 submissions unchanged" in caplog.text
    assert _scores(out)["ada"] == 16 + 3.5

    write_submission(folder, "bob", perfect)  # a resubmission is graded, the other is not
    grade(folder, out, limits=LIMITS)
    assert _scores(out) == {"ada": 19.5, "bob": 16}

    grade(folder, out, limits=LIMITS, students=["ada"], regrade=True)
    assert _manual(work, "ada") == (3.5, "clear argument")

    monkeypatch.setattr(ledger_module, "checks_fingerprint", lambda assignment_id: "the checks were fixed")
    caplog.clear()
    grade(folder, out, limits=LIMITS)
    assert "unchanged" not in caplog.text
    assert _manual(work, "ada") == (3.5, "clear argument")
    assert _scores(out) == {"ada": 19.5, "bob": 16}


@pytest.mark.slow
def test_an_interrupted_run_keeps_what_it_finished_and_the_next_run_grades_the_rest(tmp_path, answers):
    folder, out = tmp_path / "class", tmp_path / "out"
    slow = filled(ASSIGNMENT, {**answers, "softmax": "import time\ntime.sleep(4)\n" +
                               "def softmax(z, axis=-1):\n    z = np.asarray(z, dtype=float)\n"
                               "    e = np.exp(z - z.max(axis=axis, keepdims=True))\n"
                               "    return e / e.sum(axis=axis, keepdims=True)"})
    students = [f"s{i}" for i in range(4)]
    for student in students:
        write_submission(folder, student, slow)
    command = [sys.executable, "-m", "autograder", "grade", str(folder), "--out", str(out), "--jobs", "1"]
    process = subprocess.Popen(command, cwd=course.ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    work = out / "work"
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and _graded_count(work) < 1:
        time.sleep(0.2)
    process.send_signal(signal.SIGINT)
    interrupted = time.monotonic()
    _, stderr = process.communicate(timeout=60)
    assert time.monotonic() - interrupted < 15
    assert process.returncode != 0
    assert "run the same command again" in stderr
    done = _graded_count(work)
    assert 1 <= done < len(students)

    second = subprocess.run(command, cwd=course.ROOT, capture_output=True, text=True, timeout=600)
    assert second.returncode == 0, second.stderr[-2000:]
    assert f"{done} submission" in second.stderr and "unchanged" in second.stderr
    assert _scores(out) == {student: 16.0 for student in students}


def _graded_count(work) -> int:
    """How many submissions the ledger calls graded (read as the run appends to it)."""
    return sum(entry.graded for entry in ledger_module.Ledger(work))


@pytest.mark.slow
def test_a_dask_cluster_gives_the_same_grades_as_the_local_pool(tmp_path, perfect):
    from distributed import LocalCluster

    folder = tmp_path / "class"
    write_submission(folder, "ada", perfect)
    write_submission(folder, "bob", WRONG_SOFTMAX)
    grade(folder, tmp_path / "local", limits=LIMITS, jobs=2)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        grade(folder, tmp_path / "dask", limits=LIMITS, scheduler=cluster.scheduler_address)
    assert read_rows(tmp_path / "local" / "grades.csv") == read_rows(tmp_path / "dask" / "grades.csv")
    assert read_rows(tmp_path / "local" / "cells.csv") == read_rows(tmp_path / "dask" / "cells.csv")


def test_forged_grading_metadata_earns_nothing(tmp_path, perfect):
    import copy

    import nbformat

    notebook = copy.deepcopy(perfect)
    for cell in notebook.cells:
        info = cell.metadata.get("nbgrader", {})
        if info.get("grade_id") == "softmax":
            cell.source = "def softmax(z, axis=-1):\n    return z"
            info["points"] = 100  # worth more, says the student
    notebook.cells.append(nbformat.v4.new_code_cell(
        "0", metadata={"nbgrader": {"grade": True, "grade_id": "bonus-hidden", "points": 50, "solution": False,
                                    "locked": False}}))
    write_submission(tmp_path / "class", "eve", notebook)
    results = grade(tmp_path / "class", tmp_path / "out", limits=LIMITS)
    assert results[0].max_score == 20 and results[0].score < 16
    assert {row["grade_id"] for row in read_rows(tmp_path / "out" / "cells.csv")} >= {"softmax-hidden"}
    assert "bonus-hidden" not in {row["grade_id"] for row in read_rows(tmp_path / "out" / "cells.csv")}


# --- the ledger: appended, compacted, never lost ---------------------------------------------


def _entry(student, status="graded", fingerprint="f"):
    return ledger_module.Entry(student, ASSIGNMENT, fingerprint, status, 20.0, graded=status == "graded",
                               extra={"name": student.title()})


def _ledger_of(work, count):
    """A compacted ledger of ``count`` graded submissions (``ledger.json``, as a compaction or
    the single-file ledger of earlier versions writes it)."""
    from dataclasses import asdict

    entries = {ledger_module.Ledger.key(f"s{i:05d}", ASSIGNMENT): asdict(_entry(f"s{i:05d}")) for i in range(count)}
    (work / ledger_module.LEDGER).write_text(json.dumps({"submissions": entries, "assignments": {}}, indent=1))
    return ledger_module.Ledger(work)


@pytest.mark.parametrize("count", [100, 5000])
def test_recording_appends_one_line_and_rewrites_nothing_whatever_the_ledger_holds(tmp_path, monkeypatch, count):
    ledger = _ledger_of(tmp_path, count)
    snapshot = tmp_path / ledger_module.LEDGER
    before = snapshot.stat()
    monkeypatch.setattr(ledger_module, "atomic_write", lambda *args: pytest.fail("the ledger was rewritten"))
    ledger.record(_entry("new", fingerprint="g"))
    ledger.record(_entry("new", fingerprint="h"))
    journal = (tmp_path / ledger_module.JOURNAL).read_bytes()
    assert journal.count(b"\n") == 2 and len(journal) < 400  # two lines, the same size in any class
    assert snapshot.stat().st_mtime_ns == before.st_mtime_ns and snapshot.stat().st_ino == before.st_ino
    again = ledger_module.Ledger(tmp_path)
    assert len(again.entries) == count + 1 and again.entries[again.key("new", ASSIGNMENT)].fingerprint == "h"


def test_a_torn_last_line_is_ignored_then_cut_off_and_compaction_keeps_every_entry(tmp_path):
    ledger = _ledger_of(tmp_path, 2)
    ledger.record(_entry("ada", fingerprint="after"))
    journal = tmp_path / ledger_module.JOURNAL
    with journal.open("ab") as handle:
        handle.write(b'{"submission":{"student_id":"bob","assign')  # a kill in the middle of an append
    read = ledger_module.Ledger(tmp_path)
    assert [e.student_id for e in read] == ["ada", "s00000", "s00001"]
    assert read.entries[read.key("ada", ASSIGNMENT)].fingerprint == "after"
    read.record(_entry("cy"))  # appended after the whole lines, never after the torn one
    assert [e.student_id for e in ledger_module.Ledger(tmp_path)] == ["ada", "cy", "s00000", "s00001"]
    read.compact()
    assert not journal.exists()
    assert sorted(json.loads((tmp_path / ledger_module.LEDGER).read_text())["submissions"]) == sorted(read.entries)


def test_a_ledger_of_the_single_file_kind_is_read_and_kept(tmp_path):
    ledger = _ledger_of(tmp_path, 1)
    assert ledger.unchanged("s00000", ASSIGNMENT, "f")
    ledger.prepared(ASSIGNMENT, "source")
    ledger.record(_entry("bob"))
    ledger.compact()
    again = ledger_module.Ledger(tmp_path)
    assert [e.student_id for e in again] == ["bob", "s00000"] and again.assignments == {ASSIGNMENT: "source"}


def test_a_damaged_whole_line_is_an_error_not_a_lost_grade(tmp_path):
    _ledger_of(tmp_path, 1).record(_entry("ada"))
    with (tmp_path / ledger_module.JOURNAL).open("ab") as handle:
        handle.write(b"not json\n")
    with pytest.raises(AutograderError, match="damaged"):
        ledger_module.Ledger(tmp_path)
