"""The fork server that every local pool process is forked from.

It is a fresh, single-threaded interpreter that has run nothing but :data:`PRELOAD`'s
imports, so a fork of it is safe (unlike a fork of the grader, which has threads) and each
pool process starts with those imports done, instead of paying 2-4 s of CPU for them as a
spawned process would. Started at the beginning of ``grade`` (:func:`start`), it imports
beside the grader's own start-up, on the other core.

This module imports nothing heavy itself, so that the server can start first.
"""
from __future__ import annotations

import multiprocessing
import multiprocessing.forkserver

#: What every pool process needs: the job, the feedback pages, SymPy (the judges rebuild
#: answers with it).
PRELOAD = ["autograder.grading.job", "autograder.grading.feedback", "sympy"]


def context(preload: tuple = ()) -> multiprocessing.context.BaseContext:
    """The fork server's context; ``preload`` (the checks of the assignments graded) is added
    to what it imports if it has not started yet (once started, a pool process imports them
    as it warms up)."""
    forkserver = multiprocessing.get_context("forkserver")
    forkserver.set_forkserver_preload([*PRELOAD, *preload])
    return forkserver


def start() -> None:
    """Start the fork server now, with :data:`PRELOAD`, without waiting for its imports."""
    context()
    multiprocessing.forkserver.ensure_running()
