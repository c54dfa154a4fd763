#!/usr/bin/env bash
# The demo mailbox page (PHPUnit in the stack's WordPress): MIME parsing of outbox messages,
# escaping, and that nothing of it is reachable outside demo mode.
set -uo pipefail
: "${TWOFA_PHP:?source .stack/env first}"
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1
# shellcheck source=tests/lib/phpunit.sh
. tests/lib/phpunit.sh
phpunit_suite tests/php/demo-mailbox
