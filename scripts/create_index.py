"""Create an index from a YAML spec (format: scripts/_spec.py; examples in examples/): validates the spec against
the deployment (symbols, adapters, named accounts) and the contracts' limits, computes units from oracle prices
when the spec gives a share value, shows what it will create, then calls `VaultFactory.create_vault`.

    ape run create_index examples/defi.yaml --network ethereum:local:foundry --account TEST::0 \
        --role dao=TEST::1 --role keeper=TEST::7

A role is an address, `TEST::n` (local chains) or an ape account alias. The create_vault call is simulated first.
A spec with a `compliance:` section creates a compliant index (`create_compliant_vault`): with `registry: deploy` the
script first deploys an IdentityRegistry, appoints the spec's agents and offers its governance to the index's
governance (which accepts it with `accept_governance`); with an existing registry it checks the agents are its agents
(or appoints them, when the sending account is its governance).
"""

from pathlib import Path

import click
from ape import project
from ape.cli import ConnectedProviderCommand, account_option

from keeper.errors import ConfigError
from scripts._chain import ScriptError, call, connect, resolve_account
from scripts._spec import (
    SpecError,
    create_compliant_vault_args,
    create_vault_args,
    load_spec,
    parse_spec,
    units_for,
)
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
    if spec.compliance is not None:
        index = create_compliant(account, factory, spec, units, deployment.oracle_router, echo)
        vault = project.IndexVault.at(index.vault())
        return spec, vault, project.RebalancePolicy.at(factory.policy_of(vault))
    tx = call(account, factory.create_vault, *create_vault_args(spec, units, deployment.oracle_router))
    vault = project.IndexVault.at(tx.events.filter(factory.VaultCreated)[0].vault)
    return spec, vault, project.RebalancePolicy.at(factory.policy_of(vault))


def create_compliant(account, factory, spec, units: list[int], oracle: str, echo=click.echo):
    """The compliant index of `spec` (its registry deployed or checked first); returns the CompliantIndex."""
    rules = spec.compliance
    if rules.registry is None:
        registry = project.IdentityRegistry.deploy(account.address, sender=account)
        echo(f"  registry {registry.address} (new)")
    else:
        from ape import chain

        if not chain.provider.get_code(rules.registry):
            raise ScriptError(f"compliance.registry: {rules.registry} has no code on chain {chain.chain_id}")
        registry = project.IdentityRegistry.at(rules.registry)
    governing = registry.governance() == account.address
    for agent in rules.agents:
        if registry.is_agent(agent):
            continue
        if not governing:
            raise ScriptError(f"compliance.agents: {agent} is not an agent of registry {registry.address}, and "
                              f"{account.address} is not its governance to appoint it")  # fmt: skip
        call(account, registry.add_agent, agent)
    if rules.registry is None and spec.governance != account.address:
        call(account, registry.transfer_governance, spec.governance)
        echo(f"  registry governance offered to {spec.governance}: it calls accept_governance")
    countries = ", ".join(f"{c:03d}" for c in rules.blocked_countries) or "none"
    echo(f"  compliance: blocked {countries}, max holders {rules.max_holders or 'any'}, "
         f"max balance {format_units(rules.max_balance, 18) if rules.max_balance else 'any'}, lock-up {rules.lockup} s")  # fmt: skip
    args = create_compliant_vault_args(spec, units, oracle, registry.address)
    tx = call(account, factory.create_compliant_vault, *args)
    created = tx.events.filter(factory.CompliantVaultCreated)
    if not created:
        raise ScriptError("create_compliant_vault was mined without a CompliantVaultCreated event")
    return project.CompliantIndex.at(created[0].index)


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
    factory = project.VaultFactory.at(deployment.factory)
    if hasattr(factory, "compliant_of") and int(compliant := factory.compliant_of(vault), 16):
        click.echo(f"index  {compliant}  (the compliant token holders hold; the vault above is its inner vault)")
