#!/usr/bin/env bash
# shellcheck disable=SC2016 # the bash -c snippets get their values as positional arguments
# The demo command (scripts/demo.sh) in a scratch folder: it starts a working site with both
# logins and the demo mailbox, a second `up` reuses what runs, `down` + `up` keeps the data,
# ports and passwords, and `down` leaves none of its processes behind.
# Needs the release build (tests/run-all.sh builds first); uses .stack/env only for its folder.
set -uo pipefail

: "${TWOFA_STACK_DIR:?source .stack/env first}"
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=tests/stack/lib.sh
. "$repo/tests/stack/lib.sh"

# shellcheck source=tests/lib/checks.sh
. "$repo/tests/lib/checks.sh"

export DEMO_DIR="$TWOFA_STACK_DIR/demo-test"
export DEMO_SKIP_INSTALL=1 DEMO_SKIP_BUILD=1
# A port of its own, so a demo someone runs on the default port is left alone.
DEMO_WP_PORT=$(free_port 1)
export DEMO_WP_PORT
rm -rf "$DEMO_DIR"
tmp=$(mktemp -d)
cleanup() {
  bash "$repo/scripts/demo.sh" down >/dev/null 2>&1
  [[ ${KEEP_DEMO:-0} == 1 ]] || rm -rf "$DEMO_DIR"; rm -rf "$tmp"
}
trap cleanup EXIT

demo() { bash "$repo/scripts/demo.sh" "$@" >"$tmp/out" 2>"$tmp/err"; }

# the demo's recorded pids, one a line
demo_pids() { cat "$DEMO_DIR/mysql/mysqld.pid" "$DEMO_DIR/php.pid" "$DEMO_DIR/sidecar.pid" 2>/dev/null; }

if demo up; then ok "scripts/demo.sh up succeeds"; else not_ok "scripts/demo.sh up succeeds" "$(tail -n 20 "$tmp/err")"; echo "$passed passed, $failed failed"; exit 1; fi
url=$(sed -n 's/^ *twofa demo site *\(http[^ ]*\)\/$/\1/p' "$tmp/out")
admin_pass=$(sed -n 's/^ADMIN_PASSWORD=//p' "$DEMO_DIR/credentials")
sub_pass=$(sed -n 's/^SUBSCRIBER_PASSWORD=//p' "$DEMO_DIR/credentials")
check "up prints the site's address on the demo's port" test "$url" = "http://127.0.0.1:$DEMO_WP_PORT"
check "up prints the administrator login" grep -q "administrator *admin / $admin_pass" "$tmp/out"
check "up prints the subscriber login" grep -q "subscriber *subscriber / $sub_pass" "$tmp/out"
check "up prints the demo mailbox address" grep -q "demo mailbox *$url/wp-login.php?action=twofa_demo_mailbox" "$tmp/out"
check "up says how to stop it" grep -q 'scripts/demo.sh down' "$tmp/out"
check "credentials are readable by the owner only" test "$(stat -c %a "$DEMO_DIR/credentials")" = 600

code=$(curl -s -o "$tmp/body" -w '%{http_code}' --max-time 30 "$url/")
check "the site answers" test "$code" = 200
check "the site is the demo site" grep -q 'twofa demo site' "$tmp/body"

code=$(curl -s -o "$tmp/body" -w '%{http_code}' --max-time 30 "$url/wp-login.php?action=twofa_demo_mailbox")
check "the demo mailbox answers without a login" test "$code" = 200
check "the demo mailbox is empty at first" grep -q 'No emails yet' "$tmp/body"
check "the login page links to the demo mailbox" \
  bash -c 'curl -s --max-time 30 "$0/wp-login.php" | grep -q "Demo mailbox: read the OTP emails"' "$url"

# login LOGIN PASSWORD — password step with a fresh cookie jar; sets $status and $location.
login() {
  rm -f "$tmp/jar"
  local out
  out=$(curl -s -o "$tmp/body" -c "$tmp/jar" -b 'wordpress_test_cookie=WP%20Cookie%20check' \
    -w '%{http_code} %{redirect_url}' --max-time 30 \
    --data-urlencode "log=$1" --data-urlencode "pwd=$2" -d 'testcookie=1' "$url/wp-login.php")
  status=${out%% *} location=${out#* }
}
has_session() { grep -q 'wordpress_logged_in_' "$tmp/jar"; }

login admin "$admin_pass"
check "admin logs in with the printed password (no 2FA required for administrators)" \
  bash -c '[[ $0 == 302 && $1 == */wp-admin/ ]]' "$status" "$location"
check "admin has a session" has_session
login subscriber "$sub_pass"
if has_session; then
  not_ok "the subscriber gets no session before setting up 2FA (subscribers must use 2FA)"
else
  ok "the subscriber gets no session before setting up 2FA (subscribers must use 2FA)"
fi
login subscriber "wrong-$sub_pass"
check "a wrong password is refused" bash -c '! grep -q wordpress_logged_in_ "$0"' "$tmp/jar"

# An OTP email through the demo's sidecar, read on the mailbox page.
if pid_alive "$DEMO_DIR/sidecar.pid"; then
  # shellcheck disable=SC2046 # php_ext_args is a list of -d options
  if TWOFA_WP_DIR="$DEMO_DIR/wp" TWOFA_WP_URL=$url php $(php_ext_args "$DEMO_DIR/site.key") \
    "$repo/tests/browser/site.php" email-code subscriber setup >"$tmp/sent" 2>&1; then
    ok "an OTP email is sent through the demo's sidecar"
    curl -s --max-time 30 "$url/wp-login.php?action=twofa_demo_mailbox" >"$tmp/body"
    check "the mailbox page lists it for subscriber@example.test" grep -q 'subscriber@example.test' "$tmp/body"
    check "the mailbox page shows its 6-digit code" grep -Eq '^ +[0-9]{6}$' "$tmp/body"
    # The same page in Chromium, reached from the login screen's link (and its screenshot).
    if DEMO_URL=$url node --test --test-reporter=spec "$repo/tests/browser/demo/mailbox.test.js" >"$tmp/node" 2>&1; then
      ok "in Chromium: the login screen's link opens the mailbox with the code, no login needed"
    else
      not_ok "in Chromium: the login screen's link opens the mailbox with the code, no login needed" "$(tail -n 30 "$tmp/node")"
    fi
    login admin "$admin_pass"
    curl -s -b "$tmp/jar" --max-time 30 "$url/wp-admin/admin.php?page=twofa-demo-mailbox" >"$tmp/body"
    check "the admin page Demo mailbox lists it too" grep -q 'subscriber@example.test' "$tmp/body"
    check "the admin menu links to the demo mailbox" grep -q 'page=twofa-demo-mailbox' "$tmp/body"
  else
    not_ok "an OTP email is sent through the demo's sidecar" "$(cat "$tmp/sent")"
  fi
else
  not_ok "the demo's sidecar runs" "$(tail -n 5 "$DEMO_DIR/logs/sidecar.log" 2>/dev/null)"
fi

pids_before=$(demo_pids)
demo up
check "a second up finds the demo running" grep -q 'already running' "$tmp/err"
check "a second up starts nothing new" test "$(demo_pids)" = "$pids_before"

demo down
alive=0
for pid in $pids_before; do kill -0 "$pid" 2>/dev/null && alive=1; done
check "down stops every process the demo started" test "$alive" = 0
check "down leaves no server on the site's port" bash -c '! (exec 3<>"/dev/tcp/127.0.0.1/$0") 2>/dev/null' "$DEMO_WP_PORT"

demo up
check "up after down reuses the installed site" grep -q 'WordPress already installed' "$tmp/err"
check "up after down keeps the passwords" grep -q "subscriber *subscriber / $sub_pass" "$tmp/out"
check "up after down keeps the address" grep -q "twofa demo site *$url/" "$tmp/out"
login admin "$admin_pass"
check "admin still logs in after the restart" has_session

pids_before=$(demo_pids)
demo down
alive=0
for pid in $pids_before; do kill -0 "$pid" 2>/dev/null && alive=1; done
check "down stops everything again" test "$alive" = 0

checks_done
