"""Gas of one swap through each swap adapter, side by side with the same swap sent to that venue's router directly.

Real Uniswap V2 (factory, Router02) and V3 (factory, SwapRouter, NonfungiblePositionManager) from the npm artifacts
on eth-tester, one pool each for the same pair (AAA/USDC, 18 and 6 decimals, $10M a side at 1 AAA = 2 USDC; V3 at
0.3 % with the mock world's concentrated range), the same trade (1,000 AAA, single pool). From one chain snapshot
per venue the same account, standing in for the vault, first swaps through the router itself (`swapExactTokens-
ForTokens` / `exactInput`, the router approved beforehand), then, restored, through the adapter (the adapter approved
beforehand; the vault approves it in the same transaction as its call, which is not counted here). The difference is what the adapter's checks
cost: the pull into the adapter and its balance check, the approve to the router, the output and leftover checks.

Run: `make bench` (or `python benchmarks/adapter_gas.py` inside the project's venv).
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):
    # Run as `python benchmarks/adapter_gas.py`: make `keeper` and `scripts` importable from the project root.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ape import accounts, chain, networks, project
from ape.logging import LogLevel, logger
from eth_abi import encode

from keeper.abi import encode_v3_path

DEPTH = 1_000_000  # whole AAA per pool (and twice that in USDC)
TRADE = 1_000  # whole AAA sold
NO_DEADLINE = 2**256 - 1


class BenchmarkError(Exception):
    """A measurement went wrong (a transaction failed, or a swap paid nothing); the row would be meaningless."""


@dataclass(frozen=True)
class SwapGas:
    venue: str  # "v2" or "v3"
    adapter: int  # gas of the adapter's `swap`
    router_direct: int  # gas of the same swap sent to the venue's router

    @property
    def overhead(self) -> int:
        return self.adapter - self.router_direct


def swap_gas_line(row: SwapGas) -> str:
    """The machine-readable row `make bench` prints for a venue."""
    return f"swap_gas venue={row.venue} adapter={row.adapter} router_direct={row.router_direct} overhead={row.overhead}"


def measure(deployer, trader, uniswap=None, uniswap_v3=None) -> list[SwapGas]:
    """Both venues' rows, on the active chain. `uniswap` / `uniswap_v3` (scripts._world's) are deployed if not given;
    the tokens and pools are always fresh."""
    from scripts._world import deploy_uniswap, deploy_uniswap_v3  # deferred: needs the project, not at import

    uniswap = uniswap or deploy_uniswap(deployer)
    uniswap_v3 = uniswap_v3 or deploy_uniswap_v3(deployer, uniswap.weth)
    aaa = project.MockERC20.deploy("Bench AAA", "AAA", 18, sender=deployer)
    usdc = project.MockERC20.deploy("Bench USDC", "USDC", 6, sender=deployer)
    depth = (DEPTH * 10**18, 2 * DEPTH * 10**6)
    uniswap.add_liquidity(aaa, usdc, *depth, deployer)
    uniswap_v3.add_liquidity(aaa, usdc, *depth, deployer)
    v2_adapter = project.UniswapV2Adapter.deploy(uniswap.router, sender=deployer)
    v3_adapter = project.UniswapV3Adapter.deploy(uniswap_v3.router, sender=deployer)
    amount_in = TRADE * 10**18
    aaa.mint(trader, 3 * amount_in, sender=trader)  # never emptied: no refund for a zeroed balance in any run
    usdc.mint(trader, 1, sender=trader)  # the output balance is warm and non-zero in both runs alike

    venues = {
        "v2": (
            v2_adapter, encode(["address[]"], [[aaa.address, usdc.address]]), uniswap.router,
            lambda: uniswap.router.swapExactTokensForTokens(
                amount_in, 1, [aaa, usdc], trader, NO_DEADLINE, sender=trader
            ),
        ),
        "v3": (
            v3_adapter, encode_v3_path((aaa.address, usdc.address)), uniswap_v3.router,
            lambda: uniswap_v3.router.exactInput(
                (encode_v3_path((aaa.address, usdc.address)), trader, NO_DEADLINE, amount_in, 1), sender=trader
            ),
        ),
    }  # fmt: skip
    rows = []
    for venue, (adapter, data, router, direct_swap) in venues.items():
        aaa.approve(router, amount_in, sender=trader)
        aaa.approve(adapter, amount_in, sender=trader)
        snapshot = chain.snapshot()
        direct = direct_swap()
        direct_out = usdc.balanceOf(trader)
        chain.restore(snapshot)
        swap = adapter.swap(aaa, usdc, amount_in, 1, data, sender=trader)
        if direct.failed or swap.failed or usdc.balanceOf(trader) != direct_out or direct_out <= 1:
            raise BenchmarkError(f"{venue}: the two swaps did not both pay the same output")
        rows.append(SwapGas(venue, swap.gas_used, direct.gas_used))
    return rows


def run() -> None:
    started = time.perf_counter()
    logger.set_level(LogLevel.WARNING)
    with networks.ethereum.local.use_provider("test"):
        deployer, trader = accounts.test_accounts[:2]
        rows = measure(deployer, trader)
    print(f"{'venue':>5} | {'adapter':>8} | {'router':>8} | {'overhead':>8}")
    print("-" * 39)
    for row in rows:
        print(f"{row.venue:>5} | {row.adapter:>8,} | {row.router_direct:>8,} | {row.overhead:>8,}")
    print()
    print(f"elapsed {time.perf_counter() - started:.1f}s (eth-tester / py-evm; 1,000 AAA -> USDC, one pool)")
    for row in rows:
        print(swap_gas_line(row))


if __name__ == "__main__":
    run()
