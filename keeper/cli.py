"""`keeper`: the operator's command line. `plan` (dry run), `run` (the loop without Silverback), `status`, `reset`
(clear breakers after a human has looked) and `backtest` (strategies on a CSV of prices).

Every option also reads a `KEEPER_*` environment variable (see keeper/settings.py); errors are one sentence.
"""

import logging
import signal
import threading
from collections.abc import Callable
from pathlib import Path

import click

from keeper.backtest import format_results, load_prices, run_backtest
from keeper.cycle import CycleReport, Keeper, build
from keeper.deployment import check_node, load_deployment
from keeper.errors import KeeperError
from keeper.journal import GLOBAL, Journal
from keeper.logs import configure_logging
from keeper.planner import Plan, plan
from keeper.rpc import Rpc
from keeper.settings import Settings, load_settings
from keeper.state import VaultState, amount_text, usd_text, utc
from keeper.strategies import STRATEGIES, make_strategy
from keeper.venues import Quote, choose_route, fees_text, quotes_text

log = logging.getLogger("keeper")
BUNDLED_PRICES = Path(__file__).resolve().parents[1] / "examples" / "backtest_prices.csv"  # the repository's copy


def chain_options(command: Callable) -> Callable:
    """The options every chain-facing command shares."""
    options = [
        click.option("--rpc-url", help="JSON-RPC endpoint of the node [KEEPER_RPC_URL; default http://127.0.0.1:8545]"),
        click.option("--deployment", help="Deployment file from `ape run deploy`: lens, factory, adapters (V2; V3 with its "
                     "quoter) [KEEPER_DEPLOYMENT]"),
        click.option("--lens", help="VaultLens address [KEEPER_LENS]"),
        click.option("--factory", help="VaultFactory address: watch every vault it created [KEEPER_FACTORY]"),
        click.option("--vault", "vaults", multiple=True, help="A vault to watch (repeatable) [KEEPER_VAULTS]"),
        click.option("--data-dir", type=click.Path(file_okay=False), help="Journal folder [KEEPER_DATA_DIR]"),
        click.option("--route-via", help="Also quote routes through this token: an address or a symbol such as USDC "
                     "[KEEPER_ROUTE_VIA]"),
        click.option("--slippage", type=int, help="Bps below the oracle value accepted [KEEPER_SLIPPAGE; default: each "
                     "vault policy's max_slippage]"),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def settings_from(**options) -> Settings:
    options["vaults"] = list(options.get("vaults") or []) or None
    settings = load_settings(**options)
    if settings.deployment:  # never act on a node that is not the chain the deployment file was written for
        check_node(load_deployment(settings.deployment), Rpc(settings.rpc_url), str(settings.deployment))
    return settings


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="Log every decision, not only trades and alerts.")
def main(verbose: bool) -> None:
    """Watch index vaults and rebalance them toward their targets, within the bounds their policies enforce."""
    # Only the keeper's own logger: a root handler would print every ape line a second time.
    configure_logging(verbose)


@main.command("plan")
@chain_options
def plan_command(**options) -> None:
    """Dry run: current vs target weights and the trades the keeper would send, for each vault. Sends nothing."""
    with _errors():
        settings = settings_from(**options)
        keeper = build(settings, sign=False)
        report = keeper.cycle()
        quotes = keeper.quote_plans(report)  # both venues, every planned trade, one more round trip
        for vault, vault_plan in report.plans.items():
            state = report.states[vault]
            symbols = keeper.chain.symbol_map([vault, *state.tokens, *(state.access.hops if state.access else ())])
            click.echo(format_plan(vault_plan, state, symbols, quotes.get(vault)))
        for vault, reason in report.skipped.items():
            if vault not in report.plans:
                click.echo(f"{vault}: {reason}")


@main.command("run")
@chain_options
@click.option("--adapter", help="The allow-listed swap adapter [KEEPER_ADAPTER]")
@click.option("--adapter-v3", help="Also trade through this Uniswap V3 adapter where a vault allows it and it pays "
              "more [KEEPER_ADAPTER_V3]")  # fmt: skip
@click.option("--quoter-v3", help="The Uniswap V3 QuoterV2 that prices its routes [KEEPER_QUOTER_V3]")
@click.option("--account", help="ape account alias that signs (keystore; TEST::n on a local chain) [KEEPER_ACCOUNT]")
@click.option("--interval", type=float, help="Seconds between cycles [KEEPER_INTERVAL; 12]")
@click.option("--metrics-port", type=int, help="Serve Prometheus /metrics on this port [KEEPER_METRICS_PORT]")
@click.option("--cycles", type=int, default=None, help="Stop after this many cycles (default: run until stopped).")
def run_command(cycles: int | None, **options) -> None:
    """Cycle forever (or --cycles times): follow sent transactions, read every vault, rebalance what drifted."""
    with _errors():
        settings = settings_from(**options)
        keeper = build(settings, sign=True)
        if settings.metrics_port:
            keeper.metrics.serve(settings.metrics_port)
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        run_loop(keeper, cycles, settings.interval, stop)


def run_loop(keeper: Keeper, cycles: int | None, interval: float, stop: threading.Event) -> int:
    """Run cycles until `stop` or `cycles` done; a cycle that fails on the node is logged and the next one retries.
    Returns the number of cycles that completed."""
    done = attempts = 0
    while not stop.is_set() and (cycles is None or attempts < cycles):
        attempts += 1
        try:
            report = keeper.cycle()
            done += 1
            log.info(summary(report))
        except KeeperError as error:  # the node went away, or answered nonsense: the next cycle starts afresh
            log.error("cycle failed, retrying in %.0f s: %s", interval, error)
        if cycles is None or attempts < cycles:
            stop.wait(interval)
    return done


@main.command("status")
@chain_options
def status_command(**options) -> None:
    """Per vault: NAV, largest drift, last trade and breaker state; then the transactions still in flight."""
    with _errors():
        settings = settings_from(**options)
        keeper = build(settings, sign=False)
        head = keeper.chain.head()
        states = keeper.chain.read_states(keeper.chain.vaults(), head.number)
        breakers = keeper.journal.breakers()
        click.echo(f"block {head.number}  breaker (all vaults): {breakers.get(GLOBAL, 'ok')}")
        click.echo(f"{'vault':42}  {'NAV (USD)':>16}  {'drift':>6}  {'last trade':30}  breaker")
        for vault, state in states.items():
            click.echo(format_status(vault, state, keeper, head.timestamp, breakers.get(vault, "ok")))
        for intent in keeper.journal.live():
            click.echo(f"in flight: {intent.key} nonce {intent.nonce} ({intent.status})")


@main.command("reset")
@click.option("--data-dir", type=click.Path(file_okay=False), help="Journal folder [KEEPER_DATA_DIR]")
@click.option("--vault", default=None, help="Clear only this vault's breaker (default: every breaker).")
def reset_command(data_dir: str | None, vault: str | None) -> None:
    """Clear tripped breakers, the failure streak and the last-seen prices, after a human has checked the cause."""
    with _errors():
        settings = load_settings(data_dir=data_dir)
        journal = Journal(settings.data_dir / "journal.sqlite")
        for scope, reason in journal.breakers().items():
            if vault in (None, scope):
                click.echo(f"clearing breaker {scope}: {reason}")
        cleared = journal.reset(vault)
        click.echo(f"{cleared} breaker(s) cleared")


@main.command("backtest")
@click.option("--prices", "prices_csv", type=click.Path(exists=True, dir_okay=False),
              default=str(BUNDLED_PRICES), show_default="examples/backtest_prices.csv, from any folder",
              help="CSV: a `timestamp` column, then one USD price column per symbol.")  # fmt: skip
@click.option("--strategy", "names", multiple=True, type=click.Choice(sorted(STRATEGIES)),
              help="Strategy to run (repeatable; default: all but governance, which keeps the starting "
                   "equal targets and so is equal-weight again).")  # fmt: skip
@click.option("--every", "every_days", type=int, default=7, show_default=True, help="Days between rebalances.")
@click.option("--fee-bps", type=int, default=30, show_default=True, help="Cost of trading, bps of the value sold.")
@click.option("--step", type=int, default=10_000, show_default=True, help="Most a target moves per rebalance, bps.")
@click.option("--stablecoin", default="USDC", show_default=True, help="Momentum's risk-off asset.")
@click.option("--top-n", type=int, default=4, show_default=True, help="Market cap: how many assets.")
@click.option("--cap", "cap_bps", type=int, default=4_000, show_default=True, help="Market cap: per-asset cap, bps.")
@click.option("--market-caps", default="", help="Market cap source: JSON file or http(s) URL (default: bundled).")
def backtest_command(prices_csv: str, names: tuple[str, ...], every_days: int, fee_bps: int, step: int,
                     **strategy_options) -> None:  # fmt: skip
    """Run strategies over a CSV of prices and print one row each, beside buy-and-hold."""
    with _errors():
        prices = load_prices(prices_csv)
        results = {}
        for name in names or [name for name in sorted(STRATEGIES) if name != "governance"]:
            strategy = make_strategy(name, **strategy_options)
            results[name] = run_backtest(prices, strategy, rebalance_every_days=every_days, fee_bps=fee_bps, step=step)
        click.echo(format_results(results))


# --- formatting ----------------------------------------------------------------------------------------------------


def summary(report: CycleReport) -> str:
    """One line per cycle: what it did, and why nothing else (the commonest reasons for skipping, counted)."""
    reasons: dict[str, int] = {}
    for reason in report.skipped.values():
        short = reason.split(":")[0] if reason.startswith(("not served", "breaker", "cooling down")) else reason
        reasons[short] = reasons.get(short, 0) + 1
    why = "; ".join(f"{count} {reason}" for reason, count in sorted(reasons.items(), key=lambda kv: -kv[1])[:3])
    return (
        f"block {report.head.number} ({utc(report.head.timestamp)}): {len(report.states)} vault"
        f"{'' if len(report.states) == 1 else 's'} read, "
        f"{len(report.plans)} planned, {len(report.sent)} sent, {len(report.skipped)} skipped"
        f"{f' ({why})' if why else ''}, {report.round_trips} round trips"
    )


def usd(value: int) -> str:
    return usd_text(value)


def amount(raw: int, decimals: int) -> str:
    return amount_text(raw, decimals)


def format_plan(
    vault_plan: Plan, state: VaultState, symbols: dict[str, str], quotes: list[list[Quote]] | None = None
) -> str:
    """The `keeper plan` table for one vault; with `quotes` (per trade), each trade's quotes on both venues and the
    route the keeper would take."""
    reason = vault_plan.reason
    for token, symbol in symbols.items():  # the planner names tokens by address (it reads no symbols)
        reason = reason.replace(token, symbol)
    lines = [f"vault {vault_plan.vault} ({symbols.get(vault_plan.vault, '?')})  NAV {usd(vault_plan.nav)}  — {reason}"]
    lines.append(f"  {'token':8} {'weight':>7} {'target':>7} {'min':>6} {'max':>6} {'drift':>6} {'value':>16}")
    for row in vault_plan.rows:
        flag = "  out of band" if row.out_of_band else ""
        lines.append(
            f"  {symbols[row.token]:8} {row.weight / 100:6.2f}% {row.target / 100:6.2f}% {row.min_weight / 100:5.1f}%"
            f" {row.max_weight / 100:5.1f}% {row.drift:+6d} {usd(row.value):>16}{flag}"
        )
    decimals = dict(zip(state.tokens, state.decimals, strict=True))
    for i, trade in enumerate(vault_plan.trades, 1):
        route = " -> ".join(symbols.get(t, t[:8]) for t in trade.path)
        lines.append(
            f"  trade {i}: sell {amount(trade.amount_in, decimals[trade.sell])} {symbols[trade.sell]}"
            f" ({usd(trade.value_in)}) for at least {amount(trade.min_out, decimals[trade.buy])} {symbols[trade.buy]}"
            f" via {route}"
        )
        if quotes is not None and not quotes[i - 1]:
            lines.append("    quotes: none (no adapter that this vault's policy allows is configured)")
        elif quotes is not None:
            lines.append(f"    quotes: {quotes_text(trade, quotes[i - 1], symbols, decimals)}")
            chosen = choose_route(trade, quotes[i - 1], symbols, decimals)
            if isinstance(chosen, str):
                lines.append(f"    would skip: {chosen}")
            else:
                via = " -> ".join(symbols.get(t, t[:8]) for t in chosen.path)
                tier = f" ({fees_text(chosen.fees)})" if chosen.fees else ""
                lines.append(f"    best: {chosen.venue} via {via}{tier}")
    return "\n".join(lines)


def format_status(vault: str, state, keeper: Keeper, now: int, breaker: str) -> str:
    last = keeper.journal.last_trade(vault)
    last_text = f"{last.status} at block {last.mined_block or last.created_block}" if last else "none"
    if isinstance(state, KeeperError):
        return f"{vault:42}  {'unreadable':>16}  {'':>6}  {last_text:30}  {breaker}  ({state})"
    vault_plan = plan(state, keeper.planner_config, now)
    drift = max((abs(row.drift) for row in vault_plan.rows), default=0)
    nav = usd(vault_plan.nav) if state.priced else "oracle refused"
    return f"{vault:42}  {nav:>16}  {drift:>6}  {last_text:30}  {breaker}"


class _errors:
    """Turn a KeeperError into click's one-line `Error: ...` and exit status 1."""

    def __enter__(self):
        return self

    def __exit__(self, kind, error, _):
        if isinstance(error, KeeperError):
            raise click.ClickException(str(error)) from None
        return False

