#!/usr/bin/env bash
# The last suite: scans the activity log table that every earlier suite's flows wrote for
# codes, secrets, tokens and hashes (known values seen during the run, and their shapes).
# Needs .stack/env exported (tests/run-all.sh does it; or: set -a; . .stack/env; set +a).
set -uo pipefail
: "${TWOFA_PHP:?source .stack/env first}"
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1
# shellcheck source=tests/lib/phpunit.sh
. tests/lib/phpunit.sh
phpunit_suite tests/php/scan
