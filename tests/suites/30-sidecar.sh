#!/usr/bin/env bash
# twofa-sidecar: unit tests and integration tests against the stack's MariaDB and SMTP sink.
# Needs the stack's environment (.stack/env, exported by tests/run-all.sh); the integration
# tests fail with a clear message without it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

if [[ -z ${TWOFA_MYSQL_URL:-} && -f .stack/env ]]; then
  set -a
  # shellcheck disable=SC1091
  . .stack/env
  set +a
fi
for v in TWOFA_MYSQL_URL TWOFA_MYSQL_SOCKET TWOFA_SMTP_PORT TWOFA_SMTP_MAILDIR; do
  if [[ -z ${!v:-} ]]; then
    echo "30-sidecar: $v is not set; start the stack (tests/stack/stack.sh up) first" >&2
    echo "0 passed, 1 failed"
    exit 1
  fi
done

log=$(mktemp)
trap 'rm -f "$log"' EXIT
rc=0
cargo test --release -p twofa-sidecar 2>&1 | tee "$log" || rc=$?
# Sum the "N passed; M failed" of every test binary.
read -r passed failed < <(awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } } END { print p + 0, f + 0 }' "$log")
if [[ $rc -ne 0 && ${failed:-0} -eq 0 ]]; then failed=1; fi
echo "${passed:-0} passed, ${failed:-0} failed"
exit "$rc"
