"""A class handed in as an LMS zip grades the same as the folder, grading twice agrees, and
the run survives its own failures without harming anything around it."""
import shutil
import zipfile

import pytest

from autograder import AutograderError
from autograder.fill import filled
from autograder.grading.collect import unpack
from autograder.grading.judge import Limits
from autograder.grading.run import grade
from tests.catalogue.ex02_softmax import MISTAKES
from conftest import ASSIGNMENT, read_rows, write_submission


def _rows(out):
    return read_rows(out / "grades.csv"), read_rows(out / "cells.csv")


@pytest.mark.slow
def test_zip_and_folder_and_second_run_give_the_same_grades(tmp_path, perfect):
    folder = tmp_path / "class"
    write_submission(folder, "ada", perfect)
    write_submission(folder, "bob", filled(ASSIGNMENT, {"softmax": next(iter(MISTAKES["softmax"].values()))}))
    archive = shutil.make_archive(str(tmp_path / "lms"), "zip", root_dir=tmp_path, base_dir="class")

    limits = Limits(cell_timeout=10)
    grade(folder, tmp_path / "first", limits=limits)
    grade(folder, tmp_path / "second", limits=limits)
    grade(tmp_path / "lms.zip", tmp_path / "zipped", limits=limits)
    first = _rows(tmp_path / "first")
    assert [r["student_id"] for r in first[0]] == ["ada", "bob"]
    assert first == _rows(tmp_path / "second") == _rows(tmp_path / "zipped")
    assert archive.endswith(".zip")


def test_unpack_keeps_files_inside_the_target(tmp_path):
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("../escaped.txt", "no")
        bundle.writestr("/absolute.txt", "no")
        bundle.writestr("ada/ex02_softmax/ex02_softmax.ipynb", "{}")
    target = tmp_path / "inside"
    target.mkdir()
    assert unpack(archive, target) == target
    assert not (tmp_path / "escaped.txt").exists()
    assert sorted(p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file()) == [
        "ada/ex02_softmax/ex02_softmax.ipynb"]


@pytest.mark.slow
def test_a_submission_that_breaks_the_pipeline_gets_a_row_and_the_others_are_graded(tmp_path, perfect, monkeypatch):
    from autograder.grading import run

    folder = tmp_path / "class"
    for student in ("ada", "bob", "cy"):
        write_submission(folder, student, perfect)
    original = run._Recorder.save_grades

    def fragile(self, result):
        if result.student_id == "bob":
            raise RuntimeError("nbgrader choked")
        return original(self, result)

    monkeypatch.setattr(run._Recorder, "save_grades", fragile)
    results = grade(folder, tmp_path / "out", limits=Limits(cell_timeout=10))
    assert [(r.student_id, r.score, r.status) for r in results] == [
        ("ada", 16, "pending (manual: proof)"), ("bob", 0, "could not be recorded: RuntimeError: nbgrader choked"),
        ("cy", 16, "pending (manual: proof)")]


def test_a_work_folder_that_is_not_ours_is_never_wiped(tmp_path, perfect):
    folder = tmp_path / "class"
    write_submission(folder, "ada", perfect)
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.tex").write_text("years of work")
    with pytest.raises(AutograderError, match="not empty and was not made by this grader"):
        grade(folder, tmp_path / "out", work=precious)
    assert (precious / "thesis.tex").read_text() == "years of work"
