# The two commands of the README are `make demo` and `make test`.
SHELL := /bin/bash
# rustup's cargo, for shells that do not have it on PATH.
export PATH := $(HOME)/.cargo/bin:$(PATH)

.PHONY: test build demo demo-stop bench screenshots pot

## Install what is missing, build in release mode, run every test suite against the test stack.
test:
	bash tests/run-all.sh

## Take docs/screenshots/ anew: the browser suites against a fresh test stack.
screenshots:
	TWOFA_SCREENSHOT_DIR=$(CURDIR)/docs/screenshots SUITES="90 92" bash tests/run-all.sh

## Release build of the extension and the sidecar.
build:
	cargo build --release --workspace

## The plugin's translation template, wp-plugin/twofa/languages/twofa.pot (scripts/make-pot.sh).
pot:
	bash scripts/make-pot.sh

## The demo site (scripts/demo.sh).
demo:
	@if [ -f scripts/demo.sh ]; then bash scripts/demo.sh up; \
	else echo "The demo command is not written yet (scripts/demo.sh)."; exit 1; fi

## Stop the demo site.
demo-stop:
	@if [ -f scripts/demo.sh ]; then bash scripts/demo.sh down; \
	else echo "No demo to stop (scripts/demo.sh is not written yet)."; fi

## Every benchmark: bench/*/run.sh, each printing its ratio against a baseline of the same run.
bench: build
	@set -e; found=0; for b in bench/*/run.sh; do \
	  [ -f "$$b" ] || continue; found=1; echo "==== $$b"; bash "$$b"; done; \
	if [ $$found = 0 ]; then echo "no benchmarks in bench/*/run.sh yet"; fi
