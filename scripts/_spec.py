"""Index specs: a YAML file that describes one index, checked here against every rule the contracts enforce, so
that `create_index` fails with a sentence naming the field instead of a revert string after gas is spent.

Pure Python: no chain, no network. The scripts pass in what the deployment knows (token symbols, adapter names,
account names); `units_for` turns a share value into units once the caller has read oracle prices and decimals;
`create_vault_args` lays everything out as `VaultFactory.create_vault`'s positional arguments.

The format (every field is checked; an unknown field is an error, not ignored)::

    name: DeFi Pulse Lite          # required: 1..25 characters (the vault stores a String[25])
    symbol: DPL                    # required: 1..5 characters, A-Z and 0-9
    components:                    # required: 1..32 entries, no token twice
      - token: UNI                 # a symbol the deployment knows, or a 0x address
        weight: 2500               # target weight in bps; the weights sum to exactly 10000
        min_weight: 1000           # optional governance bound on the target (default 0); min <= weight <= max
        max_weight: 4000           # optional (default 10000)
        unit: 1000000000000000000  # optional exact initial unit: smallest units of the token behind 1e18 index
                                   # tokens. Give a unit for every component, or for none and a share_value_usd.
    share_value_usd: 100           # the initial USD value of one index token (decimals allowed, up to 18);
                                   # units then come from oracle prices and the weights
    fees: {management: 100, mint: 10, redeem: 10}  # optional, bps, each default 0; caps 500 (a year) / 100 / 100
    roles:                         # each a 0x address or the name of an account the script knows ("deployer")
      governance: dao              # required, not the zero address
      guardian: deployer           # required; may pause mint and rebalance, never redeem
      fee_recipient: dao           # required, not the zero address
      strategist: deployer         # optional (default the zero address: no strategist)
      keepers: [keeper]            # optional list, at most 8 (governance may add more later)
    timelock_delay: 2d             # required: seconds, or a number with a unit s/m/h/d; 1d..30d
    limits:                        # optional; each field defaults to the value shown
      max_slippage: 100            # bps below the oracle value a swap may return; cap 1000
      max_trade: 2000              # bps of NAV one rebalance may sell; 1..10000
      max_nav_loss: 50             # bps of NAV one rebalance may lose; cap 500
      tolerance: 50                # bps of NAV a leg may end past its target; cap 1000
      cooldown: 1h                 # between two rebalances; a duration, cap 30d
      target_step: 500             # bps the strategist may move one target per period; cap 10000
      target_period: 7d            # between two strategist target changes; a duration, cap 365d
      loss_budget: 15              # bps of NAV all trades together may lose per rolling 24 h; cap 500
    adapters: [uniswap_v2]         # optional: names of the deployment's adapters, at most 8 (default: all)
    strategy:                      # optional (default {name: governance}); read by the keeper, not on chain
      name: momentum               # governance | equal-weight | market-cap | momentum
      stablecoin: USDC             # momentum, required: a component (symbol or address)
      fast: 20                     # momentum, optional (the keeper's defaults otherwise): fast and slow moving
      slow: 50                     #   averages in days, rsi_period (days), rsi_high and rsi_low (percent),
                                   #   risk_off (bps the stablecoin gets when every trend is down)
                                   # market-cap, optional: top_n, cap (bps per component), market_caps (a JSON
                                   #   file or an http(s) URL of {symbol: USD})

    compliance:                    # optional: makes it a compliant (security-token) index, VaultFactory's
                                   # create_compliant_vault; without it, a plain index
      registry: deploy             # required: an IdentityRegistry's 0x address, or "deploy" for a new one
      blocked_countries: [408, 364]  # optional: ISO 3166-1 numeric codes (1..999; "004" or 4), at most 16
      max_holders: 500             # optional: investor identities holding at once, 0 (default) = no limit
      max_balance: 10000           # optional: index tokens one identity may hold over its wallets (decimals up
                                   #   to 18), 0 (default) = no limit
      lockup: 30d                  # optional: how long minted shares cannot be transferred (a duration, cap 5
                                   #   years; default 0); redeeming is never locked
      agents: [deployer]           # optional: accounts that register investors, freeze and recover wallets, at
                                   #   most 8; with an existing registry, they must already be its agents (the
                                   #   script checks) or the sender must be its governance (the script adds them)

`IndexSpec.strategy` is the validated mapping with the YAML's keys (the stablecoin given as its component's
symbol); the keeper's constructors call two of them differently: `risk_off` is `Momentum(risk_off_bps=...)` and
`cap` is `MarketCapTopN(cap_bps=...)`.

How `load_spec` reads YAML, so that numbers and addresses mean what they look like: an unquoted `0x...` stays
text (YAML 1.1 would read it as a hexadecimal integer and lose its checksum); `0755` and `1:30` are text, not
octal or base-60 integers; `1_000` is 1000; `99.5` is read as an exact Decimal, never a float; a key given twice
is an error with its line. `yes`, `no`, `on` and `off` are still booleans, which every field rejects.
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, NoReturn

import yaml
from eth_utils import is_checksum_address, to_checksum_address

from keeper.state import BPS, ONE
from keeper.strategies import STRATEGIES, MarketCapTopN, Momentum, StrategyError

DAY = 86_400
ZERO_ADDRESS = "0x" + "00" * 20

# The contracts' own limits (IndexVault.vy, RebalancePolicy.vy, modules/vault_params.vy, modules/timelock.vy).
MAX_NAME_BYTES = 25  # String[25]
MAX_SYMBOL_LENGTH = 5  # String[5]
MAX_COMPONENTS = 32
MAX_INITIAL_ROLES = 8  # keepers and adapters the factory accepts at creation
MAX_UNIT = 2**88 - 1
MAX_MANAGEMENT_FEE = 500
MAX_MINT_FEE = 100
MAX_REDEEM_FEE = 100
MIN_DELAY = DAY
MAX_DELAY = 30 * DAY
MAX_SLIPPAGE = 1_000
MAX_NAV_LOSS = 500
MAX_TOLERANCE = 1_000
MAX_COOLDOWN = 30 * DAY
MIN_COOLDOWN = 15 * 60
MAX_LOSS_BUDGET = 500
MAX_TARGET_PERIOD = 365 * DAY

# Not a contract rule: a share-value unit is rounded up to a whole smallest unit of the token, and a rounding that
# adds more than this (bps of the component's value) means its weight is too small for the token's decimals.
MAX_UNIT_ROUNDING = 100

# `vault_params.Limits`, in its field order, with the defaults a spec gets when it leaves a field out.
LIMIT_FIELDS = (
    "max_slippage", "max_trade", "max_nav_loss", "tolerance", "cooldown", "target_step", "target_period", "loss_budget",
)  # fmt: skip
# The loss budget covers a weekly rebalance of a 10-component index: moving 20 % of NAV through two 0.3 % pools
# costs 12 bps in fees, plus a little price impact; anything more is for a spec (or the timelock) to allow.
DEFAULT_LIMITS = {
    "max_slippage": 100,
    "max_trade": 2_000,
    "max_nav_loss": 50,
    "tolerance": 50,
    "cooldown": 3_600,
    "target_step": 500,
    "target_period": 7 * DAY,
    "loss_budget": 15,
}

SPEC_FIELDS = (
    "name", "symbol", "components", "share_value_usd", "fees", "roles", "timelock_delay", "limits", "adapters",
    "strategy", "compliance",
)  # fmt: skip
COMPLIANCE_FIELDS = ("registry", "blocked_countries", "max_holders", "max_balance", "lockup", "agents")
MAX_BLOCKED_COUNTRIES = 16  # vault_params.MAX_BLOCKED_COUNTRIES
MAX_COUNTRY_CODE = 999  # ISO 3166-1 numeric codes have three digits
# Not a contract rule (it stores the lock's end in 64 bits): a lock-up of more than five years is almost surely a typo.
MAX_LOCKUP = 5 * 365 * DAY
DEPLOY_REGISTRY = "deploy"
COMPONENT_FIELDS = ("token", "weight", "min_weight", "max_weight", "unit")
FEE_FIELDS = ("management", "mint", "redeem")
FEE_CAPS = (MAX_MANAGEMENT_FEE, MAX_MINT_FEE, MAX_REDEEM_FEE)
ROLE_FIELDS = ("governance", "guardian", "fee_recipient", "strategist", "keepers")
# Options each strategy takes beyond `name` (the keeper's constructor arguments, as named in a spec).
STRATEGY_OPTIONS = {
    "governance": (),
    "equal-weight": (),
    "market-cap": ("top_n", "cap", "market_caps"),
    "momentum": ("stablecoin", "fast", "slow", "rsi_period", "rsi_high", "rsi_low", "risk_off"),
}
DURATION_UNITS = {"": 1, "s": 1, "m": 60, "h": 3_600, "d": DAY}


class SpecError(Exception):
    """An index spec that cannot work: the message starts with the field's path ("components[2].token: ...")."""


@dataclass(frozen=True)
class ComponentSpec:
    token: str  # checksummed address
    symbol: str  # the deployment's symbol for it; the address itself when the deployment does not know it
    weight: int  # target, bps
    min_weight: int  # governance bounds on the target, bps
    max_weight: int
    unit: int | None  # the exact initial unit, or None when the spec gives a share value instead


@dataclass(frozen=True)
class ComplianceSpec:
    """`vault_params.ComplianceParams` as a spec gives it, plus who the registry's agents are."""

    registry: str | None  # an IdentityRegistry's address; None: deploy a new one
    blocked_countries: tuple[int, ...]  # ISO 3166-1 numeric
    max_holders: int  # 0 = no limit
    max_balance: int  # index-token wei per identity, 0 = no limit
    lockup: int  # seconds
    agents: tuple[str, ...]  # addresses


@dataclass(frozen=True)
class IndexSpec:
    name: str
    symbol: str
    components: tuple[ComponentSpec, ...]
    share_value_usd: int | None  # 18-decimal USD; None when every component has an explicit unit
    fees: tuple[int, int, int]  # management (bps a year), mint, redeem (bps)
    governance: str
    guardian: str
    fee_recipient: str
    strategist: str  # the zero address for none
    keepers: tuple[str, ...]
    timelock_delay: int  # seconds
    limits: tuple[int, ...]  # in LIMIT_FIELDS order
    adapters: tuple[str, ...]  # addresses
    strategy: dict[str, Any]  # {"name": ..., **options}, validated
    compliance: ComplianceSpec | None = None  # None: a plain index


# --- YAML -------------------------------------------------------------------------------------------------------

_INT_TAG = "tag:yaml.org,2002:int"
_FLOAT_TAG = "tag:yaml.org,2002:float"


class _SpecLoader(yaml.SafeLoader):
    """SafeLoader with the YAML 1.1 number surprises removed (see the module docstring) and duplicate keys caught."""

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen = set()
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=True)
                try:
                    duplicate = key in seen
                except TypeError:  # an unhashable key: the base class reports it
                    continue
                if duplicate:
                    raise yaml.constructor.ConstructorError(
                        "while reading a mapping", node.start_mark, f"found duplicate key {key!r}", key_node.start_mark
                    )
                seen.add(key)
        return super().construct_mapping(node, deep=deep)


_SpecLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in (_INT_TAG, _FLOAT_TAG)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
# Decimal integers only: no 0x (addresses stay text), no leading-zero octal, no 1:30 base 60.
_SpecLoader.add_implicit_resolver(_INT_TAG, re.compile(r"^[-+]?(?:0|[1-9][0-9_]*)$"), list("-+0123456789"))
_SpecLoader.add_implicit_resolver(
    _FLOAT_TAG,
    re.compile(r"^[-+]?(?:[0-9][0-9_]*\.[0-9_]*|\.[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)?$"),
    list("-+.0123456789"),
)
_SpecLoader.add_constructor(_FLOAT_TAG, lambda loader, node: Decimal(loader.construct_scalar(node).replace("_", "")))


def load_spec(path: str | Path) -> dict:
    """The mapping in the YAML file `path`; a SpecError naming the file (and the line and column, for bad YAML)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise SpecError(f"{path}: cannot read it: {getattr(error, 'strerror', None) or error}") from None
    try:
        raw = yaml.load(text, Loader=_SpecLoader)  # a SafeLoader subclass: plain data only
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        problem = error.problem or error.context
        context = f" ({error.context})" if error.problem and error.context else ""
        raise SpecError(f"{where}: bad YAML: {problem}{context}") from None
    except yaml.YAMLError as error:
        raise SpecError(f"{path}: bad YAML: {error}") from None
    if not isinstance(raw, dict):
        raise SpecError(f"{path}: the top level must be a mapping of fields (name, symbol, ...), got {_describe(raw)}")
    return raw


# --- Parsing ----------------------------------------------------------------------------------------------------


def parse_spec(
    raw: Mapping, *, tokens: Mapping[str, str], adapters: Mapping[str, str], accounts: Mapping[str, str]
) -> IndexSpec:
    """Check `raw` (from `load_spec`) against the deployment: `tokens` maps symbols to addresses, `adapters` names
    to addresses, `accounts` role names ("deployer", "dao") to addresses. A SpecError names the first bad field."""
    tokens = {symbol: to_checksum_address(address) for symbol, address in tokens.items()}
    adapters = {name: to_checksum_address(address) for name, address in adapters.items()}
    accounts = {name: to_checksum_address(address) for name, address in accounts.items()}
    spec = _fields(raw, "spec", SPEC_FIELDS, required=("name", "symbol", "components", "roles", "timelock_delay"))
    # In the order a spec is usually written, so the first error reported is the first one in the file.
    name = _name(spec["name"])
    symbol = _symbol(spec["symbol"])
    components = _components(spec["components"], tokens)
    share_value_usd = _share_value(spec.get("share_value_usd"), components)
    fees = _fees(spec.get("fees"))
    roles = _fields(spec["roles"], "roles", ROLE_FIELDS, required=("governance", "guardian", "fee_recipient"))
    governance = _nonzero(_account(roles["governance"], "roles.governance", accounts), "roles.governance", "govern")
    guardian = _account(roles["guardian"], "roles.guardian", accounts)  # the zero address: governance alone
    fee_recipient = _account(roles["fee_recipient"], "roles.fee_recipient", accounts)
    _nonzero(fee_recipient, "roles.fee_recipient", "receive fees")
    strategist = _account(roles.get("strategist", ZERO_ADDRESS), "roles.strategist", accounts)
    keepers = _keepers(roles.get("keepers"), accounts)
    return IndexSpec(
        name=name,
        symbol=symbol,
        components=components,
        share_value_usd=share_value_usd,
        fees=fees,
        governance=governance,
        guardian=guardian,
        fee_recipient=fee_recipient,
        strategist=strategist,
        keepers=keepers,
        timelock_delay=_timelock_delay(spec["timelock_delay"]),
        limits=_limits(spec.get("limits")),
        adapters=_adapters(spec.get("adapters"), adapters),
        strategy=_strategy(spec.get("strategy"), components),
        compliance=_compliance(spec.get("compliance"), accounts),
    )


def parse_duration(value: Any, field: str) -> int:
    """Seconds from a whole number of seconds or a text "<number><unit>" with unit s, m, h or d ("90s", "2d")."""
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 0:
            _fail(field, f"must not be negative, got {value}")
        return value
    if isinstance(value, str):
        match = re.fullmatch(r"\s*(-?)([0-9][0-9_]*)\s*([smhd]?)\s*", value)
        if match:
            if match[1]:
                _fail(field, f"must not be negative, got {value!r}")
            return int(match[2].replace("_", "")) * DURATION_UNITS[match[3]]
    _fail(field, f"expected seconds or a duration such as 90s, 15m, 1h or 2d, got {_describe(value)}")


def _components(raw: Any, tokens: dict[str, str]) -> tuple[ComponentSpec, ...]:
    entries = _list(raw, "components", "components")
    if not entries:
        _fail("components", "must list at least one component")
    if len(entries) > MAX_COMPONENTS:
        _fail("components", f"{len(entries)} components, above the vault's limit of {MAX_COMPONENTS}")
    symbols = {}
    for symbol, address in tokens.items():
        symbols.setdefault(address, symbol)
    seen: dict[str, int] = {}
    components = []
    for i, entry in enumerate(entries):
        path = f"components[{i}]"
        fields = _fields(entry, path, COMPONENT_FIELDS, required=("token", "weight"))
        token = _token(fields["token"], f"{path}.token", tokens)
        symbol = symbols.get(token, token)
        if token in seen:
            _fail(f"{path}.token", f"duplicate of components[{seen[token]}] ({symbol})")
        seen[token] = i
        weight = _bps(fields["weight"], f"{path}.weight", BPS, "10000 (the whole index)")
        min_weight = _bps(fields.get("min_weight", 0), f"{path}.min_weight", BPS, "10000 (the whole index)")
        max_weight = _bps(fields.get("max_weight", BPS), f"{path}.max_weight", BPS, "10000 (the whole index)")
        if min_weight > max_weight:
            _fail(f"{path}.min_weight", f"{min_weight} bps is above max_weight {max_weight}")
        if not min_weight <= weight <= max_weight:
            _fail(f"{path}.weight", f"{weight} bps is outside its bounds [{min_weight}, {max_weight}]")
        unit = None
        if "unit" in fields:
            unit = _whole(fields["unit"], f"{path}.unit")
            if unit == 0:
                _fail(f"{path}.unit", "must be at least 1: the vault holds some of every component")
            if unit > MAX_UNIT:
                _fail(f"{path}.unit", f"{unit} is above the vault's maximum of 2**88-1")
        components.append(ComponentSpec(token, symbol, weight, min_weight, max_weight, unit))
    total = sum(component.weight for component in components)
    if total != BPS:
        _fail("components", f"weights sum to {total} bps, not {BPS}")
    if any(component.unit is not None for component in components):
        for i, component in enumerate(components):
            if component.unit is None:
                _fail(f"components[{i}].unit", "missing: give every component a unit, or none and a share_value_usd")
    return tuple(components)


def _token(value: Any, path: str, tokens: dict[str, str]) -> str:
    if isinstance(value, str) and value.startswith("0x"):
        return _nonzero(_address(value, path), path, "be a component")
    symbol = _text(value, path)
    if symbol not in tokens:
        _fail(path, f"unknown symbol {symbol!r} (known: {_known(tokens)})")
    return tokens[symbol]


def _share_value(value: Any, components: tuple[ComponentSpec, ...]) -> int | None:
    has_units = components[0].unit is not None
    if has_units:
        if value is not None:
            _fail("share_value_usd", "give either a share_value_usd or a unit for every component, not both")
        return None
    if value is None:
        _fail("share_value_usd", "required when the components have no unit")
    if isinstance(value, bool) or not isinstance(value, int | Decimal | float):
        _fail("share_value_usd", f"expected a number of USD, got {_describe(value)}")
    usd = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if not usd.is_finite() or usd <= 0:
        _fail("share_value_usd", f"must be positive, got {value}")
    # Exact: Decimal arithmetic would round to its context's 28 digits.
    numerator, denominator = usd.as_integer_ratio()
    if numerator * ONE % denominator:
        _fail("share_value_usd", f"{value} has more than 18 decimal places")
    for i, component in enumerate(components):
        if component.weight == 0:
            _fail(
                f"components[{i}].weight",
                "0 bps gives a zero unit, and the vault holds some of every component: give every component an "
                "explicit unit instead of a share_value_usd, or a weight above 0",
            )
    return numerator * ONE // denominator


def _fees(raw: Any) -> tuple[int, int, int]:
    fields = _fields({} if raw is None else raw, "fees", FEE_FIELDS)
    management, mint, redeem = (
        _bps(fields.get(name, 0), f"fees.{name}", cap, f"the vault's cap of {cap}")
        for name, cap in zip(FEE_FIELDS, FEE_CAPS)
    )
    return management, mint, redeem


def _keepers(raw: Any, accounts: dict[str, str]) -> tuple[str, ...]:
    entries = _list([] if raw is None else raw, "roles.keepers", "accounts")
    if len(entries) > MAX_INITIAL_ROLES:
        _fail(
            "roles.keepers",
            f"{len(entries)} keepers, above the factory's limit of {MAX_INITIAL_ROLES} (governance can add more later)",
        )
    keepers: list[str] = []
    for i, entry in enumerate(entries):
        path = f"roles.keepers[{i}]"
        keeper = _nonzero(_account(entry, path, accounts), path, "be a keeper")
        if keeper in keepers:
            _fail(path, f"duplicate of roles.keepers[{keepers.index(keeper)}]")
        keepers.append(keeper)
    return tuple(keepers)


def _timelock_delay(raw: Any) -> int:
    delay = parse_duration(raw, "timelock_delay")
    if delay < MIN_DELAY:
        _fail("timelock_delay", f"{_duration(delay)} is below the timelock's minimum of {_duration(MIN_DELAY)}")
    if delay > MAX_DELAY:
        _fail("timelock_delay", f"{_duration(delay)} is above the timelock's maximum of {_duration(MAX_DELAY)}")
    return delay


def _limits(raw: Any) -> tuple[int, ...]:
    fields = _fields({} if raw is None else raw, "limits", LIMIT_FIELDS)
    values = {**DEFAULT_LIMITS}
    bps_caps = {"max_slippage": MAX_SLIPPAGE, "max_trade": BPS, "max_nav_loss": MAX_NAV_LOSS}
    bps_caps |= {"tolerance": MAX_TOLERANCE, "target_step": BPS, "loss_budget": MAX_LOSS_BUDGET}
    for name, cap in bps_caps.items():
        if name in fields:
            values[name] = _bps(fields[name], f"limits.{name}", cap, f"the policy's cap of {cap}")
    if values["max_trade"] == 0:
        _fail("limits.max_trade", f"0 bps would forbid every trade; give 1 to {BPS}")
    for name, cap in (("cooldown", MAX_COOLDOWN), ("target_period", MAX_TARGET_PERIOD)):
        if name in fields:
            values[name] = parse_duration(fields[name], f"limits.{name}")
            if values[name] > cap:
                _fail(f"limits.{name}", f"{_duration(values[name])} is above the policy's cap of {_duration(cap)}")
    if values["cooldown"] < MIN_COOLDOWN:
        _fail("limits.cooldown", f"{_duration(values['cooldown'])} is below the policy's floor of 15m")
    return tuple(values[name] for name in LIMIT_FIELDS)


def _adapters(raw: Any, adapters: dict[str, str]) -> tuple[str, ...]:
    if raw is None:
        if len(adapters) > MAX_INITIAL_ROLES:
            _fail(
                "adapters",
                f"the deployment has {len(adapters)} adapters, above the factory's limit of {MAX_INITIAL_ROLES}: "
                "list the ones this index uses",
            )
        return tuple(adapters.values())
    names = _list(raw, "adapters", "adapter names")
    if len(names) > MAX_INITIAL_ROLES:
        _fail("adapters", f"{len(names)} adapters, above the factory's limit of {MAX_INITIAL_ROLES}")
    chosen: list[str] = []
    for i, entry in enumerate(names):
        path = f"adapters[{i}]"
        name = _text(entry, path)
        if name not in adapters:
            _fail(path, f"unknown adapter {name!r} (known: {_known(adapters)})")
        if adapters[name] in chosen:
            _fail(path, f"duplicate of adapters[{chosen.index(adapters[name])}]")
        chosen.append(adapters[name])
    return tuple(chosen)


def _strategy(raw: Any, components: tuple[ComponentSpec, ...]) -> dict[str, Any]:
    if raw is None:
        return {"name": "governance"}
    if not isinstance(raw, Mapping):
        _fail("strategy", f"expected a mapping with a name ({' | '.join(STRATEGY_OPTIONS)}), got {_describe(raw)}")
    if raw.get("name") is None:
        _fail("strategy.name", "required field is missing")
    name = _text(raw["name"], "strategy.name")
    if name not in STRATEGY_OPTIONS or name not in STRATEGIES:
        _fail("strategy.name", f"unknown strategy {name!r} (known: {', '.join(STRATEGY_OPTIONS)})")
    required = ("name", "stablecoin") if name == "momentum" else ("name",)
    fields = _fields(raw, "strategy", ("name", *STRATEGY_OPTIONS[name]), required=required)
    strategy: dict[str, Any] = {"name": name}
    if name == "momentum":
        strategy["stablecoin"] = _stablecoin(fields["stablecoin"], components)
        for option in ("fast", "slow", "rsi_period", "rsi_high", "rsi_low"):
            if option in fields:
                strategy[option] = _whole(fields[option], f"strategy.{option}")
        if "risk_off" in fields:
            strategy["risk_off"] = _bps(fields["risk_off"], "strategy.risk_off", BPS, "10000 (the whole index)")
        options = {key: value for key, value in strategy.items() if key not in ("name", "risk_off")}
        if "risk_off" in strategy:
            options["risk_off_bps"] = strategy["risk_off"]
        _keeper_accepts(Momentum, options)
    elif name == "market-cap":
        if "top_n" in fields:
            strategy["top_n"] = _whole(fields["top_n"], "strategy.top_n")
            if strategy["top_n"] == 0:
                _fail("strategy.top_n", "must be at least 1")
        if "cap" in fields:
            strategy["cap"] = _bps(fields["cap"], "strategy.cap", BPS, "10000 (the whole index)")
            if strategy["cap"] == 0:
                _fail("strategy.cap", "must be at least 1 bps")
        if "market_caps" in fields:
            strategy["market_caps"] = _text(fields["market_caps"], "strategy.market_caps")
            if not strategy["market_caps"].strip():
                _fail("strategy.market_caps", "must name a JSON file or an http(s) URL")
        options = {"top_n": strategy.get("top_n"), "cap_bps": strategy.get("cap")}
        chosen = _keeper_accepts(MarketCapTopN, {key: value for key, value in options.items() if value is not None})
        count = min(chosen.top_n, len(components))
        if chosen.cap_bps * count < BPS:
            _fail("strategy.cap", f"{count} components capped at {chosen.cap_bps} bps each cannot add up to {BPS} bps")
    return strategy


def _compliance(raw: Any, accounts: dict[str, str]) -> ComplianceSpec | None:
    if raw is None:
        return None
    fields = _fields(raw, "compliance", COMPLIANCE_FIELDS, required=("registry",))
    registry = None
    if fields["registry"] != DEPLOY_REGISTRY:
        if not (isinstance(fields["registry"], str) and fields["registry"].startswith("0x")):
            _fail(
                "compliance.registry",
                f'expected an IdentityRegistry\'s 0x address or "deploy", got {_describe(fields["registry"])}',
            )
        registry = _nonzero(_address(fields["registry"], "compliance.registry"), "compliance.registry", "be a registry")
    countries = _list(fields.get("blocked_countries", []), "compliance.blocked_countries", "ISO 3166-1 numeric codes")
    if len(countries) > MAX_BLOCKED_COUNTRIES:
        _fail(
            "compliance.blocked_countries",
            f"{len(countries)} countries, above the contract's limit of {MAX_BLOCKED_COUNTRIES}",
        )
    blocked: list[int] = []
    for i, entry in enumerate(countries):
        path = f"compliance.blocked_countries[{i}]"
        code = _country(entry, path)
        if code in blocked:
            _fail(path, f"duplicate of compliance.blocked_countries[{blocked.index(code)}] ({code:03d})")
        blocked.append(code)
    max_holders = _whole(fields.get("max_holders", 0), "compliance.max_holders")
    max_balance = _index_tokens(fields.get("max_balance", 0), "compliance.max_balance")
    lockup = parse_duration(fields.get("lockup", 0), "compliance.lockup")
    if lockup > MAX_LOCKUP:
        _fail("compliance.lockup", f"{_duration(lockup)} is above {_duration(MAX_LOCKUP)} (five years): a typo?")
    agents_raw = _list(fields.get("agents", []), "compliance.agents", "accounts")
    if len(agents_raw) > MAX_INITIAL_ROLES:
        _fail(
            "compliance.agents", f"{len(agents_raw)} agents, above {MAX_INITIAL_ROLES} (governance can add more later)"
        )
    agents: list[str] = []
    for i, entry in enumerate(agents_raw):
        path = f"compliance.agents[{i}]"
        agent = _nonzero(_account(entry, path, accounts), path, "be an agent")
        if agent in agents:
            _fail(path, f"duplicate of compliance.agents[{agents.index(agent)}]")
        agents.append(agent)
    return ComplianceSpec(registry, tuple(blocked), max_holders, max_balance, lockup, tuple(agents))


def _country(value: Any, path: str) -> int:
    """An ISO 3166-1 numeric code: a number 1..999, or its three digits as text ("004": YAML keeps a leading zero
    as text)."""
    if isinstance(value, str) and re.fullmatch(r"[0-9]{3}", value):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        _fail(path, f'expected an ISO 3166-1 numeric code such as 840 or "004", got {_describe(value)}')
    if not 1 <= value <= MAX_COUNTRY_CODE:
        _fail(path, f"{value} is not an ISO 3166-1 numeric code (1..999)")
    return value


def _index_tokens(value: Any, path: str) -> int:
    """A number of index tokens (decimals allowed, up to 18) as wei."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal | float):
        _fail(path, f"expected a number of index tokens, got {_describe(value)}")
    amount = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if not amount.is_finite() or amount < 0:
        _fail(path, f"must not be negative, got {value}")
    numerator, denominator = amount.as_integer_ratio()
    if numerator * ONE % denominator:
        _fail(path, f"{value} has more than 18 decimal places")
    return numerator * ONE // denominator


def _keeper_accepts(strategy_class: type, options: dict[str, Any]) -> Any:
    """The keeper's own strategy built from `options`: its checks (and its defaults for what the spec left out)
    judge the combination, so the spec and the keeper never disagree on what is valid."""
    try:
        return strategy_class(**options)
    except StrategyError as error:
        _fail("strategy", str(error))


def _stablecoin(value: Any, components: tuple[ComponentSpec, ...]) -> str:
    path = "strategy.stablecoin"
    if isinstance(value, str) and value.startswith("0x"):
        address = _address(value, path)
        matches = [component for component in components if component.token == address]
    else:
        symbol = _text(value, path)
        matches = [component for component in components if component.symbol == symbol]
    if not matches:
        symbols = ", ".join(component.symbol for component in components)
        _fail(path, f"{value!r} is not a component (components: {symbols})")
    return matches[0].symbol


# --- Units and the factory call ---------------------------------------------------------------------------------


def units_for(spec: IndexSpec, prices: Sequence[int], decimals: Sequence[int]) -> list[int]:
    """Each component's initial unit (its smallest units behind 1e18 index tokens), in component order.

    With a share value: unit_i = ceil(share_value * weight_i / BPS * 10**decimals_i / price_i), from `prices` in
    18-decimal USD per whole token (what `OracleRouter.prices` returns); rounding up errs toward the vault. A unit
    of 0, above 2**88-1, or rounded up by more than 1 % of its value (a weight too small for the token's decimals)
    is a SpecError. Without a share value, the spec's explicit units (prices and decimals are not used).
    """
    if spec.share_value_usd is None:
        return [component.unit for component in spec.components]
    count = len(spec.components)
    if len(prices) != count or len(decimals) != count:
        raise ValueError(f"expected {count} prices and decimals, got {len(prices)} and {len(decimals)}")
    units = []
    for i, (component, price, places) in enumerate(zip(spec.components, prices, decimals)):
        path = f"components[{i}]"
        if price <= 0:
            _fail(f"{path}.token", f"the oracle price of {component.symbol} is {price}; a unit needs a positive price")
        numerator = spec.share_value_usd * component.weight * 10**places
        denominator = BPS * price
        unit = -(-numerator // denominator)
        if unit == 0:
            _fail(f"{path}.unit", f"{component.symbol} at {component.weight} bps gives a zero unit")
        if unit > MAX_UNIT:
            _fail(
                f"{path}.unit",
                f"{unit} smallest units of {component.symbol} is above the vault's maximum of 2**88-1: "
                "lower share_value_usd",
            )
        if (unit * denominator - numerator) * BPS > numerator * MAX_UNIT_ROUNDING:
            exact = numerator * 1000 // denominator
            _fail(
                f"{path}.unit",
                f"{component.weight} bps of the share value is {exact // 1000}.{exact % 1000:03d} smallest units of "
                f"{component.symbol}; rounding up to {unit} would overprice it by more than 1%: raise its weight or "
                "share_value_usd",
            )
        units.append(unit)
    return units


def create_vault_args(spec: IndexSpec, units: Sequence[int], oracle: str) -> tuple:
    """`VaultFactory.create_vault`'s positional arguments, the last one the `vault_params.PolicyParams` tuple:
    (name, symbol, components, units, governance, guardian, fee_recipient, management_fee, mint_fee, redeem_fee,
    timelock_delay, (oracle, strategist, keepers, adapters, targets, min_weights, max_weights, limits))."""
    if len(units) != len(spec.components):
        raise ValueError(f"expected {len(spec.components)} units, got {len(units)}")
    for i, unit in enumerate(units):
        if not 0 < unit <= MAX_UNIT:
            _fail(f"components[{i}].unit", f"{unit} is outside the vault's range 1..2**88-1")
    components = spec.components
    management_fee, mint_fee, redeem_fee = spec.fees
    policy = (
        _address(oracle, "oracle"),
        spec.strategist,
        list(spec.keepers),
        list(spec.adapters),
        [component.weight for component in components],
        [component.min_weight for component in components],
        [component.max_weight for component in components],
        tuple(spec.limits),
    )
    return (
        spec.name,
        spec.symbol,
        [component.token for component in components],
        list(units),
        spec.governance,
        spec.guardian,
        spec.fee_recipient,
        management_fee,
        mint_fee,
        redeem_fee,
        spec.timelock_delay,
        policy,
    )


def compliance_params(spec: IndexSpec, registry: str) -> tuple:
    """`vault_params.ComplianceParams` for `create_compliant_vault`, with the registry's address (the spec's, or the
    one the script deployed): (registry, blocked_countries, max_holders, max_balance, lockup)."""
    if spec.compliance is None:
        raise ValueError(f"{spec.symbol} is a plain index: its spec has no compliance section")
    rules = spec.compliance
    registry = _nonzero(_address(registry, "compliance.registry"), "compliance.registry", "be a registry")
    return (registry, list(rules.blocked_countries), rules.max_holders, rules.max_balance, rules.lockup)


def create_compliant_vault_args(spec: IndexSpec, units: Sequence[int], oracle: str, registry: str) -> tuple:
    """`VaultFactory.create_compliant_vault`'s positional arguments: `create_vault`'s, then ComplianceParams."""
    return (*create_vault_args(spec, units, oracle), compliance_params(spec, registry))


# --- Small checks -----------------------------------------------------------------------------------------------


def _fail(path: str, sentence: str) -> NoReturn:
    raise SpecError(f"{path}: {sentence}")


def _describe(value: Any) -> str:
    """A wrong value, described for a sentence."""
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()} (YAML reads yes/no/on/off as booleans: quote it if it is text)"
    if value is None:
        return "nothing"
    if isinstance(value, int | float | Decimal):
        return f"the number {value}"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    return type(value).__name__


def _known(names: Mapping[str, str]) -> str:
    return ", ".join(names) or "none"


def _duration(seconds: int) -> str:
    for suffix, size in (("d", DAY), ("h", 3_600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{suffix}"
    return f"{seconds}s"


def _fields(raw: Any, path: str, allowed: Sequence[str], required: Sequence[str] = ()) -> dict:
    """`raw` as a dict without its null values, after checking it is a mapping of `allowed` keys with `required`."""
    if not isinstance(raw, Mapping):
        _fail(path, f"expected a mapping of fields ({', '.join(allowed)}), got {_describe(raw)}")
    for key in raw:
        if key not in allowed:
            _fail(f"{path}.{key}", f"unknown field (expected one of {', '.join(allowed)})")
    fields = {key: value for key, value in raw.items() if value is not None}
    for key in required:
        if key not in fields:
            _fail(key if path == "spec" else f"{path}.{key}", "required field is missing")
    return fields


def _list(raw: Any, path: str, what: str) -> list:
    if not isinstance(raw, list | tuple):
        _fail(path, f"expected a list of {what}, got {_describe(raw)}")
    return list(raw)


def _whole(value: Any, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        _fail(path, f"expected a whole number, got {_describe(value)}")
    if value < 0:
        _fail(path, f"must not be negative, got {value}")
    return value


def _bps(value: Any, path: str, cap: int, limit: str) -> int:
    bps = _whole(value, path)
    if bps > cap:
        _fail(path, f"{bps} bps is above {limit}")
    return bps


def _text(value: Any, path: str) -> str:
    if not isinstance(value, str):
        _fail(path, f"expected text, got {_describe(value)}")
    return value


def _name(value: Any) -> str:
    name = _text(value, "name")
    size = len(name.encode())
    if size == 0:
        _fail("name", "must not be empty")
    if size > MAX_NAME_BYTES:
        what = "characters" if name.isascii() else "bytes of UTF-8"
        _fail("name", f"{name!r} is {size} {what} long, above the vault's limit of {MAX_NAME_BYTES}")
    return name


def _symbol(value: Any) -> str:
    symbol = _text(value, "symbol")
    if not symbol:
        _fail("symbol", "must not be empty")
    if len(symbol) > MAX_SYMBOL_LENGTH:
        _fail("symbol", f"{symbol!r} is {len(symbol)} characters long, above the vault's limit of {MAX_SYMBOL_LENGTH}")
    if not re.fullmatch(r"[A-Z0-9]+", symbol):
        _fail("symbol", f"{symbol!r} may use only A-Z and 0-9")
    return symbol


def _address(value: Any, path: str) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        _fail(path, "expected a 0x address as text, got a number (quote the address)")
    text = _text(value, path)
    if not re.fullmatch(r"0x[0-9a-fA-F]{40}", text):
        _fail(path, f"{text!r} is not an address (0x and 40 hex digits)")
    digits = text[2:]
    if digits not in (digits.lower(), digits.upper()) and not is_checksum_address(text):
        _fail(path, f"{text!r} has a bad EIP-55 checksum (a typo?)")
    return to_checksum_address(text)


def _account(value: Any, path: str, accounts: dict[str, str]) -> str:
    if (isinstance(value, int) and not isinstance(value, bool)) or (isinstance(value, str) and value.startswith("0x")):
        return _address(value, path)
    name = _text(value, path)
    if name not in accounts:
        _fail(path, f"unknown account {name!r} (known: {_known(accounts)})")
    return accounts[name]


def _nonzero(address: str, path: str, role: str) -> str:
    if address == ZERO_ADDRESS:
        _fail(path, f"the zero address cannot {role}")
    return address
