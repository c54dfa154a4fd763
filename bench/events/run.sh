#!/usr/bin/env bash
# Benchmark: the activity log at 1,000,000 events — Users → 2FA Activity (the page, rendered)
# and `wp twofa log --since=7d` — against the same work on a copy of the table without its
# secondary indexes (only the primary key), in the same run.
#
#   bench/events/run.sh            needs a running test stack (tests/stack/stack.sh up)
#
# BENCH_EVENTS (1000000) events, BENCH_ROUNDS (3) alternating rounds. The events live in their
# own database `twofa_bench_events` on the stack's MariaDB, with a second WordPress copy; both
# tables are reused by the next run when the event count matches.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=bench/lib.sh
. "$REPO/bench/lib.sh"

EVENTS=${BENCH_EVENTS:-1000000}
ROUNDS=${BENCH_ROUNDS:-3}
[[ $EVENTS =~ ^[0-9]+$ && $ROUNDS =~ ^[0-9]+$ ]] || { echo "BENCH_EVENTS and BENCH_ROUNDS must be numbers" >&2; exit 2; }

# A second WordPress in its own database (the stack's site is left alone); activating the
# plugin creates wp_twofa_events with its indexes.
bench_database twofa_bench_events bench-events
wp_install "$DIR/wp" "$DB" "http://127.0.0.1:$(free_port)" >"$DIR/install.log"

have=$(sql -N -e "SELECT COUNT(*) FROM wp_twofa_events")
have_copy=$(sql -N -e "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = '$DB' AND table_name = 'wp_twofa_events_noidx'")
if [[ $have != "$EVENTS" || $have_copy != 1 ]]; then
  echo "generating $EVENTS events in $DB …" >&2
  start=$(date +%s)
  # 10,000 users (ids 1001…11000), the events spread evenly over the last 180 days, newest
  # last; 70 % passed logins, 20 % refused codes, 5 % back-offs, 5 % lockouts; two methods;
  # 50 client addresses and 3 browsers.
  sql <<SQL
TRUNCATE TABLE wp_twofa_events;
INSERT INTO wp_twofa_events (created_at, site_id, user_id, actor_id, event, method, via, ip, user_agent, details)
  SELECT UNIX_TIMESTAMP() - FLOOR((${EVENTS} - seq) * 180 * 86400 / ${EVENTS}), 1, 1000 + 1 + (seq * 7919) % 10000,
    1000 + 1 + (seq * 7919) % 10000,
    ELT(1 + seq % 20, 'login_passed','login_passed','login_passed','login_passed','login_passed','login_passed','login_passed',
        'login_passed','login_passed','login_passed','login_passed','login_passed','login_passed','login_passed',
        'code_refused','code_refused','code_refused','code_refused','backoff','lockout'),
    IF(seq % 3 = 0, 'email', 'totp'), 'web', CONCAT('192.0.2.', seq % 50),
    ELT(1 + seq % 3, 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',
        'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 Version/18.1 Mobile Safari/604.1',
        'Mozilla/5.0 (Windows NT 10.0; rv:133.0) Gecko Firefox/133.0'),
    IF(seq % 20 >= 14, CONCAT('failures=', 1 + seq % 9), '')
  FROM seq_1_to_${EVENTS};
DROP TABLE IF EXISTS wp_twofa_events_noidx;
CREATE TABLE wp_twofa_events_noidx LIKE wp_twofa_events;
ALTER TABLE wp_twofa_events_noidx DROP INDEX user_time, DROP INDEX site_time, DROP INDEX created_at;
INSERT INTO wp_twofa_events_noidx SELECT * FROM wp_twofa_events;
ANALYZE TABLE wp_twofa_events, wp_twofa_events_noidx;
SQL
  echo "generated in $(($(date +%s) - start)) s" >&2
fi
# Users for the logins the page shows (the first 100 of the 10,000; the others show as #ID).
sql -e "INSERT IGNORE INTO wp_users (ID, user_login, user_pass, user_nicename, user_email, user_registered, display_name)
  SELECT 1000 + seq, CONCAT('bench', seq), '', CONCAT('bench', seq), CONCAT('bench', seq, '@example.test'), NOW(), CONCAT('Bench ', seq) FROM seq_1_to_100"

# shellcheck disable=SC2086 # TWOFA_PHP is a command with its -d options
$TWOFA_PHP -d memory_limit=512M "$REPO/bench/events/bench.php" "$DIR/wp" "$ROUNDS"
