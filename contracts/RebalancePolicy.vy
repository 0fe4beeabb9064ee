# pragma version 0.4.3
"""
@title Rebalance Policy
@license MIT
@notice The rules one `IndexVault` trades by, created with it by `VaultFactory`
        and bound to it for life. It holds the vault's oracle, each component's
        target weight (bps, summing to 10,000) and governance bounds on it, the
        keeper limits, the keepers, the strategist and the allow-listed swap
        adapters. A keeper calls `IndexVault.rebalance`; the vault asks
        `check_trade` before swapping and `record_trade` after. The strategist, and governance,
        may move targets inside the bounds at once by at most `target_step`
        per component once per `target_period`; a larger step waits the
        timelock. Governance and the guardian are the vault's own. Every
        risk-increasing change (wider bounds, looser limits: a larger step,
        a shorter period or a larger loss budget, a new adapter, oracle or
        component) is proposed, waits the vault's timelock delay in the open
        and only then executes; while any is queued here or in the oracle
        router, the vault's redeem fee is waived. Risk-reducing changes
        (tighter bounds and limits, removing an adapter or a keeper,
        removing a dust component) take effect at once. What
        governance can do at once (add a keeper, appoint the strategist, step
        the targets, remove a dust component) costs holders at most the
        rolling loss budget: every trade's loss and every removed component's
        value is charged to it. `VaultLens.state` reads all of it, with the
        vault's basket and prices, in one call.
@custom:security The policy holds no tokens and can move none: it can only
                 refuse a trade, and add a component (unit 0) or remove a dust
                 one through the vault. A trade passes only if, at oracle
                 prices and on what holders own (their claims, never
                 `balanceOf`): `sell` is above and `buy` below target before
                 it; the path passes only through tokens the oracle prices;
                 `min_out` is worth at least (1 - max_slippage) of what
                 is sold; what is sold is at most `max_trade` of NAV; the
                 cooldown (at least 15 minutes) has passed; and after it
                 neither leg is past its target by more than `tolerance` of
                 NAV, the NAV of all claims fell by at most `max_nav_loss`, and
                 all losses together stay within `loss_budget` of NAV, which
                 refills evenly over 24 hours (a leaky bucket: at most one
                 budget at once, at most two in any 24 hours, at most one a day
                 over a longer run). Values are rounded down by the oracle.
                 Hard caps in this contract bound every limit governance can
                 set. The oracle refusing a price (stale, out of band,
                 sequencer down) stops rebalancing, never redeeming.
@custom:kill The guardian (or governance) can pause rebalancing, revoke a
             keeper and cancel any queued change at once; only governance
             unpauses.
"""

from snekmate.utils import math

from .interfaces import IIndexVault
from .interfaces import IOracleRouter
from .interfaces import ISwapAdapter
from .modules import timelock
from .modules import vault_params


# Risk-increasing changes wait the vault's delay in the open; the vault waives
# its redeem fee while `queued_count` here is non-zero.
initializes: timelock


# The timelock's view of queued changes, and `discard_expired` for anyone to clear a lapsed one.
exports: (
    timelock.delay,
    timelock.eta,
    timelock.queued_count,
    timelock.change_id,
    timelock.discard_expired,
    timelock.MIN_DELAY,
    timelock.MAX_DELAY,
    timelock.GRACE_PERIOD,
)


MAX_COMPONENTS: constant(uint256) = vault_params.MAX_COMPONENTS
BPS: constant(uint256) = 10_000
# Hard caps no governance can exceed.
MAX_SLIPPAGE: constant(uint256) = 1_000  # 10 % below the oracle value
MAX_NAV_LOSS: constant(uint256) = 500  # 5 % of NAV in one trade
MAX_TOLERANCE: constant(uint256) = 1_000  # 10 % of NAV past a target
MAX_COOLDOWN: constant(uint256) = 30 * 86_400
# Gas for reading the oracle router's queue when a holder redeems (a storage read needs 2,100 of it).
ORACLE_QUEUE_GAS: constant(uint256) = 30_000
# A floor no creator can go below: with it, a keeper gets at most 96 tries a day at the per-trade caps.
MIN_COOLDOWN: constant(uint256) = 15 * 60
# Trades together lose at most this share of NAV per 24 h, even with looser limits queued and executed.
MAX_LOSS_BUDGET: constant(uint256) = 500
LOSS_WINDOW: constant(uint256) = 86_400
# The loss bucket counts in 1e-18 of NAV, so a dust loss is still charged (rounded up).
WAD: constant(uint256) = 10**18

MAX_TARGET_PERIOD: constant(uint256) = 365 * 86_400
# A component whose holdings are worth at most 0.01 % of NAV is dust: governance may remove it.
DUST: constant(uint256) = 1

# Timelock action names; a payload is the ABI encoding of the execute function's arguments.
ACTION_BOUNDS: constant(String[32]) = "set_bounds"
ACTION_LIMITS: constant(String[32]) = "set_limits"
ACTION_ADAPTER: constant(String[32]) = "allow_adapter"
ACTION_ORACLE: constant(String[32]) = "set_oracle"
ACTION_COMPONENT: constant(String[32]) = "add_component"

BPS_MASK: constant(uint256) = 2**16 - 1
SECONDS_MASK: constant(uint256) = 2**32 - 1


VAULT: public(immutable(IIndexVault))

oracle: public(IOracleRouter)
strategist: public(address)
is_keeper: public(HashMap[address, bool])
is_adapter: public(HashMap[address, bool])
rebalance_paused: public(bool)
last_rebalance: public(uint256)
last_target_change: public(uint256)
# The rolling loss budget's bucket: what trades (and removed components) took from holders, in 1e-18 of NAV at the
# time, as of the timestamp beside it; it drains by `loss_budget` per 24 h. One slot: spent(192) | updated(64)
# (one store a trade; 22,100 gas less on the first than two fresh slots).
_loss: uint256

# component -> target(16) | min_weight(16) | max_weight(16), in bps.
_weights: HashMap[address, uint256]

# The keeper's limits, one slot for each trade check to read:
# loss_budget(16) | target_period(32) | cooldown(32) | target_step(16) | tolerance(16) | max_nav_loss(16)
# | max_trade(16) | max_slippage(16)
_limits: uint256


event TargetsSet:
    by: indexed(address)
    targets: DynArray[uint256, MAX_COMPONENTS]

event BoundsSet:
    token: indexed(address)
    min_weight: uint256
    max_weight: uint256

event LimitsSet:
    limits: vault_params.Limits

event AdapterAllowed:
    adapter: indexed(address)

event AdapterRemoved:
    adapter: indexed(address)

event LossCharged:
    loss: uint256  # USD, 18 decimals, at oracle prices
    nav: uint256  # NAV it is measured against
    spent: uint256  # the bucket after it, in 1e-18 of NAV

event OracleSet:
    oracle: indexed(address)

event ComponentAdded:
    token: indexed(address)
    max_weight: uint256

event ComponentRemoved:
    token: indexed(address)

event KeeperAdded:
    keeper: indexed(address)

event KeeperRevoked:
    keeper: indexed(address)
    by: indexed(address)

event StrategistSet:
    strategist: indexed(address)

event RebalancePaused:
    by: indexed(address)

event RebalanceUnpaused:
    by: indexed(address)


@deploy
def __init__(vault: address, params: vault_params.PolicyParams):
    """
    @notice Bind a policy to `vault` (which must already exist) with targets and
            bounds in the vault's component order. Its timelock delay is the vault's.
    @dev All input checks live here, so a policy made by the factory and one
         deployed directly are held to the same rules.
    """
    VAULT = IIndexVault(vault)
    tokens: DynArray[address, MAX_COMPONENTS] = self._tokens()
    count: uint256 = len(tokens)
    assert (
        len(params.targets) == count and len(params.min_weights) == count and len(params.max_weights) == count
    ), "rebalance_policy: weights length mismatch"
    assert params.oracle.is_contract, "rebalance_policy: oracle is not a contract"
    self._check_limits(params.limits)
    total: uint256 = 0
    for i: uint256 in range(count, bound=MAX_COMPONENTS):
        self._weights[tokens[i]] = self._checked_weights(params.targets[i], params.min_weights[i], params.max_weights[i])
        total += params.targets[i]
    assert total == BPS, "rebalance_policy: targets do not sum to 10000"
    for keeper: address in params.keepers:
        assert keeper != empty(address), "rebalance_policy: zero keeper"
        self.is_keeper[keeper] = True
    for adapter: address in params.adapters:
        assert adapter.is_contract, "rebalance_policy: adapter is not a contract"
        self.is_adapter[adapter] = True
    self.oracle = IOracleRouter(params.oracle)
    self.strategist = params.strategist
    self._limits = self._pack_limits(params.limits)
    timelock.__init__(staticcall VAULT.delay())


@external
@view
def check_trade(
    keeper: address,
    sell: address,
    buy: address,
    amount_in: uint256,
    min_out: uint256,
    adapter: address,
    data: Bytes[1024],
    tokens: DynArray[address, MAX_COMPONENTS],
    held: DynArray[uint256, MAX_COMPONENTS],
) -> (uint256, uint256):
    """
    @notice Whether `keeper` may sell `amount_in` of `sell` for at least
            `min_out` of `buy` through `adapter` along `data` now, when holders
            own `held` of `tokens` (the vault's `holdings()`): reverts with the
            first failed check's reason. The vault calls it before every swap
            with its own claims; keepers may call it with `holdings()` to check
            a plan.
    @return The USD value (18 decimals) of `amount_in` of `sell` at the oracle
            price, and the NAV of what holders own before the trade.
    """
    assert self.is_keeper[keeper], "rebalance_policy: not keeper"
    assert self.is_adapter[adapter], "rebalance_policy: adapter not allowed"
    assert not self.rebalance_paused, "rebalance_policy: rebalance paused"
    limits: vault_params.Limits = self._load_limits()
    assert block.timestamp >= self.last_rebalance + limits.cooldown, "rebalance_policy: cooldown"
    # The adapter decodes its own path format and reverts on one that does not run from `sell` to `buy`. A hop
    # must be a token the vault's oracle prices (governance put its feed there, through the router's timelock):
    # never a token, and so never a pool, that a keeper made up.
    for hop: address in staticcall ISwapAdapter(adapter).hops(sell, buy, data):
        assert (staticcall self.oracle.feed_config(hop)).feed != empty(address), "rebalance_policy: hop not priced"

    value_sell: uint256 = 0
    value_buy: uint256 = 0
    nav: uint256 = 0
    value_sell, value_buy, nav = self._leg_values(tokens, held, sell, buy)
    assert value_sell * BPS > self._target(sell) * nav, "rebalance_policy: sell not overweight"
    assert value_buy * BPS < self._target(buy) * nav, "rebalance_policy: buy not underweight"

    # Both bounds come from oracle prices, not from any pool, so a pool price
    # pushed before the swap (a sandwich) makes the swap revert instead.
    quote: DynArray[uint256, MAX_COMPONENTS] = staticcall self.oracle.values([sell, buy], [amount_in, min_out])
    assert quote[1] * BPS >= quote[0] * (BPS - limits.max_slippage), "rebalance_policy: min_out below oracle bound"
    assert quote[0] * BPS <= nav * limits.max_trade, "rebalance_policy: trade too large"
    return quote[0], nav


@external
def record_trade(
    sell: address,
    buy: address,
    tokens: DynArray[address, MAX_COMPONENTS],
    held: DynArray[uint256, MAX_COMPONENTS],
    nav_before: uint256,
):
    """
    @notice Check a trade the vault has just made, on what holders own after it
            (`held` of `tokens`, their claims once the units are recomputed),
            charge its loss to the budget and start the cooldown. The vault
            only: reverts (undoing the whole rebalance) if either leg ended past
            its target by more than the tolerance, if the NAV of the claims fell
            by more than `max_nav_loss` of `nav_before`, or if the loss would
            overflow the rolling budget. Any rounding in the new units counts
            as loss here.
    """
    assert msg.sender == VAULT.address, "rebalance_policy: not vault"
    limits: vault_params.Limits = self._load_limits()
    value_sell: uint256 = 0
    value_buy: uint256 = 0
    nav: uint256 = 0
    value_sell, value_buy, nav = self._leg_values(tokens, held, sell, buy)
    assert value_sell * BPS + limits.tolerance * nav >= self._target(sell) * nav, "rebalance_policy: sell overshoots target"
    assert value_buy * BPS <= (self._target(buy) + limits.tolerance) * nav, "rebalance_policy: buy overshoots target"

    if nav_before > nav:
        lost: uint256 = nav_before - nav
        assert lost * BPS <= nav_before * limits.max_nav_loss, "rebalance_policy: nav loss above cap"
        self._charge(lost, nav_before, limits.loss_budget)
    self.last_rebalance = block.timestamp


@external
@view
def changes_queued() -> bool:
    """
    @notice Whether any change the vault depends on waits in a timelock: here
            or in the oracle router that prices the vault. While one does, the
            vault's redeem fee is waived.
    """
    if timelock.queued_count != 0:
        return True
    # An oracle that cannot answer (no such function, a revert, all the gas) counts as one with a change queued: a
    # broken oracle may stop rebalancing, never a holder's exit.
    ok: bool = False
    response: Bytes[32] = b""
    ok, response = raw_call(
        self.oracle.address, method_id("queued_count()"), max_outsize=32, gas=ORACLE_QUEUE_GAS,
        is_static_call=True, revert_on_failure=False,
    )  # fmt: skip
    return not ok or len(response) != 32 or convert(response, uint256) != 0


@external
@view
def loss_spent() -> uint256:
    """
    @notice The loss bucket as last charged, in 1e-18 of NAV (before draining to now).
    """
    return self._loss >> 64


@external
@view
def loss_updated() -> uint256:
    """
    @notice When the loss bucket was last charged.
    """
    return self._loss & (2**64 - 1)


@external
@view
def loss_budget_left() -> uint256:
    """
    @notice What trades may still lose before the budget refills, in 1e-18 of
            NAV (1e18 is the whole NAV), as of this block.
    """
    budget_bps: uint256 = self._load_limits().loss_budget
    budget: uint256 = budget_bps * (WAD // BPS)
    return budget - min(budget, self._drained(budget_bps))


@external
def set_targets(targets: DynArray[uint256, MAX_COMPONENTS]):
    """
    @notice Set every component's target weight in bps (in the vault's
            `basket()` order, summing to 10,000, each inside its bounds), once
            per `target_period`, moving each target by at most `target_step`.
            The strategist or governance, under the same limits: a larger move
            by governance first raises `target_step` (or shortens the period)
            through `propose_limits` and the timelock, in the open.
    """
    assert msg.sender == self._governance() or msg.sender == self.strategist, "rebalance_policy: not strategist"
    limits: vault_params.Limits = self._load_limits()
    assert block.timestamp >= self.last_target_change + limits.target_period, "rebalance_policy: target change too soon"
    tokens: DynArray[address, MAX_COMPONENTS] = self._tokens()
    assert len(targets) == len(tokens), "rebalance_policy: weights length mismatch"
    total: uint256 = 0
    for i: uint256 in range(len(tokens), bound=MAX_COMPONENTS):
        weights: uint256 = self._weights[tokens[i]]
        current: uint256 = weights & BPS_MASK
        new: uint256 = targets[i]
        assert max(new, current) - min(new, current) <= limits.target_step, "rebalance_policy: target step too large"
        self._weights[tokens[i]] = self._checked_weights(new, (weights >> 16) & BPS_MASK, weights >> 32)
        total += new
    assert total == BPS, "rebalance_policy: targets do not sum to 10000"
    self.last_target_change = block.timestamp
    log TargetsSet(by=msg.sender, targets=targets)


@external
def set_bounds(token: address, min_weight: uint256, max_weight: uint256):
    """
    @notice Narrow (or keep) the bounds of `token`'s target weight, at once.
            Governance only. Widening either side goes through `propose_bounds`.
    """
    self._check_governance()
    weights: uint256 = self._component_weights(token)
    assert (
        min_weight >= (weights >> 16) & BPS_MASK and max_weight <= weights >> 32
    ), "rebalance_policy: wider bounds need timelock"
    self._apply_bounds(token, min_weight, max_weight)


@external
def propose_bounds(token: address, min_weight: uint256, max_weight: uint256) -> bytes32:
    """
    @notice Queue new bounds for `token`'s target (either side wider) behind the timelock.
    @return The change id.
    """
    self._check_governance()
    self._component_weights(token)
    assert min_weight <= max_weight and max_weight <= BPS, "rebalance_policy: bad bounds"
    return timelock._queue(ACTION_BOUNDS, abi_encode(token, min_weight, max_weight))


@external
def execute_bounds(token: address, min_weight: uint256, max_weight: uint256):
    """
    @notice Apply bounds queued by `propose_bounds` once the delay has passed. Governance only.
    """
    self._check_governance()
    timelock._execute(ACTION_BOUNDS, abi_encode(token, min_weight, max_weight))
    self._apply_bounds(token, min_weight, max_weight)


@external
def set_limits(limits: vault_params.Limits):
    """
    @notice Tighten (or keep) every keeper limit at once: lower slippage, trade
            size, NAV loss, tolerance, target step and loss budget; a longer
            cooldown and target period. Governance only. Loosening any goes
            through `propose_limits`.
    """
    self._check_governance()
    self._check_limits(limits)
    current: vault_params.Limits = self._load_limits()
    assert (
        limits.max_slippage <= current.max_slippage
        and limits.max_trade <= current.max_trade
        and limits.max_nav_loss <= current.max_nav_loss
        and limits.tolerance <= current.tolerance
        and limits.target_step <= current.target_step
        and limits.cooldown >= current.cooldown
        and limits.target_period >= current.target_period
        and limits.loss_budget <= current.loss_budget
    ), "rebalance_policy: looser limits need timelock"
    self._apply_limits(limits)


@external
def propose_limits(limits: vault_params.Limits) -> bytes32:
    """
    @notice Queue new keeper limits (any of them looser) behind the timelock.
    @return The change id.
    """
    self._check_governance()
    self._check_limits(limits)
    return timelock._queue(ACTION_LIMITS, abi_encode(limits))


@external
def execute_limits(limits: vault_params.Limits):
    """
    @notice Apply limits queued by `propose_limits` once the delay has passed. Governance only.
    """
    self._check_governance()
    timelock._execute(ACTION_LIMITS, abi_encode(limits))
    self._apply_limits(limits)


@external
def propose_adapter(adapter: address) -> bytes32:
    """
    @notice Queue allowing `adapter` for rebalances behind the timelock.
    @return The change id.
    """
    self._check_governance()
    assert adapter.is_contract, "rebalance_policy: adapter is not a contract"
    return timelock._queue(ACTION_ADAPTER, abi_encode(adapter))


@external
def execute_adapter(adapter: address):
    """
    @notice Allow an adapter queued by `propose_adapter` once the delay has passed. Governance only.
    """
    self._check_governance()
    timelock._execute(ACTION_ADAPTER, abi_encode(adapter))
    self.is_adapter[adapter] = True
    log AdapterAllowed(adapter=adapter)


@external
def remove_adapter(adapter: address):
    """
    @notice Stop rebalances through `adapter`, at once. Governance only.
    """
    self._check_governance()
    assert self.is_adapter[adapter], "rebalance_policy: adapter not allowed"
    self.is_adapter[adapter] = False
    log AdapterRemoved(adapter=adapter)


@external
def propose_oracle(oracle: address) -> bytes32:
    """
    @notice Queue replacing the price oracle behind the timelock.
    @return The change id.
    """
    self._check_governance()
    assert oracle.is_contract, "rebalance_policy: oracle is not a contract"
    return timelock._queue(ACTION_ORACLE, abi_encode(oracle))


@external
def execute_oracle(oracle: address):
    """
    @notice Switch to an oracle queued by `propose_oracle` once the delay has
            passed. Governance only. The new oracle must price every component.
    """
    self._check_governance()
    timelock._execute(ACTION_ORACLE, abi_encode(oracle))
    # Reverts with the new oracle's own reason for the first component it cannot price.
    prices: DynArray[uint256, MAX_COMPONENTS] = staticcall IOracleRouter(oracle).prices(self._tokens())
    self.oracle = IOracleRouter(oracle)
    log OracleSet(oracle=oracle)


@external
def propose_component(token: address, max_weight: uint256) -> bytes32:
    """
    @notice Queue adding `token` to the basket (unit 0, target 0, bounds
            [0, max_weight]) behind the timelock. Once added, a target raised
            by the strategist or governance lets keepers buy into it.
    @return The change id.
    """
    self._check_governance()
    self._check_new_component(token, max_weight)
    return timelock._queue(ACTION_COMPONENT, abi_encode(token, max_weight))


@external
def execute_component(token: address, max_weight: uint256):
    """
    @notice Add a component queued by `propose_component` once the delay has
            passed. Governance only. The oracle must price it.
    """
    self._check_governance()
    timelock._execute(ACTION_COMPONENT, abi_encode(token, max_weight))
    # Again: the same token may have been queued twice (with different max weights), or the basket filled meanwhile.
    self._check_new_component(token, max_weight)
    # Reverts with the oracle's own reason when it cannot price the token.
    price: uint256 = staticcall self.oracle.price(token)
    extcall VAULT.add_component(token)
    self._weights[token] = self._checked_weights(0, 0, max_weight)
    log ComponentAdded(token=token, max_weight=max_weight)


@external
def remove_component(token: address) -> uint256:
    """
    @notice Drop `token` from the basket once its target is zero and what
            holders own of it is worth at most 0.01 % of NAV (dust left by
            selling it down, or nothing), and that value fits in the rolling
            loss budget, which it is charged to. The vault sends its whole
            balance of it to the fee recipient. Governance only.
    @return The amount the vault sent to the fee recipient.
    """
    self._check_governance()
    assert self._component_weights(token) & BPS_MASK == 0, "rebalance_policy: target not zero"
    tokens: DynArray[address, MAX_COMPONENTS] = []
    held: DynArray[uint256, MAX_COMPONENTS] = []
    tokens, held = staticcall VAULT.holdings()
    value: uint256 = 0
    nav: uint256 = 0
    # One leg is all the dust check needs: both legs are `token`.
    value, value, nav = self._leg_values(tokens, held, token, token)
    assert value * BPS <= nav * DUST, "rebalance_policy: component not dust"
    # What holders still own of it leaves them: charged to the loss budget like a trade's loss.
    if value != 0:
        self._charge(value, nav, self._load_limits().loss_budget)
    self._weights[token] = 0
    log ComponentRemoved(token=token)
    return extcall VAULT.remove_component(token)


@external
def add_keeper(keeper: address):
    """
    @notice Let `keeper` call the vault's `rebalance`, within these limits. Governance only.
    """
    self._check_governance()
    assert keeper != empty(address), "rebalance_policy: zero keeper"
    self.is_keeper[keeper] = True
    log KeeperAdded(keeper=keeper)


@external
def revoke_keeper(keeper: address):
    """
    @notice Stop `keeper` from rebalancing, at once. Guardian or governance.
    """
    self._check_guardian()
    assert self.is_keeper[keeper], "rebalance_policy: not keeper"
    self.is_keeper[keeper] = False
    log KeeperRevoked(keeper=keeper, by=msg.sender)


@external
def set_strategist(strategist: address):
    """
    @notice Appoint who may move targets within the bounds, one step per
            period; zero removes it. Governance only.
    """
    self._check_governance()
    self.strategist = strategist
    log StrategistSet(strategist=strategist)


@external
def pause_rebalance():
    """
    @notice Stop rebalances (an emergency brake). Guardian or governance.
    """
    self._check_guardian()
    self.rebalance_paused = True
    log RebalancePaused(by=msg.sender)


@external
def unpause_rebalance():
    """
    @notice Allow rebalances again. Governance only: the guardian can stop, not restart.
    """
    self._check_governance()
    self.rebalance_paused = False
    log RebalanceUnpaused(by=msg.sender)


@external
def cancel(change_id: bytes32):
    """
    @notice Drop a queued change. Governance, or the guardian as an emergency brake.
    """
    self._check_guardian()
    timelock._cancel(change_id)


@external
@view
def targets() -> (DynArray[uint256, MAX_COMPONENTS], DynArray[uint256, MAX_COMPONENTS], DynArray[uint256, MAX_COMPONENTS]):
    """
    @notice (targets, min_weights, max_weights) in bps, in the vault's `basket()` order.
    """
    return self._all_weights(self._tokens())


@external
@view
def limits() -> vault_params.Limits:
    """
    @notice The keeper's limits: slippage, trade size, NAV loss, tolerance and
            target step in bps; cooldown and target period in seconds.
    """
    return self._load_limits()


@internal
@view
def _leg_values(
    tokens: DynArray[address, MAX_COMPONENTS], held: DynArray[uint256, MAX_COMPONENTS], sell: address, buy: address
) -> (uint256, uint256, uint256):
    """
    @dev The oracle value of what holders own (`held` of `tokens`) of `sell`
         and of `buy`, and the NAV (the value of all of it). Reverts unless both
         are components.
    """
    s: uint256 = self._index(tokens, sell)
    b: uint256 = self._index(tokens, buy)
    values: DynArray[uint256, MAX_COMPONENTS] = staticcall self.oracle.values(tokens, held)
    nav: uint256 = 0
    for v: uint256 in values:
        nav += v
    return values[s], values[b], nav


@internal
@view
def _tokens() -> DynArray[address, MAX_COMPONENTS]:
    tokens: DynArray[address, MAX_COMPONENTS] = []
    units: DynArray[uint256, MAX_COMPONENTS] = []
    tokens, units = staticcall VAULT.basket()
    return tokens


@internal
@pure
def _index(tokens: DynArray[address, MAX_COMPONENTS], token: address) -> uint256:
    for i: uint256 in range(len(tokens), bound=MAX_COMPONENTS):
        if tokens[i] == token:
            return i
    raise "rebalance_policy: not a component"


@internal
@view
def _target(token: address) -> uint256:
    return self._weights[token] & BPS_MASK


@internal
@view
def _component_weights(token: address) -> uint256:
    """
    @dev `token`'s packed weights; reverts unless it is one of the vault's components.
    """
    self._index(self._tokens(), token)
    return self._weights[token]


@internal
@view
def _all_weights(
    tokens: DynArray[address, MAX_COMPONENTS],
) -> (DynArray[uint256, MAX_COMPONENTS], DynArray[uint256, MAX_COMPONENTS], DynArray[uint256, MAX_COMPONENTS]):
    targets: DynArray[uint256, MAX_COMPONENTS] = []
    min_weights: DynArray[uint256, MAX_COMPONENTS] = []
    max_weights: DynArray[uint256, MAX_COMPONENTS] = []
    for token: address in tokens:
        weights: uint256 = self._weights[token]
        targets.append(weights & BPS_MASK)
        min_weights.append((weights >> 16) & BPS_MASK)
        max_weights.append(weights >> 32)
    return targets, min_weights, max_weights


@internal
@pure
def _checked_weights(target: uint256, min_weight: uint256, max_weight: uint256) -> uint256:
    """
    @dev Check that min <= target <= max <= 10,000 and pack them as one `_weights` entry.
    """
    assert min_weight <= max_weight and max_weight <= BPS, "rebalance_policy: bad bounds"
    assert target >= min_weight and target <= max_weight, "rebalance_policy: target outside bounds"
    return target | (min_weight << 16) | (max_weight << 32)


@internal
def _apply_bounds(token: address, min_weight: uint256, max_weight: uint256):
    """
    @dev Store new bounds for `token`; its current target must already sit inside them.
    """
    self._weights[token] = self._checked_weights(self._component_weights(token) & BPS_MASK, min_weight, max_weight)
    log BoundsSet(token=token, min_weight=min_weight, max_weight=max_weight)


@internal
@view
def _drained(budget_bps: uint256) -> uint256:
    """
    @dev The bucket now: what was spent, less `budget_bps` of NAV per 24 h since, never below zero.
    """
    loss: uint256 = self._loss
    spent: uint256 = loss >> 64
    if spent == 0:
        return 0
    elapsed: uint256 = block.timestamp - (loss & (2**64 - 1))
    refill: uint256 = budget_bps * (WAD // BPS) * elapsed // LOSS_WINDOW
    return spent - min(spent, refill)


@internal
def _charge(loss: uint256, nav: uint256, budget_bps: uint256):
    """
    @dev Add `loss` (USD) as a share of `nav`, rounded up, to the bucket; revert if it overflows the budget.
    """
    spent: uint256 = self._drained(budget_bps) + math._ceil_div(loss * WAD, nav)
    assert spent <= budget_bps * (WAD // BPS), "rebalance_policy: loss budget exceeded"
    self._loss = (spent << 64) | block.timestamp
    log LossCharged(loss=loss, nav=nav, spent=spent)


@internal
def _apply_limits(limits: vault_params.Limits):
    self._limits = self._pack_limits(limits)
    log LimitsSet(limits=limits)


@internal
@pure
def _check_limits(limits: vault_params.Limits):
    assert limits.max_slippage <= MAX_SLIPPAGE, "rebalance_policy: slippage above cap"
    assert limits.max_trade != 0 and limits.max_trade <= BPS, "rebalance_policy: bad trade size"
    assert limits.max_nav_loss <= MAX_NAV_LOSS, "rebalance_policy: nav loss above cap"
    assert limits.tolerance <= MAX_TOLERANCE, "rebalance_policy: tolerance above cap"
    assert limits.target_step <= BPS, "rebalance_policy: target step above cap"
    assert limits.cooldown <= MAX_COOLDOWN, "rebalance_policy: cooldown above cap"
    assert limits.cooldown >= MIN_COOLDOWN, "rebalance_policy: cooldown below floor"
    assert limits.loss_budget <= MAX_LOSS_BUDGET, "rebalance_policy: loss budget above cap"
    assert limits.target_period <= MAX_TARGET_PERIOD, "rebalance_policy: target period above cap"


@internal
@view
def _check_new_component(token: address, max_weight: uint256):
    """
    @dev The vault trusts its policy to add only a new contract, and only while the basket has room.
    """
    assert max_weight <= BPS, "rebalance_policy: bad bounds"
    assert token.is_contract, "rebalance_policy: component is not a contract"
    tokens: DynArray[address, MAX_COMPONENTS] = self._tokens()
    assert len(tokens) < MAX_COMPONENTS, "rebalance_policy: too many components"
    assert token not in tokens, "rebalance_policy: duplicate component"


@internal
@view
def _governance() -> address:
    return staticcall VAULT.governance()


@internal
@view
def _check_governance():
    assert msg.sender == self._governance(), "rebalance_policy: not governance"


@internal
@view
def _check_guardian():
    """
    @dev The vault's guardian, whose emergency powers are governance's too.
    """
    assert msg.sender == staticcall VAULT.guardian() or msg.sender == self._governance(), "rebalance_policy: not guardian"


@internal
@view
def _load_limits() -> vault_params.Limits:
    word: uint256 = self._limits
    return vault_params.Limits(
        max_slippage=word & BPS_MASK,
        max_trade=(word >> 16) & BPS_MASK,
        max_nav_loss=(word >> 32) & BPS_MASK,
        tolerance=(word >> 48) & BPS_MASK,
        cooldown=(word >> 80) & SECONDS_MASK,
        target_step=(word >> 64) & BPS_MASK,
        target_period=(word >> 112) & SECONDS_MASK,
        loss_budget=word >> 144,
    )


@internal
@pure
def _pack_limits(limits: vault_params.Limits) -> uint256:
    return (
        limits.max_slippage
        | (limits.max_trade << 16)
        | (limits.max_nav_loss << 32)
        | (limits.tolerance << 48)
        | (limits.target_step << 64)
        | (limits.cooldown << 80)
        | (limits.target_period << 112)
        | (limits.loss_budget << 144)
    )
