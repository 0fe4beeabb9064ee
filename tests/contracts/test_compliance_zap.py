"""The zap path with the real IndexZap (the zap branch's contract) over real Uniswap V2 pools: minting a compliant
index with one token obeys the receiver rules, and redeeming to one token works only through the zap governance set
(after the timelock), never for a frozen holder."""

import ape
import pytest
from fixtures.compliance import GERMANY, Compliance
from fixtures.vaults import DAY, Rebalancing

from scripts import _zap
from scripts._zap import Venue

ONE = 10**18
SLIPPAGE = 200  # 2 %: a pool fee, the legs' 0.3 % buffer and small price impact
# A share: $400 of USDC, $300 of WETH, $300 of WBTC (fixtures/market.py's prices).
UNITS = [400 * 10**6, 15 * 10**16, 600_000]


# Per test, not per module: with the session's market created in whichever module a worker ran first, a module-scoped
# index here was rolled back after this module's first test on one xdist schedule (ContractNotFoundError).
@pytest.fixture
def zap(project, deployer, uniswap):
    return project.IndexZap.deploy(uniswap.weth, sender=deployer)


@pytest.fixture
def venue(market, uniswap):
    return Venue(uniswap.factory, uniswap.router, market.adapter.address, hubs=(market.tokens[0].address,))


@pytest.fixture
def index(create_compliant, market, identity_registry, register, governance, chain, zap, alice):
    """A compliant index over the market's USDC, WETH and WBTC; alice registered; the zap set through the timelock
    and the feeds refreshed after the wait. alice holds 2,000 USDC and allows the zap to spend it."""
    if identity_registry.identity_of(alice) == 0:  # the module's registry: registered by an earlier test already
        register(alice, GERMANY)
    index = create_compliant(
        market.tokens, units=UNITS, compliance=Compliance(identity_registry),
        rebalancing=Rebalancing(market.router, 3, adapters=[market.adapter]),
    )  # fmt: skip
    index.propose_zap(zap, sender=governance)
    chain.pending_timestamp += DAY
    index.execute_zap(zap, sender=governance)
    market.refresh()
    usdc = market.tokens[0]
    usdc.mint(alice, 2_000 * 10**6, sender=alice)
    usdc.approve(zap, 2**256 - 1, sender=alice)
    return index


def zap_mint(zap, index, venue, usdc, shares, receiver, sender):
    routes = _zap.plan_mint(index, usdc.address, shares, venue, _zap.DEFAULT_BUFFER_BPS)
    return zap.mint(index, shares, usdc, _zap.spent(routes), _zap.legs(routes), SLIPPAGE, receiver, sender=sender)


def zap_redeem(zap, index, venue, usdc, shares, sender):
    routes = _zap.plan_redeem(index, usdc.address, shares, [], venue)
    return zap.redeem(index, shares, usdc, 0, _zap.legs(routes, redeem=True), [], SLIPPAGE, sender, sender=sender)


def test_zap_mint__verified_receiver__mints_and_the_zap_holds_nothing(zap, index, market, venue, alice):
    zap_mint(zap, index, venue, market.tokens[0], ONE, alice, alice)
    assert index.balanceOf(alice) == ONE
    assert [t.balanceOf(zap) for t in market.tokens] == [0, 0, 0]


def test_zap_mint__unregistered_receiver__reverts(zap, index, market, venue, alice, mallory):
    with ape.reverts("compliant_index: recipient not verified"):
        zap_mint(zap, index, venue, market.tokens[0], ONE, mallory, alice)


def test_zap_redeem__holder__paid_in_usdc(zap, index, market, venue, alice):
    usdc = market.tokens[0]
    zap_mint(zap, index, venue, usdc, ONE, alice, alice)
    index.approve(zap, ONE, sender=alice)
    before = usdc.balanceOf(alice)
    zap_redeem(zap, index, venue, usdc, ONE, alice)
    assert 990 * 10**6 < usdc.balanceOf(alice) - before < 1_000 * 10**6  # a $1,000 share less two pool fees
    assert index.balanceOf(zap) == 0 and index.totalSupply() == 0


def test_zap_redeem__frozen_holder__reverts(zap, index, market, venue, agent, alice):
    usdc = market.tokens[0]
    zap_mint(zap, index, venue, usdc, ONE, alice, alice)
    index.approve(zap, ONE, sender=alice)
    index.freeze(alice, sender=agent)
    with ape.reverts("compliant_index: sender frozen"):
        zap_redeem(zap, index, venue, usdc, ONE, alice)


def test_zap_redeem__zap_not_set__reverts(zap, index, market, venue, governance, chain, alice):
    usdc = market.tokens[0]
    zap_mint(zap, index, venue, usdc, ONE, alice, alice)
    index.approve(zap, ONE, sender=alice)
    index.propose_zap("0x" + "00" * 20, sender=governance)
    chain.pending_timestamp += DAY
    index.execute_zap("0x" + "00" * 20, sender=governance)
    market.refresh()
    with ape.reverts("compliant_index: recipient not verified"):
        zap_redeem(zap, index, venue, usdc, ONE, alice)
