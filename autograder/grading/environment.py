"""What a machine must have to grade a notebook: this grader's package, at this version and
with the same code and checks, and a sandbox that works.

A Dask worker started by hand can lack any of these (the package not importable, an older
clone, a machine without bubblewrap). :func:`probe` finds out before a class is sent, and
every job carries the fingerprint of the grader that sent it, so a worker that joins later
and differs turns its jobs into faults of the grader's (retried, never graded), not grades.
Jobs carry the released notebook too, so a worker needs only the installed package.
"""
from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

import autograder

PACKAGE = Path(autograder.__file__).resolve().parent


@lru_cache(maxsize=1)
def fingerprint() -> str:
    """The grader's version and every source file of its package (checks included)."""
    digest = hashlib.sha256(autograder.__version__.encode())
    for path in sorted(PACKAGE.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix in (".py", ".j2", ".json"):
            digest.update(str(path.relative_to(PACKAGE)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def probe(wanted: str, assignment_ids: list[str], *, sandbox: bool = True) -> str | None:
    """Run on a worker: why it cannot grade these assignments as the grader would, or None."""
    missing = [a for a in assignment_ids if not (PACKAGE / "checks" / f"{a}.py").is_file()]
    if missing:
        return f"lacks the checks of {', '.join(missing)} (grader {autograder.__version__})"
    if fingerprint() != wanted:
        return (f"has a different grader (version {autograder.__version__}, other code or checks): "
                "install the grader's own version on every worker")
    if sandbox:
        from autograder.grading.judge import Limits, SandboxRunner

        problem = SandboxRunner(Limits()).sandbox.check()
        if problem:
            return f"cannot run the sandbox: {problem}"
    return None
