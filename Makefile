# The two commands: `make run` (web page on http://127.0.0.1:7860) and `make test`.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
# Two installs: the page's (`make run`), then the test tools and scale-out extras on top of
# it (`make test`), so that `make run` then `make test` ends with both.
RUN_STAMP := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test
# PyTorch's CPU build, from its own index (as the Dockerfile's build arguments of these names);
# PyPI's torch for Linux is a CUDA build that brings several GB of nvidia-* packages.
TORCH_VERSION ?= 2.13.0
TORCH_INDEX_URL ?= https://download.pytorch.org/whl/cpu
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: run test lint eval index browser container-smoke

$(RUN_STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	@# torch first, pinned, from the CPU index where it can be reached (asked for by its local
	@# version label, torch==X+cpu, so that no other index can supply a CUDA build); else from
	@# the default index: on a machine that reaches only PyPI or a mirror, or one (macOS) for
	@# which PyPI's torch is the CPU build and the CPU index has no +cpu wheel.
	@if ! $(BIN)/python -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1].rstrip("/") + "/torch/", timeout=10)' '$(TORCH_INDEX_URL)' 2>/dev/null; then \
		echo "torch: $(TORCH_INDEX_URL) cannot be reached; torch==$(TORCH_VERSION) from the default index"; \
		echo "torch: (for Linux, PyPI's is a CUDA build of several GB; TORCH_INDEX_URL=... names a CPU index)"; \
		$(BIN)/python -m pip install --quiet 'torch==$(TORCH_VERSION)'; \
	elif $(BIN)/python -m pip install --quiet --extra-index-url '$(TORCH_INDEX_URL)' 'torch==$(TORCH_VERSION)+cpu'; then \
		echo "torch: the CPU build, torch==$(TORCH_VERSION)+cpu, from $(TORCH_INDEX_URL)"; \
	else \
		echo "torch: no torch==$(TORCH_VERSION)+cpu for this machine in $(TORCH_INDEX_URL); from the default index"; \
		$(BIN)/python -m pip install --quiet 'torch==$(TORCH_VERSION)'; \
	fi
	@$(BIN)/python -c 'from importlib.metadata import version; print("torch: installed", version("torch"))'
	@# Only what the page needs; `make test` adds the rest.
	$(BIN)/python -m pip install --quiet -e .
	touch $@

# dev: test tools; scale: Milvus and Ray, so their tests run for real.
$(TEST_STAMP): $(RUN_STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,scale]'
	touch $@

run: $(RUN_STAMP)
	$(BIN)/qa serve

lint: $(TEST_STAMP)
	$(BIN)/ruff check qa index ui tests benchmarks scripts
	$(BIN)/mypy
	$(BIN)/hadolint --failure-threshold error Dockerfile

test: lint
	$(BIN)/python -m pytest

# Build the image and test it for real (also run by `make test` through tests/test_container.py
# when podman or docker can run containers here).
container-smoke:
	bash scripts/container_smoke.sh

index: $(RUN_STAMP)
	$(BIN)/qa index

eval: $(RUN_STAMP)
	$(BIN)/qa eval ../shared/eval/squad2_dev_subset.json

# The browser tests drive Debian's Chromium at /usr/bin/chromium; no browser is downloaded.
browser:
	test -x /usr/bin/chromium || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium)
