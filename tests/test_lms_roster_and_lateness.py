"""Rosters as each platform exports them, and due dates, extensions and nbgrader late penalties.

Roster headers: Canvas's gradebook export (``Student, ID, SIS User ID, SIS Login ID, Section``, a
``Points Possible`` row), Moodle's grading worksheet (``Identifier`` = ``Participant <n>``, the
column Moodle's importer reads: ``assignfeedback_offline`` ``gradeimporter``), Moodle's
participants download, a Blackboard Grade Center export (tab separated, UTF-16) and a plain CSV.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from traitlets.config import Config

from autograder.errors import AutograderError
from autograder.grading.collect import intake
from autograder.grading.lateness import DuePolicy, LatePenalty, nbgrader_timestamp, parse_when
from autograder.grading.roster import read_roster
from test_collect_lms import KNOWN, NB, make_zip

CANVAS_ROSTER = (
    "Student,ID,SIS User ID,SIS Login ID,Section,ex02_softmax (777),Current Score\n"
    "    Points Possible,,,,,20,(read only)\n"
    '"Doe, Jane",12345,S1,jdoe,Sec A,,\n'
    '"Smith, Bob",23456,S2,bsmith,Sec A,,\n'
    '"Young, Cy",34567,S3,cyoung,Sec B,,\n'
    '"Student, Test",99999,,,Sec A,,\n')

MOODLE_WORKSHEET = (
    "Identifier,\"Full name\",\"Email address\",Status,Grade,\"Maximum Grade\",\"Grade can be changed\","
    "\"Last modified (submission)\",\"Last modified (grade)\"\n"
    "\"Participant 101\",\"Jane Doe\",jane@example.edu,\"Submitted for grading\",,20.00,Yes,\"Monday, 2 March 2026\",-\n"
    "\"Participant 103\",\"Cy Young\",cy@example.edu,\"No submission\",,20.00,Yes,-,-\n")


def test_canvas_roster_gives_missing_rows_and_names(tmp_path):
    (tmp_path / "roster.csv").write_text(CANVAS_ROSTER)
    archive = make_zip(tmp_path / "a.zip", {"doejane_12345_1_ex02_softmax.ipynb": NB,
                                            "smithbob_LATE_23456_2_ex02_softmax.ipynb": NB,
                                            "strangerx_55555_3_ex02_softmax.ipynb": NB})
    found = intake(archive, tmp_path / "x", assignment_ids=["ex02_softmax"], known_assignments=KNOWN,
                   roster=tmp_path / "roster.csv")
    assert found.roster_kind == "canvas"
    assert [(m.student_id, m.name) for m in found.missing] == [("34567", "Young, Cy")]
    by_id = {s.student_id: s for s in found.submissions}
    assert by_id["12345"].name == "doejane" and "not on the roster" in by_id["55555"].notes
    assert found.roster[0].extra["SIS Login ID"] == "jdoe"


def test_moodle_worksheet_roster(tmp_path):
    (tmp_path / "w.csv").write_text(MOODLE_WORKSHEET)
    roster = read_roster(tmp_path / "w.csv")
    assert roster.kind == "moodle" and [s.student_id for s in roster.students] == ["101", "103"]


def test_moodle_participants_match_by_full_name(tmp_path):
    (tmp_path / "p.csv").write_text("First name,Last name,ID number,Email address\nJane,Doe,s001,jane@x.edu\n"
                                    "Cy,Young,s003,cy@x.edu\n")
    archive = make_zip(tmp_path / "a.zip", {"Jane Doe_101_assignsubmission_file/ex02_softmax.ipynb": NB})
    found = intake(archive, tmp_path / "x", assignment_ids=["ex02_softmax"], known_assignments=KNOWN,
                   roster=tmp_path / "p.csv")
    assert [m.student_id for m in found.missing] == ["s003"]
    assert found.submissions[0].get("roster_id") == "s001"


def test_blackboard_tab_separated_utf16_roster(tmp_path):
    text = "Last Name\tFirst Name\tUsername\tStudent ID\tLast Access\nDoe\tJane\tjdoe7\t1001\t2026-03-01\n"
    (tmp_path / "bb.xls").write_bytes(text.encode("utf-16"))
    roster = read_roster(tmp_path / "bb.xls")
    assert roster.kind == "blackboard" and roster.students[0].student_id == "jdoe7"
    assert roster.students[0].name == "Jane Doe"


def test_plain_roster_and_bad_ids(tmp_path):
    (tmp_path / "r.csv").write_text("student_id,name\nada,Ada\n=cmd,Eve\nada,Again\n")
    roster = read_roster(tmp_path / "r.csv")
    assert [s.student_id for s in roster.students] == ["ada"]
    assert [reason for _, reason in roster.problems][1].startswith("roster lists this student twice")


def test_unknown_roster_is_a_clear_error(tmp_path):
    (tmp_path / "r.csv").write_text("foo,bar,baz\n1,2,3\n")
    with pytest.raises(AutograderError, match="cannot tell who exported"):
        read_roster(tmp_path / "r.csv")


DUE = "2026-03-01T23:59:00+01:00"


def test_due_dates_need_a_zone():
    assert parse_when(DUE).utcoffset() == timedelta(hours=1)
    with pytest.raises(AutograderError, match="no time zone"):
        parse_when("2026-03-01T23:59:00")


def test_extensions_and_lateness(tmp_path):
    (tmp_path / "ext.csv").write_text("student_id,extension\nada,48\nbob,2026-03-05T12:00:00Z\n")
    policy = DuePolicy.from_options(DUE, tmp_path / "ext.csv", "per_hour:2")
    due = parse_when(DUE)
    assert policy.due_for("ada") == due + timedelta(hours=48) and policy.due_for("cy") == due
    an_hour_late = due + timedelta(minutes=61)
    assert policy.is_late("cy", an_hour_late) is True and policy.is_late("ada", an_hour_late) is False
    assert policy.penalty("cy", 16, an_hour_late) == 4  # two started hours, 2 points each
    assert policy.penalty("cy", 3, an_hour_late) == 3  # never more than the score
    assert policy.is_late("cy", None, platform_flag=True) is True
    assert policy.extension_for("ada") == timedelta(hours=48)


def test_percent_per_day_with_a_cap():
    policy = DuePolicy.from_options(DUE, None, "percent_per_day:20:50")
    three_days = parse_when(DUE) + timedelta(days=2, hours=1)
    assert policy.penalty("x", 10, three_days) == 5  # 60% asked, 50% at most


def test_the_plugin_nbgrader_runs_gives_the_same_penalty():
    policy = DuePolicy.from_options(DUE, None, "per_hour:1.5")
    config = Config()
    policy.configure(config)
    plugin = LatePenalty(config=config)
    late = parse_when(DUE) + timedelta(hours=2, minutes=1)
    assert plugin.late_submission_penalty("x", 16, (late - parse_when(DUE)).total_seconds()) \
        == policy.penalty("x", 16, late) == 4.5
    assert config.AssignLatePenalties.plugin_class is LatePenalty
    assert nbgrader_timestamp(datetime(2026, 3, 1, 12, tzinfo=timezone.utc)) == "2026-03-01 12:00:00.000000 UTC"


def test_moodle_worksheet_gives_submission_times(tmp_path):
    (tmp_path / "w.csv").write_text(MOODLE_WORKSHEET.replace('"Monday, 2 March 2026"', '"Monday, 2 March 2026, 10:15 AM"'))
    archive = make_zip(tmp_path / "a.zip", {"Jane Doe_101_assignsubmission_file/ex02_softmax.ipynb": NB})
    found = intake(archive, tmp_path / "x", assignment_ids=["ex02_softmax"], known_assignments=KNOWN,
                   roster=tmp_path / "w.csv")
    assert found.submissions[0].submitted_at == datetime(2026, 3, 2, 10, 15)
    policy = DuePolicy.from_options("2026-03-02T10:00:00+00:00", None, "per_hour:1")
    assert policy.is_late("101", found.submissions[0].submitted_at) is True
    assert [m.student_id for m in found.missing] == ["103"]


def test_nbgrader_computes_the_same_lateness_and_penalty(tmp_path, monkeypatch):
    """The due date, extension and timestamp recorded the way nbgrader's autograde reads them give
    the lateness DuePolicy computes, and nbgrader's plugin call gives the same penalty."""
    import os
    import sys
    from pathlib import Path

    from nbgrader.api import Gradebook
    from nbgrader.utils import parse_utc

    from autograder.grading.lateness import record_due_date, timestamp_text

    monkeypatch.setenv("PATH", str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""))
    (tmp_path / "ext.csv").write_text("ada,2\n")
    policy = DuePolicy.from_options(DUE, tmp_path / "ext.csv", "per_hour:1")
    local = datetime(2026, 3, 2, 3, 30)  # no zone: read in the due date's (+01:00)
    with Gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}") as gradebook:
        for student in ("ada", "bob"):
            record_due_date(gradebook, "ex02_softmax", student, policy)
            submission = gradebook.update_or_create_submission(
                "ex02_softmax", student, timestamp=parse_utc(timestamp_text(policy, student, local)))
            seconds = submission.total_seconds_late
            assert seconds == policy.seconds_late(student, local)
            plugin = LatePenalty(penalty_method="per_hour", points_per_hour=1.0)
            assert plugin.late_submission_penalty(student, 16, seconds) == policy.penalty(student, 16, local)
    assert policy.seconds_late("ada", local) == 91 * 60 and policy.penalty("ada", 16, local) == 2
    assert policy.penalty("bob", 16, local) == 4  # 3 h 31 min late: 4 started hours
