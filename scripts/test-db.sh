#!/usr/bin/env bash
# Creates the test role (once) and a fresh, empty test database; prints its
# URL. Test databases older than a day are dropped (newer ones may belong
# to a run still going).
set -euo pipefail
ROLE=timether_test
PASS=timether_test
psql_admin() { su postgres -c "psql -v ON_ERROR_STOP=1 -qAt -c \"$1\"" ; }
if [ "$(psql_admin "SELECT 1 FROM pg_roles WHERE rolname='$ROLE'")" != "1" ]; then
  psql_admin "CREATE ROLE $ROLE LOGIN CREATEDB PASSWORD '$PASS'" >&2
fi
cutoff=$(( $(date +%s) - 86400 ))
for old in $(psql_admin "SELECT datname FROM pg_database WHERE datname LIKE 'timether_test_%'"); do
  created=$(echo "$old" | cut -d_ -f3)
  if [[ "$created" =~ ^[0-9]+$ ]] && [ "$created" -lt "$cutoff" ]; then
    psql_admin "DROP DATABASE IF EXISTS $old" >&2 || true
  fi
done
DB="timether_test_$(date +%s)_$$"
psql_admin "CREATE DATABASE $DB OWNER $ROLE" >&2
echo "postgres://$ROLE:$PASS@127.0.0.1:5432/$DB"
