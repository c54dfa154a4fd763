#!/usr/bin/env bash
# The last suite: scans the activity log tables that every earlier suite's flows wrote for
# codes, secrets, tokens and hashes (known values seen during the run, and their shapes): the
# single site's table, then the multisite network's one table (unless the stack was brought up
# with STACK_MULTISITE=0).
# Needs .stack/env exported (tests/run-all.sh does it; or: set -a; . .stack/env; set +a).
set -uo pipefail
: "${TWOFA_PHP:?source .stack/env first}"
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1
# shellcheck source=tests/lib/phpunit.sh
. tests/lib/phpunit.sh
rc=0
phpunit_suite tests/php/scan || rc=$?
if [[ -n ${TWOFA_MS_URL:-} ]]; then
  # The PHPUnit process loads the network's WordPress (its main site), as suite 62 does.
  TWOFA_WP_DIR=$TWOFA_MS_WP_DIR TWOFA_WP_URL=$TWOFA_MS_URL TWOFA_WP_DEBUG_LOG=$TWOFA_MS_DEBUG_LOG \
    TWOFA_SIDECAR_URL=$TWOFA_MS_SIDECAR_URL TWOFA_SIDECAR_RUNNING=$TWOFA_MS_SIDECAR_RUNNING \
    phpunit_suite tests/php/scan || rc=$?
else
  echo "the stack has no multisite network (STACK_MULTISITE=0): only the site's table was scanned"
fi
exit "$rc"
