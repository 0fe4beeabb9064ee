"""The README's keeper command, exactly as written (`keeper run --deployment deployments/ethereum-local.json
--rpc-url URL --account ALIAS --metrics-port PORT`, with the URL, a TEST:: alias and a free port filled in), against
the README's own mock world (`ape run deploy --mock-world`, every pool against USDC) and an index created from
examples/defi.yaml. UNI rises 30 %: the keeper must trade UNI for MKR through USDC, with no --route-via and no
--slippage, and say so in words an operator reads."""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests
from ape import accounts, chain, project
from fixtures.anvil import ALICE, DEPLOYER, GOVERNANCE, KEEPER, free_port

from keeper.deployment import save_deployment
from scripts.create_index import create_index
from scripts._world import DEMO_ASSETS

ROOT = Path(__file__).resolve().parents[2]
UNI = [symbol for symbol, *_ in DEMO_ASSETS].index("UNI")
USDC = 0


def test_keeper_run__readme_command_on_the_mock_world__trades_uni_for_mkr_through_usdc(anvil, mock_world, tmp_path):
    deployment, market = mock_world
    # The mock world has Uniswap V3 beside V2 (the keeper quotes both); its pools lag the oracle move below, so the
    # trade still goes through V2, as the log line checked at the end says.
    assert list(deployment.adapters) == ["uniswap_v2", "uniswap_v3"]
    assert deployment.adapters["uniswap_v3"] == market.adapter_v3.address
    assert deployment.uniswap_v3 == {"router": market.uniswap_v3.router.address, "quoter": market.uniswap_v3.quoter.address,
                                     "factory": market.uniswap_v3.factory.address,
                                     "positions": market.uniswap_v3.positions.address}  # fmt: skip
    assert market.uniswap_v3.pool(market.tokens[USDC], market.tokens[UNI]).liquidity() > 0
    (tmp_path / "deployments").mkdir()
    save_deployment(deployment, tmp_path / "deployments" / "ethereum-local.json")
    roles = {"deployer": accounts.test_accounts[DEPLOYER].address, "dao": accounts.test_accounts[GOVERNANCE].address,
             "keeper": accounts.test_accounts[KEEPER].address}  # fmt: skip
    _, vault, _ = create_index(accounts.test_accounts[DEPLOYER], deployment, ROOT / "examples" / "defi.yaml", roles,
                               echo=lambda *_: None)  # fmt: skip
    alice = accounts.test_accounts[ALICE]
    for address, owed in zip(vault.basket()[0], vault.preview_mint(10 * 10**18), strict=True):
        token = project.MockERC20.at(address)
        token.mint(alice, owed, sender=alice)
        token.approve(vault, owed, sender=alice)
    vault.mint(10 * 10**18, alice, sender=alice)
    chain.mine(timestamp=chain.pending_timestamp + 5 * 3_600)  # past the spec's 4 h cooldown
    market.refresh()
    market.set_price(UNI, 8 * 13 * 10**7)  # UNI $8 -> $10.40
    market.arbitrage(USDC, UNI)
    port = free_port()

    command = ["keeper", "run", "--deployment", "deployments/ethereum-local.json", "--rpc-url", anvil.uri,
               "--account", f"TEST::{KEEPER}", "--metrics-port", str(port)]  # fmt: skip
    env = {**os.environ, "KEEPER_DATA_DIR": str(tmp_path / "keeper")}
    keeper = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, executable=str(Path(sys.executable).with_name("keeper")))  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not list(vault.Rebalanced.query("*")["event_arguments"]):
            assert keeper.poll() is None, keeper.stdout.read()
            assert time.monotonic() < deadline, "the README's keeper command did not trade within 60 s"
            time.sleep(0.5)
        metrics = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    finally:
        keeper.send_signal(signal.SIGINT)
        output = keeper.communicate(timeout=30)[0]

    (trade,) = vault.Rebalanced.query("*")["event_arguments"]
    assert trade["sell"] == market.tokens[UNI].address
    assert 'keeper_trades_total{outcome="sent"} 1.0' in metrics
    sent = next(line for line in output.splitlines() if " sent DPL " in line)
    assert re.search(r"UTC INFO sent DPL 0x[0-9a-fA-F]{4}…[0-9a-fA-F]{4}: sell [\d,.]+ UNI -> \w+ via UNI -> USDC -> \w+, "
                     r"min_out [\d,.]+ \w+, quote [\d,.]+ \w+, nonce \d+, tx 0x[0-9a-f]{64}$", sent), sent  # fmt: skip
    assert keeper.returncode == 0, output
    print(output)
