"""keeper.cycle.Keeper against a scripted node (no chain): which vaults it serves in a permissionless factory, whose
failures count where, whose prices its breakers compare, how it routes and quotes, and what the operator reads.

The node answers `VaultLens.state` and `VaultLens.access` from plain Python vaults, `UniswapV2Adapter.quote` from a
table of paths, and simulates `rebalance` by a per-vault revert reason; it records every request it was sent."""

import logging
from dataclasses import dataclass, field

import pytest
from eth_abi import decode, encode
from eth_utils import keccak, to_checksum_address

from keeper import abi
from keeper.chain import Chain
from keeper.cycle import RECHECK_BLOCKS, Keeper
from keeper.errors import RpcError
from keeper.executor import Executor, SendPolicy
from keeper.journal import Journal
from keeper.metrics import Metrics
from keeper.settings import load_settings
from keeper.signer import SignedTx

ONE = 10**18
GWEI = 10**9
NOW = 1_700_000_000
BLOCK = 1_000


def address(n: int) -> str:
    return to_checksum_address(f"0x{n:040x}")


LENS, ADAPTER, KEEPER = address(0x1E45), address(0xADA), address(0xCEE)
ADAPTER_V3, QUOTER_V3 = address(0xADA3), address(0x0C03)
STRANGER = address(0xBAD)
USDC, WETH, WBTC, UNI, MKR = address(0x05DC), address(0x0E7), address(0x0B7C), address(0x0111), address(0x0222)
ORACLE, OTHER_ORACLE = address(0x0AC1), address(0x0AC2)
SYMBOLS = {USDC: "USDC", WETH: "WETH", WBTC: "WBTC", UNI: "UNI", MKR: "MKR"}
DECIMALS = {USDC: 6, WETH: 18, WBTC: 8, UNI: 18, MKR: 18}
PRICES = {USDC: ONE, WETH: 2_000 * ONE, WBTC: 50_000 * ONE, UNI: 8 * ONE, MKR: 1_500 * ONE}
# max_slippage 1 %, max_trade 20 %, max_nav_loss 0.5 %, tolerance, cooldown 1 h, step, period, loss budget 2 %
LIMITS = (100, 2_000, 50, 50, 3_600, 500, 7 * 86_400, 200)


@dataclass
class FakeVault:
    """One vault as the lens reports it: $1M at 40/30/30 in `tokens`, priced by `prices` from `oracle`."""

    address: str
    tokens: tuple[str, ...] = (USDC, WETH, WBTC)
    usd: tuple[int, ...] = (400_000, 300_000, 300_000)  # value held at PRICES
    targets: tuple[int, ...] = (4_000, 3_000, 3_000)
    prices: dict[str, int] = field(default_factory=lambda: dict(PRICES))
    oracle: str = ORACLE
    keepers: tuple[str, ...] = (KEEPER,)
    strategist: str = address(0)
    adapters: tuple[str, ...] = (ADAPTER,)
    priced: tuple[str, ...] = tuple(SYMBOLS)  # what its oracle prices: a swap path may pass through these
    simulation_revert: str | None = None  # the reason `rebalance` reverts with, if it does
    refused: tuple[str, ...] = ()  # tokens the oracle refuses to price (then the lens reports no prices at all)
    symbol: str = "KIDX"

    def state(self) -> tuple:
        holdings = [v * 10 ** DECIMALS[t] * ONE // PRICES[t] for t, v in zip(self.tokens, self.usd, strict=True)]
        n = len(self.tokens)
        return (
            self.address, address(0x9000 + int(self.address, 16) % 0x1000), list(self.tokens), holdings, holdings,
            list(self.targets), [0] * n, [10_000] * n, [] if self.refused else [self.prices[t] for t in self.tokens],
            [DECIMALS[t] for t in self.tokens], [address(0xF000 + i) for i in range(n)], ONE, LIMITS,
            NOW - 7_200, 0, False, False, self.oracle, NOW,
        )  # fmt: skip

    def access(self, account: str, adapter: str, candidates: list[str]) -> tuple:
        reason = "0x08c379a0" + encode(["string"], ["oracle_router: stale price"]).hex() if self.refused else "0x"
        return (account in self.keepers, account == self.strategist, adapter in self.adapters, [c for c in candidates if c in self.priced],
                list(self.refused), bytes.fromhex(reason[2:]))  # fmt: skip

    def drift(self, token: str, price: int) -> "FakeVault":
        """The oracle now prices `token` at `price` (its holdings unchanged): the vault is out of band."""
        self.prices[token] = price
        return self


class FakeSigner:
    """Signs nothing: raw is the calldata with the nonce, hashed for the transaction hash."""

    address = KEEPER

    def sign(self, *, to: str, data: str, nonce: int, gas: int, max_fee: int, priority_fee: int) -> SignedTx:
        raw = "0x" + f"{nonce:08x}" + to[2:].lower() + data.removeprefix("0x")
        return SignedTx(raw=raw, tx_hash="0x" + keccak(hexstr=raw).hex())


class ScriptedNode:
    """Answers the requests a keeper cycle makes; `quotes[path]` is what `quote(amount, path)` returns per 1e18 of
    input value (None: no pool), so a test states a route's price without knowing the amount planned."""

    def __init__(self, vaults: list[FakeVault]):
        self.vaults = {v.address: v for v in vaults}
        # The pools sit at the oracle's prices (arbitraged), so a rate of 10,000 bps is a fill at the oracle price.
        self.pool_prices = {token: price for v in vaults for token, price in v.prices.items()}
        self.quotes: dict[tuple[str, ...], int | None] = {}  # path -> output per input at the oracle rate, in bps
        self.quotes_v3: dict[tuple[str, ...], int | None] = {}  # the same for Uniswap V3 (QuoterV2) ...
        self.v3_tiers: dict[int, int] = {3_000: 0}  # ... in pools of these fee tiers, each paying this many bps more
        self.requests: list[tuple[str, list]] = []
        self.broadcast: list[str] = []
        self.round_trips = 0
        self.nonce = 0
        self.mined = False  # True: every broadcast transaction has a receipt in the head block
        self.block = BLOCK  # the head

    def call(self, method: str, params: list):
        self.round_trips += 1
        answer = self._answer(method, params)
        if isinstance(answer, RpcError):
            raise answer
        return answer

    def batch(self, requests: list[tuple[str, list]]) -> list:
        self.round_trips += 1
        return [self._answer(method, params) for method, params in requests]

    def calls_to(self, vault: str) -> list[str]:
        """Simulations and estimates of `vault`'s rebalance this node was asked for."""
        rebalance = "0x" + abi.VAULT_REBALANCE.selector.hex()
        return [
            m for m, p in self.requests
            if m in ("eth_call", "eth_estimateGas") and p[0]["to"] == vault and p[0]["data"].startswith(rebalance)
        ]  # fmt: skip

    def _answer(self, method: str, params: list):
        self.requests.append((method, params))
        if method == "eth_getBlockByNumber":
            number = hex(self.block)
            return {"number": number, "timestamp": hex(NOW), "baseFeePerGas": hex(GWEI), "hash": "0x" + "ab" * 32}
        if method == "eth_chainId":
            return "0x7a69"
        if method == "eth_getCode":
            return "0x6000"
        if method == "eth_getTransactionCount":
            return hex(self.nonce)
        if method == "eth_getTransactionReceipt":
            if not self.mined:
                return None  # the trade stays in flight
            return {"blockNumber": hex(self.block), "status": "0x1", "gasUsed": hex(300_000), "effectiveGasPrice": hex(GWEI)}
        if method == "eth_sendRawTransaction":
            self.broadcast.append(params[0])
            self.nonce += 1
            return "0x" + keccak(hexstr=params[0]).hex()
        call = params[0]
        data = bytes.fromhex(call["data"].removeprefix("0x"))
        selector, args = data[:4], data[4:]
        if call["to"] == LENS and selector == abi.LENS_STATE.selector:
            (vault,) = decode(["address"], args)
            return "0x" + encode([abi.VAULT_STATE], [self.vaults[to_checksum_address(vault)].state()]).hex()
        if call["to"] == LENS and selector == abi.LENS_ACCESS.selector:
            vault, account, adapter, candidates = decode(list(abi.LENS_ACCESS.inputs), args)
            vault, account, adapter = (to_checksum_address(a) for a in (vault, account, adapter))
            answer = self.vaults[vault].access(account, adapter, [to_checksum_address(c) for c in candidates])
            return "0x" + encode([abi.ACCESS], [answer]).hex()
        if call["to"] == ADAPTER and selector == abi.ADAPTER_QUOTE.selector:
            amount, route = decode(["uint256", "bytes"], args)
            path = tuple(to_checksum_address(t) for t in decode(["address[]"], route)[0])
            rate = self.quotes.get(path, self.quotes.get("*"))
            if rate is None:
                return RpcError(method, 3, "execution reverted", None)
            value = amount * self.pool_prices[path[0]] // 10 ** DECIMALS[path[0]] * rate // 10_000
            return "0x" + encode(["uint256"], [value * 10 ** DECIMALS[path[-1]] // self.pool_prices[path[-1]]]).hex()
        if call["to"] == QUOTER_V3 and selector == abi.QUOTER_V3_EXACT_INPUT.selector:
            packed, amount = decode(["bytes", "uint256"], args)
            path = tuple(to_checksum_address(packed[i : i + 20]) for i in range(0, len(packed), 23))
            fees = {int.from_bytes(packed[i : i + 3], "big") for i in range(20, len(packed), 23)}
            rate = self.quotes_v3.get(path, self.quotes_v3.get("*"))
            if rate is None or len(fees) != 1 or next(iter(fees)) not in self.v3_tiers:
                return RpcError(method, 3, "execution reverted", None)
            rate += self.v3_tiers[next(iter(fees))]
            value = amount * self.pool_prices[path[0]] // 10 ** DECIMALS[path[0]] * rate // 10_000
            out = value * 10 ** DECIMALS[path[-1]] // self.pool_prices[path[-1]]
            return "0x" + encode(list(abi.QUOTER_V3_EXACT_INPUT.outputs), [out, [], [], 90_000]).hex()
        if selector == abi.TOKEN_SYMBOL.selector:
            token = call["to"]
            symbol = SYMBOLS.get(token) or (self.vaults[token].symbol if token in self.vaults else None)
            return "0x" + encode(["string"], [symbol]).hex() if symbol else RpcError(method, 3, "no symbol", None)
        if call["to"] in self.vaults:  # a rebalance simulated or estimated
            reason = self.vaults[call["to"]].simulation_revert
            if reason is not None:
                return RpcError(method, 3, "execution reverted", "0x08c379a0" + encode(["string"], [reason]).hex())
            return "0x" if method == "eth_call" else hex(400_000)
        raise AssertionError(f"unexpected {method} {params}")


def make_keeper(node: ScriptedNode, journal: Journal, sign: bool = True, **overrides) -> Keeper:
    settings = load_settings(lens=LENS, vaults=list(node.vaults), adapter=ADAPTER, confirmations=1, **overrides)
    chain = Chain(node, LENS, vaults=list(node.vaults))
    metrics = Metrics()
    policy = SendPolicy(max_fee=100 * GWEI, priority_fee=GWEI, gas_margin=2_000, stuck_blocks=3, confirmations=1,
                        max_failures=3)  # fmt: skip
    executor = Executor(node, FakeSigner(), journal, policy, metrics) if sign else None
    return Keeper(settings, chain, journal, metrics, executor)


@pytest.fixture
def keeper_log(caplog):
    """The keeper logger's records, whether or not it propagates (the CLI and the bot turn propagation off)."""
    logger = logging.getLogger("keeper")
    level, propagate = logger.level, logger.propagate
    logger.addHandler(caplog.handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False  # else the root logger's copy of caplog's handler sees each record a second time
    yield caplog
    logger.removeHandler(caplog.handler)
    logger.setLevel(level)
    logger.propagate = propagate


@pytest.fixture
def journal():
    j = Journal(":memory:")
    yield j
    j.close()


def honest(n: int = 1) -> FakeVault:
    """A vault this keeper serves, with WETH 30 % up: it has a trade to make."""
    return FakeVault(address(0xA000 + n)).drift(WETH, 2_600 * ONE)


def sent_vaults(node: ScriptedNode) -> list[str]:
    """The vaults whose trades were broadcast, once each (an unmined trade is re-sent every cycle), in order."""
    return list(dict.fromkeys(to_checksum_address("0x" + raw[10:50]) for raw in node.broadcast))


# --- 1. a stranger's vault cannot stop the keeper -------------------------------------------------------------------


def test_cycle__three_strangers_vaults_not_listing_the_keeper__not_simulated_and_the_victim_is_traded(journal):
    strangers = [FakeVault(address(0xB000 + i), keepers=(STRANGER,)).drift(WETH, 2_600 * ONE) for i in range(3)]
    victim = honest()
    node = ScriptedNode([*strangers, victim])
    node.quotes["*"] = 9_970
    keeper = make_keeper(node, journal)

    reports = [keeper.cycle() for _ in range(3)]

    assert all(node.calls_to(s.address) == [] for s in strangers)
    assert all("not served" in reports[0].skipped[s.address] for s in strangers)
    assert sent_vaults(node) == [victim.address]
    assert journal.breakers() == {} and journal.failures() == 0


def lens_reads(node: ScriptedNode, vault: str) -> int:
    """How many times the lens was asked for `vault`'s state."""
    word = vault[2:].lower().rjust(64, "0")
    state = "0x" + abi.LENS_STATE.selector.hex()
    return sum(1 for m, p in node.requests if m == "eth_call" and p[0]["data"] == state + word)


def test_cycle__strangers_vault__read_again_only_after_recheck_blocks_then_served_once_it_lists_the_keeper(journal):
    stranger = FakeVault(address(0xB009), keepers=(STRANGER,)).drift(WETH, 2_600 * ONE)
    node = ScriptedNode([stranger])
    node.quotes["*"] = 9_970
    keeper = make_keeper(node, journal)

    for block in range(BLOCK, BLOCK + RECHECK_BLOCKS):
        node.block = block
        report = keeper.cycle()
    stranger.keepers = (KEEPER,)  # governance adds this keeper
    node.block = BLOCK + RECHECK_BLOCKS
    keeper.cycle()

    assert lens_reads(node, stranger.address) == 2  # once when found, once RECHECK_BLOCKS later
    assert report.skipped[stranger.address].startswith("not served: ")
    assert sent_vaults(node) == [stranger.address]


def test_cycle__vault_whose_policy_does_not_allow_the_adapter__skipped_naming_it_never_simulated(journal):
    vault = FakeVault(address(0xB001), adapters=(address(0xE41),)).drift(WETH, 2_600 * ONE)
    node = ScriptedNode([vault])
    node.quotes["*"] = 9_970

    report = make_keeper(node, journal).cycle()

    assert report.skipped[vault.address] == f"not served: the vault's policy does not allow adapter {ADAPTER}"
    assert node.calls_to(vault.address) == [] and node.broadcast == []


def test_cycle__stranger_lists_the_keeper_but_never_simulates__only_its_breaker_trips_others_keep_trading(journal):
    hostile = FakeVault(address(0xB002), simulation_revert="mock: balanceOf burns gas").drift(WETH, 2_600 * ONE)
    victims = [honest(i) for i in range(4)]
    node = ScriptedNode([hostile, *victims[:1]])
    node.quotes["*"] = 9_970
    keeper = make_keeper(node, journal)

    for victim in victims:  # each cycle a new honest vault appears beside the hostile one
        node.vaults[victim.address] = victim
        keeper.chain._vaults = list(node.vaults)
        keeper.cycle()

    assert list(journal.breakers()) == [hostile.address]
    assert "mock: balanceOf burns gas" in journal.breakers()[hostile.address]
    assert journal.failures() == 0
    assert sent_vaults(node) == [v.address for v in victims]
    assert len(node.calls_to(hostile.address)) == 2 * 3  # eth_call + estimate, three cycles, then its breaker holds


def test_cycle__strategist_keeper__never_asks_the_strategy_about_a_strangers_vault(journal):
    mine = FakeVault(address(0xA001), strategist=KEEPER)
    theirs = FakeVault(address(0xB003), strategist=STRANGER, keepers=(STRANGER,))
    node = ScriptedNode([mine, theirs])
    keeper = make_keeper(node, journal)
    asked = []

    class Strategist:
        def order(self, state, now):
            asked.append(state.vault)

    keeper.strategist = Strategist()
    keeper.cycle()

    assert asked == [mine.address]


def test_cycle__watching_without_an_account__plans_every_vault_and_sends_nothing(journal):
    vault = FakeVault(address(0xB004), keepers=(STRANGER,)).drift(WETH, 2_600 * ONE)
    node = ScriptedNode([vault])

    report = make_keeper(node, journal, sign=False).cycle()

    assert vault.address in report.plans and report.plans[vault.address].trades
    assert report.skipped[vault.address] == "no signer: watching only"
    assert node.broadcast == [] and node.calls_to(vault.address) == []


# --- 2. a vault's breaker depends only on its own oracle ------------------------------------------------------------


def test_cycle__stranger_oracle_walks_weth_up_in_steps__honest_vault_on_another_oracle_not_tripped(journal):
    mine = FakeVault(address(0xA001))  # WETH at $2,000 from ORACLE, unchanged throughout
    # A vault with its own oracle that even lists this keeper (anyone may), so its prices are checked too.
    theirs = FakeVault(address(0xB005), oracle=OTHER_ORACLE).drift(WETH, 2_400 * ONE)
    node = ScriptedNode([mine, theirs])
    keeper = make_keeper(node, journal)

    keeper.cycle()
    theirs.prices[WETH] = 3_000 * ONE  # +25 %: within the limit, step by step
    keeper.cycle()
    keeper.cycle()

    assert journal.breakers() == {}
    assert journal.last_prices()[(ORACLE, WETH)] == 2_000 * ONE
    assert journal.last_prices()[(OTHER_ORACLE, WETH)] == 3_000 * ONE


def test_cycle__vaults_sharing_an_oracle_and_a_jump__both_tripped_with_symbol_and_dollars(journal, keeper_log):
    first, second = FakeVault(address(0xA001)), FakeVault(address(0xA002))
    node = ScriptedNode([first, second])
    keeper = make_keeper(node, journal)
    keeper.cycle()

    first.prices[WETH] = second.prices[WETH] = 2_600 * ONE
    keeper.cycle()

    assert set(journal.breakers()) == {first.address, second.address}
    assert journal.breakers()[first.address] == (
        "oracle price of WETH moved +3,000 bps since the keeper last saw it ($2,000.00 -> $2,600.00; limit 2,500 bps)"
    )
    assert f"breaker tripped for KIDX {first.address[:6]}…{first.address[-4:]}" in keeper_log.text


# --- 3. routes and slippage from the vault's policy, quoted before anything is simulated ----------------------------


def test_cycle__no_direct_pool__routes_through_a_deployment_token_the_vaults_oracle_prices(journal):
    vault = FakeVault(address(0xA001), tokens=(UNI, MKR, WBTC)).drift(UNI, 10 * ONE)
    node = ScriptedNode([vault])
    node.quotes = {(UNI, USDC, MKR): 9_940, (UNI, USDC, WBTC): 9_940}  # two 0.3 % pool fees; no direct pools

    report = make_keeper(node, journal, route_tokens=[WETH, USDC]).cycle()

    (order,) = report.orders
    (call,) = [decode(list(abi.VAULT_REBALANCE.inputs), bytes.fromhex(order.calldata[10:]))]
    assert tuple(to_checksum_address(t) for t in decode(["address[]"], call[5])[0])[1] == USDC
    assert " UNI -> MKR via UNI -> USDC -> MKR, " in order.description
    assert sent_vaults(node) == [vault.address]


def test_cycle__route_token_the_vaults_oracle_does_not_price__never_quoted_so_never_simulated(journal):
    vault = FakeVault(address(0xA001), tokens=(UNI, MKR, WBTC), priced=(UNI, MKR, WBTC)).drift(UNI, 10 * ONE)
    node = ScriptedNode([vault])
    node.quotes = {(UNI, USDC, MKR): 9_940, (UNI, USDC, WBTC): 9_940}  # the pools exist; the policy forbids the hop

    report = make_keeper(node, journal, route_tokens=[USDC]).cycle()

    assert report.skipped[vault.address] == "no pool quotes UNI -> MKR on any allowed route"
    assert node.calls_to(vault.address) == []


def test_cycle__default_slippage__min_out_at_the_policys_max_slippage_so_two_pool_fees_fit(journal):
    vault = FakeVault(address(0xA001), tokens=(UNI, MKR, WBTC)).drift(UNI, 10 * ONE)
    node = ScriptedNode([vault])
    node.quotes = {(UNI, USDC, MKR): 9_940, (UNI, USDC, WBTC): 9_940}

    (order,) = make_keeper(node, journal, route_tokens=[USDC]).cycle().orders

    _, buy, _, min_out, _, _ = decode(list(abi.VAULT_REBALANCE.inputs), bytes.fromhex(order.calldata[10:]))
    buy = to_checksum_address(buy)
    worth = min_out * vault.prices[buy] // 10 ** DECIMALS[buy]
    one_less = (min_out - 1) * vault.prices[buy] // 10 ** DECIMALS[buy]
    assert worth * 10_000 >= order.value_in * 9_900 > one_less * 10_000  # the fewest units worth 99 %: 100 bps


def test_cycle__route_via_symbol__resolved_among_the_vaults_tokens_and_quoted(journal):
    vault = FakeVault(address(0xA001), tokens=(UNI, MKR, USDC)).drift(UNI, 10 * ONE)
    node = ScriptedNode([vault])
    node.quotes = {(UNI, USDC, MKR): 9_940, (UNI, USDC): 9_970}

    report = make_keeper(node, journal, route_via="USDC").cycle()

    (order,) = report.orders  # UNI -> MKR (the most underweight); only the route through USDC has pools
    assert " UNI -> MKR via UNI -> USDC -> MKR, " in order.description


def test_cycle__best_quote_below_min_out__skipped_in_words_not_simulated_and_no_failure(journal):
    vault = honest()
    node = ScriptedNode([vault])
    node.quotes["*"] = 9_800  # 2 % below the oracle: a pool out of line, or a sandwich being set up

    report = make_keeper(node, journal, slippage=50).cycle()

    reason = report.skipped[vault.address]
    assert reason.startswith("best quote ") and " is below min_out " in reason and "USDC" in reason
    assert node.calls_to(vault.address) == [] and node.broadcast == []
    assert journal.failures(vault.address) == 0 and journal.failures() == 0


def test_cycle__no_pool_on_any_route__skipped_naming_the_pair(journal):
    vault = honest()
    node = ScriptedNode([vault])

    report = make_keeper(node, journal).cycle()

    assert report.skipped[vault.address] == "no pool quotes WETH -> USDC on any allowed route"


# --- 5. what the operator reads --------------------------------------------------------------------------------------


def test_cycle__trade_sent__logged_with_vault_symbols_amounts_min_out_quote_and_tx_hash(journal, keeper_log):
    vault = honest()
    node = ScriptedNode([vault])
    node.quotes["*"] = 9_970

    make_keeper(node, journal).cycle()

    (line,) = [r.getMessage() for r in keeper_log.records if r.getMessage().startswith("sent ")]
    tx_hash = "0x" + keccak(hexstr=node.broadcast[0]).hex()
    assert line.startswith(f"sent KIDX {vault.address[:6]}…{vault.address[-4:]}: sell ")
    assert " WETH -> USDC via WETH -> USDC, min_out " in line and " USDC, quote " in line
    assert line.endswith(f", nonce 0, tx {tx_hash}")
    assert "e+" not in line and "0x" + "0" * 36 not in line


def test_cycle__oracle_refuses_a_price__reason_names_the_token_by_symbol_and_the_oracles_words(journal):
    vault = FakeVault(address(0xA001), refused=(WBTC,))
    node = ScriptedNode([vault])

    report = make_keeper(node, journal).cycle()

    assert report.skipped[vault.address] == "oracle refused a price for WBTC: oracle_router: stale price"


def test_cycle__trade_final__logged_in_the_same_words_as_when_it_was_sent(journal, keeper_log):
    vault = honest()
    node = ScriptedNode([vault])
    node.quotes["*"] = 9_970
    keeper = make_keeper(node, journal)
    keeper.cycle()
    node.mined = True

    keeper.cycle()

    messages = [r.getMessage() for r in keeper_log.records]
    sent = next(m for m in messages if m.startswith("sent "))
    final = next(m for m in messages if m.startswith("final: "))
    assert final.startswith("final: " + sent.removeprefix("sent ").split(", nonce")[0] + f" in block {BLOCK} (tx 0x")


def test_cycle__cooling_down__reason_gives_a_utc_date_time():
    vault = honest()
    vault_state = list(vault.state())
    node = ScriptedNode([vault])
    vault.state = lambda: (*vault_state[:13], NOW - 600, *vault_state[14:])  # traded 10 minutes ago

    report = make_keeper(node, Journal(":memory:")).cycle()

    assert report.skipped[vault.address].startswith("cooling down until 2023-11-14 23:03:20 UTC (1700003000); ")


def test_cycle__node_fails__counted_in_cycles_failed(journal):
    node = ScriptedNode([honest()])
    keeper = make_keeper(node, journal)
    node._answer = lambda method, params: (_ for _ in ()).throw(RpcError(method, -32000, "node is syncing"))

    with pytest.raises(RpcError):
        keeper.cycle()

    assert keeper.metrics.value("keeper_cycles_failed_total") == 1


# --- 6. two venues: Uniswap V2 and V3, quoted in one batch, the better one sent ---------------------------------------


def make_v3_keeper(node: ScriptedNode, journal: Journal, **overrides) -> Keeper:
    return make_keeper(node, journal, adapter_v3=ADAPTER_V3, quoter_v3=QUOTER_V3, **overrides)


def sent_call(order) -> tuple:
    """The `rebalance` arguments of an order: (sell, buy, amount_in, min_out, adapter, data)."""
    return decode(list(abi.VAULT_REBALANCE.inputs), bytes.fromhex(order.calldata[10:]))


def quoter_requests(node: ScriptedNode) -> int:
    return sum(1 for m, p in node.requests if m == "eth_call" and p[0]["to"] == QUOTER_V3)


def test_cycle__v3_pays_more__sent_through_the_v3_adapter_with_a_packed_path(journal):
    vault = honest()
    vault.adapters = (ADAPTER, ADAPTER_V3)
    node = ScriptedNode([vault])
    node.quotes["*"], node.quotes_v3["*"] = 9_970, 9_985

    (order,) = make_v3_keeper(node, journal).cycle().orders

    *_, adapter, data = sent_call(order)
    assert to_checksum_address(adapter) == ADAPTER_V3
    assert data == abi.encode_v3_path((WETH, USDC), 3_000)
    assert " via WETH -> USDC on Uniswap V3 (0.3 %), " in order.description
    assert sent_vaults(node) == [vault.address]


def test_cycle__v3_pool_of_another_tier_pays_more__sent_with_that_tier_in_the_path(journal):
    vault = honest()
    vault.adapters = (ADAPTER, ADAPTER_V3)
    node = ScriptedNode([vault])
    node.quotes["*"], node.quotes_v3["*"] = 9_970, 9_970
    node.v3_tiers = {500: 25, 3_000: 0, 10_000: -70}  # the 0.05 % pool pays 25 bps more than the 0.3 % one

    (order,) = make_v3_keeper(node, journal).cycle().orders

    *_, adapter, data = sent_call(order)
    assert to_checksum_address(adapter) == ADAPTER_V3
    assert data == abi.encode_v3_path((WETH, USDC), 500)
    assert " via WETH -> USDC on Uniswap V3 (0.05 %), " in order.description


def test_cycle__v2_pays_more__sent_through_the_v2_adapter_with_an_abi_path(journal):
    vault = honest()
    vault.adapters = (ADAPTER, ADAPTER_V3)
    node = ScriptedNode([vault])
    node.quotes["*"], node.quotes_v3["*"] = 9_985, 9_970

    (order,) = make_v3_keeper(node, journal).cycle().orders

    *_, adapter, data = sent_call(order)
    assert to_checksum_address(adapter) == ADAPTER
    assert data == abi.encode_path((WETH, USDC))
    assert "Uniswap V3" not in order.description


def test_cycle__v3_quoted__same_round_trips_as_v2_alone():
    """Both venues go in the one quote batch (the quotes need the planned amounts, so they cannot ride in the state
    batch), and the V3 adapter's `access` rides in the state batch: V3 costs no round trip."""
    trips = []
    for make in (make_keeper, make_v3_keeper):
        vault = honest()
        vault.adapters = (ADAPTER, ADAPTER_V3)
        node = ScriptedNode([vault])
        node.quotes["*"], node.quotes_v3["*"] = 9_970, 9_985
        fresh = Journal(":memory:")
        report = make(node, fresh).cycle()
        fresh.close()
        assert report.orders
        trips.append(report.round_trips)
    assert trips[0] == trips[1]


def test_cycle__policy_allows_only_v2__v3_never_quoted_and_v2_sent(journal):
    vault = honest()  # adapters: (ADAPTER,)
    node = ScriptedNode([vault])
    node.quotes["*"], node.quotes_v3["*"] = 9_970, 9_990

    (order,) = make_v3_keeper(node, journal).cycle().orders

    assert to_checksum_address(sent_call(order)[4]) == ADAPTER
    assert quoter_requests(node) == 0


def test_cycle__policy_allows_only_v3__served_and_sent_through_v3(journal):
    vault = honest()
    vault.adapters = (ADAPTER_V3,)
    node = ScriptedNode([vault])
    node.quotes["*"], node.quotes_v3["*"] = 9_990, 9_970  # V2 would pay more, but the vault does not allow it

    report = make_v3_keeper(node, journal).cycle()

    (order,) = report.orders
    assert to_checksum_address(sent_call(order)[4]) == ADAPTER_V3
    assert not any(m == "eth_call" and p[0]["to"] == ADAPTER for m, p in node.requests)


def test_cycle__policy_allows_neither_adapter__not_served_naming_both(journal):
    vault = honest()
    vault.adapters = ()
    node = ScriptedNode([vault])

    report = make_v3_keeper(node, journal).cycle()

    assert report.skipped[vault.address] == (
        f"not served: the vault's policy does not allow adapter {ADAPTER} nor Uniswap V3 adapter {ADAPTER_V3}"
    )


def test_cycle__v3_below_min_out_and_v2_without_pool__skipped_naming_the_v3_quote(journal):
    vault = honest()
    vault.adapters = (ADAPTER, ADAPTER_V3)
    node = ScriptedNode([vault])
    node.quotes_v3["*"] = 9_800

    report = make_v3_keeper(node, journal, slippage=50).cycle()

    reason = report.skipped[vault.address]
    assert reason.startswith("best quote ") and "(Uniswap V3, 0.3 %) is below min_out" in reason
    assert node.broadcast == []


def test_quote_plans__watching__both_venues_quoted_per_planned_trade_in_one_round_trip(journal):
    vault = honest()
    vault.adapters = (ADAPTER, ADAPTER_V3)
    node = ScriptedNode([vault])
    node.quotes["*"], node.quotes_v3["*"] = 9_970, 9_985
    keeper = make_v3_keeper(node, journal)
    keeper.executor = None  # `keeper plan`: no signer
    report = keeper.cycle()
    trips = node.round_trips

    quotes = keeper.quote_plans(report)

    assert node.round_trips - trips <= 2  # the quotes, and the hops' symbols the first time
    (per_trade,) = quotes[vault.address][:1]
    assert {q.venue for q in per_trade} == {"v2", "v3"}
    assert len(quotes[vault.address]) == len(report.plans[vault.address].trades)
