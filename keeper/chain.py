"""Reads from the chain: the head block, the vault registry, every vault's state in one batched call, feed rounds.

Round trips per cycle do not grow with the number of vaults: the head is one request, all `VaultLens.state` calls
go in one batch pinned to that head's block (so every vault is read at the same block), and the factory registry is
read only for vaults created since the last look.
"""

from dataclasses import dataclass, replace

from eth_abi.exceptions import DecodingError

from keeper import abi
from keeper.errors import ConfigError, KeeperError, RpcError
from keeper.rpc import Rpc
from keeper.state import Access, Limits, VaultState


@dataclass(frozen=True)
class Head:
    number: int
    timestamp: int
    base_fee: int
    hash: str


class VaultReadError(KeeperError):
    """One vault's state could not be read (not a vault, no policy, a broken oracle contract)."""


class Chain:
    """The keeper's view of one chain, through one `Rpc`."""

    def __init__(self, rpc: Rpc, lens: str, factory: str = "", vaults: list[str] | None = None, read_gas: int = 0):
        self.rpc, self.lens, self.factory, self.read_gas = rpc, lens, factory, read_gas
        self._vaults: list[str] = list(vaults or [])
        self._registry_seen = 0
        self._symbols: dict[str, str] = {}

    def chain_id(self) -> int:
        return int(self.rpc.call("eth_chainId", []), 16)

    def head(self) -> Head:
        block = self.rpc.call("eth_getBlockByNumber", ["latest", False])
        return Head(
            number=int(block["number"], 16),
            timestamp=int(block["timestamp"], 16),
            base_fee=int(block.get("baseFeePerGas", "0x0"), 16),
            hash=block["hash"],
        )

    def check_contract(self, address: str, what: str) -> None:
        """A ConfigError when nothing is deployed at `address` (a typo, or the wrong network)."""
        if self.rpc.call("eth_getCode", [address, "latest"]) in ("0x", "0x0", ""):
            raise ConfigError(f"{what} {address} has no code on this chain: wrong address or wrong network?")

    def vaults(self) -> list[str]:
        """The vaults to watch: the explicit list, then every vault the factory has created (new ones only)."""
        if not self.factory:
            return list(self._vaults)
        count = abi.FACTORY_VAULT_COUNT.decode(self._eth_call(self.factory, abi.FACTORY_VAULT_COUNT.encode()))[0]
        if count > self._registry_seen:
            calls = [
                _eth_call_request(self.factory, abi.FACTORY_VAULTS.encode(i), "latest")
                for i in range(self._registry_seen, count)
            ]
            for result in self.rpc.batch(calls):
                if isinstance(result, RpcError):
                    raise result
                vault = abi.address(abi.FACTORY_VAULTS.decode(result)[0])
                if vault not in self._vaults:
                    self._vaults.append(vault)
            self._registry_seen = count
        return list(self._vaults)

    def read_states(
        self, vaults: list[str], block: int, account: str | None = None, adapter: str | None = None,
        route_tokens: tuple[str, ...] = (), adapter_v3: str | None = None,
    ) -> dict[str, VaultState | VaultReadError]:  # fmt: skip
        """Every vault's `VaultLens.state` at `block`, in one round trip; a failed read is returned, not raised.
        With `account`, the same batch also reads `VaultLens.access` (roles, adapter, which of `route_tokens` the
        vault's oracle prices, refused prices), so the keeper knows which vaults it serves and how it may route
        without another round trip; with `adapter_v3` too, a second `access` for that adapter (whether the policy
        allows the keeper's Uniswap V3 adapter), still in the same batch."""
        per_vault = 1 + (1 if account else 0) + (1 if account and adapter_v3 else 0)
        calls = []
        for vault in vaults:
            calls.append(self._read_request(self.lens, abi.LENS_STATE.encode(vault), block))
            if account:
                access = abi.LENS_ACCESS.encode(vault, account, adapter or ZERO_ADDRESS, list(route_tokens[: abi.MAX_HOPS]))
                calls.append(self._read_request(self.lens, access, block))
            if account and adapter_v3:
                calls.append(self._read_request(self.lens, abi.LENS_ACCESS.encode(vault, account, adapter_v3, []), block))
        results = self.rpc.batch(calls)
        states: dict[str, VaultState | VaultReadError] = {}
        for n, vault in enumerate(vaults):
            answers = results[n * per_vault : (n + 1) * per_vault]
            failed = next((a for a in answers if isinstance(a, RpcError)), None)
            if failed is not None:
                states[vault] = VaultReadError(f"vault {vault}: {abi.revert_reason(failed.data) or failed.message}")
                continue
            try:
                state = parse_state(abi.LENS_STATE.decode(answers[0])[0], block)
                if account:
                    access = parse_access(abi.LENS_ACCESS.decode(answers[1])[0])
                    if adapter_v3:
                        access = replace(access, adapter_v3=parse_access(abi.LENS_ACCESS.decode(answers[2])[0]).adapter)
                    state = replace(state, access=access)
            except (DecodingError, ValueError, OverflowError) as error:  # a stranger's contract answering nonsense
                states[vault] = VaultReadError(f"vault {vault}: the lens answered something undecodable ({error})")
                continue
            states[vault] = state
        return states

    def _read_request(self, to: str, data: str, block: int) -> tuple[str, list]:
        """A read capped at `read_gas`: a stranger's vault whose token burns gas costs the node a bounded call."""
        call = {"to": to, "data": data}
        if self.read_gas:
            call["gas"] = hex(self.read_gas)
        return ("eth_call", [call, hex(block)])

    def rounds(self, feed: str, round_ids: list[int]) -> list[tuple | None]:
        """`getRoundData` for each id, in one round trip; None where the feed has no such round."""
        calls = [_eth_call_request(feed, abi.FEED_ROUND.encode(i), "latest") for i in round_ids]
        return [None if isinstance(r, RpcError) else abi.FEED_ROUND.decode(r) for r in self.rpc.batch(calls)]

    def latest_round(self, feed: str) -> tuple:
        return abi.FEED_LATEST_ROUND.decode(self._eth_call(feed, abi.FEED_LATEST_ROUND.encode()))

    def feed_decimals(self, feed: str) -> int:
        return abi.FEED_DECIMALS.decode(self._eth_call(feed, abi.FEED_DECIMALS.encode()))[0]

    def symbols(self, tokens: list[str]) -> list[str]:
        """Each token's `symbol()`, or a shortened address when it has none, in one round trip."""
        calls = [_eth_call_request(token, abi.TOKEN_SYMBOL.encode(), "latest") for token in tokens]
        return [
            token[:8] if isinstance(r, RpcError) else symbol_text(r, token)
            for token, r in zip(tokens, self.rpc.batch(calls), strict=True)
        ]

    def symbol_map(self, tokens) -> dict[str, str]:
        """Symbols of `tokens`, read once per token for the keeper's life (one round trip for the new ones only)."""
        unknown = sorted({t for t in tokens if t not in self._symbols})
        if unknown:
            self._symbols.update(zip(unknown, self.symbols(unknown), strict=True))
        return {t: self._symbols[t] for t in tokens}

    def quotes(
        self, adapter: str, requests: list[tuple[int, tuple[str, ...]]], quoter_v3: str = "",
        requests_v3: list[tuple[int, tuple[str, ...], tuple[int, ...]]] = (),
    ) -> tuple[list[int | None], list[int | None]]:  # fmt: skip
        """`adapter.quote(amount_in, path)` (Uniswap V2, the router's `getAmountsOut`) for each of `requests` and
        QuoterV2's `quoteExactInput(v3_path, amount_in)` (Uniswap V3, the pools at `fees`) for each (amount_in, path,
        fees) of `requests_v3`, all in one round trip; None where a quote reverts (e.g. no pool on that path).
        Returns (V2 answers, V3 answers)."""
        calls = [
            _eth_call_request(adapter, abi.ADAPTER_QUOTE.encode(amount, abi.encode_path(path)), "latest")
            for amount, path in requests
        ]
        for amount, path, fees in requests_v3:
            quote = abi.QUOTER_V3_EXACT_INPUT.encode(abi.encode_v3_path(path, fees), amount)
            calls.append(_eth_call_request(quoter_v3, quote, "latest"))
        results = []
        for n, result in enumerate(self.rpc.batch(calls) if calls else []):
            function = abi.ADAPTER_QUOTE if n < len(requests) else abi.QUOTER_V3_EXACT_INPUT
            try:
                results.append(None if isinstance(result, RpcError) else function.decode(result)[0])
            except (DecodingError, ValueError):
                results.append(None)
        return results[: len(requests)], results[len(requests) :]

    def _eth_call(self, to: str, data: str) -> str:
        return self.rpc.call("eth_call", [{"to": to, "data": data}, "latest"])


def _eth_call_request(to: str, data: str, block: str) -> tuple[str, list]:
    return ("eth_call", [{"to": to, "data": data}, block])


ZERO_ADDRESS = "0x" + "00" * 20
MAX_SYMBOL = 16


def symbol_text(answer: str, token: str) -> str:
    """A `symbol()` answer as a short printable name: an ABI string, or a bytes32 (as MKR's), else the shortened
    address. A stranger's token may answer anything: a long string or a line break must not reach the log."""
    raw = bytes.fromhex(answer.removeprefix("0x"))
    try:
        text = abi.TOKEN_SYMBOL.decode(answer)[0]
    except (DecodingError, ValueError, OverflowError, UnicodeDecodeError):
        text = raw[:32].rstrip(b"\0").decode("ascii", "replace") if len(raw) == 32 else ""
    text = "".join(c for c in text if c.isprintable() and not c.isspace())[:MAX_SYMBOL]
    return text or token[:8]


def parse_access(raw: tuple) -> Access:
    """A decoded `VaultLens.Access` tuple as an `Access`."""
    keeper, strategist, adapter, hops, refused, reason = raw
    refusal = abi.revert_reason("0x" + reason.hex()) if refused else ""
    return Access(
        keeper=keeper, strategist=strategist, adapter=adapter, hops=tuple(abi.address(h) for h in hops),
        refused=tuple(abi.address(t) for t in refused), reason=refusal,
    )  # fmt: skip


def parse_state(raw: tuple, block: int) -> VaultState:
    """A decoded `VaultLens.VaultState` tuple as a `VaultState`."""
    (vault, policy, tokens, units, holdings, targets, min_w, max_w, prices, decimals, feeds, supply, limits,
     last_rebalance, last_target_change, mint_paused, rebalance_paused, oracle, timestamp) = raw  # fmt: skip
    return VaultState(
        vault=abi.address(vault),
        policy=abi.address(policy),
        tokens=tuple(abi.address(t) for t in tokens),
        units=tuple(units),
        holdings=tuple(holdings),
        targets=tuple(targets),
        min_weights=tuple(min_w),
        max_weights=tuple(max_w),
        prices=tuple(prices),
        decimals=tuple(decimals),
        feeds=tuple(abi.address(f) for f in feeds),
        supply=supply,
        limits=Limits(*limits),
        last_rebalance=last_rebalance,
        last_target_change=last_target_change,
        mint_paused=mint_paused,
        rebalance_paused=rebalance_paused,
        oracle=abi.address(oracle),
        timestamp=timestamp,
        block_number=block,
    )
