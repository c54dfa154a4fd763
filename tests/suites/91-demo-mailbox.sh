#!/usr/bin/env bash
# The demo mailbox page (PHPUnit in the stack's WordPress): MIME parsing of outbox messages,
# escaping, and that nothing of it is reachable outside demo mode.
set -uo pipefail
: "${TWOFA_PHP:?source .stack/env first}"
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1
# shellcheck disable=SC2086 # TWOFA_PHP is "php -d … -d …"
exec $TWOFA_PHP /usr/bin/phpunit --bootstrap tests/php/bootstrap.php --colors=never tests/php/demo-mailbox
