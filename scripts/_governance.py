"""Governance of a vault, its rebalance policy and its oracle router, as pure data: no network, no ape.

Risk-increasing changes go through each contract's timelock: `propose_*` queues an `action` name and an ABI-encoded
`payload` of the arguments, `execute_*` with the same arguments applies it after the delay and within
`GRACE_PERIOD`. `ACTIONS` describes every one of them, byte for byte as the contracts encode it, so a script can show
what a `ChangeQueued` event will do (`queued_changes`), compute the id to `cancel` (`change_id`) and build the
calldata for a Safe (`safe_batch`). `CALLS` describes the governance calls that take effect at once (tightening,
removing, pausing, roles). Every bad input raises `GovernanceError` with one sentence naming it.

`safe_batch` writes the Safe{Wallet} Transaction Builder's batch file (format version "1.0") with the `meta.checksum`
the app computes on import (safe-global/safe-react-apps, apps/tx-builder/src/lib/checksum.ts): keccak-256 of a
canonical serialisation of the batch with `meta.name` set to null, so renaming a batch keeps it valid.
"""

import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from eth_abi import decode, encode
from eth_abi.exceptions import DecodingError
from eth_utils import (
    function_signature_to_4byte_selector,
    is_checksum_address,
    is_hex_address,
    keccak,
    to_checksum_address,
)

DAY = 86_400
GRACE_PERIOD = 14 * DAY  # timelock.GRACE_PERIOD: a change executes from its eta until eta + GRACE_PERIOD
MAX_ACTION_LENGTH = 32  # timelock's String[32]
MAX_PAYLOAD_LENGTH = 1024  # timelock's Bytes[1024]
CONTRACTS = ("vault", "policy", "router")

# vault_params.Limits, field for field; a struct parameter is written as its tuple type.
LIMITS_FIELDS = (
    "max_slippage", "max_trade", "max_nav_loss", "tolerance", "cooldown", "target_step", "target_period", "loss_budget",
)  # fmt: skip
LIMITS = "(" + ",".join(["uint256"] * len(LIMITS_FIELDS)) + ")"
# The field names of each struct a parameter can be, by its tuple type: for `key=value` parsing, decoding and ABIs.
STRUCT_FIELDS: dict[str, tuple[str, ...]] = {LIMITS: LIMITS_FIELDS}

# What `safe_batch` writes: the batch format and the tx-builder release whose format and checksum it follows.
SAFE_BATCH_VERSION = "1.0"
TX_BUILDER_VERSION = "1.18.2"
MAX_SAFE_INTEGER = 2**53 - 1  # `createdAt` is a JSON number the app reads into a JavaScript double

STATUSES = ("waiting", "ready", "expired")

Params = tuple[tuple[str, str], ...]

_UINT = re.compile(r"uint(\d+)")
_DECIMAL = re.compile(r"(\d+(?:_\d+)*)(?:e(\d+))?")
_HEX = re.compile(r"0x[0-9a-fA-F]+")
_BYTES32 = re.compile(r"0x[0-9a-fA-F]{64}")
_HEX_DATA = re.compile(r"0x(?:[0-9a-fA-F]{2})*")


class GovernanceError(Exception):
    """A governance input that cannot be encoded, parsed or batched; the message names it."""


# --- values -----------------------------------------------------------------------------------------------------------


def _uint_bits(abi_type: str) -> int | None:
    match = _UINT.fullmatch(abi_type)
    return int(match.group(1)) if match else None


def _is_address(text: object) -> bool:
    """0x and 40 hex digits, all lowercase, all uppercase or correctly checksummed (eth_utils' `is_address` lets a
    wrong checksum through)."""
    if not isinstance(text, str) or not is_hex_address(text):
        return False
    digits = text[2:]
    return digits == digits.lower() or digits == digits.upper() or is_checksum_address(text)


def _abi_value(name: str, abi_type: str, value: object) -> object:
    """`value` checked against `abi_type` and in the form eth_abi encodes (addresses checksummed, structs as tuples)."""
    if abi_type == "address":
        value = getattr(value, "address", value)  # an ape account or contract stands for its address
        if not _is_address(value):
            raise GovernanceError(f"{name} must be an address, got {value!r}.")
        return to_checksum_address(value)
    if (bits := _uint_bits(abi_type)) is not None:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**bits:
            raise GovernanceError(f"{name} must be an integer from 0 to 2**{bits} - 1, got {value!r}.")
        return value
    if abi_type == "bytes32":
        if isinstance(value, bytes) and len(value) == 32:
            return bytes(value)
        if isinstance(value, str) and _BYTES32.fullmatch(value):
            return bytes.fromhex(value[2:])
        raise GovernanceError(f"{name} must be 32 bytes (0x and 64 hex digits), got {value!r}.")
    if abi_type.endswith("[]"):
        if isinstance(value, str | bytes | Mapping) or not isinstance(value, Sequence):
            raise GovernanceError(f"{name} must be a list, got {value!r}.")
        return [_abi_value(f"{name}[{i}]", abi_type[:-2], item) for i, item in enumerate(value)]
    if abi_type in STRUCT_FIELDS:
        fields = STRUCT_FIELDS[abi_type]
        if isinstance(value, Mapping):
            if set(value) != set(fields):
                raise GovernanceError(f"{name} must have exactly the fields {', '.join(fields)}, got {sorted(value)}.")
            value = [value[field] for field in fields]
        if isinstance(value, str | bytes) or not isinstance(value, Sequence) or len(value) != len(fields):
            raise GovernanceError(f"{name} must be {len(fields)} values ({', '.join(fields)}), got {value!r}.")
        types = abi_type[1:-1].split(",")
        return tuple(_abi_value(f"{name}.{field}", t, item) for field, t, item in zip(fields, types, value))
    raise GovernanceError(f"{name} has the unsupported ABI type {abi_type}.")


def _python_value(abi_type: str, value: object) -> object:
    """A decoded ABI value as scripts show it: checksummed addresses, 0x-hex bytes32, structs as field dicts."""
    if abi_type == "address":
        return to_checksum_address(value)
    if abi_type == "bytes32":
        return "0x" + bytes(value).hex()
    if abi_type.endswith("[]"):
        return [_python_value(abi_type[:-2], item) for item in value]
    if abi_type in STRUCT_FIELDS:
        types = abi_type[1:-1].split(",")
        return {field: _python_value(t, item) for field, t, item in zip(STRUCT_FIELDS[abi_type], types, value)}
    return value


def _parse_uint(name: str, bits: int, text: str) -> int:
    """Decimal (`1_000`, and `3e18` for an exact 3 * 10**18) or 0x-hex text as an unsigned integer."""
    if match := _DECIMAL.fullmatch(text):
        value = int(match.group(1)) * 10 ** int(match.group(2) or 0)
    elif _HEX.fullmatch(text):
        value = int(text, 16)
    else:
        raise GovernanceError(f"{name} must be a whole number (like 1500, 1_500, 3e18 or 0x5dc), got {text!r}.")
    if value >= 2**bits:
        raise GovernanceError(f"{name} must be below 2**{bits}, got {text!r}.")
    return value


def _parse_text(name: str, abi_type: str, text: str) -> object:
    """One command-line value as the typed value `_abi_value` accepts."""
    if abi_type == "address":
        if not _is_address(text):
            raise GovernanceError(
                f"{name} must be an address (0x and 40 hex digits, correctly checksummed if mixed-case), got {text!r}."
            )
        return to_checksum_address(text)
    if (bits := _uint_bits(abi_type)) is not None:
        return _parse_uint(name, bits, text)
    if abi_type == "bytes32":
        if not _BYTES32.fullmatch(text):
            raise GovernanceError(f"{name} must be 0x and 64 hex digits, got {text!r}.")
        return text.lower()
    items = [item.strip() for item in text.split(",")] if text.strip() else []
    if abi_type.endswith("[]"):
        return [_parse_text(f"{name}[{i}]", abi_type[:-2], item) for i, item in enumerate(items)]
    if abi_type in STRUCT_FIELDS:
        fields = STRUCT_FIELDS[abi_type]
        if len(items) != len(fields):
            raise GovernanceError(
                f"{name} must be {len(fields)} comma-separated values ({','.join(fields)}), got {len(items)}."
            )
        types = abi_type[1:-1].split(",")
        return {field: _parse_text(f"{name}.{field}", t, item) for field, t, item in zip(fields, types, items)}
    raise GovernanceError(f"{name} has the unsupported ABI type {abi_type}.")


def _input_string(abi_type: str, value: object) -> str:
    """A checked ABI value as the tx-builder's `contractInputsValues` holds it: a string, arrays and tuples as JSON."""
    if isinstance(value, list | tuple):
        return (
            "[" + ",".join(json.dumps(_input_string(_element_type(abi_type, i), v)) for i, v in enumerate(value)) + "]"
        )
    if isinstance(value, bytes):
        return "0x" + value.hex()
    return str(value)


def _element_type(abi_type: str, index: int) -> str:
    return abi_type[:-2] if abi_type.endswith("[]") else abi_type[1:-1].split(",")[index]


def _abi_input(name: str, abi_type: str) -> dict:
    """One input of an ABI fragment, with a struct's components."""
    if abi_type in STRUCT_FIELDS:
        types = abi_type[1:-1].split(",")
        components = [_abi_input(field, t) for field, t in zip(STRUCT_FIELDS[abi_type], types)]
        return {"components": components, "internalType": "tuple", "name": name, "type": "tuple"}
    return {"internalType": abi_type, "name": name, "type": abi_type}


def _check_keys(label: str, params: Params, args: Mapping[str, object]) -> None:
    names = [name for name, _ in params]
    if missing := [name for name in names if name not in args]:
        raise GovernanceError(f"{label} is missing {', '.join(missing)}.")
    if unknown := sorted(key for key in args if key not in names):
        raise GovernanceError(f"{label} takes no {', '.join(unknown)} (it takes {', '.join(names) or 'no arguments'}).")


def _encode_args(label: str, params: Params, args: Mapping[str, object]) -> bytes:
    _check_keys(label, params, args)
    return encode([t for _, t in params], [_abi_value(name, t, args[name]) for name, t in params])


def _calldata(label: str, function: str, params: Params, args: Mapping[str, object]) -> str:
    signature = f"{function}({','.join(t for _, t in params)})"
    return "0x" + (function_signature_to_4byte_selector(signature) + _encode_args(label, params, args)).hex()


def _method(function: str, params: Params) -> dict:
    return {"inputs": [_abi_input(name, t) for name, t in params], "name": function, "payable": False}


def _inputs(label: str, params: Params, args: Mapping[str, object]) -> dict[str, str]:
    _check_keys(label, params, args)
    return {name: _input_string(t, _abi_value(name, t, args[name])) for name, t in params}


# --- timelocked actions and immediate calls -------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    """One kind of timelocked change: queued by `propose`, applied by `execute`, both taking `params`."""

    name: str  # the timelock `action` string, exactly as the contract passes it
    contract: str  # "vault" | "policy" | "router"
    propose: str
    execute: str
    params: Params  # (name, ABI type) in call order, as the contract's ABI names them

    def payload(self, args: Mapping[str, object]) -> bytes:
        """The bytes the contract hashes into the change id and emits in `ChangeQueued`: `abi_encode(*params)`."""
        return _encode_args(self.name, self.params, args)

    def decode(self, payload: bytes) -> dict[str, object]:
        """The arguments behind a payload (addresses checksummed, structs as field dicts); the inverse of `payload`."""
        payload = bytes(payload)
        try:
            values = decode([t for _, t in self.params], payload)
        except DecodingError as error:
            raise GovernanceError(
                f"payload 0x{payload.hex()} is not the contract's encoding of {self.name}."
            ) from error
        args = {name: _python_value(t, value) for (name, t), value in zip(self.params, values)}
        if self.payload(args) != payload:
            raise GovernanceError(f"payload 0x{payload.hex()} is not the contract's encoding of {self.name}.")
        return args

    def change_id(self, args: Mapping[str, object]) -> str:
        """The id this change is queued under (for `eta` and `cancel`)."""
        return change_id(self.name, self.payload(args))

    def calldata(self, function: str, args: Mapping[str, object]) -> str:
        """0x-hex calldata of `propose` or `execute` with `args`."""
        return _calldata(self.name, self._function(function), self.params, args)

    def method(self, function: str) -> dict:
        """The ABI fragment of `propose` or `execute`, as the tx-builder's `contractMethod`."""
        return _method(self._function(function), self.params)

    def safe_tx(self, function: str, to: str, args: Mapping[str, object]) -> "SafeTx":
        """A Safe transaction calling `propose` or `execute` on the contract at `to`."""
        return SafeTx(
            to,
            self.calldata(function, args),
            method=self.method(function),
            inputs=_inputs(self.name, self.params, args),
        )

    def _function(self, function: str) -> str:
        if function not in (self.propose, self.execute):
            raise GovernanceError(f"{self.name} has no function {function!r} (only {self.propose} and {self.execute}).")
        return function


@dataclass(frozen=True)
class Call:
    """A governance (or guardian) function that takes effect at once."""

    contract: str  # "vault" | "policy" | "router"
    function: str
    params: Params = ()

    @property
    def key(self) -> str:
        """Its key in `CALLS`: `contract.function`."""
        return f"{self.contract}.{self.function}"

    def calldata(self, args: Mapping[str, object]) -> str:
        return _calldata(self.key, self.function, self.params, args)

    def method(self) -> dict:
        return _method(self.function, self.params)

    def safe_tx(self, to: str, args: Mapping[str, object]) -> "SafeTx":
        return SafeTx(to, self.calldata(args), method=self.method(), inputs=_inputs(self.key, self.params, args))


ACTIONS: dict[str, Action] = {
    action.name: action
    for action in (
        Action(
            "set_fees",
            "vault",
            "propose_fees",
            "execute_fees",
            (("management_fee", "uint256"), ("mint_fee", "uint256"), ("redeem_fee", "uint256")),
        ),
        Action(
            "set_bounds",
            "policy",
            "propose_bounds",
            "execute_bounds",
            (("token", "address"), ("min_weight", "uint256"), ("max_weight", "uint256")),
        ),
        Action("set_limits", "policy", "propose_limits", "execute_limits", (("limits", LIMITS),)),
        Action("allow_adapter", "policy", "propose_adapter", "execute_adapter", (("adapter", "address"),)),
        Action("set_oracle", "policy", "propose_oracle", "execute_oracle", (("oracle", "address"),)),
        Action(
            "add_component",
            "policy",
            "propose_component",
            "execute_component",
            (("token", "address"), ("max_weight", "uint256")),
        ),
        Action(
            "set_feed",
            "router",
            "propose_feed",
            "execute_feed",
            (
                ("token", "address"),
                ("feed", "address"),
                ("heartbeat", "uint256"),
                ("min_price", "uint256"),
                ("max_price", "uint256"),
            ),
        ),
        Action(
            "set_sequencer",
            "router",
            "propose_sequencer",
            "execute_sequencer",
            (("sequencer_feed", "address"), ("grace_period", "uint256")),
        ),
    )
}

_TIMELOCK_CALLS = (
    # `cancel` is governance's (and, on the vault and policy, the guardian's); `discard_expired` is anyone's.
    *(
        Call(contract, "cancel", (("id" if contract == "router" else "change_id", "bytes32"),))
        for contract in CONTRACTS
    ),
    *(Call(contract, "discard_expired", (("id", "bytes32"),)) for contract in CONTRACTS),
)
CALLS: dict[str, Call] = {
    call.key: call
    for call in (
        Call("vault", "set_fees", (("management_fee", "uint256"), ("mint_fee", "uint256"), ("redeem_fee", "uint256"))),
        Call("vault", "set_fee_recipient", (("fee_recipient", "address"),)),
        Call("vault", "set_guardian", (("guardian", "address"),)),
        Call("vault", "pause_mint"),
        Call("vault", "unpause_mint"),
        Call("vault", "transfer_governance", (("new_governance", "address"),)),
        Call("vault", "accept_governance"),
        Call("policy", "set_targets", (("targets", "uint256[]"),)),
        Call("policy", "set_bounds", (("token", "address"), ("min_weight", "uint256"), ("max_weight", "uint256"))),
        Call("policy", "set_limits", (("limits", LIMITS),)),
        Call("policy", "remove_adapter", (("adapter", "address"),)),
        Call("policy", "remove_component", (("token", "address"),)),
        Call("policy", "add_keeper", (("keeper", "address"),)),
        Call("policy", "revoke_keeper", (("keeper", "address"),)),
        Call("policy", "set_strategist", (("strategist", "address"),)),
        Call("policy", "pause_rebalance"),
        Call("policy", "unpause_rebalance"),
        Call("router", "tighten_band", (("token", "address"), ("min_price", "uint256"), ("max_price", "uint256"))),
        Call("router", "remove_feed", (("token", "address"),)),
        Call("router", "transfer_governance", (("new_governance", "address"),)),
        Call("router", "accept_governance"),
        *_TIMELOCK_CALLS,
    )
}


def change_id(action: str, payload: bytes) -> str:
    """The timelock's id of a change, as 0x-hex: `keccak256(abi_encode(action, payload))` (`timelock._change_id`)."""
    if len(action.encode()) > MAX_ACTION_LENGTH:
        raise GovernanceError(f"action {action!r} is longer than {MAX_ACTION_LENGTH} bytes.")
    if len(payload) > MAX_PAYLOAD_LENGTH:
        raise GovernanceError(f"payload of {len(payload)} bytes is longer than {MAX_PAYLOAD_LENGTH} bytes.")
    return "0x" + keccak(encode(["string", "bytes"], [action, bytes(payload)])).hex()


def parse_args(action: Action | Call, texts: Sequence[str]) -> dict[str, object]:
    """Command-line `key=value` texts as the typed arguments of `action` (or an immediate `Call`).

    Addresses are checksummed; integers are decimal (`1_500`; `3e18` is exactly 3 * 10**18) or 0x-hex; a list is
    comma-separated (`targets=4000,3000,3000`); a struct is either all its values comma-separated in field order
    (`limits=100,2000,50,50,3600,500,604800`) or one `field=value` per field (`max_slippage=100 ...`), and comes
    back as a dict of its fields.
    """
    label = action.name if isinstance(action, Action) else action.key
    names = [name for name, _ in action.params]
    struct_fields = {field for _, t in action.params for field in STRUCT_FIELDS.get(t, ())}
    given: dict[str, str] = {}
    for text in texts:
        key, equals, value = text.partition("=")
        if not equals or not key:
            raise GovernanceError(f"argument {text!r} is not key=value.")
        if key not in names and key not in struct_fields:
            expected = ", ".join(names) or "no arguments"
            raise GovernanceError(f"{label} takes no {key} (it takes {expected}).")
        if key in given:
            raise GovernanceError(f"{key} is given twice.")
        given[key] = value
    args: dict[str, object] = {}
    missing: list[str] = []
    for name, abi_type in action.params:
        fields = STRUCT_FIELDS.get(abi_type, ())
        by_field = [field for field in fields if field in given]
        if name in given and by_field:
            raise GovernanceError(f"{name} is given both whole and by field ({', '.join(by_field)}).")
        if name in given:
            args[name] = _parse_text(name, abi_type, given[name])
        elif by_field:
            if absent := [field for field in fields if field not in given]:
                missing.extend(absent)
                continue
            field_types = abi_type[1:-1].split(",")
            args[name] = {field: _parse_text(field, t, given[field]) for field, t in zip(fields, field_types)}
        else:
            missing.append(name)
    if missing:
        raise GovernanceError(f"{label} is missing {', '.join(missing)}.")
    return args


# --- queued changes -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Queued:
    """A change waiting in a contract's timelock."""

    id: str  # 0x-hex, lowercase
    action: str
    args: dict[str, object] | None  # decoded; None when the action is not one of ACTIONS (another contract's)
    eta: int
    contract_address: str
    status: str  # "waiting" (before eta) | "ready" (executable now) | "expired" (only discard_expired is left)
    payload: bytes


def status(eta: int, now: int) -> str:
    """Where a change queued with `eta` stands at time `now`, by the timelock's own rule (`_execute`)."""
    if now < eta:
        return "waiting"
    if now <= eta + GRACE_PERIOD:
        return "ready"
    return "expired"


def _field(event: object, name: str) -> object:
    try:
        return event[name] if isinstance(event, Mapping) else getattr(event, name)
    except (KeyError, AttributeError):
        raise GovernanceError(f"ChangeQueued event {event!r} has no {name}.") from None


def _change_key(value: object) -> str:
    if isinstance(value, bytes) and len(value) == 32:
        return "0x" + bytes(value).hex()
    if isinstance(value, str) and _BYTES32.fullmatch(value):
        return value.lower()
    raise GovernanceError(f"change id {value!r} is not 32 bytes.")


def queued_changes(
    queued_events: Iterable[object], finished_ids: Iterable[str | tuple[str, str]], now: int
) -> list[Queued]:
    """The changes still queued at `now`, by eta: `ChangeQueued` events minus the finished ones.

    Each event is a mapping or an object (an ape `ContractLog`) with `id`, `action`, `payload`, `eta` and
    `contract_address`. `finished_ids` are the ids of `ChangeExecuted`, `ChangeCancelled` and `ChangeDiscarded`
    events: a bare id counts for every contract (the same change on two vaults has the same id), a
    `(contract_address, id)` pair for that contract only. The same change can be queued again once finished; pass
    one entry per finishing event (a list, not a set) and a change queued more often than it finished is listed,
    with its latest eta. The contract's `eta(id)` is the authority: non-zero means queued.
    """
    finished = Counter(
        (to_checksum_address(entry[0]), _change_key(entry[1])) if isinstance(entry, tuple) else _change_key(entry)
        for entry in finished_ids
    )
    latest: dict[tuple[str, str], tuple[int, Mapping | object]] = {}
    times: Counter = Counter()
    for event in queued_events:
        key = (to_checksum_address(_field(event, "contract_address")), _change_key(_field(event, "id")))
        eta = int(_field(event, "eta"))
        times[key] += 1
        if key not in latest or eta >= latest[key][0]:
            latest[key] = (eta, event)
    changes = []
    for (address, id_), (eta, event) in latest.items():
        if times[(address, id_)] <= finished[(address, id_)] + finished[id_]:
            continue
        action, payload = str(_field(event, "action")), bytes(_field(event, "payload"))
        known = ACTIONS.get(action)
        args = known.decode(payload) if known else None
        changes.append(Queued(id_, action, args, eta, address, status(eta, now), payload))
    return sorted(changes, key=lambda change: (change.eta, change.contract_address, change.id))


# --- Safe{Wallet} Transaction Builder -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SafeTx:
    """One transaction of a Safe batch: `method` (an ABI fragment) and `inputs` (argument name -> string) go together
    or not at all. With them, the batch carries no `data` and the tx-builder encodes the call from them (which must
    give `data`); without them it executes `data` as given, shown as custom hex data."""

    to: str
    data: str  # 0x-hex calldata
    value: int = 0  # wei
    method: dict | None = None
    inputs: dict | None = None


def _batch_transaction(index: int, tx: SafeTx) -> dict:
    where = f"transaction {index}"
    to = _abi_value(f"{where} to", "address", tx.to)
    if not isinstance(tx.data, str) or not _HEX_DATA.fullmatch(tx.data):
        raise GovernanceError(f"{where} data must be 0x-hex bytes, got {tx.data!r}.")
    value = _abi_value(f"{where} value", "uint256", tx.value)
    if (tx.method is None) != (tx.inputs is None):
        raise GovernanceError(f"{where} needs both method and inputs, or neither.")
    if tx.inputs is not None and not all(isinstance(v, str) for v in tx.inputs.values()):
        raise GovernanceError(f"{where} inputs must all be strings (the tx-builder refuses numbers).")
    # The tx-builder's `convertToProposedTransactions` shows a transaction that carries `data` as "custom hex data"
    # and ignores its method; only with `data: null` does it show the method and inputs, encoding them itself
    # (`encodeToHexData`). So a described transaction goes without `data`, and must encode to exactly `tx.data`.
    if tx.method is not None and tx_builder_calldata(tx.method, tx.inputs) != tx.data.lower():
        raise GovernanceError(f"{where} method and inputs do not encode to its data.")
    return {
        "to": to,
        "value": str(value),
        "data": None if tx.method is not None else tx.data.lower(),
        "contractMethod": tx.method,
        "contractInputsValues": tx.inputs,
    }


def _builder_type(item: Mapping) -> str:
    if item["type"].startswith("tuple"):
        return "(" + ",".join(_builder_type(c) for c in item["components"]) + ")" + item["type"][len("tuple"):]
    return item["type"]


def _builder_value(abi_type: str, value: object) -> object:
    """A JSON-parsed (or plain string) input as the tx-builder hands it to the ABI encoder."""
    if isinstance(value, list):
        if abi_type.endswith("[]"):
            return [_builder_value(abi_type[:-2], v) for v in value]
        return tuple(_builder_value(t, v) for t, v in zip(abi_type[1:-1].split(","), value, strict=True))
    if abi_type == "bool":
        return str(value).lower() == "true"
    if abi_type.startswith(("uint", "int")):
        return int(value, 0) if isinstance(value, str) else int(value)
    if abi_type == "address":
        return to_checksum_address(value)
    if abi_type.startswith("bytes"):
        return bytes.fromhex(str(value).removeprefix("0x"))
    return value


def tx_builder_calldata(method: Mapping, inputs: Mapping[str, str]) -> str:
    """The calldata the tx-builder encodes from `contractMethod` and `contractInputsValues` (its `encodeToHexData`
    after `parseInputValue`: a value starting with `[` is parsed as JSON, `bool` is "true"/"false")."""
    types = [_builder_type(item) for item in method["inputs"]]
    values = []
    for index, (item, abi_type) in enumerate(zip(method["inputs"], types, strict=True)):
        text = inputs.get(item["name"] or str(index), "")
        values.append(_builder_value(abi_type, json.loads(text) if text.startswith("[") else text))
    selector = function_signature_to_4byte_selector(f"{method['name']}({','.join(types)})")
    return "0x" + (selector + encode(types, values)).hex()


def _serialise(value: object) -> str:
    """The tx-builder's `serializeJSONObject`: objects as their sorted key list followed by each value, then a comma."""
    if isinstance(value, list | tuple):
        return "[" + ",".join(_serialise(item) for item in value) + "]"
    if isinstance(value, Mapping):
        keys = sorted(value)
        return (
            "{"
            + json.dumps(keys, separators=(",", ":"), ensure_ascii=False)
            + "".join(_serialise(value[key]) + "," for key in keys)
            + "}"
        )
    if isinstance(value, float):
        raise GovernanceError(f"batch value {value!r} is a float; JSON numbers in a batch must be integers.")
    return json.dumps(value, ensure_ascii=False)


def batch_checksum(batch: Mapping) -> str:
    """The tx-builder's checksum of `batch` (its `calculateChecksum`): keccak-256 of the serialised batch, exactly as
    given except `meta.name` set to null. The app checks an imported file against the checksum of the file without
    its `meta.checksum` key; `safe_batch` computes it before adding the key, so the two agree."""
    return "0x" + keccak(text=_serialise({**batch, "meta": {**batch["meta"], "name": None}})).hex()


def checksum_valid(batch: Mapping) -> bool:
    """Whether `batch` passes the tx-builder's import check (its `validateChecksum`)."""
    meta = dict(batch["meta"])
    checksum = meta.pop("checksum", None)
    return checksum == batch_checksum({**batch, "meta": meta})


def safe_batch(
    chain_id: int, safe: str, transactions: Sequence[SafeTx], name: str, description: str, created_at_ms: int
) -> dict:
    """A Safe{Wallet} Transaction Builder batch file (write it with `json.dump`) for the Safe at `safe`.

    Format "1.0": `chainId` a string, `createdAt` in milliseconds, `meta` with the name, description, builder version,
    Safe, an empty owner and the checksum, and one `{to, value, data, contractMethod, contractInputsValues}` per
    transaction, `value` in wei as a string. A transaction with a method has `data: null`: the app then shows the
    method and its inputs to the signers and encodes the calldata from them, exactly `SafeTx.data` (checked here).
    """
    if isinstance(chain_id, bool) or not isinstance(chain_id, int) or chain_id <= 0:
        raise GovernanceError(f"chain id must be a positive integer, got {chain_id!r}.")
    if (
        isinstance(created_at_ms, bool)
        or not isinstance(created_at_ms, int)
        or not 0 <= created_at_ms <= MAX_SAFE_INTEGER
    ):
        raise GovernanceError(f"created_at_ms must be milliseconds since 1970, got {created_at_ms!r}.")
    if not transactions:
        raise GovernanceError("a Safe batch needs at least one transaction.")
    batch = {
        "version": SAFE_BATCH_VERSION,
        "chainId": str(chain_id),
        "createdAt": created_at_ms,
        "meta": {
            "name": str(name),
            "description": str(description),
            "txBuilderVersion": TX_BUILDER_VERSION,
            "createdFromSafeAddress": _abi_value("safe", "address", safe),
            "createdFromOwnerAddress": "",
        },
        "transactions": [_batch_transaction(i, tx) for i, tx in enumerate(transactions)],
    }
    batch["meta"]["checksum"] = batch_checksum(batch)
    return batch
