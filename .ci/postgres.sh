#!/usr/bin/env bash
# Install (Debian packages) and start a throw-away PostgreSQL cluster on 127.0.0.1:5433 for the storage tests.
set -euo pipefail
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null && apt-get install -y -qq postgresql >/dev/null
fi
BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
DATA=/tmp/fupin-pg-data
if [ ! -f "$DATA/PG_VERSION" ]; then
  rm -rf "$DATA"; mkdir -p "$DATA"; chown postgres:postgres "$DATA"
  su postgres -c "$BIN/initdb -D $DATA -A trust -U postgres" >/dev/null
fi
if ! su postgres -c "$BIN/pg_ctl -D $DATA status" >/dev/null 2>&1; then
  su postgres -c "$BIN/pg_ctl -D $DATA -l $DATA/log -o '-p 5433 -k /tmp -c listen_addresses=127.0.0.1' -w start" >/dev/null
fi
psql -h 127.0.0.1 -p 5433 -U postgres -tc "SELECT 1 FROM pg_roles WHERE rolname='fupin'" | grep -q 1 \
  || psql -h 127.0.0.1 -p 5433 -U postgres -c "CREATE ROLE fupin LOGIN PASSWORD 'fupin' CREATEDB" >/dev/null
psql -h 127.0.0.1 -p 5433 -U postgres -tc "SELECT 1 FROM pg_database WHERE datname='fupin_test'" | grep -q 1 \
  || psql -h 127.0.0.1 -p 5433 -U postgres -c "CREATE DATABASE fupin_test OWNER fupin" >/dev/null
echo "PostgreSQL ready on 127.0.0.1:5433"
