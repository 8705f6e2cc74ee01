# The two set-up commands of the README:
#   make demo   install what is missing, build, run the main example
#   make test   install what is missing, build, run every test
# Both are incremental: a second run installs and rebuilds nothing current.

BUILD_DIR ?= build
JOBS ?= 2
BUILD_TYPE ?= Release

.PHONY: demo test deps build clean

deps:
	@scripts/install-deps.sh

$(BUILD_DIR)/build.ninja:
	cmake -G Ninja -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)

build: deps $(BUILD_DIR)/build.ninja
	ninja -C $(BUILD_DIR) -j$(JOBS)

demo: build
	@examples/moe_expert/run.sh $(BUILD_DIR)

test: build
	@python3 scripts/run-tests.py $(BUILD_DIR)

clean:
	rm -rf $(BUILD_DIR)
