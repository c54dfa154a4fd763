#!/usr/bin/env bash
# Runs the extension benchmark (bench/ext/bench.php) against the already built extension
# (target/release/libtwofa_ext.so; build with `cargo build --release -p twofa-ext`) with a
# throw-away key file.
#   bench/ext/run.sh [rounds] [calls]   wall-clock rounds, alternating A/B (default 11 x 20000)
#   bench/ext/run.sh --callgrind [calls] instruction counts under valgrind (deterministic;
#                                         the machine's speed drift does not affect them)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
ext=${TWOFA_EXT:-$PWD/target/release/libtwofa_ext.so}
if [[ ! -f $ext ]]; then
  echo "not built: $ext (cargo build --release -p twofa-ext)" >&2
  exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(umask 077 && head -c 32 /dev/urandom >"$tmp/site.key")
# -n: no php.ini, so no opcache/JIT or other extension changes the comparison.
php=(php -n -d extension="$ext" -d twofa.key_file="$tmp/site.key")

echo "php $(php -n -r 'echo PHP_VERSION;'), twofa $("${php[@]}" -r 'echo twofa_version();'), $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"

if [[ ${1:-} == --callgrind ]]; then
  calls=${2:-5000}
  command -v valgrind >/dev/null || { echo "valgrind is not installed" >&2; exit 1; }
  count() { # count SIDE — instructions executed by one pass of SIDE
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "${php[@]}" bench/ext/bench.php \
      --only="$1" "$calls" 2>&1 | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
  }
  none=$(count none)
  ext_ir=$(count ext)
  php_ir=$(count php)
  echo "TOTP verification, instructions per call (callgrind, $calls calls, startup subtracted)"
  awk -v n="$none" -v e="$ext_ir" -v p="$php_ir" -v c="$calls" 'BEGIN {
    printf "  twofa_totp_verify      %10.0f instructions/verification\n", (e - n) / c
    printf "  plain-PHP RFC 6238     %10.0f instructions/verification\n", (p - n) / c
    printf "  ratio PHP/extension    %10.2fx fewer instructions in the extension\n", (p - n) / (e - n)
  }'
  exit 0
fi

"${php[@]}" bench/ext/bench.php "$@"
