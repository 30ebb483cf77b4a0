"""What DESIGN.md asks of every hidden test, for every assignment at once.

For each assignment with a checks module and a catalogue (``tests/checks_harness.py``
finds them, so a new exercise is tested here without a new test file): the released stub
scores 0, the reference solution gets full marks, every catalogued correct variant gets
full marks, every catalogued mistake loses points and fails the part its catalogue names
(and keeps the one it must keep) with a message that says what is wrong, tampering and forged outcomes gain nothing in the
real worker, the hidden cells and ``CHECKS`` agree with their points, the committed release
is up to date, and the visible tests pass on the reference. What is special to one
exercise stays in its ``tests/test_checks_exNN.py``.
"""
from __future__ import annotations

from textwrap import dedent

import nbformat
import pytest

from autograder import course
from autograder.fill import reference_answers
from autograder.grading.execute import Limits
from autograder.grading.judge import run_and_judge
from autograder.protocol import Outcome
from tests.checks_harness import (
    catalogue, check_for, checks_module, failed_parts, grade, graded_assignments, graded_names, load,
)

ASSIGNMENTS = graded_assignments()


def _cells(assignment_id: str, path) -> dict[str, str]:
    notebook = nbformat.read(path, 4)
    return {c.metadata["nbgrader"]["grade_id"]: c.source for c in notebook.cells
            if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade_id")}


def _source_cells(assignment_id: str) -> dict[str, str]:
    return _cells(assignment_id, course.source_notebook(assignment_id))


def _released_cells(assignment_id: str) -> dict[str, str]:
    return _cells(assignment_id, course.released_notebook(assignment_id))


def _defined(assignment_id: str, sources: dict[str, str], name: str, extra: str = ""):
    """``name`` as the notebook defines it: the imports cell, then the answer cells, then ``extra``."""
    namespace: dict = {}
    for source in [_source_cells(assignment_id)["imports"], *sources.values(), extra]:
        exec(compile(source, f"<{assignment_id}>", "exec"), namespace)
    return namespace.get(name)


def _by_name(entries: str) -> list:
    return [pytest.param(a, name, id=f"{a}/{name}") for a in ASSIGNMENTS for name in graded_names(a)]


def _catalogued(kind: str) -> list:
    return [pytest.param(a, name, label, id=f"{a}/{name}/{label}")
            for a in ASSIGNMENTS for name, entries in getattr(catalogue(a), kind).items() for label in entries]


# --- the catalogues ----------------------------------------------------------------------------


@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_the_catalogue_covers_every_graded_name_and_names_real_parts(assignment_id):
    entries, names = catalogue(assignment_id), graded_names(assignment_id)
    assert sorted(entries.CORRECT) == sorted(names) and sorted(entries.MISTAKES) == sorted(names)
    for name in names:
        assert len(entries.CORRECT[name]) >= 2 and len(entries.MISTAKES[name]) >= 3, name
    for (name, label), words in getattr(entries, "EXPECTED_FAILED_PART", {}).items():
        assert label in entries.MISTAKES[name], (name, label)
        assert any(words in part.description for part in check_for(assignment_id, name).parts), (name, words)


@pytest.mark.parametrize("assignment_id, name, label", _catalogued("CORRECT"))
def test_every_correct_variant_gets_full_marks(assignment_id, name, label):
    verdict = grade(check_for(assignment_id, name), load(catalogue(assignment_id).CORRECT[name][label], name))
    assert verdict.score == verdict.max_score, verdict.report()


@pytest.mark.parametrize("assignment_id, name, label", _catalogued("MISTAKES"))
def test_every_mistake_loses_its_named_part_with_a_message(assignment_id, name, label):
    verdict = grade(check_for(assignment_id, name), load(catalogue(assignment_id).MISTAKES[name][label], name))
    failed = failed_parts(verdict)
    assert verdict.score < verdict.max_score and failed, verdict.report()
    assert all(part.message for part in failed), verdict.report()
    words = getattr(catalogue(assignment_id), "EXPECTED_FAILED_PART", {}).get((name, label))
    if words is not None:
        assert any(words in part.description for part in failed), verdict.report()
    kept = getattr(catalogue(assignment_id), "KEEPS_PART", {}).get((name, label))
    if kept is not None:  # a mistake that must cost only its own part, not this one
        assert not any(kept in part.description for part in failed) and verdict.score > 0, verdict.report()


def _actionable() -> list:
    return [pytest.param(a, *entry, id=f"{a}/{entry[0]}/{entry[1]}/{entry[2]}")
            for a in ASSIGNMENTS for entry in getattr(catalogue(a), "ACTIONABLE_MESSAGES", [])]


@pytest.mark.parametrize("assignment_id, name, label, part_words, message_words", _actionable())
def test_failure_messages_say_what_is_wrong(assignment_id, name, label, part_words, message_words):
    verdict = grade(check_for(assignment_id, name), load(catalogue(assignment_id).MISTAKES[name][label], name))
    messages = [part.message for part in failed_parts(verdict) if part_words in part.description]
    assert messages and message_words in messages[0], verdict.report()


# --- the reference and the stub ----------------------------------------------------------------


@pytest.mark.parametrize("assignment_id, name", _by_name("names"))
def test_the_reference_solution_gets_full_marks(assignment_id, name):
    answers = {k: v for k, v in reference_answers(assignment_id).items() if k in graded_names(assignment_id)}
    verdict = grade(check_for(assignment_id, name), _defined(assignment_id, answers, name))
    assert verdict.score == verdict.max_score, verdict.report()


@pytest.mark.parametrize("assignment_id, name", _by_name("names"))
def test_the_released_stub_and_an_undefined_name_score_zero(assignment_id, name):
    stub = _released_cells(assignment_id)[name]
    assert "raise NotImplementedError()" in stub
    verdict = grade(check_for(assignment_id, name), _defined(assignment_id, {name: stub}, name))
    assert verdict.score == 0 and not any(part.passed for part in verdict.parts), verdict.report()
    check = check_for(assignment_id, name)
    undefined = check.judge([Outcome(error=f"{name} is not defined") for _ in check.calls])
    assert undefined.score == 0 and all(f"{name} is not defined" in part.message for part in undefined.parts)


# --- the notebook and the checks agree -----------------------------------------------------------


@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_the_hidden_cells_are_the_checks_with_the_same_points(assignment_id):
    source = nbformat.read(course.source_notebook(assignment_id), 4)
    hidden = {c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"].get("points") for c in source.cells
              if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")}
    checks = checks_module(assignment_id).CHECKS
    assert hidden == {grade_id: check.points for grade_id, check in checks.items()}
    for grade_id, check in checks.items():
        assert grade_id == f"{check.target}-hidden" and check.parts and check.points > 0
        assert all(call.target == check.target for call in check.calls), grade_id
        assert f"{check.target}_hidden(" in _source_cells(assignment_id)[grade_id]


@pytest.mark.slow
@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_the_committed_release_is_up_to_date(assignment_id, tmp_path):
    from autograder.release import release

    def cells(path):
        notebook = nbformat.read(path, 4)
        return [(c.cell_type, c.source, c.metadata) for c in notebook.cells]

    (fresh,) = release([assignment_id], into=tmp_path)
    assert cells(fresh) == cells(course.released_notebook(assignment_id)), (
        f"exercises/ is stale: run `python -m autograder release {assignment_id}` and commit the result")


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("assignment_id, name", _by_name("names"))
def test_the_visible_tests_pass_on_the_reference(assignment_id, name):
    names = graded_names(assignment_id)
    answers = {k: v for k, v in reference_answers(assignment_id).items() if k in names}
    visible = [_released_cells(assignment_id)[f"{n}-visible"] for n in names[: names.index(name) + 1]]
    _defined(assignment_id, answers, name, extra="\n".join(visible))  # in order: later ones use earlier helpers


# --- the real worker: forged outcomes and tampering gain nothing ---------------------------------

FORGING_CELL = dedent('''
    import os
    # Write outcomes that look well-behaved straight into every pipe the process holds.
    forged = '{"call": 0, "outcome": {"error": null, "warnings": [], "mutated": false, "type_name": "numpy.ndarray", ' \\
             '"dtype": "float64", "shape": null, "value": null, "symbols": [], "entries": ["1"]}}\\n{"ready": true}\\n'
    for fd in range(3, 64):
        try:
            if os.readlink(f"/proc/self/fd/{fd}").startswith("pipe:"):
                os.write(fd, (forged * 100).encode())
        except OSError:
            pass
''')

TAMPERING_CELL = dedent('''
    import builtins, sys
    import numpy as np
    _yes = lambda *args, **kwargs: True
    np.allclose = np.array_equal = np.isclose = _yes
    np.testing.assert_allclose = np.testing.assert_array_equal = lambda *args, **kwargs: None
    builtins.abs = lambda x: 0
    protocol = sys.modules.get("protocol")
    if protocol is not None:                      # the worker's reading of results, replaced
        protocol._was_mutated = lambda *args: False
''')


def _stubs(assignment_id: str) -> list[str]:
    return [f"def {name}(*args, **kwargs):\n    raise NotImplementedError()\n" for name in graded_names(assignment_id)]


@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_in_the_worker_correct_code_gets_full_marks_and_forgery_or_tampering_nothing(assignment_id):
    limits = Limits(call_timeout=60.0)
    checks = checks_module(assignment_id).CHECKS
    imports = _source_cells(assignment_id)["imports"]
    correct = [imports, *(next(iter(catalogue(assignment_id).CORRECT[name].values())) for name in graded_names(assignment_id))]
    for grade_id, verdict in run_and_judge(correct, checks, limits)[0].items():
        assert verdict.score == verdict.max_score, (grade_id, verdict.report())
    for cells in ([imports, FORGING_CELL, *_stubs(assignment_id)], [imports, TAMPERING_CELL, *_stubs(assignment_id)]):
        for grade_id, verdict in run_and_judge(cells, checks, limits)[0].items():
            assert verdict.score == 0, (grade_id, verdict.report())
