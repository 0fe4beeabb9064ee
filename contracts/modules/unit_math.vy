# pragma version ~=0.4.3
"""
@title Unit Math
@license MIT
@notice The arithmetic that recomputes an `IndexVault` unit after a rebalance
        or a skipped redeem. A unit is a decimal float, `mantissa / 10**exponent`
        (88 + 8 bits); a claim of `shares` is `mantissa * scaled / 10**(exponent
        + shift)` with `scaled = shares * multiplier`. No state; pure functions.
@custom:security Each result is rounded once (or, for a bought leg, in two
                 terms), down, at a mantissa of at least 1e20 where the range
                 allows, so a recomputed claim is never above the exact one and
                 is below it by less than 1e-19 of it, or by less than 1 wei
                 when the unit is too small to carry 20 digits.
"""

from snekmate.utils import math


MANTISSA_MIN: constant(uint256) = 10**20
MANTISSA_LIMIT: constant(uint256) = 2**88
# exponent + shift <= 77 keeps 10**(exponent + shift) below 2**256; the vault's shift is at most 19.
MAX_EXPONENT: constant(uint256) = 58
# Extra digits a sold-down unit may gain, so a leg sold nearly to zero keeps its precision.
MAX_EXTRA_DIGITS: constant(uint256) = 30


@internal
@pure
def _sold_unit(
    mantissa: uint256, exponent: uint256, scaled: uint256, exp_shift: uint256, amount: uint256
) -> (uint256, uint256):
    """
    @dev The unit whose claim of the whole supply (scaled = supply * multiplier)
         is the old claim minus `amount` (at most the old claim), rounded down
         once. When what is left needs more digits than the old exponent gives,
         it is recomputed with up to 30 more, so a leg sold nearly to zero keeps
         a mantissa of 1e20, or an error below 1e-50 of the old claim.
    """
    # Rounded up, the amount taken off can only shrink the claim more: the vault keeps the remainder.
    left: uint256 = mantissa - math._mul_div(amount, pow_mod256(10, exponent + exp_shift), scaled, True)
    if left >= MANTISSA_MIN or exponent == MAX_EXPONENT:
        return left, exponent
    digits: uint256 = MAX_EXTRA_DIGITS
    if left != 0:
        digits = 20 - math._log10(left, False)
    new_exponent: uint256 = exponent + min(digits, MAX_EXPONENT - exponent)
    # mantissa * 10**digits < 2**88 * 1e30 < 2**188, and what is taken off is at most that.
    left = mantissa * pow_mod256(10, new_exponent - exponent) - math._mul_div(
        amount, pow_mod256(10, new_exponent + exp_shift), scaled, True
    )
    if left == 0:
        return 0, 0
    if left >= MANTISSA_LIMIT:
        # A first pass that rounded to (almost) nothing can hide up to one old unit: with 30 digits added that is up
        # to 1e30. Dropping digits rounds down once more (the vault keeps it) and leaves 1e25 <= left < 1e26.
        dropped: uint256 = math._log10(left, False) - 25
        left //= pow_mod256(10, dropped)
        new_exponent -= dropped
    return left, new_exponent


@internal
@pure
def _bought_unit(
    mantissa: uint256, exponent: uint256, scaled: uint256, exp_shift: uint256, amount: uint256
) -> (uint256, uint256):
    """
    @dev The unit whose claim of the whole supply is the old claim plus `amount`,
         at the exponent that puts its mantissa in [1e20, 2e22): each of its two
         terms is rounded down once, so the error is below 2e-20 of the new claim.
    """
    # log10 of the amount per (supply * multiplier) in the units' scale, amount * 10**shift / scaled, to within one;
    # the old unit's own magnitude when that is larger.
    magnitude: int256 = convert(math._log10(amount, False) + exp_shift, int256) - convert(
        math._log10(scaled, False), int256
    )
    if mantissa != 0:
        magnitude = max(magnitude, convert(math._log10(mantissa, False), int256) - convert(exponent, int256))
    target: int256 = 21 - magnitude
    assert target >= 0, "unit_math: unit too large"
    new_exponent: uint256 = min(convert(target, uint256), MAX_EXPONENT)
    kept: uint256 = 0
    if new_exponent >= exponent:
        kept = mantissa * pow_mod256(10, new_exponent - exponent)
    else:
        kept = mantissa // pow_mod256(10, exponent - new_exponent)
    total: uint256 = kept + math._mul_div(amount, pow_mod256(10, new_exponent + exp_shift), scaled, False)
    assert total < MANTISSA_LIMIT, "unit_math: unit too large"
    return total, new_exponent


@internal
@pure
def _forfeited_unit(mantissa: uint256, exponent: uint256, supply: uint256, remaining: uint256) -> (uint256, uint256):
    """
    @dev The unit grown by supply / remaining (0 < remaining <= supply), so the
         remaining holders keep a skipped claim whole: computed with digits
         added for a mantissa of at least 1e20, or dropped to stay below 2**88,
         rounded down once. A unit that would not fit is returned unchanged
         (the skipped tokens then stay as surplus): this never reverts.
    """
    if mantissa == 0:
        return mantissa, exponent
    digits: uint256 = 0
    if mantissa < MANTISSA_MIN:
        digits = min(20 - math._log10(mantissa, False), MAX_EXPONENT - exponent)
    # mantissa * 10**digits < 1e21 and supply <= 2**256 / 1e21 in any vault that could mint it.
    grown: uint256 = math._mul_div(mantissa * pow_mod256(10, digits), supply, remaining, False)
    new_exponent: uint256 = exponent + digits
    if grown >= MANTISSA_LIMIT:
        # floor(floor(x / r) / 10**k) == floor(x / (r * 10**k)): still one rounding, down. Leaves 1e25 <= grown < 1e26.
        dropped: uint256 = math._log10(grown, False) - 25
        if dropped > new_exponent:
            return mantissa, exponent
        grown //= pow_mod256(10, dropped)
        new_exponent -= dropped
    return grown, new_exponent
