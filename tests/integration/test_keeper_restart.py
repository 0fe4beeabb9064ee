"""The node goes away and comes back (anvil stopped, then restarted from its saved state on the same port) under
`keeper run` and under the Silverback bot, each as a separate process as operators run them. Both must keep
running, say what happened, and trade once the node is back; the recovery time is printed.

This module runs its own anvil (`--state`, so a restart keeps every contract), and ape connects to it."""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from ape import config, networks
from fixtures.anvil import KEEPER, free_port
from fixtures.market import ASSETS

ROOT = Path(__file__).resolve().parents[2]
ANVIL = ROOT / "node_modules" / "@foundry-rs" / "anvil-linux-amd64" / "bin" / "anvil"
WETH = 1


class Node:
    """An anvil process that can be stopped (saving its state) and started again on the same port."""

    def __init__(self, state: Path):
        self.port, self.state, self.process = free_port(), state, None
        self.uri = f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        test = config.get_config("test")
        command = [
            str(ANVIL if ANVIL.exists() else "anvil"), "--port", str(self.port), "--mnemonic", test.mnemonic,
            "--accounts", str(test.number_of_accounts), "--balance", "1000000", "--block-base-fee-per-gas", "0",
            "--state", str(self.state), "--silent",
        ]  # fmt: skip
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while not self.answers():
            assert time.monotonic() < deadline, "anvil did not start"
            time.sleep(0.1)

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)  # anvil writes --state on the way out
        self.process.wait(timeout=20)

    def answers(self) -> bool:
        import requests

        try:
            requests.post(self.uri, json={"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}, timeout=1)
            return True
        except requests.RequestException:
            return False


@pytest.fixture(scope="module")
def node(tmp_path_factory):
    node = Node(tmp_path_factory.mktemp("anvil") / "state.json")
    node.start()
    yield node
    if node.process.poll() is None:
        node.stop()


@pytest.fixture(scope="module")
def anvil(node):
    """Overrides the shared fixture: ape connects to this module's restartable node instead of starting one."""
    with networks.parse_network_choice("ethereum:local:foundry", provider_settings={"host": node.uri}) as provider:
        yield provider


class Output:
    """A process's output lines, each with the monotonic time it arrived, read on a thread."""

    def __init__(self, process: subprocess.Popen):
        self.lines: list[tuple[float, str]] = []
        threading.Thread(target=self._read, args=(process,), daemon=True).start()

    def _read(self, process):
        for line in process.stdout:
            self.lines.append((time.monotonic(), line.rstrip()))

    def wait_for(self, text: str, after: float = 0.0, timeout: float = 60) -> float:
        """When a line containing `text` arrived after `after`; fails after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for stamp, line in list(self.lines):
                if stamp >= after and text in line:
                    return stamp
            time.sleep(0.1)
        raise AssertionError(f"no line with {text!r} within {timeout} s:\n" + self.text())

    def text(self) -> str:
        return "\n".join(line for _, line in self.lines)


def outage(world, node, output: Output, ready: str, gone: str, back: str) -> tuple[float, float]:
    """Stop the node once `ready` was logged, wait until the keeper logs `gone` (the part that must notice: a cycle's
    own failed call is not enough for the bot's runner), start it again, move WETH +20 % (out of band, under the 25 %
    jump breaker) and wait for the trade. Returns (seconds from the node's return to `back`, seconds to the trade
    mined)."""
    output.wait_for(ready)
    assert not world.trades(world.vault_under_test), "traded before the outage:\n" + output.text()
    node.stop()
    output.wait_for(gone, after=time.monotonic())
    node.start()
    started = time.monotonic()
    back_at = output.wait_for(back, after=started)
    vault = world.vault_under_test
    world.move_price(WETH, 2_400)
    deadline = time.monotonic() + 60
    while not world.trades(vault):
        assert time.monotonic() < deadline, "no trade within 60 s of the node's return:\n" + output.text()
        time.sleep(0.2)
    return back_at - started, time.monotonic() - started


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture
def vault(world):
    """A vault in band at WETH's starting price. This module's node restarts, so no snapshot undoes the previous
    test's price move: without the reset, the second test's vault was out of band at birth and its bot traded in its
    first cycle, racing the node's stop, instead of after the node's return."""
    world.move_price(WETH, ASSETS[WETH][2])  # the market's own starting price
    world.vault_under_test = world.create_vault()
    return world.vault_under_test


def keeper_env(world, tmp_path, vault) -> dict:
    return {
        **os.environ, "KEEPER_LENS": world.lens.address, "KEEPER_VAULTS": f'["{vault.address}"]',
        "KEEPER_ADAPTER": world.market.adapter.address, "KEEPER_DATA_DIR": str(tmp_path), "KEEPER_CONFIRMATIONS": "1",
        "KEEPER_INTERVAL": "0.5", "KEEPER_RPC_TIMEOUT": "1", "KEEPER_RPC_RETRIES": "0",
    }  # fmt: skip


def test_keeper_run__node_stopped_and_restarted__logs_the_failed_cycles_and_trades_once_it_is_back(world, node, vault,
                                                                                                 tmp_path):  # fmt: skip
    command = [str(Path(sys.executable).with_name("keeper")), "run", "--rpc-url", node.uri, "--account",
               f"TEST::{KEEPER}"]  # fmt: skip
    keeper = subprocess.Popen(command, env=keeper_env(world, tmp_path, vault), stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)  # fmt: skip
    output = Output(keeper)
    try:
        back, traded = outage(world, node, output, ready="1 vault read", gone="is unreachable", back="1 vault read")
        assert keeper.poll() is None, output.text()
    finally:
        stop(keeper)

    assert len(world.trades(vault)) == 1
    assert " UTC ERROR cycle failed, retrying in 0 s: " in output.text() and "is unreachable" in output.text()
    print(f"\nkeeper run: first cycle {back:.1f} s after the node came back, trade mined after {traded:.1f} s")


def test_bot__node_stopped_and_restarted__keeps_running_logs_its_own_lines_and_trades(world, node, vault, tmp_path):
    env = {**keeper_env(world, tmp_path, vault), "APE_FOUNDRY_HOST": node.uri}
    command = [str(Path(sys.executable).with_name("silverback")), "run", "keeper.bot:bot", "--network",
               "ethereum:local:foundry", "--account", f"TEST::{KEEPER}"]  # fmt: skip
    bot = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output = Output(bot)
    try:
        output.wait_for("Startup complete", timeout=90)
        world.rpc("evm_mine")  # a block for the bot's block handler
        back, traded = outage(
            world, node, output, ready="Startup complete", gone="waiting for it", back="node back after"
        )
        for _ in range(3):  # a few more blocks: the bot follows its trade to final
            world.rpc("evm_mine")
            time.sleep(0.7)
        assert bot.poll() is None, output.text()
    finally:
        stop(bot)

    text = output.text()
    assert len(world.trades(vault)) == 1
    assert "no close frame" not in text and "Traceback" not in text, text
    assert " UTC INFO sent KIDX " in text and " UTC INFO final: " in text, text
    print(f"\nsilverback bot: polling again {back:.1f} s after the node came back, trade mined after {traded:.1f} s")
