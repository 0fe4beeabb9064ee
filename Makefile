# The two commands of the quick start: `make demo` and `make test`. Each sets itself up, idempotently.
SHELL := /bin/bash
VENV := .venv
BIN := $(abspath $(VENV)/bin)
# ape-vyper finds the pip-installed vyper through PATH; anvil comes from node_modules.
export PATH := $(BIN):$(abspath node_modules/.bin):$(PATH)
PYTHON ?= python3

.PHONY: setup test bench demo clean

setup: $(VENV)/.installed node_modules/.installed

# Reinstalled only when the pinned dependencies change.
$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# ape-vyper 0.8.12 does not recompile a contract when only a module it imports changes, so any change under
# contracts/ forces a full recompile (about 20 s) rather than risk testing stale bytecode.
CONTRACT_SOURCES := $(shell find contracts -name '*.vy' -o -name '*.vyi')
.build/.compiled: $(CONTRACT_SOURCES) | setup
	ape compile --force
	touch $@

build/set-protocol-v2/package.json:
	sh benchmarks/fetch_set.sh

# The integration tests switch ape to anvil for a module at a time; ape's snapshot isolation of the session's test
# chain does not survive that switch (session fixtures lose their contracts), so they run in a session of their own.
test: setup .build/.compiled
	ape test tests/ -q --ignore=tests/integration
	ape test tests/integration -q

bench: setup .build/.compiled build/set-protocol-v2/package.json
	python benchmarks/gas_vs_set.py
	python benchmarks/rebalance_gas.py
	python benchmarks/keeper_bench.py

# The story on a fresh anvil (node_modules/.bin/anvil) that ape starts on a free port and stops at the end.
demo: setup .build/.compiled
	APE_FOUNDRY_HOST=http://127.0.0.1:$$(python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])') \
		ape run demo --network ethereum:local:foundry

clean:
	rm -rf $(VENV) node_modules build .build
