#!/usr/bin/env bash
# The demo site: a private MariaDB, WordPress with twofa active, the sidecar writing email to a
# file outbox, and PHP's built-in server with the extension loaded — all on 127.0.0.1, all state
# in .demo/ of the repository.
#
#   scripts/demo.sh [up]    install what is missing, build, start (reuses .demo/ when it exists)
#   scripts/demo.sh down    stop exactly what `up` started (`stop` is the same)
#   scripts/demo.sh status  what runs, and the addresses
#   scripts/demo.sh reset   down, then delete .demo/ (a fresh site on the next `up`)
#
# `up` returns once everything answers; the services keep running in the background until
# `down`. Ctrl-C during `up` stops what had started so far.
#
# DEMO_DIR moves the state folder; DEMO_WP_PORT picks the site's port (first `up` only:
# ports are remembered in .demo/ports). DEMO_SKIP_INSTALL=1 / DEMO_SKIP_BUILD=1 skip those steps.
set -euo pipefail

# The sidecar takes TWOFA_* environment variables as settings, and a shell that sourced the test
# stack's .stack/env has them: the demo's services must see none of those.
while read -r var; do unset "$var"; done < <(compgen -e | grep '^TWOFA_' || true)

# shellcheck source=tests/stack/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../tests/stack/lib.sh"

DEMO="${DEMO_DIR:-$TWOFA_REPO/.demo}"

# rustup installs cargo under ~/.cargo/bin, which a non-login shell may not have on PATH.
if ! command -v cargo >/dev/null 2>&1 && [[ -x ${CARGO_HOME:-$HOME/.cargo}/bin/cargo ]]; then
  PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
fi

say() { printf '[demo] %s\n' "$*" >&2; }

demo_down() {
  [[ -d $DEMO ]] || return 0
  sidecar_stop "$DEMO/sidecar.pid"
  php_server_stop "$DEMO/php.pid"
  mariadb_stop "$DEMO/mysql"
}

# read_kv FILE KEY — the value of KEY=value in FILE, or nothing.
read_kv() { [[ -f $1 ]] || return 0; sed -n "s/^$2=//p" "$1" | head -n 1; }

# port_free PORT — nothing listens on 127.0.0.1:PORT.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

install_deps() {
  if [[ ${DEMO_SKIP_INSTALL:-0} == 1 ]]; then return 0; fi
  if [[ -f $TWOFA_REPO/scripts/install-deps.sh ]]; then
    say "checking the system packages and toolchain (scripts/install-deps.sh)"
    # It also sets up the browser tests (npm); the demo needs none of that, so a failure
    # there only matters when something the demo itself needs is missing (checked below).
    bash "$TWOFA_REPO/scripts/install-deps.sh" >&2 || say "scripts/install-deps.sh failed; checking what the demo needs"
  fi
  local missing=() cmd
  for cmd in php php-config mariadbd mariadb-install-db cargo curl; do
    command -v "$cmd" >/dev/null 2>&1 || [[ -x /usr/sbin/$cmd ]] || missing+=("$cmd")
  done
  [[ -f /usr/share/wordpress/wp-load.php ]] || missing+=(wordpress)
  if ((${#missing[@]})); then
    say "missing: ${missing[*]} — install them (see README.md) and run again"
    return 1
  fi
}

build() {
  if [[ ${DEMO_SKIP_BUILD:-0} == 1 ]]; then return 0; fi
  say "building the extension and the sidecar (release mode; incremental after the first time)"
  (cd "$TWOFA_REPO" && cargo build --release --workspace --quiet) >&2
  [[ -f $(twofa_ext_path) ]] || { say "the extension was not built: $(twofa_ext_path) is missing"; return 1; }
}

# The demo's ports, chosen on the first `up` and kept so bookmarks and the printed addresses
# stay valid.
choose_ports() {
  local f="$DEMO/ports" spare
  # Distinct free ports taken at once (one by one, the kernel may hand out one twice), none of
  # them the site port asked for.
  mapfile -t spare < <(free_port 4 | grep -vx "${DEMO_WP_PORT:-8080}")
  MYSQL_PORT=$(read_kv "$f" MYSQL_PORT)
  WP_PORT=$(read_kv "$f" WP_PORT)
  SIDECAR_PORT=$(read_kv "$f" SIDECAR_PORT)
  if [[ -z $WP_PORT ]]; then
    WP_PORT=${DEMO_WP_PORT:-8080}
    port_free "$WP_PORT" || WP_PORT=${spare[1]}
  fi
  [[ -n $MYSQL_PORT ]] || MYSQL_PORT=${spare[0]}
  if [[ -z $SIDECAR_PORT ]]; then
    SIDECAR_PORT=8787
    port_free "$SIDECAR_PORT" || SIDECAR_PORT=${spare[2]}
  fi
  # A kept port another program took meanwhile is replaced, and the new address printed.
  port_free "$MYSQL_PORT" || MYSQL_PORT=${spare[0]}
  port_free "$SIDECAR_PORT" || SIDECAR_PORT=${spare[2]}
  if ! port_free "$WP_PORT"; then
    say "port $WP_PORT is taken by another program: the site moves to another port"
    WP_PORT=${spare[1]}
  fi
  printf 'MYSQL_PORT=%s\nWP_PORT=%s\nSIDECAR_PORT=%s\n' "$MYSQL_PORT" "$WP_PORT" "$SIDECAR_PORT" >"$f"
}

# Passwords are made once and kept, so a second `up` logs in with the same ones.
credentials() {
  local f="$DEMO/credentials"
  ADMIN_PASSWORD=$(read_kv "$f" ADMIN_PASSWORD)
  SUBSCRIBER_PASSWORD=$(read_kv "$f" SUBSCRIBER_PASSWORD)
  [[ -n $ADMIN_PASSWORD ]] || ADMIN_PASSWORD=$(random_hex 8)
  [[ -n $SUBSCRIBER_PASSWORD ]] || SUBSCRIBER_PASSWORD=$(random_hex 8)
  (umask 077 && printf 'ADMIN_USER=admin\nADMIN_PASSWORD=%s\nSUBSCRIBER_USER=subscriber\nSUBSCRIBER_PASSWORD=%s\n' \
    "$ADMIN_PASSWORD" "$SUBSCRIBER_PASSWORD" >"$f")
}

# wp_copy writes a fresh wp-config.php on every run; demo mode is two constants added to it.
enable_demo_mode() {
  local config="$DEMO/wp/wp-config.php" outbox=$1
  grep -q "TWOFA_DEMO'" "$config" && return 0
  local tmp="$config.tmp"
  awk -v outbox="$outbox" '
    /^require_once ABSPATH \. .wp-settings\.php.;/ {
      print "// Demo mode: the demo mailbox page reads the sidecar'"'"'s file outbox (scripts/demo.sh)."
      print "define( '"'"'TWOFA_DEMO'"'"', true );"
      print "define( '"'"'TWOFA_DEMO_OUTBOX'"'"', '"'"'" outbox "'"'"' );"
    }
    { print }' "$config" >"$tmp"
  mv "$tmp" "$config"
}

print_summary() {
  local url
  url="http://127.0.0.1:$(read_kv "$DEMO/ports" WP_PORT)"
  cat <<EOF

  twofa demo site      $url/
  log in               $url/wp-login.php
    administrator      admin / $(read_kv "$DEMO/credentials" ADMIN_PASSWORD)
    subscriber         subscriber / $(read_kv "$DEMO/credentials" SUBSCRIBER_PASSWORD)   (must set up 2FA at first login)
  demo mailbox         $url/wp-login.php?action=twofa_demo_mailbox   (the OTP emails; no login needed)

  The services run in the background. Stop them with:   scripts/demo.sh down   (or make demo-stop)
  Logs: $DEMO/logs/   Passwords: $DEMO/credentials

EOF
}

demo_up() {
  mkdir -p "$DEMO/logs"
  DEMO=$(cd "$DEMO" && pwd)
  if pid_alive "$DEMO/php.pid" && pid_alive "$DEMO/mysql/mysqld.pid"; then
    say "already running (after pulling or changing code: scripts/demo.sh down, then up again)"
    print_summary
    return 0
  fi
  # Something half-running from an interrupted start: stop it before starting again.
  demo_down

  install_deps
  build
  choose_ports
  credentials

  local key="$DEMO/site.key"
  if [[ ! -s $key ]]; then
    # The key seals every authenticator secret: made once, kept with the demo's database.
    key_generate "$key"
  fi
  export TWOFA_KEY_FILE=$key

  local wp_url="http://127.0.0.1:$WP_PORT" sidecar_url="http://127.0.0.1:$SIDECAR_PORT"

  say "MariaDB on 127.0.0.1:$MYSQL_PORT (data in $DEMO/mysql)"
  mariadb_start "$DEMO/mysql" "$MYSQL_PORT"
  local mysql_url="mysql://$MARIADB_USER:$MARIADB_PASSWORD@127.0.0.1:$MYSQL_PORT/wordpress"

  say "WordPress for $wp_url"
  WP_ADMIN_PASSWORD=$ADMIN_PASSWORD wp_install "$DEMO/wp" wordpress "$wp_url" >&2
  enable_demo_mode "$DEMO/outbox"
  mkdir -p "$DEMO/outbox"

  say "demo users and settings"
  # shellcheck disable=SC2046 # php_ext_args is a list of -d options
  SUBSCRIBER_PASSWORD=$SUBSCRIBER_PASSWORD DEMO_SIDECAR_URL=$sidecar_url \
    php $(php_ext_args "$key") "$TWOFA_REPO/scripts/demo-setup.php" "$DEMO/wp" "$wp_url" >&2

  say "sidecar on $sidecar_url (mail goes to $DEMO/outbox)"
  sidecar_write_config "$DEMO/sidecar.toml" "$SIDECAR_PORT" "$key" "$mysql_url" "$DEMO/outbox"
  sed -i 's/^site_name = .*/site_name = "twofa demo site"/; s/^from = .*/from = "twofa demo site <wordpress@example.test>"/' "$DEMO/sidecar.toml"
  local rc=0
  sidecar_start "$DEMO/sidecar.toml" "$SIDECAR_PORT" "$DEMO/sidecar.pid" "$DEMO/logs/sidecar.log" || rc=$?
  case $rc in
    0) ;;
    2) say "no sidecar binary: OTP over Email will say the mail service is unavailable" ;;
    *) return 1 ;;
  esac

  say "PHP's server on $wp_url"
  php_server_start "$DEMO/wp" "$WP_PORT" 4 "$DEMO/php.pid" "$DEMO/logs/php.log" "$key"

  print_summary
}

demo_status() {
  local name rc=0
  for name in mysql/mysqld php sidecar; do
    if pid_alive "$DEMO/$name.pid"; then
      printf '%-8s running (pid %s)\n' "${name%%/*}" "$(<"$DEMO/$name.pid")"
    else
      printf '%-8s stopped\n' "${name%%/*}"
      rc=1
    fi
  done
  [[ -f $DEMO/ports ]] && printf 'site     http://127.0.0.1:%s/\n' "$(read_kv "$DEMO/ports" WP_PORT)"
  return "$rc"
}

case "${1:-up}" in
  up)
    trap 'rc=$?; if ((rc != 0)); then say "start failed; stopping what started (logs in $DEMO/logs)"; set +e; demo_down; fi' EXIT
    trap 'say "interrupted"; exit 130' INT TERM
    demo_up
    ;;
  down | stop)
    demo_down
    say "stopped"
    ;;
  status) demo_status ;;
  reset)
    demo_down
    rm -rf "$DEMO"
    say "removed $DEMO"
    ;;
  *)
    echo "usage: $0 up|down|status|reset" >&2
    exit 2
    ;;
esac
