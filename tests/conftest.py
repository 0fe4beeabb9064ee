"""Shared fixtures live in tests/fixtures/; this file registers them and the Hypothesis profiles."""

import os

import _pytest.runner
import pytest
from ape.api import ReceiptAPI
from ape.contracts import ContractContainer
from eth_tester import EthereumTester
from hypothesis import HealthCheck, Phase, settings

pytest_plugins = [
    "fixtures.accounts",
    "fixtures.tokens",
    "fixtures.vaults",
    "fixtures.uniswap",
    "fixtures.uniswap_v3",
    "fixtures.oracles",
    "fixtures.market",
    "fixtures.anvil",
    "fixtures.flaky_rpc",
    "fixtures.compliance",
    "fixtures.governor",
]

# Chain calls are slow and their timing varies; examples are judged by outcome, not speed.
_common = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("ci", max_examples=50, stateful_step_count=30, **_common)
settings.register_profile("deep", max_examples=2_000, stateful_step_count=60, **_common)
settings.register_profile(
    "no-shrink", max_examples=50, stateful_step_count=30, phases=[Phase.generate, Phase.target], **_common
)
# CI runs "ci"; HYPOTHESIS_PROFILE=deep for thousands of examples, no-shrink to debug a failure quickly.
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# ape traces every transaction sent to a contract to print the contract's `print()` debug logs
# (ape_ethereum.provider._post_send_transaction). No contract here prints, and the trace re-runs each transaction
# on py-evm: about a sixth of a unit test's CPU. Tests do without it; a receipt's trace is still there on demand.
ReceiptAPI.show_debug_logs = lambda receipt: None


_get_accounts = EthereumTester.get_accounts


def _get_accounts_once_per_key_set(tester):
    keys = tester.backend.account_keys  # a tuple, replaced (never changed) when an account is added
    cached = getattr(tester, "_accounts_of_keys", None)
    if cached is None or cached[0] is not keys:
        cached = tester._accounts_of_keys = (keys, _get_accounts(tester))
    return cached[1]


# ape sends eth_call without a sender, and web3's eth-tester middleware fills one in by asking eth-tester for its
# accounts three times per call, each time deriving and checksumming every test account's address again: 9 % of a
# unit test file's time. The answer only changes when an account is added, which replaces the backend's key tuple.
EthereumTester.get_accounts = _get_accounts_once_per_key_set


def _at_replacing_the_cached_type(container, address, **kwargs):
    return container.chain_manager.contracts.instance_at(
        address, contract_type=container.contract_type, replace=True, **kwargs
    )


# ape's isolation reverts the chain but not its address -> contract type cache, so after a revert the same CREATE
# address can hold another contract (a compliant index in one module, a plain vault in the next), and `Container.at`
# would merge both ABIs (two `Minted` events: `vault.Minted` became an ambiguous wrapper). A test says what is at an
# address; that replaces the cached type.
ContractContainer.at = _at_replacing_the_cached_type


def _in_a_roomy_frame(function, *args):
    return function(*args)


# CPython 3.11 keeps Python frames in 16 KiB chunks, mmap()s a new chunk when a call does not fit the current one and
# munmap()s it as soon as that call returns. A test's EVM calls go up and down across such a boundary millions of
# times: the vault state machine spent 34 of its 90 s in the kernel, the dividend one made 940,000 mmap/munmap pairs. This
# function's frame claims 65,536 stack slots it never uses, so the chunk it lands in is 1 MiB, and everything a test
# calls beneath it fits in the half it leaves free: no chunk is mapped again. Measured alone: vault machine 90 -> 50 s,
# dividend machine 23 -> 15 s.
_in_a_roomy_frame.__code__ = _in_a_roomy_frame.__code__.replace(co_stacksize=65_536)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item, nextitem):
    """pytest's own protocol (set-up, call and teardown of one test), run beneath the roomy frame. The only other
    implementations are wrappers, which still wrap it."""
    return _in_a_roomy_frame(_pytest.runner.pytest_runtest_protocol, item, nextitem)
