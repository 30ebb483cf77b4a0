"""Feedback that says a manual part is pending instead of showing a silent 0.

:class:`GetGradesMarkingPending` is nbgrader's ``GetGrades`` (which copies scores and comments
from the gradebook into the notebook for ``generate_feedback``) that, for a cell nobody has
graded by hand yet (``manual_score is None`` while the grade ``needs_manual_grade``), writes
:data:`PENDING_NOTE` as the cell's comment, so nbgrader's feedback page shows it in the cell's
"Comments" box and lists it in the summary at the top. Use it in place of ``GetGrades`` in
``GenerateFeedback.preprocessors``.
"""
from __future__ import annotations

from nbgrader.preprocessors import GetGrades

PENDING_NOTE = "**Score pending:** this answer is graded by hand and its score is not in yet; the 0 shown is not final."


class GetGradesMarkingPending(GetGrades):
    def _get_score(self, cell, resources) -> None:
        super()._get_score(cell, resources)
        grade = self.gradebook.find_grade(cell.metadata["nbgrader"]["grade_id"], self.notebook_id,
                                          self.assignment_id, self.student_id)
        if grade.manual_score is None and grade.auto_score is None and grade.needs_manual_grade:
            cell.metadata.nbgrader["comment"] = PENDING_NOTE
