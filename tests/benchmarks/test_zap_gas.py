"""Unit tests of the zap benchmark's arithmetic and its summary line (no chain)."""

import pytest

from benchmarks.zap_gas import BenchmarkError, Result, ratio, summary_line


def result(permit: int = 1_200_000, redeem: int = 900_000) -> Result:
    by_hand = {"approve": 46_000, "swaps": 1_500_000, "approvals": 460_000, "mint": 414_000}
    return Result(by_hand, permit, 46_000, permit, redeem, 46_000, permit - 60_000, {})


def test_summary_line__the_issue_format__with_the_permit_mint_and_the_by_hand_sum():
    assert summary_line(result()) == (
        "zap N=10 zap_mint_gas=1200000 by_hand_gas=2420000 ratio=0.50 zap_redeem_gas=900000"
    )


def test_summary_line__zap_above_by_hand__ratio_above_one():
    assert "ratio=1.10 " in summary_line(result(permit=2_662_000))


@pytest.mark.parametrize("by_hand", [0, -5])
def test_ratio__non_positive_by_hand__raises(by_hand):
    with pytest.raises(BenchmarkError, match="by-hand gas must be positive"):
        ratio(1, by_hand)
