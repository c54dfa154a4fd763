# phpunit_suite ARGS... — PHPUnit under the stack's PHP (extension and key loaded), with the
# WordPress bootstrap of tests/php. It passes only when PHPUnit exits 0 AND prints its
# "OK (N tests, M assertions)" line: wp_die() (a database that is down, say) ends a CLI process
# with status 0, so the status alone could report success for a run in which no test ran.
phpunit_suite() {
  local out rc
  out=$(mktemp)
  # shellcheck disable=SC2086 # TWOFA_PHP is a command with its -d options
  $TWOFA_PHP /usr/bin/phpunit --bootstrap tests/php/bootstrap.php --colors=never "$@" 2>&1 | tee "$out"
  rc=${PIPESTATUS[0]}
  if ((rc == 0)) && ! grep -qE '^OK \([0-9]+ tests?, [0-9]+ assertions?\)$' "$out"; then
    echo "PHPUnit exited 0 without its OK line: the tests did not all run" >&2
    rc=1
  fi
  rm -f "$out"
  return "$rc"
}
