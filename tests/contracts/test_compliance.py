"""The compliant index kind: every transfer rule on every path (mint, transfer, transferFrom, the zap, redeem to
another address) with its allowed twin, ERC-1404 codes and messages, redeeming to oneself that nothing blocks,
freeze, recovery, and what governance, the guardian and agents can and cannot do.

The zap path is exercised with an account standing in for the zap (what IndexZap does: `transferFrom(user, zap,
shares)` then `redeem(shares, zap, skip)` from the zap), so each rule is tested without a swap market."""

from dataclasses import dataclass

import ape
import pytest
from eth_abi import encode
from eth_utils import keccak
from fixtures.compliance import FRANCE, GERMANY, NORTH_KOREA, Compliance
from fixtures.vaults import DAY

ONE = 10**18
UNITS = [ONE, 2 * ONE, 3 * ONE]
PATHS = ["transfer", "transferFrom"]
ZERO = "0x" + "00" * 20
# ERC-1404 codes (ComplianceRules).
(OK, SENDER_FROZEN, SENDER_LOCKED, RECIPIENT_FROZEN, NOT_VERIFIED, COUNTRY_BLOCKED, HOLDER_LIMIT,
 BALANCE_LIMIT) = range(8)  # fmt: skip
MESSAGES = [
    "no restriction",
    "sender frozen",
    "shares locked up",
    "recipient frozen",
    "recipient not verified",
    "recipient country blocked",
    "holder limit reached",
    "balance limit exceeded",
]


@dataclass
class World:
    index: object
    vault: object
    rules: object
    alice_id: int
    bob_id: int


@pytest.fixture(scope="module")
def world(project, create_compliant, tokens, register, identity_registry, agent, alice, bob, dave):
    """alice (Germany) with a second wallet dave, bob (France), an index that blocks North Korea and nothing else."""
    alice_id = register(alice, GERMANY)
    identity_registry.add_wallet(alice_id, dave, sender=agent)
    bob_id = register(bob, FRANCE)
    index = create_compliant(tokens, units=UNITS, compliance=Compliance(identity_registry, [NORTH_KOREA]))
    return World(
        index,
        project.IndexVault.at(index.vault()),
        project.ComplianceRules.at(index.rules()),
        alice_id,
        bob_id,
    )


@pytest.fixture
def index(world):
    return world.index


@pytest.fixture
def tighten(world, identity_registry, governance):
    """Apply stricter rules at once (governance); a tightening needs no timelock."""

    def tighten(**fields):
        rules = Compliance(identity_registry, **({"blocked_countries": [NORTH_KOREA]} | fields))
        world.index.set_compliance(rules.as_tuple(), sender=governance)

    return tighten


def send(index, path: str, owner, to, amount: int, spender):
    """Move shares from `owner` to `to` by `transfer` or by `transferFrom` through `spender`."""
    if path == "transfer":
        return index.transfer(to, amount, sender=owner)
    index.approve(spender, amount, sender=owner)
    return index.transferFrom(owner, to, amount, sender=spender)


def component_balances(tokens, account) -> list[int]:
    return [token.balanceOf(account) for token in tokens]


# --- mint ------------------------------------------------------------------------------------------------------


def test_mint__verified_receiver__pays_the_basket_and_backs_shares_one_to_one(world, tokens, mint_for, alice, bob):
    index, vault = world.index, world.vault
    owed = index.preview_mint(5 * ONE)
    assert owed == [5 * u for u in [ONE, 2 * ONE, 3 * ONE]]
    mint_for(index, bob, 5 * ONE, receiver=alice)
    assert index.balanceOf(alice) == 5 * ONE
    assert index.totalSupply() == 5 * ONE
    assert vault.balanceOf(index) == index.totalSupply()
    assert component_balances(tokens, vault) == owed
    assert component_balances(tokens, index) == [0, 0, 0]
    # Set once per component: the inner vault pulls from the index only inside the index's own mint.
    assert [t.allowance(index, vault) for t in tokens] == [2**256 - 1] * 3
    assert index.holder_count() == 1
    assert world.rules.identity_balance(world.alice_id) == 5 * ONE


def test_mint__unregistered_receiver__reverts(index, mint_for, alice, mallory):
    with ape.reverts("compliant_index: recipient not verified"):
        mint_for(index, alice, ONE, receiver=mallory)


def test_mint__expired_identity__reverts(index, mint_for, identity_registry, agent, chain, world, alice):
    identity_registry.update_identity(world.alice_id, GERMANY, True, chain.pending_timestamp, sender=agent)
    with ape.reverts("compliant_index: recipient not verified"):
        mint_for(index, alice, ONE)


def test_mint__renewed_identity__mints(index, mint_for, identity_registry, agent, chain, world, alice):
    identity_registry.update_identity(world.alice_id, GERMANY, True, chain.pending_timestamp, sender=agent)
    identity_registry.update_identity(world.alice_id, GERMANY, True, chain.pending_timestamp + DAY, sender=agent)
    mint_for(index, alice, ONE)
    assert index.balanceOf(alice) == ONE


def test_mint__blocked_country__reverts(index, mint_for, register, mallory):
    register(mallory, NORTH_KOREA)
    with ape.reverts("compliant_index: recipient country blocked"):
        mint_for(index, mallory, ONE)


def test_mint__frozen_receiver__reverts(index, mint_for, agent, alice):
    index.freeze(alice, sender=agent)
    with ape.reverts("compliant_index: recipient frozen"):
        mint_for(index, alice, ONE)


def test_mint__unfrozen_receiver__mints(index, mint_for, agent, alice):
    index.freeze(alice, sender=agent)
    index.unfreeze(alice, sender=agent)
    mint_for(index, alice, ONE)
    assert index.balanceOf(alice) == ONE


def test_mint__holder_limit_reached__reverts_for_a_new_identity(index, mint_for, tighten, alice, bob):
    tighten(max_holders=1)
    mint_for(index, alice, ONE)
    with ape.reverts("compliant_index: holder limit reached"):
        mint_for(index, bob, ONE)


def test_mint__holder_limit_reached__same_identity_other_wallet_mints(index, mint_for, tighten, alice, dave):
    tighten(max_holders=1)
    mint_for(index, alice, ONE)
    mint_for(index, dave, ONE)
    assert index.holder_count() == 1


def test_mint__balance_limit_over_two_wallets__reverts(index, mint_for, tighten, alice, dave):
    tighten(max_balance=3 * ONE)
    mint_for(index, alice, 2 * ONE)
    with ape.reverts("compliant_index: balance limit exceeded"):
        mint_for(index, dave, ONE + 1)


def test_mint__balance_limit_exactly__mints(index, mint_for, tighten, world, alice, dave):
    tighten(max_balance=3 * ONE)
    mint_for(index, alice, 2 * ONE)
    mint_for(index, dave, ONE)
    assert world.rules.identity_balance(world.alice_id) == 3 * ONE


def test_mint__paused_by_guardian__reverts(index, mint_for, guardian, alice):
    index.pause_mint(sender=guardian)
    with ape.reverts("compliant_index: mint paused"):
        mint_for(index, alice, ONE)


def test_unpause_mint__guardian__reverts_and_governance_reopens(index, mint_for, guardian, governance, alice):
    index.pause_mint(sender=guardian)
    with ape.reverts("compliant_index: not governance"):
        index.unpause_mint(sender=guardian)
    index.unpause_mint(sender=governance)
    mint_for(index, alice, ONE)
    assert index.balanceOf(alice) == ONE


def test_inner_vault_mint__called_directly__reverts_paused(world, mint_for, alice):
    with ape.reverts("index_vault: mint paused"):
        mint_for(world.vault, alice, ONE)


def test_mint__short_changing_component__reverts(project, create_compliant, deployer, alice, register, chain):
    """A fee-on-transfer component arrives short at the index: refused before the inner vault is asked."""
    fot = project.FeeOnTransferToken.deploy("Fee", "FEE", 18, 100, sender=deployer)
    index = create_compliant([fot])
    fot.mint(alice, 10 * ONE, sender=deployer)
    fot.approve(index, 10 * ONE, sender=alice)
    with ape.reverts("compliant_index: transfer amount mismatch"):
        index.mint(ONE, alice, sender=alice)


# --- transfer and transferFrom ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", PATHS)
def test_transfer__verified_recipient__moves_shares_and_counts(world, mint_for, path, alice, bob, carol):
    index = world.index
    mint_for(index, alice, 3 * ONE)
    send(index, path, alice, bob, ONE, carol)
    assert (index.balanceOf(alice), index.balanceOf(bob)) == (2 * ONE, ONE)
    assert index.holder_count() == 2
    assert world.rules.identity_balance(world.bob_id) == ONE


@pytest.mark.parametrize("path", PATHS)
def test_transfer__unregistered_recipient__reverts(index, mint_for, path, alice, carol, mallory):
    mint_for(index, alice, ONE)
    assert index.detectTransferRestriction(alice, mallory, ONE) == NOT_VERIFIED
    with ape.reverts("compliant_index: recipient not verified"):
        send(index, path, alice, mallory, ONE, carol)


@pytest.mark.parametrize("path", PATHS)
def test_transfer__recipient_wallet_removed__reverts(
    index, mint_for, identity_registry, agent, path, alice, bob, carol
):
    mint_for(index, alice, ONE)
    identity_registry.remove_wallet(bob, sender=agent)
    with ape.reverts("compliant_index: recipient not verified"):
        send(index, path, alice, bob, ONE, carol)


@pytest.mark.parametrize("path", PATHS)
def test_transfer__expired_recipient__reverts(index, mint_for, identity_registry, agent, chain, world, path, alice,
                                              bob, carol):  # fmt: skip
    mint_for(index, alice, ONE)
    identity_registry.update_identity(world.bob_id, FRANCE, True, chain.pending_timestamp, sender=agent)
    with ape.reverts("compliant_index: recipient not verified"):
        send(index, path, alice, bob, ONE, carol)


@pytest.mark.parametrize("path", PATHS)
def test_transfer__blocked_country__reverts(index, mint_for, register, path, alice, carol, mallory):
    mint_for(index, alice, ONE)
    register(mallory, NORTH_KOREA)
    with ape.reverts("compliant_index: recipient country blocked"):
        send(index, path, alice, mallory, ONE, carol)


@pytest.mark.parametrize("path", PATHS)
def test_transfer__country_blocked_later__reverts_and_was_allowed_before(index, mint_for, tighten, path, alice, bob,
                                                                         carol):  # fmt: skip
    mint_for(index, alice, 2 * ONE)
    send(index, path, alice, bob, ONE, carol)
    tighten(blocked_countries=[NORTH_KOREA, FRANCE])
    with ape.reverts("compliant_index: recipient country blocked"):
        send(index, path, alice, bob, ONE, carol)


@pytest.mark.parametrize("path", PATHS)
def test_transfer__frozen_sender__reverts(index, mint_for, agent, path, alice, bob, carol):
    mint_for(index, alice, ONE)
    index.freeze(alice, sender=agent)
    assert index.detectTransferRestriction(alice, bob, ONE) == SENDER_FROZEN
    with ape.reverts("compliant_index: sender frozen"):
        send(index, path, alice, bob, ONE, carol)


@pytest.mark.parametrize("path", PATHS)
def test_transfer__frozen_recipient__reverts(index, mint_for, agent, path, alice, bob, carol):
    mint_for(index, alice, ONE)
    index.freeze(bob, sender=agent)
    with ape.reverts("compliant_index: recipient frozen"):
        send(index, path, alice, bob, ONE, carol)


@pytest.mark.parametrize("path", PATHS)
def test_transfer__locked_up_shares__reverts_until_the_lockup_ends(index, mint_for, tighten, chain, path, alice, bob,
                                                                   carol):  # fmt: skip
    tighten(lockup=7 * DAY)
    mint_for(index, alice, ONE)
    assert index.locked_until(alice) == chain.blocks.head.timestamp + 7 * DAY
    with ape.reverts("compliant_index: shares locked up"):
        send(index, path, alice, bob, 1, carol)
    chain.pending_timestamp = index.locked_until(alice)
    send(index, path, alice, bob, ONE, carol)
    assert index.balanceOf(bob) == ONE


@pytest.mark.parametrize("path", PATHS)
def test_transfer__unlocked_part_of_balance__moves_only_that(world, mint_for, tighten, path, alice, bob, carol):
    """Shares received by transfer are not locked; the ones alice minted under the lock-up are."""
    index = world.index
    mint_for(index, bob, 2 * ONE)
    send(index, "transfer", bob, alice, ONE, carol)
    tighten(lockup=7 * DAY)
    mint_for(index, alice, ONE)
    assert world.rules.locked_balance(alice) == ONE
    send(index, path, alice, bob, ONE, carol)
    with ape.reverts("compliant_index: shares locked up"):
        send(index, path, alice, bob, 1, carol)


@pytest.mark.parametrize("path", PATHS)
def test_transfer__holder_limit__reverts_for_a_new_identity(index, mint_for, tighten, register, path, alice, bob,
                                                            carol, mallory):  # fmt: skip
    mint_for(index, alice, 2 * ONE)
    send(index, path, alice, bob, ONE, carol)
    tighten(max_holders=2)
    register(mallory, GERMANY)
    with ape.reverts("compliant_index: holder limit reached"):
        send(index, path, alice, mallory, ONE // 2, carol)


@pytest.mark.parametrize("path", PATHS)
def test_transfer__holder_limit__whole_balance_to_a_new_identity_moves(index, mint_for, tighten, register, path,
                                                                       alice, bob, carol, mallory):  # fmt: skip
    """The sender's investor leaves as the receiver's arrives: the count stays at the limit."""
    mint_for(index, alice, 2 * ONE)
    send(index, path, alice, bob, ONE, carol)
    tighten(max_holders=2)
    register(mallory, GERMANY)
    send(index, path, bob, mallory, ONE, carol)
    assert index.holder_count() == 2


@pytest.mark.parametrize("path", PATHS)
def test_transfer__balance_limit__reverts(index, mint_for, tighten, path, alice, bob, carol):
    mint_for(index, alice, 3 * ONE)
    mint_for(index, bob, ONE)
    tighten(max_balance=3 * ONE)
    with ape.reverts("compliant_index: balance limit exceeded"):
        send(index, path, alice, bob, 2 * ONE + 1, carol)
    send(index, path, alice, bob, 2 * ONE, carol)
    assert index.balanceOf(bob) == 3 * ONE


@pytest.mark.parametrize("path", PATHS)
def test_transfer__between_wallets_of_one_identity__passes_its_balance_limit(world, mint_for, tighten, path, alice,
                                                                             dave, carol):  # fmt: skip
    index = world.index
    mint_for(index, alice, 3 * ONE)
    tighten(max_balance=3 * ONE)
    send(index, path, alice, dave, 3 * ONE, carol)
    assert world.rules.identity_balance(world.alice_id) == 3 * ONE
    assert index.holder_count() == 1


def test_transfer_from__without_allowance__reverts(index, mint_for, alice, bob, carol):
    mint_for(index, alice, ONE)
    with ape.reverts("erc20: insufficient allowance"):
        index.transferFrom(alice, bob, ONE, sender=carol)


# --- the zap path (an account standing in for IndexZap) -------------------------------------------------------


@pytest.fixture
def zap(index, governance, carol, chain):
    """carol set as the index's zap through the timelock."""
    index.propose_zap(carol, sender=governance)
    chain.pending_timestamp += DAY
    index.execute_zap(carol, sender=governance)
    return carol


def zap_redeem(index, zap, owner, shares):
    """What IndexZap.redeem does with the index: pull the shares, redeem them to itself."""
    index.transferFrom(owner, zap, shares, sender=zap)
    index.redeem(shares, zap, [], sender=zap)


def test_propose_zap__executed_before_the_delay__reverts(index, governance, carol):
    index.propose_zap(carol, sender=governance)
    with ape.reverts("timelock: too early"):
        index.execute_zap(carol, sender=governance)


def test_propose_zap__not_governance__reverts(index, carol):
    with ape.reverts("compliant_index: not governance"):
        index.propose_zap(carol, sender=carol)


def test_zap_redeem__not_the_zap__reverts_as_unverified(index, mint_for, alice, carol):
    mint_for(index, alice, ONE)
    index.approve(carol, ONE, sender=alice)
    with ape.reverts("compliant_index: recipient not verified"):
        zap_redeem(index, carol, alice, ONE)


def test_zap_redeem__the_zap__receives_and_redeems_within_the_call(world, tokens, mint_for, zap, alice):
    index = world.index
    mint_for(index, alice, 2 * ONE)
    index.approve(zap, ONE, sender=alice)
    zap_redeem(index, zap, alice, ONE)
    assert component_balances(tokens, zap) == [ONE, 2 * ONE, 3 * ONE]
    assert index.balanceOf(zap) == 0
    assert world.rules.identity_balance(world.alice_id) == ONE
    assert index.vault() and world.vault.balanceOf(index) == index.totalSupply() == ONE


def test_zap_redeem__locked_up_shares__redeem_like_any_redeem(index, tokens, mint_for, tighten, zap, alice):
    tighten(lockup=7 * DAY)
    mint_for(index, alice, ONE)
    index.approve(zap, ONE, sender=alice)
    zap_redeem(index, zap, alice, ONE)
    assert component_balances(tokens, zap) == [ONE, 2 * ONE, 3 * ONE]


def test_zap_redeem__frozen_holder__reverts(index, mint_for, agent, zap, alice):
    mint_for(index, alice, ONE)
    index.freeze(alice, sender=agent)
    index.approve(zap, ONE, sender=alice)
    with ape.reverts("compliant_index: sender frozen"):
        zap_redeem(index, zap, alice, ONE)


def test_zap_mint__unregistered_receiver__reverts(index, mint_for, zap, mallory):
    """The zap mints with `mint(shares, receiver)`: the receiver rules apply as to anyone's mint."""
    with ape.reverts("compliant_index: recipient not verified"):
        mint_for(index, zap, ONE, receiver=mallory)


def test_zap_mint__verified_receiver__mints(index, mint_for, zap, alice):
    mint_for(index, zap, ONE, receiver=alice)
    assert index.balanceOf(alice) == ONE


# --- redeem ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("state", ["frozen", "expired", "delisted", "locked", "paused", "country_blocked"])
def test_redeem__to_self_in_any_state__pays_the_basket(world, tokens, mint_for, tighten, identity_registry, agent,
                                                       chain, guardian, state, alice):  # fmt: skip
    index = world.index
    if state == "locked":
        tighten(lockup=30 * DAY)
    mint_for(index, alice, 2 * ONE)
    if state == "frozen":
        index.freeze(alice, sender=agent)
    elif state == "expired":
        identity_registry.update_identity(world.alice_id, GERMANY, True, chain.pending_timestamp, sender=agent)
    elif state == "delisted":
        identity_registry.remove_wallet(alice, sender=agent)
    elif state == "paused":
        index.pause_mint(sender=guardian)
        index.pause_rebalance(sender=guardian)
    elif state == "country_blocked":
        tighten(blocked_countries=[NORTH_KOREA, GERMANY])
    before = component_balances(tokens, alice)
    index.redeem(2 * ONE, alice, [], sender=alice)
    assert [a - b for a, b in zip(component_balances(tokens, alice), before)] == [2 * ONE, 4 * ONE, 6 * ONE]
    assert index.balanceOf(alice) == 0
    assert index.totalSupply() == world.vault.balanceOf(index) == 0
    assert index.holder_count() == 0


def test_redeem__frozen_holder_to_another_address__reverts(index, mint_for, agent, alice, bob):
    mint_for(index, alice, ONE)
    index.freeze(alice, sender=agent)
    with ape.reverts("compliant_index: sender frozen"):
        index.redeem(ONE, bob, [], sender=alice)


def test_redeem__to_an_unverified_address__reverts(index, mint_for, alice, mallory):
    mint_for(index, alice, ONE)
    with ape.reverts("compliant_index: recipient not verified"):
        index.redeem(ONE, mallory, [], sender=alice)


def test_redeem__to_a_blocked_country__reverts(index, mint_for, register, alice, mallory):
    mint_for(index, alice, ONE)
    register(mallory, NORTH_KOREA)
    with ape.reverts("compliant_index: recipient country blocked"):
        index.redeem(ONE, mallory, [], sender=alice)


def test_redeem__expired_holder_to_another_verified_address__pays_it(index, tokens, mint_for, identity_registry,
                                                                     agent, chain, world, alice, bob):  # fmt: skip
    mint_for(index, alice, ONE)
    identity_registry.update_identity(world.alice_id, GERMANY, True, chain.pending_timestamp, sender=agent)
    before = component_balances(tokens, bob)
    index.redeem(ONE, bob, [], sender=alice)
    assert [a - b for a, b in zip(component_balances(tokens, bob), before)] == UNITS


def test_redeem__more_than_balance__reverts(index, mint_for, alice):
    mint_for(index, alice, ONE)
    with ape.reverts("erc20: burn amount exceeds balance"):
        index.redeem(ONE + 1, alice, [], sender=alice)


# --- ERC-1404 --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", range(8))
def test_message_for_transfer_restriction__each_code__words_it(index, code):
    assert index.messageForTransferRestriction(code) == MESSAGES[code]


def test_message_for_transfer_restriction__unknown_code__says_so(index):
    assert index.messageForTransferRestriction(99) == "unknown restriction"


def test_detect_transfer_restriction__every_rule__its_code(index, mint_for, tighten, register, agent, carol, alice,
                                                           bob, dave, mallory):  # fmt: skip
    tighten(max_holders=2, max_balance=4 * ONE, lockup=DAY)
    mint_for(index, alice, 2 * ONE)
    mint_for(index, bob, 3 * ONE)
    assert index.detectTransferRestriction(ZERO, alice, ONE) == OK  # a mint
    assert index.detectTransferRestriction(alice, bob, ONE) == SENDER_LOCKED
    assert index.detectTransferRestriction(ZERO, bob, 2 * ONE) == BALANCE_LIMIT
    register(mallory, GERMANY)
    assert index.detectTransferRestriction(ZERO, mallory, ONE) == HOLDER_LIMIT
    assert index.detectTransferRestriction(ZERO, carol, ONE) == NOT_VERIFIED
    index.freeze(dave, sender=agent)
    assert index.detectTransferRestriction(ZERO, dave, ONE) == RECIPIENT_FROZEN
    index.freeze(alice, sender=agent)
    assert index.detectTransferRestriction(alice, bob, ONE) == SENDER_FROZEN


# --- freeze and agents -----------------------------------------------------------------------------------------


def test_freeze__not_an_agent__reverts(index, governance, alice):
    with ape.reverts("compliance_rules: not agent"):
        index.freeze(alice, sender=governance)


def test_freeze__agent__freezes_with_an_event(world, agent, alice):
    tx = world.index.freeze(alice, sender=agent)
    assert world.index.frozen(alice)
    assert [(e.wallet, e.agent) for e in tx.events.filter(world.rules.Frozen)] == [(alice.address, agent.address)]


def test_rules__called_by_anyone_but_the_index__reverts(world, agent, alice):
    with ape.reverts("compliance_rules: not the index"):
        world.rules.freeze(alice, agent, True, sender=agent)
    with ape.reverts("compliance_rules: not the index"):
        world.rules.on_mint(alice, ONE, sender=alice)


# --- recovery --------------------------------------------------------------------------------------------------


def test_propose_recovery__not_an_agent__reverts(index, mint_for, alice, dave):
    mint_for(index, alice, ONE)
    with ape.reverts("compliance_rules: not agent"):
        index.propose_recovery(alice, dave, sender=dave)


def test_propose_recovery__wallet_of_another_identity__reverts(index, mint_for, agent, alice, bob):
    mint_for(index, alice, ONE)
    with ape.reverts("compliance_rules: not the same identity"):
        index.propose_recovery(alice, bob, sender=agent)


def test_propose_recovery__twice__reverts(index, mint_for, agent, alice, dave):
    mint_for(index, alice, ONE)
    index.propose_recovery(alice, dave, sender=agent)
    with ape.reverts("compliance_rules: recovery pending"):
        index.propose_recovery(alice, dave, sender=agent)


def test_execute_recovery__before_the_delay__reverts(index, mint_for, agent, alice, dave):
    mint_for(index, alice, ONE)
    index.propose_recovery(alice, dave, sender=agent)
    with ape.reverts("timelock: too early"):
        index.execute_recovery(alice, sender=dave)


def test_execute_recovery__after_the_delay__moves_shares_and_lockup(world, mint_for, tighten, agent, chain, alice,
                                                                    dave, carol):  # fmt: skip
    index = world.index
    tighten(lockup=30 * DAY)
    mint_for(index, alice, 3 * ONE)
    tx = index.propose_recovery(alice, dave, sender=agent)
    eta = tx.events.filter(world.rules.RecoveryProposed)[0].eta
    assert eta == chain.blocks.head.timestamp + DAY
    assert world.rules.recovery(alice) == (dave.address, eta)
    chain.pending_timestamp = eta
    tx = index.execute_recovery(alice, sender=carol)  # anyone
    assert (index.balanceOf(alice), index.balanceOf(dave)) == (0, 3 * ONE)
    assert world.rules.locked_balance(dave) == 3 * ONE
    assert world.rules.identity_balance(world.alice_id) == 3 * ONE
    assert index.holder_count() == 1
    assert index.recovered_to(alice) == dave.address
    assert tx.events.filter(index.Recovered)[0].shares == 3 * ONE


def test_execute_recovery__wallet_moved_to_another_identity_meanwhile__reverts(index, mint_for, identity_registry,
                                                                              agent, chain, register, alice, dave):  # fmt: skip
    mint_for(index, alice, ONE)
    index.propose_recovery(alice, dave, sender=agent)
    identity_registry.remove_wallet(dave, sender=agent)
    register(dave, GERMANY)
    chain.pending_timestamp += DAY
    with ape.reverts("compliance_rules: not the same identity"):
        index.execute_recovery(alice, sender=dave)


def test_cancel_recovery__by_the_holder__nothing_moves(index, mint_for, agent, chain, alice, dave):
    mint_for(index, alice, ONE)
    index.propose_recovery(alice, dave, sender=agent)
    index.cancel_recovery(alice, sender=alice)
    chain.pending_timestamp += DAY
    with ape.reverts("compliance_rules: no recovery"):
        index.execute_recovery(alice, sender=dave)
    assert index.balanceOf(alice) == ONE


def test_cancel_recovery__by_a_stranger__reverts(index, mint_for, agent, alice, dave, mallory):
    mint_for(index, alice, ONE)
    index.propose_recovery(alice, dave, sender=agent)
    with ape.reverts("compliance_rules: not agent"):
        index.cancel_recovery(alice, sender=mallory)


def test_recovery__rogue_agent_and_a_watching_holder__takes_nothing(world, tokens, mint_for, identity_registry,
                                                                    agent, chain, register, alice, mallory):  # fmt: skip
    """Attack: an agent adds its own wallet to alice's identity and proposes to recover her shares there. alice sees
    `WalletAdded` and `RecoveryProposed` and redeems (or cancels) within the delay: the agent gets 0 shares."""
    index = world.index
    mint_for(index, alice, 5 * ONE)
    identity_registry.add_wallet(world.alice_id, mallory, sender=agent)
    index.propose_recovery(alice, mallory, sender=agent)
    index.redeem(5 * ONE, alice, [], sender=alice)
    chain.pending_timestamp += DAY
    index.execute_recovery(alice, sender=mallory)
    assert index.balanceOf(mallory) == 0
    assert component_balances(tokens, mallory) == [0, 0, 0]


def test_recovery__rogue_agent_and_an_absent_holder__takes_the_balance_after_the_delay(world, mint_for,
                                                                                      identity_registry, agent,
                                                                                      chain, alice, mallory):  # fmt: skip
    """The limit of the model, in numbers: a holder who does nothing for the whole delay (1 day here, up to 30)
    loses its whole balance to a rogue agent's wallet; the registry's agents are trusted that far."""
    index = world.index
    mint_for(index, alice, 5 * ONE)
    identity_registry.add_wallet(world.alice_id, mallory, sender=agent)
    index.propose_recovery(alice, mallory, sender=agent)
    chain.pending_timestamp += DAY
    index.execute_recovery(alice, sender=mallory)
    assert index.balanceOf(mallory) == 5 * ONE


# --- governance ------------------------------------------------------------------------------------------------


def calldata(signature: str, types: list[str], args: list) -> bytes:
    return keccak(text=signature)[:4] + encode(types, args)


def test_govern__lower_fees_on_the_inner_vault__applies(project, create_compliant, tokens, governance):
    index = create_compliant(tokens, fees=(100, 50, 50))
    vault = project.IndexVault.at(index.vault())
    index.govern(vault, calldata("set_fees(uint256,uint256,uint256)", ["uint256"] * 3, [50, 0, 0]),
                 sender=governance)  # fmt: skip
    assert vault.fees() == (50, 0, 0)


def test_govern__propose_fees_on_the_inner_vault__queues_behind_its_timelock(world, governance):
    data = calldata("propose_fees(uint256,uint256,uint256)", ["uint256"] * 3, [100, 10, 10])
    tx = world.index.govern(world.vault, data, sender=governance)
    assert world.vault.queued_count() == 1
    assert tx.events.filter(world.index.Governed)[0].target == world.vault.address


@pytest.mark.parametrize(
    "signature, types, args",
    [
        ("unpause_mint()", [], []),
        ("transfer_governance(address)", ["address"], ["0x" + "11" * 20]),
        ("set_guardian(address)", ["address"], ["0x" + "11" * 20]),
        ("redeem(uint256,address,address[])", ["uint256", "address", "address[]"], [1, "0x" + "11" * 20, []]),
        ("transfer(address,uint256)", ["address", "uint256"], ["0x" + "11" * 20, 1]),
        ("approve(address,uint256)", ["address", "uint256"], ["0x" + "11" * 20, 1]),
    ],
)
def test_govern__call_that_would_break_compliance__reverts(world, governance, signature, types, args):
    with ape.reverts("compliant_index: call not allowed"):
        world.index.govern(world.vault, calldata(signature, types, args), sender=governance)


def test_govern__policy__forwards_as_governance(project, world, governance):
    policy = project.RebalancePolicy.at(world.index.policy())
    world.index.govern(policy, calldata("pause_rebalance()", [], []), sender=governance)
    assert policy.rebalance_paused()


def test_govern__another_contract__reverts(world, tokens, governance):
    with ape.reverts("compliant_index: not the vault or its policy"):
        world.index.govern(tokens[0], calldata("mint(address,uint256)", ["address", "uint256"],
                                               [governance.address, 1]), sender=governance)  # fmt: skip


def test_govern__not_governance__reverts(world, guardian):
    with ape.reverts("compliant_index: not governance"):
        world.index.govern(world.vault, calldata("cancel(bytes32)", ["bytes32"], [b"\x00" * 32]), sender=guardian)


def test_set_compliance__loosening__needs_the_timelock(index, identity_registry, governance, chain):
    looser = Compliance(identity_registry, []).as_tuple()  # unblocks North Korea
    with ape.reverts("timelock: not queued"):
        index.set_compliance(looser, sender=governance)
    index.propose_compliance(looser, sender=governance)
    with ape.reverts("timelock: too early"):
        index.set_compliance(looser, sender=governance)
    chain.pending_timestamp += DAY
    index.execute_compliance(looser, sender=governance)
    assert index.compliance() == looser


@pytest.mark.parametrize("field, tighter, looser", [("max_holders", 5, 6), ("max_balance", 10, 11), ("lockup", 2, 1)])
def test_set_compliance__tighter_then_looser_limit__immediate_then_timelocked(index, identity_registry, governance,
                                                                               field, tighter, looser):  # fmt: skip
    start = {"max_holders": 6, "max_balance": 11, "lockup": 1}
    index.set_compliance(Compliance(identity_registry, [NORTH_KOREA], **start).as_tuple(), sender=governance)
    index.set_compliance(Compliance(identity_registry, [NORTH_KOREA], **(start | {field: tighter})).as_tuple(),
                         sender=governance)  # fmt: skip
    with ape.reverts("timelock: not queued"):
        index.set_compliance(Compliance(identity_registry, [NORTH_KOREA], **(start | {field: looser})).as_tuple(),
                             sender=governance)  # fmt: skip


def test_set_compliance__removing_a_limit__needs_the_timelock(index, identity_registry, governance):
    index.set_compliance(Compliance(identity_registry, [NORTH_KOREA], max_holders=5).as_tuple(), sender=governance)
    with ape.reverts("timelock: not queued"):
        index.set_compliance(Compliance(identity_registry, [NORTH_KOREA]).as_tuple(), sender=governance)


def test_set_compliance__new_registry__needs_the_timelock(project, index, deployer, governance):
    other = project.IdentityRegistry.deploy(governance, sender=deployer)
    with ape.reverts("timelock: not queued"):
        index.set_compliance(Compliance(other, [NORTH_KOREA]).as_tuple(), sender=governance)


def test_set_compliance__not_governance__reverts(index, identity_registry, guardian):
    with ape.reverts("compliant_index: not governance"):
        index.set_compliance(Compliance(identity_registry, [NORTH_KOREA], lockup=1).as_tuple(), sender=guardian)


def test_cancel__guardian_drops_a_queued_loosening(world, identity_registry, governance, guardian, chain):
    index = world.index
    looser = Compliance(identity_registry, []).as_tuple()
    change = index.propose_compliance(looser, sender=governance).events.filter(world.rules.ChangeQueued)[0].id
    index.cancel(change, sender=guardian)
    chain.pending_timestamp += DAY
    with ape.reverts("timelock: not queued"):
        index.set_compliance(looser, sender=governance)


def test_cancel_change__guardian_drops_a_change_queued_in_the_inner_vault(world, governance, guardian):
    data = calldata("propose_fees(uint256,uint256,uint256)", ["uint256"] * 3, [100, 10, 10])
    world.index.govern(world.vault, data, sender=governance)
    change = keccak(encode(["string", "bytes"], ["set_fees", encode(["uint256"] * 3, [100, 10, 10])]))
    world.index.cancel_change(world.vault, change, sender=guardian)
    assert world.vault.queued_count() == 0


def test_pause_rebalance__stranger__reverts(world, alice):
    with ape.reverts("compliant_index: not guardian"):
        world.index.pause_rebalance(sender=alice)


def test_revoke_keeper__guardian__revokes_in_the_policy(project, world, governance, guardian, keeper):
    policy = project.RebalancePolicy.at(world.index.policy())
    world.index.govern(policy, calldata("add_keeper(address)", ["address"], [keeper.address]), sender=governance)
    assert policy.is_keeper(keeper)
    world.index.revoke_keeper(keeper, sender=guardian)
    assert not policy.is_keeper(keeper)


def test_transfer_governance__two_steps__hands_over(index, governance, alice):
    index.transfer_governance(alice, sender=governance)
    with ape.reverts("compliant_index: not pending governance"):
        index.accept_governance(sender=governance)
    index.accept_governance(sender=alice)
    assert index.governance() == alice.address


def test_initialize__again__reverts(world, deployer, alice):
    with ape.reverts("compliant_index: not creator"):
        world.index.initialize(world.vault, world.rules, sender=alice)


# --- attacks in numbers ---------------------------------------------------------------------------------------


def test_attack__governance_takes_holders_shares__gets_nothing(world, tokens, mint_for, governance, alice):
    """Governance's reach: fees within the inner vault's caps and timelock, sweep beyond claims, the policy's limits.
    It cannot redeem, transfer or approve the inner shares that back holders (0 taken), nor mint around the rules."""
    index, vault = world.index, world.vault
    mint_for(index, alice, 4 * ONE)
    for signature, types, args in [
        ("redeem(uint256,address,address[])", ["uint256", "address", "address[]"], [4 * ONE, governance.address, []]),
        ("transfer(address,uint256)", ["address", "uint256"], [governance.address, 4 * ONE]),
        ("unpause_mint()", [], []),
    ]:
        with ape.reverts("compliant_index: call not allowed"):
            index.govern(vault, calldata(signature, types, args), sender=governance)
    with ape.reverts("index_vault: nothing to sweep"):
        index.govern(vault, calldata("sweep(address,address)", ["address", "address"],
                                     [tokens[0].address, governance.address]), sender=governance)  # fmt: skip
    assert vault.balanceOf(index) == index.totalSupply() == 4 * ONE
    assert component_balances(tokens, governance) == [0, 0, 0]


def test_attack__agent_freezes_a_holder__holder_still_leaves_with_everything(world, tokens, mint_for, agent, alice):
    index = world.index
    mint_for(index, alice, 4 * ONE)
    index.freeze(alice, sender=agent)
    index.redeem(4 * ONE, alice, [], sender=alice)
    assert component_balances(tokens, alice) == [4 * ONE, 8 * ONE, 12 * ONE]


# --- votes ------------------------------------------------------------------------------------------------------


def test_delegate__self__votes_follow_mints_transfers_and_redeems(index, mint_for, chain, alice, bob):
    # ape's own `delegate` property (EIP-7702) hides the contract method of that name.
    index.invoke_transaction("delegate", alice, sender=alice)
    mint_for(index, alice, 3 * ONE)
    assert index.getVotes(alice) == 3 * ONE
    index.transfer(bob, ONE, sender=alice)
    index.redeem(ONE, alice, [], sender=alice)
    assert index.getVotes(alice) == ONE
    chain.mine()
    assert index.getPastTotalSupply(chain.blocks.head.number - 1) == 2 * ONE


def test_delegate__never__no_votes(index, mint_for, alice):
    mint_for(index, alice, 3 * ONE)
    assert index.getVotes(alice) == 0
