#!/usr/bin/env bash
# The one test command (`make test`): install what is missing, build in release mode, start the
# test stack, run every executable tests/suites/*.sh in lexical order with .stack/env exported,
# stop the stack, and fail when any suite failed. SUITE_TIMEOUT (seconds, default 1800) bounds
# one suite; SUITES="05 20" runs only the suites whose names start with those prefixes;
# STACK_DIR puts the stack somewhere else than .stack/ (see tests/stack/stack.sh).
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
repo=$(pwd)

# rustup installs cargo under ~/.cargo/bin, which a non-login shell may not have on PATH.
if ! command -v cargo >/dev/null 2>&1 && [[ -x ${CARGO_HOME:-$HOME/.cargo}/bin/cargo ]]; then
  PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
fi

section() { printf '\n==== %s ====\n' "$*"; }

section "install dependencies"
bash scripts/install-deps.sh || { echo "run-all: installing dependencies failed"; exit 1; }

section "cargo build --release --workspace"
cargo build --release --workspace || { echo "run-all: the release build failed"; exit 1; }

section "test stack up"
trap 'section "test stack down"; bash "$repo/tests/stack/stack.sh" down' EXIT
bash tests/stack/stack.sh up || { echo "run-all: the test stack did not start"; exit 1; }
set -a
# shellcheck source=/dev/null
. "${STACK_DIR:-$repo/.stack}/env"
set +a

passed=0
failed=0
failed_names=()
results=()
for suite in tests/suites/*.sh; do
  [[ -f $suite ]] || continue
  name=$(basename "$suite" .sh)
  if [[ ! -x $suite ]]; then
    echo "run-all: $suite is not executable: skipped"
    continue
  fi
  if [[ -n ${SUITES:-} ]]; then
    wanted=0
    for prefix in $SUITES; do [[ $name == "$prefix"* ]] && wanted=1; done
    ((wanted)) || continue
  fi
  section "suite $name"
  start=$SECONDS
  # Each suite gets no stdin and a time bound, and cannot end the run by failing.
  timeout --kill-after=30 "${SUITE_TIMEOUT:-1800}" "$suite" </dev/null
  rc=$?
  if ((rc == 0)); then
    passed=$((passed + 1))
    results+=("$(printf '%-24s passed  %4d s' "$name" $((SECONDS - start)))")
    echo "---- suite $name passed ($((SECONDS - start)) s)"
  else
    failed=$((failed + 1))
    failed_names+=("$name")
    results+=("$(printf '%-24s FAILED  %4d s' "$name" $((SECONDS - start)))")
    if ((rc == 124)); then
      echo "---- suite $name TIMED OUT after ${SUITE_TIMEOUT:-1800} s"
    else
      echo "---- suite $name FAILED (exit $rc, $((SECONDS - start)) s)"
    fi
  fi
done

section "summary"
printf '%s\n' "${results[@]}"
if ((failed > 0)); then
  echo "failed suites: ${failed_names[*]}"
fi
echo "$passed passed, $failed failed"
((failed == 0 && passed > 0))
