"""Signing with an ape account: a keystore alias (passphrase from ape's prompt or `APE_ACCOUNTS_<alias>_PASSPHRASE`)
or, on a local chain only, `TEST::n` for ape's n-th test account. The keeper never sees or stores a private key.
"""

from dataclasses import dataclass

from eth_utils import keccak

from keeper.errors import ConfigError

LOCAL_CHAIN_IDS = (31337, 1337)  # anvil / hardhat and ganache: where ape's public test mnemonic may sign


@dataclass(frozen=True)
class SignedTx:
    raw: str  # 0x-prefixed serialised EIP-1559 transaction, ready for eth_sendRawTransaction
    tx_hash: str


class Signer:
    """Signs EIP-1559 transactions for one chain with one ape account."""

    def __init__(self, account, chain_id: int):
        self._account, self.chain_id = account, chain_id
        self.address: str = account.address

    def sign(self, *, to: str, data: str, nonce: int, gas: int, max_fee: int, priority_fee: int) -> SignedTx:
        from ape import networks  # ape's import takes a second: only signing commands pay for it

        txn = networks.ethereum.create_transaction(
            chain_id=self.chain_id, to=to, data=bytes.fromhex(data.removeprefix("0x")), nonce=nonce, gas_limit=gas,
            max_fee=max_fee, max_priority_fee=priority_fee, type=2, value=0, sender=self.address,
        )  # fmt: skip
        signed = self._account.sign_transaction(txn)
        if signed is None or not signed.signature:
            raise ConfigError(f"account {self.address} declined to sign (wrong passphrase?)")
        raw = signed.serialize_transaction()
        # The hash of a typed transaction is keccak of its serialised bytes (ape's txn_hash is not, for these).
        return SignedTx(raw="0x" + raw.hex(), tx_hash="0x" + keccak(raw).hex())


def load_signer(alias: str, chain_id: int) -> Signer:
    """The ape account named `alias`, unlocked for unattended signing; a ConfigError with a sentence if it can't be."""
    if not alias:
        raise ConfigError("no account given: pass --account ALIAS (an ape keystore alias; see `ape accounts list`)")
    from ape import accounts
    from ape.exceptions import AccountsError

    if alias.upper().startswith("TEST::"):
        if chain_id not in LOCAL_CHAIN_IDS:
            raise ConfigError(f"{alias} is a public test key: it may sign only on a local chain, not chain {chain_id}")
        index = int(alias.split("::", 1)[1])
        return Signer(accounts.test_accounts[index], chain_id)
    try:
        account = accounts.load(alias)
    except (AccountsError, IndexError, KeyError):
        known = ", ".join(a.alias for a in accounts if getattr(a, "alias", None)) or "none"
        raise ConfigError(f"no ape account named {alias!r} (known: {known}); add one with `ape accounts import`") from None
    try:
        account.set_autosign(True)  # asks for the passphrase once, or reads APE_ACCOUNTS_<alias>_PASSPHRASE
    except Exception as error:  # noqa: BLE001 -- ape raises several kinds for a bad passphrase; all mean the same to the operator
        raise ConfigError(f"could not unlock account {alias!r}: {error}") from None
    return Signer(account, chain_id)
