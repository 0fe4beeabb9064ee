"""IndexVault: mint, redeem, previews and the basket views."""

import ape
import pytest

import reference as ref

ONE = 10**18


def balances(tokens, account):
    return [token.balanceOf(account) for token in tokens]


def test_basket__after_creation__lists_components_and_units(vault, tokens):
    components, units = vault.basket()
    assert components == [t.address for t in tokens]
    assert units == [ONE, 2 * ONE, 3 * ONE]
    assert vault.basket()[1] == units
    assert vault.component_count() == 3
    assert vault.multiplier() == ONE


def test_token_metadata__after_creation__is_an_18_decimal_erc20(vault):
    assert vault.name() == "Test Index"
    assert vault.symbol() == "TIDX"
    assert vault.decimals() == 18
    assert vault.totalSupply() == 0


def test_mint__with_basket__pulls_units_and_credits_receiver(vault, tokens, alice, bob, fund):
    fund(alice, vault, tokens, [ONE, 2 * ONE, 3 * ONE])
    tx = vault.mint(ONE, bob, sender=alice)
    assert vault.balanceOf(bob) == ONE
    assert vault.totalSupply() == ONE
    assert balances(tokens, alice) == [0, 0, 0]
    assert balances(tokens, vault) == [ONE, 2 * ONE, 3 * ONE]
    assert tx.events.filter(vault.Minted)[0].amount == ONE


def test_mint__fraction_of_unit__rounds_payment_up(create_vault, tokens, alice, fund):
    vault = create_vault(tokens[:1], units=[3])
    amount = ONE // 2  # exact claim 1.5 wei
    fund(alice, vault, tokens[:1], [2])
    vault.mint(amount, alice, sender=alice)
    assert tokens[0].balanceOf(vault) == 2


def test_mint__claim_below_one_wei__reverts(create_vault, tokens, alice, fund):
    vault = create_vault(tokens[:1], units=[3])
    fund(alice, vault, tokens[:1], [1])
    with ape.reverts("index_vault: mint rounds to zero"):
        vault.mint(ONE // 4, alice, sender=alice)  # exact claim 0.75 wei


def test_mint__zero_amount__reverts(vault, alice):
    with ape.reverts("index_vault: zero amount"):
        vault.mint(0, alice, sender=alice)


def test_mint__above_maximum__reverts(vault, alice):
    with ape.reverts("index_vault: amount too large"):
        vault.mint(2**96, alice, sender=alice)


def test_mint__to_zero_address__reverts(vault, alice):
    with ape.reverts("index_vault: zero receiver"):
        vault.mint(ONE, ape.utils.ZERO_ADDRESS, sender=alice)


def test_mint__to_the_vault__reverts(vault, alice):
    with ape.reverts("index_vault: receiver is the vault"):
        vault.mint(ONE, vault, sender=alice)


def test_mint__without_allowance__reverts_and_moves_nothing(vault, tokens, alice):
    tokens[0].mint(alice, ONE, sender=alice)
    with ape.reverts("mock_erc20: insufficient allowance"):
        vault.mint(ONE, alice, sender=alice)
    assert tokens[0].balanceOf(alice) == ONE


def test_mint__with_mint_fee__charges_fee_shares_in_kind(create_vault, tokens, alice, fee_recipient, fund):
    vault = create_vault(tokens[:2], fees=(0, 50, 0))  # 0.5 %
    amount = 1000 * ONE
    fee = ref.fee(amount, 50)
    owed = ref.mint_owed((ONE, ref.BASE_EXPONENT), ref.START, amount, 50)  # a creation unit u is (u, 38)
    assert vault.preview_mint(amount) == [owed, owed]
    fund(alice, vault, tokens[:2], [owed, owed])
    tx = vault.mint(amount, alice, sender=alice)
    assert vault.balanceOf(alice) == amount
    assert vault.balanceOf(fee_recipient) == fee == 5 * ONE
    assert balances(tokens[:2], vault) == [owed, owed]
    assert tx.events.filter(vault.Minted)[0].fee == fee


def test_preview_mint__any_amount__equals_what_mint_pulls(vault, tokens, alice, mint_for):
    amount = 123_456_789_123_456_789
    expected = vault.preview_mint(amount)
    mint_for(vault, alice, amount)
    assert balances(tokens, vault) == expected


def test_redeem__part_of_balance__pays_units_rounded_down(create_vault, tokens, alice, bob, mint_for):
    vault = create_vault(tokens[:2], units=[3, 10**18])
    mint_for(vault, alice, 10 * ONE)
    amount = ONE // 2  # exact claim of the first component: 1.5 wei
    expected = vault.preview_redeem(amount)
    assert expected == [1, ONE // 2]
    vault.redeem(amount, bob, [], sender=alice)
    assert balances(tokens[:2], bob) == expected
    assert vault.balanceOf(alice) == 10 * ONE - amount
    assert vault.totalSupply() == 10 * ONE - amount


def test_redeem__claim_below_one_wei__reverts(create_vault, tokens, alice, mint_for):
    vault = create_vault(tokens[:2], units=[3, ONE])
    mint_for(vault, alice, ONE)
    with ape.reverts("index_vault: redeem rounds to zero"):
        vault.redeem(ONE // 4, alice, [], sender=alice)


def test_redeem__dust_component_skipped__pays_the_others(create_vault, tokens, alice, mint_for):
    vault = create_vault(tokens[:2], units=[3, ONE])
    mint_for(vault, alice, ONE)
    vault.redeem(ONE // 4, alice, [tokens[0]], sender=alice)
    assert tokens[1].balanceOf(alice) == ONE // 4


def test_redeem__zero_amount__reverts(vault, alice):
    with ape.reverts("index_vault: zero amount"):
        vault.redeem(0, alice, [], sender=alice)


def test_redeem__more_than_balance__reverts(vault, alice, bob, mint_for):
    mint_for(vault, alice, ONE)
    with ape.reverts("erc20: burn amount exceeds balance"):
        vault.redeem(ONE, bob, [], sender=bob)


def test_redeem__to_the_vault__reverts(vault, alice, mint_for):
    mint_for(vault, alice, ONE)
    with ape.reverts("index_vault: receiver is the vault"):
        vault.redeem(ONE, vault, [], sender=alice)


def test_redeem__all_supply__empties_the_vault(vault, tokens, alice, mint_for):
    mint_for(vault, alice, 7 * ONE)
    vault.redeem(7 * ONE, alice, [], sender=alice)
    assert vault.totalSupply() == 0
    assert balances(tokens, vault) == [0, 0, 0]
    assert balances(tokens, alice) == [7 * ONE, 14 * ONE, 21 * ONE]


def test_redeem__with_redeem_fee__sends_fee_shares_to_recipient(
    create_vault, tokens, alice, fee_recipient, mint_for
):
    vault = create_vault(tokens[:1], fees=(0, 0, 100))  # 1 %
    mint_for(vault, alice, 100 * ONE)
    tx = vault.redeem(100 * ONE, alice, [], sender=alice)
    assert vault.balanceOf(fee_recipient) == ONE
    assert vault.totalSupply() == ONE
    assert tokens[0].balanceOf(alice) == 99 * ONE
    assert tx.events.filter(vault.Redeemed)[0].fee == ONE


def test_redeem__while_mint_paused__still_works(vault, tokens, alice, guardian, mint_for):
    mint_for(vault, alice, ONE)
    vault.pause_mint(sender=guardian)
    vault.redeem(ONE, alice, [], sender=alice)
    assert balances(tokens, alice) == [ONE, 2 * ONE, 3 * ONE]


def test_redeem__skip_component__forfeits_it_to_remaining_holders(vault, tokens, alice, bob, mint_for):
    mint_for(vault, alice, ONE)
    mint_for(vault, bob, ONE)
    tx = vault.redeem(ONE, alice, [tokens[1]], sender=alice)
    assert balances(tokens, alice) == [ONE, 0, 3 * ONE]
    # The unit 2e18 grows by supply / remaining = 2, carried at a 20-digit mantissa: (4e20, 40) is 4e18 per share.
    event = tx.events.filter(vault.ClaimForfeited)[0]
    assert (event.token, event.mantissa, event.exponent) == (tokens[1].address, 4 * 10**20, 40)
    assert ref.forfeited_unit((2 * ONE, ref.BASE_EXPONENT), 2 * ONE, ONE) == (4 * 10**20, 40)
    assert vault.basket()[1] == [ONE, 4 * ONE, 3 * ONE]
    vault.redeem(ONE, bob, [], sender=bob)
    assert balances(tokens, bob) == [ONE, 4 * ONE, 3 * ONE]
    assert balances(tokens, vault) == [0, 0, 0]


def test_redeem__last_holder_skips__skipped_tokens_stay_sweepable(vault, tokens, alice, governance, mint_for):
    mint_for(vault, alice, ONE)
    vault.redeem(ONE, alice, [tokens[2]], sender=alice)
    assert tokens[2].balanceOf(vault) == 3 * ONE
    assert vault.basket()[1][2] == 3 * ONE
    vault.sweep(tokens[2], alice, sender=governance)
    assert tokens[2].balanceOf(alice) == 3 * ONE


def test_redeem__skip_lists_non_component__reverts(vault, alice, create_token, mint_for):
    mint_for(vault, alice, ONE)
    stranger = create_token(18, "XXX")
    with ape.reverts("index_vault: skip lists a non-component"):
        vault.redeem(ONE, alice, [stranger], sender=alice)


def test_redeem__skip_lists_component_twice__reverts(vault, tokens, alice, mint_for):
    mint_for(vault, alice, ONE)
    with ape.reverts("index_vault: skip lists a non-component"):
        vault.redeem(ONE, alice, [tokens[0], tokens[0]], sender=alice)


@pytest.mark.parametrize("amount", [1, 3, ONE - 1, 10**28])
def test_preview_redeem__any_amount__equals_what_redeem_pays(vault, tokens, alice, bob, mint_for, amount):
    mint_for(vault, alice, 10**28)
    expected = vault.preview_redeem(amount)
    vault.redeem(amount, bob, [], sender=alice)
    assert balances(tokens, bob) == expected
