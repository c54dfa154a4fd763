#!/usr/bin/env bash
# The two-step login (issue 5): PHPUnit against the stack's served wp-login.php, XML-RPC, REST,
# plus extra php -S servers on the same WordPress copy (races across servers, missing key).
# Needs .stack/env exported (tests/run-all.sh does it; or: set -a; . .stack/env; set +a).
set -uo pipefail

: "${TWOFA_WP_DIR:?source .stack/env first}"
: "${TWOFA_PHP:?source .stack/env first}"
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo" || exit 1

# shellcheck source=tests/lib/phpunit.sh
. tests/lib/phpunit.sh
phpunit_suite tests/php/login
