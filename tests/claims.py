"""Read a vault's units and multiplier straight from its storage, so tests can compute every holder's exact claim
(a Fraction) and measure what an operation moved to surplus to the last fraction of a wei. The slots are those of
`vyper -f layout contracts/IndexVault.vy`; test_hardening checks them against `holdings()`."""

from fractions import Fraction

from ape import chain

import reference as ref

HOT_SLOT = 9  # multiplier(72) | last_accrual(40) | count(8) | fees(3x16) | mint_paused(8) | shift(8)
COMPONENTS_SLOT = 10  # mantissa(88) | exponent(8) | token(160), one slot per component


def _word(vault, slot: int) -> int:
    return int.from_bytes(bytes(chain.provider.get_storage(vault.address, slot)), "big")


def stored_mult(vault) -> ref.Mult:
    """(multiplier, shift) as stored: accrued up to the last accrual, not to this block."""
    word = _word(vault, HOT_SLOT)
    return word & (2**72 - 1), word >> 176


def stored_units(vault) -> list[ref.Unit]:
    count = (_word(vault, HOT_SLOT) >> 112) & 255
    words = [_word(vault, COMPONENTS_SLOT + i) for i in range(count)]
    return [(word >> 168, (word >> 160) & 255) for word in words]


def exact_claims(vault) -> list[Fraction]:
    """What all holders own of each component, unrounded, as of the last accrual."""
    mult, supply = stored_mult(vault), vault.totalSupply()
    return [ref.exact_claim(unit, mult, supply) for unit in stored_units(vault)]


def surpluses(vault, tokens) -> list[Fraction]:
    """What the vault holds of each component beyond the exact claims: what governance could sweep."""
    return [token.balanceOf(vault) - claim for token, claim in zip(tokens, exact_claims(vault), strict=True)]


def allowance(claim: Fraction) -> Fraction:
    """The most one operation may move from holders to surplus: max(1 wei, 1e-18 of the claim)."""
    return max(Fraction(1), claim / 10**18)
