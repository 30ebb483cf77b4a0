"""The grader against plain nbgrader on the same class, side by side in one run.

    .venv/bin/python benchmarks/grading.py [--students N] [--jobs J] [--timeout SECONDS]
    .venv/bin/python benchmarks/grading.py --every-exercise STUDENTS [--with-plain]

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

CPU time is counted for each command's whole process tree, sandboxes included, by a cgroup
v1 ``cpuacct`` group the command runs in (``getrusage`` and ``time`` miss the sandboxed
workers, which the grader kills before they are reaped), and peak memory by a ``memory``
group (the sandboxes' own groups are made inside it); where the machine offers no writable
cgroups, those columns say ``n/a``.

``--every-exercise STUDENTS`` grades a class of STUDENTS students times every exercise
(each exercise's reference answers, one catalogued mistake each, blank notebooks), with
this grader only unless ``--with-plain``, and prints the same per notebook, so a 40-student
and a 300-student run show whether a notebook's cost grows with the class.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import importlib
import tempfile
import time
import uuid
from dataclasses import dataclass
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


CGROUPS = Path("/sys/fs/cgroup")


@dataclass
class Cost:
    """What one or more commands took: wall seconds, CPU seconds of the whole process tree
    (None where no cgroup could count them) and the tree's peak memory in bytes."""

    wall: float = 0.0
    cpu: float | None = 0.0
    peak: int | None = 0

    def __add__(self, other: "Cost") -> "Cost":
        add = (lambda a, b: None if a is None or b is None else a + b)
        return Cost(self.wall + other.wall, add(self.cpu, other.cpu),
                    None if self.peak is None or other.peak is None else max(self.peak, other.peak))


def _own_group(controller: str) -> Path | None:
    """This process's cgroup v1 folder of ``controller``, if it is writable."""
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        if controller in controllers.split(","):
            folder = next((CGROUPS / name / path.lstrip("/") for name in (controller, "cpu,cpuacct")
                           if (CGROUPS / name).is_dir()), None)
            return folder if folder and os.access(folder, os.W_OK) else None
    return None


def run(command: list[str], **options) -> Cost:
    """What ``command`` cost, its whole process tree counted. nbgrader exits 1 when some
    notebook could not be graded (the hostile ones), so the exit status is not checked; the
    scores show what was graded."""
    groups = {}
    for controller in ("cpuacct", "memory"):
        parent = _own_group(controller)
        if parent is not None:
            groups[controller] = parent / f"grading-bench-{uuid.uuid4().hex[:8]}"
            groups[controller].mkdir()

    def join():
        for folder in groups.values():
            with open(folder / "cgroup.procs", "w") as procs:
                procs.write(str(os.getpid()))

    start = time.perf_counter()
    try:
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=join, **options)
        wall = time.perf_counter() - start
        cpu = int((groups["cpuacct"] / "cpuacct.usage").read_text()) / 1e9 if "cpuacct" in groups else None
        peak = int((groups["memory"] / "memory.max_usage_in_bytes").read_text()) if "memory" in groups else None
    finally:
        for folder in groups.values():
            for _ in range(100):  # the tree's last processes may still be leaving
                try:
                    folder.rmdir()
                    break
                except OSError:
                    time.sleep(0.05)
    return Cost(wall, cpu, peak)


def plain_nbgrader(submissions: Path, course: Path, timeout: float,
                   assignments: tuple[str, ...] = (ASSIGNMENT,)) -> tuple[Cost, dict[str, float]]:
    shutil.copytree(ROOT / "solutions", course / "source")
    shutil.copytree(submissions, course / "submitted")
    nbgrader = str(Path(sys.executable).with_name("nbgrader"))
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    common = [f"--CourseDirectory.root={course}", "--log-level=ERROR", f"--ExecutePreprocessor.timeout={int(timeout)}"]
    cost, scores = Cost(), {}
    for assignment in assignments:
        for step in ("generate_assignment", "autograde", "generate_feedback"):
            cost += run([nbgrader, step, assignment, *common], cwd=course, env=environment)
        with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
            scores.update({(s.student.id, assignment): float(s.score or 0)
                           for s in gradebook.find_assignment(assignment).submissions})
    return cost, scores


def this_grader(submissions: Path, out: Path, jobs: int, timeout: float) -> tuple[Cost, dict, dict]:
    cost = run([sys.executable, "-m", "autograder", "grade", str(submissions), "--out", str(out),
                "--jobs", str(jobs), "--timeout", str(timeout)], cwd=ROOT)
    with (out / "grades.csv").open() as table:
        scores = {(row["student_id"], row["assignment_id"]): float(row["score"] or 0) for row in csv.DictReader(table)}
    timings = json.loads((out / "work" / "timings.json").read_text())
    return cost, scores, timings


def every_exercise_class(folder: Path, students: int) -> dict[tuple[str, str], str]:
    """``students`` students times every graded exercise: each notebook the reference
    answers, one catalogued mistake (in turn) or blank; the kind of each (student, exercise)."""
    from autograder import course

    kinds = {}
    for assignment in course.assignment_ids():
        try:
            catalogue = importlib.import_module(f"tests.catalogue.{assignment}")
        except ModuleNotFoundError:
            continue
        reference = reference_answers(assignment)
        mistakes = [(name, source) for name, sources in catalogue.MISTAKES.items() for source in sources.values()]
        for index in range(students):
            student = f"student{index:04d}"
            if index % 10 == 9:
                kind, notebook = "blank", filled(assignment, {})
            elif index % 2:
                name, source = mistakes[index // 2 % len(mistakes)]
                kind, notebook = "mistake", filled(assignment, {**reference, name: source})
            else:
                kind, notebook = "perfect", filled(assignment, reference)
            path = folder / student / assignment / f"{assignment}.ipynb"
            path.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(notebook, path)
            kinds[(student, assignment)] = kind
    return kinds


def _cpu(cost: Cost, count: int) -> str:
    return "n/a" if cost.cpu is None else f"{cost.cpu / count:.2f}"


def _peak(cost: Cost) -> str:
    return "n/a" if cost.peak is None else f"{cost.peak / 2**20:.0f}"


def print_costs(count: int, rows: list[tuple[str, Cost]]) -> None:
    print(f"{'':<48}{'seconds':>9}{'notebooks/min':>15}{'CPU-s/notebook':>16}{'peak MiB':>10}")
    for name, cost in rows:
        print(f"{name:<48}{cost.wall:>9.1f}{60 * count / cost.wall:>15.1f}{_cpu(cost, count):>16}{_peak(cost):>10}")
    if len(rows) == 2:
        (_, plain), (_, ours) = rows
        print(f"throughput ratio (this grader / plain nbgrader): {plain.wall / ours.wall:.1f}x")


def print_phases(timings: dict) -> None:
    print("where this grader's time goes, mean seconds per notebook (jobs overlap; gradebook and feedback "
          "run beside them):")
    for phase, seconds in timings["mean_seconds"].items():
        print(f"  {phase:<36}{seconds:>7.2f}")
    slowest = sorted(timings["notebooks"], key=lambda t: -t.get("job", 0.0))[:3]
    print("  slowest: " + ", ".join(f"{t['student_id']}/{t['assignment_id']} {t.get('job', 0.0):.1f} s" for t in slowest))


def every_exercise(args) -> None:
    from autograder import course

    with tempfile.TemporaryDirectory(prefix="grading-bench-") as scratch:
        scratch = Path(scratch)
        kinds = every_exercise_class(scratch / "class", args.every_exercise)
        assignments = tuple(sorted({a for _, a in kinds}))
        count = len(kinds)
        rows = []
        if args.with_plain:
            plain, plain_scores = plain_nbgrader(scratch / "class", scratch / "course", args.timeout, assignments)
            rows.append(("plain nbgrader (autograde + generate_feedback)", plain))
        ours, our_scores, timings = this_grader(scratch / "class", scratch / "out", args.jobs, args.timeout)
        rows.append((f"python -m autograder grade --jobs {args.jobs}", ours))
        print(f"\n{count} notebooks: {args.every_exercise} students x {len(assignments)} exercises "
              f"({len(course.assignment_ids())} in the course)")
        print_costs(count, rows)
        if args.with_plain:
            differing = [k for k in kinds if k in plain_scores and abs(plain_scores[k] - our_scores.get(k, -1)) > 1e-6]
            print(f"notebooks scored identically: {count - len(differing)} of {count}")
        print_phases(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=10, help="seconds per cell, for both graders")
    parser.add_argument("--every-exercise", type=int, metavar="STUDENTS",
                        help="grade STUDENTS students x every exercise instead")
    parser.add_argument("--with-plain", action="store_true", help="with --every-exercise: plain nbgrader too")
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores; load average before: {os.getloadavg()[0]:.1f}")
    if args.every_exercise:
        every_exercise(args)
        return
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
            print_costs(count, [("plain nbgrader (autograde + generate_feedback)", plain),
                                (f"python -m autograder grade --jobs {args.jobs}", ours)])
            keys = [(s, ASSIGNMENT) for s in honest]
            differing = [s for s, a in keys if (s, a) in plain_scores and abs(plain_scores[s, a] - our_scores.get((s, a), -1)) > 1e-6]
            print(f"honest notebooks scored identically: {len(honest) - len(differing)} of {len(honest)}"
                  + (f" (differ: {', '.join(differing)})" if differing else ""))
            print_phases(timings)


if __name__ == "__main__":
    main()
