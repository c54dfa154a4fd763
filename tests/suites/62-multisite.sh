#!/usr/bin/env bash
# twofa network-activated on the stack's subdirectory multisite network (tests/stack/stack.sh
# brings it up beside the site unless STACK_MULTISITE=0): the network's policy, one 2FA state
# per user on every site, the site id of events, the network report.
# Needs .stack/env exported (tests/run-all.sh does it; or: set -a; . .stack/env; set +a).
set -uo pipefail
: "${TWOFA_PHP:?source .stack/env first}"
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1
if [[ -z ${TWOFA_MS_URL:-} ]]; then
  echo "SKIP: the stack has no multisite network (it was brought up with STACK_MULTISITE=0)"
  exit 0
fi
# shellcheck source=tests/lib/phpunit.sh
. tests/lib/phpunit.sh
# The PHPUnit process loads the network's WordPress (its main site), not the single site.
TWOFA_WP_DIR=$TWOFA_MS_WP_DIR TWOFA_WP_URL=$TWOFA_MS_URL TWOFA_WP_DEBUG_LOG=$TWOFA_MS_DEBUG_LOG \
  TWOFA_SIDECAR_URL=$TWOFA_MS_SIDECAR_URL TWOFA_SIDECAR_RUNNING=$TWOFA_MS_SIDECAR_RUNNING \
  phpunit_suite tests/php/multisite
