"""benchmarks/adapter_gas.py: its row format, and its numbers measured on the test chain come out and are sane."""

from benchmarks.adapter_gas import SwapGas, measure, swap_gas_line


def test_swap_gas_line__row__machine_readable_with_overhead():
    assert swap_gas_line(SwapGas("v3", 154_454, 125_418)) == (
        "swap_gas venue=v3 adapter=154454 router_direct=125418 overhead=29036"
    )


def test_measure__real_v2_and_v3__one_row_per_venue_with_a_bounded_positive_overhead(deployer, alice, uniswap,
                                                                                     uniswap_v3):  # fmt: skip
    rows = measure(deployer, alice, uniswap, uniswap_v3)

    assert [row.venue for row in rows] == ["v2", "v3"]
    for row in rows:
        # A router swap of one pool is ~100k-150k gas; the adapter's pull, balance checks and approve add tens of
        # thousands, never a second swap's worth.
        assert 80_000 < row.router_direct < 200_000, row
        assert 10_000 < row.overhead < 60_000, row
