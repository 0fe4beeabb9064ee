"""Pure checks that stop trading: an oracle price that jumped too far from what the keeper last saw.

A feed that moves 25 % between two looks of the keeper is more often broken or manipulated than right; the keeper
stops trading that vault and alerts rather than trade on it (`keeper reset` after a human has looked).
"""

from keeper.state import BPS, VaultState


def price_jumps(state: VaultState, last_seen: dict[str, int], max_jump: int) -> list[str]:
    """A sentence for each component whose oracle price moved more than `max_jump` bps from `last_seen`."""
    jumps = []
    for token, price in zip(state.tokens, state.prices, strict=False):
        before = last_seen.get(token)
        if before and abs(price - before) * BPS > before * max_jump:
            move = (price - before) * BPS // before
            jumps.append(f"oracle price of {token} moved {move:+d} bps since the keeper last saw it (limit {max_jump})")
    return jumps
