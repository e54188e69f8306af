#!/usr/bin/env bash
# The production shape on one machine (docs/operations.md#deployment), as `make run-prod` and
# tests/production/test_production_shape.py run it: the release steps (migrate, collectstatic,
# check --deploy), then every process of the Procfile, DEBUG off.
#
# SIGTERM or Ctrl-C stops the processes one by one in reverse order (beat, web, worker,
# redis), each with SIGTERM, waiting as long as its graceful shutdown takes: a worker finishes
# the send in hand. If a process ends by itself, the others are stopped too. Exits 0 only when
# it was asked to stop and every process stopped cleanly.
#
# Needs python, gunicorn and celery on PATH (the virtualenv's bin) and redis-server.
set -uo pipefail
cd "$(dirname "$0")/.."

for name in DATABASE_URL SECRET_KEY ALLOWED_HOSTS; do
  if [ -z "${!name:-}" ]; then
    echo "run-prod: $name must be set (docs/operations.md#deployment)" >&2
    exit 2
  fi
done
export DEBUG=0
export REDIS_PORT=${REDIS_PORT:-6379}
export CELERY_BROKER_URL=${CELERY_BROKER_URL:-redis://127.0.0.1:$REDIS_PORT/0}

python manage.py migrate --noinput || exit 1
python manage.py collectstatic --noinput --verbosity 0 || exit 1
python manage.py check --deploy || exit 1

stopping=""
trap 'stopping=1' TERM INT

names=()
pids=()
while IFS= read -r line; do
  case $line in '' | '#'*) continue ;; esac
  name=${line%%:*}
  # Each line's output prefixed with its name, by a sed that outlives a Ctrl-C (which reaches
  # the whole process group) so the processes' last words still get out; $! is the process.
  bash -c "exec ${line#*:}" > >(trap '' INT TERM; exec sed -u "s/^/$name | /") 2>&1 &
  names+=("$name")
  pids+=("$!")
  echo "run-prod: started $name (pid $!)"
done < Procfile

ended=""
status=0
while [ -z "$stopping" ] && [ -z "${ended:-}" ]; do
  # Returns when a process ends (its pid in $ended) or a signal arrives.
  wait -n -p ended "${pids[@]}"
  code=$?
  if [ -n "${ended:-}" ]; then
    echo "run-prod: a process (pid $ended) ended by itself with $code; stopping the others" >&2
    status=1
  fi
done

for ((index = ${#pids[@]} - 1; index >= 0; index--)); do
  pid=${pids[index]}
  [ "$pid" = "${ended:-}" ] && continue
  kill -TERM "$pid" 2>/dev/null
  wait "$pid"
  code=$?
  while kill -0 "$pid" 2>/dev/null; do  # the wait was interrupted by a second Ctrl-C
    wait "$pid"
    code=$?
  done
  echo "run-prod: ${names[index]} exited with $code"
  [ "$code" -eq 0 ] || status=1
done
exit "$status"
