"""A Python model of one IndexVault: what the contract should hold and owe after each action.

It mirrors the contract's rules (tests/reference.py holds the formulas), so the state machine can predict every
result and every revert reason before it sends a transaction.
"""

from dataclasses import dataclass, field
from fractions import Fraction

import reference as ref


@dataclass
class VaultModel:
    units: list[ref.Unit]  # (mantissa, exponent) per component
    management_fee: int
    mint_fee: int
    redeem_fee: int
    fee_recipient: str
    last_accrual: int
    mult: ref.Mult = ref.START
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
        n = len(self.units)
        self.paid_in, self.paid_out, self.donated, self.swept = [0] * n, [0] * n, [0] * n, [0] * n

    def held(self, i: int) -> int:
        """What the vault must hold of component i."""
        return self.paid_in[i] - self.paid_out[i] + self.donated[i] - self.swept[i]

    def claim(self, i: int) -> int:
        """Component i owed to all holders at the current multiplier and supply, rounded up."""
        return ref.claim(self.units[i], self.mult, self.supply, round_up=True)

    def exact_claim(self, i: int) -> Fraction:
        return ref.exact_claim(self.units[i], self.mult, self.supply)

    def surplus(self, i: int) -> Fraction:
        """What the vault holds of component i beyond the exact claim of all holders."""
        return self.held(i) - self.exact_claim(i)

    def accrued(self, now: int) -> tuple[int, ref.Mult]:
        """(fee shares, multiplier) that accruing at `now` would produce, without changing the model."""
        if self.last_accrual == now or self.management_fee == 0:
            return 0, self.mult
        fee_shares = ref.fee_shares(self.supply, self.management_fee, now - self.last_accrual)
        return fee_shares, ref.diluted(self.mult, self.supply, fee_shares)

    def accrue(self, now: int) -> int:
        """Charge the fee up to `now`. A vault with a fee always moves its clock, shares or not: a share pays only
        for the time it existed."""
        fee_shares, self.mult = self.accrued(now)
        if self.management_fee != 0:
            self.last_accrual = now
        if fee_shares:
            self.supply += fee_shares
            self.credit(self.fee_recipient, fee_shares)
        return fee_shares

    def unit_amounts(self, now: int) -> list[int]:
        _, mult = self.accrued(now)
        return [ref.unit_amount(unit, mult) for unit in self.units]

    def effective_redeem_fee(self) -> int:
        return 0 if self.queued_fees else self.redeem_fee

    def credit(self, holder: str, amount: int) -> None:
        self.shares[holder] = self.shares.get(holder, 0) + amount

    def debit(self, holder: str, amount: int) -> None:
        self.shares[holder] = self.shares.get(holder, 0) - amount

    def forfeit(self, i: int, supply_before: int, burned: int) -> None:
        remaining = supply_before - burned
        if remaining and self.units[i][0]:
            self.units[i] = ref.forfeited_unit(self.units[i], supply_before, remaining)
