#!/usr/bin/env bash
# Start a throwaway PostgreSQL 15 cluster with PostGIS for the tests, on a Unix socket in a
# temporary folder (no TCP port, nothing else on the machine touched), and print the
# database URL. Needs Debian's postgresql-15 and postgresql-15-postgis-3. As root, the
# cluster runs as the postgres user (initdb refuses root).
#   eval "$(bash scripts/pg_throwaway.sh)"   # sets JINING_TEST_PG and PG_THROWAWAY_DIR
# Stop it with: pg_ctl -D "$PG_THROWAWAY_DIR/data" stop (as that user).
set -euo pipefail
BIN=/usr/lib/postgresql/15/bin
DIR=$(mktemp -d /tmp/jining-pg.XXXXXX)
PORT=55432
run() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ "$(id -u)" = 0 ]; then chown postgres "$DIR"; fi
run "$BIN/initdb" -D "$DIR/data" -A trust -U postgres >"$DIR/initdb.log" 2>&1
run "$BIN/pg_ctl" -D "$DIR/data" -w -l "$DIR/server.log" \
  -o "-k $DIR -p $PORT -c listen_addresses='' -c fsync=off" start >/dev/null
run "$BIN/createdb" -h "$DIR" -p "$PORT" -U postgres jining_test
run "$BIN/psql" -q -h "$DIR" -p "$PORT" -U postgres -d jining_test -c "CREATE EXTENSION postgis" >/dev/null
echo "export PG_THROWAWAY_DIR='$DIR'"
echo "export JINING_TEST_PG='postgresql://postgres@/jining_test?host=$DIR&port=$PORT'"
