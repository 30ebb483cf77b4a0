"""The hidden checks of ``ex11_convolution_adjoint`` against catalogues of right and wrong student code.

What DESIGN.md asks of every hidden test: the released stub scores 0, the references score
full marks, every catalogued mistake loses points (in the part we expect), every catalogued
correct variant gets full marks, and nothing a student's code returns (or does to NumPy in
its own process) can buy points it would not earn honestly. Also: the references agree with
SciPy and with the inner-product identity, the released notebook is up to date and its
visible tests pass on the reference and fail on the stub, and a student who copies the code
of appendix A earns at most 25% of the automatic points.
"""
from __future__ import annotations

import functools
import re
import subprocess
import sys
from pathlib import Path
from textwrap import dedent

import mpmath
import nbformat
import numpy as np
import pytest
from scipy import integrate, signal

from autograder import course
from autograder.checks import ex11_convolution_adjoint as chk
from autograder.checks.framework import Check, Verdict
from autograder.fill import filled, reference_answers
from autograder.release import release
from autograder.protocol import Outcome, probe
from conftest import read_rows, write_submission
from tests.catalogue.ex11_convolution_adjoint import CORRECT, MISTAKES
from tests.checks_harness import failed_parts

ASSIGNMENT = "ex11_convolution_adjoint"
NAMES = ("conv1d", "corr1d", "conv1d_adjoint", "conv_matrix", "conv2d", "cross_correlation_symbolic")
NUMERIC = NAMES[:5]
POINTS = {"conv1d": 3, "corr1d": 2, "conv1d_adjoint": 4, "conv_matrix": 3, "conv2d": 3,
          "cross_correlation_symbolic": 3}
APPENDIX = Path(__file__).resolve().parent.parent / "book" / "appendix_a_convolution.md"


# --- helpers ---------------------------------------------------------------------------------


def check_of(name: str) -> Check:
    return chk.CHECKS[f"{name}-hidden"]


def load(source: str, name: str):
    """Run a catalogue source in a fresh namespace and return the function it defines."""
    namespace: dict = {}
    exec(compile(source, f"<catalogue: {name}>", "exec"), namespace)
    return namespace[name]


def grade(check: Check, function, *, via_json: bool = False) -> Verdict:
    outcomes = [probe(function, call) for call in check.calls]
    if via_json:
        outcomes = [Outcome.from_json(outcome.to_json()) for outcome in outcomes]
    return check.judge(outcomes)


@functools.lru_cache(maxsize=None)


@functools.lru_cache(maxsize=None)
def reference_namespace() -> dict:
    """The instructor's answer cells (what ``fill`` puts into the perfect submission), run."""
    import sympy as sp

    namespace: dict = {"np": np, "sp": sp}
    for name, source in reference_answers(ASSIGNMENT).items():
        if name in NAMES:
            exec(compile(source, name, "exec"), namespace)
    return namespace


# --- the catalogues --------------------------------------------------------------------------


# --- the references ----------------------------------------------------------------------------


@pytest.mark.parametrize("m", [1, 2, 3, 4, 7, 8])
@pytest.mark.parametrize("n", [1, 3, 5, 9])
def test_references_agree_with_scipy_and_the_matrix(n, m):
    rng = np.random.default_rng(n * 10 + m)
    x, k = rng.normal(size=n), rng.normal(size=m)
    for mode in ("full", "same") + (("valid",) if m <= n else ()):
        conv = chk.reference_conv1d(x, k, mode)
        assert np.allclose(conv, signal.convolve(x, k, mode=mode, method="direct"), atol=1e-13)
        assert np.allclose(chk.reference_corr1d(x, k, mode), signal.correlate(x, k, mode=mode, method="direct"), atol=1e-13)
        assert np.allclose(chk.reference_matrix(k, n, mode) @ x, conv, atol=1e-13)
        if m <= n:  # NumPy agrees only while m <= n
            assert np.allclose(np.convolve(x, k, mode), conv, atol=1e-13)


@pytest.mark.parametrize("mode, m", [(mode, m) for mode in ("full", "valid", "same") for m in (2, 3, 4, 5, 8)
                                     if not (mode == "valid" and m > 6)])
def test_reference_adjoint_satisfies_the_inner_product_identity(mode, m):
    rng = np.random.default_rng(m)
    n = 6
    k, x = rng.normal(size=m), rng.normal(size=n)
    y = rng.normal(size=chk.reference_conv1d(x, k, mode).shape)
    assert np.isclose(chk.reference_conv1d(x, k, mode) @ y, x @ chk.reference_adjoint(y, k, mode), atol=1e-12)


def test_reference_conv2d_agrees_with_scipy():
    rng = np.random.default_rng(2)
    for shape in [(3, 2), (4, 4), (5, 2), (2, 5), (4, 6)]:
        x, k = rng.normal(size=(3, 4)), rng.normal(size=shape)
        for mode in ("full", "same") + (("valid",) if shape[0] <= 3 and shape[1] <= 4 else ()):
            assert np.allclose(chk.reference_conv2d(x, k, mode), signal.convolve2d(x, k, mode), atol=1e-13)


def test_closed_form_agrees_with_numerical_integration():
    for t, a, b, c in [(0.5, 1.0, 2.0, -0.25), (-1.5, 0.3, 0.7, 1.0), (2.0, 2.5, 0.5, 2.0)]:
        numeric, _ = integrate.quad(lambda s: s * np.exp(-a * s**2) * np.exp(-b * (t + s - c) ** 2), -np.inf, np.inf,
                                    epsabs=1e-13)
        exact = float(chk.correlation_closed_form(*(mpmath.mpf(v) for v in (t, a, b, c))))
        assert abs(numeric - exact) < 1e-10


# --- references, stubs and the check table -------------------------------------------------------

REFERENCES = {
    "conv1d": chk.reference_conv1d,
    "corr1d": chk.reference_corr1d,
    "conv1d_adjoint": chk.reference_adjoint,
    "conv_matrix": chk.reference_matrix,
    "conv2d": chk.reference_conv2d,
}


def test_solution_notebook_gets_full_marks():
    namespace = reference_namespace()
    for name in NAMES:
        verdict = grade(check_of(name), namespace[name])
        assert verdict.score == verdict.max_score, (name, verdict.report())


@pytest.mark.parametrize("name", NUMERIC)
def test_references_earn_every_part_but_the_errors(name):
    """The check module's own references compute without validating: every value part passes."""
    verdict = grade(check_of(name), REFERENCES[name])
    failed = failed_parts(verdict)
    assert all("ValueError" in part.description for part in failed), verdict.report()


def test_released_notebook_stubs_score_zero():
    answers = {cell.metadata["nbgrader"]["grade_id"]: cell.source
               for cell in filled(ASSIGNMENT, {}).cells if cell.metadata.get("nbgrader", {}).get("solution")}
    for name in NAMES:
        assert "raise NotImplementedError()" in answers[name]
        verdict = grade(check_of(name), load(answers[name], name))
        assert verdict.score == 0, verdict.report()


def _returns_none(*args, **kwargs):
    return None


def _always_value_error(*args, **kwargs):
    raise ValueError("no")


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("kind", ["returns_none", "not_a_function", "always_value_error"])
def test_stub_scores_zero(name, kind):
    function = {"returns_none": _returns_none, "not_a_function": None, "always_value_error": _always_value_error}[kind]
    verdict = grade(check_of(name), function)
    assert verdict.score == 0, verdict.report()


@pytest.mark.parametrize("name", NAMES)
def test_undefined_name_scores_zero(name):
    check = check_of(name)
    verdict = check.judge([Outcome(error=f"{name} is not defined") for _ in check.calls])
    assert verdict.score == 0
    assert all(f"{name} is not defined" in part.message for part in verdict.parts)


def _zeros_or_raise(shape_of):
    """Zeros of the right shape, and ValueError wherever the contract asks for one: well typed
    and careful, but it computes nothing."""
    def answer(*args, **kwargs):
        reference = reference_namespace()[shape_of]
        return np.zeros(np.shape(reference(*args, **kwargs)))
    return answer


@pytest.mark.parametrize("name", NUMERIC)
def test_zeros_of_the_right_shape_earn_at_most_the_error_part(name):
    verdict = grade(check_of(name), _zeros_or_raise(name))
    passed = [part.description for part in verdict.parts if part.passed]
    assert all("ValueError" in description for description in passed), verdict.report()
    assert verdict.score <= verdict.max_score / 6, verdict.report()


def test_a_constant_expression_earns_nothing():
    import sympy as sp

    verdict = grade(check_of("cross_correlation_symbolic"), lambda: sp.Integer(0))
    assert verdict.score == 0, verdict.report()


def test_checks_are_exactly_the_six_hidden_cells():
    assert set(chk.CHECKS) == {f"{name}-hidden" for name in NAMES}
    for grade_id, check in chk.CHECKS.items():
        target, label = grade_id.split("-")
        assert label == "hidden" and check.target == target
        assert all(call.target == target for call in check.calls), grade_id
        assert check.points == POINTS[target]
        assert callable(getattr(chk, f"{target}_hidden"))


def test_hidden_cell_function_reports_and_returns_the_score(capsys):
    score = chk.conv_matrix_hidden(reference_namespace()["conv_matrix"])
    assert score == 3 and "score: 3 / 3" in capsys.readouterr().out


# --- tampering ------------------------------------------------------------------------------------


class AlwaysEqual(np.ndarray):
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False


class Liar:
    """Claims to be anything: equal to everything, 0.25 as a float, ..."""

    def __init__(self, values):
        self.values = np.asarray(values, dtype=np.float64)

    def __array__(self, dtype=None, copy=None):
        return self.values

    def __eq__(self, other):
        return True

    def __len__(self):
        return len(self.values)


@pytest.mark.parametrize("name", NUMERIC)
@pytest.mark.parametrize("how", ["always_equal_subclass", "lying_object"])
def test_a_disguised_wrong_result_gains_nothing(name, how):
    honest = reference_namespace()[name]

    def wrong(*args, **kwargs):
        return 2 * honest(*args, **kwargs)

    def disguised(*args, **kwargs):
        value = wrong(*args, **kwargs)
        return value.view(AlwaysEqual) if how == "always_equal_subclass" else Liar(value)

    tampered = grade(check_of(name), disguised, via_json=True)
    baseline = grade(check_of(name), wrong, via_json=True)
    assert tampered.score <= baseline.score, tampered.report()


TAMPERING_CELL = dedent('''
    import builtins
    import numpy as np
    import sympy as sp

    np.allclose = np.array_equal = np.isclose = lambda *args, **kwargs: True
    builtins.abs = lambda x: 0

    class AlwaysEqual(np.ndarray):
        def __eq__(self, other):
            return True

    def conv1d(x, k, mode="full"):
        return np.zeros(3).view(AlwaysEqual)

    corr1d = conv1d_adjoint = conv1d

    def conv_matrix(k, n, mode="full"):
        return np.zeros((n, n)).view(AlwaysEqual)

    def conv2d(x, k, mode="full"):
        return np.zeros((2, 2)).view(AlwaysEqual)

    def cross_correlation_symbolic():
        return sp.Float(0.25)
''')


@pytest.fixture(scope="module")
def out_of_process():
    from autograder.grading import judge as judge_module

    def run(cells, call_timeout=60.0):
        return judge_module.judge(list(cells), chk.CHECKS, judge_module.Limits(call_timeout=call_timeout))

    return run


def test_out_of_process_correct_code_gets_full_marks(out_of_process):
    verdicts = out_of_process([next(iter(CORRECT[name].values())) for name in NAMES])
    for grade_id, verdict in verdicts.items():
        assert verdict.score == verdict.max_score, (grade_id, verdict.report())


def test_out_of_process_tampering_gains_nothing(out_of_process):
    verdicts = out_of_process([TAMPERING_CELL])
    for grade_id, verdict in verdicts.items():
        assert verdict.score == 0, (grade_id, verdict.report())


# --- the released notebook ------------------------------------------------------------------------


def _cells(path):
    notebook = nbformat.read(path, 4)
    return [(c.cell_type, c.source, c.metadata.get("nbgrader")) for c in notebook.cells]


def test_committed_release_is_up_to_date(tmp_path):
    (fresh,) = release([ASSIGNMENT], into=tmp_path)
    assert _cells(fresh) == _cells(course.released_notebook(ASSIGNMENT)), (
        "exercises/ is stale: run `python -m autograder release ex11_convolution_adjoint` and commit the result")


def test_released_notebook_gives_nothing_away():
    text = course.released_notebook(ASSIGNMENT).read_text()
    for secret in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS", "autograder.checks", "m - 1 - (m - 1) // 2", "moment1"):
        assert secret not in text


def test_cell_ids_are_unique_to_this_exercise():
    notebook = nbformat.read(course.source_notebook(ASSIGNMENT), 4)
    ids = [cell.id for cell in notebook.cells]
    assert len(set(ids)) == len(ids) and all(i.startswith("ex11-") for i in ids)


def _visible_cells() -> dict[str, str]:
    released = nbformat.read(course.released_notebook(ASSIGNMENT), 4)
    return {c.metadata["nbgrader"]["grade_id"]: c.source for c in released.cells
            if c.metadata.get("nbgrader", {}).get("grade_id", "").endswith("-visible")}


def _run_visible(name: str, overrides: dict[str, str]) -> None:
    import sympy as sp

    namespace: dict = {"np": np, "sp": sp}
    for answer_name, source in {**reference_answers(ASSIGNMENT), **overrides}.items():
        if answer_name in NAMES:
            exec(compile(source, answer_name, "exec"), namespace)
    exec(compile(_visible_cells()[f"{name}-visible"], f"{name}-visible", "exec"), namespace)


@pytest.mark.parametrize("name", NAMES)
def test_visible_tests_pass_on_the_reference(name):
    _run_visible(name, {})


@pytest.mark.parametrize("name", NAMES)
def test_visible_tests_fail_on_the_stub(name):
    stub = {c.metadata["nbgrader"]["grade_id"]: c.source
            for c in nbformat.read(course.released_notebook(ASSIGNMENT), 4).cells}[name]
    with pytest.raises(NotImplementedError):
        _run_visible(name, {name: stub})


@pytest.mark.parametrize("name, label, words", [
    ("conv1d", "kernel_not_flipped", "did you flip the kernel"),
    ("conv1d", "numpy_same_with_longer_kernel", '"same" always has n entries'),
    ("conv1d", "same_starts_at_m_over_2", "for even m = 4"),
    ("corr1d", "convolution_not_correlation", r"c\[i\] = sum_j"),
    ("conv1d_adjoint", "mode_not_swapped", "C\\^T y must have n = 8 entries"),
    ("conv_matrix", "float_n_accepted", "n = 2.5"),
    ("conv2d", "correlation_not_convolution", "flip the kernel in both axes"),
    ("cross_correlation_symbolic", "convolution_not_correlation", "numerical integration gives"),
])
def test_visible_tests_catch_the_commonest_mistakes(name, label, words):
    with pytest.raises(AssertionError, match=words):
        _run_visible(name, {name: MISTAKES[name][label]})


# --- what copying the appendix earns ----------------------------------------------------------------


def appendix_functions() -> dict:
    """Every function the appendix's code cells define, run in one namespace."""
    text = APPENDIX.read_text()
    namespace: dict = {}
    cells = re.findall(r"```\{code-cell\}[^\n]*\n(.*?)```", text, flags=re.S)
    source = "\n".join(cell for cell in cells if "def " in cell)
    imports = "\n".join(line for cell in cells for line in cell.splitlines() if line.startswith(("import ", "from ")))
    exec(compile(imports + "\n" + "\n".join(
        _function_sources(source)), str(APPENDIX), "exec"), namespace)
    return {name: value for name, value in namespace.items() if callable(value) and not name.startswith("_")
            and getattr(value, "__module__", None) is None}


def _function_sources(source: str) -> list[str]:
    """The top-level ``def`` blocks of ``source`` (with their bodies), nothing else."""
    blocks, current = [], None
    for line in source.splitlines():
        if line.startswith("def "):
            current = [line]
            blocks.append(current)
        elif current is not None and (line.startswith((" ", "\t")) or not line.strip()):
            current.append(line)
        else:
            current = None
    return ["\n".join(block) for block in blocks]


def copied_answers(book: dict) -> dict:
    """The graded names, each the closest appendix function with the obvious one-line adapter."""
    conv, corr, matrix = book["conv_full"], book["corr_full"], book["conv_full_matrix"]

    def conv1d(x, k, mode="full"):
        return conv(x, k)

    def corr1d(x, k, mode="full"):
        return corr(x, k)

    def conv1d_adjoint(y, k, mode="full"):
        return matrix(k, len(y) - len(k) + 1).T @ y

    def conv_matrix(k, n, mode="full"):
        return matrix(k, n)

    return {"conv1d": conv1d, "corr1d": corr1d, "conv1d_adjoint": conv1d_adjoint, "conv_matrix": conv_matrix}


def test_copying_the_appendix_earns_at_most_a_quarter():
    book = appendix_functions()
    answers = copied_answers(book)
    earned = sum(grade(check_of(name), function).score for name, function in answers.items())
    total = sum(POINTS.values())
    assert earned / total <= 0.25, f"copying appendix A earns {earned:g} of {total} points"


# --- end to end: `python -m autograder grade` on a perfect and a blank notebook -------------------


@pytest.mark.slow
def test_grade_command_on_a_perfect_and_a_blank_notebook(tmp_path):
    root = tmp_path / "class"
    write_submission(root, "perfect", filled(ASSIGNMENT, reference_answers(ASSIGNMENT)), assignment=ASSIGNMENT)
    write_submission(root, "blank", filled(ASSIGNMENT, {}), assignment=ASSIGNMENT)
    out = tmp_path / "out"
    run = subprocess.run([sys.executable, "-m", "autograder", "grade", str(root), "--out", str(out)],
                         capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-2000:]
    grades = {row["student_id"]: row for row in read_rows(out / "grades.csv")}
    cells: dict = {}
    for row in read_rows(out / "cells.csv"):
        cells.setdefault(row["student_id"], {})[row["grade_id"]] = float(row["score"] or 0)
    full = sum(POINTS.values())
    assert grades["perfect"]["status"] == "pending (manual: proof)" and float(grades["perfect"]["max_score"]) == full + 4
    assert sum(score for grade_id, score in cells["perfect"].items() if grade_id != "proof") == full
    assert float(grades["blank"]["score"]) == 0
