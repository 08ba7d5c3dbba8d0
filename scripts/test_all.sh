#!/usr/bin/env bash
# `make test`: lint, unit tests on SQLite, then integration and browser tests on real services.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export RUN=$PWD/var/test-run PGPORT=${PGPORT:-54329} REDIS_PORT=${REDIS_PORT:-6390}
export FAST_PASSWORD_HASHER=1 DJANGO_ALLOW_ASYNC_UNSAFE=true
# pcscd + the virtual My Number Card for tests/integration/test_pcsc.py and test_opensc.py.
export START_PCSC=${START_PCSC:-1} VPCD_PORT=${VPCD_PORT:-35963}
status=0
step() { echo; echo "== $*"; }

step "lint: ruff, format, mypy, migrations"
$PY -m ruff check . || status=1
$PY -m ruff format --check . || status=1
$PY -m mypy || status=1
$PY manage.py makemigrations --check --dry-run -v1 || status=1

step "translations: every user-facing string has its Japanese translation"
check=$RUN-locale; rm -rf "$check"; mkdir -p "$(dirname "$check")"; cp -r locale "$check"
ZAIRYU_LOCALE_DIR=$check $PY manage.py makemessages -l ja -v0 --ignore=.venv --ignore=var --ignore=tests \
  --ignore=bench --ignore=scripts || status=1
$PY scripts/check_translations.py "$check/ja/LC_MESSAGES/django.po" \
  || { echo "translate these in locale/ja (run 'make messages' first)" >&2; status=1; }

step "unit tests (SQLite)"
ZAIRYU_VAR_DIR="$RUN-unit" $PY -m pytest tests --ignore=tests/integration --ignore=tests/e2e -q || status=1

step "services: PostgreSQL, Redis, Celery worker"
if scripts/services.sh up; then
  trap 'scripts/services.sh down' EXIT
  step "integration and browser tests (PostgreSQL + Redis + worker + Chromium)"
  DATABASE_URL="postgresql://app:app@127.0.0.1:$PGPORT/app" REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0" \
  EMAIL_FILE_PATH="$RUN/mail" ZAIRYU_VAR_DIR="$RUN/var" \
    $PY -m pytest tests/integration tests/e2e -q --screenshot only-on-failure --output "$RUN/playwright" || status=1
else
  echo "could not start the services" >&2; status=1
fi
echo
if [ $status -eq 0 ]; then echo "make test: all green"; else echo "make test: FAILED" >&2; fi
exit $status
