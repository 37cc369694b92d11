# Timether: `make run` serves the app, `make test` runs every test.
SHELL := /bin/bash
# scripts/bin first: its wasm-opt remembers outputs across builds.
export PATH := $(CURDIR)/scripts/bin:$(HOME)/.cargo/bin:$(PATH)

# Build cache outside the checkout: with TIMETHER_CACHE_DIR set, cargo (and so
# cargo-leptos) builds in $(TIMETHER_CACHE_DIR)/target, which outlives the
# clone; `.ci/run` sets it to ~/.cache/timether. The site (target/site) stays
# in the checkout: Leptos.toml's site-root is relative to it.
ifneq ($(TIMETHER_CACHE_DIR),)
export CARGO_TARGET_DIR := $(TIMETHER_CACHE_DIR)/target
endif
TARGET_DIR := $(or $(CARGO_TARGET_DIR),target)
# The release server binary, for `run`, Playwright and the bench.
export TIMETHER_BIN := $(abspath $(TARGET_DIR))/release/timether
# The free IP-to-country database `make toolchain` installs: `make run` uses
# it unless a geoip-database is set, and the tests read it.
GEOIP_DB := $(or $(TIMETHER_CACHE_DIR),$(HOME)/.cache/timether)/geoip/node_modules/@ip-location-db/geo-whois-asn-country-mmdb/geo-whois-asn-country.mmdb
export TIMETHER_TEST_GEOIP_DATABASE := $(GEOIP_DB)

# One package selection and feature set for every host build and test: cargo
# resolves features per invocation, so `-p app` alone and `-p timether` alone
# would each build tokio, sqlx, sea-orm, axum, … once more (timether's
# dev-dependencies add tokio's test-util).
HOST := -p app -p timether -p timether-bench --features app/ssr
WASM := -p app -p frontend --features app/hydrate --target wasm32-unknown-unknown

# Clippy lints the host code while the tests are built: rustc's stand-in
# clippy-driver compiles Timether's own crates (RUSTC_WORKSPACE_WRAPPER
# leaves every dependency to rustc), so the dependencies are compiled once
# for linting and testing, with no `cargo clippy` pass of their own (on a
# fresh machine that saved only 13 s: linting our crates is the cost, and
# it stays; BENCHMARKS.md, 2026-12-06). Every host test
# target sets the same two variables: cargo rebuilds our crates when either
# changes. A plain `cargo test` by hand works too; it rebuilds our crates
# without the lints.
CLIPPY := RUSTC_WORKSPACE_WRAPPER="$$(rustup which clippy-driver)" \
  CLIPPY_ARGS=-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__

.PHONY: run test check soak bench bench-live fuzz doctor toolchain test-deps geoip build-release lint lint-host lint-wasm fmt-check unit integration-sqlite integration-postgres e2e fmt clean-cache

## Install what is missing, build in release, serve http://127.0.0.1:3000 on SQLite.
run: toolchain build-release
	@if [ -z "$$TIMETHER_GEOIP_DATABASE" ] && ! grep -q '^geoip-database' Leptos.toml; then \
	  export TIMETHER_GEOIP_DATABASE="$(GEOIP_DB)"; fi; \
	$(TIMETHER_BIN) serve

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

geoip:
	@scripts/geoip.sh

## Every test: formatting, lints, unit, integration on SQLite and PostgreSQL, Playwright.
# One step after the other: on two cores each build keeps both busy, and
# running the tools and the release build beside the test build made a
# fresh machine's run slower, not quicker (BENCHMARKS.md, 2026-12-05).
test: toolchain test-deps lint unit integration-sqlite integration-postgres e2e
	@echo "make test: all suites passed"

## For iterating: formatting, host lints, unit and SQLite integration tests.
check: fmt-check lint-host unit integration-sqlite
	@echo "make check: passed (make test runs the rest: wasm lints, PostgreSQL, Playwright)"

fmt:
	cargo fmt --all

fmt-check:
	cargo fmt --all -- --check

# ssr and hydrate are linted separately: never both features at once.
lint: fmt-check lint-host lint-wasm

# Every host target (libraries, binaries, tests, benches) built for testing,
# linted on the way (`CLIPPY` above); `unit` and the integration suites run
# what it built.
lint-host:
	@rustup which clippy-driver >/dev/null || { echo 'clippy is missing: rustup component add clippy'; exit 1; }
	$(CLIPPY) cargo test $(HOST) --all-targets --no-run

lint-wasm:
	cargo clippy $(WASM) -- -D warnings

unit:
	$(CLIPPY) cargo test $(HOST) --lib --bins

# The integration suites are one test binary (server/tests/it), built once
# and run against each database. The memory test measures the whole
# process, so it runs alone, after the others.
integration-sqlite: geoip
	TIMETHER_TEST_PYTHON="$$(scripts/python-deps.sh)" \
	  TIMETHER_TEST_DATABASE_URL=sqlite $(CLIPPY) cargo test $(HOST) --test it
	TIMETHER_TEST_DATABASE_URL=sqlite $(CLIPPY) cargo test $(HOST) --test it -- \
	  --ignored --exact hardening::memory_stays_flat_under_odd_input

integration-postgres: test-deps geoip
	TIMETHER_TEST_PYTHON="$$(scripts/python-deps.sh)" \
	  TIMETHER_TEST_DATABASE_URL="$$(scripts/test-db.sh)" $(CLIPPY) cargo test $(HOST) --test it

e2e: build-release
	cd end2end && npx playwright test

## 64 people for 60 s through both doors, on SQLite and on two instances sharing PostgreSQL (figures into BENCHMARKS.md).
soak: test-deps
	$(CLIPPY) SOAK_HOST="$(HOST)" scripts/soak.sh

## Fuzz the importer longer than `make test` does: mutated real exports
## through the reader, and generated workspaces through the round trip.
fuzz:
	TIMETHER_FUZZ_CASES=50000 $(CLIPPY) cargo test $(HOST) --lib backup::import::fuzz
	TIMETHER_ROUND_TRIP_CASES=500 TIMETHER_TEST_DATABASE_URL=sqlite \
	  $(CLIPPY) cargo test $(HOST) --test it round_trip

## Seed 100,000 entries and measure list throughput, report latency and bundle size into BENCHMARKS.md.
bench: toolchain build-release
	scripts/bench.sh
	scripts/bench-live.sh

## Live updates only: 1,000 open event streams, latency and memory.
bench-live: toolchain build-release
	scripts/bench-live.sh

## Print each tool the build needs: the version found and the version wanted.
doctor:
	@scripts/doctor.sh

## Delete the build cache (TIMETHER_CACHE_DIR, else ./target).
clean-cache:
	rm -rf "$(TARGET_DIR)"
