"""Issue 10's findings, each replayed as an attacker would on the real contracts and real Uniswap V2 pools, with what
it can take now. Each test failed on the code before the fix (the old number is in its docstring); the measure is
holders' exact claims (tests/claims.py reads them from storage), so a wei moved to surplus shows up.

The market: GUSD (2 decimals), WETH (18), WBTC (8) and USDC (6) with oracle feeds and $10M pools between every pair.
A million-share vault holds $50 of GUSD, $25 of WETH and $25 of WBTC per share.
"""

import json
import shutil
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import ape
import pytest
from ape.contracts import ContractContainer
from ethpm_types import ContractType

import reference as ref
from claims import allowance, exact_claims, stored_units, surpluses
from fixtures.market import min_out_bound, path
from fixtures.vaults import DAY, Limits, Rebalancing
from scripts import _world as world
from scripts.deploy import compliant_blueprints

ONE = 10**18
SHARES = 1_000_000 * ONE
ASSETS = [("GUSD", 2, 1), ("WETH", 18, 2_000), ("WBTC", 8, 50_000), ("USDC", 6, 1)]
GUSD, WETH, WBTC, USDC = range(4)
UNITS = [5_000, 125 * 10**14, 50_000]  # per share: 50 GUSD, 0.0125 WETH, 0.0005 WBTC ($50 / $25 / $25)
TARGETS = [5_000, 2_500, 2_500]
YEAR = 365 * DAY


@pytest.fixture(scope="module")
def gusd_market(deployer, governance, accounts, uniswap):
    return world.deploy_market(
        deployer, governance, accounts[9], ASSETS, world.all_pairs(len(ASSETS)), 10_000_000, 7 * DAY,
        uniswap=uniswap, router_delay=DAY,
    )  # fmt: skip


@pytest.fixture(scope="module")
def create_big_vault(create_vault, gusd_market, keeper, strategist):
    """A GUSD/WETH/WBTC vault `keeper` may rebalance; `limits` default to the tests' Limits()."""

    def create_big_vault(limits=None, fees=(0, 0, 0), **roles):
        market = gusd_market
        rebalancing = Rebalancing(
            market.router, 3, strategist=strategist, keepers=[keeper], adapters=[market.adapter], targets=TARGETS,
            limits=limits or Limits(),
        )  # fmt: skip
        return create_vault(market.tokens[:3], units=UNITS, fees=fees, rebalancing=rebalancing, **roles)

    return create_big_vault


@pytest.fixture(scope="module")
def lens(project, deployer):
    return project.VaultLens.deploy(sender=deployer)


@pytest.fixture(scope="module", autouse=True)
def _deploy_before_isolation(gusd_market, create_big_vault, policy_of, mint_for, lens):
    """Create module fixtures before ape's per-test snapshots."""


@pytest.fixture
def big_vault(create_big_vault, mint_for, alice):
    vault = create_big_vault()
    mint_for(vault, alice, SHARES)
    return vault


def set_price(market, i: int, percent: int):
    """Move token i's oracle price by `percent` and arbitrage its pools to it, as the market would."""
    market.set_price(i, market.usd(i) * (100 + percent) // 100)
    for j in range(len(ASSETS)):
        if j != i:
            market.arbitrage(i, j)


def bound(market, sell: int, buy: int, amount: int) -> int:
    """The least min_out the policy's oracle bound (1 % slippage) accepts for selling `amount` of token `sell`."""
    return min_out_bound(market.router, market.tokens[sell], market.tokens[buy], amount)


def rebalance(vault, market, keeper, sell: int, buy: int, amount: int, via=None):
    tokens = market.tokens
    hops = [tokens[sell], *([tokens[via]] if via is not None else []), tokens[buy]]
    min_out = bound(market, sell, buy, amount)
    return vault.rebalance(tokens[sell], tokens[buy], amount, min_out, market.adapter, path(*hops), sender=keeper)


def moved_to_surplus(before: list[Fraction], after: list[Fraction]) -> list[Fraction]:
    return [a - b for a, b in zip(after, before, strict=True)]


# ---- reading claims from storage ----------------------------------------------------------------------------------


def test_exact_claims__storage_layout__floors_to_holdings(big_vault):
    _, held = big_vault.holdings()
    assert [claim.numerator // claim.denominator for claim in exact_claims(big_vault)] == list(held)
    assert stored_units(big_vault) == [(unit, ref.BASE_EXPONENT) for unit in UNITS]


# ---- 1. unit granularity ------------------------------------------------------------------------------------------


def test_rebalance__honest_trade_in_million_share_vault__moves_at_most_a_wei_to_surplus(big_vault, gusd_market, keeper):
    """Was: 4.5 WETH sold for 8,954.55 GUSD left the GUSD unit at 5000, and $9,045.00 went to surplus."""
    market, tokens = gusd_market, gusd_market.tokens[:3]
    set_price(market, WETH, 10)
    before = surpluses(big_vault, tokens)
    tx = rebalance(big_vault, market, keeper, WETH, GUSD, 45 * 10**17)
    received = tx.events.filter(big_vault.Rebalanced)[0].amount_out
    assert received > 0
    claims = exact_claims(big_vault)
    for i, moved in enumerate(moved_to_surplus(before, surpluses(big_vault, tokens))):
        assert 0 <= moved <= allowance(claims[i]), f"{ASSETS[i][0]}: {moved}"


def test_rebalance__keeper_sells_one_wei_of_gusd__costs_holders_at_most_a_wei(big_vault, gusd_market, keeper):
    """Was: selling 0.01 GUSD lowered the unit by one wei per share: $9,999.99 from holders, every cooldown."""
    market, tokens = gusd_market, gusd_market.tokens[:3]
    set_price(market, WETH, -10)
    set_price(market, WBTC, -10)
    before = surpluses(big_vault, tokens)
    rebalance(big_vault, market, keeper, GUSD, WETH, 1)
    moved = moved_to_surplus(before, surpluses(big_vault, tokens))
    assert 0 <= moved[GUSD] <= 1  # max(1 wei, 1e-18 of 50M GUSD) is 1 wei
    assert 0 <= moved[WETH] <= allowance(exact_claims(big_vault)[WETH])


def test_rebalance__keeper_sells_one_satoshi__costs_holders_at_most_a_wei(big_vault, gusd_market, keeper):
    """Was: selling 1 sat of WBTC in a 1,000,000-share vault cost holders 1,000,000 sat ($500)."""
    market, tokens = gusd_market, gusd_market.tokens[:3]
    set_price(market, WBTC, 10)
    before = surpluses(big_vault, tokens)
    rebalance(big_vault, market, keeper, WBTC, WETH, 1)
    moved = moved_to_surplus(before, surpluses(big_vault, tokens))
    assert 0 <= moved[WBTC] <= 1
    assert 0 <= moved[WETH] <= allowance(exact_claims(big_vault)[WETH])


def test_redeem__skip_of_500_gusd__goes_to_remaining_holders(big_vault, gusd_market, alice, bob, governance):
    """Was: a holder skipping 500 GUSD gave the remaining holders none of it; it became sweepable surplus."""
    tokens = gusd_market.tokens[:3]
    leaving = 10 * ONE  # 10 shares: 500 GUSD of claim
    big_vault.transfer(bob, leaving, sender=alice)
    claims_before = exact_claims(big_vault)
    before = surpluses(big_vault, tokens)
    big_vault.redeem(leaving, bob, [tokens[GUSD]], sender=bob)
    assert tokens[GUSD].balanceOf(bob) == 0
    moved = moved_to_surplus(before, surpluses(big_vault, tokens))
    assert 0 <= moved[GUSD] <= allowance(claims_before[GUSD])
    # Alice, the only holder left, now owns the whole GUSD claim: her 500 GUSD richer, to within a wei.
    assert claims_before[GUSD] - exact_claims(big_vault)[GUSD] <= 1
    with ape.reverts("index_vault: nothing to sweep"):
        big_vault.sweep(tokens[GUSD], bob, sender=governance)


@pytest.mark.parametrize("supply", [10**21, 10**24, 10**27])
def test_rebalance__any_supply_and_decimals__loses_at_most_the_allowance(
    create_big_vault, gusd_market, mint_for, alice, keeper, supply
):
    """Invariant 10 from a thousand shares to 1e27 wei of them: a trade of WETH into GUSD. (Below a thousand shares
    the pools round such trades to nothing; the state machines reach 1-wei supplies.)"""
    market, tokens = gusd_market, gusd_market.tokens[:3]
    vault = create_big_vault()
    mint_for(vault, alice, supply)
    set_price(market, WETH, 10)
    weth_claim = exact_claims(vault)[WETH]
    amount = min(int(weth_claim) // 40, 10 * ONE)
    before = surpluses(vault, tokens)
    rebalance(vault, market, keeper, WETH, GUSD, amount)
    claims = exact_claims(vault)
    for i, moved in enumerate(moved_to_surplus(before, surpluses(vault, tokens))):
        assert 0 <= moved <= allowance(claims[i])


# ---- 1b. the policy measures claims -------------------------------------------------------------------------------


def test_record_trade__loss__is_measured_on_claims_and_charged(big_vault, gusd_market, keeper, policy_of, lens):
    market = gusd_market
    set_price(market, WETH, 10)
    nav_before = lens.nav(big_vault)
    tx = rebalance(big_vault, market, keeper, WETH, GUSD, 10 * ONE)
    (charged,) = policy_of(big_vault).LossCharged.from_receipt(tx)
    assert charged.nav == nav_before
    assert charged.loss == nav_before - lens.nav(big_vault) > 0
    assert policy_of(big_vault).loss_spent() == charged.spent == ref.loss_share(charged.loss, charged.nav)


# ---- 2. the management fee for idle time --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dust", "fee_bps", "idle", "old_loss"),
    [(1, 500, YEAR, "5 %"), (1, 500, 10 * YEAR, "49.97 %"), (50, 200, 322 * DAY, "1.76 %")],
)
def test_mint__after_idle_dust_period__new_minter_pays_only_for_own_time(
    create_vault, tokens, mint_for, fee_recipient, alice, chain, dust, fee_bps, idle, old_loss
):
    """Was: the idle time's fee piled up on a dust supply and the next depositor paid it (`old_loss`)."""
    vault = create_vault(tokens, units=[ONE] * 3, fees=(fee_bps, 0, 0))
    mint_for(vault, fee_recipient, dust)
    chain.pending_timestamp += idle
    held = [t.balanceOf(vault) for t in tokens]
    minted = mint_for(vault, alice, 1_000 * ONE)
    paid = [t.balanceOf(vault) - h for t, h in zip(tokens, held)]
    chain.pending_timestamp += 12
    redeemed = vault.redeem(vault.balanceOf(alice), alice, [], sender=alice)
    got = [t.balanceOf(alice) for t in tokens]  # mint_for funded exactly what the mint pulled
    elapsed = redeemed.timestamp - minted.timestamp
    for p, g in zip(paid, got):
        fair = p * (ref.BPS * YEAR - fee_bps * elapsed) // (ref.BPS * YEAR)  # the fee for her own seconds, no more
        assert g >= fair - 10, f"paid {p}, got {g}, fair {fair}; before the fix the loss was {old_loss}"


def test_accrue__fee_vault__moves_the_clock_even_without_a_fee_share(create_vault, tokens, mint_for, fee_recipient, chain):
    vault = create_vault(tokens, fees=(500, 0, 0))
    mint_for(vault, fee_recipient, 1)
    chain.pending_timestamp += YEAR
    tx = mint_for(vault, fee_recipient, 1)
    assert not list(tx.events.filter(vault.FeeAccrued))  # 1 wei * 5 % rounds to no share...
    assert vault.last_accrual() == tx.timestamp  # ...and the year is not carried to the next depositor


# ---- 3 and 4. what governance and a keeper can do without the timelock --------------------------------------------


def test_set_targets__governance_beyond_step__needs_the_timelock(big_vault, policy_of, governance):
    policy = policy_of(big_vault)
    with ape.reverts("rebalance_policy: target step too large"):
        policy.set_targets([3_000, 4_500, 2_500], sender=governance)
    policy.set_targets([4_500, 3_000, 2_500], sender=governance)  # within the 500-bps step: at once
    with ape.reverts("rebalance_policy: target change too soon"):
        policy.set_targets([4_600, 2_900, 2_500], sender=governance)


def test_create__cooldown_below_floor__reverts(create_big_vault):
    with ape.reverts("rebalance_policy: cooldown below floor"):
        create_big_vault(limits=Limits(cooldown=0))
    with ape.reverts("rebalance_policy: cooldown below floor"):
        create_big_vault(limits=Limits(cooldown=899))


def test_set_limits__larger_loss_budget__needs_the_timelock(big_vault, policy_of, governance):
    policy = policy_of(big_vault)
    policy.set_limits(Limits(loss_budget=100).as_tuple(), sender=governance)  # tighter: at once
    with ape.reverts("rebalance_policy: looser limits need timelock"):
        policy.set_limits(Limits(loss_budget=101).as_tuple(), sender=governance)
    with ape.reverts("rebalance_policy: loss budget above cap"):
        policy.propose_limits(Limits(loss_budget=501).as_tuple(), sender=governance)


def _v2_out(amount: int, reserve_in: int, reserve_out: int) -> int:
    return amount * 997 * reserve_out // (reserve_in * 1_000 + amount * 997)


def _front_run(market, sell: int, buy: int, amount: int, min_out: int) -> None:
    """The attacker sells `sell` into the pool first, as much as leaves the keeper's swap just at `min_out` (found by
    bisection on the pool's own formula), so the holders' trade fills at the oracle bound."""
    pair = market.uniswap.pair(market.tokens[sell], market.tokens[buy])
    r0, r1, _ = pair.getReserves()
    r_sell, r_buy = (r0, r1) if pair.token0() == market.tokens[sell].address else (r1, r0)
    low, high = 0, r_sell
    while low < high:
        x = (low + high + 1) // 2
        out_x = _v2_out(x, r_sell, r_buy)
        if _v2_out(amount, r_sell + x, r_buy - out_x) >= min_out:
            low = x
        else:
            high = x - 1
    if low:
        market.swap(market.tokens[sell], market.tokens[buy], low)


def _sandwiched_trades(vault, market, keeper, chain, policy, hours: int) -> int:
    """A compromised keeper sells the most overweight component for the most underweight one every cooldown, each
    trade as large as the policy allows, at the oracle bound, through a pool it first pushes to that bound: the
    holders lose about 1 % of each trade to the attacker. Returns how many trades the loss budget refused."""
    tokens = market.tokens
    refused = 0
    for _ in range(hours):
        for i, j in world.all_pairs(len(ASSETS)):
            market.arbitrage(i, j)  # the market puts every pool back at the oracle price between trades
        _, held = vault.holdings()
        prices = [f.latestRoundData()[1] * 10**10 for f in market.feeds]
        values = [ref.value(h, prices[i], ASSETS[i][1]) for i, h in enumerate(held)]
        nav = sum(values)
        gaps = [v * ref.BPS - t * nav for v, t in zip(values, policy.targets()[0])]
        sell, buy = gaps.index(max(gaps)), gaps.index(min(gaps))
        # Half the smaller gap: big trades, never past a target.
        gap_value = min(gaps[sell], -gaps[buy]) // ref.BPS // 2
        amount = gap_value * 10 ** ASSETS[sell][1] // prices[sell]
        if amount == 0:
            break
        min_out = bound(market, sell, buy, amount)
        _front_run(market, sell, buy, amount, min_out)
        if market.uniswap.router.getAmountsOut(amount, [tokens[sell], tokens[buy]])[1] < min_out:
            continue  # the pool rounds this small a trade below the bound: a keeper would not send it
        try:
            vault.rebalance(
                tokens[sell], tokens[buy], amount, min_out, market.adapter, path(tokens[sell], tokens[buy]),
                sender=keeper,
            )  # fmt: skip
        except ape.exceptions.ContractLogicError as error:
            assert "loss budget exceeded" in str(error), str(error)
            refused += 1
        chain.pending_timestamp += 3_600
        market.refresh()
    return refused


@pytest.mark.parametrize("budget", [3])
def test_rebalance__compromised_keeper_for_a_day__loses_at_most_two_budgets(
    create_big_vault, gusd_market, mint_for, alice, keeper, policy_of, lens, chain, governance, budget
):
    """Was: governance moved the targets at will and its keeper took six hourly trades of 19 % of NAV at the 1 %
    slippage bound: $1,134.60 of $100,000 (about 4.5 % a day), with nothing bounding the sum. Now governance may move
    each target one step (5 %) a week without the timelock, and the loss budget caps what all trades together lose:
    one budget at once, two in any 24 hours. A 3-bps budget shows it refusing trades every per-trade check allows
    (the default 15 bps is more than this one-step move can lose at 1 %)."""
    market = gusd_market
    limits = Limits(max_slippage=100, max_nav_loss=500, tolerance=1_000, cooldown=3_600, loss_budget=budget)
    vault = create_big_vault(limits=limits)
    mint_for(vault, alice, 1_000 * ONE)  # $100,000
    policy = policy_of(vault)
    policy.set_targets([5_500, 2_000, 2_500], sender=governance)  # within the step: at once, and WETH now overweight
    nav_start = lens.nav(vault)
    refused = _sandwiched_trades(vault, market, keeper, chain, policy, hours=24)
    lost_bps = Fraction(nav_start - lens.nav(vault), nav_start) * ref.BPS
    assert lost_bps <= 2 * budget, f"{float(lost_bps)} bps lost in a day"
    assert refused > 0  # the budget refused trades every per-trade check would have let through


def test_remove_component__dust_value__is_charged_to_the_loss_budget(
    create_vault, gusd_market, mint_for, alice, governance, policy_of, keeper
):
    market = gusd_market
    rebalancing = Rebalancing(
        market.router, 3, keepers=[keeper], adapters=[market.adapter], targets=[5_000, 5_000, 0],
        limits=Limits(loss_budget=0),
    )  # fmt: skip
    vault = create_vault(market.tokens[:3], units=[5_000, 125 * 10**14, 1], rebalancing=rebalancing)
    mint_for(vault, alice, 100 * ONE)
    policy = policy_of(vault)
    # 100 sat of WBTC is $0.05 of a $3,750 NAV: dust, but worth more than a zero budget allows.
    with ape.reverts("rebalance_policy: loss budget exceeded"):
        policy.remove_component(market.tokens[WBTC], sender=governance)


def test_check_trade__path_through_unpriced_token__reverts(big_vault, gusd_market, keeper, create_token):
    """A keeper's own token as the middle hop: pools it controls, where it could take the slippage."""
    market, tokens = gusd_market, gusd_market.tokens
    junk = create_token(18, "JUNK")
    set_price(market, WETH, 10)
    amount = 10**17
    with ape.reverts("rebalance_policy: hop not priced"):
        big_vault.rebalance(
            tokens[WETH], tokens[GUSD], amount, bound(market, WETH, GUSD, amount), market.adapter,
            path(tokens[WETH], junk, tokens[GUSD]), sender=keeper,
        )  # fmt: skip


def test_rebalance__path_through_priced_hop__succeeds(big_vault, gusd_market, keeper):
    market = gusd_market
    set_price(market, WETH, 10)
    tx = rebalance(big_vault, market, keeper, WETH, GUSD, 10**17, via=USDC)
    assert tx.events.filter(big_vault.Rebalanced)[0].amount_out > 0


# ---- 5. exit window for oracle changes ----------------------------------------------------------------------------


def test_redeem__oracle_change_queued__is_fee_free(create_big_vault, gusd_market, mint_for, alice, governance, create_feed):
    market = gusd_market
    vault = create_big_vault(fees=(0, 0, 100))
    mint_for(vault, alice, 10 * ONE)
    charged = vault.preview_redeem(ONE)
    market.router.propose_feed(market.tokens[WETH], create_feed(8, 2_000 * 10**8), 86_400, 0, 2**128 - 1, sender=governance)
    assert vault.preview_redeem(ONE) == UNITS != charged
    before = market.tokens[GUSD].balanceOf(alice)
    tx = vault.redeem(ONE, alice, [], sender=alice)
    assert tx.events.filter(vault.Redeemed)[0].fee == 0
    assert market.tokens[GUSD].balanceOf(alice) - before == UNITS[GUSD]


# ---- 6. read-only reentrancy --------------------------------------------------------------------------------------


@pytest.mark.parametrize("view", ["holdings", "basket", "preview_mint", "preview_redeem"])
def test_views__read_mid_swap__revert(create_token, create_vault, project, mint_for, alice, deployer, view):
    """A component whose transfer hook reads the vault's views while the vault is mid-call (here mid-redeem, after
    the shares burned and before every unit-holding component left): the read reverts, so no contract can act on a
    basket whose tokens moved but whose units did not."""
    hooked = project.ReentrantToken.deploy("Hook", "HK", 18, sender=deployer)
    other = create_token(18, "OTH")
    vault = create_vault([hooked, other], units=[ONE, ONE])
    hooked.mint(alice, ONE, sender=alice)
    other.mint(alice, ONE, sender=alice)
    hooked.approve(vault, ONE, sender=alice)
    other.approve(vault, ONE, sender=alice)
    vault.mint(ONE, alice, sender=alice)
    args = [] if view in ("holdings", "basket") else [ONE]
    hooked.arm(vault, getattr(vault, view).encode_input(*args), sender=alice)
    with ape.reverts():
        vault.redeem(ONE, alice, [], sender=alice)
    # Outside a vault call the very same read works.
    assert getattr(vault, view)(*args) is not None


# ---- 7. reentrancy that would succeed and do harm without the lock ------------------------------------------------


@pytest.fixture(scope="module")
def unlocked_factory(project, deployer, policy_blueprint):
    """A factory whose vault blueprint is IndexVault compiled WITHOUT @nonreentrant on mint and redeem: the mutant
    the lock exists to prevent. Compiled from the real source with only those two decorators removed."""
    root = Path(__file__).resolve().parents[2]
    build = root / "build" / "mutants"
    shutil.rmtree(build, ignore_errors=True)
    shutil.copytree(root / "contracts", build / "contracts")
    source = (build / "contracts" / "IndexVault.vy").read_text()
    for function in ("mint", "redeem"):
        locked = f"@external\n@nonreentrant\ndef {function}("
        assert source.count(locked) == 1, f"IndexVault.{function} is no longer written as this mutant expects"
        source = source.replace(locked, f"@external\ndef {function}(")
    (build / "contracts" / "IndexVault.vy").write_text(source)
    site = next(p for p in sys.path if p.endswith("site-packages"))
    out = subprocess.run(
        ["vyper", "-p", site, "-f", "abi,bytecode", str(build / "contracts" / "IndexVault.vy")],
        capture_output=True, text=True, check=True, cwd=build,
    )  # fmt: skip
    abi_text, bytecode = out.stdout.strip().rsplit("\n", 1)
    container = ContractContainer(
        ContractType(contractName="UnlockedVault", abi=json.loads(abi_text), deploymentBytecode={"bytecode": bytecode})
    )
    blueprint = container.declare(sender=deployer)
    return project.VaultFactory.deploy(
        blueprint.contract_address, policy_blueprint.contract_address, *compliant_blueprints(deployer), sender=deployer
    )


def _reentrant_pair(factory, project, deployer, governance, guardian, fee_recipient, oracle, hooked_first: bool):
    """A two-component vault from `factory`: a token with a transfer hook, and a plain one, in the given order."""
    hooked = project.ReentrantToken.deploy("Hook", "HK", 18, sender=deployer)
    plain = project.MockERC20.deploy("Plain", "PL", 18, sender=deployer)
    components = [hooked, plain] if hooked_first else [plain, hooked]
    tx = factory.create_vault(
        "Reentered", "RE", components, [ONE, ONE], governance, guardian, fee_recipient, 0, 0, 0, DAY,
        Rebalancing(oracle, 2).as_tuple(), sender=deployer,
    )  # fmt: skip
    return tx.events.filter(factory.VaultCreated)[0].vault, hooked, plain


def _attacker(project, deployer, vault, tokens):
    """A contract (BatchCaller) holding 10 of each component, the vault approved to pull them."""
    attacker = project.BatchCaller.deploy(sender=deployer)
    for token in tokens:
        token.mint(attacker, 10 * ONE, sender=deployer)
    attacker.execute(tokens, [t.approve.encode_input(vault, 2**256 - 1) for t in tokens], sender=deployer)
    return attacker


def _holder(vault, tokens, account, shares):
    for token in tokens:
        token.mint(account, 10 * ONE, sender=account)
        token.approve(vault, 2**256 - 1, sender=account)
    if shares:
        vault.mint(shares, account, sender=account)


def _claims_exceed_holdings(vault, tokens) -> list[bool]:
    owed = vault.preview_redeem(vault.totalSupply())
    return [o > t.balanceOf(vault) for o, t in zip(owed, tokens)]


@pytest.mark.parametrize("locked", [False, True])
def test_redeem__hook_mints_before_a_skipped_component__without_lock_leaves_vault_insolvent(
    unlocked_factory, factory, project, deployer, governance, guardian, fee_recipient, placeholder_oracle, alice, locked
):
    """Alice redeems one of her two shares with skip=[plain]; the hooked token, paid out first, lets an attacker
    contract mint a share in the middle. The unlocked vault then spreads the skipped plain claim over the supply it
    read before that mint: claims exceed holdings (4 plain owed, 3 held) and the attacker redeems 2 plain for the 1
    it paid. The real vault refuses the nested mint, and so the whole redeem."""
    mutant = unlocked_factory
    address, hooked, plain = _reentrant_pair(
        factory if locked else mutant, project, deployer, governance, guardian, fee_recipient, placeholder_oracle, True
    )  # fmt: skip
    vault = project.IndexVault.at(address)
    attacker = _attacker(project, deployer, vault, [hooked, plain])
    _holder(vault, [hooked, plain], alice, 2 * ONE)
    hooked.arm(attacker, attacker.execute.encode_input([vault], [vault.mint.encode_input(ONE, attacker)]), sender=alice)
    if locked:
        with ape.reverts():
            vault.redeem(ONE, alice, [plain], sender=alice)
        assert vault.totalSupply() == 2 * ONE
        return
    vault.redeem(ONE, alice, [plain], sender=alice)
    assert vault.balanceOf(attacker) == ONE  # minted mid-redeem
    assert _claims_exceed_holdings(vault, [hooked, plain]) == [False, True]  # the harm
    attacker.execute([vault], [vault.redeem.encode_input(ONE, attacker, [])], sender=deployer)
    assert plain.balanceOf(attacker) == 10 * ONE - ONE + 2 * ONE  # paid one, took two


@pytest.mark.parametrize("locked", [False, True])
def test_mint__hook_redeems_with_skip_mid_mint__without_lock_lets_minter_take_the_forfeit(
    unlocked_factory, factory, project, deployer, governance, guardian, fee_recipient, placeholder_oracle,
    alice, carol, locked,
):
    """The hooked token is pulled last in alice's mint; its hook has an attacker contract redeem its share with
    skip=[hooked], forfeiting that claim to the holders of the moment (carol). The unlocked vault then mints alice a
    share at the raised unit for the old price: 4 hooked owed, 3 held, and alice redeems 2 for the 1 she paid,
    half of carol's forfeit. The real vault refuses the nested redeem, and so the whole mint."""
    mutant = unlocked_factory
    address, hooked, plain = _reentrant_pair(
        factory if locked else mutant, project, deployer, governance, guardian, fee_recipient, placeholder_oracle, False
    )  # fmt: skip
    vault = project.IndexVault.at(address)
    tokens = [plain, hooked]
    attacker = _attacker(project, deployer, vault, tokens)
    attacker.execute([vault], [vault.mint.encode_input(ONE, attacker)], sender=deployer)
    _holder(vault, tokens, carol, ONE)
    _holder(vault, tokens, alice, 0)
    redeem = vault.redeem.encode_input(ONE, attacker, [hooked.address])
    hooked.arm(attacker, attacker.execute.encode_input([vault], [redeem]), sender=alice)
    if locked:
        with ape.reverts():
            vault.mint(ONE, alice, sender=alice)
        assert vault.balanceOf(alice) == 0
        return
    vault.mint(ONE, alice, sender=alice)
    assert vault.balanceOf(attacker) == 0  # redeemed mid-mint
    assert _claims_exceed_holdings(vault, tokens) == [False, True]  # the harm
    before = hooked.balanceOf(alice)
    vault.redeem(ONE, alice, [], sender=alice)
    assert hooked.balanceOf(alice) - before == 2 * ONE  # paid one, took two


# ---- sweep keeps the claims rounded up ----------------------------------------------------------------------------


def test_sweep__fractional_claim__keeps_the_claim_rounded_up(create_vault, tokens, mint_for, alice, governance, bob):
    """A unit of 1 wei per share and 1.5 shares: the claim is 1.5 wei, so the vault keeps 2 and sweeps the rest. A
    sweep that kept floor(1.5) = 1 would leave the last redeemer's claim uncovered."""
    vault = create_vault(tokens[:1], units=[1])
    mint_for(vault, alice, 3 * ONE // 2)
    tokens[0].mint(vault, 10, sender=alice)  # a donation
    held = tokens[0].balanceOf(vault)
    assert held == 2 + 10
    swept = vault.sweep(tokens[0], bob, sender=governance).return_value
    assert tokens[0].balanceOf(bob) == held - 2 == 10
    assert swept in (None, 10)


def test_redeem__oracle_cannot_answer_its_queue__is_fee_free_not_stuck(create_vault, tokens, mint_for, alice, policy_of):
    """An oracle that reverts on `queued_count()` (here: a contract without it) must not stop a fee-charging redeem:
    the policy counts it as a change queued, so the holder leaves, fee-free."""
    rebalancing = Rebalancing(tokens[2], 2)  # a token as "oracle": it has code, and no queued_count()
    vault = create_vault(tokens[:2], units=[ONE, ONE], fees=(0, 0, 100), rebalancing=rebalancing)
    mint_for(vault, alice, 10 * ONE)
    assert policy_of(vault).changes_queued()
    tx = vault.redeem(ONE, alice, [], sender=alice)
    assert tx.events.filter(vault.Redeemed)[0].fee == 0
    assert tokens[0].balanceOf(alice) == ONE


def test_redeem__everything_after_two_years_of_fees_at_max_unit__rounding_is_a_share_of_the_claim_before(
    create_vault, tokens, mint_for, alice, chain
):
    """Regression (the vault state machine, once its check measured against the claim left after the step): the fee
    accrual before a full redeem rounds the multiplier on the whole claim (3e26 wei of a MAX_UNIT component), moving
    a few hundred thousand wei, which is below 1e-18 of the claim it acted on and far below the spec's bound."""
    vault = create_vault(tokens[:1], units=[ref.MAX_UNIT], fees=(377, 0, 0))
    mint_for(vault, alice, ONE)
    claim_before = exact_claims(vault)[0]
    before = surpluses(vault, tokens[:1])
    chain.pending_timestamp += 2 * YEAR
    vault.redeem(vault.balanceOf(alice), alice, [], sender=alice)
    (moved,) = moved_to_surplus(before, surpluses(vault, tokens[:1]))
    assert 0 <= moved <= 2 * allowance(claim_before)  # the accrual and the redeem, each within the bound
