# The two commands: `make` (set up, build the book, its PDF and the student kit, release,
# grade the demo class) and `make test` (the same build, strictly, then the test suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
READY := $(VENV)/.requirements-installed
SITE := _build/html
BOOK := $(SITE)/book/intro.html
PDF := $(SITE)/activation-functions-in-depth.pdf
KIT := $(SITE)/student-kit.zip
REPORT := demo/report
CHROMIUM := /usr/bin/chromium

.PHONY: all setup browser book pdf kit release demo test check clean

# Each product is rebuilt only when its inputs changed, so `make` with nothing changed
# takes seconds: stamps stand for the book and the release, files for the PDF and the kit.
BOOK_STAMP := _build/.book-built
RELEASE_STAMP := _build/.released
BOOK_SOURCES := _config.yml _toc.yml references.bib $(shell find book -type f -not -path '*/__pycache__/*' -not -path '*/.ipynb_checkpoints/*') $(wildcard exercises/*/*.ipynb)
KIT_SOURCES := $(wildcard exercises/*/*.ipynb) $(wildcard publish/*.py) autograder/validate.py

all: release book pdf kit demo
	@echo
	@echo "Book:         $(CURDIR)/$(BOOK) (PDF: $(PDF), student kit: $(KIT))"
	@echo "Grade report: $(CURDIR)/$(REPORT)/report.html (grades.csv, cells.csv, parts.csv, feedback/)"

setup: $(READY) browser

# The environment is rebuilt only when it is missing or requirements.txt changed.
$(READY): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; v = sys.version_info[:2]; sys.exit(None if (3, 11) <= v <= (3, 13) else "Python 3.11, 3.12 or 3.13 is needed, $(PYTHON) is %d.%d: run make PYTHON=python3.12 (or another of those)" % v)'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --quiet --no-deps --editable .  # the grader as a package: importable from any folder
	$(BIN)/python -c "import matplotlib.font_manager"  # build the font cache now, not inside a book cell
	touch $@

# Debian's Chromium prints the PDF and runs the browser tests; installed where missing.
browser: $(CHROMIUM)
$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	else \
	  echo "Chromium is missing: install Debian's package as root (apt-get install chromium), then run make again"; exit 1; \
	fi

# -W turns every warning into an error; the execution cache makes rebuilds cheap.
book: $(BOOK_STAMP)
$(BOOK_STAMP): $(READY) $(BOOK_SOURCES)
	$(BIN)/jupyter-book build . -W -n --keep-going
	touch $@

# The whole book as one PDF, printed offline by the same headless Chromium.
pdf: $(PDF)
$(PDF): $(BOOK_STAMP) publish/pdf.py publish/browser.py | browser
	$(BIN)/python -m publish.pdf $(SITE) $(PDF)

# What a student downloads: the released notebooks and a standalone validate.
kit: $(KIT)
$(KIT): $(READY) $(KIT_SOURCES)
	$(BIN)/python -m publish.kit $(KIT)

# release writes a notebook only when it differs from the committed one.
release: $(RELEASE_STAMP)
$(RELEASE_STAMP): $(READY) $(wildcard solutions/*/*.ipynb)
	$(BIN)/python -m autograder release
	@mkdir -p $(@D) && touch $@

demo: $(READY) release
	$(BIN)/python demo/make_class.py demo/class
	$(BIN)/python -m autograder grade demo/class --out $(REPORT) --timeout 10

test: $(READY) book pdf kit
	$(BIN)/python -m pytest

# The edit-test loop: everything but the whole-grader runs (marked slow), no book build.
check: $(READY)
	$(BIN)/python -m pytest -m "not slow"

clean:
	rm -rf _build demo/class $(REPORT)
