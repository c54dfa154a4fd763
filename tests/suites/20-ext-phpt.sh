#!/usr/bin/env bash
# The twofa extension's .phpt tests (ext/tests/), run by PHP's own run-tests.php against the
# built extension, plus `php -m` and `php --re` checks. Fails on any failed, borked, warned,
# leaked or skipped test. Uses $TWOFA_EXT when set, else target/release/libtwofa_ext.so.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1
repo=$(pwd)
ext=${TWOFA_EXT:-$repo/target/release/libtwofa_ext.so}
php_bin=$(command -v php) || { echo "php not found"; echo "0 passed, 1 failed"; exit 1; }

if [[ ! -f $ext ]]; then
  echo "the extension is not built: $ext (cargo build --release -p twofa-ext)"
  echo "0 passed, 1 failed"
  exit 1
fi

# run-tests.php ships with php-dev next to phpize's build files.
run_tests=""
for candidate in \
  "$(php-config --extension-dir 2>/dev/null)/build/run-tests.php" \
  "$(php-config --prefix 2>/dev/null)/lib/php/build/run-tests.php" \
  /usr/lib/php/*/build/run-tests.php /usr/local/lib/php/build/run-tests.php; do
  if [[ -f $candidate ]]; then
    run_tests=$candidate
    break
  fi
done
if [[ -z $run_tests ]]; then
  echo "run-tests.php not found (install php-dev)"
  echo "0 passed, 1 failed"
  exit 1
fi

passed=0
failed=0

# php -m and php --re, as an operator would check the installation (-n: only this extension).
modules=$("$php_bin" -n -d extension="$ext" -m 2>&1)
if grep -qx twofa <<<"$modules"; then
  passed=$((passed + 1)); echo "ok   php -m lists twofa"
else
  failed=$((failed + 1)); echo "FAIL php -m lists twofa"
fi
reflection=$("$php_bin" -n -d extension="$ext" --re twofa 2>&1)
# The functions php --re lists are exactly those of the stub (ext/tests/020-stub.phpt compares
# parameters, types, defaults, classes and ini entries too).
re_functions=$(sed -n 's/.*Function \[ <internal:twofa> function \(twofa_[a-z0-9_]*\) \].*/\1/p' <<<"$reflection" | sort)
stub_functions=$(sed -n 's/^ *function \(twofa_[a-z0-9_]*\)(.*/\1/p' ext/twofa.stub.php | sort)
if [[ -n $re_functions && $re_functions == "$stub_functions" ]]; then
  passed=$((passed + 1)); echo "ok   php --re twofa lists the $(wc -l <<<"$re_functions") functions of twofa.stub.php"
else
  failed=$((failed + 1)); echo "FAIL php --re twofa lists the functions of twofa.stub.php"
  diff <(echo "$stub_functions") <(echo "$re_functions") | sed 's/^/     /'
fi

# The PHP that runs the .phpt tests loads the built file itself, even with a different
# twofa.so enabled the way a system-wide install enables it (a conf.d folder; here one of this
# suite's own through PHP_INI_SCAN_DIR, so the machine's PHP is left alone).
sysini=$(mktemp -d)
cp "$ext" "$sysini/twofa.so"
printf 'extension=%s\n' "$sysini/twofa.so" >"$sysini/20-twofa.ini"
identity() { stat -L -c '%d:%i' "$1"; }
# shellcheck disable=SC2016 # PHP code, not shell
loaded='$s = stat(twofa_extension_file()); echo $s["dev"], ":", $s["ino"];'
plain=$(PHP_INI_SCAN_DIR=$sysini "$php_bin" -r "$loaded" 2>/dev/null)
tested=$(PHP_INI_SCAN_DIR=$sysini "$php_bin" -n -d extension="$ext" -r "$loaded" 2>/dev/null)
if [[ $plain == "$(identity "$sysini/twofa.so")" && $tested == "$(identity "$ext")" ]]; then
  passed=$((passed + 1)); echo "ok   with a system-wide twofa.so enabled, the tests' PHP (-n) loads the built extension"
else
  failed=$((failed + 1)); echo "FAIL with a system-wide twofa.so enabled, the tests' PHP (-n) loads the built extension (plain $plain, tested $tested, built $(identity "$ext"))"
fi
rm -rf "$sysini"

"$php_bin" -n ext/tests/setup/make-keys.php || { echo "0 passed, 1 failed"; exit 1; }

out=$(mktemp)
trap 'rm -f "$out"' EXIT
# -n: no php.ini, so the built extension is the only twofa loaded; run-tests.php loads what
# a test lists under --EXTENSIONS-- (e.g. dom) from the extension directory.
NO_INTERACTION=1 "$php_bin" "$run_tests" -n -q --no-color --show-diff \
  -p "$php_bin" -d extension="$ext" ext/tests 2>&1 | tee "$out"

count() { # count LABEL — the number run-tests.php printed for "Tests LABEL : N"
  local n
  n=$(sed -n "s/^Tests $1 *: *\([0-9]*\).*/\1/p" "$out" | head -n1)
  echo "${n:-0}"
}
t_passed=$(count passed)
t_failed=$(count failed)
t_skipped=$(count skipped)
t_warned=$(count warned)
t_borked=$(grep -c '^BORK' "$out")
t_leaked=$(grep -c '^LEAK' "$out")
total=$(ls ext/tests/*.phpt | wc -l)

passed=$((passed + t_passed))
failed=$((failed + t_failed + t_skipped + t_warned + t_borked + t_leaked))
# Every .phpt must have run and passed; anything unaccounted for is a failure too.
if ((t_passed != total)); then
  echo "only $t_passed of $total .phpt tests passed"
  ((t_failed + t_skipped + t_warned + t_borked + t_leaked == 0)) && failed=$((failed + total - t_passed))
fi

echo "$passed passed, $failed failed"
((failed == 0))
