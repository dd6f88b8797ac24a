# The two commands of the quick start: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: demo test test-sqlite test-postgres lint venv bench messages clean

## demo: install, migrate, seed the demo network and run the whole system on http://127.0.0.1:8000
## (DEBUG off, as in production; logs in var/demo.log; Ctrl-C stops it)
demo: $(INSTALLED)
	scripts/system-packages.sh run
	$(BIN)/python manage.py run_demo

## test: lint, then the whole suite on SQLite and on a private PostgreSQL server,
## each on two workers (pytest-xdist; the demo-seeding tests stay together on one)
test: $(INSTALLED)
	scripts/system-packages.sh test
	$(MAKE) --no-print-directory lint
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

test-sqlite: $(INSTALLED)
	$(BIN)/python -m pytest --db=sqlite -n 2 --dist loadgroup

test-postgres: $(INSTALLED)
	$(BIN)/python -m pytest --db=postgres -n 2 --dist loadgroup

# The checks read the settings, which need a key with DEBUG off; this one signs nothing.
CHECK_ENV := SECRET_KEY=checks-only-not-a-secret-0000000000000000000000000000000000

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(CHECK_ENV) $(BIN)/python manage.py check
	$(CHECK_ENV) $(BIN)/python manage.py makemigrations --check --dry-run
	$(CHECK_ENV) $(BIN)/mypy --strict

venv: $(INSTALLED)

$(INSTALLED): requirements.txt requirements-dev.txt constraints.txt
	PYTHON=$(PYTHON) scripts/system-packages.sh venv
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements-dev.txt -c constraints.txt
	touch $(INSTALLED)

## bench: benchmarks against private servers; they print figures and ratios
bench: $(INSTALLED)
	scripts/system-packages.sh test
	$(BIN)/python -m bench.booking_bench
	$(BIN)/python -m bench.availability_bench
	$(BIN)/python -m bench.telemetry_bench
	$(BIN)/python -m bench.billing_bench
	$(BIN)/python -m bench.search_bench

## messages: refresh the translation catalogs after changing user-facing strings
messages: $(INSTALLED)
	$(CHECK_ENV) $(BIN)/python manage.py makemessages -l zh_Hans --no-obsolete --ignore '.venv/*' --ignore 'tests/*' --ignore 'staticfiles/*'
	$(CHECK_ENV) $(BIN)/python manage.py compilemessages -l zh_Hans --ignore '.venv/*'

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache .mypy_cache
