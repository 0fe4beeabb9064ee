# pragma version 0.4.3
"""
@title Identity Registry
@license MIT
@notice Who is an investor. An identity is one investor (a person or a
        company) with a country (ISO 3166-1 numeric), an accreditation flag
        and an expiry (when its KYC must be renewed), and one or more wallets.
        Agents, appointed by governance (two-step transfer), register
        identities, add and remove wallets and update identities; every change
        emits an event. `CompliantIndex` reads it on every mint and transfer.
@custom:security The registry holds no funds. Its agents decide who may hold a
                 compliant index, and which wallets are one investor: an agent
                 who adds a wallet of their own to a victim's identity can
                 propose that the victim's shares be recovered to it, which the
                 index only executes after its timelock, announced by events
                 (`WalletAdded` here, `RecoveryProposed` there), so the holder
                 can cancel or redeem first. A wallet belongs to at most one
                 identity; identity 0 means "not registered".
"""


MAX_COUNTRY: constant(uint16) = 999


governance: public(address)
pending_governance: public(address)
is_agent: public(HashMap[address, bool])

# Identities are numbered from 1, so 0 can mean "none" in `identity_of`.
identity_count: public(uint256)
identity_of: public(HashMap[address, uint256])
# country(16) | accredited(8) << 16 | expiry(64) << 24, one slot per identity: a transfer check reads one word.
_identities: HashMap[uint256, uint256]
# Wallets of each identity, so a script can tell how many remain before removing the last.
wallet_count: public(HashMap[uint256, uint256])


event IdentityRegistered:
    identity: indexed(uint256)
    wallet: indexed(address)
    country: uint16
    accredited: bool
    expiry: uint64
    agent: indexed(address)

event IdentityUpdated:
    identity: indexed(uint256)
    country: uint16
    accredited: bool
    expiry: uint64
    agent: indexed(address)

event WalletAdded:
    identity: indexed(uint256)
    wallet: indexed(address)
    agent: indexed(address)

event WalletRemoved:
    identity: indexed(uint256)
    wallet: indexed(address)
    agent: indexed(address)

event AgentAdded:
    agent: indexed(address)

event AgentRemoved:
    agent: indexed(address)

event GovernanceTransferStarted:
    governance: indexed(address)
    pending_governance: indexed(address)

event GovernanceTransferred:
    previous_governance: indexed(address)
    governance: indexed(address)


@deploy
def __init__(governance: address):
    """
    @param governance Who appoints and removes agents (an issuer's multisig or timelock).
    """
    assert governance != empty(address), "identity_registry: zero governance"
    self.governance = governance


@external
def add_agent(agent: address):
    """
    @notice Let `agent` register and update investors. Governance only.
    """
    self._check_governance()
    assert agent != empty(address), "identity_registry: zero agent"
    self.is_agent[agent] = True
    log AgentAdded(agent=agent)


@external
def remove_agent(agent: address):
    """
    @notice Take the agent role away from `agent`, at once. Governance only.
    """
    self._check_governance()
    assert self.is_agent[agent], "identity_registry: not an agent"
    self.is_agent[agent] = False
    log AgentRemoved(agent=agent)


@external
def register_identity(wallet: address, country: uint16, accredited: bool, expiry: uint64) -> uint256:
    """
    @notice Register a new investor with its first wallet. Agents only.
    @param wallet A wallet not registered to any identity.
    @param country ISO 3166-1 numeric code, 1 to 999.
    @param accredited Whether the investor is accredited (or qualified, or professional).
    @param expiry Unix time after which the identity is no longer verified.
    @return The new identity's number (from 1).
    """
    self._check_agent()
    self._check_country(country)
    identity: uint256 = self.identity_count + 1
    self.identity_count = identity
    self._identities[identity] = self._pack(country, accredited, expiry)
    log IdentityRegistered(
        identity=identity, wallet=wallet, country=country, accredited=accredited, expiry=expiry, agent=msg.sender
    )
    self._add_wallet(identity, wallet)
    return identity


@external
def add_wallet(identity: uint256, wallet: address):
    """
    @notice Add another wallet to an existing identity (its balance limit and
            holder count are shared with the identity's other wallets). Agents only.
    """
    self._check_agent()
    assert identity != 0 and identity <= self.identity_count, "identity_registry: unknown identity"
    self._add_wallet(identity, wallet)


@external
def remove_wallet(wallet: address):
    """
    @notice Remove a wallet from its identity: it can no longer receive a
            compliant index (it can still redeem what it holds). Agents only.
    """
    self._check_agent()
    identity: uint256 = self.identity_of[wallet]
    assert identity != 0, "identity_registry: wallet not registered"
    self.identity_of[wallet] = 0
    self.wallet_count[identity] -= 1
    log WalletRemoved(identity=identity, wallet=wallet, agent=msg.sender)


@external
def update_identity(identity: uint256, country: uint16, accredited: bool, expiry: uint64):
    """
    @notice Change an identity's country, accreditation or expiry (a renewed
            KYC, a move). An expiry in the past de-lists it. Agents only.
    """
    self._check_agent()
    assert identity != 0 and identity <= self.identity_count, "identity_registry: unknown identity"
    self._check_country(country)
    self._identities[identity] = self._pack(country, accredited, expiry)
    log IdentityUpdated(identity=identity, country=country, accredited=accredited, expiry=expiry, agent=msg.sender)


@external
def transfer_governance(new_governance: address):
    """
    @notice Start handing governance to `new_governance`, who must call
            `accept_governance`. Zero cancels a pending transfer. Governance only.
    """
    self._check_governance()
    self.pending_governance = new_governance
    log GovernanceTransferStarted(governance=msg.sender, pending_governance=new_governance)


@external
def accept_governance():
    """
    @notice Complete a governance transfer. Pending governance only.
    """
    assert msg.sender == self.pending_governance, "identity_registry: not pending governance"
    previous: address = self.governance
    self.governance = msg.sender
    self.pending_governance = empty(address)
    log GovernanceTransferred(previous_governance=previous, governance=msg.sender)


@external
@view
def identity(identity: uint256) -> (uint16, bool, uint64):
    """
    @notice (country, accredited, expiry) of an identity; all zero if unknown.
    """
    return self._unpack(self._identities[identity])


@external
@view
def is_verified(wallet: address) -> bool:
    """
    @notice Whether `wallet` belongs to an identity whose expiry has not passed.
    """
    identity: uint256 = self.identity_of[wallet]
    if identity == 0:
        return False
    return self._identities[identity] >> 24 > block.timestamp


@external
@view
def investor(wallet: address) -> (uint256, uint16, bool, uint64):
    """
    @notice (identity, country, accredited, expiry) of the identity `wallet`
            belongs to, in one call; identity 0 (and zeros) if not registered.
    """
    identity: uint256 = self.identity_of[wallet]
    country: uint16 = 0
    accredited: bool = False
    expiry: uint64 = 0
    country, accredited, expiry = self._unpack(self._identities[identity])
    return identity, country, accredited, expiry


@internal
def _add_wallet(identity: uint256, wallet: address):
    assert wallet != empty(address), "identity_registry: zero wallet"
    assert self.identity_of[wallet] == 0, "identity_registry: wallet already registered"
    self.identity_of[wallet] = identity
    self.wallet_count[identity] += 1
    log WalletAdded(identity=identity, wallet=wallet, agent=msg.sender)


@internal
@view
def _check_governance():
    assert msg.sender == self.governance, "identity_registry: not governance"


@internal
@view
def _check_agent():
    assert self.is_agent[msg.sender], "identity_registry: not agent"


@internal
@pure
def _check_country(country: uint16):
    assert country != 0 and country <= MAX_COUNTRY, "identity_registry: bad country code"


@internal
@pure
def _pack(country: uint16, accredited: bool, expiry: uint64) -> uint256:
    return convert(country, uint256) | (convert(accredited, uint256) << 16) | (convert(expiry, uint256) << 24)


@internal
@pure
def _unpack(packed: uint256) -> (uint16, bool, uint64):
    return (
        convert(packed & 65535, uint16),
        (packed >> 16) & 1 == 1,
        convert(packed >> 24, uint64),
    )
