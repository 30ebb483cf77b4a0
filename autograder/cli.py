"""The command line: parse arguments, call the function that does the work, print one line
for a usage or setup error. Nothing else lives here."""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from autograder.errors import AutograderError, Interrupted, NotGraded


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
    grade.add_argument("--lms", choices=["folder", "canvas", "moodle", "blackboard", "gradescope"],
                       help="the layout of SUBMISSIONS (default: detected)")
    grade.add_argument("--roster", type=Path, metavar="FILE",
                       help="the platform's roster export (Canvas gradebook, Moodle worksheet or participants, "
                            "Blackboard, Gradescope, or student_id[,name]): every student gets a row")
    grade.add_argument("--due", metavar="WHEN", help="due date, ISO 8601 with zone (2026-03-01T23:59:00+01:00)")
    grade.add_argument("--extensions", type=Path, metavar="FILE",
                       help="CSV of student_id,hours or student_id,new due date")
    grade.add_argument("--similarity", type=float, nargs="?", const=0.5, default=None, metavar="THRESHOLD",
                       help="also write OUT/similarity/<assignment>.html: pairs of answers alike above THRESHOLD "
                            "(default 0.5), for you to read; grades never change")
    grade.add_argument("--late-penalty", metavar="METHOD[:AMOUNT[:MAX%]]",
                       help="none, zero, per_hour:POINTS or percent_per_day:PERCENT (nbgrader's late penalty)")

    similar = commands.add_parser("similarity", help="which students' answers are alike: OUT/similarity/<id>.html "
                                                     "and .csv, for the instructor to read (grades never change)")
    similar.add_argument("out", type=Path, metavar="OUT", help="the --out folder of a grade run")
    similar.add_argument("--assignment", action="append", metavar="ID", help="only this assignment (repeatable)")
    similar.add_argument("--threshold", type=float, default=0.5, help="list pairs scoring at least this (default 0.5)")
    similar.add_argument("--work", type=Path, help="the gradebook's folder (default OUT/work)")

    report = commands.add_parser("report", help="rewrite OUT's tables and feedback from the gradebook "
                                                "(after grading by hand)")
    report.add_argument("out", type=Path, metavar="OUT", help="the --out folder of a grade run")
    report.add_argument("--work", type=Path, help="the gradebook's folder (default OUT/work)")

    export = commands.add_parser("export", help="write OUT's grades (and feedback) in a platform's import format")
    export.add_argument("out", type=Path, metavar="OUT", help="the --out folder of a grade run")
    export.add_argument("--to", required=True, choices=["canvas", "moodle", "csv"])
    export.add_argument("--dest", type=Path, help="where the files go (default OUT/export)")
    export.add_argument("--feedback", action="store_true",
                        help="also the feedback files, named as the platform's bulk upload expects")

    formgrader = commands.add_parser("formgrader", help="grade by hand in nbgrader's formgrader, on OUT's gradebook")
    formgrader.add_argument("out", type=Path, metavar="OUT", help="the --out folder of a grade run")
    formgrader.add_argument("--work", type=Path, help="the gradebook's folder (default OUT/work)")
    formgrader.add_argument("--port", type=int, help="port on 127.0.0.1 (default: a free one)")
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
    except NotGraded as exc:  # the run finished, but the grader failed on some notebooks
        print(f"error: {exc}", file=sys.stderr)
        return 3
    except AutograderError as exc:
        from autograder.grading.records import printable

        print(f"error: {printable(exc, limit=2000)}", file=sys.stderr)  # messages may quote students' file names
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
    if args.command == "export":
        from autograder.grading.export import export
        from autograder.grading.records import printable

        done = export(args.out, args.to, dest=args.dest, feedback=args.feedback)
        for path in done.files:
            print(f"wrote {path}")
        if done.pending:
            print(f"left empty, manual grading pending ({len(done.pending)}): "
                  + ", ".join(printable(f"{s}/{a}") for s, a in done.pending[:20]))
        for line in sorted(set(done.skipped))[:20]:
            print(f"note: {printable(line)}")
        return 0
    if args.command == "formgrader":
        from autograder.grading.formgrader import formgrader

        return formgrader(args.out, work=args.work, port=args.port)
    if args.command == "similarity":
        from autograder.grading.analysis import write_analysis
        from autograder.grading.records import read_grades
        from autograder.grading.similarity import similarity

        for page in similarity(args.out, assignment_ids=args.assignment, threshold=args.threshold, work=args.work):
            print(f"wrote {page}")
        if (args.out / "grades.csv").is_file():  # report.html links the pages
            write_analysis(args.out, read_grades(args.out / "grades.csv"), work=args.work)
        return 0
    if args.command == "report":
        from autograder.grading.report import report

        results = report(args.out, work=args.work)
    else:
        from autograder.grading import forkserver

        forkserver.start()  # its imports on the other core, beside this process's own
        from autograder.grading.execute import Limits
        from autograder.grading.run import grade

        limits = Limits(cell_timeout=args.timeout, notebook_budget=args.budget)
        results = grade(args.submissions, args.out, assignment_ids=args.assignment, work=args.work, limits=limits,
                        jobs=args.jobs, scheduler=args.scheduler, students=args.student, regrade=args.regrade,
                        sandbox=not args.no_sandbox, similarity=args.similarity, **_intake_options(args))
    from autograder.grading.analysis import summary

    print(summary_table(results))
    print(summary(results))
    print(f"grades: {args.out / 'grades.csv'}; cells: {args.out / 'cells.csv'}; feedback: {args.out / 'feedback'}; "
          f"report: {args.out / 'report.html'}")
    return 0


def _intake_options(args) -> dict:
    """The intake options given on the command line, as ``grade()`` takes them (``lms``, ``roster``,
    ``due``: a :class:`~autograder.grading.lateness.DuePolicy`)."""
    from autograder.grading.lateness import DuePolicy

    given = {"lms": args.lms, "roster": args.roster}
    if args.due or args.extensions or args.late_penalty:
        given["due"] = DuePolicy.from_options(args.due, args.extensions, args.late_penalty)
    return {k: v for k, v in given.items() if v is not None}


def summary_table(results) -> str:
    """A short table of the class, one line per submission."""
    rows = [("student", "assignment", "score", "status")]
    from autograder.grading.records import printable

    rows += [(printable(r.student_id, 64), printable(r.assignment_id, 64), f"{r.score:g}/{r.max_score:g}",
              printable(r.status)) for r in results]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[3] for row in rows)
