"""The Python half of the test wallet (browser_wallet.js is the page's half): it holds an anvil test key, signs transactions
and EIP-712 messages locally and sends them with eth_sendRawTransaction, as MetaMask does, forwards every other
request to anvil, and records every method it was asked."""

import json
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field

from eth_account import Account
from eth_account.messages import encode_typed_data

# What only a wallet can do: the requests that need the user's key.
SIGNING = {"eth_sendTransaction", "eth_signTypedData_v4", "personal_sign", "eth_sign", "eth_signTransaction"}
USER_REJECTED, UNKNOWN_CHAIN = 4001, 4902
PRIORITY_FEE = 10**9


class WalletError(Exception):
    """An EIP-1193 error the page receives: a code and a sentence."""

    def __init__(self, code: int, message: str, data=None):
        super().__init__(message)
        self.code, self.data = code, data


def rpc(url: str, method: str, params: list):
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).encode()
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        answer = json.loads(response.read())
    if "error" in answer:
        error = answer["error"]
        raise WalletError(error.get("code", -32603), error.get("message", "node error"), error.get("data"))
    return answer["result"]


@dataclass
class InjectedWallet:
    node: str  # anvil's JSON-RPC URL
    key: str  # an anvil test account's private key
    chain_id: int  # the chain the wallet says it is on (a test starts it elsewhere to see the switch)
    requests: list = field(default_factory=list)  # every method the page asked, in order
    other_node: bool = False  # answer as a wallet pointed at another local node (another block 0) would
    sent: list = field(default_factory=list)  # (hash, gas limit) of every transaction it sent
    before_send: Callable[[dict], None] | None = None  # runs just before a transaction is signed (a front-runner)

    @property
    def address(self) -> str:
        return Account.from_key(self.key).address

    def signing_requests(self) -> list[str]:
        return [m for m in self.requests if m in SIGNING]

    def handle(self, payload: str) -> str:
        """window.__testWallet: one EIP-1193 request in, {result} or {error} out (JSON both ways)."""
        request = json.loads(payload)
        method, params = request["method"], request.get("params") or []
        self.requests.append(method)
        try:
            return json.dumps({"result": self._answer(method, params)})
        except WalletError as error:
            return json.dumps({"error": {"code": error.code, "message": str(error), "data": error.data}})

    def _answer(self, method: str, params: list):
        if method in ("eth_requestAccounts", "eth_accounts"):
            return [self.address]
        if method == "eth_chainId":
            return hex(self.chain_id)
        if method == "wallet_switchEthereumChain":
            wanted = int(params[0]["chainId"], 16)
            if wanted != int(rpc(self.node, "eth_chainId", []), 16):
                raise WalletError(UNKNOWN_CHAIN, f"unrecognised chain {wanted}")
            self.chain_id = wanted
            return None
        if method == "eth_sendTransaction":
            return self._send(params[0])
        if method == "eth_signTypedData_v4":
            message = params[1] if isinstance(params[1], dict) else json.loads(params[1])
            return "0x" + Account.sign_message(encode_typed_data(full_message=message), self.key).signature.hex()
        if method == "eth_getBlockByNumber" and self.other_node and params[0] in ("0x0", "earliest"):
            return {**rpc(self.node, method, params), "hash": "0x" + "ab" * 32}
        if method in SIGNING:
            raise WalletError(USER_REJECTED, f"the test wallet does not do {method}")
        return rpc(self.node, method, params)

    def _send(self, tx: dict) -> str:
        if self.before_send:
            self.before_send(tx)
        if int(rpc(self.node, "eth_chainId", []), 16) != self.chain_id:
            raise WalletError(USER_REJECTED, "the wallet is not on the node's chain")
        data = tx.get("data") or tx.get("input") or "0x"
        call = {"from": self.address, "to": tx["to"], "data": data, "value": tx.get("value", "0x0")}
        gas = int(tx["gas"], 16) if tx.get("gas") else int(rpc(self.node, "eth_estimateGas", [call]), 16) * 12 // 10
        base_fee = int(rpc(self.node, "eth_getBlockByNumber", ["latest", False])["baseFeePerGas"], 16)
        signed = Account.sign_transaction({
            "type": 2, "chainId": self.chain_id, "to": tx["to"], "data": data, "value": int(call["value"], 16),
            "gas": gas, "nonce": int(rpc(self.node, "eth_getTransactionCount", [self.address, "pending"]), 16),
            "maxFeePerGas": 2 * base_fee + PRIORITY_FEE, "maxPriorityFeePerGas": PRIORITY_FEE,
        }, self.key)  # fmt: skip
        tx_hash = rpc(self.node, "eth_sendRawTransaction", ["0x" + signed.raw_transaction.hex()])
        self.sent.append((tx_hash, gas))
        return tx_hash
