"""The keeper's one settings object: every knob, typed, read from `KEEPER_*` environment variables or the CLI.

Keys never live here: `account` names an ape account (keystore alias, or `TEST::n` on a local chain) and ape asks
for its passphrase (or reads `APE_ACCOUNTS_<alias>_PASSPHRASE`).
"""

from pathlib import Path

from eth_utils import is_address, to_checksum_address
from pydantic import ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from keeper.deployment import load_deployment
from keeper.errors import ConfigError
from keeper.planner import PlannerConfig

GWEI = 10**9
USD = 10**18


def checksum(value: str, what: str = "address") -> str:
    """`value` as a checksummed address, or a ConfigError naming `what` when it is not one."""
    if not isinstance(value, str) or not is_address(value):
        raise ConfigError(f"{what} {value!r} is not an Ethereum address (0x followed by 40 hex digits)")
    return to_checksum_address(value)


class Settings(BaseSettings):
    """Everything `keeper run`, `keeper plan`, `keeper status` and the Silverback bot read."""

    model_config = SettingsConfigDict(env_prefix="KEEPER_", extra="forbid")

    # Where to reach the chain, and how patiently.
    rpc_url: str = "http://127.0.0.1:8545"
    rpc_timeout: float = 5.0  # seconds per request; a node slower than this counts as unreachable
    rpc_retries: int = 3  # transport errors only: a revert or a rejected transaction is never retried

    # What to watch: the lens that reads a vault in one call, and either the factory or an explicit list. A
    # deployment file (scripts/deploy.py) fills lens, factory and adapter where they are not given.
    deployment: Path | None = None
    lens: str = ""
    factory: str = ""
    vaults: list[str] = []
    adapter: str = ""  # the allow-listed swap adapter (UniswapV2Adapter) trades go through
    # Uniswap V3 too, where a vault's policy allows this adapter: each trade goes to the venue that pays more. Both or
    # neither: the quoter (QuoterV2) prices the V3 routes the adapter (UniswapV3Adapter) would take.
    adapter_v3: str = ""
    quoter_v3: str = ""
    # Also quote sell -> route_via -> buy when neither leg is it: an address, or a symbol (USDC) that the deployment
    # file or the vault's components name. The policy allows it as a hop only if the vault's oracle prices it.
    route_via: str = ""
    # Tokens a route may pass through, each where the vault's oracle prices it: the deployment file's by default.
    route_tokens: list[str] = []

    # Who signs: an ape account alias. Never a key.
    account: str = ""
    data_dir: Path = Path.home() / ".keeper"  # the journal (SQLite): intents, sends, last-seen prices, breakers

    # Planning (see keeper.planner.PlannerConfig).
    abs_band: int = 100
    rel_band: int = 2_000
    min_trade_value: int = 10 * USD
    max_trade_value: int = 0
    slippage: int | None = None  # bps below the oracle value accepted; None = each vault policy's max_slippage
    max_trades: int = 16

    # Sending.
    max_fee: int = 200 * GWEI  # never pay more per gas than this, whatever the base fee
    priority_fee: int = 1 * GWEI
    gas_margin: int = 2_000  # bps added to the gas estimate
    stuck_blocks: int = 3  # replace a transaction still unmined after this many blocks (fees +12.5 % or more)
    confirmations: int = 2  # blocks on top before a trade is final (a reorg before that re-sends the same nonce)
    # Gas one simulation or lens read may burn: a stranger's vault whose token burns gas costs the node this much at
    # most, not a block's worth. A rebalance uses well under a million.
    max_gas: int = 3_000_000

    # Circuit breakers.
    max_price_jump: int = 2_500  # bps an oracle price may move from the keeper's last-seen price between cycles
    max_failures: int = 3  # consecutive failed trades (simulation, send or on-chain revert) before trading stops

    # Runtime.
    metrics_port: int = 0  # Prometheus /metrics; 0 = off
    interval: float = 12.0  # seconds between cycles of `keeper run`
    # The strategist (only when this account is a vault's strategist): "governance" leaves targets alone.
    strategy: str = "governance"
    stablecoin: str = "USDC"  # momentum's risk-off asset (symbol)
    top_n: int = 4  # market cap: how many assets
    cap: int = 4_000  # market cap: per-asset cap, bps
    market_caps: str = ""  # market cap source: JSON file or http(s) URL; empty = the bundled snapshot
    rebalance_cron: str = "0 */4 * * *"  # the Silverback bot also cycles on this schedule

    @field_validator("lens", "factory", "adapter", "adapter_v3", "quoter_v3")
    @classmethod
    def _optional_address(cls, value: str, info: ValidationInfo) -> str:
        return checksum(value, info.field_name.replace("_", "-")) if value else ""

    @field_validator("route_via")
    @classmethod
    def _address_or_symbol(cls, value: str) -> str:
        if not value or is_address(value):
            return to_checksum_address(value) if value else ""
        if value.startswith("0x") or not value.isalnum() or len(value) > 11:
            raise ConfigError(f"route-via {value!r} is neither an Ethereum address nor a token symbol like USDC")
        return value  # a symbol: resolved through the deployment file, else the vault's components and hops

    @field_validator("vaults", "route_tokens")
    @classmethod
    def _addresses(cls, value: list[str], info: ValidationInfo) -> list[str]:
        return [checksum(v, info.field_name.replace("_", "-").removesuffix("s")) for v in value]

    def planner_config(self) -> PlannerConfig:
        return PlannerConfig(
            abs_band=self.abs_band,
            rel_band=self.rel_band,
            min_trade_value=self.min_trade_value,
            max_trade_value=self.max_trade_value,
            slippage=self.slippage,
            max_trades=self.max_trades,
            # A symbol is resolved per vault by the cycle, which knows the symbols; the planner takes addresses.
            route_via=self.route_via if is_address(self.route_via) else None,
        )

    def require(self, *names: str) -> None:
        """Raise a ConfigError for the first of `names` that is unset."""
        for name in names:
            if not getattr(self, name):
                flag = name.replace("_", "-")
                raise ConfigError(f"--{flag} (or KEEPER_{name.upper()}) is required for this command")


def load_settings(**overrides) -> Settings:
    """Settings from the environment with `overrides` (CLI options) on top, then the deployment file's addresses
    where none were given; a ConfigError with a sentence if anything is bad."""
    try:
        settings = Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as error:  # bad addresses raise ConfigError themselves; this is the rest (types, names)
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        raise ConfigError(f"setting {field}: {first['msg']}") from None
    if settings.deployment is None:
        return settings
    deployment = load_deployment(settings.deployment)
    adapter = deployment.adapters.get("uniswap_v2") or next(iter(deployment.adapters.values()), "")
    # V3 only with the quoter that prices its routes (a deployment on a real network may name the adapter alone).
    quoter_v3 = settings.quoter_v3 or deployment.uniswap_v3.get("quoter", "")
    adapter_v3 = settings.adapter_v3 or (deployment.adapters.get("uniswap_v3", "") if quoter_v3 else "")
    route_via = settings.route_via
    if route_via and not is_address(route_via):
        by_symbol = {symbol.upper(): address for symbol, address in deployment.tokens.items()}
        route_via = by_symbol.get(route_via.upper(), route_via)
    return settings.model_copy(
        update={
            "lens": settings.lens or deployment.lens,
            "factory": settings.factory or (deployment.factory if not settings.vaults else ""),
            "adapter": settings.adapter or adapter,
            "adapter_v3": adapter_v3,
            "quoter_v3": quoter_v3,
            "route_via": route_via,
            "route_tokens": settings.route_tokens or list(deployment.tokens.values()),
        }
    )
