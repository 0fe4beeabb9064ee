# pragma version 0.4.3
"""
@title Index Vault
@license MIT
@notice An ERC-20 index token (with EIP-2612 permit) backed by a basket of
        ERC-20 components. Anyone may `mint` by paying every component in
        kind and `redeem` to receive them back; the basket is defined by
        *units*: the amount of each component behind 1e18 index tokens.
        Governance (two-step transfer) sets fees, the fee recipient and the
        guardian; the guardian may pause minting, never redeeming. Raising a
        fee is risk-increasing: it is proposed, waits the timelock delay in the
        open and only then executes; while any such change is queued, redeeming
        is fee-free so holders who disagree can leave. Lowering fees takes
        effect at once. Rebalancing goes through the vault's `RebalancePolicy`
        (created with it by `VaultFactory`, fixed for life): a keeper calls
        `rebalance`, the policy checks the keeper, the adapter and the trade
        against oracle prices, targets and limits, the vault swaps through the
        adapter and recomputes the two legs' units from its own accounting,
        and the policy checks the result. The policy may also add a component
        (unit 0) and remove a dust one; it can move no token otherwise.
@custom:security Accounting is by units, never by `balanceOf(self)`: tokens sent
                 to the vault outside `mint` change no unit and no claim (no
                 first-depositor / donation inflation attack); governance can
                 sweep them. A unit is a decimal float, `mantissa / 10**exponent`
                 per component (88 + 8 bits beside the token address), times a
                 fee multiplier kept in [1e20, 1e21) with one shared decimal
                 shift: a claim is `mantissa * multiplier * shares / 10**(exponent
                 + shift)`. Every recomputed unit (rebalance, skip) is rounded
                 once, down, at a mantissa of at least 1e20, so no operation
                 moves more than max(1 wei, 1e-18 of a component's total claim)
                 from holders to surplus, for 0-24 decimal tokens and supplies
                 from 1 wei to ~1e29 wei. Mint pays the claim rounded up, redeem
                 pays it rounded down, fee accrual lowers the multiplier rounding
                 down, a rebalance recomputes the sold leg from its claim minus
                 what left and the bought leg from its claim plus what arrived
                 (both by balance delta): every rounding favours the vault, so
                 `balance >= ceil(claim of all shares)` holds for each component.
                 Every incoming transfer is checked by balance delta, so
                 fee-on-transfer tokens revert; tokens that return no bool work,
                 tokens that return false revert. The views that read units are
                 locked while a state-changing call runs (no read-only
                 reentrancy mid-swap). Unsupported: rebasing tokens (a positive
                 rebase becomes sweepable surplus, a negative one leaves the
                 last redeemers short of that component; they can still leave
                 with `skip`), tokens whose balance exceeds ~1e41 wei, and
                 creation units above 2**88 - 1 (checked).
@custom:kill The guardian (or governance) can pause `mint`, and through the
             policy pause `rebalance` and revoke keepers. Nothing can pause
             `redeem`: a holder can always burn shares for the basket, and a
             component that cannot be transferred (frozen, blacklisted) can be
             named in `skip`, forfeiting only that component's share to the
             remaining holders.
"""

from ethereum.ercs import IERC20

from snekmate.auth import ownable
from snekmate.tokens import erc20

from .interfaces import IRebalancePolicy
from .interfaces import ISwapAdapter
from .interfaces import IUnitMath
from .modules import timelock


# snekmate's ERC-20 ledger; its `ownable` owner is the factory and guards nothing
# exported here, because minting and burning only happen through mint/redeem.
initializes: ownable
initializes: erc20[ownable := ownable]
# Risk-increasing changes wait `delay` in the open; while any is queued, redeeming is fee-free.
initializes: timelock


# The index token: ERC-20, EIP-2612 permit and EIP-5267 domain.
exports: (
    erc20.name,
    erc20.symbol,
    erc20.decimals,
    erc20.totalSupply,
    erc20.balanceOf,
    erc20.allowance,
    erc20.transfer,
    erc20.transferFrom,
    erc20.approve,
    erc20.permit,
    erc20.nonces,
    erc20.DOMAIN_SEPARATOR,
    erc20.eip712Domain,
)


# The timelock's view of queued changes, and `discard_expired` for anyone to clear a lapsed one. A change's id is
# keccak256(abi_encode(action, payload)) (the policy and the router export `change_id`; this blueprint has no room).
exports: (
    timelock.delay,
    timelock.eta,
    timelock.queued_count,
    timelock.discard_expired,
    timelock.MIN_DELAY,
    timelock.MAX_DELAY,
    timelock.GRACE_PERIOD,
)


MAX_COMPONENTS: constant(uint256) = 32
# Units are amounts per 1e18 index tokens (one whole share).
PRECISION: constant(uint256) = 10**18
# A unit is mantissa / 10**exponent; the mantissa fits in 88 bits beside the token address. Recomputed mantissas
# are rounded once at >= 1e20 (modules/unit_math.vy), so one rounding step is < 1e-20 of the claim.
MAX_UNIT: constant(uint256) = 2**88 - 1
# exponent + shift <= 58 + 19 = 77 keeps 10**(exponent + shift) below 2**256.
MAX_SHIFT: constant(uint256) = 19
# At creation a unit u is stored as (u, 38): at multiplier 1e20 its claim is u * shares / 1e18, exactly.
BASE_EXPONENT: constant(uint256) = 38
# The multiplier stays in [1e20, 1e21): when fees take it below, it is scaled up 10x and the shared shift rises by
# one (claims unchanged, exactly), so its rounding is always < 1e-20 of every claim.
MULTIPLIER_MIN: constant(uint256) = 10**20
# mantissa(88 bits) * multiplier(70) * amount(97 with fee) < 2**255 in mint.
MAX_MINT_AMOUNT: constant(uint256) = 2**96 - 1

BPS: constant(uint256) = 10_000
YEAR: constant(uint256) = 365 * 86_400
# Hard caps no governance can exceed.
MAX_MANAGEMENT_FEE: constant(uint256) = 500  # 5 % a year
MAX_MINT_FEE: constant(uint256) = 100  # 1 %
MAX_REDEEM_FEE: constant(uint256) = 100  # 1 %
# Fee accrual caps f = fee * elapsed / year at 1/2, so a vault left idle for
# decades never mints an unbounded number of fee shares (f / (1 - f) <= 1).
MAX_FEE_TIME: constant(uint256) = BPS * YEAR // 2

ADDRESS_MASK: constant(uint256) = 2**160 - 1


struct Hot:
    multiplier: uint256
    last_accrual: uint256
    count: uint256
    management_fee: uint256
    mint_fee: uint256
    redeem_fee: uint256
    mint_paused: bool
    exp_shift: uint256


# Everything mint and redeem need besides the components, in one slot so they
# pay one cold read for it (saves ~6,300 gas a call over separate slots):
# shift(8) | mint_paused(8) | redeem_fee(16) | mint_fee(16) | management_fee(16) | count(8) | last_accrual(40)
# | multiplier(72)
_hot: uint256

# mantissa(88) | exponent(8) | token(160) per component: one cold slot read per component in mint and redeem
# (2,100 gas per component less than separate token and unit slots). A claim of `shares` is
# mantissa * multiplier * shares / 10**(exponent + shift); fee accrual changes only the multiplier and shift.
_components: uint256[MAX_COMPONENTS]

governance: public(address)
pending_governance: public(address)
guardian: public(address)
fee_recipient: public(address)
# Checks every rebalance and may add or remove components; set once, by the factory.
policy: public(IRebalancePolicy)


event Minted:
    sender: indexed(address)
    receiver: indexed(address)
    amount: uint256
    fee: uint256

event Redeemed:
    sender: indexed(address)
    receiver: indexed(address)
    amount: uint256
    fee: uint256
    skipped: DynArray[address, MAX_COMPONENTS]

event FeeAccrued:
    recipient: indexed(address)
    shares: uint256
    multiplier: uint256

event Rebalanced:
    keeper: indexed(address)
    sell: indexed(address)
    buy: indexed(address)
    adapter: address
    amount_in: uint256
    amount_out: uint256
    value_in: uint256  # USD (18 decimals) of what was sold, at the oracle price the policy checked

event ComponentAdded:
    token: indexed(address)

event ComponentRemoved:
    token: indexed(address)
    remainder: uint256
    receiver: indexed(address)

event PolicySet:
    policy: indexed(address)

event ClaimForfeited:
    token: indexed(address)
    mantissa: uint256
    exponent: uint256

event Swept:
    token: indexed(address)
    receiver: indexed(address)
    amount: uint256

event FeesSet:
    management_fee: uint256
    mint_fee: uint256
    redeem_fee: uint256

event FeeRecipientSet:
    fee_recipient: indexed(address)

event GuardianSet:
    guardian: indexed(address)

event GovernanceTransferStarted:
    governance: indexed(address)
    pending_governance: indexed(address)

event GovernanceTransferred:
    previous_governance: indexed(address)
    governance: indexed(address)

event MintPaused:
    by: indexed(address)

event MintUnpaused:
    by: indexed(address)


@deploy
def __init__(
    name: String[25],
    symbol: String[5],
    components: DynArray[address, MAX_COMPONENTS],
    units: DynArray[uint256, MAX_COMPONENTS],
    governance: address,
    guardian: address,
    fee_recipient: address,
    management_fee: uint256,
    mint_fee: uint256,
    redeem_fee: uint256,
    timelock_delay: uint256,
):
    """
    @notice Create the index with its initial basket. `units[i]` is the amount
            of `components[i]` (in its own smallest unit) behind 1e18 index tokens.
    @dev All input checks live here, so a vault made by the factory and one
         deployed directly from the blueprint are held to the same rules.
    """
    assert len(components) != 0, "index_vault: no components"
    assert len(units) == len(components), "index_vault: units length mismatch"
    assert governance != empty(address), "index_vault: zero governance"
    assert fee_recipient != empty(address), "index_vault: zero fee recipient"
    self._check_fees(management_fee, mint_fee, redeem_fee)

    for i: uint256 in range(len(components), bound=MAX_COMPONENTS):
        token: address = components[i]
        assert token != empty(address), "index_vault: zero address component"
        assert token.is_contract, "index_vault: component is not a contract"
        for j: uint256 in range(i, bound=MAX_COMPONENTS):
            assert components[j] != token, "index_vault: duplicate component"
        assert units[i] != 0, "index_vault: zero unit"
        assert units[i] <= MAX_UNIT, "index_vault: unit too large"
        self._components[i] = self._pack(token, units[i], BASE_EXPONENT)

    self._store_hot(
        Hot(
            multiplier=MULTIPLIER_MIN,
            last_accrual=block.timestamp,
            count=len(components),
            management_fee=management_fee,
            mint_fee=mint_fee,
            redeem_fee=redeem_fee,
            mint_paused=False,
            exp_shift=0,
        )
    )
    self.governance = governance
    self.guardian = guardian
    self.fee_recipient = fee_recipient

    timelock.__init__(timelock_delay)
    ownable.__init__()
    erc20.__init__(name, symbol, 18, name, "1")


@external
@nonreentrant
def mint(amount: uint256, receiver: address):
    """
    @notice Mint `amount` index tokens to `receiver`. The caller pays, for each
            component, ceil(unit * (amount + mint fee) / 1e18), pulled with
            `transferFrom` (approve the vault first); the mint fee, in index
            tokens, goes to the fee recipient.
    @dev Components with a zero unit (added, not bought into yet) are not
         pulled. Reverts if minting is paused, if any component would be paid less
         than one whole wei of its exact share (the price would be mostly
         rounding), or if a component arrives short (fee-on-transfer).
    @param amount Index tokens to mint to `receiver`, 18 decimals.
    @param receiver The account credited with the new index tokens.
    """
    assert amount != 0, "index_vault: zero amount"
    assert amount <= MAX_MINT_AMOUNT, "index_vault: amount too large"
    self._check_receiver(receiver)
    hot: Hot = self._accrue()
    assert not hot.mint_paused, "index_vault: mint paused"

    fee: uint256 = self._fee(amount, hot.mint_fee)
    # unsafe: amount + fee < 2**97 and multiplier < 1e21 < 2**70, so scaled < 2**167.
    scaled: uint256 = unsafe_mul(unsafe_add(amount, fee), hot.multiplier)
    for i: uint256 in range(hot.count, bound=MAX_COMPONENTS):
        packed: uint256 = self._components[i]
        mantissa: uint256 = packed >> 168
        if mantissa == 0:
            continue  # added at weight 0 and not bought into yet: nothing is owed
        # unsafe: mantissa < 2**88, so the exact claim < 2**255; exponent + shift <= 77, so the scale < 2**256.
        exact: uint256 = unsafe_mul(mantissa, scaled)
        scale: uint256 = pow_mod256(10, unsafe_add((packed >> 160) & 255, hot.exp_shift))
        assert exact >= scale, "index_vault: mint rounds to zero"
        # Round up: the vault never receives less than the exact claim it issues.
        self._pull(self._token(packed), unsafe_div(unsafe_add(exact, unsafe_sub(scale, 1)), scale))

    # Shares exist only once every component has arrived.
    erc20._mint(receiver, amount)
    if fee != 0:
        erc20._mint(self.fee_recipient, fee)
    log Minted(sender=msg.sender, receiver=receiver, amount=amount, fee=fee)


@external
@nonreentrant
def redeem(amount: uint256, receiver: address, skip: DynArray[address, MAX_COMPONENTS]):
    """
    @notice Burn `amount` of the caller's index tokens and send `receiver`
            floor(unit * (amount - redeem fee) / 1e18) of every component.
            Never paused. Components listed in `skip` are not sent: the caller
            explicitly forfeits that share to the remaining holders (use it when
            a component is frozen or blacklists the receiver).
    @dev Reverts if a component that is not skipped would pay zero: the caller
         must opt in to losing it by skipping it. Each entry of `skip` must be a
         component, listed once.
    @param amount Index tokens to give up, 18 decimals; the redeem fee part
           goes to the fee recipient, the rest is burned.
    @param receiver The account that receives the components.
    @param skip Components not to send.
    """
    assert amount != 0, "index_vault: zero amount"
    self._check_receiver(receiver)
    hot: Hot = self._accrue()
    supply: uint256 = erc20.totalSupply

    fee: uint256 = self._redeem_fee(amount, hot.redeem_fee)
    burned: uint256 = amount - fee
    # Effects before interactions: the shares are gone before any component leaves.
    if fee != 0:
        erc20._transfer(msg.sender, self.fee_recipient, fee)
    erc20._burn(msg.sender, burned)

    scaled: uint256 = burned * hot.multiplier
    skipped: uint256 = 0
    for i: uint256 in range(hot.count, bound=MAX_COMPONENTS):
        packed: uint256 = self._components[i]
        token: address = self._token(packed)
        if token in skip:
            skipped += 1
            self._forfeit(i, packed, supply, burned)
            continue
        mantissa: uint256 = packed >> 168
        if mantissa == 0:
            continue  # nothing held yet
        exact: uint256 = mantissa * scaled
        # unsafe: exponent + shift <= 77, so the scale < 2**256.
        scale: uint256 = pow_mod256(10, unsafe_add((packed >> 160) & 255, hot.exp_shift))
        assert exact >= scale, "index_vault: redeem rounds to zero"
        # Round down: the vault never pays more than the exact claim it burns.
        self._push(token, receiver, unsafe_div(exact, scale))
    assert skipped == len(skip), "index_vault: skip lists a non-component"
    log Redeemed(sender=msg.sender, receiver=receiver, amount=amount, fee=fee, skipped=skip)


@external
@nonreentrant
def sweep(token: address, receiver: address) -> uint256:
    """
    @notice Send `receiver` whatever the vault holds of `token` beyond all
            holders' claims: donations, tokens sent by mistake, positive
            rebases, forfeited shares nobody is left to receive. Governance only.
    @dev For a component the kept amount is ceil(unit * supply / 1e18) at the
         accrued multiplier, so no claim can be touched.
    @return The amount sent.
    """
    self._check_governance()
    self._check_receiver(receiver)
    hot: Hot = self._accrue()
    claim: uint256 = 0
    for i: uint256 in range(hot.count, bound=MAX_COMPONENTS):
        packed: uint256 = self._components[i]
        if self._token(packed) == token:
            claim = self._claim(packed, erc20.totalSupply * hot.multiplier, hot.exp_shift, True)
    balance: uint256 = staticcall IERC20(token).balanceOf(self)
    assert balance > claim, "index_vault: nothing to sweep"
    surplus: uint256 = unsafe_sub(balance, claim)
    self._push(token, receiver, surplus)
    log Swept(token=token, receiver=receiver, amount=surplus)
    return surplus


@external
@nonreentrant
def rebalance(
    sell: address, buy: address, amount_in: uint256, min_out: uint256, adapter: address, data: Bytes[1024]
) -> uint256:
    """
    @notice Sell exactly `amount_in` of the overweight component `sell` for at
            least `min_out` of the underweight component `buy` through an
            allow-listed `adapter`. Keepers only (as the policy lists them).
            Before the swap the policy checks, at oracle prices, that `sell` is
            above and `buy` below target, that `min_out` is worth at least
            (1 - max_slippage) of what is sold, the trade size and the
            cooldown; after it, that neither leg ended past its target by more
            than the tolerance and that the value lost is within the cap.
    @param sell The component sold.
    @param buy The component bought.
    @param amount_in The exact amount of `sell` to sell, at most what all holders own of it.
    @param min_out The least `buy` to accept, measured by the vault's balance delta.
    @param adapter The swap adapter (`ISwapAdapter`), allow-listed by the policy.
    @param data Routing for the adapter (for Uniswap V2, `abi_encode(path)`).
    @return The amount of `buy` received.
    """
    policy: IRebalancePolicy = self.policy
    assert policy.address != empty(address), "index_vault: no policy"
    assert amount_in != 0, "index_vault: zero amount"
    assert sell != buy, "index_vault: sell is buy"
    hot: Hot = self._accrue()
    supply: uint256 = erc20.totalSupply
    assert supply != 0, "index_vault: empty vault"
    s: uint256 = self._index_of(sell, hot.count)
    b: uint256 = self._index_of(buy, hot.count)
    scaled: uint256 = supply * hot.multiplier
    tokens: DynArray[address, MAX_COMPONENTS] = []
    held: DynArray[uint256, MAX_COMPONENTS] = []
    tokens, held = self._claims(hot.count, scaled, hot.exp_shift)
    assert amount_in <= held[s], "index_vault: sell exceeds holdings"

    # Reverts with the policy's reason unless the keeper, adapter, path and trade are within its limits. The
    # policy values what holders own from the claims passed here: the vault's own views are locked until the end.
    value_in: uint256 = 0
    nav_before: uint256 = 0
    value_in, nav_before = staticcall policy.check_trade(
        msg.sender, sell, buy, amount_in, min_out, adapter, data, tokens, held
    )
    received: uint256 = self._swap(sell, buy, amount_in, min_out, adapter, data)
    assert received >= min_out, "index_vault: received below min_out"

    # New units from the claims, not from balances: the sold leg's claim shrinks by at least `amount_in` and the
    # bought leg's grows by at most `received` (each rounded once, down), so no claim can exceed what the vault holds.
    # The arithmetic lives in the factory that created this vault (its `owner`, fixed for life), to keep this
    # blueprint within EIP-170.
    unit_math: IUnitMath = IUnitMath(ownable.owner)
    packed: uint256 = self._components[s]
    mantissa: uint256 = 0
    exponent: uint256 = 0
    mantissa, exponent = staticcall unit_math.sold_unit(
        packed >> 168, (packed >> 160) & 255, scaled, hot.exp_shift, amount_in
    )
    self._components[s] = self._pack(sell, mantissa, exponent)
    packed = self._components[b]
    mantissa, exponent = staticcall unit_math.bought_unit(
        packed >> 168, (packed >> 160) & 255, scaled, hot.exp_shift, received
    )
    self._components[b] = self._pack(buy, mantissa, exponent)

    # The policy checks the result on holders' claims (overshoot, value lost, loss budget) and starts the cooldown.
    tokens, held = self._claims(hot.count, scaled, hot.exp_shift)
    extcall policy.record_trade(sell, buy, tokens, held, nav_before)
    log Rebalanced(
        keeper=msg.sender,
        sell=sell,
        buy=buy,
        adapter=adapter,
        amount_in=amount_in,
        amount_out=received,
        value_in=value_in,
    )
    return received


@external
@nonreentrant
def add_component(token: address):
    """
    @notice Append `token` to the basket with unit 0: nobody owes or is owed
            any until a rebalance buys into it. Policy only, after its
            timelock and its checks (a new contract, not yet a component,
            room in the basket).
    @dev Even so, a 33rd component would index past `_components` and revert.
    """
    self._check_policy()
    hot: Hot = self._load_hot()
    self._components[hot.count] = self._pack(token, 0, 0)
    hot.count += 1
    self._store_hot(hot)
    log ComponentAdded(token=token)


@external
@nonreentrant
def remove_component(token: address) -> uint256:
    """
    @notice Drop `token` from the basket; the last component takes its place.
            The vault's whole balance of it goes to the fee recipient. Policy
            only, once the policy has checked that what holders own of it is
            dust.
    @return The amount sent to the fee recipient.
    """
    self._check_policy()
    hot: Hot = self._load_hot()
    assert hot.count > 1, "index_vault: last component"
    index: uint256 = self._index_of(token, hot.count)
    last: uint256 = hot.count - 1
    self._components[index] = self._components[last]
    self._components[last] = 0
    hot.count = last
    self._store_hot(hot)
    remainder: uint256 = staticcall IERC20(token).balanceOf(self)
    receiver: address = self.fee_recipient
    if remainder != 0:
        self._push(token, receiver, remainder)
    log ComponentRemoved(token=token, remainder=remainder, receiver=receiver)
    return remainder


@external
def set_policy(policy: address):
    """
    @notice Link the vault to its rebalance policy, once. The vault's creator
            (the factory) only, right after creating both.
    """
    assert msg.sender == ownable.owner, "index_vault: not creator"
    assert self.policy.address == empty(address), "index_vault: policy already set"
    assert policy.is_contract, "index_vault: policy is not a contract"
    self.policy = IRebalancePolicy(policy)
    log PolicySet(policy=policy)


@external
@nonreentrant
def set_fees(management_fee: uint256, mint_fee: uint256, redeem_fee: uint256):
    """
    @notice Lower (or keep) the management fee (bps a year), the mint fee and
            the redeem fee (bps of the amount), at once. Governance only. Raising
            any of them goes through `propose_fees` and the timelock.
    """
    self._check_governance()
    hot: Hot = self._load_hot()
    assert (
        management_fee <= hot.management_fee and mint_fee <= hot.mint_fee and redeem_fee <= hot.redeem_fee
    ), "index_vault: fee increase needs timelock"
    self._apply_fees(management_fee, mint_fee, redeem_fee)


@external
@nonreentrant
def propose_fees(management_fee: uint256, mint_fee: uint256, redeem_fee: uint256) -> bytes32:
    """
    @notice Queue new fees (any of them higher) behind the timelock: executable
            by governance after `delay()`, for `GRACE_PERIOD()`. Until it is
            executed, cancelled or discarded, redeeming is fee-free.
    @return The change id, for `execute_fees` watchers and `cancel`.
    """
    self._check_governance()
    self._check_fees(management_fee, mint_fee, redeem_fee)
    return timelock._queue("set_fees", abi_encode(management_fee, mint_fee, redeem_fee))


@external
@nonreentrant
def execute_fees(management_fee: uint256, mint_fee: uint256, redeem_fee: uint256):
    """
    @notice Apply fees queued by `propose_fees` once the delay has passed.
            Governance only. The old management fee is accrued up to this block first.
    """
    self._check_governance()
    timelock._execute("set_fees", abi_encode(management_fee, mint_fee, redeem_fee))
    self._apply_fees(management_fee, mint_fee, redeem_fee)


@external
@nonreentrant
def cancel(change_id: bytes32):
    """
    @notice Drop a queued change. Governance, or the guardian as an emergency brake.
    """
    self._check_guardian()
    timelock._cancel(change_id)


@external
@nonreentrant
def set_fee_recipient(fee_recipient: address):
    """
    @notice Change who receives fees. Governance only. Fees accrued so far go
            to the old recipient.
    """
    self._check_governance()
    assert fee_recipient != empty(address), "index_vault: zero fee recipient"
    self._accrue()
    self.fee_recipient = fee_recipient
    log FeeRecipientSet(fee_recipient=fee_recipient)


@external
@nonreentrant
def set_guardian(guardian: address):
    """
    @notice Appoint the guardian, who may pause minting; zero removes it.
            Governance only.
    """
    self._check_governance()
    self.guardian = guardian
    log GuardianSet(guardian=guardian)


@external
@nonreentrant
def pause_mint():
    """
    @notice Stop new mints (an emergency brake). Guardian or governance.
            Redeeming is never affected.
    """
    self._check_guardian()
    hot: Hot = self._load_hot()
    hot.mint_paused = True
    self._store_hot(hot)
    log MintPaused(by=msg.sender)


@external
@nonreentrant
def unpause_mint():
    """
    @notice Allow mints again. Governance only: the guardian can stop, not restart.
    """
    self._check_governance()
    hot: Hot = self._load_hot()
    hot.mint_paused = False
    self._store_hot(hot)
    log MintUnpaused(by=msg.sender)


@external
@nonreentrant
def transfer_governance(new_governance: address):
    """
    @notice Start handing governance to `new_governance`, who must call
            `accept_governance`. Zero cancels a pending transfer. Governance only.
    """
    self._check_governance()
    self.pending_governance = new_governance
    log GovernanceTransferStarted(governance=msg.sender, pending_governance=new_governance)


@external
@nonreentrant
def accept_governance():
    """
    @notice Complete a governance transfer. Pending governance only.
    """
    assert msg.sender == self.pending_governance, "index_vault: not pending governance"
    previous: address = self.governance
    self.governance = msg.sender
    self.pending_governance = empty(address)
    log GovernanceTransferred(previous_governance=previous, governance=msg.sender)


# The views below read units; they are locked while any state-changing call runs, so nothing can read a basket
# whose tokens have moved (mid-swap in `rebalance`) but whose units have not been recomputed yet.


@external
@view
@nonreentrant
def basket() -> (DynArray[address, MAX_COMPONENTS], DynArray[uint256, MAX_COMPONENTS]):
    """
    @notice The components and their units (amount behind 1e18 index tokens,
            rounded down), with management fees accrued up to this block.
    """
    hot: Hot = self._accrued_hot()
    return self._claims(hot.count, PRECISION * hot.multiplier, hot.exp_shift)


@external
@view
@nonreentrant
def holdings() -> (DynArray[address, MAX_COMPONENTS], DynArray[uint256, MAX_COMPONENTS]):
    """
    @notice Each component and how much of it all holders own together (the
            claim of the whole supply, rounded down, fees accrued to this
            block): the basis of NAV, never `balanceOf`.
    """
    hot: Hot = self._accrued_hot()
    return self._claims(hot.count, erc20.totalSupply * hot.multiplier, hot.exp_shift)


@external
@view
@nonreentrant
def preview_mint(amount: uint256) -> DynArray[uint256, MAX_COMPONENTS]:
    """
    @notice What `mint(amount, ...)` in this block pulls of each component,
            mint fee included, in `basket()` order.
    """
    hot: Hot = self._accrued_hot()
    scaled: uint256 = (amount + self._fee(amount, hot.mint_fee)) * hot.multiplier
    owed: DynArray[uint256, MAX_COMPONENTS] = []
    for i: uint256 in range(hot.count, bound=MAX_COMPONENTS):
        owed.append(self._claim(self._components[i], scaled, hot.exp_shift, True))
    return owed


@external
@view
@nonreentrant
def preview_redeem(amount: uint256) -> DynArray[uint256, MAX_COMPONENTS]:
    """
    @notice What `redeem(amount, ...)` in this block pays of each component
            after the redeem fee (none while a change is queued), in `basket()`
            order, none skipped.
    """
    hot: Hot = self._accrued_hot()
    scaled: uint256 = (amount - self._redeem_fee(amount, hot.redeem_fee)) * hot.multiplier
    paid: DynArray[uint256, MAX_COMPONENTS] = []
    for i: uint256 in range(hot.count, bound=MAX_COMPONENTS):
        paid.append(self._claim(self._components[i], scaled, hot.exp_shift, False))
    return paid


@external
@view
def pending_fee_shares() -> uint256:
    """
    @notice Index tokens the fee recipient would receive if fees accrued now.
    """
    hot: Hot = self._load_hot()
    if hot.last_accrual == block.timestamp or hot.management_fee == 0:
        return 0
    return self._fee_shares(hot, erc20.totalSupply)


@external
@view
def multiplier() -> uint256:
    """
    @notice The fee multiplier, 1e18-scaled (1e18 at creation, lowered by
            management fees), accrued up to this block and rounded down.
    """
    hot: Hot = self._accrued_hot()
    return hot.multiplier // pow_mod256(10, 2 + hot.exp_shift)


@external
@view
def last_accrual() -> uint256:
    """
    @notice Timestamp up to which the management fee has been charged.
    """
    return self._load_hot().last_accrual


@external
@view
def fees() -> (uint256, uint256, uint256):
    """
    @notice (management fee in bps a year, mint fee in bps, redeem fee in bps).
    """
    hot: Hot = self._load_hot()
    return hot.management_fee, hot.mint_fee, hot.redeem_fee


@external
@view
def mint_paused() -> bool:
    """
    @notice Whether minting is paused. Redeeming never is.
    """
    return self._load_hot().mint_paused


@external
@view
def component_count() -> uint256:
    """
    @notice Number of components in the basket.
    """
    return self._load_hot().count


@internal
def _accrue() -> Hot:
    """
    @dev Charge the management fee for the time since the last accrual, at most
         once a block, by minting fee shares and lowering the multiplier so that
         no component's total claim grows. Stores and returns the hot state.
         The clock always moves to now: a share pays only for the time it
         existed, so time a dust supply could not pay for (less than one fee
         share) is forgiven, never charged to the next depositor.
    """
    hot: Hot = self._load_hot()
    if hot.last_accrual == block.timestamp or hot.management_fee == 0:
        # A fee-free vault keeps its old timestamp (saves a 2,900-gas store per block); a new fee starts at its own
        # `_apply_fees` timestamp, never back-charged.
        return hot
    supply: uint256 = erc20.totalSupply
    shares: uint256 = self._fee_shares(hot, supply)
    hot = self._diluted(hot, supply, shares)
    hot.last_accrual = block.timestamp
    self._store_hot(hot)
    if shares != 0:
        recipient: address = self.fee_recipient
        erc20._mint(recipient, shares)
        log FeeAccrued(recipient=recipient, shares=shares, multiplier=hot.multiplier)
    return hot


@internal
@view
def _accrued_hot() -> Hot:
    """
    @dev The hot state as `_accrue` would leave it in this block, for views.
    """
    hot: Hot = self._load_hot()
    if hot.last_accrual != block.timestamp and hot.management_fee != 0:
        supply: uint256 = erc20.totalSupply
        hot = self._diluted(hot, supply, self._fee_shares(hot, supply))
    return hot


@internal
@pure
def _diluted(hot: Hot, supply: uint256, shares: uint256) -> Hot:
    """
    @dev Lower the multiplier by supply / (supply + shares), rounded down (claims
         per share shrink by at least the fee), and scale it back into
         [1e20, 1e21) with the shared shift (exact: every claim is unchanged).
    """
    if shares == 0:
        return hot
    result: Hot = hot
    result.multiplier = hot.multiplier * supply // (supply + shares)
    # Fees take at most half per accrual, so one 10x step restores the range. After MAX_SHIFT steps (centuries at
    # the fee cap) the multiplier is left to shrink: claims stay exact, only their precision thins.
    if result.multiplier < MULTIPLIER_MIN and result.exp_shift < MAX_SHIFT:
        result.multiplier *= 10
        result.exp_shift += 1
    return result


@internal
@view
def _fee_shares(hot: Hot, supply: uint256) -> uint256:
    """
    @dev supply * f / (1 - f) with f = fee * elapsed / year (capped at 1/2),
         rounded down: the recipient then owns exactly f of the new supply.
    """
    fee_time: uint256 = min(hot.management_fee * (block.timestamp - hot.last_accrual), MAX_FEE_TIME)
    return supply * fee_time // (BPS * YEAR - fee_time)


@internal
def _forfeit(index: uint256, packed: uint256, supply: uint256, burned: uint256):
    """
    @dev Spread a skipped component's share of `burned` over the remaining
         supply: the unit grows by supply / remaining, rounded down once, so the
         remaining holders' claim keeps the whole forfeited amount (to within
         1e-19 of it) and never exceeds what the vault holds. When nobody
         remains, the tokens stay as sweepable surplus.
    """
    remaining: uint256 = supply - burned
    # A vault deployed straight from the blueprint by an account has no factory to do its unit arithmetic: its
    # skipped tokens stay as surplus, and redeem still works.
    if remaining == 0 or packed >> 168 == 0 or not ownable.owner.is_contract:
        return
    mantissa: uint256 = 0
    exponent: uint256 = 0
    mantissa, exponent = staticcall IUnitMath(ownable.owner).forfeited_unit(
        packed >> 168, (packed >> 160) & 255, supply, remaining
    )
    token: address = self._token(packed)
    self._components[index] = self._pack(token, mantissa, exponent)
    log ClaimForfeited(token=token, mantissa=mantissa, exponent=exponent)


@internal
def _pull(token: address, amount: uint256):
    """
    @dev Take `amount` of `token` from the caller and check that exactly that
         much arrived (fee-on-transfer and other short-changing tokens revert).
    """
    before: uint256 = staticcall IERC20(token).balanceOf(self)
    assert extcall IERC20(token).transferFrom(
        msg.sender, self, amount, default_return_value=True
    ), "index_vault: transfer failed"
    assert staticcall IERC20(token).balanceOf(self) == before + amount, "index_vault: transfer amount mismatch"


@internal
def _push(token: address, receiver: address, amount: uint256):
    """
    @dev Send `amount` of `token`; tokens that return nothing count as success,
         tokens that return false revert.
    """
    assert extcall IERC20(token).transfer(receiver, amount, default_return_value=True), "index_vault: transfer failed"


@internal
@pure
def _claim(packed: uint256, scaled: uint256, exp_shift: uint256, round_up: bool) -> uint256:
    """
    @dev mantissa * scaled / 10**(exponent + shift) where scaled = shares * multiplier.
    """
    exact: uint256 = (packed >> 168) * scaled
    scale: uint256 = pow_mod256(10, ((packed >> 160) & 255) + exp_shift)
    if round_up:
        return (exact + scale - 1) // scale
    return exact // scale


@internal
def _apply_fees(management_fee: uint256, mint_fee: uint256, redeem_fee: uint256):
    """
    @dev Accrue at the old management fee, then store the new fees.
    """
    hot: Hot = self._accrue()
    # The new rate runs from now: time not yet charged (a zero old rate) is never back-charged.
    hot.last_accrual = block.timestamp
    hot.management_fee = management_fee
    hot.mint_fee = mint_fee
    hot.redeem_fee = redeem_fee
    self._store_hot(hot)
    log FeesSet(management_fee=management_fee, mint_fee=mint_fee, redeem_fee=redeem_fee)


@internal
@view
def _redeem_fee(amount: uint256, fee_bps: uint256) -> uint256:
    """
    @dev The redeem fee, waived while any change is queued here, in the
         policy or in the policy's oracle router: holders who disagree with a
         pending change leave for free.
         The queues are read only when there is a fee to waive, so fee-free
         vaults pay nothing for them.
    """
    if fee_bps == 0 or timelock.queued_count != 0:
        return 0
    policy: IRebalancePolicy = self.policy
    if policy.address != empty(address) and staticcall policy.changes_queued():
        return 0
    return self._fee(amount, fee_bps)


@internal
@pure
def _fee(amount: uint256, fee_bps: uint256) -> uint256:
    """
    @dev A mint or redeem fee in index tokens, rounded up in the vault's favour.
    """
    return (amount * fee_bps + BPS - 1) // BPS


@internal
@view
def _check_receiver(receiver: address):
    assert receiver != empty(address), "index_vault: zero receiver"
    assert receiver != self, "index_vault: receiver is the vault"


@internal
@view
def _claims(
    count: uint256, scaled: uint256, exp_shift: uint256
) -> (DynArray[address, MAX_COMPONENTS], DynArray[uint256, MAX_COMPONENTS]):
    """
    @dev Each component and its claim rounded down, where scaled = shares * multiplier.
    """
    tokens: DynArray[address, MAX_COMPONENTS] = []
    claims: DynArray[uint256, MAX_COMPONENTS] = []
    for i: uint256 in range(count, bound=MAX_COMPONENTS):
        packed: uint256 = self._components[i]
        tokens.append(self._token(packed))
        claims.append(self._claim(packed, scaled, exp_shift, False))
    return tokens, claims


@internal
def _swap(sell: address, buy: address, amount_in: uint256, min_out: uint256, adapter: address, data: Bytes[1024]) -> uint256:
    """
    @dev Let `adapter` take exactly `amount_in` of `sell` and return the amount
         of `buy` that arrived, both measured by balance delta. The allowance
         is for exactly `amount_in`, so a correct adapter spends it to zero.
    """
    sell_before: uint256 = staticcall IERC20(sell).balanceOf(self)
    buy_before: uint256 = staticcall IERC20(buy).balanceOf(self)
    assert extcall IERC20(sell).approve(adapter, amount_in, default_return_value=True), "index_vault: approve failed"
    extcall ISwapAdapter(adapter).swap(sell, buy, amount_in, min_out, data)
    assert sell_before - staticcall IERC20(sell).balanceOf(self) == amount_in, "index_vault: sell amount mismatch"
    return staticcall IERC20(buy).balanceOf(self) - buy_before


@internal
@view
def _index_of(token: address, count: uint256) -> uint256:
    for i: uint256 in range(count, bound=MAX_COMPONENTS):
        if self._token(self._components[i]) == token:
            return i
    raise "index_vault: not a component"


@internal
@view
def _check_policy():
    assert msg.sender == self.policy.address, "index_vault: not policy"


@internal
@view
def _check_governance():
    assert msg.sender == self.governance, "index_vault: not governance"


@internal
@view
def _check_guardian():
    """
    @dev The guardian's emergency powers are governance's too.
    """
    assert msg.sender == self.guardian or msg.sender == self.governance, "index_vault: not guardian"


@internal
@pure
def _check_fees(management_fee: uint256, mint_fee: uint256, redeem_fee: uint256):
    assert management_fee <= MAX_MANAGEMENT_FEE, "index_vault: management fee above cap"
    assert mint_fee <= MAX_MINT_FEE, "index_vault: mint fee above cap"
    assert redeem_fee <= MAX_REDEEM_FEE, "index_vault: redeem fee above cap"


@internal
@view
def _load_hot() -> Hot:
    word: uint256 = self._hot
    return Hot(
        multiplier=word & (2**72 - 1),
        last_accrual=(word >> 72) & (2**40 - 1),
        count=(word >> 112) & (2**8 - 1),
        management_fee=(word >> 120) & (2**16 - 1),
        mint_fee=(word >> 136) & (2**16 - 1),
        redeem_fee=(word >> 152) & (2**16 - 1),
        mint_paused=(word >> 168) & 1 == 1,
        exp_shift=word >> 176,
    )


@internal
def _store_hot(hot: Hot):
    self._hot = (
        hot.multiplier
        | (hot.last_accrual << 72)
        | (hot.count << 112)
        | (hot.management_fee << 120)
        | (hot.mint_fee << 136)
        | (hot.redeem_fee << 152)
        | (convert(hot.mint_paused, uint256) << 168)
        | (hot.exp_shift << 176)
    )


@internal
@pure
def _pack(token: address, mantissa: uint256, exponent: uint256) -> uint256:
    return (mantissa << 168) | (exponent << 160) | convert(token, uint256)


@internal
@pure
def _token(packed: uint256) -> address:
    return convert(convert(packed & ADDRESS_MASK, uint160), address)
