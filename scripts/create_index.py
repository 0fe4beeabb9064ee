"""Create an index from a YAML spec (format: scripts/_spec.py; examples in examples/): validates the spec against
the deployment (symbols, adapters, named accounts) and the contracts' limits, computes units from oracle prices
when the spec gives a share value, shows what it will create, then calls `VaultFactory.create_vault`.

    ape run create_index examples/defi.yaml --network ethereum:local:foundry --account TEST::0 \
        --role dao=TEST::1 --role keeper=TEST::7

A role is an address, `TEST::n` (local chains) or an ape account alias. The create_vault call is simulated first.
"""

from pathlib import Path

import click
from ape import project
from ape.cli import ConnectedProviderCommand, account_option

from keeper.errors import ConfigError
from scripts._chain import call, connect, resolve_account
from scripts._spec import SpecError, create_vault_args, load_spec, parse_spec, units_for
from scripts._wallet import format_units


def parse_roles(pairs: tuple[str, ...], deployer: str) -> dict[str, str]:
    """--role name=ACCOUNT options (an address, TEST::n or an ape alias) as the accounts a spec may name; "deployer"
    is always the sending account."""
    roles = {"deployer": deployer}
    for pair in pairs:
        name, _, account = pair.partition("=")
        if not name or not account:
            raise click.BadParameter(f"{pair!r} is not name=ACCOUNT (0xADDRESS, TEST::n or an alias)",
                                     param_hint="--role")  # fmt: skip
        roles[name] = resolve_account(account)
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
    tx = call(account, factory.create_vault, *create_vault_args(spec, units, deployment.oracle_router))
    vault = project.IndexVault.at(tx.events.filter(factory.VaultCreated)[0].vault)
    return spec, vault, project.RebalancePolicy.at(factory.policy_of(vault))


@click.command(cls=ConnectedProviderCommand)
@account_option()
@click.argument("spec_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--deployment", "deployment_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Deployment file (default: deployments/<network>.json).")  # fmt: skip
@click.option("--role", "roles", multiple=True,
              help="name=ACCOUNT for an account the spec names: 0xADDRESS, TEST::n or an alias (repeatable).")  # fmt: skip
def cli(network, account, spec_file, deployment_file, roles):
    """Create an index vault (and its rebalance policy) from a YAML spec."""
    deployment = connect(network.choice, deployment_file)
    try:
        _, vault, policy = create_index(account, deployment, spec_file, parse_roles(roles, account.address))
    except (SpecError, ConfigError) as error:
        raise click.ClickException(str(error)) from None
    # The names the other scripts take for these: `--vault DPL`, `--address DPL` and `--address DPL.policy`.
    click.echo(f"vault  {vault.address}  {vault.symbol()}\npolicy {policy.address}  {vault.symbol()}.policy")
