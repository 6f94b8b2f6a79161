# etcd-deck: `make run` to use it, `make test` to check it. Both install what is missing first.
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.ONESHELL:
.DEFAULT_GOAL := help

APT_PACKAGES := etcd-server etcd-client protobuf-compiler chromium curl python3-venv
CARGO_LEPTOS_VERSION := 0.3.10
# A current, patched etcd 3.5 (what Kubernetes runs) beside Debian's 3.4: the static binaries of
# Debian unstable's etcd-server and etcd-client, whichever 3.5.x it has when first fetched.
export ETCD35_BIN := $(CURDIR)/.tools/etcd-3.5
ETCD35_VERSION = $(shell cat $(ETCD35_BIN)/VERSION 2>/dev/null)
# A real Prometheus for the tests of etcd-deck's charts (--prometheus-url): the binary of this
# Debian release's prometheus package, unpacked, never installed (that would start a daemon).
export PROMETHEUS_BIN := $(CURDIR)/.tools/prometheus
# The REST contract test (tests/contract.rs) runs this Schemathesis, from PyPI, in its own venv.
SCHEMATHESIS_VERSION := 4.32.5
SCHEMATHESIS_DIR := $(CURDIR)/.tools/schemathesis
WASM_BINDGEN_VERSION = $(shell sed -n '/^name = "wasm-bindgen"$$/{n;s/^version = "\(.*\)"/\1/p;}' Cargo.lock)
# Release builds must use the npm binaryen's wasm-opt, never Debian's (it breaks hydration).
export PATH := $(CURDIR)/end2end/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)
# Leptos reads this at compile time. cargo-leptos sets it; every other cargo command here must
# set it the same, or each rebuilds Leptos and everything above it for the next.
export LEPTOS_OUTPUT_NAME := etcd-deck
# CI builds a fresh clone once and throws it away: cargo's incremental caches would only cost
# disk (3.2 GB of target/debug) and the time to write them.
ifdef CI
export CARGO_INCREMENTAL := 0
endif
# What a whole `make test` writes into target/, less what is there already, must fit on its disk.
# A full disk fails the build late, at link time, with a bare "linking with `cc` failed".
TEST_BUILD_GB := 9

# Everything the release build reads. When none of it changed since the last build, `make build`
# does nothing: cargo-leptos itself would run wasm-bindgen and wasm-opt again every time.
BUILD_INPUTS := Cargo.toml Cargo.lock $(shell find src style public -type f)
RELEASE_STAMP := target/release/.etcd-deck-built

.PHONY: help setup room run build test lint unit e2e bench screenshots clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

setup: ## Install whatever is missing (Debian packages, Rust target, cargo tools, npm packages)
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep '^install ok installed' >/dev/null || echo $$p; done)
	if [ -n "$$missing" ]; then
	  echo "setup: installing Debian packages: $$missing"
	  apt-get update -qq >/dev/null
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null
	fi
	if ! rustup target list --installed | grep -x wasm32-unknown-unknown >/dev/null; then
	  echo "setup: adding the wasm32-unknown-unknown target"
	  rustup target add wasm32-unknown-unknown >/dev/null
	fi
	if [ "$$(cargo leptos --version 2>/dev/null)" != "cargo-leptos $(CARGO_LEPTOS_VERSION)" ]; then
	  echo "setup: installing cargo-leptos $(CARGO_LEPTOS_VERSION) (15-20 minutes, once)"
	  cargo install cargo-leptos@$(CARGO_LEPTOS_VERSION) --locked --quiet
	fi
	if [ "$$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $(WASM_BINDGEN_VERSION)" ]; then
	  echo "setup: installing wasm-bindgen-cli $(WASM_BINDGEN_VERSION) (about 4 minutes, once)"
	  # The CLI's own lockfile may name a dependency the registry mirror lacks; then resolve anew.
	  cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION) --locked --quiet 2>/dev/null \
	    || cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION) --quiet
	fi
	if [ ! -x $(ETCD35_BIN)/etcd ] || [ ! -s $(ETCD35_BIN)/VERSION ]; then
	  echo "setup: fetching Debian unstable's etcd 3.5 (18 MB)"
	  cluster/fetch-etcd $(ETCD35_BIN)
	fi
	if [ ! -x $(PROMETHEUS_BIN)/prometheus ] || [ ! -s $(PROMETHEUS_BIN)/VERSION ]; then
	  echo "setup: fetching Debian's Prometheus (19 MB)"
	  cluster/fetch-prometheus $(PROMETHEUS_BIN)
	fi
	if [ "$$($(SCHEMATHESIS_DIR)/bin/st --version 2>/dev/null)" != "st, version $(SCHEMATHESIS_VERSION)" ]; then
	  echo "setup: installing schemathesis $(SCHEMATHESIS_VERSION) into $(SCHEMATHESIS_DIR)"
	  rm -rf $(SCHEMATHESIS_DIR)
	  python3 -m venv $(SCHEMATHESIS_DIR)
	  $(SCHEMATHESIS_DIR)/bin/pip install --quiet --disable-pip-version-check schemathesis==$(SCHEMATHESIS_VERSION)
	fi
	if ! cmp -s end2end/package-lock.json end2end/node_modules/.installed-lock.json; then
	  echo "setup: installing end2end npm packages"
	  (cd end2end && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
	  cp end2end/package-lock.json end2end/node_modules/.installed-lock.json
	fi

build: setup ## Build the release server and the precompressed, hashed wasm bundle into target/
	@[ -x target/release/etcd-deck ] && [ -f target/release/hash.txt ] || rm -f $(RELEASE_STAMP)
	$(MAKE) --no-print-directory $(RELEASE_STAMP)

# The stamp takes the time the build started, so a file changed during the build is built next time.
$(RELEASE_STAMP): $(BUILD_INPUTS)
	mkdir -p $(@D)
	touch $@.started
	cargo leptos build --release --precompress --split
	mv $@.started $@

run: build ## Start a local 3-member etcd cluster (unless ETCD_ENDPOINTS is set; TLS=1 for TLS) and serve the app
	@if [ -z "$${ETCD_ENDPOINTS:-}" ]; then
	  tls=$$([ "$${TLS:-0}" = 1 ] && echo --tls || true)
	  settings=$$(cluster/up 3 $$tls)
	  while IFS= read -r line; do export "$$line"; done < <(grep '^ETCD_' <<<"$$settings")
	  trap 'cluster/down' EXIT
	fi
	LEPTOS_SITE_ROOT=target/site LEPTOS_ENV=PROD target/release/etcd-deck

test: setup room lint unit e2e ## Format and lint checks, unit and integration tests, then Playwright
	@echo "make test: all checks passed"

lint: ## cargo fmt --check, and clippy on the ssr and wasm32 hydrate builds, warnings denied
	cargo fmt --check
	cargo clippy --quiet --features ssr --all-targets -- -D warnings
	cargo clippy --quiet --lib --target wasm32-unknown-unknown --features hydrate -- -D warnings

room:
	@free_kb=$$(df -Pk . | awk 'NR == 2 { print $$4 }')
	built_kb=$$(du -sk target 2>/dev/null | cut -f1 || true)
	need_kb=$$(( $(TEST_BUILD_GB) * 1024 * 1024 - $${built_kb:-0} ))
	if (( free_kb < need_kb )); then
	  echo "make: $$((free_kb / 1024)) MB free on the disk of $(CURDIR), and the tests still have to build about $$((need_kb / 1024)) MB into target/ ($(TEST_BUILD_GB) GB in all). Make room first: a full disk fails the build at link time." >&2
	  exit 1
	fi

# The REST contract test checks the server's answers against its own OpenAPI document (2-3
# minutes); it runs once, on the current etcd 3.5.
CONTRACT_TEST := the_server_answers_as_its_openapi_document_says

unit: setup room ## Unit tests, and integration tests against real etcd members (3.4, then 3.5) on free ports
	cargo test --features ssr -- --skip $(CONTRACT_TEST)
	echo "unit: the integration tests again, against etcd $(ETCD35_VERSION)"
	CLUSTER_ETCD_BIN=$(ETCD35_BIN) cargo test --features ssr --test '*'

e2e: build ## Playwright in Chromium against the release build, on etcd 3.5
	cd end2end && CLUSTER_ETCD_BIN=$(ETCD35_BIN) npx playwright test

screenshots: build ## Take the README's screenshots anew (end2end/screenshots/*.png); testing never rewrites them
	cd end2end && SCREENSHOTS=1 CLUSTER_ETCD_BIN=$(ETCD35_BIN) npx playwright test tests/screenshot.spec.ts

bench: setup ## REST API (open, signed in) against etcd-client; etcd-deck's CPU per request beside etcd's, and REST against etcd's JSON gateway; a million keys on the current etcd 3.5 (listing, search, export, import, pinned delete, snapshot and recovery beside etcdctl); live updates to 1,000 subscribers; the metrics sampler over 5 members (BENCH_*, SCALE_*, LIVE_*, SAMPLER_ROUNDS)
	cargo bench --quiet --features ssr --bench api
	cargo bench --quiet --features ssr --bench proxy
	CLUSTER_ETCD_BIN=$(ETCD35_BIN) cargo bench --quiet --features ssr --bench scale
	cargo bench --quiet --features ssr --bench live
	cargo bench --quiet --features ssr --bench sampler

clean: ## Remove build output and the local cluster's data
	cluster/down --purge 2>/dev/null || true
	cargo clean
