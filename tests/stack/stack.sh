#!/usr/bin/env bash
# The test stack: private MariaDB + WordPress served by `php -S` with the twofa extension +
# the sidecar + an SMTP sink, all on 127.0.0.1, all state in .stack/ of the repository. Beside
# the site, a subdirectory multisite network (its own WordPress copy, database, php -S and
# sidecar; two sites, twofa network-activated) for the multisite suite.
#
#   tests/stack/stack.sh up      start a fresh stack (stops a running one first), write .stack/env
#   tests/stack/stack.sh down    stop exactly what `up` started (idempotent)
#   tests/stack/stack.sh status  what runs
#   tests/stack/stack.sh env     print .stack/env
#
# Ports are picked free at `up`; STACK_MYSQL_PORT, STACK_WP_PORT, STACK_SIDECAR_PORT,
# STACK_SMTP_PORT fix them, STACK_PHP_WORKERS sets the php -S workers (4), STACK_DIR the folder.
# STACK_MULTISITE=0 leaves the multisite network out (STACK_MS_PORT fixes its php -S port).
set -euo pipefail

# A shell that sourced an older .stack/env must not leak its values into the new stack: the
# sidecar reads TWOFA_* variables as overrides of its configuration.
while IFS= read -r twofa_var; do unset "$twofa_var"; done < <(compgen -e | grep '^TWOFA_' || true)

# shellcheck source=tests/stack/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

STACK="${STACK_DIR:-$TWOFA_REPO/.stack}"

stack_down() {
  [[ -d $STACK ]] || return 0
  sidecar_stop "$STACK/sidecar.pid"
  php_server_stop "$STACK/php.pid"
  sidecar_stop "$STACK/ms-sidecar.pid"
  php_server_stop "$STACK/ms-php.pid"
  smtp_stop "$STACK/smtp.pid"
  mariadb_stop "$STACK/mysql"
}

# env_line KEY VALUE — KEY=value, single-quoted only when the value needs it.
env_line() {
  if [[ $2 =~ ^[A-Za-z0-9_./:@%+,=-]*$ ]]; then
    printf '%s=%s\n' "$1" "$2"
  else
    printf "%s='%s'\n" "$1" "${2//\'/\'\\\'\'}"
  fi
}

stack_up() {
  stack_down
  # A fresh stack every time: a new database, a new WordPress copy, a new key. Only what `up`
  # creates is removed; suites may keep their own subfolders here.
  if [[ -d $STACK ]]; then
    (cd "$STACK" && rm -rf mysql wp wp-debug.log wp-secrets-seen.txt logs maildir outbox site.key sidecar.toml env env.tmp ./*.pid \
      wp-ms wp-ms-debug.log wp-ms-secrets-seen.txt ms-sidecar.toml)
  fi
  mkdir -p "$STACK/logs"
  STACK=$(cd "$STACK" && pwd)

  local -a ports
  mapfile -t ports < <(free_port 6)
  local mysql_port=${STACK_MYSQL_PORT:-${ports[0]}}
  local wp_port=${STACK_WP_PORT:-${ports[1]}}
  local sidecar_port=${STACK_SIDECAR_PORT:-${ports[2]}}
  local smtp_port=${STACK_SMTP_PORT:-${ports[3]}}
  local workers=${STACK_PHP_WORKERS:-4}
  local ms_port=${STACK_MS_PORT:-${ports[4]}} ms_sidecar_port=${ports[5]}
  local multisite=${STACK_MULTISITE:-1}
  local wp_url="http://127.0.0.1:$wp_port"
  local sidecar_url="http://127.0.0.1:$sidecar_port"

  TWOFA_KEY_FILE="$STACK/site.key"
  key_generate "$TWOFA_KEY_FILE"
  export TWOFA_KEY_FILE

  stack_log "MariaDB on 127.0.0.1:$mysql_port"
  mariadb_start "$STACK/mysql" "$mysql_port"
  local mysql_url="mysql://$MARIADB_USER:$MARIADB_PASSWORD@127.0.0.1:$mysql_port/wordpress"

  stack_log "SMTP sink on 127.0.0.1:$smtp_port"
  smtp_start "$smtp_port" "$STACK/maildir" "$STACK/smtp.pid" "$STACK/logs/smtp.log"

  stack_log "WordPress in $STACK/wp for $wp_url"
  WP_ADMIN_PASSWORD=$(random_hex 12)
  TWOFA_SIDECAR_URL=$sidecar_url wp_install "$STACK/wp" wordpress "$wp_url"
  # The secrets witness (test stack only, not the demo or the benches) writes every secret
  # twofa stores to this file; tests/suites/99-events-scan.sh reads it.
  cp "$TWOFA_STACK_LIB_DIR/wp-files/mu-plugins/"*.php "$STACK/wp/wp-content/mu-plugins/"
  : >"$STACK/wp-secrets-seen.txt"

  stack_log "php -S on $wp_url ($workers workers)"
  php_server_start "$STACK/wp" "$wp_port" "$workers" "$STACK/php.pid" "$STACK/logs/php.log" "$TWOFA_KEY_FILE"

  sidecar_write_config "$STACK/sidecar.toml" "$sidecar_port" "$TWOFA_KEY_FILE" "$mysql_url" "$STACK/outbox"
  local sidecar_rc=0
  sidecar_start "$STACK/sidecar.toml" "$sidecar_port" "$STACK/sidecar.pid" "$STACK/logs/sidecar.log" || sidecar_rc=$?
  case $sidecar_rc in
    0) stack_log "sidecar on $sidecar_url" ;;
    2) ;; # not built yet: already said so
    *) return 1 ;;
  esac

  local ms_url="http://127.0.0.1:$ms_port" ms_sidecar_url="http://127.0.0.1:$ms_sidecar_port" ms_sidecar_rc=2
  if [[ $multisite == 1 ]]; then
    stack_log "multisite network in $STACK/wp-ms for $ms_url and $ms_url/site2/"
    mariadb_create_db "$STACK/mysql" wordpress_ms
    TWOFA_SIDECAR_URL=$ms_sidecar_url wp_install_multisite "$STACK/wp-ms" wordpress_ms "$ms_url"
    # The network's own secrets witness file (the suite 99 scans its table too).
    cp "$TWOFA_STACK_LIB_DIR/wp-files/mu-plugins/"*.php "$STACK/wp-ms/wp-content/mu-plugins/"
    : >"$STACK/wp-ms-secrets-seen.txt"
    TWOFA_ROUTER_MULTISITE=1 php_server_start "$STACK/wp-ms" "$ms_port" 2 "$STACK/ms-php.pid" "$STACK/logs/ms-php.log" "$TWOFA_KEY_FILE"
    sidecar_write_config "$STACK/ms-sidecar.toml" "$ms_sidecar_port" "$TWOFA_KEY_FILE" "${mysql_url%/wordpress}/wordpress_ms" "$STACK/outbox"
    ms_sidecar_rc=0
    sidecar_start "$STACK/ms-sidecar.toml" "$ms_sidecar_port" "$STACK/ms-sidecar.pid" "$STACK/logs/ms-sidecar.log" || ms_sidecar_rc=$?
    case $ms_sidecar_rc in
      0 | 2) ;;
      *) return 1 ;;
    esac
  fi

  local ext php_cmd
  ext=$(twofa_ext_path)
  # -n and explicit settings: never a system-wide twofa.so (tests/stack/lib.sh, php_ext_args).
  php_cmd="php $(php_ext_args "$TWOFA_KEY_FILE")"
  if [[ -f $ext ]]; then
    # shellcheck disable=SC2086 # php_cmd is a command with its options
    ext_check_cli $php_cmd || return 1
    stack_log "PHP loads the built extension $ext"
  else
    stack_log "extension not built ($ext missing): WordPress runs without it"
  fi

  {
    echo "# Written by tests/stack/stack.sh up; source it (set -a; . .stack/env)."
    env_line TWOFA_STACK_DIR "$STACK"
    env_line TWOFA_EXT "$ext"
    env_line TWOFA_KEY_FILE "$TWOFA_KEY_FILE"
    env_line TWOFA_MYSQL_SOCKET "$MARIADB_SOCKET"
    env_line TWOFA_MYSQL_PORT "$mysql_port"
    env_line TWOFA_MYSQL_USER "$MARIADB_USER"
    env_line TWOFA_MYSQL_PASSWORD "$MARIADB_PASSWORD"
    env_line TWOFA_MYSQL_DATABASE wordpress
    env_line TWOFA_MYSQL_URL "$mysql_url"
    env_line TWOFA_WP_DIR "$STACK/wp"
    env_line TWOFA_WP_URL "$wp_url"
    env_line TWOFA_WP_DEBUG_LOG "$STACK/wp-debug.log"
    env_line TWOFA_SECRETS_SEEN "$STACK/wp-secrets-seen.txt"
    env_line TWOFA_ADMIN_USER admin
    env_line TWOFA_ADMIN_PASSWORD "$WP_ADMIN_PASSWORD"
    env_line TWOFA_ADMIN_EMAIL admin@example.test
    env_line TWOFA_SIDECAR_URL "$sidecar_url"
    env_line TWOFA_SIDECAR_CONFIG "$STACK/sidecar.toml"
    env_line TWOFA_SIDECAR_RUNNING "$([[ $sidecar_rc == 0 ]] && echo 1 || echo 0)"
    env_line TWOFA_OUTBOX "$STACK/outbox"
    env_line TWOFA_SMTP_PORT "$smtp_port"
    env_line TWOFA_SMTP_MAILDIR "$STACK/maildir"
    env_line TWOFA_PHP "$php_cmd"
    env_line TWOFA_PHP_PID "$(<"$STACK/php.pid")"
    env_line TWOFA_PHP_WORKERS "$workers"
    env_line TWOFA_MYSQL_PID "$(<"$STACK/mysql/mysqld.pid")"
    env_line TWOFA_SMTP_PID "$(<"$STACK/smtp.pid")"
    env_line TWOFA_SIDECAR_PID "$(cat "$STACK/sidecar.pid" 2>/dev/null || true)"
    if [[ $multisite == 1 ]]; then
      env_line TWOFA_MS_WP_DIR "$STACK/wp-ms"
      env_line TWOFA_MS_URL "$ms_url"
      env_line TWOFA_MS_SITE2_URL "$ms_url/site2"
      env_line TWOFA_MS_DATABASE wordpress_ms
      env_line TWOFA_MS_DEBUG_LOG "$STACK/wp-ms-debug.log"
      env_line TWOFA_MS_SECRETS_SEEN "$STACK/wp-ms-secrets-seen.txt"
      env_line TWOFA_MS_PHP_PID "$(<"$STACK/ms-php.pid")"
      env_line TWOFA_MS_SIDECAR_URL "$ms_sidecar_url"
      env_line TWOFA_MS_SIDECAR_RUNNING "$([[ $ms_sidecar_rc == 0 ]] && echo 1 || echo 0)"
    fi
  } >"$STACK/env.tmp"
  chmod 0600 "$STACK/env.tmp"
  mv "$STACK/env.tmp" "$STACK/env"
  stack_log "up: $wp_url (admin / see $STACK/env)"
}

stack_status() {
  local name pidfile state rc=0
  for name in mysql/mysqld php smtp sidecar ms-php ms-sidecar; do
    pidfile="$STACK/$name.pid"
    [[ $name == ms-* && ! -f $STACK/wp-ms/wp-config.php ]] && continue
    if pid_alive "$pidfile"; then state="running (pid $(<"$pidfile"))"; else state="stopped"; [[ $name == *sidecar ]] || rc=1; fi
    printf '%-10s %s\n' "${name%%/*}" "$state"
  done
  [[ -f $STACK/env ]] && grep -E '^TWOFA_(WP|SIDECAR|MS)_URL=' "$STACK/env"
  return "$rc"
}

case "${1:-}" in
  up)
    # set -e ends the script at the first failing step; the trap then stops what had started.
    trap 'rc=$?; if ((rc != 0)); then stack_log "up failed; stopping what started (logs in $STACK/logs)"; set +e; stack_down; fi' EXIT
    stack_up
    ;;
  down) stack_down; stack_log "down" ;;
  status) stack_status ;;
  env)
    [[ -f $STACK/env ]] || { stack_die "no stack: run $0 up"; exit 1; }
    cat "$STACK/env"
    ;;
  *)
    echo "usage: $0 up|down|status|env" >&2
    exit 2
    ;;
esac
