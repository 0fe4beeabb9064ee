"""Gas of one keeper rebalance, side by side with the bare Uniswap V2 swap it wraps, in one run on eth-tester.

For baskets of 2, 5 and 10 components (18-decimal tokens at $1, real Uniswap V2 from the npm artifacts), the same
trade (sell component 0 for component 1, 0.5 % of NAV) is measured twice from the same chain snapshot:
`IndexVault.rebalance` by a keeper (policy checks at oracle prices before and after, the adapter, balance-delta
checks, unit updates) and `UniswapV2Router02.swapExactTokensForTokens` called directly by an account. The difference
is what the on-chain safety costs; the per-component slope is the NAV read (one oracle value per component, twice).

Run: `make bench` (or `python benchmarks/rebalance_gas.py` inside the project's venv).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    # Run as `python benchmarks/rebalance_gas.py`: make `keeper` importable from the project root.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ape import accounts, chain, networks, project
from ape.logging import LogLevel, logger
from eth_abi import encode

from keeper.npm_artifacts import load_npm_artifact
from scripts.deploy import compliant_blueprints

BASKET_SIZES = (2, 5, 10)
ONE = 10**18
DAY = 86_400
BPS = 10_000
ZERO_ADDRESS = "0x" + "00" * 20
NO_DEADLINE = 2**256 - 1
SUPPLY = 1_000 * ONE
POOL_DEPTH = 10**6 * ONE
TRADE_BPS_OF_NAV = 50
# max_slippage, max_trade, max_nav_loss, tolerance, cooldown, target_step, target_period
LIMITS = (100, BPS, 500, 500, 900, 500, 7 * DAY, 500)  # vault_params.Limits: the loosest a bench trade needs


class BenchmarkError(Exception):
    """A measurement went wrong (a transaction failed); the table would be meaningless."""


def measure(n: int, roles) -> tuple[int, int]:
    """(vault rebalance gas, direct router swap gas) for an n-component basket."""
    deployer, keeper, trader, governance = roles
    tokens = [project.MockERC20.deploy(f"T{i}", f"T{i}", 18, sender=deployer) for i in range(n)]
    feeds = [project.MockAggregator.deploy(8, 10**8, sender=deployer) for _ in range(n)]
    router = project.OracleRouter.deploy(governance, DAY, ZERO_ADDRESS, 0, sender=deployer)
    for token, feed in zip(tokens, feeds):
        router.propose_feed(token, feed, DAY, 0, 2**128 - 1, sender=governance)
    chain.pending_timestamp += DAY
    for token, feed in zip(tokens, feeds):
        router.execute_feed(token, feed, DAY, 0, 2**128 - 1, sender=governance)
        feed.set_answer(10**8, sender=deployer)

    uniswap_factory = load_npm_artifact("@uniswap/v2-core", "UniswapV2Factory").deploy(deployer, sender=deployer)
    weth = load_npm_artifact("@uniswap/v2-periphery", "WETH9").deploy(sender=deployer)
    uniswap = load_npm_artifact("@uniswap/v2-periphery", "UniswapV2Router02").deploy(
        uniswap_factory, weth, sender=deployer
    )
    for token in tokens[:2]:
        token.mint(deployer, POOL_DEPTH, sender=deployer)
        token.approve(uniswap, POOL_DEPTH, sender=deployer)
    uniswap.addLiquidity(tokens[0], tokens[1], POOL_DEPTH, POOL_DEPTH, 0, 0, deployer, NO_DEADLINE, sender=deployer)
    adapter = project.UniswapV2Adapter.deploy(uniswap, sender=deployer)

    vault_blueprint = project.IndexVault.declare(sender=deployer).contract_address
    policy_blueprint = project.RebalancePolicy.declare(sender=deployer).contract_address
    factory = project.VaultFactory.deploy(vault_blueprint, policy_blueprint, *compliant_blueprints(deployer), sender=deployer)
    # Component 0 sits 100 bps above its target and component 1 100 bps below: a trade of 50 bps of NAV is legal.
    targets = [BPS // n] * n
    targets[0] += BPS - sum(targets) - 100
    targets[1] += 100
    rebalancing = (router, ZERO_ADDRESS, [keeper], [adapter], targets, [0] * n, [BPS] * n, LIMITS)
    receipt = factory.create_vault(
        "Bench", "BNCH", tokens, [ONE] * n, governance, governance, governance, 0, 0, 0, DAY, rebalancing,
        sender=deployer,
    )
    vault = project.IndexVault.at(receipt.events.filter(factory.VaultCreated)[0].vault)
    for token in tokens:
        token.mint(trader, 2 * SUPPLY, sender=deployer)
        token.approve(vault, 2 * SUPPLY, sender=trader)
    vault.mint(SUPPLY, trader, sender=trader)
    tokens[0].approve(uniswap, 2**256 - 1, sender=trader)

    amount_in = SUPPLY * n * TRADE_BPS_OF_NAV // BPS  # every token is $1 and a share holds one of each
    min_out = amount_in * (BPS - 100) // BPS
    path = [tokens[0].address, tokens[1].address]

    snapshot = chain.snapshot()
    direct = uniswap.swapExactTokensForTokens(amount_in, min_out, path, trader, NO_DEADLINE, sender=trader)
    chain.restore(snapshot)
    rebalance = vault.rebalance(
        tokens[0], tokens[1], amount_in, min_out, adapter, encode(["address[]"], [path]), sender=keeper
    )
    for tx in (direct, rebalance):
        if tx.failed:
            raise BenchmarkError(f"transaction {tx.txn_hash} failed")
    return rebalance.gas_used, direct.gas_used


def run() -> None:
    started = time.perf_counter()
    logger.set_level(LogLevel.WARNING)
    rows = []
    with networks.ethereum.local.use_provider("test"):
        deployer, keeper, trader, governance = accounts.test_accounts[:4]
        for n in BASKET_SIZES:
            rows.append((n, *measure(n, (deployer, keeper, trader, governance))))

    print(f"{'components':>10} | {'rebalance':>10} | {'router swap':>11} | {'overhead':>9} | {'ratio':>6}")
    print("-" * 59)
    for n, vault_gas, direct_gas in rows:
        print(f"{n:>10} | {vault_gas:>10,} | {direct_gas:>11,} | {vault_gas - direct_gas:>9,} | {vault_gas / direct_gas:>5.2f}x")
    (n0, g0, _), (n1, g1, _) = rows[0], rows[-1]
    print()
    print(f"elapsed {time.perf_counter() - started:.1f}s (eth-tester / py-evm)")
    print(f"rebalance_gas N={n1} rebalance={g1} per_component={(g1 - g0) // (n1 - n0)}")


if __name__ == "__main__":
    run()
