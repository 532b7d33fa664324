# The two commands: `make run` (web page on http://127.0.0.1:7860) and `make test`.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: run test lint eval index browser container-smoke

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# CPU torch first, pinned: a bare torch requirement would pull a multi-GB CUDA build.
	$(BIN)/python -m pip install --quiet torch==2.13.0
	# dev: test tools; scale: Milvus and Ray, so their tests run for real.
	$(BIN)/python -m pip install --quiet -e '.[dev,scale]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/qa serve

lint: $(STAMP)
	$(BIN)/ruff check qa index ui tests benchmarks scripts
	$(BIN)/mypy
	$(BIN)/hadolint --failure-threshold error Dockerfile

test: lint
	$(BIN)/python -m pytest

# Build the image and test it for real (also run by `make test` through tests/test_container.py
# when podman or docker can run containers here).
container-smoke:
	bash scripts/container_smoke.sh

index: $(STAMP)
	$(BIN)/qa index

eval: $(STAMP)
	$(BIN)/qa eval ../shared/eval/squad2_dev_subset.json

# The browser tests drive Debian's Chromium at /usr/bin/chromium; no browser is downloaded.
browser:
	test -x /usr/bin/chromium || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium)
