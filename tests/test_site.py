"""What is published (the built site, the student kit, the PDF; `make test` makes all three
before pytest runs) gives nothing away: no solution code, no hidden-check code, none of
the hidden tests' inputs. And the kit works on its own: its validate runs a notebook with
nothing from this repository on the path."""
from __future__ import annotations

import functools
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import numpy as np
import pytest
from bs4 import BeautifulSoup

from autograder import course
from autograder.fill import filled, reference_answers
from tests.pdf_text import pdf_pages

SITE = course.ROOT / "_build" / "html"
KIT = SITE / "student-kit.zip"
PDF = SITE / "activation-functions-in-depth.pdf"
CHECKS = course.ROOT / "autograder" / "checks"
_SOLUTION = re.compile(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", re.S)

pytestmark = pytest.mark.xdist_group("site")  # the session fixture is made once, the PDF read once



def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _windows(lines: list[str], size: int = 3) -> set[str]:
    """Every run of ``size`` consecutive non-trivial lines, whitespace normalised."""
    lines = [_normal(line) for line in lines]
    lines = [line for line in lines if len(line) > 3 and not line.startswith("#")]
    if len(lines) < size:
        return {" ".join(lines)} if len(" ".join(lines)) >= 40 else set()
    return {" ".join(lines[i:i + size]) for i in range(len(lines) - size + 1)}


@functools.cache
def solution_snippets() -> frozenset[str]:
    snippets = set()
    for assignment_id in course.assignment_ids():
        for cell in nbformat.read(course.source_notebook(assignment_id), 4).cells:
            for block in _SOLUTION.findall(cell.source):
                snippets |= _windows(block.splitlines())
    return frozenset(snippets)


@functools.cache
def check_snippets() -> frozenset[str]:
    snippets = set()
    for path in CHECKS.glob("*.py"):
        if path.name != "__init__.py":
            code = [line for line in path.read_text().splitlines() if not line.lstrip().startswith(("import", "from"))]
            snippets |= _windows(code)
    return frozenset(snippets)


@functools.cache
def hidden_inputs() -> frozenset[str]:
    """The hidden tests' random inputs, as a notebook or a page would print them: the
    numbers of the arrays the checks pass, and the symbolic test points."""
    import importlib

    numbers = set()
    for path in CHECKS.glob("ex*.py"):
        module = importlib.import_module(f"autograder.checks.{path.stem}")
        for check in module.CHECKS.values():
            for part in check.parts:
                for call in part.calls:
                    for point in getattr(call, "points", ()) or ():
                        # a symbolic test point, as a list would print it; a point of small whole
                        # numbers such as (0, 0) is no secret, a random rational is
                        if len(point) >= 2 and any("/" in str(v) or len(str(v)) > 2 for v in point.values()):
                            numbers.add(", ".join(str(v) for v in point.values()))
                    for value in [*call.args, *call.kwargs.values()]:
                        try:
                            array = np.asarray(value, dtype=np.float64).ravel()
                        except (TypeError, ValueError):
                            continue
                        for x in array[:50]:
                            # random (needs more than 6 significant digits), not a round test value
                            # such as 1e-300 or 0.125 that a contract may well name
                            if np.isfinite(x) and float(f"{x:.6g}") != x:
                                numbers.add(repr(float(x)))
                                if float(f"{x:.6g}") != float(f"{x:.10g}"):  # 1 + 1e-12 prints as "1"
                                    numbers.add(f"{x:.10g}")
    return frozenset(numbers)


def published_texts() -> dict[str, str]:
    """Every published file as text: page text and code, kit files, PDF text."""
    texts = {}
    for path in SITE.rglob("*"):
        if path.suffix in (".html", ".ipynb", ".txt", ".js", ".py") and "_static" not in path.parts:
            raw = path.read_text(errors="replace")
            if path.suffix == ".html":
                raw += "\n" + BeautifulSoup(raw, "html.parser").get_text("\n")
            texts[str(path.relative_to(SITE))] = raw
    with zipfile.ZipFile(KIT) as archive:
        for name in archive.namelist():
            texts[f"kit:{name}"] = archive.read(name).decode("utf-8", errors="replace")
    texts["pdf"] = "\n".join(pdf_pages())
    return texts


@pytest.fixture(scope="session")
def published():
    assert (SITE / "book" / "intro.html").is_file() and KIT.is_file() and PDF.is_file(), \
        "build the book, its PDF and the kit first: `make test` does"
    return published_texts()


def test_the_catalogues_of_secrets_are_not_empty():
    assert len(solution_snippets()) >= 5 and len(check_snippets()) > 50 and len(hidden_inputs()) > 50


def test_nothing_published_holds_solutions_checks_or_hidden_inputs(published):
    for name, text in published.items():
        for marker in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS", "autograder.checks", "autograder/checks"):
            assert marker not in text, f"{marker!r} in published {name}"
        flat = _normal(text)
        for snippet in solution_snippets():
            assert snippet not in flat, f"solution code in published {name}: {snippet[:80]!r}"
        for snippet in check_snippets():
            assert snippet not in flat, f"hidden-check code in published {name}: {snippet[:80]!r}"
        leaked = [number for number in hidden_inputs() if number in text]
        assert not leaked, f"hidden test inputs in published {name}: {leaked[:3]}"


def test_a_planted_secret_would_be_found(published):
    """The search above is not vacuous: a solution or check pasted into a page is caught."""
    snippet = next(iter(solution_snippets()))
    assert snippet in _normal("<p>" + snippet + "</p>")
    assert any(s in _normal(text) for s in check_snippets() for text in [CHECKS.joinpath("ex02_softmax.py").read_text()])


def test_exercise_downloads_are_the_released_notebooks():
    for assignment_id in course.assignment_ids():
        for download in SITE.glob(f"_downloads/*/{assignment_id}.ipynb"):
            assert download.read_bytes() == course.released_notebook(assignment_id).read_bytes()


def test_kit_holds_the_released_notebooks_and_validate(published):
    with zipfile.ZipFile(KIT) as archive:
        names = set(archive.namelist())
        for assignment_id in course.assignment_ids():
            name = f"activation-functions-kit/exercises/{assignment_id}/{assignment_id}.ipynb"
            assert archive.read(name) == course.released_notebook(assignment_id).read_bytes()
    assert {"activation-functions-kit/validate.py", "activation-functions-kit/README.txt",
            "activation-functions-kit/requirements.txt"} <= names
    assert not any("solution" in n or "checks" in n for n in names)


def test_kit_validate_runs_alone(tmp_path):
    """Unzipped anywhere and run with no access to this repository, the kit's validate
    finds the unwritten answers of a released notebook and passes the reference answers."""
    with zipfile.ZipFile(KIT) as archive:
        archive.extractall(tmp_path)
    kit = tmp_path / "activation-functions-kit"
    assignment_id = course.assignment_ids()[0]
    done = tmp_path / "mine" / f"{assignment_id}.ipynb"
    done.parent.mkdir()
    nbformat.write(filled(assignment_id, reference_answers(assignment_id)), done)

    def run(notebook: Path):
        return subprocess.run([sys.executable, "-E", str(kit / "validate.py"), str(notebook)], cwd=tmp_path,
                              capture_output=True, text=True, timeout=600)

    blank = run(kit / "exercises" / assignment_id / f"{assignment_id}.ipynb")
    assert blank.returncode == 1 and "is not written yet (NotImplementedError)" in blank.stdout, blank.stdout + blank.stderr
    ready = run(done)
    assert ready.returncode == 0 and ready.stdout.strip().endswith("ready to hand in"), ready.stdout + ready.stderr
