#!/usr/bin/env bash
# Rust checks: workspace-wide formatting and clippy (warnings are errors), then twofa-core's
# unit and property tests (RFC 6238/4226 vectors included) in release mode.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1
if ! command -v cargo >/dev/null 2>&1 && [[ -x ${CARGO_HOME:-$HOME/.cargo}/bin/cargo ]]; then
  PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
fi

passed=0
failed=0
step() { # step NAME COMMAND...
  local name=$1
  shift
  echo "---- $name"
  if "$@"; then
    passed=$((passed + 1))
    echo "ok   $name"
  else
    failed=$((failed + 1))
    echo "FAIL $name"
  fi
}

step "cargo fmt --check (workspace)" cargo fmt --all --check
step "cargo clippy --release --all-targets -D warnings (workspace)" \
  cargo clippy --release --workspace --all-targets -- -D warnings
step "cargo test --release -p twofa-core" cargo test --release -p twofa-core

echo "$passed passed, $failed failed"
((failed == 0))
