#!/usr/bin/env bash
# Sidecar load benchmark: signed POST /v1/email-otp against the file outbox and against SMTP to
# a local aiosmtpd sink, with GET /healthz (the framework's floor) as the baseline measured in
# the same run. Rounds alternate (healthz, outbox, smtp) so machine drift hits all alike; the
# median round of each is reported, with ratios and each sidecar's peak RSS (VmHWM).
#
# Env: ROUNDS (3), SECONDS_PER_ROUND (5), CONCURRENCY (32), USERS (10000).
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=../../tests/stack/lib.sh
source "$REPO/tests/stack/lib.sh"

ROUNDS=${ROUNDS:-3}
SECS=${SECONDS_PER_ROUND:-5}
CONC=${CONCURRENCY:-32}
USERS=${USERS:-10000}

cd "$REPO"
echo "building (release)..." >&2
cargo build --release -p twofa-sidecar --bin twofa-sidecar --example load >&2
BIN=$REPO/target/release/twofa-sidecar
LOAD=$REPO/target/release/examples/load

WORK=$(mktemp -d /tmp/twofa-sidecar-bench.XXXXXX)
cleanup() {
  sidecar_stop "$WORK/file.pid" 2>/dev/null || true
  sidecar_stop "$WORK/smtp.pid" 2>/dev/null || true
  smtp_stop "$WORK/sink.pid" 2>/dev/null || true
  mariadb_stop "$WORK/db" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

db_port=$(free_port)
mariadb_start "$WORK/db" "$db_port" >&2
smtp_port=$(free_port)
smtp_start "$smtp_port" "$WORK/maildir" "$WORK/sink.pid" "$WORK/sink.log" >&2

echo "seeding $USERS users..." >&2
mariadb --no-defaults --socket="$WORK/db/mysqld.sock" -uroot wordpress <<SQL
CREATE TABLE wp_users (ID bigint(20) unsigned NOT NULL auto_increment, user_login varchar(60) NOT NULL default '', user_pass varchar(255) NOT NULL default '', user_nicename varchar(50) NOT NULL default '', user_email varchar(100) NOT NULL default '', user_url varchar(100) NOT NULL default '', user_registered datetime NOT NULL default '0000-00-00 00:00:00', user_activation_key varchar(255) NOT NULL default '', user_status int(11) NOT NULL default '0', display_name varchar(250) NOT NULL default '', PRIMARY KEY (ID), KEY user_login_key (user_login), KEY user_nicename (user_nicename), KEY user_email (user_email)) DEFAULT CHARSET=utf8mb4 COLLATE utf8mb4_unicode_520_ci;
CREATE TABLE wp_usermeta (umeta_id bigint(20) unsigned NOT NULL auto_increment, user_id bigint(20) unsigned NOT NULL default '0', meta_key varchar(255) default NULL, meta_value longtext, PRIMARY KEY (umeta_id), KEY user_id (user_id), KEY meta_key (meta_key(191))) DEFAULT CHARSET=utf8mb4 COLLATE utf8mb4_unicode_520_ci;
INSERT INTO wp_users (user_login, user_nicename, user_email, display_name)
  SELECT CONCAT('user', seq), CONCAT('user', seq), CONCAT('user', seq, '@example.test'), CONCAT('User ', seq) FROM seq_1_to_$USERS;
INSERT INTO wp_usermeta (user_id, meta_key, meta_value)
  SELECT seq, 'wp_capabilities', 'a:1:{s:10:"subscriber";b:1;}' FROM seq_1_to_$USERS;
SQL

"$BIN" keygen "$WORK/key" >&2
mkdir -p "$WORK/outbox"
url="mysql://twofa:$MARIADB_PASSWORD@127.0.0.1:$db_port/wordpress"
write_config() { # FILE PORT MAILSECTION
  cat >"$1" <<TOML
listen = "127.0.0.1:$2"
key_file = "$WORK/key"
mysql_url = "$url"
site_name = "Bench"
log = "warn"
[rate_limits]
user_burst = 1000000
user_per_minute = 1000000
global_burst = 1000000
global_per_second = 1000000
[mail]
from = "Bench <bench@example.test>"
$3
TOML
}
file_port=$(free_port)
smtp_sc_port=$(free_port)
write_config "$WORK/file.toml" "$file_port" $'transport = "file"\ndir = "'"$WORK/outbox"'"'
write_config "$WORK/smtp.toml" "$smtp_sc_port" $'transport = "smtp"\nhost = "127.0.0.1"\nport = '"$smtp_port"$'\ntls = "none"\npool_size = 16'
# Only this script's own variables: no TWOFA_* override from the caller's environment.
env -u TWOFA_MYSQL_URL -u TWOFA_OUTBOX -u TWOFA_SMTP_PORT -u TWOFA_KEY_FILE -u TWOFA_LISTEN \
  bash -c "source '$REPO/tests/stack/lib.sh'; sidecar_start '$WORK/file.toml' $file_port '$WORK/file.pid' '$WORK/file.log'" >&2
env -u TWOFA_MYSQL_URL -u TWOFA_OUTBOX -u TWOFA_SMTP_PORT -u TWOFA_KEY_FILE -u TWOFA_LISTEN \
  bash -c "source '$REPO/tests/stack/lib.sh'; sidecar_start '$WORK/smtp.toml' $smtp_sc_port '$WORK/smtp.pid' '$WORK/smtp.log'" >&2

run() { # NAME PORT TARGET FIRST_USER
  "$LOAD" --url "http://127.0.0.1:$2" --key "$WORK/key" --target "$3" --users "$USERS" \
    --first-user 1 --concurrency "$CONC" --seconds "$SECS" | sed "s/^/name=$1 /"
}
# Warm up both (pools, page cache) without recording.
run warm "$file_port" otp >/dev/null
run warm "$smtp_sc_port" otp >/dev/null

results=$WORK/results
: >"$results"
for ((r = 1; r <= ROUNDS; r++)); do
  echo "round $r/$ROUNDS" >&2
  run healthz "$file_port" healthz | tee -a "$results" >&2
  run outbox "$file_port" otp | tee -a "$results" >&2
  run smtp "$smtp_sc_port" otp | tee -a "$results" >&2
done

hwm() { awk '/^VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$(cat "$1")/status"; }
file_rss=$(hwm "$WORK/file.pid")
smtp_rss=$(hwm "$WORK/smtp.pid")
delivered=$(find "$WORK/maildir/new" -type f | wc -l)
written=$(find "$WORK/outbox" -name '*.eml' | wc -l)

# Median round per name.
median() { # NAME FIELD
  grep "^name=$1 " "$results" | tr ' ' '\n' | sed -n "s/^$2=//p" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}
echo
echo "twofa-sidecar load benchmark: $ROUNDS alternating rounds of ${SECS}s, $CONC connections, $USERS users, $(nproc) cores"
printf '%-32s %10s %9s %9s\n' "workload (median round)" "req/s" "p50 ms" "p99 ms"
for n in healthz outbox smtp; do
  label=$n
  [[ $n == healthz ]] && label="GET /healthz (baseline)"
  [[ $n == outbox ]] && label="POST /v1/email-otp, file outbox"
  [[ $n == smtp ]] && label="POST /v1/email-otp, SMTP sink"
  printf '%-32s %10s %9s %9s\n' "$label" "$(median "$n" rps)" "$(median "$n" p50_ms)" "$(median "$n" p99_ms)"
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
echo "ratio outbox/healthz (req/s): $(ratio "$(median outbox rps)" "$(median healthz rps)")"
echo "ratio smtp/outbox    (req/s): $(ratio "$(median smtp rps)" "$(median outbox rps)")"
echo "peak RSS (VmHWM): file-outbox sidecar ${file_rss} MB, SMTP sidecar ${smtp_rss} MB"
echo "messages: $written .eml files written, $delivered delivered to the SMTP sink"
errs=$(awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^errors=/) { split($i, kv, "="); s += kv[2] } } END { print s + 0 }' "$results")
echo "failed requests: $errs"
