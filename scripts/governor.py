"""Holders' votes on an index through OpenZeppelin's Governor: deploy a governor + TimelockController for a votes
token, hand a compliant index's governance to it, delegate, then propose, vote, queue and execute. Beside
`governance` (a multisig's direct calls), with the same names for actions, the same chain refusal, simulation before
sending and `--safe SAFE --out batch.json` export (for a Safe that holds or is delegated votes).

    ape run governor deploy --token CINC --account TEST::0 --quorum 4 --voting-period 50400 --timelock-delay 2d
    ape run governor handover --index CINC --governor CINC --account TEST::1      (the index's current governance)
    ape run governor delegate --token CINC --account TEST::5                      (each holder, before a snapshot)
    ape run governor propose index.accept_governance --address CINC --description "Holders take the index" \
        --governor CINC --account TEST::5
    ape run governor vote --governor CINC --id 0x... --support for --account TEST::5
    ape run governor status --governor CINC --id 0x...
    ape run governor queue --governor CINC --id 0x... --account TEST::5
    ape run governor execute --governor CINC --id 0x... --account TEST::5
    ape run governor propose set_fees management_fee=75 mint_fee=0 redeem_fee=0 --address CINC --via CINC \
        --description "Raise the management fee" --governor CINC --account TEST::5

`propose` takes a timelocked ACTION of `governance` (`set_fees`, `allow_adapter`, ...: the proposal calls its
propose step, or with `--step execute` its execute step once the index's delay is over), an immediate call of
`governance` (`vault.pause_mint`, `policy.revoke_keeper`, ...) or a compliant index's own call (`index.
accept_governance`, `index.unpause_mint`, ...), on `--address` (an index symbol, SYMBOL.policy, router or an
address). On a compliant index, whose inner vault and policy only the index may govern, `--via INDEX` routes the
call through the index's `govern(target, data)`. The proposal's calls are recovered from its ProposalCreated event
for queue and execute. `--governor` is the governor's address, or the token symbol `deploy` recorded in
deployments/<network>.governors.json. A plain index cannot vote (its token has no ERC-5805 votes): its governance
may still be a TimelockController that a Governor over some other votes token proposes to.
"""

import ast
import json
import time
from pathlib import Path

import click
from ape import chain
from ape.cli import ConnectedProviderCommand, account_option
from ape.exceptions import ContractLogicError
from eth_abi import decode
from eth_utils import is_address, keccak, to_checksum_address

from scripts._chain import ScriptError, connect, resolve_contract, revert_reason, transact, utc
from scripts._governance import ACTIONS, CALLS, Call, GovernanceError, SafeTx, parse_args, safe_batch
from scripts._governor import (
    GovernorError,
    GovernorSettings,
    Proposal,
    ProposalState,
    Support,
    custom_error,
    deploy_governor,
    governor_container,
    proposal,
    require_state,
)

DURATION_UNITS = {"s": 1, "m": 60, "h": 3_600, "d": 86_400}
# A compliant index's own governance calls (the inner vault and policy are reached with `--via INDEX`).
INDEX_CALLS = {
    call.key: call
    for call in (
        Call("index", "accept_governance"),
        Call("index", "transfer_governance", (("new_governance", "address"),)),
        Call("index", "set_guardian", (("guardian", "address"),)),
        Call("index", "pause_mint"),
        Call("index", "unpause_mint"),
        Call("index", "propose_zap", (("zap", "address"),)),
        Call("index", "execute_zap", (("zap", "address"),)),
        Call("index", "cancel", (("change_id", "bytes32"),)),
    )
}
PROPOSAL_CREATED = "ProposalCreated(uint256,address,address[],uint256[],string[],bytes[],uint256,uint256,string)"


def records_path(network_choice: str) -> Path:
    """deployments/<ecosystem>-<network>.governors.json: token symbol -> the governor deployed for it."""
    parts = network_choice.split(":")
    return Path("deployments") / f"{'-'.join(parts[:2])}.governors.json"


def load_records(path: Path) -> dict:
    if not path.is_file():
        return {}
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise ScriptError(f"{path} is not JSON: {error}") from None


def parse_duration(text: str) -> int:
    """`172800`, `48h` or `2d` as seconds."""
    unit = DURATION_UNITS.get(text[-1:].lower())
    number = text[:-1] if unit else text
    if not number.isdigit():
        raise click.BadParameter(f"{text!r} is not a duration like 172800, 48h or 2d")
    return int(number) * (unit or 1)


def parse_votes(text: str) -> int:
    """A number of votes in token wei: decimal (`1_000`, `5e18`) or 0x-hex."""
    try:
        if "e" in text.lower() and not text.lower().startswith("0x"):
            mantissa, _, exponent = text.lower().partition("e")
            return int(mantissa.replace("_", "")) * 10 ** int(exponent)
        return int(text.replace("_", ""), 0)
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is not a number of votes in token wei (e.g. 1e18)", param_hint="--threshold"
        ) from None


def resolve_governor(text: str, network_choice: str):
    """The governor at `text` (an address, or a token symbol recorded by `deploy`), checked to be one."""
    if is_address(text):
        address = to_checksum_address(text)
    else:
        record = load_records(records_path(network_choice)).get(text.upper())
        if record is None:
            raise ScriptError(f"no governor recorded for {text!r} in {records_path(network_choice)}: give its address")
        address = record["governor"]
    if not chain.provider.get_code(address):
        raise ScriptError(f"--governor {address} has no code on chain {chain.chain_id}: wrong address or network?")
    governor = governor_container().at(address)
    try:
        governor.COUNTING_MODE()
    except Exception:  # noqa: BLE001 -- a revert or no such function: not a Governor
        raise ScriptError(f"--governor {address} is not an OpenZeppelin Governor") from None
    return governor


def proposal_of(governor, proposal_id: int, from_block: int) -> Proposal:
    """The calls of proposal `proposal_id` from its ProposalCreated event (one eth_getLogs over the governor)."""
    topic = "0x" + keccak(text=PROPOSAL_CREATED).hex()
    logs = chain.provider.web3.eth.get_logs(
        {"address": governor.address, "fromBlock": from_block, "toBlock": "latest", "topics": [topic]}
    )
    types = ["uint256", "address", "address[]", "uint256[]", "string[]", "bytes[]", "uint256", "uint256", "string"]
    for log in logs:
        fields = decode(types, bytes(log["data"]))
        if fields[0] == proposal_id:
            found = Proposal(tuple(fields[2]), tuple(fields[3]), tuple(fields[5]), fields[8])
            if found.id != proposal_id:
                raise ScriptError(f"proposal {proposal_id:#x}'s event does not hash to its id")
            return found
    raise ScriptError(f"no proposal {proposal_id:#x} on governor {governor.address} since block {from_block}")


def state_of(governor, proposal_id: int) -> int:
    """The proposal's state, or a ScriptError naming the id when the governor has none by that id (its
    GovernorNonexistentProposal, which would otherwise surface as a traceback)."""
    try:
        return governor.state(proposal_id)
    except ContractLogicError:  # ape's custom-error classes derive from it
        raise ScriptError(f"no proposal {proposal_id:#x} on governor {governor.address}") from None


def parse_id(text: str) -> int:
    try:
        return int(text, 0)
    except ValueError:
        raise click.BadParameter(f"{text!r} is not a proposal id (decimal or 0x-hex)") from None


def send_or_export(account, governor, data: str, safe: str | None, out: Path | None, description: str):
    """Simulate and send `data` to the governor from `account`, or write it as a one-transaction Safe batch."""
    if safe:
        if out is None:
            raise click.UsageError("--safe needs --out FILE for the batch")
        try:
            batch = safe_batch(chain.chain_id, safe, [SafeTx(governor.address, data)], description, description,
                               int(time.time() * 1000))  # fmt: skip
        except GovernanceError as error:
            raise ScriptError(str(error)) from None
        out.write_text(json.dumps(batch, indent=2) + "\n")
        click.echo(f"wrote {out}: load it in the Safe's Transaction Builder")
        return None
    if account is None:
        raise click.UsageError("give --account to send, or --safe and --out to export")
    preflight(account.address, governor.address, data)
    return transact(account, governor.address, data)


def preflight(sender: str, to: str, data: str) -> None:
    """eth_call first, so a revert is told with the Governor's or the timelock's custom error by name (the generic
    simulation in `transact` shows only their raw bytes)."""
    try:
        chain.provider.web3.eth.call({"from": sender, "to": to, "data": data})
    except Exception as error:  # noqa: BLE001 -- web3 raises several kinds for a revert; each carries its data
        raw = revert_data(error)
        raise ScriptError(f"the transaction would revert: {custom_error(revert_text(raw))}") from None


def revert_data(error: Exception) -> str:
    """The revert data of a failed eth_call as 0x-hex where the node gives it (anvil: `.data`; the in-process test
    chain: bytes, or their repr after "execution reverted: "), else the error's text."""
    raw = getattr(error, "data", None)
    for candidate in (raw, *error.args):
        if isinstance(candidate, str) and candidate.startswith("execution reverted: b"):
            try:
                candidate = ast.literal_eval(candidate.removeprefix("execution reverted: "))
            except (ValueError, SyntaxError):
                continue
        if isinstance(candidate, bytes | bytearray):
            return "0x" + bytes(candidate).hex()
        if isinstance(candidate, str) and candidate.startswith("0x"):
            return candidate
    return str(error.args[0] if error.args else error)


def revert_text(raw: str) -> str:
    """Error(string) revert data as its text (an index's own reason, bubbled up through the timelock)."""
    return revert_reason(raw) if raw.startswith("0x08c379a0") else raw


def common(command):
    command = click.option("--safe", help="Write a Safe Transaction Builder batch for this Safe instead of sending.")(
        command
    )
    command = click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Where to write the batch.")(
        command
    )
    command = click.option(
        "--governor",
        "governor_text",
        required=True,
        help="The governor: its address or the token symbol `deploy` recorded.",
    )(command)
    command = click.option(
        "--deployment",
        "deployment_file",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Deployment file (default: deployments/<network>.json).",
    )(command)
    return account_option(prompt=False)(command)  # fmt: skip


@click.group()
def cli():
    """Deploy a Governor for an index's votes token; propose, vote, queue and execute."""


@cli.command(cls=ConnectedProviderCommand)
@account_option()
@click.option("--token", required=True, help="The ERC-5805 votes token: an address or a compliant index's symbol.")
@click.option("--name", default="Index Governor", show_default=True, help="The governor's EIP-712 name.")
@click.option("--voting-delay", type=int, default=1, show_default=True, help="Blocks before voting starts.")
@click.option("--voting-period", type=int, default=50_400, show_default=True, help="Blocks voting stays open.")
@click.option("--threshold", default="0", show_default=True, help="Votes (token wei) needed to propose.")
@click.option("--quorum", type=int, default=4, show_default=True, help="Percent of the past supply.")
@click.option("--timelock-delay", default="2d", show_default=True, help="TimelockController delay (172800, 48h, 2d).")
@click.option("--deployment", "deployment_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Deployment file (default: deployments/<network>.json).")  # fmt: skip
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Record file (default: deployments/<network>.governors.json).")  # fmt: skip
def deploy(network, account, token, name, voting_delay, voting_period, threshold, quorum, timelock_delay,
           deployment_file, out):  # fmt: skip
    """Deploy a TimelockController and an IndexGovernor voting with TOKEN; record them by the token's symbol."""
    deployment = connect(network.choice, deployment_file)
    address = to_checksum_address(token) if is_address(token) else resolve_compliant(token, deployment)
    try:
        clock_mode = chain.provider.web3.eth.call({"to": address, "data": "0x" + keccak(text="CLOCK_MODE()")[:4].hex()})
        decode(["string"], bytes(clock_mode))
    except Exception:  # noqa: BLE001 -- no ERC-6372 clock: not a votes token
        raise ScriptError(
            f"--token {address} has no ERC-5805 votes (no CLOCK_MODE): a plain index cannot vote"
        ) from None
    settings = GovernorSettings(
        name, voting_delay, voting_period, parse_votes(threshold), quorum, parse_duration(timelock_delay)
    )
    try:
        settings.check()
        governor, timelock = deploy_governor(account, address, settings)
    except GovernorError as error:
        raise ScriptError(str(error)) from None
    symbol = chain.provider.web3.eth.call({"to": address, "data": "0x" + keccak(text="symbol()")[:4].hex()})
    symbol = decode(["string"], bytes(symbol))[0]
    path = out or records_path(network.choice)
    records = load_records(path)
    records[symbol.upper()] = {"token": address, "governor": governor.address, "timelock": timelock.address,
                               "block": chain.blocks.head.number}  # fmt: skip
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(records, indent=2) + "\n")
    click.echo(f"governor {governor.address}\ntimelock {timelock.address} (delay {settings.timelock_delay} s)")
    click.echo(f"recorded {symbol} in {path}; make the timelock the index's governance before proposing")


def resolve_compliant(text: str, deployment) -> str:
    """A compliant index's token address from its symbol (the factory's `compliant_of` its inner vault)."""
    vault = resolve_contract(text, deployment, what="--token")
    from ape import project

    factory = project.VaultFactory.at(deployment.factory)
    if not hasattr(factory, "compliant_of"):
        raise ScriptError(f"--token {text}: this factory has no compliant indices; give the votes token's address")
    compliant = factory.compliant_of(vault)
    if int(compliant, 16) == 0:
        raise ScriptError(f"--token {text} is a plain index (no votes); only a compliant index's token can vote")
    return compliant


@cli.command(cls=ConnectedProviderCommand)
@click.argument("action")
@click.argument("args", nargs=-1)
@click.option("--address", required=True, help="The index (symbol), SYMBOL.policy, router or an address to call.")
@click.option("--step", type=click.Choice(["propose", "execute"]), default="propose", show_default=True,
              help="For a timelocked ACTION: queue it in the index's timelock, or apply it after the delay.")  # fmt: skip
@click.option("--description", required=True, help="What the proposal does, for the voters (part of its id).")
@click.option("--via", "compliant", help="A compliant index: route the call through its govern(target, data).")
@common
def propose(network, account, action, args, address, step, description, compliant, governor_text, deployment_file,
            safe, out):  # fmt: skip
    """Propose ACTION with key=value ARGS (a timelocked action of `governance`, or an immediate call)."""
    deployment = connect(network.choice, deployment_file)
    governor = resolve_governor(governor_text, network.choice)
    try:
        if action in ACTIONS:
            change = ACTIONS[action]
            target = resolve_contract(address, deployment, change.contract)
            parsed = parse_args(change, args)
            function = change.propose if step == "propose" else change.execute
            data = change.calldata(function, parsed)
        elif action in CALLS:
            call = CALLS[action]
            target = resolve_contract(address, deployment, call.contract)
            data = call.calldata(parse_args(call, args))
        elif action in INDEX_CALLS:
            call = INDEX_CALLS[action]
            target = address if is_address(address) else resolve_compliant(address, deployment)
            data = call.calldata(parse_args(call, args))
        else:
            known = ", ".join(sorted(ACTIONS) + sorted(CALLS) + sorted(INDEX_CALLS))
            raise GovernanceError(f"unknown action {action!r}: one of {known}.")
        calldata = bytes.fromhex(data[2:])
        if compliant:
            wrapper = compliant if is_address(compliant) else resolve_compliant(compliant, deployment)
            calldata = govern_calldata(target, calldata)
            target = to_checksum_address(wrapper)
        planned = proposal([(target, calldata)], description)
    except (GovernanceError, GovernorError) as error:
        raise ScriptError(str(error)) from None
    if not safe and account is not None:
        check_threshold(governor, account.address)
    data = "0x" + bytes(governor.propose.encode_input(*planned.args())).hex()
    if send_or_export(account, governor, data, safe, out, f"propose: {description}"):
        start = governor.proposalSnapshot(planned.id)
        click.echo(
            f"proposed {planned.id:#x}: voting from block {start + 1} to {governor.proposalDeadline(planned.id)}"
        )


@cli.command(cls=ConnectedProviderCommand)
@account_option()
@click.option("--token", required=True, help="The votes token: an address or a compliant index's symbol.")
@click.option("--to", "delegatee", help="Who receives the account's votes (default: the account itself).")
@click.option("--deployment", "deployment_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Deployment file (default: deployments/<network>.json).")  # fmt: skip
def delegate(network, account, token, delegatee, deployment_file):
    """Count the account's balance as votes (its own, or --to's): needed before a proposal's snapshot to vote on it."""
    deployment = connect(network.choice, deployment_file)
    address = to_checksum_address(token) if is_address(token) else resolve_compliant(token, deployment)
    to = to_checksum_address(delegatee) if delegatee else account.address
    from eth_abi import encode

    data = "0x" + (keccak(text="delegate(address)")[:4] + encode(["address"], [to])).hex()
    transact(account, address, data)
    click.echo(f"{account.address} now delegates its votes on {address} to {to}")


@cli.command(cls=ConnectedProviderCommand)
@account_option()
@click.option("--index", "index_text", required=True, help="The compliant index: its symbol or address.")
@click.option("--governor", "governor_text", required=True, help="The governor: address or recorded token symbol.")
@click.option("--deployment", "deployment_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Deployment file (default: deployments/<network>.json).")  # fmt: skip
def handover(network, account, index_text, governor_text, deployment_file):
    """Offer a compliant index's governance to the governor's TimelockController (sent by its current governance);
    the holders then vote `propose index.accept_governance` to take it."""
    deployment = connect(network.choice, deployment_file)
    governor = resolve_governor(governor_text, network.choice)
    index = index_text if is_address(index_text) else resolve_compliant(index_text, deployment)
    timelock = governor.timelock()
    data = INDEX_CALLS["index.transfer_governance"].calldata({"new_governance": timelock})
    transact(account, to_checksum_address(index), data)
    click.echo(f"offered {index}'s governance to timelock {timelock}; next: propose index.accept_governance "
               f"--address {index_text} (holders vote, queue, execute)")  # fmt: skip


def govern_calldata(target: str, data: bytes) -> bytes:
    """`govern(target, data)` on a compliant index: how its governance reaches the inner vault and policy."""
    from eth_abi import encode

    return keccak(text="govern(address,bytes)")[:4] + encode(["address", "bytes"], [target, data])


def check_threshold(governor, proposer: str) -> None:
    now = governor.clock()
    needed = governor.proposalThreshold()
    have = governor.getVotes(proposer, now - 1) if now > 0 else 0
    if have < needed:
        raise ScriptError(
            f"{proposer} has {have} votes delegated to it, below the proposal threshold {needed}: delegate first"
        )


@cli.command(cls=ConnectedProviderCommand)
@click.option("--id", "proposal_text", required=True, help="The proposal id (decimal or 0x-hex).")
@click.option("--support", type=click.Choice(["for", "against", "abstain"]), required=True)
@click.option("--reason", default="", help="Said on chain with the vote.")
@common
def vote(network, account, proposal_text, support, reason, governor_text, deployment_file, safe, out):
    """Vote on an active proposal with the votes delegated to the account at its snapshot."""
    connect(network.choice, deployment_file)
    governor = resolve_governor(governor_text, network.choice)
    proposal_id = parse_id(proposal_text)
    choice = Support[support.upper()]
    try:
        require_state(state_of(governor, proposal_id), ProposalState.ACTIVE, "vote")
    except GovernorError as error:
        raise ScriptError(str(error)) from None
    if not safe and account is not None:
        weight = governor.getVotes(account.address, governor.proposalSnapshot(proposal_id))
        if weight == 0:
            raise ScriptError(f"{account.address} had no votes delegated to it at the snapshot block: nothing to cast")
        if governor.hasVoted(proposal_id, account.address):
            raise ScriptError(f"{account.address} has already voted on {proposal_id:#x}")
    if reason:
        data = governor.castVoteWithReason.encode_input(proposal_id, int(choice), reason)
    else:
        data = governor.castVote.encode_input(proposal_id, int(choice))
    if send_or_export(account, governor, "0x" + bytes(data).hex(), safe, out, f"vote {support} on {proposal_id:#x}"):
        against, for_, abstain = governor.proposalVotes(proposal_id)
        click.echo(f"voted {support}: for {for_}, against {against}, abstain {abstain} (token wei)")


@cli.command(cls=ConnectedProviderCommand)
@click.option("--id", "proposal_text", required=True, help="The proposal id (decimal or 0x-hex).")
@common
def queue(network, account, proposal_text, governor_text, deployment_file, safe, out):
    """Queue a succeeded proposal in the TimelockController."""
    deployment = connect(network.choice, deployment_file)
    governor = resolve_governor(governor_text, network.choice)
    proposal_id = parse_id(proposal_text)
    try:
        require_state(state_of(governor, proposal_id), ProposalState.SUCCEEDED, "queue")
    except GovernorError as error:
        raise ScriptError(str(error)) from None
    planned = proposal_of(governor, proposal_id, deployment.block)
    data = "0x" + bytes(governor.queue.encode_input(*planned.hashed_args())).hex()
    if send_or_export(account, governor, data, safe, out, f"queue {proposal_id:#x}"):
        click.echo(f"queued {proposal_id:#x}: executable from {utc(governor.proposalEta(proposal_id))}")


@cli.command(cls=ConnectedProviderCommand)
@click.option("--id", "proposal_text", required=True, help="The proposal id (decimal or 0x-hex).")
@common
def execute(network, account, proposal_text, governor_text, deployment_file, safe, out):
    """Execute a queued proposal once the TimelockController's delay has passed."""
    deployment = connect(network.choice, deployment_file)
    governor = resolve_governor(governor_text, network.choice)
    proposal_id = parse_id(proposal_text)
    try:
        require_state(state_of(governor, proposal_id), ProposalState.QUEUED, "execute")
    except GovernorError as error:
        raise ScriptError(str(error)) from None
    eta = governor.proposalEta(proposal_id)
    if not safe and chain.blocks.head.timestamp < eta:
        raise ScriptError(f"cannot execute yet: the timelock holds {proposal_id:#x} until {utc(eta)}")
    planned = proposal_of(governor, proposal_id, deployment.block)
    data = "0x" + bytes(governor.execute.encode_input(*planned.hashed_args())).hex()
    if send_or_export(account, governor, data, safe, out, f"execute {proposal_id:#x}"):
        click.echo(f"executed {proposal_id:#x}")


@cli.command(cls=ConnectedProviderCommand)
@click.option("--id", "proposal_text", required=True, help="The proposal id (decimal or 0x-hex).")
@click.option("--governor", "governor_text", required=True, help="The governor: address or recorded token symbol.")
@click.option("--deployment", "deployment_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Deployment file (default: deployments/<network>.json).")  # fmt: skip
def status(network, proposal_text, governor_text, deployment_file):
    """A proposal's state, votes, quorum and what happens next."""
    connect(network.choice, deployment_file)
    governor = resolve_governor(governor_text, network.choice)
    proposal_id = parse_id(proposal_text)
    state = ProposalState(state_of(governor, proposal_id))
    snapshot = governor.proposalSnapshot(proposal_id)
    against, for_, abstain = governor.proposalVotes(proposal_id)
    quorum = governor.quorum(snapshot) if snapshot < governor.clock() else None
    click.echo(f"proposal {proposal_id:#x}: {state.name.lower()}")
    click.echo(
        f"  votes for {for_}, against {against}, abstain {abstain}; quorum {quorum if quorum is not None else 'set at block ' + str(snapshot)}"
    )
    click.echo(
        f"  voting blocks {snapshot + 1} to {governor.proposalDeadline(proposal_id)} (now {chain.blocks.head.number})"
    )
    if state == ProposalState.QUEUED:
        click.echo(f"  executable from {utc(governor.proposalEta(proposal_id))}")
