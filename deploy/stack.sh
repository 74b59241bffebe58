#!/usr/bin/env bash
# The README's production stack on this machine, against real PostgreSQL and Redis:
# config.settings.production behind gunicorn, a Celery worker and beat, and nginx with
# TLS in front (deploy/nginx.conf), everything under one temporary directory.
#
#   deploy/stack.sh up     start it, print the URL, stop everything on Ctrl-C
#   deploy/stack.sh test   start it, run the smoke tests (pytest -m deploy tests/deploy)
#                          through nginx, stop it; the exit status is pytest's
#
# Needs nginx, openssl, psql and redis-cli (.ci/run installs them). Everything it starts
# is stopped on exit (trap). Settings below can be overridden from the environment:
#   STACK_DB             PostgreSQL database, recreated on each run (fazhi_prod_*)
#   STACK_PG             server URL without database name
#   STACK_REDIS          Redis URL without database number; STACK_REDIS_DB (two numbers used)
#   STACK_HTTPS_PORT, STACK_HTTP_PORT, STACK_APP_PORT
#   STACK_STAFF          demo staff count for seed_demo
#   STACK_KEEP=1         keep the temporary directory (logs) after a successful run
set -euo pipefail

MODE="${1:-}"
case "$MODE" in
  up | test) ;;
  *)
    echo "usage: $0 up|test" >&2
    exit 2
    ;;
esac

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
VENV_BIN="${VENV_BIN:-$ROOT/.venv/bin}"
PY="$VENV_BIN/python"

STACK_DB="${STACK_DB:-fazhi_prod_ci}"
STACK_PG="${STACK_PG:-postgres://postgres@127.0.0.1:5432}"
STACK_REDIS="${STACK_REDIS:-redis://127.0.0.1:6379}"
STACK_REDIS_DB="${STACK_REDIS_DB:-14}"
HTTPS_PORT="${STACK_HTTPS_PORT:-18443}"
HTTP_PORT="${STACK_HTTP_PORT:-18080}"
APP_PORT="${STACK_APP_PORT:-18000}"
STAFF="${STACK_STAFF:-60}"
HOST=localhost
URL="https://$HOST:$HTTPS_PORT"

if [[ "$STACK_DB" != fazhi_prod_* ]]; then
  echo "STACK_DB must be named fazhi_prod_* (it is dropped and recreated)" >&2
  exit 2
fi
for tool in nginx openssl psql redis-cli envsubst curl; do
  command -v "$tool" >/dev/null || {
    echo "$tool is missing (apt-get install nginx openssl postgresql-client redis-tools gettext-base curl)" >&2
    exit 2
  }
done

T0=$(date +%s)
RUN="$(mktemp -d /tmp/fazhi-stack.XXXXXX)"
# nginx's workers (nobody) read static files and PDFs below here.
chmod 755 "$RUN"
mkdir -p "$RUN/log" "$RUN/nginx/tmp" "$RUN/static" "$RUN/media" "$RUN/private"
PIDS=()
STATUS=1

log() { printf '[stack %3ss] %s\n' "$(($(date +%s) - T0))" "$*"; }

stop() {
  local rc=$?
  trap - EXIT INT TERM
  # `up` ends with Ctrl-C (or a TERM): that is its normal way out.
  if [[ "$MODE" == up && "$STATUS" == 0 ]] && ((rc == 130 || rc == 143)); then rc=0; fi
  log "stopping"
  if [[ -f "$RUN/nginx/nginx.pid" ]]; then
    kill -QUIT "$(cat "$RUN/nginx/nginx.pid" 2>/dev/null)" 2>/dev/null || true
  fi
  local pid
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for _ in $(seq 50); do
    local alive=0
    for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    if kill -0 "$(cat "$RUN/nginx/nginx.pid" 2>/dev/null)" 2>/dev/null; then alive=1; fi  # nginx removes its pid file as it exits
    ((alive)) || break
    sleep 0.2
  done
  for pid in "${PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if ((rc != 0)) || [[ "$STATUS" != 0 ]]; then
    for f in "$RUN"/log/*.log "$RUN/nginx/error.log"; do
      [[ -s "$f" ]] || continue
      echo "----- last lines of $f"
      tail -n 40 "$f"
    done
    echo "Logs kept in $RUN"
  elif [[ "${STACK_KEEP:-}" == 1 ]]; then
    echo "Logs kept in $RUN"
  else
    rm -rf "$RUN"
  fi
  exit "$rc"
}
trap stop EXIT
trap 'exit 130' INT TERM

# --- the environment of every production process (README: "Production deployment")
export DJANGO_SETTINGS_MODULE=config.settings.production
export SECRET_KEY
SECRET_KEY="$("$PY" -c 'import secrets; print(secrets.token_urlsafe(64))')"
export ALLOWED_HOSTS="$HOST"
export DATABASE_URL="$STACK_PG/$STACK_DB"
export CELERY_BROKER_URL="$STACK_REDIS/$STACK_REDIS_DB"
export CACHE_URL="$STACK_REDIS/$((STACK_REDIS_DB + 1))"
export SITE_URL="$URL"
# The site answers on a non-default port: browsers send Origin with the port, nginx's Host
# ($host) has none, so the origin is named here (not needed on port 443).
export CSRF_TRUSTED_ORIGINS="$URL"
export TRUSTED_PROXIES=127.0.0.1
export TRUSTED_PROXY_COUNT=1
# nginx speaks TLS and sends X-Forwarded-Proto; Django redirects whatever arrives without it.
export SECURE_SSL_REDIRECT=true
export STATIC_ROOT="$RUN/static"
export MEDIA_ROOT="$RUN/media"
export PRIVATE_MEDIA_ROOT="$RUN/private"
export PRIVATE_MEDIA_ACCEL_REDIRECT=/_private/
export MEDIA_ACCEL_REDIRECT=/_media/
export EMAIL_BACKEND=django.core.mail.backends.console.EmailBackend
export LOG_LEVEL=INFO
export PYTHONUNBUFFERED=1

log "temporary directory $RUN"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$HOST" \
  -addext "subjectAltName=DNS:$HOST,IP:127.0.0.1" \
  -keyout "$RUN/nginx/tls.key" -out "$RUN/nginx/tls.crt" 2>"$RUN/log/openssl.log"

log "database $STACK_DB (recreated), Redis $CELERY_BROKER_URL and $CACHE_URL (flushed)"
psql "$STACK_PG/postgres" -qv ON_ERROR_STOP=1 \
  -c "DROP DATABASE IF EXISTS $STACK_DB WITH (FORCE)" -c "CREATE DATABASE $STACK_DB" >/dev/null
redis-cli -u "$CELERY_BROKER_URL" flushdb >/dev/null
redis-cli -u "$CACHE_URL" flushdb >/dev/null

manage() { "$PY" manage.py "$@"; }

log "migrate"
manage migrate --noinput >"$RUN/log/migrate.log" 2>&1
log "collectstatic (in the background while the demo data is seeded)"
manage collectstatic --noinput >"$RUN/log/collectstatic.log" 2>&1 &
COLLECT_PID=$!
# seed_demo refuses to run under the production settings: its passwords and TOTP secrets
# are public. For this throw-away stack it runs with the development settings against the
# same database and files; tasks run eagerly (no broker) so the data is complete before
# anything starts. A real deployment loads its own staff with `import_staff`.
log "seed_demo --staff $STAFF (config.settings.dev, same DATABASE_URL)"
DJANGO_SETTINGS_MODULE=config.settings.dev DEBUG=false CELERY_BROKER_URL= \
  "$PY" manage.py seed_demo --staff "$STAFF" --quiet >"$RUN/log/seed.log" 2>&1
wait "$COLLECT_PID"
log "check --deploy --fail-level WARNING"
manage check --deploy --fail-level WARNING >"$RUN/log/check.log" 2>&1

log "gunicorn on 127.0.0.1:$APP_PORT, Celery worker and beat"
"$VENV_BIN/gunicorn" config.wsgi:application --workers "${STACK_WORKERS:-2}" --bind "127.0.0.1:$APP_PORT" --no-control-socket \
  --access-logfile "$RUN/log/gunicorn-access.log" --error-logfile "$RUN/log/gunicorn.log" >>"$RUN/log/gunicorn.log" 2>&1 &
PIDS+=($!)
"$VENV_BIN/celery" -A config worker -Q default,bulk -l INFO --concurrency 1 -n "fazhi-stack@%h" \
  >"$RUN/log/celery-worker.log" 2>&1 &
PIDS+=($!)
"$VENV_BIN/celery" -A config beat -l INFO --scheduler django_celery_beat.schedulers:DatabaseScheduler \
  --pidfile "$RUN/celerybeat.pid" >"$RUN/log/celery-beat.log" 2>&1 &
PIDS+=($!)

log "nginx on https://$HOST:$HTTPS_PORT (and http :$HTTP_PORT → https)"
export NGINX_HTTPS_PORT="$HTTPS_PORT" NGINX_HTTP_PORT="$HTTP_PORT" GUNICORN_BIND="127.0.0.1:$APP_PORT"
export TLS_CERT="$RUN/nginx/tls.crt" TLS_KEY="$RUN/nginx/tls.key" NGINX_RUN="$RUN/nginx"
envsubst '${NGINX_HTTPS_PORT} ${NGINX_HTTP_PORT} ${GUNICORN_BIND} ${STATIC_ROOT} ${MEDIA_ROOT} ${PRIVATE_MEDIA_ROOT} ${TLS_CERT} ${TLS_KEY} ${NGINX_RUN}' \
  <deploy/nginx.conf >"$RUN/nginx/nginx.conf"
nginx -e "$RUN/nginx/error.log" -p "$RUN/nginx" -c "$RUN/nginx/nginx.conf" -t -q
nginx -e "$RUN/nginx/error.log" -p "$RUN/nginx" -c "$RUN/nginx/nginx.conf"

wait_for() {
  local what="$1"
  shift
  for _ in $(seq 120); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    for pid in "${PIDS[@]}"; do
      kill -0 "$pid" 2>/dev/null || {
        log "a process died while waiting for $what"
        return 1
      }
    done
    sleep 0.5
  done
  log "$what not ready after 60 s"
  return 1
}
wait_for "the site through nginx" \
  curl -fsS --cacert "$TLS_CERT" -o /dev/null "$URL/accounts/login/"
wait_for "the Celery worker" \
  "$VENV_BIN/celery" -A config inspect ping --timeout 2
all_alive() {
  local names=(gunicorn celery-worker celery-beat) i
  for i in "${!PIDS[@]}"; do
    kill -0 "${PIDS[$i]}" 2>/dev/null || {
      log "${names[$i]} is not running (see $RUN/log/${names[$i]}.log)"
      return 1
    }
  done
  kill -0 "$(cat "$RUN/nginx/nginx.pid")" 2>/dev/null || {
    log "nginx is not running"
    return 1
  }
}
all_alive
T_UP=$(($(date +%s) - T0))
log "ready in ${T_UP} s: $URL  (demo logins: README; logs: $RUN/log)"

if [[ "$MODE" == up ]]; then
  STATUS=0
  log "Ctrl-C stops everything"
  wait "${PIDS[0]}"
  exit 0
fi

# The tests run with the test settings and none of the stack's environment; they only
# talk to the stack over HTTPS (and read its gunicorn access log).
T1=$(date +%s)
set +e
env -i PATH="$PATH" HOME="${HOME:-/root}" LANG=C.UTF-8 \
  FAZHI_STACK_URL="$URL" FAZHI_STACK_LOGS="$RUN/log" \
  "$VENV_BIN/pytest" tests/deploy -m deploy -q -ra -p no:cacheprovider ${STACK_PYTEST_ARGS:-}
STATUS=$?
set -e
# A process that died during the tests (e.g. beat) fails the stage too.
all_alive || STATUS=1
T_TEST=$(($(date +%s) - T1))
log "start-up ${T_UP} s, tests ${T_TEST} s, total $(($(date +%s) - T0)) s; pytest exit status $STATUS"
exit "$STATUS"
