"""Plain-Python reference of the vault's arithmetic, written from the spec, for tests to compare against.

A claim is virtual_unit * multiplier * shares / 1e36; mint pays it rounded up, redeem rounded down.
"""

PRECISION = 10**18
CLAIM_SCALE = 10**36
BPS = 10_000
YEAR = 365 * 86_400
MAX_FEE_TIME = BPS * YEAR // 2
MAX_UNIT = 2**96 - 1


def ceil_div(x: int, y: int) -> int:
    return -(-x // y)


def fee(amount: int, fee_bps: int) -> int:
    """Mint/redeem fee in index tokens, rounded up."""
    return ceil_div(amount * fee_bps, BPS)


def mint_owed(virtual_unit: int, multiplier: int, amount: int, mint_fee_bps: int = 0) -> int:
    return ceil_div(virtual_unit * multiplier * (amount + fee(amount, mint_fee_bps)), CLAIM_SCALE)


def redeem_paid(virtual_unit: int, multiplier: int, amount: int, redeem_fee_bps: int = 0) -> int:
    return virtual_unit * multiplier * (amount - fee(amount, redeem_fee_bps)) // CLAIM_SCALE


def unit(virtual_unit: int, multiplier: int) -> int:
    return virtual_unit * multiplier // PRECISION


def fee_shares(supply: int, management_fee_bps: int, elapsed: int) -> int:
    """supply * f / (1 - f), f = fee * elapsed / year capped at 1/2, rounded down."""
    fee_time = min(management_fee_bps * elapsed, MAX_FEE_TIME)
    return supply * fee_time // (BPS * YEAR - fee_time)


def accrued_multiplier(multiplier: int, supply: int, shares: int) -> int:
    return multiplier * supply // (supply + shares)
