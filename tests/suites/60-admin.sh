#!/usr/bin/env bash
# Site-owner tools: Settings → Two-Factor, the adoption report, the Users column and
# `wp twofa` (through the WP-CLI stand-in in tests/wp-cli), against the running stack.
# Needs .stack/env exported (tests/run-all.sh does it; or: set -a; . .stack/env; set +a).
set -uo pipefail
: "${TWOFA_PHP:?source .stack/env first}"
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1
# shellcheck source=tests/lib/phpunit.sh
. tests/lib/phpunit.sh
# The checked-in translation template is what scripts/make-pot.sh makes from the code now.
pot_rc=0
bash scripts/make-pot.sh --check || pot_rc=1
phpunit_suite tests/php/admin || exit 1
exit "$pot_rc"
