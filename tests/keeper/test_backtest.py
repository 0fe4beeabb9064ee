"""Backtest: CSV loading with line-numbered errors, hand-computed runs, the metrics, the table, the example file."""

import importlib.util
import itertools
from pathlib import Path

import pytest

from keeper.backtest import (
    REFERENCE,
    BacktestError,
    BacktestResult,
    annualised_volatility_bps,
    buy_and_hold,
    format_results,
    load_prices,
    max_drawdown_bps,
    run_backtest,
)
from keeper.state import BPS, ONE
from keeper.strategies import (
    EqualWeight,
    GovernanceTargets,
    MarketCapTopN,
    Momentum,
    StaticMarketCaps,
    Strategy,
    StrategyError,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
EXAMPLE_CSV = EXAMPLES / "backtest_prices.csv"
DAY = 86_400
T0 = 1_672_531_200  # 2023-01-01 00:00 UTC


def prices(**columns: list[int]) -> tuple[list[int], dict[str, list[int]]]:
    """Daily prices (whole USD per token) for the given symbols, from T0."""
    days = len(next(iter(columns.values())))
    return [T0 + day * DAY for day in range(days)], {s: [p * ONE for p in column] for s, column in columns.items()}


class Fixed(Strategy):
    """Always wants the same targets."""

    name = "fixed"

    def __init__(self, targets):
        self.wanted = tuple(targets)

    def targets(self, data):
        return self.wanted


class Recorder(Strategy):
    """Records what it was shown; leaves targets alone."""

    name = "recorder"

    def __init__(self, warmup_days):
        self.warmup_days = warmup_days
        self.seen = []

    def targets(self, data):
        self.seen.append((data.now, {symbol: len(points) for symbol, points in data.history.items()}))


# --- load_prices ----------------------------------------------------------------------------------------------------


def write(tmp_path, text: str) -> Path:
    path = tmp_path / "prices.csv"
    path.write_text(text)
    return path


def test_load_prices__good_file__timestamps_and_18_decimal_prices(tmp_path):
    path = write(tmp_path, "timestamp,USDC,WETH\n100,1.0001,2000\n200, 0.999 ,2100.123456789012345678901\n")
    assert load_prices(path) == (
        [100, 200],
        {
            "USDC": [1_000_100_000_000_000_000, 999_000_000_000_000_000],
            "WETH": [2_000 * ONE, 2_100_123_456_789_012_345_678],
        },
    )


def test_load_prices__bad_price__names_line_and_symbol(tmp_path):
    path = write(tmp_path, "timestamp,USDC,WETH\n100,1,2000\n200,1,abc\n")
    with pytest.raises(BacktestError) as raised:
        load_prices(path)
    assert str(raised.value) == f"{path}:3: WETH price 'abc' is not a positive decimal number"


def test_load_prices__zero_price__names_line(tmp_path):
    with pytest.raises(BacktestError, match=r":2: USDC price '0' is not a positive decimal number"):
        load_prices(write(tmp_path, "timestamp,USDC\n100,0\n"))


def test_load_prices__missing_field__names_line(tmp_path):
    with pytest.raises(BacktestError, match=r":3: expected 3 fields, got 2"):
        load_prices(write(tmp_path, "timestamp,USDC,WETH\n100,1,2000\n200,1\n"))


def test_load_prices__timestamp_not_increasing__names_line(tmp_path):
    with pytest.raises(BacktestError, match=r":3: timestamp 100 is not after 100"):
        load_prices(write(tmp_path, "timestamp,USDC\n100,1\n100,1\n"))


def test_load_prices__timestamp_not_whole__names_line(tmp_path):
    with pytest.raises(BacktestError, match=r":2: timestamp '1.5' is not a whole number of seconds"):
        load_prices(write(tmp_path, "timestamp,USDC\n1.5,1\n"))


def test_load_prices__bad_header__names_line_one(tmp_path):
    with pytest.raises(BacktestError, match=r":1: the header must be timestamp followed by one column per symbol"):
        load_prices(write(tmp_path, "time,USDC\n100,1\n"))


def test_load_prices__duplicate_symbol__names_column(tmp_path):
    with pytest.raises(BacktestError, match=r":1: column 3 needs a symbol of its own, got 'USDC'"):
        load_prices(write(tmp_path, "timestamp,USDC,USDC\n100,1,1\n"))


def test_load_prices__header_only__raises(tmp_path):
    with pytest.raises(BacktestError, match="no price rows after the header"):
        load_prices(write(tmp_path, "timestamp,USDC\n"))


def test_load_prices__example_file__two_years_of_five_symbols():
    timestamps, table = load_prices(EXAMPLE_CSV)
    assert list(table) == ["USDC", "WETH", "WBTC", "LINK", "UNI"]
    assert len(timestamps) == 730
    assert all(later - earlier == DAY for earlier, later in itertools.pairwise(timestamps))
    assert table["WETH"][0] == 1_200 * ONE


def test_make_backtest_prices__default_seed__reproduces_the_committed_file():
    spec = importlib.util.spec_from_file_location("make_backtest_prices", EXAMPLES / "make_backtest_prices.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert "\n".join(module.generate()) + "\n" == EXAMPLE_CSV.read_text()
    assert module.generate(seed=1) != module.generate()


# --- run_backtest ---------------------------------------------------------------------------------------------------


def test_run_backtest__price_doubles__sells_half_the_gain_and_pays_fee():
    # $1 000 as 500 A + 500 B. Day 1: A doubles, NAV 1 500; back to 750 / 750 sells $250 of A, fee 0.3 % = $0.75.
    result = run_backtest(
        prices(A=[1, 2, 2], B=[1, 1, 1]), GovernanceTargets(), rebalance_every_days=1, initial_usd=1_000 * ONE
    )
    assert result.values == (1_000 * ONE, 1_499_250 * ONE // 1_000, 1_499_250 * ONE // 1_000)
    assert (result.traded_value, result.fees, result.rebalances) == (250 * ONE, 750 * ONE // 1_000, 1)
    assert result.total_return_bps == 4_992  # 49.925 % rounded down
    assert result.reference.final_value == 1_500 * ONE


def test_run_backtest__no_fee__value_kept_whole():
    result = run_backtest(
        prices(A=[1, 2, 2], B=[1, 1, 1]),
        GovernanceTargets(),
        rebalance_every_days=1,
        fee_bps=0,
        initial_usd=1_000 * ONE,
    )
    assert (result.final_value, result.fees, result.total_return_bps) == (1_500 * ONE, 0, 5_000)


def test_run_backtest__step_limits_moves__targets_walk_1000_bps_per_rebalance():
    # Day 1: 5 000 -> 6 000 bps: sell $100 of B, fee $0.30, NAV 999.70.
    # Day 2: 6 000 -> 7 000 bps: sell 399.88 - 299.91 = $99.97 of B, fee $0.29991, NAV 999.40009.
    result = run_backtest(
        prices(A=[1, 1, 1], B=[1, 1, 1]), Fixed((BPS, 0)), rebalance_every_days=1, step=1_000, initial_usd=1_000 * ONE
    )
    assert result.values == (1_000 * ONE, 999_700 * ONE // 1_000, 99_940_009 * ONE // 100_000)
    assert (result.traded_value, result.fees) == (19_997 * ONE // 100, 59_991 * ONE // 100_000)
    assert result.rebalances == 2


def test_run_backtest__no_step_limit__all_at_once():
    result = run_backtest(
        prices(A=[1, 1, 1], B=[1, 1, 1]), Fixed((BPS, 0)), rebalance_every_days=1, initial_usd=1_000 * ONE
    )
    assert result.values == (1_000 * ONE, 998_500 * ONE // 1_000, 998_500 * ONE // 1_000)
    assert result.rebalances == 1


def test_run_backtest__warmup__strategy_asked_only_after_it_with_no_future_prices():
    strategy = Recorder(warmup_days=10)
    run_backtest(prices(A=[1] * 30, B=[1] * 30), strategy)
    # Rebalance days 7, 14, 21, 28; day 7 has 8 days of prices, fewer than 10.
    assert strategy.seen == [(T0 + day * DAY, {"A": day + 1, "B": day + 1}) for day in (14, 21, 28)]


def test_run_backtest__bounds_exclude_initial_targets__raises():
    with pytest.raises(BacktestError, match="initial targets .* are outside the bounds"):
        run_backtest(prices(A=[1, 1], B=[1, 1]), GovernanceTargets(), bounds=[(6_000, BPS), (0, BPS)])


def test_run_backtest__strategy_fails__error_propagates():
    strategy = MarketCapTopN(top_n=1, source=StaticMarketCaps())
    with pytest.raises(StrategyError, match="no market cap for NOPE"):
        run_backtest(prices(WETH=[1] * 8, NOPE=[1] * 8), strategy)


# --- metrics --------------------------------------------------------------------------------------------------------


def test_max_drawdown_bps__fall_then_new_high__worst_fall_from_peak():
    assert max_drawdown_bps([100, 120, 90, 130, 117]) == 2_500  # 120 -> 90


def test_max_drawdown_bps__only_rises__zero():
    assert max_drawdown_bps([100, 101, 150]) == 0


def test_annualised_volatility_bps__plus_minus_ten_percent__sqrt_of_365_times_variance():
    # Returns +0.1 and -0.1: sample variance 0.02, annualised sqrt(0.02 * 365) = 2.70185 -> 27 018 bps.
    assert annualised_volatility_bps([100 * ONE, 110 * ONE, 99 * ONE]) == 27_018


def test_annualised_volatility_bps__one_return__zero():
    assert annualised_volatility_bps([100 * ONE, 110 * ONE]) == 0


# --- format_results -------------------------------------------------------------------------------------------------


def made_up(name: str, final: int, return_bps: int, reference=None) -> BacktestResult:
    return BacktestResult(
        name, 1_000 * ONE, final, return_bps, 1_234, 5, 7 * ONE, 70_000, ONE // 2, 3, (1_000 * ONE, final), reference
    )


def test_format_results__one_strategy__row_plus_reference_row():
    reference = made_up(REFERENCE, 1_100 * ONE, 1_000)
    table = format_results({"loser": made_up("loser", 876_500 * ONE // 1_000, -1_235, reference)})
    header = "strategy                     final value (USD)   return  max drawdown  volatility  turnover  rebalances"
    rule = "---------------------------  -----------------  -------  ------------  ----------  --------  ----------"
    loser = "loser                                      876  -12.35%        12.34%       0.05%   700.00%           3"
    hold = "buy-and-hold (equal weight)              1,100   10.00%        12.34%       0.05%   700.00%           3"
    assert table.splitlines() == [
        header + "  fees (USD)",
        rule + "  ----------",
        loser + "           0",
        hold + "           0",
    ]


def test_format_results__different_price_histories__raises():
    first = made_up("a", ONE, 0, made_up(REFERENCE, ONE, 0))
    second = made_up("b", ONE, 0, made_up(REFERENCE, 2 * ONE, 0))
    with pytest.raises(BacktestError, match="different price histories"):
        format_results({"a": first, "b": second})


def test_format_results__nothing__raises():
    with pytest.raises(BacktestError, match="nothing to compare"):
        format_results({})


# --- the example ----------------------------------------------------------------------------------------------------


def test_run_backtest__example_file_all_strategies__one_row_each_plus_reference():
    data = load_prices(EXAMPLE_CSV)
    strategies = [
        GovernanceTargets(),
        EqualWeight(),
        MarketCapTopN(top_n=4, cap_bps=4_000, source=StaticMarketCaps()),
        Momentum("USDC"),
    ]
    results = {strategy.name: run_backtest(data, strategy) for strategy in strategies}
    lines = format_results(results).splitlines()
    assert len(lines) == 2 + len(strategies) + 1
    assert [line.split("  ")[0] for line in lines[2:]] == [*results, REFERENCE]
    # Equal initial targets held by governance are what equal weight asks for: the same index.
    assert results["governance"].values == results["equal-weight"].values
    # The example's crash is what momentum is for: it sidesteps most of the drawdown buy-and-hold suffers.
    assert results["momentum"].max_drawdown_bps < buy_and_hold(data).max_drawdown_bps // 2
