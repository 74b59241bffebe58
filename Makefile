# 法治学堂 — the two commands are `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
STAFF ?= 300

.PHONY: run test worker bench lint format messages venv deps devdeps seed clean prodstack prodstack-up

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.deps: requirements.txt | $(PY)
	$(PIP) install --quiet -r requirements.txt
	touch $@

$(VENV)/.devdeps: requirements.txt requirements-dev.txt | $(PY)
	$(PIP) install --quiet -r requirements-dev.txt
	touch $(VENV)/.deps $@

deps: $(VENV)/.deps
devdeps: $(VENV)/.devdeps

## make run: install, migrate, load demo data (idempotent), serve on http://127.0.0.1:8000
run: deps
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --staff $(STAFF)
	@echo "法治学堂 is at http://$(HOST):$(PORT)/  (Ctrl-C to stop)"
	$(PY) manage.py runserver $(HOST):$(PORT)

## make test: install dev requirements and run the whole suite
test: devdeps
	$(VENV)/bin/pytest $(PYTEST_ARGS)

## make prodstack: the README's production stack (nginx, gunicorn, Celery worker and beat on
## PostgreSQL/Redis, deploy/stack.sh) started, smoke-tested through nginx with Chromium, stopped
prodstack: devdeps
	deploy/stack.sh test

## make prodstack-up: the same stack left running at https://localhost:18443 until Ctrl-C
prodstack-up: devdeps
	deploy/stack.sh up

## make worker: Celery worker and beat against CELERY_BROKER_URL
worker: deps
	$(VENV)/bin/celery -A config worker --beat --scheduler django_celery_beat.schedulers:DatabaseScheduler -l INFO

## make bench: every benchmark against PostgreSQL (DATABASE_URL), rewrites docs/benchmarks.md
bench: devdeps
	$(PIP) install --quiet -r bench/requirements.txt
	$(PY) bench/run.py

lint: devdeps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: devdeps
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

## make messages: refresh the English catalogue (source strings are Chinese)
messages: devdeps
	$(PY) manage.py makemessages -l en --ignore=.venv --ignore=bench --ignore=tests
	$(PY) manage.py makemessages -d djangojs -l en --ignore=.venv --ignore=staticfiles --ignore=static/vendor

clean:
	rm -rf $(VENV) staticfiles test-artifacts
