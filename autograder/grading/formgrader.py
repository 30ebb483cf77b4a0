"""Manual grading without hand-written configuration: ``python -m autograder formgrader OUT``.

Starts nbgrader's formgrader (its Jupyter server extension, ``nbgrader.server_extensions.formgrader``)
on the gradebook of a grading run, with a generated ``nbgrader_config.py``:

- the course root is the run's work folder (``OUT/work``), which is also the Jupyter server's
  root, so the server shows that run and nothing else of the machine;
- the gradebook, ``submitted/``, ``autograded/`` and ``feedback/`` are that run's; the source
  folder is the repository's ``solutions/``;
- the server listens on 127.0.0.1 only, with a random token, and opens no browser;
- what the students wrote is shown sanitised: nbgrader renders a submission with nbconvert,
  whose ``markdown2html`` (nbgrader's own template uses it for the proof cells, unsanitised)
  and ``clean_html`` filters are replaced by the feedback pages' allow-list sanitiser
  (:func:`autograder.grading.feedback.sanitize`: no script, event handler, frame, style,
  ``javascript:`` or ``data:`` link survives), with nbconvert's ``sanitize_html`` on for the
  outputs; and every page comes with a content-security policy (:data:`CSP`) that lets no
  plugin, frame, ``<base>``, form or connection go anywhere but this server, and no script
  but this server's and MathJax's from its CDN. nbgrader's own pages need inline scripts
  and ``onclick`` handlers, so the policy cannot forbid those: it is the sanitiser that keeps
  the students' out.

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
#: The content-security policy of every page the formgrader's server sends.
CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline' https://cdnjs.cloudflare.com; "
       "style-src 'self' 'unsafe-inline' https://cdnjs.cloudflare.com; font-src 'self' data: https://cdnjs.cloudflare.com; "
       "img-src 'self' data:; connect-src 'self'; object-src 'none'; frame-src 'none'; frame-ancestors 'none'; "
       "base-uri 'none'; form-action 'self'")
#: The filters of nbconvert that show a student's markdown and HTML, replaced by ours.
SANITISING_FILTERS = {"markdown2html": "autograder.grading.feedback.markdown_for_formgrader",
                      "clean_html": "autograder.grading.feedback.sanitize"}


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
        "HTMLExporter.sanitize_html": True,
        "HTMLExporter.filters": SANITISING_FILTERS,
    }
    (folder / "exchange").mkdir(exist_ok=True)
    lines = ["# Written by `python -m autograder formgrader`: nbgrader's formgrader on one grading run.",
             "c = get_config()  # noqa: F821"]
    lines += [f"c.{key} = {value!r}" for key, value in settings.items()]
    (folder / "nbgrader_config.py").write_text("\n".join(lines) + "\n")
    server = ["# Written by `python -m autograder formgrader`: the formgrader server's own settings.",
              "c = get_config()  # noqa: F821",
              f"c.ServerApp.tornado_settings = {({'headers': {'Content-Security-Policy': CSP}})!r}"]
    (folder / "jupyter_server_config.py").write_text("\n".join(server) + "\n")
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
            "--ServerApp.jpserver_extensions={'nbgrader.server_extensions.formgrader': True}",
            f"--config={folder / 'jupyter_server_config.py'}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # containers often run as root; Jupyter refuses it unasked
        argv.append("--allow-root")
    tools = str(Path(sys.executable).parent)
    # this checkout's autograder, whose sanitiser the generated configuration names
    python_path = os.pathsep.join(filter(None, [str(course.ROOT), os.environ.get("PYTHONPATH", "")]))
    env = dict(os.environ, PATH=tools + os.pathsep + os.environ.get("PATH", ""), PYTHONPATH=python_path)
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
