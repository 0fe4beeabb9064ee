"""The deployment file: where a network's protocol contracts live, written by `scripts/deploy.py` and read by the
other scripts and the keeper (`keeper --deployment deployments/<network>.json ...`). Plain JSON, one per network.

It records the chain it was written for: the chain id, and on local chains (which all share a chain id) the hash of
block 0, which differs between two anvil nodes and stays the same when `make chain` restarts one from its state.
`check_chain` refuses, in one sentence, a node that is not that chain, so nothing is ever sent to the wrong one.
"""

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from eth_utils import is_address, to_checksum_address

from keeper.errors import ConfigError

DEPLOYMENTS = Path("deployments")
# anvil / hardhat and ape's in-process test chain: every such node has the same chain id, so block 0 tells them apart.
LOCAL_CHAIN_IDS = (31337, 1337)


@dataclass(frozen=True)
class Deployment:
    network: str  # the ape network choice it was deployed with, e.g. "ethereum:local:foundry"
    chain_id: int
    deployer: str
    oracle_router: str
    vault_blueprint: str
    policy_blueprint: str
    factory: str
    lens: str
    adapters: dict[str, str]  # name -> address, e.g. {"uniswap_v2": "0x..."}
    tokens: dict[str, str] = field(default_factory=dict)  # symbol -> address: what index specs may name
    feeds: dict[str, str] = field(default_factory=dict)  # symbol -> Chainlink-style feed
    uniswap: dict[str, str] = field(default_factory=dict)  # factory, router, weth (local worlds)
    block: int = 0  # the block the factory was deployed in: where event scans start
    genesis_hash: str = ""  # hash of block 0; recorded on local chains, where the chain id does not tell nodes apart
    index_zap: str = ""  # IndexZap (mint/redeem with one token); empty when deployed without a WETH

    def address_fields(self) -> dict[str, str]:
        return {
            "oracle_router": self.oracle_router, "vault_blueprint": self.vault_blueprint,
            "policy_blueprint": self.policy_blueprint, "factory": self.factory, "lens": self.lens,
            "deployer": self.deployer,
            **{f"adapters.{k}": v for k, v in self.adapters.items()},
            **{f"tokens.{k}": v for k, v in self.tokens.items()},
            **{f"feeds.{k}": v for k, v in self.feeds.items()},
            **{f"uniswap.{k}": v for k, v in self.uniswap.items()},
            **({"index_zap": self.index_zap} if self.index_zap else {}),
        }  # fmt: skip


def deployment_path(network: str) -> Path:
    """deployments/<ecosystem>-<network>.json for an ape network choice ("ethereum:local:foundry" -> local)."""
    parts = network.split(":")
    return DEPLOYMENTS / f"{'-'.join(parts[:2])}.json"


def save_deployment(deployment: Deployment, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(asdict(deployment), indent=2) + "\n")


def load_deployment(path: str | Path) -> Deployment:
    """The deployment in `path`; a ConfigError with a sentence when it is missing, not JSON or incomplete."""
    path = Path(path)
    try:
        raw = json.loads(path.read_text())
    except FileNotFoundError:
        raise ConfigError(f"no deployment file at {path}: run `ape run deploy` for this network first") from None
    except json.JSONDecodeError as error:
        raise ConfigError(f"{path} is not JSON: {error}") from None
    try:
        deployment = Deployment(**raw)
    except TypeError as error:
        raise ConfigError(f"{path} is not a deployment file: {error}") from None
    for name, value in deployment.address_fields().items():
        if not isinstance(value, str) or not is_address(value):
            raise ConfigError(f"{path}: {name} is not an address: {value!r}")
    return Deployment(**{**raw, **_checksummed(raw)})


def _checksummed(raw: dict) -> dict:
    out = {}
    for key, value in raw.items():
        if isinstance(value, str) and is_address(value):
            out[key] = to_checksum_address(value)
        elif isinstance(value, dict):
            out[key] = {k: to_checksum_address(v) for k, v in value.items()}
    return out


def check_chain(deployment: Deployment, chain_id: int, genesis_hash: str, source: str = "the deployment file") -> None:
    """A ConfigError, in one sentence, unless the node (its `chain_id` and the hash of its block 0) is the chain
    `deployment` was written for. A local deployment without a recorded genesis hash is refused too: it cannot be
    told apart from a fresh node."""
    if chain_id != deployment.chain_id:
        raise ConfigError(
            f"{source} is for chain {deployment.chain_id} ({deployment.network}) but this node is chain {chain_id}: "
            "pass the matching --network (or --rpc-url), or another --deployment."
        )
    if deployment.chain_id in LOCAL_CHAIN_IDS:
        if not deployment.genesis_hash:
            raise ConfigError(f"{source} records no genesis hash for local chain {chain_id}: deploy again.")
        if genesis_hash.lower() != deployment.genesis_hash.lower():
            raise ConfigError(
                f"{source} is for another local chain (genesis {deployment.genesis_hash[:10]}..., this node's is "
                f"{genesis_hash[:10]}...): start the chain it was deployed on (`make chain`) or deploy again."
            )


def check_node(deployment: Deployment, rpc, source: str = "the deployment file") -> None:
    """`check_chain` against a node reached through the keeper's `Rpc` (two requests)."""
    chain_id = int(rpc.call("eth_chainId", []), 16)
    genesis = rpc.call("eth_getBlockByNumber", ["0x0", False]) if chain_id in LOCAL_CHAIN_IDS else None
    check_chain(deployment, chain_id, genesis["hash"] if genesis else "", source)
