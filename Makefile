# Quick start: `make demo` then `make test`. Both create .venv/ and install the project first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test faults ui-check lint bench dev clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,prod]"
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/cqmonitor demo

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -q -rs

# The fault suite alone (also part of `make test`): one FAULT line per fault, as measured.
faults: $(STAMP)
	$(BIN)/pytest -q -s -rs tests/faults

# The Dagster UI in headless Chromium (Debian's `chromium`); also part of `make test`.
# Screenshots and the dagster dev log: test-output/ui/.
ui-check: $(STAMP)
	$(BIN)/pytest -q -rs -m ui

bench: $(STAMP)
	$(BIN)/python benchmarks/classify.py
	$(BIN)/python benchmarks/crawl.py
	$(BIN)/python benchmarks/partitions.py
	$(BIN)/python benchmarks/extraction.py
	$(BIN)/python benchmarks/alerts.py
	$(BIN)/python benchmarks/interactions.py

dev: $(STAMP)
	$(BIN)/dagster dev -w workspace.yaml

clean:
	rm -rf $(VENV) .cqmonitor .pytest_cache .ruff_cache
