"""VaultFactory: permissionless creation, the registry, the VaultCreated event, and constructor checks."""

import ape
import pytest

from fixtures.vaults import Rebalancing

ONE = 10**18
DAY = 86_400
MAX_COMPONENTS = 32
MAX_UNIT = 2**88 - 1  # IndexVault.MAX_UNIT: a unit is stored exactly as an 88-bit mantissa
ZERO = ape.utils.ZERO_ADDRESS


@pytest.fixture
def base(factory):
    """Vaults the session's factory already holds: other modules' fixtures may have created some (and under xdist
    each worker runs a different mix), so counts and indices here are relative to it."""
    return factory.vault_count()


def test_init__blueprint_contracts__stores_them(base, factory, blueprint, policy_blueprint, compliant_blueprints):
    assert factory.VAULT_BLUEPRINT() == blueprint.contract_address
    assert factory.POLICY_BLUEPRINT() == policy_blueprint.contract_address
    assert (factory.COMPLIANT_BLUEPRINT(), factory.RULES_BLUEPRINT()) == compliant_blueprints
    assert factory.vault_count() == base


@pytest.mark.parametrize("which", ["vault", "policy", "compliant", "rules"])
def test_init__blueprint_not_a_contract__reverts(
    project, deployer, alice, blueprint, policy_blueprint, compliant_blueprints, which
):
    blueprints = [blueprint.contract_address, policy_blueprint.contract_address, *compliant_blueprints]
    blueprints[["vault", "policy", "compliant", "rules"].index(which)] = alice.address
    with ape.reverts("vault_factory: blueprint is not a contract"):
        project.VaultFactory.deploy(*blueprints, sender=deployer)


def test_create_vault__first_vault__registers_it(base, factory, create_vault, tokens):
    vault = create_vault(tokens)
    assert factory.vault_count() == base + 1
    assert factory.vaults(base) == vault.address
    assert factory.is_vault(vault)


def test_is_vault__address_not_created_by_factory__is_false(factory, create_vault, tokens, alice, blueprint):
    create_vault(tokens)
    assert not factory.is_vault(tokens[0])
    assert not factory.is_vault(alice)
    assert not factory.is_vault(blueprint.contract_address)
    assert not factory.is_vault(factory)
    assert not factory.is_vault(ZERO)


def test_vaults__index_not_yet_used__is_zero_address(base, factory, create_vault, tokens):
    create_vault(tokens)
    assert factory.vaults(base + 1) == ZERO


def test_create_vault__twice__gives_distinct_addresses_and_indices(base, factory, create_vault, tokens):
    first = create_vault(tokens[:1])
    second = create_vault(tokens[:1])
    assert first.address != second.address
    assert factory.vault_count() == base + 2
    assert (factory.vaults(base), factory.vaults(base + 1)) == (first.address, second.address)
    assert factory.is_vault(first)
    assert factory.is_vault(second)


@pytest.mark.parametrize("creator", ["alice", "bob", "governance"])
def test_create_vault__by_any_account__succeeds_and_records_creator(
    base, factory, tokens, creator, request, placeholder_oracle
):
    account = request.getfixturevalue(creator)
    rebalancing = Rebalancing(placeholder_oracle, 3).as_tuple()
    tx = factory.create_vault(
        "Any", "ANY", tokens, [ONE] * 3, account, account, account, 0, 0, 0, DAY, rebalancing, sender=account
    )
    event = tx.events.filter(factory.VaultCreated)[0]
    assert event.creator == account.address
    assert factory.is_vault(event.vault)
    assert factory.vault_count() == base + 1


def test_create_vault__event__carries_every_parameter(
    base, factory, tokens, alice, bob, carol, deployer, placeholder_oracle
):
    components = [t.address for t in tokens]
    units = [ONE, 2 * ONE, 7]
    placeholder = Rebalancing(placeholder_oracle, 1).as_tuple()
    factory.create_vault(
        "Placeholder", "PH", components[:1], [ONE], alice, bob, carol, 0, 0, 0, DAY, placeholder, sender=deployer
    )
    rebalancing = Rebalancing(
        placeholder_oracle, 3, strategist=bob, keepers=[carol], adapters=[tokens[0]], targets=[5_000, 3_000, 2_000],
        min_weights=[1_000, 0, 2_000], max_weights=[9_000, 4_000, 2_000],
    ).as_tuple()
    tx = factory.create_vault(
        "Blue Chip Index", "BCI", components, units, alice, bob, carol, 123, 45, 67, 2 * DAY, rebalancing, sender=carol
    )
    events = tx.events.filter(factory.VaultCreated)
    assert len(events) == 1
    event = events[0]
    assert event.vault == factory.vaults(base + 1)
    assert factory.is_vault(event.vault)
    assert event.creator == carol.address
    assert event.index == base + 1
    assert event.name == "Blue Chip Index"
    assert event.symbol == "BCI"
    assert list(event.components) == components
    assert list(event.units) == units
    assert event.governance == alice.address
    assert event.guardian == bob.address
    assert event.fee_recipient == carol.address
    assert event.management_fee == 123
    assert event.mint_fee == 45
    assert event.redeem_fee == 67
    assert event.timelock_delay == 2 * DAY
    assert event.policy == factory.policy_of(event.vault)
    assert _plain(event.rebalancing) == _plain(rebalancing)


def test_create_vault__parameters__configure_the_new_vault(project, factory, tokens, alice, bob, carol, placeholder_oracle):
    units = [ONE, 5, MAX_UNIT]
    rebalancing = Rebalancing(placeholder_oracle, 3).as_tuple()
    tx = factory.create_vault(
        "Blue Chip Index", "BCI", tokens, units, alice, bob, carol, 500, 100, 100, 3 * DAY, rebalancing, sender=carol
    )
    # Read the address from the event: on ape's test provider `tx.return_value` re-runs the call
    # on the post-state and so reports the *next* vault's address.
    vault = project.IndexVault.at(tx.events.filter(factory.VaultCreated)[0].vault)
    assert vault.basket() == ([t.address for t in tokens], units)
    assert vault.component_count() == 3
    assert vault.name() == "Blue Chip Index"
    assert vault.symbol() == "BCI"
    assert vault.decimals() == 18
    assert vault.totalSupply() == 0
    assert vault.governance() == alice.address
    assert vault.pending_governance() == ZERO
    assert vault.guardian() == bob.address
    assert vault.fee_recipient() == carol.address
    assert vault.fees() == (500, 100, 100)
    assert vault.multiplier() == ONE
    assert not vault.mint_paused()
    assert vault.last_accrual() == tx.timestamp
    assert vault.delay() == 3 * DAY


def test_create_vault__zero_guardian__succeeds_without_guardian(create_vault, tokens):
    vault = create_vault(tokens, guardian=ZERO)
    assert vault.guardian() == ZERO


def test_create_vault__vault_from_factory__mints_and_redeems(create_vault, tokens, alice, mint_for):
    vault = create_vault(tokens[:2], units=[ONE, 3])
    mint_for(vault, alice, ONE)
    vault.redeem(ONE, alice, [], sender=alice)
    assert [t.balanceOf(alice) for t in tokens[:2]] == [ONE, 3]
    assert vault.totalSupply() == 0


def test_create_vault__no_components__reverts(base, create_vault, factory):
    with ape.reverts("index_vault: no components"):
        create_vault([], units=[])
    assert factory.vault_count() == base


@pytest.mark.parametrize("unit_count", [1, 3])
def test_create_vault__units_length_mismatch__reverts(create_vault, tokens, unit_count):
    with ape.reverts("index_vault: units length mismatch"):
        create_vault(tokens[:2], units=[ONE] * unit_count)


def test_create_vault__zero_governance__reverts(create_vault, tokens):
    with ape.reverts("index_vault: zero governance"):
        create_vault(tokens, governance=ZERO)


def test_create_vault__zero_fee_recipient__reverts(create_vault, tokens):
    with ape.reverts("index_vault: zero fee recipient"):
        create_vault(tokens, fee_recipient=ZERO)


def test_create_vault__fees_at_caps__succeeds(create_vault, tokens):
    vault = create_vault(tokens, fees=(500, 100, 100))
    assert vault.fees() == (500, 100, 100)


@pytest.mark.parametrize(
    "fees, reason",
    [
        ((501, 0, 0), "index_vault: management fee above cap"),
        ((0, 101, 0), "index_vault: mint fee above cap"),
        ((0, 0, 101), "index_vault: redeem fee above cap"),
    ],
)
def test_create_vault__fee_above_cap__reverts(base, create_vault, tokens, factory, fees, reason):
    with ape.reverts(reason):
        create_vault(tokens, fees=fees)
    assert factory.vault_count() == base


@pytest.mark.parametrize("position", [0, 2])
def test_create_vault__zero_address_component__reverts(create_vault, tokens, position):
    components = [t.address for t in tokens]
    components[position] = ZERO
    with ape.reverts("index_vault: zero address component"):
        create_vault(components)


def test_create_vault__component_is_eoa__reverts(create_vault, tokens, alice):
    with ape.reverts("index_vault: component is not a contract"):
        create_vault([tokens[0], alice])


@pytest.mark.parametrize("positions", [(0, 1), (0, 2), (1, 2)])
def test_create_vault__duplicate_component__reverts(create_vault, tokens, positions):
    components = [t.address for t in tokens]
    components[positions[1]] = components[positions[0]]
    with ape.reverts("index_vault: duplicate component"):
        create_vault(components)


def test_create_vault__zero_unit__reverts(create_vault, tokens):
    with ape.reverts("index_vault: zero unit"):
        create_vault(tokens, units=[ONE, 0, ONE])


def test_create_vault__smallest_unit__succeeds(create_vault, tokens):
    vault = create_vault(tokens[:1], units=[1])
    assert vault.basket()[1] == [1]


def test_create_vault__unit_at_maximum__succeeds(create_vault, tokens):
    vault = create_vault(tokens[:1], units=[MAX_UNIT])
    assert vault.basket()[1] == [MAX_UNIT]


def test_create_vault__unit_above_maximum__reverts(create_vault, tokens):
    with ape.reverts("index_vault: unit too large"):
        create_vault(tokens[:1], units=[MAX_UNIT + 1])


def _plain(value):
    """Nested tuples/lists as lists, addresses lower-cased: the decoded event and the sent arguments compare equal."""
    if isinstance(value, (tuple, list)):
        return [_plain(item) for item in value]
    return value.lower() if isinstance(value, str) else value


@pytest.fixture
def many_tokens(create_token):
    return [create_token(18, f"T{i}") for i in range(MAX_COMPONENTS + 1)]


def test_create_vault__max_components__succeeds(create_vault, many_tokens):
    components = many_tokens[:MAX_COMPONENTS]
    vault = create_vault(components, units=list(range(1, MAX_COMPONENTS + 1)))
    assert vault.component_count() == MAX_COMPONENTS
    assert vault.basket() == ([t.address for t in components], list(range(1, MAX_COMPONENTS + 1)))


def test_create_vault__more_than_max_components__reverts(base, 
    factory, many_tokens, governance, fee_recipient, deployer, placeholder_oracle
):
    # The DynArray bound is enforced by the factory's ABI decoder, which reverts with empty data.
    rebalancing = Rebalancing(placeholder_oracle, MAX_COMPONENTS).as_tuple()
    with pytest.raises(ape.exceptions.ContractLogicError) as error:
        factory.create_vault(
            "Too Big", "BIG", many_tokens, [ONE] * len(many_tokens), governance, governance, fee_recipient,
            0, 0, 0, DAY, rebalancing, sender=deployer,
        )
    assert error.value.message == "Transaction failed."
    assert factory.vault_count() == base
