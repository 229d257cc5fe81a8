#!/bin/sh
# One backup of the mops database into /backups, then prune old ones.
# Used by the compose `backup` service; also runnable by hand:
#   docker compose --profile backup run --rm backup sh /usr/local/bin/mops-backup
set -eu
stamp=$(date -u +%Y%m%dT%H%M%SZ)
dir="${BACKUP_DIR:-/backups}"
out="$dir/mops-$stamp.dump"
pg_dump -h "${PGHOST:-db}" -U "${PGUSER:-mops}" -d "${PGDATABASE:-mops}" -Fc -f "$out.partial"
mv "$out.partial" "$out"
find "$dir" -name 'mops-*.dump' -mtime +"${BACKUP_KEEP_DAYS:-14}" -delete
echo "backup written: $out"
