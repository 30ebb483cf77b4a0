"""What a feedback page keeps of a student's HTML, TeX and outputs: nothing that runs, links
out, or dresses up as the grader's own verdict (the page itself in a browser:
test_browser_feedback.py)."""
from __future__ import annotations

import base64

import pytest

from autograder.grading import feedback


@pytest.mark.parametrize("url", ["DATA:text/html,<script>alert(1)</script>", " data:text/html;base64,PHNjcmlwdD4=",
                                 "Data:image/svg+xml,<svg onload=alert(1)>"])
def test_a_link_to_a_data_url_in_any_case_is_dropped(url):
    clean = feedback.sanitize(f'<a href="{url}">open</a>')
    assert "href" not in clean and "open" in clean


def test_only_inline_pictures_are_kept_as_images():
    png = "data:image/png;base64,iVBORw0KGgo="
    clean = feedback.sanitize(f'<img src="{png}"><img src="DATA:image/png;base64,AAAA">'
                              '<img src="data:text/html;base64,AAAA"><img src="data:image/png,<svg onload=x()>">')
    assert clean.count("<img") == 4 and clean.count("src=") == 1 and png in clean


def test_student_html_cannot_wear_the_pages_classes_or_styles():
    clean = feedback.sanitize('<span class="badge passed">20 / 20</span><div class="box tests total">x</div>'
                              '<p style="position:fixed;top:0">over</p><div id="summary">y</div>'
                              '<div class="highlight"><pre><span class="k">def</span></pre></div>')
    for gone in ("badge", "passed", "box", "total", "style", "position", "id="):
        assert gone not in clean, gone
    assert '<div class="highlight"><pre><span class="k">def</span>' in clean


@pytest.mark.parametrize("command", ["href", "style", "class", "cssId", "require", "unicode", "mmlToken", "bbox",
                                     "enclose", "htmlData", "data", "toggle", "mathtip"])
def test_unsafe_tex_commands_are_made_inert(command):
    text = f"$\\{command}{{javascript:alert(1)}}{{20/20}}$"
    inert = feedback.inert_tex(text)
    assert f"\\{command}" not in inert and inert.replace("\u200b", "") == text
    assert f"\\{command}" not in feedback._markdown(text)


def test_safe_tex_is_left_alone():
    text = r"$\hat y = \sum_i e^{z_i} \hrefx \\ \alpha \stylish \classic$"
    assert feedback.inert_tex(text) == text


def test_mathjax_is_configured_without_the_packages_that_reach_outside_the_formula():
    for package in ("html", "require", "unicode", "bbox", "enclose", "autoload"):
        assert f"'{package}'" in feedback.MATHJAX_CONFIG.split("'[-]'")[1]


def test_only_whitelisted_output_types_are_shown():
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(64)).decode()
    jpeg = base64.b64encode(b"\xff\xd8\xff\xe0" + bytes(64)).decode()
    data = {"text/plain": "x", "image/png": png, "image/jpeg": jpeg, "application/x-evil+html": "<script>",
            "text/html; charset=utf-8": "<script>", "TEXT/HTML": "<script>", "application/pdf": "JVBER"}
    assert set(feedback.shown_data(data)) == {"text/plain", "image/png", "image/jpeg"}


@pytest.mark.parametrize("mime, value", [
    ("image/png", '"><script>alert(1)</script>'),
    ("image/png", base64.b64encode(b"<svg onload=alert(1)>").decode()),  # base64, but not a PNG
    ("image/jpeg", base64.b64encode(b"\x89PNG\r\n\x1a\n").decode()),      # a PNG said to be a JPEG
    ("text/html", ["<b>", "a list, not text"]),
])
def test_a_forged_output_is_dropped(mime, value):
    assert feedback.shown_data({mime: value}) == {}
