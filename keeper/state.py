"""What the keeper knows about one vault at one block, and the trade it may send: plain data, no network.

`VaultState` mirrors `VaultLens.state(vault)` field for field (one `eth_call` per vault), plus the block it was
read at. Money stays in integers: token amounts in each token's smallest unit, prices and values in 18-decimal USD,
weights in basis points, times in seconds.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

BPS = 10_000
ONE = 10**18


@dataclass(frozen=True)
class Limits:
    """The policy's rebalance limits (`vault_params.Limits`), in bps and seconds."""

    max_slippage: int
    max_trade: int
    max_nav_loss: int
    tolerance: int
    cooldown: int
    target_step: int
    target_period: int
    loss_budget: int = 0  # bps of NAV all trades together may lose per rolling 24 h (0 in states built by hand)


@dataclass(frozen=True)
class Access:
    """What the keeper's account may do in one vault (`VaultLens.access`), read in the same batch as the state."""

    keeper: bool  # may rebalance
    strategist: bool  # may set targets
    adapter: bool  # the policy allows the keeper's adapter (Uniswap V2)
    hops: tuple[str, ...] = ()  # the route tokens the vault's oracle prices: a swap path may pass through them
    refused: tuple[str, ...] = ()  # tokens the oracle refuses to price
    reason: str = ""  # why the oracle refused the first of them
    adapter_v3: bool = False  # the policy allows the keeper's Uniswap V3 adapter (read when one is configured)


@dataclass(frozen=True)
class VaultState:
    """One vault's basket, targets, prices and limits as `VaultLens.state` returned them at `block_number`."""

    vault: str
    policy: str
    tokens: tuple[str, ...]
    units: tuple[int, ...]
    holdings: tuple[int, ...]
    targets: tuple[int, ...]
    min_weights: tuple[int, ...]
    max_weights: tuple[int, ...]
    prices: tuple[int, ...]  # empty when the oracle refuses any price
    decimals: tuple[int, ...]
    feeds: tuple[str, ...]
    supply: int
    limits: Limits
    last_rebalance: int
    last_target_change: int
    mint_paused: bool
    rebalance_paused: bool
    oracle: str
    timestamp: int
    block_number: int = 0
    access: Access | None = None  # None when read without an account (watching only)

    @property
    def priced(self) -> bool:
        """Whether the oracle gave a price for every component."""
        return len(self.prices) == len(self.tokens)

    def values(self) -> tuple[int, ...]:
        """Each component's holdings in USD (18 decimals), rounded down exactly as `OracleRouter.values` does."""
        return tuple(
            value_of(amount, price, decimals)
            for amount, price, decimals in zip(self.holdings, self.prices, self.decimals, strict=True)
        )

    def nav(self) -> int:
        """The vault's value in USD (18 decimals): the sum of `values()`."""
        return sum(self.values())

    def weights(self) -> tuple[int, ...]:
        """Each component's share of NAV in bps, rounded down; all zero for an empty vault."""
        values = self.values()
        nav = sum(values)
        return tuple(value * BPS // nav if nav else 0 for value in values)

    def cooldown_ends(self) -> int:
        """The first timestamp at which the policy accepts the next trade."""
        return self.last_rebalance + self.limits.cooldown


@dataclass(frozen=True)
class Trade:
    """One `IndexVault.rebalance(sell, buy, amount_in, min_out, adapter, abi_encode(path))` the keeper intends."""

    vault: str
    sell: str
    buy: str
    amount_in: int
    min_out: int
    value_in: int  # USD (18 decimals) of amount_in at the oracle price
    path: tuple[str, ...]  # the route, sell first and buy last
    venue: str = "v2"  # keeper.venues: "v2" (the UniswapV2Adapter, path ABI-encoded) or "v3" (UniswapV3Adapter, packed)
    fees: tuple[int, ...] = ()  # v3: each pool's fee tier (hundredths of a bp), one per hop


def value_of(amount: int, price: int, decimals: int) -> int:
    """USD value (18 decimals) of `amount` smallest units at `price` per whole token, rounded down."""
    return amount * price // 10**decimals


def utc(timestamp: int) -> str:
    """A block timestamp as a person reads it: `2026-12-14 10:07:31 UTC (1797242851)`."""
    when = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M:%S")
    return f"{when} UTC ({timestamp})"


def amount_text(raw: int, decimals: int) -> str:
    """A token amount in whole tokens with its decimals, exact and without float: `1,234.5` for 1234.5e18 wei."""
    whole, fraction = divmod(raw, 10**decimals)
    digits = f"{fraction:0{decimals}d}".rstrip("0") if decimals else ""
    return f"{whole:,}" + (f".{digits}" if digits else "")


def usd_text(value: int) -> str:
    """18-decimal USD as `$1,234.56`, rounded down to the cent (no float)."""
    cents = value // 10**16
    return f"${cents // 100:,}.{cents % 100:02d}"
