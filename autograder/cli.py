"""The command line: parse arguments, call the function that does the work, print one line
for a usage or setup error. Nothing else lives here."""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from autograder.errors import AutograderError, Interrupted


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    release = commands.add_parser("release", help="generate exercises/ from solutions/ (nbgrader generate_assignment)")
    release.add_argument("assignments", nargs="*", metavar="ID", help="assignments to release (default: all)")

    validate = commands.add_parser("validate", help="check a notebook before handing it in")
    validate.add_argument("notebook", type=Path)
    validate.add_argument("--timeout", type=int, default=60, help="seconds per cell (default 60)")

    grade = commands.add_parser("grade", help="grade a folder (or zip) of <student>/<assignment>/<notebook>.ipynb")
    grade.add_argument("submissions", type=Path)
    grade.add_argument("--out", type=Path, required=True, help="where grades.csv, cells.csv and feedback/ go")
    grade.add_argument("--assignment", action="append", metavar="ID", help="grade only this assignment (repeatable)")
    grade.add_argument("--jobs", type=int, default=None, help="notebooks graded at once (default: the number of cores)")
    grade.add_argument("--scheduler", metavar="ADDRESS", help="run the notebooks on this Dask distributed scheduler")
    grade.add_argument("--timeout", type=float, default=30, help="seconds one notebook cell may run (default 30)")
    grade.add_argument("--budget", type=float, default=240,
                       help="seconds one whole notebook may take, however many cells it has (default 240)")
    grade.add_argument("--work", type=Path, help="the gradebook and nbgrader's copies, kept between runs "
                                                "(default OUT/work)")
    grade.add_argument("--student", action="append", metavar="ID", help="grade only this student (repeatable)")
    grade.add_argument("--regrade", action="store_true", help="grade again even what is unchanged since the last run")
    grade.add_argument("--no-sandbox", action="store_true",
                       help="run student code without the sandbox: it can then read and change this user's files")

    report = commands.add_parser("report", help="rewrite OUT's tables and feedback from the gradebook "
                                                "(after grading by hand)")
    report.add_argument("out", type=Path, metavar="OUT", help="the --out folder of a grade run")
    report.add_argument("--work", type=Path, help="the gradebook's folder (default OUT/work)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logging.getLogger("autograder").addHandler(handler)
    logging.getLogger("autograder").setLevel(logging.INFO)
    try:
        return _run(args)
    except Interrupted as exc:
        print(f"interrupted: {exc}", file=sys.stderr)
        return 130
    except AutograderError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _run(args) -> int:
    if args.command == "release":
        from autograder.release import release

        for path in release(args.assignments or None):
            print(f"released {path}")
        return 0
    if args.command == "validate":
        from autograder.validate import validate

        report = validate(args.notebook, timeout=args.timeout)
        print(report.text())
        return 0 if report.ok else 1
    if args.command == "report":
        from autograder.grading.report import report

        results = report(args.out, work=args.work)
    else:
        from autograder.grading.judge import Limits
        from autograder.grading.run import grade

        limits = Limits(cell_timeout=args.timeout, notebook_budget=args.budget)
        results = grade(args.submissions, args.out, assignment_ids=args.assignment, work=args.work, limits=limits,
                        jobs=args.jobs, scheduler=args.scheduler, students=args.student, regrade=args.regrade,
                        sandbox=not args.no_sandbox)
    print(summary_table(results))
    print(f"grades: {args.out / 'grades.csv'}; cells: {args.out / 'cells.csv'}; feedback: {args.out / 'feedback'}")
    return 0


def summary_table(results) -> str:
    """A short table of the class, one line per submission."""
    rows = [("student", "assignment", "score", "status")]
    rows += [(r.student_id, r.assignment_id, f"{r.score:g}/{r.max_score:g}", r.status) for r in results]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[3] for row in rows)
