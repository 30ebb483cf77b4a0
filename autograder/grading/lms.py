"""What a submission's platform record adds to its row of the grade tables.

:func:`~autograder.grading.collect.intake` finds each submission with what the platform
said about it (the student's name, when it was handed in, a late flag, which attempt was
chosen); these helpers turn that into the row's added columns and its status notes.
"""
from __future__ import annotations

from autograder.grading.collect import HandIn
from autograder.grading.lateness import DuePolicy
from autograder.grading.records import printable


def status_notes(hand_in: HandIn) -> list[str]:
    """The notes intake made about a submission (newest attempt chosen, file renamed, ...)."""
    return [printable(note, 200) for note in hand_in.notes]


def extra_fields(hand_in: HandIn, due: DuePolicy | None = None) -> dict:
    """``submitted_at``, ``late`` (by the due date where one is set, else the platform's
    flag) and ``name``."""
    late = hand_in.late
    if due is not None:
        late = due.is_late(hand_in.student_id, hand_in.submitted_at, hand_in.late)
    return {"submitted_at": hand_in.submitted_at, "late": late, "name": hand_in.name}
