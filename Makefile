# Thin wrapper around CMake. Every target that needs packages installs them
# first (tools/install-deps.sh is quiet and quick when all is there).
JOBS      ?= $(shell nproc)
BUILD     ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
TSAN_BUILD ?= build-tsan
FUZZ_SECONDS ?= 300
DATA_DIR  ?= ./data
CMAKE_FLAGS ?=

.PHONY: all build run test test-release test-asan test-tsan test-fuzz test-cluster fuzz fuzz-build soak bench deps clean

all: build

deps:
	@bash tools/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

# Starts the server with its embedded defaults: RocksDB under ./data, a
# generated development certificate, and (once) a bootstrapped "Acme Corp"
# whose administrator password is printed here. Builds only the two programs
# it runs, not the tests and benchmarks.
run: deps
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS) --target claribi-server claribi-admin
	@bash tools/run-dev.sh $(BUILD) $(DATA_DIR)

test: test-release test-asan test-tsan test-fuzz

test-release: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# The whole test suite again under AddressSanitizer + UndefinedBehaviorSanitizer.
test-asan: deps
	@cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCLARIBI_SANITIZE=ON -DCLARIBI_BENCH=OFF >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS)
	@cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		ctest --output-on-failure -j $(JOBS)

# The unit tests that run threads, under ThreadSanitizer (limiter, indexes,
# QSBR, group commit, collections, resources, rows, the query pool through
# the differential test, the scheduler and report runs). tools/tsan.supp
# names the uninstrumented code (libzstd, RocksDB's memtable) whose own
# synchronization TSan cannot see.
TSAN_TESTS := limit_concurrency index_concurrent_map_stress_test index_qsbr_test index_collection_test \
	storage_group_commit_writer_test storage_database_test resources_resource_service_test \
	rows_row_service_test scheduler_test analytics_differential_test report_runner_test metrics_test
empty :=
space := $(empty) $(empty)
test-tsan: deps
	@cmake -S . -B $(TSAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCLARIBI_TSAN=ON -DCLARIBI_BENCH=OFF >/dev/null
	@cmake --build $(TSAN_BUILD) -j $(JOBS) --target $(TSAN_TESTS)
	@cd $(TSAN_BUILD) && TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$(CURDIR)/tools/tsan.supp" \
		ctest --output-on-failure -j $(JOBS) -R '^($(subst $(space),|,$(TSAN_TESTS)))$$'

# The libFuzzer targets of fuzz/ (clang, ASan + UBSan): 30 s each in `make
# test`, FUZZ_SECONDS each with `make fuzz`. Findings land in $(FUZZ_BUILD)/findings.
fuzz-build: deps
	@CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCLARIBI_FUZZ=ON -DCLARIBI_BENCH=OFF >/dev/null
	@cmake --build $(FUZZ_BUILD) --target fuzz_targets -j $(JOBS)

test-fuzz: fuzz-build
	@bash tools/run-fuzzers.sh $(FUZZ_BUILD) 30

fuzz: fuzz-build
	@bash tools/run-fuzzers.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

# The cluster harness in full (tests/cluster/): PostgreSQL primary + synchronous
# standby, Redis, HAProxy and three nodes, each in a network namespace; needs
# root. `make test` runs its short form (cluster_short_test).
test-cluster: build
	@CLUSTER_TEST_REQUIRE=1 CLUSTER_TEST_MODE=full SERVER_BIN=$(BUILD)/src/server/claribi-server \
		ADMIN_BIN=$(BUILD)/tools/admin/claribi-admin bash tests/cluster/cluster_test.sh

# The crash soak of the suite (10 kill -9 rounds) for SOAK_CYCLES (100) rounds.
SOAK_CYCLES ?= 100
soak: build
	@SOAK_CYCLES=$(SOAK_CYCLES) SERVER_BIN=$(BUILD)/src/server/claribi-server ADMIN_BIN=$(BUILD)/tools/admin/claribi-admin \
		bash tests/e2e/crash_soak_test.sh

bench: build
	@bash bench/run.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(TSAN_BUILD) $(FUZZ_BUILD)
