# Quartiersmelder — `make run` starts the product, `make test` proves it.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := wsgi.py
export PYTHONPATH := $(CURDIR)
POSTGRES_TEST_URL ?= postgresql://postgres@127.0.0.1:5432/test

.PHONY: run setup dev-setup db types test test-sqlite test-postgres fuzz lint format bench lock browser translations clean

# The product needs requirements.txt; tests, lint, types and benchmarks also requirements-dev.txt
# (both pinned with hashes, so pip installs exactly what was locked).
$(BIN)/.installed: requirements.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --require-hashes -r requirements.txt
	@touch $@

$(BIN)/.installed-dev: $(BIN)/.installed requirements-dev.txt
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.txt
	@touch $@

setup: $(BIN)/.installed translations

dev-setup: $(BIN)/.installed-dev translations

translations: $(BIN)/.installed
	@$(BIN)/pybabel -q compile -d app/translations

db: setup
	@mkdir -p instance
	$(BIN)/flask db upgrade
	$(BIN)/flask seed --if-empty
	$(BIN)/flask statistics rebuild --if-empty

run: db
	@echo "Quartiersmelder: http://127.0.0.1:$(PORT)/report  (inbox: /login — create staff with .venv/bin/flask users create)"
	@if [ -n "$$TELEGRAM_BOT_TOKEN" ]; then \
		$(BIN)/flask api-keys ensure telegram-bot --file instance/bot-api-key && procs="web worker photos bot"; \
	else \
		echo "Telegram bot not started: get a token from @BotFather and run TELEGRAM_BOT_TOKEN=… make run (see README)."; \
		procs="web worker photos"; \
	fi; \
	PATH="$(CURDIR)/$(BIN):$$PATH" BACKEND_URL="http://127.0.0.1:$(PORT)" \
		BACKEND_API_KEY_FILE="$(CURDIR)/instance/bot-api-key" PUBLIC_BASE_URL="$${PUBLIC_BASE_URL:-http://127.0.0.1:$(PORT)}" \
		$(BIN)/honcho start -f Procfile -p $(PORT) $$procs

# Headless Chromium from Debian for the browser tests (never a downloaded browser).
browser:
	@bash scripts/ensure-chromium.sh

# The pages in the browser look the same on either database: the browser tests run in the first
# pass only; everything else runs on both.
test: dev-setup browser
	@echo "== tests on SQLite (with the browser tests) =="
	$(BIN)/pytest -q
	@if $(BIN)/python scripts/pg_reachable.py "$(POSTGRES_TEST_URL)"; then \
		echo "== tests on PostgreSQL ($(POSTGRES_TEST_URL)), without the browser tests =="; \
		TEST_DATABASE_URL="$(POSTGRES_TEST_URL)" $(BIN)/pytest -q --ignore=tests/browser; \
	elif [ -n "$$REQUIRE_POSTGRES" ]; then \
		echo "PostgreSQL at $(POSTGRES_TEST_URL) is not reachable, and REQUIRE_POSTGRES is set." >&2; exit 1; \
	else \
		echo "PostgreSQL at $(POSTGRES_TEST_URL) is not reachable: ran the SQLite suite only."; \
	fi

# Longer fuzzing of both OpenAPI documents (Open311 and partner API) with schemathesis:
# FUZZ_CASES generated requests per document (make test runs 160), on SQLite and PostgreSQL.
FUZZ_CASES ?= 4000
fuzz: dev-setup
	@echo "== fuzzing on SQLite =="
	FUZZ_CASES=$(FUZZ_CASES) $(BIN)/pytest -q --timeout=3600 tests/security/test_fuzz.py
	@if $(BIN)/python scripts/pg_reachable.py "$(POSTGRES_TEST_URL)"; then \
		echo "== fuzzing on PostgreSQL ($(POSTGRES_TEST_URL)) =="; \
		FUZZ_CASES=$(FUZZ_CASES) TEST_DATABASE_URL="$(POSTGRES_TEST_URL)" \
			$(BIN)/pytest -q --timeout=3600 tests/security/test_fuzz.py; \
	else \
		echo "PostgreSQL at $(POSTGRES_TEST_URL) is not reachable: fuzzed on SQLite only."; \
	fi

# Lint and types: ruff (rules in pyproject.toml) and mypy over the packages listed there.
lint: dev-setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

types: dev-setup
	$(BIN)/mypy

format: dev-setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Every figure beside its limit measured in the same run, also written as JSON to
# bench-results/<timestamp>.json; BENCH_ONLY=load,intake,… runs some sections only
# (geo, photos, bot, outbox, intake, city, load). scripts/bench_table.py makes the README's
# table from one or more of those files.
BENCH_ONLY ?=
bench: dev-setup
	BENCH_ONLY="$(BENCH_ONLY)" $(BIN)/python -m benchmarks

# Re-pin both sets with hashes: requirements.txt from requirements.in (what the product needs),
# requirements-dev.txt from requirements-dev.in (tools on top, constrained to the same pins).
# Existing pins are kept unless requirements*.in asks otherwise (pip-compile --upgrade to move).
PIP_TOOLS ?= pip-tools==7.6.2
lock:
	rm -rf /tmp/qm-lock && $(PYTHON) -m venv /tmp/qm-lock
	/tmp/qm-lock/bin/pip install --quiet "$(PIP_TOOLS)"
	/tmp/qm-lock/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
		--no-emit-find-links --no-emit-index-url -o requirements.txt requirements.in
	/tmp/qm-lock/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
		--no-emit-find-links --no-emit-index-url -o requirements-dev.txt requirements-dev.in

clean:
	rm -rf $(VENV) instance .pytest_cache .bench-cache

# After adding or changing UI texts: extract them and update the catalogs, then translate.
translations-update: $(BIN)/.installed
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -o /tmp/quartiersmelder.pot .
	$(BIN)/pybabel -q update -i /tmp/quartiersmelder.pot -d app/translations --no-fuzzy-matching --ignore-obsolete
