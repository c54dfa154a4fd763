#!/usr/bin/env bash
# The Configure 2FA screen, the two providers, the administrator reset, the environment notice
# and uninstall.php: PHPUnit in a real WordPress bootstrap and over HTTP against the served
# site, with the real sidecar and its outbox.
# Needs .stack/env exported (tests/run-all.sh does it; or: set -a; . .stack/env; set +a).
set -uo pipefail

: "${TWOFA_WP_DIR:?source .stack/env first}"
: "${TWOFA_PHP:?source .stack/env first}"
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1

# The uninstall test wipes twofa data (and puts it back), so it runs on its own, last.
# shellcheck source=tests/lib/phpunit.sh
. tests/lib/phpunit.sh
phpunit_suite --exclude-group uninstall tests/php/configure
main_rc=$?
phpunit_suite tests/php/configure/ConfigureUninstallTest.php
uninstall_rc=$?
((main_rc == 0 && uninstall_rc == 0))
