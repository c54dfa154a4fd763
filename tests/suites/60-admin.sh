#!/usr/bin/env bash
# Site-owner tools: Settings → Two-Factor, the adoption report, the Users column and
# `wp twofa` (through the WP-CLI stand-in in tests/wp-cli), against the running stack.
# Needs .stack/env exported (tests/run-all.sh does it; or: set -a; . .stack/env; set +a).
set -uo pipefail
: "${TWOFA_PHP:?source .stack/env first}"
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1
# shellcheck source=tests/lib/phpunit.sh
. tests/lib/phpunit.sh
phpunit_suite tests/php/admin
