# pragma version 0.4.3
"""
@title BareIssuance (benchmark-only floor reference)
@license MIT
@notice Benchmark-only. Not for deployment. The cheapest honest basket token we can write: it holds a fixed
        basket of ERC-20 components and keeps a bare balance/supply ledger for the index token. Anyone may mint
        by depositing the basket and redeem by burning. There are no fees, roles, pause, reentrancy lock, or
        full ERC-20 surface (no transfer/approve). `benchmarks/gas_vs_set.py` uses it as the gas floor that the
        IndexVault is measured against, next to Set Protocol v2's BasicIssuanceModule.
@custom:security Rounding favours the contract: mint pulls ceil(unit * amount / 1e18) of each component, redeem
                 pays floor(unit * amount / 1e18). Every pull is checked by balance delta, so fee-on-transfer
                 tokens revert. Rebasing tokens, ERC-777 hooks and reentrancy are not defended against.
@custom:kill None: there is no emergency path, by design (it would cost gas the floor must not pay).
"""

from ethereum.ercs import IERC20


# Upper bound on basket size; the benchmark goes up to 20.
MAX_COMPONENTS: constant(uint256) = 32
# Component units are per 1e18 index tokens (the same convention as Set v2 position units).
PRECISION: constant(uint256) = 10**18
UNIT_SHIFT: constant(uint256) = 160
ADDRESS_MASK: constant(uint256) = 2**160 - 1
MAX_UNIT: constant(uint256) = 2**96 - 1


# One slot per component so that mint/redeem pay one SLOAD per component: unit(96) | token(160).
_components: DynArray[uint256, MAX_COMPONENTS]

balanceOf: public(HashMap[address, uint256])
totalSupply: public(uint256)


event Transfer:
    sender: indexed(address)
    receiver: indexed(address)
    value: uint256


@deploy
def __init__(components: DynArray[address, MAX_COMPONENTS], units: DynArray[uint256, MAX_COMPONENTS]):
    assert len(components) != 0, "bare_issuance: empty basket"
    assert len(components) == len(units), "bare_issuance: length mismatch"
    for i: uint256 in range(len(components), bound=MAX_COMPONENTS):
        assert components[i] != empty(address), "bare_issuance: zero component"
        assert units[i] != 0, "bare_issuance: zero unit"
        assert units[i] <= MAX_UNIT, "bare_issuance: unit exceeds 96 bits"
        self._components.append(self._pack(components[i], units[i]))


@external
@view
def component_count() -> uint256:
    return len(self._components)


@external
@view
def component(index: uint256) -> (address, uint256):
    return self._unpack(self._components[index])


@external
def mint(amount: uint256, receiver: address):
    """
    @notice Pull ceil(unit * amount / 1e18) of every component from the caller and credit `amount` to `receiver`.
    """
    assert amount != 0, "bare_issuance: zero amount"
    for packed: uint256 in self._components:
        token: address = empty(address)
        unit: uint256 = 0
        token, unit = self._unpack(packed)
        # Round up: the minter pays the dust. unit < 2**96, so unit * amount reverts (checked) only for absurd amounts.
        owed: uint256 = (unit * amount + PRECISION - 1) // PRECISION
        before: uint256 = staticcall IERC20(token).balanceOf(self)
        assert extcall IERC20(token).transferFrom(msg.sender, self, owed, default_return_value=True), (
            "bare_issuance: transferFrom failed"
        )
        # Balance-delta check: rejects fee-on-transfer tokens instead of minting against tokens never received.
        assert staticcall IERC20(token).balanceOf(self) - before == owed, "bare_issuance: short transfer"
    self.balanceOf[receiver] += amount
    self.totalSupply += amount
    log Transfer(sender=empty(address), receiver=receiver, value=amount)


@external
def redeem(amount: uint256, receiver: address):
    """
    @notice Burn `amount` from the caller and send floor(unit * amount / 1e18) of every component to `receiver`.
    """
    assert amount != 0, "bare_issuance: zero amount"
    # Checks-effects-interactions: burn before any component leaves the contract.
    balance: uint256 = self.balanceOf[msg.sender]
    assert balance >= amount, "bare_issuance: insufficient balance"
    self.balanceOf[msg.sender] = unsafe_sub(balance, amount)
    # The caller's balance is part of the supply, so amount <= balance <= totalSupply: no underflow.
    self.totalSupply = unsafe_sub(self.totalSupply, amount)
    log Transfer(sender=msg.sender, receiver=empty(address), value=amount)
    for packed: uint256 in self._components:
        token: address = empty(address)
        unit: uint256 = 0
        token, unit = self._unpack(packed)
        # Round down: the redeemer leaves the dust in the contract.
        assert extcall IERC20(token).transfer(receiver, unit * amount // PRECISION, default_return_value=True), (
            "bare_issuance: transfer failed"
        )


@internal
@pure
def _pack(token: address, unit: uint256) -> uint256:
    # unit(96) | token(160)
    return (unit << UNIT_SHIFT) | convert(token, uint256)


@internal
@pure
def _unpack(packed: uint256) -> (address, uint256):
    return convert(packed & ADDRESS_MASK, address), packed >> UNIT_SHIFT
