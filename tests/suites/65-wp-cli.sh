#!/usr/bin/env bash
# Every `wp twofa` command through the real WP-CLI (issue 14), against the running stack, with the
# stack's PHP (`-n` plus its modules and the built extension: WP_CLI_PHP / WP_CLI_PHP_ARGS).
# WP-CLI is WP_CLI_BIN, else `wp` on PATH; without one the suite is skipped and says so.
# Needs .stack/env exported (tests/run-all.sh does it; or: set -a; . .stack/env; set +a).
set -uo pipefail
: "${TWOFA_WP_DIR:?source .stack/env first}"
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1
# shellcheck source=tests/lib/checks.sh
. tests/lib/checks.sh
# shellcheck source=tests/stack/lib.sh
. tests/stack/lib.sh

wp_bin=${WP_CLI_BIN:-$(command -v wp || true)}
if [[ -z $wp_bin || ! -f $wp_bin ]]; then
  echo "skip 65-wp-cli: no real WP-CLI found (set WP_CLI_BIN or put wp on PATH)"
  exit 0
fi
export WP_CLI_PHP=php
WP_CLI_PHP_ARGS="$(php_ext_args "${TWOFA_KEY_FILE:-}") -d display_errors=stderr"
export WP_CLI_PHP_ARGS
root=()
((EUID == 0)) && root=(--allow-root)
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
# wp ARGS... — runs the real WP-CLI; stdout in $out, stderr in $err, exit status in $rc.
wp() {
  timeout 120 "$wp_bin" "${root[@]}" --path="$TWOFA_WP_DIR" "$@" >"$out" 2>"$err"
  rc=$?
}
expect() { # expect NAME RC GREP-PATTERN FILE
  if [[ $rc == "$2" ]] && grep -Eq -- "$3" "$4"; then ok "$1"; else not_ok "$1" "exit $rc; stdout: $(head -c 400 "$out"); stderr: $(grep -v Deprecated "$err" | head -c 400)"; fi
}

wp cli version
expect "WP-CLI runs ($(cat "$out"))" 0 '^WP-CLI ' "$out"
wp eval 'echo function_exists("twofa_extension_file") ? twofa_extension_file() : "none";'
expect "WP-CLI loads the built extension" 0 "^$(readlink -f "$(twofa_ext_path)")\$" "$out"

wp help twofa
expect "help: the summary is one line" 0 '^  Manages two-factor authentication \(2FA\) for the site.s users\.$' "$out"
for sub in doctor list policy report reset send-test-email status unlock; do
  grep -Eq "^  $sub " "$out" || not_ok "help lists $sub"
done
wp help twofa policy
expect "help: policy has get and set" 0 '^  set ' "$out"
wp help twofa policy get
expect "help: policy get synopsis" 0 'wp twofa policy get \[--field=<field>\] \[--format=<format>\]' "$out"
wp help twofa policy set
expect "help: policy set synopsis names every setting" 0 '\[--sidecar-url=<url>\]' "$out"
for flag in methods roles grace-days email-ttl resend-cooldown backoff-after lockout-after lockout-minutes app-passwords; do
  grep -q -- "--$flag=" "$out" || not_ok "policy set has --$flag"
done

wp twofa doctor
expect "doctor passes" 0 '^Success: All checks passed\.' "$out"
n=$(grep -c -- "$TWOFA_KEY_FILE" "$out")
[[ $n == 1 ]] && ok "doctor prints the key path once" || not_ok "doctor prints the key path once" "$n times"
wp twofa doctor --format=json
expect "doctor --format=json" 0 '"check":"sidecar","status":"ok"' "$out"
wp twofa doctor --frob
expect "doctor rejects an unknown flag" 1 'unknown --frob parameter' "$err"

login="cli$RANDOM$RANDOM"
wp user create "$login" "$login@example.test" --role=editor --porcelain
expect "user created" 0 '^[0-9]+$' "$out"
uid=$(cat "$out")

wp twofa status "$login" --format=json
expect "status --format=json is one object" 0 "^\{\"id\":$uid,.*\"locked\":\"no\"" "$out"
wp twofa status "$login" --format=yaml
expect "status --format=yaml is one mapping" 0 "^id: $uid\$" "$out"
wp twofa status "$login" --field=locked
expect "status --field=locked" 0 '^no$' "$out"
wp twofa status "$login"
expect "status table" 0 '^locked[[:space:]|]+no' "$out"
wp twofa list --role=editor --fields=id,login,locked --format=csv
expect "list reads locked as yes/no" 0 "^$uid,$login,no\$" "$out"
wp twofa list --role=editor --field=login
expect "list --field" 0 "^$login\$" "$out"
wp twofa list --role=editor --format=ids
expect "list --format=ids" 0 "(^| )$uid( |\$)" "$out"
wp twofa list --role=editor --format=count
expect "list --format=count" 0 '^[0-9]+$' "$out"

mails_before=$(find "${TWOFA_OUTBOX:-/nonexistent}" -type f 2>/dev/null | wc -l)
wp twofa reset "$login" --yes
expect "reset of a user without 2FA is an error" 1 'has no two-factor method configured' "$err"
wp twofa reset "$login" --method=totp --yes
expect "reset --method of an unconfigured method is an error" 1 'has not configured' "$err"
mails_after=$(find "${TWOFA_OUTBOX:-/nonexistent}" -type f 2>/dev/null | wc -l)
[[ $mails_before == "$mails_after" ]] && ok "no email for a refused reset" || not_ok "no email for a refused reset"
wp twofa unlock "$login"
expect "unlock" 0 'was not locked' "$out"
wp twofa report --source=php
expect "report" 0 '^Source: php' "$out"
wp twofa send-test-email "$login"
expect "send-test-email" 0 "^Success: A test email was sent to user $login\." "$out"

wp twofa policy get --format=json
expect "policy get --format=json is one object" 0 '^\{"methods":' "$out"
before=$(cat "$out")
wp twofa policy set --grace-days=999 --lockout-after=5
expect "invalid value: the error names the flag" 1 'Nothing was changed\..*--grace-days' "$err"
wp twofa policy set --methods=totp,sms
expect "unknown method named" 1 'unknown method sms' "$err"
wp twofa policy set --app-passwords=maybe
expect "app-passwords outside its options" 1 'Error' "$err"
wp twofa policy get --format=json
[[ $(cat "$out") == "$before" ]] && ok "refused sets changed nothing" || not_ok "refused sets changed nothing"
sidecar=$(sed -n 's/.*"sidecar_url":"\([^"]*\)".*/\1/p' "$out" | sed 's#\\/#/#g')
wp twofa policy set --grace-days=3 --email-ttl=300 --resend-cooldown=10 --backoff-after=2 --lockout-after=6 --lockout-minutes=20 --app-passwords=deny --sidecar-url="$sidecar" --roles=editor --methods=totp,email
expect "policy set of every setting" 0 '^Success: Policy updated\.' "$out"
wp twofa policy get --field=lockout_minutes
expect "policy get --field" 0 '^20$' "$out"
wp twofa policy get --field=app_passwords
expect "app_passwords set" 0 '^deny$' "$out"
# The methods as they were (later suites expect every method offered).
methods_before=$(printf '%s' "$before" | sed -n 's/.*"methods":\[\([^]]*\)\].*/\1/p' | tr -d '"')
wp twofa policy set --grace-days=0 --email-ttl=600 --resend-cooldown=30 --backoff-after=3 --lockout-after=10 --lockout-minutes=15 --app-passwords=allow --roles= --methods="$methods_before"
expect "policy restored" 0 '^Success' "$out"
wp help twofa import
expect "help: import synopsis" 0 'wp twofa import <source> \[--dry-run\] \[--format=<format>\]' "$out"
wp twofa import two-factor --dry-run
expect "import --dry-run reports and changes nothing" 0 '^Success: Dry run: [0-9]+ users found' "$out"
wp twofa import wordfence --format=json
expect "import without the source's table finds no one" 0 '^\[\]$' "$out"
wp twofa import sms
expect "import of an unknown source is refused" 1 '^Error: ' "$err"
wp user delete "$uid" --yes

# The stack's multisite network (twofa network-activated): one policy, set from any site.
if [[ -n ${TWOFA_MS_URL:-} ]]; then
  wp_ms() { TWOFA_WP_DIR=$TWOFA_MS_WP_DIR wp --url="$1" "${@:2}"; }
  wp_ms "$TWOFA_MS_SITE2_URL/" twofa policy set --lockout-after=11
  expect "multisite: policy set on site 2" 0 '^Success' "$out"
  wp_ms "$TWOFA_MS_URL/" twofa policy get --field=lockout_after
  expect "multisite: site 1 has the network's policy" 0 '^11$' "$out"
  wp_ms "$TWOFA_MS_URL/" twofa policy set --lockout-after=10
  expect "multisite: policy restored" 0 '^Success' "$out"
  wp_ms "$TWOFA_MS_URL/" twofa report --network --format=json
  expect "multisite: report --network" 0 '"role":"all"' "$out"
fi
checks_done
