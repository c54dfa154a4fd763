#!/usr/bin/env bash
# The Debian package (issue 16): build it from the release build (packaging/deb/build.sh), run
# lintian, install it on this machine with apt-get, check what it installed (the extension for
# every SAPI from the installed .so, the site key's owner and mode, `twofa-sidecar check` on the
# installed configuration), then purge it and check that nothing is left enabled.
#
# Installing enables the extension system-wide, which no other suite may load: the package is
# purged again in a trap, also when a check fails or the suite is interrupted. The suite refuses
# to run on a machine where twofa is installed or /etc/twofa exists (not its own to remove).
# `twofa-sidecar check` uses the test stack's database and SMTP sink (.stack/env exported).
set -uo pipefail

: "${TWOFA_MYSQL_URL:?source .stack/env first}"
: "${TWOFA_SMTP_PORT:?source .stack/env first}"
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo" || exit 1
# shellcheck source=tests/lib/checks.sh
. tests/lib/checks.sh

php_version=8.2
ext_dir=$(php-config$php_version --extension-dir)
key=/etc/twofa/site.key
sudo=()
((EUID == 0)) || sudo=(sudo)

installed() { dpkg-query -W -f='${Status}' twofa 2>/dev/null | grep -q 'install ok installed'; }

if installed || [[ -e /etc/twofa ]]; then
  not_ok "this machine has twofa installed or an /etc/twofa of its own: the package test would replace or remove it"
  checks_done
  exit 1
fi

purge() {
  if dpkg-query -W twofa >/dev/null 2>&1; then
    TWOFA_PURGE_KEY=yes DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get purge -y -q twofa >/dev/null 2>&1 \
      || TWOFA_PURGE_KEY=yes "${sudo[@]}" dpkg --purge twofa >/dev/null 2>&1
  fi
}
trap 'purge' EXIT
trap 'exit 1' INT TERM

start=$SECONDS
if deb=$(bash packaging/deb/build.sh 2>&1 | tail -n 1) && [[ -f $deb ]]; then
  ok "the package builds: $(basename "$deb")"
else
  not_ok "the package builds" "$deb"
  checks_done
  exit 1
fi

if command -v lintian >/dev/null 2>&1; then
  lint=$(lintian "$deb" 2>&1 | grep -E '^[EW]: ')
  if [[ -z $lint ]]; then ok "lintian: no errors, no warnings"; else not_ok "lintian: no errors, no warnings" "$lint"; fi
fi

apt_out=$(DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends "$deb" 2>&1)
if installed; then ok "apt-get install ./$(basename "$deb")"; else not_ok "apt-get install" "$apt_out"; checks_done; exit 1; fi
check "the install says it created the site key" grep -q 'created the site key' <<<"$apt_out"

# The extension: listed by php -m of every SAPI, loaded from the installed file, usable with the key.
check "php -m lists twofa" grep -qx twofa < <(php -m)
check "php-fpm$php_version -m lists twofa" grep -qx twofa < <("php-fpm$php_version" -m)
check "php loads $ext_dir/twofa.so" grep -q " $ext_dir/twofa.so\$" < <(php -r 'echo file_get_contents("/proc/self/maps");')
check "the ini is enabled for cli and fpm" test -L "/etc/php/$php_version/cli/conf.d/20-twofa.ini" -a -L "/etc/php/$php_version/fpm/conf.d/20-twofa.ini"
seal='try { echo strlen(twofa_seal("x", "test")) > 0 ? "sealed" : "empty"; } catch (Throwable $e) { echo "refused"; }'
check "www-data's PHP seals with the installed key" test "$(runuser -u www-data -- php -r "$seal" 2>/dev/null)" = sealed
check "nobody's PHP cannot read the key" test "$(runuser -u nobody -- php -r "$seal" 2>/dev/null)" != sealed

# The key and the configuration.
check "the site key is root:www-data 0640, 32 bytes" test "$(stat -c '%U:%G %a %s' "$key")" = "root:www-data 640 32"
check "/etc/twofa is root:www-data 0750" test "$(stat -c '%U:%G %a' /etc/twofa)" = "root:www-data 750"
check "sidecar.toml is root only (0600)" test "$(stat -c '%U:%G %a' /etc/twofa/sidecar.toml)" = "root:root 600"
key_sum=$(sha256sum "$key" | cut -d' ' -f1)
# The installed configuration as shipped, with the stack's database and SMTP sink.
check_out=$(env -u TWOFA_KEY_FILE -u TWOFA_OUTBOX TWOFA_MYSQL_URL="$TWOFA_MYSQL_URL" TWOFA_SMTP_HOST=127.0.0.1 TWOFA_SMTP_PORT="$TWOFA_SMTP_PORT" \
  twofa-sidecar check --config /etc/twofa/sidecar.toml 2>&1)
if grep -q '^all checks passed$' <<<"$check_out" && grep -q "key file $key is readable and safe" <<<"$check_out"; then
  ok "twofa-sidecar check --config /etc/twofa/sidecar.toml"
else
  not_ok "twofa-sidecar check --config /etc/twofa/sidecar.toml" "$check_out"
fi
if command -v systemd-analyze >/dev/null 2>&1; then
  verify=$(systemd-analyze verify /lib/systemd/system/twofa-sidecar.service 2>&1)
  if [[ -z $verify ]]; then ok "systemd-analyze verify twofa-sidecar.service"; else not_ok "systemd-analyze verify twofa-sidecar.service" "$verify"; fi
fi
check "the unit runs sandboxed as a dynamic user" grep -q '^DynamicUser=yes' /lib/systemd/system/twofa-sidecar.service

# Purge (the default keeps the key), then nothing of twofa is enabled anywhere.
purge_out=$(DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get purge -y -q twofa 2>&1)
if ! dpkg-query -W -f='${Status}' twofa 2>/dev/null | grep -q installed; then ok "apt-get purge twofa"; else not_ok "apt-get purge twofa" "$purge_out"; fi
check "php -m no longer lists twofa" bash -c '! php -m | grep -qx twofa'
check "php-fpm no longer lists twofa" bash -c "! php-fpm$php_version -m | grep -qx twofa"
check "no twofa ini in any conf.d or mods-available" test -z "$(find /etc/php -name '*twofa*' 2>/dev/null)"
check "no PHP module state for twofa" test -z "$(find /var/lib/php/modules -name twofa 2>/dev/null)"
check "the extension, sidecar and unit are gone" test ! -e "$ext_dir/twofa.so" -a ! -e /usr/bin/twofa-sidecar -a ! -e /lib/systemd/system/twofa-sidecar.service
check "the sidecar configuration is gone" test ! -e /etc/twofa/sidecar.toml
check "purge keeps the site key and says so" test -f "$key" -a "$(grep -c 'kept the site key' <<<"$purge_out")" -ge 1

# A reinstall keeps that key; a purge with TWOFA_PURGE_KEY=yes removes it and /etc/twofa.
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends "$deb" >/dev/null 2>&1
check "a reinstall keeps the existing key" test "$(sha256sum "$key" | cut -d' ' -f1)" = "$key_sum"
check "a reinstall after a purge enables the extension again" grep -qx twofa < <(php -m)
TWOFA_PURGE_KEY=yes DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get purge -y -q twofa >/dev/null 2>&1
check "TWOFA_PURGE_KEY=yes purge removes the key and /etc/twofa" test ! -e "$key" -a ! -e /etc/twofa
check "nothing of twofa is enabled after the purges" test -z "$(find /etc/php /var/lib/php/modules -name '*twofa*' 2>/dev/null)"

echo "suite took $((SECONDS - start)) s"
checks_done
