"""Random sequences of zap mints (exact shares and exact input, USDC or WETH in, direct or 2-hop legs), zap redeems
(to USDC or WETH, with skipped components), pool moves (sandwiches and drift) and fee-on-transfer inputs, over
vaults drawn per example: 2-4 components out of USDC (6 dec), WETH, WBTC (8 dec) and a no-return USDT, with or
without fees, with or without minting paused.

After every step: invariant 13 (the zap holds no token, no ETH and no allowance to any adapter or vault), and every
holder's shares equal the model's. Each zap either completes exactly (the shares asked for, at least the minimum
out) or reverts with one of the reasons it may have, leaving the caller's balances as they were: no half-done
position."""

import ape
from ape import accounts, chain, project
from fixtures.oracles import DELAY
from fixtures.uniswap import deploy_uniswap
from fixtures.vaults import Rebalancing
from hypothesis import event, note, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from scripts import _world as world
from scripts import _zap
from scripts.deploy import deploy_factory
from stateful.stateful_base import reused

ONE = 10**18
DAY = 86_400
HEARTBEAT = 7 * DAY  # the router's longest; this machine never moves time
ASSETS = [("USDC", 6, 1), ("WETH", 18, 2_000), ("WBTC", 8, 50_000)]
USDC, WETH, WBTC, USDT = 0, 1, 2, 3
POOL_DEPTH_USD = 10_000_000
FUNDING = 10**30
SLIPPAGE = 300
# Why a zap may refuse in this world: a moved pool (a sandwich, or drift from earlier zaps), a paused mint.
EXPECTED = {
    "index_zap: leg slippage", "index_zap: slippage", "index_zap: below min_out", "index_zap: below min_shares",
    "UniswapV2Router: INSUFFICIENT_OUTPUT_AMOUNT", "index_vault: mint paused", "index_zap: buys no shares",
}  # fmt: skip
REDEEM_EXPECTED = EXPECTED - {"index_vault: mint paused", "index_zap: below min_shares", "index_zap: buys no shares"}


class Infrastructure:
    """The priced market (USDC, WETH, WBTC with pools between every pair), a no-return USDT priced and pooled
    against USDC and WETH, a fee-on-transfer token, the factory and the zap: once per run, under each example's
    snapshot."""

    def __init__(self):
        test_accounts = accounts.test_accounts
        self.deployer, self.governance, self.guardian, self.fee_recipient = test_accounts[:4]
        self.holders = list(test_accounts[4:7])
        d, lp = self.deployer, test_accounts[9]
        self.market = world.deploy_market(
            d, self.governance, lp, ASSETS, world.all_pairs(3), POOL_DEPTH_USD, HEARTBEAT,
            uniswap=deploy_uniswap(d), router_delay=DELAY,
        )  # fmt: skip
        usdt = project.NoReturnToken.deploy("Tether USD", "USDT", 6, sender=d)
        feed = project.MockAggregator.deploy(8, 10**8, sender=d)
        router = self.market.router
        router.propose_feed(usdt, feed, HEARTBEAT, 0, 2**128 - 1, sender=self.governance)
        chain.pending_timestamp += router.delay()
        router.execute_feed(usdt, feed, HEARTBEAT, 0, 2**128 - 1, sender=self.governance)
        feed.set_answer(10**8, sender=d)
        self.market.refresh()
        uniswap = self.market.uniswap
        for i in (USDC, WETH):
            uniswap.add_liquidity(usdt, self.market.tokens[i], POOL_DEPTH_USD * 10**6,
                                  POOL_DEPTH_USD * 10 ** ASSETS[i][1] // ASSETS[i][2], lp)  # fmt: skip
        self.tokens = [*self.market.tokens, usdt]
        self.fot = project.FeeOnTransferToken.deploy("Fee USD", "FUSD", 6, 100, sender=d)
        self.zap = project.IndexZap.deploy(uniswap.weth, sender=d)
        for holder in self.holders:
            for token in (*self.tokens, self.fot):
                token.mint(holder, FUNDING, sender=holder)
                token.approve(self.zap, 2**256 - 1, sender=holder)
        self.factory = deploy_factory(d)
        self.venue = _zap.Venue(uniswap.factory, uniswap.router, self.market.adapter.address)

    def is_deployed(self) -> bool:
        return len(chain.provider.get_code(self.zap.address)) > 0


infrastructure = reused(Infrastructure)


# $ a share of each asset in a drawn basket: $100-$500 (USDT like USDC).
USD_PRICE = [1, 2_000, 50_000, 1]
DECIMALS = [6, 18, 8, 6]
baskets = st.lists(st.sampled_from([USDC, WETH, WBTC, USDT]), min_size=2, max_size=4, unique=True)


class ZapInvariants(RuleBasedStateMachine):
    @initialize(
        basket=baskets, dollars=st.lists(st.integers(100, 500), min_size=4, max_size=4), fees=st.booleans(),
        paused=st.booleans(),
    )  # fmt: skip
    def init(self, basket, dollars, fees, paused):
        m = infrastructure()
        self.m = m
        self.snapshot = chain.snapshot()
        self.components = [m.tokens[i] for i in basket]
        units = [dollars[k] * 10 ** DECIMALS[i] // USD_PRICE[i] for k, i in enumerate(basket)]
        rebalancing = Rebalancing(m.market.router, len(basket), adapters=[m.market.adapter])
        tx = m.factory.create_vault(
            "Zapped", "ZAP", self.components, units, m.governance, m.guardian, m.fee_recipient,
            *((200, 100, 50) if fees else (0, 0, 0)), DAY, rebalancing.as_tuple(), sender=m.deployer,
        )  # fmt: skip
        self.vault = project.IndexVault.at(tx.events.filter(m.factory.VaultCreated)[0].vault)
        self.shares = {h.address: 0 for h in m.holders}
        self.paused = False
        # Every holder starts with a few shares (minted through the zap) and lets the zap take them.
        for holder in m.holders:
            self.vault.approve(m.zap, 2**256 - 1, sender=holder)
            self.zap_mint(holder, 5 * ONE, USDC, False)
        self.paused = paused
        if paused:
            self.vault.pause_mint(sender=m.guardian)
        note(f"basket={[ASSETS[i][0] if i < 3 else 'USDT' for i in basket]} units={units} fees={fees} paused={paused}")

    def teardown(self):
        if hasattr(self, "snapshot"):
            chain.restore(self.snapshot)

    # ---- actions -------------------------------------------------------------------------------------------

    def snapshot_balances(self, user) -> list[int]:
        return [t.balanceOf(user) for t in (*self.m.tokens, self.vault)]

    def attempt(self, user, send, expected=EXPECTED):
        """Run a zap; on a revert, check the reason is one this world can produce and nothing of the user moved."""
        before = self.snapshot_balances(user)
        try:
            tx = send()
        except ape.exceptions.ContractLogicError as error:
            assert str(error.message) in expected, f"unexpected revert: {error.message}"
            assert self.snapshot_balances(user) == before, "a reverted zap moved the user's balances"
            note(f"reverted: {error.message}")
            event(f"zap reverted: {error.message}")
            return None
        event("zap completed")
        return tx

    def legs(self, routes, two_hop: bool, token_in: int):
        """The planned legs, with each swap routed through a third market token instead when `two_hop`."""
        legs = _zap.legs(routes)
        if not two_hop:
            return legs
        venue, market_tokens = self.m.venue, [t.address for t in self.m.market.tokens]
        for k, route in enumerate(routes):
            if route.direct:
                continue
            a, b = route.path[0], route.path[-1]
            hub = next((h for h in market_tokens if h not in (a, b) and venue.has_pair(a, h) and venue.has_pair(h, b)),
                       None)  # fmt: skip
            if hub is None:
                continue
            path = (a, hub, b)
            legs[k] = (route.adapter, _zap.v2_data(path), _zap.with_buffer(venue.cost(route.amount_out, path), 30))
        return legs

    def zap_mint(self, user, shares: int, token_in: int, two_hop: bool):
        token = self.m.tokens[token_in]
        routes = _zap.plan_mint(self.vault, token.address, shares, self.m.venue)
        legs = self.legs(routes, two_hop, token_in)
        max_in = sum(leg[2] if not r.direct else r.amount_in for leg, r in zip(legs, routes))
        tx = self.attempt(user, lambda: self.m.zap.mint(self.vault, shares, token, max_in, legs, SLIPPAGE, user,
                                                        sender=user))  # fmt: skip
        if tx is not None:
            assert not self.paused, "a zap mint went through a paused vault"
            assert tx.events.filter(self.m.zap.ZapMinted)[0].spent <= max_in
            self.shares[user.address] += shares

    @rule(user=st.integers(0, 2), shares=st.integers(10**15, 40 * ONE), token_in=st.sampled_from([USDC, WETH]),
          two_hop=st.booleans())  # fmt: skip
    def rule_mint(self, user, shares, token_in, two_hop):
        self.zap_mint(self.m.holders[user], shares, token_in, two_hop)

    @rule(user=st.integers(0, 2), dollars=st.integers(1, 40_000), token_in=st.sampled_from([USDC, WETH]),
          min_fraction=st.sampled_from([0, 90, 1_000]))  # fmt: skip
    def rule_mint_exact_in(self, user, dollars, token_in, min_fraction):
        holder, token = self.m.holders[user], self.m.tokens[token_in]
        amount = dollars * 10 ** DECIMALS[token_in] // USD_PRICE[token_in]
        routes = _zap.plan_mint_exact_in(self.vault, token.address, amount, self.m.venue)
        # min_shares: none, 90 % of the oracle estimate, or ten times it (never reachable: must revert)
        nav_per_share = sum(
            self.m.market.router.value(t, owed) for t, owed in zip(self.components, self.vault.preview_mint(ONE))
        )
        min_shares = self.m.market.router.value(token, amount) * ONE // nav_per_share * min_fraction // 100
        before = self.vault.balanceOf(holder)
        tx = self.attempt(holder, lambda: self.m.zap.mint_exact_in(
            self.vault, token, amount, min_shares, _zap.legs(routes), SLIPPAGE, holder, sender=holder))  # fmt: skip
        if tx is not None:
            assert not self.paused, "a zap mint went through a paused vault"
            assert min_fraction != 1_000, "minted ten times more shares than the input is worth"
            minted = tx.events.filter(self.m.zap.ZapMinted)[0].shares
            assert minted >= min_shares and self.vault.balanceOf(holder) - before == minted
            self.shares[holder.address] += minted

    @rule(user=st.integers(0, 2), fraction=st.integers(1, 100), token_out=st.sampled_from([USDC, WETH]),
          skip_mask=st.integers(0, 15))  # fmt: skip
    def rule_redeem(self, user, fraction, token_out, skip_mask):
        holder, token = self.m.holders[user], self.m.tokens[token_out]
        shares = self.shares[holder.address] * fraction // 100
        if shares == 0:
            return
        # Skip some components, never all of them.
        skip = [c.address for k, c in enumerate(self.components) if skip_mask >> k & 1][: len(self.components) - 1]
        routes = _zap.plan_redeem(self.vault, token.address, shares, skip, self.m.venue)
        min_out = _zap.less_buffer(sum(r.amount_out for r in routes), 50)
        skipped_before = [c.balanceOf(holder) for c in self.components if c.address in skip]
        # A redeem never stops for a paused mint: only a moved pool may refuse it.
        tx = self.attempt(holder, lambda: self.m.zap.redeem(
            self.vault, shares, token, min_out, _zap.legs(routes, redeem=True), skip, SLIPPAGE, holder,
            sender=holder), expected=REDEEM_EXPECTED)  # fmt: skip
        if tx is not None:
            assert tx.events.filter(self.m.zap.ZapRedeemed)[0].received >= min_out
            # A skipped component is forfeited: the holder receives none of it.
            if token.address not in skip:
                assert [c.balanceOf(holder) for c in self.components if c.address in skip] == skipped_before
            self.shares[holder.address] -= shares

    @rule(pair=st.sampled_from([(0, 1), (0, 2), (1, 2), (1, 0), (2, 0), (2, 1)]), dollars=st.integers(1, 600_000))
    def rule_move_pool(self, pair, dollars):
        """A sandwich's front-run or plain drift: sell $dollars of one market token into another's pool."""
        i, j = pair
        self.m.market.swap(
            self.m.market.tokens[i], self.m.market.tokens[j], dollars * 10 ** DECIMALS[i] // USD_PRICE[i]
        )

    @rule()
    def rule_toggle_mint_pause(self):
        """The guardian pauses minting (zap mints must then revert with the vault's reason; redeems go on), or
        unpauses it."""
        if self.paused:
            self.vault.unpause_mint(sender=self.m.governance)
        else:
            self.vault.pause_mint(sender=self.m.guardian)
        self.paused = not self.paused

    @rule(user=st.integers(0, 2))
    def rule_fee_on_transfer_input(self, user):
        holder = self.m.holders[user]
        legs = [(self.m.market.adapter.address, _zap.v2_data([self.m.fot.address, c.address]), 10**6)
                for c in self.components]  # fmt: skip
        before = self.snapshot_balances(holder) + [self.m.fot.balanceOf(holder)]
        with ape.reverts("index_zap: transfer amount mismatch"):
            self.m.zap.mint(self.vault, ONE, self.m.fot, 10**12, legs, SLIPPAGE, holder, sender=holder)
        assert self.snapshot_balances(holder) + [self.m.fot.balanceOf(holder)] == before

    # ---- invariants ----------------------------------------------------------------------------------------

    @invariant()
    def zap_holds_nothing(self):
        if not hasattr(self, "vault"):
            return
        zap, spenders = self.m.zap, [self.vault, self.m.market.adapter]
        assert self.m.zap.balance == 0
        for token in (*self.m.tokens, self.m.fot, self.vault):
            assert token.balanceOf(zap) == 0, f"the zap holds {token.symbol()}"
            for spender in spenders:
                assert token.allowance(zap, spender) == 0, f"the zap left a {token.symbol()} allowance"

    @invariant()
    def shares_match_model(self):
        if not hasattr(self, "vault"):
            return
        for holder in self.m.holders:
            assert self.vault.balanceOf(holder) == self.shares[holder.address]


TestZapInvariants = ZapInvariants.TestCase
# Each step is a zap of several swaps plus ~40 reads for the invariants, and the suite has a 10-minute budget: a tenth
# of the profile's examples (5 in `ci`, 200 in `deep`), 10 steps each (about 45 s of CPU in `ci`).
TestZapInvariants.settings = settings(
    settings.default,
    max_examples=max(5, settings.default.max_examples // 10),
    stateful_step_count=min(10, settings.default.stateful_step_count),
)
