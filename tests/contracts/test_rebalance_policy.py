"""RebalancePolicy configuration: constructor checks (through the factory), targets, bounds, limits, adapters, the
oracle, components, keepers, the strategist, pause and cancel, and the exit window (the vault's redeem fee is waived
while any change is queued in the policy or in its oracle router). Trades themselves (`check_trade`, `record_trade`)
are not tested here; here `check_trade` is only used to show that a role change took effect."""

from dataclasses import replace

import ape
import pytest
from fixtures.market import UNITS as MARKET_UNITS
from fixtures.market import path
from fixtures.vaults import Limits, Rebalancing

ONE = 10**18
DAY = 86_400
BPS = 10_000
GRACE_PERIOD = 14 * DAY  # timelock.GRACE_PERIOD
ZERO = "0x" + "00" * 20

UNITS = [ONE, 2 * ONE, 3 * ONE]
TARGETS = [4_000, 3_000, 3_000]
MIN_WEIGHTS = [1_000, 1_000, 1_000]
MAX_WEIGHTS = [6_000, 5_000, 5_000]
# slippage 100, trade 2,000, NAV loss 50, tolerance 50, cooldown 1 h, step 500, period 7 days, and a loss budget below
# its cap (100 bps a day), so that one step looser is still a valid limit
LIMITS = Limits(loss_budget=100)
CAPS = Limits(
    max_slippage=1_000,
    max_trade=10_000,
    max_nav_loss=500,
    tolerance=1_000,
    cooldown=30 * DAY,
    target_step=10_000,
    target_period=365 * DAY,
    loss_budget=500,
)
# The cooldown's floor is 15 minutes (MIN_COOLDOWN): no creator or governance may go below it.
FLOORS = Limits(
    max_slippage=0,
    max_trade=1,
    max_nav_loss=0,
    tolerance=0,
    cooldown=900,
    target_step=0,
    target_period=0,
    loss_budget=0,
)
STRICTER = Limits(
    max_slippage=50,
    max_trade=1_000,
    max_nav_loss=25,
    tolerance=25,
    cooldown=7_200,
    target_step=250,
    target_period=14 * DAY,
    loss_budget=50,
)

# One field past its hard cap, and the reason; the same checks guard the constructor and `propose_limits`.
ABOVE_CAP = [
    ("max_slippage", 1_001, "rebalance_policy: slippage above cap"),
    ("max_trade", 0, "rebalance_policy: bad trade size"),
    ("max_trade", 10_001, "rebalance_policy: bad trade size"),
    ("max_nav_loss", 501, "rebalance_policy: nav loss above cap"),
    ("tolerance", 1_001, "rebalance_policy: tolerance above cap"),
    ("target_step", 10_001, "rebalance_policy: target step above cap"),
    ("cooldown", 30 * DAY + 1, "rebalance_policy: cooldown above cap"),
    ("target_period", 365 * DAY + 1, "rebalance_policy: target period above cap"),
    ("loss_budget", 501, "rebalance_policy: loss budget above cap"),
]
ABOVE_CAP_IDS = [f"{field}={value}" for field, value, _ in ABOVE_CAP]

# One field looser than LIMITS by the smallest step.
LOOSER = [
    ("max_slippage", 101),
    ("max_trade", 2_001),
    ("max_nav_loss", 51),
    ("tolerance", 51),
    ("target_step", 501),
    ("cooldown", 3_599),
    ("target_period", 7 * DAY - 1),
    ("loss_budget", 101),
]


def queued(tx, policy):
    """The (id, eta) of the change a propose_* receipt queued."""
    event = tx.events.filter(policy.ChangeQueued)[0]
    return event.id, event.eta


def weights(policy):
    """(targets, min_weights, max_weights) as plain lists."""
    return tuple(list(w) for w in policy.targets())


def target_state(policy):
    return weights(policy), policy.last_target_change()


def check_trade(vault, policy, keeper, tokens, adapter):
    """`check_trade` for one whole tokens[0] sold for tokens[1] on the direct path, on the vault's own holdings."""
    held_tokens, held = vault.holdings()
    data = path(tokens[0], tokens[1])
    return policy.check_trade(keeper, tokens[0], tokens[1], ONE, ONE, adapter, data, held_tokens, held)


# --- fixtures ---------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def adapter(project, uniswap, deployer):
    """A real swap adapter, allowed at creation."""
    return project.UniswapV2Adapter.deploy(uniswap.router, sender=deployer)


@pytest.fixture(scope="module")
def other_adapter(project, uniswap, deployer):
    """A second adapter, not allowed until proposed and executed."""
    return project.UniswapV2Adapter.deploy(uniswap.router, sender=deployer)


@pytest.fixture(scope="module")
def build(create_vault, tokens, placeholder_oracle, strategist, keeper, adapter):
    """Create a vault over `tokens` (units 1, 2, 3) whose policy has TARGETS in [MIN_WEIGHTS, MAX_WEIGHTS], LIMITS,
    `strategist`, `keeper`, `adapter` and the feedless placeholder oracle, unless overridden."""

    def build(fees=(0, 0, 0), delay=DAY, **overrides):
        params = dict(
            oracle=placeholder_oracle,
            strategist=strategist,
            keepers=[keeper],
            adapters=[adapter],
            targets=TARGETS,
            min_weights=MIN_WEIGHTS,
            max_weights=MAX_WEIGHTS,
            limits=LIMITS,
        )
        params.update(overrides)
        oracle = params.pop("oracle")
        return create_vault(
            tokens, units=UNITS, fees=fees, delay=delay, rebalancing=Rebalancing(oracle, len(tokens), **params)
        )

    return build


@pytest.fixture(scope="module")
def vault(build):
    """The configured vault; no fees, no holders."""
    return build()


@pytest.fixture(scope="module")
def policy(vault, policy_of):
    return policy_of(vault)


@pytest.fixture(scope="module")
def wide_policy(build, policy_of):
    """The configured vault's policy with a target step of 10,000 (in practice raised through `propose_limits`),
    so any move reaches the bounds check."""
    return policy_of(build(limits=replace(LIMITS, target_step=BPS)))


@pytest.fixture(scope="module")
def fee_vault(build, mint_for, alice):
    """The configured vault with a 1 % redeem fee; alice holds 100 shares."""
    vault = build(fees=(0, 0, 100))
    mint_for(vault, alice, 100 * ONE)
    return vault


@pytest.fixture(scope="module")
def fee_policy(fee_vault, policy_of):
    return policy_of(fee_vault)


@pytest.fixture(scope="module")
def proposals(tokens, create_token, create_router, other_adapter):
    """One queueable change of each kind: (propose function, execute function, arguments)."""
    return {
        "bounds": ("propose_bounds", "execute_bounds", (tokens[0], 0, BPS)),
        "limits": ("propose_limits", "execute_limits", (CAPS.as_tuple(),)),
        "adapter": ("propose_adapter", "execute_adapter", (other_adapter,)),
        "oracle": ("propose_oracle", "execute_oracle", (create_router(),)),
        "component": ("propose_component", "execute_component", (create_token(18, "NEW"), 1_000)),
    }


def propose(policy, proposals, kind, governance):
    name, _, args = proposals[kind]
    return queued(getattr(policy, name)(*args, sender=governance), policy)


def execute(policy, proposals, kind, governance):
    _, name, args = proposals[kind]
    return getattr(policy, name)(*args, sender=governance)


@pytest.fixture
def priced_router(create_router, set_feed, market):
    """A second router pricing every market token through the market's feeds (fresh now)."""

    def priced_router():
        router = create_router()
        for token, feed in zip(market.tokens, market.feeds):
            set_feed(router, token, feed)
        market.refresh()
        return router

    return priced_router


# --- constructor ------------------------------------------------------------------------------------------------------


def test_init__valid_params__every_getter_reflects_them(
    vault, policy, factory, placeholder_oracle, strategist, keeper, adapter, other_adapter, alice
):
    assert policy.VAULT() == vault.address
    assert policy.oracle() == placeholder_oracle.address
    assert policy.strategist() == strategist
    assert policy.is_keeper(keeper)
    assert not policy.is_keeper(alice)
    assert policy.is_adapter(adapter)
    assert not policy.is_adapter(other_adapter)
    assert weights(policy) == (TARGETS, MIN_WEIGHTS, MAX_WEIGHTS)
    assert policy.limits() == LIMITS.as_tuple()
    assert policy.delay() == vault.delay() == DAY
    assert policy.queued_count() == 0
    assert not policy.rebalance_paused()
    assert policy.last_rebalance() == 0
    assert policy.last_target_change() == 0
    assert vault.policy() == policy.address
    assert factory.policy_of(vault) == policy.address


def test_init__vault_delay__is_the_policy_delay(build, policy_of):
    vault = build(delay=3 * DAY)
    assert policy_of(vault).delay() == vault.delay() == 3 * DAY


@pytest.mark.parametrize("length", [2, 4])
@pytest.mark.parametrize("field", ["targets", "min_weights", "max_weights"])
def test_init__weights_length_mismatch__reverts(build, field, length):
    lists = {
        "targets": [BPS] + [0] * (length - 1),
        "min_weights": [0] * length,
        "max_weights": [BPS] * length,
    }
    with ape.reverts("rebalance_policy: weights length mismatch"):
        build(**{field: lists[field]})


@pytest.mark.parametrize("who", ["alice", "zero"])
def test_init__oracle_not_a_contract__reverts(build, alice, who):
    with ape.reverts("rebalance_policy: oracle is not a contract"):
        build(oracle=alice if who == "alice" else ZERO)


@pytest.mark.parametrize("targets", [[3_333, 3_333, 3_333], [3_334, 3_333, 3_334]], ids=["9999", "10001"])
def test_init__targets_not_summing_to_10000__reverts(build, targets):
    with ape.reverts("rebalance_policy: targets do not sum to 10000"):
        build(targets=targets, min_weights=[0] * 3, max_weights=[BPS] * 3)


@pytest.mark.parametrize(
    "min_weights, max_weights",
    [([5_000, 1_000, 1_000], [4_000, 5_000, 5_000]), ([1_000, 1_000, 1_000], [6_000, 5_000, 10_001])],
    ids=["min_above_max", "max_above_10000"],
)
def test_init__bad_bounds__reverts(build, min_weights, max_weights):
    with ape.reverts("rebalance_policy: bad bounds"):
        build(min_weights=min_weights, max_weights=max_weights)


@pytest.mark.parametrize(
    "min_weights, max_weights",
    [([1_000, 3_001, 1_000], MAX_WEIGHTS), (MIN_WEIGHTS, [3_999, 5_000, 5_000])],
    ids=["below_min", "above_max"],
)
def test_init__target_outside_bounds__reverts(build, min_weights, max_weights):
    with ape.reverts("rebalance_policy: target outside bounds"):
        build(min_weights=min_weights, max_weights=max_weights)


def test_init__target_on_both_bounds__succeeds(build, policy_of):
    vault = build(targets=[BPS, 0, 0], min_weights=[BPS, 0, 0], max_weights=[BPS, 0, BPS])
    assert weights(policy_of(vault)) == ([BPS, 0, 0], [BPS, 0, 0], [BPS, 0, BPS])


def test_init__zero_keeper__reverts(build, keeper):
    with ape.reverts("rebalance_policy: zero keeper"):
        build(keepers=[keeper, ZERO])


def test_init__adapter_not_a_contract__reverts(build, adapter, alice):
    with ape.reverts("rebalance_policy: adapter is not a contract"):
        build(adapters=[adapter, alice])


def test_init__several_keepers_and_adapters__all_allowed(build, policy_of, keeper, alice, adapter, other_adapter):
    policy = policy_of(build(keepers=[keeper, alice], adapters=[adapter, other_adapter]))
    assert policy.is_keeper(keeper) and policy.is_keeper(alice)
    assert policy.is_adapter(adapter) and policy.is_adapter(other_adapter)


@pytest.mark.parametrize("field, value, reason", ABOVE_CAP, ids=ABOVE_CAP_IDS)
def test_init__limit_above_cap__reverts(build, field, value, reason):
    with ape.reverts(reason):
        build(limits=replace(LIMITS, **{field: value}))


@pytest.mark.parametrize("limits", [CAPS, FLOORS], ids=["caps", "floors"])
def test_init__limits_at_caps_or_floors__succeed(build, policy_of, limits):
    assert policy_of(build(limits=limits)).limits() == limits.as_tuple()


def test_init__cooldown_one_second_below_floor__reverts(build):
    with ape.reverts("rebalance_policy: cooldown below floor"):
        build(limits=replace(FLOORS, cooldown=899))


# --- set_targets ------------------------------------------------------------------------------------------------------


def test_set_targets__governance_within_step__applies_and_logs(policy, governance):
    new = [4_500, 2_500, 3_000]  # 500 moved: one strategist step
    tx = policy.set_targets(new, sender=governance)
    assert weights(policy) == (new, MIN_WEIGHTS, MAX_WEIGHTS)
    assert policy.last_target_change() == tx.timestamp
    event = tx.events.filter(policy.TargetsSet)[0]
    assert event.by == governance
    assert list(event.targets) == new


def test_set_targets__governance_past_step__reverts_target_step_too_large(policy, governance):
    # Issue 10: governance's target moves obey the strategist's step; a larger one waits the timelock (below).
    before = target_state(policy)
    with ape.reverts("rebalance_policy: target step too large"):
        policy.set_targets([6_000, 1_000, 3_000], sender=governance)  # 2,000 moved
    assert target_state(policy) == before


def test_set_targets__governance_after_timelocked_step_raise__applies_the_larger_move(policy, governance, chain):
    wider = replace(LIMITS, target_step=2_000)
    _, eta = queued(policy.propose_limits(wider.as_tuple(), sender=governance), policy)
    with ape.reverts("rebalance_policy: target step too large"):  # queued is not enough
        policy.set_targets([6_000, 1_000, 3_000], sender=governance)
    chain.pending_timestamp = eta
    policy.execute_limits(wider.as_tuple(), sender=governance)
    tx = policy.set_targets([6_000, 1_000, 3_000], sender=governance)
    assert weights(policy)[0] == [6_000, 1_000, 3_000]
    assert policy.last_target_change() == tx.timestamp


def test_set_targets__governance_right_after_strategist__reverts_target_change_too_soon(policy, governance, strategist):
    # Issue 10: governance shares the strategist's period, so the two cannot step the targets twice per period.
    start = policy.set_targets([4_500, 2_500, 3_000], sender=strategist).timestamp
    with ape.reverts("rebalance_policy: target change too soon"):
        policy.set_targets([4_000, 3_000, 3_000], sender=governance)
    assert target_state(policy) == (([4_500, 2_500, 3_000], MIN_WEIGHTS, MAX_WEIGHTS), start)


def test_set_targets__governance_at_period_after_strategist__applies(policy, governance, strategist, chain):
    start = policy.set_targets([4_500, 2_500, 3_000], sender=strategist).timestamp
    chain.pending_timestamp = start + LIMITS.target_period
    tx = policy.set_targets([4_000, 3_000, 3_000], sender=governance)
    assert weights(policy)[0] == [4_000, 3_000, 3_000]
    assert policy.last_target_change() == tx.timestamp == start + LIMITS.target_period


@pytest.mark.parametrize("new", [[4_500, 2_500, 3_000], [3_500, 3_000, 3_500]], ids=["up_down", "down_up"])
def test_set_targets__strategist_exactly_one_step__applies(policy, strategist, new):
    tx = policy.set_targets(new, sender=strategist)
    assert weights(policy)[0] == new
    assert policy.last_target_change() == tx.timestamp
    assert tx.events.filter(policy.TargetsSet)[0].by == strategist


@pytest.mark.parametrize("new", [[4_501, 2_499, 3_000], [3_750, 2_749, 3_501]], ids=["first", "last"])
def test_set_targets__strategist_one_past_step__reverts_and_changes_nothing(policy, strategist, new):
    before = target_state(policy)
    with ape.reverts("rebalance_policy: target step too large"):
        policy.set_targets(new, sender=strategist)
    assert target_state(policy) == before


def test_set_targets__strategist_again_one_second_before_period__reverts(policy, strategist, chain):
    start = policy.set_targets([4_500, 2_500, 3_000], sender=strategist).timestamp
    chain.pending_timestamp = start + LIMITS.target_period - 1
    with ape.reverts("rebalance_policy: target change too soon"):
        policy.set_targets([4_000, 3_000, 3_000], sender=strategist)
    assert target_state(policy) == (([4_500, 2_500, 3_000], MIN_WEIGHTS, MAX_WEIGHTS), start)


def test_set_targets__strategist_again_at_period__applies(policy, strategist, chain):
    start = policy.set_targets([4_500, 2_500, 3_000], sender=strategist).timestamp
    chain.pending_timestamp = start + LIMITS.target_period
    tx = policy.set_targets([5_000, 2_000, 3_000], sender=strategist)
    assert weights(policy)[0] == [5_000, 2_000, 3_000]
    assert policy.last_target_change() == tx.timestamp == start + LIMITS.target_period


@pytest.mark.parametrize("who", ["alice", "keeper", "guardian"])
def test_set_targets__not_strategist_or_governance__reverts(policy, request, who):
    before = target_state(policy)
    with ape.reverts("rebalance_policy: not strategist"):
        policy.set_targets(TARGETS, sender=request.getfixturevalue(who))
    assert target_state(policy) == before


@pytest.mark.parametrize("new", [[5_000, 5_000], [4_000, 3_000, 3_000, 0]], ids=["short", "long"])
@pytest.mark.parametrize("who", ["governance", "strategist"])
def test_set_targets__wrong_length__reverts(policy, request, who, new):
    before = target_state(policy)
    with ape.reverts("rebalance_policy: weights length mismatch"):
        policy.set_targets(new, sender=request.getfixturevalue(who))
    assert target_state(policy) == before


@pytest.mark.parametrize("new", [[4_000, 3_000, 2_999], [4_000, 3_000, 3_001]], ids=["9999", "10001"])
@pytest.mark.parametrize("who", ["governance", "strategist"])
def test_set_targets__not_summing_to_10000__reverts(policy, request, who, new):
    before = target_state(policy)
    with ape.reverts("rebalance_policy: targets do not sum to 10000"):
        policy.set_targets(new, sender=request.getfixturevalue(who))
    assert target_state(policy) == before


@pytest.mark.parametrize("new", [[6_001, 2_000, 1_999], [999, 4_501, 4_500]], ids=["above_max", "below_min"])
def test_set_targets__governance_outside_bounds__reverts(wide_policy, governance, new):
    before = target_state(wide_policy)
    with ape.reverts("rebalance_policy: target outside bounds"):
        wide_policy.set_targets(new, sender=governance)
    assert target_state(wide_policy) == before


@pytest.mark.parametrize("new", [[6_000, 1_000, 3_000], [1_000, 5_000, 4_000]], ids=["max", "min"])
def test_set_targets__governance_on_the_bounds__applies(wide_policy, governance, new):
    wide_policy.set_targets(new, sender=governance)
    assert weights(wide_policy)[0] == new


def test_set_targets__strategist_within_step_but_outside_bounds__reverts(policy, governance, strategist, tokens):
    policy.set_bounds(tokens[1], 3_000, 5_000, sender=governance)
    before = target_state(policy)
    with ape.reverts("rebalance_policy: target outside bounds"):
        policy.set_targets([4_500, 2_500, 3_000], sender=strategist)
    assert target_state(policy) == before


# --- bounds -----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("bounds", [(2_000, 5_000), (1_000, 6_000), (4_000, 4_000)], ids=["tighter", "same", "pinned"])
def test_set_bounds__tighter_or_same__applies_at_once(policy, governance, tokens, bounds):
    tx = policy.set_bounds(tokens[0], *bounds, sender=governance)
    assert weights(policy) == (TARGETS, [bounds[0], 1_000, 1_000], [bounds[1], 5_000, 5_000])
    event = tx.events.filter(policy.BoundsSet)[0]
    assert (event.token, event.min_weight, event.max_weight) == (tokens[0].address, *bounds)
    assert policy.queued_count() == 0


@pytest.mark.parametrize("bounds", [(4_001, 6_000), (1_000, 3_999)], ids=["min_above_target", "max_below_target"])
def test_set_bounds__tighter_but_excluding_target__reverts(policy, governance, tokens, bounds):
    with ape.reverts("rebalance_policy: target outside bounds"):
        policy.set_bounds(tokens[0], *bounds, sender=governance)
    assert weights(policy) == (TARGETS, MIN_WEIGHTS, MAX_WEIGHTS)


def test_set_bounds__min_above_max__reverts(policy, governance, tokens):
    with ape.reverts("rebalance_policy: bad bounds"):
        policy.set_bounds(tokens[0], 5_000, 4_000, sender=governance)


@pytest.mark.parametrize("bounds", [(999, 6_000), (1_000, 6_001), (0, BPS)], ids=["lower_min", "higher_max", "both"])
def test_set_bounds__wider__reverts(policy, governance, tokens, bounds):
    with ape.reverts("rebalance_policy: wider bounds need timelock"):
        policy.set_bounds(tokens[0], *bounds, sender=governance)
    assert weights(policy) == (TARGETS, MIN_WEIGHTS, MAX_WEIGHTS)


@pytest.mark.parametrize("function", ["set_bounds", "propose_bounds"])
def test_bounds__not_a_component__reverts(policy, governance, create_token, function):
    stranger = create_token(18, "XYZ")
    with ape.reverts("rebalance_policy: not a component"):
        getattr(policy, function)(stranger, 0, BPS, sender=governance)


@pytest.mark.parametrize("function", ["set_bounds", "propose_bounds", "execute_bounds"])
def test_bounds__not_governance__reverts(policy, guardian, tokens, function):
    with ape.reverts("rebalance_policy: not governance"):
        getattr(policy, function)(tokens[0], 2_000, 5_000, sender=guardian)


@pytest.mark.parametrize("bounds", [(5_000, 4_000), (0, 10_001)], ids=["min_above_max", "max_above_10000"])
def test_propose_bounds__bad_bounds__reverts(policy, governance, tokens, bounds):
    with ape.reverts("rebalance_policy: bad bounds"):
        policy.propose_bounds(tokens[0], *bounds, sender=governance)
    assert policy.queued_count() == 0


def test_propose_bounds__wider__queues_without_applying(policy, governance, tokens):
    tx = policy.propose_bounds(tokens[0], 0, BPS, sender=governance)
    event = tx.events.filter(policy.ChangeQueued)[0]
    assert event.action == "set_bounds"
    assert event.eta == tx.timestamp + DAY
    assert policy.eta(event.id) == event.eta
    assert policy.queued_count() == 1
    assert weights(policy) == (TARGETS, MIN_WEIGHTS, MAX_WEIGHTS)


def test_execute_bounds__at_eta__applies(policy, governance, tokens, chain):
    _, eta = queued(policy.propose_bounds(tokens[0], 0, BPS, sender=governance), policy)
    chain.pending_timestamp = eta
    tx = policy.execute_bounds(tokens[0], 0, BPS, sender=governance)
    assert weights(policy) == (TARGETS, [0, 1_000, 1_000], [BPS, 5_000, 5_000])
    event = tx.events.filter(policy.BoundsSet)[0]
    assert (event.token, event.min_weight, event.max_weight) == (tokens[0].address, 0, BPS)
    assert tx.events.filter(policy.ChangeExecuted)[0].action == "set_bounds"
    assert policy.queued_count() == 0


def test_execute_bounds__one_second_early__reverts(policy, governance, tokens, chain):
    _, eta = queued(policy.propose_bounds(tokens[0], 0, BPS, sender=governance), policy)
    chain.pending_timestamp = eta - 1
    with ape.reverts("timelock: too early"):
        policy.execute_bounds(tokens[0], 0, BPS, sender=governance)
    assert weights(policy) == (TARGETS, MIN_WEIGHTS, MAX_WEIGHTS)


def test_execute_bounds__last_second_of_grace__applies(policy, governance, tokens, chain):
    _, eta = queued(policy.propose_bounds(tokens[0], 0, BPS, sender=governance), policy)
    chain.pending_timestamp = eta + GRACE_PERIOD
    policy.execute_bounds(tokens[0], 0, BPS, sender=governance)
    assert weights(policy)[1][0] == 0


def test_execute_bounds__after_grace__reverts(policy, governance, tokens, chain):
    _, eta = queued(policy.propose_bounds(tokens[0], 0, BPS, sender=governance), policy)
    chain.pending_timestamp = eta + GRACE_PERIOD + 1
    with ape.reverts("timelock: expired"):
        policy.execute_bounds(tokens[0], 0, BPS, sender=governance)
    assert weights(policy) == (TARGETS, MIN_WEIGHTS, MAX_WEIGHTS)


def test_execute_bounds__other_bounds_than_queued__reverts(policy, governance, tokens, chain):
    _, eta = queued(policy.propose_bounds(tokens[0], 0, BPS, sender=governance), policy)
    chain.pending_timestamp = eta
    with ape.reverts("timelock: not queued"):
        policy.execute_bounds(tokens[0], 0, BPS - 1, sender=governance)


def test_execute_bounds__target_moved_outside_meanwhile__reverts(policy, governance, tokens, chain):
    # Queued bounds [4_500, 10_000] exclude the current target 4_000: executing them must not strand it.
    _, eta = queued(policy.propose_bounds(tokens[0], 4_500, BPS, sender=governance), policy)
    chain.pending_timestamp = eta
    with ape.reverts("rebalance_policy: target outside bounds"):
        policy.execute_bounds(tokens[0], 4_500, BPS, sender=governance)
    assert policy.queued_count() == 1


# --- limits -----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("limits", [LIMITS, STRICTER], ids=["same", "stricter"])
def test_set_limits__stricter_or_equal__applies_at_once(policy, governance, limits):
    tx = policy.set_limits(limits.as_tuple(), sender=governance)
    assert policy.limits() == limits.as_tuple()
    assert list(tx.events.filter(policy.LimitsSet)[0].limits) == list(limits.as_tuple())
    assert policy.queued_count() == 0


@pytest.mark.parametrize("field, value", LOOSER, ids=[field for field, _ in LOOSER])
def test_set_limits__one_field_looser__reverts(policy, governance, field, value):
    with ape.reverts("rebalance_policy: looser limits need timelock"):
        policy.set_limits(replace(LIMITS, **{field: value}).as_tuple(), sender=governance)
    assert policy.limits() == LIMITS.as_tuple()


@pytest.mark.parametrize("function", ["set_limits", "propose_limits", "execute_limits"])
def test_limits__not_governance__reverts(policy, guardian, function):
    with ape.reverts("rebalance_policy: not governance"):
        getattr(policy, function)(STRICTER.as_tuple(), sender=guardian)


@pytest.mark.parametrize("field, value, reason", ABOVE_CAP, ids=ABOVE_CAP_IDS)
def test_propose_limits__above_cap__reverts(policy, governance, field, value, reason):
    with ape.reverts(reason):
        policy.propose_limits(replace(CAPS, **{field: value}).as_tuple(), sender=governance)
    assert policy.queued_count() == 0


@pytest.mark.parametrize("function", ["set_limits", "propose_limits"])
def test_limits__cooldown_below_floor__reverts(policy, governance, function):
    # A shorter cooldown is looser, but no timelock can take it below the floor either.
    with ape.reverts("rebalance_policy: cooldown below floor"):
        getattr(policy, function)(replace(LIMITS, cooldown=899).as_tuple(), sender=governance)
    assert policy.limits() == LIMITS.as_tuple()
    assert policy.queued_count() == 0


def test_propose_limits__at_caps__queues_without_applying(policy, governance):
    tx = policy.propose_limits(CAPS.as_tuple(), sender=governance)
    assert tx.events.filter(policy.ChangeQueued)[0].action == "set_limits"
    assert policy.queued_count() == 1
    assert policy.limits() == LIMITS.as_tuple()


def test_execute_limits__at_eta__applies(policy, governance, chain):
    _, eta = queued(policy.propose_limits(CAPS.as_tuple(), sender=governance), policy)
    chain.pending_timestamp = eta
    tx = policy.execute_limits(CAPS.as_tuple(), sender=governance)
    assert policy.limits() == CAPS.as_tuple()
    assert list(tx.events.filter(policy.LimitsSet)[0].limits) == list(CAPS.as_tuple())
    assert policy.queued_count() == 0


def test_execute_limits__one_second_early__reverts(policy, governance, chain):
    _, eta = queued(policy.propose_limits(CAPS.as_tuple(), sender=governance), policy)
    chain.pending_timestamp = eta - 1
    with ape.reverts("timelock: too early"):
        policy.execute_limits(CAPS.as_tuple(), sender=governance)
    assert policy.limits() == LIMITS.as_tuple()


# --- adapters ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["alice", "zero"])
def test_propose_adapter__not_a_contract__reverts(policy, governance, alice, who):
    with ape.reverts("rebalance_policy: adapter is not a contract"):
        policy.propose_adapter(alice if who == "alice" else ZERO, sender=governance)
    assert policy.queued_count() == 0


def test_propose_adapter__not_governance__reverts(policy, guardian, other_adapter):
    with ape.reverts("rebalance_policy: not governance"):
        policy.propose_adapter(other_adapter, sender=guardian)


def test_execute_adapter__at_eta__allows_it(policy, governance, other_adapter, chain):
    tx = policy.propose_adapter(other_adapter, sender=governance)
    assert tx.events.filter(policy.ChangeQueued)[0].action == "allow_adapter"
    assert not policy.is_adapter(other_adapter)
    chain.pending_timestamp = queued(tx, policy)[1]
    tx = policy.execute_adapter(other_adapter, sender=governance)
    assert policy.is_adapter(other_adapter)
    assert tx.events.filter(policy.AdapterAllowed)[0].adapter == other_adapter.address
    assert policy.queued_count() == 0


def test_execute_adapter__one_second_early__reverts(policy, governance, other_adapter, chain):
    _, eta = queued(policy.propose_adapter(other_adapter, sender=governance), policy)
    chain.pending_timestamp = eta - 1
    with ape.reverts("timelock: too early"):
        policy.execute_adapter(other_adapter, sender=governance)
    assert not policy.is_adapter(other_adapter)


def test_remove_adapter__allowed__removes_at_once(vault, policy, governance, keeper, adapter, tokens):
    tx = policy.remove_adapter(adapter, sender=governance)
    assert not policy.is_adapter(adapter)
    assert tx.events.filter(policy.AdapterRemoved)[0].adapter == adapter.address
    with ape.reverts("rebalance_policy: adapter not allowed"):
        check_trade(vault, policy, keeper, tokens, adapter)


@pytest.mark.parametrize("which", ["never_allowed", "already_removed"])
def test_remove_adapter__not_allowed__reverts(policy, governance, adapter, other_adapter, which):
    if which == "already_removed":
        policy.remove_adapter(adapter, sender=governance)
    with ape.reverts("rebalance_policy: adapter not allowed"):
        policy.remove_adapter(other_adapter if which == "never_allowed" else adapter, sender=governance)


def test_remove_adapter__not_governance__reverts(policy, guardian, adapter):
    with ape.reverts("rebalance_policy: not governance"):
        policy.remove_adapter(adapter, sender=guardian)
    assert policy.is_adapter(adapter)


# --- oracle -----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["alice", "zero"])
def test_propose_oracle__not_a_contract__reverts(policy, governance, alice, who):
    with ape.reverts("rebalance_policy: oracle is not a contract"):
        policy.propose_oracle(alice if who == "alice" else ZERO, sender=governance)
    assert policy.queued_count() == 0


def test_propose_oracle__not_governance__reverts(policy, guardian, create_router):
    with ape.reverts("rebalance_policy: not governance"):
        policy.propose_oracle(create_router(), sender=guardian)


def test_execute_oracle__router_without_feed_for_a_component__reverts_and_keeps_oracle(
    policy, governance, create_router, placeholder_oracle, chain
):
    bare = create_router()
    tx = policy.propose_oracle(bare, sender=governance)
    assert tx.events.filter(policy.ChangeQueued)[0].action == "set_oracle"
    chain.pending_timestamp = queued(tx, policy)[1]
    with ape.reverts("oracle_router: no feed"):
        policy.execute_oracle(bare, sender=governance)
    assert policy.oracle() == placeholder_oracle.address
    assert policy.queued_count() == 1  # still queued: it can be cancelled or executed once the router is ready


def test_execute_oracle__router_pricing_every_component__switches_oracle(
    create_managed_vault, policy_of, priced_router, market, governance, chain
):
    policy = policy_of(create_managed_vault())
    assert policy.oracle() == market.router.address
    router = priced_router()
    _, eta = queued(policy.propose_oracle(router, sender=governance), policy)
    chain.pending_timestamp = eta
    market.refresh()
    tx = policy.execute_oracle(router, sender=governance)
    assert policy.oracle() == router.address
    assert tx.events.filter(policy.OracleSet)[0].oracle == router.address
    assert policy.queued_count() == 0


def test_execute_oracle__new_router_missing_one_component__reverts(
    create_managed_vault, policy_of, create_router, set_feed, market, governance, chain
):
    policy = policy_of(create_managed_vault())
    router = create_router()
    for token, feed in list(zip(market.tokens, market.feeds))[:2]:  # no feed for the third component
        set_feed(router, token, feed)
    _, eta = queued(policy.propose_oracle(router, sender=governance), policy)
    chain.pending_timestamp = eta
    market.refresh()
    with ape.reverts("oracle_router: no feed"):
        policy.execute_oracle(router, sender=governance)
    assert policy.oracle() == market.router.address


# --- components -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("index", [0, 2])
def test_propose_component__existing_component__reverts(policy, governance, tokens, index):
    with ape.reverts("rebalance_policy: duplicate component"):
        policy.propose_component(tokens[index], 1_000, sender=governance)
    assert policy.queued_count() == 0


def test_propose_component__max_weight_above_10000__reverts(policy, governance, create_token):
    with ape.reverts("rebalance_policy: bad bounds"):
        policy.propose_component(create_token(18, "NEW"), BPS + 1, sender=governance)
    assert policy.queued_count() == 0


def test_propose_component__max_weight_10000__queues(policy, governance, create_token):
    tx = policy.propose_component(create_token(18, "NEW"), BPS, sender=governance)
    assert tx.events.filter(policy.ChangeQueued)[0].action == "add_component"
    assert policy.queued_count() == 1


def test_propose_component__not_governance__reverts(policy, guardian, create_token):
    with ape.reverts("rebalance_policy: not governance"):
        policy.propose_component(create_token(18, "NEW"), 1_000, sender=guardian)


def test_execute_component__oracle_cannot_price_it__reverts(vault, policy, governance, create_token, tokens, chain):
    extra = create_token(18, "NEW")
    _, eta = queued(policy.propose_component(extra, 1_000, sender=governance), policy)
    chain.pending_timestamp = eta
    with ape.reverts("oracle_router: no feed"):
        policy.execute_component(extra, 1_000, sender=governance)
    assert list(vault.basket()[0]) == [t.address for t in tokens]


@pytest.fixture
def priced_extra(create_token, create_feed, set_feed, market):
    """A fourth token the market's router prices ($10, 1-hour heartbeat); returns (token, feed)."""
    extra = create_token(18, "NEW")
    feed = create_feed(8, 10 * 10**8)
    set_feed(market.router, extra, feed)
    return extra, feed


def test_execute_component__priced_token_at_eta__appends_it_at_unit_zero_and_target_zero(
    create_managed_vault, policy_of, priced_extra, market, governance, chain
):
    vault = create_managed_vault()
    policy = policy_of(vault)
    extra, feed = priced_extra
    _, eta = queued(policy.propose_component(extra, 2_000, sender=governance), policy)
    chain.pending_timestamp = eta
    feed.set_answer(10 * 10**8, sender=governance)
    tx = policy.execute_component(extra, 2_000, sender=governance)
    tokens, units = vault.basket()
    assert list(tokens) == [t.address for t in market.tokens] + [extra.address]
    assert units[3] == 0
    assert weights(policy) == ([4_000, 3_000, 3_000, 0], [0] * 4, [BPS] * 3 + [2_000])
    event = tx.events.filter(policy.ComponentAdded)[0]
    assert (event.token, event.max_weight) == (extra.address, 2_000)
    assert policy.queued_count() == 0


def test_execute_component__same_token_queued_twice__second_reverts_duplicate(
    create_managed_vault, policy_of, priced_extra, governance, chain
):
    # Two proposals for one token with different max weights are distinct changes; `propose_component` checks
    # duplicates only against the basket at proposal time, so the second must be refused at execution.
    vault = create_managed_vault()
    policy = policy_of(vault)
    extra, feed = priced_extra
    policy.propose_component(extra, 1_000, sender=governance)
    _, eta = queued(policy.propose_component(extra, 2_000, sender=governance), policy)
    chain.pending_timestamp = eta
    feed.set_answer(10 * 10**8, sender=governance)
    policy.execute_component(extra, 1_000, sender=governance)
    with ape.reverts("rebalance_policy: duplicate component"):
        policy.execute_component(extra, 2_000, sender=governance)
    assert list(vault.basket()[0]).count(extra.address) == 1


# --- keepers, strategist, pause, cancel -------------------------------------------------------------------------------


def test_add_keeper__by_governance__allows_it(policy, governance, alice):
    tx = policy.add_keeper(alice, sender=governance)
    assert policy.is_keeper(alice)
    assert tx.events.filter(policy.KeeperAdded)[0].keeper == alice


def test_add_keeper__zero__reverts(policy, governance):
    with ape.reverts("rebalance_policy: zero keeper"):
        policy.add_keeper(ZERO, sender=governance)


@pytest.mark.parametrize("who", ["guardian", "keeper", "alice"])
def test_add_keeper__not_governance__reverts(policy, request, alice, who):
    with ape.reverts("rebalance_policy: not governance"):
        policy.add_keeper(alice, sender=request.getfixturevalue(who))
    assert not policy.is_keeper(alice)


@pytest.mark.parametrize("role", ["guardian", "governance"])
def test_revoke_keeper__by_guardian_or_governance__stops_it_at_once(
    vault, policy, keeper, adapter, tokens, request, role
):
    by = request.getfixturevalue(role)
    tx = policy.revoke_keeper(keeper, sender=by)
    assert not policy.is_keeper(keeper)
    event = tx.events.filter(policy.KeeperRevoked)[0]
    assert (event.keeper, event.by) == (keeper.address, by.address)
    with ape.reverts("rebalance_policy: not keeper"):
        check_trade(vault, policy, keeper, tokens, adapter)


@pytest.mark.parametrize("who", ["alice", "keeper", "strategist"])
def test_revoke_keeper__by_anyone_else__reverts(policy, keeper, request, who):
    with ape.reverts("rebalance_policy: not guardian"):
        policy.revoke_keeper(keeper, sender=request.getfixturevalue(who))
    assert policy.is_keeper(keeper)


def test_revoke_keeper__not_a_keeper__reverts(policy, guardian, alice):
    with ape.reverts("rebalance_policy: not keeper"):
        policy.revoke_keeper(alice, sender=guardian)


def test_set_strategist__by_governance__hands_over_target_moves(policy, governance, strategist, alice):
    tx = policy.set_strategist(alice, sender=governance)
    assert policy.strategist() == alice
    assert tx.events.filter(policy.StrategistSet)[0].strategist == alice
    with ape.reverts("rebalance_policy: not strategist"):
        policy.set_targets([4_500, 2_500, 3_000], sender=strategist)
    policy.set_targets([4_500, 2_500, 3_000], sender=alice)
    assert weights(policy)[0] == [4_500, 2_500, 3_000]


def test_set_strategist__zero__removes_it(policy, governance, strategist):
    policy.set_strategist(ZERO, sender=governance)
    assert policy.strategist() == ZERO
    with ape.reverts("rebalance_policy: not strategist"):
        policy.set_targets([4_500, 2_500, 3_000], sender=strategist)


@pytest.mark.parametrize("who", ["guardian", "strategist"])
def test_set_strategist__not_governance__reverts(policy, request, alice, strategist, who):
    with ape.reverts("rebalance_policy: not governance"):
        policy.set_strategist(alice, sender=request.getfixturevalue(who))
    assert policy.strategist() == strategist


@pytest.mark.parametrize("role", ["guardian", "governance"])
def test_pause_rebalance__by_guardian_or_governance__check_trade_refuses(
    vault, policy, keeper, adapter, tokens, request, role
):
    by = request.getfixturevalue(role)
    tx = policy.pause_rebalance(sender=by)
    assert policy.rebalance_paused()
    assert tx.events.filter(policy.RebalancePaused)[0].by == by
    with ape.reverts("rebalance_policy: rebalance paused"):
        check_trade(vault, policy, keeper, tokens, adapter)


@pytest.mark.parametrize("who", ["alice", "keeper", "strategist"])
def test_pause_rebalance__by_anyone_else__reverts(policy, request, who):
    with ape.reverts("rebalance_policy: not guardian"):
        policy.pause_rebalance(sender=request.getfixturevalue(who))
    assert not policy.rebalance_paused()


def test_unpause_rebalance__by_governance__lifts_the_pause(
    vault, policy, guardian, governance, keeper, adapter, tokens
):
    policy.pause_rebalance(sender=guardian)
    tx = policy.unpause_rebalance(sender=governance)
    assert not policy.rebalance_paused()
    assert tx.events.filter(policy.RebalanceUnpaused)[0].by == governance
    # Past the pause check, the next one to fail is the feedless placeholder oracle's.
    with ape.reverts("oracle_router: no feed"):
        check_trade(vault, policy, keeper, tokens, adapter)


@pytest.mark.parametrize("who", ["guardian", "alice"])
def test_unpause_rebalance__not_governance__reverts(policy, guardian, request, who):
    policy.pause_rebalance(sender=guardian)
    with ape.reverts("rebalance_policy: not governance"):
        policy.unpause_rebalance(sender=request.getfixturevalue(who))
    assert policy.rebalance_paused()


@pytest.mark.parametrize("role", ["guardian", "governance"])
def test_cancel__by_guardian_or_governance__drops_the_change(policy, governance, tokens, request, role, chain):
    change_id, eta = queued(policy.propose_bounds(tokens[0], 0, BPS, sender=governance), policy)
    tx = policy.cancel(change_id, sender=request.getfixturevalue(role))
    assert tx.events.filter(policy.ChangeCancelled)[0].id == change_id
    assert policy.eta(change_id) == 0
    assert policy.queued_count() == 0
    chain.pending_timestamp = eta
    with ape.reverts("timelock: not queued"):
        policy.execute_bounds(tokens[0], 0, BPS, sender=governance)
    assert weights(policy) == (TARGETS, MIN_WEIGHTS, MAX_WEIGHTS)


@pytest.mark.parametrize("who", ["alice", "strategist", "keeper"])
def test_cancel__by_anyone_else__reverts(policy, governance, tokens, request, who):
    change_id, eta = queued(policy.propose_bounds(tokens[0], 0, BPS, sender=governance), policy)
    with ape.reverts("rebalance_policy: not guardian"):
        policy.cancel(change_id, sender=request.getfixturevalue(who))
    assert policy.eta(change_id) == eta
    assert policy.queued_count() == 1


def test_cancel__nothing_queued_under_id__reverts(policy, guardian):
    with ape.reverts("timelock: not queued"):
        policy.cancel(b"\x01" * 32, sender=guardian)


def test_discard_expired__by_anyone_after_grace__clears_the_change(policy, governance, tokens, bob, chain):
    change_id, eta = queued(policy.propose_bounds(tokens[0], 0, BPS, sender=governance), policy)
    chain.pending_timestamp = eta + GRACE_PERIOD
    with ape.reverts("timelock: not expired"):
        policy.discard_expired(change_id, sender=bob)
    chain.pending_timestamp = eta + GRACE_PERIOD + 1
    tx = policy.discard_expired(change_id, sender=bob)
    assert tx.events.filter(policy.ChangeDiscarded)[0].id == change_id
    assert policy.eta(change_id) == 0
    assert policy.queued_count() == 0


# --- the exit window --------------------------------------------------------------------------------------------------

KINDS = ["bounds", "limits", "adapter", "oracle", "component"]
EXECUTABLE_WITHOUT_PRICES = ["bounds", "limits", "adapter"]  # oracle and component executes need feeds: see below


def full(amount):
    """What redeeming `amount` shares pays of each component with no fee."""
    return [amount * unit // ONE for unit in UNITS]


def after_fee(amount):
    """What redeeming `amount` shares pays with the 1 % fee (rounded up in the vault's favour)."""
    fee = (amount * 100 + BPS - 1) // BPS
    return full(amount - fee)


def assert_redeem_free(vault, tokens, alice, fee_recipient, amount):
    before = [t.balanceOf(alice) for t in tokens]
    recipient_before = vault.balanceOf(fee_recipient)
    assert vault.preview_redeem(amount) == full(amount)
    tx = vault.redeem(amount, alice, [], sender=alice)
    assert tx.events.filter(vault.Redeemed)[0].fee == 0
    assert vault.balanceOf(fee_recipient) == recipient_before
    assert [t.balanceOf(alice) - b for t, b in zip(tokens, before)] == full(amount)


def assert_redeem_charged(vault, tokens, alice, fee_recipient, amount):
    before = [t.balanceOf(alice) for t in tokens]
    recipient_before = vault.balanceOf(fee_recipient)
    fee = (amount * 100 + BPS - 1) // BPS
    assert vault.preview_redeem(amount) == after_fee(amount)
    tx = vault.redeem(amount, alice, [], sender=alice)
    assert tx.events.filter(vault.Redeemed)[0].fee == fee
    assert vault.balanceOf(fee_recipient) == recipient_before + fee
    assert [t.balanceOf(alice) - b for t, b in zip(tokens, before)] == after_fee(amount)


def test_redeem__nothing_queued__pays_the_fee(fee_vault, fee_policy, tokens, alice, fee_recipient):
    assert fee_policy.queued_count() == 0
    assert_redeem_charged(fee_vault, tokens, alice, fee_recipient, 50 * ONE)
    assert fee_vault.balanceOf(fee_recipient) == ONE // 2


@pytest.mark.parametrize("kind", KINDS)
def test_redeem__policy_change_queued__pays_no_fee(
    fee_vault, fee_policy, proposals, kind, tokens, alice, governance, fee_recipient
):
    propose(fee_policy, proposals, kind, governance)
    assert fee_vault.queued_count() == 0  # nothing queued in the vault itself: the waiver is the policy's
    assert_redeem_free(fee_vault, tokens, alice, fee_recipient, 50 * ONE)
    assert fee_vault.balanceOf(fee_recipient) == 0


@pytest.mark.parametrize("kind", KINDS)
def test_redeem__policy_change_cancelled__pays_the_fee_again(
    fee_vault, fee_policy, proposals, kind, tokens, alice, governance, guardian, fee_recipient
):
    change_id, _ = propose(fee_policy, proposals, kind, governance)
    assert_redeem_free(fee_vault, tokens, alice, fee_recipient, 10 * ONE)
    fee_policy.cancel(change_id, sender=guardian)
    assert_redeem_charged(fee_vault, tokens, alice, fee_recipient, 50 * ONE)


@pytest.mark.parametrize("kind", EXECUTABLE_WITHOUT_PRICES)
def test_redeem__policy_change_executed__pays_the_fee_again(
    fee_vault, fee_policy, proposals, kind, tokens, alice, governance, fee_recipient, chain
):
    _, eta = propose(fee_policy, proposals, kind, governance)
    chain.pending_timestamp = eta
    assert_redeem_free(fee_vault, tokens, alice, fee_recipient, 10 * ONE)  # at eta, not yet executed: still free
    execute(fee_policy, proposals, kind, governance)
    assert fee_policy.queued_count() == 0
    assert_redeem_charged(fee_vault, tokens, alice, fee_recipient, 50 * ONE)


def test_redeem__one_of_two_changes_executed__stays_free_until_the_last_is_gone(
    fee_vault, fee_policy, proposals, tokens, alice, governance, guardian, fee_recipient, chain
):
    propose(fee_policy, proposals, "bounds", governance)
    limits_id, eta = propose(fee_policy, proposals, "limits", governance)
    chain.pending_timestamp = eta
    execute(fee_policy, proposals, "bounds", governance)
    assert fee_policy.queued_count() == 1
    assert_redeem_free(fee_vault, tokens, alice, fee_recipient, 10 * ONE)
    fee_policy.cancel(limits_id, sender=guardian)
    assert_redeem_charged(fee_vault, tokens, alice, fee_recipient, 50 * ONE)


def test_redeem__expired_change_until_discarded__stays_free(
    fee_vault, fee_policy, proposals, tokens, alice, bob, governance, fee_recipient, chain
):
    change_id, eta = propose(fee_policy, proposals, "adapter", governance)
    chain.pending_timestamp = eta + GRACE_PERIOD + 1
    assert_redeem_free(fee_vault, tokens, alice, fee_recipient, 10 * ONE)
    fee_policy.discard_expired(change_id, sender=bob)
    assert_redeem_charged(fee_vault, tokens, alice, fee_recipient, 50 * ONE)


def test_redeem__oracle_change_queued_then_executed__free_then_charged(
    create_managed_vault, policy_of, priced_router, market, mint_for, alice, governance, fee_recipient, chain
):
    vault = create_managed_vault(fees=(0, 0, 100))
    policy = policy_of(vault)
    mint_for(vault, alice, 100 * ONE)
    free = [50 * unit for unit in MARKET_UNITS]
    charged = [unit * 99 // 2 for unit in MARKET_UNITS]  # 49.5 shares' worth after the 1 % fee
    assert vault.preview_redeem(50 * ONE) == charged
    router = priced_router()
    _, eta = queued(policy.propose_oracle(router, sender=governance), policy)
    assert vault.preview_redeem(50 * ONE) == free
    vault.redeem(10 * ONE, alice, [], sender=alice)
    assert vault.balanceOf(fee_recipient) == 0
    chain.pending_timestamp = eta
    market.refresh()
    policy.execute_oracle(router, sender=governance)
    assert vault.preview_redeem(50 * ONE) == charged
    vault.redeem(50 * ONE, alice, [], sender=alice)
    assert vault.balanceOf(fee_recipient) == ONE // 2


def test_redeem__oracle_router_change_queued__free_until_cancelled(
    fee_vault, fee_policy, placeholder_oracle, create_feed, tokens, alice, governance, fee_recipient
):
    # Issue 10 item 5: a change queued in the router that prices the vault opens the exit window too.
    assert fee_policy.oracle() == placeholder_oracle.address
    tx = placeholder_oracle.propose_sequencer(create_feed(0, 0), 3_600, sender=governance)
    change_id = tx.events.filter(placeholder_oracle.ChangeQueued)[0].id
    assert fee_policy.queued_count() == 0 and fee_vault.queued_count() == 0  # nothing queued in the policy or vault
    assert fee_policy.changes_queued()
    assert_redeem_free(fee_vault, tokens, alice, fee_recipient, 10 * ONE)
    placeholder_oracle.cancel(change_id, sender=governance)
    assert not fee_policy.changes_queued()
    assert_redeem_charged(fee_vault, tokens, alice, fee_recipient, 50 * ONE)


# --- the policy follows the vault's roles -----------------------------------------------------------------------------


def test_transfer_governance__accepted_on_vault__moves_the_policys_governance(
    vault, policy, governance, alice, tokens
):
    vault.transfer_governance(alice, sender=governance)
    with ape.reverts("rebalance_policy: not governance"):  # pending is not enough
        policy.set_bounds(tokens[0], 2_000, 5_000, sender=alice)
    vault.accept_governance(sender=alice)
    with ape.reverts("rebalance_policy: not governance"):
        policy.set_bounds(tokens[0], 2_000, 5_000, sender=governance)
    with ape.reverts("rebalance_policy: not strategist"):
        policy.set_targets([4_500, 2_500, 3_000], sender=governance)
    policy.set_bounds(tokens[0], 2_000, 6_000, sender=alice)
    policy.set_targets([4_500, 2_500, 3_000], sender=alice)  # governance's target move, within the step
    assert weights(policy) == ([4_500, 2_500, 3_000], [2_000, 1_000, 1_000], [6_000, 5_000, 5_000])


def test_set_guardian__on_vault__moves_the_policys_guardian(vault, policy, governance, guardian, bob):
    vault.set_guardian(bob, sender=governance)
    with ape.reverts("rebalance_policy: not guardian"):
        policy.pause_rebalance(sender=guardian)
    policy.pause_rebalance(sender=bob)
    assert policy.rebalance_paused()
