"""What every script does before it touches a chain, and how it sends.

- `connect`: the deployment file for the connected network, refused (one sentence) unless the node is the chain that
  file was written for (chain id, and on local chains the hash of block 0), and refused when ape started a
  throwaway anvil because no local chain was running (`make chain` keeps one).
- `resolve_account` / `resolve_contract`: the names people type (`TEST::1`, a keystore alias, an index symbol such as
  `DPL`, `DPL.policy`, `router`) as addresses, checked to hold the kind of contract the command needs.
- `transact`: simulate with `eth_call` first and stop with the contract's own reason if it would revert (nothing is
  sent), then send with a gas limit that covers the vault's fee-accrual path (`gas_limit`).
"""

from dataclasses import dataclass
from datetime import UTC, datetime

import click
from ape import accounts, chain, project
from ape.exceptions import ContractLogicError
from eth_abi import decode
from eth_utils import function_signature_to_4byte_selector, is_address, to_checksum_address

from keeper.deployment import LOCAL_CHAIN_IDS, Deployment, check_chain, deployment_path, load_deployment
from keeper.errors import ConfigError

# A redeem or mint on a vault with a management fee costs more in the first transaction of a block with time elapsed
# (it mints the fee shares and moves the multiplier: ~15k gas) than in one right after another accrual, which is what
# eth_estimateGas may have measured. Every limit adds this and a fifth on top of the estimate.
FEE_ACCRUAL_GAS = 40_000
GAS_MARGIN_PERCENT = 20
ERROR_SELECTOR = bytes.fromhex("08c379a0")  # Error(string)
PANIC_SELECTOR = bytes.fromhex("4e487b71")  # Panic(uint256)


class ScriptError(click.ClickException):
    """A script refuses to act, in one sentence; nothing was sent."""


def gas_limit(estimate: int) -> int:
    """The gas limit the scripts send with: the estimate plus the fee-accrual path, plus 20 %."""
    return (estimate + FEE_ACCRUAL_GAS) * (100 + GAS_MARGIN_PERCENT) // 100


def utc(timestamp: int) -> str:
    """A block timestamp as people read it: `2026-12-07 00:15:02 UTC`."""
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def genesis_hash() -> str:
    return chain.provider.web3.eth.get_block(0)["hash"].to_0x_hex()


def refuse_throwaway_node() -> None:
    """ape's foundry provider starts its own anvil when none answers at its host, and stops it when the script exits:
    anything written to it would vanish. Scripts act only on a chain that outlives them."""
    if getattr(chain.provider, "process", None) is not None and chain.provider.name == "foundry":
        raise ScriptError(
            f"no local chain was running at {chain.provider.uri}, so ape started a temporary one that stops with this "
            "command: start the persistent one with `make chain` (or set APE_FOUNDRY_HOST to yours)."
        )


def connect(network_choice: str, deployment_file=None) -> Deployment:
    """The deployment for this network, checked against the connected node."""
    refuse_throwaway_node()
    path = deployment_file or deployment_path(network_choice)
    try:
        deployment = load_deployment(path)
        chain_id = chain.chain_id
        check_chain(deployment, chain_id, genesis_hash() if chain_id in LOCAL_CHAIN_IDS else "", str(path))
    except ConfigError as error:
        raise ScriptError(str(error)) from None
    return deployment


def require_local_chain(why: str) -> None:
    """Refuse, in one sentence saying `why`, a command that only makes sense on a local chain."""
    if chain.chain_id not in LOCAL_CHAIN_IDS:
        raise ScriptError(f"{why}: local chains only, not chain {chain.chain_id}")


# --- names -----------------------------------------------------------------------------------------------------------


def resolve_account(text: str) -> str:
    """An address from `0x...`, `TEST::n` (local chains only) or an ape keystore alias."""
    if is_address(text):
        return to_checksum_address(text)
    if text.startswith("TEST::"):
        if chain.chain_id not in LOCAL_CHAIN_IDS:
            raise ScriptError(f"{text}: test accounts exist on local chains only")
        index = text.removeprefix("TEST::")
        if not index.isdigit() or int(index) >= len(accounts.test_accounts):
            raise ScriptError(f"{text}: there are test accounts TEST::0 to TEST::{len(accounts.test_accounts) - 1}")
        return accounts.test_accounts[int(index)].address
    if text in accounts.aliases:
        return accounts.load(text).address
    raise ScriptError(f"account {text!r} is neither an address, TEST::n nor an ape account alias (`ape accounts list`)")


# One view function each kind has and the others do not: a Vyper contract reverts on a selector it lacks.
KIND_PROBES = {"vault": "multiplier()", "policy": "rebalance_paused()", "router": "sequencer_grace_period()"}


def contract_kind(address: str) -> str | None:
    """"vault", "policy" or "router" by which probe the code at `address` answers; None if none does."""
    for kind, probe in KIND_PROBES.items():
        try:
            chain.provider.web3.eth.call({"to": address, "data": _selector(probe)})
        except Exception:  # noqa: BLE001 -- a revert or no such function: not this kind
            continue
        return kind
    return None


def _selector(signature: str) -> str:
    return "0x" + function_signature_to_4byte_selector(signature).hex()


@dataclass(frozen=True)
class Vaults:
    """The index vaults the deployment's factory created, by symbol."""

    deployment: Deployment

    def find(self, symbol: str) -> str:
        factory = project.VaultFactory.at(self.deployment.factory)
        found = []
        for i in range(factory.vault_count()):
            vault = factory.vaults(i)
            if project.IndexVault.at(vault).symbol().upper() == symbol.upper():
                found.append(vault)
        if not found:
            raise ScriptError(f"no index {symbol!r} in this deployment's factory: give its address or symbol")
        if len(found) > 1:
            raise ScriptError(f"{len(found)} indices are called {symbol!r} ({', '.join(found)}): give the address")
        return found[0]


def resolve_contract(text: str, deployment: Deployment, kind: str | None = None, what: str = "--address") -> str:
    """An address from `0x...`, an index symbol (`DPL`: its vault), `DPL.policy` or `router`; when `kind` is given,
    a ScriptError unless the code there is that kind of contract."""
    if is_address(text):
        address = to_checksum_address(text)
    elif text.lower() == "router":
        address = deployment.oracle_router
    else:
        symbol, _, part = text.partition(".")
        if part not in ("", "vault", "policy"):
            raise ScriptError(f"{what} {text}: say SYMBOL, SYMBOL.policy, router or an address")
        address = Vaults(deployment).find(symbol)
        if part == "policy":
            address = project.VaultFactory.at(deployment.factory).policy_of(address)
    if not chain.provider.get_code(address):
        raise ScriptError(f"{what} {address} has no code on chain {chain.chain_id}: wrong address or network?")
    if kind is not None:
        found = contract_kind(address)
        if found != kind:
            what_it_is = f"a {found}" if found else "not a vault, policy or router"
            raise ScriptError(f"{what} {address} is {what_it_is}, not a {kind}")
    return address


# --- sending ---------------------------------------------------------------------------------------------------------


def revert_reason(data) -> str:
    """The reason in revert data: the Error(string) text, a Panic code, or the raw bytes."""
    raw = bytes.fromhex(data[2:]) if isinstance(data, str) else bytes(data or b"")
    if raw[:4] == ERROR_SELECTOR:
        return decode(["string"], raw[4:])[0]
    if raw[:4] == PANIC_SELECTOR:
        return f"panic 0x{decode(['uint256'], raw[4:])[0]:02x}"
    return "0x" + raw.hex() if raw else "no reason given"


def simulate(sender: str, to: str, data: str, value: int = 0) -> int:
    """eth_call then eth_estimateGas from `sender`; the estimate, or a ScriptError with the contract's reason."""
    tx = {"from": sender, "to": to, "data": data, "value": value}
    web3 = chain.provider.web3
    try:
        web3.eth.call(tx)
        return web3.eth.estimate_gas(tx)
    except Exception as error:  # noqa: BLE001 -- web3 raises several kinds for a revert; each carries its data
        raise ScriptError(f"the transaction would revert: {_reason_of(error)}") from None


def _reason_of(error: Exception) -> str:
    message = getattr(error, "message", None)
    data = getattr(error, "data", None)
    if isinstance(data, str) and data.startswith("0x"):
        return revert_reason(data)
    if isinstance(message, str) and message:
        return message.removeprefix("execution reverted: ")
    text = str(error.args[0] if error.args else error)
    return text.removeprefix("execution reverted: ")


_UNLOCKED: set[str] = set()


def unlock(account) -> None:
    """A keystore account (`ape accounts import`) is unlocked once per command, with its passphrase from
    APE_ACCOUNTS_<alias>_PASSPHRASE or one prompt, instead of a passphrase and a "Sign?" prompt per transaction: the
    script has already shown what it will send (and asked, where it asks). Test accounts need nothing."""
    if hasattr(account, "set_autosign") and account.address not in _UNLOCKED:
        account.set_autosign(True)
        _UNLOCKED.add(account.address)


def transact(account, to: str, data: str, value: int = 0):
    """Simulate, then send from `account` with `gas_limit`; the receipt. Nothing is sent if it would revert."""
    estimate = simulate(account.address, to, data, value)
    unlock(account)
    try:
        receipt = account.transfer(to, value, data=data, gas=gas_limit(estimate))
    except ContractLogicError as error:  # changed between the simulation and the block
        raise ScriptError(f"the transaction reverted: {error.message}") from None
    if receipt.failed:
        raise ScriptError(f"the transaction reverted on chain (tx {receipt.txn_hash})")
    return receipt


def call(account, method, *args, value: int = 0):
    """`transact` for an ape contract method: `call(alice, vault.mint, amount, alice)`."""
    tx = method.as_transaction(*args, sender=account)
    return transact(account, tx.receiver, "0x" + bytes(tx.data).hex(), value)
