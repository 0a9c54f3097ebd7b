# Two commands: `make build` and `make test`. Both bootstrap .venv from the
# pinned lock file first; everything else is delegated to invoke (tasks.py).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat requirements.lock | sha1sum | cut -c1-12)
# LibreTranslate servers of the tests and bench/bench_scale_out.py: a venv of
# their own (their pins clash with ours).
LT_VENV  := .venv-libretranslate
LT_STAMP := $(LT_VENV)/.installed-$(shell cat requirements-libretranslate.lock | sha1sum | cut -c1-12)
# llama.cpp servers of the LLM tests: llama-cpp-python[server], a source
# package compiled here for the CPU (24 minutes measured on 2 busy cores;
# pip caches the wheel, which then installs in seconds), in a venv of its own.
LLAMA_VENV  := .venv-llamacpp
LLAMA_STAMP := $(LLAMA_VENV)/.installed-$(shell cat requirements-llamacpp.lock | sha1sum | cut -c1-12)

.PHONY: build test serve clean publish setup bench check-build check-test
# The system check must run before .venv is made: prerequisites in order.
.NOTPARALLEL:

# Set-up fetches the translation models the site lacks (once; one line and
# on when the index cannot be reached; MIRSAD_FETCH_MODELS=0: never). The
# build itself stays offline. BUILD_FLAGS: options of `invoke build`.
build: check-build $(STAMP)
	$(BIN)/invoke models --if-missing
	$(BIN)/invoke build $(BUILD_FLAGS)

test: check-test $(STAMP) $(LT_STAMP) $(LLAMA_STAMP) node_modules/.installed
	$(BIN)/invoke test

# System libraries and tools (Debian packages): silent when all are there;
# else one apt-get line, and a stop if a required one is missing.
check-build check-test:
	@$(PYTHON) tools/check_system.py $(@:check-%=%)

serve: $(STAMP)
	$(BIN)/invoke serve

clean: $(STAMP)
	$(BIN)/invoke clean

# Build with publishconf.py, then deploy to MIRSAD_DEPLOY["to"] (docs/deploy.md).
publish: check-build $(STAMP)
	$(BIN)/invoke publish

setup: $(STAMP) $(LT_STAMP) $(LLAMA_STAMP) node_modules/.installed

# Benchmarks need argostranslate and torch (CPU) on top: requirements-bench.lock.
bench: $(STAMP) $(LT_STAMP) node_modules/.installed
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-bench.lock
	$(BIN)/invoke bench

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	rm -f $(VENV)/.installed-*
	touch $@

$(LT_STAMP): requirements-libretranslate.lock
	test -x $(LT_VENV)/bin/python || $(PYTHON) -m venv $(LT_VENV)
	$(LT_VENV)/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -r requirements-libretranslate.lock
	rm -f $(LT_VENV)/.installed-*
	touch $@

$(LLAMA_STAMP): requirements-llamacpp.lock
	test -x $(LLAMA_VENV)/bin/python || $(PYTHON) -m venv $(LLAMA_VENV)
	CMAKE_ARGS="-DGGML_BLAS=OFF -DGGML_NATIVE=OFF" $(LLAMA_VENV)/bin/python -m pip install --quiet \
		--disable-pip-version-check --no-deps -r requirements-llamacpp.lock
	rm -f $(LLAMA_VENV)/.installed-*
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@
