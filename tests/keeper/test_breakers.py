"""keeper.breakers.price_jumps: the limit itself is allowed, one bps past it (up or down) is a jump; tokens the keeper
never saw are ignored; each message names the token and the signed move in bps."""

import pytest

from keeper.breakers import price_jumps
from keeper.state import BPS, ONE, Limits, VaultState

WETH = "0x" + "11" * 20
WBTC = "0x" + "22" * 20
USDC = "0x" + "33" * 20
LIMIT = 2_500
BEFORE = 2_000 * ONE
LIMITS = Limits(max_slippage=100, max_trade=1_000, max_nav_loss=100, tolerance=10, cooldown=3_600, target_step=500,
                target_period=86_400)  # fmt: skip


def vault_state(prices: dict[str, int]) -> VaultState:
    """A vault holding `prices`' tokens, priced at `prices` (an empty dict: the oracle refused every price)."""
    tokens = (WETH, WBTC, USDC)
    return VaultState(
        vault="0x" + "aa" * 20, policy="0x" + "bb" * 20, tokens=tokens, units=(1, 1, 1), holdings=(ONE, ONE, ONE),
        targets=(3_000, 3_000, 4_000), min_weights=(0, 0, 0), max_weights=(BPS, BPS, BPS),
        prices=tuple(prices[t] for t in tokens if t in prices), decimals=(18, 8, 6), feeds=("0xf1", "0xf2", "0xf3"),
        supply=ONE, limits=LIMITS, last_rebalance=0, last_target_change=0, mint_paused=False, rebalance_paused=False,
        oracle="0x" + "cc" * 20, timestamp=1_700_000_000,
    )  # fmt: skip


def weth_at(price: int) -> VaultState:
    return vault_state({WETH: price, WBTC: 50_000 * ONE, USDC: ONE})


SEEN = {WETH: BEFORE, WBTC: 50_000 * ONE, USDC: ONE}


def message(token: str, move: int) -> str:
    return f"oracle price of {token} moved {move:+,d} bps since the keeper last saw it"


def heads(jumps: list[str]) -> list[str]:
    """Each message without its parenthesis (prices and limit), which its own test checks."""
    return [jump.split(" (")[0] for jump in jumps]


def test_price_jumps__up_exactly_the_limit__no_jump():
    assert price_jumps(weth_at(BEFORE * (BPS + LIMIT) // BPS), SEEN, LIMIT) == []


def test_price_jumps__up_one_bps_past_the_limit__jump_named_with_signed_move():
    assert heads(price_jumps(weth_at(BEFORE * (BPS + LIMIT + 1) // BPS), SEEN, LIMIT)) == [message(WETH, 2_501)]


def test_price_jumps__up_one_wei_past_the_limit__jump():
    assert heads(price_jumps(weth_at(BEFORE * (BPS + LIMIT) // BPS + 1), SEEN, LIMIT)) == [message(WETH, 2_500)]


def test_price_jumps__down_exactly_the_limit__no_jump():
    assert price_jumps(weth_at(BEFORE * (BPS - LIMIT) // BPS), SEEN, LIMIT) == []


def test_price_jumps__down_one_bps_past_the_limit__jump_named_with_negative_move():
    assert heads(price_jumps(weth_at(BEFORE * (BPS - LIMIT - 1) // BPS), SEEN, LIMIT)) == [message(WETH, -2_501)]


def test_price_jumps__unchanged_prices__no_jump():
    assert price_jumps(weth_at(BEFORE), SEEN, LIMIT) == []


def test_price_jumps__several_tokens_jump__one_message_each_in_token_order():
    state = vault_state({WETH: 3 * BEFORE, WBTC: 50_000 * ONE, USDC: ONE // 2})

    assert heads(price_jumps(state, SEEN, LIMIT)) == [message(WETH, 20_000), message(USDC, -5_000)]


def test_price_jumps__token_never_seen__ignored():
    seen = {WBTC: 50_000 * ONE, USDC: ONE}  # WETH is new to the keeper

    assert price_jumps(weth_at(10 * BEFORE), seen, LIMIT) == []


def test_price_jumps__token_seen_before__same_move_is_a_jump():
    assert heads(price_jumps(weth_at(10 * BEFORE), SEEN, LIMIT)) == [message(WETH, 90_000)]


def test_price_jumps__nothing_seen_yet__no_jump():
    assert price_jumps(weth_at(10 * BEFORE), {}, LIMIT) == []


def test_price_jumps__oracle_refused_every_price__no_jump():
    assert price_jumps(vault_state({}), SEEN, LIMIT) == []


@pytest.mark.parametrize("limit, jumps", [(0, [message(WETH, 1)]), (1, [])])
def test_price_jumps__one_bps_move__jump_only_under_a_zero_limit(limit, jumps):
    assert heads(price_jumps(weth_at(BEFORE * (BPS + 1) // BPS), SEEN, limit)) == jumps


def test_price_jumps__symbols_given__names_the_symbol_with_both_prices_in_dollars_and_the_limit():
    jumps = price_jumps(weth_at(BEFORE * 13 // 10), SEEN, LIMIT, {WETH: "WETH"})

    assert jumps == [
        "oracle price of WETH moved +3,000 bps since the keeper last saw it ($2,000.00 -> $2,600.00; limit 2,500 bps)"
    ]
