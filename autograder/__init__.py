"""The course's autograder: release exercise notebooks, validate them, grade a class.

``python -m autograder --help`` lists the commands; each is a thin layer over a function
of the same name in this package (:func:`release`, :func:`validate`, :func:`grade`).
"""
from autograder.errors import AutograderError

#: The grader's version: a Dask worker must run the same one (and the same checks).
__version__ = "0.3.0"

__all__ = ["AutograderError", "__version__"]
