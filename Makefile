# Zairyu Back Office — the README's two commands, plus bench and lint.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PY := .venv/bin/python
export UV_PYTHON_DOWNLOADS := never

.PHONY: help setup deps run test lint bench messages clean

help:
	@echo "make run    set up, migrate, load demo data, serve http://127.0.0.1:8000 with a worker"
	@echo "make test   set up, start PostgreSQL/Redis/Celery, run every test, stop them"
	@echo "make bench  list-view benchmark on 1,000,000 institutions (PostgreSQL)"

deps:
	@scripts/install_deps.sh

setup: deps
	@uv sync --locked --quiet
	@$(PY) manage.py compilemessages -v0 --ignore=.venv

run: setup
	@scripts/run_embedded.sh

lint: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	$(PY) manage.py makemigrations --check --dry-run -v1

test: setup
	@scripts/test_all.sh

bench: setup
	@scripts/bench.sh

messages:
	$(PY) manage.py makemessages -l ja -l en --ignore=.venv --ignore=var --ignore=tests --ignore=bench
	$(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf var/zairyu.sqlite3 var/celery var/media var/static var/test-run
