# Two entry points on a fresh machine: `make run` and `make test`. Both build .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint venv clean bench

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

venv: $(BIN)/.installed

run: venv
	$(BIN)/python -m bot run

lint: venv
	$(BIN)/ruff check .
	$(BIN)/mypy

# Two workers (this machine has two cores); what restarts a shared service runs alone afterwards.
test: venv lint
	$(BIN)/python -m pytest -q -n 2 -m "not serial"
	$(BIN)/python -m pytest -q -m serial
	# The conversations and the concurrent writers again on SQLAlchemy's stock SQLite adapter: the fallback
	# models/sqlite_lean.py takes when the internals it reaches into change.
	RASAD_STOCK_SQLITE=1 TEST_DATABASE_URL= $(BIN)/python -m pytest -q -k "telegram or not e2e" \
		tests/e2e/test_report.py tests/e2e/test_concurrency.py tests/unit/test_drafts.py

bench: venv
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .pytest_cache
