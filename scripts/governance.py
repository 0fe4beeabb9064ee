"""Governance from the command line or a multisig: propose, list, execute and cancel timelocked changes on a vault,
its rebalance policy or an oracle router, and make the immediate calls (pause, tighten, roles). Every command can
write a Safe{Wallet} Transaction Builder batch (`--safe SAFE --out batch.json`) instead of sending, for a DAO's
multisig to load, check and sign.

    ape run governance propose set_fees management_fee=50 mint_fee=10 redeem_fee=10 --address VAULT --account dao
    ape run governance list --address VAULT --address POLICY
    ape run governance execute --address VAULT --id 0x... --account dao
    ape run governance cancel --address VAULT --id 0x... --account guardian
    ape run governance call policy.pause_rebalance --address POLICY --safe 0xSAFE --out pause.json
"""

import json
import time
from pathlib import Path

import click
from ape import chain, project
from ape.cli import ConnectedProviderCommand, account_option
from ape.exceptions import ContractLogicError
from eth_abi import decode
from eth_utils import keccak

from scripts._governance import ACTIONS, CALLS, GovernanceError, SafeTx, parse_args, queued_changes, safe_batch

CANCEL = CALLS["vault.cancel"]
TIMELOCK_EVENTS = ("ChangeQueued", "ChangeExecuted", "ChangeCancelled", "ChangeDiscarded")  # cancel(bytes32) has the same selector on the vault, the policy and the router


def safe_options(command):
    command = click.option("--safe", help="Write a Safe Transaction Builder batch for this Safe instead of sending.")(command)
    return click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Where to write the batch.")(command)


def send_or_export(account, tx: SafeTx, safe: str | None, out: Path | None, description: str):
    """Send `tx` from `account`, or write it as a one-transaction Safe batch; returns the receipt (None if exported)."""
    if safe:
        if out is None:
            raise click.UsageError("--safe needs --out FILE for the batch")
        batch = safe_batch(chain.chain_id, safe, [tx], description, description, int(time.time() * 1000))
        out.write_text(json.dumps(batch, indent=2) + "\n")
        click.echo(f"wrote {out}: load it in the Safe's Transaction Builder")
        return None
    if account is None:
        raise click.UsageError("give --account to send, or --safe and --out to export")
    try:
        return account.transfer(tx.to, 0, data=tx.data)
    except ContractLogicError as error:
        raise click.ClickException(f"the transaction would revert: {error.message}") from None


def timelock_events(address: str) -> tuple[list[dict], list[tuple[str, str]]]:
    """(ChangeQueued events as mappings, finished (contract, id) pairs) of a vault, policy or router, from one
    `eth_getLogs` (ape's event query reads the chain block by block, which takes a minute on a long local chain)."""
    events = {event.name: event for event in project.IndexVault.contract_type.events}  # the timelock's, on all three
    topics = {"0x" + keccak(text=events[name].selector).hex(): name for name in TIMELOCK_EVENTS}
    logs = chain.provider.web3.eth.get_logs(
        {"address": address, "fromBlock": 0, "toBlock": "latest", "topics": [list(topics)]}
    )
    queued, finished = [], []
    for log in logs:
        name = topics["0x" + bytes(log["topics"][0]).hex()]
        change_id = "0x" + bytes(log["topics"][1]).hex()
        if name == "ChangeQueued":
            action, payload, eta = decode(["string", "bytes", "uint256"], bytes(log["data"]))
            queued.append({"id": change_id, "action": action, "payload": payload, "eta": eta,
                           "contract_address": address})  # fmt: skip
        else:
            finished.append((address, change_id))
    return queued, finished


def find_queued(address: str, change_id: str):
    queued, finished = timelock_events(address)
    for change in queued_changes(queued, finished, chain.blocks.head.timestamp):
        if change.id.lower() == change_id.lower():
            return change
    raise GovernanceError(f"no queued change {change_id} on {address}: see `governance list --address {address}`.")


@click.group()
def cli():
    """Propose, list, execute and cancel timelocked changes; make immediate governance calls; export Safe batches."""


@cli.command(cls=ConnectedProviderCommand)
@account_option(prompt=False)  # optional: a Safe export needs no signer
@click.argument("action", type=click.Choice(sorted(ACTIONS)))
@click.argument("args", nargs=-1)
@click.option("--address", required=True, help="The vault, policy or router to change.")
@safe_options
def propose(account, action, args, address, safe, out):
    """Queue ACTION with key=value ARGS; it can be executed after the contract's delay."""
    change = ACTIONS[action]
    try:
        parsed = parse_args(change, args)
        tx = change.safe_tx(change.propose, address, parsed)
    except GovernanceError as error:
        raise click.ClickException(str(error)) from None
    if send_or_export(account, tx, safe, out, f"propose {action}"):
        click.echo(f"queued {action}: id {change.change_id(parsed)}")


@cli.command("list", cls=ConnectedProviderCommand)
@click.option("--address", "addresses", multiple=True, required=True, help="A vault, policy or router (repeatable).")
def list_changes(addresses):
    """Every change still queued, with its arguments, eta and whether it can be executed now."""
    queued, finished = [], []
    for address in addresses:
        events, done = timelock_events(address)
        queued += events
        finished += done
    changes = queued_changes(queued, finished, chain.blocks.head.timestamp)
    if not changes:
        click.echo("nothing queued")
    for change in changes:
        args = ", ".join(f"{k}={v}" for k, v in (change.args or {}).items())
        click.echo(f"{change.id}  {change.contract_address}  {change.action}({args})  eta {change.eta}  {change.status}")


@cli.command(cls=ConnectedProviderCommand)
@account_option(prompt=False)  # optional: a Safe export needs no signer
@click.option("--address", required=True, help="The contract the change is queued on.")
@click.option("--id", "change_id", required=True, help="The change id (see `list`).")
@safe_options
def execute(account, address, change_id, safe, out):
    """Apply a queued change once its eta has passed."""
    try:
        change = find_queued(address, change_id)
        if change.status != "ready":
            raise GovernanceError(f"change {change_id} is {change.status} (eta {change.eta}), not ready to execute.")
        action = ACTIONS[change.action]
        tx = action.safe_tx(action.execute, address, change.args)
    except GovernanceError as error:
        raise click.ClickException(str(error)) from None
    if send_or_export(account, tx, safe, out, f"execute {change.action}"):
        click.echo(f"executed {change.action}")


@cli.command(cls=ConnectedProviderCommand)
@account_option(prompt=False)  # optional: a Safe export needs no signer
@click.option("--address", required=True, help="The contract the change is queued on.")
@click.option("--id", "change_id", required=True, help="The change id (see `list`).")
@safe_options
def cancel(account, address, change_id, safe, out):
    """Cancel a queued change (governance, or the guardian)."""
    try:
        change = find_queued(address, change_id)
        tx = CANCEL.safe_tx(address, {"change_id": change.id})
    except GovernanceError as error:
        raise click.ClickException(str(error)) from None
    if send_or_export(account, tx, safe, out, f"cancel {change.action}"):
        click.echo(f"cancelled {change.action} ({change.id})")


@cli.command(cls=ConnectedProviderCommand)
@account_option(prompt=False)  # optional: a Safe export needs no signer
@click.argument("function", type=click.Choice(sorted(CALLS)))
@click.argument("args", nargs=-1)
@click.option("--address", required=True, help="The vault, policy or router to call.")
@safe_options
def call(account, function, args, address, safe, out):
    """An immediate governance call, e.g. policy.pause_rebalance or vault.set_guardian guardian=0x..."""
    target = CALLS[function]
    try:
        tx = target.safe_tx(address, parse_args(target, args))
    except GovernanceError as error:
        raise click.ClickException(str(error)) from None
    if send_or_export(account, tx, safe, out, function):
        click.echo(f"called {function}")
