"""Target-weight strategies and their integer helpers: hand-computed cases, each beside its failing twin, and
Hypothesis properties of clamp_to_policy, normalize and the market-cap capping against plain-Python references."""

import http.server
import json
import re
import socket
import subprocess
import sys
import threading

import pytest
from hypothesis import example, given, note
from hypothesis import strategies as st

from keeper.state import BPS, ONE
from keeper.strategies import (
    STRATEGIES,
    EqualWeight,
    GovernanceTargets,
    HttpMarketCaps,
    MarketCapTopN,
    Momentum,
    StaticMarketCaps,
    StrategyError,
    StrategyInput,
    cap_weights,
    clamp_to_policy,
    normalize,
    rsi_bps,
    trend_up,
)

DAY = 86_400
START = 1_700_006_400  # a UTC midnight (2023-11-15)
SYMBOLS = ("USDC", "WETH", "WBTC")


def make_input(current=(0, 5_000, 5_000), history=None, symbols=SYMBOLS, now=None, bounds=None) -> StrategyInput:
    """A StrategyInput for `symbols` (addresses stand in as the symbols), bounds 0..10 000 unless given."""
    history = history or {}
    if now is None:
        now = max((points[-1][0] for points in history.values() if points), default=START)
    lows, highs = zip(*(bounds or [(0, BPS)] * len(symbols)))
    return StrategyInput(symbols, symbols, tuple(current), lows, highs, history, now)


def points(closes: list[int], start: int = START) -> list[tuple[int, int]]:
    """(timestamp, price) at consecutive UTC midnights from `start`."""
    return [(start + day * DAY, close) for day, close in enumerate(closes)]


def walk(start: int, moves_ppm: list[int]) -> list[int]:
    """Prices from `start` (18 decimals), each day moved by the next change in parts per million."""
    prices = [start]
    for move in moves_ppm:
        prices.append(prices[-1] * (1_000_000 + move) // 1_000_000)
    return prices


def noisy_rise(start: int, days: int) -> list[int]:
    """Up 2 %, down 1 %, repeated: a clear up-trend with an RSI near 66 (neither overbought nor oversold)."""
    return walk(start, [20_000 if day % 2 == 0 else -10_000 for day in range(days - 1)])


def crash(start: int, days: int) -> list[int]:
    """Down 3 % every day."""
    return walk(start, [-30_000] * (days - 1))


# --- normalize ----------------------------------------------------------------------------------------------------


def test_normalize__three_equal_scores__extra_bps_to_the_first():
    assert normalize([1, 1, 1]) == (3_334, 3_333, 3_333)


def test_normalize__one_to_two__largest_remainder_gets_the_bps():
    # 3 333.33 and 6 666.67: floors 3 333 + 6 666, the 1 bps left goes to the larger remainder (index 1).
    assert normalize([1, 2]) == (3_333, 6_667)


def test_normalize__a_zero_score__gets_zero():
    assert normalize([0, 5]) == (0, BPS)


def test_normalize__all_zero__raises():
    with pytest.raises(StrategyError, match="all zero"):
        normalize([0, 0])


def test_normalize__negative_score__raises():
    with pytest.raises(StrategyError, match="must not be negative"):
        normalize([-1, 2])


@given(st.lists(st.integers(0, 2**256 - 1), min_size=1, max_size=12).filter(any))
@example([1])
@example([0, 1])
@example([2**256 - 1, 1])
def test_normalize__any_scores__sums_to_bps_within_one_of_exact(scores):
    weights = normalize(scores)
    assert sum(weights) == BPS
    total = sum(scores)
    for score, weight in zip(scores, weights):
        assert score * BPS // total <= weight <= score * BPS // total + 1


# --- clamp_to_policy ------------------------------------------------------------------------------------------------


def clamp_reference(current, desired, min_weights, max_weights, step) -> tuple[int, ...]:
    """Water-filling one bps at a time: start every target at its low end, then repeatedly add 1 bps to the
    component furthest below its desired weight (x - desired smallest, lowest index first) that still has room."""
    lows = [max(lo, cur - step) for lo, cur in zip(min_weights, current)]
    highs = [min(hi, cur + step) for hi, cur in zip(max_weights, current)]
    x = list(lows)
    while sum(x) < BPS:
        i = min((i for i in range(len(x)) if x[i] < highs[i]), key=lambda i: (x[i] - desired[i], i))
        x[i] += 1
    return tuple(x)


@st.composite
def policies(draw):
    """(current, desired, min_weights, max_weights, step): current targets inside their bounds, any desired."""
    n = draw(st.integers(1, 8), label="components")
    scores = draw(st.lists(st.integers(0, 1_000), min_size=n, max_size=n), label="current scores")
    scores[0] += 1
    current = normalize(scores)
    mins = [draw(st.integers(0, cur), label=f"min {i}") for i, cur in enumerate(current)]
    maxs = [draw(st.integers(cur, BPS), label=f"max {i}") for i, cur in enumerate(current)]
    desired = draw(st.lists(st.integers(0, BPS), min_size=n, max_size=n), label="desired")
    step = draw(st.integers(0, BPS), label="step")
    return current, desired, mins, maxs, step


def test_clamp_to_policy__achievable__unchanged():
    current = (2_000,) * 5
    desired = (2_500, 1_500, 2_000, 2_000, 2_000)
    assert clamp_to_policy(current, desired, (0,) * 5, (BPS,) * 5, 500) == desired


def test_clamp_to_policy__step_too_small__spreads_the_shortfall_evenly():
    # Boxes [1 500, 2 500]: the first takes 2 500, the other four share 7 500 equally.
    current = (2_000,) * 5
    result = clamp_to_policy(current, (BPS, 0, 0, 0, 0), (0,) * 5, (BPS,) * 5, 500)
    assert result == (2_500, 1_875, 1_875, 1_875, 1_875)


def test_clamp_to_policy__uneven_shortfall__last_bps_to_lowest_index():
    # Step 101: the first takes 3 435, the others need 6 565 between them: 3 282 each plus 1 bps to index 1.
    result = clamp_to_policy((3_334, 3_333, 3_333), (BPS, 0, 0), (0,) * 3, (BPS,) * 3, 101)
    assert result == (3_435, 3_283, 3_282)


def test_clamp_to_policy__desired_outside_bounds__stops_at_the_bounds():
    assert clamp_to_policy((5_000, 5_000), (BPS, 0), (0, 2_000), (8_000, BPS), BPS) == (8_000, 2_000)


def test_clamp_to_policy__lowest_sum_above_bps__raises():
    with pytest.raises(StrategyError) as raised:
        clamp_to_policy((5_000, 5_000), (5_000, 5_000), (6_000, 5_000), (BPS, BPS), 2_000)
    assert str(raised.value) == (
        "no targets summing to 10000 fit the bounds and step this period: the lowest allowed sum is 11000 and the "
        "highest 14000"
    )


def test_clamp_to_policy__target_further_than_step_from_bounds__raises():
    with pytest.raises(StrategyError, match=re.escape("component 0 cannot move: its target 5000 is more than")):
        clamp_to_policy((5_000, 5_000), (5_000, 5_000), (6_000, 0), (BPS, BPS), 500)


def test_clamp_to_policy__length_mismatch__raises():
    with pytest.raises(StrategyError, match="one entry per component"):
        clamp_to_policy((5_000, 5_000), (BPS,), (0, 0), (BPS, BPS), 500)


@given(policies())
@example(((BPS,), [0], [0], [BPS], 0))
@example(((BPS, 0), [0, BPS], [0, 0], [BPS, BPS], 1))
@example(((BPS, 0), [0, BPS], [0, 0], [BPS, BPS], BPS))
def test_clamp_to_policy__any_policy__sums_to_bps_inside_box_matching_reference(policy):
    current, desired, mins, maxs, step = policy
    result = clamp_to_policy(current, desired, mins, maxs, step)
    note(f"result {result}")
    assert sum(result) == BPS
    for cur, got, lo, hi in zip(current, result, mins, maxs):
        assert max(lo, cur - step) <= got <= min(hi, cur + step)
    assert result == clamp_reference(current, desired, mins, maxs, step)
    # Idempotent: what it returned is achievable, so asking for it again changes nothing.
    assert clamp_to_policy(current, result, mins, maxs, step) == result


# --- strategies: governance, equal weight, registry ------------------------------------------------------------------


def test_governance_targets__any_input__leaves_targets_alone():
    assert GovernanceTargets().targets(make_input(current=(2_000, 3_000, 5_000))) is None


def test_equal_weight__three_components__remainder_to_the_first():
    assert EqualWeight().targets(make_input()) == (3_334, 3_333, 3_333)


def test_equal_weight__one_component__all_of_it():
    assert EqualWeight().targets(make_input(current=(BPS,), symbols=("WETH",))) == (BPS,)


def test_strategy_input__lengths_differ__raises():
    with pytest.raises(StrategyError, match="current has 2 entries for 3 components"):
        make_input(current=(5_000, 5_000))


def test_strategies__registry__names_match_classes():
    assert list(STRATEGIES) == ["governance", "equal-weight", "market-cap", "momentum"]
    assert all(cls.name == name for name, cls in STRATEGIES.items())


def test_import__strategies_history_backtest__open_no_socket():
    code = (
        "import socket\n"
        "def refuse(*args, **kwargs): raise AssertionError('network on import')\n"
        "socket.socket.connect = socket.socket.connect_ex = socket.getaddrinfo = refuse\n"
        "import keeper.strategies, keeper.history, keeper.backtest\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


# --- market cap -----------------------------------------------------------------------------------------------------


class FixedCaps:
    """A market-cap source answering a fixed dict."""

    def __init__(self, caps):
        self.caps = caps

    def market_caps(self):
        return self.caps


def test_cap_weights__one_over_cap__excess_goes_pro_rata():
    # 6 000 / 3 000 / 1 000 -> the first capped at 5 000, the other 5 000 split 3:1.
    assert cap_weights([6, 3, 1], 5_000) == (5_000, 3_750, 1_250)


def test_cap_weights__redistribution_pushes_another_over__caps_it_too():
    # 5 000 / 3 000 / 1 000 / 1 000 -> cap the first at 3 000; 7 000 split 3:1:1 puts the second at 4 200 -> cap
    # it too; the last two share 4 000.
    assert cap_weights([50, 30, 10, 10], 3_000) == (3_000, 3_000, 2_000, 2_000)


def test_cap_weights__cap_times_count_below_bps__raises():
    with pytest.raises(StrategyError, match="4 components capped at 2000 bps each cannot add up to 10000 bps"):
        cap_weights([1, 1, 1, 1], 2_000)


@given(
    st.lists(st.integers(1, 10**30), min_size=1, max_size=12),
    st.integers(1, BPS),
)
@example([1], BPS)
@example([10**30, 1, 1, 1], 2_500)
def test_cap_weights__any_values__sum_bps_none_above_cap_order_kept(values, cap):
    cap = max(cap, -(-BPS // len(values)))  # the smallest cap that can still add up to 10 000
    weights = cap_weights(values, cap)
    assert sum(weights) == BPS
    assert max(weights) <= cap
    for i in range(len(values)):
        for j in range(len(values)):
            if values[i] > values[j]:
                assert weights[i] >= weights[j]


@given(st.lists(st.integers(1, 10**15), min_size=1, max_size=10), st.integers(1, 10), st.integers(1, BPS))
@example([5, 5, 5], 1, BPS)
def test_market_cap_top_n__any_caps__only_top_n_weighted_none_above_cap(caps, top_n, cap):
    symbols = tuple(f"T{i}" for i in range(len(caps)))
    count = min(top_n, len(caps))
    cap = max(cap, -(-BPS // count))
    strategy = MarketCapTopN(top_n=top_n, cap_bps=cap, source=FixedCaps(dict(zip(symbols, caps))))
    weights = strategy.targets(make_input(current=normalize([1] * len(caps)), symbols=symbols))
    assert sum(weights) == BPS
    assert max(weights) <= cap
    top = sorted(range(len(caps)), key=lambda i: (-caps[i], i))[:count]
    assert all(weight == 0 for i, weight in enumerate(weights) if i not in top)


def test_market_cap_top_n__top_two_uncapped__weights_by_cap():
    caps = {"USDC": 44, "WETH": 400, "WBTC": 1_850, "LINK": 13}
    strategy = MarketCapTopN(top_n=2, cap_bps=BPS, source=FixedCaps(caps))
    # 1 850 / 2 250 = 8 222.2 bps and 400 / 2 250 = 1 777.8 bps: the spare bps to WETH's larger remainder.
    data = make_input(current=(2_500,) * 4, symbols=("USDC", "WETH", "WBTC", "LINK"))
    assert strategy.targets(data) == (0, 1_778, 8_222, 0)


def test_market_cap_top_n__cap_binds__capped_and_rest_to_next():
    caps = {"USDC": 44, "WETH": 400, "WBTC": 1_850, "LINK": 13}
    strategy = MarketCapTopN(top_n=2, cap_bps=6_000, source=FixedCaps(caps))
    data = make_input(current=(2_500,) * 4, symbols=("USDC", "WETH", "WBTC", "LINK"))
    assert strategy.targets(data) == (0, 4_000, 6_000, 0)


def test_market_cap_top_n__cap_too_low_for_n__raises():
    strategy = MarketCapTopN(top_n=2, cap_bps=4_000, source=FixedCaps({"USDC": 1, "WETH": 2, "WBTC": 3}))
    with pytest.raises(StrategyError, match="2 components capped at 4000 bps each cannot add up to 10000 bps"):
        strategy.targets(make_input())


def test_market_cap_top_n__equal_caps__earlier_component_wins():
    strategy = MarketCapTopN(top_n=1, source=FixedCaps({"USDC": 5, "WETH": 5, "WBTC": 5}))
    assert strategy.targets(make_input()) == (BPS, 0, 0)


def test_market_cap_top_n__symbol_missing_from_source__raises_naming_it():
    strategy = MarketCapTopN(top_n=2, source=FixedCaps({"USDC": 1, "WETH": 2}))
    with pytest.raises(StrategyError) as raised:
        strategy.targets(make_input())
    assert str(raised.value) == "no market cap for WBTC in the market-cap source"


def test_static_market_caps__bundled_snapshot__has_the_example_symbols_and_no_notes():
    caps = StaticMarketCaps().market_caps()
    assert {"USDC", "WETH", "WBTC", "LINK", "UNI"} <= set(caps)
    assert all(not symbol.startswith("_") and isinstance(cap, int) and cap > 0 for symbol, cap in caps.items())


def test_static_market_caps__file__reads_it(tmp_path):
    path = tmp_path / "caps.json"
    path.write_text('{"_note": "test", "WETH": 400, "WBTC": 1850.75}')
    assert StaticMarketCaps(path).market_caps() == {"WETH": 400, "WBTC": 1_850}


def test_static_market_caps__bad_json__raises(tmp_path):
    path = tmp_path / "caps.json"
    path.write_text("{not json")
    with pytest.raises(StrategyError, match=f"market caps from {re.escape(str(path))} are not valid JSON"):
        StaticMarketCaps(path).market_caps()


def test_static_market_caps__negative_cap__raises(tmp_path):
    path = tmp_path / "caps.json"
    path.write_text('{"WETH": -1}')
    with pytest.raises(StrategyError, match="market cap of WETH from .* must be a positive number of USD, got -1"):
        StaticMarketCaps(path).market_caps()


def test_static_market_caps__missing_file__raises(tmp_path):
    with pytest.raises(StrategyError, match="cannot read market caps from"):
        StaticMarketCaps(tmp_path / "absent.json").market_caps()


@pytest.fixture
def caps_server():
    """A local HTTP server: /caps answers JSON caps, /bad answers text that is not JSON, anything else 404."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = {"/caps": json.dumps({"WETH": 400, "_note": "x"}), "/bad": "nope"}.get(self.path)
            self.send_response(200 if body is not None else 404)
            self.end_headers()
            self.wfile.write((body or "").encode())

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_http_market_caps__json__reads_it(caps_server):
    assert HttpMarketCaps(f"{caps_server}/caps", timeout=5).market_caps() == {"WETH": 400}


def test_http_market_caps__not_json__raises(caps_server):
    with pytest.raises(StrategyError, match="are not valid JSON"):
        HttpMarketCaps(f"{caps_server}/bad", timeout=5).market_caps()


def test_http_market_caps__not_found__raises(caps_server):
    with pytest.raises(StrategyError, match="HTTP 404"):
        HttpMarketCaps(f"{caps_server}/absent", timeout=5).market_caps()


def test_http_market_caps__server_never_answers__raises_timeout():
    # A listening socket nobody accepts from: the connection opens (backlog) but no answer ever comes.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/caps"
        with pytest.raises(StrategyError, match=re.escape(f"market caps from {url} did not arrive within 0.2 s")):
            HttpMarketCaps(url, timeout=0.2).market_caps()


# --- momentum: indicators -----------------------------------------------------------------------------------------


def test_rsi_bps__hand_example__wilder_smoothing():
    # Changes +2, -1, +2 with period 2: seed gain 1, loss 0.5; then gain (1 + 2) / 2 = 1.5, loss 0.5 / 2 = 0.25;
    # RSI = 1.5 / 1.75 = 85.714 %.
    assert rsi_bps([10 * ONE, 12 * ONE, 11 * ONE, 13 * ONE], 2) == 8_571


def test_rsi_bps__only_rises__10000():
    assert rsi_bps([1 * ONE, 2 * ONE, 3 * ONE], 2) == BPS


def test_rsi_bps__only_falls__0():
    assert rsi_bps([3 * ONE, 2 * ONE, 1 * ONE], 2) == 0


def test_rsi_bps__flat__5000():
    assert rsi_bps([ONE] * 3, 2) == 5_000


def test_rsi_bps__too_few_closes__raises():
    with pytest.raises(StrategyError, match="a 2-day RSI needs 3 closes, has 2"):
        rsi_bps([ONE, ONE], 2)


def test_trend_up__fast_mean_above_slow__true():
    # Last 2 average 3.5, last 4 average 2.5.
    assert trend_up([1, 2, 3, 4], 2, 4) is True


def test_trend_up__fast_mean_below_slow__false():
    assert trend_up([4, 3, 2, 1], 2, 4) is False


def test_trend_up__flat__false():
    assert trend_up([1, 1, 1, 1], 2, 4) is False


# --- momentum: decisions --------------------------------------------------------------------------------------------


def test_momentum__both_rising__risk_on_equal_slots():
    history = {"WETH": points(noisy_rise(2_000 * ONE, 60)), "WBTC": points(noisy_rise(30_000 * ONE, 60))}
    assert Momentum("USDC").targets(make_input(current=(BPS, 0, 0), history=history)) == (0, 5_000, 5_000)


def test_momentum__both_crashing__all_stablecoin():
    history = {"WETH": points(crash(2_000 * ONE, 60)), "WBTC": points(crash(30_000 * ONE, 60))}
    assert Momentum("USDC").targets(make_input(current=(0, 5_000, 5_000), history=history)) == (BPS, 0, 0)


def test_momentum__one_rising_one_crashing__falling_slot_to_stablecoin():
    history = {"WETH": points(noisy_rise(2_000 * ONE, 60)), "WBTC": points(crash(30_000 * ONE, 60))}
    assert Momentum("USDC").targets(make_input(current=(0, 5_000, 5_000), history=history)) == (5_000, 5_000, 0)


def test_momentum__all_down_with_risk_off_bps__floor_shared_by_risky():
    history = {"WETH": points(crash(2_000 * ONE, 60)), "WBTC": points(crash(30_000 * ONE, 60))}
    strategy = Momentum("USDC", risk_off_bps=8_000)
    assert strategy.targets(make_input(history=history)) == (8_000, 1_000, 1_000)


def test_momentum__rise_crash_recovery__risk_on_then_off_then_back():
    # 60 days up, 40 days of crash, 80 days of noisy recovery; the same prices read at three moments.
    up = noisy_rise(1_000 * ONE, 60)
    down = crash(up[-1], 41)[1:]
    back = noisy_rise(down[-1], 81)[1:]
    history = {"WETH": points(up + down + back), "WBTC": points(up + down + back)}
    strategy = Momentum("USDC")
    seen = [
        strategy.targets(make_input(current=current, history=history, now=START + day * DAY))
        for day, current in ((59, (BPS, 0, 0)), (99, (0, 5_000, 5_000)), (179, (BPS, 0, 0)))
    ]
    assert seen == [(0, 5_000, 5_000), (BPS, 0, 0), (0, 5_000, 5_000)]


def test_momentum__overbought_and_not_held__not_bought():
    # Up 1 % every day: RSI 100 %, above 70 %: an asset at 0 stays at 0, its slot stays in the stablecoin.
    rise = walk(1_000 * ONE, [10_000] * 59)
    history = {"WETH": points(rise), "WBTC": points(rise)}
    assert Momentum("USDC").targets(make_input(current=(BPS, 0, 0), history=history)) == (BPS, 0, 0)


def test_momentum__overbought_and_held__kept_not_added():
    rise = walk(1_000 * ONE, [10_000] * 59)
    history = {"WETH": points(rise), "WBTC": points(rise)}
    data = make_input(current=(6_000, 2_000, 2_000), history=history)
    assert Momentum("USDC").targets(data) == (6_000, 2_000, 2_000)


def test_momentum__exactly_enough_history__decides():
    history = {"WETH": points(crash(2_000 * ONE, 50)), "WBTC": points(crash(30_000 * ONE, 50))}
    assert Momentum("USDC").targets(make_input(history=history)) == (BPS, 0, 0)


def test_momentum__one_day_short__raises_naming_symbol_and_days():
    history = {"WETH": points(crash(2_000 * ONE, 49)), "WBTC": points(crash(30_000 * ONE, 49))}
    with pytest.raises(StrategyError) as raised:
        Momentum("USDC").targets(make_input(history=history))
    assert str(raised.value) == "momentum needs 50 days of prices for WETH, has 49"


def test_momentum__stablecoin_not_a_component__raises():
    with pytest.raises(StrategyError, match="the stablecoin DAI is not a component of this vault"):
        Momentum("DAI").targets(make_input())


def test_momentum__fast_not_shorter_than_slow__raises():
    with pytest.raises(StrategyError, match="must be shorter than the slow one, got 50 and 50 days"):
        Momentum("USDC", fast=50, slow=50)
