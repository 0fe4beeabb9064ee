"""IndexVault: management-fee accrual, fee settings, roles, pause and sweep."""

import ape
import pytest

import reference as ref

ONE = 10**18
DAY = 86_400


@pytest.fixture
def fee_vault(create_vault, tokens):
    """Two components, a 2 %-a-year management fee."""
    return create_vault(tokens[:2], units=[ONE, 5 * 10**17], fees=(200, 0, 0))


def test_accrue__after_a_year__mints_supply_f_over_1_minus_f(
    fee_vault, alice, governance, fee_recipient, mint_for, chain
):
    mint_for(fee_vault, alice, 1000 * ONE)
    start = fee_vault.last_accrual()
    chain.pending_timestamp = start + ref.YEAR
    tx = fee_vault.set_fee_recipient(fee_recipient, sender=governance)
    shares = ref.fee_shares(1000 * ONE, 200, ref.YEAR)
    assert shares == 1000 * ONE * 2 // 98
    assert fee_vault.balanceOf(fee_recipient) == shares
    event = tx.events.filter(fee_vault.FeeAccrued)[0]
    assert event.shares == shares
    # The event carries the raw multiplier: 1e20 * 98 %, below 1e20, so scaled up 10x with the shift raised to 1.
    multiplier = ref.diluted(ref.START, 1000 * ONE, shares)
    assert multiplier[1] == 1
    assert event.multiplier == multiplier[0]
    assert fee_vault.multiplier() == ref.multiplier_1e18(multiplier)
    assert fee_vault.last_accrual() == start + ref.YEAR


def test_accrue__fee_shares__keep_every_claim_covered(fee_vault, tokens, alice, fee_recipient, mint_for, chain):
    mint_for(fee_vault, alice, 1000 * ONE)
    chain.pending_timestamp = fee_vault.last_accrual() + 90 * DAY
    mint_for(fee_vault, alice, ONE)
    supply = fee_vault.totalSupply()
    assert fee_vault.balanceOf(fee_recipient) > 0
    for token, unit in zip(tokens, fee_vault.basket()[1]):
        assert ref.ceil_div(unit * supply, ONE) <= token.balanceOf(fee_vault)
    # basket() rounds each unit down; holdings() is the claim of the whole supply itself.
    for token, held in zip(tokens, fee_vault.holdings()[1]):
        assert held <= token.balanceOf(fee_vault)


def test_accrue__twice_in_one_block__accrues_once(
    project, create_vault, tokens, deployer, alice, bob, fee_recipient, mint_for, chain
):
    batch = project.BatchCaller.deploy(sender=deployer)
    vault = create_vault(tokens[:1], fees=(200, 0, 0), governance=batch)
    mint_for(vault, alice, 1000 * ONE)
    start = vault.last_accrual()
    chain.pending_timestamp = start + 30 * DAY
    calls = [vault.set_fee_recipient.encode_input(r) for r in (fee_recipient, bob)]
    tx = batch.execute([vault, vault], calls, sender=deployer)
    assert len(tx.events.filter(vault.FeeAccrued)) == 1
    assert vault.balanceOf(fee_recipient) == ref.fee_shares(1000 * ONE, 200, 30 * DAY)
    assert vault.balanceOf(bob) == 0
    assert vault.pending_fee_shares() == 0


def test_accrue__frequent_calls_on_a_tiny_vault__move_the_clock_and_forgo_under_one_share(
    create_vault, tokens, alice, governance, fee_recipient, mint_for, chain
):
    # Issue 10: a share pays only for the time it existed. Each accrual moves the clock to now, even when the time
    # since the last one is worth less than one fee share; the recipient forgoes that (< 1 share-wei per accrual)
    # instead of charging the accumulated time to whoever deposits next.
    vault = create_vault(tokens[:1], fees=(100, 0, 0))
    mint_for(vault, alice, 10**6)  # supply so small that one block's fee is below one share
    last = vault.last_accrual()
    for _ in range(3):
        tx = vault.set_fee_recipient(fee_recipient, sender=governance)
        assert ref.fee_shares(10**6, 100, tx.timestamp - last) == 0
        assert vault.last_accrual() == tx.timestamp  # the clock moved although no share was minted
        last = tx.timestamp
    assert vault.balanceOf(fee_recipient) == 0
    assert vault.multiplier() == ONE  # and no claim shrank
    # Time long enough to be worth whole shares is charged in full, from the last accrual.
    chain.pending_timestamp = last + ref.YEAR
    tx = vault.set_fee_recipient(fee_recipient, sender=governance)
    assert vault.balanceOf(fee_recipient) == ref.fee_shares(10**6, 100, ref.YEAR) > 0
    assert vault.last_accrual() == tx.timestamp


def test_accrue__idle_for_decades__caps_fee_at_half(fee_vault, alice, governance, fee_recipient, mint_for, chain):
    mint_for(fee_vault, alice, ONE)
    chain.pending_timestamp = fee_vault.last_accrual() + 100 * ref.YEAR
    fee_vault.set_fee_recipient(fee_recipient, sender=governance)
    assert fee_vault.balanceOf(fee_recipient) == ONE


def test_accrue__with_zero_supply__starts_clock_at_first_mint(fee_vault, alice, fee_recipient, mint_for, chain):
    chain.pending_timestamp = fee_vault.last_accrual() + ref.YEAR
    tx = mint_for(fee_vault, alice, ONE)
    assert fee_vault.balanceOf(fee_recipient) == 0
    assert fee_vault.last_accrual() == tx.timestamp


def raise_fees(vault, governance, chain, fees):
    """Propose, wait out the timelock, execute; returns the execute receipt."""
    vault.propose_fees(*fees, sender=governance)
    chain.pending_timestamp += vault.delay()
    return vault.execute_fees(*fees, sender=governance)


def test_execute_fees__raising_from_zero__never_back_charges(vault, alice, governance, fee_recipient, mint_for, chain):
    mint_for(vault, alice, ONE)
    chain.pending_timestamp = vault.last_accrual() + ref.YEAR
    tx = raise_fees(vault, governance, chain, (100, 0, 0))
    assert vault.balanceOf(fee_recipient) == 0
    assert vault.last_accrual() == tx.timestamp
    assert vault.fees() == (100, 0, 0)
    assert tx.events.filter(vault.FeesSet)[0].management_fee == 100


def test_set_fees__lowering__accrues_old_rate_first(fee_vault, alice, governance, fee_recipient, mint_for, chain):
    mint_for(fee_vault, alice, 1000 * ONE)
    chain.pending_timestamp = fee_vault.last_accrual() + ref.YEAR
    fee_vault.set_fees(0, 0, 0, sender=governance)
    assert fee_vault.balanceOf(fee_recipient) == ref.fee_shares(1000 * ONE, 200, ref.YEAR)


@pytest.mark.parametrize("fees", [(201, 0, 0), (200, 1, 0), (200, 0, 1)])
def test_set_fees__any_increase__reverts(fee_vault, governance, fees):
    with ape.reverts("index_vault: fee increase needs timelock"):
        fee_vault.set_fees(*fees, sender=governance)


@pytest.mark.parametrize(
    "fees, reason",
    [
        ((501, 0, 0), "index_vault: management fee above cap"),
        ((0, 101, 0), "index_vault: mint fee above cap"),
        ((0, 0, 101), "index_vault: redeem fee above cap"),
    ],
)
def test_propose_fees__above_cap__reverts(vault, governance, fees, reason):
    with ape.reverts(reason):
        vault.propose_fees(*fees, sender=governance)


def test_execute_fees__at_caps_after_delay__applies(vault, governance, chain):
    tx = raise_fees(vault, governance, chain, (500, 100, 100))
    assert vault.fees() == (500, 100, 100)
    assert vault.queued_count() == 0
    assert len(tx.events.filter(vault.ChangeExecuted)) == 1


def test_propose_fees__queued__announces_payload_and_waits(vault, governance, chain):
    tx = vault.propose_fees(10, 20, 30, sender=governance)
    event = tx.events.filter(vault.ChangeQueued)[0]
    assert event.action == "set_fees"
    assert event.eta == tx.timestamp + vault.delay()
    assert vault.eta(event.id) == event.eta
    assert vault.queued_count() == 1
    with ape.reverts("timelock: too early"):
        vault.execute_fees(10, 20, 30, sender=governance)
    assert vault.fees() == (0, 0, 0)


def test_execute_fees__different_payload__reverts(vault, governance, chain):
    vault.propose_fees(10, 20, 30, sender=governance)
    chain.pending_timestamp += vault.delay()
    with ape.reverts("timelock: not queued"):
        vault.execute_fees(10, 20, 31, sender=governance)


def test_propose_fees__not_governance__reverts(vault, guardian):
    with ape.reverts("index_vault: not governance"):
        vault.propose_fees(1, 1, 1, sender=guardian)


def test_execute_fees__not_governance__reverts(vault, governance, guardian, chain):
    vault.propose_fees(1, 1, 1, sender=governance)
    chain.pending_timestamp += vault.delay()
    with ape.reverts("index_vault: not governance"):
        vault.execute_fees(1, 1, 1, sender=guardian)


@pytest.mark.parametrize("role", ["guardian", "governance"])
def test_cancel__by_guardian_or_governance__drops_the_change(vault, governance, role, request, chain):
    change_id = vault.propose_fees(1, 1, 1, sender=governance).events.filter(vault.ChangeQueued)[0].id
    vault.cancel(change_id, sender=request.getfixturevalue(role))
    assert vault.queued_count() == 0
    chain.pending_timestamp += vault.delay()
    with ape.reverts("timelock: not queued"):
        vault.execute_fees(1, 1, 1, sender=governance)


def test_cancel__by_anyone_else__reverts(vault, governance, alice):
    change_id = vault.propose_fees(1, 1, 1, sender=governance).events.filter(vault.ChangeQueued)[0].id
    with ape.reverts("index_vault: not guardian"):
        vault.cancel(change_id, sender=alice)


def test_redeem__while_change_queued__is_fee_free(create_vault, tokens, alice, governance, fee_recipient, mint_for):
    vault = create_vault(tokens[:1], fees=(0, 0, 100))
    mint_for(vault, alice, 100 * ONE)
    vault.propose_fees(0, 0, 100, sender=governance)  # even re-proposing the same fee opens the exit window
    assert vault.preview_redeem(50 * ONE) == [50 * ONE]
    tx = vault.redeem(50 * ONE, alice, [], sender=alice)
    assert tx.events.filter(vault.Redeemed)[0].fee == 0
    assert vault.balanceOf(fee_recipient) == 0
    assert tokens[0].balanceOf(alice) == 50 * ONE


def test_redeem__after_queued_change_cancelled__charges_fee_again(
    create_vault, tokens, alice, governance, guardian, fee_recipient, mint_for
):
    vault = create_vault(tokens[:1], fees=(0, 0, 100))
    mint_for(vault, alice, 100 * ONE)
    change_id = vault.propose_fees(0, 0, 100, sender=governance).events.filter(vault.ChangeQueued)[0].id
    vault.cancel(change_id, sender=guardian)
    vault.redeem(100 * ONE, alice, [], sender=alice)
    assert vault.balanceOf(fee_recipient) == ONE


def test_discard_expired__lapsed_change__closes_the_exit_window(
    create_vault, tokens, alice, bob, governance, fee_recipient, mint_for, chain
):
    vault = create_vault(tokens[:1], fees=(0, 0, 100))
    mint_for(vault, alice, 100 * ONE)
    change_id = vault.propose_fees(0, 0, 100, sender=governance).events.filter(vault.ChangeQueued)[0].id
    with ape.reverts("timelock: not expired"):
        vault.discard_expired(change_id, sender=bob)
    chain.pending_timestamp += vault.delay() + vault.GRACE_PERIOD() + 1
    vault.discard_expired(change_id, sender=bob)
    vault.redeem(100 * ONE, alice, [], sender=alice)
    assert vault.balanceOf(fee_recipient) == ONE


def test_set_fees__not_governance__reverts(vault, alice):
    with ape.reverts("index_vault: not governance"):
        vault.set_fees(0, 0, 0, sender=alice)


def test_set_fee_recipient__pending_fees__go_to_old_recipient(
    fee_vault, alice, bob, governance, fee_recipient, mint_for, chain
):
    mint_for(fee_vault, alice, 1000 * ONE)
    chain.pending_timestamp = fee_vault.last_accrual() + ref.YEAR
    tx = fee_vault.set_fee_recipient(bob, sender=governance)
    assert fee_vault.balanceOf(fee_recipient) == ref.fee_shares(1000 * ONE, 200, ref.YEAR)
    assert fee_vault.balanceOf(bob) == 0
    assert fee_vault.fee_recipient() == bob
    assert tx.events.filter(fee_vault.FeeRecipientSet)[0].fee_recipient == bob


def test_set_fee_recipient__zero__reverts(vault, governance):
    with ape.reverts("index_vault: zero fee recipient"):
        vault.set_fee_recipient(ape.utils.ZERO_ADDRESS, sender=governance)


def test_set_fee_recipient__not_governance__reverts(vault, alice):
    with ape.reverts("index_vault: not governance"):
        vault.set_fee_recipient(alice, sender=alice)


def test_transfer_governance__accepted__moves_governance(vault, governance, alice):
    vault.transfer_governance(alice, sender=governance)
    assert vault.governance() == governance
    assert vault.pending_governance() == alice
    tx = vault.accept_governance(sender=alice)
    assert vault.governance() == alice
    assert vault.pending_governance() == ape.utils.ZERO_ADDRESS
    event = tx.events.filter(vault.GovernanceTransferred)[0]
    assert (event.previous_governance, event.governance) == (governance, alice)


def test_transfer_governance__not_governance__reverts(vault, alice):
    with ape.reverts("index_vault: not governance"):
        vault.transfer_governance(alice, sender=alice)


def test_accept_governance__not_pending__reverts(vault, governance, alice, bob):
    vault.transfer_governance(alice, sender=governance)
    with ape.reverts("index_vault: not pending governance"):
        vault.accept_governance(sender=bob)


def test_set_guardian__by_governance__replaces_guardian(vault, governance, alice):
    tx = vault.set_guardian(alice, sender=governance)
    assert vault.guardian() == alice
    assert tx.events.filter(vault.GuardianSet)[0].guardian == alice


def test_set_guardian__not_governance__reverts(vault, guardian, alice):
    with ape.reverts("index_vault: not governance"):
        vault.set_guardian(alice, sender=guardian)


@pytest.mark.parametrize("role", ["guardian", "governance"])
def test_pause_mint__by_guardian_or_governance__blocks_mint(vault, alice, role, request, mint_for):
    tx = vault.pause_mint(sender=request.getfixturevalue(role))
    assert vault.mint_paused()
    assert tx.events.filter(vault.MintPaused)[0].by == request.getfixturevalue(role)
    with ape.reverts("index_vault: mint paused"):
        mint_for(vault, alice, ONE)


def test_pause_mint__by_anyone_else__reverts(vault, alice):
    with ape.reverts("index_vault: not guardian"):
        vault.pause_mint(sender=alice)


def test_unpause_mint__by_governance__allows_mint(vault, alice, guardian, governance, mint_for):
    vault.pause_mint(sender=guardian)
    vault.unpause_mint(sender=governance)
    assert not vault.mint_paused()
    mint_for(vault, alice, ONE)
    assert vault.balanceOf(alice) == ONE


def test_unpause_mint__by_guardian__reverts(vault, guardian):
    vault.pause_mint(sender=guardian)
    with ape.reverts("index_vault: not governance"):
        vault.unpause_mint(sender=guardian)


def test_sweep__donation__sends_only_the_surplus(vault, tokens, alice, bob, governance, mint_for):
    mint_for(vault, alice, ONE)
    tokens[1].mint(vault, 5 * ONE, sender=bob)
    tx = vault.sweep(tokens[1], bob, sender=governance)
    assert tokens[1].balanceOf(bob) == 5 * ONE
    assert tokens[1].balanceOf(vault) == 2 * ONE
    assert tx.events.filter(vault.Swept)[0].amount == 5 * ONE


def test_sweep__non_component__sends_everything(vault, create_token, bob, governance):
    stray = create_token(6, "STRAY")
    stray.mint(vault, 123, sender=bob)
    vault.sweep(stray, bob, sender=governance)
    assert stray.balanceOf(bob) == 123


def test_sweep__nothing_beyond_claims__reverts(vault, tokens, alice, governance, mint_for):
    mint_for(vault, alice, ONE)
    with ape.reverts("index_vault: nothing to sweep"):
        vault.sweep(tokens[0], governance, sender=governance)


def test_sweep__not_governance__reverts(vault, tokens, alice):
    with ape.reverts("index_vault: not governance"):
        vault.sweep(tokens[0], alice, sender=alice)
