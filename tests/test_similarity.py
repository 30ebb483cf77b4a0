"""The similarity report: copies rank above independent answers, what every student was given
never counts, the page is safe and offline, and a regrade recomputes only what changed."""
from __future__ import annotations

import ast
import builtins
import csv
import shutil
from pathlib import Path

import nbformat
import pytest

from autograder import course
from autograder.fill import filled, reference_answers
from autograder.grading import similarity as sim
from tests.catalogue import ex03_relu_subgradients as catalogue

ASSIGNMENT = "ex03_relu_subgradients"
NAMES = list(catalogue.CORRECT)
PROOFS = [
    "At zero, a slope v lies below the graph iff v x <= max(0, x) for all x. For x > 0 this needs v <= 1, "
    "for x < 0 it needs v >= 0, so the subdifferential is [0, 1]. For |x| at 0, g = 0 is a subgradient "
    "but -g gives no descent direction since 0 is the minimiser.",
    "Take any v in [0, 1]. If x is nonnegative then v times x is at most x; if x is negative then v times x is at "
    "most zero. Conversely v above one fails at x equal to one and v below zero fails at minus one. Example: "
    "f(x, y) = |x| + 2|y| at (1, 0) with subgradient (1, 2) increases along the negative direction.",
    "We need ReLU(x) >= ReLU(0) + v (x - 0) for all real x. The two half lines give the conditions v <= 1 and "
    "v >= 0 respectively, hence exactly [0, 1]. For a convex function and a point where -g is not a descent "
    "direction, use the max of x and -2x at zero: g = 1 and moving left raises the value.",
    "Write the subgradient inequality. Positive inputs force the slope to be at most one, negative inputs force it "
    "to be at least zero, and every slope in between satisfies both, which proves the claim. Consider "
    "h(a, b) = |a| + |b| at the origin with g = (1, -1): stepping along -g leaves h larger.",
    "Suppose s is a subgradient of ReLU at the origin. Testing the inequality at the point one shows s cannot "
    "exceed one; testing it at minus one shows s cannot be negative. Any s between zero and one passes both "
    "half lines at once. Counterexample to descent: the norm |x|_1 in the plane at (0, 0) with s = (1, 1).",
    "The graph of ReLU lies above the line through the origin with slope m exactly when m x is below x on the "
    "right and below zero on the left, so m belongs to the closed unit interval. For the second part pick "
    "q(u, w) = max(u, w) at u = w = 0 and the subgradient (1/2, 1/2); its negative is not downhill for q.",
]


def _variants(name: str) -> list[str]:
    return [reference_answers(ASSIGNMENT)[name], *catalogue.CORRECT[name].values()]


def independent_students(count: int = len(PROOFS)) -> dict[str, dict[str, str]]:
    """Correct answers put together from the catalogue's correct variants, any two sharing at
    most two of the five functions word for word (small tasks have few good answers), each with
    a proof of its own."""
    from itertools import product

    chosen: list[tuple[int, ...]] = []
    for combo in product(*(range(len(_variants(name))) for name in NAMES)):
        if all(sum(a == b for a, b in zip(combo, other)) <= 2 for other in chosen):
            chosen.append(combo)
        if len(chosen) == count:
            break
    return {f"s{s:02d}": {**{name: _variants(name)[i] for name, i in zip(NAMES, combo)}, "proof": PROOFS[s]}
            for s, combo in enumerate(chosen)}


class _Rename(ast.NodeTransformer):
    """Give every local name and argument a new one, as a student hiding a copy would."""

    KEEP = set(dir(builtins)) | {"np", "sp", "numpy", "sympy", "math"}

    def _new(self, name: str) -> str:
        return name if name in self.KEEP or name in NAMES else f"my_{name}_var"

    def visit_Name(self, node):
        node.id = self._new(node.id)
        return node

    def visit_arg(self, node):
        node.arg = self._new(node.arg)
        return node


def renamed_and_reformatted(source: str) -> str:
    tree = _Rename().visit(ast.parse(source))
    return ast.unparse(tree)


def commented(source: str) -> str:
    lines = []
    for line in source.splitlines():
        lines.append(line)
        if line.strip() and not line.rstrip().endswith((":", ",", "(", "\\")):
            lines.append(" " * (len(line) - len(line.lstrip())) + "# checked this line twice")
        lines.append("")
    return "\n".join(lines)


def reworded(text: str) -> str:
    return text.replace("For", "Now for").replace("needs", "requires").replace("gives", "yields")


def reordered(answers: dict[str, str]) -> dict[str, str]:
    """The same functions, each cell with a helper of its own placed before it."""
    return {name: (f"def helper_{i}(x):\n    return x\n\n" + code if name != "proof" else code)
            for i, (name, code) in enumerate(answers.items())}


def copies(students: dict) -> dict[str, tuple[str, dict[str, str]]]:
    """Known copies: each of another student, disguised one way."""
    code = [n for n in NAMES]
    return {
        "c_renamed": ("s01", {**{n: renamed_and_reformatted(students["s01"][n]) for n in code},
                              "proof": students["s01"]["proof"]}),
        "c_commented": ("s02", {**{n: commented(students["s02"][n]) for n in code}, "proof": students["s02"]["proof"]}),
        "c_reworded": ("s03", {**students["s03"], "proof": reworded(students["s03"]["proof"])}),
        "c_reordered": ("s04", reordered(students["s04"])),
        "c_everything": ("s05", {**{n: commented(renamed_and_reformatted(students["s05"][n])) for n in code},
                                 "proof": reworded(students["s05"]["proof"])}),
    }


def _answers(students: dict[str, dict[str, str]]) -> list[sim.Answer]:
    released = nbformat.read(course.released_notebook(ASSIGNMENT), 4)
    stub = sim.stub_fingerprints(released)
    return [sim.fingerprint_answer(student, *sim.answer_parts(filled(ASSIGNMENT, answers)), stub)
            for student, answers in students.items()]


def test_every_copied_pair_ranks_above_every_independent_pair():
    students = independent_students()
    disguised = copies(students)
    pairs = sim.score_pairs(_answers({**students, **{c: answers for c, (_, answers) in disguised.items()}}))
    copied = {frozenset((copy, original)) for copy, (original, _) in disguised.items()}
    copy_scores = [p.score for p in pairs if frozenset((p.first, p.second)) in copied]
    others = [p.score for p in pairs if frozenset((p.first, p.second)) not in copied
              and not (p.first.startswith("c_") or p.second.startswith("c_"))]
    assert len(copy_scores) == len(copied)
    assert min(copy_scores) > max(others), (sorted(copy_scores), sorted(others)[-5:])


def test_what_every_student_was_given_never_counts():
    released = nbformat.read(course.released_notebook(ASSIGNMENT), 4)
    stub = sim.stub_fingerprints(released)
    blank = [sim.fingerprint_answer(f"b{i}", *sim.answer_parts(released), stub) for i in range(3)]
    assert all(not answer.fingerprints for answer in blank)
    assert all(pair.score == 0 for pair in sim.score_pairs(blank))


def test_tokens_ignore_names_literals_comments_and_layout():
    a = "def f(x, y=2):\n    # add\n    return x + y * 3.5  # done\n"
    b = "def   g(first,second = 7):\n\n    return first+second*1e-3\n"
    assert [t for t, _ in sim.code_tokens(a)] == [t for t, _ in sim.code_tokens(b)]
    assert sim.code_tokens("def f(:\n  ))") is not None  # broken code still gives what it can


def _graded_out(tmp_path: Path, students: dict[str, dict[str, str]]) -> Path:
    """An OUT folder laid out as `grade` leaves it (autograded copies and the release)."""
    out = tmp_path / "out"
    for student, answers in students.items():
        path = out / "work" / "autograded" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(filled(ASSIGNMENT, answers), path)
    release = out / "work" / "release" / ASSIGNMENT
    release.mkdir(parents=True)
    shutil.copy(course.released_notebook(ASSIGNMENT), release)
    return out


def test_the_page_and_table_escape_student_text_and_flag_the_reference(tmp_path):
    students = independent_students(4)
    reference = reference_answers(ASSIGNMENT)
    hostile = '</pre><script>alert(1)</script><img src=x onerror=alert(2)>'
    students["evil"] = {**reference, "relu": reference["relu"] + f"\n# {hostile}\n", "proof": hostile}
    students["=HYPERLINK(1)"] = dict(reference)
    out = _graded_out(tmp_path, students)
    (page,) = sim.similarity(out, threshold=0.3)
    text = page.read_text()
    assert "<script" not in text and "<img" not in text
    assert "&lt;script&gt;" in text
    assert "default-src 'none'" in text and 'name="viewport"' in text
    assert "http://" not in text and "https://" not in text  # nothing loaded from elsewhere
    with (out / "similarity" / f"{ASSIGNMENT}.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 6 * 7 // 2  # every pair of 6 students and the reference
    assert all(not row["student_a"].startswith("=") and not row["student_b"].startswith("=") for row in rows)
    top = {frozenset((row["student_a"], row["student_b"])): float(row["score"]) for row in rows}
    assert top[frozenset(("'=HYPERLINK(1)", sim.REFERENCE))] == pytest.approx(1.0)


def test_a_regrade_recomputes_only_the_changed_submission(tmp_path, monkeypatch):
    students = independent_students(5)
    out = _graded_out(tmp_path, students)
    sim.similarity(out)
    made = []
    real = sim.fingerprint_answer
    monkeypatch.setattr(sim, "fingerprint_answer", lambda student, *a: made.append(student) or real(student, *a))
    changed = {**students["s02"], "relu": "def relu(x):\n    import numpy as np\n    return np.fmax(x, 0.0) * 1.0\n"}
    nbformat.write(filled(ASSIGNMENT, changed), out / "work" / "autograded" / "s02" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    before = (out / "similarity" / f"{ASSIGNMENT}.csv").read_text()
    sim.similarity(out)
    assert made == ["s02", sim.REFERENCE]
    assert (out / "similarity" / f"{ASSIGNMENT}.csv").read_text() != before


def test_the_command_writes_the_pages_and_the_report_links_them(tmp_path, capsys):
    from autograder.cli import main
    from autograder.grading.analysis import render_report

    out = _graded_out(tmp_path, independent_students(3))
    assert main(["similarity", str(out), "--threshold", "0.2"]) == 0
    assert (out / "similarity" / f"{ASSIGNMENT}.html").is_file()
    assert f"wrote {out / 'similarity' / ASSIGNMENT}.html" in capsys.readouterr().out
    from autograder.grading.records import SubmissionGrade

    row = SubmissionGrade("s00", ASSIGNMENT, 10.0, 20.0, "graded")
    assert f'href="similarity/{ASSIGNMENT}.html"' in render_report([row], [], [ASSIGNMENT])
    assert "similarity/" not in render_report([row], [], [])


@pytest.mark.slow
def test_grade_with_similarity_writes_the_report_and_links_it(tmp_path):
    from autograder.grading.judge import Limits
    from autograder.grading.run import grade
    from tests.conftest import write_submission

    for student, answers in independent_students(2).items():
        write_submission(tmp_path / "class", student, filled(ASSIGNMENT, answers), assignment=ASSIGNMENT)
    grade(tmp_path / "class", tmp_path / "out", limits=Limits(cell_timeout=30), similarity=0.4)
    assert (tmp_path / "out" / "similarity" / f"{ASSIGNMENT}.html").is_file()
    assert f'href="similarity/{ASSIGNMENT}.html"' in (tmp_path / "out" / "report.html").read_text()
