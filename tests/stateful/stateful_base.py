"""The base state machine for IndexVault: actions that call the contract *and* update the model, and the spec's
invariants 1-8 checked after every step. Rules (which actions, with which drawn arguments) live in subclasses.

Each example runs on a fresh vault with a drawn basket shape (1-4 components out of tokens with 0, 6, 8, 18 and 24
decimals, one of them a freezable blacklist token) and drawn fees, isolated by a chain snapshot.
"""

import copy
from collections.abc import Callable
from typing import TypeVar

import ape
from ape import accounts, chain, project
from eth_abi import encode
from hypothesis import event, note
from hypothesis.stateful import RuleBasedStateMachine, invariant

import reference as ref
from claims import allowance, stored_units
from fixtures.vaults import Rebalancing
from scripts._governance import change_id
from scripts.deploy import compliant_blueprints
from stateful.model import VaultModel

T = TypeVar("T")

# (contract, decimals) of the component pool; index 4 is the blacklist token that can freeze a holder.
TOKEN_POOL = [("MockERC20", 0), ("MockERC20", 6), ("MockERC20", 18), ("MockERC20", 24), ("BlacklistToken", 8)]
BLACKLIST = 4
FUNDING = 10**40  # of every component, to every holder: far above what 30 steps can pull
MAX_UINT256 = 2**256 - 1
TIMELOCK_DELAY = 86_400
GRACE_PERIOD = 14 * 86_400
ZERO_ADDRESS = "0x" + "00" * 20


class Infrastructure:
    """Tokens, funded holders, the factory and the probe: deployed once per run and kept under every example's
    snapshot, so an example pays only for its own vault (deploying all of it each time tripled the run time)."""

    def __init__(self):
        test_accounts = accounts.test_accounts
        self.deployer, self.governance, self.guardian, self.fee_recipient = test_accounts[:4]
        self.holders = [self.fee_recipient, *test_accounts[4:7]]
        self.pool = [
            getattr(project, name).deploy(f"T{i}", f"T{i}", decimals, sender=self.deployer)
            for i, (name, decimals) in enumerate(TOKEN_POOL)
        ]
        for holder in self.holders:
            for token in self.pool:
                token.mint(holder, FUNDING, sender=holder)
        blueprint = project.IndexVault.declare(sender=self.deployer).contract_address
        policy_blueprint = project.RebalancePolicy.declare(sender=self.deployer).contract_address
        self.factory = project.VaultFactory.deploy(
            blueprint, policy_blueprint, *compliant_blueprints(self.deployer), sender=self.deployer
        )
        self.oracle = project.OracleRouter.deploy(self.governance, TIMELOCK_DELAY, ZERO_ADDRESS, 0, sender=self.deployer)
        self.probe = project.VaultProbe.deploy(sender=self.deployer)

    def is_deployed(self) -> bool:
        """False once the test that deployed it has been rolled back by ape's isolation."""
        return len(chain.provider.get_code(self.probe.address)) > 0


def reused(deploy: Callable[[], T]) -> Callable[[], T]:
    """`deploy()`'s world, built once and again only after ape's isolation has rolled it back (its `is_deployed()`
    turns False): a machine's examples share one deployment instead of paying for their own."""
    world: T | None = None

    def get() -> T:
        nonlocal world
        if world is None or not world.is_deployed():
            world = deploy()
        return world

    return get


infrastructure = reused(Infrastructure)


class StatefulBase(RuleBasedStateMachine):
    """Holders are alice, bob, carol and the fee recipient (who receives fee shares and may redeem them)."""

    def setup_vault(self, basket: list[tuple[int, int]], fees: tuple[int, int, int]) -> None:
        infra = infrastructure()
        self.snapshot = chain.snapshot()
        self.deployer, self.governance, self.guardian = infra.deployer, infra.governance, infra.guardian
        self.fee_recipient, self.holders, self.probe = infra.fee_recipient, infra.holders, infra.probe
        self.pool_index = [pool_index for pool_index, _ in basket]
        self.tokens = [infra.pool[i] for i in self.pool_index]
        tx = infra.factory.create_vault(
            "Stateful Index",
            "STIDX",
            self.tokens,
            [unit for _, unit in basket],
            self.governance,
            self.guardian,
            self.fee_recipient,
            *fees,
            TIMELOCK_DELAY,
            Rebalancing(infra.oracle, len(basket)).as_tuple(),
            sender=self.deployer,
        )
        self.vault = project.IndexVault.at(tx.events.filter(infra.factory.VaultCreated)[0].vault)
        for holder in self.holders:
            for token in self.tokens:
                token.approve(self.vault, MAX_UINT256, sender=holder)
        self.model = VaultModel(
            units=[(unit, ref.BASE_EXPONENT) for _, unit in basket],
            management_fee=fees[0],
            mint_fee=fees[1],
            redeem_fee=fees[2],
            fee_recipient=self.fee_recipient.address,
            last_accrual=tx.timestamp,
        )
        self.frozen: set[str] = set()
        # Invariant 10's baseline: surplus less donations plus sweeps, which only rounding may raise.
        self.surplus_before = [self.model.surplus(i) for i in range(len(self.tokens))]
        self.claims_before = [self.model.exact_claim(i) for i in range(len(self.tokens))]
        note(f"basket={basket} fees={fees}")

    def teardown(self):
        if hasattr(self, "snapshot"):
            chain.restore(self.snapshot)

    # ---- helpers -------------------------------------------------------------------------------------------

    def blacklist_index(self) -> int | None:
        return self.pool_index.index(BLACKLIST) if BLACKLIST in self.pool_index else None

    def is_frozen(self, i: int, account) -> bool:
        return i == self.blacklist_index() and account.address in self.frozen

    def token_balances(self, account) -> list[int]:
        return list(self.probe.balances(self.tokens, account))

    def read(self):
        return self.probe.read(self.vault, self.holders, self.tokens)

    # ---- actions -------------------------------------------------------------------------------------------

    def mint(self, user, amount: int) -> None:
        now = chain.pending_timestamp
        fee_shares, mult = self.model.accrued(now)
        gross = amount + ref.fee(amount, self.model.mint_fee)
        claims = [ref.exact_claim(unit, mult, gross) for unit in self.model.units]
        error = None
        if self.model.paused:
            error = "index_vault: mint paused"
        else:
            for i, claim in enumerate(claims):
                if self.model.units[i][0] and claim < 1:
                    error = "index_vault: mint rounds to zero"
                    break
                if self.is_frozen(i, user):
                    error = "blacklist_token: frozen"
                    break
        note(f"mint {user.address[:8]} {amount} -> {error or 'ok'}")
        event(f"mint: {error or 'ok'}")
        if error:
            with ape.reverts(error):
                self.vault.mint(amount, user, sender=user)
            return

        before = self.token_balances(user)
        tx = self.vault.mint(amount, user, sender=user)
        assert tx.timestamp == now
        pulled = [b - a for b, a in zip(before, self.token_balances(user))]
        # Invariant 4: mint pays each exact claim rounded up, so the vault gains less than 1 wei per component.
        assert pulled == [ref.ceil_div(claim.numerator, claim.denominator) for claim in claims]
        self.model.accrue(now)
        self.model.supply += gross
        self.model.credit(user.address, amount)
        self.model.credit(self.fee_recipient.address, gross - amount)
        for i, paid in enumerate(pulled):
            self.model.paid_in[i] += paid
        self.check_fee_event(tx, fee_shares)

    def redeem(self, user, receiver, amount: int, skip: list[int]) -> None:
        now = chain.pending_timestamp
        fee_shares, mult = self.model.accrued(now)
        burned = amount - ref.fee(amount, self.model.effective_redeem_fee())
        claims = [ref.exact_claim(unit, mult, burned) for unit in self.model.units]
        error = None
        for i, claim in enumerate(claims):
            if i in skip:
                continue
            if self.model.units[i][0] and claim < 1:
                error = "index_vault: redeem rounds to zero"
                break
            if self.is_frozen(i, receiver):
                error = "blacklist_token: frozen"
                break
        skipped = [self.tokens[i] for i in skip]
        note(f"redeem {user.address[:8]} -> {receiver.address[:8]} {amount} skip={skip} -> {error or 'ok'}")
        event(f"redeem{' with skip' if skip else ''}: {error or 'ok'}")
        if error:
            with ape.reverts(error):
                self.vault.redeem(amount, receiver, skipped, sender=user)
            return

        before = self.token_balances(receiver)
        tx = self.vault.redeem(amount, receiver, skipped, sender=user)
        received = [a - b for b, a in zip(before, self.token_balances(receiver))]
        # Invariant 4: redeem pays each exact claim rounded down; invariant 7: skipped components pay nothing.
        expected = [0 if i in skip else claim.numerator // claim.denominator for i, claim in enumerate(claims)]
        assert received == expected
        self.model.accrue(now)
        supply_before = self.model.supply
        self.model.debit(user.address, amount)
        self.model.credit(self.fee_recipient.address, amount - burned)
        self.model.supply -= burned
        for i, paid in enumerate(received):
            self.model.paid_out[i] += paid
        for i in skip:
            self.model.forfeit(i, supply_before, burned)
        self.check_fee_event(tx, fee_shares)

    def transfer(self, sender, receiver, amount: int) -> None:
        self.vault.transfer(receiver, amount, sender=sender)
        self.model.debit(sender.address, amount)
        self.model.credit(receiver.address, amount)

    def donate(self, i: int, amount: int) -> None:
        """Send a component straight to the vault. The model's units ignore it, so the invariants check that the
        vault's do too (invariant 5); comparing get_units() across blocks would also see the fee accrued between."""
        self.tokens[i].mint(self.vault, amount, sender=self.deployer)
        self.model.donated[i] += amount

    def sweep(self, i: int) -> None:
        """Governance takes what the vault holds of a component beyond every claim: exactly that, never more."""
        now = chain.pending_timestamp
        model_after = copy.deepcopy(self.model)
        fee_shares = model_after.accrue(now)
        surplus = model_after.held(i) - model_after.claim(i)
        note(f"sweep component {i}: surplus {surplus}")
        event(f"sweep: {'surplus' if surplus > 0 else 'nothing to sweep'}")
        if surplus <= 0:
            with ape.reverts("index_vault: nothing to sweep"):
                self.vault.sweep(self.tokens[i], self.deployer, sender=self.governance)
            return
        before = self.tokens[i].balanceOf(self.deployer)
        tx = self.vault.sweep(self.tokens[i], self.deployer, sender=self.governance)
        assert self.tokens[i].balanceOf(self.deployer) - before == surplus
        self.model = model_after
        self.model.swept[i] += surplus
        self.check_fee_event(tx, fee_shares)

    def advance_time(self, seconds: int) -> None:
        chain.pending_timestamp += seconds

    def set_fees(self, management_fee: int, mint_fee: int, redeem_fee: int) -> None:
        """Lower fees at once; any increase must be refused (it belongs behind the timelock)."""
        fees = (management_fee, mint_fee, redeem_fee)
        if any(new > old for new, old in zip(fees, self.current_fees())):
            with ape.reverts("index_vault: fee increase needs timelock"):
                self.vault.set_fees(*fees, sender=self.governance)
            return
        now = chain.pending_timestamp
        fee_shares, _ = self.model.accrued(now)
        tx = self.vault.set_fees(*fees, sender=self.governance)
        self.apply_fees(tx, now, fees)
        self.check_fee_event(tx, fee_shares)

    def propose_fees(self, fees: tuple[int, int, int]) -> None:
        if fees in self.model.queued_fees:
            with ape.reverts("timelock: already queued"):
                self.vault.propose_fees(*fees, sender=self.governance)
            return
        tx = self.vault.propose_fees(*fees, sender=self.governance)
        self.model.queued_fees[fees] = tx.timestamp + TIMELOCK_DELAY

    def execute_fees(self, fees: tuple[int, int, int], wait: bool) -> None:
        """Apply a queued fee change: only from its eta until the grace period ends."""
        eta = self.model.queued_fees[fees]
        if wait and chain.pending_timestamp < eta:
            chain.pending_timestamp = eta
        now = chain.pending_timestamp
        error = None
        if now < eta:
            error = "timelock: too early"
        elif now > eta + GRACE_PERIOD:
            error = "timelock: expired"
        event(f"execute fees: {error or 'ok'}")
        if error:
            with ape.reverts(error):
                self.vault.execute_fees(*fees, sender=self.governance)
            return
        fee_shares, _ = self.model.accrued(now)
        tx = self.vault.execute_fees(*fees, sender=self.governance)
        del self.model.queued_fees[fees]
        self.apply_fees(tx, now, fees)
        self.check_fee_event(tx, fee_shares)

    def cancel_fees(self, fees: tuple[int, int, int]) -> None:
        self.vault.cancel(change_id("set_fees", encode(["uint256"] * 3, fees)), sender=self.guardian)
        del self.model.queued_fees[fees]

    def current_fees(self) -> tuple[int, int, int]:
        return self.model.management_fee, self.model.mint_fee, self.model.redeem_fee

    def apply_fees(self, tx, now: int, fees: tuple[int, int, int]) -> None:
        self.model.accrue(now)
        self.model.last_accrual = tx.timestamp
        self.model.management_fee, self.model.mint_fee, self.model.redeem_fee = fees

    def pause_mint(self) -> None:
        self.vault.pause_mint(sender=self.guardian)
        self.model.paused = True

    def unpause_mint(self) -> None:
        self.vault.unpause_mint(sender=self.governance)
        self.model.paused = False

    def freeze(self, account) -> None:
        self.tokens[self.blacklist_index()].freeze(account, sender=self.deployer)
        self.frozen.add(account.address)

    def unfreeze(self, account) -> None:
        self.tokens[self.blacklist_index()].unfreeze(account, sender=self.deployer)
        self.frozen.discard(account.address)

    def check_fee_event(self, tx, fee_shares: int) -> None:
        """Invariant 8: fee shares equal supply * f / (1 - f) for the elapsed time, once a block."""
        accrued = [event.shares for event in tx.events.filter(self.vault.FeeAccrued)]
        assert accrued == ([fee_shares] if fee_shares else [])

    # ---- invariants ----------------------------------------------------------------------------------------

    @invariant()
    def invariants_hold(self):
        """One chain read per step, then every invariant against it."""
        state = self.read()
        self.check_supply_is_sum_of_balances(state)
        self.check_vault_is_solvent(state)
        self.check_no_free_profit()
        self.check_units_change_only_by_fees_and_forfeits(state)
        self.check_claims_precision()

    def check_supply_is_sum_of_balances(self, state):
        """Invariant 1: total supply equals the sum of balances, fee shares included."""
        assert state.supply == self.model.supply == sum(state.shares)
        assert list(state.shares) == [self.model.shares.get(holder.address, 0) for holder in self.holders]

    def check_vault_is_solvent(self, state):
        """Invariant 2: every component covers ceil(unit * supply / 1e18), and the exact claim too."""
        _, mult = self.model.accrued(state.timestamp)
        for i in range(len(self.tokens)):
            assert state.held[i] == self.model.held(i)  # the ghost ledger: nothing appears or vanishes
            assert ref.ceil_div(state.units[i] * state.supply, ref.PRECISION) <= state.held[i]
            assert ref.exact_claim(self.model.units[i], mult, state.supply) <= state.held[i]

    def check_no_free_profit(self):
        """Invariant 3: holders together never take out more of a component than they paid in."""
        for i in range(len(self.tokens)):
            assert self.model.paid_out[i] <= self.model.paid_in[i]

    def check_units_change_only_by_fees_and_forfeits(self, state):
        """Invariant 5: units follow the model (fee multiplier, skip forfeits), never balances or donations: the
        stored (mantissa, exponent) pairs exactly, and the 1e18-share amounts `basket()` reports."""
        assert stored_units(self.vault) == self.model.units
        assert list(state.units) == self.model.unit_amounts(state.timestamp)
        assert state.last_accrual == self.model.last_accrual
        assert state.mint_paused == self.model.paused

    def check_claims_precision(self):
        """Invariant 10: no step moved more than max(1 wei, 1e-18 of the claim) of any component from holders to
        surplus per operation (a step is the fee accrual plus one action), and none moved any the other way. Donations
        and sweeps move surplus only, so they are taken out. With invariant 12 (a share pays the fee only for its own
        time: the model's clock, checked against the vault's by invariant 5) this bounds what any sequence takes."""
        for i in range(len(self.tokens)):
            baseline = self.model.surplus(i) - self.model.donated[i] + self.model.swept[i]
            moved = baseline - self.surplus_before[i]
            # The rounding of a step is a share of the claim it acted on: before a redeem, or after a mint.
            claim = max(self.model.exact_claim(i), self.claims_before[i])
            assert 0 <= moved <= 2 * allowance(claim), f"component {i}: {float(moved)} wei of a {float(claim)} claim"
            self.surplus_before[i] = baseline
            self.claims_before[i] = self.model.exact_claim(i)
