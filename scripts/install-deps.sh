#!/usr/bin/env bash
# Installs what building and testing twofa needs on Debian 12, and nothing when all is there:
# apt-get runs (one update, one install) only for packages dpkg does not list as installed.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

packages=(
  php8.2-cli php8.2-dev php8.2-mysql php8.2-mbstring php8.2-xml php8.2-curl php8.2-gd
  clang libclang-dev mariadb-server mariadb-client python3-aiosmtpd chromium
  # The web server and PHP SAPI the project uses (the cluster's nginx + PHP-FPM web nodes; php -S
  # for the single stack), named in the same apt-get call as wordpress so that they satisfy its
  # "apache2 | httpd" and "libapache2-mod-php | php" dependencies: otherwise apt picks the first
  # alternatives (apache2-bin, libapache2-mod-php) or Erlang's yaws. `php` is the metapackage.
  nginx php8.2-fpm php8.2 php
  wordpress wordpress-theme-twentytwentyone phpunit valgrind wrk curl ca-certificates make procps
  # The cluster stack (tests/cluster): Galera nodes with rsync state transfers; the Debian
  # package build (packaging/deb) is checked with lintian.
  galera-4 rsync iproute2 lintian dpkg-dev
  # xgettext makes the plugin's translation template (scripts/make-pot.sh).
  gettext
)

# --print-apt-args: the words of the apt-get install call for a machine with nothing installed
# (tests/suites/06-install-deps.sh simulates it).
if [[ ${1:-} == --print-apt-args ]]; then
  printf '%s\n' --no-install-recommends "${packages[@]}" apache2-
  exit 0
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} > 0)); then
  echo "install-deps: installing ${missing[*]}"
  sudo=()
  if ((EUID != 0)); then sudo=(sudo); fi
  "${sudo[@]}" apt-get update -q
  # `apache2-` keeps the wordpress package from pulling in Apache (nginx and php8.2-fpm above
  # stand for its web server and PHP).
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends \
    "${missing[@]}" apache2-
else
  echo "install-deps: Debian packages present"
fi

# Rust comes from rustup, not apt; say so plainly instead of failing later in the build.
if ! command -v cargo >/dev/null 2>&1 && [[ ! -x ${CARGO_HOME:-$HOME/.cargo}/bin/cargo ]]; then
  echo "install-deps: cargo not found; install Rust (rustup, stable >= 1.80) first" >&2
  exit 1
fi

# The browser tests' JavaScript dependencies, when that folder exists.
if [[ -f tests/browser/package.json && ! -d tests/browser/node_modules ]]; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "install-deps: npm not found; the browser tests need Node.js 20 and npm" >&2
    exit 1
  fi
  echo "install-deps: npm dependencies of tests/browser"
  if [[ -f tests/browser/package-lock.json ]]; then
    (cd tests/browser && npm ci --no-audit --no-fund)
  else
    (cd tests/browser && npm install --no-audit --no-fund)
  fi
fi
