"""contracts/modules/votes.vy (ERC-5805 + ERC-6372) through the VotesToken mock: delegation, votes following
transfers, past lookups, delegateBySig with an EIP-712 signature made off-chain, and the conservation property
sum(votes of every delegate) == sum(balances of every account that delegated)."""

import ape
import pytest
from eth_account import Account
from fixtures.tokens import PERMIT_TYPES
from hypothesis import given
from hypothesis import strategies as st

ONE = 10**18
HOUR = 3_600
ZERO = "0x0000000000000000000000000000000000000000"

DELEGATION_TYPES = {
    "Delegation": [
        {"name": "delegatee", "type": "address"},
        {"name": "nonce", "type": "uint256"},
        {"name": "expiry", "type": "uint256"},
    ]
}


@pytest.fixture(scope="module")
def token(project, deployer, alice, bob, carol):
    token = project.VotesToken.deploy("Index Votes", "IVOTE", sender=deployer)
    for holder, amount in ((alice, 100 * ONE), (bob, 50 * ONE), (carol, 10 * ONE)):
        token.mint(holder, amount, sender=deployer)
    return token


@pytest.fixture(scope="module")
def batch(project, deployer):
    return project.BatchCaller.deploy(sender=deployer)


@pytest.fixture(scope="module", autouse=True)
def _deploy_before_isolation(token, batch, strategist):
    """Deploy the module's contracts before ape's per-test snapshots."""


def sign_delegation(token, chain, signer, delegatee, nonce, expiry):
    domain = {"name": token.name(), "version": "1", "chainId": chain.chain_id, "verifyingContract": token.address}
    message = {"delegatee": str(delegatee), "nonce": nonce, "expiry": expiry}
    signed = Account.sign_typed_data(signer.private_key, domain, DELEGATION_TYPES, message)
    return signed.v, signed.r.to_bytes(32, "big"), signed.s.to_bytes(32, "big")


def delegate(token, delegatee, sender):
    """`token.delegate(...)`: ape's own `delegate` property (EIP-7702) hides the contract method of that name."""
    return token.invoke_transaction("delegate", delegatee, sender=sender)


def head(chain) -> int:
    return chain.blocks.head.number


# --- clock -------------------------------------------------------------------------------------------------------


def test_clock__block_number_mode__matches_openzeppelin_default(token, chain):
    assert token.CLOCK_MODE() == "mode=blocknumber&from=default"
    # eth-tester runs calls against the head block.
    assert token.clock() == head(chain)


# --- delegate ----------------------------------------------------------------------------------------------------


def test_delegate__to_self__balance_becomes_votes_with_erc5805_events(token, alice):
    tx = delegate(token, alice, sender=alice)
    assert token.getVotes(alice) == 100 * ONE
    assert token.delegates(alice) == alice.address
    changed = tx.events.filter(token.DelegateChanged)[0]
    assert (changed.delegator, changed.fromDelegate, changed.toDelegate) == (alice.address, ZERO, alice.address)
    moved = tx.events.filter(token.DelegateVotesChanged)[0]
    assert (moved.delegate, moved.previousVotes, moved.newVotes) == (alice.address, 0, 100 * ONE)


def test_delegate__never_delegated__balance_is_no_votes(token, alice):
    assert token.balanceOf(alice) == 100 * ONE
    assert token.getVotes(alice) == 0
    assert token.delegates(alice) == ZERO
    assert token.numCheckpoints(alice) == 0


def test_delegate__to_another__votes_move_and_redelegation_moves_them_again(token, alice, bob, carol):
    delegate(token, bob, sender=alice)
    delegate(token, bob, sender=bob)
    assert (token.getVotes(bob), token.getVotes(alice)) == (150 * ONE, 0)
    tx = delegate(token, carol, sender=alice)
    assert (token.getVotes(bob), token.getVotes(carol)) == (50 * ONE, 100 * ONE)
    changed = tx.events.filter(token.DelegateChanged)[0]
    assert (changed.fromDelegate, changed.toDelegate) == (bob.address, carol.address)


def test_delegate__to_the_zero_address__withdraws_the_votes(token, alice):
    delegate(token, alice, sender=alice)
    delegate(token, ZERO, sender=alice)
    assert token.getVotes(alice) == 0
    assert token.getVotes(ZERO) == 0  # the zero address never has votes (its slots are the supply's history)


# --- transfers, mint, burn ---------------------------------------------------------------------------------------


def test_transfer__between_delegates__moves_votes(token, alice, bob):
    delegate(token, alice, sender=alice)
    delegate(token, bob, sender=bob)
    token.transfer(bob, 30 * ONE, sender=alice)
    assert (token.getVotes(alice), token.getVotes(bob)) == (70 * ONE, 80 * ONE)


def test_transfer__to_an_account_that_never_delegated__the_votes_disappear(token, alice, carol):
    delegate(token, alice, sender=alice)
    token.transfer(carol, 30 * ONE, sender=alice)
    assert (token.getVotes(alice), token.getVotes(carol)) == (70 * ONE, 0)
    delegate(token, carol, sender=carol)
    assert token.getVotes(carol) == 40 * ONE


def test_transfer_from__spends_allowance__moves_votes(token, alice, bob, carol):
    delegate(token, alice, sender=alice)
    delegate(token, bob, sender=bob)
    token.approve(carol, 10 * ONE, sender=alice)
    token.transferFrom(alice, bob, 10 * ONE, sender=carol)
    assert (token.getVotes(alice), token.getVotes(bob)) == (90 * ONE, 60 * ONE)


def test_transfer__more_than_the_balance__reverts_and_moves_no_votes(token, alice, bob):
    delegate(token, alice, sender=alice)
    with ape.reverts("erc20: transfer amount exceeds balance"):
        token.transfer(bob, 101 * ONE, sender=alice)
    assert token.getVotes(alice) == 100 * ONE


def test_mint_and_burn__delegated_holder__votes_and_supply_checkpoints_follow(token, deployer, alice, chain):
    delegate(token, alice, sender=alice)
    token.mint(alice, 5 * ONE, sender=deployer)
    minted_at = head(chain)
    token.burn(20 * ONE, sender=alice)
    burned_at = head(chain)
    chain.mine()
    assert token.getVotes(alice) == 85 * ONE
    assert token.getPastTotalSupply(minted_at) == 165 * ONE
    assert token.getPastTotalSupply(burned_at) == 145 * ONE
    assert token.getPastTotalSupply(burned_at) == token.totalSupply()


def test_mint__supply_above_2_208__reverts(token, deployer, alice):
    with ape.reverts("votes: supply exceeds 2**208 - 1"):
        token.mint(alice, 2**208 - 160 * ONE, sender=deployer)
    token.mint(alice, 2**208 - 1 - 160 * ONE, sender=deployer)  # exactly at the cap: accepted
    assert token.totalSupply() == 2**208 - 1


# --- past lookups ------------------------------------------------------------------------------------------------


def test_get_past_votes__many_checkpoints__every_past_block_matches_the_history(token, alice, bob, chain):
    delegate(token, alice, sender=alice)
    history = [(head(chain), 100 * ONE)]  # (block, alice's votes at its end), oldest first
    for step in range(12):  # > 5 checkpoints, so the lookup's sqrt probe runs too
        token.transfer(bob, ONE, sender=alice)
        history.append((head(chain), (99 - step) * ONE))
        if step % 3 == 0:
            chain.mine()  # a block with no checkpoint answers the one before it
    chain.mine()
    for block in range(history[0][0] - 2, head(chain)):
        expected = max((votes for at, votes in history if at <= block), default=None)
        expected = [votes for at, votes in history if at <= block][-1] if expected is not None else 0
        assert token.getPastVotes(alice, block) == expected, block
    assert token.numCheckpoints(alice) == 13


def test_get_past_votes__current_block__reverts_future_lookup(token, alice):
    now = token.clock()
    with ape.reverts("votes: future lookup"):
        token.getPastVotes(alice, now)
    with ape.reverts("votes: future lookup"):
        token.getPastTotalSupply(now)
    assert token.getPastVotes(alice, now - 1) == 0
    assert token.getPastTotalSupply(now - 1) == 160 * ONE


def test_checkpoints__two_changes_in_one_block__one_checkpoint_with_the_final_value(token, batch, alice, chain):
    token.transfer(batch, 10 * ONE, sender=alice)
    batch_calls = [
        token._mutable_methods_["delegate"].encode_input(alice),
        token.transfer.encode_input(alice, 4 * ONE),
    ]
    delegate(token, alice, sender=alice)
    batch.execute([token.address] * 2, batch_calls, sender=alice)
    # The batch delegated to alice (+6) and sent alice 4 (+4) in one block: one checkpoint, 90 + 6 + 4.
    block = head(chain)
    assert token.numCheckpoints(alice) == 2
    assert token.checkpoints(alice, 1) == (block, 100 * ONE)
    chain.mine()
    assert token.getPastVotes(alice, block) == 100 * ONE
    assert token.getPastVotes(alice, block - 1) == 90 * ONE


def test_checkpoints__position_past_the_end__reverts(token, alice):
    delegate(token, alice, sender=alice)
    assert token.checkpoints(alice, 0).votes == 100 * ONE
    with ape.reverts("votes: no such checkpoint"):
        token.checkpoints(alice, 1)


# --- delegateBySig -----------------------------------------------------------------------------------------------


def test_delegate_by_sig__valid_signature__delegates_for_the_signer_and_spends_its_nonce(token, alice, bob, chain):
    expiry = chain.pending_timestamp + HOUR
    v, r, s = sign_delegation(token, chain, alice, bob, 0, expiry)
    tx = token.delegateBySig(bob, 0, expiry, v, r, s, sender=bob)  # relayed by someone else
    assert token.delegates(alice) == bob.address
    assert token.getVotes(bob) == 100 * ONE
    assert token.nonces(alice) == 1
    assert tx.events.filter(token.DelegateChanged)[0].delegator == alice.address


def test_delegate_by_sig__replayed__reverts_invalid_nonce(token, alice, bob, chain):
    expiry = chain.pending_timestamp + HOUR
    v, r, s = sign_delegation(token, chain, alice, bob, 0, expiry)
    token.delegateBySig(bob, 0, expiry, v, r, s, sender=bob)
    delegate(token, alice, sender=alice)  # alice takes her votes back; the old signature must not undo that
    with ape.reverts("votes: invalid nonce"):
        token.delegateBySig(bob, 0, expiry, v, r, s, sender=bob)
    assert token.delegates(alice) == alice.address


def test_delegate_by_sig__nonce_spent_by_permit__reverts_invalid_nonce(token, alice, bob, chain):
    # The nonce is the one permit uses (ERC20Votes shares them): a permit first makes the delegation stale.
    expiry = chain.pending_timestamp + HOUR
    v, r, s = sign_delegation(token, chain, alice, bob, 0, expiry)
    domain = {"name": token.name(), "version": "1", "chainId": chain.chain_id, "verifyingContract": token.address}
    permit = {"owner": alice.address, "spender": bob.address, "value": 1, "nonce": 0, "deadline": expiry}
    p = Account.sign_typed_data(alice.private_key, domain, PERMIT_TYPES, permit)
    token.permit(alice, bob, 1, expiry, p.v, p.r.to_bytes(32, "big"), p.s.to_bytes(32, "big"), sender=bob)
    with ape.reverts("votes: invalid nonce"):
        token.delegateBySig(bob, 0, expiry, v, r, s, sender=bob)


def test_delegate_by_sig__expired__reverts(token, alice, bob, chain):
    expiry = chain.pending_timestamp + 10
    v, r, s = sign_delegation(token, chain, alice, bob, 0, expiry)
    chain.pending_timestamp = expiry + 1
    with ape.reverts("votes: signature expired"):
        token.delegateBySig(bob, 0, expiry, v, r, s, sender=bob)
    assert token.nonces(alice) == 0


def test_delegate_by_sig__expiry_is_this_block__succeeds(token, alice, bob, chain):
    expiry = chain.pending_timestamp + 10
    v, r, s = sign_delegation(token, chain, alice, bob, 0, expiry)
    chain.pending_timestamp = expiry
    token.delegateBySig(bob, 0, expiry, v, r, s, sender=bob)
    assert token.delegates(alice) == bob.address


def test_delegate_by_sig__signed_for_another_delegatee__delegates_the_recovered_signer_not_alice(
    token, alice, bob, carol, chain
):
    # Changing the delegatee changes the digest: the signature recovers some unrelated address whose nonce
    # (0) matches but who holds nothing, so alice's votes stay put.
    expiry = chain.pending_timestamp + HOUR
    v, r, s = sign_delegation(token, chain, alice, bob, 0, expiry)
    token.delegateBySig(carol, 0, expiry, v, r, s, sender=carol)
    assert token.delegates(alice) == ZERO
    assert token.getVotes(carol) == 0
    assert token.nonces(alice) == 0


def test_delegate_by_sig__garbage_signature__reverts(token, bob, chain):
    expiry = chain.pending_timestamp + HOUR
    with ape.reverts("ecdsa: invalid signature"):
        token.delegateBySig(bob, 0, expiry, 27, b"\x00" * 32, b"\x00" * 32, sender=bob)


# --- conservation ------------------------------------------------------------------------------------------------

action = st.one_of(
    st.tuples(st.just("delegate"), st.integers(0, 3), st.integers(0, 4)),  # 4 = the zero address
    st.tuples(st.just("transfer"), st.integers(0, 3), st.integers(0, 3), st.integers(0, 60 * ONE)),
    st.tuples(st.just("mint"), st.integers(0, 3), st.integers(0, 60 * ONE)),
    st.tuples(st.just("burn"), st.integers(0, 3), st.integers(0, 60 * ONE)),
)


@given(actions=st.lists(action, min_size=1, max_size=6))
def test_votes__random_delegations_and_transfers__votes_sum_to_the_delegated_supply(
    token, deployer, alice, bob, carol, strategist, chain, actions
):
    """A plain-Python model of balances and delegates, checked against the chain's votes after the sequence (few
    calls per example keep the 50 examples cheap)."""
    holders = [alice, bob, carol, strategist]
    balance = {0: 100 * ONE, 1: 50 * ONE, 2: 10 * ONE, 3: 0}
    delegate_of: dict[int, int | None] = dict.fromkeys(range(4))
    snapshot = chain.snapshot()
    try:
        for act in actions:
            kind, who = act[0], act[1]
            if kind == "delegate":
                to = None if act[2] == 4 else act[2]
                delegate(token, ZERO if to is None else holders[to], sender=holders[who])
                delegate_of[who] = to
            elif kind == "transfer":
                amount = min(act[3], balance[who])
                token.transfer(holders[act[2]], amount, sender=holders[who])
                balance[who] -= amount
                balance[act[2]] += amount
            elif kind == "mint":
                token.mint(holders[who], act[2], sender=deployer)
                balance[who] += act[2]
            else:
                amount = min(act[2], balance[who])
                token.burn(amount, sender=holders[who])
                balance[who] -= amount
        votes = [token.getVotes(h) for h in holders]
        for i in range(4):  # each delegate holds exactly its delegators' balances ...
            assert votes[i] == sum(balance[d] for d in range(4) if delegate_of[d] == i)
        # ... so the votes of all delegates add up to the delegated supply.
        assert sum(votes) == sum(balance[d] for d in range(4) if delegate_of[d] is not None)
        chain.mine()
        assert token.getPastTotalSupply(head(chain) - 1) == sum(balance.values())
    finally:
        chain.restore(snapshot)
