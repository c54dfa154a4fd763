#!/usr/bin/env bash
# scripts/install-deps.sh (issue 14, item 12): on a machine with nothing installed, its apt-get call
# satisfies the wordpress package's web server and PHP with nginx and php8.2-fpm, and pulls in
# neither Erlang's yaws nor Apache (apache2-bin, libapache2-mod-php). A simulation (`apt-get -s`)
# against an empty package status: nothing is installed or changed.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1
# shellcheck source=tests/lib/checks.sh
. tests/lib/checks.sh

if ! command -v apt-get >/dev/null 2>&1; then
  echo "skip 06-install-deps: no apt-get on this machine"
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
: >"$tmp/status"
mapfile -t words < <(bash scripts/install-deps.sh --print-apt-args)
((${#words[@]} > 3)) && ok "install-deps prints its apt-get words" || not_ok "install-deps prints its apt-get words"
apt-get -s -q -o Dir::State::status="$tmp/status" install "${words[@]}" >"$tmp/sim" 2>&1
rc=$?
[[ $rc == 0 ]] && ok "apt-get -s resolves the install" || not_ok "apt-get -s resolves the install" "$(tail -n 5 "$tmp/sim")"
awk '$1 == "Inst" { print $2 }' "$tmp/sim" | sort -u >"$tmp/pulled"
for p in wordpress nginx php8.2-fpm; do
  grep -qx "$p" "$tmp/pulled" && ok "would install $p" || not_ok "would install $p"
done
for p in yaws apache2 apache2-bin libapache2-mod-php libapache2-mod-php8.2; do
  grep -qx "$p" "$tmp/pulled" && not_ok "would not pull $p" || ok "would not pull $p"
done
grep -q '^erlang' "$tmp/pulled" && not_ok "would not pull Erlang" || ok "would not pull Erlang"
checks_done
