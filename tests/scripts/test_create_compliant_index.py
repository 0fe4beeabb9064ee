"""scripts/create_index.py with a spec's `compliance:` section (in-process, on ape's test chain): a new registry
with its agents, the compliant index through create_compliant_vault with the spec's rules; an existing registry
whose agents are checked; and the refusal when the sender cannot appoint a missing agent."""

# ruff: noqa: F811 -- `deployment_file` is test_scripts_on_chain's fixture, imported to be requested by name
from test_scripts_on_chain import deployment_file, run, write_spec  # noqa: F401

from scripts import create_index

ONE = 10**18
DAY = 86_400

SPEC = """
name: Test Income
symbol: TINC
components:
  - {token: USDC, weight: 6000}
  - {token: WETH, weight: 2000}
  - {token: WBTC, weight: 2000}
share_value_usd: 100
roles: {governance: dao, guardian: deployer, fee_recipient: dao}
timelock_delay: 1d
compliance:
  registry: REGISTRY
  blocked_countries: [408, "004"]
  max_holders: 3
  max_balance: 1000
  lockup: 1d
  agents: [agent]
"""


def spec(tmp_path, registry="deploy"):
    return write_spec(tmp_path, SPEC.replace("REGISTRY", registry))


def created(result):
    """The CompliantIndex the command printed."""
    return create_index.project.CompliantIndex.at(result.output.split("index  ")[1].split()[0])


def test_create_index__compliance_section_with_registry_deploy__compliant_index_with_the_spec_rules(
    tmp_path, deployment_file, governance, keeper
):
    result = run(create_index, spec(tmp_path), "--deployment", str(deployment_file), "--account", "TEST::0",
                 "--role", f"dao={governance.address}", "--role", f"agent={keeper.address}")  # fmt: skip

    assert result.exit_code == 0, result.output
    index = created(result)
    registry = create_index.project.IdentityRegistry.at(index.registry())
    assert registry.is_agent(keeper) and registry.pending_governance() == governance.address
    assert index.compliance() == (registry.address, [408, 4], 3, 1000 * ONE, DAY)
    assert index.governance() == governance.address and index.symbol() == "TINC"
    vault = create_index.project.IndexVault.at(index.vault())
    assert vault.governance() == index.address and vault.mint_paused()
    assert f"vault  {vault.address}" in result.output and "registry governance offered to" in result.output


def test_create_index__existing_registry_whose_agent_it_is__uses_it(tmp_path, deployment_file, deployer, governance, keeper):
    registry = create_index.project.IdentityRegistry.deploy(governance, sender=deployer)
    registry.add_agent(keeper, sender=governance)

    result = run(create_index, spec(tmp_path, registry.address), "--deployment", str(deployment_file), "--account",
                 "TEST::0", "--role", f"dao={governance.address}", "--role", f"agent={keeper.address}")  # fmt: skip

    assert result.exit_code == 0, result.output
    assert created(result).registry() == registry.address


def test_create_index__existing_registry_missing_the_agent__refused_before_creating(
    tmp_path, deployment_file, deployer, governance, keeper
):
    registry = create_index.project.IdentityRegistry.deploy(governance, sender=deployer)
    nonce = deployer.nonce

    result = run(create_index, spec(tmp_path, registry.address), "--deployment", str(deployment_file), "--account",
                 "TEST::0", "--role", f"dao={governance.address}", "--role", f"agent={keeper.address}")  # fmt: skip

    assert result.exit_code == 1
    assert f"compliance.agents: {keeper.address} is not an agent of registry {registry.address}" in result.output
    assert deployer.nonce == nonce  # nothing sent


def test_create_index__registry_without_code__refused(tmp_path, deployment_file, governance, keeper):
    registry = "0x" + "12" * 20
    result = run(create_index, spec(tmp_path, registry), "--deployment", str(deployment_file), "--account", "TEST::0",
                 "--role", f"dao={governance.address}", "--role", f"agent={keeper.address}")  # fmt: skip
    assert result.exit_code == 1
    assert "compliance.registry" in result.output and "no code" in result.output
