# Quick start:  make demo  (scan the shipped samples)   make test  (the whole test suite)
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
# Exact versions of everything `make test` installs with pip (`make lock` refreshes them),
# given as PIP_CONSTRAINT so pip's isolated build environments and the environments the tests
# build (pre-commit's hook, the installed wheel) get the same versions. Empty: newest releases.
LOCK   ?= $(CURDIR)/.ci/constraints.txt
CONSTRAIN = $(if $(LOCK),PIP_CONSTRAINT=$(LOCK))
RUNTIME_STAMP = $(VENV)/.installed-runtime
TEST_STAMP    = $(VENV)/.installed-test

.PHONY: demo test test-latest lock lint docs dist clean realworld

# The virtualenv starts without pip: the demo installs into it with the pip of $(PYTHON)
# (pip --python, pip >= 22.3; else a seeded copy), which saves seeding one; the tests then add
# one (they build and install packages).
$(BIN)/python:
	$(PYTHON) -m venv --without-pip $(VENV)

# Only iacjit's runtime dependencies, read from pyproject.toml: the demo runs the source tree
# (python -m iacjit from here), so nothing is built and no test extra is fetched.
$(RUNTIME_STAMP): pyproject.toml .ci/constraints.txt | $(BIN)/python
	$(PYTHON) -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > $(VENV)/runtime-requirements.txt
	@if $(PYTHON) -m pip --python $(BIN)/python --version >/dev/null 2>&1; \
	then pip="$(PYTHON) -m pip --python $(BIN)/python"; \
	else $(BIN)/python -m ensurepip --default-pip >/dev/null && pip="$(BIN)/python -m pip"; fi; \
	echo "$$pip install -r $(VENV)/runtime-requirements.txt"; \
	$(CONSTRAIN) $$pip install --quiet --disable-pip-version-check -r $(VENV)/runtime-requirements.txt
	touch $@

# iacjit (editable) with the test extras (pytest, ruff, pre-commit, build, ...), same lock.
$(TEST_STAMP): pyproject.toml .ci/constraints.txt | $(BIN)/python
	$(BIN)/python -m pip --version >/dev/null 2>&1 || $(BIN)/python -m ensurepip --default-pip
	$(CONSTRAIN) $(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

## Scan each sample plan with iacjit (vulnerable/ ones show findings and chains on purpose).
## Every sample directory is its own plan: an alert in one fixed/ sample would otherwise cover
## the NSGs of the vulnerable ones, exactly as it would in one real deployment.
demo: $(RUNTIME_STAMP)
	@for plan in $$(find samples -type d \( -name vulnerable -o -name fixed \) | sort) \
	             $$(find samples -name 'plan.json' | sort); do \
	  echo "=== $$plan"; $(BIN)/python -m iacjit scan "$$plan" --fail-on none || exit $$?; echo; \
	done

## Lint, then run every test. The report tests drive node tools (installed by the tests from
## tests/js/package-lock.json into .ci-venvs/node) and Debian's headless Chromium (never a
## downloaded build): installed here when missing and we are root, else one sentence says so.
test: $(TEST_STAMP)
	@command -v node >/dev/null && command -v npm >/dev/null || \
	  { echo "make test needs node and npm: apt-get install nodejs npm (as root)"; exit 2; }
	@command -v chromium >/dev/null || command -v chromium-browser >/dev/null || \
	  { [ "$$(id -u)" = 0 ] && apt-get update -q && apt-get install -y -q chromium >/dev/null; } || \
	  { echo "make test needs Chromium: apt-get install chromium (as root)"; exit 2; }
	$(BIN)/ruff check .
	$(CONSTRAIN) $(BIN)/python -m pytest -q

## The same suite against the newest releases of every Python dependency (no lock), in its own
## virtualenv: tells whether `make lock` can move forward.
test-latest:
	rm -rf .venv-latest
	$(MAKE) test VENV=.venv-latest LOCK=

## Refresh the locks from the newest releases, each resolved in a throwaway virtualenv.
lock:
	PYTHON=$(PYTHON) .ci/lock

## sdist and wheel into dist/ (what a release uploads and the Dockerfile installs).
dist: $(TEST_STAMP)
	rm -rf dist
	$(BIN)/python -m build --outdir dist .

## Regenerate docs/rules/*.md and docs/chains/*.md from the rule and chain metadata.
docs: $(TEST_STAMP)
	$(BIN)/python -c "from pathlib import Path; from iacjit.explain import write_docs; write_docs(Path('docs'))"

## Scan the public corpora found below $(REALWORLD), one directory at a time: crashes, hangs
## (over 10 s), error entries per format with their causes, findings per rule. See
## docs/real-world.md for how to fetch them and the last figures.
REALWORLD ?= /work/corpora
realworld: $(TEST_STAMP)
	$(BIN)/python benchmarks/realworld.py --root $(REALWORLD)

lint: $(TEST_STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) .venv-latest .pytest_cache .ruff_cache build dist *.egg-info
