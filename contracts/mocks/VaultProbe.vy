# pragma version 0.4.3
"""
@title Vault Probe
@license MIT
@notice TEST HELPER: reads everything the stateful tests check about a vault in one
        call (ape's test chain answers ~100 calls a second, so per-field reads
        would dominate the suite's run time).
"""

from ethereum.ercs import IERC20


interface IIndexVault:
    def totalSupply() -> uint256: view
    def balanceOf(account: address) -> uint256: view
    def basket() -> (DynArray[address, 32], DynArray[uint256, 32]): view
    def last_accrual() -> uint256: view
    def mint_paused() -> bool: view


struct VaultView:
    timestamp: uint256
    supply: uint256
    shares: DynArray[uint256, 8]
    held: DynArray[uint256, 8]
    units: DynArray[uint256, 32]
    last_accrual: uint256
    mint_paused: bool


@external
@view
def read(vault: address, holders: DynArray[address, 8], tokens: DynArray[address, 8]) -> VaultView:
    """
    @notice The vault's supply, each holder's shares, the vault's balance of each
            token, its units, last accrual and pause flag, at this block's timestamp.
    """
    tokens_in_basket: DynArray[address, 32] = []
    units: DynArray[uint256, 32] = []
    tokens_in_basket, units = staticcall IIndexVault(vault).basket()
    shares: DynArray[uint256, 8] = []
    for holder: address in holders:
        shares.append(staticcall IIndexVault(vault).balanceOf(holder))
    return VaultView(
        timestamp=block.timestamp,
        supply=staticcall IIndexVault(vault).totalSupply(),
        shares=shares,
        held=self._balances(tokens, vault),
        units=units,
        last_accrual=staticcall IIndexVault(vault).last_accrual(),
        mint_paused=staticcall IIndexVault(vault).mint_paused(),
    )


@external
@view
def balances(tokens: DynArray[address, 8], account: address) -> DynArray[uint256, 8]:
    """
    @notice `account`'s balance of each token.
    """
    return self._balances(tokens, account)


@internal
@view
def _balances(tokens: DynArray[address, 8], account: address) -> DynArray[uint256, 8]:
    result: DynArray[uint256, 8] = []
    for token: address in tokens:
        result.append(staticcall IERC20(token).balanceOf(account))
    return result
