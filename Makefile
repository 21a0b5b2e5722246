# Two commands on a fresh machine: `make run` and `make test`. See README.md.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Test-only node tools (axe-core, the Nu HTML Checker), pinned in package-lock.json, in git-ignored node_modules/.
NODE_STAMP := node_modules/.installed
# Debian packages WeasyPrint needs (pango, harfbuzz subsetting, fonts: Noto covers the scripts London
# writes in, Bengali, Arabic, Urdu, Chinese...), and PostgreSQL for the second test run.
DEBIAN_RUNTIME := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fontconfig fonts-liberation2 fonts-noto-core fonts-noto-cjk
DEBIAN_TEST := postgresql poppler-utils chromium default-jre-headless
# The load generator for the throughput part of `make bench`.
DEBIAN_BENCH := wrk
# Pages at scales 1 and 10 (with PDF, throughput and intelligence), intelligence alone at 100.
BENCH_ARGS ?= --scales 1,10 --analytics-scales 100
PG_URL ?= postgres://postgres@127.0.0.1:5432/peerreview

# Two test processes per database (pytest-xdist); whole modules go to one process (--dist loadfile),
# so a module's shared scene (tests/shared_scene.py) is built once.
PYTEST_WORKERS ?= 2
PYTEST = $(PY) -m pytest -q -n $(PYTEST_WORKERS) --dist loadfile --durations=15

.PHONY: run test test-fast test-sqlite test-postgres check lint bench install system-deps postgres clean backup restore test-tools prod-smoke lock

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: system-deps $(STAMP)

# --ignore-scripts: vnu-jar's install script would try to download a Java runtime; Debian's is used.
$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || $(MAKE) --no-print-directory system-deps EXTRA_DEBIAN=npm
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	touch $(NODE_STAMP)

test-tools: $(NODE_STAMP)

# Installs only what is missing; needs root (or sudo) the first time on a bare machine.
system-deps:
	@missing=""; for p in $(DEBIAN_RUNTIME) $(EXTRA_DEBIAN); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

run: install
	DJANGO_DEBUG=1 $(PY) manage.py migrate --no-input
	DJANGO_DEBUG=1 $(PY) manage.py seed_demo
	DJANGO_DEBUG=1 $(PY) manage.py runserver 127.0.0.1:8000

postgres:
	@command -v pg_isready >/dev/null || $(MAKE) --no-print-directory system-deps EXTRA_DEBIAN="$(DEBIAN_TEST)"
	@pg_isready -q -h 127.0.0.1 -p 5432 || pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql | sort -V | tail -1) main start
	@for i in $$(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && exit 0; sleep 1; done; echo "PostgreSQL did not start"; exit 1

# The browser journeys (marker e2e) run once, in the SQLite pass: they test pages in Chromium, not
# the database, and on PostgreSQL each one's flush of every table costs seconds more.
# The SQLite pass builds its database from the models (--nomigrations: about 40 s less per worker);
# `make check` (makemigrations --check) and the PostgreSQL pass (which migrates) prove the migrations.
test-sqlite: install test-tools
	$(PYTEST) --nomigrations

test-postgres: install test-tools postgres
	DATABASE_URL=$(PG_URL) $(PYTEST) -m "not e2e"

# The inner loop: SQLite only, no browser, stop at the first failure.
test-fast: install
	$(PY) -m pytest -q -n auto --dist loadfile -m "not e2e" -x --nomigrations

# What CI refuses besides failing tests: lint and format, the import direction (ARCHITECTURE.md),
# type errors (mypy, [tool.mypy] in pyproject.toml), a model change without its migration, and
# state diagrams that differ from the code.
check: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports
	DJANGO_DEBUG=1 $(PY) -m mypy .
	DJANGO_DEBUG=1 $(PY) manage.py makemigrations --check --dry-run
	DJANGO_DEBUG=1 $(PY) manage.py draw_state_diagrams --check

lint: check

test:
	@$(MAKE) --no-print-directory system-deps EXTRA_DEBIAN="$(DEBIAN_TEST)"
	@$(MAKE) --no-print-directory check
	@$(MAKE) --no-print-directory test-sqlite
	@$(MAKE) --no-print-directory test-postgres

bench: install postgres
	@$(MAKE) --no-print-directory system-deps EXTRA_DEBIAN="$(DEBIAN_BENCH)"
	DATABASE_URL=$(PG_URL)_bench timeout 5400 $(PY) bench/run.py $(BENCH_ARGS)

# Backups: one archive of the database and the uploaded files under backups/ (see README "Backups").
# Run with the same environment as the application (DATABASE_URL, DJANGO_MEDIA_ROOT, ...).
backup: install
	$(PY) manage.py backup $(if $(OUTPUT),--output $(OUTPUT))

restore: install
	@test -n "$(FILE)" || { echo "Usage: make restore FILE=backups/NAME.tar.gz [REPLACE=1]"; exit 2; }
	$(PY) manage.py restore $(FILE) $(if $(REPLACE),--replace)

# The production shape without containers (issue #19): gunicorn with 2 workers and the mail worker against
# PostgreSQL (its own database) and Redis, production settings; signs in, makes a move, sees the email
# delivered to a local SMTP sink, checks /health/. See deploy/prod_smoke.py.
prod-smoke: install postgres
	@command -v redis-server >/dev/null || $(MAKE) --no-print-directory system-deps EXTRA_DEBIAN=redis-server
	@redis-cli ping >/dev/null 2>&1 || redis-server --daemonize yes --save "" --appendonly no
	SMOKE_DATABASE_URL=$(PG_URL)_smoke timeout 900 $(PY) deploy/prod_smoke.py

# The locks (README "Dependencies"): every package pinned with its hashes, resolved from pyproject.toml's
# pins. requirements/prod.txt is the runtime and S3 (what the image and a systemd install use);
# requirements/dev.txt is everything, held to prod.txt's versions. Run after changing a pin;
# UPGRADE=1 also moves the unpinned (transitive) packages to their newest versions.
UV_COMPILE = $(PY) -m uv pip compile pyproject.toml --quiet --universal --python-version 3.11 --generate-hashes \
	--custom-compile-command "make lock" $(if $(UPGRADE),--upgrade)
lock: $(STAMP)
	@mkdir -p requirements
	$(UV_COMPILE) --extra s3 -o requirements/prod.txt
	$(UV_COMPILE) --all-extras -c requirements/prod.txt -o requirements/dev.txt

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles node_modules
