# The two commands of the quick start: `make demo` and `make test`. Each sets itself up, idempotently.
SHELL := /bin/bash
VENV := .venv
BIN := $(abspath $(VENV)/bin)
# ape-vyper finds the pip-installed vyper through PATH; anvil comes from node_modules.
export PATH := $(BIN):$(abspath node_modules/.bin):$(PATH)
PYTHON ?= python3

.PHONY: setup test test-fast bench demo chain chain-stop clean app

# The Python and npm installs are independent: they run side by side (`make test` adds chromium, the Governor and the
# contracts to the same parallel set-up).
setup:
	@$(MAKE) --no-print-directory -j2 $(VENV)/.installed node_modules/.installed

# Reinstalled only when the pinned dependencies change.
$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# ape-vyper 0.8.12 does not recompile a contract when only a module it imports changes, so any change under
# contracts/ (or to the compiler settings in ape-config.yaml) forces a full recompile (about 20 s) rather than risk
# testing stale bytecode. It needs only the Python packages.
CONTRACT_SOURCES := $(shell find contracts -name '*.vy' -o -name '*.vyi')
.build/.compiled: $(CONTRACT_SOURCES) ape-config.yaml | $(VENV)/.installed
	ape compile --force
	touch $@

# OpenZeppelin's Governor for holders' votes: governor/IndexGovernor.sol compiled by npm's solc-js (about 10 s) against
# the pinned @openzeppelin/contracts, only when the source changes. Kept outside contracts/ so ape never compiles it.
# build.py needs only Python's standard library and node_modules, so it runs while pip is still installing.
GOVERNOR := build/governor/IndexGovernor.json
$(GOVERNOR): governor/IndexGovernor.sol governor/build.py | node_modules/.installed
	$(PYTHON) governor/build.py

build/set-protocol-v2/package.json:
	sh benchmarks/fetch_set.sh

# The browser tests (tests/app) drive Debian's chromium: Playwright's own browser download cannot be reached from CI
# machines. Installed only when missing, so a machine that has it pays nothing.
CHROMIUM := /usr/bin/chromium
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
$(CHROMIUM):
	$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium

# Set-up for the suite, as much of it side by side as its order allows: pip, npm and chromium at once; the Governor as
# soon as npm is done (while pip still runs); the contracts as soon as pip is done.
TEST_SETUP := $(VENV)/.installed node_modules/.installed $(CHROMIUM) .build/.compiled $(GOVERNOR)

# Three sessions side by side. The unit, property and script tests run on two xdist workers (each with its own
# eth-tester chain), one file per worker at a time, the state machines first so the longest files start first. The
# integration tests switch ape to anvil a module at a time, and ape's snapshot isolation of a session's test chain
# does not survive that switch, so they run in sessions of their own, alongside (most of their time is spent waiting
# on anvil and on the commands they run): the README walk-through (the longest chain of commands, about two minutes)
# in one, the other integration tests and then the browser tests (tests/app, on anvil too) in the other. A new test
# folder must be added to UNIT_TESTS or ANVIL_TESTS.
UNIT_TESTS := tests/stateful tests/contracts tests/scripts tests/keeper tests/benchmarks
README_TESTS := tests/integration/test_readme.py
ANVIL_TESTS := tests/integration tests/app
XDIST ?= -n 2 --dist loadfile
test:
	@$(MAKE) --no-print-directory -j5 $(TEST_SETUP)
	@mkdir -p build
	@ape test $(README_TESTS) -q >build/readme-tests.log 2>&1 & readme=$$!; \
	ape test $(ANVIL_TESTS) --ignore=$(README_TESTS) -q >build/integration-tests.log 2>&1 & integration=$$!; \
	ape test $(UNIT_TESTS) -q $(XDIST); unit=$$?; \
	wait $$readme; readme=$$?; wait $$integration; integration=$$?; \
	echo "== $(README_TESTS) (on anvil, run alongside the above; log in build/readme-tests.log)"; \
	tail -n 20 build/readme-tests.log; \
	echo "== $(ANVIL_TESTS) but the README's (on anvil, alongside; log in build/integration-tests.log)"; \
	tail -n 40 build/integration-tests.log; \
	exit $$(( unit || readme || integration ))

# The inner loop: the pure parts, the math fuzzers and the hardening attacks, in well under two minutes.
FAST_TESTS := tests/keeper tests/scripts/test_spec.py tests/scripts/test_examples.py \
	tests/contracts/test_vault_math_fuzz.py tests/contracts/test_hardening.py tests/contracts/test_index_vault_mint_redeem.py
test-fast: setup .build/.compiled
	ape test $(FAST_TESTS) -q $(XDIST)

bench: setup .build/.compiled $(GOVERNOR) build/set-protocol-v2/package.json
	python benchmarks/gas_vs_set.py
	python benchmarks/rebalance_gas.py
	python benchmarks/adapter_gas.py
	python benchmarks/zap_gas.py
	python benchmarks/compliant_gas.py
	python benchmarks/keeper_bench.py

# The story on a fresh anvil (node_modules/.bin/anvil) that ape starts on a free port and stops at the end.
demo: setup .build/.compiled $(GOVERNOR)
	APE_FOUNDRY_HOST=http://127.0.0.1:$$(python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])') \
		ape run demo --network ethereum:local:foundry

# The wallet page (app/, see README "The web page"): the ABIs from the compiled contracts, bundled with viem by vite
# into build/app/dist beside every deployments/*.json, served on 127.0.0.1:$(APP_PORT) until Ctrl-C. It reads the
# local chain's deployment (`make chain`, then `ape run deploy ... --mock-world`) unless the page's address names
# another (`?deployment=ethereum-sepolia&rpc=...`).
APP_PORT ?= 5173
app: setup .build/.compiled
	python scripts/build_app.py --serve $(APP_PORT)

# The persistent local chain every local README command uses: anvil on 127.0.0.1:$(CHAIN_PORT) with the test mnemonic's
# 12 funded accounts (ape's TEST::0-11), its state saved to $(CHAIN_DIR)/state.json every second and on exit, so
# `make chain-stop` then `make chain` brings back the same chain (same block 0, so deployment files still match).
# ape's `--network ethereum:local:foundry` attaches to it at 127.0.0.1:8545; for another port, also export
# APE_FOUNDRY_HOST=http://127.0.0.1:PORT. Remove $(CHAIN_DIR) (with the chain stopped) for a fresh chain.
CHAIN_PORT ?= 8545
CHAIN_DIR ?= build/chain
CHAIN_MNEMONIC := test test test test test test test test test test test junk
chain: setup
	@mkdir -p $(CHAIN_DIR)
	@if python scripts/_node.py up http://127.0.0.1:$(CHAIN_PORT); then \
		echo "a chain is already running on 127.0.0.1:$(CHAIN_PORT)"; \
	else \
		setsid anvil --port $(CHAIN_PORT) --accounts 12 --mnemonic "$(CHAIN_MNEMONIC)" \
			--state $(CHAIN_DIR)/state.json --state-interval 1 >$(CHAIN_DIR)/anvil.log 2>&1 </dev/null & \
		echo $$! >$(CHAIN_DIR)/anvil.pid; \
		python scripts/_node.py wait http://127.0.0.1:$(CHAIN_PORT) && \
		python scripts/_node.py resume http://127.0.0.1:$(CHAIN_PORT) && \
		echo "chain running on 127.0.0.1:$(CHAIN_PORT) (pid $$(cat $(CHAIN_DIR)/anvil.pid), state $(CHAIN_DIR)/state.json); stop it with make chain-stop"; \
	fi

chain-stop:
	@if [ -f $(CHAIN_DIR)/anvil.pid ] && kill $$(cat $(CHAIN_DIR)/anvil.pid) 2>/dev/null; then \
		python scripts/_node.py down http://127.0.0.1:$(CHAIN_PORT); echo "chain stopped (state kept in $(CHAIN_DIR))"; \
	else \
		echo "no chain started by make chain is running"; \
	fi; rm -f $(CHAIN_DIR)/anvil.pid

clean:
	rm -rf $(VENV) node_modules build .build
