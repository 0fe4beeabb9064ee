# pragma version 0.4.3
"""
@title Compliance Rules
@license MIT
@notice The rulebook of one `CompliantIndex` (ERC-3643's "compliance"
        contract): which wallets may receive its shares, read from an
        `IdentityRegistry` (registered, identity unexpired, country not
        blocked, not frozen), how many investor identities may hold and how
        much each identity may hold over all its wallets, and how long newly
        minted shares are locked up. It keeps the per-identity balances and
        the holder count, the frozen wallets, the lock-ups, the one zap allowed
        to receive shares (to redeem them) and pending wallet recoveries. Only
        its index calls it: the index asks before every mint, transfer and
        redeem to another address (the call reverts with the ERC-1404 message
        of the first rule broken) and forwards its governance's, guardian's
        and agents' calls with the caller's address, checked here (agents) or
        there (governance, guardian).
@custom:security Tightening a rule takes effect at once; loosening one (a new
                 registry, an unblocked country, a higher or no limit, a
                 shorter lock-up) and a new zap wait the timelock in the open.
                 A recovery moves a lost wallet's shares only to another wallet
                 of the same identity, after the timelock, announced by
                 `RecoveryProposed`; the holder or an agent can cancel it, and
                 the holder can always redeem first. Identity balances count a
                 wallet under the identity it had when it first received, so the
                 sums stay exact if the registry later moves the wallet. The
                 zap holds shares only inside its own redeem call and counts
                 under no identity.
@custom:kill Nothing here can stop a holder from redeeming to its own address:
             the index does not ask the rules for that.
"""

from .interfaces import IIdentityRegistry
from .modules import timelock
from .modules import vault_params


# Loosened rules, a new zap and wallet recoveries wait `delay` in the open.
initializes: timelock


# The queue: each change's eta, its id, and `discard_expired` for anyone to clear a lapsed one.
exports: (timelock.delay, timelock.eta, timelock.queued_count, timelock.discard_expired, timelock.change_id)


MAX_BLOCKED: constant(uint256) = vault_params.MAX_BLOCKED_COUNTRIES
MASK_64: constant(uint256) = 2**64 - 1

# ERC-1404 restriction codes; `message` words each.
OK: constant(uint8) = 0
SENDER_FROZEN: constant(uint8) = 1
SENDER_LOCKED: constant(uint8) = 2
RECIPIENT_FROZEN: constant(uint8) = 3
RECIPIENT_NOT_VERIFIED: constant(uint8) = 4
RECIPIENT_COUNTRY_BLOCKED: constant(uint8) = 5
HOLDER_LIMIT: constant(uint8) = 6
BALANCE_LIMIT: constant(uint8) = 7


# The index these rules belong to, for life; every state change comes through it.
INDEX: public(immutable(address))

registry: public(IIdentityRegistry)
_blocked_countries: DynArray[uint16, MAX_BLOCKED]
# A bit per blocked country code (word = code >> 8), so a transfer reads one slot, not the list.
_blocked: HashMap[uint256, uint256]
_max_holders: uint256
_max_balance: uint256
_lockup: uint256
# The one IndexZap that may receive shares, to redeem them in the same call.
zap: public(address)

frozen: public(HashMap[address, bool])
# Investor identities with a non-zero balance; `identity_balance` sums each identity's wallets.
holder_count: public(uint256)
identity_balance: public(HashMap[uint256, uint256])
# The identity a wallet's balance counts under, fixed while it holds (see @custom:security).
holder_identity: public(HashMap[address, uint256])
# Shares minted and still locked: amount(192) << 64 | until(64). A new mint inside the lock-up adds to the amount
# and restarts the clock for all of it: one slot per wallet, whatever the number of mints.
_locks: HashMap[address, uint256]
# lost wallet -> the wallet its pending recovery moves the shares to.
_recovery: HashMap[address, address]


event ComplianceSet:
    params: vault_params.ComplianceParams

event ZapSet:
    zap: indexed(address)

event Frozen:
    wallet: indexed(address)
    agent: indexed(address)

event Unfrozen:
    wallet: indexed(address)
    agent: indexed(address)

event RecoveryProposed:
    lost: indexed(address)
    new_wallet: indexed(address)
    eta: uint256
    agent: indexed(address)

event RecoveryExecuted:
    lost: indexed(address)
    new_wallet: indexed(address)

event RecoveryCancelled:
    lost: indexed(address)
    by: indexed(address)


@deploy
def __init__(index: address, timelock_delay: uint256, params: vault_params.ComplianceParams):
    """
    @param index The CompliantIndex these rules serve.
    @param timelock_delay Seconds a loosened rule, a new zap or a recovery waits (1 to 30 days).
    @param params The rules at creation.
    """
    assert index != empty(address), "compliance_rules: zero index"
    INDEX = index
    timelock.__init__(timelock_delay)
    self._set_rules(params)


@external
def on_mint(receiver: address, shares: uint256):
    """
    @notice Check a mint of `shares` to `receiver` (reverts with the rule it
            breaks), count it, and lock the new shares up. Index only.
    """
    self._check_index()
    code: uint8 = OK
    identity: uint256 = 0
    code, identity = self._restriction(empty(address), receiver, shares, 0)
    assert code == OK, self._reason(code)
    self._record(empty(address), receiver, shares, 0, identity)
    lockup: uint256 = self._lockup
    if lockup != 0:
        self._locks[receiver] = ((self._locked(receiver) + shares) << 64) | (block.timestamp + lockup)


@external
def on_transfer(sender: address, receiver: address, amount: uint256, sender_balance: uint256):
    """
    @notice Check a transfer (reverts with the rule it breaks) and count it.
            `sender_balance` is the sender's balance before it. Index only.
    """
    self._check_index()
    code: uint8 = OK
    identity: uint256 = 0
    code, identity = self._restriction(sender, receiver, amount, sender_balance)
    assert code == OK, self._reason(code)
    self._record(sender, receiver, amount, sender_balance, identity)


@external
def on_burn(owner: address, shares: uint256, balance: uint256):
    """
    @notice Count a redeem of `shares` out of `balance` (never refused). Index only.
    """
    self._check_index()
    self._record(owner, empty(address), shares, balance, 0)


@external
@view
def check_redeem(owner: address, receiver: address) -> bool:
    """
    @notice Revert with the rule a redeem by `owner` to another address breaks
            (a frozen owner, or a receiver that could not receive shares); True otherwise.
    """
    code: uint8 = SENDER_FROZEN if self.frozen[owner] else self._receiver_check(receiver)
    assert code == OK, self._reason(code)
    return True


@external
@view
def restriction(sender: address, receiver: address, amount: uint256, sender_balance: uint256) -> uint8:
    """
    @notice ERC-1404: 0 if `sender` (with `sender_balance`) may transfer
            `amount` to `receiver` now (a mint when `sender` is zero), else the
            code of the first rule it breaks.
    """
    code: uint8 = OK
    identity: uint256 = 0
    code, identity = self._restriction(sender, receiver, amount, sender_balance)
    return code


@external
@pure
def message(code: uint8) -> String[64]:
    """
    @notice ERC-1404: what a restriction code means, in words.
    """
    return self._message(code)


@external
def freeze(wallet: address, agent: address, status: bool):
    """
    @notice Freeze (`status` true) or unfreeze `wallet`, for a registry agent. Index only.
    """
    self._check_index()
    self._check_agent(agent)
    self.frozen[wallet] = status
    if status:
        log Frozen(wallet=wallet, agent=agent)
    else:
        log Unfrozen(wallet=wallet, agent=agent)


@external
def propose_recovery(lost: address, new_wallet: address, agent: address) -> uint256:
    """
    @notice Queue a recovery of `lost`'s shares to `new_wallet`, another
            wallet of the same identity, for a registry agent. Index only.
    @return The earliest time it can execute.
    """
    self._check_index()
    self._check_agent(agent)
    identity: uint256 = self._identity_of(lost)
    assert identity != 0, "compliance_rules: lost wallet has no identity"
    assert new_wallet != lost, "compliance_rules: same wallet"
    assert staticcall self.registry.identity_of(new_wallet) == identity, "compliance_rules: not the same identity"
    pending: address = self._recovery[lost]
    if pending != empty(address):
        assert timelock.eta[self._recovery_id(lost, pending)] == 0, "compliance_rules: recovery pending"
    self._recovery[lost] = new_wallet
    eta: uint256 = timelock.eta[timelock._queue("recover", abi_encode(lost, new_wallet))]
    log RecoveryProposed(lost=lost, new_wallet=new_wallet, eta=eta, agent=agent)
    return eta


@external
def execute_recovery(lost: address, balance: uint256) -> address:
    """
    @notice Take the recovery of `lost` (holding `balance`) once its timelock
            has passed, move its count and lock-up to the new wallet, and return
            that wallet; the index moves the shares. Index only.
    """
    self._check_index()
    new_wallet: address = self._recovery[lost]
    assert new_wallet != empty(address), "compliance_rules: no recovery"
    timelock._execute("recover", abi_encode(lost, new_wallet))
    self._recovery[lost] = empty(address)
    identity: uint256 = self._identity_of(lost)
    assert staticcall self.registry.identity_of(new_wallet) == identity, "compliance_rules: not the same identity"
    held: uint256 = self.holder_identity[new_wallet]
    assert held == 0 or held == identity, "compliance_rules: not the same identity"
    # Within one identity: its balance and the holder count do not change.
    self._record(lost, new_wallet, balance, balance, identity)
    locked: uint256 = self._locked(lost)
    if locked != 0:
        until: uint256 = max(self._locks[lost] & MASK_64, self._locks[new_wallet] & MASK_64)
        self._locks[new_wallet] = ((self._locked(new_wallet) + locked) << 64) | until
        self._locks[lost] = 0
    log RecoveryExecuted(lost=lost, new_wallet=new_wallet)
    return new_wallet


@external
def cancel_recovery(lost: address, caller: address):
    """
    @notice Drop the recovery pending for `lost`, for the lost wallet itself
            (the holder objecting) or a registry agent. Index only.
    """
    self._check_index()
    if caller != lost:
        self._check_agent(caller)
    new_wallet: address = self._recovery[lost]
    assert new_wallet != empty(address), "compliance_rules: no recovery"
    self._recovery[lost] = empty(address)
    timelock._cancel(self._recovery_id(lost, new_wallet))
    log RecoveryCancelled(lost=lost, by=caller)


@external
def set_rules(params: vault_params.ComplianceParams):
    """
    @notice Apply `params` at once if they only tighten the rules (the same
            registry, every blocked country still blocked, limits no higher, a
            limit where there was none, a lock-up no shorter); otherwise they
            must have been queued by `propose_rules` and their delay passed.
            Index only (its governance).
    """
    self._check_index()
    tightening: bool = (
        params.registry == self.registry.address
        and params.lockup >= self._lockup
        and self._no_looser(params.max_holders, self._max_holders)
        and self._no_looser(params.max_balance, self._max_balance)
    )
    for country: uint16 in self._blocked_countries:
        if country not in params.blocked_countries:
            tightening = False
    if not tightening:
        # Reverts "timelock: not queued" unless proposed, "timelock: too early" before its eta.
        timelock._execute("set_rules", abi_encode(params))
    self._set_rules(params)


@external
def propose_rules(params: vault_params.ComplianceParams) -> bytes32:
    """
    @notice Queue new rules (any loosening) behind the timelock. Index only (its governance).
    @return The change id.
    """
    self._check_index()
    assert params.registry.is_contract, "compliance_rules: registry is not a contract"
    return timelock._queue("set_rules", abi_encode(params))


@external
def propose_zap(zap: address) -> bytes32:
    """
    @notice Queue the zap allowed to receive shares; zero removes it. Index only (its governance).
    @return The change id.
    """
    self._check_index()
    return timelock._queue("set_zap", abi_encode(zap))


@external
def execute_zap(zap: address):
    """
    @notice Apply a zap queued by `propose_zap` once its delay has passed. Index only (its governance).
    """
    self._check_index()
    timelock._execute("set_zap", abi_encode(zap))
    self.zap = zap
    log ZapSet(zap=zap)


@external
def cancel(change_id: bytes32):
    """
    @notice Drop a queued rule change or zap. Index only (its governance or guardian).
    """
    self._check_index()
    timelock._cancel(change_id)


@external
@view
def compliance() -> vault_params.ComplianceParams:
    """
    @notice The rules now in force.
    """
    return vault_params.ComplianceParams(
        registry=self.registry.address,
        blocked_countries=self._blocked_countries,
        max_holders=self._max_holders,
        max_balance=self._max_balance,
        lockup=self._lockup,
    )


@external
@view
def locked_until(wallet: address) -> uint256:
    """
    @notice When `wallet`'s locked shares become transferable (a past time or 0: nothing locked).
    """
    return self._locks[wallet] & MASK_64


@external
@view
def locked_balance(wallet: address) -> uint256:
    """
    @notice Shares of `wallet` still locked up now.
    """
    return self._locked(wallet)


@external
@view
def recovery(lost: address) -> (address, uint256):
    """
    @notice (new wallet, eta) of the recovery pending for `lost`; (zero, 0) if none.
    """
    new_wallet: address = self._recovery[lost]
    if new_wallet == empty(address):
        return empty(address), 0
    return new_wallet, timelock.eta[self._recovery_id(lost, new_wallet)]


@internal
@view
def _restriction(sender: address, receiver: address, amount: uint256, sender_balance: uint256) -> (uint8, uint256):
    """
    @dev The first rule a transfer (a mint when `sender` is zero) breaks, and
         the identity the receiver's balance counts under.
    """
    sender_identity: uint256 = 0
    if sender != empty(address):
        if self.frozen[sender]:
            return SENDER_FROZEN, 0
        if receiver == self.zap and receiver != empty(address):
            return OK, 0  # the zap redeems these shares in the same call: a redeem, which no lock-up stops
        locked: uint256 = self._locked(sender)
        if locked != 0 and (locked >= sender_balance or amount > unsafe_sub(sender_balance, locked)):
            return SENDER_LOCKED, 0
        sender_identity = self.holder_identity[sender]
    code: uint8 = self._receiver_check(receiver)
    if code != OK:
        return code, 0
    identity: uint256 = self._identity_of(receiver)
    if identity == sender_identity or amount == 0:
        return OK, identity  # within one investor: no holder or balance change
    held: uint256 = self.identity_balance[identity]
    limit: uint256 = self._max_balance
    if limit != 0 and held + amount > limit:
        return BALANCE_LIMIT, 0
    limit = self._max_holders
    if held == 0 and limit != 0:
        holders: uint256 = self.holder_count
        if sender_identity != 0 and self.identity_balance[sender_identity] == amount:
            holders -= 1  # the sender's investor leaves as the receiver's arrives
        if holders >= limit:
            return HOLDER_LIMIT, 0
    return OK, identity


@internal
@view
def _receiver_check(receiver: address) -> uint8:
    """
    @dev The rules on anyone receiving shares (or, in a redeem to another
         address, components): not frozen, registered and unexpired, not from
         a blocked country.
    """
    if self.frozen[receiver]:
        return RECIPIENT_FROZEN
    identity: uint256 = 0
    country: uint16 = 0
    accredited: bool = False
    expiry: uint64 = 0
    identity, country, accredited, expiry = staticcall self.registry.investor(receiver)
    if identity == 0 or convert(expiry, uint256) <= block.timestamp:
        return RECIPIENT_NOT_VERIFIED
    code: uint256 = convert(country, uint256)
    if self._blocked[code >> 8] & (1 << (code & 255)) != 0:
        return RECIPIENT_COUNTRY_BLOCKED
    return OK


@internal
def _record(sender: address, receiver: address, amount: uint256, sender_balance: uint256, identity: uint256):
    """
    @dev Move `amount` between the identities' sums (mint: no sender, burn: no
         receiver) and keep each wallet's identity while it holds.
    """
    if sender == receiver or amount == 0:
        return
    sender_identity: uint256 = self.holder_identity[sender]
    if sender_identity != identity:
        if sender_identity != 0:
            held: uint256 = self.identity_balance[sender_identity] - amount
            self.identity_balance[sender_identity] = held
            if held == 0:
                self.holder_count -= 1
        if identity != 0:
            held: uint256 = self.identity_balance[identity]
            if held == 0:
                self.holder_count += 1
            self.identity_balance[identity] = held + amount
    if sender != empty(address) and sender_balance == amount:
        self.holder_identity[sender] = 0
    if receiver != empty(address) and identity != 0 and self.holder_identity[receiver] == 0:
        self.holder_identity[receiver] = identity


@internal
@view
def _identity_of(wallet: address) -> uint256:
    """
    @dev The identity a wallet's balance counts under: the one it was added to while it holds, else the registry's.
    """
    identity: uint256 = self.holder_identity[wallet]
    if identity == 0:
        identity = staticcall self.registry.identity_of(wallet)
    return identity


@internal
@view
def _locked(wallet: address) -> uint256:
    lock: uint256 = self._locks[wallet]
    if lock & MASK_64 <= block.timestamp:
        return 0
    return lock >> 64


@internal
def _set_rules(params: vault_params.ComplianceParams):
    assert params.registry.is_contract, "compliance_rules: registry is not a contract"
    for country: uint16 in self._blocked_countries:
        code: uint256 = convert(country, uint256)
        self._blocked[code >> 8] &= ~(1 << (code & 255))
    for country: uint16 in params.blocked_countries:
        code: uint256 = convert(country, uint256)
        self._blocked[code >> 8] |= 1 << (code & 255)
    self.registry = IIdentityRegistry(params.registry)
    self._blocked_countries = params.blocked_countries
    self._max_holders = params.max_holders
    self._max_balance = params.max_balance
    self._lockup = params.lockup
    log ComplianceSet(params=params)


@internal
@pure
def _no_looser(new: uint256, old: uint256) -> bool:
    """
    @dev A limit no higher than before; 0 means no limit, the loosest.
    """
    return old == 0 or (new != 0 and new <= old)


@internal
@pure
def _recovery_id(lost: address, new_wallet: address) -> bytes32:
    return keccak256(abi_encode("recover", abi_encode(lost, new_wallet)))


@internal
@view
def _check_index():
    assert msg.sender == INDEX, "compliance_rules: not the index"


@internal
@view
def _check_agent(caller: address):
    assert staticcall self.registry.is_agent(caller), "compliance_rules: not agent"


@internal
@pure
def _message(code: uint8) -> String[64]:
    if code == OK:
        return "no restriction"
    if code == SENDER_FROZEN:
        return "sender frozen"
    if code == SENDER_LOCKED:
        return "shares locked up"
    if code == RECIPIENT_FROZEN:
        return "recipient frozen"
    if code == RECIPIENT_NOT_VERIFIED:
        return "recipient not verified"
    if code == RECIPIENT_COUNTRY_BLOCKED:
        return "recipient country blocked"
    if code == HOLDER_LIMIT:
        return "holder limit reached"
    if code == BALANCE_LIMIT:
        return "balance limit exceeded"
    return "unknown restriction"


@internal
@pure
def _reason(code: uint8) -> String[81]:
    return concat("compliant_index: ", self._message(code))
