# Two entry points on a fresh machine: `make run` and `make test`. Both build .venv first, from the lock
# files (every package pinned, with its hashes): `make install` the bot alone, `make venv` with the tools.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
LOCK := requirements.lock
DEV_LOCK := requirements-dev.lock
WHEELHOUSE ?= wheelhouse

.PHONY: run install test lint venv lock wheelhouse clean bench vendor

# The bot and what it needs, nothing else: what a server runs.
$(BIN)/.installed: pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

# Plus the test and lint tools.
$(BIN)/.installed-dev: $(BIN)/.installed $(DEV_LOCK)
	$(BIN)/pip install --quiet --require-hashes -r $(DEV_LOCK)
	touch $@

install: $(BIN)/.installed

venv: $(BIN)/.installed-dev

run: install
	$(BIN)/rasad-bot run

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

# After changing the dependencies in pyproject.toml (needs the package index): commit both files.
lock: venv
	$(BIN)/uv pip compile pyproject.toml --universal --python-version 3.11 --generate-hashes -q \
		--custom-compile-command "make lock" -o $(LOCK)
	$(BIN)/uv pip compile pyproject.toml --extra dev --universal --python-version 3.11 --generate-hashes -q \
		--custom-compile-command "make lock" -o $(DEV_LOCK)

# Every wheel the bot needs on this platform and Python, and the bot's own, in one folder to carry to a
# server without internet (docs/operations.md, "Installing on a server").
wheelhouse: install
	rm -rf $(WHEELHOUSE) && mkdir -p $(WHEELHOUSE)
	$(BIN)/pip download --quiet --require-hashes --only-binary=:all: -r $(LOCK) -d $(WHEELHOUSE)
	rm -rf build  # setuptools would reuse an earlier build's files, deleted modules included
	$(BIN)/pip wheel --quiet --no-deps --wheel-dir $(WHEELHOUSE) .
	rm -rf build
	cp $(LOCK) $(WHEELHOUSE)/

# The dashboard's chart library, from the npm registry, checked against views/dashboard/VENDOR.sha256
# (committed: a server may have no internet, and the page loads nothing from elsewhere).
UPLOT = 1.6.32
vendor:
	rm -rf build/uplot && mkdir -p build/uplot
	cd build/uplot && npm pack --silent uplot@$(UPLOT) >/dev/null && tar xzf uplot-$(UPLOT).tgz
	cp build/uplot/package/dist/uPlot.iife.min.js build/uplot/package/dist/uPlot.min.css views/dashboard/
	cp build/uplot/package/LICENSE views/dashboard/uPlot-LICENSE.txt
	cd views/dashboard && grep -v '^#' VENDOR.sha256 | sha256sum --check --quiet -
	rm -rf build/uplot

bench: venv
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .pytest_cache $(WHEELHOUSE)
