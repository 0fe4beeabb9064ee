"""Gas benchmark: issuance systems under test versus Set Protocol v2's BasicIssuanceModule.

Run from the project root (after `./fetch_set.sh`):

    python benchmarks/gas_vs_set.py

It runs on ape's in-process test chain (eth-tester / py-evm). For each basket size N it deploys N fresh
18-decimal StandardTokenMock components (shared by every system at that N, units of 1e18 each) and records
receipt gas_used for: the first mint, a repeat mint by the same minter, and a partial redeem by the same holder.
Every system is measured against Set; the last line is a single machine-readable summary.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

if __package__ in (None, ""):
    # Run as `python benchmarks/gas_vs_set.py`: make `benchmarks.gas_table` importable from the project root.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ape import accounts, networks, project
from ape.api import AccountAPI, ReceiptAPI
from ape.contracts import ContractContainer, ContractInstance
from ape.logging import LogLevel, logger
from ethpm_types import ContractType

from benchmarks.gas_table import (
    OpGas,
    format_marginals,
    format_table,
    summarize,
    summary_line,
    targets_line,
)
from scripts.deploy import compliant_blueprints

ROOT = Path(__file__).resolve().parent.parent
SET_ARTIFACTS = ROOT / "build" / "set-protocol-v2" / "artifacts" / "contracts"

BASKET_SIZES = (1, 2, 5, 10, 20)
UNIT = 10**18  # component units per 1e18 index tokens, for every component
MINT_AMOUNT = 10 * 10**18  # index tokens per mint (first and repeat)
REDEEM_AMOUNT = 5 * 10**18  # partial redeem, leaves the holder with a balance
COMPONENT_SUPPLY = 10**30  # minted to the minter by each StandardTokenMock; far above what the benchmark pulls
MAX_UINT256 = 2**256 - 1
ZERO_ADDRESS = "0x" + "00" * 20

BASELINE = "Set"

# (management bps a year, mint bps, redeem bps). Set's BasicIssuanceModule charges no fee, so the headline
# IndexVault row charges none either; the "+fees" row shows what streaming, mint and redeem fees add.
NO_FEES = (0, 0, 0)
WITH_FEES = (100, 10, 10)
TIMELOCK_DELAY = 86_400  # the minimum; the delay does not touch mint or redeem
BPS = 10_000


class BenchmarkError(Exception):
    """Base class for benchmark failures (missing artifacts, a failed sanity check)."""


@dataclass(frozen=True)
class Handle:
    """One deployed basket of one system."""

    token: ContractInstance  # the index token (balanceOf of the holder)
    target: ContractInstance  # the contract whose mint/issue and redeem are measured
    spender: str  # address the minter approves for every component


class IssuanceSystem(Protocol):
    name: str

    def deploy(self, components: Sequence[ContractInstance], units: Sequence[int]) -> Handle: ...

    def mint(self, handle: Handle, amount: int, minter: AccountAPI) -> ReceiptAPI: ...

    def redeem(self, handle: Handle, amount: int, holder: AccountAPI) -> ReceiptAPI: ...


def _load_set_container(relative: str) -> ContractContainer:
    path = SET_ARTIFACTS / relative
    if not path.is_file():
        raise BenchmarkError(f"missing Set artifact {path}; run ./fetch_set.sh from the project root first")
    artifact = json.loads(path.read_text())
    if artifact.get("linkReferences"):
        raise BenchmarkError(f"{relative} needs library linking, which this benchmark does not do")
    contract_type = ContractType(
        contractName=artifact["contractName"],
        abi=artifact["abi"],
        deploymentBytecode={"bytecode": artifact["bytecode"]},
    )
    return ContractContainer(contract_type)


@dataclass
class SetSystem:
    """Set Protocol v2: one Controller, SetTokenCreator and BasicIssuanceModule shared by every SetToken."""

    deployer: AccountAPI
    name: str = BASELINE

    def __post_init__(self) -> None:
        self._set_token = _load_set_container("protocol/SetToken.sol/SetToken.json")
        controller = _load_set_container("protocol/Controller.sol/Controller.json").deploy(
            self.deployer, sender=self.deployer
        )
        creator_container = _load_set_container("protocol/SetTokenCreator.sol/SetTokenCreator.json")
        self._creator = creator_container.deploy(controller, sender=self.deployer)
        self._module = _load_set_container("protocol/modules/BasicIssuanceModule.sol/BasicIssuanceModule.json").deploy(
            controller, sender=self.deployer
        )
        controller.initialize([self._creator], [self._module], [], [], sender=self.deployer)
        _check(controller.isModule(self._module), "Set controller did not register the issuance module")

    def deploy(self, components: Sequence[ContractInstance], units: Sequence[int]) -> Handle:
        receipt = self._creator.create(
            list(components), list(units), [self._module], self.deployer, "Bench Set", "BSET", sender=self.deployer
        )
        (created,) = receipt.decode_logs(self._creator.SetTokenCreated)
        set_token = self._set_token.at(created._setToken)
        self._module.initialize(set_token, ZERO_ADDRESS, sender=self.deployer)
        _check(set_token.isInitializedModule(self._module), "Set issuance module not initialized on the SetToken")
        # BasicIssuanceModule pulls components with transferFrom from the module, into the SetToken.
        return Handle(token=set_token, target=self._module, spender=self._module.address)

    def mint(self, handle: Handle, amount: int, minter: AccountAPI) -> ReceiptAPI:
        return self._module.issue(handle.token, amount, minter, sender=minter)

    def redeem(self, handle: Handle, amount: int, holder: AccountAPI) -> ReceiptAPI:
        return self._module.redeem(handle.token, amount, holder, sender=holder)


@dataclass
class BareSystem:
    """contracts/mocks/BareIssuance.vy: the floor, one contract per basket."""

    deployer: AccountAPI
    name: str = "Bare"

    def deploy(self, components: Sequence[ContractInstance], units: Sequence[int]) -> Handle:
        bare = project.BareIssuance.deploy(list(components), list(units), sender=self.deployer)
        return Handle(token=bare, target=bare, spender=bare.address)

    def mint(self, handle: Handle, amount: int, minter: AccountAPI) -> ReceiptAPI:
        return handle.target.mint(amount, minter, sender=minter)

    def redeem(self, handle: Handle, amount: int, holder: AccountAPI) -> ReceiptAPI:
        return handle.target.redeem(amount, holder, sender=holder)


# ---------------------------------------------------------------------------------------------------------------
# System under test: the project's IndexVault, created through VaultFactory from a Vyper blueprint.
# ---------------------------------------------------------------------------------------------------------------
@dataclass
class IndexVaultSystem:
    deployer: AccountAPI
    governance: AccountAPI
    guardian: AccountAPI
    fee_recipient: AccountAPI
    fees: tuple[int, int, int] = NO_FEES
    name: str = "IndexVault"

    def __post_init__(self) -> None:
        # ContractContainer.declare sends the EIP-5202 blueprint deployment; the receipt carries its address.
        blueprint = project.IndexVault.declare(sender=self.deployer).contract_address
        policy_blueprint = project.RebalancePolicy.declare(sender=self.deployer).contract_address
        _check(blueprint is not None, "IndexVault blueprint declaration returned no contract address")
        _check(policy_blueprint is not None, "RebalancePolicy blueprint declaration returned no contract address")
        self._factory = project.VaultFactory.deploy(
            blueprint, policy_blueprint, *compliant_blueprints(self.deployer), sender=self.deployer
        )
        # Mint and redeem never read prices: an oracle with no feeds is enough.
        self._oracle = project.OracleRouter.deploy(
            self.governance, TIMELOCK_DELAY, ZERO_ADDRESS, 0, sender=self.deployer
        )

    def deploy(self, components: Sequence[ContractInstance], units: Sequence[int]) -> Handle:
        receipt = self._factory.create_vault(
            "Bench Index",
            "BIDX",
            list(components),
            list(units),
            self.governance,
            self.guardian,
            self.fee_recipient,
            *self.fees,
            TIMELOCK_DELAY,
            _rebalancing(self._oracle.address, len(components)),
            sender=self.deployer,
        )
        (created,) = receipt.decode_logs(self._factory.VaultCreated)
        vault = project.IndexVault.at(created.vault)
        return Handle(token=vault, target=vault, spender=vault.address)

    def mint(self, handle: Handle, amount: int, minter: AccountAPI) -> ReceiptAPI:
        return handle.target.mint(amount, minter, sender=minter)

    def redeem(self, handle: Handle, amount: int, holder: AccountAPI) -> ReceiptAPI:
        return handle.target.redeem(amount, holder, [], sender=holder)


def _rebalancing(oracle: str, count: int) -> tuple:
    """`vault_params.PolicyParams` for a vault that is only minted and redeemed: equal targets, no keepers."""
    targets = [BPS // count] * count
    targets[0] += BPS - sum(targets)
    limits = (100, 2_000, 50, 50, 3_600, 500, 7 * 86_400, 15)
    return (oracle, ZERO_ADDRESS, [], [], targets, [0] * count, [BPS] * count, limits)


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise BenchmarkError(f"sanity check failed: {message}")


def measure(system: IssuanceSystem, components: Sequence[ContractInstance], minter: AccountAPI) -> OpGas:
    handle = system.deploy(components, [UNIT] * len(components))
    for component in components:
        component.approve(handle.spender, MAX_UINT256, sender=minter)

    first = system.mint(handle, MINT_AMOUNT, minter)
    after_first = handle.token.balanceOf(minter)
    _check(after_first > 0, f"{system.name}: first mint credited nothing")

    repeat = system.mint(handle, MINT_AMOUNT, minter)
    after_repeat = handle.token.balanceOf(minter)
    _check(after_repeat > after_first, f"{system.name}: repeat mint credited nothing")

    component_before = components[0].balanceOf(minter)
    redeem = system.redeem(handle, REDEEM_AMOUNT, minter)
    _check(
        handle.token.balanceOf(minter) == after_repeat - REDEEM_AMOUNT,
        f"{system.name}: redeem did not burn exactly the amount",
    )
    _check(components[0].balanceOf(minter) > component_before, f"{system.name}: redeem paid out nothing")

    for receipt in (first, repeat, redeem):
        _check(not receipt.failed, f"{system.name}: transaction {receipt.txn_hash} failed")
    return OpGas(first=first.gas_used, repeat=repeat.gas_used, redeem=redeem.gas_used)


def run() -> None:
    started = time.perf_counter()
    # ape logs every deployment and confirmation at INFO on stdout; keep stdout for the report (last line parseable).
    logger.set_level(LogLevel.WARNING)
    token_container = _load_set_container("mocks/StandardTokenMock.sol/StandardTokenMock.json")

    with networks.ethereum.local.use_provider("test"):
        deployer, minter, governance, guardian, fee_recipient = accounts.test_accounts[:5]

        roles = (deployer, governance, guardian, fee_recipient)
        systems: list[IssuanceSystem] = [
            SetSystem(deployer),
            BareSystem(deployer),
            IndexVaultSystem(*roles),
            IndexVaultSystem(*roles, fees=WITH_FEES, name="IndexVault+fees"),
        ]

        results: dict[str, dict[int, OpGas]] = {system.name: {} for system in systems}
        for n in BASKET_SIZES:
            components = [
                token_container.deploy(minter, COMPONENT_SUPPLY, f"Component {i}", f"C{i}", 18, sender=deployer)
                for i in range(n)
            ]
            for system in systems:
                results[system.name][n] = measure(system, components, minter)

    print(format_table(results, BASELINE, BASKET_SIZES))
    print()
    print(format_marginals(results))
    print()
    print(f"elapsed {time.perf_counter() - started:.1f}s (eth-tester / py-evm)")

    summary = summarize(results, "IndexVault", BASELINE)
    print(targets_line(summary))
    print(summary_line(summary))


if __name__ == "__main__":
    run()
