# Counting checks for the shell suites: ok/not_ok/check print one line each, checks_done prints
# the closing "N passed, M failed" line and fails when any check failed.
passed=0
failed=0
ok() { passed=$((passed + 1)); printf 'ok   %s\n' "$1"; }
not_ok() { failed=$((failed + 1)); printf 'FAIL %s\n' "$1"; [[ -n ${2:-} ]] && printf '     %s\n' "$2"; }
check() { # check NAME COMMAND... — passes when the command succeeds
  local name=$1
  shift
  if "$@"; then ok "$name"; else not_ok "$name"; fi
}
checks_done() {
  echo "$passed passed, $failed failed"
  ((failed == 0))
}
