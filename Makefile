# Timether: `make run` serves the app, `make test` runs every test.
SHELL := /bin/bash
export PATH := $(HOME)/.cargo/bin:$(PATH)

.PHONY: run test bench doctor toolchain test-deps build-release lint unit integration-sqlite integration-postgres e2e fmt

## Install what is missing, build in release, serve http://127.0.0.1:3000 on SQLite.
run: toolchain build-release
	./target/release/timether serve

toolchain:
	@scripts/toolchain.sh

# --split: the lazy routes (app/src/pages/mod.rs, `lazy`) go into WASM chunks
# of their own; a build without it leaves them unlinked and nothing hydrates.
# Then every bundle file gets gzip and Brotli copies the server sends instead.
build-release:
	cargo leptos build --release --split
	scripts/precompress.sh

test-deps:
	@scripts/test-deps.sh

## Every test: formatting, lints, unit, integration on SQLite and PostgreSQL, Playwright.
test: toolchain test-deps lint unit integration-sqlite integration-postgres e2e
	@echo "make test: all suites passed"

fmt:
	cargo fmt --all

# ssr and hydrate are linted separately: never both features at once.
lint:
	cargo fmt --all -- --check
	cargo clippy -p app --features ssr --all-targets -- -D warnings
	cargo clippy -p timether --all-targets -- -D warnings
	cargo clippy -p app --features hydrate --target wasm32-unknown-unknown -- -D warnings
	cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings

unit:
	cargo test -p app --features ssr --lib

integration-sqlite:
	TIMETHER_TEST_DATABASE_URL=sqlite cargo test -p timether

integration-postgres: test-deps
	TIMETHER_TEST_DATABASE_URL="$$(scripts/test-db.sh)" cargo test -p timether

e2e: build-release
	cd end2end && npx playwright test

## Seed 100,000 entries and measure list throughput, report latency and bundle size into BENCHMARKS.md.
bench: toolchain build-release
	scripts/bench.sh

## Print each tool the build needs: the version found and the version wanted.
doctor:
	@scripts/doctor.sh
