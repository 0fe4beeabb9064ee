"""The keeper as a Silverback bot: thin handlers around `Keeper.cycle()`.

    silverback run keeper.bot:bot --network ethereum:local:foundry --account <alias>

It cycles on every new block and on the `KEEPER_REBALANCE_CRON` schedule (a rebalance window), signs with
Silverback's signer (an ape keystore account) and serves Prometheus metrics on `KEEPER_METRICS_PORT`. Settings come
from `KEEPER_*` variables; the node is Silverback's own provider.
"""

from ape import chain
from silverback import SilverbackBot

from keeper.cycle import build, summary_of
from keeper.settings import load_settings

bot = SilverbackBot()
settings = load_settings()


@bot.on_startup()
def start(_startup_state):
    """Wire the keeper to Silverback's provider and signer, once per worker start."""
    keeper_settings = settings.model_copy(update={"rpc_url": chain.provider.http_uri})
    bot.state.keeper = build(keeper_settings, sign=bot.signer is not None, account=bot.signer)
    if settings.metrics_port:
        bot.state.keeper.metrics.serve(settings.metrics_port)


@bot.on_(chain.blocks)
def on_block(block):
    """Every block: follow sent transactions and rebalance whatever drifted out of band."""
    return summary_of(bot.state.keeper.cycle())


@bot.cron(settings.rebalance_cron)
def rebalance_window(_time):
    """The scheduled window: the same cycle, so a quiet chain (no blocks) is still served."""
    return summary_of(bot.state.keeper.cycle())
