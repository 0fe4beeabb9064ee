"""Plain-Python reference of the vault's arithmetic, written from the spec, for tests to compare against.

A unit is a decimal float (mantissa, exponent) and the fee multiplier is (multiplier, shift), with the multiplier
kept in [1e20, 1e21): the claim of `shares` is mantissa * multiplier * shares / 10**(exponent + shift). A creation
unit u (amount per 1e18 shares) is stored as (u, 38). Mint pays a claim rounded up, redeem rounded down. Each
function below mirrors one internal function of IndexVault.vy or modules/unit_math.vy integer for integer, so tests
can predict every result exactly; `exact_claim` gives the unrounded rational for precision checks.
"""

from fractions import Fraction

PRECISION = 10**18
BPS = 10_000
YEAR = 365 * 86_400
MAX_FEE_TIME = BPS * YEAR // 2
MAX_UNIT = 2**88 - 1

MANTISSA_MIN = 10**20
MANTISSA_LIMIT = 2**88
MAX_EXPONENT = 58
MAX_SHIFT = 19
BASE_EXPONENT = 38
MULTIPLIER_MIN = 10**20
MAX_EXTRA_DIGITS = 30

Unit = tuple[int, int]  # (mantissa, exponent)
Mult = tuple[int, int]  # (multiplier, shift)
ZERO_UNIT: Unit = (0, 0)
START: Mult = (MULTIPLIER_MIN, 0)


def ceil_div(x: int, y: int) -> int:
    return -(-x // y)


def log10(x: int) -> int:
    """snekmate's `_log10(x, False)`: floor(log10(x)), 0 for 0."""
    return len(str(x)) - 1 if x > 0 else 0


def fee(amount: int, fee_bps: int) -> int:
    """Mint/redeem fee in index tokens, rounded up."""
    return ceil_div(amount * fee_bps, BPS)


# ---- units ----------------------------------------------------------------------------------------------------------


def exact_claim(unit: Unit, mult: Mult, shares: int) -> Fraction:
    """The unrounded claim of `shares`."""
    (mantissa, exponent), (multiplier, shift) = unit, mult
    return Fraction(mantissa * multiplier * shares, 10 ** (exponent + shift))


def claim(unit: Unit, mult: Mult, shares: int, round_up: bool = False) -> int:
    (mantissa, exponent), (multiplier, shift) = unit, mult
    exact, scale = mantissa * multiplier * shares, 10 ** (exponent + shift)
    return ceil_div(exact, scale) if round_up else exact // scale


def mint_owed(unit: Unit, mult: Mult, amount: int, mint_fee_bps: int = 0) -> int:
    return claim(unit, mult, amount + fee(amount, mint_fee_bps), round_up=True)


def redeem_paid(unit: Unit, mult: Mult, amount: int, redeem_fee_bps: int = 0) -> int:
    return claim(unit, mult, amount - fee(amount, redeem_fee_bps))


def unit_amount(unit: Unit, mult: Mult) -> int:
    """What `basket()` reports: the amount behind 1e18 index tokens, rounded down."""
    return claim(unit, mult, PRECISION)


def holding(unit: Unit, mult: Mult, supply: int) -> int:
    """What all holders own of a component: the claim of the whole supply, rounded down."""
    return claim(unit, mult, supply)


def sold_unit(unit: Unit, mult: Mult, supply: int, amount: int) -> Unit:
    """`_sold_unit`: the unit whose whole-supply claim is the old one minus `amount`, rounded down once."""
    (mantissa, exponent), (multiplier, shift) = unit, mult
    scaled = supply * multiplier
    left = mantissa - ceil_div(amount * 10 ** (exponent + shift), scaled)
    if left >= MANTISSA_MIN or exponent == MAX_EXPONENT:
        return left, exponent
    digits = 20 - log10(left) if left else MAX_EXTRA_DIGITS
    exponent += min(digits, MAX_EXPONENT - exponent)
    left = mantissa * 10 ** (exponent - unit[1]) - ceil_div(amount * 10 ** (exponent + shift), scaled)
    if left == 0:
        return ZERO_UNIT
    if left >= MANTISSA_LIMIT:
        dropped = log10(left) - 25
        left, exponent = left // 10**dropped, exponent - dropped
    return left, exponent


def bought_unit(unit: Unit, mult: Mult, supply: int, amount: int) -> Unit:
    """`_bought_unit`: the unit whose whole-supply claim is the old one plus `amount`, mantissa in [1e20, 2e22)."""
    (mantissa, exponent), (multiplier, shift) = unit, mult
    scaled = supply * multiplier
    magnitude = log10(amount) + shift - log10(scaled)
    if mantissa:
        magnitude = max(magnitude, log10(mantissa) - exponent)
    target = 21 - magnitude
    assert target >= 0, "index_vault: unit too large"
    new_exponent = min(target, MAX_EXPONENT)
    if new_exponent >= exponent:
        kept = mantissa * 10 ** (new_exponent - exponent)
    else:
        kept = mantissa // 10 ** (exponent - new_exponent)
    total = kept + amount * 10 ** (new_exponent + shift) // scaled
    assert total < MANTISSA_LIMIT, "index_vault: unit too large"
    return total, new_exponent


def forfeited_unit(unit: Unit, supply: int, remaining: int) -> Unit:
    """`_forfeited_unit`: the unit grown by supply / remaining, with digits added for a 1e20 mantissa or dropped to
    stay below 2**88, so the remaining holders keep a skipped claim; unchanged when it would not fit."""
    mantissa, exponent = unit
    if mantissa == 0:
        return unit
    digits = min(20 - log10(mantissa), MAX_EXPONENT - exponent) if mantissa < MANTISSA_MIN else 0
    grown = mantissa * 10**digits * supply // remaining
    exponent += digits
    if grown >= MANTISSA_LIMIT:
        dropped = log10(grown) - 25
        if dropped > exponent:
            return unit
        grown //= 10**dropped
        exponent -= dropped
    return grown, exponent


# ---- fees -----------------------------------------------------------------------------------------------------------


def fee_shares(supply: int, management_fee_bps: int, elapsed: int) -> int:
    """supply * f / (1 - f), f = fee * elapsed / year capped at 1/2, rounded down."""
    fee_time = min(management_fee_bps * elapsed, MAX_FEE_TIME)
    return supply * fee_time // (BPS * YEAR - fee_time)


def diluted(mult: Mult, supply: int, shares: int) -> Mult:
    """`_diluted`: the multiplier after `shares` fee shares, kept in [1e20, 1e21) by the shared shift."""
    multiplier, shift = mult
    if shares == 0:
        return mult
    multiplier = multiplier * supply // (supply + shares)
    if multiplier < MULTIPLIER_MIN and shift < MAX_SHIFT:
        multiplier, shift = multiplier * 10, shift + 1
    return multiplier, shift


def multiplier_1e18(mult: Mult) -> int:
    """What `multiplier()` reports: the multiplier 1e18-scaled, rounded down."""
    multiplier, shift = mult
    return multiplier // 10 ** (2 + shift)


# ---- rebalancing (RebalancePolicy.check_trade / record_trade and IndexVault.rebalance) ----------------------------


def value(amount: int, price: int, decimals: int) -> int:
    """OracleRouter.value: USD (18 decimals) of `amount` smallest units at `price` (18-decimal USD per whole token)."""
    return amount * price // 10**decimals


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


def trade_postcheck(values_before, values_after, targets, s, b, limits) -> str | None:
    """The post-swap checks of `record_trade`, in its order, on the holdings (claims) before and after the trade."""
    nav_before, nav = sum(values_before), sum(values_after)
    if values_after[s] * BPS + limits.tolerance * nav < targets[s] * nav:
        return "rebalance_policy: sell overshoots target"
    if values_after[b] * BPS > (targets[b] + limits.tolerance) * nav:
        return "rebalance_policy: buy overshoots target"
    if nav_before > nav and (nav_before - nav) * BPS > nav_before * limits.max_nav_loss:
        return "rebalance_policy: nav loss above cap"
    return None


WAD = 10**18
LOSS_WINDOW = 86_400


def loss_share(loss: int, nav: int) -> int:
    """A loss as charged to the budget: 1e-18 of NAV, rounded up."""
    return ceil_div(loss * WAD, nav)


def drained(spent: int, updated: int, now: int, budget_bps: int) -> int:
    """The loss bucket at `now`: `spent` less `budget` per 24 h since `updated`."""
    refill = budget_bps * (WAD // BPS) * (now - updated) // LOSS_WINDOW
    return spent - min(spent, refill)
