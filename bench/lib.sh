# Shared by the benchmarks that run on a test stack's MariaDB in a database of their own
# (bench/events, bench/report). Sourced by a bench's run.sh after it has set REPO: loads
# tests/stack/lib.sh and, unless they are exported already, the stack's variables.
# shellcheck shell=bash

# shellcheck source=tests/stack/lib.sh
. "$REPO/tests/stack/lib.sh"

if [[ -z ${TWOFA_MYSQL_SOCKET:-} ]]; then
  env_file=${TWOFA_STACK_DIR:-$REPO/.stack}/env
  [[ -f $env_file ]] || { echo "no test stack: run tests/stack/stack.sh up first" >&2; exit 1; }
  set -a
  # shellcheck disable=SC1090
  . "$env_file"
  set +a
fi

# bench_database DB NAME — the bench's own database DB on the stack's MariaDB (created when
# missing) and its folder DIR=$TWOFA_STACK_DIR/NAME; sets DB, DIR and SOCK_DIR and exports the
# MARIADB_* and TWOFA_KEY_FILE variables wp_install reads.
bench_database() {
  DB=$1
  DIR="$TWOFA_STACK_DIR/$2"
  mkdir -p "$DIR"
  SOCK_DIR=$(dirname "$TWOFA_MYSQL_SOCKET")
  mariadb_create_db "$SOCK_DIR" "$DB"
  MARIADB_PORT=$TWOFA_MYSQL_PORT MARIADB_USER=$TWOFA_MYSQL_USER MARIADB_PASSWORD=$TWOFA_MYSQL_PASSWORD
  export MARIADB_PORT MARIADB_USER MARIADB_PASSWORD TWOFA_KEY_FILE
}

# sql [ARGS…] — the mariadb client as root on the bench's database ($DB).
sql() { mariadb --no-defaults --socket="$TWOFA_MYSQL_SOCKET" -uroot "$DB" "$@"; }
