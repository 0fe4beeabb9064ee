"""OpenZeppelin's Governor (5.4.0, compiled from the npm package by solc-js) steering an index end to end on the
test chain: holders delegate, vote a risk-increasing change (a higher redeem fee), the proposal is queued in the
TimelockController that holds the index's governance role and executed; the index's own timelock then holds the
change in the open (redeeming is fee-free meanwhile), and a second proposal applies it after that delay.

First the voters hold a separate VotesToken (ERC-5805 from contracts/modules/votes.vy) and the plain vault's
governance is the TimelockController, as DPI's holders vote with INDEX; then a compliant index's own holders vote
with its token, the TimelockController being the compliant index's governance, which reaches the inner vault through
`govern(target, data)` (and refuses what would break compliance, whatever the vote)."""

import ast

import ape
import pytest
from fixtures.governor import TEST_SETTINGS

from scripts._governor import ProposalState, Support, attach_governor, deploy_timelock, proposal

ONE = 10**18
DAY = 86_400
REDEEM_FEE, RAISED_FEE = 50, 100  # bps


@pytest.fixture(scope="module")
def votes(project, deployer, alice, bob, carol):
    """60 / 30 / 10 votes, each holder delegating to itself."""
    token = project.VotesToken.deploy("Index DAO", "IDAO", sender=deployer)
    for holder, amount in ((alice, 60 * ONE), (bob, 30 * ONE), (carol, 10 * ONE)):
        token.mint(holder, amount, sender=deployer)
        token.invoke_transaction("delegate", holder, sender=holder)
    return token


@pytest.fixture(scope="module")
def dao(votes, create_governor):
    """(governor, timelock): quorum 20 % of the past supply, voting 10 blocks, a 2-day timelock."""
    return create_governor(votes)


@pytest.fixture(scope="module")
def index(create_vault, tokens, dao):
    """A three-component index with a 0.5 % redeem fee and a 1-day timelock, governed by the TimelockController."""
    _, timelock = dao
    return create_vault(tokens, fees=(0, 0, REDEEM_FEE), governance=timelock.address, delay=DAY)


@pytest.fixture(scope="module")
def slow_index(create_vault, tokens, dao):
    """The same, with a 3-day index timelock: longer than the TimelockController's 2 days."""
    _, timelock = dao
    return create_vault(tokens, fees=(0, 0, REDEEM_FEE), governance=timelock.address, delay=3 * DAY, symbol="SLOW")


@pytest.fixture(scope="module")
def flow(dao, walk):
    return walk(*dao)


@pytest.fixture(scope="module", autouse=True)
def _deploy_before_isolation(votes, dao, index, slow_index, flow, mint_for, alice, strategist, fee_recipient):
    """Deploy the module's contracts before ape's per-test snapshots; alice holds 10 index tokens."""
    mint_for(index, alice, 10 * ONE)


def raise_fee(vault):
    return proposal([(vault.address, vault.propose_fees.encode_input(0, 0, RAISED_FEE))], "Raise the redeem fee to 1 %")


def apply_fee(vault):
    return proposal([(vault.address, vault.execute_fees.encode_input(0, 0, RAISED_FEE))], "Apply the 1 % redeem fee")


def error_selector(contract, name: str) -> str:
    """0x + the 4-byte selector of custom error `name` in `contract`'s ABI."""
    from eth_utils import keccak

    error = next(e for e in contract.contract_type.errors if e.name == name)
    return "0x" + keccak(text=error.selector)[:4].hex()


def revert_data(error: ape.exceptions.ContractLogicError) -> bytes:
    """The raw revert data of an error ape did not decode: it shows it as 0x-hex or, depending on which contract types
    its cache holds by then, as a bytes literal."""
    message = str(error.revert_message)
    if message.startswith("0x"):
        return bytes.fromhex(message[2:])
    assert message.startswith(("b'", 'b"')), f"not undecoded revert data: {message!r}"
    return ast.literal_eval(message)


def redeem_paid(project, vault, holder, amount) -> list[int]:
    """Redeem `amount` for `holder` and return what each component's balance gained."""
    basket, _ = vault.basket()
    components = [project.MockERC20.at(address) for address in basket]
    before = [c.balanceOf(holder) for c in components]
    vault.redeem(amount, holder, [], sender=holder)
    return [c.balanceOf(holder) - b for c, b in zip(components, before)]


# --- the whole path ----------------------------------------------------------------------------------------------


def test_governor__holders_vote_a_fee_increase__index_timelock_then_second_proposal_applies_it(
    project, index, dao, flow, alice, bob, fee_recipient
):
    _, timelock = dao
    assert index.governance() == timelock.address
    first = raise_fee(index)
    flow.pass_and_execute(first, alice, [alice, bob])
    # The TimelockController called propose_fees: the change now waits in the index's own timelock, in the open.
    assert index.queued_count() == 1
    assert index.fees() == (0, 0, REDEEM_FEE)

    # Holders who disagree leave fee-free meanwhile: a full claim, no fee shares to the recipient.
    assert redeem_paid(project, index, alice, 4 * ONE) == [4 * ONE, 4 * ONE, 4 * ONE]
    assert index.balanceOf(fee_recipient) == 0

    second = apply_fee(index)
    flow.pass_and_execute(second, bob, [alice, bob])  # by then more than the index's 1-day delay has passed
    assert index.fees() == (0, 0, RAISED_FEE)
    assert index.queued_count() == 0
    # The window is over: the new 1 % fee applies.
    assert redeem_paid(project, index, alice, 4 * ONE) == [4 * ONE * 99 // 100] * 3
    assert index.balanceOf(fee_recipient) == 4 * ONE // 100


def test_redeem__nothing_queued__pays_the_redeem_fee(project, index, alice, fee_recipient):
    # The twin of the fee-free window: without a queued change the 0.5 % fee is taken.
    assert redeem_paid(project, index, alice, 4 * ONE) == [4 * ONE - 4 * ONE * REDEEM_FEE // 10_000] * 3
    assert index.balanceOf(fee_recipient) == 4 * ONE * REDEEM_FEE // 10_000


def test_execute__second_proposal_before_the_index_timelock__reverts_with_the_index_reason(
    slow_index, flow, alice, bob, chain
):
    flow.pass_and_execute(raise_fee(slow_index), alice, [alice, bob])
    eta = slow_index.eta(_change_id(slow_index))
    second = apply_fee(slow_index)
    flow.propose(second, alice)
    flow.open_voting(second)
    flow.vote(second, [alice, bob])
    assert flow.close_voting(second) == ProposalState.SUCCEEDED
    flow.queue(second, alice)
    flow.wait_timelock(second)  # the TimelockController's 2 days are over, the index's 3 are not
    assert chain.pending_timestamp < eta
    with ape.reverts("timelock: too early"):  # bubbled up from the index through the timelock and the governor
        flow.execute(second, alice)
    chain.pending_timestamp = eta
    flow.execute(second, alice)
    assert slow_index.fees() == (0, 0, RAISED_FEE)


def _change_id(vault) -> bytes:
    from eth_abi import encode
    from eth_utils import keccak

    return keccak(encode(["string", "bytes"], ["set_fees", encode(["uint256"] * 3, [0, 0, RAISED_FEE])]))


# --- negative twins ----------------------------------------------------------------------------------------------


def test_queue__quorum_not_reached__defeated_and_refused(index, dao, flow, alice, carol):
    governor, _ = dao
    first = raise_fee(index)
    flow.propose(first, alice)
    flow.open_voting(first)
    flow.vote(first, [carol])  # 10 % of the supply for, none against: below the 20 % quorum
    assert flow.close_voting(first) == ProposalState.DEFEATED
    assert governor.quorum(governor.proposalSnapshot(first.id)) == 20 * ONE
    with ape.reverts(governor.GovernorUnexpectedProposalState):
        governor.queue(*first.hashed_args(), sender=alice)
    assert index.queued_count() == 0


def test_queue__quorum_reached__succeeds(index, dao, flow, bob, carol):
    # The twin: 30 % + 10 % for clears the 20 % quorum.
    first = raise_fee(index)
    flow.propose(first, bob)
    flow.open_voting(first)
    flow.vote(first, [bob, carol])
    assert flow.close_voting(first) == ProposalState.SUCCEEDED
    flow.queue(first, bob)


def test_queue__majority_against__defeated(index, dao, flow, alice, bob):
    governor, _ = dao
    first = raise_fee(index)
    flow.propose(first, bob)
    flow.open_voting(first)
    flow.vote(first, [bob])
    flow.vote(first, [alice], Support.AGAINST)
    assert flow.close_voting(first) == ProposalState.DEFEATED
    with ape.reverts(governor.GovernorUnexpectedProposalState):
        governor.queue(*first.hashed_args(), sender=bob)


def test_cast_vote__after_the_deadline__reverts(index, dao, flow, alice, bob):
    governor, _ = dao
    first = raise_fee(index)
    flow.propose(first, alice)
    flow.open_voting(first)
    flow.vote(first, [alice])
    assert flow.close_voting(first) == ProposalState.SUCCEEDED
    with ape.reverts(governor.GovernorUnexpectedProposalState):
        governor.castVote(first.id, int(Support.AGAINST), sender=bob)
    assert governor.proposalVotes(first.id) == (0, 60 * ONE, 0)


def test_cast_vote__before_the_deadline__counts(index, dao, flow, alice, bob):
    governor, _ = dao
    first = raise_fee(index)
    flow.propose(first, alice)
    flow.open_voting(first)
    flow.vote(first, [alice])
    flow.vote(first, [bob], Support.AGAINST)
    assert governor.proposalVotes(first.id) == (30 * ONE, 60 * ONE, 0)


def test_execute__before_the_timelock_delay__reverts(index, dao, flow, alice, bob, chain):
    governor, timelock = dao
    first = raise_fee(index)
    flow.propose(first, alice)
    flow.open_voting(first)
    flow.vote(first, [alice, bob])
    flow.close_voting(first)
    flow.queue(first, alice)
    chain.pending_timestamp = governor.proposalEta(first.id) - 60
    # The timelock's custom error bubbles up through the governor, which ape does not decode: match its selector.
    with pytest.raises(ape.exceptions.ContractLogicError) as failed:
        governor.execute(*first.hashed_args(), sender=alice)
    assert "0x" + revert_data(failed.value)[:4].hex() == error_selector(timelock, "TimelockUnexpectedOperationState")
    assert index.queued_count() == 0
    flow.wait_timelock(first)
    flow.execute(first, alice)
    assert index.queued_count() == 1


# --- attacks -----------------------------------------------------------------------------------------------------


def test_cast_vote__votes_acquired_after_the_snapshot__weigh_nothing(
    project, index, dao, flow, votes, deployer, alice, strategist
):
    # A whale (or a flash loan) buying votes once voting is open gets no say: weight and quorum are read at the
    # snapshot block. What it could take: nothing; it cannot even tip the count or raise the quorum. (Votes bought
    # before the snapshot do count: that is what the voting delay is for.)
    governor, _ = dao
    first = raise_fee(index)
    flow.propose(first, alice)
    flow.open_voting(first)
    votes.mint(strategist, 1_000 * ONE, sender=deployer)
    votes.invoke_transaction("delegate", strategist, sender=strategist)
    flow.vote(first, [strategist], Support.AGAINST)
    flow.vote(first, [alice])
    assert governor.proposalVotes(first.id) == (0, 60 * ONE, 0)
    assert flow.close_voting(first) == ProposalState.SUCCEEDED


def test_propose_fees__called_directly_by_a_holder__reverts(index, alice):
    # Only the TimelockController (so only a passed, delayed proposal) can reach the index's governance functions.
    with ape.reverts("index_vault: not governance"):
        index.propose_fees(0, 0, RAISED_FEE, sender=alice)


def test_schedule__on_the_timelock_by_anyone_but_the_governor__reverts(index, dao, alice):
    _, timelock = dao
    data = index.propose_fees.encode_input(0, 0, RAISED_FEE)
    with ape.reverts(timelock.AccessControlUnauthorizedAccount):
        timelock.schedule(index.address, 0, data, b"\x00" * 32, b"\x00" * 32, 2 * DAY, sender=alice)


def test_propose__below_the_threshold__reverts(index, dao, votes, alice, strategist):
    governor, _ = dao
    with ape.reverts(governor.GovernorInsufficientProposerVotes):
        governor.propose(*raise_fee(index).args(), sender=strategist)  # no votes; the threshold is 1 vote


# --- a compliant index: its own token votes, the TimelockController is its governance ------------------------------


@pytest.fixture(scope="module")
def compliant_dao(project, create_compliant, register, deployer, tokens, alice, bob, carol):
    """(index, governor, timelock): a compliant index created with a TimelockController as its governance, an
    IndexGovernor voting with the index's own token; alice, bob and carol (registered investors) hold 60 / 30 / 10
    and delegate to themselves."""
    timelock = deploy_timelock(deployer, TEST_SETTINGS.timelock_delay)
    index = create_compliant(tokens, fees=(0, 0, REDEEM_FEE), governance=timelock.address)
    governor = attach_governor(deployer, index.address, timelock, TEST_SETTINGS)
    for holder, shares in ((alice, 60 * ONE), (bob, 30 * ONE), (carol, 10 * ONE)):
        register(holder)
        for token, owed in zip(tokens, index.preview_mint(shares), strict=True):
            token.mint(holder, owed, sender=holder)
            token.approve(index, owed, sender=holder)
        index.mint(shares, holder, sender=holder)
        index.invoke_transaction("delegate", holder, sender=holder)
    return index, governor, timelock


@pytest.fixture(scope="module")
def compliant_flow(compliant_dao, walk):
    _, governor, timelock = compliant_dao
    return walk(governor, timelock)


@pytest.fixture(scope="module", autouse=True)
def _deploy_compliant_before_isolation(compliant_dao, compliant_flow):
    """Deploy the compliant world before ape's per-test snapshots."""


def governed(index, data: bytes, description: str):
    """A proposal that calls `index.govern(inner vault, data)`: how the index's governance reaches its inner vault."""
    return proposal([(index.address, index.govern.encode_input(index.vault(), data))], description)


def inner(project, index):
    return project.IndexVault.at(index.vault())


def test_governor__compliant_index_holders_vote_through_govern__inner_timelock_then_second_proposal_applies_it(
    project, compliant_dao, compliant_flow, alice, bob, fee_recipient
):
    index, governor, timelock = compliant_dao
    vault = inner(project, index)
    assert index.governance() == timelock.address and governor.token() == index.address
    assert index.getVotes(alice) == 60 * ONE and index.getVotes(bob) == 30 * ONE
    first = governed(index, vault.propose_fees.encode_input(0, 0, RAISED_FEE), "Raise the redeem fee to 1 %")
    compliant_flow.pass_and_execute(first, alice, [alice, bob])
    # The TimelockController called index.govern, which called the inner vault's propose_fees: queued in the open.
    assert vault.queued_count() == 1 and vault.fees() == (0, 0, REDEEM_FEE)

    # Meanwhile a holder who disagrees leaves fee-free: redeeming the compliant token pays the whole claim.
    assert redeem_paid(project, index, alice, 4 * ONE) == [4 * ONE] * 3
    assert vault.balanceOf(fee_recipient) == 0
    assert index.getVotes(alice) == 56 * ONE  # the burnt shares' votes went with them

    second = governed(index, vault.execute_fees.encode_input(0, 0, RAISED_FEE), "Apply the 1 % redeem fee")
    compliant_flow.pass_and_execute(second, bob, [alice, bob])
    assert vault.fees() == (0, 0, RAISED_FEE) and vault.queued_count() == 0
    assert redeem_paid(project, index, alice, 4 * ONE) == [4 * ONE * 99 // 100] * 3


def test_execute__holders_vote_to_unpause_the_inner_vaults_mint__refused_by_govern(
    project, compliant_dao, compliant_flow, alice, bob
):
    # Even a unanimous vote cannot reopen the inner vault's minting (shares minted around the compliance rules):
    # the index's `govern` refuses the selector, and the refusal surfaces when the proposal executes.
    index, governor, _ = compliant_dao
    vault = inner(project, index)
    attack = governed(index, vault.unpause_mint.encode_input(), "Open the inner vault")
    compliant_flow.propose(attack, alice)
    compliant_flow.open_voting(attack)
    compliant_flow.vote(attack, [alice, bob])
    assert compliant_flow.close_voting(attack) == ProposalState.SUCCEEDED
    compliant_flow.queue(attack, alice)
    compliant_flow.wait_timelock(attack)
    with ape.reverts("compliant_index: call not allowed"):
        governor.execute(*attack.hashed_args(), sender=alice)
    assert vault.mint_paused()


def test_execute__holders_vote_an_allowed_inner_call__applied(
    project, compliant_dao, compliant_flow, alice, bob, carol
):
    # The twin: an allowed call (lowering the redeem fee, immediate) goes through.
    index, _, _ = compliant_dao
    vault = inner(project, index)
    compliant_flow.pass_and_execute(governed(index, vault.set_fees.encode_input(0, 0, 0), "No redeem fee"), carol,
                                    [alice, bob])  # fmt: skip
    assert vault.fees() == (0, 0, 0)


def test_transfer__compliant_index_between_investors__votes_follow(compliant_dao, alice, bob):
    index, _, _ = compliant_dao
    index.transfer(bob, 10 * ONE, sender=alice)
    assert (index.getVotes(alice), index.getVotes(bob)) == (50 * ONE, 40 * ONE)


def test_propose__compliant_index_holder_without_delegation__below_threshold(compliant_dao, alice, carol):
    # Votes count only once delegated: carol undelegates, and her 10 shares no longer reach the threshold.
    index, governor, _ = compliant_dao
    index.invoke_transaction("delegate", "0x" + "00" * 20, sender=carol)
    first = governed(index, b"\x00" * 4, "anything")
    with ape.reverts(governor.GovernorInsufficientProposerVotes):
        governor.propose(*first.args(), sender=carol)


def test_governor__clock__reads_the_tokens_erc6372_clock(dao, votes):
    # GovernorVotes asks the token for its clock: a token without ERC-6372 would fall back to block numbers silently.
    governor, _ = dao
    assert governor.CLOCK_MODE() == votes.CLOCK_MODE() == "mode=blocknumber&from=default"
    assert governor.clock() == votes.clock()
    assert governor.COUNTING_MODE() == "support=bravo&quorum=for,abstain"
