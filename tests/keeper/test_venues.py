"""keeper.venues: the choice between Uniswap V2 and V3 for one trade, from quotes alone (no chain), and the route
encodings each adapter takes."""

import pytest
from eth_abi import decode
from eth_utils import to_checksum_address

from keeper.state import Trade
from keeper import venues
from keeper.venues import V2, V3, Quote, best_quote, choose_route, encode_route, quotes_text

ONE = 10**18
WETH = to_checksum_address("0x" + "11" * 20)
USDC = to_checksum_address("0x" + "22" * 20)
WBTC = to_checksum_address("0x" + "33" * 20)
SYMBOLS = {WETH: "WETH", USDC: "USDC", WBTC: "WBTC"}
DECIMALS = {WETH: 18, USDC: 6, WBTC: 8}
DIRECT, VIA_WBTC = (WETH, USDC), (WETH, WBTC, USDC)
# Selling 1 WETH at $2,000 with 1 % slippage: at least 1,980 USDC.
TRADE = Trade(vault="0x" + "99" * 20, sell=WETH, buy=USDC, amount_in=ONE, min_out=1_980 * 10**6, value_in=2_000 * ONE,
              path=DIRECT)  # fmt: skip


def usdc(amount: float) -> int:
    return int(amount * 10**6)


# --- best_quote ----------------------------------------------------------------------------------------------------


def test_best_quote__v3_pays_more__picks_v3():
    quotes = [Quote(V2, DIRECT, usdc(1_990)), Quote(V3, DIRECT, usdc(1_994))]
    assert best_quote(quotes) == Quote(V3, DIRECT, usdc(1_994))


def test_best_quote__v2_pays_more__picks_v2():
    quotes = [Quote(V2, DIRECT, usdc(1_994)), Quote(V3, DIRECT, usdc(1_990))]
    assert best_quote(quotes) == Quote(V2, DIRECT, usdc(1_994))


def test_best_quote__one_wei_more_on_v3__picks_v3():
    quotes = [Quote(V2, DIRECT, usdc(1_994)), Quote(V3, DIRECT, usdc(1_994) + 1)]
    assert best_quote(quotes).venue == V3


@pytest.mark.parametrize("order", ["v2_first", "v3_first"])
def test_best_quote__equal_outputs__picks_v3_the_cheaper_adapter(order):
    quotes = [Quote(V2, DIRECT, usdc(1_994)), Quote(V3, DIRECT, usdc(1_994))]
    assert best_quote(quotes if order == "v2_first" else quotes[::-1]) == Quote(V3, DIRECT, usdc(1_994))


def test_best_quote__equal_outputs_on_different_paths__picks_the_shorter_path_whatever_the_venue():
    quotes = [Quote(V3, VIA_WBTC, usdc(1_994)), Quote(V2, DIRECT, usdc(1_994))]
    assert best_quote(quotes) == Quote(V2, DIRECT, usdc(1_994))


def test_best_quote__multi_hop_v3_pays_more_than_direct_v2__picks_the_multi_hop():
    quotes = [Quote(V2, DIRECT, usdc(1_980)), Quote(V3, VIA_WBTC, usdc(1_985))]
    assert best_quote(quotes) == Quote(V3, VIA_WBTC, usdc(1_985))


def test_best_quote__venue_without_pool__ignored():
    quotes = [Quote(V2, DIRECT, None), Quote(V3, DIRECT, usdc(1_985))]
    assert best_quote(quotes) == Quote(V3, DIRECT, usdc(1_985))


@pytest.mark.parametrize("quotes", [[], [Quote(V2, DIRECT, None), Quote(V3, DIRECT, None)]])
def test_best_quote__nothing_quoted__none(quotes):
    assert best_quote(quotes) is None


# --- choose_route: the oracle bound still decides ------------------------------------------------------------------


def test_choose_route__best_quote_clears_min_out__returns_it():
    quotes = [Quote(V2, DIRECT, usdc(1_979)), Quote(V3, DIRECT, usdc(1_980))]
    assert choose_route(TRADE, quotes, SYMBOLS, DECIMALS) == Quote(V3, DIRECT, usdc(1_980))


def test_choose_route__best_quote_one_unit_below_min_out__refused_in_words_naming_the_venue():
    quotes = [Quote(V2, DIRECT, usdc(1_970)), Quote(V3, DIRECT, usdc(1_980) - 1, (500,))]
    reason = choose_route(TRADE, quotes, SYMBOLS, DECIMALS)
    assert reason == (
        "best quote 1,979.999999 USDC via WETH -> USDC (Uniswap V3, 0.05 %) is below min_out 1,980 USDC "
        "(the oracle bound at the keeper's slippage)"
    )


def test_choose_route__v2_multi_hop_below_min_out__says_what_the_fees_take():
    reason = choose_route(TRADE, [Quote(V2, VIA_WBTC, usdc(1_900))], SYMBOLS, DECIMALS)
    assert reason.endswith("(the oracle bound at the keeper's slippage; 2 pool fees of 0.3 % take 60 bps)")
    assert "via WETH -> WBTC -> USDC is below" in reason


def test_choose_route__no_venue_quotes__refused_in_words():
    reason = choose_route(TRADE, [Quote(V2, DIRECT, None)], SYMBOLS, DECIMALS)
    assert reason == "no pool quotes WETH -> USDC on any allowed route"


@pytest.mark.parametrize("hops, bps", [(1, 30), (2, 60), (3, 90)])
def test_path_fee_bps__hops__rounded_up(hops, bps):
    assert venues.path_fee_bps(hops) == bps


# --- encodings -----------------------------------------------------------------------------------------------------


def test_encode_route__v2__abi_encoded_address_array():
    assert decode(["address[]"], encode_route(V2, VIA_WBTC)) == (tuple(t.lower() for t in VIA_WBTC),)


def test_encode_route__v3__packed_tokens_and_0_3_percent_fees():
    packed = encode_route(V3, VIA_WBTC)
    assert len(packed) == 20 + 2 * 23
    assert packed == bytes.fromhex(WETH[2:] + "000bb8" + WBTC[2:] + "000bb8" + USDC[2:])


def test_encode_route__v3_with_fees__packs_each_pools_tier():
    assert encode_route(V3, VIA_WBTC, (500, 10_000)) == bytes.fromhex(
        WETH[2:] + "0001f4" + WBTC[2:] + "002710" + USDC[2:]
    )


def test_v3_fee_choices__two_pool_path__each_tier_for_both_pools():
    assert venues.v3_fee_choices(VIA_WBTC) == [(500, 500), (3_000, 3_000), (10_000, 10_000)]


@pytest.mark.parametrize("fees, text", [((500,), "0.05 %"), ((3_000, 3_000), "0.3 %"), ((500, 10_000), "0.05 %/1 %")])
def test_fees_text__tiers__percent_once_per_distinct_tier(fees, text):
    assert venues.fees_text(fees) == text


def test_encode_route__unknown_venue__raises():
    with pytest.raises(ValueError, match="unknown venue 'v4'"):
        encode_route("v4", DIRECT)


# --- what `keeper plan` prints -------------------------------------------------------------------------------------


def test_quotes_text__both_venues_quoted__shows_each_venues_best():
    quotes = [Quote(V2, DIRECT, usdc(1_990.5)), Quote(V2, VIA_WBTC, usdc(1_980)), Quote(V3, DIRECT, None, (500,)),
              Quote(V3, DIRECT, usdc(1_994.25), (3_000,)), Quote(V3, DIRECT, usdc(1_993), (10_000,))]  # fmt: skip
    assert quotes_text(TRADE, quotes, SYMBOLS, DECIMALS) == (
        "v2 1,990.5 USDC via WETH -> USDC, v3 1,994.25 USDC via WETH -> USDC (0.3 %)"
    )


def test_quotes_text__v3_not_quoted_and_v2_without_pool__says_so():
    assert quotes_text(TRADE, [Quote(V2, DIRECT, None)], SYMBOLS, DECIMALS) == "v2 no pool, v3 not quoted"
