"""How much the execution cache saves: a cold book build against cached rebuilds.

    .venv/bin/python benchmarks/book_build.py

Copies the book's sources to a temporary folder and, side by side in one run, times a
cold build (no _build, every chapter executed), a rebuild with nothing changed, and a
rebuild after a text-only edit of a chapter (the cache still holds its outputs). Prints
each time and its ratio to the cold build.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ["_config.yml", "_toc.yml", "book", "exercises"]


def build(folder: Path) -> float:
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    start = time.perf_counter()
    subprocess.run([str(jupyter_book), "build", ".", "-W", "-n", "--keep-going"], cwd=folder, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="book-bench-") as scratch:
        folder = Path(scratch)
        for name in SOURCES:
            source = ROOT / name
            (shutil.copytree if source.is_dir() else shutil.copyfile)(source, folder / name)
        cold = build(folder)
        unchanged = build(folder)
        chapter = folder / "book" / "ch02_softmax.md"
        chapter.write_text(chapter.read_text() + "\nAn edit to the text only.\n")
        edited = build(folder)
    print(f"{'build':<32}{'seconds':>9}{'vs cold':>9}")
    for label, seconds in (("cold (executes every chapter)", cold), ("cached, nothing changed", unchanged),
                           ("cached, text of a chapter edited", edited)):
        print(f"{label:<32}{seconds:>9.1f}{seconds / cold:>9.2f}")


if __name__ == "__main__":
    main()
