# pragma version 0.4.3
"""
@title Permit Token (USDC-like)
@license MIT
@notice TEST MOCK, never deploy to a live chain. A standard ERC-20 with EIP-2612
        `permit` (snekmate's), any decimals, and an UNRESTRICTED `mint`: the input
        token for one-transaction zaps (`IndexZap.mint_with_permit`).
"""

from snekmate.auth import ownable
from snekmate.tokens import erc20


initializes: ownable
initializes: erc20[ownable := ownable]


# The ERC-20 surface with EIP-2612 permit and the EIP-5267 domain.
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


@deploy
def __init__(name_: String[25], symbol_: String[5], decimals_: uint8):
    """
    @param name_ The token name (also the EIP-712 domain name).
    @param symbol_ The token symbol.
    @param decimals_ The token decimals.
    """
    ownable.__init__()
    erc20.__init__(name_, symbol_, decimals_, name_, "1")


@external
def mint(to: address, amount: uint256):
    """
    @notice Anyone may mint any amount to anyone (a mock).
    @param to The receiver.
    @param amount The amount minted.
    """
    erc20._mint(to, amount)
