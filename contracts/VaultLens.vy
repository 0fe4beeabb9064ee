# pragma version 0.4.3
"""
@title Vault Lens
@license MIT
@notice Read-only views over any `IndexVault` and its `RebalancePolicy`, for
        the keeper, wallets and dashboards: `state(vault)` returns everything
        a keeper plans a rebalance with in one call (one RPC round trip),
        `access(vault, account, adapter)` says what one keeper may do there
        (in the same batch, so a keeper never simulates a trade it may not
        send), `nav(vault)` and `nav_per_share(vault)` value the basket at the
        policy's oracle prices. One lens serves every vault.
@custom:security Holds nothing, writes nothing, trusts nothing it reads: a
                 vault passed in that is not from the factory gets its own
                 answers back. Check `VaultFactory.is_vault` first. Values are
                 each rounded down by the oracle.
"""

from .interfaces import IIndexVault
from .interfaces import IOracleRouter
from .modules import vault_params


interface IPolicyView:
    def oracle() -> address: view
    def targets() -> (DynArray[uint256, 32], DynArray[uint256, 32], DynArray[uint256, 32]): view
    def limits() -> vault_params.Limits: view
    def last_rebalance() -> uint256: view
    def last_target_change() -> uint256: view
    def rebalance_paused() -> bool: view
    def is_keeper(account: address) -> bool: view
    def is_adapter(adapter: address) -> bool: view
    def strategist() -> address: view


MAX_COMPONENTS: constant(uint256) = vault_params.MAX_COMPONENTS
PRECISION: constant(uint256) = 10**18
# An ABI-encoded DynArray[uint256, 32]: offset, length and 32 words.
PRICES_SIZE: constant(uint256) = 32 * (MAX_COMPONENTS + 2)
# Tokens a keeper may ask about as intermediate hops of a swap path, per call.
MAX_HOPS: constant(uint256) = 16
# Enough of a revert for an `Error(string)` of up to 64 bytes: the oracle's reasons are shorter.
REASON_SIZE: constant(uint256) = 196


# Everything a keeper needs to plan one vault's rebalances.
struct VaultState:
    vault: address
    policy: address
    tokens: DynArray[address, MAX_COMPONENTS]
    units: DynArray[uint256, MAX_COMPONENTS]  # per 1e18 index tokens, rounded down, fees accrued
    holdings: DynArray[uint256, MAX_COMPONENTS]  # what all holders own, rounded down
    targets: DynArray[uint256, MAX_COMPONENTS]
    min_weights: DynArray[uint256, MAX_COMPONENTS]
    max_weights: DynArray[uint256, MAX_COMPONENTS]
    prices: DynArray[uint256, MAX_COMPONENTS]  # 18-decimal USD per whole token; empty if the oracle refuses one
    decimals: DynArray[uint8, MAX_COMPONENTS]  # as the oracle values each token (0 = no feed)
    feeds: DynArray[address, MAX_COMPONENTS]  # each token's price feed, for the keeper's price history
    supply: uint256
    limits: vault_params.Limits
    last_rebalance: uint256
    last_target_change: uint256
    mint_paused: bool
    rebalance_paused: bool
    oracle: address
    timestamp: uint256


# What one account may do in one vault, and what the keeper must know to route and to explain a refusal.
struct Access:
    keeper: bool  # `account` may rebalance
    strategist: bool  # `account` may set targets
    adapter: bool  # the policy allows `adapter`
    hops: DynArray[address, MAX_HOPS]  # the candidates the vault's oracle prices: a swap path may pass through them
    refused: DynArray[address, MAX_COMPONENTS]  # tokens the oracle refuses to price (empty when it prices all)
    reason: Bytes[REASON_SIZE]  # the oracle's revert data for the first refused token


@external
@view
def state(vault: address) -> VaultState:
    """
    @notice The basket, units and holdings (fees accrued to this block),
            targets and bounds, oracle prices, token decimals and feeds, supply, limits, cooldown and
            pause state of `vault`. `prices` is empty when the oracle refuses
            any of them (stale, out of band, sequencer down), so the rest can
            still be read.
    @param vault An `IndexVault`.
    """
    policy: IPolicyView = IPolicyView(staticcall IIndexVault(vault).policy())
    tokens: DynArray[address, MAX_COMPONENTS] = []
    units: DynArray[uint256, MAX_COMPONENTS] = []
    held: DynArray[uint256, MAX_COMPONENTS] = []
    tokens, units = staticcall IIndexVault(vault).basket()
    tokens, held = staticcall IIndexVault(vault).holdings()
    targets: DynArray[uint256, MAX_COMPONENTS] = []
    min_weights: DynArray[uint256, MAX_COMPONENTS] = []
    max_weights: DynArray[uint256, MAX_COMPONENTS] = []
    targets, min_weights, max_weights = staticcall policy.targets()

    oracle: address = staticcall policy.oracle()
    prices: DynArray[uint256, MAX_COMPONENTS] = []
    ok: bool = False
    response: Bytes[PRICES_SIZE] = b""
    # A refused price must not hide the rest of the state from the keeper.
    ok, response = raw_call(
        oracle,
        abi_encode(tokens, method_id=method_id("prices(address[])")),
        max_outsize=PRICES_SIZE,
        is_static_call=True,
        revert_on_failure=False,
    )
    if ok:
        prices = abi_decode(response, DynArray[uint256, MAX_COMPONENTS])
    decimals: DynArray[uint8, MAX_COMPONENTS] = []
    feeds: DynArray[address, MAX_COMPONENTS] = []
    for token: address in tokens:
        config: IOracleRouter.FeedConfig = staticcall IOracleRouter(oracle).feed_config(token)
        decimals.append(config.token_decimals)
        feeds.append(config.feed)

    return VaultState(
        vault=vault,
        policy=policy.address,
        tokens=tokens,
        units=units,
        holdings=held,
        targets=targets,
        min_weights=min_weights,
        max_weights=max_weights,
        prices=prices,
        decimals=decimals,
        feeds=feeds,
        supply=staticcall IIndexVault(vault).totalSupply(),
        limits=staticcall policy.limits(),
        last_rebalance=staticcall policy.last_rebalance(),
        last_target_change=staticcall policy.last_target_change(),
        mint_paused=staticcall IIndexVault(vault).mint_paused(),
        rebalance_paused=staticcall policy.rebalance_paused(),
        oracle=oracle,
        timestamp=block.timestamp,
    )


@external
@view
def access(
    vault: address, account: address, adapter: address, candidates: DynArray[address, MAX_HOPS]
) -> Access:
    """
    @notice Whether `account` is a keeper or the strategist of `vault`, whether
            its policy allows `adapter`, which of `candidates` a swap path may
            pass through (the policy allows a hop its oracle prices), and
            which tokens its oracle refuses to price (with the first refusal's
            reason). A keeper reads this beside `state(vault)` in one batch and
            acts only where it may: a stranger's vault then costs it nothing.
    @param vault An `IndexVault`.
    @param account The keeper's (or strategist's) address.
    @param adapter The swap adapter the keeper trades through.
    @param candidates Tokens the keeper would route through.
    """
    policy: IPolicyView = IPolicyView(staticcall IIndexVault(vault).policy())
    oracle: address = staticcall policy.oracle()
    # The policy lets a path pass through any token its oracle prices (`rebalance_policy: hop not priced`).
    hops: DynArray[address, MAX_HOPS] = []
    for candidate: address in candidates:
        if (staticcall IOracleRouter(oracle).feed_config(candidate)).feed != empty(address):
            hops.append(candidate)

    # Which price the oracle refuses is only worth finding out when it refuses one: one call per token then.
    tokens: DynArray[address, MAX_COMPONENTS] = []
    units: DynArray[uint256, MAX_COMPONENTS] = []
    tokens, units = staticcall IIndexVault(vault).basket()
    ok: bool = False
    refused: DynArray[address, MAX_COMPONENTS] = []
    reason: Bytes[REASON_SIZE] = b""
    priced: Bytes[PRICES_SIZE] = b""
    ok, priced = raw_call(
        oracle,
        abi_encode(tokens, method_id=method_id("prices(address[])")),
        max_outsize=PRICES_SIZE,
        is_static_call=True,
        revert_on_failure=False,
    )
    if not ok:
        for token: address in tokens:
            answer: Bytes[REASON_SIZE] = b""
            ok, answer = raw_call(
                oracle,
                abi_encode(token, method_id=method_id("price(address)")),
                max_outsize=REASON_SIZE,
                is_static_call=True,
                revert_on_failure=False,
            )
            if not ok:
                if len(refused) == 0:
                    reason = answer
                refused.append(token)

    return Access(
        keeper=staticcall policy.is_keeper(account),
        strategist=staticcall policy.strategist() == account,
        adapter=staticcall policy.is_adapter(adapter),
        hops=hops,
        refused=refused,
        reason=reason,
    )


@external
@view
def nav(vault: address) -> uint256:
    """
    @notice The USD value (18 decimals) of what all of `vault`'s holders own, at
            its policy's oracle prices, each component rounded down; reverts
            with the oracle's reason when it refuses a price.
    @param vault An `IndexVault`.
    """
    return self._nav(vault)


@external
@view
def nav_per_share(vault: address) -> uint256:
    """
    @notice `nav(vault)` per 1e18 index tokens (USD, 18 decimals), rounded down; 0 with no supply.
    @param vault An `IndexVault`.
    """
    supply: uint256 = staticcall IIndexVault(vault).totalSupply()
    if supply == 0:
        return 0
    return self._nav(vault) * PRECISION // supply


@internal
@view
def _nav(vault: address) -> uint256:
    tokens: DynArray[address, MAX_COMPONENTS] = []
    held: DynArray[uint256, MAX_COMPONENTS] = []
    tokens, held = staticcall IIndexVault(vault).holdings()
    oracle: IOracleRouter = IOracleRouter(staticcall IPolicyView(staticcall IIndexVault(vault).policy()).oracle())
    total: uint256 = 0
    for v: uint256 in staticcall oracle.values(tokens, held):
        total += v
    return total
