#!/usr/bin/env bash
# Cluster benchmark (issue 16): complete two-step logins per second on two web nodes (nginx +
# PHP-FPM, each on its own Galera node, requests alternating between them) against one web node,
# on the same cluster in the same run; prints the ratio. Starts and stops its own cluster stack
# (tests/cluster/cluster.sh with CLUSTER_DIR in a temporary folder); the Galera probe of
# tests/cluster/galera-probe.php runs first (stale reads, certification conflicts).
#   bench/cluster/run.sh [ROUNDS=3] [SECONDS=8] [CONNECTIONS=8]
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
rounds=${1:-3}
seconds=${2:-8}
lanes=${3:-8}

work=$(mktemp -d)
# The cluster's daemons run as mysql and www-data: they must be able to enter the folder.
chmod 0755 "$work"
export CLUSTER_DIR="$work/cluster"
cleanup() {
  bash "$repo/tests/cluster/cluster.sh" down >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "starting a private cluster stack in $CLUSTER_DIR ..."
bash "$repo/tests/cluster/cluster.sh" up >"$work/up.log" 2>&1 || { cat "$work/up.log"; exit 1; }
while IFS= read -r twofa_var; do unset "$twofa_var"; done < <(compgen -e | grep '^TWOFA_' || true)
set -a
# shellcheck disable=SC1091
. "$CLUSTER_DIR/env"
set +a
echo "$(nproc) cores; each web node: nginx + PHP-FPM with ${CLUSTER_FPM_CHILDREN:-4} workers"

echo "--- Galera probe (1000 rounds)"
php "$repo/tests/cluster/galera-probe.php" 1000

echo "--- two-step logins/s: two web nodes vs one"
# shellcheck disable=SC2086 # TWOFA_PHP is a command with -d options
$TWOFA_PHP "$repo/bench/cluster/logins.php" "$TWOFA_WP_DIR" "$TWOFA_WP_URL_A" "$TWOFA_WP_URL_B" "$rounds" "$seconds" "$lanes"
