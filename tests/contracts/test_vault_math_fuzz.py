"""The vault's arithmetic fuzzed against tests/reference.py at its extremes: creation units up to MAX_UNIT (2**88 - 1),
amounts up to the mint maximum, fees up to their caps, multipliers lowered by years of accrual, and the unit math
(modules/unit_math.vy, served by VaultFactory as `sold_unit`, `bought_unit` and `forfeited_unit`) over every mantissa,
exponent, shift and supply a vault can reach."""

from fractions import Fraction

import ape
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import reference as ref

MAX_MINT_AMOUNT = 2**96 - 1
ONE = 10**18
MANTISSA_MAX = ref.MANTISSA_LIMIT - 1
MULTIPLIER_MAX = 10 * ref.MULTIPLIER_MIN - 1
# Supplies from 1 wei to beyond 1e27 (issue 10's range): each mint adds at most 2**96 - 1.
SUPPLY_MAX = 2**100


@pytest.fixture(scope="module")
def fuzz_token(create_token):
    return create_token(18, "FUZ")


@pytest.fixture(scope="module", autouse=True)
def _deploy_before_isolation(fuzz_token, create_vault, mint_for, alice, factory):
    """Create the session and module fixtures before ape's per-test snapshots, so none is re-based."""


def creation(unit):
    """A creation unit u as the vault stores it: (u, 38), exactly u per 1e18 shares at the starting multiplier."""
    return unit, ref.BASE_EXPONENT


units = st.integers(1, ref.MAX_UNIT)
amounts = st.integers(0, MAX_MINT_AMOUNT)
fee_bps = st.integers(0, 100)


@settings(max_examples=60)
@given(unit=units, amount=amounts, mint_fee=fee_bps, redeem_fee=fee_bps)
@example(unit=1, amount=0, mint_fee=0, redeem_fee=0)
@example(unit=1, amount=1, mint_fee=0, redeem_fee=0)
@example(unit=ref.MAX_UNIT, amount=MAX_MINT_AMOUNT, mint_fee=100, redeem_fee=100)
@example(unit=3, amount=ONE // 3 + 1, mint_fee=1, redeem_fee=1)
def test_previews__any_unit_amount_and_fee__match_reference(
    create_vault, fuzz_token, unit, amount, mint_fee, redeem_fee
):
    vault = create_vault([fuzz_token], units=[unit], fees=(0, mint_fee, redeem_fee))
    owed = ref.mint_owed(creation(unit), ref.START, amount, mint_fee)
    paid = ref.redeem_paid(creation(unit), ref.START, amount, redeem_fee)
    assert vault.preview_mint(amount) == [owed]
    assert vault.preview_redeem(amount) == [paid]
    # At creation the stored (u, 38) is exact: the basket shows u itself.
    assert vault.basket()[1] == [unit]
    # Rounding is never in the holder's favour: what a redeem pays never exceeds what a mint of it costs.
    assert paid <= owed


@settings(max_examples=25)
@given(unit=units, elapsed=st.integers(1, 30 * ref.YEAR))
@example(unit=1, elapsed=1)
@example(unit=ref.MAX_UNIT, elapsed=30 * ref.YEAR)
def test_accrual__years_of_max_fee__multiplier_and_units_match_reference(
    create_vault, fuzz_token, mint_for, alice, chain, unit, elapsed
):
    supply = ONE  # its claim is `unit` wei: at least one for every unit
    with chain.isolate():
        vault = create_vault([fuzz_token], units=[unit], fees=(500, 0, 0))
        mint_for(vault, alice, supply)
        chain.pending_timestamp = vault.last_accrual() + elapsed
        chain.mine()
        now = chain.blocks.head.timestamp
        shares = ref.fee_shares(supply, 500, now - vault.last_accrual())
        multiplier = ref.diluted(ref.START, supply, shares)
        assert vault.pending_fee_shares() == shares
        assert vault.multiplier() == ref.multiplier_1e18(multiplier)
        assert vault.basket()[1] == [ref.unit_amount(creation(unit), multiplier)]
        # The claims after accrual never exceed what the vault holds (exactly `unit`, paid by the mint).
        assert fuzz_token.balanceOf(vault) == unit
        assert ref.claim(creation(unit), multiplier, supply + shares, round_up=True) <= unit


# --- the unit math: VaultFactory.sold_unit / bought_unit / forfeited_unit against the reference -----------------------

mantissas = st.integers(0, MANTISSA_MAX)
exponents = st.integers(0, ref.MAX_EXPONENT)
supplies = st.integers(1, SUPPLY_MAX)
# In [1e20, 1e21) with a shift of at most 19; past 19 shifts (centuries at the fee cap) the multiplier may shrink.
multipliers = st.one_of(st.integers(ref.MULTIPLIER_MIN, MULTIPLIER_MAX), st.integers(1, MULTIPLIER_MAX))
shifts = st.integers(0, ref.MAX_SHIFT)
parts = st.integers(0, ONE)  # a share of the whole, 1e18-scaled


def precision_bound(total: Fraction) -> Fraction:
    """Issue 10 (a): what an operation may move from holders to surplus: max(1 wei, 1e-18 of the total claim)."""
    return max(Fraction(1), total / ONE)


@settings(max_examples=100)
@given(mantissa=mantissas, exponent=exponents, supply=supplies, multiplier=multipliers, shift=shifts, part=parts)
@example(mantissa=0, exponent=0, supply=1, multiplier=ref.MULTIPLIER_MIN, shift=0, part=0)
@example(mantissa=1, exponent=ref.BASE_EXPONENT, supply=1, multiplier=ref.MULTIPLIER_MIN, shift=0, part=ONE)
@example(mantissa=1, exponent=0, supply=1, multiplier=ref.MULTIPLIER_MIN, shift=0, part=ONE // 2)
@example(mantissa=MANTISSA_MAX, exponent=0, supply=SUPPLY_MAX, multiplier=MULTIPLIER_MAX, shift=19, part=ONE)
@example(mantissa=MANTISSA_MAX, exponent=ref.MAX_EXPONENT, supply=1, multiplier=MULTIPLIER_MAX, shift=19, part=ONE)
@example(mantissa=10**20, exponent=ref.BASE_EXPONENT, supply=10**6, multiplier=ref.MULTIPLIER_MIN, shift=0, part=1)
def test_sold_unit__any_unit_and_amount_up_to_the_claim__matches_reference_within_precision(
    factory, mantissa, exponent, supply, multiplier, shift, part
):
    unit, mult = (mantissa, exponent), (multiplier, shift)
    amount = ref.holding(unit, mult, supply) * part // ONE  # at most what all holders own
    expected = ref.sold_unit(unit, mult, supply, amount)
    assert factory.sold_unit(mantissa, exponent, supply * multiplier, shift, amount) == expected
    assert expected[0] < ref.MANTISSA_LIMIT and expected[1] <= ref.MAX_EXPONENT
    # Rounded down once: holders keep at most the old claim minus what left, and lose at most the precision bound.
    before, after = ref.exact_claim(unit, mult, supply), ref.exact_claim(expected, mult, supply)
    assert after <= before - amount
    assert before - amount - after <= precision_bound(before)


@settings(max_examples=100)
@given(
    mantissa=mantissas,
    exponent=exponents,
    supply=supplies,
    multiplier=multipliers,
    shift=shifts,
    amount=st.integers(0, 10**41),  # a vault's balance of one token stays below ~1e41 (the unsupported range)
)
@example(mantissa=0, exponent=0, supply=1, multiplier=ref.MULTIPLIER_MIN, shift=0, amount=0)
@example(mantissa=0, exponent=0, supply=1, multiplier=ref.MULTIPLIER_MIN, shift=0, amount=1)
@example(mantissa=1, exponent=ref.BASE_EXPONENT, supply=SUPPLY_MAX, multiplier=ref.MULTIPLIER_MIN, shift=0, amount=1)
@example(mantissa=MANTISSA_MAX, exponent=0, supply=1, multiplier=MULTIPLIER_MAX, shift=0, amount=10**41)
@example(
    mantissa=MANTISSA_MAX, exponent=ref.MAX_EXPONENT, supply=SUPPLY_MAX, multiplier=MULTIPLIER_MAX, shift=19, amount=1
)
def test_bought_unit__any_unit_and_amount__matches_reference_within_precision(
    factory, mantissa, exponent, supply, multiplier, shift, amount
):
    unit, mult = (mantissa, exponent), (multiplier, shift)
    try:
        expected = ref.bought_unit(unit, mult, supply, amount)
    except AssertionError:  # the reference's "unit too large": the contract refuses the same inputs
        with ape.reverts("unit_math: unit too large"):
            factory.bought_unit(mantissa, exponent, supply * multiplier, shift, amount)
        return
    assert factory.bought_unit(mantissa, exponent, supply * multiplier, shift, amount) == expected
    assert expected[0] < ref.MANTISSA_LIMIT and expected[1] <= ref.MAX_EXPONENT
    # Two terms, each rounded down once: never above the old claim plus what arrived, within the precision bound.
    target = ref.exact_claim(unit, mult, supply) + amount
    after = ref.exact_claim(expected, mult, supply)
    assert after <= target
    assert target - after <= precision_bound(target)


@settings(max_examples=100)
@given(mantissa=mantissas, exponent=exponents, supply=supplies, multiplier=multipliers, shift=shifts, part=parts)
@example(mantissa=0, exponent=0, supply=1, multiplier=ref.MULTIPLIER_MIN, shift=0, part=0)
@example(mantissa=1, exponent=ref.BASE_EXPONENT, supply=2, multiplier=ref.MULTIPLIER_MIN, shift=0, part=0)
@example(mantissa=1, exponent=ref.MAX_EXPONENT, supply=SUPPLY_MAX, multiplier=ref.MULTIPLIER_MIN, shift=19, part=0)
@example(mantissa=MANTISSA_MAX, exponent=0, supply=SUPPLY_MAX, multiplier=MULTIPLIER_MAX, shift=0, part=0)
@example(
    mantissa=MANTISSA_MAX, exponent=ref.MAX_EXPONENT, supply=SUPPLY_MAX, multiplier=MULTIPLIER_MAX, shift=19, part=ONE
)
def test_forfeited_unit__any_unit_and_remaining_supply__matches_reference_within_precision(
    factory, mantissa, exponent, supply, multiplier, shift, part
):
    remaining = 1 + (supply - 1) * part // ONE  # 1 <= remaining <= supply: somebody is left
    unit, mult = (mantissa, exponent), (multiplier, shift)
    expected = ref.forfeited_unit(unit, supply, remaining)
    assert factory.forfeited_unit(mantissa, exponent, supply, remaining) == expected
    assert expected[0] < ref.MANTISSA_LIMIT and expected[1] <= ref.MAX_EXPONENT
    # The remaining holders' claim never exceeds what all holders had; unless the grown unit cannot fit (left
    # unchanged, the skipped share stays as surplus), they keep all of it within the precision bound.
    before, after = ref.exact_claim(unit, mult, supply), ref.exact_claim(expected, mult, remaining)
    assert after <= before
    if expected != unit or remaining == supply:
        assert before - after <= precision_bound(before)


def test_sold_unit__leg_sold_to_within_one_step_at_a_low_exponent__mantissa_fits_88_bits(factory):
    # Regression: the first pass rounds what is left to 0 at exponent 20, the second adds 30 digits to a remainder of
    # up to one old step, (5e29, 50), above 2**88 - 1, which IndexVault._pack would wrap; digits are dropped instead.
    # Reachable: a 24-decimal component at one whole token a share; of 100 shares all but 2 wei are redeemed with
    # that component skipped, which grows its unit to (5e25, 20); a keeper then sells all of it but 1 wei.
    unit = ref.forfeited_unit((10**24, ref.BASE_EXPONENT), 100 * ONE, 2)
    assert unit == (5 * 10**25, 20)
    supply = 2
    amount = ref.holding(unit, ref.START, supply) - 1
    assert amount == 10**26 - 1
    expected = ref.sold_unit(unit, ref.START, supply, amount)
    assert expected == (5 * 10**25, 46)
    assert factory.sold_unit(*unit, supply * ref.MULTIPLIER_MIN, 0, amount) == expected
    assert ref.holding(expected, ref.START, supply) == 1  # the last wei stays the holders'
