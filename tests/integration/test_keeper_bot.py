"""The Silverback bot (keeper/bot.py) as operators run it: `silverback run keeper.bot:bot`, connected to the same
anvil node, signing with Silverback's account; new blocks drive its cycles and it rebalances a drifted vault once."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from fixtures.anvil import KEEPER

WETH = 1
ROOT = Path(__file__).resolve().parents[2]


def test_bot__new_blocks_on_a_drifted_vault__rebalances_it_once(world, tmp_path):
    vault = world.create_vault()
    world.move_price(WETH, 2_600)
    env = {
        **os.environ,
        "KEEPER_LENS": world.lens.address,
        "KEEPER_VAULTS": json.dumps([vault.address]),
        "KEEPER_ADAPTER": world.market.adapter.address,
        "KEEPER_DATA_DIR": str(tmp_path),
        "KEEPER_CONFIRMATIONS": "1",
        "APE_FOUNDRY_HOST": world.uri,  # ape-foundry connects to this node instead of starting its own
    }
    silverback = Path(sys.executable).with_name("silverback")
    command = [
        str(silverback), "run", "keeper.bot:bot", "--network", "ethereum:local:foundry",
        "--account", f"TEST::{KEEPER}",
    ]  # fmt: skip
    bot = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 90
        while not world.trades(vault):
            assert bot.poll() is None, bot.stdout.read()
            assert time.monotonic() < deadline, "the bot did not rebalance within 90 s"
            world.rpc("evm_mine")
            time.sleep(0.5)
        for _ in range(4):  # more blocks: the bot follows its trade and must not send another
            world.rpc("evm_mine")
            time.sleep(0.5)
    finally:
        output = stop(bot)

    assert len(world.trades(vault)) == 1, output


def stop(bot: subprocess.Popen) -> str:
    """SIGINT, as an operator's Ctrl-C; Silverback's graceful shutdown can take 20 s, which this test need not wait."""
    bot.send_signal(signal.SIGINT)
    try:
        return bot.communicate(timeout=5)[0]
    except subprocess.TimeoutExpired:
        bot.kill()
        return bot.communicate()[0]
