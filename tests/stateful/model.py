"""A Python model of one IndexVault: what the contract should hold and owe after each action.

It mirrors the contract's rules (tests/reference.py holds the formulas), so the state machine can predict every
result and every revert reason before it sends a transaction.
"""

from dataclasses import dataclass, field

import reference as ref


@dataclass
class VaultModel:
    virtual_units: list[int]
    management_fee: int
    mint_fee: int
    redeem_fee: int
    fee_recipient: str
    last_accrual: int
    multiplier: int = ref.PRECISION
    supply: int = 0
    paused: bool = False
    # Fee changes queued behind the timelock, (management, mint, redeem) -> eta: while any is queued (expired ones
    # included, until executed or cancelled), redeem is fee-free.
    queued_fees: dict[tuple[int, int, int], int] = field(default_factory=dict)
    shares: dict[str, int] = field(default_factory=dict)
    # Ghost ledger per component: paid in by mints, paid out by redeems, donated from outside, swept by governance.
    paid_in: list[int] = field(default_factory=list)
    paid_out: list[int] = field(default_factory=list)
    donated: list[int] = field(default_factory=list)
    swept: list[int] = field(default_factory=list)

    def __post_init__(self):
        n = len(self.virtual_units)
        self.paid_in, self.paid_out, self.donated, self.swept = [0] * n, [0] * n, [0] * n, [0] * n

    def held(self, i: int) -> int:
        """What the vault must hold of component i."""
        return self.paid_in[i] - self.paid_out[i] + self.donated[i] - self.swept[i]

    def claim(self, i: int) -> int:
        """Component i owed to all holders at the current multiplier and supply, rounded up."""
        return ref.ceil_div(self.virtual_units[i] * self.multiplier * self.supply, ref.CLAIM_SCALE)

    def accrued(self, now: int) -> tuple[int, int]:
        """(fee shares, multiplier) that accruing at `now` would produce, without changing the model."""
        if self.last_accrual == now:
            return 0, self.multiplier
        fee_shares = ref.fee_shares(self.supply, self.management_fee, now - self.last_accrual)
        if fee_shares == 0:
            return 0, self.multiplier
        return fee_shares, ref.accrued_multiplier(self.multiplier, self.supply, fee_shares)

    def accrue(self, now: int) -> int:
        fee_shares, self.multiplier = self.accrued(now)
        if fee_shares:
            self.supply += fee_shares
            self.credit(self.fee_recipient, fee_shares)
            self.last_accrual = now
        elif self.supply == 0:
            self.last_accrual = now
        return fee_shares

    def units(self, now: int) -> list[int]:
        _, multiplier = self.accrued(now)
        return [ref.unit(vu, multiplier) for vu in self.virtual_units]

    def exact_claims(self, amount: int, multiplier: int) -> list[int]:
        """Each component's exact claim of `amount` shares, scaled by 1e36."""
        return [vu * multiplier * amount for vu in self.virtual_units]

    def effective_redeem_fee(self) -> int:
        return 0 if self.queued_fees else self.redeem_fee

    def credit(self, holder: str, amount: int) -> None:
        self.shares[holder] = self.shares.get(holder, 0) + amount

    def debit(self, holder: str, amount: int) -> None:
        self.shares[holder] = self.shares.get(holder, 0) - amount

    def forfeit(self, i: int, supply_before: int, burned: int) -> None:
        remaining = supply_before - burned
        if remaining == 0:
            return
        virtual_unit = self.virtual_units[i] * supply_before // remaining
        if virtual_unit <= ref.MAX_UNIT:
            self.virtual_units[i] = virtual_unit
