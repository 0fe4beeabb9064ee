"""What the keeper knows about one vault at one block, and the trade it may send: plain data, no network.

`VaultState` mirrors `VaultLens.state(vault)` field for field (one `eth_call` per vault), plus the block it was
read at. Money stays in integers: token amounts in each token's smallest unit, prices and values in 18-decimal USD,
weights in basis points, times in seconds.
"""

from dataclasses import dataclass

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
    path: tuple[str, ...]  # the Uniswap V2 route, sell first and buy last


def value_of(amount: int, price: int, decimals: int) -> int:
    """USD value (18 decimals) of `amount` smallest units at `price` per whole token, rounded down."""
    return amount * price // 10**decimals
