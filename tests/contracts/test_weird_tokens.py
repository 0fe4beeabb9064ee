"""IndexVault with the weird-token matrix: each weird component beside a standard MockERC20.

What the vault promises (IndexVault.vy `@custom:security` / `@custom:kill`): any decimals work and every
rounding favours the vault; fee-on-transfer tokens revert on mint; tokens that return nothing work; tokens that
return false revert; rebasing tokens are unsupported (a positive rebase is sweepable surplus, a negative one
leaves the last redeemers short, who can still leave with `skip`); a frozen component can be skipped on redeem;
mint, redeem and sweep are @nonreentrant, and the views that read units are locked while they run.
"""

import ape
import pytest
from ape.exceptions import ContractLogicError

import reference as ref

ONE = 10**18
WAD = 10**18  # RebasingToken's index scale


@pytest.fixture
def create_weird(project, deployer):
    """Deploy one of contracts/mocks/ as ("Weird <name>", "WRD", decimals, *extra)."""

    def create_weird(contract_name, *extra, decimals=18):
        contract = getattr(project, contract_name)
        return contract.deploy(f"Weird {contract_name}", "WRD", decimals, *extra, sender=deployer)

    return create_weird


@pytest.fixture
def standard(create_token):
    return create_token(18, "STD")


def weird_basket(contract_name, decimals=18, unit=ONE):
    """A fixture: a vault of the weird token (first, `unit` per index token) and the standard token (one each)."""

    @pytest.fixture
    def basket(create_weird, standard, create_vault):
        components = [create_weird(contract_name, decimals=decimals), standard]
        return create_vault(components, units=[unit, ONE]), components

    return basket


def fund_exact(vault, components, account, amount):
    """Mint `account` exactly what `vault.mint(amount)` pulls of each component, approve it; return that."""
    owed = vault.preview_mint(amount)
    for token, value in zip(components, owed):
        token.mint(account, value, sender=account)
        token.approve(vault, value, sender=account)
    return owed


def mint_exact(vault, components, account, amount):
    """Fund `account` exactly and mint `amount` to it; return what was paid."""
    owed = fund_exact(vault, components, account, amount)
    vault.mint(amount, account, sender=account)
    return owed


def creation(unit):
    """A creation unit u as the vault stores it: (u, 38), so its claim at the starting multiplier is u per 1e18."""
    return unit, ref.BASE_EXPONENT


def balances(components, account):
    return [token.balanceOf(account) for token in components]


def snapshot(vault, components, accounts):
    """Everything a failed call must leave untouched: component and index balances, and supply."""
    holders = [vault, *accounts]
    return (
        [balances(components, holder) for holder in holders],
        [vault.balanceOf(holder) for holder in holders],
        vault.totalSupply(),
    )


def assert_solvent(vault, components):
    """For each component the vault holds at least ceil(unit * supply / 1e18)."""
    supply = vault.totalSupply()
    for token, unit in zip(components, vault.basket()[1]):
        assert ref.ceil_div(unit * supply, ONE) <= token.balanceOf(vault)


# --- Decimals: 0, 2, 6, 8, 18, 24 ---

# (decimals, unit): one whole token per index token, and an awkward or tiny unit for each decimals.
DECIMAL_CASES = [
    (0, 1),  # one indivisible token per index token: the smallest possible unit
    (0, 7),
    (2, 10**2),
    (2, 1),  # 0.01 token per index token
    (6, 10**6),
    (6, 1_234_567),
    (8, 10**8),
    (8, 3),
    (18, 10**18),
    (18, 1),
    (24, 10**24),
    (24, 300 * 10**24 + 1),  # just below MAX_UNIT (2**88 - 1, ~309.5 whole tokens)
]
DECIMAL_IDS = [f"dec{d}-unit{u}" for d, u in DECIMAL_CASES]
# Amounts with a fractional exact claim for small units (x.5 wei and x.33 wei), so rounding shows.
AMOUNT_A = 3 * ONE // 2 + 1
AMOUNT_B = 7 * ONE // 3


@pytest.fixture(params=DECIMAL_CASES, ids=DECIMAL_IDS)
def decimals_basket(request, create_token, standard, create_vault):
    decimals, unit = request.param
    odd = create_token(decimals, f"D{decimals}")
    components = [odd, standard]
    vault = create_vault(components, units=[unit, ONE])
    return vault, components, unit


def test_mint__any_decimals__pulls_exactly_preview_mint(decimals_basket, alice):
    vault, components, unit = decimals_basket
    owed = fund_exact(vault, components, alice, AMOUNT_A)
    assert owed == [
        ref.mint_owed(creation(unit), ref.START, AMOUNT_A),
        ref.mint_owed(creation(ONE), ref.START, AMOUNT_A),
    ]
    vault.mint(AMOUNT_A, alice, sender=alice)
    assert balances(components, vault) == owed
    assert balances(components, alice) == [0, 0]
    assert vault.balanceOf(alice) == AMOUNT_A
    assert_solvent(vault, components)


def test_redeem__any_decimals__pays_exactly_preview_redeem(decimals_basket, alice, bob):
    vault, components, unit = decimals_basket
    held = mint_exact(vault, components, alice, AMOUNT_A + AMOUNT_B)
    expected = vault.preview_redeem(AMOUNT_B)
    assert expected == [
        ref.redeem_paid(creation(unit), ref.START, AMOUNT_B),
        ref.redeem_paid(creation(ONE), ref.START, AMOUNT_B),
    ]
    vault.redeem(AMOUNT_B, bob, [], sender=alice)
    assert balances(components, bob) == expected
    assert balances(components, vault) == [h - e for h, e in zip(held, expected)]
    assert vault.totalSupply() == AMOUNT_A
    assert_solvent(vault, components)


def test_mint_then_redeem__any_decimals__returns_at_most_one_wei_less(decimals_basket, alice):
    vault, components, _ = decimals_basket
    paid = mint_exact(vault, components, alice, AMOUNT_A)
    vault.redeem(AMOUNT_A, alice, [], sender=alice)
    returned = balances(components, alice)
    for p, r in zip(paid, returned):
        assert r <= p
        assert p - r <= 1
    assert vault.totalSupply() == 0
    assert balances(components, vault) == [p - r for p, r in zip(paid, returned)]


def test_mint_and_redeem__any_decimals_several_holders__vault_stays_solvent(decimals_basket, alice, bob, carol):
    vault, components, _ = decimals_basket
    mint_exact(vault, components, alice, AMOUNT_A + ONE)
    assert_solvent(vault, components)
    mint_exact(vault, components, bob, AMOUNT_B)
    assert_solvent(vault, components)
    vault.redeem(ONE, carol, [], sender=alice)
    assert_solvent(vault, components)
    mint_exact(vault, components, carol, AMOUNT_A)
    assert_solvent(vault, components)
    vault.redeem(AMOUNT_B, bob, [], sender=bob)
    assert_solvent(vault, components)
    vault.redeem(AMOUNT_A, alice, [], sender=alice)
    assert_solvent(vault, components)
    vault.redeem(AMOUNT_A, carol, [], sender=carol)
    assert vault.totalSupply() == 0


# The tiny-unit cases: the smallest amount whose exact claim is one whole wei of the odd token.
TINY_CASES = [(d, u) for d, u in DECIMAL_CASES if u < ONE]


@pytest.mark.parametrize("decimals, unit", TINY_CASES, ids=[f"dec{d}-unit{u}" for d, u in TINY_CASES])
def test_mint__tiny_unit_smallest_whole_wei_claim__succeeds(
    create_token, standard, create_vault, alice, decimals, unit
):
    components = [create_token(decimals, "TINY"), standard]
    vault = create_vault(components, units=[unit, ONE])
    smallest = ref.ceil_div(ONE, unit)
    mint_exact(vault, components, alice, smallest)
    assert vault.balanceOf(alice) == smallest
    assert components[0].balanceOf(vault) == ref.mint_owed(creation(unit), ref.START, smallest)
    vault.redeem(smallest, alice, [], sender=alice)
    assert components[0].balanceOf(alice) == ref.redeem_paid(creation(unit), ref.START, smallest) >= 1


@pytest.mark.parametrize("decimals, unit", TINY_CASES, ids=[f"dec{d}-unit{u}" for d, u in TINY_CASES])
def test_mint__tiny_unit_claim_below_one_wei__reverts(create_token, standard, create_vault, alice, decimals, unit):
    components = [create_token(decimals, "TINY"), standard]
    vault = create_vault(components, units=[unit, ONE])
    below = ref.ceil_div(ONE, unit) - 1
    fund_exact(vault, components, alice, below)
    with ape.reverts("index_vault: mint rounds to zero"):
        vault.mint(below, alice, sender=alice)
    assert vault.totalSupply() == 0


# --- Fee-on-transfer ---


@pytest.mark.parametrize("position", [0, 1], ids=["fee_token_first", "fee_token_second"])
def test_mint__fee_on_transfer_token__reverts_and_moves_nothing(create_weird, standard, create_vault, alice, position):
    fee_token = create_weird("FeeOnTransferToken", 100)  # 1 %
    components = [fee_token, standard] if position == 0 else [standard, fee_token]
    vault = create_vault(components)
    fund_exact(vault, components, alice, ONE)
    before = snapshot(vault, components, [alice])
    with ape.reverts("index_vault: transfer amount mismatch"):
        vault.mint(ONE, alice, sender=alice)
    assert snapshot(vault, components, [alice]) == before
    assert balances(components, alice) == [ONE, ONE]
    assert fee_token.totalSupply() == ONE  # no fee was burnt either


def test_mint__fee_on_transfer_token_with_zero_fee__succeeds(create_weird, standard, create_vault, alice, bob):
    components = [create_weird("FeeOnTransferToken", 0), standard]
    vault = create_vault(components)
    mint_exact(vault, components, alice, ONE)
    assert balances(components, vault) == [ONE, ONE]
    vault.redeem(ONE, bob, [], sender=alice)
    assert balances(components, bob) == [ONE, ONE]


def test_mint__fee_on_transfer_fee_rounds_to_zero__succeeds_and_stays_solvent(
    create_weird, standard, create_vault, alice, bob
):
    # A 1 % fee on a transfer below 100 wei rounds to zero: the balance-delta check sees an exact
    # transfer and accepts it, per transfer, rather than rejecting the token kind.
    fee_token = create_weird("FeeOnTransferToken", 100)
    components = [fee_token, standard]
    vault = create_vault(components, units=[99, ONE])
    mint_exact(vault, components, alice, ONE)
    assert balances(components, vault) == [99, ONE]
    vault.redeem(ONE, bob, [], sender=alice)
    assert balances(components, bob) == [99, ONE]
    with ape.reverts("index_vault: transfer amount mismatch"):
        mint_exact(vault, components, alice, 2 * ONE)  # 198 wei: a 1 wei fee


# --- No return value (USDT-like) ---


no_return_basket = weird_basket("NoReturnToken", decimals=6, unit=2 * 10**6)


def test_mint__no_return_token__pulls_exact_amounts(no_return_basket, alice):
    vault, components = no_return_basket
    owed = fund_exact(vault, components, alice, 3 * ONE)
    assert owed == [6 * 10**6, 3 * ONE]
    tx = vault.mint(3 * ONE, alice, sender=alice)
    assert balances(components, vault) == owed
    assert balances(components, alice) == [0, 0]
    assert vault.balanceOf(alice) == 3 * ONE
    assert tx.events.filter(vault.Minted)[0].amount == 3 * ONE


def test_mint__no_return_token_short_allowance__reverts_and_moves_nothing(no_return_basket, alice):
    vault, components = no_return_basket
    fund_exact(vault, components, alice, ONE)
    components[0].approve(vault, 2 * 10**6 - 1, sender=alice)
    before = snapshot(vault, components, [alice])
    with ape.reverts("no_return_token: insufficient allowance"):
        vault.mint(ONE, alice, sender=alice)
    assert snapshot(vault, components, [alice]) == before


def test_redeem__no_return_token__pays_exact_amounts(no_return_basket, alice, bob):
    vault, components = no_return_basket
    mint_exact(vault, components, alice, 3 * ONE)
    expected = vault.preview_redeem(ONE)
    assert expected == [2 * 10**6, ONE]
    tx = vault.redeem(ONE, bob, [], sender=alice)
    assert balances(components, bob) == expected
    assert balances(components, vault) == [4 * 10**6, 2 * ONE]
    assert vault.totalSupply() == 2 * ONE
    assert tx.events.filter(vault.Redeemed)[0].amount == ONE


# --- Returns false instead of reverting ---


false_basket = weird_basket("FalseReturnToken")


def test_mint__false_return_token_working__succeeds(false_basket, alice):
    vault, components = false_basket
    mint_exact(vault, components, alice, ONE)
    assert balances(components, vault) == [ONE, ONE]
    assert vault.balanceOf(alice) == ONE


def test_mint__false_return_token_failing__reverts_and_moves_nothing(false_basket, alice):
    vault, components = false_basket
    fund_exact(vault, components, alice, ONE)
    components[0].set_fail(True, sender=alice)
    before = snapshot(vault, components, [alice])
    with ape.reverts("index_vault: transfer failed"):
        vault.mint(ONE, alice, sender=alice)
    assert snapshot(vault, components, [alice]) == before


def test_mint__false_return_token_short_allowance__reverts(false_basket, alice):
    vault, components = false_basket
    fund_exact(vault, components, alice, ONE)
    components[0].approve(vault, ONE - 1, sender=alice)  # the token returns false, it does not revert
    with ape.reverts("index_vault: transfer failed"):
        vault.mint(ONE, alice, sender=alice)
    assert vault.totalSupply() == 0


def test_redeem__false_return_token_failing__reverts_and_keeps_shares(false_basket, alice, bob):
    vault, components = false_basket
    mint_exact(vault, components, alice, ONE)
    components[0].set_fail(True, sender=bob)
    before = snapshot(vault, components, [alice, bob])
    with ape.reverts("index_vault: transfer failed"):
        vault.redeem(ONE, alice, [], sender=alice)
    assert snapshot(vault, components, [alice, bob]) == before
    assert vault.balanceOf(alice) == ONE


def test_redeem__false_return_token_failing_and_skipped__pays_the_others(false_basket, alice, bob):
    vault, components = false_basket
    false_token, standard = components
    mint_exact(vault, components, alice, ONE)
    mint_exact(vault, components, bob, ONE)
    false_token.set_fail(True, sender=bob)
    tx = vault.redeem(ONE, alice, [false_token], sender=alice)
    assert balances(components, alice) == [0, ONE]
    assert balances(components, vault) == [2 * ONE, ONE]
    assert vault.balanceOf(alice) == 0
    assert list(tx.events.filter(vault.Redeemed)[0].skipped) == [false_token.address]
    assert vault.basket()[1] == [2 * ONE, ONE]  # alice's forfeited share went to bob
    # Once the token works again the remaining holder redeems the whole of it.
    false_token.set_fail(False, sender=bob)
    vault.redeem(ONE, bob, [], sender=bob)
    assert balances(components, bob) == [2 * ONE, ONE]
    assert balances(components, vault) == [0, 0]


# --- Rebasing (unsupported: documented behaviour) ---


def rebased_receipt(amount, index):
    """What a RebasingToken receiver's balance grows by when `amount` is sent at `index` (shares round down)."""
    return (amount * WAD // index) * index // WAD


rebasing_basket = weird_basket("RebasingToken")


def test_mint__rebasing_token_before_any_rebase__pulls_exact_amounts(rebasing_basket, alice):
    vault, components = rebasing_basket
    owed = mint_exact(vault, components, alice, 10 * ONE)
    assert balances(components, vault) == owed == [10 * ONE, 10 * ONE]
    assert vault.balanceOf(alice) == 10 * ONE


def test_mint__rebasing_token_after_rebase_exact_conversion__succeeds(rebasing_basket, alice, bob, deployer):
    vault, components = rebasing_basket
    rebasing = components[0]
    mint_exact(vault, components, alice, 10 * ONE)
    rebasing.rebase(11, 10, sender=deployer)  # index 1.1: 11e18 tokens are exactly 10e18 shares
    mint_exact(vault, components, bob, 11 * ONE)
    assert balances(components, vault) == [22 * ONE, 21 * ONE]
    assert vault.balanceOf(bob) == 11 * ONE


def test_mint__rebasing_token_after_rebase_rounding_short__reverts_amount_mismatch(
    rebasing_basket, alice, bob, deployer
):
    # After a rebase a transfer credits the receiver up to a wei short (shares round down, like stETH), and
    # the vault's balance-delta check rejects it: minting a rebasing component can fail on rounding alone.
    vault, components = rebasing_basket
    rebasing = components[0]
    mint_exact(vault, components, alice, 10 * ONE)
    rebasing.rebase(11, 10, sender=deployer)  # 10e18 tokens are 9.09...e18 shares, rounded down
    fund_exact(vault, components, bob, 10 * ONE)
    rebasing.mint(bob, ONE, sender=bob)  # minting rounds down too: top up so bob's balance covers 10e18
    before = snapshot(vault, components, [bob])
    with ape.reverts("index_vault: transfer amount mismatch"):
        vault.mint(10 * ONE, bob, sender=bob)
    assert snapshot(vault, components, [bob]) == before


def test_sweep__rebasing_token_after_positive_rebase__sends_surplus_to_governance_choice(
    rebasing_basket, alice, bob, governance, deployer
):
    vault, components = rebasing_basket
    rebasing = components[0]
    mint_exact(vault, components, alice, 10 * ONE)
    units, claims = vault.basket()[1], vault.preview_redeem(10 * ONE)
    rebasing.rebase(11, 10, sender=deployer)  # +10 %
    index = rebasing.index()
    assert rebasing.balanceOf(vault) == 11 * ONE
    assert vault.basket()[1] == units  # units and claims ignore the rebase
    assert vault.preview_redeem(10 * ONE) == claims
    tx = vault.sweep(rebasing, bob, sender=governance)
    assert tx.events.filter(vault.Swept)[0].amount == ONE  # balance 11 minus claim 10
    assert rebasing.balanceOf(bob) == rebased_receipt(ONE, index)
    assert_solvent(vault, components)
    # The holder still redeems the full claim; the token credits it rounded down.
    tx = vault.redeem(10 * ONE, alice, [], sender=alice)
    sent = [log.value for log in tx.events.filter(rebasing.Transfer)]
    assert sent == [10 * ONE]
    assert rebasing.balanceOf(alice) == rebased_receipt(10 * ONE, index)
    assert components[1].balanceOf(alice) == 10 * ONE


def test_sweep__rebasing_token_after_positive_rebase_by_non_governance__reverts(
    rebasing_basket, alice, guardian, deployer
):
    vault, components = rebasing_basket
    mint_exact(vault, components, alice, 10 * ONE)
    components[0].rebase(11, 10, sender=deployer)
    for caller in (alice, guardian, deployer):
        with ape.reverts("index_vault: not governance"):
            vault.sweep(components[0], caller, sender=caller)
    assert components[0].balanceOf(vault) == 11 * ONE


def test_sweep__rebasing_token_without_rebase__reverts_nothing_to_sweep(rebasing_basket, alice, governance):
    vault, components = rebasing_basket
    mint_exact(vault, components, alice, 10 * ONE)
    with ape.reverts("index_vault: nothing to sweep"):
        vault.sweep(components[0], governance, sender=governance)


def test_redeem__rebasing_token_after_negative_rebase__first_redeemer_paid_last_holder_reverts(
    rebasing_basket, alice, bob, deployer
):
    # Unsupported-token behaviour: claims ignore a negative rebase, so the vault holds less than it owes
    # and redeemers are paid first come, first served; the last holder's full redeem of that token fails.
    vault, components = rebasing_basket
    rebasing = components[0]
    mint_exact(vault, components, alice, ONE)
    mint_exact(vault, components, bob, ONE)
    rebasing.rebase(1, 2, sender=deployer)  # -50 %
    supply = vault.totalSupply()
    assert ref.ceil_div(vault.basket()[1][0] * supply, ONE) > rebasing.balanceOf(vault)  # insolvent in it
    vault.redeem(ONE, alice, [], sender=alice)
    assert balances(components, alice) == [ONE, ONE]
    assert rebasing.balanceOf(vault) == 0
    with ape.reverts("rebasing_token: insufficient balance"):
        vault.redeem(ONE, bob, [], sender=bob)
    assert vault.balanceOf(bob) == ONE


def test_redeem__rebasing_token_after_negative_rebase_skipped__last_holder_leaves_with_the_rest(
    rebasing_basket, alice, bob, deployer
):
    vault, components = rebasing_basket
    rebasing = components[0]
    mint_exact(vault, components, alice, ONE)
    mint_exact(vault, components, bob, ONE)
    rebasing.rebase(1, 2, sender=deployer)
    vault.redeem(ONE, alice, [], sender=alice)
    vault.redeem(ONE, bob, [rebasing], sender=bob)
    assert balances(components, bob) == [0, ONE]
    assert vault.totalSupply() == 0
    assert balances(components, vault) == [0, 0]


# --- Blacklist (USDC-like) ---


blacklist_basket = weird_basket("BlacklistToken", decimals=6, unit=10**6)


def test_redeem__blacklist_receiver_not_frozen__pays_everything(blacklist_basket, alice, bob, deployer):
    vault, components = blacklist_basket
    mint_exact(vault, components, alice, ONE)
    components[0].freeze(alice, sender=deployer)  # a frozen holder may still redeem to a clean receiver
    vault.redeem(ONE, bob, [], sender=alice)
    assert balances(components, bob) == [10**6, ONE]
    assert balances(components, vault) == [0, 0]


def test_redeem__blacklist_receiver_frozen__reverts_and_keeps_shares(blacklist_basket, alice, deployer):
    vault, components = blacklist_basket
    mint_exact(vault, components, alice, ONE)
    components[0].freeze(alice, sender=deployer)
    before = snapshot(vault, components, [alice])
    with ape.reverts("blacklist_token: frozen"):
        vault.redeem(ONE, alice, [], sender=alice)
    assert snapshot(vault, components, [alice]) == before


def test_redeem__blacklist_receiver_frozen_and_skipped__forfeits_share_to_remaining_holder(
    blacklist_basket, alice, carol, deployer
):
    vault, components = blacklist_basket
    blacklist, standard = components
    mint_exact(vault, components, alice, ONE)
    mint_exact(vault, components, carol, 3 * ONE)
    blacklist.freeze(alice, sender=deployer)
    blacklist.freeze(carol, sender=deployer)
    tx = vault.redeem(ONE, alice, [blacklist], sender=alice)
    assert balances(components, alice) == [0, ONE]
    assert vault.balanceOf(alice) == 0
    # Carol's unit rises from 1e6 to 1e6 * 4 / 3, carried at 20 digits (14 added to the exponent 38) and rounded
    # down once, covering alice's 1e6 left behind.
    event = tx.events.filter(vault.ClaimForfeited)[0]
    assert (event.token, event.mantissa, event.exponent) == (blacklist.address, 4 * 10**20 // 3, 52)
    assert ref.forfeited_unit(creation(10**6), 4 * ONE, 3 * ONE) == (4 * 10**20 // 3, 52)
    assert vault.basket()[1] == [4 * 10**6 // 3, ONE]
    assert_solvent(vault, components)
    with ape.reverts("blacklist_token: frozen"):
        vault.redeem(3 * ONE, carol, [], sender=carol)
    blacklist.unfreeze(carol, sender=deployer)
    vault.redeem(3 * ONE, carol, [], sender=carol)
    assert balances(components, carol) == [4 * 10**6 - 1, 3 * ONE]  # 3 * floor(4e6 / 3)
    assert balances(components, vault) == [1, 0]  # rounding dust, sweepable


def test_mint__blacklist_vault_not_frozen__succeeds(blacklist_basket, alice, bob, deployer):
    vault, components = blacklist_basket
    components[0].freeze(bob, sender=deployer)  # someone else's freeze is no concern of the vault
    mint_exact(vault, components, alice, ONE)
    assert balances(components, vault) == [10**6, ONE]


def test_mint__blacklist_vault_frozen__reverts_and_moves_nothing(blacklist_basket, alice, deployer):
    vault, components = blacklist_basket
    components[0].freeze(vault, sender=deployer)
    fund_exact(vault, components, alice, ONE)
    before = snapshot(vault, components, [alice])
    with ape.reverts("blacklist_token: frozen"):
        vault.mint(ONE, alice, sender=alice)
    assert snapshot(vault, components, [alice]) == before


def test_redeem__blacklist_vault_frozen_and_skipped__every_holder_leaves(
    blacklist_basket, alice, bob, governance, deployer
):
    vault, components = blacklist_basket
    blacklist, standard = components
    mint_exact(vault, components, alice, ONE)
    mint_exact(vault, components, bob, ONE)
    blacklist.freeze(vault, sender=deployer)
    with ape.reverts("blacklist_token: frozen"):
        vault.redeem(ONE, alice, [], sender=alice)
    vault.redeem(ONE, alice, [blacklist], sender=alice)
    vault.redeem(ONE, bob, [blacklist], sender=bob)
    assert balances(components, alice) == [0, ONE]
    assert balances(components, bob) == [0, ONE]
    assert vault.totalSupply() == 0
    assert balances(components, vault) == [2 * 10**6, 0]
    # Nobody is left to claim the frozen tokens: once the vault is unfrozen they are sweepable surplus.
    with ape.reverts("blacklist_token: frozen"):
        vault.sweep(blacklist, governance, sender=governance)
    blacklist.unfreeze(vault, sender=deployer)
    vault.sweep(blacklist, governance, sender=governance)
    assert blacklist.balanceOf(governance) == 2 * 10**6


# --- Reentrancy ---


def assert_lock_revert(error):
    """Vyper 0.4.3's @nonreentrant lock reverts with empty data: no reason from the vault, a token or ape."""
    assert error.message == "Transaction failed."
    assert not error.message.startswith(("index_vault:", "reentrant_token:", "mock_erc20:", "erc20:"))


@pytest.fixture
def reentrant_basket(create_weird, standard, create_vault):
    reentrant = create_weird("ReentrantToken")
    # The reentrant token comes second, so the standard pull has already happened when it fires.
    components = [standard, reentrant]
    return create_vault(components), components


def test_mint__reentrant_token_calls_harmless_target__succeeds(reentrant_basket, create_token, alice, bob):
    vault, components = reentrant_basket
    other = create_token(18, "OTH")
    components[1].arm(other, other.mint.encode_input(bob, 123), sender=alice)
    mint_exact(vault, components, alice, ONE)
    assert other.balanceOf(bob) == 123  # the hook fired inside the vault's transferFrom
    assert balances(components, vault) == [ONE, ONE]
    assert vault.balanceOf(alice) == ONE


def test_mint__reentrant_token_reenters_mint__reverts_on_lock_and_moves_nothing(reentrant_basket, alice):
    vault, components = reentrant_basket
    fund_exact(vault, components, alice, ONE)
    components[1].arm(vault, vault.mint.encode_input(ONE, alice), sender=alice)
    before = snapshot(vault, components, [alice, components[1]])
    with pytest.raises(ContractLogicError) as error:
        vault.mint(ONE, alice, sender=alice)
    assert_lock_revert(error.value)
    assert snapshot(vault, components, [alice, components[1]]) == before
    assert components[1].target() == vault.address  # the revert rolled back the disarm too


def test_mint__reentrant_token_reenters_redeem__reverts_on_lock_and_moves_nothing(reentrant_basket, alice, bob):
    vault, components = reentrant_basket
    reentrant = components[1]
    mint_exact(vault, components, bob, ONE)
    vault.transfer(reentrant, ONE, sender=bob)  # the token holds shares, so its redeem alone would work
    fund_exact(vault, components, alice, ONE)
    reentrant.arm(vault, vault.redeem.encode_input(ONE, bob, []), sender=alice)
    before = snapshot(vault, components, [alice, bob, reentrant])
    with pytest.raises(ContractLogicError) as error:
        vault.mint(ONE, alice, sender=alice)
    assert_lock_revert(error.value)
    assert snapshot(vault, components, [alice, bob, reentrant]) == before


def test_redeem__reentrant_token_calls_harmless_target__succeeds(reentrant_basket, create_token, alice, bob):
    vault, components = reentrant_basket
    other = create_token(18, "OTH")
    mint_exact(vault, components, alice, ONE)
    components[1].arm(other, other.mint.encode_input(bob, 123), sender=alice)
    vault.redeem(ONE, alice, [], sender=alice)
    assert other.balanceOf(bob) == 123  # the hook fired inside the vault's transfer
    assert balances(components, alice) == [ONE, ONE]
    assert vault.totalSupply() == 0


def test_redeem__reentrant_token_redeem_outside_the_vault__succeeds(reentrant_basket, alice, bob, carol):
    # Control for the next test: the very same armed redeem succeeds when it is not nested in a vault call.
    vault, components = reentrant_basket
    reentrant = components[1]
    mint_exact(vault, components, alice, 2 * ONE)
    vault.transfer(reentrant, ONE, sender=alice)
    reentrant.arm(vault, vault.redeem.encode_input(ONE, bob, []), sender=alice)
    reentrant.mint(carol, 1, sender=carol)
    reentrant.transfer(alice, 1, sender=carol)  # fires the hook from a plain transfer
    assert balances(components, bob) == [ONE, ONE]
    assert vault.balanceOf(reentrant) == 0
    assert vault.totalSupply() == ONE


def test_redeem__reentrant_token_reenters_redeem__reverts_on_lock_and_moves_nothing(reentrant_basket, alice, bob):
    vault, components = reentrant_basket
    reentrant = components[1]
    mint_exact(vault, components, alice, 2 * ONE)
    vault.transfer(reentrant, ONE, sender=alice)
    reentrant.arm(vault, vault.redeem.encode_input(ONE, bob, []), sender=alice)
    before = snapshot(vault, components, [alice, bob, reentrant])
    with pytest.raises(ContractLogicError) as error:
        vault.redeem(ONE, alice, [], sender=alice)
    assert_lock_revert(error.value)
    assert snapshot(vault, components, [alice, bob, reentrant]) == before


def test_redeem__reentrant_token_reenters_mint__reverts_on_lock_and_moves_nothing(reentrant_basket, alice):
    vault, components = reentrant_basket
    mint_exact(vault, components, alice, ONE)
    components[1].arm(vault, vault.mint.encode_input(ONE, alice), sender=alice)
    before = snapshot(vault, components, [alice])
    with pytest.raises(ContractLogicError) as error:
        vault.redeem(ONE, alice, [], sender=alice)
    assert_lock_revert(error.value)
    assert snapshot(vault, components, [alice]) == before


@pytest.mark.parametrize("operation", ["mint", "redeem"])
def test_vault__reentrant_token_calls_preview_redeem__reverts_on_view_lock_and_moves_nothing(
    reentrant_basket, alice, operation
):
    # Issue 10 item 6: the views that read units are @nonreentrant, so nothing can read them mid-call (in
    # `rebalance`, between the swap and the new units). A token hook that calls one inside mint or redeem now
    # fails on the lock, and takes the whole call with it.
    vault, components = reentrant_basket
    reentrant = components[1]
    mint_exact(vault, components, alice, ONE)
    fund_exact(vault, components, alice, ONE)
    reentrant.arm(vault, vault.preview_redeem.encode_input(ONE), sender=alice)
    before = snapshot(vault, components, [alice])
    with pytest.raises(ContractLogicError) as error:
        if operation == "mint":
            vault.mint(ONE, alice, sender=alice)
        else:
            vault.redeem(ONE, alice, [], sender=alice)
    assert_lock_revert(error.value)
    assert snapshot(vault, components, [alice]) == before
    assert reentrant.target() == vault.address  # the revert rolled back the disarm too
    # Outside a vault call the same view answers.
    assert vault.preview_redeem(ONE) == [ONE, ONE]
