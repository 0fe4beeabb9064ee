"""Create an index from a YAML spec (format: scripts/_spec.py; examples in examples/): validates the spec against
the deployment (symbols, adapters, named accounts) and the contracts' limits, computes units from oracle prices
when the spec gives a share value, shows what it will create, then calls `VaultFactory.create_vault`.

    ape run create_index --network ethereum:local:foundry --account deployer examples/defi.yaml --role dao=0x...
"""

from pathlib import Path

import click
from ape import project
from ape.cli import ConnectedProviderCommand, account_option

from keeper.deployment import deployment_path, load_deployment
from keeper.errors import ConfigError
from scripts._spec import SpecError, create_vault_args, load_spec, parse_spec, units_for
from scripts._wallet import format_units


def parse_roles(pairs: tuple[str, ...], deployer: str) -> dict[str, str]:
    """--role name=0x... options as the accounts a spec may name; "deployer" is always the sending account."""
    roles = {"deployer": deployer}
    for pair in pairs:
        name, _, address = pair.partition("=")
        if not name or not address:
            raise click.BadParameter(f"{pair!r} is not name=0xADDRESS", param_hint="--role")
        roles[name] = address
    return roles


def create_index(account, deployment, spec_file: Path, roles: dict[str, str], echo=click.echo):
    """Validate, show and create; returns (spec, vault, policy). SpecError names the bad field."""
    spec = parse_spec(load_spec(spec_file), tokens=deployment.tokens, adapters=deployment.adapters, accounts=roles)
    tokens = [project.MockERC20.at(c.token) for c in spec.components]
    router = project.OracleRouter.at(deployment.oracle_router)
    prices = router.prices([t.address for t in tokens]) if spec.share_value_usd is not None else []
    units = units_for(spec, prices, [t.decimals() for t in tokens])
    echo(f"{spec.name} ({spec.symbol}): {len(tokens)} components, timelock {spec.timelock_delay // 3600} h")
    for component, token, unit in zip(spec.components, tokens, units, strict=True):
        echo(f"  {component.symbol:8} target {component.weight / 100:6.2f}%  unit {format_units(unit, token.decimals())}")
    factory = project.VaultFactory.at(deployment.factory)
    tx = factory.create_vault(*create_vault_args(spec, units, deployment.oracle_router), sender=account)
    vault = project.IndexVault.at(tx.events.filter(factory.VaultCreated)[0].vault)
    return spec, vault, project.RebalancePolicy.at(factory.policy_of(vault))


@click.command(cls=ConnectedProviderCommand)
@account_option()
@click.argument("spec_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--deployment", "deployment_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Deployment file (default: deployments/<network>.json).")  # fmt: skip
@click.option("--role", "roles", multiple=True, help="name=0xADDRESS for an account the spec names (repeatable).")
def cli(network, account, spec_file, deployment_file, roles):
    """Create an index vault (and its rebalance policy) from a YAML spec."""
    try:
        deployment = load_deployment(deployment_file or deployment_path(network.choice))
        _, vault, policy = create_index(account, deployment, spec_file, parse_roles(roles, account.address))
    except (SpecError, ConfigError) as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"vault  {vault.address}\npolicy {policy.address}")
