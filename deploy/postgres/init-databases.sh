#!/bin/sh
# Runs once, on an empty data folder (postgres image: /docker-entrypoint-initdb.d): per node, a
# database, an owner role that owns it (migrations, the log tables' triggers: the migrate-<code>
# job) and the node's own role, which gets grants only (services/gateway/src/data/database-roles.ts):
# it may read and append to the log tables, never change, delete or unguard them. Nodes never share
# a database or credentials. KB_NODES lists the codes; KB_DB_PASSWORD_<code> is the node role's
# password, KB_DB_OWNER_PASSWORD_<code> the owner's. The health check in docker-compose.yml passes
# only once this has run (it connects over TCP, which the image's init server does not open).
set -eu
for code in $KB_NODES; do
  password=$(printenv "KB_DB_PASSWORD_$code") || { echo "KB_DB_PASSWORD_$code is not set" >&2; exit 1; }
  owner_password=$(printenv "KB_DB_OWNER_PASSWORD_$code") || { echo "KB_DB_OWNER_PASSWORD_$code is not set" >&2; exit 1; }
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    -v role="kb$code" -v password="$password" -v owner="kb${code}_owner" -v owner_password="$owner_password" <<'SQL'
CREATE ROLE :"owner" LOGIN PASSWORD :'owner_password';
CREATE ROLE :"role" LOGIN PASSWORD :'password';
CREATE DATABASE :"role" OWNER :"owner";
SQL
done
