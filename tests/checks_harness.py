"""The harness every checks test uses, written once: grade a function on a check in this
process or cells in the real worker, the catalogues of an assignment, which assignments have
checks and a catalogue, the notebooks' cells and points, results that lie, and the cells
that tamper with the worker or forge its outcomes.

A new exercise needs ``autograder/checks/<id>.py`` and ``tests/catalogue/<id>.py``
(``CORRECT``, ``MISTAKES`` and ``EXPECTED_FAILED_PART``; as data where it has them,
``KEEPS_PART``, ``FAILS_ONLY``, ``ACTIONABLE_MESSAGES`` and ``VISIBLE_TESTS_CATCH``);
``tests/test_checks_contract.py`` then tests it like every other.
"""
from __future__ import annotations

import ast
import contextlib
import functools
import importlib
import json
import resource
from pathlib import Path
from textwrap import dedent

import nbformat
import numpy as np
import sympy as sp

from autograder import course
from autograder.checks.framework import Check, Verdict
from autograder.fill import reference_answers
from autograder.protocol import Outcome, probe

ROOT = Path(__file__).resolve().parent.parent


def graded_assignments() -> list[str]:
    """Every assignment with a source notebook, a checks module and a catalogue."""
    return [a for a in course.assignment_ids()
            if (ROOT / "autograder" / "checks" / f"{a}.py").is_file() and (ROOT / "tests" / "catalogue" / f"{a}.py").is_file()]


def checks_module(assignment_id: str):
    return importlib.import_module(f"autograder.checks.{assignment_id}")


def catalogue(assignment_id: str):
    return importlib.import_module(f"tests.catalogue.{assignment_id}")


def check_for(assignment_id: str, name: str) -> Check:
    return checks_module(assignment_id).CHECKS[f"{name}-hidden"]


def graded_names(assignment_id: str) -> list[str]:
    return [check.target for check in checks_module(assignment_id).CHECKS.values()]


def load(source: str, name: str, **names):
    """Run a catalogue source in a fresh namespace (holding ``names``: a solution cell's
    source may rely on the notebook's imports cell) and return the function it defines."""
    namespace: dict = dict(names)
    exec(compile(source, f"<catalogue: {name}>", "exec"), namespace)
    return namespace[name]


@contextlib.contextmanager
def address_space_cap(extra_bytes: int = 4 * 1024**3):
    """Make an allocation of hundreds of GB fail at once with MemoryError, as the worker's
    memory limit does, instead of relying on the machine's overcommit policy."""
    try:
        with open("/proc/self/status") as status:
            kb = next(int(line.split()[1]) for line in status if line.startswith("VmSize:"))
    except (OSError, StopIteration, ValueError):
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = kb * 1024 + extra_bytes
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    if soft != resource.RLIM_INFINITY:
        cap = min(cap, soft)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def outcomes_of(check: Check, function, *, via_json: bool = False) -> list[Outcome]:
    """Call ``function`` as the check says, in this process; ``via_json`` sends every
    outcome through the worker's wire format, as the grader receives it."""
    with address_space_cap():
        outcomes = [probe(function, call) for call in check.calls]
    if via_json:
        outcomes = [Outcome.from_json(outcome.to_json()) for outcome in outcomes]
    return outcomes


def grade(check: Check, function, *, via_json: bool = False) -> Verdict:
    return check.judge(outcomes_of(check, function, via_json=via_json))


def failed_parts(verdict: Verdict) -> list:
    return [part for part in verdict.parts if not part.passed]


def assert_full_marks(check: Check, function) -> None:
    verdict = grade(check, function)
    assert verdict.score == verdict.max_score, verdict.report()


def assert_scores_zero(check: Check, function) -> None:
    verdict = grade(check, function)
    assert verdict.score == 0, verdict.report()


def graded_disguised(check: Check, honest, how: str, as_float: float = 1.0) -> tuple[Verdict, Verdict]:
    """The verdicts, through the wire format, on ``honest`` (a wrong but well-behaved
    function) with its results :func:`disguised` as ``how`` says, and on ``honest`` itself."""
    tampered = grade(check, lambda *args, **kwargs: disguised(honest(*args, **kwargs), how, as_float), via_json=True)
    return tampered, grade(check, honest, via_json=True)


def assert_nothing_gained(verdicts: dict[str, Verdict], allowed: dict[str, float] | None = None) -> None:
    """Every verdict scores 0, or at most what ``allowed`` grants its grade id."""
    for grade_id, verdict in verdicts.items():
        assert verdict.score <= (allowed or {}).get(grade_id, 0), (grade_id, verdict.report())


def judged_in_worker(checks: dict[str, Check]):
    """A function that grades cells as ``python -m autograder grade`` does: the cells run
    once in the real (sandboxed) worker, then every check in ``checks`` is judged here."""
    from autograder.grading.execute import Limits
    from autograder.grading.judge import run_and_judge

    def run(cells, call_timeout: float = 60.0) -> dict[str, Verdict]:
        return run_and_judge(list(cells), checks, Limits(call_timeout=call_timeout))[0]

    return run


# --- the notebooks -------------------------------------------------------------------------------


def notebook_cells(path) -> dict[str, str]:
    """grade id -> source of every code cell of the notebook at ``path`` that nbgrader names."""
    notebook = nbformat.read(path, 4)
    return {c.metadata["nbgrader"]["grade_id"]: c.source for c in notebook.cells
            if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade_id")}


def source_cells(assignment_id: str) -> dict[str, str]:
    return notebook_cells(course.source_notebook(assignment_id))


def released_cells(assignment_id: str) -> dict[str, str]:
    return notebook_cells(course.released_notebook(assignment_id))


def graded_points(assignment_id: str) -> dict[str, float]:
    """grade id -> points of every graded cell of the source notebook: the hidden test cells
    and the manually graded ones (the proofs)."""
    notebook = nbformat.read(course.source_notebook(assignment_id), 4)
    return {c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"].get("points") for c in notebook.cells
            if c.metadata.get("nbgrader", {}).get("grade")}


def assert_cell_points(assignment_id: str, points: dict[str, float], manual: dict[str, float]) -> None:
    """The source notebook gives each graded name's hidden test cell its ``points`` and each
    manually graded cell (a proof) its ``manual`` points, and no other cell any."""
    assert graded_points(assignment_id) == {**{f"{name}-hidden": value for name, value in points.items()}, **manual}


def assert_release_keeps(assignment_id: str, *secrets: str) -> None:
    """The released notebook holds no solution, no hidden test, no import of the checks and
    none of the reference solution's telltale ``secrets``."""
    text = course.released_notebook(assignment_id).read_text()
    for secret in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS", "autograder.checks", *secrets):
        assert secret not in text, secret


def solution_answers(assignment_id: str, overrides: dict[str, str] | None = None) -> dict[str, str]:
    """The reference solution's answer cells of the graded names, each replaced where
    ``overrides`` (graded name -> source) names it."""
    names = graded_names(assignment_id)
    return {name: source for name, source in {**reference_answers(assignment_id), **(overrides or {})}.items()
            if name in names}


def notebook_namespace(assignment_id: str, answers: dict[str, str], *extra: str) -> dict:
    """What the notebook defines, run in order in one namespace: its imports cell, then
    ``answers`` (graded name -> source), then the sources ``extra``."""
    namespace: dict = {}
    for label, source in [("imports", source_cells(assignment_id)["imports"]), *answers.items(),
                          *(("extra", e) for e in extra)]:
        exec(compile(source, f"<{assignment_id}: {label}>", "exec"), namespace)
    return namespace


@functools.lru_cache(maxsize=None)
def solution_namespace(assignment_id: str) -> dict:
    """What the reference solution defines, run once per process (do not change it)."""
    return notebook_namespace(assignment_id, solution_answers(assignment_id))


def run_visible(assignment_id: str, name: str, overrides: dict[str, str] | None = None) -> dict:
    """Run the released notebook's visible test cell of ``name`` after the reference
    solution (with ``overrides`` in place of its answer cells); a failing test raises."""
    visible = released_cells(assignment_id)[f"{name}-visible"]
    return notebook_namespace(assignment_id, solution_answers(assignment_id, overrides), visible)


def chapter_definitions(page: str) -> dict:
    """The functions the code cells of ``book/<page>.md`` define, run with the chapter's
    imports only (none of its other statements): what a student could copy from it."""
    from tests.chapter_code import chapter_code

    tree = ast.parse(chapter_code(page))
    keep = [node for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom, ast.FunctionDef))
            and not (isinstance(node, ast.ImportFrom) and node.module == "myst_nb")]
    namespace: dict = {}
    exec(compile(ast.Module(body=keep, type_ignores=[]), page, "exec"), namespace)
    return {name: value for name, value in namespace.items()
            if callable(value) and getattr(value, "__module__", None) is None and not name.startswith("_")}


# --- results that lie ----------------------------------------------------------------------------
# The grader judges the worker's plain data (``via_json=True``), never the student's object.


class AlwaysEqual(np.ndarray):
    """An array that claims to equal anything (view a right-shaped array as one)."""

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    def __bool__(self):
        return True


class Liar:
    """Claims to be anything: an array of ``values``, equal to everything, ``as_float`` as a
    float, and "yes" from any method a judge might call."""

    def __init__(self, values, as_float: float = 1.0):
        self.values = np.asarray(values, dtype=np.float64)
        self.shape, self.dtype, self.as_float = self.values.shape, np.dtype(np.float64), as_float

    def __array__(self, dtype=None, copy=None):
        return self.values

    def __float__(self):
        return self.as_float

    def __eq__(self, other):
        return True

    def __len__(self):
        return len(self.values) if self.values.ndim else 0

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return lambda *args, **kwargs: True


class FakeMatrix(sp.MutableDenseMatrix):
    """A SymPy matrix that passes for one by type name but reports no entries."""

    __module__ = "sympy.matrices.dense"

    def subs(self, *args, **kwargs):
        return sp.Matrix(0, 0, [])


def disguised(value, how: str, as_float: float = 1.0):
    """``value`` (a result, tuples and lists of results too) dressed up as ``how`` says:
    ``"always_equal_subclass"`` (an :class:`AlwaysEqual` view), ``"lying_object"`` (a
    :class:`Liar` of its values) or ``"float_only"`` (a :class:`Liar` of ``as_float`` alone)."""
    if isinstance(value, (list, tuple)):
        return type(value)(disguised(v, how, as_float) for v in value)
    if how == "always_equal_subclass":
        return np.asarray(value).view(AlwaysEqual)
    return Liar(value if how == "lying_object" else as_float, as_float)


#: The start of a tampering cell: NumPy's comparisons say "equal", ``abs`` says 0, and an
#: ndarray subclass that equals anything, for the cell's own wrong answers to return.
TAMPERING_PREAMBLE = dedent('''
    import builtins
    import numpy as np
    import sympy as sp

    np.allclose = np.array_equal = np.isclose = lambda *args, **kwargs: True
    builtins.abs = lambda x: 0

    class AlwaysEqual(np.ndarray):
        def __eq__(self, other):
            return True
''')


def forging_cell(**fields) -> str:
    """A notebook cell that writes a well-formed outcome (``fields`` over a float64 array of
    ones) as the answer to the first call, and "ready", straight into every pipe the
    worker's process holds."""
    outcome = json.loads(Outcome(**{"type_name": "numpy.ndarray", "dtype": "float64", "entries": ["1"], **fields}).to_json())
    forged = (json.dumps({"call": 0, "outcome": outcome}) + "\n" + json.dumps({"ready": True}) + "\n") * 100
    return dedent(f'''
        import os
        forged = {forged!r}
        for fd in range(3, 64):
            try:
                if os.readlink(f"/proc/self/fd/{{fd}}").startswith("pipe:"):
                    os.write(fd, forged.encode())
            except OSError:
                pass
    ''')
