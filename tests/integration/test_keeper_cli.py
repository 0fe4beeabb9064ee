"""The operator's `keeper` command against anvil: the dry-run table, status, reset, and one-sentence errors."""

import re

import pytest
from ape import chain
from click.testing import CliRunner
from fixtures.anvil import KEEPER

from keeper.cli import main
from keeper.deployment import Deployment, save_deployment
from keeper.journal import GLOBAL, Journal

WETH = 1


@pytest.fixture
def keeper_cli(world, tmp_path):
    """Run `keeper <command> ...` in-process against the world's node, lens and journal folder."""

    def run(command: str, *args: str, chain: bool = True):
        base = ["--rpc-url", world.uri, "--lens", world.lens.address, "--data-dir", str(tmp_path)] if chain else []
        return CliRunner().invoke(main, [command, *base, *args], catch_exceptions=False)

    return run


def test_plan__drifted_vault__prints_weights_and_the_trade_without_sending(world, keeper_cli):
    vault = world.create_vault()
    world.move_price(WETH, 2_600)
    nonce = world.nonce()

    result = keeper_cli("plan", "--vault", vault.address)

    assert result.exit_code == 0, result.output
    assert f"vault {vault.address}" in result.output
    weth_row = re.search(r"WETH\s+(\d+\.\d\d)% +30\.00%.*out of band", result.output)
    assert weth_row and 3_570 <= round(float(weth_row.group(1)) * 100) <= 3_590  # 0.39 / 1.09 of NAV
    assert re.search(r"trade 1: sell [\d.,]+ WETH \(\$[\d,.]+\) for at least [\d.,]+ (USDC|WBTC) via WETH -> ", result.output)
    assert world.nonce() == nonce and world.trades(vault) == []


def test_plan__every_feed_stale__names_the_tokens_and_the_oracles_reason(world, keeper_cli):
    vault = world.create_vault()
    chain.mine(timestamp=chain.pending_timestamp + 2 * 86_400)  # past every feed's one-day heartbeat

    result = keeper_cli("plan", "--vault", vault.address)

    assert result.exit_code == 0, result.output
    assert "oracle refused a price for USDC, WETH, WBTC: oracle_router: stale price" in result.output


def test_plan__balanced_vault__says_in_band_and_plans_nothing(world, keeper_cli):
    vault = world.create_vault()

    result = keeper_cli("plan", "--vault", vault.address)

    assert result.exit_code == 0, result.output
    assert "in band" in result.output and "trade 1" not in result.output


def test_status__after_a_trade__shows_nav_drift_last_trade_and_breakers(world, keeper_cli, tmp_path):
    vault = world.create_vault()
    world.move_price(WETH, 2_600)
    keeper = world.keeper(tmp_path, [vault])
    world.cycle(keeper)
    world.cycle(keeper)

    result = keeper_cli("status", "--vault", vault.address)

    assert result.exit_code == 0, result.output
    line = next(line for line in result.output.splitlines() if line.startswith(vault.address))
    assert "$" in line and "final at block" in line and line.endswith("ok")
    assert "breaker (all vaults): ok" in result.output


def test_reset__tripped_breakers__clears_them_and_says_how_many(keeper_cli, tmp_path):
    journal = Journal(tmp_path / "journal.sqlite")
    journal.trip(GLOBAL, "3 failures in a row", 1)
    journal.trip("0x" + "ab" * 20, "oracle jump", 1)

    result = keeper_cli("reset", "--data-dir", str(tmp_path), chain=False)

    assert result.exit_code == 0, result.output
    assert "2 breaker(s) cleared" in result.output
    assert journal.breakers() == {}


@pytest.mark.parametrize(
    "args, message",
    [
        (["--rpc-url", "http://127.0.0.1:9", "--lens", "0x" + "11" * 20, "--vault", "0x" + "22" * 20],
         "http://127.0.0.1:9 is unreachable"),
        (["--lens", "0x12", "--vault", "0x" + "22" * 20], "lens '0x12' is not an Ethereum address"),
        (["--lens", "0x" + "11" * 20], "nothing to watch: give --factory"),
        (["--vault", "0x" + "22" * 20], "--lens (or KEEPER_LENS) is required"),
    ],
    ids=["unreachable-rpc", "bad-address", "nothing-to-watch", "no-lens"],
)  # fmt: skip
def test_plan__bad_input__exits_1_with_one_sentence(args, message, monkeypatch):
    monkeypatch.setenv("KEEPER_RPC_TIMEOUT", "0.5")
    monkeypatch.setenv("KEEPER_RPC_RETRIES", "0")

    result = CliRunner().invoke(main, ["plan", *args])

    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and message in result.output


def test_plan__lens_address_without_code__says_wrong_address_or_network(world, keeper_cli):
    result = CliRunner().invoke(main, ["plan", "--rpc-url", world.uri, "--lens", "0x" + "11" * 20, "--vault",
                                       "0x" + "22" * 20])  # fmt: skip

    assert result.exit_code == 1
    assert "lens 0x1111111111111111111111111111111111111111 has no code on this chain" in result.output


def test_run__unknown_account__exits_1_naming_it(world, keeper_cli):
    vault = world.create_vault()

    result = keeper_cli("run", "--vault", vault.address, "--adapter", world.market.adapter.address, "--account",
                        "nobody-here", "--cycles", "1")  # fmt: skip

    assert result.exit_code == 1
    assert "no ape account named 'nobody-here'" in result.output


def test_run__test_account_on_local_chain__cycles_and_trades(world, keeper_cli):
    vault = world.create_vault()
    world.move_price(WETH, 2_600)

    result = keeper_cli("run", "--vault", vault.address, "--adapter", world.market.adapter.address, "--account",
                        f"TEST::{KEEPER}", "--cycles", "2", "--interval", "0.3")  # fmt: skip

    assert result.exit_code == 0, result.output
    assert len(world.trades(vault)) == 1


def test_plan__deployment_file__finds_lens_factory_and_every_vault(world, tmp_path):
    vault = world.create_vault()
    world.move_price(WETH, 2_600)
    deployment = Deployment(
        network="ethereum:local", chain_id=31337, deployer=world.account(0).address,
        oracle_router=world.market.router.address, vault_blueprint=world.factory.VAULT_BLUEPRINT(),
        policy_blueprint=world.factory.POLICY_BLUEPRINT(), factory=world.factory.address, lens=world.lens.address,
        adapters={"uniswap_v2": world.market.adapter.address}, genesis_hash=world.rpc("eth_getBlockByNumber", "0x0",
                                                                                        False)["hash"],
    )  # fmt: skip
    save_deployment(deployment, tmp_path / "local.json")

    result = CliRunner().invoke(main, ["plan", "--deployment", str(tmp_path / "local.json"), "--rpc-url", world.uri,
                                       "--data-dir", str(tmp_path)])  # fmt: skip

    assert result.exit_code == 0, result.output
    assert f"vault {vault.address}" in result.output and "trade 1: sell" in result.output


def test_plan__deployment_file_of_another_local_chain__refuses_in_one_sentence(world, tmp_path):
    deployment = Deployment(
        network="ethereum:local", chain_id=31337, deployer=world.account(0).address,
        oracle_router=world.market.router.address, vault_blueprint=world.factory.VAULT_BLUEPRINT(),
        policy_blueprint=world.factory.POLICY_BLUEPRINT(), factory=world.factory.address, lens=world.lens.address,
        adapters={"uniswap_v2": world.market.adapter.address}, genesis_hash="0x" + "ab" * 32,
    )  # fmt: skip
    save_deployment(deployment, tmp_path / "local.json")

    result = CliRunner().invoke(main, ["plan", "--deployment", str(tmp_path / "local.json"), "--rpc-url", world.uri,
                                       "--data-dir", str(tmp_path)])  # fmt: skip

    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and "is for another local chain" in result.output
