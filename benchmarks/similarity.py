"""How long the similarity report takes on a whole class, and how much of it a regrade saves.

    .venv/bin/python benchmarks/similarity.py [STUDENTS]

Builds an OUT folder as `grade` leaves it, with STUDENTS (default 300) submissions of ex03
put together from the catalogue's correct variants, then times, in one run: the first report
(every submission fingerprinted), a second one with nothing changed, and one after a single
student's notebook changed. Prints seconds and the ratios, and the peak memory.
"""
from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import nbformat  # noqa: E402

from autograder.fill import filled  # noqa: E402
from autograder.grading.similarity import similarity  # noqa: E402
from tests.test_similarity import ASSIGNMENT, _graded_out, independent_students  # noqa: E402


def main(count: int) -> None:
    base = independent_students()
    students = {f"p{i:04d}": {**base[f"s{i % len(base):02d}"],
                              "proof": base[f"s{i % len(base):02d}"]["proof"] + f" Written by student {i}."}
                for i in range(count)}
    with tempfile.TemporaryDirectory() as scratch:
        out = _graded_out(Path(scratch), students)
        timings = {}
        for label in ("first report", "nothing changed", "one student changed"):
            if label == "one student changed":
                path = out / "work" / "autograded" / "p0001" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
                nbformat.write(filled(ASSIGNMENT, {**students["p0001"], "relu": "def relu(x):\n    return x\n"}), path)
            started = time.perf_counter()
            similarity(out)
            timings[label] = time.perf_counter() - started
    pairs = count * (count + 1) // 2
    print(f"{count} submissions (+ the reference), {pairs} pairs")
    for label, seconds in timings.items():
        print(f"  {label:22s} {seconds:7.2f} s  ({timings['first report'] / seconds:5.1f}x faster than the first)")
    print(f"  peak memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
