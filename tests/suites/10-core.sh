#!/usr/bin/env bash
# Rust checks: workspace-wide formatting and clippy (warnings are errors), then twofa-core's
# unit and property tests (RFC 6238/4226 vectors included) in release mode.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1
if ! command -v cargo >/dev/null 2>&1 && [[ -x ${CARGO_HOME:-$HOME/.cargo}/bin/cargo ]]; then
  PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
fi

# shellcheck source=tests/lib/checks.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/checks.sh"
step() { # step NAME COMMAND... — a check whose command prints a lot: a header line first
  echo "---- $1"
  check "$@"
}

step "cargo fmt --check (workspace)" cargo fmt --all --check
step "cargo clippy --release --all-targets -D warnings (workspace)" \
  cargo clippy --release --workspace --all-targets -- -D warnings
step "cargo test --release -p twofa-core" cargo test --release -p twofa-core

checks_done
