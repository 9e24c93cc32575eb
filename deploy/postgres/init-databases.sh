#!/bin/sh
# Runs once, on an empty data folder (postgres image: /docker-entrypoint-initdb.d): one role and
# one database per node, so nodes never share a database or its credentials. KB_NODES lists the
# codes; KB_DB_PASSWORD_<code> holds each role's password. The health check in docker-compose.yml
# passes only once this has run (it connects over TCP, which the image's init server does not open).
set -eu
for code in $KB_NODES; do
  password=$(printenv "KB_DB_PASSWORD_$code") || { echo "KB_DB_PASSWORD_$code is not set" >&2; exit 1; }
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    -v role="kb$code" -v password="$password" <<'SQL'
CREATE ROLE :"role" LOGIN PASSWORD :'password';
CREATE DATABASE :"role" OWNER :"role";
SQL
done
