#!/usr/bin/env bash
# The production shape on one machine (docs/operations.md#deployment), as `make run-prod` and
# tests/production/ run it: the release steps (migrate, collectstatic, check --deploy), then
# supervisord (deploy/supervisord.conf) running the Procfile's processes, DEBUG off.
#
# supervisord starts Redis (unless CELERY_BROKER_URL names one already), gunicorn, the Celery
# worker and beat, restarts whichever dies, and on SIGTERM or Ctrl-C (to this script, to
# supervisord, or to the whole process group) stops them one by one: beat, the worker (a warm
# shutdown), gunicorn, Redis. Each program's output is in .data/supervisor/NAME.log and shown
# here, prefixed with its name. Exits 0 when it was asked to stop and every program stopped
# cleanly (exit status 0), 1 otherwise.
#
# Needs python, gunicorn, celery and supervisord on PATH (the virtualenv's bin) and, unless
# CELERY_BROKER_URL is set, redis-server.
set -uo pipefail
cd "$(dirname "$0")/.."

for name in DATABASE_URL SECRET_KEY ALLOWED_HOSTS; do
  if [ -z "${!name:-}" ]; then
    echo "run-prod: $name must be set (docs/operations.md#deployment)" >&2
    exit 2
  fi
done
export DEBUG=0
export PORT=${PORT:-8000} WEB_CONCURRENCY=${WEB_CONCURRENCY:-3} CELERY_CONCURRENCY=${CELERY_CONCURRENCY:-2}
export REDIS_PORT=${REDIS_PORT:-6379}
if [ -n "${CELERY_BROKER_URL:-}" ]; then
  export RUN_REDIS=false
else
  export RUN_REDIS=true CELERY_BROKER_URL=redis://127.0.0.1:$REDIS_PORT/0
fi

# A release step that fails stops everything before any program starts, and says which.
release_step() {
  "$@" && return
  echo "run-prod: '${*:2}' failed (above); nothing was started" >&2
  exit 1
}
release_step python manage.py migrate --noinput
release_step python manage.py collectstatic --noinput --verbosity 0
release_step python manage.py check --deploy

logs=.data/supervisor
mkdir -p "$logs" || exit 1
programs=(beat web worker)
[ "$RUN_REDIS" = true ] && programs+=(redis)
for name in supervisord "${programs[@]}"; do
  : >>"$logs/$name.log"
done
start=$(wc -l <"$logs/supervisord.log")

# Signals are forwarded, not taken: supervisord stops the programs in order and ends.
stopping=""
trap 'stopping=1; kill -TERM "$supervisor" 2>/dev/null' TERM INT
supervisord -n -c deploy/supervisord.conf >/dev/null 2>&1 &
supervisor=$!
echo "run-prod: started supervisord (pid $supervisor); supervisorctl -c deploy/supervisord.conf status"

# Each log shown here with its name, by a tail that ignores the signals (a Ctrl-C reaches the
# whole process group) and ends once supervisord has, so the programs' last words still get out.
tails=()
for name in supervisord "${programs[@]}"; do
  (trap '' INT TERM; exec tail -n 0 -F --pid "$supervisor" "$logs/$name.log" 2>/dev/null | sed -u "s/^/$name | /") &
  tails+=("$!")
done

status=0
wait "$supervisor"
code=$?
while kill -0 "$supervisor" 2>/dev/null; do  # the wait was interrupted by a signal
  wait "$supervisor"
  code=$?
done
wait "${tails[@]}" 2>/dev/null

# supervisord exits 0 on any stop; what each program did is in its log. A stop may also have
# been asked of supervisord itself (kill -TERM on its pid), not through this script.
this_run=$(tail -n +"$((start + 1))" "$logs/supervisord.log")
stops=$(grep -E "stopped: |gave up: " <<<"$this_run" || true)
grep -q "indicating exit request" <<<"$this_run" && stopping=1
if [ "$code" -ne 0 ]; then
  echo "run-prod: supervisord exited with $code" >&2
  status=1
elif [ -z "$stopping" ]; then
  echo "run-prod: supervisord ended without being asked to" >&2
  status=1
elif grep -qvE "stopped: [a-z]+ \(exit status 0\)" <<<"$stops"; then
  echo "run-prod: not every program stopped cleanly:" >&2
  grep -vE "stopped: [a-z]+ \(exit status 0\)" <<<"$stops" >&2
  status=1
else
  echo "run-prod: stopped on request; every program exited with 0"
fi
exit "$status"
