"""keeper.deployment.check_chain / check_node: the one check every script and the keeper make before acting, without a
chain (the scripts' use of it is in test_scripts_on_chain.py, the keeper's and the persistent chain's in
tests/integration/test_readme.py)."""

import pytest

from keeper.deployment import Deployment, check_chain, check_node
from keeper.errors import ConfigError

ADDRESS = "0x" + "11" * 20
GENESIS = "0x" + "ab" * 32


def deployment(chain_id: int = 31337, genesis_hash: str = GENESIS) -> Deployment:
    return Deployment(
        network="ethereum:local:foundry", chain_id=chain_id, deployer=ADDRESS, oracle_router=ADDRESS,
        vault_blueprint=ADDRESS, policy_blueprint=ADDRESS, factory=ADDRESS, lens=ADDRESS, adapters={},
        genesis_hash=genesis_hash,
    )  # fmt: skip


class Node:
    """A node that answers eth_chainId and block 0."""

    def __init__(self, chain_id: int, genesis: str):
        self.chain_id, self.genesis, self.calls = chain_id, genesis, []

    def call(self, method, params):
        self.calls.append(method)
        return hex(self.chain_id) if method == "eth_chainId" else {"hash": self.genesis}


def test_check_chain__same_chain_and_genesis__passes():
    check_chain(deployment(), 31337, GENESIS.upper().replace("0X", "0x"))


def test_check_chain__public_chain__only_the_chain_id_counts():
    check_chain(deployment(11155111, ""), 11155111, "")


@pytest.mark.parametrize(
    "recorded, chain_id, genesis, message",
    [
        (deployment(), 1337, GENESIS, "is for chain 31337 (ethereum:local:foundry) but this node is chain 1337: pass "
                                      "the matching --network (or --rpc-url), or another --deployment."),
        (deployment(), 31337, "0x" + "cd" * 32, "is for another local chain (genesis 0xabababab..., this node's is "
                                                "0xcdcdcdcd...): start the chain it was deployed on (`make chain`)"),
        (deployment(genesis_hash=""), 31337, GENESIS, "records no genesis hash for local chain 31337: deploy again."),
        (deployment(11155111, ""), 1, "", "is for chain 11155111"),
    ],
    ids=["chain-id", "another-local-node", "local-without-genesis", "mainnet-for-sepolia"],
)  # fmt: skip
def test_check_chain__another_chain__one_sentence(recorded, chain_id, genesis, message):
    with pytest.raises(ConfigError) as error:
        check_chain(recorded, chain_id, genesis, "deployments/x.json")

    assert message in str(error.value) and str(error.value).startswith("deployments/x.json ")
    assert "\n" not in str(error.value)


def test_check_node__public_chain__asks_only_the_chain_id():
    node = Node(11155111, "")

    check_node(deployment(11155111, ""), node)

    assert node.calls == ["eth_chainId"]


def test_check_node__fresh_local_node__refused():
    with pytest.raises(ConfigError, match="is for another local chain"):
        check_node(deployment(), Node(31337, "0x" + "cd" * 32))
