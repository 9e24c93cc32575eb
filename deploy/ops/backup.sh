#!/bin/sh
# Backs up one node: its database (pg_dump, custom format) and its key folder, into a new
# time-stamped folder under <backup-root>, with checksums. docs/OPERATIONS.md, "Backup".
# usage: deploy/ops/backup.sh <database-url> <key-dir> <backup-root>
set -eu
if [ $# -ne 3 ]; then echo "usage: $0 <database-url> <key-dir> <backup-root>" >&2; exit 2; fi
database_url=$1 key_dir=$2 root=$3
[ -f "$key_dir/signing-key.json" ] || { echo "no signing-key.json in $key_dir" >&2; exit 1; }
umask 077
out="$root/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$out"
# One consistent snapshot of the database; the hash chains are rows like any other.
pg_dump --format=custom --no-owner --no-privileges --file "$out/database.dump" "$database_url"
# The private key(s), including the next key of a rotation under way and retired ones.
tar -C "$key_dir" -czf "$out/keys.tar.gz" .
(cd "$out" && sha256sum database.dump keys.tar.gz > SHA256SUMS)
echo "$out"
