#!/usr/bin/env bash
# Smoke test of the test stack: WordPress answers through php -S and the router, and a page of
# the site calls the twofa extension with the stack's key loaded.
# Needs .stack/env exported (tests/run-all.sh does it; or: set -a; . .stack/env; set +a).
set -uo pipefail

: "${TWOFA_WP_URL:?source .stack/env first}"
# shellcheck source=tests/lib/checks.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/checks.sh"
# shellcheck source=tests/stack/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../stack/lib.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# fetch PATH — body to $tmp/body, status to $status, content type to $ctype, Location to $location
fetch() {
  local out
  out=$(curl -s -o "$tmp/body" -w '%{http_code}\t%{content_type}\t%{redirect_url}' --max-time 30 "$TWOFA_WP_URL$1") || out="000		"
  IFS=$'\t' read -r status ctype location <<<"$out"
}

# has_prefix STRING PREFIX — glob-free prefix test.
has_prefix() { [[ ${1:0:${#2}} == "$2" ]]; }
lacks() { ! grep -q "$1" "$2"; }

# json_field FIELD — the field of $tmp/body as PHP would print it (true/false/null as words).
json_field() {
  # shellcheck disable=SC2016 # PHP code, not shell
  php -n -r '$d = json_decode(file_get_contents($argv[1]), true); if (!is_array($d) || !array_key_exists($argv[2], $d)) { exit(1); } $v = $d[$argv[2]]; echo is_bool($v) ? ($v ? "true" : "false") : (null === $v ? "null" : $v);' "$tmp/body" "$1"
}

fetch /
check "front page answers 200" test "$status" = 200
check "front page is the stack's site" grep -q 'twofa test site' "$tmp/body"

fetch /wp-login.php
check "wp-login.php answers 200 with the login form" test "$status" = 200
check "wp-login.php has the user_login field" grep -q 'name="log"' "$tmp/body"

fetch /wp-admin
check "/wp-admin redirects to /wp-admin/" test "$status:$location" = "301:$TWOFA_WP_URL/wp-admin/"

fetch /wp-admin/
check "/wp-admin/ without a session answers 302" test "$status" = 302
check "/wp-admin/ without a session redirects to the login" has_prefix "$location" "$TWOFA_WP_URL/wp-login.php?"

fetch '/?rest_route=/'
check "REST index answers 200 through index.php" test "$status" = 200
check "REST index answers JSON" has_prefix "$ctype" application/json

fetch /wp-includes/css/dashicons.min.css
check "static files are served" test "$status" = 200
check "static files are served with their type" has_prefix "$ctype" text/css

# The plugin folder is a symlink into the repository; its assets are served through it.
asset=$(cd "$TWOFA_WP_DIR/wp-content/plugins/twofa" 2>/dev/null && find . -path ./node_modules -prune -o -name '*.js' -print 2>/dev/null | head -n 1)
if [[ -n $asset ]]; then
  fetch "/wp-content/plugins/twofa/${asset#./}"
  check "plugin assets are served through the plugin symlink (${asset#./})" has_prefix "$ctype" application/javascript
fi

fetch /wp-config.php
check "wp-config.php is never sent as text" lacks DB_PASSWORD "$tmp/body"

fetch /.htaccess
check "hidden files are refused" test "$status" = 404

# The extension, called from a page of the site (WordPress loaded in the same request).
expected_version=$($TWOFA_PHP -r 'echo function_exists("twofa_version") ? twofa_version() : "";' 2>/dev/null) || expected_version=
check "the CLI php of .stack/env (TWOFA_PHP) has the extension" test -n "$expected_version"
for i in 1 2 3 4 5 6; do
  # Several requests so that more than one php -S worker answers.
  fetch /twofa-stack-smoke.php
  if [[ $status != 200 ]]; then not_ok "smoke page request $i answers 200" "status $status"; continue; fi
  ext=$(json_field extension) version=$(json_field version) key=$(json_field key_loaded) wp=$(json_field wordpress)
  if [[ $ext == true && -n $version && $version != null && $version == "$expected_version" && $key == true && -n $wp ]]; then
    ok "smoke page request $i: WordPress $wp, twofa_version() = $version, key loaded"
  else
    not_ok "smoke page request $i calls the extension with the key loaded" "$(cat "$tmp/body")"
  fi
done

# The served site and TWOFA_PHP use the same key: what the site sealed opens on the CLI, and
# only in its own context.
sealed=$(json_field sealed) || sealed=
# shellcheck disable=SC2016 # PHP code, not shell
opened=$($TWOFA_PHP -r 'echo twofa_open($argv[1], "stack-smoke");' "$sealed" 2>/dev/null) || opened=
check "a value sealed by the site opens with TWOFA_PHP's key" test "$opened" = twofa-stack-smoke
# shellcheck disable=SC2016 # PHP code, not shell
other=$($TWOFA_PHP -r 'try { twofa_open($argv[1], "other"); echo "opened"; } catch (Twofa\SealException $e) { echo "refused"; }' "$sealed" 2>/dev/null) || other=
check "the same value does not open in another context" test "$other" = refused

# A TOTP code computed by the served extension equals the RFC 6238 vector (T=59 → 287082).
code=$($TWOFA_PHP -r 'echo twofa_totp_code("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", 59);' 2>/dev/null) || code=
check "TWOFA_PHP computes the RFC 6238 vector at T=59" test "$code" = 287082

# Every PHP of the stack runs the extension just built: the served site (several workers) and
# TWOFA_PHP (PHPUnit, CLI helpers) report the built file itself (same device and inode).
for i in 1 2 3 4; do
  check "the served site loads the built extension (request $i)" ext_check_url "$TWOFA_WP_URL/twofa-loaded-extension.php"
done
# shellcheck disable=SC2086 # TWOFA_PHP is a command with its options
check "TWOFA_PHP loads the built extension" ext_check_cli $TWOFA_PHP

# A twofa.so enabled system-wide does not replace the build. A different copy of the extension
# is enabled through a conf.d folder of this test's own (PHP_INI_SCAN_DIR, the way Debian's
# /etc/php/8.2/*/conf.d enables a module): a plain php loads that copy, the stack's PHPs still
# load the built file.
mkdir -p "$tmp/conf.d"
cp "$TWOFA_EXT" "$tmp/twofa.so"
printf 'extension=%s\n' "$tmp/twofa.so" >"$tmp/conf.d/20-twofa.ini"
plain=$(PHP_INI_SCAN_DIR="$tmp/conf.d" php -r "$TWOFA_LOADED_PHP" 2>/dev/null) || plain=
check "a plain php loads the system-wide copy (so the checks below can fail)" test "${plain% *}" = "$tmp/twofa.so"
refused() { ! ext_check_report "$1" 2>/dev/null; }
check "the check refuses the system-wide copy" refused "$plain"
(
  passed=0 failed=0
  export PHP_INI_SCAN_DIR="$tmp/conf.d"
  # shellcheck disable=SC2086 # TWOFA_PHP is a command with its options
  check "with it enabled, TWOFA_PHP loads the built extension" ext_check_cli $TWOFA_PHP
  port=$(free_port)
  # php_server_start itself fails when the server loads another twofa.so than the build.
  if php_server_start "$TWOFA_WP_DIR" "$port" 1 "$tmp/php.pid" "$tmp/php.log" "$TWOFA_KEY_FILE"; then
    check "with it enabled, php -S loads the built extension" ext_check_url "http://127.0.0.1:$port/twofa-loaded-extension.php"
    php_server_stop "$tmp/php.pid"
  else
    not_ok "with it enabled, php -S starts with the built extension" "$(tail -n 5 "$tmp/php.log" 2>/dev/null)"
  fi
  checks_done >"$tmp/sub-checks"
)
# The subshell's counts join this suite's.
read -r sub_passed _ sub_failed _ < <(tail -n 1 "$tmp/sub-checks")
passed=$((passed + ${sub_passed:-0})) failed=$((failed + ${sub_failed:-1}))

if [[ ${TWOFA_SIDECAR_RUNNING:-0} == 1 ]]; then
  check "sidecar answers /healthz" curl -sf -o /dev/null --max-time 10 "$TWOFA_SIDECAR_URL/healthz"
fi

checks_done
