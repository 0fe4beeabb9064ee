"""Unit tests of the benchmark's pure arithmetic and formatting (no chain)."""

from fractions import Fraction

import pytest

# `benchmarks` resolves to this project's package through pytest's `pythonpath = ["."]` (pyproject.toml).
from benchmarks.gas_table import (
    GasTableError,
    OpGas,
    Summary,
    Targets,
    check_targets,
    fmt_ratio,
    format_marginals,
    format_table,
    ratio,
    slope,
    summarize,
    summary_line,
    targets_line,
)

NS = (1, 2, 5, 10, 20)


def _linear(base: int, per_component: int) -> dict[int, OpGas]:
    return {
        n: OpGas(
            first=base + 2 * per_component * n,
            repeat=base + per_component * n,
            redeem=base // 2 + per_component * n,
        )
        for n in NS
    }


@pytest.fixture
def results() -> dict[str, dict[int, OpGas]]:
    return {"Set": _linear(60_000, 40_000), "Bare": _linear(30_000, 27_000)}


def test_ratio__exact_fraction__not_float():
    assert ratio(307_119, 456_912) == Fraction(307_119, 456_912)


@pytest.mark.parametrize("baseline", [0, -1])
def test_ratio__non_positive_baseline__raises(baseline):
    with pytest.raises(GasTableError, match="baseline gas must be positive"):
        ratio(1, baseline)


def test_slope__linear_series__returns_per_component_gas():
    assert slope({10: 300_000, 20: 570_000}) == 27_000


def test_slope__half_gas__rounds_half_up():
    assert slope({10: 0, 20: 15}) == 2  # 1.5 -> 2
    assert slope({10: 0, 20: 14}) == 1  # 1.4 -> 1


def test_slope__negative_delta__rounds_to_nearest():
    assert slope({10: 100, 20: 0}) == -10


def test_slope__custom_range__uses_it():
    assert slope({1: 100, 5: 500}, n_lo=1, n_hi=5) == 100


def test_slope__missing_size__raises():
    with pytest.raises(GasTableError, match=r"measurements at N=\[20\]"):
        slope({10: 1})


def test_slope__empty_range__raises():
    with pytest.raises(GasTableError, match="n_hi > n_lo"):
        slope({10: 1}, n_lo=10, n_hi=10)


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        (Fraction(0), 2, "0.00"),
        (Fraction(1), 2, "1.00"),
        (Fraction(705, 1000), 2, "0.71"),  # exact half rounds away from zero (a float would print 0.70)
        (Fraction(704999, 1_000_000), 2, "0.70"),
        (Fraction(2, 3), 3, "0.667"),
        (Fraction(-1, 3), 2, "-0.33"),
        (Fraction(12345, 100), 1, "123.5"),
    ],
)
def test_fmt_ratio__values__rounds_half_away_from_zero(value, places, expected):
    assert fmt_ratio(value, places) == expected


def test_summarize__uses_repeat_mint_and_redeem_at_n10(results):
    s = summarize(results, "Bare", "Set")
    assert s.n == 10
    assert s.mint_ratio == Fraction(30_000 + 270_000, 60_000 + 400_000)
    assert s.redeem_ratio == Fraction(15_000 + 270_000, 30_000 + 400_000)
    assert s.marginal_mint == 27_000
    assert s.marginal_redeem == 27_000


def test_summary_line__format__is_exact():
    s = Summary("X", 10, Fraction(2, 3), Fraction(1, 2), 27_117, 18_170)
    assert summary_line(s) == "gas_vs_set N=10 mint=0.67 redeem=0.50 marginal_mint=27117 marginal_redeem=18170"


def test_check_targets__at_limits__pass():
    s = Summary("X", 10, Fraction("0.70"), Fraction("0.52"), 29_000, 19_000)
    assert [ok for *_, ok in check_targets(s)] == [True, True, True, True]


def test_check_targets__just_over_limits__miss():
    s = Summary("X", 10, Fraction(7001, 10_000), Fraction(5201, 10_000), 29_001, 19_001)
    assert [ok for *_, ok in check_targets(s)] == [False, False, False, False]


def test_check_targets__rounds_to_limit__still_miss():
    # 0.7004 prints as 0.70 at two places; the comparison uses the exact value, and the line shows three places.
    s = Summary("X", 10, Fraction(7004, 10_000), Fraction(1, 2), 1, 1)
    name, measured, limit, ok = check_targets(s)[0]
    assert (name, measured, limit, ok) == ("mint", "0.700", "0.70", False)


def test_targets_line__mixed__labels_each_item():
    s = Summary("Bare", 10, Fraction(1, 2), Fraction(3, 5), 30_000, 100)
    assert targets_line(s, Targets()) == (
        "targets (Bare): mint 0.500<=0.70 PASS, redeem 0.600<=0.52 MISS, "
        "marginal_mint 30000<=29000 MISS, marginal_redeem 100<=19000 PASS"
    )


def test_format_table__rows__one_per_size_with_ratios(results):
    table = format_table(results, "Set", NS).splitlines()
    assert len(table) == 2 + len(NS)
    assert "Set (baseline)" in table[0] and "Bare" in table[0]
    assert table[1].split() == ["N"] + ["first", "repeat", "redeem"] * 2
    row10 = table[2 + NS.index(10)].split()
    assert row10[0] == "10"
    assert row10[1:4] == ["860,000", "460,000", "430,000"]
    assert row10[4:] == ["570,000", "(0.66)", "300,000", "(0.65)", "285,000", "(0.66)"]


def test_format_table__baseline_not_first__still_first_column(results):
    reordered = {"Bare": results["Bare"], "Set": results["Set"]}
    assert format_table(reordered, "Set", NS) == format_table(results, "Set", NS)


def test_format_marginals__per_system__all_ops(results):
    lines = format_marginals(results).splitlines()
    assert lines[0] == "marginal gas per added component (N=10 -> N=20):"
    assert lines[1].split() == ["Set", "first=80,000", "repeat=40,000", "redeem=40,000"]
    assert lines[2].split() == ["Bare", "first=54,000", "repeat=27,000", "redeem=27,000"]
