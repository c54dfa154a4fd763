#!/usr/bin/env bash
# Builds the Debian package twofa_VERSION_ARCH.deb from the release build with dpkg-deb:
# the PHP extension (PHP 8.2) with its mods-available ini, the sidecar with its systemd unit,
# the commented sidecar configuration in /etc/twofa/, and the maintainer scripts (site key on
# first install, phpenmod/phpdismod). Prints the path of the package on its last line.
#
#   packaging/deb/build.sh [OUTDIR]     (default target/deb; builds the release first if needed)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=${1:-$repo/target/deb}
php_version=8.2

ext_so="$repo/target/release/libtwofa_ext.so"
sidecar="$repo/target/release/twofa-sidecar"
if [[ ! -f $ext_so || ! -x $sidecar ]]; then
  (cd "$repo" && cargo build --release --workspace)
fi

version=$(sed -n '/^\[workspace.package\]/,/^\[/s/^version *= *"\([^"]*\)".*/\1/p' "$repo/Cargo.toml" | head -n 1)
[[ $version =~ ^[0-9][0-9A-Za-z.+~-]*$ ]] || { echo "build.sh: no workspace version in Cargo.toml" >&2; exit 1; }
deb_version="$version-1"
arch=$(dpkg --print-architecture)
ext_dir=$(php-config$php_version --extension-dir)
phpapi=$(php-config$php_version --phpapi)

mkdir -p "$out"
stage="$out/twofa_${deb_version}_$arch"
rm -rf "$stage"
install -d "$stage/DEBIAN" "$stage$ext_dir" "$stage/etc/php/$php_version/mods-available" "$stage/etc/twofa" \
  "$stage/usr/bin" "$stage/lib/systemd/system" "$stage/usr/share/doc/twofa" "$stage/usr/share/man/man1"

install -m 0644 "$ext_so" "$stage$ext_dir/twofa.so"
install -m 0755 "$sidecar" "$stage/usr/bin/twofa-sidecar"
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$stage$ext_dir/twofa.so" "$stage/usr/bin/twofa-sidecar"
install -m 0644 "$here/twofa.ini" "$stage/etc/php/$php_version/mods-available/twofa.ini"
install -m 0644 "$here/sidecar.toml" "$stage/etc/twofa/sidecar.toml"
install -m 0644 "$here/twofa-sidecar.service" "$stage/lib/systemd/system/twofa-sidecar.service"
install -m 0644 "$here/copyright" "$stage/usr/share/doc/twofa/copyright"
install -m 0644 "$here/README.Debian" "$stage/usr/share/doc/twofa/README.Debian"
install -d "$stage/usr/share/lintian/overrides"
# Built from the repository, not uploaded to Debian: there is no bug for the first version to close.
printf 'twofa: initial-upload-closes-no-bugs\n' >"$stage/usr/share/lintian/overrides/twofa"
chmod 0644 "$stage/usr/share/lintian/overrides/twofa"
gzip -9n -c "$here/twofa-sidecar.1" >"$stage/usr/share/man/man1/twofa-sidecar.1.gz"
chmod 0644 "$stage/usr/share/man/man1/twofa-sidecar.1.gz"
{
  printf 'twofa (%s) unstable; urgency=medium\n\n  * Package built from the release build.\n\n' "$deb_version"
  printf ' -- twofa developers <twofa@example.org>  %s\n' "$(date -R -d "@$(git -C "$repo" log -1 --format=%ct 2>/dev/null || date +%s)")"
} | gzip -9n >"$stage/usr/share/doc/twofa/changelog.Debian.gz"
chmod 0644 "$stage/usr/share/doc/twofa/changelog.Debian.gz"

for script in postinst prerm postrm; do
  install -m 0755 "$here/$script" "$stage/DEBIAN/$script"
done
printf '%s\n' "/etc/php/$php_version/mods-available/twofa.ini" /etc/twofa/sidecar.toml >"$stage/DEBIAN/conffiles"

# Shared-library dependencies of the two binaries, as dpkg-shlibdeps computes them.
shlibs=$(
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  mkdir -p "$tmp/debian"
  printf 'Source: twofa\n\nPackage: twofa\nArchitecture: any\n' >"$tmp/debian/control"
  cd "$tmp" && dpkg-shlibdeps -O "$stage$ext_dir/twofa.so" "$stage/usr/bin/twofa-sidecar" 2>/dev/null \
    | sed -n 's/^shlibs:Depends=//p'
) || shlibs=
[[ -n $shlibs ]] || shlibs="libc6 (>= 2.34), libgcc-s1 (>= 4.2)"

installed_size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
cat >"$stage/DEBIAN/control" <<CONTROL
Package: twofa
Version: $deb_version
Architecture: $arch
Maintainer: twofa developers <twofa@example.org>
Installed-Size: $installed_size
Depends: $shlibs, php$php_version-common, phpapi-$phpapi
Recommends: php$php_version-fpm | libapache2-mod-php$php_version
Suggests: wordpress
Section: php
Priority: optional
Description: two-factor authentication for WordPress (PHP extension and sidecar)
 twofa protects WordPress accounts with an authenticator app (TOTP) or a
 one-time password sent by email. This package holds the parts outside
 WordPress:
  - the PHP $php_version extension twofa (TOTP, code hashing, sealing of secrets,
    request signing, QR codes), enabled for every SAPI;
  - the site key /etc/twofa/site.key, made on the first install;
  - twofa-sidecar, the service that sends the email codes, with a sandboxed
    systemd unit and a commented configuration in /etc/twofa/.
 The WordPress plugin twofa is installed and activated in WordPress itself.
CONTROL

deb="$out/twofa_${deb_version}_$arch.deb"
dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >/dev/null
echo "$deb"
