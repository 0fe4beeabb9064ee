"""Deploy the protocol to an ape network and write its deployment file (deployments/<ecosystem>-<network>.json),
which `create_index`, `mint`, `redeem`, `governance` and the keeper (`--deployment`) read.

    ape run deploy --network ethereum:sepolia:https://RPC_URL --account deployer --uniswap-router 0x...
    ape run deploy --network ethereum:local:foundry --account TEST::0 --mock-world     # after `make chain`

Deploys the OracleRouter (governance: --governance, default the deployer; timelock --delay), the vault and policy
blueprints, the VaultFactory, the VaultLens, the Uniswap V2 adapter and the IndexZap (given a WETH: --weth, or the
mock world's WETH9). With --mock-world (local chains only) it first deploys mock tokens with Chainlink-style feeds and
a real Uniswap V2 with pools at the oracle prices, and sets every feed. After each step it checks what it deployed; on a public network it asks before spending gas.
"""

from pathlib import Path

import click
from ape import chain, project
from ape.cli import ConnectedProviderCommand, account_option

from keeper.deployment import LOCAL_CHAIN_IDS, Deployment, deployment_path, save_deployment
from scripts._chain import genesis_hash, refuse_throwaway_node, resolve_account, unlock
from scripts._world import DEMO_ASSETS, ZERO_ADDRESS, Market, deploy_market, hub_pairs

DAY = 86_400
POOL_DEPTH_USD = 10_000_000


class DeployError(click.ClickException):
    """A step did not produce what it should have; the deployment file is not written."""


def check(condition: bool, message: str) -> None:
    if not condition:
        raise DeployError(f"deploy check failed: {message}")


def deploy_factory(deployer):
    """The vault and policy blueprints and the VaultFactory that creates vaults from them."""
    vault_blueprint = project.IndexVault.declare(sender=deployer).contract_address
    policy_blueprint = project.RebalancePolicy.declare(sender=deployer).contract_address
    factory = project.VaultFactory.deploy(vault_blueprint, policy_blueprint, sender=deployer)
    check(factory.VAULT_BLUEPRINT() == vault_blueprint and factory.POLICY_BLUEPRINT() == policy_blueprint,
          "factory blueprints")  # fmt: skip
    return factory


def deploy_protocol(
    deployer, network: str, *, governance: str | None = None, delay: int = DAY, uniswap_router: str | None = None,
    mock_world: bool = False, liquidity=None, weth: str | None = None,
) -> tuple[Deployment, Market | None]:  # fmt: skip
    """Everything `deploy` does, as a function (the demo and the tests call it); returns the deployment and the
    mock market when one was deployed."""
    governance = governance or deployer.address
    market = None
    if mock_world:
        check(chain.chain_id in LOCAL_CHAIN_IDS, f"--mock-world mints tokens freely: local chains only, not {chain.chain_id}")
        check(governance == deployer.address, "--mock-world sets the feeds itself, so governance must be the deployer")
        market = deploy_market(
            deployer, deployer, liquidity or deployer, DEMO_ASSETS, hub_pairs(len(DEMO_ASSETS)), POOL_DEPTH_USD,
            heartbeat=DAY, router_delay=delay,
        )  # fmt: skip
        router, uniswap_router = market.router, market.uniswap.router.address
        check(all(router.price(t) > 0 for t in market.tokens), "every mock token has a price")
    else:
        router = project.OracleRouter.deploy(governance, delay, ZERO_ADDRESS, 0, sender=deployer)
    check(router.governance() == governance and router.delay() == delay, "oracle router governance and delay")

    factory = deploy_factory(deployer)
    vault_blueprint, policy_blueprint = factory.VAULT_BLUEPRINT(), factory.POLICY_BLUEPRINT()
    lens = project.VaultLens.deploy(sender=deployer)
    adapters = {}
    if uniswap_router:
        check(len(chain.provider.get_code(uniswap_router)) > 0, f"no contract at --uniswap-router {uniswap_router}")
        adapters["uniswap_v2"] = project.UniswapV2Adapter.deploy(uniswap_router, sender=deployer).address
    # The zap wraps ETH into this WETH (the mock world's WETH9, or --weth); without one there is no zap.
    weth = market.uniswap.weth.address if market else weth
    index_zap = ""
    if weth:
        check(len(chain.provider.get_code(weth)) > 0, f"no contract at --weth {weth}")
        zap = project.IndexZap.deploy(weth, sender=deployer)
        check(zap.WETH() == weth, "zap WETH")
        index_zap = zap.address

    deployment = Deployment(
        network=network, chain_id=chain.chain_id, deployer=deployer.address, oracle_router=router.address,
        vault_blueprint=vault_blueprint, policy_blueprint=policy_blueprint, factory=factory.address,
        lens=lens.address, adapters=adapters,
        tokens={t.symbol(): t.address for t in market.tokens} if market else {},
        feeds={t.symbol(): f.address for t, f in zip(market.tokens, market.feeds, strict=True)} if market else {},
        uniswap={"factory": market.uniswap.factory.address, "router": uniswap_router,
                 "weth": market.uniswap.weth.address} if market else {},
        block=chain.blocks.head.number,
        genesis_hash=genesis_hash() if chain.chain_id in LOCAL_CHAIN_IDS else "", index_zap=index_zap,
    )  # fmt: skip
    return deployment, market


@click.command(cls=ConnectedProviderCommand)
@account_option()
@click.option("--governance", help="Governance of the oracle router: address, TEST::n or alias (default: the deployer).")
# The router's constructor accepts 1-30 days: checked here, so a bad delay is refused before anything is sent.
@click.option("--delay", type=click.IntRange(DAY, 30 * DAY), default=DAY, show_default=True,
              help="Oracle router timelock, seconds (1-30 days).")  # fmt: skip
@click.option("--uniswap-router", help="Uniswap V2 Router02 the adapter trades through (none: no adapter).")
@click.option("--mock-world", is_flag=True, help="Local chains: also deploy mock tokens, feeds and Uniswap V2.")
@click.option("--weth", help="WETH the zap wraps ETH into (the mock world uses its WETH9; none: no zap).")
@click.option("--out", type=click.Path(dir_okay=False), help="Deployment file (default deployments/<network>.json).")
@click.option("--yes", is_flag=True, help="Do not ask before deploying to a public network.")
def cli(network, account, governance, delay, uniswap_router, mock_world, weth, out, yes):
    """Deploy the oracle router, blueprints, factory, lens and adapter; write the deployment file."""
    refuse_throwaway_node()
    governance = resolve_account(governance) if governance else None
    if chain.chain_id not in LOCAL_CHAIN_IDS and not yes:
        click.confirm(f"Deploy to {network.choice} (chain {chain.chain_id}) from {account.address}?", abort=True)
    unlock(account)
    deployment, _ = deploy_protocol(
        account, network.choice, governance=governance, delay=delay, uniswap_router=uniswap_router,
        mock_world=mock_world, weth=weth,
    )  # fmt: skip
    path = Path(out) if out else deployment_path(network.choice)
    save_deployment(deployment, path)
    click.echo(f"factory {deployment.factory}\nlens    {deployment.lens}\nrouter  {deployment.oracle_router}")
    for name, address in deployment.adapters.items():
        click.echo(f"adapter {name} {address}")
    if deployment.index_zap:
        click.echo(f"zap     {deployment.index_zap}")
    if deployment.tokens:
        click.echo(f"tokens  {', '.join(deployment.tokens)}")
    click.echo(f"wrote {path}")
