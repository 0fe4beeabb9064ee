"""Index specs (scripts/_spec.py): the example files, every validation error with its exact message beside an
accepted twin at the limit, hand-checked units, the YAML reading rules and the factory argument layout. Pure
Python: no chain."""

import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from eth_utils import to_checksum_address

from keeper.strategies import STRATEGIES
from scripts._spec import (
    DEFAULT_LIMITS,
    LIMIT_FIELDS,
    MAX_COMPONENTS,
    MAX_COOLDOWN,
    MAX_DELAY,
    MAX_INITIAL_ROLES,
    MAX_LOSS_BUDGET,
    MAX_MANAGEMENT_FEE,
    MAX_MINT_FEE,
    MAX_NAV_LOSS,
    MAX_REDEEM_FEE,
    MAX_SLIPPAGE,
    MAX_TARGET_PERIOD,
    MAX_TOLERANCE,
    MAX_UNIT,
    MIN_COOLDOWN,
    MIN_DELAY,
    STRATEGY_OPTIONS,
    ZERO_ADDRESS,
    ComponentSpec,
    IndexSpec,
    SpecError,
    create_vault_args,
    load_spec,
    parse_duration,
    parse_spec,
    units_for,
)

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
DAY = 86_400
ONE = 10**18

# (symbol, decimals, USD price of one whole token): the demo's mock tokens (scripts/_world.py DEMO_ASSETS).
ASSETS = {
    "USDC": (6, 1), "WETH": (18, 2_000), "WBTC": (8, 50_000), "LINK": (18, 15), "UNI": (18, 8), "AAVE": (18, 90),
    "MKR": (18, 1_500), "SNX": (18, 3), "CRV": (18, 1), "COMP": (18, 50), "LDO": (18, 2), "ARB": (18, 1),
}  # fmt: skip
TOKENS = {symbol: to_checksum_address(f"0x{0x1000 + i:040x}") for i, symbol in enumerate(ASSETS)}
ADAPTERS = {"uniswap_v2": to_checksum_address("0x" + "ad" * 20), "curve": to_checksum_address("0x" + "cf" * 20)}
ACCOUNTS = {
    "deployer": to_checksum_address("0x" + "d0" * 20),
    "dao": to_checksum_address("0x" + "da" * 20),
    "keeper": to_checksum_address("0x" + "ee" * 20),
}
KNOWN_SYMBOLS = ", ".join(ASSETS)
BOOLEAN = "the boolean true (YAML reads yes/no/on/off as booleans: quote it if it is text)"


def parse(raw, tokens=TOKENS, adapters=ADAPTERS, accounts=ACCOUNTS) -> IndexSpec:
    return parse_spec(raw, tokens=tokens, adapters=adapters, accounts=accounts)


def minimal() -> dict:
    """The smallest valid spec: two components, a share value and the three required roles."""
    return {
        "name": "Test Index",
        "symbol": "TI",
        "components": [{"token": "WETH", "weight": 6_000}, {"token": "USDC", "weight": 4_000}],
        "share_value_usd": 100,
        "roles": {"governance": "dao", "guardian": "deployer", "fee_recipient": "dao"},
        "timelock_delay": "2d",
    }


def edit(change: Callable[[dict], object]) -> dict:
    raw = minimal()
    change(raw)
    return raw


def exactly(message: str) -> str:
    return f"^{re.escape(message)}$"


def prices_and_decimals(spec: IndexSpec) -> tuple[list[int], list[int]]:
    """The demo prices (18-decimal USD per whole token) and decimals of `spec`'s components."""
    return (
        [ASSETS[component.symbol][1] * ONE for component in spec.components],
        [ASSETS[component.symbol][0] for component in spec.components],
    )


# --- The example files ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["top10", "defi", "momentum"])
def test_parse_spec__example_file__valid_with_demo_symbols(name):
    spec = parse(load_spec(EXAMPLES / f"{name}.yaml"))

    assert {component.symbol for component in spec.components} <= set(ASSETS)
    assert sum(component.weight for component in spec.components) == 10_000
    assert spec.adapters == (ADAPTERS["uniswap_v2"],)
    assert spec.keepers == (ACCOUNTS["keeper"],)
    expected_count = {"top10": 10, "defi": 4, "momentum": 4}[name]
    assert len(spec.components) == expected_count


def test_parse_spec__defi_example__dao_governs_with_a_week_timelock():
    spec = parse(load_spec(EXAMPLES / "defi.yaml"))

    assert spec.governance == ACCOUNTS["dao"]
    assert spec.fee_recipient == ACCOUNTS["dao"]
    assert spec.strategist == ZERO_ADDRESS
    assert spec.timelock_delay == 7 * DAY
    assert spec.strategy == {"name": "governance"}
    assert spec.share_value_usd is None


def test_parse_spec__momentum_example__usdc_is_the_stablecoin():
    spec = parse(load_spec(EXAMPLES / "momentum.yaml"))

    assert spec.strategy == {"name": "momentum", "stablecoin": "USDC", "fast": 5, "slow": 15, "rsi_high": 85}
    assert spec.components[0] == ComponentSpec(TOKENS["USDC"], "USDC", 1_000, 0, 10_000, None)


def test_units_for__top10_at_demo_prices__hand_checked_units():
    spec = parse(load_spec(EXAMPLES / "top10.yaml"))

    units = units_for(spec, *prices_and_decimals(spec))

    # Each is weight/10000 of 100 USD, divided by the token's price, in its smallest units, rounded up.
    assert units == [
        50_000,  # WBTC: 25 USD / 50 000 = 0.0005 WBTC = 50 000 sats (8 decimals)
        12_500_000_000_000_000,  # WETH: 25 / 2 000 = 0.0125
        1_248_666_666_666_666_667,  # LINK: 18.73 / 15 = 1.248666... rounded up
        1_441_250_000_000_000_000,  # UNI: 11.53 / 8 = 1.44125
        75_222_222_222_222_223,  # AAVE: 6.77 / 90 = 0.0752222... rounded up
        5_760_000_000_000_000_000,  # ARB: 5.76 / 1
        1_155_000_000_000_000_000,  # LDO: 2.31 / 2
        1_440_000_000_000_000,  # MKR: 2.16 / 1 500 = 0.00144
        1_590_000_000_000_000_000,  # CRV: 1.59 / 1
        23_000_000_000_000_000,  # COMP: 1.15 / 50 = 0.023
    ]


def test_units_for__momentum_at_demo_prices__six_decimal_usdc_unit():
    spec = parse(load_spec(EXAMPLES / "momentum.yaml"))

    units = units_for(spec, *prices_and_decimals(spec))

    # USDC 10 USD = 10 000 000 (6 decimals); WETH 30 / 2 000; WBTC 30 / 50 000 in sats; LINK 30 / 15.
    assert units == [10_000_000, 15_000_000_000_000_000, 60_000, 2_000_000_000_000_000_000]


def test_units_for__explicit_units__returned_without_prices():
    spec = parse(load_spec(EXAMPLES / "defi.yaml"))

    units = units_for(spec, [], [])

    assert units == [4 * ONE, 3 * ONE // 10, 2 * ONE // 100, 11 * ONE]


def test_units_for__defi_units__match_their_weights_at_demo_prices():
    spec = parse(load_spec(EXAMPLES / "defi.yaml"))
    prices, decimals = prices_and_decimals(spec)

    values = [unit * price // 10**places for unit, price, places in zip(units_for(spec, [], []), prices, decimals)]

    # 1e18 index tokens hold exactly weight/10000 of 100 USD of each component.
    assert values == [component.weight * 100 * ONE // 10_000 for component in spec.components]


# --- units_for --------------------------------------------------------------------------------------------------


def test_units_for__share_value_with_decimals__exact():
    spec = parse(edit(lambda raw: raw.update(share_value_usd=Decimal("99.5"))))

    units = units_for(spec, [2_000 * ONE, ONE], [18, 6])

    assert units == [29_850_000_000_000_000, 39_800_000]  # 59.70 USD / 2 000 and 39.80 USD of USDC


def test_parse_spec__share_value_with_38_digits__exact():
    raw = edit(lambda raw: raw.update(share_value_usd=Decimal("12345678901234567890.123456789012345678")))

    assert parse(raw).share_value_usd == 12_345_678_901_234_567_890_123_456_789_012_345_678


def test_units_for__rounding_adds_exactly_one_percent__accepted():
    # 1 bps of 100 USD is 0.01 USD: 99.0099... units of a 0-decimal token priced 0.000101 USD; 100 is 1 % more.
    spec = parse(edit(lambda raw: raw["components"][1].update(weight=1) or raw["components"][0].update(weight=9_999)))

    units = units_for(spec, [2_000 * ONE, 101 * 10**12], [18, 0])

    assert units[1] == 100


def test_units_for__rounding_adds_over_one_percent__raises():
    # As above with the price a wei higher: rounding up to 100 adds just over 1 %.
    spec = parse(edit(lambda raw: raw["components"][1].update(weight=1) or raw["components"][0].update(weight=9_999)))

    with pytest.raises(SpecError, match=exactly(
        "components[1].unit: 1 bps of the share value is 99.009 smallest units of USDC; rounding up to 100 would "
        "overprice it by more than 1%: raise its weight or share_value_usd"
    )):  # fmt: skip
        units_for(spec, [2_000 * ONE, 101 * 10**12 + 1], [18, 0])


def test_units_for__weight_too_small_for_decimals__raises():
    # 1 bps of 100 USD is 0.01 USD: a third of a smallest unit worth 0.03 USD; rounding up would triple it.
    spec = parse(edit(lambda raw: raw["components"][1].update(weight=1) or raw["components"][0].update(weight=9_999)))

    with pytest.raises(SpecError, match=exactly(
        "components[1].unit: 1 bps of the share value is 0.333 smallest units of USDC; rounding up to 1 would "
        "overprice it by more than 1%: raise its weight or share_value_usd"
    )):  # fmt: skip
        units_for(spec, [2_000 * ONE, 3 * ONE // 100], [18, 0])


def test_units_for__unit_at_max__accepted():
    spec = parse(edit(lambda raw: raw.update(share_value_usd=MAX_UNIT)))

    # 60 % and 40 % of MAX_UNIT USD at 0.6 and 0.4 USD per (indivisible) token.
    units = units_for(spec, [6 * ONE // 10, 4 * ONE // 10], [0, 0])

    assert units == [MAX_UNIT, MAX_UNIT]


def test_units_for__unit_above_max__raises():
    spec = parse(edit(lambda raw: raw.update(share_value_usd=MAX_UNIT + 1)))

    with pytest.raises(SpecError, match=exactly(
        f"components[0].unit: {MAX_UNIT + 1} smallest units of WETH is above the vault's maximum of 2**88-1: "
        "lower share_value_usd"
    )):  # fmt: skip
        units_for(spec, [6 * ONE // 10, 4 * ONE // 10], [0, 0])


def test_units_for__zero_price__raises():
    spec = parse(minimal())

    with pytest.raises(SpecError, match=exactly(
        "components[1].token: the oracle price of USDC is 0; a unit needs a positive price"
    )):  # fmt: skip
        units_for(spec, [2_000 * ONE, 0], [18, 6])


def test_units_for__zero_weight_spec_built_by_hand__raises_zero_unit():
    spec = parse(minimal())
    components = (spec.components[0], ComponentSpec(TOKENS["USDC"], "USDC", 0, 0, 10_000, None))
    spec = IndexSpec(**{**spec.__dict__, "components": components})

    with pytest.raises(SpecError, match=exactly("components[1].unit: USDC at 0 bps gives a zero unit")):
        units_for(spec, [2_000 * ONE, ONE], [18, 6])


def test_units_for__price_count_mismatch__raises_value_error():
    with pytest.raises(ValueError, match=exactly("expected 2 prices and decimals, got 1 and 2")):
        units_for(parse(minimal()), [ONE], [18, 6])


# --- parse_spec: defaults and accepted values -------------------------------------------------------------------


def test_parse_spec__minimal__defaults_filled():
    spec = parse(minimal())

    assert spec == IndexSpec(
        name="Test Index",
        symbol="TI",
        components=(
            ComponentSpec(TOKENS["WETH"], "WETH", 6_000, 0, 10_000, None),
            ComponentSpec(TOKENS["USDC"], "USDC", 4_000, 0, 10_000, None),
        ),
        share_value_usd=100 * ONE,
        fees=(0, 0, 0),
        governance=ACCOUNTS["dao"],
        guardian=ACCOUNTS["deployer"],
        fee_recipient=ACCOUNTS["dao"],
        strategist=ZERO_ADDRESS,
        keepers=(),
        timelock_delay=2 * DAY,
        limits=(100, 2_000, 50, 50, 3_600, 500, 7 * DAY, 15),
        adapters=(ADAPTERS["uniswap_v2"], ADAPTERS["curve"]),
        strategy={"name": "governance"},
    )


def test_parse_spec__null_optional_fields__defaults_filled():
    raw = edit(lambda raw: raw.update(fees=None, limits=None, adapters=None, strategy=None))

    assert parse(raw) == parse(minimal())


def test_parse_spec__values_at_the_caps__accepted():
    def at_caps(raw):
        raw.update(name="N" * 25, symbol="ABC12", timelock_delay="30d")
        raw["fees"] = {"management": MAX_MANAGEMENT_FEE, "mint": MAX_MINT_FEE, "redeem": MAX_REDEEM_FEE}
        raw["limits"] = {
            "max_slippage": MAX_SLIPPAGE, "max_trade": 10_000, "max_nav_loss": MAX_NAV_LOSS,
            "tolerance": MAX_TOLERANCE, "cooldown": "30d", "target_step": 10_000, "target_period": "365d",
            "loss_budget": MAX_LOSS_BUDGET,
        }  # fmt: skip
        raw["components"][0].update(min_weight=6_000, max_weight=6_000)
        raw["roles"]["keepers"] = ["keeper", *(f"0x{i:040x}" for i in range(1, MAX_INITIAL_ROLES))]

    spec = parse(edit(at_caps))

    assert spec.fees == (500, 100, 100)
    assert spec.limits == (1_000, 10_000, 500, 1_000, MAX_COOLDOWN, 10_000, MAX_TARGET_PERIOD, 500)
    assert spec.timelock_delay == MAX_DELAY
    assert len(spec.keepers) == 8
    assert spec.components[0].min_weight == spec.components[0].weight == spec.components[0].max_weight


def test_parse_spec__values_at_the_minimums__accepted():
    limits = {"max_trade": 1, "cooldown": "15m", "loss_budget": 0}  # the cooldown's floor is the policy's 15 minutes
    raw = edit(lambda raw: raw.update(timelock_delay=86_400, limits=limits, adapters=[]))

    spec = parse(raw)

    assert spec.timelock_delay == MIN_DELAY
    assert spec.limits[1] == 1
    assert spec.limits[4] == MIN_COOLDOWN == 900
    assert spec.limits[7] == 0
    assert spec.adapters == ()


def test_parse_spec__thirty_two_components__accepted():
    tokens = {f"T{i}": f"0x{0x2000 + i:040x}" for i in range(MAX_COMPONENTS)}
    raw = edit(lambda raw: raw.update(components=[{"token": f"T{i}", "weight": 0 if i else 10_000} for i in range(32)]))
    raw["components"][0]["unit"] = 1
    for component in raw["components"][1:]:
        component["unit"] = 1
    del raw["share_value_usd"]

    spec = parse(raw, tokens=tokens)

    assert len(spec.components) == MAX_COMPONENTS


def test_parse_spec__address_tokens__checksummed_and_named():
    unknown = "0x" + "ab" * 20

    raw = edit(lambda raw: raw.update(components=[
        {"token": TOKENS["WBTC"].lower(), "weight": 5_000}, {"token": unknown, "weight": 5_000},
    ]))  # fmt: skip
    spec = parse(raw)

    assert spec.components[0].token == TOKENS["WBTC"]
    assert spec.components[0].symbol == "WBTC"
    assert spec.components[1].token == to_checksum_address(unknown)
    assert spec.components[1].symbol == to_checksum_address(unknown)


def test_parse_spec__explicit_units__kept_and_no_share_value():
    def units(raw):
        del raw["share_value_usd"]
        raw["components"][0]["unit"] = 3 * ONE // 1_000
        raw["components"][1]["unit"] = 4_000_000

    spec = parse(edit(units))

    assert [component.unit for component in spec.components] == [3 * ONE // 1_000, 4_000_000]
    assert spec.share_value_usd is None


def test_parse_spec__zero_guardian_and_address_roles__accepted():
    def roles(raw):
        raw["roles"].update(guardian=ZERO_ADDRESS, governance="0x" + "ab" * 20, strategist="keeper")

    spec = parse(edit(roles))

    assert spec.guardian == ZERO_ADDRESS
    assert spec.governance == to_checksum_address("0x" + "ab" * 20)
    assert spec.strategist == ACCOUNTS["keeper"]


def test_parse_spec__momentum_options__kept_with_stablecoin_symbol():
    raw = edit(lambda raw: raw.update(strategy={
        "name": "momentum", "stablecoin": TOKENS["USDC"].lower(), "fast": 10, "slow": 30, "rsi_period": 7,
        "rsi_high": 80, "rsi_low": 20, "risk_off": 9_000,
    }))  # fmt: skip

    spec = parse(raw)

    assert spec.strategy == {
        "name": "momentum", "stablecoin": "USDC", "fast": 10, "slow": 30, "rsi_period": 7, "rsi_high": 80,
        "rsi_low": 20, "risk_off": 9_000,
    }  # fmt: skip


def test_parse_spec__market_cap_cap_just_enough__accepted():
    raw = edit(lambda raw: raw.update(strategy={"name": "market-cap", "top_n": 10, "cap": 5_000, "market_caps": "x"}))

    assert parse(raw).strategy == {"name": "market-cap", "top_n": 10, "cap": 5_000, "market_caps": "x"}


def test_parse_spec__strategy_names__match_the_keeper():
    assert set(STRATEGY_OPTIONS) == set(STRATEGIES)


# --- parse_spec: every rejection --------------------------------------------------------------------------------


def _components(*entries):
    return lambda raw: raw.update(components=list(entries))


def _set(section, **values):
    return lambda raw: raw.setdefault(section, {}).update(values)


def _component(i, **values):
    return lambda raw: raw["components"][i].update(values)


def _delete(*keys):
    def change(raw):
        target = raw
        for key in keys[:-1]:
            target = target[key]
        del target[keys[-1]]

    return change


def _both(first, second):
    return lambda raw: (first(raw), second(raw))


def _units(first, second):
    return _both(_component(0, unit=first), _component(1, unit=second))


_CHECKSUMMED = to_checksum_address("0x" + "ab" * 20)
BAD_CHECKSUM = _CHECKSUMMED[:2] + _CHECKSUMMED[2].swapcase() + _CHECKSUMMED[3:]  # one letter's case flipped
NINE = [f"0x{i:040x}" for i in range(1, 10)]
REJECTIONS = [
    # top level
    ("unknown_field", lambda raw: raw.update(colour="red"),
     ("spec.colour: unknown field (expected one of name, symbol, components, share_value_usd, fees, roles, "
     "timelock_delay, limits, adapters, strategy, compliance)")),
    ("missing_name", _delete("name"), "name: required field is missing"),
    ("missing_roles", _delete("roles"), "roles: required field is missing"),
    ("missing_timelock", _delete("timelock_delay"), "timelock_delay: required field is missing"),
    # name and symbol
    ("long_name", lambda raw: raw.update(name="N" * 26),
     f"name: {'N' * 26!r} is 26 characters long, above the vault's limit of 25"),
    ("long_utf8_name", lambda raw: raw.update(name="é" * 13),
     f"name: {'é' * 13!r} is 26 bytes of UTF-8 long, above the vault's limit of 25"),
    ("empty_name", lambda raw: raw.update(name=""), "name: must not be empty"),
    ("boolean_name", lambda raw: raw.update(name=True), f"name: expected text, got {BOOLEAN}"),
    ("long_symbol", lambda raw: raw.update(symbol="TOOLONG"),
     "symbol: 'TOOLONG' is 7 characters long, above the vault's limit of 5"),
    ("lowercase_symbol", lambda raw: raw.update(symbol="ti"), "symbol: 'ti' may use only A-Z and 0-9"),
    ("empty_symbol", lambda raw: raw.update(symbol=""), "symbol: must not be empty"),
    ("number_symbol", lambda raw: raw.update(symbol=12345), "symbol: expected text, got the number 12345"),
    # components
    ("components_mapping", lambda raw: raw.update(components={"token": "WETH"}),
     "components: expected a list of components, got a mapping"),
    ("no_components", _components(), "components: must list at least one component"),
    ("component_unknown_field", _component(0, colour="red"),
     "components[0].colour: unknown field (expected one of token, weight, min_weight, max_weight, unit)"),
    ("component_not_mapping", _components("WETH"),
     "components[0]: expected a mapping of fields (token, weight, min_weight, max_weight, unit), got 'WETH'"),
    ("missing_weight", _delete("components", 1, "weight"), "components[1].weight: required field is missing"),
    ("unknown_symbol", _component(1, token="XYZ"),
     f"components[1].token: unknown symbol 'XYZ' (known: {KNOWN_SYMBOLS})"),
    ("short_address", _component(1, token="0x1234"),
     "components[1].token: '0x1234' is not an address (0x and 40 hex digits)"),
    ("bad_checksum", _component(1, token=BAD_CHECKSUM),
     f"components[1].token: {BAD_CHECKSUM!r} has a bad EIP-55 checksum (a typo?)"),
    ("integer_address", _component(1, token=0x1234),
     "components[1].token: expected text, got the number 4660"),
    ("zero_address_token", _component(1, token=ZERO_ADDRESS),
     "components[1].token: the zero address cannot be a component"),
    ("duplicate_symbol", _component(1, token="WETH"), "components[1].token: duplicate of components[0] (WETH)"),
    ("duplicate_via_address", _component(1, token=TOKENS["WETH"].lower()),
     "components[1].token: duplicate of components[0] (WETH)"),
    ("boolean_weight", _component(0, weight=True), f"components[0].weight: expected a whole number, got {BOOLEAN}"),
    ("negative_weight", _component(0, weight=-1), "components[0].weight: must not be negative, got -1"),
    ("fractional_weight", _component(0, weight=Decimal("60.5")),
     "components[0].weight: expected a whole number, got the number 60.5"),
    ("text_weight", _component(0, weight="6000"), "components[0].weight: expected a whole number, got '6000'"),
    ("weight_above_all", _component(0, weight=10_001),
     "components[0].weight: 10001 bps is above 10000 (the whole index)"),
    ("max_weight_above_all", _component(0, max_weight=10_001),
     "components[0].max_weight: 10001 bps is above 10000 (the whole index)"),
    ("min_above_max", _component(0, min_weight=5_000, max_weight=4_000),
     "components[0].min_weight: 5000 bps is above max_weight 4000"),
    ("weight_above_max", _component(0, max_weight=5_000),
     "components[0].weight: 6000 bps is outside its bounds [0, 5000]"),
    ("weight_below_min", _component(1, min_weight=4_001),
     "components[1].weight: 4000 bps is outside its bounds [4001, 10000]"),
    ("weights_short", _component(1, weight=3_999), "components: weights sum to 9999 bps, not 10000"),
    ("weights_over", _component(1, weight=4_001), "components: weights sum to 10001 bps, not 10000"),
    # units and share value
    ("partial_units", _both(_delete("share_value_usd"), _component(0, unit=ONE)),
     "components[1].unit: missing: give every component a unit, or none and a share_value_usd"),
    ("zero_unit", _both(_delete("share_value_usd"), _units(0, 1)),
     "components[0].unit: must be at least 1: the vault holds some of every component"),
    ("unit_above_max", _both(_delete("share_value_usd"), _units(MAX_UNIT + 1, 1)),
     f"components[0].unit: {MAX_UNIT + 1} is above the vault's maximum of 2**88-1"),
    ("units_and_share_value", _units(1, 1),
     "share_value_usd: give either a share_value_usd or a unit for every component, not both"),
    ("no_units_no_share_value", _delete("share_value_usd"),
     "share_value_usd: required when the components have no unit"),
    ("zero_share_value", lambda raw: raw.update(share_value_usd=0), "share_value_usd: must be positive, got 0"),
    ("negative_share_value", lambda raw: raw.update(share_value_usd=Decimal("-5.5")),
     "share_value_usd: must be positive, got -5.5"),
    ("share_value_beyond_wei", lambda raw: raw.update(share_value_usd=Decimal("1e-19")),
     "share_value_usd: 1E-19 has more than 18 decimal places"),
    ("text_share_value", lambda raw: raw.update(share_value_usd="100"),
     "share_value_usd: expected a number of USD, got '100'"),
    ("boolean_share_value", lambda raw: raw.update(share_value_usd=True),
     f"share_value_usd: expected a number of USD, got {BOOLEAN}"),
    ("zero_weight_with_share_value", _both(_component(0, weight=0), _component(1, weight=10_000)),
     ("components[0].weight: 0 bps gives a zero unit, and the vault holds some of every component: give every "
     "component an explicit unit instead of a share_value_usd, or a weight above 0")),
    # fees
    ("mint_fee_above_cap", _set("fees", mint=150), "fees.mint: 150 bps is above the vault's cap of 100"),
    ("redeem_fee_above_cap", _set("fees", redeem=101), "fees.redeem: 101 bps is above the vault's cap of 100"),
    ("management_fee_above_cap", _set("fees", management=501),
     "fees.management: 501 bps is above the vault's cap of 500"),
    ("negative_fee", _set("fees", mint=-1), "fees.mint: must not be negative, got -1"),
    ("unknown_fee", _set("fees", performance=10),
     "fees.performance: unknown field (expected one of management, mint, redeem)"),
    ("fees_list", lambda raw: raw.update(fees=[10, 10, 10]),
     "fees: expected a mapping of fields (management, mint, redeem), got a list"),
    # roles
    ("missing_governance", _delete("roles", "governance"), "roles.governance: required field is missing"),
    ("missing_guardian", _delete("roles", "guardian"), "roles.guardian: required field is missing"),
    ("unknown_role", _set("roles", owner="dao"),
     "roles.owner: unknown field (expected one of governance, guardian, fee_recipient, strategist, keepers)"),
    ("unknown_account", _set("roles", governance="treasury"),
     "roles.governance: unknown account 'treasury' (known: deployer, dao, keeper)"),
    ("zero_governance", _set("roles", governance=ZERO_ADDRESS), "roles.governance: the zero address cannot govern"),
    ("zero_fee_recipient", _set("roles", fee_recipient=ZERO_ADDRESS),
     "roles.fee_recipient: the zero address cannot receive fees"),
    ("integer_role", _set("roles", guardian=0xDEAD),
     "roles.guardian: expected a 0x address as text, got a number (quote the address)"),
    ("bad_role_address", _set("roles", strategist="0xnothex"),
     "roles.strategist: '0xnothex' is not an address (0x and 40 hex digits)"),
    ("keepers_text", _set("roles", keepers="keeper"), "roles.keepers: expected a list of accounts, got 'keeper'"),
    ("too_many_keepers", _set("roles", keepers=NINE),
     "roles.keepers: 9 keepers, above the factory's limit of 8 (governance can add more later)"),
    ("zero_keeper", _set("roles", keepers=[ZERO_ADDRESS]), "roles.keepers[0]: the zero address cannot be a keeper"),
    ("duplicate_keeper", _set("roles", keepers=["keeper", ACCOUNTS["keeper"].lower()]),
     "roles.keepers[1]: duplicate of roles.keepers[0]"),
    ("unknown_keeper", _set("roles", keepers=["bot"]),
     "roles.keepers[0]: unknown account 'bot' (known: deployer, dao, keeper)"),
    # timelock
    ("short_timelock", lambda raw: raw.update(timelock_delay="12h"),
     "timelock_delay: 12h is below the timelock's minimum of 1d"),
    ("long_timelock", lambda raw: raw.update(timelock_delay="31d"),
     "timelock_delay: 31d is above the timelock's maximum of 30d"),
    ("timelock_one_second_short", lambda raw: raw.update(timelock_delay=86_399),
     "timelock_delay: 86399s is below the timelock's minimum of 1d"),
    ("timelock_in_words", lambda raw: raw.update(timelock_delay="2 weeks"),
     "timelock_delay: expected seconds or a duration such as 90s, 15m, 1h or 2d, got '2 weeks'"),
    ("negative_timelock", lambda raw: raw.update(timelock_delay=-5), "timelock_delay: must not be negative, got -5"),
    ("boolean_timelock", lambda raw: raw.update(timelock_delay=True),
     f"timelock_delay: expected seconds or a duration such as 90s, 15m, 1h or 2d, got {BOOLEAN}"),
    # limits
    ("slippage_above_cap", _set("limits", max_slippage=1_001),
     "limits.max_slippage: 1001 bps is above the policy's cap of 1000"),
    ("zero_max_trade", _set("limits", max_trade=0),
     "limits.max_trade: 0 bps would forbid every trade; give 1 to 10000"),
    ("max_trade_above_all", _set("limits", max_trade=10_001),
     "limits.max_trade: 10001 bps is above the policy's cap of 10000"),
    ("nav_loss_above_cap", _set("limits", max_nav_loss=501),
     "limits.max_nav_loss: 501 bps is above the policy's cap of 500"),
    ("tolerance_above_cap", _set("limits", tolerance=1_001),
     "limits.tolerance: 1001 bps is above the policy's cap of 1000"),
    ("target_step_above_all", _set("limits", target_step=10_001),
     "limits.target_step: 10001 bps is above the policy's cap of 10000"),
    ("cooldown_above_cap", _set("limits", cooldown="31d"), "limits.cooldown: 31d is above the policy's cap of 30d"),
    ("target_period_above_cap", _set("limits", target_period="366d"),
     "limits.target_period: 366d is above the policy's cap of 365d"),
    ("negative_cooldown", _set("limits", cooldown="-1h"), "limits.cooldown: must not be negative, got '-1h'"),
    ("cooldown_below_floor", _set("limits", cooldown=899), "limits.cooldown: 899s is below the policy's floor of 15m"),
    ("zero_cooldown", _set("limits", cooldown=0), "limits.cooldown: 0s is below the policy's floor of 15m"),
    ("loss_budget_above_cap", _set("limits", loss_budget=501),
     "limits.loss_budget: 501 bps is above the policy's cap of 500"),
    ("boolean_limit", _set("limits", tolerance=True), f"limits.tolerance: expected a whole number, got {BOOLEAN}"),
    ("unknown_limit", _set("limits", slippage=100),
     ("limits.slippage: unknown field (expected one of max_slippage, max_trade, max_nav_loss, tolerance, cooldown, "
     "target_step, target_period, loss_budget)")),
    # adapters
    ("unknown_adapter", lambda raw: raw.update(adapters=["sushiswap"]),
     "adapters[0]: unknown adapter 'sushiswap' (known: uniswap_v2, curve)"),
    ("duplicate_adapter", lambda raw: raw.update(adapters=["curve", "curve"]), "adapters[1]: duplicate of adapters[0]"),
    ("adapters_text", lambda raw: raw.update(adapters="curve"),
     "adapters: expected a list of adapter names, got 'curve'"),
    ("too_many_adapters", lambda raw: raw.update(adapters=["curve"] * 9),
     "adapters: 9 adapters, above the factory's limit of 8"),
    # strategy
    ("strategy_text", lambda raw: raw.update(strategy="momentum"),
     "strategy: expected a mapping with a name (governance | equal-weight | market-cap | momentum), got 'momentum'"),
    ("strategy_without_name", lambda raw: raw.update(strategy={"fast": 10}),
     "strategy.name: required field is missing"),
    ("unknown_strategy", lambda raw: raw.update(strategy={"name": "hodl"}),
     "strategy.name: unknown strategy 'hodl' (known: governance, equal-weight, market-cap, momentum)"),
    ("option_of_another_strategy", lambda raw: raw.update(strategy={"name": "governance", "fast": 10}),
     "strategy.fast: unknown field (expected one of name)"),
    ("momentum_without_stablecoin", lambda raw: raw.update(strategy={"name": "momentum"}),
     "strategy.stablecoin: required field is missing"),
    ("stablecoin_not_a_component", lambda raw: raw.update(strategy={"name": "momentum", "stablecoin": "LINK"}),
     "strategy.stablecoin: 'LINK' is not a component (components: WETH, USDC)"),
    ("fast_not_below_slow", lambda raw: raw.update(
        strategy={"name": "momentum", "stablecoin": "USDC", "fast": 50, "slow": 20}),
     "strategy: the fast average must be shorter than the slow one, got 50 and 20 days"),
    ("rsi_levels_crossed", lambda raw: raw.update(
        strategy={"name": "momentum", "stablecoin": "USDC", "rsi_low": 80, "rsi_high": 70}),
     "strategy: RSI levels must satisfy 0 <= low <= high <= 100, got 80 and 70"),
    ("risk_off_above_all", lambda raw: raw.update(
        strategy={"name": "momentum", "stablecoin": "USDC", "risk_off": 10_001}),
     "strategy.risk_off: 10001 bps is above 10000 (the whole index)"),
    ("negative_fast", lambda raw: raw.update(strategy={"name": "momentum", "stablecoin": "USDC", "fast": -1}),
     "strategy.fast: must not be negative, got -1"),
    ("cap_too_small", lambda raw: raw.update(strategy={"name": "market-cap", "cap": 4_000}),
     "strategy.cap: 2 components capped at 4000 bps each cannot add up to 10000 bps"),
    ("zero_cap", lambda raw: raw.update(strategy={"name": "market-cap", "cap": 0}),
     "strategy.cap: must be at least 1 bps"),
    ("zero_top_n", lambda raw: raw.update(strategy={"name": "market-cap", "top_n": 0}),
     "strategy.top_n: must be at least 1"),
    ("empty_market_caps", lambda raw: raw.update(strategy={"name": "market-cap", "market_caps": " "}),
     "strategy.market_caps: must name a JSON file or an http(s) URL"),
]  # fmt: skip


@pytest.mark.parametrize(("change", "message"), [case[1:] for case in REJECTIONS], ids=[c[0] for c in REJECTIONS])
def test_parse_spec__invalid_field__raises_with_field_path(change, message):
    with pytest.raises(SpecError, match=exactly(message)):
        parse(edit(change))


def test_parse_spec__top_level_not_a_mapping__raises():
    with pytest.raises(SpecError, match=exactly(
        "spec: expected a mapping of fields (name, symbol, components, share_value_usd, fees, roles, timelock_delay, "
        "limits, adapters, strategy, compliance), got a list"
    )):  # fmt: skip
        parse([minimal()])


def test_parse_spec__thirty_three_components__raises():
    tokens = {f"T{i}": f"0x{0x2000 + i:040x}" for i in range(MAX_COMPONENTS + 1)}
    raw = edit(lambda raw: raw.update(components=[{"token": symbol, "weight": 0} for symbol in tokens]))

    with pytest.raises(SpecError, match=exactly("components: 33 components, above the vault's limit of 32")):
        parse(raw, tokens=tokens)


def test_parse_spec__nine_deployment_adapters_by_default__raises():
    adapters = {f"a{i}": f"0x{0x3000 + i:040x}" for i in range(9)}

    with pytest.raises(SpecError, match=exactly(
        "adapters: the deployment has 9 adapters, above the factory's limit of 8: list the ones this index uses"
    )):  # fmt: skip
        parse(minimal(), adapters=adapters)


def test_parse_spec__no_accounts_known__says_none():
    with pytest.raises(SpecError, match=exactly("roles.governance: unknown account 'dao' (known: none)")):
        parse(minimal(), accounts={})


# --- parse_duration ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "seconds"),
    [(0, 0), (90, 90), ("90", 90), ("90s", 90), ("15m", 900), ("1h", 3_600), ("2d", 172_800), (" 2 d ", 172_800),
     ("1_000s", 1_000)],
)  # fmt: skip
def test_parse_duration__seconds_or_unit__seconds(value, seconds):
    assert parse_duration(value, "limits.cooldown") == seconds


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2w", "expected seconds or a duration such as 90s, 15m, 1h or 2d, got '2w'"),
        ("1.5h", "expected seconds or a duration such as 90s, 15m, 1h or 2d, got '1.5h'"),
        (Decimal("1.5"), "expected seconds or a duration such as 90s, 15m, 1h or 2d, got the number 1.5"),
        (None, "expected seconds or a duration such as 90s, 15m, 1h or 2d, got nothing"),
        (-1, "must not be negative, got -1"),
        ("-2d", "must not be negative, got '-2d'"),
    ],
)
def test_parse_duration__not_a_duration__raises(value, message):
    with pytest.raises(SpecError, match=exactly(f"limits.cooldown: {message}")):
        parse_duration(value, "limits.cooldown")


# --- load_spec --------------------------------------------------------------------------------------------------


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "spec.yaml"
    path.write_text(text)
    return path


def test_load_spec__bad_indentation__reports_line_and_column(tmp_path):
    path = write(tmp_path, "name: Test\nsymbol: TI\n  components: []\n")

    with pytest.raises(SpecError, match=exactly(f"{path}:3:13: bad YAML: mapping values are not allowed here")):
        load_spec(path)


def test_load_spec__unclosed_list__reports_line_and_column(tmp_path):
    path = write(tmp_path, "adapters: [uniswap_v2\nname: Test\n")

    with pytest.raises(SpecError, match=exactly(
        f"{path}:2:5: bad YAML: expected ',' or ']', but got ':' (while parsing a flow sequence)"
    )):  # fmt: skip
        load_spec(path)


def test_load_spec__duplicate_key__reports_its_line(tmp_path):
    path = write(tmp_path, "name: Test\nsymbol: TI\nname: Other\n")

    with pytest.raises(SpecError, match=exactly(
        f"{path}:3:1: bad YAML: found duplicate key 'name' (while reading a mapping)"
    )):  # fmt: skip
        load_spec(path)


@pytest.mark.parametrize(("text", "got"), [("- a\n- b\n", "a list"), ("", "nothing"), ("just text\n", "'just text'")])
def test_load_spec__top_level_not_a_mapping__raises(tmp_path, text, got):
    path = write(tmp_path, text)

    with pytest.raises(SpecError, match=exactly(
        f"{path}: the top level must be a mapping of fields (name, symbol, ...), got {got}"
    )):  # fmt: skip
        load_spec(path)


def test_load_spec__missing_file__raises(tmp_path):
    with pytest.raises(SpecError, match=exactly(f"{tmp_path / 'nope.yaml'}: no such file")):
        load_spec(tmp_path / "nope.yaml")


def test_load_spec__numbers_and_addresses__read_as_written(tmp_path):
    address = TOKENS["WBTC"]
    path = write(tmp_path, f"a: {address}\nb: 0755\nc: 1:30\nd: 1_000\ne: 99.5\nf: yes\ng: -3\nh: 2d\n")

    assert load_spec(path) == {
        "a": address, "b": "0755", "c": "1:30", "d": 1_000, "e": Decimal("99.5"), "f": True, "g": -3, "h": "2d",
    }  # fmt: skip


def test_load_spec__unquoted_address_token__parses(tmp_path):
    path = write(tmp_path, (
        "name: T\nsymbol: T\nshare_value_usd: 0.5\ntimelock_delay: 86400\n"
        f"components:\n  - {{token: {TOKENS['WBTC']}, weight: 10000}}\n"
        f"roles: {{governance: {ACCOUNTS['dao']}, guardian: deployer, fee_recipient: dao}}\n"
    ))  # fmt: skip

    spec = parse(load_spec(path))

    assert spec.components[0].token == TOKENS["WBTC"]
    assert spec.share_value_usd == ONE // 2
    assert spec.governance == ACCOUNTS["dao"]


def test_load_spec__yes_as_weight__rejected_by_parse(tmp_path):
    path = write(tmp_path, "components:\n  - {token: WETH, weight: yes}\n")
    raw = {**minimal(), **load_spec(path)}

    with pytest.raises(SpecError, match=exactly(f"components[0].weight: expected a whole number, got {BOOLEAN}")):
        parse(raw)


# --- create_vault_args ------------------------------------------------------------------------------------------


def _vyper_fields(source: str, header: str) -> list[str]:
    """The parameter or field names after `header` in a Vyper file, up to the closing line."""
    body = source.split(header, 1)[1]
    body = body.split("\n)", 1)[0] if header.startswith("def ") else body.split("\n\n", 1)[0]
    return re.findall(r"^\s+(\w+):", body, flags=re.MULTILINE)


def test_create_vault_args__momentum__factory_order_and_shapes():
    spec = parse(load_spec(EXAMPLES / "momentum.yaml"))
    units = units_for(spec, *prices_and_decimals(spec))
    oracle = "0x" + "0c" * 20

    args = create_vault_args(spec, units, oracle)

    tokens = [TOKENS[symbol] for symbol in ("USDC", "WETH", "WBTC", "LINK")]
    deployer, keeper = ACCOUNTS["deployer"], ACCOUNTS["keeper"]
    assert args == (
        "Majors Momentum", "MMOM", tokens, units, deployer, deployer, deployer, 100, 10, 10, 2 * DAY,
        (
            to_checksum_address(oracle), keeper, [keeper], [ADAPTERS["uniswap_v2"]],
            [1_000, 3_000, 3_000, 3_000], [0, 0, 0, 0], [10_000, 4_000, 4_000, 4_000],
            (100, 2_500, 50, 50, 900, 5_000, DAY, 60),
        ),
    )  # fmt: skip


def test_create_vault_args__layout__matches_the_contracts():
    factory = (ROOT / "contracts" / "VaultFactory.vy").read_text()
    params = (ROOT / "contracts" / "modules" / "vault_params.vy").read_text()
    spec = parse(minimal())

    args = create_vault_args(spec, [1, 1], "0x" + "0c" * 20)

    assert _vyper_fields(factory, "def create_vault(") == [
        "name", "symbol", "components", "units", "governance", "guardian", "fee_recipient", "management_fee",
        "mint_fee", "redeem_fee", "timelock_delay", "rebalancing",
    ]  # fmt: skip
    assert len(args) == 12
    assert _vyper_fields(params, "struct PolicyParams:") == [
        "oracle", "strategist", "keepers", "adapters", "targets", "min_weights", "max_weights", "limits",
    ]  # fmt: skip
    assert len(args[-1]) == 8
    assert _vyper_fields(params, "struct Limits:") == list(LIMIT_FIELDS)
    assert tuple(DEFAULT_LIMITS) == LIMIT_FIELDS


def test_create_vault_args__unit_count_mismatch__raises_value_error():
    with pytest.raises(ValueError, match=exactly("expected 2 units, got 1")):
        create_vault_args(parse(minimal()), [1], "0x" + "0c" * 20)


def test_create_vault_args__zero_unit__raises():
    with pytest.raises(SpecError, match=exactly("components[1].unit: 0 is outside the vault's range 1..2**88-1")):
        create_vault_args(parse(minimal()), [1, 0], "0x" + "0c" * 20)


def test_create_vault_args__bad_oracle__raises():
    with pytest.raises(SpecError, match=exactly("oracle: '0x0c' is not an address (0x and 40 hex digits)")):
        create_vault_args(parse(minimal()), [1, 1], "0x0c")


# --- The contracts' limits ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("contract", "constant", "value"),
    [
        ("IndexVault.vy", "MAX_COMPONENTS", MAX_COMPONENTS),
        ("IndexVault.vy", "MAX_UNIT", MAX_UNIT),
        ("IndexVault.vy", "MAX_MANAGEMENT_FEE", MAX_MANAGEMENT_FEE),
        ("IndexVault.vy", "MAX_MINT_FEE", MAX_MINT_FEE),
        ("IndexVault.vy", "MAX_REDEEM_FEE", MAX_REDEEM_FEE),
        ("RebalancePolicy.vy", "MAX_SLIPPAGE", MAX_SLIPPAGE),
        ("RebalancePolicy.vy", "MAX_NAV_LOSS", MAX_NAV_LOSS),
        ("RebalancePolicy.vy", "MAX_TOLERANCE", MAX_TOLERANCE),
        ("RebalancePolicy.vy", "MAX_COOLDOWN", MAX_COOLDOWN),
        ("RebalancePolicy.vy", "MIN_COOLDOWN", MIN_COOLDOWN),
        ("RebalancePolicy.vy", "MAX_LOSS_BUDGET", MAX_LOSS_BUDGET),
        ("RebalancePolicy.vy", "MAX_TARGET_PERIOD", MAX_TARGET_PERIOD),
        ("modules/timelock.vy", "MIN_DELAY", MIN_DELAY),
        ("modules/timelock.vy", "MAX_DELAY", MAX_DELAY),
        ("modules/vault_params.vy", "MAX_INITIAL_ROLES", MAX_INITIAL_ROLES),
    ],
)
def test_spec_limits__each_constant__equals_the_contracts(contract, constant, value):
    source = (ROOT / "contracts" / contract).read_text()
    match = re.search(rf"^{constant}: (?:public\()?constant\(uint256\)\)? = ([0-9_*+\- ]+)", source, re.MULTILINE)

    assert match, f"{constant} not found in {contract}"
    # The right-hand sides are plain integer arithmetic (digits, _, *, +, -), checked by the pattern above.
    assert eval(match[1]) == value
