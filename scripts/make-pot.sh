#!/usr/bin/env bash
# Writes the plugin's translation template, wp-plugin/twofa/languages/twofa.pot, with GNU
# gettext's xgettext over every PHP file of the plugin and the WordPress translation functions
# as keywords; translator comments (/* translators: … */) are kept. References name the file, not
# the line, so the template changes only when a string does.
#   scripts/make-pot.sh            regenerate the checked-in file
#   scripts/make-pot.sh OUT        write the template to OUT instead
#   scripts/make-pot.sh --check    exit 1 when the checked-in file is not current (the
#                                  POT-Creation-Date header is ignored)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

pot=wp-plugin/twofa/languages/twofa.pot
if ! command -v xgettext >/dev/null 2>&1; then
  echo "make-pot: xgettext not found (Debian package gettext; scripts/install-deps.sh installs it)" >&2
  exit 2
fi

# make OUT — the template, from the files in a fixed order so that the output is stable.
make() {
  local out=$1 files
  mapfile -t files < <(cd wp-plugin/twofa && find . -name '*.php' -not -path './languages/*' | sed 's|^\./||' | LC_ALL=C sort)
  (cd wp-plugin/twofa && xgettext --language=PHP --from-code=UTF-8 --add-comments=translators: \
    --sort-by-file --add-location=file --no-wrap --package-name=twofa \
    --keyword=__ --keyword=_e --keyword=_x:1,2c --keyword=_ex:1,2c --keyword=_n:1,2 \
    --keyword=_nx:1,2,4c --keyword=esc_html__ --keyword=esc_attr__ --keyword=esc_html_e \
    --keyword=esc_attr_e --keyword=esc_html_x:1,2c --keyword=esc_attr_x:1,2c \
    --keyword=_n_noop:1,2 --keyword=_nx_noop:1,2,3c \
    --output=- "${files[@]}" 2> >(grep -v -e 'msgid-bugs-address' -e 'Makevars' -e 'MSGID_BUGS_ADDRESS' -e 'specify an --msgid' >&2)) |
    sed -e 's/^"Content-Type: text\/plain; charset=CHARSET\\n"$/"Content-Type: text\/plain; charset=UTF-8\\n"/' \
      -e 's/^# SOME DESCRIPTIVE TITLE\.$/# Translation template of the twofa WordPress plugin./' \
      -e '/^# Copyright (C) YEAR /d' -e "/^# This file is distributed under the same license as the /d" \
      -e '/^# FIRST AUTHOR/d' -e '/^#, fuzzy$/d' >"$out"
}

case ${1:-} in
--check)
  tmp=$(mktemp)
  trap 'rm -f "$tmp"' EXIT
  make "$tmp"
  if diff -u -I '^"POT-Creation-Date:' "$pot" "$tmp" >/dev/null; then
    echo "make-pot: $pot is current"
  else
    diff -u -I '^"POT-Creation-Date:' "$pot" "$tmp" | head -40 >&2
    echo "make-pot: $pot is out of date; run scripts/make-pot.sh and commit it" >&2
    exit 1
  fi
  ;;
'') mkdir -p "$(dirname "$pot")" && make "$pot" && echo "make-pot: wrote $pot ($(grep -c '^msgid ' "$pot") messages)" ;;
*) make "$1" ;;
esac
