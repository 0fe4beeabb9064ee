"""The ape scripts as users run them (click commands, in-process, on ape's test chain): deploy, create_index, mint,
redeem and governance, each with its error paths. `make demo` (scripts/demo.py) has its own test on anvil, and the
README's commands theirs on a persistent anvil (tests/integration/test_readme.py)."""

import json
from dataclasses import replace

import pytest
from click.testing import CliRunner

from keeper.deployment import Deployment, load_deployment, save_deployment
from scripts import create_index, deploy, faucet, governance, mint, redeem, warp
from scripts._chain import FEE_ACCRUAL_GAS, gas_limit
from scripts._governance import checksum_valid, tx_builder_calldata

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
        feeds={t.symbol(): f.address for t, f in zip(market.tokens, market.feeds, strict=True)},
        genesis_hash=deploy.chain.provider.web3.eth.get_block(0)["hash"].to_0x_hex(),
        block=deploy.chain.blocks.head.number,  # where event scans start: tests ask for their vault before `dep`
    )  # fmt: skip
    path = tmp_path / "deployment.json"
    save_deployment(deployment, path)
    return path


@pytest.fixture
def dep(deployment_file):
    """The --deployment option every script takes."""
    return ["--deployment", str(deployment_file)]


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


def test_deploy__with_uniswap_v3_router_and_quoter__records_them_and_deploys_the_v3_adapter(tmp_path, uniswap_v3):
    out = tmp_path / "deployments" / "local.json"

    result = run(deploy, "--account", "TEST::0", "--uniswap-v3-router", uniswap_v3.router.address,
                 "--uniswap-v3-quoter", uniswap_v3.quoter.address, "--out", str(out))  # fmt: skip

    assert result.exit_code == 0, result.output
    deployment = load_deployment(out)
    assert deployment.uniswap_v3 == {"router": uniswap_v3.router.address, "quoter": uniswap_v3.quoter.address}
    adapter = deploy.project.UniswapV3Adapter.at(deployment.adapters["uniswap_v3"])
    assert adapter.ROUTER() == uniswap_v3.router.address
    assert f"adapter uniswap_v3 {adapter.address}" in result.output


def test_deploy__v3_router_address_without_code__fails_and_writes_nothing(tmp_path):
    out = tmp_path / "local.json"

    result = CliRunner().invoke(deploy.cli, ["--account", "TEST::0", "--uniswap-v3-router", "0x" + "13" * 20,
                                             "--out", str(out), *NETWORK])  # fmt: skip

    assert result.exit_code == 1
    assert "no contract at --uniswap-v3-router 0x1313131313131313131313131313131313131313" in result.output
    assert not out.exists()


def test_deploy__router_address_without_code__fails_and_writes_nothing(tmp_path):
    out = tmp_path / "local.json"

    result = CliRunner().invoke(deploy.cli, ["--account", "TEST::0", "--uniswap-router", "0x" + "12" * 20,
                                             "--out", str(out), *NETWORK])  # fmt: skip

    assert result.exit_code == 1
    assert "no contract at --uniswap-router 0x1212121212121212121212121212121212121212" in result.output
    assert not out.exists()


def test_deploy__delay_outside_the_timelock_range__refused_before_sending(tmp_path, deployer):
    nonce = deployer.nonce

    result = CliRunner().invoke(deploy.cli, ["--account", "TEST::0", "--delay", "60", "--out", str(tmp_path / "d.json"),
                                             *NETWORK])  # fmt: skip

    assert result.exit_code == 2 and "--delay" in result.output and "86400<=x<=2592000" in result.output
    assert deployer.nonce == nonce


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


def test_create_index__roles_as_test_accounts__vault_has_them(tmp_path, deployment_file, accounts):
    spec = SPEC.replace("keepers: [deployer]", "keepers: [keeper]")

    result = run(create_index, write_spec(tmp_path, spec), "--deployment", str(deployment_file), "--account", "TEST::0",
                 "--role", "dao=TEST::1", "--role", "keeper=TEST::7")  # fmt: skip

    assert result.exit_code == 0, result.output
    vault = deploy.project.IndexVault.at(result.output.split("vault")[-1].split()[0])
    policy = deploy.project.RebalancePolicy.at(vault.policy())
    assert vault.governance() == accounts[1].address and policy.is_keeper(accounts[7].address)


def test_create_index__role_naming_an_unknown_account__exits_1_saying_what_an_account_is(tmp_path, deployment_file):
    result = run(create_index, write_spec(tmp_path), "--deployment", str(deployment_file), "--account", "TEST::0",
                 "--role", "dao=nobody")  # fmt: skip

    assert result.exit_code == 1
    assert "account 'nobody' is neither an address, TEST::n nor an ape account alias" in result.output


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


def test_mint__funded_wallet__approves_exactly_and_mints(managed_vault, funded_alice, market, dep):
    before = managed_vault.balanceOf(funded_alice)

    result = run(mint, "--vault", managed_vault.address, "--amount", "2", "--yes", "--account", "TEST::4", *dep)

    assert result.exit_code == 0, result.output
    assert managed_vault.balanceOf(funded_alice) == before + 2 * ONE
    assert all(t.allowance(funded_alice, managed_vault) == 0 for t in market.tokens)  # exact approvals, all used
    assert "minted 2 TIDX" in result.output and "balance 102 TIDX" in result.output


def test_mint__wallet_short_of_a_component__exits_1_in_whole_tokens_before_sending(managed_vault, alice, dep):
    nonce = alice.nonce

    result = run(mint, "--vault", managed_vault.address, "--amount", "1000", "--yes", "--account", "TEST::4", *dep)

    assert result.exit_code == 1
    assert "the wallet holds too little USDC: 400,000 USDC needed, 0 USDC held" in result.output
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
def test_mint__bad_amount__exits_1(managed_vault, dep, args, message):
    result = run(mint, "--vault", managed_vault.address, "--yes", "--account", "TEST::4", *dep, *args)

    assert result.exit_code == 1 and message in result.output


def test_mint__address_that_is_not_a_vault__exits_1(market, dep):
    result = run(mint, "--vault", market.tokens[0].address, "--amount", "1", "--yes", "--account", "TEST::4", *dep)

    assert result.exit_code == 1
    assert f"--vault {market.tokens[0].address} is not a vault, policy or router, not a vault" in result.output


def test_mint__fee_vault_with_time_passing__leaves_no_allowance_and_says_why(
    create_managed_vault, mint_for, alice, market, chain, dep
):
    vault = create_managed_vault(fees=(500, 0, 0))  # the 5 % a year cap: units fall every second
    mint_for(vault, alice, 10 * ONE)
    for token, owed in zip(market.tokens, vault.preview_mint(100 * ONE), strict=True):
        token.mint(alice, owed, sender=alice)
    chain.pending_timestamp += 30 * 86_400  # each approval below is a block; the mint comes seconds after the preview

    result = run(mint, "--vault", vault.address, "--amount", "100", "--yes", "--account", "TEST::4", *dep)

    assert result.exit_code == 0, result.output
    assert all(t.allowance(alice, vault) == 0 for t in market.tokens)
    assert "allowance back to 0" in result.output and "management fee accrued" in result.output


def test_redeem__skip_a_component__that_component_stays_behind(managed_vault, alice, market, dep):
    before = [t.balanceOf(alice) for t in market.tokens]

    result = run(redeem, "--vault", managed_vault.address, "--amount", "1", "--skip", "WBTC", "--yes",
                 "--account", "TEST::4", *dep)  # fmt: skip

    assert result.exit_code == 0, result.output
    got = [t.balanceOf(alice) - b for t, b in zip(market.tokens, before, strict=True)]
    assert got[0] > 0 and got[1] > 0 and got[2] == 0


def test_redeem__skip_unknown_component__exits_1_listing_the_basket(managed_vault, dep):
    result = run(redeem, "--vault", managed_vault.address, "--amount", "1", "--skip", "DOGE", "--yes",
                 "--account", "TEST::4", *dep)  # fmt: skip

    assert result.exit_code == 1 and "--skip DOGE: not a component of this vault (USDC, WETH, WBTC)" in result.output


def test_redeem__more_than_held__exits_1_in_index_tokens(managed_vault, dep):
    result = run(redeem, "--vault", managed_vault.address, "--amount", "1000", "--yes", "--account", "TEST::4", *dep)

    assert result.exit_code == 1 and "the wallet holds 100 TIDX, not 1,000 TIDX" in result.output


# --- the chain a script acts on -------------------------------------------------------------------------------------


@pytest.fixture(params=["chain-id", "genesis"])
def foreign_deployment(request, deployment_file, tmp_path):
    """The deployment file, as if written on another chain (another chain id, or another local node)."""
    deployment = load_deployment(deployment_file)
    other = (replace(deployment, chain_id=11155111) if request.param == "chain-id"
             else replace(deployment, genesis_hash="0x" + "ab" * 32))  # fmt: skip
    path = tmp_path / "foreign.json"
    save_deployment(other, path)
    return path, request.param


@pytest.mark.parametrize(
    "command, args",
    [
        (create_index, ["SPEC", "--account", "TEST::0"]),
        (mint, ["--vault", "VAULT", "--amount", "1", "--yes", "--account", "TEST::4"]),
        (redeem, ["--vault", "VAULT", "--amount", "1", "--yes", "--account", "TEST::4"]),
        (governance, ["propose", "set_fees", "management_fee=50", "mint_fee=10", "redeem_fee=10", "--address", "VAULT",
                      "--account", "TEST::1"]),
        (governance, ["list", "--address", "VAULT"]),
        (governance, ["call", "vault.pause_mint", "--address", "VAULT", "--safe", "0x" + "5a" * 20, "--out", "OUT"]),
        (faucet, ["--vault", "VAULT", "--amount", "1", "--account", "TEST::4"]),
        (warp, ["--days", "1", "--account", "TEST::0"]),
    ],
    ids=["create_index", "mint", "redeem", "propose", "list", "safe-export", "faucet", "warp"],
)  # fmt: skip
def test_script__deployment_of_another_chain__refuses_in_one_sentence_and_sends_nothing(
    command, args, foreign_deployment, managed_vault, tmp_path, accounts
):
    path, kind = foreign_deployment
    out = tmp_path / "batch.json"
    args = [{"SPEC": write_spec(tmp_path), "VAULT": managed_vault.address, "OUT": str(out)}.get(a, a) for a in args]
    nonces = [a.nonce for a in accounts]

    result = run(command, *args, "--deployment", str(path))

    assert result.exit_code == 1
    expected = "but this node is chain" if kind == "chain-id" else "is for another local chain"
    [line] = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert expected in line and line.endswith(".") and "Traceback" not in result.output
    assert [a.nonce for a in accounts] == nonces and not out.exists()


def test_warp__blocks__mines_them_without_an_account(dep):
    head = warp.chain.blocks.head.number

    result = run(warp, "--blocks", "3", *dep)

    assert result.exit_code == 0, result.output
    assert warp.chain.blocks.head.number == head + 3
    assert f"mined 3 blocks: now block {head + 3}" in result.output


def test_warp__days_without_an_account__refused_and_nothing_mined(dep):
    head = warp.chain.blocks.head

    result = CliRunner().invoke(warp.cli, ["--days", "1", "--blocks", "2", *dep, *NETWORK])

    assert result.exit_code == 2 and "moving the clock needs --account" in result.output
    assert warp.chain.blocks.head.number == head.number


def test_gas_limit__covers_the_fee_accrual_path_with_a_fifth_on_top():
    assert gas_limit(112_943) == (112_943 + FEE_ACCRUAL_GAS) * 120 // 100 >= 127_855 + 15_000


# --- governance ------------------------------------------------------------------------------------------------------


def test_governance__propose_list_execute__fees_change_after_the_delay(managed_vault, chain, dep):
    vault = managed_vault.address
    proposed = run(governance, "propose", "set_fees", "management_fee=50", "mint_fee=10", "redeem_fee=10",
                   "--address", vault, "--account", "TEST::1", *dep)  # fmt: skip
    change_id = proposed.output.split("id ")[-1].split(",")[0].strip()
    waiting = run(governance, "list", "--address", vault, *dep)
    chain.pending_timestamp += 86_400 + 1
    chain.mine()
    ready = run(governance, "list", "--address", vault, *dep)

    executed = run(governance, "execute", "--address", vault, "--id", change_id, "--account", "TEST::1", *dep)

    assert proposed.exit_code == 0, proposed.output
    assert "set_fees(management_fee=50, mint_fee=10, redeem_fee=10)" in waiting.output and "waiting" in waiting.output
    assert ready.output.strip().endswith("ready")
    assert executed.exit_code == 0, executed.output
    assert tuple(managed_vault.fees()) == (50, 10, 10)
    assert run(governance, "list", "--address", vault, *dep).output.strip() == "nothing queued"


def test_governance__list__eta_in_utc(managed_vault, chain, dep):
    from datetime import UTC, datetime

    run(governance, "propose", "set_fees", "management_fee=50", "mint_fee=10", "redeem_fee=10",
        "--address", managed_vault.address, "--account", "TEST::1", *dep)  # fmt: skip
    eta = datetime.fromtimestamp(chain.blocks.head.timestamp + 86_400, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")

    result = run(governance, "list", "--address", managed_vault.address, *dep)

    assert f"eta {eta}" in result.output


def test_governance__execute_before_eta__exits_1_saying_waiting(managed_vault, dep):
    vault = managed_vault.address
    proposed = run(governance, "propose", "set_fees", "management_fee=50", "mint_fee=10", "redeem_fee=10",
                   "--address", vault, "--account", "TEST::1", *dep)  # fmt: skip

    result = run(governance, "execute", "--address", vault, "--id", proposed.output.split("id ")[-1].split(",")[0],
                 "--account", "TEST::1", *dep)  # fmt: skip

    assert result.exit_code == 1 and "is waiting" in result.output and " UTC)" in result.output


def test_governance__propose_by_a_non_governance_account__exits_1_with_the_revert_reason(managed_vault, dep):
    result = run(governance, "propose", "set_fees", "management_fee=50", "mint_fee=10", "redeem_fee=10",
                 "--address", managed_vault.address, "--account", "TEST::4", *dep)  # fmt: skip

    assert result.exit_code == 1 and "index_vault: not governance" in result.output


def test_governance__cancel_by_a_stranger__simulated_not_sent_and_only_the_reason_shown(managed_vault, alice, dep):
    proposed = run(governance, "propose", "set_fees", "management_fee=50", "mint_fee=10", "redeem_fee=10",
                   "--address", managed_vault.address, "--account", "TEST::1", *dep)  # fmt: skip
    nonce = alice.nonce

    result = run(governance, "cancel", "--address", managed_vault.address, "--id",
                 proposed.output.split("id ")[-1].split(",")[0], "--account", "TEST::4", *dep)  # fmt: skip

    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1] == "Error: the transaction would revert: index_vault: not guardian"
    assert alice.nonce == nonce  # nothing was mined


def test_governance__guardian_cancels__nothing_queued(managed_vault, dep):
    vault = managed_vault.address
    proposed = run(governance, "propose", "set_fees", "management_fee=50", "mint_fee=10", "redeem_fee=10",
                   "--address", vault, "--account", "TEST::1", *dep)  # fmt: skip

    result = run(governance, "cancel", "--address", vault, "--id", proposed.output.split("id ")[-1].split(",")[0],
                 "--account", "TEST::2", *dep)  # fmt: skip

    assert result.exit_code == 0, result.output
    assert run(governance, "list", "--address", vault, *dep).output.strip() == "nothing queued"


def test_governance__call_with_safe__writes_a_decodable_batch_and_sends_nothing(managed_vault, policy_of, tmp_path,
                                                                                  dep):  # fmt: skip
    policy = policy_of(managed_vault)
    out = tmp_path / "pause.json"
    safe = "0x" + "5a" * 20

    result = run(governance, "call", "policy.pause_rebalance", "--address", policy.address, "--safe", safe,
                 "--out", str(out), *dep)  # fmt: skip

    assert result.exit_code == 0, result.output
    batch = json.loads(out.read_text())
    assert checksum_valid(batch)
    [tx] = batch["transactions"]
    assert tx["to"] == policy.address and tx["data"] is None and tx["contractMethod"]["name"] == "pause_rebalance"
    assert tx_builder_calldata(tx["contractMethod"], tx["contractInputsValues"]) == "0x" + bytes(
        policy.pause_rebalance.as_transaction(sender=safe).data).hex()
    assert batch["chainId"] == str(deploy.chain.chain_id)
    assert not policy.rebalance_paused()


@pytest.mark.parametrize("send", [True, False], ids=["send", "safe-export"])
def test_governance__policy_function_on_a_vault_address__exits_1_naming_both_kinds(managed_vault, tmp_path, dep, send):
    how = ["--account", "TEST::2"] if send else ["--safe", "0x" + "5a" * 20, "--out", str(tmp_path / "x.json")]

    result = run(governance, "call", "policy.pause_rebalance", "--address", managed_vault.address, *how, *dep)

    assert result.exit_code == 1
    assert f"policy.pause_rebalance is a policy function, but {managed_vault.address} is a vault" in result.output
    assert not (tmp_path / "x.json").exists()


def test_governance__address_without_code__exits_1(dep, tmp_path):
    result = run(governance, "call", "vault.pause_mint", "--address", "0x" + "12" * 20, "--safe", "0x" + "5a" * 20,
                 "--out", str(tmp_path / "x.json"), *dep)  # fmt: skip

    assert result.exit_code == 1 and "has no code on chain" in result.output


def test_governance__bad_argument__exits_1_naming_it(managed_vault, dep):
    result = run(governance, "propose", "set_fees", "management_fee=lots", "mint_fee=10", "redeem_fee=10",
                 "--address", managed_vault.address, "--account", "TEST::1", *dep)  # fmt: skip

    assert result.exit_code == 1 and "management_fee" in result.output
