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


# ---- rebalancing (RebalancePolicy.check_trade / record_trade and IndexVault.rebalance) ----------------------------


def value(amount: int, price: int, decimals: int) -> int:
    """OracleRouter.value: USD (18 decimals) of `amount` smallest units at `price` (18-decimal USD per whole token)."""
    return amount * price // 10**decimals


def holding(virtual_unit: int, multiplier: int, supply: int) -> int:
    """What all holders own of a component: the claim of the whole supply, rounded down."""
    return virtual_unit * multiplier * supply // CLAIM_SCALE


def sold_unit(virtual_unit: int, multiplier: int, supply: int, amount_in: int) -> int:
    scaled = supply * multiplier
    return (virtual_unit * scaled - amount_in * CLAIM_SCALE) // scaled


def bought_unit(virtual_unit: int, multiplier: int, supply: int, received: int) -> int:
    scaled = supply * multiplier
    return (virtual_unit * scaled + received * CLAIM_SCALE) // scaled


def trade_precheck(values, targets, s, b, value_in, value_min_out, limits) -> str | None:
    """The pre-swap price checks of `check_trade`, in its order; None when they pass."""
    nav = sum(values)
    if values[s] * BPS <= targets[s] * nav:
        return "rebalance_policy: sell not overweight"
    if values[b] * BPS >= targets[b] * nav:
        return "rebalance_policy: buy not underweight"
    if value_min_out * BPS < value_in * (BPS - limits.max_slippage):
        return "rebalance_policy: min_out below oracle bound"
    if value_in * BPS > nav * limits.max_trade:
        return "rebalance_policy: trade too large"
    return None


def trade_postcheck(values_after, targets, s, b, value_in, value_out, limits) -> str | None:
    """The post-swap checks of `record_trade`, in its order, on the holdings after the units changed."""
    nav = sum(values_after)
    if values_after[s] * BPS + limits.tolerance * nav < targets[s] * nav:
        return "rebalance_policy: sell overshoots target"
    if values_after[b] * BPS > (targets[b] + limits.tolerance) * nav:
        return "rebalance_policy: buy overshoots target"
    if value_in > value_out and (value_in - value_out) * BPS > (nav + value_in - value_out) * limits.max_nav_loss:
        return "rebalance_policy: nav loss above cap"
    return None
