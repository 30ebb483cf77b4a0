"""The formgrader shows a hostile student's proof and outputs sanitised, under a
content-security policy: nothing the student wrote reaches the instructor's browser as
markup that runs (there the page would hold the Jupyter server's token)."""
from __future__ import annotations

import copy
import re
import subprocess
import sys
import urllib.request

import nbformat
import pytest

from autograder.grading.formgrader import CSP
from conftest import write_submission
from test_lms_formgrader import formgrader

HOSTILE_PROOF = """Since every $e^{z_i} > 0$, the sum is positive.
<img src="x" onerror="window.pwned = 'proof onerror'">
<script>window.pwned = 'proof script'</script>
<a href="javascript:window.pwned = 'link'">click</a> <a href="DATA:text/html,<script>x</script>">data</a>
<iframe src="http://127.0.0.1/"></iframe><style>body { display: none }</style>
"""

HOSTILE_OUTPUT = """class Shown:
    def _repr_html_(self):
        return '<b>table</b><img src=x onerror="window.pwned = 1"><script>window.pwned = 2</script>'
Shown()
"""

pytestmark = pytest.mark.xdist_group("formgrader_safety")  # the session fixture is made once



@pytest.fixture(scope="session")
def served(tmp_path_factory, perfect):
    root = tmp_path_factory.mktemp("formgrader")
    notebook = copy.deepcopy(perfect)
    for cell in notebook.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "proof":
            cell.source = HOSTILE_PROOF
    notebook.cells.insert(2, nbformat.v4.new_code_cell(HOSTILE_OUTPUT))
    write_submission(root / "class", "mallory", notebook)
    out = root / "out"
    subprocess.run([sys.executable, "-m", "autograder", "grade", str(root / "class"), "--out", str(out),
                    "--timeout", "10"], check=True, capture_output=True)
    with formgrader(out) as (base, token, notebooks):
        mallory, = [n for n in notebooks if n["student"] == "mallory"]
        request = urllib.request.Request(f"{base}/formgrader/submissions/{mallory['id']}",
                                         headers={"Authorization": f"token {token}"})
        with urllib.request.urlopen(request, timeout=30) as response:
            yield response.headers, response.read().decode("utf-8")


def test_the_submission_page_shows_the_proof_and_output_without_anything_active(served):
    _, page = served
    assert "the sum is positive" in page and "<b>table</b>" in page  # shown, sanitised
    tags = re.findall(r"<[A-Za-z][^>]*>", page)  # the code cells' source is there too, escaped: not tags
    for gone in (r"\sonerror\s*=", r"javascript:", r"(?i)=\s*\"?\s*data:text", r"^<iframe"):
        assert not [tag for tag in tags if re.search(gone, tag)], gone
    assert not re.search(r"<style[^>]*>\s*body \{ display: none \}", page)
    scripts = re.findall(r"<script[^>]*>(.*?)</script>", page, re.S)
    assert scripts and not any("pwned" in script for script in scripts)


def test_every_page_comes_with_the_content_security_policy(served):
    headers, _ = served
    policy = headers["Content-Security-Policy"]
    assert policy == CSP
    for directive in ("object-src 'none'", "frame-src 'none'", "base-uri 'none'", "connect-src 'self'"):
        assert directive in policy
