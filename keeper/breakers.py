"""Pure checks that stop trading: an oracle price that jumped too far from what the keeper last saw.

A feed that moves 25 % between two looks of the keeper is more often broken or manipulated than right; the keeper
stops trading that vault and alerts rather than trade on it (`keeper reset` after a human has looked).
"""

from keeper.state import BPS, VaultState, usd_text


def price_jumps(
    state: VaultState, last_seen: dict[str, int], max_jump: int, symbols: dict[str, str] | None = None
) -> list[str]:
    """A sentence for each component whose oracle price moved more than `max_jump` bps from `last_seen` (prices of
    the same oracle), naming the token by its symbol when `symbols` has it."""
    jumps = []
    for token, price in zip(state.tokens, state.prices, strict=False):
        before = last_seen.get(token)
        if before and abs(price - before) * BPS > before * max_jump:
            move = (price - before) * BPS // before
            name = (symbols or {}).get(token, token)
            jumps.append(
                f"oracle price of {name} moved {move:+,d} bps since the keeper last saw it "
                f"({usd_text(before)} -> {usd_text(price)}; limit {max_jump:,d} bps)"
            )
    return jumps
