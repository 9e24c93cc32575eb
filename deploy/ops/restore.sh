#!/bin/sh
# Restores a backup made by deploy/ops/backup.sh into an EMPTY database and an empty (or new) key
# folder, after checking the checksums. Then start the node on them and verify both hash chains
# (docs/OPERATIONS.md, "Restore").
# usage: deploy/ops/restore.sh <backup-folder> <empty-database-url> <key-dir>
set -eu
if [ $# -ne 3 ]; then echo "usage: $0 <backup-folder> <empty-database-url> <key-dir>" >&2; exit 2; fi
backup=$1 database_url=$2 key_dir=$3
(cd "$backup" && sha256sum --check --quiet SHA256SUMS)
if [ -e "$key_dir/signing-key.json" ]; then echo "$key_dir already holds a signing key: restore into an empty folder" >&2; exit 1; fi
umask 077
pg_restore --exit-on-error --no-owner --no-privileges --single-transaction --dbname "$database_url" "$backup/database.dump"
mkdir -p "$key_dir"
tar -C "$key_dir" -xzf "$backup/keys.tar.gz"
chmod 700 "$key_dir"
echo "restored $backup"
