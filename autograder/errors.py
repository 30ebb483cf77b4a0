"""The project's error types: the one the command line prints as a single line, and the
grader's own faults, which are never recorded as a student's grade."""


class AutograderError(Exception):
    """A usage or setup problem: bad arguments, a missing assignment, a broken install."""


class Interrupted(AutograderError):
    """A run stopped by Ctrl-C or SIGTERM; everything it finished is kept."""


class NotGraded(AutograderError):
    """A run that finished, but left notebooks ungraded through faults of the grader's own
    (a worker lost, a sandbox that did not start, an exception in the grader's code): their
    rows say so, nothing of them was recorded as graded, and the next run grades them."""


class GraderFault(Exception):
    """The grader, not the submission, failed on one notebook: retried, then reported as
    "not graded", never turned into a score."""
