"""What DESIGN.md asks of every hidden test, for every assignment at once.

For each assignment with a checks module and a catalogue (``tests/checks_harness.py``
finds them, so a new exercise is tested here without a new test file): the released stub,
an undefined name and a function that answers nothing (returns None, is no function,
raises ValueError for everything) score 0; the reference solution gets full marks, through
the worker's wire format and from its hidden cell's function; every catalogued correct
variant gets full marks; every catalogued mistake loses points and fails the part its
catalogue names (keeps the one it must keep, fails only those it may fail) with a message
that says what is wrong; in the real worker correct code gets full marks and tampering and
forged outcomes gain nothing; the hidden cells and ``CHECKS`` agree with their points; the
committed release is up to date; and the visible tests pass on the reference, fail on the
stub and catch the catalogued commonest mistakes. What is special to one exercise stays in
its ``tests/test_checks_exNN.py``.
"""
from __future__ import annotations

import re
from textwrap import dedent

import nbformat
import pytest

from autograder import course
from autograder.grading.execute import Limits
from autograder.grading.judge import run_and_judge
from autograder.protocol import Outcome
from tests.checks_harness import (
    assert_nothing_gained, catalogue, check_for, checks_module, failed_parts, forging_cell, grade, graded_assignments,
    graded_names, graded_points, load, notebook_namespace, released_cells, run_visible, solution_answers, source_cells,
)

ASSIGNMENTS = graded_assignments()


def _defined(assignment_id: str, sources: dict[str, str], name: str, extra: str = ""):
    """``name`` as the notebook defines it: the imports cell, then the answer cells, then ``extra``."""
    return notebook_namespace(assignment_id, sources, extra).get(name)


def _by_name() -> list:
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
    mistakes = {(name, label) for name in names for label in entries.MISTAKES[name]}
    assert set(entries.EXPECTED_FAILED_PART) == mistakes, "say in EXPECTED_FAILED_PART which part each mistake fails"
    named = [*entries.EXPECTED_FAILED_PART.items(), *getattr(entries, "KEEPS_PART", {}).items(),
             *((key, words) for key, all_words in getattr(entries, "FAILS_ONLY", {}).items() for words in all_words),
             *(((name, label), words) for name, label, words, _ in getattr(entries, "ACTIONABLE_MESSAGES", []))]
    for (name, label), words in named:
        assert label in entries.MISTAKES[name], (name, label)
        assert any(words in part.description for part in check_for(assignment_id, name).parts), (name, words)
    for name, label, _ in getattr(entries, "VISIBLE_TESTS_CATCH", []):
        assert label in entries.MISTAKES[name], (name, label)


@pytest.mark.parametrize("assignment_id, name, label", _catalogued("CORRECT"))
def test_every_correct_variant_gets_full_marks(assignment_id, name, label):
    verdict = grade(check_for(assignment_id, name), load(catalogue(assignment_id).CORRECT[name][label], name))
    assert verdict.score == verdict.max_score, verdict.report()


@pytest.mark.parametrize("assignment_id, name, label", _catalogued("MISTAKES"))
def test_every_mistake_loses_its_named_part_with_a_message(assignment_id, name, label):
    """Also what the message of a failed part says, where ACTIONABLE_MESSAGES names it (one
    grading for both: some mistakes take seconds to judge)."""
    entries = catalogue(assignment_id)
    verdict = grade(check_for(assignment_id, name), load(entries.MISTAKES[name][label], name))
    failed = failed_parts(verdict)
    assert verdict.score < verdict.max_score and failed, verdict.report()
    assert all(part.message for part in failed), verdict.report()
    words = entries.EXPECTED_FAILED_PART[(name, label)]
    assert any(words in part.description for part in failed), verdict.report()
    kept = getattr(entries, "KEEPS_PART", {}).get((name, label))
    if kept is not None:  # a mistake that must cost only its own part, not this one
        assert not any(kept in part.description for part in failed) and verdict.score > 0, verdict.report()
    only = getattr(entries, "FAILS_ONLY", {}).get((name, label))
    if only is not None:  # a mistake that must cost only the parts about it
        assert all(any(words in part.description for words in only) for part in failed), verdict.report()
    for part_words, message_words in _actionable(assignment_id, name, label):
        messages = [part.message for part in failed if part_words in part.description]
        assert messages and message_words in messages[0], (part_words, message_words, verdict.report())


def _actionable(assignment_id: str, name: str, label: str) -> list[tuple[str, str]]:
    """What the catalogue says a mistake's message must say: (words of the part, words of its message)."""
    return [(part_words, message_words) for entry_name, entry_label, part_words, message_words
            in getattr(catalogue(assignment_id), "ACTIONABLE_MESSAGES", []) if (entry_name, entry_label) == (name, label)]


@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_the_catalogue_says_what_some_messages_must_say(assignment_id):
    assert len(getattr(catalogue(assignment_id), "ACTIONABLE_MESSAGES", [])) >= 3


# --- the reference and the stub ----------------------------------------------------------------


@pytest.mark.parametrize("assignment_id, name", _by_name())
def test_the_reference_solution_gets_full_marks(assignment_id, name):
    """Judged on what the grader receives: the outcomes through the worker's wire format."""
    function = _defined(assignment_id, solution_answers(assignment_id), name)
    verdict = grade(check_for(assignment_id, name), function, via_json=True)
    assert verdict.score == verdict.max_score, verdict.report()


@pytest.mark.parametrize("assignment_id, name", _by_name())
def test_the_hidden_cell_prints_and_returns_the_score(assignment_id, name, capsys):
    points = check_for(assignment_id, name).points
    hidden = getattr(checks_module(assignment_id), f"{name}_hidden")
    assert hidden(_defined(assignment_id, solution_answers(assignment_id), name)) == points
    assert f"score: {points:g} / {points:g}" in capsys.readouterr().out


@pytest.mark.parametrize("assignment_id, name", _by_name())
def test_the_released_stub_and_an_undefined_name_score_zero(assignment_id, name):
    stub = released_cells(assignment_id)[name]
    assert "raise NotImplementedError()" in stub
    verdict = grade(check_for(assignment_id, name), _defined(assignment_id, {name: stub}, name))
    assert verdict.score == 0 and not any(part.passed for part in verdict.parts), verdict.report()
    check = check_for(assignment_id, name)
    undefined = check.judge([Outcome(error=f"{name} is not defined") for _ in check.calls])  # as the worker says it
    assert undefined.score == 0 and all(f"{name} is not defined" in part.message for part in undefined.parts)


def _refuses_everything(*args, **kwargs):
    raise ValueError("no")


def _no_answers() -> list:
    return [pytest.param(a, name, kind, id=f"{a}/{name}/{kind}")
            for a in ASSIGNMENTS for name in graded_names(a)
            for kind in ("returns_none", "not_a_function", "refuses_everything")]


@pytest.mark.parametrize("assignment_id, name, kind", _no_answers())
def test_a_function_that_answers_nothing_scores_zero(assignment_id, name, kind):
    function = {"returns_none": lambda *args, **kwargs: None, "not_a_function": None,
                "refuses_everything": _refuses_everything}[kind]
    verdict = grade(check_for(assignment_id, name), function)
    assert verdict.score == 0 and not any(part.passed for part in verdict.parts), verdict.report()


# --- the notebook and the checks agree -----------------------------------------------------------


@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_the_hidden_cells_are_the_checks_with_the_same_points(assignment_id):
    source = nbformat.read(course.source_notebook(assignment_id), 4)
    hidden = {c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"].get("points") for c in source.cells
              if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")}
    checks = checks_module(assignment_id).CHECKS
    assert hidden == {grade_id: check.points for grade_id, check in checks.items()}
    assert all(points > 0 for points in graded_points(assignment_id).values())  # the proofs too
    ids = [cell.id for cell in source.cells]
    assert len(set(ids)) == len(ids)
    for grade_id, check in checks.items():
        assert grade_id == f"{check.target}-hidden" and check.parts and check.points > 0
        assert all(call.target == check.target for call in check.calls), grade_id
        assert f"{check.target}_hidden(" in source_cells(assignment_id)[grade_id]


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
@pytest.mark.parametrize("assignment_id, name", _by_name())
def test_the_visible_tests_pass_on_the_reference_and_fail_on_the_stub(assignment_id, name):
    names = graded_names(assignment_id)
    visible = [released_cells(assignment_id)[f"{n}-visible"] for n in names[: names.index(name) + 1]]
    answers = solution_answers(assignment_id)
    _defined(assignment_id, answers, name, extra="\n".join(visible))  # in order: later ones use earlier helpers
    with pytest.raises(NotImplementedError):
        _defined(assignment_id, {**answers, name: released_cells(assignment_id)[name]}, name, extra=visible[-1])


def _catching() -> list:
    return [pytest.param(a, *entry, id=f"{a}/{entry[0]}/{entry[1]}")
            for a in ASSIGNMENTS for entry in getattr(catalogue(a), "VISIBLE_TESTS_CATCH", [])]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the mistakes overflow, as they do for students
@pytest.mark.parametrize("assignment_id, name, label, words", _catching())
def test_the_visible_tests_catch_the_commonest_mistakes(assignment_id, name, label, words):
    with pytest.raises(AssertionError, match=re.escape(words)):
        run_visible(assignment_id, name, {name: catalogue(assignment_id).MISTAKES[name][label]})


# --- the real worker: forged outcomes and tampering gain nothing ---------------------------------

FORGING_CELL = forging_cell()

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
    imports = source_cells(assignment_id)["imports"]
    correct = [imports, *(next(iter(catalogue(assignment_id).CORRECT[name].values())) for name in graded_names(assignment_id))]
    for grade_id, verdict in run_and_judge(correct, checks, limits)[0].items():
        assert verdict.score == verdict.max_score, (grade_id, verdict.report())
    for cells in ([imports, FORGING_CELL, *_stubs(assignment_id)], [imports, TAMPERING_CELL, *_stubs(assignment_id)]):
        assert_nothing_gained(run_and_judge(cells, checks, limits)[0])
