# shellcheck shell=bash
# Reusable pieces of the test stack: a private MariaDB, a private WordPress copy served by
# `php -S`, the sidecar and an SMTP sink. Source this file; every function stops exactly the
# processes it started (by pid file / process group), so several instances can coexist.

# The repository root, computed from this file's location so the scripts work from any clone.
TWOFA_REPO="${TWOFA_REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
TWOFA_STACK_LIB_DIR="$TWOFA_REPO/tests/stack"

stack_log() { printf '[stack] %s\n' "$*" >&2; }
stack_die() { printf '[stack] ERROR: %s\n' "$*" >&2; return 1; }

# A random hex token (passwords, salts). /dev/urandom needs no external tool.
random_hex() { od -An -N"${1:-16}" -tx1 /dev/urandom | tr -d ' \n'; }

# free_port [N] — N (default 1) distinct free TCP ports on 127.0.0.1, chosen by the kernel, one
# a line. All are held open until all are chosen, so the N are never the same port twice.
free_port() {
  /usr/bin/python3 -c '
import socket, sys
held = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    held.append(s)
print("\n".join(str(s.getsockname()[1]) for s in held))
' "${1:-1}"
}

# wait_port PORT TIMEOUT_SECONDS [WHAT] — poll until something accepts on 127.0.0.1:PORT.
wait_port() {
  local port=$1 timeout=${2:-30} what=${3:-service}
  local deadline=$((SECONDS + timeout))
  while ((SECONDS < deadline)); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  stack_die "$what did not listen on 127.0.0.1:$port within ${timeout}s"
}

# port_in_use PORT — true when something already accepts on 127.0.0.1:PORT.
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# wait_http URL TIMEOUT_SECONDS [WHAT] — poll until the URL answers with any HTTP status.
wait_http() {
  local url=$1 timeout=${2:-30} what=${3:-service} code
  local deadline=$((SECONDS + timeout))
  while ((SECONDS < deadline)); do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$url" 2>/dev/null) || code=000
    if [[ $code != 000 ]]; then return 0; fi
    sleep 0.2
  done
  stack_die "$what did not answer at $url within ${timeout}s"
}

# spawn PIDFILE LOGFILE CMD... — start CMD in its own session (so it leads its own process
# group) with output to LOGFILE, and record its pid. The new session's leader writes its own
# pid before it execs CMD, which holds whether or not setsid had to fork (it does under job
# control), so the pid file always names the daemon itself.
spawn() {
  local pidfile=$1 logfile=$2 i
  shift 2
  rm -f "$pidfile"
  # shellcheck disable=SC2016 # $$ and "$@" belong to the inner shell
  setsid bash -c 'echo $$ >"$0.tmp" && mv "$0.tmp" "$0" && exec "$@"' "$pidfile" "$@" \
    </dev/null >>"$logfile" 2>&1 &
  for ((i = 0; i < 100; i++)); do
    [[ -s $pidfile ]] && return 0
    sleep 0.05
  done
  stack_die "could not start $1 (no pid file $pidfile)"
}

# pid_alive PIDFILE — true when the recorded process still runs.
pid_alive() {
  local pid
  [[ -s $1 ]] || return 1
  pid=$(<"$1")
  [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null
}

# stop_pidfile PIDFILE [WHAT] — TERM the recorded process group (the pid leads it, see spawn),
# wait up to 15 s, then KILL. Idempotent: a missing pid file or dead process is fine.
stop_pidfile() {
  local pidfile=$1 what=${2:-process} pid pgid i
  [[ -f $pidfile ]] || return 0
  pid=$(<"$pidfile")
  if ! [[ $pid =~ ^[0-9]+$ ]]; then rm -f "$pidfile"; return 0; fi
  pgid=$(ps -o pgid= -p "$pid" 2>/dev/null | tr -d ' ') || pgid=
  if [[ -z $pgid ]]; then rm -f "$pidfile"; return 0; fi
  # Only a group this pid leads is ours to signal as a whole (see spawn).
  local target=$pid
  [[ $pgid == "$pid" ]] && target=-$pid
  kill -TERM -- "$target" 2>/dev/null || true
  for ((i = 0; i < 150; i++)); do
    # Done when nothing of it is left (the workers of php -S included).
    kill -0 -- "$target" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 -- "$target" 2>/dev/null; then
    stack_log "$what (pid $pid) did not stop in 15 s; killing it"
    kill -KILL -- "$target" 2>/dev/null || true
    sleep 0.2
  fi
  rm -f "$pidfile"
}

# ---------------------------------------------------------------------------------------------
# MariaDB

# mariadb_start DIR PORT — a private server in DIR (data, socket, pid, log), listening on
# 127.0.0.1:PORT, with database `wordpress` and user twofa@127.0.0.1 / twofa@localhost.
# Writes DIR/env (MARIADB_PORT, MARIADB_SOCKET, MARIADB_USER, MARIADB_PASSWORD) and sets the
# same variables in the calling shell.
mariadb_start() {
  local dir=$1 port=$2
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  local sock="$dir/mysqld.sock"
  if pid_alive "$dir/mysqld.pid"; then stack_die "MariaDB in $dir already runs"; return 1; fi
  if port_in_use "$port"; then stack_die "port $port is already in use (MariaDB)"; return 1; fi
  if [[ ! -d $dir/data/mysql ]]; then
    rm -rf "$dir/data"
    mariadb-install-db --no-defaults --user=root --datadir="$dir/data" \
      --auth-root-authentication-method=socket --skip-test-db \
      >"$dir/install.log" 2>&1 || { cat "$dir/install.log" >&2; stack_die "mariadb-install-db failed"; return 1; }
  fi
  # --no-defaults keeps /etc/mysql's system server settings (socket, datadir) out of it.
  spawn "$dir/mysqld.pid" "$dir/mysqld.log" /usr/sbin/mariadbd --no-defaults --user=root \
    --datadir="$dir/data" --socket="$sock" --port="$port" --bind-address=127.0.0.1 \
    --pid-file="$dir/mysqld.server.pid" --skip-name-resolve --skip-log-bin \
    --innodb-buffer-pool-size=64M --innodb-flush-log-at-trx-commit=2 \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci
  local i
  for ((i = 0; i < 300; i++)); do
    if [[ -S $sock ]] && mariadb --no-defaults --socket="$sock" -uroot -e 'SELECT 1' >/dev/null 2>&1; then break; fi
    if ! pid_alive "$dir/mysqld.pid"; then
      tail -n 30 "$dir/mysqld.log" >&2
      stack_die "MariaDB exited during start (log: $dir/mysqld.log)"
      return 1
    fi
    sleep 0.1
  done
  if ((i >= 300)); then stack_die "MariaDB did not accept connections within 30 s (log: $dir/mysqld.log)"; return 1; fi

  local pass
  if [[ -s $dir/env ]]; then
    pass=$(sed -n 's/^MARIADB_PASSWORD=//p' "$dir/env")
  fi
  [[ -n ${pass:-} ]] || pass=$(random_hex 16)
  mariadb --no-defaults --socket="$sock" -uroot <<SQL || { stack_die "creating the database user failed"; return 1; }
CREATE DATABASE IF NOT EXISTS wordpress CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS 'twofa'@'127.0.0.1' IDENTIFIED BY '$pass';
CREATE USER IF NOT EXISTS 'twofa'@'localhost' IDENTIFIED BY '$pass';
GRANT ALL PRIVILEGES ON wordpress.* TO 'twofa'@'127.0.0.1';
GRANT ALL PRIVILEGES ON wordpress.* TO 'twofa'@'localhost';
SQL
  (umask 077 && printf 'MARIADB_PORT=%s\nMARIADB_SOCKET=%s\nMARIADB_USER=twofa\nMARIADB_PASSWORD=%s\n' \
    "$port" "$sock" "$pass" >"$dir/env")
  # Globals for the caller (stack.sh, tests that start a second server).
  # shellcheck disable=SC2034
  MARIADB_PORT=$port MARIADB_SOCKET=$sock MARIADB_USER=twofa MARIADB_PASSWORD=$pass
}

# mariadb_create_db DIR NAME — another database on the server in DIR, granted to twofa.
mariadb_create_db() {
  local dir=$1 name=$2
  [[ $name =~ ^[A-Za-z0-9_]+$ ]] || { stack_die "bad database name: $name"; return 1; }
  mariadb --no-defaults --socket="$dir/mysqld.sock" -uroot <<SQL
CREATE DATABASE IF NOT EXISTS \`$name\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
GRANT ALL PRIVILEGES ON \`$name\`.* TO 'twofa'@'127.0.0.1';
GRANT ALL PRIVILEGES ON \`$name\`.* TO 'twofa'@'localhost';
SQL
}

# mariadb_stop DIR — clean shutdown of the server started in DIR (idempotent).
mariadb_stop() {
  stop_pidfile "$1/mysqld.pid" MariaDB
}

# ---------------------------------------------------------------------------------------------
# The extension and the key

# The built extension, when there is one.
twofa_ext_path() { printf '%s\n' "$TWOFA_REPO/target/release/libtwofa_ext.so"; }
twofa_sidecar_bin() { printf '%s\n' "$TWOFA_REPO/target/release/twofa-sidecar"; }

# Every PHP the stack and the suites start runs with `-n` (no php.ini, no conf.d), so a twofa.so
# enabled system-wide (mods-available + conf.d, or php.ini) is never loaded instead of the build.
# What Debian's php.ini and conf.d would give is then set explicitly: the shared modules below
# (in load order; each only when it is a shared module of this PHP) and the settings that differ
# from PHP's defaults and matter here.
TWOFA_PHP_MODULES="mysqlnd pdo xml calendar ctype curl dom exif fileinfo ftp gd gettext iconv intl
  mbstring mysqli pdo_mysql phar posix shmop simplexml sockets sodium sysvmsg sysvsem sysvshm
  tokenizer xmlreader xmlwriter xsl zip"
TWOFA_PHP_SETTINGS="-d memory_limit=-1 -d error_reporting=22527 -d display_errors=0 -d log_errors=1
  -d short_open_tag=0 -d variables_order=GPCS -d request_order=GP -d max_execution_time=30
  -d zend.exception_ignore_args=1 -d session.gc_probability=0 -d opcache.jit=off"

# php_base_args — `-n` and the modules and settings above, as one line of words (cached).
php_base_args() {
  if [[ -z ${TWOFA_PHP_BASE_ARGS:-} ]]; then
    local extdir loaded m args="-n"
    # shellcheck disable=SC2016 # PHP code, not shell
    { read -r extdir; read -r loaded; } < <(php -n -r 'echo ini_get("extension_dir"), "\n", strtolower(implode(" ", array_merge(get_loaded_extensions(), get_loaded_extensions(true)))), "\n";')
    for m in $TWOFA_PHP_MODULES; do
      [[ " $loaded " == *" $m "* ]] && continue # compiled in
      [[ -f $extdir/$m.so ]] && args+=" -d extension=$m"
    done
    if [[ " $loaded " != *" zend opcache "* && -f $extdir/opcache.so ]]; then
      args+=" -d zend_extension=opcache"
    fi
    TWOFA_PHP_BASE_ARGS="$args $(tr -s ' \n' ' ' <<<"$TWOFA_PHP_SETTINGS")"
    TWOFA_PHP_BASE_ARGS=${TWOFA_PHP_BASE_ARGS% }
  fi
  printf '%s' "$TWOFA_PHP_BASE_ARGS"
}

# php_ext_args KEYFILE — the arguments of every PHP the stack starts: php_base_args, then the
# built extension with the key (only php_base_args when the extension is not built yet).
php_ext_args() {
  local ext
  ext=$(twofa_ext_path)
  php_base_args
  if [[ -f $ext ]]; then
    printf -- ' -d extension=%s -d twofa.key_file=%s' "$ext" "$1"
  fi
}

# file_identity FILE — "device:inode" of FILE (after symlinks), as PHP's stat() reports them.
file_identity() { stat -L -c '%d:%i' "$1" 2>/dev/null; }

# The PHP that reports which twofa it loaded: the file the loader names and its identity.
# shellcheck disable=SC2016 # PHP code, not shell
TWOFA_LOADED_PHP='if (!function_exists("twofa_extension_file")) { echo "none"; exit; } $f = twofa_extension_file(); $s = @stat($f); echo $f, " ", $s ? $s["dev"] . ":" . $s["ino"] : "-";'

# ext_check_report REPORT — fails (and says why) unless REPORT ("FILE DEV:INO", from
# TWOFA_LOADED_PHP) names the built extension file itself.
ext_check_report() {
  local report=$1 ext want file id
  ext=$(twofa_ext_path)
  want=$(file_identity "$ext") || { stack_die "the built extension $ext is missing"; return 1; }
  file=${report% *} id=${report##* }
  if [[ $id != "$want" ]]; then
    stack_die "PHP loaded the twofa extension from ${file:-nowhere} ($id), not the build $ext ($want)"
    return 1
  fi
}

# ext_check_cli PHP-COMMAND… — the command (e.g. $TWOFA_PHP, word-split) loads the built file.
ext_check_cli() {
  local report
  report=$("$@" -r "$TWOFA_LOADED_PHP" 2>/dev/null) || report="failed"
  ext_check_report "$report"
}

# ext_check_url URL — the PHP server behind URL (a page running TWOFA_LOADED_PHP) loads the
# built file.
ext_check_url() {
  local report
  report=$(curl -s --max-time 20 "$1") || report="no answer"
  ext_check_report "$report"
}

# key_generate PATH — a fresh 32-byte site key with mode 0600.
key_generate() {
  local path=$1 bin
  bin=$(twofa_sidecar_bin)
  rm -f "$path"
  if [[ -x $bin ]] && "$bin" keygen "$path" >/dev/null 2>&1 && [[ -f $path ]]; then
    chmod 0600 "$path"
    return 0
  fi
  rm -f "$path"
  (umask 077 && head -c 32 /dev/urandom >"$path")
}

# ---------------------------------------------------------------------------------------------
# WordPress

# wp_copy DIR DBNAME URL [DBHOST DBUSER DBPASS] — a private copy of Debian's WordPress in DIR
# with its own wp-config.php (fresh salts) and wp-content (twofa plugin symlinked from the
# repository, twentytwentyone theme). DB credentials default to the last mariadb_start.
# For a second PHP server on the same database, serve the same DIR on another port with
# php_server_start: the site URL follows the request's 127.0.0.1:PORT, salts are shared.
# WP_COPY_MULTISITE=1 writes a subdirectory multisite network's configuration instead (the
# network's domain is URL's host:port; see wp_install_multisite).
wp_copy() {
  local dir=$1 dbname=$2 url=$3
  local dbhost=${4:-127.0.0.1:${MARIADB_PORT:?mariadb_start first or pass DBHOST}}
  local dbuser=${5:-${MARIADB_USER:-twofa}} dbpass=${6:-${MARIADB_PASSWORD:-}}
  [[ $dbname =~ ^[A-Za-z0-9_]+$ ]] || { stack_die "bad database name: $dbname"; return 1; }
  [[ $url =~ ^https?://[A-Za-z0-9.:-]+$ ]] || { stack_die "bad site URL: $url"; return 1; }
  if [[ ! -f $dir/wp-load.php ]]; then
    mkdir -p "$dir"
    # -L: Debian's copy links some scripts (underscore.js…) relatively into /usr/share/javascript;
    # copied as links they would dangle and wp-admin's scripts would fail.
    cp -aL /usr/share/wordpress/. "$dir/"
    rm -rf "$dir/wp-content"
  fi
  dir=$(cd "$dir" && pwd)
  mkdir -p "$dir/wp-content/plugins" "$dir/wp-content/themes" "$dir/wp-content/uploads" \
    "$dir/wp-content/mu-plugins" "$dir/wp-content/upgrade"
  if [[ ! -e $dir/wp-content/themes/twentytwentyone ]]; then
    cp -a /usr/share/wordpress/wp-content/themes/twentytwentyone "$dir/wp-content/themes/"
  fi
  ln -sfn "$TWOFA_REPO/wp-plugin/twofa" "$dir/wp-content/plugins/twofa"
  [[ -f $dir/wp-content/index.php ]] || printf '<?php\n// Silence is golden.\n' >"$dir/wp-content/index.php"

  # Debian's wp-config.php picks /etc/wordpress/config-<host>.php; a private copy needs a real one.
  local debug_log="$dir-debug.log" salts="" k
  for k in AUTH_KEY SECURE_AUTH_KEY LOGGED_IN_KEY NONCE_KEY AUTH_SALT SECURE_AUTH_SALT LOGGED_IN_SALT NONCE_SALT; do
    salts+="define( '$k', '$(random_hex 32)' );"$'\n'
  done
  local site_php
  if [[ ${WP_COPY_MULTISITE:-0} == 1 ]]; then
    # Every site's address comes from the network's tables: no WP_HOME / WP_SITEURL here.
    # MULTISITE is off only while tests/stack/wp-install-multisite.php creates the network.
    site_php="\$twofa_site = '$url';
define( 'WP_ALLOW_MULTISITE', true );
define( 'MULTISITE', ! defined( 'TWOFA_INSTALLING_NETWORK' ) );
define( 'SUBDOMAIN_INSTALL', false );
define( 'DOMAIN_CURRENT_SITE', '${url#*://}' );
define( 'PATH_CURRENT_SITE', '/' );
define( 'SITE_ID_CURRENT_SITE', 1 );
define( 'BLOG_ID_CURRENT_SITE', 1 );"
  else
    site_php="// One copy may be served by several php -S servers on loopback ports (several PHP servers on
// one database): links then follow the port the request came in on. A request for
// localhost:PORT gets the site as http://localhost:PORT (WebAuthn refuses IP addresses, so the
// passkey tests use that name).
\$twofa_site = '$url';
if ( isset( \$_SERVER['HTTP_HOST'] ) && preg_match( '/^(127\\.0\\.0\\.1|localhost):[0-9]{1,5}\$/', (string) \$_SERVER['HTTP_HOST'] ) ) {
	\$twofa_site = 'http://' . \$_SERVER['HTTP_HOST'];
}
define( 'WP_HOME', \$twofa_site );
define( 'WP_SITEURL', \$twofa_site );"
  fi
  rm -f "$dir/wp-config.php"
  cat >"$dir/wp-config.php" <<PHP
<?php
// Generated by tests/stack/lib.sh for a private test site.
define( 'DB_NAME', '$dbname' );
define( 'DB_USER', '$dbuser' );
define( 'DB_PASSWORD', '$dbpass' );
define( 'DB_HOST', '$dbhost' );
define( 'DB_CHARSET', 'utf8mb4' );
define( 'DB_COLLATE', '' );
$salts
\$table_prefix = 'wp_';
$site_php
define( 'WP_CONTENT_DIR', __DIR__ . '/wp-content' );
define( 'WP_CONTENT_URL', \$twofa_site . '/wp-content' );
define( 'WP_DEBUG', true );
define( 'WP_DEBUG_LOG', '$debug_log' );
define( 'WP_DEBUG_DISPLAY', false );
define( 'DISABLE_WP_CRON', true );
define( 'AUTOMATIC_UPDATER_DISABLED', true );
define( 'WP_AUTO_UPDATE_CORE', false );
// No network beyond loopback here: refuse outside HTTP at once instead of timing out. The
// sidecar on 127.0.0.1 stays reachable when the site is served as localhost.
define( 'WP_HTTP_BLOCK_EXTERNAL', true );
define( 'WP_ACCESSIBLE_HOSTS', '127.0.0.1' );
define( 'FS_METHOD', 'direct' );
define( 'WP_ENVIRONMENT_TYPE', 'local' );
if ( ! defined( 'ABSPATH' ) ) {
	define( 'ABSPATH', __DIR__ . '/' );
}
require_once ABSPATH . 'wp-settings.php';
PHP
  # Test-only pages live in the repository and are copied in, never written by hand.
  cp "$TWOFA_STACK_LIB_DIR/wp-files/"*.php "$dir/"
}

# wp_install DIR DBNAME URL [DBHOST DBUSER DBPASS] — wp_copy, then install WordPress into the
# database (unless already installed) with admin `admin` / $WP_ADMIN_PASSWORD (generated when
# unset; exported back), and activate the twofa plugin when it exists.
wp_install() {
  local dir=$1 dbname=$2 url=$3
  wp_copy "$@" || return 1
  WP_ADMIN_PASSWORD=${WP_ADMIN_PASSWORD:-$(random_hex 12)}
  local php_args
  php_args=$(php_ext_args "${TWOFA_KEY_FILE:-}")
  # shellcheck disable=SC2086 # php_args is a list of options
  WP_ADMIN_PASSWORD=$WP_ADMIN_PASSWORD php $php_args "$TWOFA_STACK_LIB_DIR/wp-install.php" "$dir" "$url" >&2 \
    || { stack_die "WordPress install in $dir failed"; return 1; }
}

# wp_install_multisite DIR DBNAME URL — a subdirectory multisite network in DIR and DBNAME:
# WordPress installed, the network created on URL's host:port, a second site URL/site2/, the
# twofa plugin network-activated and the network's sidecar_url set to $TWOFA_SIDECAR_URL.
# Serve it with TWOFA_ROUTER_MULTISITE=1 php_server_start (the router then maps /site2/… as
# WordPress's multisite rewrite rules do).
wp_install_multisite() {
  local dir=$1 dbname=$2 url=$3 php_args phase
  WP_COPY_MULTISITE=1 wp_copy "$dir" "$dbname" "$url" || return 1
  WP_ADMIN_PASSWORD=${WP_ADMIN_PASSWORD:-$(random_hex 12)}
  php_args=$(php_ext_args "${TWOFA_KEY_FILE:-}")
  # Two processes: MULTISITE is a constant, off while the network's tables are made.
  for phase in network sites; do
    # shellcheck disable=SC2086 # php_args is a list of options
    WP_ADMIN_PASSWORD=$WP_ADMIN_PASSWORD php $php_args "$TWOFA_STACK_LIB_DIR/wp-install-multisite.php" "$phase" "$dir" "$url" >&2 \
      || { stack_die "multisite install ($phase) in $dir failed"; return 1; }
  done
}

# php_server_start DIR PORT WORKERS PIDFILE LOGFILE [KEYFILE] — serve the WordPress copy in DIR
# with `php -S 127.0.0.1:PORT` and the stack router, the extension loaded when it is built.
php_server_start() {
  local dir=$1 port=$2 workers=${3:-4} pidfile=$4 logfile=$5 key=${6:-${TWOFA_KEY_FILE:-}}
  local -a args=()
  # shellcheck disable=SC2207 # php_ext_args is a list of words without spaces inside them
  args=($(php_ext_args "$key"))
  if pid_alive "$pidfile"; then stack_die "php -S ($pidfile) already runs"; return 1; fi
  if port_in_use "$port"; then stack_die "port $port is already in use (php -S)"; return 1; fi
  PHP_CLI_SERVER_WORKERS=$workers spawn "$pidfile" "$logfile" \
    php "${args[@]}" -d display_errors=stderr -d log_errors=1 -d variables_order=EGPCS \
    -S "127.0.0.1:$port" -t "$dir" "$TWOFA_STACK_LIB_DIR/router.php"
  wait_port "$port" 20 "php -S" || { tail -n 20 "$logfile" >&2; return 1; }
  wait_http "http://127.0.0.1:$port/wp-includes/version.php" 20 "php -S" || return 1
  if ! pid_alive "$pidfile"; then
    tail -n 20 "$logfile" >&2
    stack_die "php -S exited during start (log: $logfile)"
    return 1
  fi
  # The server runs the extension just built, never another twofa.so.
  if [[ -f $(twofa_ext_path) ]]; then
    ext_check_url "http://127.0.0.1:$port/twofa-loaded-extension.php" || { php_server_stop "$pidfile"; return 1; }
  fi
}

php_server_stop() { stop_pidfile "$1" "php -S"; }

# ---------------------------------------------------------------------------------------------
# SMTP sink

# smtp_start PORT MAILDIR PIDFILE LOGFILE — aiosmtpd storing every message in MAILDIR.
smtp_start() {
  local port=$1 maildir=$2 pidfile=$3 logfile=$4
  # The Mailbox handler fails on a folder without tmp/ new/ cur/.
  mkdir -p "$maildir/tmp" "$maildir/new" "$maildir/cur"
  if pid_alive "$pidfile"; then stack_die "aiosmtpd ($pidfile) already runs"; return 1; fi
  if port_in_use "$port"; then stack_die "port $port is already in use (aiosmtpd)"; return 1; fi
  # Debian's python3 has aiosmtpd; the python3 on PATH may be another one.
  spawn "$pidfile" "$logfile" /usr/bin/python3 -m aiosmtpd -n -l "127.0.0.1:$port" \
    -c aiosmtpd.handlers.Mailbox "$maildir"
  wait_port "$port" 20 aiosmtpd || { tail -n 20 "$logfile" >&2; return 1; }
}

smtp_stop() { stop_pidfile "$1" aiosmtpd; }

# ---------------------------------------------------------------------------------------------
# Sidecar

# sidecar_write_config FILE PORT KEYFILE MYSQL_URL OUTBOX — a sidecar config (see
# sidecar/src/config.rs) for this stack: loopback listener, file outbox.
sidecar_write_config() {
  local file=$1 port=$2 key=$3 url=$4 outbox=$5
  mkdir -p "$outbox"
  (umask 077 && cat >"$file" <<TOML
# Generated by tests/stack/lib.sh.
listen = "127.0.0.1:$port"
key_file = "$key"
mysql_url = "$url"
table_prefix = "wp_"
site_name = "twofa test site"

[mail]
transport = "file"
dir = "$outbox"
from = "twofa test site <wordpress@example.test>"
TOML
  )
}

# sidecar_start CONFIG PORT PIDFILE LOGFILE — `twofa-sidecar serve --config CONFIG`, when built.
# Returns 2 (not an error) when there is no binary yet, or only one without a `serve` command.
sidecar_start() {
  local config=$1 port=$2 pidfile=$3 logfile=$4 bin i
  bin=$(twofa_sidecar_bin)
  if [[ ! -x $bin ]] || ! "$bin" --help 2>/dev/null | grep -q serve; then
    stack_log "sidecar not built ($bin missing or without 'serve'): not started"
    return 2
  fi
  if pid_alive "$pidfile"; then stack_die "sidecar ($pidfile) already runs"; return 1; fi
  if port_in_use "$port"; then stack_die "port $port is already in use (sidecar)"; return 1; fi
  # The config file alone decides: TWOFA_* variables of the caller (a test that sourced
  # .stack/env, say) would otherwise override it. NO_COLOR: plain log lines in the log file.
  local -a unset_twofa=()
  while IFS= read -r var; do unset_twofa+=(-u "$var"); done < <(compgen -e | grep '^TWOFA_' || true)
  NO_COLOR=1 spawn "$pidfile" "$logfile" env "${unset_twofa[@]}" "$bin" serve --config "$config"
  for ((i = 0; i < 100; i++)); do
    if curl -sf -o /dev/null --max-time 2 "http://127.0.0.1:$port/healthz"; then return 0; fi
    if ! pid_alive "$pidfile"; then
      tail -n 20 "$logfile" >&2
      stack_die "sidecar exited during start (log: $logfile)"
      return 1
    fi
    sleep 0.2
  done
  tail -n 20 "$logfile" >&2
  stack_die "sidecar did not answer /healthz within 20 s (log: $logfile)"
  return 1
}

sidecar_stop() { stop_pidfile "$1" sidecar; }
