"""The course's autograder: release exercise notebooks, validate them, grade a class.

``python -m autograder --help`` lists the commands; each is a thin layer over a function
of the same name in this package (:func:`release`, :func:`validate`, :func:`grade`).
"""
from autograder.errors import AutograderError

__all__ = ["AutograderError"]
