"""`make demo`'s third story: a compliant income index (examples/income.yaml) whose holders vote through an
OpenZeppelin Governor. Two registered investors mint; an unregistered wallet is refused with ERC-1404's message; a
USDC dividend is distributed and claimed pro rata; the holders delegate, propose, vote, queue and execute a fee
increase, which then waits in the index's own timelock (redeeming fee-free meanwhile).

Called by scripts/demo.py with one line; the test chain's accounts play the roles below.
"""

from pathlib import Path

import click
from ape import accounts, chain, project

from scripts._chain import ScriptError, simulate
from scripts._governor import GovernorSettings, ProposalState, Support, attach_governor, deploy_timelock, proposal
from scripts._wallet import format_units

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "examples" / "income.yaml"
ZERO_ADDRESS = "0x" + "00" * 20
ONE = 10**18
DAY = 86_400
# The test mnemonic's accounts the first two stories leave alone: the registry's agent, two investors, an outsider.
AGENT, INVESTOR_A, INVESTOR_B, OUTSIDER = 3, 5, 6, 9
US, GERMANY = 840, 276  # ISO 3166-1 numeric
MINTS = ((INVESTOR_A, 600 * ONE), (INVESTOR_B, 400 * ONE))
DIVIDEND = 1_000 * 10**6  # USDC (6 decimals): a quarter's income
RAISED_MANAGEMENT_FEE = 75  # bps a year, from income.yaml's 50
# Short windows for a demo: one block of voting delay, five of voting, a one-day TimelockController.
SETTINGS = GovernorSettings(name="Tokenised Income Governor", voting_delay=1, voting_period=5, quorum_percent=20,
                            timelock_delay=DAY)  # fmt: skip


class StoryError(click.ClickException):
    """The compliance story did not happen as it must."""


def compliance_story(deployer, deployment, echo=click.echo) -> dict:
    """The story on the deployment's (local) chain; returns what the checks and tests read."""
    from scripts.create_index import create_index  # deferred like demo.py's imports (ape runs every script module)

    a = accounts.test_accounts
    agent, alice, bob, outsider = a[AGENT], a[INVESTOR_A], a[INVESTOR_B], a[OUTSIDER]

    # The holders' TimelockController first: it is the index's governance from creation.
    timelock = deploy_timelock(deployer, SETTINGS.timelock_delay)
    roles = {"deployer": deployer.address, "dao": timelock.address, "agent": agent.address}
    _, vault, _ = create_index(deployer, deployment, SPEC, roles, echo=lambda _: None)
    factory = project.VaultFactory.at(deployment.factory)
    index = project.CompliantIndex.at(factory.compliant_of(vault))
    registry = project.IdentityRegistry.at(index.registry())
    governor = attach_governor(deployer, index.address, timelock, SETTINGS)
    echo(f"   {index.symbol()} {index.name()}: index {index.address}, registry {registry.address}")
    echo(f"   governance: TimelockController {timelock.address} <- Governor {governor.address} (holders' votes)")

    expiry = chain.pending_timestamp + 365 * DAY
    registry.register_identity(alice, US, True, expiry, sender=agent)
    registry.register_identity(bob, GERMANY, True, expiry, sender=agent)
    tokens = [project.MockERC20.at(address) for address in index.basket()[0]]
    for investor, shares in MINTS:
        _mint(index, tokens, a[investor], shares)
    echo(f"   registered investors mint: {_holders(index, (alice, bob))}; {index.holder_count()} holders")

    # ERC-1404 asked about a mint (from the zero address) to a wallet no agent registered, then the mint itself,
    # simulated as every script does before sending: it reverts with the same words.
    code = index.detectTransferRestriction(ZERO_ADDRESS, outsider, ONE)
    message = index.messageForTransferRestriction(code)
    if code == 0:
        raise StoryError("an unregistered wallet was allowed to receive shares")
    for token, owed in zip(tokens, index.preview_mint(ONE), strict=True):
        token.mint(outsider, owed, sender=outsider)
        token.approve(index, owed, sender=outsider)
    try:
        simulate(outsider.address, index.address, "0x" + bytes(index.mint.encode_input(ONE, outsider)).hex())
    except ScriptError as error:
        if message not in str(error.message):
            raise StoryError(f"the outsider's mint failed for another reason: {error.message}") from None
    else:
        raise StoryError("an unregistered wallet could mint shares")
    echo(f'   unregistered {outsider.address[:10]}...: ERC-1404 code {code}, "{message}"; its mint would revert alike')

    usdc = project.MockERC20.at(deployment.tokens["USDC"])
    usdc.mint(deployer, DIVIDEND, sender=deployer)
    usdc.approve(index, DIVIDEND, sender=deployer)
    index.distribute(usdc, DIVIDEND, sender=deployer)
    dividend_id = index.distribution_count()
    paid = {}
    for investor in (alice, bob):
        before = usdc.balanceOf(investor)
        index.claim([dividend_id], sender=investor)
        paid[investor.address] = usdc.balanceOf(investor) - before
    if sum(paid.values()) > DIVIDEND or paid[alice.address] != DIVIDEND * 600 // 1000:
        raise StoryError(f"the dividend was not paid pro rata: {paid}")
    echo(f"   dividend #{dividend_id}: {format_units(DIVIDEND, 6)} USDC distributed; claimed "
         + ", ".join(f"{format_units(v, 6)} USDC" for v in paid.values()))  # fmt: skip

    for investor in (alice, bob):
        index.invoke_transaction("delegate", investor, sender=investor)
    change = vault.propose_fees.encode_input(RAISED_MANAGEMENT_FEE, 0, 0)
    vote = proposal([(index.address, index.govern.encode_input(vault.address, change))],
                    f"Raise the management fee to {RAISED_MANAGEMENT_FEE / 100:.2f} % a year")  # fmt: skip
    governor.propose(*vote.args(), sender=alice)
    chain.mine(governor.proposalSnapshot(vote.id) - chain.blocks.head.number + 1)
    governor.castVote(vote.id, int(Support.FOR), sender=alice)
    governor.castVote(vote.id, int(Support.AGAINST), sender=bob)
    chain.mine(governor.proposalDeadline(vote.id) - chain.blocks.head.number + 1)
    against, for_, _ = governor.proposalVotes(vote.id)
    state = ProposalState(governor.state(vote.id))
    echo(
        f"   vote: for {format_units(for_, 18)}, against {format_units(against, 18)} {index.symbol()}: {state.name.lower()}"
    )
    if state != ProposalState.SUCCEEDED:
        raise StoryError(f"the proposal is {state.name.lower()}, not succeeded")
    governor.queue(*vote.hashed_args(), sender=alice)
    chain.pending_timestamp = governor.proposalEta(vote.id) + 1
    governor.execute(*vote.hashed_args(), sender=bob)  # anyone may execute what passed
    if vault.queued_count() != 1:
        raise StoryError("the executed proposal queued nothing in the index's timelock")
    echo(f"   executed through the TimelockController: the fee change now waits {vault.delay() // DAY} days in the "
         "index's own timelock; redeeming is fee-free until then")  # fmt: skip
    return {"index": index, "governor": governor, "code": code, "message": message, "paid": paid}


def _mint(index, tokens, investor, shares: int) -> None:
    for token, owed in zip(tokens, index.preview_mint(shares), strict=True):
        token.mint(investor, owed, sender=investor)  # the mock tokens' faucet
        token.approve(index, owed, sender=investor)
    index.mint(shares, investor, sender=investor)


def _holders(index, investors) -> str:
    return ", ".join(f"{format_units(index.balanceOf(i), 18)} {index.symbol()}" for i in investors)
