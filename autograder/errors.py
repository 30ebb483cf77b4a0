"""The one error type the command line catches and prints as a single line."""


class AutograderError(Exception):
    """A usage or setup problem: bad arguments, a missing assignment, a broken install."""


class Interrupted(AutograderError):
    """A run stopped by Ctrl-C or SIGTERM; everything it finished is kept."""
