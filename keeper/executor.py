"""Sending, safely: simulate every transaction, price it with capped EIP-1559 fees, number it from one nonce
sequence, journal it before broadcast, then follow it until final: re-broadcast what the node forgot, replace what is
stuck (both fee fields +12.5 % or more, or a cancel once the trade no longer simulates), notice reorgs, fill nonce
gaps, and count failures for the breaker.

Per cycle the executor costs at most three round trips whatever the number of vaults: one batch to follow live
transactions, one to simulate and estimate every new one (with the nonce), one to broadcast them all.
"""

import logging
from dataclasses import dataclass

from keeper import abi
from keeper.chain import Head
from keeper.errors import RpcError, RpcTransportError
from keeper.journal import GLOBAL, Intent, Journal, Send
from keeper.metrics import Metrics
from keeper.rpc import Rpc
from keeper.signer import Signer
from keeper.state import BPS, amount_text

log = logging.getLogger("keeper")

FILLER_GAS = 21_000
# Nodes refuse a replacement unless both fee fields rise by at least 10 % (geth) or 12.5 % (others): 9/8, rounded up.
BUMP_NUMERATOR, BUMP_DENOMINATOR = 9, 8
HARMLESS_SEND_ERRORS = ("already known", "known transaction", "already imported", "nonce too low")
# A simulation refused for one of these reasons is the policy saying "not now", not a broken vault: the trade waits
# (a new cycle plans again) and counts no failure. The rolling loss budget is not in the lens, so only the policy can
# say it is spent.
WAIT_REASONS = (
    "rebalance_policy: loss budget exceeded", "rebalance_policy: cooldown", "rebalance_policy: target change too soon",
)  # fmt: skip


@dataclass(frozen=True)
class Order:
    """A transaction the keeper wants: where, what, and the key that makes sending it twice impossible."""

    key: str
    vault: str
    to: str
    calldata: str
    value_in: int = 0
    kind: str = "rebalance"
    # What an operator reads when it is sent, e.g. "KIDX: sell 0.5 WETH -> USDC, min_out 1,290.1 USDC, quote ...".
    description: str = ""


@dataclass(frozen=True)
class SendPolicy:
    max_fee: int
    priority_fee: int
    gas_margin: int
    stuck_blocks: int
    confirmations: int
    max_failures: int
    # Gas the simulation and the estimate may burn: a stranger's token that burns gas must not cost the node a
    # whole block's worth per estimate (0 = the node's own cap).
    max_gas: int = 0


def bump(fee: int) -> int:
    """`fee` raised by 12.5 %, rounded up, and by at least 1 wei."""
    return max(-(-fee * BUMP_NUMERATOR // BUMP_DENOMINATOR), fee + 1)


def initial_fees(base_fee: int, policy: SendPolicy) -> tuple[int, int] | None:
    """(max_fee, priority_fee) for a new transaction: room for the base fee to double, never above the cap;
    None when the base fee alone is already at or above the cap."""
    if base_fee >= policy.max_fee:
        return None
    priority = min(policy.priority_fee, policy.max_fee - base_fee)
    return min(policy.max_fee, 2 * base_fee + priority), priority


def replacement_fees(last: Send, base_fee: int, policy: SendPolicy) -> tuple[int, int] | None:
    """Fees for a replacement of `last`: both fields up at least 12.5 %; None if that would pass the cap."""
    priority = max(bump(last.priority_fee), policy.priority_fee)
    max_fee = max(bump(last.max_fee), 2 * base_fee + priority)
    if max_fee > policy.max_fee:
        return None
    return max_fee, priority


class Executor:
    """Turns orders into mined transactions, once each."""

    def __init__(self, rpc: Rpc, signer: Signer, journal: Journal, policy: SendPolicy, metrics: Metrics):
        self.rpc, self.signer, self.journal, self.policy, self.metrics = rpc, signer, journal, policy, metrics
        # Each order's words for the operator, by key, for the lines that follow it (mined, replaced, final). After
        # a restart the journal's key stands in.
        self._described: dict[str, str] = {}

    def described(self, intent: Intent) -> str:
        return self._described.get(intent.key, intent.key)

    # --- new transactions -------------------------------------------------------------------------------------------

    def submit(self, orders: list[Order], head: Head) -> list[Intent]:
        """Simulate each order, then sign, journal and broadcast the ones that pass; returns the intents sent."""
        orders = [order for order in orders if not self.journal.has_key(order.key)]
        if not orders:
            return []
        self._described.update({order.key: order.description for order in orders if order.description})
        fees = initial_fees(head.base_fee, self.policy)
        if fees is None:
            for order in orders:
                self._skip(order, f"base fee {amount_text(head.base_fee, 9)} gwei is at or above the cap "
                                  f"{amount_text(self.policy.max_fee, 9)} gwei")
            return []
        max_fee, priority = fees

        requests = [("eth_getTransactionCount", [self.signer.address, "pending"])]
        for order in orders:
            call = {"from": self.signer.address, "to": order.to, "data": order.calldata}
            if self.policy.max_gas:
                call["gas"] = hex(self.policy.max_gas)
            requests += [("eth_call", [call, "latest"]), ("eth_estimateGas", [call, "latest"])]
        results = self.rpc.batch(requests)
        if isinstance(results[0], RpcError):
            raise results[0]
        highest_live = self.journal.max_live_nonce()
        nonce = max(int(results[0], 16), 0 if highest_live is None else highest_live + 1)

        sent: list[tuple[Intent, str]] = []
        for i, order in enumerate(orders):
            call, estimate = results[1 + 2 * i], results[2 + 2 * i]
            failed = call if isinstance(call, RpcError) else estimate if isinstance(estimate, RpcError) else None
            if failed is not None:
                # The vault's own streak: a stranger's vault that never simulates must not stop the others.
                # No revert data (out of gas, an invalid opcode): the node's own words say more than "no reason".
                said = abi.revert_reason(failed.data) if failed.data not in (None, "", "0x") else failed.message
                if said in WAIT_REASONS:
                    self._skip(order, f"{self._described.get(order.key, order.key)} waits: {said}")
                    continue
                reason = f"simulation reverted: {said}"
                self._failure(order.vault, f"{order.description or order.key}: {reason}", head.number, order.vault)
                continue
            gas = int(estimate, 16) * (BPS + self.policy.gas_margin) // BPS
            signed = self.signer.sign(
                to=order.to, data=order.calldata, nonce=nonce, gas=gas, max_fee=max_fee, priority_fee=priority
            )
            send = Send(signed.tx_hash, 0, signed.raw, max_fee, priority, head.number, False)
            intent = self.journal.record_intent(
                key=order.key, vault=order.vault, kind=order.kind, to_address=order.to, calldata=order.calldata,
                nonce=nonce, gas_limit=gas, value_in=order.value_in, block=head.number, send=send,
            )  # fmt: skip
            sent.append((intent, signed.raw))
            nonce += 1

        self._broadcast(sent, head, first=True)
        return [intent for intent, _ in sent]

    # --- following live transactions -------------------------------------------------------------------------------

    def reconcile(self, head: Head) -> None:
        """Bring every live intent up to date with the chain at `head` (see the module docstring)."""
        live = self.journal.live()
        if not live:
            return
        sends = {intent.id: self.journal.sends(intent.id) for intent in live}
        hashes = [send.tx_hash for intent in live for send in sends[intent.id]]
        # The nonce count at the cycle's head block, not "latest": a block mined while this batch runs could
        # otherwise show a nonce used before its receipt shows up, and a trade in flight would look dropped.
        results = self.rpc.batch(
            [("eth_getTransactionCount", [self.signer.address, hex(head.number)])]
            + [("eth_getTransactionReceipt", [tx_hash]) for tx_hash in hashes]
        )
        if isinstance(results[0], RpcError):
            raise results[0]
        next_mined_nonce = int(results[0], 16)
        receipts = {h: r for h, r in zip(hashes, results[1:], strict=True) if isinstance(r, dict)}
        # A lookup the node could not answer (e.g. still indexing) is not "no receipt": decide nothing on it.
        unanswered = {h for h, r in zip(hashes, results[1:], strict=True) if isinstance(r, RpcError)}

        resend: list[tuple[Intent, str]] = []
        for intent in live:
            landed = next(((s, receipts[s.tx_hash]) for s in sends[intent.id] if s.tx_hash in receipts), None)
            if landed is not None:
                self._follow_mined(intent, *landed, head)
                continue
            if any(send.tx_hash in unanswered for send in sends[intent.id]):
                continue
            if intent.status == "mined":
                log.warning("reorg: %s (nonce %d) is no longer in the chain; re-sending it", self.described(intent),
                            intent.nonce)  # fmt: skip
                self.metrics.reorgs.inc()
                self.journal.set_status(intent.id, "pending", mined_block=None, mined_hash=None, reason=None)
            if next_mined_nonce > intent.nonce:
                reason = "its nonce was used by a transaction this keeper did not send"
                log.error("dropped %s: %s", self.described(intent), reason)
                self.journal.set_status(intent.id, "dropped", reason=reason)
                continue
            last = sends[intent.id][-1]
            if head.number - last.sent_block >= self.policy.stuck_blocks:
                last = self._replace(intent, sends[intent.id], head) or last
            resend.append((intent, last.raw))

        resend += self._fill_gaps(next_mined_nonce, head)
        self._broadcast(resend, head, first=False)

    def _follow_mined(self, intent: Intent, send: Send, receipt: dict, head: Head) -> None:
        block = int(receipt["blockNumber"], 16)
        reverted = int(receipt["status"], 16) == 0
        if intent.status == "pending" or intent.mined_hash != send.tx_hash or intent.mined_block != block:
            cost = int(receipt["gasUsed"], 16) * int(receipt.get("effectiveGasPrice", "0x0"), 16)
            outcome = "cancel" if send.cancel else "reverted" if reverted else None
            self.journal.set_status(
                intent.id, "mined", mined_block=block, mined_hash=send.tx_hash,
                gas_used=int(receipt["gasUsed"], 16), gas_cost=str(cost), reason=outcome,
            )  # fmt: skip
            intent = self.journal.intent(intent.id)
        if head.number - block + 1 < self.policy.confirmations:
            return
        self.metrics.gas_spent.inc(int(intent.gas_cost or 0))
        if send.cancel or intent.kind == "filler":
            self.journal.set_status(intent.id, "cancelled")
            self.metrics.trades.labels(outcome="cancelled").inc()
        elif reverted:
            self.journal.set_status(intent.id, "failed", reason="reverted on chain")
            self.metrics.trades.labels(outcome="failed").inc()
            log.error("%s reverted on chain in block %d (tx %s)", self.described(intent), block, send.tx_hash)
            self._count_failure(f"{intent.key} reverted on chain", head.number, intent.vault or GLOBAL)
        else:
            self.journal.set_status(intent.id, "final")
            self.metrics.trades.labels(outcome="mined").inc()
            self.journal.clear_failures()
            if intent.vault:
                self.journal.clear_failures(intent.vault)
            log.info("final: %s in block %d (tx %s)", self.described(intent), block, send.tx_hash)

    def _replace(self, intent: Intent, sends: list[Send], head: Head) -> Send | None:
        """Sign a replacement for a stuck intent at the same nonce; None when the fee cap forbids one."""
        last = sends[-1]
        fees = replacement_fees(last, head.base_fee, self.policy)
        if fees is None:
            log.warning("stuck: %s (nonce %d) cannot be bumped 12.5 %% within the fee cap", self.described(intent),
                        intent.nonce)  # fmt: skip
            self.metrics.trades.labels(outcome="stuck").inc()
            return None
        max_fee, priority = fees
        cancel = any(s.cancel for s in sends) or intent.kind == "filler" or not self._still_simulates(intent)
        to, data, gas = (self.signer.address, "0x", FILLER_GAS) if cancel else (
            intent.to_address, intent.calldata, intent.gas_limit)  # fmt: skip
        signed = self.signer.sign(
            to=to, data=data, nonce=intent.nonce, gas=gas, max_fee=max_fee, priority_fee=priority
        )
        send = Send(signed.tx_hash, intent.id, signed.raw, max_fee, priority, head.number, cancel)
        self.journal.record_send(send)
        self.metrics.trades.labels(outcome="replaced").inc()
        log.info("replaced %s (nonce %d)%s, max fee %s gwei", self.described(intent), intent.nonce,
                 " by a cancel" if cancel else "", amount_text(max_fee, 9))  # fmt: skip
        return send

    def _still_simulates(self, intent: Intent) -> bool:
        call = {"from": self.signer.address, "to": intent.to_address, "data": intent.calldata}
        try:
            self.rpc.call("eth_call", [call, "latest"])
            return True
        except RpcError as error:
            log.warning("%s no longer simulates (%s): cancelling it", self.described(intent), abi.revert_reason(error.data))
            return False

    def _fill_gaps(self, next_mined_nonce: int, head: Head) -> list[tuple[Intent, str]]:
        """Self-transfers for nonces below a live intent that no live intent holds (a rejected send left a hole)."""
        held = {intent.nonce for intent in self.journal.live()}
        if not held:
            return []
        fees = initial_fees(head.base_fee, self.policy)
        if fees is None:
            return []
        fillers = []
        for nonce in range(next_mined_nonce, max(held)):
            if nonce in held:
                continue
            signed = self.signer.sign(
                to=self.signer.address, data="0x", nonce=nonce, gas=FILLER_GAS, max_fee=fees[0], priority_fee=fees[1]
            )
            send = Send(signed.tx_hash, 0, signed.raw, fees[0], fees[1], head.number, True)
            intent = self.journal.record_intent(
                key=f"filler:{nonce}", vault="", kind="filler", to_address=self.signer.address, calldata="0x",
                nonce=nonce, gas_limit=FILLER_GAS, value_in=0, block=head.number, send=send,
            )  # fmt: skip
            log.warning("nonce %d was left empty: filling it with a self-transfer", nonce)
            fillers.append((intent, signed.raw))
        return fillers

    # --- edges ------------------------------------------------------------------------------------------------------

    def _broadcast(self, sends: list[tuple[Intent, str]], head: Head, first: bool) -> None:
        """One batch of eth_sendRawTransaction (`first`: new intents, counted as sent). A transport error leaves the
        intents pending: the next reconcile re-sends the same bytes, which the node either already has or takes."""
        if not sends:
            return
        try:
            results = self.rpc.batch([("eth_sendRawTransaction", [raw]) for _, raw in sends])
        except RpcTransportError as error:
            log.warning("broadcast of %d transactions unconfirmed (%s); re-sending next cycle", len(sends), error)
            return
        for (intent, _), result in zip(sends, results, strict=True):
            if not isinstance(result, RpcError):
                if first:
                    self.metrics.trades.labels(outcome="sent").inc()
                    tx_hash = self.journal.sends(intent.id)[0].tx_hash
                    log.info("sent %s, nonce %d, tx %s", self.described(intent), intent.nonce, tx_hash)
                continue
            if any(text in result.message.lower() for text in HARMLESS_SEND_ERRORS):
                continue
            if len(self.journal.sends(intent.id)) == 1:  # a first send refused: nothing of it can be in the mempool
                self.journal.set_status(intent.id, "rejected", reason=result.message)
                # The node refusing a signed transaction is the keeper's own trouble (funds, nonce, fees): global.
                self._failure(intent.vault, f"node rejected {intent.key}: {result.message}", head.number, GLOBAL)
            else:
                log.warning("node refused a re-send of %s: %s", intent.key, result.message)

    def _skip(self, order: Order, reason: str) -> None:
        log.info("skipped %s: %s", order.key, reason)
        self.metrics.trades.labels(outcome="skipped").inc()

    def _failure(self, vault: str, reason: str, block: int, scope: str) -> None:
        log.error("%s: %s", vault or "keeper", reason)
        self.metrics.trades.labels(outcome="failed").inc()
        self._count_failure(reason, block, scope)

    def _count_failure(self, reason: str, block: int, scope: str) -> None:
        """Count a failure against `scope`: a vault (its trades failed) or GLOBAL (the keeper itself failed: the node
        refused its transaction). `max_failures` in a row trips that scope's breaker only."""
        streak = self.journal.count_failure(scope)
        if streak >= self.policy.max_failures:
            self.journal.trip(scope, f"{streak} failures in a row, the last: {reason}", block)
            self.metrics.breaker.labels(scope=scope).set(1)
            what = "all trading" if scope == GLOBAL else f"trading of vault {scope}"
            log.critical("breaker tripped: %d failures in a row; %s stopped until `keeper reset`", streak, what)
