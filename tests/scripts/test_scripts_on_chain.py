"""The ape scripts as users run them (click commands, in-process, on ape's test chain): deploy, create_index, mint,
redeem and governance, each with its error paths. `make demo` (scripts/demo.py) has its own test on anvil."""

import json

import pytest
from click.testing import CliRunner

from keeper.deployment import Deployment, load_deployment, save_deployment
from scripts import create_index, deploy, governance, mint, redeem
from scripts._governance import checksum_valid

NETWORK = ["--network", "ethereum:local:test"]
ONE = 10**18


def run(command, *args: str):
    return CliRunner().invoke(command.cli, [*args, *NETWORK], catch_exceptions=False)


@pytest.fixture
def deployment_file(tmp_path, market, factory, deployer):
    """A deployment over the market fixture's tokens, router and adapter."""
    lens = deploy.project.VaultLens.deploy(sender=deployer)
    deployment = Deployment(
        network="ethereum:local", chain_id=deploy.chain.chain_id, deployer=deployer.address,
        oracle_router=market.router.address, vault_blueprint=factory.VAULT_BLUEPRINT(),
        policy_blueprint=factory.POLICY_BLUEPRINT(), factory=factory.address, lens=lens.address,
        adapters={"uniswap_v2": market.adapter.address}, tokens={t.symbol(): t.address for t in market.tokens},
    )  # fmt: skip
    path = tmp_path / "deployment.json"
    save_deployment(deployment, path)
    return path


SPEC = """
name: Test Majors
symbol: TMAJ
components:
  - {token: USDC, weight: 4000}
  - {token: WETH, weight: 3000}
  - {token: WBTC, weight: 3000}
share_value_usd: 100
roles: {governance: dao, guardian: deployer, fee_recipient: dao, keepers: [deployer]}
timelock_delay: 1d
"""


def write_spec(tmp_path, text=SPEC):
    path = tmp_path / "spec.yaml"
    path.write_text(text)
    return str(path)


# --- deploy --------------------------------------------------------------------------------------------------------


def test_deploy__with_uniswap_router__writes_a_deployment_the_keeper_can_read(tmp_path, uniswap):
    out = tmp_path / "deployments" / "local.json"

    result = run(deploy, "--account", "TEST::0", "--uniswap-router", uniswap.router.address, "--out", str(out))

    assert result.exit_code == 0, result.output
    deployment = load_deployment(out)
    factory = deploy.project.VaultFactory.at(deployment.factory)
    assert factory.VAULT_BLUEPRINT() == deployment.vault_blueprint
    assert deploy.project.UniswapV2Adapter.at(deployment.adapters["uniswap_v2"]).ROUTER() == uniswap.router.address
    assert f"wrote {out}" in result.output


def test_deploy__router_address_without_code__fails_and_writes_nothing(tmp_path):
    out = tmp_path / "local.json"

    result = CliRunner().invoke(deploy.cli, ["--account", "TEST::0", "--uniswap-router", "0x" + "12" * 20,
                                             "--out", str(out), *NETWORK])  # fmt: skip

    assert result.exit_code == 1
    assert "no contract at --uniswap-router 0x1212121212121212121212121212121212121212" in result.output
    assert not out.exists()


# --- create_index ----------------------------------------------------------------------------------------------------


def test_create_index__valid_spec__creates_the_vault_with_units_from_oracle_prices(tmp_path, deployment_file, governance):
    result = run(create_index, write_spec(tmp_path), "--deployment", str(deployment_file), "--account", "TEST::0",
                 "--role", f"dao={governance.address}")  # fmt: skip

    assert result.exit_code == 0, result.output
    vault = deploy.project.IndexVault.at(result.output.split("vault")[-1].split()[0])
    # $40 of USDC (6 decimals), $30 of WETH at $2,000, $30 of WBTC at $50,000 per share, each rounded up
    assert vault.basket()[1] == [40 * 10**6, 15 * 10**15, 60_000]
    assert vault.governance() == governance.address and vault.symbol() == "TMAJ"


@pytest.mark.parametrize(
    "spec, message",
    [
        (SPEC.replace("{token: WBTC", "{token: DOGE"), "components[2].token: unknown symbol 'DOGE'"),
        (SPEC.replace("weight: 3000}\n  - {token: WBTC", "weight: 2000}\n  - {token: WBTC"), "weights sum to 9000"),
        (SPEC + "colour: red\n", "colour: unknown field"),
        ("name: [unclosed\n", "bad YAML"),
        (SPEC.replace("governance: dao", "governance: nobody"), "roles.governance: unknown account 'nobody'"),
    ],
    ids=["unknown-component", "weights-sum", "unknown-field", "bad-yaml", "unknown-role"],
)
def test_create_index__bad_spec__exits_1_naming_the_field(tmp_path, deployment_file, governance, spec, message):
    result = run(create_index, write_spec(tmp_path, spec), "--deployment", str(deployment_file), "--account",
                 "TEST::0", "--role", f"dao={governance.address}")  # fmt: skip

    assert result.exit_code == 1
    assert message in result.output


def test_create_index__no_deployment_file__says_to_deploy_first(tmp_path):
    result = run(create_index, write_spec(tmp_path), "--deployment", str(tmp_path / "none.json"), "--account", "TEST::0")

    assert result.exit_code == 1
    assert "no deployment file at" in result.output and "ape run deploy" in result.output


# --- mint / redeem ---------------------------------------------------------------------------------------------------


@pytest.fixture
def funded_alice(managed_vault, alice, market):
    """alice holds the components of 2 more shares than she owns."""
    for token, owed in zip(market.tokens, managed_vault.preview_mint(2 * ONE), strict=True):
        token.mint(alice, owed, sender=alice)
    return alice


def test_mint__funded_wallet__approves_exactly_and_mints(managed_vault, funded_alice, market):
    before = managed_vault.balanceOf(funded_alice)

    result = run(mint, "--vault", managed_vault.address, "--amount", "2", "--yes", "--account", "TEST::4")

    assert result.exit_code == 0, result.output
    assert managed_vault.balanceOf(funded_alice) == before + 2 * ONE
    assert all(t.allowance(funded_alice, managed_vault) == 0 for t in market.tokens)  # exact approvals, all used


def test_mint__wallet_short_of_a_component__exits_1_before_sending(managed_vault, alice, market):
    nonce = alice.nonce

    result = run(mint, "--vault", managed_vault.address, "--amount", "1000", "--yes", "--account", "TEST::4")

    assert result.exit_code == 1 and "the wallet holds too little USDC" in result.output
    assert alice.nonce == nonce


@pytest.mark.parametrize(
    "args, message",
    [
        (["--amount", "abc"], "amount 'abc' is not a number"),
        (["--amount", "-1"], "amount must be a positive number"),
        (["--amount", "0.0000000000000000001"], "has more than 18 decimals"),
    ],
    ids=["junk", "negative", "too-precise"],
)
def test_mint__bad_amount__exits_1(managed_vault, args, message):
    result = run(mint, "--vault", managed_vault.address, "--yes", "--account", "TEST::4", *args)

    assert result.exit_code == 1 and message in result.output


def test_mint__address_that_is_not_a_vault__exits_1(market):
    result = run(mint, "--vault", market.tokens[0].address, "--amount", "1", "--yes", "--account", "TEST::4")

    assert result.exit_code == 1 and "is not an index vault on this network" in result.output


def test_redeem__skip_a_component__that_component_stays_behind(managed_vault, alice, market):
    before = [t.balanceOf(alice) for t in market.tokens]

    result = run(redeem, "--vault", managed_vault.address, "--amount", "1", "--skip", "WBTC", "--yes",
                 "--account", "TEST::4")  # fmt: skip

    assert result.exit_code == 0, result.output
    got = [t.balanceOf(alice) - b for t, b in zip(market.tokens, before, strict=True)]
    assert got[0] > 0 and got[1] > 0 and got[2] == 0


def test_redeem__skip_unknown_component__exits_1_listing_the_basket(managed_vault):
    result = run(redeem, "--vault", managed_vault.address, "--amount", "1", "--skip", "DOGE", "--yes",
                 "--account", "TEST::4")  # fmt: skip

    assert result.exit_code == 1 and "--skip DOGE: not a component of this vault (USDC, WETH, WBTC)" in result.output


# --- governance ------------------------------------------------------------------------------------------------------


def test_governance__propose_list_execute__fees_change_after_the_delay(managed_vault, chain):
    vault = managed_vault.address
    proposed = run(governance, "propose", "set_fees", "management_fee=50", "mint_fee=10", "redeem_fee=10",
                   "--address", vault, "--account", "TEST::1")  # fmt: skip
    change_id = proposed.output.split("id ")[-1].strip()
    waiting = run(governance, "list", "--address", vault)
    chain.pending_timestamp += 86_400 + 1
    chain.mine()
    ready = run(governance, "list", "--address", vault)

    executed = run(governance, "execute", "--address", vault, "--id", change_id, "--account", "TEST::1")

    assert proposed.exit_code == 0, proposed.output
    assert "set_fees(management_fee=50, mint_fee=10, redeem_fee=10)" in waiting.output and "waiting" in waiting.output
    assert ready.output.strip().endswith("ready")
    assert executed.exit_code == 0, executed.output
    assert tuple(managed_vault.fees()) == (50, 10, 10)
    assert run(governance, "list", "--address", vault).output.strip() == "nothing queued"


def test_governance__execute_before_eta__exits_1_saying_waiting(managed_vault):
    vault = managed_vault.address
    proposed = run(governance, "propose", "set_fees", "management_fee=50", "mint_fee=10", "redeem_fee=10",
                   "--address", vault, "--account", "TEST::1")  # fmt: skip

    result = run(governance, "execute", "--address", vault, "--id", proposed.output.split("id ")[-1].strip(),
                 "--account", "TEST::1")  # fmt: skip

    assert result.exit_code == 1 and "is waiting" in result.output


def test_governance__propose_by_a_non_governance_account__exits_1_with_the_revert_reason(managed_vault):
    result = run(governance, "propose", "set_fees", "management_fee=50", "mint_fee=10", "redeem_fee=10",
                 "--address", managed_vault.address, "--account", "TEST::4")  # fmt: skip

    assert result.exit_code == 1 and "index_vault: not governance" in result.output


def test_governance__guardian_cancels__nothing_queued(managed_vault):
    vault = managed_vault.address
    proposed = run(governance, "propose", "set_fees", "management_fee=50", "mint_fee=10", "redeem_fee=10",
                   "--address", vault, "--account", "TEST::1")  # fmt: skip

    result = run(governance, "cancel", "--address", vault, "--id", proposed.output.split("id ")[-1].strip(),
                 "--account", "TEST::2")  # fmt: skip

    assert result.exit_code == 0, result.output
    assert run(governance, "list", "--address", vault).output.strip() == "nothing queued"


def test_governance__call_with_safe__writes_a_valid_batch_and_sends_nothing(managed_vault, policy_of, tmp_path):
    policy = policy_of(managed_vault)
    out = tmp_path / "pause.json"
    safe = "0x" + "5a" * 20

    result = run(governance, "call", "policy.pause_rebalance", "--address", policy.address, "--safe", safe,
                 "--out", str(out))  # fmt: skip

    assert result.exit_code == 0, result.output
    batch = json.loads(out.read_text())
    assert checksum_valid(batch)
    assert batch["transactions"][0]["to"] == policy.address
    assert batch["transactions"][0]["data"] == "0x" + policy.pause_rebalance.as_transaction(
        sender=safe).data.hex().removeprefix("0x")
    assert not policy.rebalance_paused()


def test_governance__bad_argument__exits_1_naming_it(managed_vault):
    result = run(governance, "propose", "set_fees", "management_fee=lots", "mint_fee=10", "redeem_fee=10",
                 "--address", managed_vault.address, "--account", "TEST::1")  # fmt: skip

    assert result.exit_code == 1 and "management_fee" in result.output
