#!/usr/bin/env bash
# Does a backup restore? Restores a `pg_dump --format=custom` file into an EMPTY scratch
# database, checks that its schema is the one this code expects (`migrate --check`), and prints
# the newest row of each busy table, so a dump that silently stopped growing is noticed
# (docs/operations.md#backups). Exits non-zero when anything fails, or when nothing in the
# dump is younger than MAX_AGE_HOURS (default 26: a nightly dump plus slack).
#
#   deploy/restore-check.sh /var/backups/prima/prima-2026-12-01.dump postgresql://…/prima_restore_check
#
# Needs pg_restore and psql (the server's major version or newer) and the virtualenv's python on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -ne 2 ]; then
  echo "usage: $0 DUMP_FILE SCRATCH_DATABASE_URL" >&2
  exit 2
fi
dump=$1
scratch=$2
max_age_hours=${MAX_AGE_HOURS:-26}

tables=$(psql "$scratch" -Atc "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
if [ "$tables" != 0 ]; then
  echo "restore-check: the scratch database is not empty ($tables tables); give it an empty one" >&2
  exit 2
fi
pg_restore --no-owner --no-privileges --exit-on-error --dbname "$scratch" "$dump"
DATABASE_URL=$scratch DEBUG=0 python manage.py migrate --check --noinput
psql "$scratch" -v ON_ERROR_STOP=1 -At -F ' ' <<'SQL'
SELECT 'messages', count(*), coalesce(max(created_at)::text, 'none') FROM reminders_message
UNION ALL SELECT 'doses', count(*), coalesce(max(created_at)::text, 'none') FROM reminders_reminder
UNION ALL SELECT 'replies', count(*), coalesce(max(received_at)::text, 'none') FROM reminders_patientreply
UNION ALL SELECT 'webhook_events', count(*), coalesce(max(received_at)::text, 'none') FROM webhooks_webhookevent;
SQL
fresh=$(psql "$scratch" -Atc "SELECT greatest(
    (SELECT max(created_at) FROM reminders_message), (SELECT max(received_at) FROM webhooks_webhookevent)
  ) > now() - make_interval(hours => $max_age_hours)")
if [ "$fresh" != t ]; then
  echo "restore-check: nothing in the dump is younger than $max_age_hours h: is the backup still being taken?" >&2
  exit 1
fi
echo "restore-check: $dump restores, its schema matches the code, and it holds the last $max_age_hours h"
