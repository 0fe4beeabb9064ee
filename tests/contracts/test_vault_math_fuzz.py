"""The vault's arithmetic fuzzed against tests/reference.py at its extremes: units up to 2**96 - 1, amounts up to
the mint maximum, fees up to their caps and multipliers lowered by years of accrual."""

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import reference as ref

MAX_MINT_AMOUNT = 2**96 - 1
ONE = 10**18


@pytest.fixture(scope="module")
def fuzz_token(create_token):
    return create_token(18, "FUZ")


@pytest.fixture(scope="module", autouse=True)
def _deploy_before_isolation(fuzz_token, create_vault, mint_for, alice):
    """Create the session and module fixtures before ape's per-test snapshots, so none is re-based."""


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
    mint_owed, redeem_paid = vault.preview_mint(amount), vault.preview_redeem(amount)
    assert mint_owed == [ref.mint_owed(unit, ONE, amount, mint_fee)]
    assert redeem_paid == [ref.redeem_paid(unit, ONE, amount, redeem_fee)]
    assert vault.preview_mint(amount) == [ref.mint_owed(unit, ONE, amount, mint_fee)]
    assert vault.preview_redeem(amount) == [ref.redeem_paid(unit, ONE, amount, redeem_fee)]
    # Rounding is never in the holder's favour: what a redeem pays never exceeds what a mint of it costs.
    assert ref.redeem_paid(unit, ONE, amount, redeem_fee) <= ref.mint_owed(unit, ONE, amount, mint_fee)


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
        multiplier = ref.accrued_multiplier(ONE, supply, shares) if shares else ONE
        assert vault.pending_fee_shares() == shares
        assert vault.multiplier() == multiplier
        assert vault.basket()[1] == [ref.unit(unit, multiplier)]
        # The claims after accrual never exceed what the vault holds.
        assert unit * multiplier * (supply + shares) <= unit * ONE * supply
