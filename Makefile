# Two commands: `make build` and `make test`. Both bootstrap .venv from the
# pinned lock file first; everything else is delegated to invoke (tasks.py).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat requirements.lock | sha1sum | cut -c1-12)

.PHONY: build test serve clean setup bench

build: $(STAMP)
	$(BIN)/invoke build

test: $(STAMP) node_modules/.installed
	$(BIN)/invoke test

serve: $(STAMP)
	$(BIN)/invoke serve

clean: $(STAMP)
	$(BIN)/invoke clean

setup: $(STAMP) node_modules/.installed

# Benchmarks need argostranslate and torch (CPU) on top: requirements-bench.lock.
bench: $(STAMP) node_modules/.installed
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-bench.lock
	$(BIN)/invoke bench

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	rm -f $(VENV)/.installed-*
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@
