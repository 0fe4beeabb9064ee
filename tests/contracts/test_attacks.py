"""Attack scenarios: each shows the attack fails and what it costs the attacker.

Reentrancy through a malicious token (mint->mint, mint->redeem, redeem->redeem, redeem->mint, read-only reentry)
lives with the rest of the weird-token matrix in test_weird_tokens.py ("Reentrancy" section).
"""

import pytest

import reference as ref

ONE = 10**18


@pytest.fixture
def single(create_vault, tokens):
    """One 18-decimal component, one token per index token: the classic inflation-attack target."""
    return create_vault(tokens[:1]), tokens[0]


def test_first_minter_donation__victim_mints_after_huge_donation__victim_keeps_full_claim(
    single, alice, bob, governance, fund
):
    vault, token = single
    # The attacker takes the first share as cheaply as the vault allows: one wei of index for one wei of token.
    fund(bob, vault, [token], [1])
    vault.mint(1, bob, sender=bob)
    # ... then "inflates" the share price by donating straight to the vault.
    donation = 1_000 * ONE
    token.mint(bob, donation, sender=bob)
    token.transfer(vault, donation, sender=bob)

    # The victim pays units, not a balance-derived price, and gets exactly the shares asked for.
    assert vault.preview_mint(10 * ONE) == [10 * ONE]
    fund(alice, vault, [token], [10 * ONE])
    vault.mint(10 * ONE, alice, sender=alice)
    assert vault.balanceOf(alice) == 10 * ONE

    # The attacker's share is still one wei of token; the donation is not claimable by anyone.
    paid = token.balanceOf(bob)
    vault.redeem(1, bob, [], sender=bob)
    assert token.balanceOf(bob) - paid == 1
    paid = token.balanceOf(alice)
    vault.redeem(10 * ONE, alice, [], sender=alice)
    assert token.balanceOf(alice) - paid == 10 * ONE
    # What is left is the donation, recoverable only by governance, never by a holder.
    assert token.balanceOf(vault) == donation
    vault.sweep(token, bob, sender=governance)
    assert token.balanceOf(bob) == donation + 1


def test_first_minter_donation__donation_before_any_mint__changes_no_unit(single, alice, bob, fund):
    vault, token = single
    token.mint(vault, 5 * ONE, sender=bob)
    assert vault.basket()[1] == [ONE]
    assert vault.preview_mint(ONE) == [ONE]
    fund(alice, vault, [token], [ONE])
    vault.mint(ONE, alice, sender=alice)
    assert vault.preview_redeem(ONE) == [ONE]


@pytest.fixture
def dust_vault(create_vault, tokens):
    """A component with a unit of 3 wei per index token: every amount sits near a rounding edge."""
    return create_vault(tokens[:2], units=[3, ONE]), tokens[:2]


@pytest.mark.parametrize(
    "amount",
    [
        ONE // 3 + 1,  # claim 1.000...0001 wei: mint pays 2, redeem pays 1
        ONE // 3 * 2 + 1,  # claim 2.000...0001 wei: mint pays 3, redeem pays 2
        ONE + ONE // 3,  # claim 3.999...9999 wei: mint pays 4, redeem pays 3
    ],
)
def test_rounding_drain__mint_redeem_loop__attacker_only_loses(dust_vault, alice, bob, mint_for, amount):
    vault, components = dust_vault
    mint_for(vault, alice, 10 * ONE)  # an honest holder whose claim must stay covered
    rounds = 20
    for _ in range(rounds):
        paid = vault.preview_mint(amount)
        mint_for(vault, bob, amount)  # funds bob with exactly `paid`, then mints
        before = [token.balanceOf(bob) for token in components]
        vault.redeem(amount, bob, [], sender=bob)
        received = [token.balanceOf(bob) - b for token, b in zip(components, before)]
        # Paid the exact claim rounded up, got it rounded down: one wei lost on the dust component each round.
        assert paid[0] - received[0] == 1
        assert received[1] <= paid[1]
    supply = vault.totalSupply()
    assert supply == 10 * ONE
    assert components[0].balanceOf(vault) - ref.ceil_div(3 * supply, ONE) == rounds


def test_rounding_drain__redeem_in_tiny_slices__never_pays_more_than_the_whole(dust_vault, alice, mint_for):
    vault, components = dust_vault
    mint_for(vault, alice, ONE)  # claim: exactly 3 wei of the dust component
    slice_ = ONE // 3 + 1  # each slice's claim is just over 1 wei
    received = 0
    while vault.balanceOf(alice) >= slice_:
        before = components[0].balanceOf(alice)
        vault.redeem(slice_, alice, [], sender=alice)
        received += components[0].balanceOf(alice) - before
    remainder = vault.balanceOf(alice)
    assert received == 2  # two slices of 1.000...1 wei, each rounded down to 1
    assert remainder == ONE - 2 * slice_  # its claim, 0.999...9 wei, rounds to zero: redeem refuses
    assert vault.preview_redeem(remainder)[0] == 0
    # The dust left in the vault is exactly what rounding kept: 3 - 2 wei, all still backing alice's remainder.
    assert components[0].balanceOf(vault) == 1
