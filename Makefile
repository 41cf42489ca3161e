# Quick start:  make demo  (scan the shipped samples)   make test  (the whole test suite)
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed

.PHONY: demo test lint docs clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

## Scan each sample plan with iacjit (vulnerable/ ones show findings and chains on purpose).
## Every sample directory is its own plan: an alert in one fixed/ sample would otherwise cover
## the NSGs of the vulnerable ones, exactly as it would in one real deployment.
demo: $(STAMP)
	@for plan in $$(find samples -type d \( -name vulnerable -o -name fixed \) | sort) \
	             $$(find samples -name 'plan.json' | sort); do \
	  echo "=== $$plan"; $(BIN)/iacjit scan "$$plan" --fail-on none || exit $$?; echo; \
	done

## Lint, then run every test. The HTML-report tests drive Debian's headless Chromium (never a
## downloaded build): installed here when missing and we are root, else one sentence says so.
test: $(STAMP)
	@command -v chromium >/dev/null || command -v chromium-browser >/dev/null || \
	  { [ "$$(id -u)" = 0 ] && apt-get update -q && apt-get install -y -q chromium >/dev/null; } || \
	  { echo "make test needs Chromium: apt-get install chromium (as root)"; exit 2; }
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

## Regenerate docs/rules/*.md and docs/chains/*.md from the rule and chain metadata.
docs: $(STAMP)
	$(BIN)/python -c "from pathlib import Path; from iacjit.explain import write_docs; write_docs(Path('docs'))"

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build *.egg-info
