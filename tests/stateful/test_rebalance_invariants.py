"""Random sequences of oracle price moves (with or without arbitrage of the pools), target changes, time, mints,
redeems and keeper rebalances through real Uniswap V2 pools, over a 2-decimal stablecoin (GUSD), WETH and 8-decimal
WBTC, with supplies from 1 wei to 1e27 wei of shares. A Python model predicts each rebalance's outcome, down to the
revert reason, from the oracle prices and the pool's quote; after every step the machine checks invariant 9 (a
rebalance never moves a leg away from target, never beats the oracle bound, never exceeds size or cooldown),
invariant 10 (no step moves more than max(1 wei, 1e-18 of a claim) to surplus), invariant 11 (a trade's loss on
holders' claims stays within max_nav_loss, and all of them within the rolling budget) and invariants 1, 2 and 5
(supply, solvency against a ghost ledger, units change only by rebalances)."""

from dataclasses import dataclass, field
from fractions import Fraction

import ape
from ape import accounts, chain, project
from hypothesis import event, note, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

import reference as ref
from claims import allowance, stored_units
from fixtures.market import path
from fixtures.oracles import DELAY
from fixtures.uniswap import deploy_uniswap
from fixtures.vaults import Limits, Rebalancing
from scripts import _world as world
from scripts.deploy import compliant_blueprints
from stateful.stateful_base import reused

DAY = 86_400
FEED_DECIMALS = 8
HEARTBEAT = 7 * DAY  # the router's longest: time jumps below it need no refresh
FUNDING = 10**40
# (symbol, decimals, USD price): a 2-decimal token makes unit granularity bite hardest.
ASSETS = [("GUSD", 2, 1), ("WETH", 18, 2_000), ("WBTC", 8, 50_000)]
POOL_DEPTH_USD = 10_000_000


class Infrastructure:
    """The market of tests/fixtures/market.py (tokens, feeds, oracle router, Uniswap V2 pools, adapter), the vault
    factory and the probe: deployed once per run and kept under every example's snapshot."""

    def __init__(self):
        test_accounts = accounts.test_accounts
        self.deployer, self.governance, self.guardian, self.fee_recipient = test_accounts[:4]
        self.holders = list(test_accounts[4:6])
        self.keeper = test_accounts[7]
        d = self.deployer
        self.market = world.deploy_market(
            d, self.governance, test_accounts[9], ASSETS, world.all_pairs(3), POOL_DEPTH_USD, HEARTBEAT,
            uniswap=deploy_uniswap(d), router_delay=DELAY,
        )  # fmt: skip
        for holder in self.holders:
            for token in self.market.tokens:
                token.mint(holder, FUNDING, sender=d)
        vault_blueprint = project.IndexVault.declare(sender=d).contract_address
        policy_blueprint = project.RebalancePolicy.declare(sender=d).contract_address
        self.factory = project.VaultFactory.deploy(vault_blueprint, policy_blueprint, *compliant_blueprints(d), sender=d)
        self.probe = project.VaultProbe.deploy(sender=d)

    def is_deployed(self) -> bool:
        return len(chain.provider.get_code(self.probe.address)) > 0


infrastructure = reused(Infrastructure)


@dataclass
class Model:
    units: list[ref.Unit]
    targets: list[int]
    limits: Limits
    prices: list[int]  # 18-decimal USD per whole token, as the oracle reports them
    supply: int = 0
    last_rebalance: int = 0
    # the loss budget's bucket (1e-18 of NAV) and when it was last charged
    loss_spent: int = 0
    loss_updated: int = 0
    # ghost ledger of what the vault must hold of each component
    held: list[int] = field(default_factory=lambda: [0, 0, 0])
    shares: dict[str, int] = field(default_factory=dict)

    def holdings(self, units=None) -> list[int]:
        return [ref.holding(unit, ref.START, self.supply) for unit in (units or self.units)]

    def surplus(self, i: int) -> Fraction:
        return self.held[i] - ref.exact_claim(self.units[i], ref.START, self.supply)

    def values(self, amounts) -> list[int]:
        return [ref.value(a, p, ASSETS[i][1]) for i, (a, p) in enumerate(zip(amounts, self.prices))]

    def value(self, i: int, amount: int) -> int:
        return ref.value(amount, self.prices[i], ASSETS[i][1])


weights = st.lists(st.integers(0, 100), min_size=3, max_size=3).map(lambda w: w if sum(w) else [1, 0, 0])


def to_targets(w: list[int]) -> list[int]:
    targets = [x * ref.BPS // sum(w) for x in w]
    targets[0] += ref.BPS - sum(targets)
    return targets


limit_sets = st.builds(
    Limits,
    max_slippage=st.sampled_from([10, 100, 300]),
    max_trade=st.sampled_from([500, 2_000, 10_000]),
    max_nav_loss=st.sampled_from([5, 50, 500]),
    tolerance=st.sampled_from([0, 50, 500]),
    cooldown=st.sampled_from([900, 3_600, DAY]),
    # Targets may move anywhere at any time, so every drift the machine draws is one a keeper can trade on.
    target_step=st.just(10_000),
    target_period=st.just(0),
    loss_budget=st.sampled_from([1, 15, 500]),
)
# Whole shares for most runs; for the precision extremes, from the least this basket can mint (one wei of GUSD:
# 3e13 wei of shares) to a share, and from a million shares to 1e27 wei of them.
supplies = st.one_of(
    st.integers(1, 1_000).map(lambda n: n * ref.PRECISION),
    st.integers(3 * 10**13, 10**18),
    st.integers(10**24, 10**27),
)


class RebalanceInvariants(RuleBasedStateMachine):
    @initialize(w=weights, limits=limit_sets, supply=supplies)
    def init(self, w, limits, supply):
        m = infrastructure()
        self.m = m
        self.snapshot = chain.snapshot()
        self.tokens = m.market.tokens
        # A share is worth $1,000 split evenly at the starting prices; the targets need not match it.
        units = [1_000 * 10 ** ASSETS[i][1] // (3 * ASSETS[i][2]) for i in range(3)]
        targets = to_targets(w)
        rebalancing = Rebalancing(
            m.market.router, 3, keepers=[m.keeper], adapters=[m.market.adapter], targets=targets, limits=limits
        )
        tx = m.factory.create_vault(
            "Managed", "MGD", self.tokens, units, m.governance, m.guardian, m.fee_recipient, 0, 0, 0, DAY,
            rebalancing.as_tuple(), sender=m.deployer,
        )
        created = tx.events.filter(m.factory.VaultCreated)[0]
        self.vault = project.IndexVault.at(created.vault)
        self.policy = project.RebalancePolicy.at(created.policy)
        for holder in m.holders:
            for token in self.tokens:
                token.approve(self.vault, 2**256 - 1, sender=holder)
        prices = [f.latestRoundData()[1] * 10 ** (18 - FEED_DECIMALS) for f in m.market.feeds]
        self.model = Model(
            units=[(u, ref.BASE_EXPONENT) for u in units], targets=targets, limits=limits, prices=prices
        )
        self.mint(m.holders[0], supply)
        self.surplus_before = [self.model.surplus(i) for i in range(3)]
        self.claims_before = [ref.exact_claim(unit, ref.START, self.model.supply) for unit in self.model.units]
        note(f"targets={targets} limits={limits} supply={supply}")

    def teardown(self):
        if hasattr(self, "snapshot"):
            chain.restore(self.snapshot)

    # ---- actions -------------------------------------------------------------------------------------------

    def mint(self, user, amount: int):
        owed = [ref.mint_owed(unit, ref.START, amount) for unit in self.model.units]
        if any(unit[0] and ref.exact_claim(unit, ref.START, amount) < 1 for unit in self.model.units):
            with ape.reverts("index_vault: mint rounds to zero"):
                self.vault.mint(amount, user, sender=user)
            return
        self.vault.mint(amount, user, sender=user)
        self.model.supply += amount
        self.model.shares[user.address] = self.model.shares.get(user.address, 0) + amount
        self.model.held = [h + o for h, o in zip(self.model.held, owed)]

    @rule(data=st.data(), amount=st.integers(1, 500))
    def rule_mint(self, data, amount):
        self.mint(data.draw(st.sampled_from(self.m.holders), label="minter"), amount * ref.PRECISION)

    @precondition(lambda self: self.model.supply > 0)
    @rule(data=st.data(), fraction=st.integers(1, 100))
    def rule_redeem(self, data, fraction):
        user = data.draw(st.sampled_from([h for h in self.m.holders if self.model.shares.get(h.address)]), label="u")
        amount = max(1, self.model.shares[user.address] * fraction // 100)
        paid = [ref.redeem_paid(unit, ref.START, amount) for unit in self.model.units]
        if any(unit[0] != 0 and p == 0 for unit, p in zip(self.model.units, paid)):
            with ape.reverts("index_vault: redeem rounds to zero"):
                self.vault.redeem(amount, user, [], sender=user)
            return
        self.vault.redeem(amount, user, [], sender=user)
        self.model.supply -= amount
        self.model.shares[user.address] -= amount
        self.model.held = [h - p for h, p in zip(self.model.held, paid)]

    @rule(i=st.integers(0, 2), move=st.integers(-30, 40), arbitrage=st.booleans())
    def rule_move_price(self, i, move, arbitrage):
        market = self.m.market
        answer = max(1, market.usd(i) * (100 + move) // 100)
        market.set_price(i, answer)
        self.model.prices[i] = answer * 10 ** (18 - FEED_DECIMALS)
        if arbitrage:
            for j in range(3):
                if j != i:
                    market.arbitrage(i, j)
        note(f"price {ASSETS[i][0]} {move:+}% arbitrage={arbitrage}")

    @rule(w=weights)
    def rule_set_targets(self, w):
        targets = to_targets(w)
        self.policy.set_targets(targets, sender=self.m.governance)
        self.model.targets = targets

    @rule(seconds=st.one_of(st.integers(1, 3_600), st.integers(3_600, 3 * DAY)))
    def rule_advance_time(self, seconds):
        chain.pending_timestamp += seconds

    @precondition(lambda self: self.model.supply > 0)
    @rule(
        data=st.data(),
        fraction=st.one_of(st.integers(1, 10_000), st.integers(1, 500)),
        min_out_mode=st.sampled_from(["quote", "bound", "bound", "zero", "above_quote"]),
    )
    def rule_rebalance(self, data, fraction, min_out_mode):
        # Half the time the pair a keeper would pick (most overweight -> most underweight), else any ordered pair.
        values = self.model.values(self.model.holdings())
        drift = [v * ref.BPS - t * sum(values) for v, t in zip(values, self.model.targets)]
        keeper_pick = (drift.index(max(drift)), drift.index(min(drift)))
        pairs = [(s, b) for s in range(3) for b in range(3) if s != b]
        s, b = data.draw(st.one_of(st.just(keeper_pick), st.sampled_from(pairs)), label="sell, buy")
        held = self.model.holdings()[s]
        self.rebalance(s, b, held * fraction // ref.BPS, min_out_mode)

    @precondition(lambda self: self.model.supply > 0)
    @rule(data=st.data(), amount=st.one_of(st.integers(1, 100), st.integers(1, 10**12)))
    def rule_small_rebalance(self, data, amount):
        """A few wei to a few dollars, whatever the vault's size: where unit granularity used to cost holders most."""
        values = self.model.values(self.model.holdings())
        drift = [v * ref.BPS - t * sum(values) for v, t in zip(values, self.model.targets)]
        s, b = drift.index(max(drift)), drift.index(min(drift))
        self.rebalance(s, b, min(amount, self.model.holdings()[s]), data.draw(st.sampled_from(["quote", "bound"])))

    @precondition(lambda self: self.model.supply > 0)
    @rule(percent=st.integers(50, 120), min_out_mode=st.sampled_from(["quote", "bound"]))
    def rule_keeper_rebalance(self, percent, min_out_mode):
        """What a keeper would send: the most overweight into the most underweight, sized to close the smaller gap
        (times 50-120 %, so overshooting is tried too)."""
        values = self.model.values(self.model.holdings())
        nav = sum(values)
        gaps = [v - t * nav // ref.BPS for v, t in zip(values, self.model.targets)]
        s, b = gaps.index(max(gaps)), gaps.index(min(gaps))
        gap_value = min(gaps[s], -gaps[b]) * percent // 100
        amount_in = max(0, gap_value) * 10 ** ASSETS[s][1] // self.model.prices[s]
        self.rebalance(s, b, min(amount_in, self.model.holdings()[s]), min_out_mode)

    def rebalance(self, s: int, b: int, amount_in: int, min_out_mode: str):
        model = self.model
        now = chain.pending_timestamp
        held = model.holdings()
        quote = (
            self.m.market.uniswap.router.getAmountsOut(amount_in, [self.tokens[s], self.tokens[b]])[1]
            if amount_in and s != b
            else 0
        )
        value_in = model.value(s, amount_in)
        # The least `min_out` the oracle bound allows: its value, rounded down, must reach the bound.
        least_value = ref.ceil_div(value_in * (ref.BPS - model.limits.max_slippage), ref.BPS)
        bound = ref.ceil_div(least_value * 10 ** ASSETS[b][1], model.prices[b])
        min_out = {"quote": quote, "bound": bound, "zero": 0, "above_quote": quote + 1}[min_out_mode]

        error = None
        if self.oracle_stale(now):
            error = "oracle_router: stale price"
        if amount_in == 0:
            error = "index_vault: zero amount"
        elif s == b:
            error = "index_vault: sell is buy"
        elif now < model.last_rebalance + model.limits.cooldown:
            error = "rebalance_policy: cooldown"
        elif error is None:
            error = ref.trade_precheck(
                model.values(held), model.targets, s, b, value_in, model.value(b, min_out), model.limits
            )
        received = quote
        if error is None and quote < min_out:
            error = "UniswapV2Router: INSUFFICIENT_OUTPUT_AMOUNT"
        new_units = list(model.units)
        spent = model.loss_spent
        loss = 0
        if error is None:
            new_units[s] = ref.sold_unit(new_units[s], ref.START, model.supply, amount_in)
            new_units[b] = ref.bought_unit(new_units[b], ref.START, model.supply, received)
            before_values, after_values = model.values(held), model.values(model.holdings(new_units))
            error = ref.trade_postcheck(before_values, after_values, model.targets, s, b, model.limits)
            loss = max(0, sum(before_values) - sum(after_values))
            if error is None and loss:
                spent = ref.drained(model.loss_spent, model.loss_updated, now, model.limits.loss_budget)
                spent += ref.loss_share(loss, sum(before_values))
                if spent > model.limits.loss_budget * (ref.WAD // ref.BPS):
                    error = "rebalance_policy: loss budget exceeded"
        note(f"rebalance {ASSETS[s][0]}->{ASSETS[b][0]} {amount_in} min_out={min_out} ({min_out_mode}) -> {error or 'ok'}")
        event(f"rebalance: {error or 'ok'}")

        args = (self.tokens[s], self.tokens[b], amount_in, min_out, self.m.market.adapter)
        data = path(self.tokens[s], self.tokens[b])
        if error:
            with ape.reverts(error):
                self.vault.rebalance(*args, data, sender=self.m.keeper)
            return
        tx = self.vault.rebalance(*args, data, sender=self.m.keeper)
        (logged,) = tx.events.filter(self.vault.Rebalanced)
        assert logged.amount_out == received
        # Invariant 9, on what actually happened: toward target, within the oracle bound, size and cooldown.
        nav = sum(model.values(held))
        assert model.values(held)[s] * ref.BPS > model.targets[s] * nav  # sell was overweight
        assert model.values(held)[b] * ref.BPS < model.targets[b] * nav  # buy was underweight
        assert model.value(b, min_out) * ref.BPS >= value_in * (ref.BPS - model.limits.max_slippage)
        assert received >= min_out
        assert value_in * ref.BPS <= nav * model.limits.max_trade
        assert now >= model.last_rebalance + model.limits.cooldown
        # Invariant 11: the loss on holders' claims at oracle prices is within the per-trade cap and the budget.
        assert loss * ref.BPS <= nav * model.limits.max_nav_loss
        assert self.policy.loss_spent() == spent <= model.limits.loss_budget * (ref.WAD // ref.BPS)
        if loss:
            model.loss_spent, model.loss_updated = spent, tx.timestamp
        event(f"rebalance loss: {'none' if loss == 0 else 'charged'}")
        model.units = new_units
        model.held[s] -= amount_in
        model.held[b] += received
        model.last_rebalance = tx.timestamp
        assert self.policy.last_rebalance() == tx.timestamp

    def oracle_stale(self, now: int) -> bool:
        return any(f.latestRoundData()[3] + HEARTBEAT < now for f in self.m.market.feeds)

    # ---- invariants ----------------------------------------------------------------------------------------

    @invariant()
    def invariants_hold(self):
        state = self.m.probe.read(self.vault, self.m.holders, self.tokens)
        # 1: supply is the sum of balances (no fees in this machine, so the holders hold it all).
        assert state.supply == self.model.supply == sum(state.shares)
        # 5: units changed only through the rebalances the model applied, exactly.
        assert stored_units(self.vault) == self.model.units
        assert list(state.units) == [ref.unit_amount(unit, ref.START) for unit in self.model.units]
        for i in range(3):
            # the ghost ledger: nothing appears or vanishes
            assert state.held[i] == self.model.held[i]
            # 2: solvency against the exact claim and the rounded-up unit claim
            claim = ref.exact_claim(self.model.units[i], ref.START, state.supply)
            assert claim <= state.held[i]
            assert ref.ceil_div(state.units[i] * state.supply, ref.PRECISION) <= state.held[i]
            # 10: this step moved at most max(1 wei, 1e-18 of the claim) to surplus per operation (a rebalance
            # rounds each leg once), and nothing the other way.
            surplus = self.model.surplus(i)
            moved = surplus - self.surplus_before[i]
            # The rounding of a step is a share of the claim it acted on: before a redeem or a sale, or after.
            bound = allowance(max(claim, self.claims_before[i]))
            assert 0 <= moved <= bound, f"{ASSETS[i][0]}: {float(moved)} wei to surplus"
            self.surplus_before[i] = surplus
            self.claims_before[i] = claim


TestRebalanceInvariants = RebalanceInvariants.TestCase
# Each step here costs several transactions: half the profile's examples, 20 steps each, keep CI near 2 minutes.
TestRebalanceInvariants.settings = settings(
    settings.default,
    max_examples=max(10, settings.default.max_examples // 2),
    stateful_step_count=min(20, settings.default.stateful_step_count),
)
