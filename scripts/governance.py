"""Governance from the command line or a multisig: propose, list, execute and cancel timelocked changes on a vault,
its rebalance policy or an oracle router, and make the immediate calls (pause, tighten, roles). Every command can
write a Safe{Wallet} Transaction Builder batch (`--safe SAFE --out batch.json`) instead of sending, for a DAO's
multisig to load, check and sign.

    ape run governance propose set_fees management_fee=50 mint_fee=10 redeem_fee=10 --address DPL --account TEST::1
    ape run governance list --address DPL --address DPL.policy
    ape run governance execute --address DPL --id 0x... --account TEST::1
    ape run governance cancel --address DPL --id 0x... --account TEST::0
    ape run governance call policy.pause_rebalance --address DPL.policy --safe 0xSAFE --out pause.json

`--address` is an address, an index symbol (its vault), `SYMBOL.policy` or `router`; it must hold the kind of contract
the action or function belongs to. Every command checks the node against the deployment file first, and simulates
what it sends (a revert stops it with the contract's reason; nothing is sent). A Safe export is checked the same way,
but not simulated: the Safe runs it later, once its owners have signed.
"""

import json
import time
from pathlib import Path

import click
from ape import chain, project
from ape.cli import ConnectedProviderCommand, account_option
from eth_abi import decode
from eth_utils import keccak

from scripts._chain import connect, contract_kind, resolve_contract, transact, utc
from scripts._governance import ACTIONS, CALLS, GovernanceError, SafeTx, parse_args, queued_changes, safe_batch

CANCEL = CALLS["vault.cancel"]
TIMELOCK_EVENTS = ("ChangeQueued", "ChangeExecuted", "ChangeCancelled", "ChangeDiscarded")  # cancel(bytes32) has the same selector on the vault, the policy and the router


def safe_options(command):
    command = click.option("--safe", help="Write a Safe Transaction Builder batch for this Safe instead of sending.")(command)
    command = click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Where to write the batch.")(command)
    return deployment_option(command)


def deployment_option(command):
    return click.option("--deployment", "deployment_file", type=click.Path(dir_okay=False, path_type=Path),
                        help="Deployment file (default: deployments/<network>.json).")(command)  # fmt: skip


def target(network, deployment_file, address: str, kind: str | None) -> tuple[str, int]:
    """The address `--address` names (of `kind`, when known) on the checked chain, and the deployment's first block."""
    deployment = connect(network.choice, deployment_file)
    return resolve_contract(address, deployment, kind), deployment.block


def check_kind(address: str, kind: str, what: str) -> None:
    found = contract_kind(address)
    if found != kind:
        what_it_is = f"a {found}" if found else "not a vault, policy or router"
        raise click.ClickException(f"{what} is a {kind} function, but {address} is {what_it_is}")


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
    return transact(account, tx.to, tx.data, tx.value)


def timelock_events(address: str, from_block: int = 0) -> tuple[list[dict], list[tuple[str, str]]]:
    """(ChangeQueued events as mappings, finished (contract, id) pairs) of a vault, policy or router, from one
    `eth_getLogs` from `from_block` (the deployment's first block: every vault, policy and router it knows is younger)
(ape's event query reads the chain block by block, which takes a minute on a long local chain)."""
    events = {event.name: event for event in project.IndexVault.contract_type.events}  # the timelock's, on all three
    topics = {"0x" + keccak(text=events[name].selector).hex(): name for name in TIMELOCK_EVENTS}
    logs = chain.provider.web3.eth.get_logs(
        {"address": address, "fromBlock": from_block, "toBlock": "latest", "topics": [list(topics)]}
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


def queued_eta(receipt) -> int:
    """The eta in the ChangeQueued event of a propose transaction's receipt."""
    topic = "0x" + keccak(text=project.IndexVault.contract_type.events["ChangeQueued"].selector).hex()
    for log in receipt.logs:
        if log["topics"] and "0x" + bytes(log["topics"][0]).hex().removeprefix("0x") == topic:
            return decode(["string", "bytes", "uint256"], bytes(log["data"]))[2]
    raise click.ClickException("the proposal was mined without a ChangeQueued event")


def find_queued(address: str, change_id: str, from_block: int = 0):
    queued, finished = timelock_events(address, from_block)
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
def propose(network, account, action, args, address, safe, out, deployment_file):
    """Queue ACTION with key=value ARGS; it can be executed after the contract's delay."""
    change = ACTIONS[action]
    address, _ = target(network, deployment_file, address, change.contract)
    try:
        parsed = parse_args(change, args)
        tx = change.safe_tx(change.propose, address, parsed)
    except GovernanceError as error:
        raise click.ClickException(str(error)) from None
    if receipt := send_or_export(account, tx, safe, out, f"propose {action}"):
        click.echo(f"queued {action}: id {change.change_id(parsed)}, executable from {utc(queued_eta(receipt))}")


@cli.command("list", cls=ConnectedProviderCommand)
@click.option("--address", "addresses", multiple=True, required=True, help="A vault, policy or router (repeatable).")
@deployment_option
def list_changes(network, addresses, deployment_file):
    """Every change still queued, with its arguments, eta and whether it can be executed now."""
    deployment = connect(network.choice, deployment_file)
    queued, finished = [], []
    for address in (resolve_contract(a, deployment) for a in addresses):
        events, done = timelock_events(address, deployment.block)
        queued += events
        finished += done
    changes = queued_changes(queued, finished, chain.blocks.head.timestamp)
    if not changes:
        click.echo("nothing queued")
    for change in changes:
        args = ", ".join(f"{k}={v}" for k, v in (change.args or {}).items())
        where = f"{change.id}  {change.contract_address}"
        click.echo(f"{where}  {change.action}({args})  eta {utc(change.eta)}  {change.status}")


@cli.command(cls=ConnectedProviderCommand)
@account_option(prompt=False)  # optional: a Safe export needs no signer
@click.option("--address", required=True, help="The contract the change is queued on.")
@click.option("--id", "change_id", required=True, help="The change id (see `list`).")
@safe_options
def execute(network, account, address, change_id, safe, out, deployment_file):
    """Apply a queued change once its eta has passed."""
    address, first_block = target(network, deployment_file, address, None)
    try:
        change = find_queued(address, change_id, first_block)
        if change.status != "ready":
            raise GovernanceError(
                f"change {change_id} is {change.status} (eta {utc(change.eta)}), not ready to execute."
            )
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
def cancel(network, account, address, change_id, safe, out, deployment_file):
    """Cancel a queued change (governance, or the guardian)."""
    address, first_block = target(network, deployment_file, address, None)
    try:
        change = find_queued(address, change_id, first_block)
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
def call(network, account, function, args, address, safe, out, deployment_file):
    """An immediate governance call, e.g. policy.pause_rebalance or vault.set_guardian guardian=0x..."""
    function_call = CALLS[function]
    address, _ = target(network, deployment_file, address, None)
    check_kind(address, function_call.contract, function)
    try:
        tx = function_call.safe_tx(address, parse_args(function_call, args))
    except GovernanceError as error:
        raise click.ClickException(str(error)) from None
    if send_or_export(account, tx, safe, out, function):
        click.echo(f"called {function}")
