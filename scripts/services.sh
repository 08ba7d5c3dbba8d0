#!/usr/bin/env bash
# Throwaway PostgreSQL, Redis and a Celery worker on loopback, for tests and benchmarks.
#   scripts/services.sh up|down      (RUN, PGPORT, REDIS_PORT may be set by the caller)
# With START_PCSC=1 (scripts/test_all.sh sets it) also pcscd with a private reader configuration
# (only the vpcd virtual reader, on VPCD_PORT and VPCD_PORT+1) and the virtual My Number Card in
# slot 0 ("Virtual PCD 00 00"), which writes its certificates and PINs to $RUN/card.
set -euo pipefail
cd "$(dirname "$0")/.."
RUN=${RUN:-$PWD/var/test-run}
PGPORT=${PGPORT:-54329}
REDIS_PORT=${REDIS_PORT:-6390}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
PGROOT=${PGROOT:-/tmp/zairyu-pg-$PGPORT}
VPCD_PORT=${VPCD_PORT:-35963}
PCSCD=${PCSCD:-/usr/sbin/pcscd}
VPCD_DRIVER=${VPCD_DRIVER:-/usr/lib/pcsc/drivers/serial/libifdvpcd.so}
PG=(runuser -u postgres --)
[ "$(id -u)" = 0 ] || PG=()

# Run as the postgres user from "/": the checkout may sit in a directory it cannot enter.
pg() { (cd / && "${PG[@]}" "$@"); }

wait_for() { local secs=$1; shift; local end=$((SECONDS + secs)); until "$@" >/dev/null 2>&1; do
  [ $SECONDS -lt $end ] || { echo "timed out waiting for: $*" >&2; return 1; }; sleep 0.1; done; }
alive() { local st; st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1; [[ $st != Z* ]]; }
stop_pid() { [ -f "$1" ] || return 0; local p; p=$(cat "$1"); kill -TERM "$p" 2>/dev/null || { rm -f "$1"; return 0; }
  for _ in $(seq 100); do alive "$p" || { rm -f "$1"; return 0; }; sleep 0.1; done; kill -KILL "$p" 2>/dev/null || true; rm -f "$1"; }

up() {
  down >/dev/null 2>&1 || true
  rm -rf "$RUN"; mkdir -p "$RUN"
  # The cluster lives outside the checkout: the postgres user must be able to reach it,
  # and a clone may sit under a directory only root can enter (mktemp -d is 0700).
  if [ ${#PG[@]} -gt 0 ]; then install -d -o postgres -g postgres -m 700 "$PGROOT" "$PGROOT/data" "$PGROOT/sock"
  else mkdir -p "$PGROOT/data" "$PGROOT/sock"; chmod 700 "$PGROOT/data"; fi
  pg "$PGBIN/initdb" -D "$PGROOT/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >"$RUN/initdb.log"
  pg "$PGBIN/pg_ctl" -D "$PGROOT/data" -l "$PGROOT/server.log" -w -t 30 \
    -o "-p $PGPORT -k $PGROOT/sock -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c wal_level=minimal -c max_wal_senders=0 ${PG_EXTRA_OPTS:-}" start >/dev/null \
    || { cat "$PGROOT/server.log" >&2; return 1; }
  pg "$PGBIN/psql" -h 127.0.0.1 -p "$PGPORT" -U postgres -qAt \
    -c "CREATE ROLE app LOGIN PASSWORD 'app' SUPERUSER" -c "CREATE DATABASE app OWNER app" >/dev/null
  mkdir -p "$RUN/redis"
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --daemonize yes --save '' --appendonly no \
    --dir "$RUN/redis" --pidfile "$RUN/redis/redis.pid" --logfile "$RUN/redis/redis.log"
  wait_for 10 redis-cli -p "$REDIS_PORT" ping
  cp "$RUN/redis/redis.pid" "$RUN/redis.pid"
  if [ "${START_WORKER:-1}" = 1 ]; then
    # The worker talks to the database that pytest-django creates (test_app).
    DATABASE_URL="postgresql://app:app@127.0.0.1:$PGPORT/${WORKER_DB:-test_app}" REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0" \
    EMAIL_FILE_PATH="$RUN/mail" ZAIRYU_VAR_DIR="$RUN/var" \
      .venv/bin/python -m celery -A backoffice worker -Q mail,default,reports -l info --pool=solo \
      --without-gossip --without-mingle --without-heartbeat -n "test@%h" >"$RUN/celery.log" 2>&1 &
    echo $! >"$RUN/celery.pid"
    wait_for 60 grep -q ' ready\.' "$RUN/celery.log" || { cat "$RUN/celery.log" >&2; return 1; }
  fi
  if [ "${START_PCSC:-0}" = 1 ]; then pcsc_up || { pcsc_down; return 1; }; fi
  echo "services up: PostgreSQL 127.0.0.1:$PGPORT, Redis 127.0.0.1:$REDIS_PORT, worker pid $(cat "$RUN/celery.pid" 2>/dev/null || echo none)"
}

# pcscd's socket is fixed (/run/pcscd/pcscd.comm): one pcscd per machine. A pcscd that this script
# did not start (the distro's, or another test run's) is never stopped here: the run fails and says
# how to stop it.
pcscd_pid() { tr -dc '0-9' </run/pcscd/pcscd.pid 2>/dev/null || true; }  # the file ends in a NUL
pcscd_ready() { alive "$1" && test -S "$2" && test "$(pcscd_pid)" = "$1"; }
pcsc_up() {
  local sock=/run/pcscd/pcscd.comm other
  other=$(pcscd_pid)
  if [ -n "$other" ] && alive "$other" && [ "$(ps -o comm= -p "$other" 2>/dev/null)" = pcscd ]; then
    echo "another pcscd (pid $other) is running; the PC/SC tests need their own. Stop it first" \
      "(e.g. 'systemctl stop pcscd.socket pcscd.service', or 'kill $other'), or run with START_PCSC=0." >&2
    return 1
  fi
  [ -x "$PCSCD" ] && [ -f "$VPCD_DRIVER" ] \
    || { echo "pcscd or the vpcd driver is missing: run scripts/install_deps.sh" >&2; return 1; }
  mkdir -p "$RUN/pcsc/reader.conf.d"
  printf 'FRIENDLYNAME "Virtual PCD"\nDEVICENAME   /dev/null:%s\nLIBPATH      %s\n' "$VPCD_PORT" "$VPCD_DRIVER" \
    >"$RUN/pcsc/reader.conf.d/vpcd"
  "$PCSCD" --foreground --config "$RUN/pcsc/reader.conf.d" >"$RUN/pcsc/pcscd.log" 2>&1 &
  echo $! >"$RUN/pcscd.pid"
  wait_for 10 pcscd_ready "$(cat "$RUN/pcscd.pid")" "$sock" || { cat "$RUN/pcsc/pcscd.log" >&2; return 1; }
  .venv/bin/python -m jpki.testing.vpcd --port "$VPCD_PORT" --export-dir "$RUN/card" \
    >"$RUN/pcsc/card.log" 2>&1 &
  echo $! >"$RUN/vcard.pid"
  # Ready when pyscard sees the card in slot 0 (through pcscd, as the tests will).
  wait_for 60 .venv/bin/python -c 'import sys; from jpki.transport import reader_states
sys.exit(not any(r.name == "Virtual PCD 00 00" and r.card_present for r in reader_states()))' \
    || { cat "$RUN/pcsc/pcscd.log" "$RUN/pcsc/card.log" >&2; return 1; }
  echo "PC/SC up: pcscd pid $(cat "$RUN/pcscd.pid") (readers from $RUN/pcsc/reader.conf.d)," \
    "virtual My Number Card pid $(cat "$RUN/vcard.pid") on vpcd port $VPCD_PORT"
}

pcsc_down() { stop_pid "$RUN/vcard.pid"; stop_pid "$RUN/pcscd.pid"; }

down() {
  pcsc_down
  stop_pid "$RUN/celery.pid"
  if [ -f "$RUN/redis.pid" ]; then stop_pid "$RUN/redis.pid"; fi
  if [ -d "$PGROOT/data" ]; then pg "$PGBIN/pg_ctl" -D "$PGROOT/data" -m immediate -w stop >/dev/null 2>&1 || true; fi
  rm -rf "$PGROOT"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  *) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
