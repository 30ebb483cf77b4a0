"""Hidden-test logic, one module per assignment (``autograder.checks.<assignment_id>``).

Each module defines one :class:`~autograder.checks.framework.Check` per hidden test cell
and, beside it, a function of the same name that a notebook cell can call.
"""
