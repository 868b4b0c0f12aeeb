# The two entry points of README.md. Each installs what is missing, then builds.
BUILD ?= build
JOBS ?= $(shell nproc)

.PHONY: all setup build test demo clean

all: build

setup:
	@bash tools/setup-debian.sh

build: setup
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build $(BUILD) -j$(JOBS)

test: build
	ctest --test-dir $(BUILD) --output-on-failure -j$(JOBS) --timeout 120

demo: build
	BUILD=$(BUILD) bash tools/demo.sh

clean:
	rm -rf $(BUILD)
