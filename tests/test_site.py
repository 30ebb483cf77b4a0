"""The built book (made by `make test` before pytest runs) gives no solutions away."""
from pathlib import Path

from autograder import course

SITE = course.ROOT / "_build" / "html"


def test_book_was_built():
    assert (SITE / "book" / "ch02_softmax.html").is_file(), "build the book first: `make test` does"


def test_site_has_no_solutions_or_hidden_tests():
    assert not any(p.name.startswith(("solutions", "autograder")) for p in SITE.rglob("*"))
    for page in SITE.rglob("*.html"):
        text = page.read_text(errors="replace")
        for secret in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS", "autograder.checks"):
            assert secret not in text, f"{secret} in {page}"


def test_exercise_download_is_the_released_notebook():
    downloads = list(SITE.glob("_downloads/*/ex02_softmax.ipynb"))
    assert len(downloads) == 1
    assert downloads[0].read_bytes() == course.released_notebook("ex02_softmax").read_bytes()
    chapter = (SITE / "book" / "ch02_softmax.html").read_text()
    assert Path(downloads[0]).relative_to(SITE).as_posix() in chapter.replace("../", "")
