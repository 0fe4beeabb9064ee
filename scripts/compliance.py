"""The security-token issuer's desk for a compliant index: register investors, freeze wallets, recover a lost
wallet, and check a transfer before anyone sends it (ERC-1404's code and message).

    ape run compliance register --index 0x... --wallet 0x... --country 276 --accredited --days 365 --account agent
    ape run compliance register --index 0x... --wallet 0x... --identity 3 --account agent     # a second wallet
    ape run compliance freeze   --index 0x... --wallet 0x... [--undo] --account agent
    ape run compliance recover  --index 0x... --lost 0x... --to 0x... --account agent        # proposes (timelock)
    ape run compliance recover  --index 0x... --lost 0x... --execute|--cancel --account ...
    ape run compliance check    --index 0x... --from 0x... --to 0x... --amount 1.5

`--index` is the compliant index's address or its symbol in the deployment's factory (CINC).

Every command checks the chain against the deployment file (like the other scripts), simulates each transaction
before sending it and stops with the contract's reason; `check` sends nothing.
"""

import click
from ape import chain, project
from ape.cli import ConnectedProviderCommand, account_option

from scripts._chain import ScriptError, call, connect, resolve_account, utc
from scripts._compliance import index_options, load_index
from scripts._wallet import INDEX_DECIMALS, parse_amount, show

DAY = 86_400
ZERO_ADDRESS = "0x" + "00" * 20


def registry_of(index):
    return project.IdentityRegistry.at(index.registry())


def describe(index, wallet: str) -> str:
    """One line: the wallet's identity, country, expiry, frozen flag, lock-up and balance."""
    registry, rules = registry_of(index), project.ComplianceRules.at(index.rules())
    identity, country, accredited, expiry = registry.investor(wallet)
    if identity == 0:
        who = "not registered"
    else:
        state = "valid" if expiry > chain.blocks.head.timestamp else "EXPIRED"
        who = f"identity {identity}, country {country}, {'' if accredited else 'not '}accredited, {state} until {utc(expiry)}"
    extras = []
    if index.frozen(wallet):
        extras.append("FROZEN")
    if locked := rules.locked_balance(wallet):
        extras.append(f"{show(locked, index)} locked until {utc(index.locked_until(wallet))}")
    extras.append(f"holds {show(index.balanceOf(wallet), index)}")
    return f"{wallet}: {who}; " + ", ".join(extras)


@click.group()
def cli():
    """Register investors, freeze and recover wallets, check transfers, on a compliant index."""


@cli.command(cls=ConnectedProviderCommand)
@account_option()
@index_options
@click.option("--wallet", required=True, help="The investor's wallet (address, TEST::n or alias).")
@click.option("--country", type=click.IntRange(1, 999), help="ISO 3166-1 numeric code (276 Germany, 840 USA).")
@click.option("--accredited", is_flag=True, help="The investor is accredited.")
@click.option("--days", type=click.IntRange(1, 36_500), default=365, show_default=True, help="Valid for this long.")
@click.option("--identity", type=int, help="Add the wallet to this existing identity instead of registering a new one.")
def register(network, account, index_address, deployment_file, wallet, country, accredited, days, identity):
    """Register an investor (or another wallet of one) in the index's identity registry. Registry agents only."""
    deployment = connect(network.choice, deployment_file)
    registry = registry_of(load_index(index_address, deployment))
    wallet = resolve_account(wallet)
    if identity is not None:
        call(account, registry.add_wallet, identity, wallet)
        click.echo(f"added {wallet} to identity {identity}")
        return
    if country is None:
        raise click.UsageError("a new identity needs --country (or give --identity to add a wallet)")
    expiry = chain.blocks.head.timestamp + days * DAY
    call(account, registry.register_identity, wallet, country, accredited, expiry)
    click.echo(f"registered {wallet} as identity {registry.identity_of(wallet)} (country {country}), "
               f"valid until {utc(expiry)}")  # fmt: skip


@cli.command(cls=ConnectedProviderCommand)
@account_option()
@index_options
@click.option("--wallet", required=True, help="The wallet to freeze (address, TEST::n or alias).")
@click.option("--undo", is_flag=True, help="Unfreeze instead.")
def freeze(network, account, index_address, deployment_file, wallet, undo):
    """Freeze a wallet (no transfers in or out; it can still redeem to itself), or unfreeze it. Agents only."""
    deployment = connect(network.choice, deployment_file)
    index = load_index(index_address, deployment)
    wallet = resolve_account(wallet)
    call(account, index.unfreeze if undo else index.freeze, wallet)
    click.echo(f"{'unfrozen' if undo else 'frozen'}: {describe(index, wallet)}")


@cli.command(cls=ConnectedProviderCommand)
@account_option()
@index_options
@click.option("--lost", required=True, help="The lost wallet.")
@click.option("--to", "new_wallet", help="Propose moving its shares to this wallet of the same identity.")
@click.option("--execute", is_flag=True, help="Execute the pending recovery (anyone, after its eta).")
@click.option("--cancel", is_flag=True, help="Cancel the pending recovery (the lost wallet or an agent).")
def recover(network, account, index_address, deployment_file, lost, new_wallet, execute, cancel):
    """Recover a lost wallet's shares to another wallet of the same investor, after the timelock."""
    deployment = connect(network.choice, deployment_file)
    if sum([bool(new_wallet), execute, cancel]) != 1:
        raise click.UsageError("give exactly one of --to WALLET (propose), --execute or --cancel")
    index = load_index(index_address, deployment)
    rules = project.ComplianceRules.at(index.rules())
    lost = resolve_account(lost)
    if new_wallet:
        call(account, index.propose_recovery, lost, resolve_account(new_wallet))
        target, eta = rules.recovery(lost)
        click.echo(f"proposed: {show(index.balanceOf(lost), index)} of {lost} to {target}, executable from {utc(eta)}")
    elif execute:
        target, eta = rules.recovery(lost)
        if target == ZERO_ADDRESS:
            raise ScriptError(f"no recovery is pending for {lost}")
        shares = index.balanceOf(lost)
        call(account, index.execute_recovery, lost)
        click.echo(f"recovered {show(shares, index)} from {lost} to {target}")
    else:
        call(account, index.cancel_recovery, lost)
        click.echo(f"cancelled the recovery of {lost}")


@cli.command(cls=ConnectedProviderCommand)
@index_options
@click.option("--from", "sender", help="The sender (omit for a mint).")
@click.option("--to", "receiver", required=True, help="The receiver.")
@click.option("--amount", default="1", show_default=True, help="Index tokens, e.g. 1.5")
def check(network, index_address, deployment_file, sender, receiver, amount):
    """Say whether a transfer (or a mint, without --from) would pass the index's rules, and why not."""
    deployment = connect(network.choice, deployment_file)
    index = load_index(index_address, deployment)
    sender = resolve_account(sender) if sender else ZERO_ADDRESS
    receiver = resolve_account(receiver)
    code = index.detectTransferRestriction(sender, receiver, parse_amount(amount, INDEX_DECIMALS))
    what = f"{'mint' if sender == ZERO_ADDRESS else 'transfer'} of {amount} {index.symbol()}"
    verdict = "allowed" if code == 0 else f"refused: {index.messageForTransferRestriction(code)} (ERC-1404 code {code})"
    click.echo(f"{what}: {verdict}")
    for wallet in ([sender] if sender != ZERO_ADDRESS else []) + [receiver]:
        click.echo(describe(index, wallet))
