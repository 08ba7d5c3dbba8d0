#!/usr/bin/env bash
# `make run`: the embedded default (SQLite, filesystem broker), demo data, a real worker and beat.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
$PY manage.py migrate --noinput -v0
$PY manage.py seed_demo
$PY manage.py seed_usage_requests
$PY manage.py seed_applications
$PY manage.py seed_statistics_demo
mkdir -p var/log
$PY -m celery -A backoffice worker -Q mail,default,reports -l info --pool=solo -n embedded@%h \
  >var/log/worker.log 2>&1 &
worker=$!
$PY -m celery -A backoffice beat -l info -s var/celerybeat-schedule >var/log/beat.log 2>&1 &
beat=$!
trap 'kill $worker $beat 2>/dev/null || true; wait 2>/dev/null || true' EXIT INT TERM
echo "Worker log: var/log/worker.log. Serving http://127.0.0.1:8000 (Ctrl-C stops everything)."
$PY manage.py runserver 127.0.0.1:8000 --insecure
