#!/usr/bin/env bash
# The cluster stack: three MariaDB Galera nodes (multi-primary), two web nodes (nginx + their own
# PHP-FPM master and pool, the built extension and one site key) serving one WordPress copy, each
# on a different Galera node, and two sidecars on different Galera nodes. All on 127.0.0.1, all
# state in .cluster/ of the repository (CLUSTER_DIR elsewhere).
#
#   tests/cluster/cluster.sh up            start a fresh cluster (stops a running one first)
#   tests/cluster/cluster.sh down          stop exactly what `up` started (idempotent)
#   tests/cluster/cluster.sh status        what runs, and each Galera node's wsrep state
#   tests/cluster/cluster.sh env           print .cluster/env
#   tests/cluster/cluster.sh node-kill N   SIGKILL Galera node N (1-3)
#   tests/cluster/cluster.sh node-start N  restart Galera node N; it rejoins (IST) and is Synced
#
# Web node A: nginx → PHP-FPM → Galera node 1, sidecar A on node 1.
# Web node B: nginx → PHP-FPM → Galera node 2, sidecar B on node 2. Node 3 only replicates.
# CLUSTER_FPM_CHILDREN sets the workers of each pool (4).
set -euo pipefail

while IFS= read -r twofa_var; do unset "$twofa_var"; done < <(compgen -e | grep '^TWOFA_' || true)

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/stack/lib.sh
. "$here/../stack/lib.sh"
# shellcheck source=tests/cluster/cluster-lib.sh
. "$here/cluster-lib.sh"

CLUSTER="${CLUSTER_DIR:-$TWOFA_REPO/.cluster}"
NODES=(1 2 3)
WEBS=(a b)

log() { printf '[cluster] %s\n' "$*" >&2; }

cluster_down() {
  [[ -d $CLUSTER ]] || return 0
  local w n
  for w in "${WEBS[@]}"; do
    nginx_stop "$CLUSTER/web-$w"
    fpm_stop "$CLUSTER/web-$w"
    sidecar_stop "$CLUSTER/sidecar-$w.pid"
  done
  # Joiners first, the bootstrap node last: a clean shutdown of every node.
  for n in 3 2 1; do galera_stop "$CLUSTER/node$n"; done
}

env_line() {
  if [[ $2 =~ ^[A-Za-z0-9_./:@%+,=-]*$ ]]; then
    printf '%s=%s\n' "$1" "$2"
  else
    printf "%s='%s'\n" "$1" "${2//\'/\'\\\'\'}"
  fi
}

cluster_up() {
  cluster_down
  if [[ -d $CLUSTER ]]; then
    (cd "$CLUSTER" && rm -rf node1 node2 node3 web-a web-b wp wp-debug.log outbox site.key ./*.toml ./*.log ./*.pid env env.tmp)
  fi
  mkdir -p "$CLUSTER"
  chmod 0755 "$CLUSTER"
  CLUSTER=$(cd "$CLUSTER" && pwd)
  local start=$SECONDS
  # The Galera nodes run as $CLUSTER_DB_USER, the web workers as $CLUSTER_WEB_USER.
  local u
  for u in "$CLUSTER_DB_USER" "$CLUSTER_WEB_USER"; do
    runuser -u "$u" -- test -x "$CLUSTER" \
      || { stack_die "$u cannot enter $CLUSTER (a parent folder is closed to others)"; return 1; }
  done

  local -a p
  mapfile -t p < <(free_port 16)
  # Per node: SQL, gcomm, IST, SST.
  local -A sql gcomm ist sst
  local n i=0
  for n in "${NODES[@]}"; do
    sql[$n]=${p[i]} gcomm[$n]=${p[i + 1]} ist[$n]=${p[i + 2]} sst[$n]=${p[i + 3]}
    i=$((i + 4))
  done
  local web_a_port=${p[12]} web_b_port=${p[13]} sidecar_a_port=${p[14]} sidecar_b_port=${p[15]}
  local addresses="127.0.0.1:${gcomm[1]},127.0.0.1:${gcomm[2]},127.0.0.1:${gcomm[3]}"
  local cluster_name
  cluster_name="twofa_$(random_hex 4)"

  # One site key for both web nodes and both sidecars: readable by the web user's group only.
  local key="$CLUSTER/site.key"
  key_generate "$key"
  chgrp "$CLUSTER_WEB_USER" "$key"
  chmod 0640 "$key"

  for n in "${NODES[@]}"; do
    galera_write_config "$CLUSTER/node$n" "node$n" "${sql[$n]}" "${gcomm[$n]}" "${ist[$n]}" "${sst[$n]}" "$cluster_name" "$addresses"
  done
  mariadb-install-db --no-defaults --user="$CLUSTER_DB_USER" --datadir="$CLUSTER/node1/data" \
    --auth-root-authentication-method=socket --skip-test-db >"$CLUSTER/node1/install.log" 2>&1 \
    || { cat "$CLUSTER/node1/install.log" >&2; stack_die "mariadb-install-db failed"; return 1; }
  log "Galera node 1 (bootstrap) on 127.0.0.1:${sql[1]}"
  galera_start "$CLUSTER/node1" 60 --wsrep-new-cluster

  local pass
  pass=$(random_hex 16)
  galera_sql "$CLUSTER/node1" "
CREATE DATABASE wordpress CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER 'twofa'@'127.0.0.1' IDENTIFIED BY '$pass';
CREATE USER 'twofa'@'localhost' IDENTIFIED BY '$pass';
GRANT ALL PRIVILEGES ON wordpress.* TO 'twofa'@'127.0.0.1';
GRANT ALL PRIVILEGES ON wordpress.* TO 'twofa'@'localhost';"

  # Both joiners at once; the donor serves one state transfer at a time, Galera queues the other.
  log "Galera nodes 2 and 3 join (rsync SST)"
  local -a joiners=()
  for n in 2 3; do
    galera_start "$CLUSTER/node$n" 120 &
    joiners+=($!)
  done
  local rc=0 j
  for j in "${joiners[@]}"; do wait "$j" || rc=1; done
  ((rc == 0)) || { stack_die "a Galera node did not join"; return 1; }
  local size
  size=$(galera_status "$CLUSTER/node1" wsrep_cluster_size)
  [[ $size == 3 ]] || { stack_die "cluster size is '$size', not 3"; return 1; }

  local wp="$CLUSTER/wp" url_a="http://127.0.0.1:$web_a_port" url_b="http://127.0.0.1:$web_b_port"
  local sidecar_a="http://127.0.0.1:$sidecar_a_port" sidecar_b="http://127.0.0.1:$sidecar_b_port"
  log "WordPress in $wp (installed through node 1)"
  WP_ADMIN_PASSWORD=$(random_hex 12)
  TWOFA_KEY_FILE=$key TWOFA_SIDECAR_URL=$sidecar_a \
    wp_install "$wp" wordpress "$url_a" "127.0.0.1:${sql[1]}" twofa "$pass"
  # Each web node's PHP-FPM pool names its own Galera node; command-line PHP uses node 1.
  sed -i "s|^define( 'DB_HOST', '\\(.*\\)' );|define( 'DB_HOST', getenv( 'TWOFA_CLUSTER_DB_HOST' ) ?: '\\1' );|" "$wp/wp-config.php"
  grep -q "TWOFA_CLUSTER_DB_HOST" "$wp/wp-config.php" || { stack_die "could not set the per-node DB_HOST"; return 1; }
  # ... and its own sidecar, by the TWOFA_SIDECAR_URL constant (the option holds one address for all).
  sed -i "/TWOFA_CLUSTER_DB_HOST/a if ( getenv( 'TWOFA_CLUSTER_SIDECAR_URL' ) ) { define( 'TWOFA_SIDECAR_URL', getenv( 'TWOFA_CLUSTER_SIDECAR_URL' ) ); }" "$wp/wp-config.php"
  grep -q "'TWOFA_SIDECAR_URL'" "$wp/wp-config.php" || { stack_die "could not set the per-node sidecar"; return 1; }
  touch "$CLUSTER/wp-debug.log"
  chown "$CLUSTER_WEB_USER:" "$CLUSTER/wp-debug.log"

  local db_url_1="mysql://twofa:$pass@127.0.0.1:${sql[1]}/wordpress"
  local db_url_2="mysql://twofa:$pass@127.0.0.1:${sql[2]}/wordpress"
  sidecar_write_config "$CLUSTER/sidecar-a.toml" "$sidecar_a_port" "$key" "$db_url_1" "$CLUSTER/outbox"
  sidecar_write_config "$CLUSTER/sidecar-b.toml" "$sidecar_b_port" "$key" "$db_url_2" "$CLUSTER/outbox"
  local children=${CLUSTER_FPM_CHILDREN:-4}
  log "web node A on $url_a (Galera node 1, sidecar $sidecar_a); web node B on $url_b (Galera node 2, sidecar $sidecar_b)"
  sidecar_start "$CLUSTER/sidecar-a.toml" "$sidecar_a_port" "$CLUSTER/sidecar-a.pid" "$CLUSTER/sidecar-a.log"
  sidecar_start "$CLUSTER/sidecar-b.toml" "$sidecar_b_port" "$CLUSTER/sidecar-b.pid" "$CLUSTER/sidecar-b.log"
  fpm_start "$CLUSTER/web-a" "$wp" "$key" "127.0.0.1:${sql[1]}" "$sidecar_a" "$children"
  fpm_start "$CLUSTER/web-b" "$wp" "$key" "127.0.0.1:${sql[2]}" "$sidecar_b" "$children"
  nginx_start "$CLUSTER/web-a" "$web_a_port" "$wp"
  nginx_start "$CLUSTER/web-b" "$web_b_port" "$wp"
  local u code
  for u in "$url_a" "$url_b"; do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 20 "$u/wp-login.php") || code=000
    [[ $code == 200 ]] || { tail -n 20 "$CLUSTER"/web-*/fpm.log "$CLUSTER"/web-*/php-errors.log >&2; stack_die "$u/wp-login.php answered $code"; return 1; }
  done

  local ext
  ext=$(twofa_ext_path)
  {
    echo "# Written by tests/cluster/cluster.sh up; source it (set -a; . .cluster/env; set +a)."
    env_line TWOFA_CLUSTER_DIR "$CLUSTER"
    env_line TWOFA_EXT "$ext"
    env_line TWOFA_KEY_FILE "$key"
    env_line TWOFA_WP_DIR "$wp"
    env_line TWOFA_WP_URL "$url_a"
    env_line TWOFA_WP_URL_A "$url_a"
    env_line TWOFA_WP_URL_B "$url_b"
    env_line TWOFA_WP_DEBUG_LOG "$CLUSTER/wp-debug.log"
    env_line TWOFA_ADMIN_USER admin
    env_line TWOFA_ADMIN_PASSWORD "$WP_ADMIN_PASSWORD"
    env_line TWOFA_ADMIN_EMAIL admin@example.test
    env_line TWOFA_SIDECAR_URL "$sidecar_a"
    env_line TWOFA_SIDECAR_URL_B "$sidecar_b"
    env_line TWOFA_OUTBOX "$CLUSTER/outbox"
    env_line TWOFA_PHP "php -d extension=$ext -d twofa.key_file=$key"
    env_line TWOFA_MYSQL_PORT "${sql[1]}"
    env_line TWOFA_MYSQL_SOCKET "$CLUSTER/node1/mysqld.sock"
    env_line TWOFA_MYSQL_USER twofa
    env_line TWOFA_MYSQL_PASSWORD "$pass"
    env_line TWOFA_MYSQL_DATABASE wordpress
    env_line TWOFA_MYSQL_URL "$db_url_1"
    for n in "${NODES[@]}"; do
      env_line "TWOFA_GALERA_${n}_DIR" "$CLUSTER/node$n"
      env_line "TWOFA_GALERA_${n}_PORT" "${sql[$n]}"
      env_line "TWOFA_GALERA_${n}_SOCKET" "$CLUSTER/node$n/mysqld.sock"
    done
  } >"$CLUSTER/env.tmp"
  chmod 0600 "$CLUSTER/env.tmp"
  mv "$CLUSTER/env.tmp" "$CLUSTER/env"
  log "up in $((SECONDS - start)) s: $url_a and $url_b (admin / see $CLUSTER/env)"
}

cluster_status() {
  local rc=0 n w name pidfile
  for n in "${NODES[@]}"; do
    if pid_alive "$CLUSTER/node$n/mysqld.pid"; then
      printf 'galera node%s running (pid %s) %s, cluster size %s\n' "$n" "$(<"$CLUSTER/node$n/mysqld.pid")" \
        "$(galera_status "$CLUSTER/node$n" wsrep_local_state_comment)" "$(galera_status "$CLUSTER/node$n" wsrep_cluster_size)"
    else
      printf 'galera node%s stopped\n' "$n"
      rc=1
    fi
  done
  for w in "${WEBS[@]}"; do
    for name in "web-$w/fpm" "web-$w/nginx" "sidecar-$w"; do
      pidfile="$CLUSTER/$name.pid"
      if pid_alive "$pidfile"; then printf '%-13s running (pid %s)\n' "$name" "$(<"$pidfile")"; else printf '%-13s stopped\n' "$name"; rc=1; fi
    done
  done
  [[ -f $CLUSTER/env ]] && grep -E '^TWOFA_WP_URL_[AB]=' "$CLUSTER/env"
  return "$rc"
}

node_arg() {
  [[ ${1:-} =~ ^[123]$ ]] || { echo "usage: $0 node-kill|node-start 1|2|3" >&2; exit 2; }
  [[ -f $CLUSTER/node$1/my.cnf ]] || { stack_die "no cluster in $CLUSTER: run $0 up"; exit 1; }
}

case "${1:-}" in
  up)
    trap 'rc=$?; if ((rc != 0)); then log "up failed; stopping what started (logs in $CLUSTER)"; set +e; cluster_down; fi' EXIT
    cluster_up
    ;;
  down) cluster_down; log "down" ;;
  status) cluster_status ;;
  env)
    [[ -f $CLUSTER/env ]] || { stack_die "no cluster: run $0 up"; exit 1; }
    cat "$CLUSTER/env"
    ;;
  node-kill)
    node_arg "${2:-}"
    galera_kill "$CLUSTER/node$2"
    log "node $2 killed (SIGKILL)"
    ;;
  node-start)
    node_arg "${2:-}"
    t0=$SECONDS
    galera_start "$CLUSTER/node$2" "${CLUSTER_JOIN_TIMEOUT:-90}"
    log "node $2 rejoined and Synced in $((SECONDS - t0)) s"
    ;;
  *)
    echo "usage: $0 up|down|status|env|node-kill N|node-start N" >&2
    exit 2
    ;;
esac
