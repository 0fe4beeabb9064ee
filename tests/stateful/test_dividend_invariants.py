"""Random sequences of mints, transfers, redeems, dividend distributions (an 18-decimal token, a 6-decimal one and a
fee-on-transfer one) and claims on a compliant index, against a Python model that snapshots every balance at each
distribution. Invariants after every step: what the index holds of each dividend token is exactly what was
distributed minus what was claimed (so claims never exceed distributions), and each holder's claimable share of the
latest distribution is floor(amount * balance / supply) of its balance then; every claim pays exactly that (within
1 wei of the exact pro-rata share), and an id claimed once cannot be claimed again.

The index, its registry, holders and tokens are deployed once per run and each example starts from a chain
snapshot (deploying them per example would dominate the run)."""

from dataclasses import dataclass, field
from fractions import Fraction

import ape
from ape import accounts, chain, project
from fixtures.compliance import FRANCE, GERMANY, YEAR, Compliance
from fixtures.vaults import DAY, Rebalancing
from hypothesis import event, note, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from scripts.deploy import compliant_blueprints
from stateful.stateful_base import reused

ONE = 10**18
MAX_UINT256 = 2**256 - 1
FEE_BPS = 100  # the fee-on-transfer dividend token keeps 1 % of each transfer


class Infrastructure:
    """Registry, factory, the index (one 18-decimal component, unit 1e18) and dividend tokens, once per run."""

    def __init__(self):
        test_accounts = accounts.test_accounts
        deployer, governance, guardian, fee_recipient = test_accounts[:4]
        self.deployer = deployer
        alice, bob, carol, agent, dave = (
            test_accounts[4],
            test_accounts[5],
            test_accounts[6],
            test_accounts[9],
            test_accounts[10],
        )
        self.holders = [alice, bob, carol, dave]
        registry = project.IdentityRegistry.deploy(governance, sender=deployer)
        registry.add_agent(agent, sender=governance)
        expiry = chain.pending_timestamp + 10 * YEAR
        registry.register_identity(alice, GERMANY, True, expiry, sender=agent)
        registry.add_wallet(registry.identity_of(alice), dave, sender=agent)  # dave is alice's second wallet
        registry.register_identity(bob, FRANCE, True, expiry, sender=agent)
        registry.register_identity(carol, GERMANY, False, expiry, sender=agent)
        vault_blueprint = project.IndexVault.declare(sender=deployer).contract_address
        policy_blueprint = project.RebalancePolicy.declare(sender=deployer).contract_address
        factory = project.VaultFactory.deploy(vault_blueprint, policy_blueprint, *compliant_blueprints(deployer),
                                              sender=deployer)  # fmt: skip
        oracle = project.OracleRouter.deploy(governance, DAY, "0x" + "00" * 20, 0, sender=deployer)
        self.component = project.MockERC20.deploy("Component", "CMP", 18, sender=deployer)
        tx = factory.create_compliant_vault(
            "Dividend Index", "DIV", [self.component], [ONE], governance, guardian, fee_recipient, 0, 0, 0, DAY,
            Rebalancing(oracle, 1).as_tuple(), Compliance(registry).as_tuple(), sender=deployer,
        )  # fmt: skip
        self.index = project.CompliantIndex.at(tx.events.filter(factory.CompliantVaultCreated)[0].index)
        for holder in self.holders:
            self.component.mint(holder, 10**30, sender=deployer)
            self.component.approve(self.index, MAX_UINT256, sender=holder)
        self.tokens = [
            project.MockERC20.deploy("Dividend 18", "D18", 18, sender=deployer),
            project.MockERC20.deploy("Dividend 6", "D6", 6, sender=deployer),
            project.FeeOnTransferToken.deploy("Taxed dividend", "DTX", 18, FEE_BPS, sender=deployer),
        ]
        for token in self.tokens:
            token.mint(deployer, 10**40, sender=deployer)
            token.approve(self.index, MAX_UINT256, sender=deployer)
        # Reads the index's balance of every dividend token in one call (ape's chain answers ~100 calls a second).
        self.probe = project.VaultProbe.deploy(sender=deployer)

    def is_deployed(self) -> bool:
        return len(chain.provider.get_code(self.index.address)) > 0


infrastructure = reused(Infrastructure)


@dataclass
class Distribution:
    token: int  # index into the tokens
    amount: int  # what the index received
    supply: int
    balances: dict[str, int]  # every holder's balance at the distribution


@dataclass
class Model:
    balances: dict[str, int] = field(default_factory=dict)
    distributions: list[Distribution] = field(default_factory=list)
    claimed: set[tuple[str, int]] = field(default_factory=set)  # (holder, id from 1)
    paid: list[int] = field(default_factory=list)  # per distribution: claimed so far

    def supply(self) -> int:
        return sum(self.balances.values())

    def share(self, holder: str, id: int) -> int:
        d = self.distributions[id - 1]
        return d.amount * d.balances.get(holder, 0) // d.supply


class DividendInvariants(RuleBasedStateMachine):
    @initialize()
    def init(self):
        infra = infrastructure()
        self.snapshot = chain.snapshot()
        self.index, self.tokens, self.holders, self.deployer = infra.index, infra.tokens, infra.holders, infra.deployer
        self.probe = infra.probe
        self.model = Model(balances={h.address: 0 for h in self.holders})

    def teardown(self):
        if hasattr(self, "snapshot"):
            chain.restore(self.snapshot)

    def holder(self, data, label):
        return data.draw(st.sampled_from(self.holders), label=label)

    def shareholder(self, data, label):
        return data.draw(st.sampled_from([h for h in self.holders if self.model.balances[h.address]]), label=label)

    def has_shares(self):
        return self.model.supply() > 0

    # ---- actions --------------------------------------------------------------------------------------------

    @rule(data=st.data(), amount=st.one_of(st.integers(1, 1_000), st.integers(1, 10**24)))
    def mint(self, data, amount):
        user = self.holder(data, "minter")
        self.index.mint(amount, user, sender=user)
        self.model.balances[user.address] += amount
        assert self.index.balanceOf(user) == self.model.balances[user.address]

    @precondition(has_shares)
    @rule(data=st.data())
    def transfer(self, data):
        sender = self.shareholder(data, "sender")
        receiver = self.holder(data, "receiver")
        amount = data.draw(st.integers(1, self.model.balances[sender.address]), label="amount")
        self.index.transfer(receiver, amount, sender=sender)
        self.model.balances[sender.address] -= amount
        self.model.balances[receiver.address] += amount
        assert self.index.balanceOf(receiver) == self.model.balances[receiver.address]

    @precondition(has_shares)
    @rule(data=st.data())
    def redeem(self, data):
        user = self.shareholder(data, "redeemer")
        amount = data.draw(st.integers(1, self.model.balances[user.address]), label="amount")
        self.index.redeem(amount, user, [], sender=user)
        self.model.balances[user.address] -= amount
        assert self.index.balanceOf(user) == self.model.balances[user.address]
        assert self.index.totalSupply() == self.model.supply()

    @precondition(has_shares)
    @rule(token=st.integers(0, 2), amount=st.one_of(st.integers(1, 100), st.integers(1, 10**30)))
    def distribute(self, token, amount):
        received = amount - amount * FEE_BPS // 10_000 if token == 2 else amount
        if received == 0:
            with ape.reverts("compliant_index: nothing received"):
                self.index.distribute(self.tokens[token], amount, sender=self.deployer)
            return
        tx = self.index.distribute(self.tokens[token], amount, sender=self.deployer)
        id = tx.events.filter(self.index.Distributed)[0].id
        self.model.distributions.append(Distribution(token, received, self.model.supply(), dict(self.model.balances)))
        self.model.paid.append(0)
        assert id == len(self.model.distributions)
        assert self.index.distribution(id) == (self.tokens[token].address, received, self.model.supply())
        event(f"distribution of token {token}")

    @precondition(lambda self: self.model.distributions)
    @rule(data=st.data())
    def claim(self, data):
        user = self.holder(data, "claimer")
        open_ids = [
            i for i in range(1, len(self.model.distributions) + 1) if (user.address, i) not in self.model.claimed
        ]
        if not open_ids:
            return
        ids = data.draw(st.lists(st.sampled_from(open_ids), min_size=1, max_size=5, unique=True), label="ids")
        before = list(self.probe.balances(self.tokens, user))
        self.index.claim(ids, sender=user)
        expected = [0, 0, 0]
        received = [0, 0, 0]
        for id in ids:
            d = self.model.distributions[id - 1]
            share = self.model.share(user.address, id)
            # Within 1 wei of the exact pro-rata share, and never above it.
            assert 0 <= Fraction(d.amount * d.balances.get(user.address, 0), d.supply) - share < 1
            # What the claimer receives of a taxed token is less than what leaves the index: the model tracks the
            # index's side.
            expected[d.token] += share
            # Each id is its own transfer: the taxed token keeps its fee from each.
            received[d.token] += share - share * FEE_BPS // 10_000 if d.token == 2 else share
            self.model.paid[id - 1] += share
            self.model.claimed.add((user.address, id))
        after = list(self.probe.balances(self.tokens, user))
        assert [a - b for a, b in zip(after, before)] == received
        note(f"claimed {ids} for {user.address}: {expected}")

    @precondition(lambda self: self.model.claimed)
    @rule(data=st.data())
    def claim_twice_reverts(self, data):
        holder, id = data.draw(st.sampled_from(sorted(self.model.claimed)), label="claimed")
        assert self.index.claimable(holder, id) == 0
        assert self.index.claimed(holder, id)
        with ape.reverts("compliant_index: already claimed"):
            self.index.claim([id], sender=next(h for h in self.holders if h.address == holder))

    @precondition(lambda self: self.model.distributions)
    @rule(data=st.data())
    def claimable_matches_model(self, data):
        """Any holder, any past distribution: the checkpoint search finds the balance the model snapshotted."""
        user = self.holder(data, "holder")
        id = data.draw(st.integers(1, len(self.model.distributions)), label="id")
        expected = 0 if (user.address, id) in self.model.claimed else self.model.share(user.address, id)
        assert self.index.claimable(user, id) == expected
        assert self.index.balance_at(user, id) == self.model.distributions[id - 1].balances[user.address]

    # ---- invariants -----------------------------------------------------------------------------------------

    @invariant()
    def holdings_equal_distributed_minus_claimed(self):
        """Claims never exceed distributions: the index holds exactly the unclaimed remainder of each token."""
        if not hasattr(self, "model"):
            return
        remainder = [0, 0, 0]
        for d, paid in zip(self.model.distributions, self.model.paid):
            assert paid <= d.amount
            remainder[d.token] += d.amount - paid
        assert list(self.probe.balances(self.tokens, self.index)) == remainder


TestDividendInvariants = DividendInvariants.TestCase
# Each step is a transaction or two and 30 of them make an example: a fifth of the profile's examples (10 in CI, 400
# under HYPOTHESIS_PROFILE=deep) keeps this machine near 20 s of CPU instead of 90.
TestDividendInvariants.settings = settings(settings.default, max_examples=max(10, settings.default.max_examples // 5))
