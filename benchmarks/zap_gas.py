"""Gas of minting a 10-component index with one token through IndexZap, against doing the same by hand, in one run
on eth-tester.

The world: USDC (6 decimals, with EIP-2612 permit) and ten priced components (the demo's assets), each pooled
against USDC on a real Uniswap V2 (npm artifacts) at $10M a side, the V2 adapter, and a vault whose share holds
$100 of each component. A wallet holding only USDC ends with 10 shares either way, from the same chain snapshot:

- by hand: approve the router for USDC; for each component, `swapTokensForExactTokens` for exactly what the mint
  pulls (its own transaction) and an approval of the vault for it; then `IndexVault.mint`. 22 transactions.
- zap: one `mint_with_permit` (the permit signed off-chain), legs planned by scripts/_zap.py with its default 0.3 %
  buffer (so each leg buys a little more and the zap refunds it); also shown as approve + `mint`.
- zap redeem: `IndexZap.redeem` of the 10 shares to USDC (after an approval of the zap for them, shown apart).

Every transaction's full gas is counted, 21,000 base included, on both sides alike.

Run: `make bench` (or `python benchmarks/zap_gas.py` inside the project's venv).
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):
    # Run as `python benchmarks/zap_gas.py`: make `keeper` and `scripts` importable from the project root.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ape import accounts, chain, networks, project
from ape.logging import LogLevel, logger
from eth_account import Account

from keeper.npm_artifacts import load_npm_artifact
from scripts.deploy import deploy_factory

ONE = 10**18
DAY = 86_400
BPS = 10_000
ZERO_ADDRESS = "0x" + "00" * 20
NO_DEADLINE = 2**256 - 1
SHARES = 10 * ONE
SHARE_USD_PER_COMPONENT = 100
POOL_DEPTH_USD = 10_000_000
# (symbol, decimals, USD price): scripts/_world.py's DEMO_ASSETS after USDC.
COMPONENTS = [
    ("WETH", 18, 2_000), ("WBTC", 8, 50_000), ("LINK", 18, 15), ("UNI", 18, 8), ("AAVE", 18, 90),
    ("MKR", 18, 1_500), ("SNX", 18, 3), ("CRV", 18, 1), ("COMP", 18, 50), ("LDO", 18, 2),
]  # fmt: skip
SLIPPAGE = 200
GOAL_RATIO = 0.6
PERMIT_TYPES = {
    "Permit": [
        {"name": "owner", "type": "address"},
        {"name": "spender", "type": "address"},
        {"name": "value", "type": "uint256"},
        {"name": "nonce", "type": "uint256"},
        {"name": "deadline", "type": "uint256"},
    ]
}


class BenchmarkError(Exception):
    """A measurement went wrong (a transaction failed or the two sides ended with different positions)."""


@dataclass(frozen=True)
class Result:
    by_hand: dict[str, int]  # step -> gas, summed over the transactions of that kind
    zap_permit: int
    zap_approve: int
    zap_mint: int
    zap_redeem: int
    redeem_approve: int
    zap_mint_exact_buffer0: int
    by_hand_exit: int  # the same position back to USDC by hand: redeem, then approve and swap each component
    parts: dict[str, int]  # where the zap's gas goes: each part measured as its own call (21,000 base removed)


def ratio(zap_gas: int, by_hand_gas: int) -> float:
    if by_hand_gas <= 0:
        raise BenchmarkError("by-hand gas must be positive")
    return zap_gas / by_hand_gas


def summary_line(result: Result) -> str:
    """`zap N=10 zap_mint_gas=<g> by_hand_gas=<g> ratio=<r> zap_redeem_gas=<g>`: the one-transaction permit mint."""
    by_hand = sum(result.by_hand.values())
    return (
        f"zap N={len(COMPONENTS)} zap_mint_gas={result.zap_permit} by_hand_gas={by_hand} "
        f"ratio={ratio(result.zap_permit, by_hand):.2f} zap_redeem_gas={result.zap_redeem}"
    )


def check(tx) -> int:
    if tx.failed:
        raise BenchmarkError(f"transaction {tx.txn_hash} failed")
    return tx.gas_used


def deploy_world(deployer, governance):
    """USDC (permit), ten components with feeds behind an OracleRouter, V2 pools against USDC, the adapter, a
    factory, the 10-component vault and the zap."""
    usdc = project.PermitToken.deploy("USD Coin", "USDC", 6, sender=deployer)
    tokens = [project.MockERC20.deploy(f"Mock {s}", s, d, sender=deployer) for s, d, _ in COMPONENTS]
    assets = [(usdc, 6, 1)] + [(t, d, p) for t, (_, d, p) in zip(tokens, COMPONENTS)]
    feeds = [project.MockAggregator.deploy(8, p * 10**8, sender=deployer) for *_, p in assets]
    router = project.OracleRouter.deploy(governance, DAY, ZERO_ADDRESS, 0, sender=deployer)
    for (token, *_), feed in zip(assets, feeds):
        router.propose_feed(token, feed, DAY, 0, 2**128 - 1, sender=governance)
    chain.pending_timestamp += DAY
    for (token, *_), feed in zip(assets, feeds):
        router.execute_feed(token, feed, DAY, 0, 2**128 - 1, sender=governance)
        feed.set_answer(feed.latestRoundData()[1], sender=deployer)

    factory = load_npm_artifact("@uniswap/v2-core", "UniswapV2Factory").deploy(deployer, sender=deployer)
    weth = load_npm_artifact("@uniswap/v2-periphery", "WETH9").deploy(sender=deployer)
    uniswap = load_npm_artifact("@uniswap/v2-periphery", "UniswapV2Router02").deploy(factory, weth, sender=deployer)
    depth_usdc = POOL_DEPTH_USD * 10**6
    usdc.mint(deployer, depth_usdc * len(tokens), sender=deployer)
    usdc.approve(uniswap, 2**256 - 1, sender=deployer)
    for token, (_, decimals, price) in zip(tokens, COMPONENTS):
        amount = POOL_DEPTH_USD * 10**decimals // price
        token.mint(deployer, amount, sender=deployer)
        token.approve(uniswap, amount, sender=deployer)
        uniswap.addLiquidity(usdc, token, depth_usdc, amount, 0, 0, deployer, NO_DEADLINE, sender=deployer)
    adapter = project.UniswapV2Adapter.deploy(uniswap, sender=deployer)

    vault_factory = deploy_factory(deployer)
    n = len(tokens)
    targets = [BPS // n] * n
    targets[0] += BPS - sum(targets)
    limits = (100, 2_000, 50, 50, 3_600, 500, 7 * DAY, 500)
    rebalancing = (router, ZERO_ADDRESS, [], [adapter], targets, [0] * n, [BPS] * n, limits)
    units = [SHARE_USD_PER_COMPONENT * 10**d // p for _, d, p in COMPONENTS]
    receipt = vault_factory.create_vault(
        "Bench Ten", "TEN", tokens, units, governance, governance, governance, 0, 0, 0, DAY, rebalancing,
        sender=deployer,
    )  # fmt: skip
    vault = project.IndexVault.at(receipt.events.filter(vault_factory.VaultCreated)[0].vault)
    zap = project.IndexZap.deploy(weth, sender=deployer)
    return usdc, tokens, uniswap, factory, adapter, vault, zap


def by_hand(wallet, usdc, tokens, uniswap, vault) -> dict[str, int]:
    """The 22 transactions of a wallet holding only USDC: approve the router, buy each component exactly, approve
    the vault for each, mint."""
    gas = {"approve USDC to router": check(usdc.approve(uniswap, 2**256 - 1, sender=wallet))}
    owed = vault.preview_mint(SHARES)
    swaps = approvals = 0
    for token, need in zip(tokens, owed):
        path = [usdc.address, token.address]
        swaps += check(uniswap.swapTokensForExactTokens(need, 2**255, path, wallet, NO_DEADLINE, sender=wallet))
        approvals += check(token.approve(vault, need, sender=wallet))
    gas["10 swaps (swapTokensForExactTokens)"] = swaps
    gas["10 approvals of the vault"] = approvals
    gas["in-kind mint"] = check(vault.mint(SHARES, wallet, sender=wallet))
    if vault.balanceOf(wallet) != SHARES:
        raise BenchmarkError("by hand: wrong share balance")
    return gas


def by_hand_exit(wallet, usdc, tokens, uniswap, vault) -> int:
    """10 shares back to USDC by hand, from a wallet that minted them by hand: the in-kind redeem, then for each
    component an approval of the router and a swap to USDC (21 transactions)."""
    by_hand(wallet, usdc, tokens, uniswap, vault)
    paid = vault.preview_redeem(SHARES)
    gas = check(vault.redeem(SHARES, wallet, [], sender=wallet))
    for token, amount in zip(tokens, paid):
        gas += check(token.approve(uniswap, amount, sender=wallet))
        gas += check(uniswap.swapExactTokensForTokens(amount, 0, [token.address, usdc.address], wallet, NO_DEADLINE,
                                                      sender=wallet))  # fmt: skip
    return gas


def sign_permit(token, owner, spender, value: int, deadline: int):
    domain = {"name": token.name(), "version": "1", "chainId": chain.chain_id, "verifyingContract": token.address}
    message = {"owner": owner.address, "spender": spender.address, "value": value, "nonce": token.nonces(owner),
               "deadline": deadline}  # fmt: skip
    signed = Account.sign_typed_data(owner.private_key, domain, PERMIT_TYPES, message)
    return signed.v, signed.r.to_bytes(32, "big"), signed.s.to_bytes(32, "big")


def measure() -> Result:
    from scripts import _zap

    deployer, governance, wallet = accounts.test_accounts[0], accounts.test_accounts[1], accounts.test_accounts[4]
    usdc, tokens, uniswap, factory, adapter, vault, zap = deploy_world(deployer, governance)
    usdc.mint(wallet, 1_000_000 * 10**6, sender=deployer)
    venue = _zap.Venue(factory, uniswap, adapter.address)

    start = chain.snapshot()
    hand = by_hand(wallet, usdc, tokens, uniswap, vault)
    chain.restore(start)
    start = chain.snapshot()  # a restored snapshot is used up

    # One transaction: permit + mint (the scripts' default 0.3 % buffer on each leg).
    routes = _zap.plan_mint(vault, usdc.address, SHARES, venue)
    max_in = _zap.spent(routes)
    deadline = chain.pending_timestamp + DAY
    v, r, s = sign_permit(usdc, wallet, zap, max_in, deadline)
    permit_mint = check(zap.mint_with_permit(vault, SHARES, usdc, max_in, _zap.legs(routes), SLIPPAGE, wallet, deadline,
                                             v, r, s, sender=wallet))  # fmt: skip
    if vault.balanceOf(wallet) != SHARES:
        raise BenchmarkError("zap: wrong share balance")
    redeem_approve = check(vault.approve(zap, SHARES, sender=wallet))
    out_routes = _zap.plan_redeem(vault, usdc.address, SHARES, [], venue)
    min_out = _zap.less_buffer(sum(r.amount_out for r in out_routes), 10)
    redeem = check(zap.redeem(vault, SHARES, usdc, min_out, _zap.legs(out_routes, redeem=True), [], SLIPPAGE, wallet,
                              sender=wallet))  # fmt: skip
    chain.restore(start)
    start = chain.snapshot()

    # The same with a standing approval instead of a permit.
    approve = check(usdc.approve(zap, 2**256 - 1, sender=wallet))
    mint = check(zap.mint(vault, SHARES, usdc, max_in, _zap.legs(routes), SLIPPAGE, wallet, sender=wallet))
    chain.restore(start)
    start = chain.snapshot()

    # And with legs quoted exactly (no buffer): nothing left over to refund, the floor of the zap's own cost.
    exact = _zap.plan_mint(vault, usdc.address, SHARES, venue, buffer_bps=0)
    usdc.approve(zap, 2**256 - 1, sender=wallet)
    exact_mint = check(zap.mint(vault, SHARES, usdc, _zap.spent(exact), _zap.legs(exact), SLIPPAGE, wallet,
                                sender=wallet))  # fmt: skip
    chain.restore(start)
    start = chain.snapshot()

    # The parts, each as its own transaction or call from the wallet, less the 21,000 base.
    base = 21_000
    owed = vault.preview_mint(SHARES)
    oracle = project.OracleRouter.at(project.RebalancePolicy.at(vault.policy()).oracle())
    leg = routes[0]
    usdc.approve(adapter, leg.amount_in, sender=wallet)
    adapter_swap = check(adapter.swap(usdc, leg.component, leg.amount_in, owed[0], _zap.v2_data(leg.path),
                                      sender=wallet)) - base  # fmt: skip
    chain.restore(start)
    start = chain.snapshot()
    usdc.approve(uniswap, 2**256 - 1, sender=wallet)
    router_swap = check(uniswap.swapExactTokensForTokens(leg.amount_in, owed[0], list(leg.path), wallet, NO_DEADLINE,
                                                         sender=wallet)) - base  # fmt: skip
    chain.restore(start)
    parts = {
        "one leg through the adapter (swap only)": adapter_swap,
        "the same leg through the router directly": router_swap,
        "oracle values of 10 components + USDC": oracle.values.estimate_gas_cost(
            [t.address for t in tokens] + [usdc.address], list(owed) + [max_in]) - base,
        "vault.basket() + preview_mint()": vault.basket.estimate_gas_cost() + vault.preview_mint.estimate_gas_cost(
            SHARES) - 2 * base,
        "in-kind mint (by hand's, as the zap calls it)": hand["in-kind mint"] - base,
    }  # fmt: skip
    exit_gas = by_hand_exit(wallet, usdc, tokens, uniswap, vault)
    return Result(hand, permit_mint, approve, mint, redeem, redeem_approve, exact_mint, exit_gas, parts)


def run() -> None:
    started = time.perf_counter()
    logger.set_level(LogLevel.WARNING)
    with networks.ethereum.local.use_provider("test"):
        result = measure()
    hand_total = sum(result.by_hand.values())
    print(f"by hand ({len(COMPONENTS)} components, USDC in, 22 transactions)")
    for step, gas in result.by_hand.items():
        print(f"  {step:40} {gas:>10,}")
    print(f"  {'total':40} {hand_total:>10,}")
    print("zap")
    rows = [
        ("mint_with_permit (1 transaction)", result.zap_permit),
        ("approve USDC to zap + mint", result.zap_approve + result.zap_mint),
        ("mint, legs quoted exactly (no refunds)", result.zap_mint_exact_buffer0),
    ]
    for label, gas in rows:
        print(f"  {label:40} {gas:>10,}  {ratio(gas, hand_total):.2f}x by hand")
    print(f"  {'redeem to USDC':40} {result.zap_redeem:>10,}  {ratio(result.zap_redeem, result.by_hand_exit):.2f}x "
          f"the by-hand exit ({result.by_hand_exit:,}: redeem, 10 approvals, 10 swaps)")  # fmt: skip
    print(f"  {'(approve of the shares for redeem)':40} {result.redeem_approve:>10,}")
    print("where the zap's mint gas goes (each part measured alone, 21,000 base removed)")
    for label, gas in result.parts.items():
        print(f"  {label:46} {gas:>10,}")
    n = len(COMPONENTS)
    accounted = (21_000 + n * result.parts["one leg through the adapter (swap only)"]
                 + result.parts["oracle values of 10 components + USDC"]
                 + result.parts["in-kind mint (by hand's, as the zap calls it)"])  # fmt: skip
    print(f"  {'base + 10 adapter legs + oracle + in-kind mint':46} {accounted:>10,}")
    print(f"  {'rest: pulls, approvals, checks, refunds (cap)':46} {result.zap_mint - accounted:>10,}")
    floor = (
        21_000
        + n * result.parts["the same leg through the router directly"]
        + result.parts["in-kind mint (by hand's, as the zap calls it)"]
    )
    print(
        f"  {'floor: base + 10 router swaps + in-kind mint':46} {floor:>10,}  {ratio(floor, hand_total):.2f}x by hand"
    )
    print()
    print(f"elapsed {time.perf_counter() - started:.1f}s (eth-tester / py-evm); goal ratio <= {GOAL_RATIO}")
    print(summary_line(result))


if __name__ == "__main__":
    run()
