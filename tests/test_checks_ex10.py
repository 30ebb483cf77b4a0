"""The hidden checks of ``ex10_backprop`` against catalogues of right and wrong student code.

What DESIGN.md asks of every hidden test: the released stub scores 0, the references score
full marks, every catalogued mistake loses points (in the part we expect), every catalogued
correct variant gets full marks, and nothing a student's code returns (or does to NumPy, or to
the tracing that counts its Python events, in its own process) buys points it would not earn
honestly. The chapter's own code, copied under the graded names, earns at most 25%.
"""
from __future__ import annotations

import contextlib
import functools
import re
import resource
import subprocess
import sys
from pathlib import Path
from textwrap import dedent

import nbformat
import numpy as np
import pytest

from autograder.checks import ex10_backprop as chk
from autograder.checks.framework import Check, Verdict
from autograder.fill import filled, reference_answers
from autograder.protocol import Outcome, probe
from conftest import read_rows, write_submission
from tests.catalogue.ex10_backprop import CORRECT, MISTAKES
from tests.checks_harness import failed_parts

ASSIGNMENT = "ex10_backprop"
NAMES = ("forward", "activation_vjp", "backward", "numerical_gradient", "gradient_descent")
POINTS = {"forward": 3, "activation_vjp": 4, "backward": 5, "numerical_gradient": 3, "gradient_descent": 4}
PROOF_POINTS = {"proof_backprop": 3, "proof_symmetry": 4}
CHAPTER = Path(__file__).resolve().parent.parent / "book" / "ch10_backprop.md"


# --- helpers ---------------------------------------------------------------------------------


def check_of(name: str) -> Check:
    return chk.CHECKS[f"{name}-hidden"]


def load(source: str, name: str):
    """Run a catalogue source in a fresh namespace and return the function it defines."""
    namespace: dict = {}
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
    for limit in (soft, hard):
        if limit != resource.RLIM_INFINITY:
            cap = min(cap, limit)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def outcomes_of(check: Check, function, *, via_json: bool = False) -> list[Outcome]:
    with address_space_cap():
        outcomes = [probe(function, call) for call in check.calls]
    if via_json:
        outcomes = [Outcome.from_json(outcome.to_json()) for outcome in outcomes]
    return outcomes


def grade(check: Check, function, *, via_json: bool = False) -> Verdict:
    return check.judge(outcomes_of(check, function, via_json=via_json))


@functools.lru_cache(maxsize=None)


# --- the catalogues --------------------------------------------------------------------------


# --- references, stubs and the check table -------------------------------------------------------


def _reference_gd(Ws, bs, acts, X, Y, lr, steps):
    return chk.reference_gradient_descent(Ws, bs, acts, X, Y, lr, steps)[0]


def _reference_fd(Ws, bs, acts, X, Y, eps=1e-5):
    dWs, dbs, _ = chk.exact_central_differences(Ws, bs, acts, X, Y, eps)
    return dWs, dbs


def _checked_forward(Ws, bs, acts, X):
    if len(acts) != len(Ws) or any(a not in chk.ELEMENTWISE + chk.VECTOR for a in acts):
        raise ValueError("bad activations")
    return chk.reference_forward(Ws, bs, acts, X)


def _checked_vjp(act, z, g):
    if act not in chk.ELEMENTWISE + chk.VECTOR:
        raise ValueError(act)
    return chk.reference_vjp(act, z, g)


REFERENCES = {
    "forward": _checked_forward,
    "activation_vjp": _checked_vjp,
    "backward": chk.reference_backward,
    "numerical_gradient": _reference_fd,
    "gradient_descent": _reference_gd,
}


@pytest.mark.parametrize("name", NAMES)
def test_module_reference_gets_full_marks(name):
    verdict = grade(check_of(name), REFERENCES[name])
    assert verdict.score == verdict.max_score, verdict.report()


def _solution_namespace(overrides: "dict[str, str] | None" = None) -> dict:
    namespace: dict = {"np": np}
    for name, source in {**reference_answers(ASSIGNMENT), **(overrides or {})}.items():
        if name in NAMES:
            exec(compile(source, name, "exec"), namespace)
    return namespace


def test_solution_notebook_gets_full_marks():
    """The instructor's own answer cells (what ``fill`` puts into the perfect submission)."""
    namespace = _solution_namespace()
    for name in NAMES:
        verdict = grade(check_of(name), namespace[name])
        assert verdict.score == verdict.max_score, (name, verdict.report())


@pytest.mark.parametrize("net", ["SMOOTH", "HIDDEN_LOG_SOFTMAX", "RELU_SOFTMAX"])
def test_exact_gradient_agrees_with_float64_and_with_central_differences(net):
    Ws, bs, acts, X, Y = getattr(chk, net)
    exact = chk.exact_backward(Ws, bs, acts, X, Y)
    floats = chk.reference_backward(Ws, bs, acts, X, Y)
    quotients = chk.exact_central_differences(Ws, bs, acts, X, Y, 1e-6)
    for e, f, q in zip(exact[0] + exact[1], floats[0] + floats[1], quotients[0] + quotients[1]):
        assert np.allclose(e, f, rtol=0, atol=1e-13)
        assert np.allclose(e, q, rtol=0, atol=1e-9)   # the quotient is the gradient up to O(eps^2)


def test_central_difference_reference_is_the_quotient_not_the_gradient():
    Ws, bs, acts, X, Y = chk.FD_NET
    dWs, _, loss = chk.exact_central_differences(Ws, bs, acts, X, Y, 0.1)
    exact = chk.exact_backward(Ws, bs, acts, X, Y)[0]
    assert np.abs(dWs[0] - exact[0]).max() > 1e-4
    moved = [W.copy() for W in Ws], [W.copy() for W in Ws]
    moved[0][0][0, 1] += 0.1
    moved[1][0][0, 1] -= 0.1
    quotient = (chk.reference_loss(moved[0], bs, acts, X, Y) - chk.reference_loss(moved[1], bs, acts, X, Y)) / 0.2
    assert abs(dWs[0][0, 1] - quotient) < 1e-13
    assert abs(loss - chk.reference_loss(Ws, bs, acts, X, Y)) < 1e-14


def test_kink_network_puts_exact_zeros_where_relu_prime_at_zero_matters():
    Ws, bs, acts, X, Y = chk.KINK
    zs = chk.reference_forward(Ws, bs, acts, X)[0]
    assert sum(int((Z == 0).sum()) for Z in zs[:2]) >= 6
    with_zero = chk.exact_backward(*chk.KINK)
    with_one = load(MISTAKES["backward"]["relu_slope_one_at_zero"], "backward")(*chk.KINK)
    assert any(np.abs(a - b).max() > 0.1 for a, b in zip(with_zero[0], with_one[0]))


def test_symmetric_networks_start_symmetric_and_asymmetric_ones_break():
    i, k = chk.SYMMETRY_PAIR
    for key, (Ws, bs, acts, X, Y) in chk.SYMMETRIC_NETS.items():
        assert np.array_equal(Ws[0][i], Ws[0][k]) and bs[0][i] == bs[0][k] and np.array_equal(Ws[1][:, i], Ws[1][:, k])
        assert acts[0] in ("tanh", "softmax", "log_softmax"), key
        # with unequal outgoing weights the tie breaks: the hypothesis is needed
        W2 = Ws[1].copy()
        W2[:, k] += 0.5
        new = chk.reference_gradient_descent([Ws[0], W2, *Ws[2:]], bs, acts, X, Y, 0.5, 5)[0][0]
        assert np.abs(new[0][i] - new[0][k]).max() > 1e-6, key


def _stub(name: str):
    signature = {"forward": "Ws, bs, acts, X", "activation_vjp": "act, z, g", "backward": "Ws, bs, acts, X, Y",
                 "numerical_gradient": "Ws, bs, acts, X, Y, eps=1e-5",
                 "gradient_descent": "Ws, bs, acts, X, Y, lr, steps"}[name]
    return load(f"def {name}({signature}):\n    # YOUR CODE HERE\n    raise NotImplementedError()\n", name)


def _returns_none(*args, **kwargs):
    return None


def _raises_value_error(*args, **kwargs):
    raise ValueError("nothing")


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("kind", ["released_stub", "returns_none", "not_a_function", "always_value_error"])
def test_stub_scores_zero(name, kind):
    function = {"released_stub": _stub(name), "returns_none": _returns_none, "not_a_function": None,
                "always_value_error": _raises_value_error}[kind]
    verdict = grade(check_of(name), function)
    assert verdict.score == 0, verdict.report()


@pytest.mark.parametrize("name", NAMES)
def test_undefined_name_scores_zero(name):
    check = check_of(name)
    verdict = check.judge([Outcome(error=f"{name} is not defined") for _ in check.calls])
    assert verdict.score == 0
    assert all(f"{name} is not defined" in result.message for result in verdict.parts)


def _zeros_like_params(Ws, bs, *rest, **kwargs):
    return [np.zeros(np.shape(W)) for W in Ws], [np.zeros(np.shape(b)) for b in bs]


CONSTANT_ANSWERS = {
    "forward": lambda Ws, bs, acts, X: ([np.zeros((len(X), len(b))) for b in bs],
                                        [np.asarray(X, float)] + [np.zeros((len(X), len(b))) for b in bs]),
    "activation_vjp": lambda act, z, g: np.asarray(g, dtype=np.float64).copy(),
    "backward": _zeros_like_params,
    "numerical_gradient": _zeros_like_params,
    # the inputs unchanged: "units stay identical" alone must not pay
    "gradient_descent": lambda Ws, bs, acts, X, Y, lr, steps: (
        [np.array(W, float) for W in Ws], [np.array(b, float) for b in bs], np.zeros(steps + 1)),
}


@pytest.mark.parametrize("name", NAMES)
def test_constant_answers_score_zero(name):
    """Zeros, g itself (right for the identity only), or the inputs unchanged: well-typed but
    computed nothing."""
    verdict = grade(check_of(name), CONSTANT_ANSWERS[name])
    assert verdict.score == 0, verdict.report()


def test_checks_are_exactly_the_five_hidden_cells_with_the_notebooks_points():
    assert set(chk.CHECKS) == {f"{name}-hidden" for name in NAMES}
    notebook = nbformat.read(f"solutions/{ASSIGNMENT}/{ASSIGNMENT}.ipynb", 4)
    points = {c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"].get("points")
              for c in notebook.cells if c.metadata["nbgrader"].get("grade")}
    assert points == {**{f"{n}-hidden": POINTS[n] for n in NAMES}, **PROOF_POINTS}
    for grade_id, check in chk.CHECKS.items():
        target, label = grade_id.split("-")
        assert label == "hidden" and check.target == target
        assert all(call.target == target for call in check.calls), grade_id
        assert check.points == POINTS[target]
        assert callable(getattr(chk, f"{target}_hidden"))


def test_hidden_cell_function_reports_and_returns_the_score(capsys):
    score = chk.forward_hidden(_checked_forward)
    assert score == 3 and "score: 3 / 3" in capsys.readouterr().out


# --- what the check observes inside the student's process ------------------------------------------


def test_event_count_is_independent_of_the_number_of_samples():
    """The batched reference traces the same number of events for 50 rows as for 5000."""
    from autograder.checks.framework import Call

    counts = []
    for n in (50, 5000):
        function, _ = chk.counted_rows(7, (n, 4))
        call = Call("backward", args=(chk.BIG_WS, chk.BIG_BS, chk.BIG_ACTS, function, np.zeros((n, 3))), kind="tree")
        counts.append(probe(chk.reference_backward, call).records["events"][0])
    assert counts[0] == counts[1] < chk.EVENT_BUDGET / 2


def test_tracing_stops_after_the_call():
    from autograder.checks.framework import Call

    function, _ = chk.counted_rows(7, (10, 4))
    call = Call("backward", args=(chk.BIG_WS, chk.BIG_BS, chk.BIG_ACTS, function, np.zeros((10, 3))), kind="tree")
    before = sys.gettrace()
    probe(chk.reference_backward, call)
    assert sys.gettrace() is before


def test_switching_tracing_off_does_not_buy_the_batched_part():
    loop = load(MISTAKES["backward"]["python_loop_over_samples"], "backward")

    def sneaky(*args):
        sys.settrace(None)
        return loop(*args)

    verdict = grade(check_of("backward"), sneaky)
    batched = [p for p in verdict.parts if "batched over samples" in p.description][0]
    assert not batched.passed and "could not be observed" in batched.message


def test_watched_lists_hold_exactly_the_given_arrays():
    from autograder.checks.framework import Call

    seen = []
    probe(lambda Ws: seen.extend(np.array(W) for W in Ws), Call("f", args=(chk.watched_list(chk.SMOOTH[0], "Ws"),)))
    assert all(np.array_equal(a, b) for a, b in zip(seen, chk.SMOOTH[0]))


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

    def __float__(self):
        return 0.25

    def __eq__(self, other):
        return True

    def __len__(self):
        return len(self.values)


def _doubled(result):
    if isinstance(result, (list, tuple)):
        return type(result)(_doubled(r) for r in result)
    return 2 * np.asarray(result) + 1


HONEST_WRONG = {name: (lambda name: lambda *a, **k: _doubled(REFERENCES[name](*a, **k)))(name) for name in NAMES}


def _disguise(value, how):
    if isinstance(value, (list, tuple)):
        return type(value)(_disguise(v, how) for v in value)
    return np.asarray(value).view(AlwaysEqual) if how == "always_equal_subclass" else Liar(value)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("how", ["always_equal_subclass", "lying_object"])
def test_a_disguised_wrong_result_gains_nothing(name, how):
    honest = HONEST_WRONG[name]
    tampered = grade(check_of(name), lambda *a, **k: _disguise(honest(*a, **k), how), via_json=True)
    baseline = grade(check_of(name), honest, via_json=True)
    assert tampered.score <= baseline.score, tampered.report()


# --- the same, graded the way the grader does: a separate worker process -------------------------

TAMPERING_CELL = dedent('''
    import builtins
    import sys
    import numpy as np

    np.allclose = np.array_equal = np.isclose = lambda *args, **kwargs: True
    builtins.abs = lambda x: 0
    sys.settrace = lambda *args: None

    class AlwaysEqual(np.ndarray):
        def __eq__(self, other):
            return True

    def forward(Ws, bs, acts, X):
        return [np.zeros(3).view(AlwaysEqual)], [np.zeros(3).view(AlwaysEqual)]

    def activation_vjp(act, z, g):
        return np.zeros(np.shape(z)).view(AlwaysEqual)

    def backward(Ws, bs, acts, X, Y):
        return [np.zeros(np.shape(W)) for W in Ws], [np.zeros(np.shape(b)) for b in bs]

    numerical_gradient = backward

    def gradient_descent(Ws, bs, acts, X, Y, lr, steps):
        return list(Ws), list(bs), np.zeros(steps + 1)
''')

FORGING_CELL = dedent('''
    import os
    forged = '{"error": null, "error_types": [], "warnings": [], "mutated": false, "type_name": "builtins.tuple", ' \\
             '"dtype": "", "shape": null, "value": null, "symbols": [], "entries": [], "tree": null, ' \\
             '"tree_types": null, "srepr": "", "records": {"events": [1]}}\\n'
    for fd in range(3, 64):
        try:
            if os.readlink(f"/proc/self/fd/{fd}").startswith("pipe:"):
                os.write(fd, (forged * 100).encode())
        except OSError:
            pass
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


def test_out_of_process_a_loop_over_samples_loses_only_the_batched_part(out_of_process):
    verdict = out_of_process([MISTAKES["backward"]["python_loop_over_samples"]])["backward-hidden"]
    assert [p.description for p in failed_parts(verdict)] == [chk.BACKWARD_HIDDEN.parts[-1].description], verdict.report()


def test_out_of_process_tampering_gains_nothing(out_of_process):
    verdicts = out_of_process([TAMPERING_CELL])
    for grade_id, verdict in verdicts.items():
        assert verdict.score == 0, (grade_id, verdict.report())


def test_out_of_process_forged_outcomes_gain_nothing(out_of_process):
    stubs = [f"def {name}(*args, **kwargs):\n    raise NotImplementedError()\n" for name in NAMES]
    verdicts = out_of_process([FORGING_CELL, *stubs])
    for grade_id, verdict in verdicts.items():
        assert verdict.score == 0, (grade_id, verdict.report())


# --- the notebook's visible tests ------------------------------------------------------------------


def _visible_cells() -> dict[str, str]:
    from autograder import course

    released = nbformat.read(course.released_notebook(ASSIGNMENT), 4)
    return {c.metadata["nbgrader"]["grade_id"]: c.source for c in released.cells
            if c.metadata.get("nbgrader", {}).get("grade_id", "").endswith("-visible")}


def _run_visible(name: str, overrides: dict[str, str]) -> None:
    namespace = _solution_namespace(overrides)
    exec(compile(_visible_cells()[f"{name}-visible"], f"{name}-visible", "exec"), namespace)


@pytest.mark.parametrize("name", NAMES)
def test_visible_tests_pass_on_the_reference(name):
    _run_visible(name, {})


@pytest.mark.parametrize("name", NAMES)
def test_visible_tests_fail_on_the_stub(name):
    with pytest.raises(NotImplementedError):
        _run_visible(name, {name: f"def {name}(*args, **kwargs):\n    raise NotImplementedError()\n"})


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("name, label, words", [
    ("forward", "bias_after_activation", "the bias is added after multiplying by W"),
    ("forward", "names_case_insensitive_no_length_check", "must raise ValueError"),
    ("activation_vjp", "log_softmax_J_not_JT", "J^T g, not J g"),
    ("activation_vjp", "softmax_treated_elementwise", "softmax: got"),
    ("activation_vjp", "relu_slope_one_at_zero", "relu'(0) = 0"),
    ("backward", "softmax_as_diag_fprime", "central differences give"),
    ("backward", "log_softmax_J_not_JT", "central differences give"),
    ("numerical_gradient", "analytic_gradient", "not the gradient"),
    ("numerical_gradient", "forward_differences", "not the gradient"),
    ("numerical_gradient", "perturbs_in_place_and_undoes_by_arithmetic", "changed Ws or bs"),
    ("gradient_descent", "losses_missing_the_last", "steps + 1 = 51"),
    ("gradient_descent", "updates_the_callers_arrays", "modified the caller's arrays"),
    ("gradient_descent", "replaces_entries_of_the_callers_lists", "replaced entries of the caller's lists"),
    ("gradient_descent", "symmetry_broken_with_noise", "must stay identical"),
])
def test_visible_tests_catch_the_commonest_mistakes(name, label, words):
    with pytest.raises(AssertionError, match=re.escape(words)):
        _run_visible(name, {name: MISTAKES[name][label]})


# --- the released notebook ------------------------------------------------------------------------


def test_released_notebook_gives_nothing_away():
    text = open(f"exercises/{ASSIGNMENT}/{ASSIGNMENT}.ipynb").read()
    for secret in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS", "autograder.checks", "g - s * g.sum", "(g * s).sum",
                   "D.T @ as_", "P[k] = saved", "J P = P J", "tanh 1"):
        assert secret not in text, secret


@pytest.mark.slow
def test_committed_release_is_up_to_date(tmp_path):
    from autograder.release import release

    def cells(path):
        notebook = nbformat.read(path, 4)
        return [(c.cell_type, c.source, c.metadata) for c in notebook.cells]

    (fresh,) = release([ASSIGNMENT], into=tmp_path)
    assert cells(fresh) == cells(f"exercises/{ASSIGNMENT}/{ASSIGNMENT}.ipynb"), (
        f"exercises/ is stale: run `python -m autograder release {ASSIGNMENT}` and commit the result")


# --- how much the chapter gives away ----------------------------------------------------------------

#: The chapter's functions that a student could copy, handed in under the graded names with
#: the obvious adapters (one line each; for numerical_gradient, the chapter's one-entry
#: central difference applied to every entry).
CHAPTER_COPIES = {
    "forward": "def forward(Ws, bs, acts, X):\n    return forward_pass(Ws, bs, acts, X)\n",
    "activation_vjp": ("def activation_vjp(act, z, g):\n"
                       "    return DERIVATIVES[act](z, ACTIVATIONS[act](z)) * g\n"),
    "backward": "def backward(Ws, bs, acts, X, Y):\n    return backward_elementwise(Ws, bs, acts, X, Y)\n",
    "numerical_gradient": (
        "def numerical_gradient(Ws, bs, acts, X, Y, eps=1e-5):\n"
        "    return tuple([np.array([central_difference(entry_function(Ws, bs, acts, X, Y, which, l, k), P[k], eps)"
        " for k in np.ndindex(P.shape)]).reshape(P.shape) for l, P in enumerate(params)]"
        " for which, params in ((\"W\", Ws), (\"b\", bs)))\n"),
    "gradient_descent": "def gradient_descent(Ws, bs, acts, X, Y, lr, steps):\n    return train(Ws, bs, acts, X, Y, lr, steps)\n",
}


def chapter_code() -> str:
    """Every code cell of the chapter, in order, as one program."""
    text = CHAPTER.read_text()
    cells = re.findall(r"^```\{code-cell\}[^\n]*\n(.*?)^```", text, flags=re.S | re.M)
    return "\n".join(re.sub(r"\A---\n.*?^---\n", "", cell, flags=re.S | re.M) for cell in cells)


@pytest.fixture(scope="module")
def copied_chapter() -> dict:
    """The chapter's definitions, run once (its plots off-screen), with the adapters added."""
    import matplotlib

    matplotlib.use("Agg")
    namespace: dict = {"__name__": "chapter"}
    source = re.sub(r"^(glue|plt\.show|display)\(.*$", "pass", chapter_code(), flags=re.M)
    exec(compile(source, str(CHAPTER), "exec"), namespace)
    import matplotlib.pyplot as plt

    plt.close("all")
    for adapter in CHAPTER_COPIES.values():
        exec(adapter, namespace)
    return namespace


@pytest.mark.slow
def test_copying_the_chapter_earns_at_most_a_quarter(copied_chapter):
    earned = 0.0
    for name in NAMES:
        score = grade(check_of(name), copied_chapter[name]).score
        print(f"{name}: {score:g} / {POINTS[name]}")
        earned += score
    print(f"the chapter's code earns {earned:.2f} of {sum(POINTS.values())} points ({earned / sum(POINTS.values()):.0%})")
    assert earned <= 0.25 * sum(POINTS.values()), f"the chapter's code earns {earned} of {sum(POINTS.values())} points"


# --- end to end: python -m autograder grade on a perfect and a blank notebook -------------------


@pytest.mark.slow
def test_grade_perfect_and_blank_notebooks(tmp_path):
    root = tmp_path / "class"
    write_submission(root, "perfect", filled(ASSIGNMENT, reference_answers(ASSIGNMENT)), assignment=ASSIGNMENT)
    write_submission(root, "blank", filled(ASSIGNMENT, {}), assignment=ASSIGNMENT)
    out = tmp_path / "out"
    run = subprocess.run([sys.executable, "-m", "autograder", "grade", str(root), "--out", str(out),
                          "--assignment", ASSIGNMENT, "--timeout", "60"],
                         capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-2000:]
    grades = {row["student_id"]: row for row in read_rows(out / "grades.csv")}
    cells: dict = {}
    for row in read_rows(out / "cells.csv"):
        cells.setdefault(row["student_id"], {})[row["grade_id"]] = float(row["score"] or 0)
    auto = sum(POINTS.values())
    assert grades["perfect"]["status"].startswith("pending (manual:"), grades["perfect"]
    assert float(grades["perfect"]["max_score"]) == auto + sum(PROOF_POINTS.values())
    assert {g: s for g, s in cells["perfect"].items() if g not in PROOF_POINTS} == {f"{n}-hidden": POINTS[n] for n in NAMES}
    assert sum(s for g, s in cells["blank"].items() if g not in PROOF_POINTS) == 0
