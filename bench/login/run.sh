#!/usr/bin/env bash
# Login benchmarks, each a ratio measured in one run:
#  1. front-end cost of the plugin: instructions (callgrind) of the front page and of the
#     logged-out wp-login.php with twofa inactive vs active, deterministic unlike wall-clock
#     throughput on these machines, two ways: a php-cli render with OPcache's file cache (warmed
#     first, minimum of 3 renders), and one `php -S` process with OPcache in shared memory
#     (served.sh, which also counts the password step and the code step of a TOTP login and
#     lists their database queries); plus the front page's peak memory.
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
# The test stack's must-use plugins (witnesses of logins and secrets, a fault point) are tests'
# instruments, not part of a site: the benchmarks measure WordPress and twofa without them.
for mu in "$repo/tests/stack/wp-files/mu-plugins/"*.php; do
  rm -f "$TWOFA_WP_DIR/wp-content/mu-plugins/$(basename "$mu")"
done

# --- 1. front page and logged-out wp-login.php: twofa active vs inactive ---------------------
# a) the php-cli method: instructions (callgrind) of one php-cli render, OPcache file cache.
oc="$work/opcache"
mkdir -p "$oc"
# shellcheck disable=SC2206 # TWOFA_PHP is a command with -d options
php_cmd=($TWOFA_PHP -d opcache.enable_cli=1 -d "opcache.file_cache=$oc" -d opcache.file_cache_only=1)
render() { "${php_cmd[@]}" "$repo/bench/login/render.php" "$TWOFA_WP_DIR" "$TWOFA_WP_URL" "$1" "$2"; }
count() { # count MODE PAGE — instructions of one render
  valgrind --tool=callgrind --callgrind-out-file="$work/cg.out" "${php_cmd[@]}" \
    "$repo/bench/login/render.php" "$TWOFA_WP_DIR" "$TWOFA_WP_URL" "$1" "$2" 2>&1 |
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
peak_of() { # peak_of MODE PHP-COMMAND... — peak memory of one front-page render
  local mode=$1
  shift
  "$@" "$repo/bench/login/render.php" "$TWOFA_WP_DIR" "$TWOFA_WP_URL" "$mode" front 2>&1 >/dev/null | sed -n 's/.*peak \([0-9]*\).*/\1/p'
}
for page in front login; do
  for i in 1 2 3; do render active $page 2>/dev/null; render inactive $page 2>/dev/null; done # warm the file cache
  echo "$page, active:   $(render active $page 2>&1)" # bytes, queries and peak memory of one render
  echo "$page, inactive: $(render inactive $page 2>&1)"
  min_active='' min_inactive=''
  for i in 1 2 3; do
    a=$(count active $page) n=$(count inactive $page)
    echo "$page render $i: active $a instructions, inactive $n instructions"
    if [[ -z $min_active || $a -lt $min_active ]]; then min_active=$a; fi
    if [[ -z $min_inactive || $n -lt $min_inactive ]]; then min_inactive=$n; fi
  done
  php -n -r 'printf("php-cli, OPcache file cache: %s, twofa active vs inactive: %s vs %s instructions (min of 3); active/inactive = %+.3f %% (target %s)\n", $argv[1], number_format($argv[2]), number_format($argv[3]), 100 * ($argv[2] / $argv[3] - 1), $argv[4]);' \
    "$([[ $page == front ]] && echo 'front page' || echo 'logged-out wp-login.php')" "$min_active" "$min_inactive" \
    "$([[ $page == front ]] && echo '<= +0.10 %' || echo '<= +0.20 %')"
done
# Front-page peak memory (memory_get_peak_usage) in php-cli's three ways: the file-cache-only
# mode above (it loads each script into its compiler arena), without OPcache (php-cli's default),
# and with the file cache behind OPcache's shared memory, where scripts run from shared memory as
# on a server and are not in the request's own memory.
oc_shm="$work/opcache-shm"
mkdir -p "$oc_shm"
for way in 'php-cli, OPcache file cache only' 'php-cli without OPcache' 'php-cli, file cache behind shared memory'; do
  case $way in
    *only) cmd=("${php_cmd[@]}") ;; # warmed above
    # shellcheck disable=SC2206 # TWOFA_PHP is a command with -d options
    *without*) cmd=($TWOFA_PHP -d opcache.enable_cli=0) ;;
    *)
      # shellcheck disable=SC2206
      cmd=($TWOFA_PHP -d opcache.enable_cli=1 -d "opcache.file_cache=$oc_shm" -d opcache.file_cache_only=0)
      peak_of active "${cmd[@]}" >/dev/null
      peak_of inactive "${cmd[@]}" >/dev/null # fills the file cache
      ;;
  esac
  php -n -r 'printf("front page peak memory (%s): active %s vs inactive %s bytes = %+.1f KB (target <= +100 KB)\n", $argv[1], number_format($argv[2]), number_format($argv[3]), ($argv[2] - $argv[3]) / 1024);' \
    "$way" "$(peak_of active "${cmd[@]}")" "$(peak_of inactive "${cmd[@]}")"
done

# b) the way a server runs PHP: one php -S process under callgrind, OPcache in shared memory;
#    also the password step and the code step of a TOTP login, with their queries.
bash "$repo/bench/login/served.sh" "$work" "$rounds" 2

# --- 2. complete two-step logins per second ---------------------------------------------------
# shellcheck disable=SC2086
$TWOFA_PHP "$repo/bench/login/logins.php" "$TWOFA_WP_DIR" "$TWOFA_WP_URL" "$rounds" "$seconds" "$lanes"
