#!/usr/bin/env bash
# The browser suite: the seed's flows in Debian's Chromium (playwright-core), run by node's own
# test runner against the test stack. Screenshots land in docs/screenshots/.
# Needs .stack/env exported (tests/run-all.sh does it; or: set -a; . .stack/env; set +a).
set -uo pipefail

: "${TWOFA_WP_URL:?source .stack/env first}"
cd "$(dirname "${BASH_SOURCE[0]}")/../browser" || exit 1

if [[ ! -d node_modules/playwright-core ]]; then
  # scripts/install-deps.sh normally does this; a suite run by hand may come first.
  npm ci --no-audit --no-fund >/dev/null || { echo "npm ci failed in tests/browser"; exit 1; }
fi
if [[ ! -x ${TWOFA_CHROMIUM:-/usr/bin/chromium} ]]; then
  echo "Chromium is not installed (${TWOFA_CHROMIUM:-/usr/bin/chromium}): apt-get install chromium"
  exit 1
fi

# One file after the other: the flows share one user and one site policy.
exec node --test --test-concurrency=1 --test-reporter=spec ./*.test.js
