"""No chapter gives a letter of the notation page a second meaning (issue 17).

``book/notation.md`` fixes one notation for the book: delta only for backpropagation errors,
the indicator (and the Kronecker delta) written ``\\mathbb{1}\\{...\\}``, sigma only for the
logistic sigmoid, y for labels (never a network's or softmax's output), L for depth and
``\\mathcal{L}`` for a loss, indices and classes counted from 0. Each rule below is a pattern of
what a chapter's *text* would have to say to define the symbol otherwise (code cells are left
out: a variable ``y`` in NumPy is not a definition). Every chapter ``book/ch*.md`` and the
appendix are read.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

BOOK = Path(__file__).resolve().parent.parent / "book"

#: rule -> (what the notation page says instead, patterns that define the letter otherwise).
#: Allowed on purpose: layers numbered 1..L (the notation page's depth), and a target written
#: as a model plus noise (``y_i = f(x_i) + \varepsilon_i`` says what a label is).
RULES: dict[str, tuple[str, tuple[str, ...]]] = {
    "delta as Kronecker delta": (
        r"the Kronecker delta is written \mathbb{1}\{i = j\}",
        (r"\\delta_\{?[a-z]{2}\}?", r"Kronecker delta[^.]{0,40}\\delta"),
    ),
    "delta as perturbation": (
        r"delta means only the backpropagation error; a perturbation is \Delta z or h, a radius r",
        (r"[a-z]\s*[+-]\s*\\delta(?![_^A-Za-z])", r"\\delta\s*\\to\s*0", r"\\lVert\s*\\delta\s*\\rVert",
         r"\\delta(_i)?\s*>\s*0"),
    ),
    "sigma not the sigmoid": (
        r"\sigma is the logistic sigmoid and nothing else; a noise level is \tau",
        (r"\\sigma(\^2)?\$?[^.\n]{0,40}\b(noise|standard deviation|variance)",
         r"\b(noise level|standard deviation)\s*\$\\sigma",
         r"\\mathcal\{N\}\(\s*[^,()]*,\s*\\sigma"),
    ),
    "y as an output": (
        r"y is a label or target; a layer's output is a, softmax's s",
        (r"(?:(?<=\$)|(?<=\$ )|^)y(_i)?\s*=\s*(f|F(_\w+)?|\\operatorname\{(softmax|ReLU)\}|\\sigma|\\tanh)\s*\("
         r"(?![^\n]*\\varepsilon)",
         r"(?<![A-Za-z\\])y_i\s*=\s*\\frac\{e\^",
         r"\b(output|activation)s?\s*\$y(_i)?\$"),
    ),
    "L as a loss": (
        r"L is the depth; the loss is \mathcal{L}",
        (r"\$L\$[^.\n]{0,30}\bloss", r"\bloss\s*\$L(\(|\$| =)",
         r"(?<![A-Za-z\\{])L\s*=\s*-\s*\\(log|sum|frac)", r"\\nabla_\{?\w+\}?\s*L(?![A-Za-z])",
         r"\\partial L\s*(/|\})"),
    ),
    "counted from 1": (
        r"indices and classes run from 0",
        (r"(?<![A-Za-z\\])[ijkc]\s*=\s*1,\s*\\dots(?!,\s*L\b)", r"\\sum_\{[ijk]\s*=\s*1\}",
         r"\bclass(es)?\b[^.\n]{0,40}\\\{1,\s*\\dots", r"\bc\s*\\in\s*\\\{1",
         r"Indices[^.\n]{0,40}run from \$1\$"),
    ),
    "indicator written another way": (
        r"the indicator is \mathbb{1}\{P\}",
        (r"\\mathbb\{I\}", r"\\mathbf\{1\}_\{", r"\\mathbb\{1\}_\{", r"\\chi_\{", r"\[\s*[a-z]\s*=\s*[a-z]\s*\]",
         r"\\operatorname\{1\}"),
    ),
}


def pages() -> list[Path]:
    return sorted(BOOK.glob("ch*.md")) + sorted(BOOK.glob("appendix*.md"))


def text_of(page: Path) -> str:
    """The page without its code cells (captions and code are not definitions)."""
    text = page.read_text(encoding="utf-8")
    return re.sub(r"^```\{code-cell\}.*?^```\s*$", "", text, flags=re.S | re.M)


def violations(page: Path) -> dict[str, list[str]]:
    text = text_of(page)
    found: dict[str, list[str]] = {}
    for rule, (_, patterns) in RULES.items():
        hits = []
        for pattern in patterns:
            for match in re.finditer(pattern, text, flags=re.M):
                line = text.count("\n", 0, match.start()) + 1
                hits.append(f"line {line}: {match.group(0)!r}")
        if hits:
            found[rule] = hits
    return found


def test_the_rules_catch_what_they_are_for():
    """Each rule fails on a sentence that breaks it and passes the notation page's own way."""
    bad = {
        "delta as Kronecker delta": r"$\partial z_k / \partial b_i = \delta_{ki}$",
        "delta as perturbation": r"$f(z + \delta) = f(z) + J\delta$",
        "sigma not the sigmoid": r"weights drawn from $\mathcal{N}(0, \sigma^2)$",
        "y as an output": r"the layer computes $y = f(z)$",
        "L as a loss": r"the loss $L = -\log s_c$",
        "counted from 1": r"for a class $c \in \{1, \dots, K\}$",
        "indicator written another way": r"$\sum_k \delta_k [k = i]$",
    }
    good = r"$\mathcal{L} = -\log s_y$, $\mathbb{1}\{k = i\}$, $a = f(z)$, $\tau$ the noise level, $i = 0, \dots, n - 1$"
    for rule, sentence in bad.items():
        assert any(re.search(p, sentence) for p in RULES[rule][1]), rule
        assert not any(re.search(p, good) for p in RULES[rule][1]), rule


@pytest.mark.parametrize("page", pages(), ids=lambda p: p.stem)
def test_no_chapter_redefines_a_reserved_symbol(page):
    found = violations(page)
    assert not found, "\n".join(
        f"{page.name}: {rule} (notation page: {RULES[rule][0]}): " + "; ".join(hits[:5])
        for rule, hits in found.items())

