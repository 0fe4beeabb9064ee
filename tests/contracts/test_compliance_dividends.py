"""Dividends on a compliant index (distribute any ERC-20 to the holders of the moment, claim any time), the factory's
compliant kind, and the identity registry's roles and events."""

from dataclasses import dataclass

import ape
import pytest
from fixtures.compliance import FRANCE, GERMANY, Compliance
from fixtures.vaults import DAY

ONE = 10**18
USDC = 10**6


@dataclass
class World:
    index: object
    usdc: object
    alice_id: int


@pytest.fixture(scope="module")
def world(project, create_compliant, create_token, tokens, register, identity_registry, agent, deployer, alice, bob,
          dave):  # fmt: skip
    alice_id = register(alice, GERMANY)
    identity_registry.add_wallet(alice_id, dave, sender=agent)
    register(bob, FRANCE)
    index = create_compliant(tokens[:1])
    usdc = create_token(6, "USDC")
    usdc.mint(deployer, 10**15, sender=deployer)
    usdc.approve(index, 10**15, sender=deployer)
    return World(index, usdc, alice_id)


@pytest.fixture
def index(world):
    return world.index


def distribute(world, amount: int, sender) -> int:
    tx = world.index.distribute(world.usdc, amount, sender=sender)
    return tx.events.filter(world.index.Distributed)[0].id


# --- distribute and claim -------------------------------------------------------------------------------------


def test_distribute__holders__pro_rata_to_balances_of_the_moment(world, mint_for, deployer, alice, bob):
    index, usdc = world.index, world.usdc
    mint_for(index, alice, ONE)
    mint_for(index, bob, 2 * ONE)
    first = distribute(world, 3_000 * USDC, deployer)
    index.transfer(bob, ONE, sender=alice)  # after the first distribution: alice keeps her share of it
    second = distribute(world, 3_000 * USDC, deployer)
    assert index.distribution(first) == (usdc.address, 3_000 * USDC, 3 * ONE)
    assert (index.claimable(alice, first), index.claimable(bob, first)) == (1_000 * USDC, 2_000 * USDC)
    assert (index.claimable(alice, second), index.claimable(bob, second)) == (0, 3_000 * USDC)
    index.claim([first, second], sender=alice)
    index.claim([first, second], sender=bob)
    assert (usdc.balanceOf(alice), usdc.balanceOf(bob)) == (1_000 * USDC, 5_000 * USDC)
    assert usdc.balanceOf(index) == 0


def test_distribute__rounding__sum_of_claims_never_exceeds_it(world, mint_for, deployer, alice, bob, dave):
    index, usdc = world.index, world.usdc
    for holder in (alice, bob, dave):
        mint_for(index, holder, ONE)
    id = distribute(world, 100, deployer)  # 100 units among 3 equal holders: 33 each, 1 unit of dust stays
    for holder in (alice, bob, dave):
        index.claim([id], sender=holder)
    assert [usdc.balanceOf(h) for h in (alice, bob, dave)] == [33, 33, 33]
    assert usdc.balanceOf(index) == 1


def test_claim__twice__reverts(world, mint_for, deployer, alice):
    mint_for(world.index, alice, ONE)
    id = distribute(world, 100 * USDC, deployer)
    world.index.claim([id], sender=alice)
    assert world.index.claimed(alice, id) and world.index.claimable(alice, id) == 0
    with ape.reverts("compliant_index: already claimed"):
        world.index.claim([id], sender=alice)


def test_claim__same_id_twice_in_one_list__reverts(world, mint_for, deployer, alice):
    mint_for(world.index, alice, ONE)
    id = distribute(world, 100 * USDC, deployer)
    with ape.reverts("compliant_index: already claimed"):
        world.index.claim([id, id], sender=alice)


@pytest.mark.parametrize("id", [0, 2])
def test_claim__unknown_distribution__reverts(world, mint_for, deployer, alice, id):
    mint_for(world.index, alice, ONE)
    distribute(world, 100 * USDC, deployer)
    with ape.reverts("compliant_index: unknown distribution"):
        world.index.claim([id], sender=alice)


def test_claim__bought_after_the_distribution__gets_nothing_of_it(world, mint_for, deployer, alice, bob):
    """Attack: buy right after a distribution to claim it. The balance counted is the one at the distribution."""
    index = world.index
    mint_for(index, alice, ONE)
    id = distribute(world, 100 * USDC, deployer)
    index.transfer(bob, ONE, sender=alice)
    index.claim([id], sender=bob)
    assert world.usdc.balanceOf(bob) == 0
    index.claim([id], sender=alice)
    assert world.usdc.balanceOf(alice) == 100 * USDC


def test_claim__after_redeeming_everything__still_pays_the_old_share(world, mint_for, deployer, alice, bob):
    index = world.index
    mint_for(index, alice, ONE)
    mint_for(index, bob, ONE)
    id = distribute(world, 100 * USDC, deployer)
    index.redeem(ONE, alice, [], sender=alice)
    mint_for(index, bob, 5 * ONE)
    index.claim([id], sender=alice)
    assert world.usdc.balanceOf(alice) == 50 * USDC


def test_claim_for__recovered_wallet__pays_the_new_wallet(world, mint_for, deployer, agent, chain, alice, dave, bob):
    index = world.index
    mint_for(index, alice, ONE)
    id = distribute(world, 100 * USDC, deployer)
    index.propose_recovery(alice, dave, sender=agent)
    chain.pending_timestamp += DAY
    index.execute_recovery(alice, sender=bob)
    index.claim_for(alice, [id], sender=bob)  # anyone may push it
    assert (world.usdc.balanceOf(alice), world.usdc.balanceOf(dave)) == (0, 100 * USDC)


def test_distribute__own_or_inner_shares__reverts(project, world, mint_for, alice):
    index = world.index
    mint_for(index, alice, 2 * ONE)
    with ape.reverts("compliant_index: cannot distribute shares"):
        index.distribute(index, ONE, sender=alice)
    with ape.reverts("compliant_index: cannot distribute shares"):
        index.distribute(index.vault(), ONE, sender=alice)


def test_distribute__no_holders__reverts(world, deployer):
    with ape.reverts("compliant_index: no holders"):
        world.index.distribute(world.usdc, USDC, sender=deployer)


def test_distribute__fee_on_transfer_token__records_what_arrived(project, world, mint_for, deployer, alice):
    taxed = project.FeeOnTransferToken.deploy("Taxed", "TAX", 18, 100, sender=deployer)
    taxed.mint(deployer, 1_000, sender=deployer)
    taxed.approve(world.index, 1_000, sender=deployer)
    mint_for(world.index, alice, ONE)
    tx = world.index.distribute(taxed, 1_000, sender=deployer)
    assert tx.events.filter(world.index.Distributed)[0].amount == 990


def test_distribute__amount_times_supply_overflows__reverts(project, world, mint_for, deployer, alice):
    huge = project.MockERC20.deploy("Huge", "HUGE", 18, sender=deployer)
    huge.mint(deployer, 2**255, sender=deployer)
    huge.approve(world.index, 2**255, sender=deployer)
    mint_for(world.index, alice, ONE)
    with ape.reverts("compliant_index: amount too large"):
        world.index.distribute(huge, 2**255, sender=deployer)
    world.index.distribute(huge, (2**256 - 1) // ONE, sender=deployer)


def test_transfer__many_past_distributions__costs_the_same_gas(world, mint_for, deployer, alice, bob):
    """The gas bound: a transfer writes at most one checkpoint per party (its first after a distribution), so it
    costs the same after 2 or 41 distributions, whatever the number of holders; with no distribution since the
    parties' last change it writes none."""
    index = world.index
    mint_for(index, alice, 10 * ONE)
    mint_for(index, bob, ONE)
    distribute(world, USDC, deployer)
    first_ever = index.transfer(bob, ONE, sender=alice).gas_used  # both parties' first checkpoint: new head slots
    distribute(world, USDC, deployer)
    second = index.transfer(bob, ONE, sender=alice).gas_used
    for _ in range(39):
        distribute(world, USDC, deployer)
    forty_first = index.transfer(bob, ONE, sender=alice).gas_used
    unchanged = index.transfer(bob, ONE, sender=alice).gas_used
    assert forty_first == second < first_ever
    assert unchanged < second


# --- the factory's compliant kind ------------------------------------------------------------------------------


def test_create_compliant_vault__registers_the_inner_vault_and_links_roles(project, factory, create_compliant, tokens,
                                                                           governance, guardian):  # fmt: skip
    index = create_compliant(tokens)
    vault = project.IndexVault.at(index.vault())
    rules = project.ComplianceRules.at(index.rules())
    assert factory.is_vault(vault) and factory.is_compliant(index)
    assert factory.compliant_of(vault) == index.address
    assert (vault.governance(), vault.guardian()) == (index.address, index.address)
    assert (index.governance(), index.guardian()) == (governance.address, guardian.address)
    assert rules.INDEX() == index.address
    assert vault.mint_paused()
    assert index.policy() == factory.policy_of(vault)


def test_create_compliant_vault__inner_vault__cannot_be_minted_directly(project, create_compliant, tokens, mint_for,
                                                                        alice):  # fmt: skip
    index = create_compliant(tokens)
    with ape.reverts("index_vault: mint paused"):
        mint_for(project.IndexVault.at(index.vault()), alice, ONE)


def test_create_compliant_vault__registry_not_a_contract__reverts(create_compliant, tokens, alice):
    with ape.reverts("compliance_rules: registry is not a contract"):
        create_compliant(tokens, compliance=Compliance(alice))


# --- the identity registry -------------------------------------------------------------------------------------


def test_register_identity__agent__emits_and_verifies(identity_registry, agent, chain, mallory):
    expiry = chain.pending_timestamp + DAY
    tx = identity_registry.register_identity(mallory, GERMANY, False, expiry, sender=agent)
    identity = identity_registry.identity_of(mallory)
    assert identity_registry.identity(identity) == (GERMANY, False, expiry)
    assert identity_registry.is_verified(mallory)
    assert identity_registry.investor(mallory) == (identity, GERMANY, False, expiry)
    assert tx.events.filter(identity_registry.IdentityRegistered)[0].wallet == mallory.address
    assert tx.events.filter(identity_registry.WalletAdded)[0].identity == identity


def test_register_identity__not_an_agent__reverts(identity_registry, governance, mallory):
    with ape.reverts("identity_registry: not agent"):
        identity_registry.register_identity(mallory, GERMANY, True, 2**40, sender=governance)


@pytest.mark.parametrize("country", [0, 1000])
def test_register_identity__bad_country__reverts(identity_registry, agent, mallory, country):
    with ape.reverts("identity_registry: bad country code"):
        identity_registry.register_identity(mallory, country, True, 2**40, sender=agent)


def test_register_identity__wallet_already_registered__reverts(identity_registry, agent, register, mallory):
    register(mallory)
    with ape.reverts("identity_registry: wallet already registered"):
        identity_registry.register_identity(mallory, FRANCE, True, 2**40, sender=agent)


def test_is_verified__expired__false(identity_registry, agent, chain, register, mallory):
    identity = register(mallory)
    identity_registry.update_identity(identity, GERMANY, True, chain.pending_timestamp, sender=agent)
    chain.mine()
    assert not identity_registry.is_verified(mallory)


def test_remove_wallet__agent__unregisters_with_an_event(identity_registry, agent, register, mallory):
    identity = register(mallory)
    tx = identity_registry.remove_wallet(mallory, sender=agent)
    assert identity_registry.identity_of(mallory) == 0
    assert identity_registry.wallet_count(identity) == 0
    assert tx.events.filter(identity_registry.WalletRemoved)[0].wallet == mallory.address


def test_add_wallet__unknown_identity__reverts(identity_registry, agent, mallory):
    with ape.reverts("identity_registry: unknown identity"):
        identity_registry.add_wallet(10**6, mallory, sender=agent)


def test_add_agent__not_governance__reverts(identity_registry, agent, mallory):
    with ape.reverts("identity_registry: not governance"):
        identity_registry.add_agent(mallory, sender=agent)


def test_remove_agent__governance__agent_loses_the_role(identity_registry, governance, agent, mallory):
    identity_registry.remove_agent(agent, sender=governance)
    with ape.reverts("identity_registry: not agent"):
        identity_registry.register_identity(mallory, GERMANY, True, 2**40, sender=agent)


def test_transfer_governance__two_steps__hands_over(identity_registry, governance, mallory):
    identity_registry.transfer_governance(mallory, sender=governance)
    with ape.reverts("identity_registry: not pending governance"):
        identity_registry.accept_governance(sender=governance)
    identity_registry.accept_governance(sender=mallory)
    assert identity_registry.governance() == mallory.address
