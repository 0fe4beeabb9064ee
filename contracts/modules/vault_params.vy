# pragma version ~=0.4.3
"""
@title Vault Parameters
@license MIT
@notice The shapes `VaultFactory.create_vault` passes to a vault's
        `RebalancePolicy` (and `create_compliant_vault` to a `CompliantIndex`),
        in one place so the contracts (and the ABI that scripts and the keeper
        read) agree. No state, no functions.
"""


MAX_COMPONENTS: constant(uint256) = 32
# Keepers and adapters a vault can be created with; more can be added later.
MAX_INITIAL_ROLES: constant(uint256) = 8


# The keeper's bounds, in basis points of NAV or weight unless named in seconds.
# A change that loosens any field is risk-increasing (timelocked); one that
# tightens every field takes effect at once.
struct Limits:
    max_slippage: uint256  # min_out must be worth >= (1 - max_slippage) of what is sold, at oracle prices
    max_trade: uint256  # the value sold in one rebalance, as a share of NAV
    max_nav_loss: uint256  # value sold minus value bought, as a share of NAV
    tolerance: uint256  # how far past its target a leg may end up
    cooldown: uint256  # seconds between two rebalances
    target_step: uint256  # how far the strategist may move one target per period
    target_period: uint256  # seconds between two strategist target changes
    loss_budget: uint256  # what all trades together may lose, as a share of NAV per rolling 24 h


# What `VaultFactory.create_vault` passes to a new vault's `RebalancePolicy`;
# the lists of weights follow the vault's component order.
struct PolicyParams:
    oracle: address
    strategist: address
    keepers: DynArray[address, MAX_INITIAL_ROLES]
    adapters: DynArray[address, MAX_INITIAL_ROLES]
    # (No hop list: a swap path may pass only through tokens the vault's oracle prices; see RebalancePolicy.)
    targets: DynArray[uint256, MAX_COMPONENTS]  # weights in bps, summing to 10,000
    min_weights: DynArray[uint256, MAX_COMPONENTS]  # governance bounds on each target
    max_weights: DynArray[uint256, MAX_COMPONENTS]
    limits: Limits


MAX_BLOCKED_COUNTRIES: constant(uint256) = 16


# What `VaultFactory.create_compliant_vault` passes to a new `CompliantIndex`: the
# transfer rules its holders live under. Tightening any field takes effect at
# once; loosening any field (or changing the registry) waits the timelock.
struct ComplianceParams:
    registry: address  # an IdentityRegistry: who is an investor, from where, until when
    blocked_countries: DynArray[uint16, MAX_BLOCKED_COUNTRIES]  # ISO 3166-1 numeric codes that may not hold
    max_holders: uint256  # investor identities holding at once; 0 = no limit
    max_balance: uint256  # shares one identity may hold over all its wallets; 0 = no limit
    lockup: uint256  # seconds newly minted shares cannot be transferred (redeeming is never locked)
