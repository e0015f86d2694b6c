# Espace Clients — the two commands of the quick start are `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
ADDRESS ?= 127.0.0.1:8000
# The links of the e-mails point at the address `make run` serves, unless SITE_URL is set (in the
# environment or in .env).
SITE_URL ?= $(or $(shell sed -n 's/^SITE_URL=//p' .env 2>/dev/null),http://$(ADDRESS))
PYTEST_ARGS ?= -n 2

.PHONY: run test lint format demo chromium nginx dovecot gettext clean bench wrk loadtest

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

## Start the portal on the embedded default (SQLite, local files, demo data) at http://127.0.0.1:8000
run: $(VENV)/.runtime
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo --if-empty
	SITE_URL=$(SITE_URL) $(PY) manage.py runserver $(ADDRESS)

## Run the whole test suite (installs, when missing, Debian's Chromium for the browser tests, Debian's
## nginx for the reverse-proxy test, Dovecot, the IMAP server the replies by e-mail are read from, and
## GNU gettext, with which the French catalog is checked against the code)
test: $(VENV)/.dev chromium nginx dovecot gettext
	$(PY) -m pytest $(PYTEST_ARGS)

## The benchmark (docs/performance.md): a million DIs in the PostgreSQL of DATABASE_URL (kept between
## runs), gunicorn with the production settings, wrk. BENCH_SCALE=0.001 for a quick run.
BENCH_SCALE ?= 1
BENCH_DURATION ?= 20
bench: $(VENV)/.dev wrk
	$(PY) -m bench.run --scale $(BENCH_SCALE) --duration $(BENCH_DURATION)

wrk:
	@command -v wrk >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## Load test (PostgreSQL on 127.0.0.1:5432): mixed client traffic, then zero 5xx and zero lost writes
loadtest: $(VENV)/.dev
	$(PY) tools/loadtest.py --duration $(or $(DURATION),60) --users $(or $(USERS),16)

demo: $(VENV)/.runtime
	$(PY) manage.py load_demo

gettext:
	@command -v xgettext >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext >/dev/null; }

chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

## Debian's nginx, run by tests/test_reverse_proxy.py as an ordinary process (never as a service):
## a policy-rc.d keeps the package from starting the system's nginx on port 80 while it installs.
nginx:
	@command -v nginx >/dev/null 2>&1 || test -x /usr/sbin/nginx || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  own=; [ -e /usr/sbin/policy-rc.d ] || { own=1; printf '#!/bin/sh\nexit 101\n' | $$SUDO tee /usr/sbin/policy-rc.d >/dev/null; $$SUDO chmod 755 /usr/sbin/policy-rc.d; }; \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null; \
	  status=$$?; [ -z "$$own" ] || $$SUDO rm -f /usr/sbin/policy-rc.d; exit $$status; }

# Only the binaries: the tests run it as an ordinary process with a throwaway configuration
# (testing/imap.py); the package's own service is not needed.
dovecot:
	@command -v dovecot >/dev/null 2>&1 || test -x /usr/sbin/dovecot || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd >/dev/null; }

clean:
	rm -rf $(VENV) var staticfiles
