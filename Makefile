# Löfte build and test harness. `make` (or `make help`) lists the targets.
#
# Works from a fresh clone: the virtualenv is created on demand and the
# system packages the tests need are installed by scripts/system-deps.

PYTHON ?= python3
VENV = .venv
PORT ?= 8000
PYTEST_ARGS ?=
BENCH_ARGS ?=

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:
MAKEFLAGS += --no-builtin-rules

BIN := $(VENV)/bin
# Django templates checked/formatted by djhtml (NUL-separated file list).
FIND_TEMPLATES = find lofte -type f -name '*.html' \( -path 'lofte/templates/*' -o -path 'lofte/*/templates/*' \) -print0

.PHONY: help install install-test node-deps run lint format test test-sqlite test-postgres test-clock \
        system-deps messages bench clean clean-all lock audit

help:
	@echo "Usage: make TARGET [PYTEST_ARGS=...] [PORT=$(PORT)] [PYTHON=$(PYTHON)]"
	@echo
	@echo "  run            install, migrate, collectstatic, load demo data, serve on PORT (DEBUG=true for Django's debug pages)"
	@echo "  test           system deps, lint, the full test suite on SQLite and on PostgreSQL, then test-clock"
	@echo "  test-sqlite    the full test suite on SQLite only"
	@echo "  test-postgres  the full test suite on a throwaway PostgreSQL cluster only"
	@echo "  test-clock     the suite on SQLite (browser tests aside) with the clock moved to each of CLOCK_MOMENTS"
	@echo "  lint           ruff format --check, ruff check, mypy, djhtml --check"
	@echo "  format         ruff format, ruff check --fix, djhtml (rewrites files)"
	@echo "  messages       makemessages (en, sv) for the lofte package, then compilemessages"
	@echo "  bench          run the benchmarks (python -m benchmarks)"
	@echo "  install        create $(VENV) and install the package (editable)"
	@echo "  install-test   as install, plus the [test] extras"
	@echo "  lock           refresh constraints.txt (the exact versions installed) from pyproject.toml's ranges"
	@echo "  audit          pip-audit the versions in constraints.txt (needs the advisory service; not in CI)"
	@echo "  system-deps    install missing Debian packages (chromium, gettext, postgresql, nodejs, npm)"
	@echo "  node-deps      npm ci: the test-only JavaScript tools in package-lock.json (axe-core)"
	@echo "  clean          remove $(VENV), var/static and caches (keeps var/*.sqlite3)"
	@echo "  clean-all      clean, and remove var/ entirely (databases included)"

# --- virtualenv and installation ---------------------------------------------

# Debian ships venv/ensurepip separately (python3-venv); install it if missing.
$(VENV)/bin/python:
	@if ! out="$$($(PYTHON) -m venv $(VENV) 2>&1)"; then \
	    rm -rf $(VENV); \
	    if ! grep -qiE 'ensurepip|No module named venv|python3(\.[0-9]+)?-venv' <<<"$$out"; then \
	        echo "$$out" >&2; echo "make: '$(PYTHON) -m venv $(VENV)' failed" >&2; exit 1; \
	    fi; \
	    if [ "$$(id -u)" -eq 0 ]; then sudo=""; \
	    elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; \
	    else \
	        echo "make: $(PYTHON) cannot create virtualenvs (venv/ensurepip missing)." >&2; \
	        echo "make: install the Debian package python3-venv as root: apt-get install -y python3-venv" >&2; \
	        exit 1; \
	    fi; \
	    echo "make: venv/ensurepip missing; installing python3-venv" >&2; \
	    $$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q; \
	    $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-venv; \
	    $(PYTHON) -m venv $(VENV); \
	fi
	$(BIN)/python -m pip install -q --upgrade pip

# Every install takes the exact versions in constraints.txt (`make lock` refreshes it).
CONSTRAINTS = constraints.txt

$(VENV)/.installed: pyproject.toml $(CONSTRAINTS) $(VENV)/bin/python
	$(BIN)/pip install -q -c $(CONSTRAINTS) -e .
	touch $@

# The [test] extras include the base install, so this satisfies .installed too.
$(VENV)/.installed-test: pyproject.toml $(CONSTRAINTS) $(VENV)/bin/python
	$(BIN)/pip install -q -c $(CONSTRAINTS) -e '.[test]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

system-deps:
	scripts/system-deps

# Resolves pyproject.toml's ranges afresh in a throwaway virtualenv and pins what it installed.
lock:
	PYTHON=$(PYTHON) scripts/lock

# Known vulnerabilities in the pinned versions, from PyPI's advisory service (network needed: not part of CI).
# pip-audit is a tool, not a dependency: it goes into the virtualenv unpinned and reads only constraints.txt.
audit: $(VENV)/bin/python
	$(BIN)/pip install -q pip-audit
	$(BIN)/pip-audit --strict --disable-pip --no-deps -r $(CONSTRAINTS)

# Test-only JavaScript (axe-core, injected into Chromium by tests/axe.py), pinned in package-lock.json.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

node-deps: node_modules/.installed

# --- running -----------------------------------------------------------------

# DEBUG stays off (Löfte's own error pages) unless DEBUG=true is set; the demo and every mail the server and its
# worker send link to PORT, or to SITE_URL when it is set (docs/configuration.md).
run: $(VENV)/.installed
	scripts/system-deps --runtime
	$(BIN)/lofte migrate --noinput
	$(BIN)/lofte collectstatic --noinput -v 0
	PORT=$(PORT) $(BIN)/lofte demo
	PORT=$(PORT) $(BIN)/lofte serve

# --- quality -----------------------------------------------------------------

lint: $(VENV)/.installed-test
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(FIND_TEMPLATES) | xargs -0 -r $(BIN)/djhtml --check

format: $(VENV)/.installed-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .
	$(FIND_TEMPLATES) | xargs -0 -r $(BIN)/djhtml

# --- tests -------------------------------------------------------------------
# Both databases run the whole suite, browser tests included; `make test`
# requires both to pass. Browsers come from Debian (chromium), never downloaded.

PYTEST_SQLITE = env -u DATABASE_URL $(BIN)/pytest $(PYTEST_ARGS)
PYTEST_POSTGRES = scripts/with-postgres $(BIN)/pytest $(PYTEST_ARGS)

test: system-deps node-deps $(VENV)/.installed-test lint
	$(PYTEST_SQLITE)
	$(PYTEST_POSTGRES)
	$(MAKE) --no-print-directory test-clock

test-sqlite: system-deps node-deps $(VENV)/.installed-test
	$(PYTEST_SQLITE)

test-postgres: system-deps node-deps $(VENV)/.installed-test
	$(PYTEST_POSTGRES)

# The suite must pass at any moment, not only today's: run it with the clock moved (tests/../conftest.py
# --clock, a ticking time-machine travel) to the spring DST night, the first 02:30 of the autumn DST night,
# New Year's Eve a minute before midnight and a leap day. Browser tests stay out: Chromium keeps the real
# clock, so its cookies would expire against the moved one; nor do the tests that start and kill Löfte's own
# processes (marker `processes`), which run in real time on both databases above. Every moment runs; the target
# fails if any did.
CLOCK_MOMENTS ?= 2027-03-28T01:30 2026-10-25T02:30+02:00 2026-12-31T23:59 2028-02-29T12:00

test-clock: system-deps $(VENV)/.installed-test
	@failed=""; for moment in $(CLOCK_MOMENTS); do \
	    echo "== pytest --clock $$moment"; \
	    $(PYTEST_SQLITE) -m "not browser and not processes" --clock "$$moment" || failed="$$failed $$moment"; \
	done; \
	if [ -n "$$failed" ]; then echo "test-clock: failed at:$$failed" >&2; exit 1; fi

# --- translations ------------------------------------------------------------
# Run from inside lofte/ so makemessages scans only the package and
# compilemessages does not walk into $(VENV) (it compiles every locale/ dir
# below the working directory). Catalogues land in lofte/locale (LOCALE_PATHS)
# or in an app's own locale/ directory if it has one.

DJANGO_ADMIN = cd lofte && DJANGO_SETTINGS_MODULE=lofte.settings PYTHONPATH=$(CURDIR) $(CURDIR)/$(BIN)/django-admin

messages: $(VENV)/.installed
	$(DJANGO_ADMIN) makemessages -l en -l sv --no-obsolete --ignore 'static/*'
	$(DJANGO_ADMIN) compilemessages

# --- benchmarks --------------------------------------------------------------

bench: system-deps $(VENV)/.installed-test
	env -u DATABASE_URL $(BIN)/python -m benchmarks $(BENCH_ARGS)
	scripts/with-postgres $(BIN)/python -m benchmarks $(BENCH_ARGS)

# --- cleaning ----------------------------------------------------------------

clean:
	rm -rf $(VENV) node_modules var/static .pytest_cache .mypy_cache .ruff_cache .hypothesis \
	       test-results build dist *.egg-info
	find . -path ./.git -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +

clean-all: clean
	rm -rf var
