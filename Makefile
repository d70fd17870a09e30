# Two set-up commands for a fresh machine (see README): `make serve` and `make test`.
# Both create the virtual environment in .venv on first use and keep it in step with pyproject.toml.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	touch $(STAMP)

.PHONY: install serve test test-fast lint
install: $(STAMP)

serve: $(STAMP)
	$(VENV)/bin/headshot serve

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

# Everything, on SQLite and PostgreSQL (`-m ""` lifts the fast default that a plain `pytest` has).
test: lint
	HEADSHOT_TEST_POSTGRES_URL="$$(bash scripts/ensure-postgres)" $(VENV)/bin/pytest -m ""

# While working: no process spawning, no container replay, no PostgreSQL (about a minute).
test-fast: $(STAMP)
	$(VENV)/bin/pytest
