"""The tables: written whole by a rename, never a formula or a raw escape code, a manual part
nobody graded is pending (not 0), and added columns come after the contract's."""
from __future__ import annotations

import csv
from datetime import datetime, timezone
from pathlib import Path

import pytest

from autograder.grading import records
from autograder.grading.records import (
    CELL_COLUMNS, GRADE_COLUMNS, CellGrade, GradeTables, SubmissionGrade, pending_status, printable, read_grades,
    spreadsheet_safe,
)

WHEN = datetime(2026, 3, 1, 10, tzinfo=timezone.utc)


def grade(student="ada", status="graded", score=16.0, cells=None, **extra):
    cells = cells if cells is not None else (CellGrade("ex02_softmax", "softmax", 4.0, 4.0),
                                             CellGrade("ex02_softmax", "proof", None, 4.0))
    return SubmissionGrade(student, "ex02_softmax", score, 20.0, status, cells, **extra)


@pytest.mark.parametrize("value", ["=1+1", "+cmd", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_formula_starts_are_escaped(value):
    assert spreadsheet_safe(value) == "'" + value


def test_ordinary_text_is_left_alone():
    assert spreadsheet_safe("graded") == "graded" and spreadsheet_safe("16") == "16"


def test_printable_shows_escapes_instead_of_running_them():
    assert printable("ada\x1b[2J\x07\u202e") == "ada\\x1b[2J\\x07\\u202e"
    assert printable("x" * 500, limit=10) == "x" * 9 + "…"


def test_tables_have_the_contract_columns_first_and_pending_cells(tmp_path):
    rows = [grade(submitted_at=WHEN, late=True, penalty=2.0, name="=Ada"), grade("bob", "missing", 0.0, cells=())]
    with GradeTables(tmp_path) as tables:
        for row in rows:
            tables.add(row)
    with (tmp_path / "grades.csv").open(newline="") as handle:
        read = list(csv.reader(handle))
    assert read[0][:5] == GRADE_COLUMNS and read[0][5:] == ["submitted_at", "late", "penalty", "name", "original_id"]
    assert read[1] == ["ada", "ex02_softmax", "16", "20", "graded", WHEN.isoformat(), "yes", "2", "'=Ada", ""]
    with (tmp_path / "cells.csv").open(newline="") as handle:
        cells = list(csv.reader(handle))
    assert cells[0][:6] == CELL_COLUMNS and cells[2][4:] == ["", "4", "pending"]
    again = read_grades(tmp_path / "grades.csv")
    assert again[0] == rows[0] and again[1].status == "missing"


def test_a_failing_write_leaves_the_old_table(tmp_path, monkeypatch):
    GradeTables(tmp_path, [grade()])
    before = (tmp_path / "grades.csv").read_text()

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(records.os, "fsync", broken)
    with pytest.raises(OSError):
        GradeTables(tmp_path, [grade("bob")])
    assert (tmp_path / "grades.csv").read_text() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_pending_status_goes_and_comes():
    waiting = (CellGrade("n", "proof", None, 4.0),)
    done = (CellGrade("n", "proof", 3.0, 4.0),)
    assert pending_status("graded (restored 1 test cell)", waiting) == "pending (manual: proof) (restored 1 test cell)"
    assert pending_status("pending (manual: proof) (restored 1 test cell)", done) == "graded (restored 1 test cell)"
    assert pending_status("not a valid notebook", waiting) == "not a valid notebook"


def test_rows_are_replaced_not_repeated(tmp_path: Path):
    tables = GradeTables(tmp_path)
    tables.add(grade(score=1.0))
    tables.add(grade(score=2.0))
    assert [g.score for g in read_grades(tmp_path / "grades.csv")] == [2.0]


def test_undecodable_names_are_shown_and_written_safely(tmp_path):
    name = b"ada\xff".decode("utf-8", "surrogateescape")
    assert printable(name) == "ada\\udcff"
    GradeTables(tmp_path, [grade(name="x" + name)])
    assert "xada\\udcff" in (tmp_path / "grades.csv").read_text()
