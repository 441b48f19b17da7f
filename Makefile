# fraiseql — `make test` and `make demo` install whatever is missing, then do their job.
PG_CONFIG ?= /usr/bin/pg_config
PGRX_TEST_DATA := $(CURDIR)/target/pgrx-test-data
DEMO_DIR := $(CURDIR)/target/demo-data
DEMO_PORT ?= 54330

.PHONY: deps test test-core test-pg test-regress fuzz install install-release demo demo-stop bench bench-stop clean

deps:
	@scripts/bootstrap.sh

## Every test tier: core unit tests, #[pg_test]s, golden files.
test: deps test-core test-pg test-regress

test-core:
	cargo test -p fraiseql-core

test-pg: deps
	mkdir -p $(PGRX_TEST_DATA) && chown postgres: $(PGRX_TEST_DATA)
	cargo pgrx test pg15 --runas postgres --pgdata $(PGRX_TEST_DATA)

## The extension, plus the SQL of earlier versions and the upgrade scripts (sql/fraiseql--*.sql).
EXTENSION_DIR = $(shell $(PG_CONFIG) --sharedir)/extension
install: deps
	cargo pgrx install --pg-config $(PG_CONFIG)
	install -m 644 sql/fraiseql--*.sql $(EXTENSION_DIR)/

install-release: deps
	cargo pgrx install --release --pg-config $(PG_CONFIG)
	install -m 644 sql/fraiseql--*.sql $(EXTENSION_DIR)/

test-regress: install
	scripts/regress.sh

## Backend fuzzing alone, longer or with another seed: make fuzz FUZZ_SEED=7 FUZZ_SECONDS=600
FUZZ_SEED ?= 20261203
FUZZ_SECONDS ?= 300
fuzz: install
	scripts/fuzz.sh $(FUZZ_SEED) $(FUZZ_SECONDS)

demo: install-release
	DEMO_DIR=$(DEMO_DIR) DEMO_PORT=$(DEMO_PORT) scripts/demo.sh

## Benchmarks against the hand-written SQL floor (numbers, not a test); see docs/benchmarks.md.
bench: install-release
	bench/run.sh

bench-stop:
	scripts/cluster.sh stop $(CURDIR)/target/bench-data

demo-stop:
	scripts/cluster.sh stop $(DEMO_DIR)

clean:
	cargo clean
