"""Shared fixtures live in tests/fixtures/; this file registers them and the Hypothesis profiles."""

import os

from ape.api import ReceiptAPI
from ape.contracts import ContractContainer
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


def _at_replacing_the_cached_type(container, address, **kwargs):
    return container.chain_manager.contracts.instance_at(
        address, contract_type=container.contract_type, replace=True, **kwargs
    )


# ape's isolation reverts the chain but not its address -> contract type cache, so after a revert the same CREATE
# address can hold another contract (a compliant index in one module, a plain vault in the next), and `Container.at`
# would merge both ABIs (two `Minted` events: `vault.Minted` became an ambiguous wrapper). A test says what is at an
# address; that replaces the cached type.
ContractContainer.at = _at_replacing_the_cached_type
