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
	$(BIN)/python benchmarks/cli.py

# The UI on the same Dagster instance `cqmonitor run` and `demo` record in (DAGSTER_HOME,
# default <data dir>/dagster), so every CLI run shows there. Schedules stay off unless
# CQMONITOR_SCHEDULES=true (docs/operations.md).
DATA_DIR ?= $(or $(CQMONITOR_DATA_DIR),.cqmonitor)
export DAGSTER_HOME ?= $(abspath $(DATA_DIR))/dagster

dev: $(STAMP)
	@mkdir -p "$(DAGSTER_HOME)"
	@test -f "$(DAGSTER_HOME)/dagster.yaml" || $(BIN)/python -c 'import sys; from dagster_project.cli.execute import INSTANCE_YAML as y; open(sys.argv[1], "w").write(y)' "$(DAGSTER_HOME)/dagster.yaml"
	$(BIN)/dagster dev -w workspace.yaml

clean:
	rm -rf $(VENV) .cqmonitor .pytest_cache .ruff_cache
