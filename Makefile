# The two entry points of README.md. Each installs what is missing, then builds.
#   make test        everything CI runs: format-check, test-fast, then sanitize (which also fuzzes)
#   make test-fast   the plain suite (build/)
#   make sanitize    the whole suite under ASan + UBSan, then the libFuzzer targets for
#                    FUZZ_SECONDS each, all from one clang tree (build-sanitize/)
#   make fuzz        only the fuzzing, in that same tree
#   make format      rewrites every git-tracked C++ file in the style of .clang-format
#   make bench       vigil-bench (the engine against raw ZeroMQ) and the core's microbenchmarks (BENCHMARKS.md)
#   make format-check  lists the files `make format` would change; fails if there is one
BUILD ?= build
SANITIZE_BUILD ?= build-sanitize
JOBS ?= $(shell nproc)
FUZZ_SECONDS ?= 15
# clang for the instrumented tree: it built the ASan+UBSan core tests in 115 s where gcc
# took 199 s on the same 2 cores, and libFuzzer needs it anyway. One tree serves both the
# sanitized suite and the fuzzers (coverage instrumentation costs the suite little), which
# saves a third build of everything on a 2-core machine.
SANITIZE_CXX ?= clang++-14

# ccache, where installed, makes the trees cheap to rebuild. Paths are made relative to the
# checkout and debug-info directories are not hashed, so a fresh clone in another folder
# (CI's) reuses what an earlier build of the same sources compiled.
CCACHE := $(shell command -v ccache 2>/dev/null)
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := true
LAUNCHER := $(if $(CCACHE),-DCMAKE_CXX_COMPILER_LAUNCHER=$(CCACHE))
CTEST = ctest --output-on-failure -j$(JOBS) --timeout 120

CLANG_FORMAT ?= clang-format-14
# The C++ files under version control: never build trees or generated protobuf code.
CXX_FILES = git ls-files -z -- '*.cc' '*.h'

.PHONY: all setup build test test-fast sanitize sanitize-build fuzz demo clean format format-check bench bench-journal

all: build

setup:
	@bash tools/setup-debian.sh

build: setup
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(LAUNCHER)
	cmake --build $(BUILD) -j$(JOBS)

test: format-check test-fast sanitize

test-fast: build
	$(CTEST) --test-dir $(BUILD)

# -O1: the sanitizers' usual trade between build time and a suite that stays fast.
# Any finding aborts the process (-fno-sanitize-recover=all), which fails its test.
sanitize: sanitize-build
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  $(CTEST) --test-dir $(SANITIZE_BUILD)
	bash tests/fuzz/run.sh $(SANITIZE_BUILD) $(FUZZ_SECONDS)

sanitize-build: setup
	cmake -S . -B $(SANITIZE_BUILD) -DCMAKE_BUILD_TYPE=Sanitize -DCMAKE_CXX_FLAGS_SANITIZE="-O1 -g1" \
	  -DCMAKE_CXX_COMPILER=$(SANITIZE_CXX) -DVIGIL_SANITIZE=ON -DVIGIL_FUZZ=ON $(LAUNCHER)
	cmake --build $(SANITIZE_BUILD) -j$(JOBS)

fuzz: sanitize-build
	bash tests/fuzz/run.sh $(SANITIZE_BUILD) $(FUZZ_SECONDS)

# The microbenchmarks are not part of the plain build (EXCLUDE_FROM_ALL): built here only.
bench: setup
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(LAUNCHER)
	cmake --build $(BUILD) -j$(JOBS) --target vigil-engine vigil-bench vigil-microbench vigil-scenario vigil-replay
	BUILD=$(BUILD) bash tools/vigil-bench/standard.sh

demo: build
	BUILD=$(BUILD) bash tools/demo.sh

format: setup
	$(CXX_FILES) | xargs -0 $(CLANG_FORMAT) -i --style=file

# Names every file that differs from its formatted self, then fails once for all of them.
format-check: setup
	@$(CXX_FILES) | xargs -0 -n 1 sh -c '$(CLANG_FORMAT) --style=file "$$0" | cmp -s - "$$0" || echo "$$0"' \
	  > $(BUILD).format-check.txt; \
	if [ -s $(BUILD).format-check.txt ]; then \
	  echo "format-check: not formatted (run make format):"; sed 's/^/  /' $(BUILD).format-check.txt; \
	  rm -f $(BUILD).format-check.txt; exit 1; \
	fi; rm -f $(BUILD).format-check.txt; echo "format-check: every C++ file is formatted"

clean:
	rm -rf $(BUILD) $(SANITIZE_BUILD)

# The recovery benchmark (issue 15): restart time on 1, 7 and 30 days of a 20-bed ward,
# before and after snapshots. Minutes, not part of `make test`.
bench-journal: build
	cmake --build $(BUILD) -j$(JOBS) --target vigil-journal-bench vigil-engine
	bash tools/journal-bench.sh $(BUILD)
