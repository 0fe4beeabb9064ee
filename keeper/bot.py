"""The keeper as a Silverback bot: thin handlers around `Keeper.cycle()`.

    silverback run keeper.bot:bot --network ethereum:local:foundry --account <alias>

It cycles on every new block and on the `KEEPER_REBALANCE_CRON` schedule (a rebalance window), signs with
Silverback's signer (an ape keystore account) and serves Prometheus metrics on `KEEPER_METRICS_PORT`. Settings come
from `KEEPER_*` variables; the node is Silverback's own provider.

A keeper must outlive its node: Silverback's own runners end the bot when the connection drops (the websocket's
"no close frame received or sent", or a failed poll), and end it after three failed handlers. So the handlers log a
failed cycle and return, and the bot runs on `KeeperRunner`, which polls the head itself and waits out a node that
is away. `silverback run keeper.bot:bot` picks it whichever runner Silverback would have chosen (`--runner
keeper.bot:KeeperRunner` says so explicitly).
"""

import asyncio
import logging

import silverback.runner
from ape import chain
from silverback import SilverbackBot
from silverback.runner import PollingRunner

from keeper.cycle import build, summary_of
from keeper.errors import KeeperError
from keeper.logs import configure_logging
from keeper.settings import load_settings

log = logging.getLogger("keeper")


class KeeperRunner(PollingRunner):
    """Silverback's polling runner, except that new blocks are found by polling the head every `KEEPER_INTERVAL`
    seconds and a node that does not answer is waited for (and logged once per outage), never a reason to stop."""

    async def _block_task(self, task_data):
        last, away_since = None, None
        while not self.shutdown_event.is_set():
            try:
                # The raw JSON-RPC block, as Silverback's websocket runner hands it over: an ape Block would be looked
                # up again by hash when the task starts, and fail if the node has just gone away.
                head = await asyncio.to_thread(chain.provider.make_request, "eth_getBlockByNumber", ["latest", False])
                number = int(head["number"], 16)
            except Exception as error:  # noqa: BLE001 -- ape raises many kinds for a node that is gone; all mean wait
                if away_since is None:
                    away_since = asyncio.get_running_loop().time()
                    log.warning("node unreachable (%s); waiting for it", type(error).__name__)
            else:
                if away_since is not None:
                    away = asyncio.get_running_loop().time() - away_since
                    log.warning("node back after %.1f s at block %d", away, number)
                    away_since = None
                if last is None or number > last:
                    last = number
                    self._runtime_task_group.create_task(self.run_task(task_data, head))
            await asyncio.sleep(settings.interval)


# Silverback picks its websocket runner for a node with a websocket endpoint; the keeper needs the one above.
silverback.runner.WebsocketRunner = silverback.runner.PollingRunner = KeeperRunner

bot = SilverbackBot()
settings = load_settings()


@bot.on_startup()
def start(_startup_state):
    """Wire the keeper to Silverback's provider and signer, once per worker start; its log lines go to stderr."""
    configure_logging()
    keeper_settings = settings.model_copy(update={"rpc_url": chain.provider.http_uri})
    bot.state.keeper = build(keeper_settings, sign=bot.signer is not None, account=bot.signer)
    if settings.metrics_port:
        bot.state.keeper.metrics.serve(settings.metrics_port)


def cycle() -> dict[str, int]:
    """One cycle; a failed one (node away, a read refused) is logged and counted, not raised: Silverback would end
    the bot after three."""
    try:
        return summary_of(bot.state.keeper.cycle())
    except KeeperError as error:
        log.error("cycle failed, retrying on the next block: %s", error)
        return {"failed": 1}


@bot.on_(chain.blocks)
def on_block(block):
    """Every block: follow sent transactions and rebalance whatever drifted out of band."""
    return cycle()


@bot.cron(settings.rebalance_cron)
def rebalance_window(_time):
    """The scheduled window: the same cycle, so a quiet chain (no blocks) is still served."""
    return cycle()
