"""`ape run compliance` and `ape run dividends` as users run them (click commands, in-process, on ape's test chain),
with their refusals."""

import ast
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from eth_account import Account
from fixtures.compliance import GERMANY, NORTH_KOREA, Compliance
from fixtures.vaults import DAY

from keeper.deployment import Deployment, save_deployment
from scripts import compliance, deploy, dividends, mint, redeem

NETWORK = ["--network", "ethereum:local:test"]
ONE = 10**18


def run(command, *args: str):
    return CliRunner().invoke(command.cli, [*args, *NETWORK], catch_exceptions=False)


@pytest.fixture
def deployment(factory, placeholder_oracle, deployer):
    return Deployment(
        network="ethereum:local", chain_id=deploy.chain.chain_id, deployer=deployer.address,
        oracle_router=placeholder_oracle.address, vault_blueprint=factory.VAULT_BLUEPRINT(),
        policy_blueprint=factory.POLICY_BLUEPRINT(), factory=factory.address, lens=factory.address, adapters={},
        tokens={}, feeds={}, genesis_hash=deploy.chain.provider.web3.eth.get_block(0)["hash"].to_0x_hex(),
        block=deploy.chain.blocks.head.number,
    )  # fmt: skip


@pytest.fixture
def dep(tmp_path, deployment):
    path = tmp_path / "deployment.json"
    save_deployment(deployment, path)
    return ["--deployment", str(path)]


@pytest.fixture
def usdc(create_token, deployer):
    token = create_token(6, "USDC")
    token.mint(deployer, 10**12, sender=deployer)
    return token


@pytest.fixture
def registry(project, deployer, governance, agent, chain, alice, bob):
    """A registry of this test's own (the scripts switch ape's network context, after which ape's snapshots may no
    longer roll a test back: nothing here may touch the session's registry)."""
    registry = project.IdentityRegistry.deploy(governance, sender=deployer)
    registry.add_agent(agent, sender=governance)
    for wallet in (alice, bob):
        registry.register_identity(wallet, GERMANY, True, chain.pending_timestamp + 365 * DAY, sender=agent)
    return registry


@pytest.fixture
def index(create_compliant, tokens, registry):
    return create_compliant(tokens, compliance=Compliance(registry, [NORTH_KOREA]))


def fresh() -> str:
    """An address no test has used."""
    return Account.create().address


AGENT = ["--account", "TEST::9"]


# --- compliance ------------------------------------------------------------------------------------------------


def test_register__new_investor__registered_with_expiry(index, registry, dep):
    wallet = fresh()
    result = run(compliance, "register", "--index", index.address, "--wallet", wallet, "--country", "250",
                 "--accredited", *AGENT, *dep)  # fmt: skip
    assert result.exit_code == 0, result.output
    identity = registry.identity_of(wallet)
    assert identity != 0 and registry.identity(identity)[0] == 250
    assert f"as identity {identity} (country 250)" in result.output


def test_register__second_wallet__joins_the_identity(index, registry, dep, alice):
    wallet, identity = fresh(), registry.identity_of(alice)
    result = run(compliance, "register", "--index", index.address, "--wallet", wallet, "--identity", str(identity),
                 *AGENT, *dep)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert registry.identity_of(wallet) == identity


def test_register__new_identity_without_country__usage_error(index, dep):
    result = run(compliance, "register", "--index", index.address, "--wallet", fresh(), *AGENT, *dep)
    assert result.exit_code == 2
    assert "a new identity needs --country" in result.output


def test_register__not_an_agent__refused_with_the_reason_and_nothing_sent(index, dep, alice):
    nonce = alice.nonce
    result = run(compliance, "register", "--index", index.address, "--wallet", fresh(), "--country", "250",
                 "--account", "TEST::4", *dep)  # fmt: skip
    assert result.exit_code == 1
    assert "identity_registry: not agent" in result.output
    assert alice.nonce == nonce


def test_register__plain_vault__refused(create_vault, tokens, dep):
    vault = create_vault(tokens)
    result = run(compliance, "register", "--index", vault.address, "--wallet", fresh(), "--country", "250",
                 *AGENT, *dep)  # fmt: skip
    assert result.exit_code == 1
    assert "is not a compliant index" in result.output


def test_freeze__agent__frozen_then_unfrozen(index, dep, alice):
    result = run(compliance, "freeze", "--index", index.address, "--wallet", "TEST::4", *AGENT, *dep)
    assert result.exit_code == 0, result.output
    assert index.frozen(alice)
    assert "FROZEN" in result.output
    result = run(compliance, "freeze", "--index", index.address, "--wallet", "TEST::4", "--undo", *AGENT, *dep)
    assert result.exit_code == 0, result.output
    assert not index.frozen(alice)


def test_check__mint_to_unregistered__refused_with_erc1404_message(index, dep):
    result = run(compliance, "check", "--index", index.address, "--to", fresh(), *dep)
    assert result.exit_code == 0, result.output
    assert "mint of 1 CIDX: refused: recipient not verified (ERC-1404 code 4)" in result.output
    assert "not registered" in result.output


def test_check__transfer_between_investors__allowed(index, mint_for, dep, alice):
    mint_for(index, alice, ONE)
    result = run(compliance, "check", "--index", index.address, "--from", "TEST::4", "--to", "TEST::5",
                 "--amount", "0.5", *dep)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "transfer of 0.5 CIDX: allowed" in result.output


def test_recover__propose_then_execute__moves_the_shares(index, registry, mint_for, agent, chain, dep, alice):
    mint_for(index, alice, 2 * ONE)
    new_wallet = fresh()
    registry.add_wallet(registry.identity_of(alice), new_wallet, sender=agent)
    result = run(compliance, "recover", "--index", index.address, "--lost", "TEST::4", "--to", new_wallet,
                 *AGENT, *dep)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "proposed: 2 CIDX of" in result.output
    early = run(compliance, "recover", "--index", index.address, "--lost", "TEST::4", "--execute", *AGENT, *dep)
    assert early.exit_code == 1 and "timelock: too early" in early.output
    chain.pending_timestamp += DAY
    result = run(compliance, "recover", "--index", index.address, "--lost", "TEST::4", "--execute", *AGENT, *dep)
    assert result.exit_code == 0, result.output
    assert index.balanceOf(new_wallet) == 2 * ONE
    assert "recovered 2 CIDX" in result.output


def test_compliance__deployment_of_another_chain__refused(index, deployment, tmp_path):
    path = tmp_path / "other.json"
    save_deployment(replace(deployment, chain_id=11155111), path)
    result = run(compliance, "check", "--index", index.address, "--to", fresh(), "--deployment", str(path))
    assert result.exit_code == 1
    assert "11155111" in result.output


def test_check__index_by_symbol__the_same_index_as_by_address(create_compliant, tokens, registry, dep):
    index = create_compliant(tokens, compliance=Compliance(registry, [NORTH_KOREA]), symbol="CSYM")
    result = run(compliance, "check", "--index", "CSYM", "--to", fresh(), *dep)
    assert result.exit_code == 0, result.output
    assert "mint of 1 CSYM: refused: recipient not verified (ERC-1404 code 4)" in result.output
    assert index.symbol() == "CSYM"


def test_check__symbol_of_a_plain_index__refused(create_vault, tokens, dep):
    create_vault(tokens, symbol="PSYM")
    result = run(compliance, "check", "--index", "PSYM", "--to", fresh(), *dep)
    assert result.exit_code == 1
    assert "PSYM is a plain index, not a compliant one" in result.output


# --- mint (the wallet script) on a compliant index ------------------------------------------------------------


def fund(index, wallet, shares: int) -> None:
    for token, owed in zip(index.basket()[0], index.preview_mint(shares), strict=True):
        deploy.project.MockERC20.at(token).mint(wallet, owed, sender=wallet)


def test_mint__compliant_inner_vault__mints_the_index_token_to_a_registered_investor(index, project, dep, alice):
    fund(index, alice, 2 * ONE)
    result = run(mint, "--vault", index.vault(), "--amount", "2", "--yes", "--account", "TEST::4", *dep)
    assert result.exit_code == 0, result.output
    assert "minted 2 CIDX" in result.output
    assert index.balanceOf(alice) == 2 * ONE
    assert project.IndexVault.at(index.vault()).balanceOf(alice) == 0  # the index holds the inner vault's shares
    for token in index.basket()[0]:
        assert project.MockERC20.at(token).allowance(alice, index) == 0


def test_mint__compliant_inner_vault__unregistered_wallet_refused_and_nothing_sent(index, dep, carol):
    fund(index, carol, ONE)
    nonce = carol.nonce
    result = run(mint, "--vault", index.vault(), "--amount", "1", "--yes", "--account", "TEST::6", *dep)
    assert result.exit_code == 1
    assert "CIDX refuses a mint to" in result.output and "recipient not verified (ERC-1404 code 4)" in result.output
    assert carol.nonce == nonce  # refused before any approval
    assert index.balanceOf(carol) == 0


def test_redeem__compliant_index__burns_the_index_token_and_pays_the_basket(index, project, mint_for, dep, alice):
    mint_for(index, alice, 3 * ONE)
    tokens = [project.MockERC20.at(t) for t in index.basket()[0]]
    before = [t.balanceOf(alice) for t in tokens]
    owed = index.preview_redeem(2 * ONE)
    result = run(redeem, "--vault", index.vault(), "--amount", "2", "--yes", "--account", "TEST::4", *dep)
    assert result.exit_code == 0, result.output
    assert "redeemed 2 CIDX" in result.output
    assert index.balanceOf(alice) == ONE
    assert [t.balanceOf(alice) - b for t, b in zip(tokens, before, strict=True)] == owed
    give_away(tokens, alice)


def test_redeem__compliant_index_frozen_holder__still_redeems_to_itself(index, project, agent, mint_for, dep, alice):
    mint_for(index, alice, ONE)
    index.freeze(alice, sender=agent)
    result = run(redeem, "--vault", index.vault(), "--amount", "1", "--yes", "--account", "TEST::4", *dep)
    assert result.exit_code == 0, result.output
    assert index.balanceOf(alice) == 0
    give_away([project.MockERC20.at(t) for t in index.basket()[0]], alice)


def give_away(tokens, holder):
    """Send what a script paid `holder` to a fresh address: a script run switches ape's network context, after which
    this test's snapshot may not be rolled back, and the session's tokens must not stay in a shared account."""
    sink = fresh()
    for token in tokens:
        if amount := token.balanceOf(holder):
            token.transfer(sink, amount, sender=holder)


# --- dividends -------------------------------------------------------------------------------------------------


def test_distribute_then_claim__holder_paid_in_whole_tokens(index, mint_for, usdc, dep, deployer, alice, bob):
    mint_for(index, alice, ONE)
    mint_for(index, bob, 3 * ONE)
    result = run(dividends, "distribute", "--index", index.address, "--token", usdc.address, "--amount", "1000",
                 "--account", "TEST::0", *dep)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "distribution 1: 1,000 USDC to 4 CIDX" in result.output
    assert usdc.allowance(deployer, index) == 0
    status = run(dividends, "status", "--index", index.address, "--holder", "TEST::4", *dep)
    assert "claimable 250 USDC" in status.output
    result = run(dividends, "claim", "--index", index.address, "--account", "TEST::4", *dep)
    assert result.exit_code == 0, result.output
    assert "claimed distribution 1: 250 USDC" in result.output
    assert usdc.balanceOf(alice) == 250 * 10**6
    again = run(dividends, "claim", "--index", index.address, "--account", "TEST::4", *dep)
    assert again.exit_code == 1 and "has nothing to claim" in again.output


def test_distribute__token_by_symbol__the_deployment_token(index, mint_for, usdc, deployment, tmp_path, alice):
    mint_for(index, alice, ONE)
    path = tmp_path / "with-usdc.json"
    save_deployment(replace(deployment, tokens={"USDC": usdc.address}), path)
    result = run(dividends, "distribute", "--index", index.address, "--token", "USDC", "--amount", "10",
                 "--account", "TEST::0", "--deployment", str(path))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert index.distribution(1)[:2] == (usdc.address, 10 * 10**6)


def test_distribute__no_holders__refused_before_sending(index, usdc, dep, deployer):
    nonce = deployer.nonce
    result = run(dividends, "distribute", "--index", index.address, "--token", usdc.address, "--amount", "1",
                 "--account", "TEST::0", *dep)  # fmt: skip
    assert result.exit_code == 1
    assert "no holders yet" in result.output
    assert deployer.nonce == nonce


# --- ape run ---------------------------------------------------------------------------------------------------


def test_scripts__no_runnable_script_imports_another__ape_runs_each_once_without_a_warning():
    """`ape run` executes every public script module when it starts (runpy); one that another already imported is
    in sys.modules by then, and Python warns (RuntimeWarning: 'scripts.x' found in sys.modules): shared code lives in
    the private `_` modules."""
    folder = Path(compliance.__file__).parent
    public = {path.stem for path in folder.glob("*.py") if not path.stem.startswith("_")}
    imports = []
    for path in folder.glob("*.py"):
        for node in ast.parse(path.read_text()).body:  # top-level only: a function's deferred import runs later
            if not isinstance(node, ast.ImportFrom):
                continue
            if node.module == "scripts":
                imports += [(path.stem, a.name) for a in node.names if a.name in public]
            elif (node.module or "").removeprefix("scripts.") in public and node.module.startswith("scripts."):
                imports.append((path.stem, node.module))
    assert imports == []
