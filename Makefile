# The two commands: `make` (set up, build the book, release, grade the demo class) and
# `make test` (set up, build the book strictly, run the test suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
READY := $(VENV)/.requirements-installed
BOOK := _build/html/index.html
REPORT := demo/report

.PHONY: all setup book release demo test clean

all: book release demo
	@echo
	@echo "Book:         $(CURDIR)/$(BOOK)"
	@echo "Grade report: $(CURDIR)/$(REPORT)/grades.csv (cells: cells.csv, feedback: feedback/)"

setup: $(READY)

# The environment is rebuilt only when it is missing or requirements.txt changed.
$(READY): requirements.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is required, found " + sys.version.split()[0]'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --quiet -r requirements.txt
	$(BIN)/python -c "import matplotlib.font_manager"  # build the font cache now, not inside a book cell
	touch $@

# -W turns every warning into an error; the execution cache makes rebuilds cheap.
book: $(READY)
	$(BIN)/jupyter-book build . -W -n --keep-going

release: $(READY)
	$(BIN)/python -m autograder release

demo: $(READY) release
	$(BIN)/python demo/make_class.py demo/class
	$(BIN)/python -m autograder grade demo/class --out $(REPORT) --timeout 10

test: $(READY) book
	$(BIN)/python -m pytest

clean:
	rm -rf _build demo/class $(REPORT)
