# pragma version 0.4.3
"""
@title Votes token (test only)
@license MIT
@notice A snekmate ERC-20 with EIP-2612 permit and the ERC-5805 votes module, which
        its owner mints freely and holders burn: the smallest token that shows how a
        token wires `votes._transfer_voting_units` after each balance change, and
        what OpenZeppelin's Governor votes with in the tests.
@custom:security Test only: the owner mints without limit.
"""

from snekmate.auth import ownable
from snekmate.tokens import erc20

from ..modules import votes


initializes: ownable
initializes: erc20[ownable := ownable]
initializes: votes[erc20 := erc20]


# ERC-20 views, permit and the EIP-712 domain straight from snekmate; the moving functions are wrapped below.
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
    ownable.owner,
)


# ERC-5805 and ERC-6372.
exports: votes.__interface__


@deploy
def __init__(name: String[25], symbol: String[5]):
    ownable.__init__()
    erc20.__init__(name, symbol, 18, name, "1")


@external
def transfer(to: address, amount: uint256) -> bool:
    """
    @notice ERC-20 transfer; moves the votes too.
    """
    erc20._transfer(msg.sender, to, amount)
    votes._transfer_voting_units(msg.sender, to, amount)
    return True


@external
def transferFrom(owner: address, to: address, amount: uint256) -> bool:
    """
    @notice ERC-20 transferFrom; moves the votes too.
    """
    erc20._spend_allowance(owner, msg.sender, amount)
    erc20._transfer(owner, to, amount)
    votes._transfer_voting_units(owner, to, amount)
    return True


@external
def mint(owner: address, amount: uint256):
    """
    @notice Owner only: create `amount` tokens for `owner`.
    """
    ownable._check_owner()
    erc20._mint(owner, amount)
    votes._transfer_voting_units(empty(address), owner, amount)


@external
def burn(amount: uint256):
    """
    @notice Destroy `amount` of the caller's tokens.
    """
    erc20._burn(msg.sender, amount)
    votes._transfer_voting_units(msg.sender, empty(address), amount)
