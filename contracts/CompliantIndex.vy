# pragma version 0.4.3
"""
@title Compliant Index
@license MIT
@notice A security-token-style index: the ERC-20 (EIP-2612 permit, ERC-5805
        votes) its investors hold, backed 1:1 by the shares of a plain
        `IndexVault` that this contract governs and guards. `mint` pulls the
        basket from the caller and mints the inner shares to this contract;
        `redeem` burns and redeems the inner shares straight to the receiver.
        Every mint and transfer is first put to this index's `ComplianceRules`
        (ERC-3643's compliance contract), which reads an `IdentityRegistry`:
        the receiver is a registered investor whose identity has not expired,
        not from a blocked country, not frozen; the number of investor
        identities holding and each identity's balance stay within limits;
        newly minted shares are locked up for a while. ERC-1404's
        `detectTransferRestriction` / `messageForTransferRestriction` say why
        a transfer would fail before it is sent. The registry's agents freeze
        wallets and recover a lost wallet's shares to another wallet of the
        same identity after the timelock. Anyone may `distribute` any ERC-20
        to the holders of the moment, pro rata; each holder `claim`s whenever
        it likes. Governance (two-step) sets the rules (tightening at once,
        loosening after the timelock) and the zap, and steers the inner vault
        and its policy through `govern`, which cannot reopen the inner vault's
        minting or hand its roles away.
@custom:security Redeeming is never blocked: a holder redeems to its own
                 address even when frozen, expired, de-listed, locked up or
                 paused (the rules are not asked); only a redeem to another
                 address must pass the receiver rules. The inner vault's minting
                 stays paused except inside this contract's own `mint`, so
                 nobody mints inner shares around the rules, and this
                 contract's inner balance equals its supply (the inner vault's
                 fees are paid in inner shares to its fee recipient, outside
                 this token). Components arrive by balance delta
                 (fee-on-transfer tokens revert) and the inner vault pulls
                 exactly its own `preview_mint` of the same block, so nothing
                 stays here. Dividends: a distribution records the amount that
                 arrived (balance delta) and the supply; a holder's balance at
                 distribution `i` is kept by checkpoints (at most one new slot
                 per holder per distribution, written on its first balance
                 change after it), found by binary search at claim time, and
                 pays `floor(amount * balance / supply)`: all claims together
                 never exceed the distribution (rounding dust stays here). This
                 index's own shares and the inner shares cannot be distributed.
@custom:kill The guardian (or governance) pauses this index's minting, pauses
             the inner vault's rebalancing, revokes keepers and cancels queued
             changes. Nothing pauses `redeem` to one's own address.
"""

from ethereum.ercs import IERC20

from snekmate.auth import ownable
from snekmate.tokens import erc20

from .modules import votes
from .modules import vault_params


interface IInnerVault:
    def basket() -> (DynArray[address, MAX_COMPONENTS], DynArray[uint256, MAX_COMPONENTS]): view
    def preview_mint(amount: uint256) -> DynArray[uint256, MAX_COMPONENTS]: view
    def preview_redeem(amount: uint256) -> DynArray[uint256, MAX_COMPONENTS]: view
    def policy() -> address: view
    def mint(amount: uint256, receiver: address): nonpayable
    def redeem(amount: uint256, receiver: address, skip: DynArray[address, MAX_COMPONENTS]): nonpayable
    def pause_mint(): nonpayable
    def unpause_mint(): nonpayable

interface IGuarded:
    def pause_rebalance(): nonpayable
    def revoke_keeper(keeper: address): nonpayable
    def cancel(change_id: bytes32): nonpayable

interface IRules:
    def on_mint(receiver: address, shares: uint256): nonpayable
    def on_transfer(sender: address, receiver: address, amount: uint256, sender_balance: uint256): nonpayable
    def on_burn(owner: address, shares: uint256, balance: uint256): nonpayable
    def check_redeem(owner: address, receiver: address) -> bool: view
    def restriction(sender: address, receiver: address, amount: uint256, sender_balance: uint256) -> uint8: view
    def message(code: uint8) -> String[64]: view
    def freeze(wallet: address, agent: address, status: bool): nonpayable
    def propose_recovery(lost: address, new_wallet: address, agent: address) -> uint256: nonpayable
    def execute_recovery(lost: address, balance: uint256) -> address: nonpayable
    def cancel_recovery(lost: address, caller: address): nonpayable
    def set_rules(params: vault_params.ComplianceParams): nonpayable
    def propose_rules(params: vault_params.ComplianceParams) -> bytes32: nonpayable
    def propose_zap(zap: address) -> bytes32: nonpayable
    def execute_zap(zap: address): nonpayable
    def cancel(change_id: bytes32): nonpayable
    def compliance() -> vault_params.ComplianceParams: view
    def registry() -> address: view
    def zap() -> address: view
    def frozen(wallet: address) -> bool: view
    def holder_count() -> uint256: view
    def locked_until(wallet: address) -> uint256: view


# snekmate's ERC-20 ledger; its `ownable` owner is the factory, which may only call `initialize`, once.
initializes: ownable
initializes: erc20[ownable := ownable]
# ERC-5805 votes over the same balances; every balance change below calls its hook.
initializes: votes[erc20 := erc20]


# The index token: ERC-20 (`transfer` and `transferFrom` are this contract's own, with the rules), EIP-2612 permit,
# EIP-5267 domain.
exports: (
    erc20.name,
    erc20.symbol,
    erc20.decimals,
    erc20.totalSupply,
    erc20.balanceOf,
    erc20.allowance,
    erc20.approve,
    erc20.permit,
    erc20.nonces,
    erc20.DOMAIN_SEPARATOR,
    erc20.eip712Domain,
)


# ERC-5805 / ERC-6372 votes, for OpenZeppelin's Governor.
exports: (
    votes.delegate,
    votes.delegateBySig,
    votes.delegates,
    votes.getVotes,
    votes.getPastVotes,
    votes.getPastTotalSupply,
    votes.clock,
    votes.CLOCK_MODE,
)


MAX_COMPONENTS: constant(uint256) = vault_params.MAX_COMPONENTS
MAX_CLAIMS: constant(uint256) = 64
PRECISION: constant(uint256) = 10**18
MASK_128: constant(uint256) = 2**128 - 1
MASK_192: constant(uint256) = 2**192 - 1

# What governance may call on the inner vault through `govern`: fees (raising them is the vault's own timelock),
# the fee recipient, sweeping what is beyond every claim, and its queue. Never `unpause_mint` (inner shares
# minted around the rules), `set_guardian` / `transfer_governance` (the inner vault handed to someone who could),
# nor `redeem` / `transfer` / `approve` (this contract's inner shares back its own supply).
SET_FEES: constant(bytes4) = method_id("set_fees(uint256,uint256,uint256)", output_type=bytes4)
PROPOSE_FEES: constant(bytes4) = method_id("propose_fees(uint256,uint256,uint256)", output_type=bytes4)
EXECUTE_FEES: constant(bytes4) = method_id("execute_fees(uint256,uint256,uint256)", output_type=bytes4)
SET_FEE_RECIPIENT: constant(bytes4) = method_id("set_fee_recipient(address)", output_type=bytes4)
SWEEP: constant(bytes4) = method_id("sweep(address,address)", output_type=bytes4)
CANCEL: constant(bytes4) = method_id("cancel(bytes32)", output_type=bytes4)
DISCARD_EXPIRED: constant(bytes4) = method_id("discard_expired(bytes32)", output_type=bytes4)


struct Distribution:
    token: address
    amount: uint256
    supply: uint256


# The inner IndexVault and this index's ComplianceRules, both set once by the factory's `initialize`.
vault: public(address)
rules: public(IRules)

governance: public(address)
pending_governance: public(address)
guardian: public(address)
mint_paused: public(bool)

# lost wallet -> the wallet its shares were recovered to, so its unclaimed dividends can be paid there.
recovered_to: public(HashMap[address, address])

# Distributions are numbered from 1.
distribution_count: public(uint256)
_distributions: HashMap[uint256, Distribution]
# Balance checkpoints: before a holder's balance first changes after distribution `d`, (d << 192 | old balance) is
# appended, so its balance at distribution `i` is the first checkpoint at or after `i`, else the current balance.
# head = count << 128 | the last checkpoint's distribution id: one read tells whether a transfer must write.
_checkpoint_head: HashMap[address, uint256]
_checkpoints: HashMap[address, HashMap[uint256, uint256]]
# A bit per (holder, distribution) claimed: word id >> 8, bit id & 255.
_claimed: HashMap[address, HashMap[uint256, uint256]]


event Initialized:
    vault: indexed(address)
    rules: indexed(address)

event Minted:
    sender: indexed(address)
    receiver: indexed(address)
    shares: uint256

event Redeemed:
    sender: indexed(address)
    receiver: indexed(address)
    shares: uint256

event Recovered:
    lost: indexed(address)
    new_wallet: indexed(address)
    shares: uint256

event Distributed:
    id: indexed(uint256)
    token: indexed(address)
    amount: uint256
    supply: uint256
    distributor: indexed(address)

event Claimed:
    holder: indexed(address)
    id: indexed(uint256)
    payee: indexed(address)
    amount: uint256

event Governed:
    target: indexed(address)
    selector: bytes4

event MintPaused:
    by: indexed(address)

event MintUnpaused:
    by: indexed(address)

event GuardianSet:
    guardian: indexed(address)

event GovernanceTransferStarted:
    governance: indexed(address)
    pending_governance: indexed(address)

event GovernanceTransferred:
    previous_governance: indexed(address)
    governance: indexed(address)


@deploy
def __init__(name: String[25], symbol: String[5], governance: address, guardian: address):
    """
    @notice Create the index token; `initialize` links it to its inner vault and rules.
    """
    assert governance != empty(address), "compliant_index: zero governance"
    self.governance = governance
    self.guardian = guardian
    ownable.__init__()
    erc20.__init__(name, symbol, 18, name, "1")


@external
def initialize(vault: address, rules: address):
    """
    @notice Link the inner vault and the rules, once, and pause the inner
            vault's minting for good (only this contract's `mint` lifts the
            pause, for its own call). The creator (the factory) only.
    """
    assert msg.sender == ownable.owner, "compliant_index: not creator"
    assert self.vault == empty(address), "compliant_index: already initialized"
    assert vault.is_contract and rules.is_contract, "compliant_index: not a contract"
    self.vault = vault
    self.rules = IRules(rules)
    extcall IInnerVault(vault).pause_mint()
    log Initialized(vault=vault, rules=rules)


@external
@nonreentrant
def mint(shares: uint256, receiver: address):
    """
    @notice Mint `shares` to `receiver`, who must pass the receiver rules. The
            caller pays, for each component, what `preview_mint(shares)` says
            (approve this contract, not the inner vault); the new shares are
            locked up for the rules' `lockup` seconds.
    @param shares Index tokens to mint, 18 decimals.
    @param receiver A verified investor's wallet.
    """
    assert not self.mint_paused, "compliant_index: mint paused"
    # Reverts with the rule broken; records the new holding and its lock-up.
    extcall self.rules.on_mint(receiver, shares)

    vault: address = self.vault
    tokens: DynArray[address, MAX_COMPONENTS] = []
    units: DynArray[uint256, MAX_COMPONENTS] = []
    tokens, units = staticcall IInnerVault(vault).basket()
    owed: DynArray[uint256, MAX_COMPONENTS] = staticcall IInnerVault(vault).preview_mint(shares)
    for i: uint256 in range(len(tokens), bound=MAX_COMPONENTS):
        if owed[i] == 0:
            continue
        token: IERC20 = IERC20(tokens[i])
        before: uint256 = staticcall token.balanceOf(self)
        assert extcall token.transferFrom(
            msg.sender, self, owed[i], default_return_value=True
        ), "compliant_index: transfer failed"
        assert staticcall token.balanceOf(self) == before + owed[i], "compliant_index: transfer amount mismatch"
        # The inner vault pulls exactly `owed[i]` (same block, same preview), and only inside this contract's `mint`,
        # so an unlimited allowance to it (set once per component) exposes nothing; it saves an approval per mint.
        if staticcall token.allowance(self, vault) < owed[i]:
            assert extcall token.approve(vault, max_value(uint256), default_return_value=True), (
                "compliant_index: approve failed"
            )
    # The inner vault's minting is open only inside this call.
    extcall IInnerVault(vault).unpause_mint()
    extcall IInnerVault(vault).mint(shares, self)
    extcall IInnerVault(vault).pause_mint()

    self._checkpoint(receiver, erc20.balanceOf[receiver])
    erc20._mint(receiver, shares)
    votes._transfer_voting_units(empty(address), receiver, shares)
    log Minted(sender=msg.sender, receiver=receiver, shares=shares)


@external
@nonreentrant
def redeem(shares: uint256, receiver: address, skip: DynArray[address, MAX_COMPONENTS]):
    """
    @notice Burn `shares` of the caller's and send `receiver` the inner vault's
            redeem of them (its redeem fee and `skip` apply). To the caller's
            own address this always works: frozen, expired, de-listed, locked
            up or paused. To another address, the caller must not be frozen and
            the receiver must be a verified investor from a country that is
            not blocked.
    """
    rules: IRules = self.rules
    if receiver != msg.sender:
        # Reverts with the rule broken (True otherwise).
        assert staticcall rules.check_redeem(msg.sender, receiver), "compliant_index: redeem refused"
    # Effects before interactions: the shares are gone before the inner vault pays out.
    balance: uint256 = erc20.balanceOf[msg.sender]
    self._checkpoint(msg.sender, balance)
    erc20._burn(msg.sender, shares)
    votes._transfer_voting_units(msg.sender, empty(address), shares)
    extcall rules.on_burn(msg.sender, shares, balance)
    extcall IInnerVault(self.vault).redeem(shares, receiver, skip)
    log Redeemed(sender=msg.sender, receiver=receiver, shares=shares)


@external
@nonreentrant
def transfer(to: address, amount: uint256) -> bool:
    """
    @notice ERC-20 transfer, if `detectTransferRestriction(msg.sender, to, amount)`
            is 0; otherwise it reverts with that code's message.
    """
    self._checked_transfer(msg.sender, to, amount)
    return True


@external
@nonreentrant
def transferFrom(owner: address, to: address, amount: uint256) -> bool:
    """
    @notice ERC-20 transferFrom, under the same rules as `transfer`.
    """
    erc20._spend_allowance(owner, msg.sender, amount)
    self._checked_transfer(owner, to, amount)
    return True


@external
@view
def detectTransferRestriction(from_: address, to: address, amount: uint256) -> uint8:
    """
    @notice ERC-1404: 0 if `from_` may transfer `amount` to `to` now (a mint
            when `from_` is zero), else the code of the first rule it breaks
            (`messageForTransferRestriction` words it). A balance too small is
            not a restriction: the ERC-20 itself reverts.
    """
    return staticcall self.rules.restriction(from_, to, amount, erc20.balanceOf[from_])


@external
@view
def messageForTransferRestriction(code: uint8) -> String[64]:
    """
    @notice ERC-1404: what a restriction code means, in words (0: "no restriction").
    """
    return staticcall self.rules.message(code)


@external
@view
def registry() -> address:
    """
    @notice The IdentityRegistry the rules read.
    """
    return staticcall self.rules.registry()


@external
@view
def compliance() -> vault_params.ComplianceParams:
    """
    @notice The rules now in force.
    """
    return staticcall self.rules.compliance()


@external
@view
def frozen(wallet: address) -> bool:
    """
    @notice Whether an agent froze `wallet` (it can still redeem to itself).
    """
    return staticcall self.rules.frozen(wallet)


@external
@view
def holder_count() -> uint256:
    """
    @notice How many investor identities hold shares.
    """
    return staticcall self.rules.holder_count()


@external
@view
def locked_until(wallet: address) -> uint256:
    """
    @notice When `wallet`'s locked-up shares become transferable (a past time or 0: nothing locked).
    """
    return staticcall self.rules.locked_until(wallet)


@external
@view
def zap() -> address:
    """
    @notice The IndexZap allowed to receive shares to redeem them (zero: none).
    """
    return staticcall self.rules.zap()


@external
@nonreentrant
def freeze(wallet: address):
    """
    @notice Stop `wallet` sending or receiving shares; it can still redeem to
            itself and claim dividends. Registry agents only.
    """
    extcall self.rules.freeze(wallet, msg.sender, True)


@external
@nonreentrant
def unfreeze(wallet: address):
    """
    @notice Let a frozen wallet transfer again. Registry agents only.
    """
    extcall self.rules.freeze(wallet, msg.sender, False)


@external
@nonreentrant
def propose_recovery(lost: address, new_wallet: address) -> uint256:
    """
    @notice Announce (`RecoveryProposed` on the rules) that `lost`'s shares
            will move to `new_wallet`, another wallet of the same identity,
            once the timelock has passed; the holder (from `lost`) or an agent
            can cancel it meanwhile. Registry agents only.
    @return The earliest time `execute_recovery` can run.
    """
    return extcall self.rules.propose_recovery(lost, new_wallet, msg.sender)


@external
@nonreentrant
def execute_recovery(lost: address):
    """
    @notice Move all of `lost`'s shares (and its lock-up) to the wallet its
            recovery names, once the timelock has passed. Anyone may call; the
            two wallets must still belong to the same identity. The lost
            wallet's unclaimed dividends can then be pushed there (`claim_for`).
    """
    shares: uint256 = erc20.balanceOf[lost]
    new_wallet: address = extcall self.rules.execute_recovery(lost, shares)
    self._shift(lost, new_wallet, shares)
    self.recovered_to[lost] = new_wallet
    log Recovered(lost=lost, new_wallet=new_wallet, shares=shares)


@external
@nonreentrant
def cancel_recovery(lost: address):
    """
    @notice Drop the recovery pending for `lost`. The lost wallet itself (the
            holder objecting) or a registry agent.
    """
    extcall self.rules.cancel_recovery(lost, msg.sender)


@external
@nonreentrant
def set_compliance(params: vault_params.ComplianceParams):
    """
    @notice Change the rules. Tightening applies at once: the same registry,
            every blocked country still blocked, limits no higher (a limit
            where there was none), a lock-up no shorter. Anything else is
            loosening: it applies only as queued by `propose_compliance`, once
            its delay has passed. Governance only. Holders already past a new
            limit keep what they hold and can always redeem.
    """
    self._check_governance()
    extcall self.rules.set_rules(params)


@external
@nonreentrant
def execute_compliance(params: vault_params.ComplianceParams):
    """
    @notice `set_compliance` under the name of the timelock's second step:
            applies rules queued by `propose_compliance` once the delay has
            passed (or a tightening at once). Governance only.
    """
    self._check_governance()
    extcall self.rules.set_rules(params)


@external
@nonreentrant
def propose_compliance(params: vault_params.ComplianceParams) -> bytes32:
    """
    @notice Queue new rules behind the rules' timelock (`set_compliance`
            applies them after the delay). Governance only.
    @return The change id.
    """
    self._check_governance()
    return extcall self.rules.propose_rules(params)


@external
@nonreentrant
def propose_zap(zap: address) -> bytes32:
    """
    @notice Queue the IndexZap allowed to receive shares (to redeem them in
            the same call for one token) behind the timelock; zero removes it.
            Governance only.
    @return The change id.
    """
    self._check_governance()
    return extcall self.rules.propose_zap(zap)


@external
@nonreentrant
def execute_zap(zap: address):
    """
    @notice Apply a zap queued by `propose_zap` once the delay has passed. Governance only.
    """
    self._check_governance()
    extcall self.rules.execute_zap(zap)


@external
@nonreentrant
def cancel(change_id: bytes32):
    """
    @notice Drop a queued rule change or zap. Governance, or the guardian as an emergency brake.
    """
    self._check_guardian()
    extcall self.rules.cancel(change_id)


@external
@nonreentrant
def govern(target: address, data: Bytes[4096]) -> Bytes[1024]:
    """
    @notice Call the inner vault or its policy as their governance.
            Governance only. On the inner vault only fees, the fee recipient,
            `sweep`, `cancel` and `discard_expired` are allowed; nothing that
            would reopen its minting, move this contract's inner shares or
            hand its roles away. Everything governance may do on the policy
            (its own timelocks and limits apply).
    @return What the call returned.
    """
    self._check_governance()
    assert len(data) >= 4, "compliant_index: no selector"
    selector: bytes4 = convert(slice(data, 0, 4), bytes4)
    vault: address = self.vault
    if target == vault:
        assert selector in [
            SET_FEES, PROPOSE_FEES, EXECUTE_FEES, SET_FEE_RECIPIENT, SWEEP, CANCEL, DISCARD_EXPIRED
        ], "compliant_index: call not allowed"
    else:
        assert target == staticcall IInnerVault(vault).policy(), "compliant_index: not the vault or its policy"
    log Governed(target=target, selector=selector)
    return raw_call(target, data, max_outsize=1024)


@external
@nonreentrant
def pause_mint():
    """
    @notice Stop new mints of this index. Guardian or governance. Redeeming is never affected.
    """
    self._check_guardian()
    self.mint_paused = True
    log MintPaused(by=msg.sender)


@external
@nonreentrant
def unpause_mint():
    """
    @notice Allow mints again. Governance only.
    """
    self._check_governance()
    self.mint_paused = False
    log MintUnpaused(by=msg.sender)


@external
@nonreentrant
def pause_rebalance():
    """
    @notice Stop the inner vault's rebalancing (the policy's brake). Guardian or governance.
    """
    self._check_guardian()
    extcall IGuarded(staticcall IInnerVault(self.vault).policy()).pause_rebalance()


@external
@nonreentrant
def revoke_keeper(keeper: address):
    """
    @notice Take a keeper's role away in the inner vault's policy. Guardian or governance.
    """
    self._check_guardian()
    extcall IGuarded(staticcall IInnerVault(self.vault).policy()).revoke_keeper(keeper)


@external
@nonreentrant
def cancel_change(target: address, change_id: bytes32):
    """
    @notice Drop a change queued in the inner vault or its policy. Guardian or governance.
    """
    self._check_guardian()
    vault: address = self.vault
    assert target == vault or target == staticcall IInnerVault(vault).policy(), (
        "compliant_index: not the vault or its policy"
    )
    extcall IGuarded(target).cancel(change_id)


@external
@nonreentrant
def set_guardian(guardian: address):
    """
    @notice Appoint the guardian; zero removes it. Governance only.
    """
    self._check_governance()
    self.guardian = guardian
    log GuardianSet(guardian=guardian)


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
    assert msg.sender == self.pending_governance, "compliant_index: not pending governance"
    previous: address = self.governance
    self.governance = msg.sender
    self.pending_governance = empty(address)
    log GovernanceTransferred(previous_governance=previous, governance=msg.sender)


@external
@nonreentrant
def distribute(token: address, amount: uint256) -> uint256:
    """
    @notice Pay `amount` of `token` to the holders of this moment, pro rata to
            their balances. Anyone may call (approve this contract first); what
            counts is what arrives (balance delta).
    @return The distribution's id, for `claim`.
    """
    assert token != self and token != self.vault, "compliant_index: cannot distribute shares"
    supply: uint256 = erc20.totalSupply
    assert supply != 0, "compliant_index: no holders"
    before: uint256 = staticcall IERC20(token).balanceOf(self)
    assert extcall IERC20(token).transferFrom(
        msg.sender, self, amount, default_return_value=True
    ), "compliant_index: transfer failed"
    received: uint256 = staticcall IERC20(token).balanceOf(self) - before
    assert received != 0, "compliant_index: nothing received"
    assert received <= max_value(uint256) // supply, "compliant_index: amount too large"
    id: uint256 = self.distribution_count + 1
    self.distribution_count = id
    self._distributions[id] = Distribution(token=token, amount=received, supply=supply)
    log Distributed(id=id, token=token, amount=received, supply=supply, distributor=msg.sender)
    return id


@external
@nonreentrant
def claim(ids: DynArray[uint256, MAX_CLAIMS]) -> uint256:
    """
    @notice Pay the caller its share of each listed distribution. Each id can
            be claimed once; a share of zero is marked claimed too.
    @return How many of the ids paid a non-zero amount (each in its own token).
    """
    return self._claim(msg.sender, ids, msg.sender)


@external
@nonreentrant
def claim_for(holder: address, ids: DynArray[uint256, MAX_CLAIMS]) -> uint256:
    """
    @notice Pay `holder` its share of each listed distribution; anyone may
            push it. A wallet whose shares were recovered is paid at the wallet
            they were recovered to.
    @return How many of the ids paid a non-zero amount.
    """
    payee: address = self.recovered_to[holder]
    if payee == empty(address):
        payee = holder
    return self._claim(holder, ids, payee)


@external
@view
def distribution(id: uint256) -> (address, uint256, uint256):
    """
    @notice (token, amount received, supply at distribution) of distribution `id`.
    """
    d: Distribution = self._distributions[id]
    return d.token, d.amount, d.supply


@external
@view
def claimable(holder: address, id: uint256) -> uint256:
    """
    @notice What `holder` would receive by claiming distribution `id` now (0 if claimed or unknown).
    """
    if id == 0 or id > self.distribution_count or self._is_claimed(holder, id):
        return 0
    return self._share(holder, id)


@external
@view
def claimed(holder: address, id: uint256) -> bool:
    """
    @notice Whether `holder` has claimed distribution `id`.
    """
    return self._is_claimed(holder, id)


@external
@view
def balance_at(holder: address, id: uint256) -> uint256:
    """
    @notice `holder`'s balance when distribution `id` was made (the current balance for a future id).
    """
    return self._balance_at(holder, id)


@external
@view
def policy() -> address:
    """
    @notice The inner vault's RebalancePolicy.
    """
    return staticcall IInnerVault(self.vault).policy()


@external
@view
def basket() -> (DynArray[address, MAX_COMPONENTS], DynArray[uint256, MAX_COMPONENTS]):
    """
    @notice The components and their units (amount behind 1e18 shares), as the inner vault's.
    """
    return staticcall IInnerVault(self.vault).basket()


@external
@view
def holdings() -> (DynArray[address, MAX_COMPONENTS], DynArray[uint256, MAX_COMPONENTS]):
    """
    @notice What all holders of this index own together, per component
            (units times supply, rounded down): the basis of its NAV.
    """
    tokens: DynArray[address, MAX_COMPONENTS] = []
    units: DynArray[uint256, MAX_COMPONENTS] = []
    tokens, units = staticcall IInnerVault(self.vault).basket()
    supply: uint256 = erc20.totalSupply
    held: DynArray[uint256, MAX_COMPONENTS] = []
    for unit: uint256 in units:
        held.append(unit * supply // PRECISION)
    return tokens, held


@external
@view
def preview_mint(shares: uint256) -> DynArray[uint256, MAX_COMPONENTS]:
    """
    @notice What `mint(shares, ...)` in this block pulls of each component, in `basket()` order.
    """
    return staticcall IInnerVault(self.vault).preview_mint(shares)


@external
@view
def preview_redeem(shares: uint256) -> DynArray[uint256, MAX_COMPONENTS]:
    """
    @notice What `redeem(shares, ...)` in this block pays of each component, in `basket()` order, none skipped.
    """
    return staticcall IInnerVault(self.vault).preview_redeem(shares)


@internal
def _checked_transfer(owner: address, to: address, amount: uint256):
    """
    @dev Move the shares, then put the transfer to the rules (which revert
         with the rule broken), with the owner's balance before it.
    """
    balance: uint256 = erc20.balanceOf[owner]
    self._shift(owner, to, amount)
    extcall self.rules.on_transfer(owner, to, amount, balance)


@internal
def _shift(owner: address, to: address, amount: uint256):
    """
    @dev Move shares with their dividend checkpoints and votes.
    """
    self._checkpoint(owner, erc20.balanceOf[owner])
    self._checkpoint(to, erc20.balanceOf[to])
    erc20._transfer(owner, to, amount)
    votes._transfer_voting_units(owner, to, amount)


@internal
def _checkpoint(holder: address, balance: uint256):
    """
    @dev Keep `holder`'s balance as it was at the latest distribution, before
         its first change since then: at most one new slot per holder per
         distribution, whatever the number of holders or distributions.
    """
    current: uint256 = self.distribution_count
    head: uint256 = self._checkpoint_head[holder]
    if head & MASK_128 == current:
        return  # nothing distributed since the last checkpoint (or ever): the balance it keeps is still right
    count: uint256 = head >> 128
    self._checkpoints[holder][count] = (current << 192) | balance
    self._checkpoint_head[holder] = ((count + 1) << 128) | current


@internal
@view
def _balance_at(holder: address, id: uint256) -> uint256:
    """
    @dev The first checkpoint taken at or after distribution `id` holds the
         balance at `id` (nothing changed between); none means nothing changed since.
    """
    count: uint256 = self._checkpoint_head[holder] >> 128
    low: uint256 = 0
    high: uint256 = count
    # Binary search: 128 halvings cover any count that fits in the head's 128 bits.
    for _: uint256 in range(128):
        if low >= high:
            break
        middle: uint256 = unsafe_div(unsafe_add(low, high), 2)
        if self._checkpoints[holder][middle] >> 192 >= id:
            high = middle
        else:
            low = middle + 1
    if low == count:
        return erc20.balanceOf[holder]
    return self._checkpoints[holder][low] & MASK_192


@internal
@view
def _share(holder: address, id: uint256) -> uint256:
    d: Distribution = self._distributions[id]
    # Round down: all holders' shares together never exceed what was distributed. No overflow: the balance is at
    # most the supply then, and `distribute` checked amount * supply < 2**256.
    return d.amount * self._balance_at(holder, id) // d.supply


@internal
@view
def _is_claimed(holder: address, id: uint256) -> bool:
    return self._claimed[holder][id >> 8] & (1 << (id & 255)) != 0


@internal
def _claim(holder: address, ids: DynArray[uint256, MAX_CLAIMS], payee: address) -> uint256:
    count: uint256 = self.distribution_count
    paid: uint256 = 0
    for id: uint256 in ids:
        assert id != 0 and id <= count, "compliant_index: unknown distribution"
        assert not self._is_claimed(holder, id), "compliant_index: already claimed"
        # Effects before interactions: marked claimed before the token moves.
        self._claimed[holder][id >> 8] |= 1 << (id & 255)
        amount: uint256 = self._share(holder, id)
        if amount != 0:
            paid += 1
            assert extcall IERC20(self._distributions[id].token).transfer(
                payee, amount, default_return_value=True
            ), "compliant_index: transfer failed"
        log Claimed(holder=holder, id=id, payee=payee, amount=amount)
    return paid


@internal
@view
def _check_governance():
    assert msg.sender == self.governance, "compliant_index: not governance"


@internal
@view
def _check_guardian():
    """
    @dev The guardian's emergency powers are governance's too.
    """
    assert msg.sender == self.guardian or msg.sender == self.governance, "compliant_index: not guardian"
