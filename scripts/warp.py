"""Local chains only: move the chain's clock forward (a timelock's delay, a cooldown) and publish a fresh round on
every mock feed of the deployment at its current answer, so oracle prices are not stale afterwards; or mine blocks
(a Governor's voting delay and period count blocks).

    ape run warp --network ethereum:local:foundry --account TEST::0 --days 7
    ape run warp --network ethereum:local:foundry --blocks 5
"""

from pathlib import Path

import click
from ape import chain, project
from ape.cli import ConnectedProviderCommand, account_option

from scripts._chain import ScriptError, call, connect, require_local_chain, utc


@click.command(cls=ConnectedProviderCommand)
@account_option(prompt=False)
@click.option("--days", type=float, default=0, help="Days to move forward.")
@click.option("--hours", type=float, default=0, help="Hours to move forward.")
@click.option("--blocks", type=click.IntRange(0, 100_000), default=0, help="Blocks to mine (one second apart).")
@click.option("--deployment", "deployment_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Deployment file (default: deployments/<network>.json).")  # fmt: skip
def cli(network, account, days, hours, blocks, deployment_file):
    """Move a local chain's time forward and refresh the mock feeds, or mine blocks."""
    deployment = connect(network.choice, deployment_file)
    require_local_chain("warp moves a chain's clock")
    seconds = int(days * 86_400 + hours * 3_600)
    if seconds <= 0 and not blocks:
        raise ScriptError("give --days or --hours, more than zero, or --blocks")
    if seconds > 0 and account is None:
        raise click.UsageError("moving the clock needs --account: it publishes the fresh feed rounds")
    if blocks:
        chain.mine(blocks)
        click.echo(f"mined {blocks} blocks: now block {chain.blocks.head.number}")
    if seconds <= 0:
        return
    chain.provider.make_request("evm_increaseTime", [seconds])
    chain.provider.make_request("evm_mine", [])
    for address in deployment.feeds.values():
        feed = project.MockAggregator.at(address)
        call(account, feed.set_answer, feed.latestRoundData()[1])
    click.echo(f"now {utc(chain.blocks.head.timestamp)}; refreshed {len(deployment.feeds)} feeds")
