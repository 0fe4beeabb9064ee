"""Gas of the compliant index kind beside the plain vault, in one run on eth-tester.

For baskets of 1, 5 and 10 components (18-decimal mock tokens), the same operations on a plain `IndexVault` and on a
`CompliantIndex` (its rules: a registry, one blocked country, holder and balance limits, no lock-up so transfers
can be measured right after a mint): a mint to a wallet that already holds, a transfer between two holders, and a
redeem to oneself. Then, on the 10-component compliant index, what dividends cost: `distribute` (a 6-decimal USDC),
the first transfer after a distribution (the worst case: a checkpoint for each party), and `claim` of 1 and of 10
distributions.

Run: `make bench` (or `python benchmarks/compliant_gas.py` inside the project's venv).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    # Run as `python benchmarks/compliant_gas.py`: make `scripts` importable from the project root.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ape import accounts, chain, networks, project
from ape.logging import LogLevel, logger

from scripts.deploy import compliant_blueprints

BASKET_SIZES = (1, 5, 10)
ONE = 10**18
DAY = 86_400
BPS = 10_000
YEAR = 365 * DAY
MAX_UINT256 = 2**256 - 1
ZERO_ADDRESS = "0x" + "00" * 20
GERMANY, FRANCE, NORTH_KOREA = 276, 250, 408
LIMITS = (100, 2_000, 50, 50, 3_600, 500, 7 * DAY, 500)  # vault_params.Limits (never used: nothing rebalances)


class BenchmarkError(Exception):
    """A benchmark transaction failed; the numbers would mean nothing."""


def policy_params(oracle, n: int) -> tuple:
    targets = [BPS // n] * n
    targets[0] += BPS - sum(targets)
    return (oracle.address, ZERO_ADDRESS, [], [], targets, [0] * n, [BPS] * n, LIMITS)


def gas(tx) -> int:
    if tx.failed:
        raise BenchmarkError(f"transaction {tx.txn_hash} failed")
    return tx.gas_used


def measure(n: int, world: dict) -> tuple[dict, dict]:
    """(plain, compliant) gas of mint, transfer and redeem on an n-component basket."""
    deployer, governance, alice, bob = world["deployer"], world["governance"], world["alice"], world["bob"]
    tokens = [project.MockERC20.deploy(f"T{i}", f"T{i}", 18, sender=deployer) for i in range(n)]
    common = ([t.address for t in tokens], [ONE] * n, governance, governance, governance, 0, 0, 0, DAY)
    factory = world["factory"]
    tx = factory.create_vault("Plain", "PLN", *common, policy_params(world["oracle"], n), sender=deployer)
    plain = project.IndexVault.at(tx.events.filter(factory.VaultCreated)[0].vault)
    compliance = (world["registry"].address, [NORTH_KOREA], 100, 10**30, 0)
    tx = factory.create_compliant_vault("Compliant", "CMP", *common, policy_params(world["oracle"], n), compliance,
                                        sender=deployer)  # fmt: skip
    compliant = project.CompliantIndex.at(tx.events.filter(factory.CompliantVaultCreated)[0].index)
    for holder in (alice, bob):
        for token in tokens:
            token.mint(holder, 10**30, sender=deployer)
            token.approve(plain, MAX_UINT256, sender=holder)
            token.approve(compliant, MAX_UINT256, sender=holder)
    results = []
    for index in (plain, compliant):
        index.mint(10 * ONE, alice, sender=alice)
        index.mint(10 * ONE, bob, sender=bob)
        results.append(
            {
                "mint": gas(index.mint(ONE, alice, sender=alice)),
                "transfer": gas(index.transfer(bob, ONE, sender=alice)),
                "redeem": gas(index.redeem(ONE, alice, [], sender=alice)),
            }
        )
    world["last"] = (compliant, tokens)
    return results[0], results[1]


def dividends(world: dict) -> dict:
    """distribute, the first transfer after it, and claims, on the last compliant index measured."""
    deployer, alice, bob = world["deployer"], world["alice"], world["bob"]
    index, _ = world["last"]
    usdc = project.MockERC20.deploy("USD Coin", "USDC", 6, sender=deployer)
    usdc.mint(deployer, 10**18, sender=deployer)
    usdc.approve(index, MAX_UINT256, sender=deployer)
    out = {}
    tx = index.distribute(usdc, 1_000 * 10**6, sender=deployer)
    out["distribute"] = gas(tx)
    out["transfer after a distribution"] = gas(index.transfer(bob, ONE, sender=alice))
    out["transfer, none since"] = gas(index.transfer(bob, ONE, sender=alice))
    out["claim 1 id"] = gas(index.claim([1], sender=alice))
    for _ in range(10):
        index.distribute(usdc, 1_000 * 10**6, sender=deployer)
    out["claim 10 ids"] = gas(index.claim(list(range(2, 12)), sender=alice))
    return out


def run() -> None:
    started = time.perf_counter()
    logger.set_level(LogLevel.WARNING)
    with networks.ethereum.local.use_provider("test"):
        deployer, governance, agent, alice, bob = accounts.test_accounts[:5]
        registry = project.IdentityRegistry.deploy(governance, sender=deployer)
        registry.add_agent(agent, sender=governance)
        registry.register_identity(alice, GERMANY, True, chain.pending_timestamp + YEAR, sender=agent)
        registry.register_identity(bob, FRANCE, True, chain.pending_timestamp + YEAR, sender=agent)
        vault_blueprint = project.IndexVault.declare(sender=deployer).contract_address
        policy_blueprint = project.RebalancePolicy.declare(sender=deployer).contract_address
        factory = project.VaultFactory.deploy(vault_blueprint, policy_blueprint, *compliant_blueprints(deployer),
                                              sender=deployer)  # fmt: skip
        oracle = project.OracleRouter.deploy(governance, DAY, ZERO_ADDRESS, 0, sender=deployer)
        world = {"deployer": deployer, "governance": governance, "alice": alice, "bob": bob, "registry": registry,
                 "factory": factory, "oracle": oracle}  # fmt: skip
        rows = [(n, *measure(n, world)) for n in BASKET_SIZES]
        divs = dividends(world)

    print(f"{'components':>10} | {'op':>8} | {'plain':>9} | {'compliant':>9} | {'extra':>8} | {'ratio':>5}")
    print("-" * 65)
    for n, plain, compliant in rows:
        for op in ("mint", "transfer", "redeem"):
            extra = compliant[op] - plain[op]
            print(
                f"{n:>10} | {op:>8} | {plain[op]:>9,} | {compliant[op]:>9,} | {extra:>8,} | {compliant[op] / plain[op]:>4.2f}x"
            )
    print()
    print(f"dividends ({BASKET_SIZES[-1]}-component compliant index, 6-decimal USDC):")
    for op, value in divs.items():
        print(f"  {op:<32} {value:>9,}")
    print()
    print(f"elapsed {time.perf_counter() - started:.1f}s (eth-tester / py-evm)")
    n, plain, compliant = rows[-1]
    print(
        f"compliant_gas N={n} mint={compliant['mint']} transfer={compliant['transfer']} redeem={compliant['redeem']} "
        f"distribute={divs['distribute']} claim={divs['claim 1 id']}"
    )


if __name__ == "__main__":
    run()
