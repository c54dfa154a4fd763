#!/usr/bin/env bash
# Login benchmarks (issue 5), each a ratio measured in one run:
#  1. front-end cost of the plugin: instructions (callgrind) of one php-cli render of the front
#     page with twofa inactive vs active — deterministic, unlike wall-clock throughput on these
#     machines; OPcache's file cache is warmed first and the minimum of 3 renders taken. The
#     ratio inactive/active equals requests/s active ÷ requests/s inactive for a CPU-bound page.
#  2. complete two-step logins per second (password, then TOTP) through wp-login.php, run at the
#     same time as password-only logins with the same number of connections; ratio per round.
#
# Uses a private stack in a temporary folder (tests/stack/stack.sh with STACK_DIR), started and
# stopped here. Needs the release build (cargo build --release --workspace).
#   bench/login/run.sh [ROUNDS] [SECONDS] [CONNECTIONS]
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
rounds=${1:-3}
seconds=${2:-8}
lanes=${3:-2}

work=$(mktemp -d)
export STACK_DIR="$work/stack"
cleanup() {
  bash "$repo/tests/stack/stack.sh" down >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "starting a private stack in $STACK_DIR ..."
bash "$repo/tests/stack/stack.sh" up >"$work/stack-up.log" 2>&1 || { cat "$work/stack-up.log"; exit 1; }
set -a
# shellcheck disable=SC1091
. "$STACK_DIR/env"
set +a

# --- 1. front page: twofa active vs inactive (instruction counts) -----------------------------
oc="$work/opcache"
mkdir -p "$oc"
# shellcheck disable=SC2206 # TWOFA_PHP is a command with -d options
php_cmd=($TWOFA_PHP -d opcache.enable_cli=1 -d "opcache.file_cache=$oc" -d opcache.file_cache_only=1)
render() { "${php_cmd[@]}" "$repo/bench/login/render.php" "$TWOFA_WP_DIR" "$TWOFA_WP_URL" "$1"; }
for i in 1 2 3; do render active 2>/dev/null; render inactive 2>/dev/null; done # warm the file cache
echo "active:   $(render active 2>&1)"   # bytes and database queries of one render
echo "inactive: $(render inactive 2>&1)"

count() { # count MODE — instructions of one render
  valgrind --tool=callgrind --callgrind-out-file="$work/cg.out" "${php_cmd[@]}" \
    "$repo/bench/login/render.php" "$TWOFA_WP_DIR" "$TWOFA_WP_URL" "$1" 2>&1 |
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
min_active='' min_inactive=''
for i in 1 2 3; do
  a=$(count active) n=$(count inactive)
  echo "render $i: active $a instructions, inactive $n instructions"
  if [[ -z $min_active || $a -lt $min_active ]]; then min_active=$a; fi
  if [[ -z $min_inactive || $n -lt $min_inactive ]]; then min_inactive=$n; fi
done
php -n -r 'printf("front page, twofa active vs inactive: %d vs %d instructions (min of 3); requests/s ratio active/inactive = %.4f (target >= 0.98)\n", $argv[1], $argv[2], $argv[2] / $argv[1]);' "$min_active" "$min_inactive"

# --- 2. complete two-step logins per second ---------------------------------------------------
# shellcheck disable=SC2086
$TWOFA_PHP "$repo/bench/login/logins.php" "$TWOFA_WP_DIR" "$TWOFA_WP_URL" "$rounds" "$seconds" "$lanes"
