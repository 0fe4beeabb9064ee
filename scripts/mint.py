"""Mint index tokens: pay every component in kind, or pay with one token through the IndexZap (`--with`). Shows what
will be pulled from the wallet first, approves exactly that amount (never an unlimited allowance), then mints. Every
transaction is simulated first.

    ape run mint --network ethereum:local:foundry --account TEST::4 --vault DPL --amount 1.5 --yes
    ape run mint --network ethereum:local:foundry --account TEST::4 --vault DPL --amount 1 --with USDC --max-in 1100 --yes

With `--with`, each component's route (Uniswap V2 through the V2 adapter), what each leg sells and buys, the oracle
value and the slippage are shown before anything is sent; `--with ETH` pays in ETH (wrapped by the zap, the unspent
part refunded); `--exact-in AMOUNT` spends exactly that much and mints as many shares as it buys, at least `--amount`.

On a vault with a management fee, what a mint pulls falls a little with every second (fee shares dilute the units),
so the mined mint can pull slightly less than the preview that sized the approvals: any allowance left over is set
back to zero, and the output says so.
"""

from pathlib import Path

import click
from ape import project
from ape.cli import ConnectedProviderCommand, account_option
from ape.exceptions import ContractLogicError

from scripts import _zap
from scripts._chain import call, connect, resolve_account, transact
from scripts._wallet import (
    INDEX_DECIMALS,
    WalletError,
    basket_table,
    holders_token,
    load_vault,
    oracle_value,
    parse_amount,
    show,
    tokens_of,
)

ETH = "ETH"
ZERO_ADDRESS = "0x" + "00" * 20


def mint(account, vault, amount: int, receiver: str | None = None, echo=click.echo, table: bool = True):
    """Approve exactly `vault.preview_mint(amount)` of each component and mint `amount` to `receiver` (or the
    account); a WalletError before any transaction when the wallet is short of a component. Leaves no allowance."""
    if vault.mint_paused():
        raise WalletError("minting is paused on this vault (redeeming still works)")
    tokens, owed = tokens_of(vault), vault.preview_mint(amount)
    if table:
        echo(basket_table(tokens, owed, account, "pays"))
    for token, need in zip(tokens, owed, strict=True):
        held = token.balanceOf(account)
        if held < need:
            raise WalletError(
                f"the wallet holds too little {token.symbol()}: {show(need, token)} needed, {show(held, token)} held"
            )
    for token, need in zip(tokens, owed, strict=True):
        if need and token.allowance(account, vault) < need:
            call(account, token.approve, vault.address, need)
    receipt = call(account, vault.mint, amount, receiver or account.address)
    for token in tokens:
        if left := token.allowance(account, vault):
            call(account, token.approve, vault.address, 0)
            echo(f"set the {token.symbol()} allowance back to 0 from {show(left, token)}: the management fee accrued "
                 "between the preview and the block, so the mint pulled that much less")  # fmt: skip
    return receipt


def input_token(text: str, deployment) -> tuple[str, bool]:
    """(token address, pays in ETH) for `--with`: a deployment symbol, an address, or ETH (the zap's WETH)."""
    if text.upper() == ETH:
        weth = project.IndexZap.at(deployment.index_zap).WETH()
        return weth, True
    address = deployment.tokens.get(text) or deployment.tokens.get(text.upper())
    if address is None:
        if not text.startswith("0x") or len(text) != 42:
            raise WalletError(f"--with {text}: not a token of this deployment ({', '.join(deployment.tokens)}) or ETH")
        address = text
    return address, False


def zap_mint(account, vault, deployment, shares: int, pay_with: str, max_in_text: str | None,
             exact_in_text: str | None = None, max_slippage: int = _zap.DEFAULT_MAX_SLIPPAGE_BPS,
             receiver: str | None = None, confirm: bool = False, echo=click.echo):  # fmt: skip
    """Mint through the zap paying only `pay_with`: plan the legs, show route, quote, oracle value and slippage, check
    the wallet, approve exactly what is spent, simulate and send. `shares` is the amount minted, or with
    `exact_in_text` the least accepted. Returns (receipt, spent, shares minted)."""
    if vault.mint_paused():
        raise WalletError("minting is paused on this vault (redeeming still works)")
    try:
        venue = _zap.venue_for(deployment)
    except _zap.ZapError as error:
        raise WalletError(str(error)) from None
    zap = project.IndexZap.at(deployment.index_zap)
    token_address, eth = input_token(pay_with, deployment)
    token = project.MockERC20.at(token_address)
    symbol = ETH if eth else token.symbol()
    worth = oracle_value(vault)
    try:
        if exact_in_text is not None:
            amount_in = parse_amount(exact_in_text, token.decimals(), "--exact-in")
            routes = _zap.plan_mint_exact_in(vault, token_address, amount_in, venue)
        else:
            routes = _zap.plan_mint(vault, token_address, shares, venue)
            amount_in = _zap.spent(routes)
    except _zap.ZapError as error:
        raise WalletError(str(error)) from None

    def symbol_of(address: str) -> str:
        return project.MockERC20.at(address).symbol()

    def show_amount(amount: int, address: str) -> str:
        return show(amount, project.MockERC20.at(address))

    try:
        table = _zap.route_table(routes, symbol_of, show_amount, worth, redeem=False)
        paid_value = worth(token_address, amount_in)
        got_value = sum(worth(r.component, r.amount_out) for r in routes)
    except ContractLogicError as error:  # the vault's oracle has no (fresh) price for the input or a component
        raise WalletError(f"the vault's oracle cannot value this zap: {error.message}") from None
    for line in table:
        echo(line)
    echo(f"spend {show(amount_in, token)}{' (as ETH)' if eth else ''} worth ${paid_value / 10**18:,.2f} for components "
         f"worth ${got_value / 10**18:,.2f} at oracle prices: slippage {_zap.slippage_bps(paid_value, got_value) / 100:.2f} % "
         f"(the zap refuses above {max_slippage / 100:.2f} %; leftovers come back to the wallet)")  # fmt: skip
    if exact_in_text is None:
        max_in = parse_amount(max_in_text, token.decimals(), "--max-in") if max_in_text else amount_in
        if amount_in > max_in:
            raise WalletError(f"the route needs {show(amount_in, token)}, more than --max-in {show(max_in, token)}")
    held = account.balance if eth else token.balanceOf(account)
    if held < amount_in:
        raise WalletError(f"the wallet holds {format_held(held, token, eth)}, less than the {show(amount_in, token)} "
                          "the route spends")  # fmt: skip
    if confirm:
        what = f"at least {show(shares, vault)}" if exact_in_text is not None else show(shares, vault)
        click.confirm(f"Mint {what} with {show(amount_in, token)}{' of ETH' if eth else ''}?", abort=True)
    if not eth and token.allowance(account, zap) < amount_in:
        call(account, token.approve, zap.address, amount_in)
    receiver = receiver or account.address
    legs, value = _zap.legs(routes), amount_in if eth else 0
    if exact_in_text is not None:
        args = (zap.mint_exact_in, vault.address, token_address, amount_in, shares, legs, max_slippage, receiver)
    else:
        args = (zap.mint, vault.address, shares, token_address, amount_in, legs, max_slippage, receiver)
    receipt = send(account, *args, value=value)
    if not eth and (left := token.allowance(account, zap)):
        call(account, token.approve, zap.address, 0)
        echo(f"set the {symbol} allowance of the zap back to 0 from {show(left, token)}")
    event = receipt.decode_logs(zap.ZapMinted)[0]
    return receipt, event.spent, event.shares


def send(account, method, *args, value: int = 0):
    """`call` with ETH attached (the zap's payable mints): the transaction is built with the value it is sent with."""
    tx = method.as_transaction(*args, sender=account, value=value)
    return transact(account, tx.receiver, "0x" + bytes(tx.data).hex(), value)


def format_held(amount: int, token, eth: bool) -> str:
    return f"{amount / 10**18:,.6f} ETH" if eth else show(amount, token)


@click.command(cls=ConnectedProviderCommand)
@account_option()
@click.option("--vault", "vault_address", required=True, help="The index vault: its address or symbol (e.g. DPL).")
@click.option("--amount", required=True, help="Index tokens to mint, e.g. 1.5")
@click.option("--receiver", help="Who gets the index tokens (default: the account).")
@click.option("--deployment", "deployment_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Deployment file (default: deployments/<network>.json).")  # fmt: skip
@click.option("--with", "pay_with", help="Pay with this one token (a symbol, an address or ETH) through the zap.")
@click.option("--max-in", help="With --with: the most of that token to spend, e.g. 1000 (default: the quote).")
@click.option("--exact-in", help="With --with: spend exactly this much; --amount is then the least accepted.")
@click.option("--max-slippage", type=click.IntRange(0, 1_000), default=_zap.DEFAULT_MAX_SLIPPAGE_BPS, show_default=True,
              help="With --with: basis points the input may be worth above what it buys, at oracle prices.")  # fmt: skip
@click.option("--yes", is_flag=True, help="Do not ask before sending.")
def cli(network, account, vault_address, amount, receiver, deployment_file, pay_with, max_in, exact_in, max_slippage,
        yes):  # fmt: skip
    """Mint index tokens from a wallet's components, or with one token through the zap."""
    deployment = connect(network.choice, deployment_file)
    vault = holders_token(load_vault(vault_address, deployment), deployment)  # a compliant index: its own token
    shares = parse_amount(amount, INDEX_DECIMALS)
    if hasattr(vault, "detectTransferRestriction"):  # its rules, asked before any approval is sent
        who = resolve_account(receiver) if receiver else account.address
        if code := vault.detectTransferRestriction(ZERO_ADDRESS, who, shares):
            raise WalletError(f"{vault.symbol()} refuses a mint to {who}: "
                              f"{vault.messageForTransferRestriction(code)} (ERC-1404 code {code})")  # fmt: skip
    if pay_with:
        receipt, _spent, minted = zap_mint(account, vault, deployment, shares, pay_with, max_in, exact_in, max_slippage,
                                          receiver, confirm=not yes)  # fmt: skip
        balance = show(vault.balanceOf(account), vault)
        click.echo(f"minted {show(minted, vault)} through the zap (gas {receipt.gas_used:,}); balance {balance}")
        return
    if max_in or exact_in:
        raise WalletError("--max-in and --exact-in go with --with TOKEN")
    if not yes:
        click.echo(basket_table(tokens_of(vault), vault.preview_mint(shares), account, "pays"))
        click.confirm(f"Mint {amount} {vault.symbol()}?", abort=True)
    receipt = mint(account, vault, shares, receiver, table=yes)
    balance = show(vault.balanceOf(account), vault)
    click.echo(f"minted {amount} {vault.symbol()} (gas {receipt.gas_used:,}); balance {balance}")
