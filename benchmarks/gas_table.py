"""Pure arithmetic and formatting for the gas-vs-Set benchmark (no chain, no ape import).

Gas stays `int` everywhere; ratios are exact `Fraction`s and become decimals only when printed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

# The basket size the headline ratios are quoted at, and the two sizes the marginal slope is taken between.
SUMMARY_N = 10
SLOPE_LO = 10
SLOPE_HI = 20


@dataclass(frozen=True)
class OpGas:
    """Receipt gas_used of the three measured transactions of one system at one basket size."""

    first: int  # first mint by a fresh minter (zero-to-nonzero balance writes)
    repeat: int  # second mint by the same minter, next transaction
    redeem: int  # partial redeem by the same holder


# system name -> basket size N -> gas. The baseline is passed by name; mapping order only orders the other columns.
Results = Mapping[str, Mapping[int, OpGas]]


@dataclass(frozen=True)
class Summary:
    system: str
    n: int
    mint_ratio: Fraction  # repeat mint at N, system over baseline
    redeem_ratio: Fraction  # redeem at N, system over baseline
    marginal_mint: int  # gas per added component, repeat mint
    marginal_redeem: int  # gas per added component, redeem


@dataclass(frozen=True)
class Targets:
    max_mint_ratio: Fraction = Fraction("0.70")
    max_redeem_ratio: Fraction = Fraction("0.52")
    max_marginal_mint: int = 29_000
    max_marginal_redeem: int = 19_000


class GasTableError(Exception):
    """Base class for errors in the benchmark's arithmetic."""


def ratio(gas: int, baseline_gas: int) -> Fraction:
    if baseline_gas <= 0:
        raise GasTableError(f"baseline gas must be positive, got {baseline_gas}")
    return Fraction(gas, baseline_gas)


def slope(gas_by_n: Mapping[int, int], n_lo: int = SLOPE_LO, n_hi: int = SLOPE_HI) -> int:
    """Gas per added component between two basket sizes, rounded to the nearest integer (halves round up)."""
    if n_hi <= n_lo:
        raise GasTableError(f"slope needs n_hi > n_lo, got {n_lo}..{n_hi}")
    missing = [n for n in (n_lo, n_hi) if n not in gas_by_n]
    if missing:
        raise GasTableError(f"slope needs measurements at N={missing}")
    delta = gas_by_n[n_hi] - gas_by_n[n_lo]
    steps = n_hi - n_lo
    return (2 * delta + steps) // (2 * steps)


def summarize(results: Results, system: str, baseline: str, n: int = SUMMARY_N) -> Summary:
    own, base = results[system], results[baseline]
    return Summary(
        system=system,
        n=n,
        mint_ratio=ratio(own[n].repeat, base[n].repeat),
        redeem_ratio=ratio(own[n].redeem, base[n].redeem),
        marginal_mint=slope({k: v.repeat for k, v in own.items()}),
        marginal_redeem=slope({k: v.redeem for k, v in own.items()}),
    )


def fmt_ratio(value: Fraction, places: int = 2) -> str:
    # Decimal rounding of an exact fraction (half away from zero), so 0.705 prints 0.71 rather than a float artefact.
    scale = 10**places
    scaled = (abs(value) * scale * 2 + 1) // 2
    sign = "-" if value < 0 else ""
    return f"{sign}{scaled // scale}.{scaled % scale:0{places}d}"


def summary_line(s: Summary) -> str:
    return (
        f"gas_vs_set N={s.n} mint={fmt_ratio(s.mint_ratio)} redeem={fmt_ratio(s.redeem_ratio)} "
        f"marginal_mint={s.marginal_mint} marginal_redeem={s.marginal_redeem}"
    )


def check_targets(s: Summary, t: Targets = Targets()) -> list[tuple[str, str, str, bool]]:
    """(item, measured, limit, passed) for each target; the comparison uses exact values, not the printed ones."""
    return [
        ("mint", fmt_ratio(s.mint_ratio, 3), fmt_ratio(t.max_mint_ratio), s.mint_ratio <= t.max_mint_ratio),
        ("redeem", fmt_ratio(s.redeem_ratio, 3), fmt_ratio(t.max_redeem_ratio), s.redeem_ratio <= t.max_redeem_ratio),
        ("marginal_mint", str(s.marginal_mint), str(t.max_marginal_mint), s.marginal_mint <= t.max_marginal_mint),
        (
            "marginal_redeem",
            str(s.marginal_redeem),
            str(t.max_marginal_redeem),
            s.marginal_redeem <= t.max_marginal_redeem,
        ),
    ]


def targets_line(s: Summary, t: Targets = Targets()) -> str:
    items = [
        f"{name} {measured}<={limit} {'PASS' if ok else 'MISS'}" for name, measured, limit, ok in check_targets(s, t)
    ]
    return f"targets ({s.system}): " + ", ".join(items)


def format_table(results: Results, baseline: str, ns: Sequence[int]) -> str:
    """Side-by-side table: N, then first/repeat/redeem per system; non-baseline cells carry (ratio to baseline)."""
    systems = [baseline] + [name for name in results if name != baseline]
    ops = ("first", "repeat", "redeem")

    def cell(name: str, n: int, op: str) -> str:
        gas = getattr(results[name][n], op)
        if name == baseline:
            return f"{gas:,}"
        return f"{gas:,} ({fmt_ratio(ratio(gas, getattr(results[baseline][n], op)))})"

    rows = [[str(n)] + [cell(name, n, op) for name in systems for op in ops] for n in ns]
    header = ["N"] + [op for _ in systems for op in ops]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def render(cells: Sequence[str]) -> str:
        return "  ".join(c.rjust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    # Group title line: each system name centred over its three columns.
    group_cells = [" " * widths[0]]
    for i, name in enumerate(systems):
        span = sum(widths[1 + 3 * i : 4 + 3 * i]) + 2 * 2
        title = name if name != baseline else f"{name} (baseline)"
        group_cells.append(title.center(span, "-") if len(title) + 2 <= span else title)
    lines = ["  ".join(group_cells).rstrip(), render(header)]
    lines += [render(r) for r in rows]
    return "\n".join(lines)


def format_marginals(results: Results, n_lo: int = SLOPE_LO, n_hi: int = SLOPE_HI) -> str:
    """Per-system gas per added component between n_lo and n_hi, for each measured operation."""
    lines = [f"marginal gas per added component (N={n_lo} -> N={n_hi}):"]
    width = max(len(name) for name in results)
    for name, by_n in results.items():
        parts = [
            f"{op}={slope({n: getattr(g, op) for n, g in by_n.items()}, n_lo, n_hi):,}"
            for op in ("first", "repeat", "redeem")
        ]
        lines.append(f"  {name.ljust(width)}  " + "  ".join(parts))
    return "\n".join(lines)
