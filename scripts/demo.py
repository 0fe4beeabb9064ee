"""The end-to-end story on a local anvil chain (`make demo`): deploy a mock world and the protocol, create two indices
from the example YAML specs, mint from a wallet, move prices day by day over ten simulated weeks (a bull run, a crash,
a recovery), let two keepers rebalance every week (the momentum index's keeper is also its strategist and rotates into
USDC when the trend turns down, and back), redeem, and print holdings, weights, NAV per share and every trade with its
gas; a PNG chart of NAV per share against buy-and-hold goes to build/demo/nav_per_share.png.

    ape run demo --network ethereum:local:foundry       (anvil from node_modules/, started and stopped by ape)

Set DEMO_WEEKS to shorten it (the CI test runs a few weeks). Any failed step exits non-zero.
"""

import math
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import click
from ape import accounts, chain, project
from ape.cli import ConnectedProviderCommand
from ape.logging import LogLevel, logger

from keeper.abi import Function
from keeper.cycle import build
from keeper.deployment import save_deployment
from keeper.history import PriceHistory
from keeper.rpc import Rpc
from keeper.settings import load_settings
from keeper.signer import Signer
from keeper.strategies import Momentum
from keeper.strategist import Strategist
from scripts._wallet import format_units

DAY = 86_400
WEEK = 7 * DAY
ONE = 10**18
ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "build" / "demo"
SPECS = (ROOT / "examples" / "defi.yaml", ROOT / "examples" / "momentum.yaml")
SHARES = 100 * ONE  # what alice mints of each index
# Roles: the test mnemonic's accounts (anvil funds them).
DEPLOYER, DAO, GUARDIAN, ALICE, DEFI_KEEPER, MOMENTUM_KEEPER = 0, 1, 2, 4, 7, 8
ZAPPER = 5  # holds only USDC: mints and redeems through the zap
WARMUP_DAYS = 21  # quiet days before week 1 so the momentum strategist has history to read


class DemoError(click.ClickException):
    """A step of the story did not happen as it must; the demo exits non-zero."""


@dataclass
class Index:
    spec_path: Path
    vault: object
    policy: object
    keeper: object
    units: list[int]
    tokens: list
    weekly: list[tuple[int, int, int, int]] = field(default_factory=list)  # (week, nav/share, buy&hold, usdc bps)


# How strongly each asset follows the market (1 = the market): the indices drift apart from their targets.
BETA = {"WETH": 1.0, "WBTC": 0.8, "LINK": 1.4, "UNI": 1.3, "AAVE": 0.9, "MKR": 0.6, "CRV": 1.6}
SET_ANSWER = Function("MockAggregator", "set_answer", ("int256",), ())


def daily_factor(symbol: str, day: int) -> float:
    """The scripted market: sideways before day 0, a bull run (days 0-27), a crash (28-48), a recovery (49+); each
    asset scaled by its beta, plus a small wiggle; USDC stays at $1."""
    if symbol == "USDC":
        return 1.0
    wiggle = 0.006 * math.sin(day * 1.3 + len(symbol))
    if day < 0:
        return math.exp(wiggle)
    drift = 0.012 if day < 28 else -0.03 if day < 49 else 0.022
    return math.exp(drift * BETA.get(symbol, 1.0) + wiggle)


class FeedPublisher:
    """The demo's oracle network: each day's answers for every feed go out as signed transactions in one JSON-RPC
    batch (ape would wait for each receipt in turn; this keeps `make demo` well inside its 3 minutes)."""

    def __init__(self, market, symbols: set[str], account):
        self.rpc = Rpc(chain.provider.uri)
        self.signer = Signer(account, chain.chain_id)
        self.feeds = {t.symbol(): f for t, f in zip(market.tokens, market.feeds, strict=True) if t.symbol() in symbols}
        self.answers = {symbol: feed.latestRoundData()[1] for symbol, feed in self.feeds.items()}

    def publish(self, day: int) -> None:
        nonce = int(self.rpc.call("eth_getTransactionCount", [self.signer.address, "pending"]), 16)
        base_fee = int(self.rpc.call("eth_getBlockByNumber", ["latest", False])["baseFeePerGas"], 16)
        raws = []
        for i, (symbol, feed) in enumerate(sorted(self.feeds.items())):
            self.answers[symbol] = max(1, int(self.answers[symbol] * daily_factor(symbol, day)))
            raws.append(self.signer.sign(
                to=feed.address, data=SET_ANSWER.encode(self.answers[symbol]), nonce=nonce + i, gas=150_000,
                max_fee=2 * base_fee + 10**9, priority_fee=10**9,
            ).raw)  # fmt: skip
        for result in self.rpc.batch([("eth_sendRawTransaction", [raw]) for raw in raws]):
            if isinstance(result, Exception):
                raise DemoError(f"publishing day {day}'s prices failed: {result}")
        wait_for_mempool(self.rpc)


def wait_for_mempool(rpc: Rpc, timeout: float = 30.0) -> None:
    """anvil mines each transaction just after accepting it: wait until it has."""
    deadline = time.monotonic() + timeout
    while int(rpc.call("txpool_status", [])["pending"], 16):
        if time.monotonic() > deadline:
            raise DemoError("anvil did not mine the published prices")
        time.sleep(0.01)


def arbitrage(market, symbols: set[str]) -> None:
    """Pull every pool the indices trade through back to the oracle prices (USDC is the hub, index 0)."""
    for i, token in enumerate(market.tokens):
        if i and token.symbol() in symbols:
            market.arbitrage(0, i)


def buy_and_hold(router, tokens, units) -> int:
    """What one share's initial basket is worth now, at oracle prices (USD, 18 decimals)."""
    return sum(router.values([t.address for t in tokens], units))


def make_keeper(deployment_file: Path, data_dir: Path, vault, account: int, usdc: str, strategy=None):
    settings = load_settings(
        rpc_url=chain.provider.uri, deployment=deployment_file, vaults=[vault.address], account=f"TEST::{account}",
        data_dir=data_dir, confirmations=1, route_via=usdc, slippage=90,
        # These keepers look once a simulated week, and a crash week moves prices ~30 %: the breaker's default (25 %
        # between two looks, for keepers that look every block) would stop them, as it should in production.
        max_price_jump=6_000,
    )  # fmt: skip
    keeper = build(settings, sign=True)
    if strategy is not None:
        keeper.strategist = Strategist(keeper.chain, PriceHistory(data_dir / "history.sqlite"), strategy)
    return keeper


def settle_cycles(keeper, cooldown: int, rounds: int) -> list:
    """Up to `rounds` keeper cycles, one cooldown apart, until the keeper has nothing left to send."""
    sent = []
    for _ in range(rounds):
        report = keeper.cycle()
        chain.mine()
        keeper.cycle()  # follows what it sent to final
        sent += report.sent
        if not report.sent:
            break
        chain.pending_timestamp += cooldown + 1
    return sent


def weights_table(lens, vault, tokens) -> str:
    state = lens.state(vault)
    navs = [h * p // 10**d for h, p, d in zip(state.holdings, state.prices, state.decimals, strict=True)]
    nav = sum(navs) or 1
    lines = [f"  {'token':6} {'holdings':>22} {'weight':>8} {'target':>8}"]
    for token, held, value, target in zip(tokens, state.holdings, navs, state.targets, strict=True):
        lines.append(f"  {token.symbol():6} {format_units(held, token.decimals()):>22} {value * 100 / nav:7.2f}% {target / 100:7.2f}%")
    return "\n".join(lines)


def chart(indices: list[Index], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")  # no screen: render straight to PNG
    from matplotlib import pyplot

    figure, axes = pyplot.subplots(1, len(indices), figsize=(6 * len(indices), 4))
    for ax, index in zip(axes, indices, strict=True):
        weeks = [w for w, *_ in index.weekly]
        ax.plot(weeks, [n / ONE for _, n, _, _ in index.weekly], marker="o", label=f"{index.vault.symbol()} (rebalanced)")
        ax.plot(weeks, [b / ONE for _, _, b, _ in index.weekly], linestyle="--", label="buy-and-hold basket")
        ax.set_title(index.vault.name())
        ax.set_xlabel("week")
        ax.set_ylabel("NAV per share (USD)")
        ax.legend()
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100)


@click.command(cls=ConnectedProviderCommand)
@click.option("--weeks", type=int, default=lambda: int(os.environ.get("DEMO_WEEKS", "10")), show_default="10")
def cli(network, weeks):
    """Run the whole story on this (local) chain."""
    logger.set_level(LogLevel.ERROR)  # the story prints its own tables, not one line per transaction
    run(network.choice, weeks, OUT)


def run(network: str, weeks: int, out: Path) -> list[Index]:
    """The whole story; tables go to stdout, the deployment file and the chart to `out`."""
    # Imported here, not at the top: `ape run` executes every script module to list its commands, and a script module
    # already imported by another one (demo) would be executed a second time, with a RuntimeWarning from runpy.
    from scripts.create_index import create_index
    from scripts.deploy import deploy_protocol
    from scripts.mint import mint
    from scripts.redeem import redeem
    from scripts._demo_zap import zap_round_trip

    a = accounts.test_accounts
    deployer, alice = a[DEPLOYER], a[ALICE]
    roles = {"deployer": deployer.address, "dao": a[DAO].address, "guardian": a[GUARDIAN].address}

    click.echo("== 1. deploy: mock tokens, feeds, Uniswap V2 with $10M pools, the protocol")
    deployment, market = deploy_protocol(deployer, network, mock_world=True, liquidity=deployer)
    out.mkdir(parents=True, exist_ok=True)
    deployment_file = out / "deployment.json"
    save_deployment(deployment, deployment_file)
    lens, router = project.VaultLens.at(deployment.lens), market.router
    usdc = deployment.tokens["USDC"]
    click.echo(f"   factory {deployment.factory}  lens {deployment.lens}  ({len(deployment.tokens)} tokens)")

    click.echo("== 2. create two indices from the example specs; alice mints 100 of each")
    indices, symbols = [], set()
    data_root = out / "keeper"  # fresh journals: a rerun's chain reuses the same addresses
    shutil.rmtree(data_root, ignore_errors=True)
    for spec_path, keeper_account in zip(SPECS, (DEFI_KEEPER, MOMENTUM_KEEPER), strict=True):
        # Each index gets its own keeper account: one account, one nonce sequence, one journal.
        index_roles = {**roles, "keeper": a[keeper_account].address}
        spec, vault, policy = create_index(deployer, deployment, spec_path, index_roles, echo=lambda _: None)
        tokens = [project.MockERC20.at(address) for address in vault.basket()[0]]
        units = vault.basket()[1]
        symbols |= {t.symbol() for t in tokens}
        strategy = None
        if spec.strategy.get("name") == "momentum":
            options = {k: v for k, v in spec.strategy.items() if k in ("fast", "slow", "rsi_period", "rsi_high", "rsi_low")}
            strategy = Momentum(stablecoin=spec.strategy["stablecoin"], **options)
        keeper = make_keeper(deployment_file, data_root / vault.symbol(), vault, keeper_account, usdc, strategy)
        for token, owed in zip(tokens, vault.preview_mint(SHARES), strict=True):
            token.mint(alice, owed, sender=alice)  # the mock tokens' faucet
        mint(alice, vault, SHARES, echo=lambda _: None)
        indices.append(Index(spec_path, vault, policy, keeper, units, tokens))
        click.echo(f"   {vault.symbol():5} {vault.name():25} {', '.join(t.symbol() for t in tokens)}"
                   f"  strategy {spec.strategy.get('name', 'governance')}  NAV/share ${lens.nav_per_share(vault) / ONE:,.2f}")  # fmt: skip

    click.echo(f"== 3. {WARMUP_DAYS} quiet days of oracle rounds, then {weeks} weeks: prices move daily, keepers act weekly")
    publisher = FeedPublisher(market, symbols, market.liquidity)
    for day in range(WARMUP_DAYS):
        chain.pending_timestamp += DAY
        publisher.publish(day - WARMUP_DAYS)
    trades = []
    click.echo(f"   {'week':>4} " + "  ".join(f"{i.vault.symbol():>5} NAV/sh  hold/sh  USDC tgt" for i in indices))
    for week in range(1, weeks + 1):
        for day in range((week - 1) * 7, week * 7):
            chain.pending_timestamp += DAY
            publisher.publish(day)
        arbitrage(market, symbols)
        for index in indices:
            cooldown = index.policy.limits().cooldown
            for intent in settle_cycles(index.keeper, cooldown, rounds=4):
                trades.append((week, index, intent))
            market.refresh()
            targets = index.policy.targets()[0]
            usdc_target = next((t for tok, t in zip(index.tokens, targets, strict=True) if tok.address == usdc), 0)
            index.weekly.append((week, lens.nav_per_share(index.vault), buy_and_hold(router, index.tokens, index.units),
                                 usdc_target))  # fmt: skip
        click.echo(f"   {week:>4} " + "  ".join(
            f"{'':5} {i.weekly[-1][1] / ONE:7.2f}  {i.weekly[-1][2] / ONE:7.2f}  {i.weekly[-1][3] / 100:6.2f}%" for i in indices))

    click.echo("== 4. every trade")
    click.echo(f"   {'week':>4} {'index':5} {'sell -> buy':16} {'sold':>18} {'bought':>18} {'gas':>8}")
    for week, index, intent in trades:
        intent = index.keeper.journal.intent(intent.id)
        if intent.kind != "rebalance" or intent.status != "final":
            click.echo(f"   {week:>4} {index.vault.symbol():5} {intent.kind} {intent.status} gas {intent.gas_used}")
            continue
        event = next(e for e in index.vault.Rebalanced.query("*", start_block=intent.mined_block,
                                                               stop_block=intent.mined_block)["event_arguments"])  # fmt: skip
        sell, buy = project.MockERC20.at(event["sell"]), project.MockERC20.at(event["buy"])
        click.echo(
            f"   {week:>4} {index.vault.symbol():5} {sell.symbol() + ' -> ' + buy.symbol():16}"
            f" {format_units(event['amount_in'], sell.decimals()):>18} {format_units(event['amount_out'], buy.decimals()):>18}"
            f" {intent.gas_used:>8}"
        )

    click.echo("== 5. holdings and weights vs targets")
    for index in indices:
        click.echo(f"   {index.vault.symbol()} NAV ${lens.nav(index.vault) / ONE:,.2f}")
        click.echo(weights_table(lens, index.vault, index.tokens))

    click.echo("== 6. alice redeems half of each index")
    for index in indices:
        before = [t.balanceOf(alice) for t in index.tokens]
        redeem(alice, index.vault, SHARES // 2, echo=lambda _: None)
        got = [t.balanceOf(alice) - b for t, b in zip(index.tokens, before, strict=True)]
        click.echo(f"   {index.vault.symbol()}: " + ", ".join(
            f"{format_units(g, t.decimals())} {t.symbol()}" for t, g in zip(index.tokens, got, strict=True)))

    click.echo("== 7. a wallet holding only USDC mints and redeems through the zap")
    zap_round_trip(deployment, indices[0].vault, a[ZAPPER])

    chart(indices, out / "nav_per_share.png")
    click.echo(f"== chart: {out / 'nav_per_share.png'}")
    check_story(indices, trades, weeks)
    return indices


def check_story(indices: list[Index], trades: list, weeks: int) -> None:
    """The story must have happened: trades landed, and (given the crash) the momentum index went to USDC."""
    if not trades or any(index.keeper.journal.intents("failed", "dropped", "rejected") for index in indices):
        raise DemoError("the keepers did not rebalance cleanly (no trades, or a failed one)")
    momentum = indices[-1]
    if weeks >= 6 and max(w[3] for w in momentum.weekly) <= momentum.weekly[0][3]:
        raise DemoError("the momentum index never rotated into USDC during the crash")
