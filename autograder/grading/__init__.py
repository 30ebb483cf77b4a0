"""Grading a class, one small step per module: collect, sanitize, judge, record.

:func:`autograder.grading.run.grade` strings them together; every step works on one
submission at a time, so a later change can run submissions in parallel or isolate them.
"""
