"""Write examples/backtest_prices.csv: SYNTHETIC daily prices for `keeper backtest`. Not market data.

Every number is made up by a seeded random walk so that strategies have something to disagree about: two years
(730 days from 2023-01-01 UTC) of a bull run, a crash, a flat bottom and a recovery. A shared "market" return
moves WETH, WBTC, LINK and UNI with different betas plus noise of their own; USDC stays within a few hundredths
of a cent of 1. The starting prices only look like early-2023 ones; nothing after day 0 resembles history.

Deterministic: integer arithmetic only (returns in parts per million, prices in 18-decimal fixed point) and
`random.Random(seed)`, so the same seed writes the same bytes on every machine and Python version.

    python examples/make_backtest_prices.py              # rewrites examples/backtest_prices.csv
    python examples/make_backtest_prices.py --seed 7 --out /tmp/other.csv
"""

import argparse
import random
from pathlib import Path

SEED = 20_230_101
START = 1_672_531_200  # 2023-01-01 00:00:00 UTC
DAY = 86_400
PPM = 1_000_000
ONE = 10**18
DECIMALS_OUT = 8  # decimal places written to the CSV

# The market's daily regimes: (days, mean return ppm/day, volatility ppm/day). 730 days in all.
REGIMES = (
    (240, 3_500, 22_000),  # bull run
    (60, -16_000, 40_000),  # crash
    (130, 0, 22_000),  # flat bottom
    (300, 3_200, 22_000),  # recovery
)

# symbol: (starting price in USD, beta to the market in ppm, own volatility ppm/day)
RISKY = {
    "WETH": ("1200", 1_000_000, 12_000),
    "WBTC": ("16500", 800_000, 8_000),
    "LINK": ("5.5", 1_300_000, 25_000),
    "UNI": ("5.2", 1_400_000, 25_000),
}
STABLE = "USDC"
STABLE_NOISE_PPM = 300  # USDC = 1 +- 0.0003


def noise(rng: random.Random, volatility: int) -> int:
    """A mean-zero integer with standard deviation `volatility`: the sum of three uniforms on [-v, v]."""
    return sum(rng.randint(-volatility, volatility) for _ in range(3))


def to_fixed(text: str) -> int:
    """A decimal string like "5.5" as an 18-decimal integer."""
    whole, _, fraction = text.partition(".")
    return int(whole) * ONE + int((fraction + "0" * 18)[:18])


def to_text(price: int) -> str:
    """An 18-decimal integer as a decimal string with DECIMALS_OUT places (rounded down)."""
    whole, fraction = divmod(price, ONE)
    return f"{whole}.{fraction // 10 ** (18 - DECIMALS_OUT):0{DECIMALS_OUT}d}"


def generate(seed: int = SEED) -> list[str]:
    """The CSV's lines, header first."""
    rng = random.Random(seed)
    prices = {symbol: to_fixed(start) for symbol, (start, _, _) in RISKY.items()}
    lines = ["timestamp," + ",".join([STABLE, *RISKY])]
    day = 0
    for length, drift, volatility in REGIMES:
        for _ in range(length):
            if day > 0:
                market = drift + noise(rng, volatility)
                for symbol, (_, beta, own) in RISKY.items():
                    change = market * beta // PPM + noise(rng, own)
                    # A day never takes more than 90 % off a price, so no price reaches zero.
                    prices[symbol] = prices[symbol] * (PPM + max(change, -900_000)) // PPM
            stable = ONE + rng.randint(-STABLE_NOISE_PPM, STABLE_NOISE_PPM) * (ONE // PPM)
            row = [str(START + day * DAY), to_text(stable), *(to_text(prices[symbol]) for symbol in RISKY)]
            lines.append(",".join(row))
            day += 1
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description="Write synthetic daily prices (not market data) for backtests.")
    parser.add_argument("--seed", type=int, default=SEED, help=f"random seed (default {SEED})")
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("backtest_prices.csv"))
    args = parser.parse_args()
    args.out.write_text("\n".join(generate(args.seed)) + "\n", encoding="utf-8")
    print(f"wrote {args.out} (synthetic prices, seed {args.seed})")


if __name__ == "__main__":
    main()
