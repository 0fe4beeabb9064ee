# pragma version 0.4.3
"""
@title Index Zap
@license MIT
@notice Mint an index with one token (or ETH, wrapped to WETH) and redeem it to one
        token. `mint` buys exactly what the vault will pull for `shares` through
        adapters the vault's own policy allows, mints to the receiver and refunds
        every leftover component to the caller; the input pulled is exactly what
        the legs sell, never more than `max_in`. `mint_exact_in` sells a fixed
        input over the legs and mints the most shares the components bought cover.
        `redeem` redeems the caller's shares here, sells every component received
        for `token_out` and pays the receiver at least `min_out`. The zap has no
        owner, no settings and no storage: only the WETH address, fixed at deploy.
@custom:security Price protection is two-fold. (1) Each mint leg's `min_out` is
                 exactly what `vault.preview_mint(shares)` will pull of that
                 component, so a sandwich that makes any leg buy less reverts the
                 whole call. (2) An oracle bound: the input spent, valued by the
                 vault's oracle (`policy.oracle()`), may exceed the value of the
                 components it bought by at most `max_slippage` (capped at
                 MAX_SLIPPAGE), in total and leg by leg; on redeem, the `token_out`
                 each leg bought must be worth at least (1 - max_slippage) of the
                 component it sold. Components that are the input (or the output)
                 itself are not swapped and not counted as slippage. Fees the vault
                 charges (mint/redeem fees in shares) are not slippage either: the
                 bound compares what was swapped, and `max_in`/`min_shares`/
                 `min_out` bound what the caller pays and gets.
                 Holding nothing: the input is pulled once and checked by balance
                 delta (fee-on-transfer inputs revert); every approval (adapter,
                 vault) is for exactly the amount the spender then pulls, and the
                 zap checks by its balances that it was pulled, so no allowance
                 survives a call; every component left over is sent back to the
                 caller, every unspent wei of ETH refunded. The zap only ever pulls
                 tokens from `msg.sender`, so an allowance a wallet leaves on the
                 zap can be spent by that wallet alone. Tokens sent here by mistake
                 go to the next caller who mints or redeems through that component.
                 The vault is whatever the caller names: the zap asks it for its
                 basket and policy and trusts nothing else of it, so a hostile
                 "vault" can hurt only the caller who named it (with their own
                 input, up to `max_in`), never another wallet or allowance.
                 Unsupported: fee-on-transfer and rebasing tokens as input, output
                 or component (the zap, an adapter or the vault reverts).
@custom:kill Nothing to stop: no owner and no state. A vault whose mint is paused
             refuses zap mints with its own reason; zap redeems keep working.
             An adapter the vault's policy removes is refused at once.
"""

from ethereum.ercs import IERC20

from .interfaces import IOracleRouter
from .interfaces import ISwapAdapter
from .interfaces import IWETH
from .interfaces import IZapPolicy
from .interfaces import IZapVault


# As in IndexVault: at most 32 components, so one leg each.
MAX_COMPONENTS: constant(uint256) = 32
BPS: constant(uint256) = 10_000
# A slippage bound looser than 10 % protects nothing worth the name; a caller asking for more is mistaken.
MAX_SLIPPAGE: constant(uint256) = 1_000
# `mint_exact_in` sizes its mint from what 1e9 index tokens would pull: large enough that the vault's round-up
# (at most 1 wei a component) is negligible, small enough that (amount + fee) * multiplier cannot overflow.
PROBE: constant(uint256) = 10**27
# Each sizing round lowers the share amount to what the most short component covers; two suffice in practice.
SIZING_ROUNDS: constant(uint256) = 8


struct Leg:
    # An adapter the vault's policy allows; empty when the component IS the input (mint) or output (redeem) token.
    adapter: address
    # The adapter's path: input token -> component (mint) or component -> output token (redeem).
    data: Bytes[256]
    # Mint: the input this leg sells (from an off-chain quote). Ignored on redeem, where a leg sells all it got.
    amount_in: uint256


# Wraps ETH sent to `mint`/`mint_exact_in`; ETH input means `token_in == WETH`.
WETH: public(immutable(address))


event ZapMinted:
    vault: indexed(address)
    sender: indexed(address)
    receiver: indexed(address)
    token_in: address
    spent: uint256
    shares: uint256


event ZapRedeemed:
    vault: indexed(address)
    sender: indexed(address)
    receiver: indexed(address)
    token_out: address
    shares: uint256
    received: uint256


@deploy
def __init__(weth: address):
    """
    @param weth The WETH9 that ETH input is wrapped into.
    """
    assert weth.is_contract, "index_zap: weth is not a contract"
    WETH = weth


@external
@payable
@nonreentrant
def mint(
    vault: address,
    shares: uint256,
    token_in: address,
    max_in: uint256,
    legs: DynArray[Leg, MAX_COMPONENTS],
    max_slippage: uint256,
    receiver: address,
) -> uint256:
    """
    @notice Mint exactly `shares` of `vault` to `receiver`, paying with `token_in` only.
            Approve the zap for `max_in` of `token_in` first, or send ETH with
            `token_in == WETH` and `max_in == msg.value`. Unspent ETH comes back as
            ETH; components bought beyond what the vault pulled come back to the caller.
    @dev Reverts with the vault's own reason when its mint is paused.
    @param vault The index.
    @param shares Index tokens to mint (18 decimals), mint fee on top as the vault charges it.
    @param token_in The one token paid.
    @param max_in The most `token_in` the call may spend.
    @param legs One per component in `vault.basket()` order; `amount_in` is what the leg sells.
    @param max_slippage Basis points the input may be worth above what it buys, at oracle prices.
    @param receiver Who gets the shares.
    @return The `token_in` actually spent.
    """
    assert shares != 0, "index_zap: zero shares"
    assert max_in != 0, "index_zap: zero max_in"
    self._check_eth(token_in, max_in, msg.value)
    spent: uint256 = self._mint_shares(
        IZapVault(vault), shares, token_in, max_in, legs, max_slippage, receiver, msg.value
    )
    self._refund_eth(spent, msg.value)
    return spent


@external
@payable
@nonreentrant
def mint_exact_in(
    vault: address,
    token_in: address,
    amount_in: uint256,
    min_shares: uint256,
    legs: DynArray[Leg, MAX_COMPONENTS],
    max_slippage: uint256,
    receiver: address,
) -> uint256:
    """
    @notice Spend exactly `amount_in` of `token_in` over the legs and mint to `receiver`
            the most shares the components bought cover, at least `min_shares`.
            Components left over (the basket's proportions never match a quote
            exactly) come back to the caller.
    @param vault The index.
    @param token_in The one token paid (WETH when sending ETH, with `amount_in == msg.value`).
    @param amount_in Exactly what is spent; the legs' `amount_in` must add up to it (a leg
           whose component is `token_in` keeps its part unswapped).
    @param min_shares The fewest shares accepted.
    @param legs One per component in `vault.basket()` order.
    @param max_slippage Basis points the input may be worth above what it buys, at oracle prices.
    @param receiver Who gets the shares.
    @return The shares minted.
    """
    assert amount_in != 0, "index_zap: zero amount"
    self._check_eth(token_in, amount_in, msg.value)
    policy: IZapPolicy = empty(IZapPolicy)
    tokens: DynArray[address, MAX_COMPONENTS] = []
    policy, tokens = self._check(IZapVault(vault), legs, max_slippage, receiver)

    total: uint256 = 0
    for leg: Leg in legs:
        total += leg.amount_in
    assert total == amount_in, "index_zap: legs do not add up to amount_in"

    in_before: uint256 = self._pull(token_in, amount_in, msg.value)
    held: DynArray[uint256, MAX_COMPONENTS] = self._buy(policy, tokens, token_in, in_before, legs, [], False)
    self._check_bought(policy, tokens, held, token_in, amount_in, legs, max_slippage)

    shares: uint256 = self._size(IZapVault(vault), held)
    assert shares != 0, "index_zap: buys no shares"
    assert shares >= min_shares, "index_zap: below min_shares"
    self._deliver(IZapVault(vault), tokens, staticcall IZapVault(vault).preview_mint(shares), held, shares, receiver)
    log ZapMinted(vault=vault, sender=msg.sender, receiver=receiver, token_in=token_in, spent=amount_in, shares=shares)
    return shares


@external
@nonreentrant
def mint_with_permit(
    vault: address,
    shares: uint256,
    token_in: address,
    max_in: uint256,
    legs: DynArray[Leg, MAX_COMPONENTS],
    max_slippage: uint256,
    receiver: address,
    deadline: uint256,
    v: uint8,
    r: bytes32,
    s: bytes32,
) -> uint256:
    """
    @notice `mint` in one transaction for a `token_in` with EIP-2612: the signature
            permits the zap to pull up to `max_in`. If the permit was already used
            (someone front-ran it from the mempool), an allowance of at least
            `max_in` is accepted instead, so the front-run cannot block the mint.
    @param vault The index.
    @param shares Index tokens to mint.
    @param token_in The one token paid; it must implement EIP-2612 `permit`.
    @param max_in The most `token_in` spent, and the permitted amount.
    @param legs One per component in `vault.basket()` order.
    @param max_slippage Basis points the input may be worth above what it buys, at oracle prices.
    @param receiver Who gets the shares.
    @param deadline The permit's deadline.
    @param v The permit signature's v.
    @param r The permit signature's r.
    @param s The permit signature's s.
    @return The `token_in` actually spent.
    """
    assert shares != 0, "index_zap: zero shares"
    assert max_in != 0, "index_zap: zero max_in"
    # The permit's own success is not trusted either way: a front-run makes it revert though the allowance is there,
    # and a token with a catch-all fallback (WETH9) "succeeds" without setting one: `permitted` is not relied on, the
    # allowance decides.
    permitted: bool = raw_call(
        token_in,
        abi_encode(
            msg.sender, self, max_in, deadline, v, r, s,
            method_id=method_id("permit(address,address,uint256,uint256,uint8,bytes32,bytes32)"),
        ),
        revert_on_failure=False,
    )  # fmt: skip
    assert staticcall IERC20(token_in).allowance(msg.sender, self) >= max_in, "index_zap: permit failed"
    return self._mint_shares(IZapVault(vault), shares, token_in, max_in, legs, max_slippage, receiver, 0)


@external
@nonreentrant
def redeem(
    vault: address,
    shares: uint256,
    token_out: address,
    min_out: uint256,
    legs: DynArray[Leg, MAX_COMPONENTS],
    skip: DynArray[address, MAX_COMPONENTS],
    max_slippage: uint256,
    receiver: address,
) -> uint256:
    """
    @notice Redeem `shares` of the caller's index tokens (approve the zap for them first)
            and pay `receiver` everything the basket returns, sold for `token_out`.
            Works while minting is paused. Components in `skip` are forfeited to the
            other holders, as with the vault's own `redeem`, and never swapped.
    @param vault The index.
    @param shares Index tokens redeemed, redeem fee included as the vault charges it.
    @param token_out The one token paid out.
    @param min_out The least `token_out` accepted.
    @param legs One per component in `vault.basket()` order: a path component -> `token_out`
           (empty adapter for `token_out` itself or a skipped component); `amount_in` is ignored.
    @param skip Components not to receive (frozen, blacklisted).
    @param max_slippage Basis points each leg's output may be worth below what it sold, at oracle prices.
    @param receiver Who gets the `token_out`.
    @return The `token_out` paid to `receiver`.
    """
    assert shares != 0, "index_zap: zero shares"
    policy: IZapPolicy = empty(IZapPolicy)
    tokens: DynArray[address, MAX_COMPONENTS] = []
    policy, tokens = self._check(IZapVault(vault), legs, max_slippage, receiver)

    # The shares come from the caller only; the vault burns them here and pays the basket here.
    assert extcall IZapVault(vault).transferFrom(msg.sender, self, shares, default_return_value=True), (
        "index_zap: transfer failed"
    )
    extcall IZapVault(vault).redeem(shares, self, skip)

    # What the vault paid of `token_out` itself (if it is a component) is kept as it is, unswapped.
    direct: uint256 = staticcall IERC20(token_out).balanceOf(self)
    out: uint256 = direct
    sold_tokens: DynArray[address, MAX_COMPONENTS] = []
    sold: DynArray[uint256, MAX_COMPONENTS] = []
    bought: DynArray[uint256, MAX_COMPONENTS] = []
    for i: uint256 in range(len(tokens), bound=MAX_COMPONENTS):
        token: address = tokens[i]
        if token in skip:
            continue
        if token == token_out:
            assert legs[i].adapter == empty(address), "index_zap: direct leg has an adapter"
            continue
        amount: uint256 = staticcall IERC20(token).balanceOf(self)
        if amount == 0:
            continue  # a component with a zero unit pays nothing
        self._swap(policy, legs[i], token, token_out, amount, 0)
        # The adapter pulls exactly `amount`, which also spends the allowance back to zero.
        assert staticcall IERC20(token).balanceOf(self) == 0, "index_zap: adapter left a component"
        after: uint256 = staticcall IERC20(token_out).balanceOf(self)
        sold_tokens.append(token)
        sold.append(amount)
        bought.append(after - out)
        out = after

    if len(sold) != 0:
        # Oracle bound, leg by leg: what each leg bought is worth at least (1 - slippage) of what it sold.
        oracle: IOracleRouter = IOracleRouter(staticcall policy.oracle())
        worth_in: DynArray[uint256, MAX_COMPONENTS] = staticcall oracle.values(sold_tokens, sold)
        swapped: uint256 = out - direct
        worth_out: uint256 = (staticcall oracle.values([token_out], [swapped]))[0]
        total_in: uint256 = 0
        for i: uint256 in range(len(sold), bound=MAX_COMPONENTS):
            total_in += worth_in[i]
            # Floor: the leg's share of the output's value, rounded against the trade.
            leg_out: uint256 = 0
            if swapped != 0:
                leg_out = worth_out * bought[i] // swapped
            assert leg_out * BPS >= worth_in[i] * (BPS - max_slippage), "index_zap: leg slippage"
        assert worth_out * BPS >= total_in * (BPS - max_slippage), "index_zap: slippage"

    assert out >= min_out, "index_zap: below min_out"
    if out != 0:
        assert extcall IERC20(token_out).transfer(receiver, out, default_return_value=True), (
            "index_zap: transfer failed"
        )
    log ZapRedeemed(vault=vault, sender=msg.sender, receiver=receiver, token_out=token_out, shares=shares, received=out)
    return out


@internal
def _mint_shares(
    vault: IZapVault,
    shares: uint256,
    token_in: address,
    max_in: uint256,
    legs: DynArray[Leg, MAX_COMPONENTS],
    max_slippage: uint256,
    receiver: address,
    eth: uint256,
) -> uint256:
    """
    @dev `mint` after its own checks: buy what `preview_mint(shares)` owes, check the
         oracle bound, mint, refund leftovers. Returns the input spent.
    """
    policy: IZapPolicy = empty(IZapPolicy)
    tokens: DynArray[address, MAX_COMPONENTS] = []
    policy, tokens = self._check(vault, legs, max_slippage, receiver)
    owed: DynArray[uint256, MAX_COMPONENTS] = staticcall vault.preview_mint(shares)

    # The input is what the swap legs sell plus what the vault owes of the input itself (never swapped).
    spent: uint256 = 0
    for i: uint256 in range(len(tokens), bound=MAX_COMPONENTS):
        if tokens[i] == token_in:
            spent += owed[i]
        else:
            spent += legs[i].amount_in
    assert spent <= max_in, "index_zap: max_in exceeded"

    in_before: uint256 = self._pull(token_in, spent, eth)
    held: DynArray[uint256, MAX_COMPONENTS] = self._buy(policy, tokens, token_in, in_before, legs, owed, True)
    self._check_bought(policy, tokens, held, token_in, spent, legs, max_slippage)
    self._deliver(vault, tokens, owed, held, shares, receiver)
    log ZapMinted(vault=vault.address, sender=msg.sender, receiver=receiver, token_in=token_in, spent=spent, shares=shares)
    return spent


@internal
@view
def _check(
    vault: IZapVault, legs: DynArray[Leg, MAX_COMPONENTS], max_slippage: uint256, receiver: address
) -> (IZapPolicy, DynArray[address, MAX_COMPONENTS]):
    """
    @dev The checks every entry point shares; returns the vault's policy and its components.
    """
    assert receiver != empty(address), "index_zap: zero receiver"
    # Shares or tokens sent to the zap itself could never leave it.
    assert receiver != self, "index_zap: receiver is the zap"
    assert max_slippage <= MAX_SLIPPAGE, "index_zap: slippage above cap"
    assert len(legs) != 0, "index_zap: no legs"
    policy: address = staticcall vault.policy()
    assert policy != empty(address), "index_zap: vault has no policy"
    tokens: DynArray[address, MAX_COMPONENTS] = (staticcall vault.basket())[0]
    assert len(legs) == len(tokens), "index_zap: wrong number of legs"
    return IZapPolicy(policy), tokens


@internal
def _buy(
    policy: IZapPolicy,
    tokens: DynArray[address, MAX_COMPONENTS],
    token_in: address,
    in_before: uint256,
    legs: DynArray[Leg, MAX_COMPONENTS],
    owed: DynArray[uint256, MAX_COMPONENTS],
    exact: bool,
) -> DynArray[uint256, MAX_COMPONENTS]:
    """
    @dev Sells each leg's `amount_in` of `token_in` for its component and returns what
         the zap now holds of each. With `exact`, each leg must buy at least `owed[i]`
         (the swap's `min_out`) and the input component keeps `owed[i]`; without, the
         input component keeps its leg's `amount_in`.
    """
    held: DynArray[uint256, MAX_COMPONENTS] = []
    kept: uint256 = 0  # the input left unswapped because it is a component
    for i: uint256 in range(len(tokens), bound=MAX_COMPONENTS):
        token: address = tokens[i]
        leg: Leg = legs[i]
        if token == token_in:
            assert leg.adapter == empty(address), "index_zap: direct leg has an adapter"
            if exact:
                kept = owed[i]
            else:
                kept = leg.amount_in
            held.append(in_before + kept)
            continue
        need: uint256 = 0
        if exact:
            need = owed[i]
        if leg.amount_in != 0:
            self._swap(policy, leg, token_in, token, leg.amount_in, need)
        balance: uint256 = staticcall IERC20(token).balanceOf(self)
        assert balance >= need, "index_zap: leg short"
        held.append(balance)
    # Every adapter pulled exactly its leg's amount (so every allowance is spent): only the kept part is left.
    assert staticcall IERC20(token_in).balanceOf(self) == in_before + kept, "index_zap: adapter left input"
    return held


@internal
def _swap(policy: IZapPolicy, leg: Leg, token_in: address, token_out: address, amount: uint256, min_out: uint256):
    """
    @dev Sells `amount` of `token_in` through the leg's adapter, which must be allowed by
         the vault's policy. The adapter checks the path runs token_in -> token_out.
    """
    assert leg.adapter != empty(address), "index_zap: leg without adapter"
    assert staticcall policy.is_adapter(leg.adapter), "index_zap: adapter not allowed"
    # Exactly `amount`: the adapter pulls all of it, which leaves the allowance at zero (checked by the callers'
    # balance checks).
    assert extcall IERC20(token_in).approve(leg.adapter, amount, default_return_value=True), "index_zap: approve failed"
    extcall ISwapAdapter(leg.adapter).swap(token_in, token_out, amount, min_out, leg.data)


@internal
@view
def _check_bought(
    policy: IZapPolicy,
    tokens: DynArray[address, MAX_COMPONENTS],
    held: DynArray[uint256, MAX_COMPONENTS],
    token_in: address,
    spent: uint256,
    legs: DynArray[Leg, MAX_COMPONENTS],
    max_slippage: uint256,
):
    """
    @dev The oracle bound on a mint: the input spent is worth at most (1 + slippage) of
         the components held, in total and for each swap leg (its part of the input's
         value, rounded up, against what it bought).
    """
    oracle: IOracleRouter = IOracleRouter(staticcall policy.oracle())
    worth: DynArray[uint256, MAX_COMPONENTS] = staticcall oracle.values(tokens, held)
    worth_in: uint256 = (staticcall oracle.values([token_in], [spent]))[0]
    total: uint256 = 0
    for i: uint256 in range(len(tokens), bound=MAX_COMPONENTS):
        total += worth[i]
        amount: uint256 = legs[i].amount_in
        if tokens[i] == token_in or amount == 0:
            continue  # not swapped: no slippage
        # Round up: the leg is charged at least its exact part of the input's value.
        leg_in: uint256 = (worth_in * amount + spent - 1) // spent
        assert leg_in * BPS <= worth[i] * (BPS + max_slippage), "index_zap: leg slippage"
    assert worth_in * BPS <= total * (BPS + max_slippage), "index_zap: slippage"


@internal
def _deliver(
    vault: IZapVault,
    tokens: DynArray[address, MAX_COMPONENTS],
    owed: DynArray[uint256, MAX_COMPONENTS],
    held: DynArray[uint256, MAX_COMPONENTS],
    shares: uint256,
    receiver: address,
):
    """
    @dev Approves the vault for exactly what it pulls, mints, checks that each pull
         was exact (so each allowance is back to zero) and sends every component
         left over to the caller.
    """
    for i: uint256 in range(len(tokens), bound=MAX_COMPONENTS):
        need: uint256 = owed[i]
        assert held[i] >= need, "index_zap: leg short"
        if need != 0:
            assert extcall IERC20(tokens[i]).approve(vault.address, need, default_return_value=True), (
                "index_zap: approve failed"
            )
    extcall vault.mint(shares, receiver)
    for i: uint256 in range(len(tokens), bound=MAX_COMPONENTS):
        token: address = tokens[i]
        left: uint256 = staticcall IERC20(token).balanceOf(self)
        assert left == held[i] - owed[i], "index_zap: vault pull mismatch"
        if left != 0:
            assert extcall IERC20(token).transfer(msg.sender, left, default_return_value=True), (
                "index_zap: transfer failed"
            )


@internal
def _size(vault: IZapVault, held: DynArray[uint256, MAX_COMPONENTS]) -> uint256:
    """
    @dev The most shares whose `preview_mint` fits in `held`: a first estimate from
         what PROBE shares would pull (mint fee and round-up included), then lowered
         until every component fits.
    """
    probe: DynArray[uint256, MAX_COMPONENTS] = staticcall vault.preview_mint(PROBE)
    shares: uint256 = max_value(uint256)
    for i: uint256 in range(len(probe), bound=MAX_COMPONENTS):
        if probe[i] != 0:
            shares = min(shares, held[i] * PROBE // probe[i])
    assert shares != max_value(uint256), "index_zap: basket owes nothing"
    for _: uint256 in range(SIZING_ROUNDS):
        if shares == 0:
            return 0
        owed: DynArray[uint256, MAX_COMPONENTS] = staticcall vault.preview_mint(shares)
        fits: bool = True
        for i: uint256 in range(len(owed), bound=MAX_COMPONENTS):
            if owed[i] > held[i]:
                fits = False
                # Strictly lower: held < owed.
                shares = min(shares, shares * held[i] // owed[i])
        if fits:
            return shares
    raise "index_zap: cannot size the mint"


@internal
def _pull(token_in: address, amount: uint256, eth: uint256) -> uint256:
    """
    @dev Takes `amount` of the input once: wraps that much of the ETH sent, or pulls it
         from the caller, checked by balance delta. Returns the balance before.
    """
    before: uint256 = staticcall IERC20(token_in).balanceOf(self)
    if eth != 0:
        extcall IWETH(WETH).deposit(value=amount)
    else:
        assert extcall IERC20(token_in).transferFrom(msg.sender, self, amount, default_return_value=True), (
            "index_zap: transfer failed"
        )
    assert staticcall IERC20(token_in).balanceOf(self) == before + amount, "index_zap: transfer amount mismatch"
    return before


@internal
@view
def _check_eth(token_in: address, amount: uint256, eth: uint256):
    """
    @dev ETH input: only as WETH, and the amount named must be the ETH sent.
    """
    if eth != 0:
        assert token_in == WETH, "index_zap: ETH input must be WETH"
        assert amount == eth, "index_zap: msg.value mismatch"


@internal
def _refund_eth(spent: uint256, eth: uint256):
    """
    @dev Sends back the ETH sent but not spent (only what was wrapped was spent).
    """
    if eth > spent:
        # All the gas: a contract wallet's receive may need more than a 2,300 stipend.
        raw_call(msg.sender, b"", value=eth - spent)
