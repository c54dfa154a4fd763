#!/usr/bin/env bash
# Benchmark: the adoption report over 100,000 generated users, through the sidecar
# (GET /v1/report, signed) against the same figures counted in PHP with WP_User_Query and
# user meta per user (Twofa_Report::compute, the plugin's fallback), in the same run.
#
#   bench/report/run.sh            needs a running test stack (tests/stack/stack.sh up)
#
# BENCH_USERS (100000) users, BENCH_ROUNDS (3) alternating rounds. The users live in their own
# database `twofa_bench` on the stack's MariaDB, with a second WordPress copy and a second
# sidecar pointed at it; both are reused by the next run when the user count matches.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=bench/lib.sh
. "$REPO/bench/lib.sh"

USERS=${BENCH_USERS:-100000}
ROUNDS=${BENCH_ROUNDS:-3}
[[ $USERS =~ ^[0-9]+$ && $ROUNDS =~ ^[0-9]+$ ]] || { echo "BENCH_USERS and BENCH_ROUNDS must be numbers" >&2; exit 2; }

# A second WordPress in its own database (the stack's site is left alone).
bench_database twofa_bench bench-report
sidecar_port=$(free_port)
sidecar_url="http://127.0.0.1:$sidecar_port"
wp_url="http://127.0.0.1:$(free_port)"
TWOFA_SIDECAR_URL=$sidecar_url wp_install "$DIR/wp" "$DB" "$wp_url" >"$DIR/install.log"

have=$(sql -N -e "SELECT COUNT(*) FROM wp_users WHERE user_login LIKE 'bench%'")
if [[ $have != "$USERS" ]]; then
  echo "generating $USERS users in $DB …" >&2
  start=$(date +%s)
  # Role mix: 1 % administrators, 10 % editors, 10 % authors, the rest subscribers.
  # 2FA mix: authenticator for every 4th user (administrators included), OTP over Email for
  # every 6th; the meta WordPress writes for every user, so per-user loads are realistic.
  sql <<SQL
DELETE FROM wp_usermeta WHERE user_id > 1;
DELETE FROM wp_users WHERE ID > 1;
CREATE TEMPORARY TABLE bench_ids (seq INT PRIMARY KEY, role VARCHAR(20), lvl INT)
  SELECT seq,
    CASE WHEN seq % 100 = 0 THEN 'administrator' WHEN seq % 10 = 1 THEN 'editor'
         WHEN seq % 10 = 2 THEN 'author' ELSE 'subscriber' END AS role,
    CASE WHEN seq % 100 = 0 THEN 10 WHEN seq % 10 = 1 THEN 7 WHEN seq % 10 = 2 THEN 2 ELSE 0 END AS lvl
  FROM seq_1_to_${USERS};
INSERT INTO wp_users (ID, user_login, user_pass, user_nicename, user_email, user_url, user_registered, user_activation_key, user_status, display_name)
  SELECT seq + 1000, CONCAT('bench', seq), '\$P\$BbenchbenchbenchbenchbenchbenchX.', CONCAT('bench', seq),
    CONCAT('bench', seq, '@example.test'), '', NOW(), '', 0, CONCAT('Bench User ', seq) FROM bench_ids;
INSERT INTO wp_usermeta (user_id, meta_key, meta_value)
  SELECT seq + 1000, k.meta_key, k.meta_value FROM bench_ids JOIN (
    SELECT 'first_name' AS meta_key, '' AS meta_value UNION ALL SELECT 'last_name', ''
    UNION ALL SELECT 'description', '' UNION ALL SELECT 'rich_editing', 'true'
    UNION ALL SELECT 'syntax_highlighting', 'true' UNION ALL SELECT 'comment_shortcuts', 'false'
    UNION ALL SELECT 'admin_color', 'fresh' UNION ALL SELECT 'use_ssl', '0'
    UNION ALL SELECT 'show_admin_bar_front', 'true' UNION ALL SELECT 'locale', ''
    UNION ALL SELECT 'dismissed_wp_pointers', '') k;
INSERT INTO wp_usermeta (user_id, meta_key, meta_value)
  SELECT seq + 1000, 'nickname', CONCAT('bench', seq) FROM bench_ids;
INSERT INTO wp_usermeta (user_id, meta_key, meta_value)
  SELECT seq + 1000, 'wp_capabilities', CONCAT('a:1:{s:', LENGTH(role), ':"', role, '";b:1;}') FROM bench_ids;
INSERT INTO wp_usermeta (user_id, meta_key, meta_value)
  SELECT seq + 1000, 'wp_user_level', lvl FROM bench_ids;
INSERT INTO wp_usermeta (user_id, meta_key, meta_value)
  SELECT seq + 1000, '_twofa_totp_secret', CONCAT('v1.', TO_BASE64(UNHEX(SHA2(seq, 256))), TO_BASE64(UNHEX(SHA2(seq + 1, 256)))) FROM bench_ids WHERE seq % 4 = 0;
INSERT INTO wp_usermeta (user_id, meta_key, meta_value)
  SELECT seq + 1000, '_twofa_totp_last_step', '59000000' FROM bench_ids WHERE seq % 4 = 0;
INSERT INTO wp_usermeta (user_id, meta_key, meta_value)
  SELECT seq + 1000, '_twofa_email_enabled', '1' FROM bench_ids WHERE seq % 6 = 0;
INSERT INTO wp_usermeta (user_id, meta_key, meta_value)
  SELECT seq + 1000, '_twofa_primary', IF(seq % 4 = 0, 'totp', 'email') FROM bench_ids WHERE seq % 4 = 0 OR seq % 6 = 0;
INSERT INTO wp_usermeta (user_id, meta_key, meta_value)
  SELECT seq + 1000, '_twofa_configured_at', '{"totp":1767225600}' FROM bench_ids WHERE seq % 4 = 0 OR seq % 6 = 0;
ANALYZE TABLE wp_users, wp_usermeta;
SQL
  echo "generated in $(($(date +%s) - start)) s" >&2
fi

bench_mysql_url="mysql://$TWOFA_MYSQL_USER:$TWOFA_MYSQL_PASSWORD@127.0.0.1:$TWOFA_MYSQL_PORT/$DB"
sidecar_write_config "$DIR/sidecar.toml" "$sidecar_port" "$TWOFA_KEY_FILE" "$bench_mysql_url" "$DIR/outbox"
trap 'sidecar_stop "$DIR/sidecar.pid"' EXIT
sidecar_start "$DIR/sidecar.toml" "$sidecar_port" "$DIR/sidecar.pid" "$DIR/sidecar.log"

# shellcheck disable=SC2086 # TWOFA_PHP is a command with its -d options
$TWOFA_PHP -d memory_limit=1G "$REPO/bench/report/bench.php" "$DIR/wp" "$sidecar_url" "$ROUNDS"
