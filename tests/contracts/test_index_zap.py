"""IndexZap: mint with one token and redeem to one token through the real Uniswap V2 (npm bytecode), bounded by the
vault's oracle, holding nothing after any call.

The world is deployed once for the module: the market of fixtures/market.py (USDC 6 dec, a mock WETH, WBTC 8 dec,
pools between every pair at the oracle prices) plus real WETH9 (for ETH input), a permit token (pUSD, 6 dec) and a
no-return token (USDT, 6 dec), each priced by the same router and pooled where a test routes through it."""

import ape
import pytest
from eth_account import Account
from fixtures.tokens import PERMIT_TYPES

from scripts import _zap
from scripts._zap import ZERO_ADDRESS, Venue

ONE = 10**18
BPS = 10_000
SLIPPAGE = 200  # 2 %: a pool fee, the legs' 0.3 % buffer and small price impact
MINT_FEE, REDEEM_FEE, MANAGEMENT_FEE = 100, 50, 200
# A share: $400 of USDC, $300 of WETH, $300 of WBTC (fixtures/market.py UNITS).
UNITS = [400 * 10**6, 15 * 10**16, 600_000]




# --- the world ------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def zap(project, deployer, uniswap):
    return project.IndexZap.deploy(uniswap.weth, sender=deployer)


@pytest.fixture(scope="module")
def usdc(market):
    return market.tokens[0]


@pytest.fixture(scope="module")
def weth(market):
    """The market's mock WETH (an ordinary priced component, not WETH9)."""
    return market.tokens[1]


@pytest.fixture(scope="module")
def wbtc(market):
    return market.tokens[2]


@pytest.fixture(scope="module")
def extra(project, chain, deployer, governance, market, uniswap, usdc, wbtc):
    """WETH9 ($2,000), pUSD (permit, $1) and USDT (no return value, $1) with feeds on the market's router, and pools
    of $1M a side: WETH9 against USDC, WBTC and pUSD; pUSD against WBTC; USDT against USDC."""
    lp = market.liquidity
    pusd = project.PermitToken.deploy("Permit USD", "pUSD", 6, sender=deployer)
    usdt = project.NoReturnToken.deploy("Tether USD", "USDT", 6, sender=deployer)
    weth9 = uniswap.weth
    priced = [(weth9, 2_000), (pusd, 1), (usdt, 1)]
    router = market.router
    feeds = [project.MockAggregator.deploy(8, usd * 10**8, sender=deployer) for _, usd in priced]
    for (token, _), feed in zip(priced, feeds):
        router.propose_feed(token, feed, 86_400, 0, 2**128 - 1, sender=governance)
    chain.pending_timestamp += router.delay()
    for (token, _), feed in zip(priced, feeds):
        router.execute_feed(token, feed, 86_400, 0, 2**128 - 1, sender=governance)
    for feed in feeds:
        feed.set_answer(feed.latestRoundData()[1], sender=deployer)
    market.refresh()

    def pool(a, amount_a, b, amount_b):
        for token, amount in ((a, amount_a), (b, amount_b)):
            if token == weth9:
                weth9.deposit(value=amount, sender=lp)
            else:
                token.mint(lp, amount, sender=lp)
            token.approve(uniswap.router, amount, sender=lp)
        uniswap.router.addLiquidity(a, b, amount_a, amount_b, amount_a, amount_b, lp, 2**256 - 1, sender=lp)

    usd = 1_000_000  # a side
    eth, btc, dollars = usd // 2_000 * ONE, usd // 50_000 * 10**8, usd * 10**6
    pool(weth9, eth, usdc, dollars)
    pool(weth9, eth, wbtc, btc)
    pool(weth9, eth, pusd, dollars)
    pool(pusd, dollars, wbtc, btc)
    pool(usdt, dollars, usdc, dollars)
    return {"weth9": weth9, "pusd": pusd, "usdt": usdt}


@pytest.fixture(scope="module")
def venue(market, uniswap, usdc):
    return Venue(uniswap.factory, uniswap.router, market.adapter.address, hubs=(usdc.address,))


@pytest.fixture(scope="module")
def rebalancing(market):
    from fixtures.vaults import Rebalancing

    def rebalancing(count):
        return Rebalancing(market.router, count, adapters=[market.adapter])

    return rebalancing


@pytest.fixture(scope="module")
def basket(create_vault, market, rebalancing, extra):
    """USDC, WETH, WBTC at $400/$300/$300 a share, no fees: USDC input pays its own component unswapped."""
    return create_vault(market.tokens, units=UNITS, rebalancing=rebalancing(3))


@pytest.fixture(scope="module")
def no_usdc(create_vault, weth, wbtc, rebalancing, extra):
    """WETH and WBTC only: every USDC leg swaps."""
    return create_vault([weth, wbtc], units=UNITS[1:], rebalancing=rebalancing(2))


@pytest.fixture(scope="module")
def fee_vault(create_vault, market, rebalancing, extra):
    """The basket with a 2 % management fee, a 1 % mint fee and a 0.5 % redeem fee."""
    return create_vault(
        market.tokens, units=UNITS, fees=(MANAGEMENT_FEE, MINT_FEE, REDEEM_FEE), rebalancing=rebalancing(3)
    )


@pytest.fixture(scope="module")
def eth_vault(create_vault, extra, wbtc, rebalancing):
    """WETH9 (real) and WBTC: ETH input pays WETH9 unswapped and swaps the rest."""
    return create_vault([extra["weth9"], wbtc], units=UNITS[1:], rebalancing=rebalancing(2))


@pytest.fixture(scope="module")
def usdt_vault(create_vault, extra, wbtc, rebalancing):
    """A no-return token (USDT) and WBTC."""
    return create_vault([extra["usdt"], wbtc], units=[300 * 10**6, 600_000], rebalancing=rebalancing(2))


@pytest.fixture(scope="module")
def other_adapter(project, deployer, uniswap):
    """A second V2 adapter that no vault's policy allows."""
    return project.UniswapV2Adapter.deploy(uniswap.router, sender=deployer)


@pytest.fixture(scope="module")
def funded(alice, bob, usdc, zap):
    """alice and bob hold $1M of USDC each and allow the zap to take it."""
    for who in (alice, bob):
        usdc.mint(who, 10**6 * 10**6, sender=who)
        usdc.approve(zap, 2**256 - 1, sender=who)


# --- helpers --------------------------------------------------------------------------------------------------------


def assert_holds_nothing(zap, tokens, spenders):
    """Invariant 13: no token balance and no allowance left on the zap."""
    for token in tokens:
        assert token.balanceOf(zap) == 0, f"zap holds {token.symbol()}"
        for spender in spenders:
            assert token.allowance(zap, spender) == 0, f"zap left a {token.symbol()} allowance"


def mint_routes(vault, token_in, shares, venue, buffer=_zap.DEFAULT_BUFFER_BPS):
    return _zap.plan_mint(vault, getattr(token_in, "address", token_in), shares, venue, buffer)


def balances(account, tokens):
    return [t.balanceOf(account) for t in tokens]


# --- mint -----------------------------------------------------------------------------------------------------------


def test_mint__usdc_input__mints_exact_shares_and_refunds_leftovers(zap, basket, market, venue, alice, funded):
    usdc, _weth, _wbtc = market.tokens
    routes = mint_routes(basket, usdc, ONE, venue)
    before = balances(alice, market.tokens)
    tx = zap.mint(basket, ONE, usdc, _zap.spent(routes), _zap.legs(routes), SLIPPAGE, alice, sender=alice)
    spent = tx.events.filter(zap.ZapMinted)[0].spent
    assert spent == _zap.spent(routes)
    assert basket.balanceOf(alice) == ONE
    after = balances(alice, market.tokens)
    assert before[0] - after[0] == spent
    # The legs bought a 0.3 % buffer beyond what the vault pulled: it came back to alice, in kind.
    for i in (1, 2):
        assert 0 < after[i] - before[i] <= routes[i].amount_out * 40 // BPS
    # The vault holds exactly what one share claims.
    assert [t.balanceOf(basket) for t in market.tokens] == list(basket.preview_redeem(ONE))
    event = tx.events.filter(zap.ZapMinted)[0]
    assert (event.vault, event.sender, event.receiver, event.spent, event.shares) == (
        basket.address,
        alice.address,
        alice.address,
        spent,
        ONE,
    )
    assert_holds_nothing(zap, market.tokens, [basket, market.adapter])


def test_mint__max_in_below_spend__reverts(zap, basket, market, venue, alice, funded):
    routes = mint_routes(basket, market.tokens[0], ONE, venue)
    with ape.reverts("index_zap: max_in exceeded"):
        zap.mint(basket, ONE, market.tokens[0], _zap.spent(routes) - 1, _zap.legs(routes), SLIPPAGE, alice,
                 sender=alice)  # fmt: skip


def test_mint__no_direct_component__every_leg_swaps(zap, no_usdc, market, venue, bob, funded):
    usdc = market.tokens[0]
    routes = mint_routes(no_usdc, usdc, 3 * ONE, venue)
    before = usdc.balanceOf(bob)
    zap.mint(no_usdc, 3 * ONE, usdc, 10**6 * 10**6, _zap.legs(routes), SLIPPAGE, bob, sender=bob)
    assert no_usdc.balanceOf(bob) == 3 * ONE
    # Only what the legs sell is pulled, however high max_in is.
    assert before - usdc.balanceOf(bob) == _zap.spent(routes)
    assert_holds_nothing(zap, market.tokens, [no_usdc, market.adapter])


def test_mint__receiver_is_another_account__shares_go_there_refunds_to_caller(
    zap, no_usdc, market, venue, alice, carol, funded
):
    routes = mint_routes(no_usdc, market.tokens[0], ONE, venue)
    weth_before = market.tokens[1].balanceOf(alice)
    zap.mint(no_usdc, ONE, market.tokens[0], _zap.spent(routes), _zap.legs(routes), SLIPPAGE, carol, sender=alice)
    assert no_usdc.balanceOf(carol) == ONE and no_usdc.balanceOf(alice) == 0
    assert market.tokens[1].balanceOf(alice) > weth_before and market.tokens[1].balanceOf(carol) == 0


def test_mint__sandwiched_leg__reverts_whole_call(zap, basket, market, venue, alice, funded):
    usdc, _weth, wbtc = market.tokens
    routes = mint_routes(basket, usdc, 10 * ONE, venue)
    # An attacker front-runs the WBTC leg: after this the leg's USDC buys less WBTC than the vault will pull.
    market.swap(usdc, wbtc, 50_000 * 10**6)
    before = balances(alice, market.tokens)
    with ape.reverts("UniswapV2Router: INSUFFICIENT_OUTPUT_AMOUNT"):
        zap.mint(basket, 10 * ONE, usdc, _zap.spent(routes), _zap.legs(routes), SLIPPAGE, alice, sender=alice)
    assert balances(alice, market.tokens) == before and basket.balanceOf(alice) == 0


def test_mint__pool_off_oracle__leg_slippage_reverts(zap, basket, market, venue, alice, funded):
    usdc, _weth, wbtc = market.tokens
    # WBTC in its USDC pool costs ~4 % above the oracle; a fresh quote buys exactly, but overpays by the oracle.
    market.swap(usdc, wbtc, 200_000 * 10**6)
    routes = mint_routes(basket, usdc, ONE, venue)
    with ape.reverts("index_zap: leg slippage"):
        zap.mint(basket, ONE, usdc, _zap.spent(routes), _zap.legs(routes), SLIPPAGE, alice, sender=alice)


def test_mint__pool_off_oracle_within_bound__mints(zap, basket, market, venue, alice, funded):
    usdc, _weth, wbtc = market.tokens
    market.swap(usdc, wbtc, 200_000 * 10**6)
    routes = mint_routes(basket, usdc, ONE, venue)
    zap.mint(basket, ONE, usdc, _zap.spent(routes), _zap.legs(routes), 1_000, alice, sender=alice)
    assert basket.balanceOf(alice) == ONE


def test_mint__slippage_above_cap__reverts(zap, basket, market, venue, alice, funded):
    routes = mint_routes(basket, market.tokens[0], ONE, venue)
    with ape.reverts("index_zap: slippage above cap"):
        zap.mint(basket, ONE, market.tokens[0], _zap.spent(routes), _zap.legs(routes), 1_001, alice, sender=alice)


def test_mint__adapter_not_allowed__reverts(zap, no_usdc, market, venue, other_adapter, alice, funded):
    routes = mint_routes(no_usdc, market.tokens[0], ONE, venue)
    legs = _zap.legs(routes)
    legs[1] = (other_adapter.address, legs[1][1], legs[1][2])
    with ape.reverts("index_zap: adapter not allowed"):
        zap.mint(no_usdc, ONE, market.tokens[0], _zap.spent(routes), legs, SLIPPAGE, alice, sender=alice)


def test_mint__allowed_adapter_removed_by_policy__reverts(
    zap, create_vault, market, rebalancing, venue, policy_of, governance, alice, funded
):
    vault = create_vault(market.tokens[1:], units=UNITS[1:], rebalancing=rebalancing(2))
    policy_of(vault).remove_adapter(market.adapter, sender=governance)
    routes = mint_routes(vault, market.tokens[0], ONE, venue)
    with ape.reverts("index_zap: adapter not allowed"):
        zap.mint(vault, ONE, market.tokens[0], _zap.spent(routes), _zap.legs(routes), SLIPPAGE, alice, sender=alice)


@pytest.mark.parametrize(
    "mutate, reason",
    [
        (lambda legs: [], "index_zap: no legs"),
        (lambda legs: legs[:-1], "index_zap: wrong number of legs"),
        (lambda legs: legs + [legs[-1]], "index_zap: wrong number of legs"),
        (lambda legs: [(ZERO_ADDRESS, b"", legs[0][2])] + legs[1:], "index_zap: leg without adapter"),
        (lambda legs: [legs[0], (legs[1][0], legs[1][1], 0)], "index_zap: leg short"),
    ],
    ids=["empty", "one short", "one extra", "swap leg without adapter", "leg sells nothing"],
)  # fmt: skip
def test_mint__malformed_legs__named_revert(zap, no_usdc, market, venue, alice, funded, mutate, reason):
    routes = mint_routes(no_usdc, market.tokens[0], ONE, venue)
    with ape.reverts(reason):
        zap.mint(no_usdc, ONE, market.tokens[0], 10**12, mutate(_zap.legs(routes)), SLIPPAGE, alice, sender=alice)


def test_mint__direct_leg_with_adapter__reverts(zap, basket, market, venue, alice, funded):
    routes = mint_routes(basket, market.tokens[0], ONE, venue)
    legs = _zap.legs(routes)
    legs[0] = (market.adapter.address, b"", 0)
    with ape.reverts("index_zap: direct leg has an adapter"):
        zap.mint(basket, ONE, market.tokens[0], _zap.spent(routes), legs, SLIPPAGE, alice, sender=alice)


def test_mint__leg_path_ends_elsewhere__reverts(zap, no_usdc, market, venue, alice, funded):
    usdc, weth, _wbtc = market.tokens
    routes = mint_routes(no_usdc, usdc, ONE, venue)
    legs = _zap.legs(routes)
    legs[1] = (legs[1][0], _zap.v2_data([usdc.address, weth.address]), legs[1][2])  # the WBTC leg buys WETH
    with ape.reverts("uniswap_v2_adapter: path does not match tokens"):
        zap.mint(no_usdc, ONE, usdc, _zap.spent(routes), legs, SLIPPAGE, alice, sender=alice)


@pytest.mark.parametrize("field, reason", [("shares", "index_zap: zero shares"), ("max_in", "index_zap: zero max_in"),
                                           ("receiver", "index_zap: zero receiver"),
                                           ("zap", "index_zap: receiver is the zap")])  # fmt: skip
def test_mint__zero_or_bad_argument__named_revert(zap, basket, market, venue, alice, funded, field, reason):
    routes = mint_routes(basket, market.tokens[0], ONE, venue)
    args = {"shares": ONE, "max_in": _zap.spent(routes), "receiver": alice.address}
    args[field if field != "zap" else "receiver"] = {"shares": 0, "max_in": 0, "receiver": ZERO_ADDRESS,
                                                     "zap": zap.address}[field]  # fmt: skip
    with ape.reverts(reason):
        zap.mint(basket, args["shares"], market.tokens[0], args["max_in"], _zap.legs(routes), SLIPPAGE,
                 args["receiver"], sender=alice)  # fmt: skip


def test_mint__paused_vault__reverts_with_vault_reason(zap, create_vault, market, rebalancing, venue, guardian,
                                                       alice, funded):  # fmt: skip
    vault = create_vault(market.tokens, units=UNITS, rebalancing=rebalancing(3))
    routes = mint_routes(vault, market.tokens[0], ONE, venue)
    vault.pause_mint(sender=guardian)
    before = balances(alice, market.tokens)
    with ape.reverts("index_vault: mint paused"):
        zap.mint(vault, ONE, market.tokens[0], _zap.spent(routes), _zap.legs(routes), SLIPPAGE, alice, sender=alice)
    assert balances(alice, market.tokens) == before


def test_mint__fee_on_transfer_input__reverts(zap, project, deployer, no_usdc, market, venue, alice):
    fot = project.FeeOnTransferToken.deploy("Fee", "FEE", 6, 100, sender=deployer)
    fot.mint(alice, 10**12, sender=alice)
    fot.approve(zap, 10**12, sender=alice)
    legs = [(market.adapter.address, _zap.v2_data([fot.address, t.address]), 10**9) for t in market.tokens[1:]]
    with ape.reverts("index_zap: transfer amount mismatch"):
        zap.mint(no_usdc, ONE, fot, 10**12, legs, SLIPPAGE, alice, sender=alice)


def test_mint__fee_vault__mints_shares_and_pays_the_mint_fee(zap, fee_vault, market, venue, fee_recipient, alice,
                                                             funded):  # fmt: skip
    routes = mint_routes(fee_vault, market.tokens[0], 2 * ONE, venue)
    zap.mint(fee_vault, 2 * ONE, market.tokens[0], _zap.spent(routes), _zap.legs(routes), SLIPPAGE, alice,
             sender=alice)  # fmt: skip
    assert fee_vault.balanceOf(alice) == 2 * ONE
    assert fee_vault.balanceOf(fee_recipient) >= 2 * ONE * MINT_FEE // BPS
    assert_holds_nothing(zap, market.tokens, [fee_vault, market.adapter])


def test_mint__no_return_component__mints(zap, usdt_vault, extra, market, venue, alice, funded):
    usdt = extra["usdt"]
    routes = mint_routes(usdt_vault, market.tokens[0], ONE, venue)
    zap.mint(usdt_vault, ONE, market.tokens[0], _zap.spent(routes), _zap.legs(routes), SLIPPAGE, alice, sender=alice)
    assert usdt_vault.balanceOf(alice) == ONE
    assert_holds_nothing(zap, [usdt, *market.tokens], [usdt_vault, market.adapter])


# --- ETH and permit input -------------------------------------------------------------------------------------------


def test_mint__eth_input__wraps_what_is_spent_and_refunds_the_rest(zap, eth_vault, extra, market, venue, bob):
    weth9, wbtc = extra["weth9"], market.tokens[2]
    routes = mint_routes(eth_vault, weth9, ONE, venue)
    value = _zap.spent(routes) + 10**18  # one ETH more than the legs need
    before = bob.balance
    tx = zap.mint(eth_vault, ONE, weth9, value, _zap.legs(routes), SLIPPAGE, bob, value=value, sender=bob)
    assert eth_vault.balanceOf(bob) == ONE
    spent = tx.events.filter(zap.ZapMinted)[0].spent
    assert spent == _zap.spent(routes)
    assert before - bob.balance == spent + tx.total_fees_paid
    assert zap.balance == 0
    assert_holds_nothing(zap, [weth9, wbtc], [eth_vault, market.adapter])


@pytest.mark.parametrize("token, max_in_delta, reason", [("weth9", 1, "index_zap: msg.value mismatch"),
                                                         ("usdc", 0, "index_zap: ETH input must be WETH")])  # fmt: skip
def test_mint__eth_input_inconsistent__reverts(zap, eth_vault, extra, market, venue, bob, token, max_in_delta,
                                               reason):  # fmt: skip
    weth9 = extra["weth9"]
    routes = mint_routes(eth_vault, weth9, ONE, venue)
    value = _zap.spent(routes)
    token_in = weth9 if token == "weth9" else market.tokens[0]
    with ape.reverts(reason):
        zap.mint(eth_vault, ONE, token_in, value + max_in_delta, _zap.legs(routes), SLIPPAGE, bob, value=value,
                 sender=bob)  # fmt: skip


def sign_permit(chain, token, owner, spender, value, deadline):
    domain = {"name": token.name(), "version": "1", "chainId": chain.chain_id, "verifyingContract": token.address}
    message = {"owner": owner.address, "spender": spender.address, "value": value, "nonce": token.nonces(owner),
               "deadline": deadline}  # fmt: skip
    signed = Account.sign_typed_data(owner.private_key, domain, PERMIT_TYPES, message)
    return signed.v, signed.r.to_bytes(32, "big"), signed.s.to_bytes(32, "big")


def test_mint_with_permit__signed_permit__mints_in_one_transaction(zap, chain, eth_vault, extra, venue, carol):
    pusd = extra["pusd"]
    pusd.mint(carol, 10_000 * 10**6, sender=carol)
    routes = mint_routes(eth_vault, pusd, ONE, venue)
    max_in = _zap.spent(routes) + 10**6
    deadline = chain.pending_timestamp + 3_600
    tx = zap.mint_with_permit(eth_vault, ONE, pusd, max_in, _zap.legs(routes), SLIPPAGE, carol, deadline,
                              *sign_permit(chain, pusd, carol, zap, max_in, deadline), sender=carol)  # fmt: skip
    assert eth_vault.balanceOf(carol) == ONE
    assert pusd.balanceOf(carol) == 10_000 * 10**6 - tx.events.filter(zap.ZapMinted)[0].spent
    assert_holds_nothing(zap, [pusd, extra["weth9"]], [eth_vault])


def test_mint_with_permit__front_run_permit__still_mints(zap, chain, eth_vault, extra, venue, carol, bob):
    pusd = extra["pusd"]
    pusd.mint(carol, 10_000 * 10**6, sender=carol)
    routes = mint_routes(eth_vault, pusd, ONE, venue)
    max_in = _zap.spent(routes)
    deadline = chain.pending_timestamp + 3_600
    signature = sign_permit(chain, pusd, carol, zap, max_in, deadline)
    pusd.permit(carol, zap, max_in, deadline, *signature, sender=bob)  # someone replays it from the mempool first
    zap.mint_with_permit(eth_vault, ONE, pusd, max_in, _zap.legs(routes), SLIPPAGE, carol, deadline, *signature,
                         sender=carol)  # fmt: skip
    assert eth_vault.balanceOf(carol) == ONE


def test_mint_with_permit__bad_signature_and_no_allowance__reverts(zap, chain, eth_vault, extra, venue, carol, bob):
    pusd = extra["pusd"]
    pusd.mint(carol, 10_000 * 10**6, sender=carol)
    routes = mint_routes(eth_vault, pusd, ONE, venue)
    max_in = _zap.spent(routes)
    deadline = chain.pending_timestamp + 3_600
    signature = sign_permit(chain, pusd, bob, zap, max_in, deadline)  # bob's key, carol's tokens
    with ape.reverts("index_zap: permit failed"):
        zap.mint_with_permit(eth_vault, ONE, pusd, max_in, _zap.legs(routes), SLIPPAGE, carol, deadline, *signature,
                             sender=carol)  # fmt: skip


# --- mint_exact_in --------------------------------------------------------------------------------------------------


def test_mint_exact_in__usdc__spends_exactly_and_mints_at_least_min_shares(zap, fee_vault, market, venue, alice,
                                                                           funded):  # fmt: skip
    usdc = market.tokens[0]
    amount = 5_000 * 10**6
    routes = _zap.plan_mint_exact_in(fee_vault, usdc.address, amount, venue)
    before = usdc.balanceOf(alice)
    tx = zap.mint_exact_in(fee_vault, usdc, amount, 4 * ONE, _zap.legs(routes), SLIPPAGE, alice, sender=alice)
    event = tx.events.filter(zap.ZapMinted)[0]
    shares = event.shares
    assert event.spent == amount
    # The USDC component's leftover comes back with the others; all the rest of `amount` was spent.
    usdc_left = routes[0].amount_in - fee_vault.preview_mint(shares)[0]
    assert before - usdc.balanceOf(alice) == amount - usdc_left
    assert fee_vault.balanceOf(alice) == shares
    # $5,000 at $1,000 a share, less the 1 % mint fee and two pool fees: a little under 4.95 shares.
    assert 4_85 * ONE // 100 < shares < 4_95 * ONE // 100
    # The mint is (all but) the largest that fits: some component's leftover is under 1 ppm of what the vault pulled.
    owed = fee_vault.preview_mint(shares)
    refunded = {t.address: 0 for t in market.tokens}
    for token in market.tokens:
        for log in tx.events.filter(token.Transfer):
            if log.sender == zap.address and log.receiver == alice.address:
                refunded[token.address] += log.value
    assert min(refunded[t.address] * 10**6 // need for t, need in zip(market.tokens, owed)) == 0
    assert_holds_nothing(zap, market.tokens, [fee_vault, market.adapter])


def test_mint_exact_in__min_shares_too_high__reverts(zap, basket, market, venue, alice, funded):
    amount = 5_000 * 10**6
    routes = _zap.plan_mint_exact_in(basket, market.tokens[0].address, amount, venue)
    with ape.reverts("index_zap: below min_shares"):
        zap.mint_exact_in(basket, market.tokens[0], amount, 5 * ONE, _zap.legs(routes), SLIPPAGE, alice,
                          sender=alice)  # fmt: skip


def test_mint_exact_in__legs_do_not_add_up__reverts(zap, basket, market, venue, alice, funded):
    amount = 5_000 * 10**6
    routes = _zap.plan_mint_exact_in(basket, market.tokens[0].address, amount, venue)
    with ape.reverts("index_zap: legs do not add up to amount_in"):
        zap.mint_exact_in(basket, market.tokens[0], amount + 1, 0, _zap.legs(routes), SLIPPAGE, alice, sender=alice)


def test_mint_exact_in__sandwiched_leg__leg_slippage_reverts(zap, basket, market, venue, alice, funded):
    usdc, weth, _wbtc = market.tokens
    amount = 50_000 * 10**6
    routes = _zap.plan_mint_exact_in(basket, usdc.address, amount, venue)
    market.swap(usdc, weth, 300_000 * 10**6)  # the WETH leg now buys ~6 % less than the oracle says it should
    with ape.reverts("index_zap: leg slippage"):
        zap.mint_exact_in(basket, usdc, amount, 0, _zap.legs(routes), SLIPPAGE, alice, sender=alice)


def test_mint_exact_in__eth__mints(zap, eth_vault, extra, venue, bob):
    weth9 = extra["weth9"]
    routes = _zap.plan_mint_exact_in(eth_vault, weth9.address, ONE, venue)
    tx = zap.mint_exact_in(eth_vault, weth9, ONE, 0, _zap.legs(routes), SLIPPAGE, bob, value=ONE, sender=bob)
    assert eth_vault.balanceOf(bob) == tx.events.filter(zap.ZapMinted)[0].shares > 0
    assert zap.balance == 0
    assert_holds_nothing(zap, [weth9], [eth_vault])


# --- redeem ---------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def holder(zap, basket, fee_vault, market, venue, alice, funded):
    """alice holds 10 shares of `basket` and of `fee_vault`, minted through the zap, and allows it to take them."""
    for vault in (basket, fee_vault):
        routes = mint_routes(vault, market.tokens[0], 10 * ONE, venue)
        zap.mint(vault, 10 * ONE, market.tokens[0], _zap.spent(routes), _zap.legs(routes), SLIPPAGE, alice,
                 sender=alice)  # fmt: skip
        vault.approve(zap, 2**256 - 1, sender=alice)
    return alice


def redeem_routes(vault, token_out, shares, venue, skip=()):
    return _zap.plan_redeem(vault, getattr(token_out, "address", token_out), shares, skip, venue)


def test_redeem__to_usdc__pays_quote_and_holds_nothing(zap, basket, market, venue, holder, bob):
    usdc = market.tokens[0]
    routes = redeem_routes(basket, usdc, 4 * ONE, venue)
    quoted = sum(r.amount_out for r in routes)
    before = usdc.balanceOf(bob)
    tx = zap.redeem(basket, 4 * ONE, usdc, quoted, _zap.legs(routes, redeem=True), [], SLIPPAGE, bob, sender=holder)
    assert tx.events.filter(zap.ZapRedeemed)[0].received == quoted == usdc.balanceOf(bob) - before
    # Four $1,000 shares for a little under $4,000 (two pool fees of 0.3 % on the $600 swapped a share).
    assert 3_990 * 10**6 < quoted < 4_000 * 10**6
    assert basket.balanceOf(holder) == 6 * ONE
    assert_holds_nothing(zap, [*market.tokens, basket], [market.adapter])


def test_redeem__min_out_above_result__reverts(zap, basket, market, venue, holder):
    routes = redeem_routes(basket, market.tokens[0], ONE, venue)
    quoted = sum(r.amount_out for r in routes)
    with ape.reverts("index_zap: below min_out"):
        zap.redeem(basket, ONE, market.tokens[0], quoted + 1, _zap.legs(routes, redeem=True), [], SLIPPAGE, holder,
                   sender=holder)  # fmt: skip


def test_redeem__skip__forfeits_component_without_swapping_it(zap, basket, market, venue, holder):
    usdc, _weth, wbtc = market.tokens
    routes = redeem_routes(basket, usdc, ONE, venue, skip=[wbtc.address])
    wbtc_before = wbtc.balanceOf(holder)
    tx = zap.redeem(basket, ONE, usdc, 0, _zap.legs(routes, redeem=True), [wbtc], SLIPPAGE, holder, sender=holder)
    # $400 of USDC and $300 of WETH sold: about $699, nothing for the WBTC share.
    assert 697 * 10**6 < tx.events.filter(zap.ZapRedeemed)[0].received < 700 * 10**6
    assert wbtc.balanceOf(holder) == wbtc_before
    assert not any(e.token_in == wbtc.address for e in tx.events.filter(market.adapter.Swapped))
    assert_holds_nothing(zap, [*market.tokens, basket], [market.adapter])


def test_redeem__sandwiched_leg__leg_slippage_reverts(zap, basket, market, venue, holder):
    usdc, _weth, wbtc = market.tokens
    routes = redeem_routes(basket, usdc, 5 * ONE, venue)
    market.swap(wbtc, usdc, 10 * 10**8)  # WBTC dumped into its USDC pool: ~10 % below the oracle
    before = basket.balanceOf(holder)
    with ape.reverts("index_zap: leg slippage"):
        zap.redeem(basket, 5 * ONE, usdc, 0, _zap.legs(routes, redeem=True), [], SLIPPAGE, holder, sender=holder)
    assert basket.balanceOf(holder) == before


def test_redeem__adapter_not_allowed__reverts(zap, basket, market, venue, other_adapter, holder):
    routes = redeem_routes(basket, market.tokens[0], ONE, venue)
    legs = _zap.legs(routes, redeem=True)
    legs[2] = (other_adapter.address, legs[2][1], 0)
    with ape.reverts("index_zap: adapter not allowed"):
        zap.redeem(basket, ONE, market.tokens[0], 0, legs, [], SLIPPAGE, holder, sender=holder)


def test_redeem__fee_vault_paused_mint__works(zap, fee_vault, market, venue, guardian, fee_recipient, holder):
    fee_vault.pause_mint(sender=guardian)
    routes = redeem_routes(fee_vault, market.tokens[0], 2 * ONE, venue)
    fee_before = fee_vault.balanceOf(fee_recipient)
    # The management fee accrues until the block: the quote's 0.1 % less covers it.
    min_out = _zap.less_buffer(sum(r.amount_out for r in routes), 10)
    tx = zap.redeem(fee_vault, 2 * ONE, market.tokens[0], min_out, _zap.legs(routes, redeem=True), [], SLIPPAGE,
                    holder, sender=holder)  # fmt: skip
    assert tx.events.filter(zap.ZapRedeemed)[0].received >= min_out
    assert fee_vault.balanceOf(fee_recipient) - fee_before >= 2 * ONE * REDEEM_FEE // BPS
    assert_holds_nothing(zap, [*market.tokens, fee_vault], [market.adapter])


def test_redeem__zero_shares__reverts(zap, basket, market, venue, holder):
    routes = redeem_routes(basket, market.tokens[0], ONE, venue)
    with ape.reverts("index_zap: zero shares"):
        zap.redeem(basket, 0, market.tokens[0], 0, _zap.legs(routes, redeem=True), [], SLIPPAGE, holder, sender=holder)


def test_redeem__someone_elses_shares__reverts(zap, basket, market, venue, holder, bob):
    """holder allowed the zap to take her shares; bob cannot make the zap redeem them: it only pulls from msg.sender."""
    routes = redeem_routes(basket, market.tokens[0], ONE, venue)
    with ape.reverts("erc20: insufficient allowance"):
        zap.redeem(basket, ONE, market.tokens[0], 0, _zap.legs(routes, redeem=True), [], SLIPPAGE, bob, sender=bob)
    assert basket.balanceOf(holder) == 10 * ONE


# --- attacks --------------------------------------------------------------------------------------------------------


def test_attack__spend_another_wallets_allowance__takes_nothing(zap, basket, market, venue, alice, bob, funded):
    """alice leaves an unlimited USDC allowance on the zap; bob (no allowance of his own for a fresh token) builds a
    mint to himself. The zap pulls only from msg.sender, so bob pays for his own shares and alice loses 0."""
    usdc = market.tokens[0]
    routes = mint_routes(basket, usdc, ONE, venue)
    alice_before, bob_before = usdc.balanceOf(alice), usdc.balanceOf(bob)
    zap.mint(basket, ONE, usdc, _zap.spent(routes), _zap.legs(routes), SLIPPAGE, bob, sender=bob)
    assert usdc.balanceOf(alice) == alice_before
    assert bob_before - usdc.balanceOf(bob) == _zap.spent(routes)


def test_attack__drain_the_zap__there_is_nothing_to_take(zap, basket, market, venue, alice, bob, funded):
    """After real zaps the zap holds 0 of every token and 0 allowance: the most any caller can take from it, by any
    call, is 0. A stray donation is swept to the next caller through that component, never stuck."""
    usdc, weth, _wbtc = market.tokens
    routes = mint_routes(basket, usdc, ONE, venue)
    zap.mint(basket, ONE, usdc, _zap.spent(routes), _zap.legs(routes), SLIPPAGE, alice, sender=alice)
    assert_holds_nothing(zap, market.tokens, [basket, market.adapter])
    weth.mint(zap, 10**15, sender=alice)  # someone sends WETH to the zap by mistake
    routes = mint_routes(basket, usdc, ONE, venue)
    before = weth.balanceOf(bob)
    zap.mint(basket, ONE, usdc, _zap.spent(routes), _zap.legs(routes), SLIPPAGE, bob, sender=bob)
    assert weth.balanceOf(bob) - before >= 10**15
    assert_holds_nothing(zap, market.tokens, [basket, market.adapter])


def test_mint_with_permit__token_whose_fallback_swallows_permit__reverts(zap, chain, eth_vault, extra, venue, bob):
    """WETH9 has no `permit` but a payable fallback: the permit call "succeeds" and sets nothing. The zap goes by the
    allowance, so it refuses with its own reason instead of failing later inside the pull."""
    weth9 = extra["weth9"]
    weth9.deposit(value=10 * ONE, sender=bob)
    routes = mint_routes(eth_vault, weth9, ONE, venue)
    max_in = _zap.spent(routes)
    with ape.reverts("index_zap: permit failed"):
        zap.mint_with_permit(eth_vault, ONE, weth9, max_in, _zap.legs(routes), SLIPPAGE, bob, 2**64, 27, b"\x01" * 32,
                             b"\x01" * 32, sender=bob)  # fmt: skip


def test_attack__reenter_the_zap_from_a_token_hook__lock_refuses(zap, project, deployer, no_usdc, market, alice):
    """A hostile input token calls back into the zap during the pull (before any balance moves). The reentered call
    would revert with its own reason ("index_zap: zero amount") if it ran; the lock stops it first, so the revert
    carries no reason, and the whole zap reverts: nothing moves."""
    hooked = project.ReentrantToken.deploy("Hook", "HK", 6, sender=deployer)
    hooked.mint(alice, 10**12, sender=alice)
    hooked.approve(zap, 10**12, sender=alice)
    legs = [(market.adapter.address, _zap.v2_data([hooked.address, t.address]), 10**9) for t in market.tokens[1:]]
    reentry = zap.mint_exact_in.encode_input(no_usdc, hooked, 0, 0, legs, SLIPPAGE, alice)
    hooked.arm(zap, reentry, sender=alice)
    with pytest.raises(ape.exceptions.ContractLogicError) as revert:
        zap.mint(no_usdc, ONE, hooked, 10**12, legs, SLIPPAGE, alice, sender=alice)
    assert revert.value.message == "Transaction failed."  # the lock's bare revert, not the reentered call's reason
    assert hooked.balanceOf(alice) == 10**12 and hooked.balanceOf(zap) == 0


def test_attack__token_hook_calling_elsewhere__fires_during_the_pull(zap, project, deployer, no_usdc, market, alice):
    """The twin: the same hook aimed at another contract runs (its reason comes back through the zap), so the test
    above did reach the zap's lock."""
    hooked = project.ReentrantToken.deploy("Hook", "HK", 6, sender=deployer)
    hooked.mint(alice, 10**12, sender=alice)
    hooked.approve(zap, 10**12, sender=alice)
    legs = [(market.adapter.address, _zap.v2_data([hooked.address, t.address]), 10**9) for t in market.tokens[1:]]
    hooked.arm(no_usdc, no_usdc.mint.encode_input(0, alice), sender=alice)
    with ape.reverts("index_vault: zero amount"):
        zap.mint(no_usdc, ONE, hooked, 10**12, legs, SLIPPAGE, alice, sender=alice)
