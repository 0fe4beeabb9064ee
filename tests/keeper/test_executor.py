"""keeper.executor: the fee arithmetic with exact integers (and fuzzed against the replacement rule), then Executor's
submit and reconcile against a scripted node, a deterministic signer and an in-memory journal — no chain."""

import json
from dataclasses import asdict, dataclass, replace

import pytest
from eth_abi import encode
from eth_utils import keccak, to_checksum_address
from hypothesis import example, given
from hypothesis import strategies as st

from keeper.chain import Head
from keeper.errors import RpcError
from keeper.executor import (
    BUMP_DENOMINATOR,
    BUMP_NUMERATOR,
    FILLER_GAS,
    Executor,
    Order,
    SendPolicy,
    bump,
    initial_fees,
    replacement_fees,
)
from keeper.journal import GLOBAL, Journal, Send
from keeper.metrics import Metrics
from keeper.signer import SignedTx

GWEI = 10**9
MAX_UINT256 = 2**256 - 1
KEEPER = to_checksum_address("0x" + "ee" * 20)
VAULT_A = to_checksum_address("0x" + "aa" * 20)
VAULT_B = to_checksum_address("0x" + "bb" * 20)
VAULT_C = to_checksum_address("0x" + "cc" * 20)
VAULT_D = to_checksum_address("0x" + "dd" * 20)
VAULT_E = to_checksum_address("0x" + "de" * 20)
CALL_A = "0x" + "a1" * 36
CALL_B = "0x" + "b2" * 36
POLICY = SendPolicy(
    max_fee=100 * GWEI, priority_fee=1 * GWEI, gas_margin=2_000, stuck_blocks=3, confirmations=2, max_failures=3
)


def head(number: int = 100, base_fee: int = 10 * GWEI) -> Head:
    return Head(number=number, timestamp=1_700_000_000 + 12 * number, base_fee=base_fee, hash=f"0x{number:064x}")


def last_send(max_fee: int, priority_fee: int) -> Send:
    return Send("0x" + "00" * 32, 1, "0x02", max_fee, priority_fee, 100, False)


def revert_data(reason: str) -> str:
    """What a node puts in `error.data` for `revert(reason)`: Error(string)."""
    return "0x08c379a0" + encode(["string"], [reason]).hex()


def order_a(key: str = "rebalance:A:1") -> Order:
    return Order(key=key, vault=VAULT_A, to=VAULT_A, calldata=CALL_A, value_in=5 * 10**21)


def order_b(key: str = "rebalance:B:1") -> Order:
    return Order(key=key, vault=VAULT_B, to=VAULT_B, calldata=CALL_B)


# --- bump -----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fee, bumped",
    [(0, 1), (1, 2), (7, 8), (8, 9), (9, 11), (16, 18), (17, 20), (GWEI, 1_125_000_000), (21 * GWEI, 23_625_000_000)],
)
def test_bump__fee__raised_by_an_eighth_rounded_up_and_at_least_one_wei(fee, bumped):
    assert bump(fee) == bumped


@given(fee=st.integers(min_value=0, max_value=MAX_UINT256))
@example(fee=0)
@example(fee=1)
@example(fee=MAX_UINT256)
def test_bump__any_fee__matches_reference_ceil_nine_eighths_or_plus_one(fee):
    reference = max((9 * fee + 7) // 8, fee + 1)

    assert bump(fee) == reference
    assert bump(fee) * BUMP_DENOMINATOR >= fee * BUMP_NUMERATOR and bump(fee) > fee


# --- initial_fees ---------------------------------------------------------------------------------------------------


def test_initial_fees__base_fee_well_below_cap__room_to_double_plus_priority():
    assert initial_fees(10 * GWEI, POLICY) == (21 * GWEI, 1 * GWEI)


def test_initial_fees__doubled_base_fee_passes_cap__max_fee_is_the_cap():
    assert initial_fees(60 * GWEI, POLICY) == (100 * GWEI, 1 * GWEI)


def test_initial_fees__base_fee_one_wei_below_cap__priority_clipped_to_one_wei():
    assert initial_fees(100 * GWEI - 1, POLICY) == (100 * GWEI, 1)


def test_initial_fees__base_fee_half_a_gwei_below_cap__priority_clipped_so_base_plus_priority_is_cap():
    max_fee, priority = initial_fees(100 * GWEI - GWEI // 2, POLICY)

    assert (max_fee, priority) == (100 * GWEI, GWEI // 2)


def test_initial_fees__base_fee_at_cap__none():
    assert initial_fees(100 * GWEI, POLICY) is None


def test_initial_fees__base_fee_above_cap__none():
    assert initial_fees(100 * GWEI + 1, POLICY) is None


def test_initial_fees__zero_base_fee__priority_only():
    assert initial_fees(0, POLICY) == (1 * GWEI, 1 * GWEI)


# --- replacement_fees -----------------------------------------------------------------------------------------------


def test_replacement_fees__base_fee_unchanged__both_fields_up_an_eighth():
    assert replacement_fees(last_send(21 * GWEI, GWEI), 10 * GWEI, POLICY) == (23_625_000_000, 1_125_000_000)


def test_replacement_fees__base_fee_rose__max_fee_covers_twice_base_plus_priority():
    assert replacement_fees(last_send(21 * GWEI, GWEI), 30 * GWEI, POLICY) == (61_125_000_000, 1_125_000_000)


def test_replacement_fees__last_priority_below_configured__configured_priority():
    assert replacement_fees(last_send(21 * GWEI, 1), 10 * GWEI, POLICY) == (23_625_000_000, 1 * GWEI)


def test_replacement_fees__last_priority_above_configured__bumped_last_priority():
    assert replacement_fees(last_send(40 * GWEI, 8 * GWEI), 10 * GWEI, POLICY) == (45 * GWEI, 9 * GWEI)


def test_replacement_fees__bumped_max_fee_exactly_cap__allowed():
    assert replacement_fees(last_send(800 * GWEI // 9, GWEI), 0, replace(POLICY, max_fee=800 * GWEI // 9 * 9 // 8))


def test_replacement_fees__bumped_max_fee_one_wei_over_cap__none():
    last = last_send(88 * GWEI, GWEI)  # bumped: 99 gwei

    assert replacement_fees(last, 0, replace(POLICY, max_fee=99 * GWEI)) == (99 * GWEI, 1_125_000_000)
    assert replacement_fees(last, 0, replace(POLICY, max_fee=99 * GWEI - 1)) is None


def test_replacement_fees__twice_base_plus_priority_over_cap__none():
    assert replacement_fees(last_send(21 * GWEI, GWEI), 50 * GWEI, POLICY) is None


@given(
    old_priority=st.integers(min_value=0, max_value=10**12),
    old_extra=st.integers(min_value=0, max_value=10**13),
    base_fee=st.integers(min_value=0, max_value=10**12),
    priority_fee=st.integers(min_value=0, max_value=10**11),
    cap=st.integers(min_value=0, max_value=10**14),
)
@example(old_priority=0, old_extra=0, base_fee=0, priority_fee=0, cap=0)
@example(old_priority=0, old_extra=0, base_fee=0, priority_fee=0, cap=1)
@example(old_priority=1, old_extra=0, base_fee=0, priority_fee=0, cap=2)
@example(old_priority=10**12, old_extra=10**13, base_fee=10**12, priority_fee=10**11, cap=10**14)
def test_replacement_fees__any_last_send__accepted_by_replacement_rule_or_none(
    old_priority, old_extra, base_fee, priority_fee, cap
):
    old_max = old_priority + old_extra
    policy = replace(POLICY, max_fee=cap, priority_fee=priority_fee)

    fees = replacement_fees(last_send(old_max, old_priority), base_fee, policy)

    needed_priority = max(bump(old_priority), priority_fee)
    if fees is None:
        assert max(bump(old_max), 2 * base_fee + needed_priority) > cap
    else:
        max_fee, priority = fees
        assert max_fee * BUMP_DENOMINATOR >= old_max * BUMP_NUMERATOR and max_fee > old_max
        assert priority * BUMP_DENOMINATOR >= old_priority * BUMP_NUMERATOR and priority > old_priority
        assert priority >= priority_fee and max_fee >= 2 * base_fee + priority
        assert priority <= max_fee <= cap


# --- fakes ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Signing:
    """The arguments of one `Signer.sign` call."""

    to: str
    data: str
    nonce: int
    gas: int
    max_fee: int
    priority_fee: int


class FakeSigner:
    """Signs nothing: `raw` is the hex of the JSON of the arguments (so the node can read the nonce back)."""

    def __init__(self):
        self.address = KEEPER
        self.signed: list[Signing] = []

    def sign(self, *, to: str, data: str, nonce: int, gas: int, max_fee: int, priority_fee: int) -> SignedTx:
        signing = Signing(to, data, nonce, gas, max_fee, priority_fee)
        self.signed.append(signing)
        body = json.dumps(asdict(signing), sort_keys=True).encode()
        return SignedTx(raw="0x" + body.hex(), tx_hash="0x" + keccak(body).hex())


def decode_raw(raw: str) -> dict:
    return json.loads(bytes.fromhex(raw.removeprefix("0x")))


class FakeRpc:
    """A scripted node: nonce counts, receipts by hash, reverts by calldata, refusals by nonce; it keeps every batch."""

    def __init__(self):
        self.pending_nonce = 0  # eth_getTransactionCount(keeper, "pending")
        self.nonce_at_head = 0  # eth_getTransactionCount(keeper, <head block>)
        self.receipts: dict[str, dict] = {}
        self.receipt_error: str | None = None  # every eth_getTransactionReceipt answers this error when set
        self.reverts: dict[str, str] = {}  # calldata -> revert data for eth_call and eth_estimateGas
        self.gas_estimate = 100_000
        self.refusals: dict[int, str] = {}  # nonce -> eth_sendRawTransaction error message
        self.broadcast: list[str] = []  # raw transactions received
        self.batches: list[list[tuple[str, list]]] = []
        self.calls: list[tuple[str, list]] = []
        self.round_trips = 0
        # When set, every broadcast is checked against this journal at the moment it arrives: bytes the journal
        # does not already hold land in `unjournaled` (a keeper killed right after would not know it sent them).
        self.journal: Journal | None = None
        self.unjournaled: list[str] = []

    def batch(self, requests: list[tuple[str, list]]) -> list:
        self.round_trips += 1
        self.batches.append(list(requests))
        return [self._answer(method, params) for method, params in requests]

    def call(self, method: str, params: list):
        self.round_trips += 1
        self.calls.append((method, params))
        answer = self._answer(method, params)
        if isinstance(answer, RpcError):
            raise answer
        return answer

    def broadcast_nonces(self) -> list[int]:
        return [decode_raw(raw)["nonce"] for raw in self.broadcast]

    def _answer(self, method: str, params: list):
        if method == "eth_getTransactionCount":
            assert params[0] == KEEPER
            return hex(self.pending_nonce if params[1] == "pending" else self.nonce_at_head)
        if method in ("eth_call", "eth_estimateGas"):
            assert params[0]["from"] == KEEPER and params[1] == "latest"
            if params[0]["data"] in self.reverts:
                return RpcError(method, 3, "execution reverted", self.reverts[params[0]["data"]])
            return "0x" if method == "eth_call" else hex(self.gas_estimate)
        if method == "eth_getTransactionReceipt":
            if self.receipt_error is not None:
                return RpcError(method, -32000, self.receipt_error)
            return self.receipts.get(params[0])
        if method == "eth_sendRawTransaction":
            if self.journal is not None and not self._journaled(params[0]):
                self.unjournaled.append(params[0])
            self.broadcast.append(params[0])
            refusal = self.refusals.get(decode_raw(params[0])["nonce"])
            return RpcError(method, -32000, refusal) if refusal else "0x" + keccak(hexstr=params[0]).hex()
        raise AssertionError(f"unexpected {method}")


    def _journaled(self, raw: str) -> bool:
        return any(send.raw == raw for intent in self.journal.intents() for send in self.journal.sends(intent.id))


def receipt(block: int, status: int = 1, gas_used: int = 150_000, price: int = 11 * GWEI) -> dict:
    return {"blockNumber": hex(block), "status": hex(status), "gasUsed": hex(gas_used), "effectiveGasPrice": hex(price)}


@pytest.fixture
def node():
    return FakeRpc()


@pytest.fixture
def signer():
    return FakeSigner()


@pytest.fixture
def journal():
    j = Journal(":memory:")
    yield j
    j.close()


@pytest.fixture
def metrics():
    return Metrics()


@pytest.fixture
def make_executor(node, signer, journal, metrics):
    def make(**policy) -> Executor:
        return Executor(node, signer, journal, replace(POLICY, **policy), metrics)

    return make


@pytest.fixture
def executor(make_executor):
    return make_executor()


def first_send(journal: Journal, intent_id: int) -> Send:
    return journal.sends(intent_id)[0]


# --- submit: what is sent -------------------------------------------------------------------------------------------


def test_submit__new_order__simulated_signed_journaled_and_broadcast(executor, node, signer, journal, metrics):
    node.pending_nonce = 4

    (intent,) = executor.submit([order_a()], head(100))

    assert node.batches[0] == [
        ("eth_getTransactionCount", [KEEPER, "pending"]),
        ("eth_call", [{"from": KEEPER, "to": VAULT_A, "data": CALL_A}, "latest"]),
        ("eth_estimateGas", [{"from": KEEPER, "to": VAULT_A, "data": CALL_A}, "latest"]),
    ]
    assert signer.signed == [
        Signing(to=VAULT_A, data=CALL_A, nonce=4, gas=120_000, max_fee=21 * GWEI, priority_fee=1 * GWEI)
    ]
    assert journal.intents() == [intent]
    assert (intent.key, intent.status, intent.nonce, intent.value_in, intent.created_block) == (
        "rebalance:A:1", "pending", 4, 5 * 10**21, 100)  # fmt: skip
    sent = first_send(journal, intent.id)
    assert (sent.max_fee, sent.priority_fee, sent.sent_block, sent.cancel) == (21 * GWEI, GWEI, 100, False)
    assert node.broadcast == [sent.raw]
    assert node.round_trips == 2
    assert metrics.value("keeper_trades_total", outcome="sent") == 1


def test_submit__key_already_pending__nothing_simulated_or_sent(executor, node, signer):
    executor.submit([order_a()], head(100))
    trips = node.round_trips

    assert executor.submit([order_a()], head(101)) == []

    assert node.round_trips == trips and len(signer.signed) == 1 and len(node.broadcast) == 1


def test_submit__key_already_final__nothing_sent(executor, node, journal):
    (intent,) = executor.submit([order_a()], head(100))
    journal.set_status(intent.id, "final")

    assert executor.submit([order_a()], head(110)) == []
    assert len(node.broadcast) == 1


def test_submit__key_of_a_failed_intent__sent_again(executor, node, journal):
    (intent,) = executor.submit([order_a()], head(100))
    journal.set_status(intent.id, "failed")
    node.pending_nonce = 1  # the failed transaction used nonce 0

    (again,) = executor.submit([order_a()], head(110))

    assert (again.key, again.nonce) == (intent.key, 1) and again.id != intent.id
    assert node.broadcast_nonces() == [0, 1]


def test_submit__key_of_a_rejected_intent_same_fees__sent_again_at_the_same_nonce(executor, node, journal):
    node.refusals[0] = "insufficient funds for gas * price + value"
    (rejected,) = executor.submit([order_a()], head(100))
    del node.refusals[0]  # the operator topped the account up

    (again,) = executor.submit([order_a()], head(101))  # same base fee, same nonce, same trade

    assert (again.nonce, journal.intent(again.id).status) == (0, "pending") and again.id != rejected.id


def test_submit__base_fee_at_cap__sends_nothing_and_counts_skipped(executor, node, journal, metrics):
    assert executor.submit([order_a(), order_b()], head(100, base_fee=POLICY.max_fee)) == []

    assert node.round_trips == 0 and journal.intents() == []
    assert metrics.value("keeper_trades_total", outcome="skipped") == 2


def test_submit__base_fee_one_wei_below_cap__sends_at_the_cap(executor, node, signer, metrics):
    (intent,) = executor.submit([order_a()], head(100, base_fee=POLICY.max_fee - 1))

    assert (intent.status, signer.signed[0].max_fee, signer.signed[0].priority_fee) == ("pending", POLICY.max_fee, 1)
    assert metrics.value("keeper_trades_total", outcome="skipped") == 0


def test_submit__gas_estimate__limit_is_estimate_plus_margin_rounded_down(make_executor, node, signer):
    node.gas_estimate = 100_001

    (intent,) = make_executor(gas_margin=2_000).submit([order_a()], head(100))

    assert intent.gas_limit == 120_001  # 100_001 * 12_000 // 10_000 = 120_001.2 -> 120_001
    assert signer.signed[0].gas == 120_001


def test_submit__zero_gas_margin__limit_is_the_estimate(make_executor, node):
    node.gas_estimate = 100_001

    (intent,) = make_executor(gas_margin=0).submit([order_a()], head(100))

    assert intent.gas_limit == 100_001


# --- submit: nonces -------------------------------------------------------------------------------------------------


def test_submit__node_pending_count_ahead_of_journal__nonces_from_node_one_per_order(executor, node, journal):
    node.pending_nonce = 3
    executor.submit([order_a("rebalance:A:0")], head(100))  # nonce 3
    node.pending_nonce = 9  # other transactions of this account are in the mempool

    intents = executor.submit([order_a(), order_b()], head(101))

    assert [i.nonce for i in intents] == [9, 10]
    assert node.broadcast_nonces() == [3, 9, 10]


def test_submit__journal_live_nonce_ahead_of_node__nonces_after_journal(executor, node, journal):
    node.pending_nonce = 3
    executor.submit([order_a("rebalance:A:0"), order_b("rebalance:B:0")], head(100))  # nonces 3 and 4
    node.pending_nonce = 2  # the node forgot them

    intents = executor.submit([order_a(), order_b()], head(101))

    assert [i.nonce for i in intents] == [5, 6]


def test_submit__journal_intents_not_live__ignored_for_nonces(executor, node, journal):
    node.pending_nonce = 3
    (old,) = executor.submit([order_a()], head(100))
    journal.set_status(old.id, "rejected")

    (intent,) = executor.submit([order_b()], head(101))

    assert intent.nonce == 3


def test_submit__live_intent_at_nonce_zero_node_forgot_it__next_order_gets_nonce_one(executor, node, journal):
    (first,) = executor.submit([order_a("rebalance:A:0")], head(100))  # nonce 0, the account's first transaction
    assert first.nonce == 0
    node.pending_nonce = 0  # the node lost it (restarted); the journal still holds nonce 0 live

    (second,) = executor.submit([order_b()], head(101))

    assert second.nonce == 1


# --- submit: failures -----------------------------------------------------------------------------------------------


def test_submit__simulation_reverts__nothing_journaled_or_sent_and_failure_counted_against_the_vault(
    executor, node, journal, metrics
):  # fmt: skip
    node.reverts[CALL_A] = revert_data("rebalance_policy: not keeper")

    assert executor.submit([order_a()], head(100)) == []

    assert journal.intents() == [] and node.broadcast == []
    assert (journal.failures(VAULT_A), journal.failures()) == (1, 0)
    assert metrics.value("keeper_trades_total", outcome="failed") == 1
    assert journal.breakers() == {}


@pytest.mark.parametrize("reason", ["rebalance_policy: loss budget exceeded", "rebalance_policy: cooldown"])
def test_submit__policy_says_not_now__skipped_without_a_failure_and_retried_next_cycle(executor, node, journal, metrics,
                                                                                     reason):  # fmt: skip
    node.reverts[CALL_A] = revert_data(reason)

    for block in (100, 101, 102, 103):
        assert executor.submit([order_a()], head(block)) == []

    assert journal.failures(VAULT_A) == 0 and journal.breakers() == {}
    assert metrics.value("keeper_trades_total", outcome="skipped") == 4
    del node.reverts[CALL_A]
    (intent,) = executor.submit([order_a()], head(104))
    assert intent.key == "rebalance:A:1"


def test_submit__one_of_two_simulations_reverts__other_sent_at_the_first_free_nonce(executor, node, journal):
    node.pending_nonce = 5
    node.reverts[CALL_A] = revert_data("rebalance_policy: sell not overweight")

    (intent,) = executor.submit([order_a(), order_b()], head(100))

    assert (intent.key, intent.nonce) == ("rebalance:B:1", 5)
    assert node.broadcast_nonces() == [5]
    assert (journal.failures(VAULT_A), journal.failures(VAULT_B), journal.failures()) == (1, 0, 0)


def test_submit__simulation_reverts_max_failures_times__only_that_vaults_breaker_names_the_reason(
    executor, node, journal, metrics
):  # fmt: skip
    node.reverts[CALL_A] = revert_data("rebalance_policy: not keeper")

    for block in (100, 101, 102):
        executor.submit([order_a()], head(block))

    assert (journal.failures(VAULT_A), journal.failures()) == (3, 0)
    assert journal.breakers() == {
        VAULT_A: "3 failures in a row, the last: rebalance:A:1: simulation reverted: rebalance_policy: not keeper"
    }
    assert metrics.value("keeper_breaker_tripped", scope=VAULT_A) == 1
    assert metrics.value("keeper_breaker_tripped", scope=GLOBAL) == 0


def test_submit__three_strangers_vaults_never_simulate__global_breaker_stays_and_an_honest_vault_is_sent(
    executor, node, journal
):  # fmt: skip
    strangers = [Order(key=f"rebalance:{v}:1", vault=v, to=v, calldata=f"0x{i:02x}" * 36)
                 for i, v in enumerate((VAULT_C, VAULT_D, VAULT_E), 1)]  # fmt: skip
    for order in strangers:
        node.reverts[order.calldata] = revert_data("rebalance_policy: adapter not allowed")

    for block in (100, 101, 102):
        executor.submit(strangers, head(block))
    (intent,) = executor.submit([*strangers, order_b()], head(103))

    assert GLOBAL not in journal.breakers() and journal.failures() == 0
    assert set(journal.breakers()) == {VAULT_C, VAULT_D, VAULT_E}
    assert intent.vault == VAULT_B and len(node.broadcast) == 1


def test_submit__simulation_reverts_one_fewer_than_max_failures__no_breaker(executor, node, journal, metrics):
    node.reverts[CALL_A] = revert_data("rebalance_policy: not keeper")

    for block in (100, 101):
        executor.submit([order_a()], head(block))

    assert journal.failures(VAULT_A) == 2
    assert journal.breakers() == {}
    assert metrics.value("keeper_breaker_tripped", scope=GLOBAL) == 0


def test_submit__first_send_refused_by_node__intent_rejected_and_failure_counted_against_the_keeper(executor, node, journal, metrics):
    node.refusals[0] = "insufficient funds for gas * price + value"

    (intent,) = executor.submit([order_a()], head(100))

    rejected = journal.intent(intent.id)
    assert (rejected.status, rejected.reason) == ("rejected", "insufficient funds for gas * price + value")
    assert journal.failures() == 1
    assert metrics.value("keeper_trades_total", outcome="failed") == 1
    assert metrics.value("keeper_trades_total", outcome="sent") == 0
    assert not journal.has_key(intent.key)


@pytest.mark.parametrize("message", ["already known", "nonce too low", "ALREADY KNOWN", "known transaction: 0xab"])
def test_submit__first_send_answered_harmless_error__intent_stays_pending(executor, node, journal, metrics, message):
    node.refusals[0] = message

    (intent,) = executor.submit([order_a()], head(100))

    assert journal.intent(intent.id).status == "pending"
    assert journal.failures() == 0
    assert metrics.value("keeper_trades_total", outcome="failed") == 0


# --- reconcile: landing ---------------------------------------------------------------------------------------------


@pytest.fixture
def sent(executor, node, journal):
    """One trade sent at block 100 (nonce 0, 21 gwei / 1 gwei), with a failure streak of 2 behind its vault."""
    journal.count_failure(VAULT_A)
    journal.count_failure(VAULT_A)
    (intent,) = executor.submit([order_a()], head(100))
    return intent


def test_reconcile__nothing_live__no_round_trip(executor, node):
    executor.reconcile(head(100))

    assert node.round_trips == 0


def test_reconcile__receipt_with_status_one__mined_with_gas_cost(executor, node, journal, sent):
    tx_hash = first_send(journal, sent.id).tx_hash
    node.receipts[tx_hash] = receipt(101, gas_used=150_000, price=11 * GWEI)
    node.nonce_at_head = 1

    executor.reconcile(head(101))

    mined = journal.intent(sent.id)
    assert (mined.status, mined.mined_block, mined.mined_hash) == ("mined", 101, tx_hash)
    assert (mined.gas_used, int(mined.gas_cost), mined.reason) == (150_000, 150_000 * 11 * GWEI, None)
    assert node.batches[-1] == [("eth_getTransactionCount", [KEEPER, "0x65"]), ("eth_getTransactionReceipt", [tx_hash])]
    assert journal.failures(VAULT_A) == 2  # not final yet


def test_reconcile__mined_and_confirmations_reached__final_and_failure_streak_cleared(executor, node, journal,
                                                                                      metrics, sent):  # fmt: skip
    node.receipts[first_send(journal, sent.id).tx_hash] = receipt(101, gas_used=150_000, price=11 * GWEI)
    node.nonce_at_head = 1
    executor.reconcile(head(101))

    executor.reconcile(head(102))

    assert journal.intent(sent.id).status == "final"
    assert journal.failures(VAULT_A) == 0
    assert metrics.value("keeper_trades_total", outcome="mined") == 1
    assert metrics.value("keeper_gas_spent_wei_total") == 150_000 * 11 * GWEI
    assert journal.live() == []


def test_reconcile__mined_one_block_short_of_confirmations__stays_mined(make_executor, node, journal, sent):
    executor = make_executor(confirmations=3)
    node.receipts[first_send(journal, sent.id).tx_hash] = receipt(101)
    node.nonce_at_head = 1

    executor.reconcile(head(102))  # 2 blocks of 3

    assert journal.intent(sent.id).status == "mined"
    assert journal.failures(VAULT_A) == 2


def test_reconcile__receipt_with_status_zero__failed_and_failure_counted(executor, node, journal, metrics, sent):
    node.receipts[first_send(journal, sent.id).tx_hash] = receipt(101, status=0)
    node.nonce_at_head = 1

    executor.reconcile(head(102))

    failed = journal.intent(sent.id)
    assert (failed.status, failed.reason) == ("failed", "reverted on chain")
    assert (journal.failures(VAULT_A), journal.failures()) == (3, 0)
    assert journal.breakers() == {VAULT_A: "3 failures in a row, the last: rebalance:A:1 reverted on chain"}
    assert metrics.value("keeper_trades_total", outcome="failed") == 1


def test_reconcile__receipt_with_status_zero_not_yet_confirmed__mined_reverted_no_failure_yet(executor, node,
                                                                                              journal, sent):  # fmt: skip
    node.receipts[first_send(journal, sent.id).tx_hash] = receipt(101, status=0)
    node.nonce_at_head = 1

    executor.reconcile(head(101))

    mined = journal.intent(sent.id)
    assert (mined.status, mined.reason) == ("mined", "reverted")
    assert journal.failures(VAULT_A) == 2


# --- reconcile: dropped, reorged ------------------------------------------------------------------------------------


def test_reconcile__no_receipt_and_nonce_used_at_head__dropped(executor, node, journal, sent):
    node.nonce_at_head = 1  # nonce 0 was used, not by any of this intent's transactions
    broadcast = len(node.broadcast)

    executor.reconcile(head(101))

    dropped = journal.intent(sent.id)
    assert dropped.status == "dropped"
    assert dropped.reason == "its nonce was used by a transaction this keeper did not send"
    assert len(node.broadcast) == broadcast  # nothing re-sent


def test_reconcile__no_receipt_and_nonce_not_used__stays_pending_and_same_bytes_resent(executor, node, journal, sent):
    node.nonce_at_head = 0

    executor.reconcile(head(101))

    assert journal.intent(sent.id).status == "pending"
    assert node.broadcast == [first_send(journal, sent.id).raw] * 2


def test_reconcile__receipt_lookup_errors_and_nonce_used__stays_pending(executor, node, journal, sent):
    node.receipts[first_send(journal, sent.id).tx_hash] = receipt(101)
    node.nonce_at_head = 1
    node.receipt_error = "transaction indexing is in progress"  # geth while it indexes after a restart

    executor.reconcile(head(102))

    assert journal.intent(sent.id).status == "pending"


def test_reconcile__mined_intent_receipt_gone__back_to_pending_and_reorg_counted(make_executor, node, journal,
                                                                                 metrics, sent):  # fmt: skip
    executor = make_executor(confirmations=3)
    tx_hash = first_send(journal, sent.id).tx_hash
    node.receipts[tx_hash] = receipt(101)
    node.nonce_at_head = 1
    executor.reconcile(head(101))
    del node.receipts[tx_hash]  # the block with the trade is gone
    node.nonce_at_head = 0

    executor.reconcile(head(102))

    back = journal.intent(sent.id)
    assert (back.status, back.mined_block, back.mined_hash, back.reason) == ("pending", None, None, None)
    assert metrics.value("keeper_reorgs_total") == 1
    assert node.broadcast[-1] == first_send(journal, sent.id).raw


def test_reconcile__mined_intent_receipt_still_there__no_reorg_counted(make_executor, node, journal, metrics, sent):
    executor = make_executor(confirmations=3)
    node.receipts[first_send(journal, sent.id).tx_hash] = receipt(101)
    node.nonce_at_head = 1
    executor.reconcile(head(101))

    executor.reconcile(head(102))

    assert journal.intent(sent.id).status == "mined"
    assert metrics.value("keeper_reorgs_total") == 0


def test_reconcile__mined_intent_reorged_into_another_block__follows_the_new_block(make_executor, node, journal,
                                                                                   sent):  # fmt: skip
    executor = make_executor(confirmations=3)
    tx_hash = first_send(journal, sent.id).tx_hash
    node.receipts[tx_hash] = receipt(101)
    node.nonce_at_head = 1
    executor.reconcile(head(101))
    node.receipts[tx_hash] = receipt(102)

    executor.reconcile(head(103))

    assert journal.intent(sent.id).mined_block == 102
    assert journal.intent(sent.id).status == "mined"  # 2 confirmations of 3 in the new block


# --- reconcile: stuck -----------------------------------------------------------------------------------------------


def test_reconcile__unmined_for_stuck_blocks__replacement_with_bumped_fees(executor, node, signer, journal, metrics,
                                                                           sent):  # fmt: skip
    executor.reconcile(head(103, base_fee=10 * GWEI))

    _, replacement = journal.sends(sent.id)
    assert (replacement.max_fee, replacement.priority_fee) == (23_625_000_000, 1_125_000_000)
    assert (replacement.sent_block, replacement.cancel, replacement.intent_id) == (103, False, sent.id)
    assert signer.signed[-1] == Signing(
        to=VAULT_A, data=CALL_A, nonce=0, gas=120_000, max_fee=23_625_000_000, priority_fee=1_125_000_000
    )
    assert node.broadcast[-1] == replacement.raw
    assert metrics.value("keeper_trades_total", outcome="replaced") == 1
    assert node.calls == [("eth_call", [{"from": KEEPER, "to": VAULT_A, "data": CALL_A}, "latest"])]


def test_reconcile__unmined_one_block_short_of_stuck_blocks__first_send_resent_unchanged(executor, node, journal,
                                                                                         sent):  # fmt: skip
    executor.reconcile(head(102))

    assert len(journal.sends(sent.id)) == 1
    assert node.broadcast[-1] == first_send(journal, sent.id).raw


def test_reconcile__stuck_and_no_longer_simulates__replaced_by_a_cancel_to_self(executor, node, signer, journal,
                                                                                sent):  # fmt: skip
    node.reverts[CALL_A] = revert_data("rebalance_policy: paused")

    executor.reconcile(head(103))

    _, cancel = journal.sends(sent.id)
    assert cancel.cancel and (cancel.max_fee, cancel.priority_fee) == (23_625_000_000, 1_125_000_000)
    assert signer.signed[-1] == Signing(
        to=KEEPER, data="0x", nonce=0, gas=FILLER_GAS, max_fee=23_625_000_000, priority_fee=1_125_000_000
    )
    assert node.broadcast[-1] == cancel.raw


def test_reconcile__cancel_stuck_again__replaced_by_another_cancel_even_if_trade_simulates(executor, node, signer,
                                                                                          journal, sent):  # fmt: skip
    node.reverts[CALL_A] = revert_data("rebalance_policy: paused")
    executor.reconcile(head(103))
    del node.reverts[CALL_A]

    executor.reconcile(head(106))

    _, first_cancel, second_cancel = journal.sends(sent.id)
    assert second_cancel.cancel and (second_cancel.max_fee, second_cancel.priority_fee) == (
        bump(first_cancel.max_fee), bump(first_cancel.priority_fee))  # fmt: skip
    assert (signer.signed[-1].to, signer.signed[-1].data) == (KEEPER, "0x")


def test_reconcile__cancel_mined_and_confirmed__cancelled(executor, node, journal, metrics, sent):
    node.reverts[CALL_A] = revert_data("rebalance_policy: paused")
    executor.reconcile(head(103))
    _, cancel = journal.sends(sent.id)
    node.receipts[cancel.tx_hash] = receipt(104, gas_used=FILLER_GAS)
    node.nonce_at_head = 1

    executor.reconcile(head(105))

    done = journal.intent(sent.id)
    assert (done.status, done.mined_hash) == ("cancelled", cancel.tx_hash)
    assert metrics.value("keeper_trades_total", outcome="cancelled") == 1
    assert journal.failures(VAULT_A) == 2  # a cancel neither clears nor adds to the streak


def test_reconcile__stuck_and_bump_passes_cap__counted_stuck_and_last_send_resent(executor, node, journal, metrics,
                                                                                  sent):  # fmt: skip
    executor.reconcile(head(103, base_fee=50 * GWEI))  # 2 * 50 + 1.125 gwei > 100 gwei cap

    assert len(journal.sends(sent.id)) == 1
    assert metrics.value("keeper_trades_total", outcome="stuck") == 1
    assert metrics.value("keeper_trades_total", outcome="replaced") == 0
    assert node.broadcast[-1] == first_send(journal, sent.id).raw


# --- reconcile: nonce gaps ------------------------------------------------------------------------------------------


def test_reconcile__hole_below_a_live_intent__filled_by_a_filler_at_that_nonce(executor, node, signer, journal):
    node.refusals[0] = "insufficient funds for gas * price + value"
    executor.submit([order_a(), order_b()], head(100))  # nonce 0 refused, nonce 1 pending behind a hole
    del node.refusals[0]

    executor.reconcile(head(101))

    filler, trade = journal.intents("pending")
    assert (filler.key, filler.kind, filler.nonce, filler.vault) == ("filler:0", "filler", 0, "")
    assert (filler.to_address, filler.calldata, filler.gas_limit, filler.created_block) == (KEEPER, "0x", FILLER_GAS,
                                                                                           101)  # fmt: skip
    (send,) = journal.sends(filler.id)
    assert send.cancel and (send.max_fee, send.priority_fee, send.sent_block) == (21 * GWEI, GWEI, 101)
    assert signer.signed[-1] == Signing(
        to=KEEPER, data="0x", nonce=0, gas=FILLER_GAS, max_fee=21 * GWEI, priority_fee=GWEI
    )
    assert node.broadcast_nonces()[-2:] == [1, 0]  # the live trade re-sent, then the filler
    assert (trade.nonce, trade.kind) == (1, "rebalance")


def test_reconcile__no_hole_below_live_intents__no_filler(executor, node, journal):
    executor.submit([order_a(), order_b()], head(100))  # nonces 0 and 1, both accepted

    executor.reconcile(head(101))

    assert [i.kind for i in journal.intents()] == ["rebalance", "rebalance"]
    assert node.broadcast_nonces()[-2:] == [0, 1]


def test_reconcile__filler_mined_and_confirmed__cancelled_not_final(executor, node, journal, metrics):
    node.refusals[0] = "insufficient funds for gas * price + value"
    executor.submit([order_a(), order_b()], head(100))
    del node.refusals[0]
    executor.reconcile(head(101))
    filler = journal.intents("pending")[0]
    node.receipts[first_send(journal, filler.id).tx_hash] = receipt(102, gas_used=FILLER_GAS)
    node.nonce_at_head = 1

    executor.reconcile(head(103))

    assert journal.intent(filler.id).status == "cancelled"
    assert metrics.value("keeper_trades_total", outcome="mined") == 0


# --- the journal holds every byte before it is broadcast -------------------------------------------------------------


def first_sends(executor, node):
    executor.submit([order_a(), order_b()], head(100))


def resends(executor, node):
    executor.submit([order_a()], head(100))
    executor.reconcile(head(101))  # unmined, not yet stuck: the same bytes again


def replacements(executor, node):
    executor.submit([order_a()], head(100))
    executor.reconcile(head(103))  # stuck: same nonce, fees +12.5 %


def cancels(executor, node):
    executor.submit([order_a()], head(100))
    node.reverts[CALL_A] = revert_data("rebalance_policy: paused")
    executor.reconcile(head(103))  # stuck and no longer simulates: a 0-value self-transfer


def fillers(executor, node):
    node.refusals[0] = "insufficient funds for gas * price + value"
    executor.submit([order_a(), order_b()], head(100))  # nonce 0 refused, nonce 1 live above a hole
    del node.refusals[0]
    executor.reconcile(head(101))


@pytest.mark.parametrize("path", [first_sends, resends, replacements, cancels, fillers])
def test_broadcast__every_path__node_only_ever_receives_bytes_the_journal_already_holds(executor, node, journal,
                                                                                        path):  # fmt: skip
    node.journal = journal

    path(executor, node)

    assert node.broadcast and node.unjournaled == []


def test_broadcast__journal_written_after_sending__caught_by_the_checking_node(executor, node, journal, monkeypatch):
    """The check above can fail: an executor that broadcasts first and journals after is caught."""
    node.journal = journal
    record_intent = journal.record_intent

    def broadcast_then_journal(**fields):
        node.batch([("eth_sendRawTransaction", [fields["send"].raw])])
        return record_intent(**fields)

    monkeypatch.setattr(journal, "record_intent", broadcast_then_journal)
    executor.submit([order_a()], head(100))

    assert len(node.unjournaled) == 1
