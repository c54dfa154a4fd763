#!/usr/bin/env bash
# The login on a real cluster (issue 16): three MariaDB Galera nodes, two web nodes (nginx +
# PHP-FPM, each on its own Galera node), two sidecars. The suite starts the cluster stack
# (tests/cluster/cluster.sh, in .cluster/ or CLUSTER_DIR), runs the PHPUnit tests of
# tests/php/cluster against it, and stops it again, also when a test fails.
set -uo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo" || exit 1
# The single-server stack's environment (exported by tests/run-all.sh) does not apply here.
while IFS= read -r twofa_var; do unset "$twofa_var"; done < <(compgen -e | grep '^TWOFA_' || true)

# shellcheck source=tests/lib/checks.sh
. tests/lib/checks.sh
# shellcheck source=tests/lib/phpunit.sh
. tests/lib/phpunit.sh
# shellcheck source=tests/stack/lib.sh
. tests/stack/lib.sh

export CLUSTER_DIR=${CLUSTER_DIR:-$repo/.cluster}
cluster=tests/cluster/cluster.sh
trap 'bash "$repo/$cluster" down' EXIT

start=$SECONDS
if ! bash "$cluster" up; then
  not_ok "the cluster stack starts"
  checks_done
  exit 1
fi
ok "the cluster stack starts ($((SECONDS - start)) s)"
set -a
# shellcheck source=/dev/null
. "$CLUSTER_DIR/env"
set +a

if phpunit_suite tests/php/cluster; then ok "PHPUnit tests/php/cluster"; else not_ok "PHPUnit tests/php/cluster"; fi

# The cluster's behaviour the plugin relies on (docs/CLUSTER.md): causal reads see a remote
# write, conflicting increments count exactly what succeeded, a compare-and-delete passes once.
if probe=$(php tests/cluster/galera-probe.php 300); then
  ok "Galera probe: $(tr '\n' ' ' <<<"$probe")"
else
  not_ok "Galera probe" "$probe"
fi

# No PHP error came from the plugin, and nothing was fatal, on either web node (the database
# connection warnings of web node B while its Galera node was down are expected).
php_problems=$(cat "$CLUSTER_DIR"/web-*/php-errors.log "$CLUSTER_DIR/wp-debug.log" 2>/dev/null \
  | grep -E 'PHP (Fatal|Parse|Warning|Notice|Recoverable)' | grep -E 'Fatal|Parse|plugins/twofa/' || true)
if [[ -z $php_problems ]]; then ok "no PHP error from the plugin on either web node"; else not_ok "no PHP error from the plugin on either web node" "$php_problems"; fi

# `down` stops exactly what `up` started: every recorded daemon is gone afterwards.
mapfile -t pids < <(cat "$CLUSTER_DIR"/node*/mysqld.pid "$CLUSTER_DIR"/web-*/fpm.pid "$CLUSTER_DIR"/web-*/nginx.pid "$CLUSTER_DIR"/sidecar-*.pid 2>/dev/null)
check "up recorded 9 daemons" test "${#pids[@]}" -eq 9
bash "$cluster" down
left=()
for pid in "${pids[@]}"; do
  if kill -0 "$pid" 2>/dev/null || pgrep -g "$pid" >/dev/null 2>&1; then left+=("$pid"); fi
done
if ((${#left[@]} == 0)); then ok "down leaves nothing running"; else not_ok "down leaves nothing running" "still running: ${left[*]}"; fi
trap - EXIT
echo "suite took $((SECONDS - start)) s"
checks_done
