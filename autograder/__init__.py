"""The course's autograder: release exercise notebooks, validate them, grade a class.

``python -m autograder --help`` lists the commands; each is a thin layer over a function
of the same name in this package (:func:`release`, :func:`validate`, :func:`grade`).
"""
import sys

# jsonschema, imported by nbformat, checks the "iri" format with rfc3987_syntax when it is
# installed (jupyter-events pulls it in), and that module builds a Lark grammar on import:
# 1.9 s of every process that reads a notebook (the grader, each pool and Dask worker, each
# test's subprocess), for a format no notebook schema uses. Marking it absent makes
# jsonschema skip that one checker (its import sits in ``suppress(ImportError)``).
sys.modules.setdefault("rfc3987_syntax", None)

from autograder.errors import AutograderError  # noqa: E402

#: The grader's version: a Dask worker must run the same one (and the same checks).
__version__ = "0.3.0"

__all__ = ["AutograderError", "__version__"]
