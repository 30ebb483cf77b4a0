"""Manual grading without hand-written configuration: ``python -m autograder formgrader OUT``.

Starts nbgrader's formgrader (its Jupyter server extension, ``nbgrader.server_extensions.formgrader``)
on the gradebook of a grading run, with a generated ``nbgrader_config.py``:

- the course root is the run's work folder (``OUT/work``), which is also the Jupyter server's
  root, so the server shows that run and nothing else of the machine;
- the gradebook, ``submitted/``, ``autograded/`` and ``feedback/`` are that run's; the source
  folder is the repository's ``solutions/``;
- the server listens on 127.0.0.1 only, with a random token, and opens no browser.

Open the printed address, grade the ``proof`` cells under "Manage Assignments" > the
assignment > "# Submissions" (or "Gradebook"), then run ``python -m autograder report OUT``:
the tables, the feedback, ``parts.csv`` and ``report.html`` are rewritten with the manual
scores and comments.
"""
from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from autograder import course
from autograder.errors import AutograderError

CONFIG_FOLDER = "formgrader"


@dataclass(frozen=True)
class Server:
    argv: list[str]
    cwd: Path
    env: dict
    url: str


def write_config(work: Path) -> Path:
    """``WORK/formgrader/nbgrader_config.py`` pointing nbgrader at this run; returns its folder."""
    folder = work / CONFIG_FOLDER
    folder.mkdir(exist_ok=True)
    settings = {
        "CourseDirectory.root": str(work),
        "CourseDirectory.source_directory": str(course.SOLUTIONS),
        "CourseDirectory.release_directory": str(work / "release"),
        "CourseDirectory.submitted_directory": str(work / "submitted"),
        "CourseDirectory.autograded_directory": str(work / "autograded"),
        "CourseDirectory.feedback_directory": str(work / "feedback"),
        "CourseDirectory.db_url": course.gradebook_url(work),
        "Exchange.root": str(folder / "exchange"),  # unused; keeps nbgrader from looking in /usr/local/share
        # The formgrader's "generate feedback" button: each hidden test's report, never its
        # code, and "pending" for a part nobody graded by hand yet.
        "GenerateFeedback.preprocessors": ["autograder.grading.feedback.GetGradesMarkingPending",
                                           "nbgrader.preprocessors.ClearHiddenTests",
                                           "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor"],
        "ClearHiddenTests.enforce_metadata": False,
    }
    (folder / "exchange").mkdir(exist_ok=True)
    lines = ["# Written by `python -m autograder formgrader`: nbgrader's formgrader on one grading run.",
             "c = get_config()  # noqa: F821"]
    lines += [f"c.{key} = {value!r}" for key, value in settings.items()]
    (folder / "nbgrader_config.py").write_text("\n".join(lines) + "\n")
    return folder


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def prepare(out: Path, *, work: Path | None = None, port: int | None = None) -> Server:
    """The command that serves the formgrader for the run in ``out`` (nothing started yet)."""
    work = (work or out / "work").resolve()
    if not (work / "gradebook.db").is_file():
        raise AutograderError(f"no gradebook in {work}: run `python -m autograder grade ... --out {out}` first")
    folder = write_config(work)
    port = port or _free_port()
    token = secrets.token_urlsafe(24)
    argv = [sys.executable, "-m", "jupyter_server", "--no-browser", "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}", "--ServerApp.port_retries=0", f"--ServerApp.root_dir={work}",
            f"--IdentityProvider.token={token}",
            "--ServerApp.jpserver_extensions={'nbgrader.server_extensions.formgrader': True}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # containers often run as root; Jupyter refuses it unasked
        argv.append("--allow-root")
    tools = str(Path(sys.executable).parent)
    # the repository on the path: the config names our feedback preprocessor by its import path
    env = dict(os.environ, PATH=tools + os.pathsep + os.environ.get("PATH", ""),
               PYTHONPATH=os.pathsep.join(filter(None, [str(course.ROOT), os.environ.get("PYTHONPATH")])))
    return Server(argv, folder, env, f"http://127.0.0.1:{port}/formgrader?token={token}")


def formgrader(out: Path, *, work: Path | None = None, port: int | None = None) -> int:
    """Serve the formgrader until interrupted; returns the server's exit status."""
    server = prepare(out, work=work, port=port)
    print(f"formgrader: {server.url}\nGrade by hand there; stop with Ctrl-C, then run "
          f"`python -m autograder report {out}` to update the tables and the feedback.", flush=True)
    process = subprocess.Popen(server.argv, cwd=server.cwd, env=server.env)
    try:
        return process.wait()
    except KeyboardInterrupt:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        return 0
