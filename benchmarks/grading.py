"""The grader against plain nbgrader on the same class, side by side in one run.

    .venv/bin/python benchmarks/grading.py [--students N] [--jobs J] [--timeout SECONDS]

Makes a class of N (default 40) submissions of ex02_softmax: the reference answers, one
typical mistake each (from the test catalogue), blank notebooks, endless loops and hostile
notebooks (exiting the kernel, flooding the output, forking, reading the solutions). Then
it grades the class twice, on this machine, one after the other:

- plain nbgrader: ``generate_assignment``, ``autograde`` and ``generate_feedback`` on a
  course folder holding the same sources, the hidden cells running the checks in the
  student's kernel, one notebook at a time (nbgrader has no parallel mode);
- ``python -m autograder grade --jobs J`` (sandboxed, default J = 2).

It does the same for the honest notebooks alone (perfect, mistakes, blank), since the few
notebooks that hang until their time limits dominate a small class. For each, it prints both
wall times, notebooks per minute and the ratio of throughputs; checks that the honest
notebooks got the same score from both; and shows where this grader's time goes per
notebook (from ``OUT/work/timings.json``) and its slowest notebooks.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import nbformat  # noqa: E402
from nbgrader.api import Gradebook  # noqa: E402

from autograder.fill import filled, reference_answers  # noqa: E402
from tests.catalogue.ex02_softmax import MISTAKES  # noqa: E402

ASSIGNMENT = "ex02_softmax"

LOOPING = "def softmax(z, axis=-1):\n    while True:\n        pass\n\nsoftmax([1.0])"
HOSTILE = {
    "exits": "import os\nos._exit(3)",
    "floods": "for _ in range(200_000):\n    print('x' * 100)",
    "forks": "import os, time\nif os.fork() == 0:\n    time.sleep(600)",
    "snoops": "import glob\nfor path in glob.glob('/**/solutions/**/*.ipynb', recursive=True)[:3]:\n"
              "    print(open(path).read()[:2000])",
}


def make_class(folder: Path, students: int) -> dict[str, str]:
    """Write the class; return each student's kind (perfect, mistake, blank, looping, hostile)."""
    reference = reference_answers(ASSIGNMENT)
    mistakes = [(name, source) for name, sources in MISTAKES.items() for source in sources.values()]
    kinds: dict[str, str] = {}

    def hand_in(student: str, kind: str, notebook) -> None:
        path = folder / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(notebook, path)
        kinds[student] = kind

    shares = {"blank": max(1, students // 10), "looping": max(1, students // 20), "hostile": len(HOSTILE)}
    shares["mistake"] = min(len(mistakes), max(1, (students - sum(shares.values())) // 2))
    shares["perfect"] = max(0, students - sum(shares.values()))
    for index in range(shares["perfect"]):
        hand_in(f"perfect{index:02d}", "perfect", filled(ASSIGNMENT, reference))
    for index, (name, source) in enumerate(mistakes[: shares["mistake"]]):
        hand_in(f"mistake{index:02d}", "mistake", filled(ASSIGNMENT, {**reference, name: source}))
    for index in range(shares["blank"]):
        hand_in(f"blank{index:02d}", "blank", filled(ASSIGNMENT, {}))
    for index in range(shares["looping"]):
        hand_in(f"looping{index:02d}", "looping", filled(ASSIGNMENT, {**reference, "softmax": LOOPING}))
    for name, source in HOSTILE.items():
        notebook = filled(ASSIGNMENT, reference)
        notebook.cells.insert(2, nbformat.v4.new_code_cell(source))
        hand_in(f"hostile_{name}", "hostile", notebook)
    return kinds


def run(command: list[str], **options) -> float:
    """Seconds ``command`` took. nbgrader exits 1 when some notebook could not be graded (the
    hostile ones), so the exit status is not checked; the scores show what was graded."""
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **options)
    return time.perf_counter() - start


def plain_nbgrader(submissions: Path, course: Path, timeout: float) -> tuple[float, dict[str, float]]:
    shutil.copytree(ROOT / "solutions", course / "source")
    shutil.copytree(submissions, course / "submitted")
    nbgrader = str(Path(sys.executable).with_name("nbgrader"))
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    common = [f"--CourseDirectory.root={course}", "--log-level=ERROR", f"--ExecutePreprocessor.timeout={int(timeout)}"]
    seconds = sum(run([nbgrader, step, ASSIGNMENT, *common], cwd=course, env=environment)
                  for step in ("generate_assignment", "autograde", "generate_feedback"))
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        scores = {s.student.id: float(s.score or 0) for s in gradebook.find_assignment(ASSIGNMENT).submissions}
    return seconds, scores


def this_grader(submissions: Path, out: Path, jobs: int, timeout: float) -> tuple[float, dict[str, float], dict]:
    seconds = run([sys.executable, "-m", "autograder", "grade", str(submissions), "--out", str(out),
                   "--jobs", str(jobs), "--timeout", str(timeout)], cwd=ROOT)
    with (out / "grades.csv").open() as table:
        scores = {row["student_id"]: float(row["score"] or 0) for row in csv.DictReader(table)}
    timings = json.loads((out / "work" / "timings.json").read_text())
    return seconds, scores, timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=10, help="seconds per cell, for both graders")
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores; load average before: {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory(prefix="grading-bench-") as scratch:
        scratch = Path(scratch)
        kinds = make_class(scratch / "class", args.students)
        honest = [s for s, kind in kinds.items() if kind in ("perfect", "mistake", "blank")]
        for student in honest:
            shutil.copytree(scratch / "class" / student, scratch / "honest" / student)
        for label, folder, count in (("the whole class", "class", len(kinds)), ("its honest notebooks", "honest", len(honest))):
            plain, plain_scores = plain_nbgrader(scratch / folder, scratch / f"course-{folder}", args.timeout)
            ours, our_scores, timings = this_grader(scratch / folder, scratch / f"out-{folder}", args.jobs, args.timeout)
            mix = ", ".join(f"{k}: {list(kinds.values()).count(k)}" for k in sorted(set(kinds.values())))
            print(f"\n{count} notebooks of {ASSIGNMENT}, {label}" + (f" ({mix})" if folder == "class" else ""))
            print(f"{'':<48}{'seconds':>9}{'notebooks/min':>15}")
            for name, seconds in (("plain nbgrader (autograde + generate_feedback)", plain),
                                  (f"python -m autograder grade --jobs {args.jobs}", ours)):
                print(f"{name:<48}{seconds:>9.1f}{60 * count / seconds:>15.1f}")
            print(f"throughput ratio (this grader / plain nbgrader): {plain / ours:.1f}x")
            differing = [s for s in honest if s in plain_scores and abs(plain_scores[s] - our_scores.get(s, -1)) > 1e-6]
            print(f"honest notebooks scored identically: {len(honest) - len(differing)} of {len(honest)}"
                  + (f" (differ: {', '.join(differing)})" if differing else ""))
            print("where this grader's time goes, mean seconds per notebook (jobs overlap; gradebook and feedback "
                  "run beside them):")
            for phase, seconds in timings["mean_seconds"].items():
                print(f"  {phase:<36}{seconds:>7.2f}")
            slowest = sorted(timings["notebooks"], key=lambda t: -t.get("job", 0.0))[:3]
            print("  slowest: " + ", ".join(f"{t['student_id']} {t.get('job', 0.0):.1f} s" for t in slowest))


if __name__ == "__main__":
    main()
