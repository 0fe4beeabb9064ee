"""Dividends of a compliant index: distribute any ERC-20 to its holders of the moment, claim, and see what is owed.

    ape run dividends distribute --index CINC --token USDC --amount 1000 --account issuer
    ape run dividends claim      --index CINC --account TEST::4 [--id 3 --id 4]
    ape run dividends status     --index CINC [--holder TEST::4]

`--index` is the compliant index's symbol (in the deployment's factory) or its address; `--token` a symbol of the
deployment's tokens or an address.

`distribute` approves the index for exactly the amount (no allowance is left behind) and distributes; `claim` claims
every distribution the account has a share of (or the ids given). Amounts print with the token's decimals and symbol.
Like every script, they refuse a chain that is not the deployment file's and simulate before sending.
"""

import click
from ape import project
from ape.cli import ConnectedProviderCommand, account_option

from scripts._chain import ScriptError, call, connect, resolve_account
from scripts._compliance import index_options, load_index
from scripts._wallet import parse_amount, show

MAX_CLAIMS = 64


def distributions(index) -> list[tuple[int, object, int, int]]:
    """Every distribution as (id, token, amount, supply then)."""
    rows = []
    for id in range(1, index.distribution_count() + 1):
        token, amount, supply = index.distribution(id)
        rows.append((id, project.MockERC20.at(token), amount, supply))
    return rows


def open_claims(index, holder: str) -> list[int]:
    """The ids `holder` has a non-zero, unclaimed share of."""
    return [id for id in range(1, index.distribution_count() + 1) if index.claimable(holder, id)]


@click.group()
def cli():
    """Distribute, claim and list the dividends of a compliant index."""


@cli.command(cls=ConnectedProviderCommand)
@account_option()
@index_options
@click.option("--token", required=True, help="The ERC-20 to distribute: a deployment symbol (USDC) or an address.")
@click.option("--amount", required=True, help="In whole tokens, e.g. 1000 or 0.5")
def distribute(network, account, index_address, deployment_file, token, amount):
    """Distribute `amount` of `token` to the index's holders, pro rata to their balances now."""
    deployment = connect(network.choice, deployment_file)
    index = load_index(index_address, deployment)
    token = project.MockERC20.at(deployment.tokens.get(token) or resolve_account(token))
    value = parse_amount(amount, token.decimals())
    if token.balanceOf(account) < value:
        raise ScriptError(f"the account holds {show(token.balanceOf(account), token)}, less than {amount}")
    if index.totalSupply() == 0:
        raise ScriptError("the index has no holders yet: nothing to distribute to")
    call(account, token.approve, index.address, value)
    receipt = call(account, index.distribute, token.address, value)
    event = receipt.events.filter(index.Distributed)[0]
    click.echo(f"distribution {event.id}: {show(event.amount, token)} to {show(event.supply, index)} "
               f"(gas {receipt.gas_used:,})")  # fmt: skip


@cli.command(cls=ConnectedProviderCommand)
@account_option()
@index_options
@click.option("--id", "ids", type=int, multiple=True, help="A distribution id (repeatable; default: all open).")
def claim(network, account, index_address, deployment_file, ids):
    """Claim the account's share of distributions."""
    deployment = connect(network.choice, deployment_file)
    index = load_index(index_address, deployment)
    ids = list(ids) or open_claims(index, account.address)
    if not ids:
        raise ScriptError(f"{account.address} has nothing to claim")
    owed = {id: index.claimable(account.address, id) for id in ids}
    for start in range(0, len(ids), MAX_CLAIMS):
        call(account, index.claim, ids[start : start + MAX_CLAIMS])
    for id, amount in owed.items():
        token = project.MockERC20.at(index.distribution(id)[0])
        click.echo(f"claimed distribution {id}: {show(amount, token)}")


@cli.command(cls=ConnectedProviderCommand)
@index_options
@click.option("--holder", help="Also show what this wallet can claim.")
def status(network, index_address, deployment_file, holder):
    """List the distributions, and a holder's share of each."""
    deployment = connect(network.choice, deployment_file)
    index = load_index(index_address, deployment)
    holder = resolve_account(holder) if holder else None
    rows = distributions(index)
    if not rows:
        click.echo("no distributions yet")
    for id, token, amount, supply in rows:
        line = f"{id:>4}  {show(amount, token):>24}  to {show(supply, index)}"
        if holder:
            if index.claimed(holder, id):
                line += "  claimed"
            else:
                line += f"  claimable {show(index.claimable(holder, id), token)}"
        click.echo(line)
