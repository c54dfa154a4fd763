#!/usr/bin/env bash
# Instructions per request the way a web server runs PHP: ONE `php -S` process (no workers) with
# OPcache in shared memory, under callgrind. Collection is on only inside php_request_startup,
# php_execute_script (the router, then wp-login.php) and php_request_shutdown, and callgrind dumps
# after every php_request_shutdown, so each dump is exactly one request from its start to its end
# (the server's socket handling, the same for both variants, is left out). served.php sends the
# requests one at a time and prints what each was, in order; the k-th label goes with the k-th
# dump. Warm-up passes fill OPcache first; the minimum of ROUNDS passes is taken per kind.
#
#   bench/login/served.sh WORKDIR [ROUNDS=3] [WARM=2]   # with a running stack's env exported
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
work=$1
rounds=${2:-3}
warm=${3:-2}
: "${TWOFA_WP_DIR:?export the env of a running stack}" "${TWOFA_WP_URL:?}" "${TWOFA_PHP:?}" "${TWOFA_KEY_FILE:?}"

# shellcheck source=tests/stack/lib.sh
. "$repo/tests/stack/lib.sh"
out="$work/served"
rm -rf "$out"
mkdir -p "$out"
port=$(free_port 1)
# shellcheck disable=SC2046 # php_ext_args is a list of words
TWOFA_BENCH_QUERY_LOG="$out/queries.jsonl" setsid valgrind --tool=callgrind --collect-atstart=no \
  --toggle-collect=php_request_startup --toggle-collect=php_execute_script \
  --toggle-collect=php_request_shutdown --dump-after=php_request_shutdown \
  --callgrind-out-file="$out/cg.out" \
  php $(php_ext_args "$TWOFA_KEY_FILE") -d opcache.enable=1 -d opcache.memory_consumption=128 \
  -d opcache.validate_timestamps=0 -d realpath_cache_ttl=3600 \
  -d display_errors=stderr -d log_errors=1 -d variables_order=EGPCS \
  -S "127.0.0.1:$port" -t "$TWOFA_WP_DIR" "$repo/bench/login/router.php" \
  >"$out/server.log" 2>&1 &
server=$!
stop_server() { kill -TERM -- "-$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; }
trap stop_server EXIT
wait_port "$port" 120 "php -S under callgrind" || { cat "$out/server.log"; exit 1; }

# shellcheck disable=SC2086 # TWOFA_PHP is a command with its options
$TWOFA_PHP "$repo/bench/login/served.php" \
  "$TWOFA_WP_DIR" "$TWOFA_WP_URL" "http://127.0.0.1:$port" "$rounds" "$warm" >"$out/labels.txt"
stop_server
trap - EXIT

# Dumps are numbered in request order (cg.out.1, cg.out.2, …); a dump of the server's own start,
# if any, comes before the first request, so labels are matched from the end.
php -n "$repo/bench/login/served-report.php" "$out"
