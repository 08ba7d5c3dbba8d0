#!/usr/bin/env bash
# `make bench`: the eligibility engine, JPKI verification, then the institutions list and the review queue on
# 1,000,000 rows each, then the bulk input (一括) of 10,000 applications, on a throwaway PostgreSQL.
#   scripts/bench.sh [bench/list_views.py options, e.g. --runs 10 --explain]
# Starts PostgreSQL + Redis (no worker) in var/bench-run, migrates, seeds, measures, and
# stops the services on any exit. Figures are printed, never asserted.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export RUN=$PWD/var/bench-run PGPORT=${BENCH_PGPORT:-54339} REDIS_PORT=${BENCH_REDIS_PORT:-6399} START_WORKER=0
# A production-like buffer cache (the test default of 128 MB is smaller than the table),
# room for index builds, and no checkpoints in the middle of the bulk load.
export PG_EXTRA_OPTS=${BENCH_PG_OPTS:--c shared_buffers=1GB -c work_mem=16MB -c maintenance_work_mem=512MB -c max_wal_size=8GB}

trap 'scripts/services.sh down' EXIT
trap 'exit 130' INT TERM
scripts/services.sh up

export DATABASE_URL="postgresql://app:app@127.0.0.1:$PGPORT/app" REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
export ZAIRYU_VAR_DIR="$RUN/var" EMAIL_FILE_PATH="$RUN/mail" FAST_PASSWORD_HASHER=1 DEBUG=0 LOG_LEVEL=WARNING
$PY manage.py migrate --noinput -v0
echo "== eligibility engine (one core)"
$PY -m bench.rules --seconds "${RULES_BENCH_SECONDS:-5}"
echo
echo "== JPKI signature verification vs the bare RSA verify (one core)"
$PY -m bench.jpki_verify --seconds "${JPKI_BENCH_SECONDS:-5}"
echo
echo "== lists on 1,000,000 rows: institutions, review queue"
$PY -m bench.list_views "$@"
echo
echo "== bulk import"
$PY -m bench.bulk_import --rows "${BULK_BENCH_ROWS:-10000}"
echo
# gunicorn on a free loopback port with this environment; API_BENCH_SECONDS per endpoint.
echo "== application API: signed submissions vs ping through gunicorn"
$PY -m bench.api_submit --seconds "${API_BENCH_SECONDS:-10}"
echo
# 1,000,000 audit events to CSV (ours vs COPY … TO STDOUT) and 100,000 applications to XLSX (ours vs stock).
echo "== exports: CSV vs COPY, XLSX vs stock"
$PY -m bench.exports --audit-rows "${EXPORT_BENCH_AUDIT_ROWS:-1000000}" --applications "${EXPORT_BENCH_APPLICATIONS:-100000}"
