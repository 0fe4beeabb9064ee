"""Random sequences of mint, redeem (with and without skip), transfers, donations, sweeps, time, fee changes, pause
and freezes over random basket shapes; StatefulBase checks invariants 1-8 of the spec after every step."""

import ape
from hypothesis import strategies as st
from hypothesis.stateful import initialize, precondition, rule

import reference as ref
from stateful.stateful_base import BLACKLIST, TOKEN_POOL, StatefulBase

DAY = 86_400

units = st.one_of(st.integers(1, 1_000), st.integers(1, 10**24), st.just(ref.MAX_UNIT))
baskets = st.lists(
    st.tuples(st.integers(0, len(TOKEN_POOL) - 1), units), min_size=1, max_size=4, unique_by=lambda c: c[0]
)
fee_triples = st.tuples(st.integers(0, 500), st.integers(0, 100), st.integers(0, 100))
MAX_MINT_AMOUNT = 2**96 - 1


class VaultInvariants(StatefulBase):
    @initialize(basket=baskets, fees=fee_triples)
    def init(self, basket, fees):
        self.setup_vault(basket, fees)

    def holder(self, data, label):
        return data.draw(st.sampled_from(self.holders), label=label)

    def shareholder(self, data, label):
        """A holder with index tokens (drawing among all holders left most redeems with nothing to redeem)."""
        return data.draw(st.sampled_from([h for h in self.holders if self.model.shares.get(h.address)]), label=label)

    def has_shareholders(self):
        return any(self.model.shares.values())

    @rule(data=st.data())
    def rule_mint(self, data):
        # The smallest amount whose every claim is at least one wei: amounts just around it probe rounding, larger
        # ones fees and overflow, arbitrary ones everything else.
        edge = max(
            ref.ceil_div(10 ** (e + self.model.mult[1]), m * self.model.mult[0]) for m, e in self.model.units if m
        )
        amount = data.draw(
            st.one_of(
                st.integers(max(1, edge - 2), edge + 2),
                st.integers(edge, edge * 10**9),
                st.integers(1, MAX_MINT_AMOUNT),
            ).map(lambda a: min(a, MAX_MINT_AMOUNT)),
            label="amount",
        )
        self.mint(self.holder(data, "minter"), amount)

    @precondition(has_shareholders)
    @rule(data=st.data())
    def rule_redeem(self, data):
        user = self.shareholder(data, "redeemer")
        balance = self.model.shares[user.address]
        amount = data.draw(
            st.one_of(st.integers(1, balance), st.integers(balance // 2 or 1, balance), st.just(balance)), label="amount"
        )
        skip_lists = st.lists(st.integers(0, len(self.tokens) - 1), unique=True, max_size=len(self.tokens))
        skip = data.draw(st.one_of(st.just([]), st.just([]), skip_lists), label="skip")
        self.redeem(user, self.holder(data, "receiver"), amount, sorted(skip))

    @precondition(has_shareholders)
    @rule(data=st.data())
    def rule_transfer(self, data):
        sender = self.shareholder(data, "sender")
        balance = self.model.shares[sender.address]
        amount = data.draw(st.integers(0, balance), label="amount")
        self.transfer(sender, self.holder(data, "receiver"), amount)

    @rule(data=st.data(), amount=st.integers(1, 10**30))
    def rule_donate(self, data, amount):
        self.donate(data.draw(st.integers(0, len(self.tokens) - 1), label="component"), amount)

    @rule(data=st.data())
    def rule_sweep(self, data):
        self.sweep(data.draw(st.integers(0, len(self.tokens) - 1), label="component"))

    @rule(seconds=st.one_of(st.integers(1, DAY), st.integers(DAY, 2 * ref.YEAR)))
    def rule_advance_time(self, seconds):
        self.advance_time(seconds)

    @rule(fees=fee_triples)
    def rule_set_fees(self, fees):
        self.set_fees(*fees)

    @rule(fees=fee_triples)
    def rule_propose_fees(self, fees):
        self.propose_fees(fees)

    @precondition(lambda self: self.model.queued_fees)
    @rule(data=st.data(), wait=st.booleans())
    def rule_execute_fees(self, data, wait):
        self.execute_fees(data.draw(st.sampled_from(sorted(self.model.queued_fees)), label="queued fees"), wait)

    @precondition(lambda self: self.model.queued_fees)
    @rule(data=st.data())
    def rule_cancel_fees(self, data):
        self.cancel_fees(data.draw(st.sampled_from(sorted(self.model.queued_fees)), label="queued fees"))

    @precondition(lambda self: not self.model.paused)
    @rule(now=st.integers(0, 3))
    def rule_pause(self, now):
        # One draw in four: a paused vault rejects every mint, so pausing as often as other actions starves them.
        if now == 0:
            self.pause_mint()

    @precondition(lambda self: self.model.paused)
    @rule()
    def rule_unpause(self):
        self.unpause_mint()

    @precondition(lambda self: BLACKLIST in self.pool_index)
    @rule(data=st.data())
    def rule_freeze(self, data):
        self.freeze(self.holder(data, "frozen"))

    @precondition(lambda self: self.frozen)
    @rule(data=st.data())
    def rule_unfreeze(self, data):
        self.unfreeze(self.holder(data, "unfrozen"))

    @rule(data=st.data())
    def rule_bad_amounts_revert(self, data):
        """Invariant 6: zero and oversized amounts get a clear revert, never a division by zero or a stuck vault."""
        user = self.holder(data, "user")
        with ape.reverts("index_vault: zero amount"):
            self.vault.mint(0, user, sender=user)
        with ape.reverts("index_vault: zero amount"):
            self.vault.redeem(0, user, [], sender=user)
        with ape.reverts("index_vault: amount too large"):
            self.vault.mint(MAX_MINT_AMOUNT + 1, user, sender=user)


TestVaultInvariants = VaultInvariants.TestCase
