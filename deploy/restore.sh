#!/bin/sh
# Restore a mops backup made by backup.sh into the database named by PG* variables.
# Stop web, worker and beat first; run migrate after restoring a dump from an older release.
#   docker compose stop web worker beat
#   docker compose --profile backup run --rm backup sh /usr/local/bin/mops-restore /backups/mops-<stamp>.dump
#   docker compose up -d
set -eu
dump="$1"
[ -f "$dump" ] || { echo "no such backup: $dump" >&2; exit 2; }
pg_restore -h "${PGHOST:-db}" -U "${PGUSER:-mops}" -d "${PGDATABASE:-mops}" \
  --clean --if-exists --no-owner --exit-on-error "$dump"
echo "restored: $dump"
