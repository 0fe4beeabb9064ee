"""Fault injection on a real anvil node: the RPC drops and times out, a transaction gets stuck and is replaced (or
cancelled once it no longer simulates), the keeper dies between send and receipt, a reorg removes a mined trade.
In every case the vault trades at most once, never outside its policy, and the keeper recovers by itself."""

import os
import signal
import subprocess
import sys
import time

import pytest
from ape import accounts
from fixtures.anvil import GUARDIAN, KEEPER, Hostiles

from keeper.errors import RpcTransportError
from keeper.executor import BUMP_DENOMINATOR, BUMP_NUMERATOR
from keeper.journal import GLOBAL
from keeper.signer import Signer

WETH = 1
GWEI = 10**9


@pytest.fixture
def drifted(world):
    """A vault with WETH 30 % up: the keeper has a trade to make."""
    vault = world.create_vault()
    world.move_price(WETH, 2_600)
    return vault


@pytest.fixture
def manual_mining(world):
    """Blocks only when the test mines them; the mempool is emptied and automine restored afterwards."""
    world.rpc("evm_setAutomine", False)
    yield
    world.rpc("anvil_dropAllTransactions")
    world.rpc("evm_setAutomine", True)


def mine(world, base_fee: int | None = None):
    """Mine one block; with `base_fee`, that block's base fee (a transaction paying less stays in the mempool)."""
    if base_fee is not None:
        world.rpc("anvil_setNextBlockBaseFeePerGas", hex(base_fee))
    world.rpc("evm_mine")


def mempool(world) -> int:
    return int(world.rpc("eth_getTransactionCount", world.account(KEEPER).address, "pending"), 16) - world.nonce()


# --- the RPC drops and times out -----------------------------------------------------------------------------------


def test_cycle__reads_dropped_simulation_slow_send_answer_lost__retries_and_trades_once(world, drifted, flaky_rpc,
                                                                                        tmp_path):  # fmt: skip
    keeper = world.keeper(tmp_path, [drifted], rpc_url=flaky_rpc.url, rpc_timeout=1.0)
    flaky_rpc.fail("eth_call", "drop")  # the batch of lens reads
    flaky_rpc.fail("eth_estimateGas", "slow")  # the simulation batch, answered after the keeper gave up
    flaky_rpc.fail("eth_sendRawTransaction", "lose")  # the node takes the trade but the answer never arrives

    report = world.cycle(keeper)
    world.cycle(keeper)  # follows the trade it could not confirm sending

    assert [fault for _, fault in flaky_rpc.faults_fired] == ["drop", "slow", "lose"]
    assert len(report.sent) == 1
    assert len(world.trades(drifted)) == 1
    assert [i.status for i in keeper.journal.intents()] == ["final"]


def test_cycle__node_unreachable__raises_then_recovers_without_duplicates(world, drifted, flaky_rpc, tmp_path):
    keeper = world.keeper(tmp_path, [drifted], rpc_url=flaky_rpc.url, rpc_timeout=1.0, rpc_retries=1)
    flaky_rpc.down = True
    with pytest.raises(RpcTransportError, match="is unreachable"):
        world.cycle(keeper)
    flaky_rpc.down = False

    world.cycle(keeper)
    world.cycle(keeper)

    assert len(world.trades(drifted)) == 1
    assert [i.status for i in keeper.journal.intents()] == ["final"]


def test_cycle__send_lost_and_node_gone_for_the_cycle__resends_same_bytes_next_cycle(
    world, drifted, flaky_rpc, tmp_path, manual_mining
):
    keeper = world.keeper(tmp_path, [drifted], rpc_url=flaky_rpc.url, rpc_timeout=1.0, rpc_retries=0)
    flaky_rpc.fail("eth_sendRawTransaction", "drop")  # never reaches the node; no retries left this cycle

    report = keeper.cycle()
    assert len(report.sent) == 1 and mempool(world) == 0
    keeper.cycle()  # re-sends the journaled transaction
    assert mempool(world) == 1
    mine(world)
    keeper.cycle()

    (intent,) = keeper.journal.intents()
    assert intent.status == "final" and intent.mined_hash == keeper.journal.sends(intent.id)[0].tx_hash
    assert len(world.trades(drifted)) == 1


# --- stuck transactions ----------------------------------------------------------------------------------------------


def test_reconcile__trade_stuck_for_stuck_blocks__replaced_with_both_fees_bumped(world, drifted, tmp_path,
                                                                                 manual_mining):  # fmt: skip
    keeper = world.keeper(tmp_path, [drifted], stuck_blocks=2)
    keeper.cycle()
    (intent,) = keeper.journal.live()
    (first,) = keeper.journal.sends(intent.id)
    for _ in range(2):  # blocks whose base fee the trade cannot pay
        mine(world, base_fee=first.max_fee + 1)

    keeper.cycle()
    mine(world, base_fee=first.max_fee + 1)
    keeper.cycle()

    _, replacement = keeper.journal.sends(intent.id)
    assert replacement.max_fee * BUMP_DENOMINATOR >= first.max_fee * BUMP_NUMERATOR
    assert replacement.priority_fee * BUMP_DENOMINATOR >= first.priority_fee * BUMP_NUMERATOR
    assert not replacement.cancel
    done = keeper.journal.intent(intent.id)
    assert done.status == "final" and done.mined_hash == replacement.tx_hash
    assert world.rpc("eth_getTransactionReceipt", first.tx_hash) is None
    assert len(world.trades(drifted)) == 1
    assert keeper.metrics.value("keeper_trades_total", outcome="replaced") == 1


def test_reconcile__stuck_trade_no_longer_simulates__replaced_by_a_cancel(world, drifted, tmp_path, manual_mining):
    keeper = world.keeper(tmp_path, [drifted], stuck_blocks=2)
    keeper.cycle()
    (intent,) = keeper.journal.live()
    (first,) = keeper.journal.sends(intent.id)
    nonce = world.nonce()
    # The guardian pauses rebalancing in a block the keeper's trade cannot pay for.
    guardian = Signer(accounts.test_accounts[GUARDIAN], 31337)
    pause_call = world.policy(drifted).pause_rebalance.as_transaction(sender=guardian.address).data.hex()
    pause = guardian.sign(
        to=world.policy(drifted).address, data="0x" + pause_call.removeprefix("0x"), nonce=world.nonce(GUARDIAN),
        gas=100_000, max_fee=100 * first.max_fee, priority_fee=first.priority_fee,
    )
    world.rpc("eth_sendRawTransaction", pause.raw)
    mine(world, base_fee=first.max_fee + 1)
    mine(world, base_fee=first.max_fee + 1)

    keeper.cycle()
    mine(world, base_fee=first.max_fee + 1)
    keeper.cycle()

    _, cancel = keeper.journal.sends(intent.id)
    done = keeper.journal.intent(intent.id)
    assert cancel.cancel and done.status == "cancelled" and done.mined_hash == cancel.tx_hash
    assert world.policy(drifted).rebalance_paused()
    assert world.trades(drifted) == []
    assert world.nonce() == nonce + 1


# --- the keeper dies -------------------------------------------------------------------------------------------------


def keeper_process(world, vault, data_dir, *args: str) -> subprocess.Popen:
    env = {**os.environ, "KEEPER_CONFIRMATIONS": "1"}
    command = [
        sys.executable, "-m", "keeper", "run", "--rpc-url", world.uri, "--lens", world.lens.address,
        "--vault", vault.address, "--adapter", world.market.adapter.address, "--account", f"TEST::{KEEPER}",
        "--data-dir", str(data_dir), "--interval", "0.2", *args,
    ]  # fmt: skip
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def wait_for(condition, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


@pytest.mark.parametrize("node_kept_it", [True, False], ids=["in-mempool", "lost-by-node"])
def test_run__killed_between_send_and_receipt__restart_finishes_the_same_trade(
    world, drifted, tmp_path, manual_mining, node_kept_it
):
    process = keeper_process(world, drifted, tmp_path)
    wait_for(lambda: mempool(world) == 1)
    process.send_signal(signal.SIGKILL)
    process.wait()
    if not node_kept_it:  # as if the keeper died after journaling but before the node had the transaction
        world.rpc("anvil_dropAllTransactions")
    else:
        mine(world)

    restarted = keeper_process(world, drifted, tmp_path, "--cycles", "6")
    wait_for(lambda: mempool(world) == 1 or len(world.trades(drifted)) == 1)
    if mempool(world):
        mine(world)
    output, _ = restarted.communicate(timeout=60)

    assert restarted.returncode == 0, output
    assert len(world.trades(drifted)) == 1
    keeper = world.keeper(tmp_path, [drifted])
    assert [i.status for i in keeper.journal.intents()] == ["final"]


# --- reorgs ----------------------------------------------------------------------------------------------------------


def test_reconcile__mined_trade_reorged_out__same_transaction_lands_once(world, drifted, tmp_path):
    keeper = world.keeper(tmp_path, [drifted], confirmations=3)
    before = world.rpc("evm_snapshot")
    world.cycle(keeper)
    world.cycle(keeper)
    (intent,) = keeper.journal.intents()
    assert intent.status == "mined"

    world.rpc("evm_revert", before)  # the block with the trade is gone, and the trade with it
    assert world.trades(drifted) == []
    report = world.cycle(keeper)  # notices, re-sends the same signed bytes (automine includes them)
    for _ in range(3):
        mine(world)
    world.cycle(keeper)

    assert report.sent == [] and report.skipped[drifted.address] == "a transaction for this vault is still in flight"
    (intent,) = keeper.journal.intents()
    assert intent.status == "final" and intent.mined_hash == keeper.journal.sends(intent.id)[0].tx_hash
    assert len(world.trades(drifted)) == 1
    assert keeper.metrics.value("keeper_reorgs_total") == 1


# --- breakers --------------------------------------------------------------------------------------------------------


def test_cycle__oracle_jumps_past_limit__vault_breaker_stops_trading_until_reset(world, tmp_path):
    vault = world.create_vault()
    keeper = world.keeper(tmp_path, [vault])
    world.cycle(keeper)  # in band; prices remembered
    world.move_price(WETH, 3_000)  # +50 %

    report = world.cycle(keeper)
    assert report.sent == [] and report.skipped[vault.address].startswith("breaker: oracle price of")
    assert keeper.metrics.value("keeper_breaker_tripped", scope=vault.address) == 1

    keeper.journal.reset()
    report = world.cycle(keeper)
    assert len(report.sent) == 1 and len(world.trades(vault)) == 1


def test_cycle__keeper_revoked__not_served_nothing_simulated_and_no_failure_counted(world, tmp_path):
    vault = world.create_vault()
    world.move_price(WETH, 2_600)
    world.policy(vault).revoke_keeper(world.account(KEEPER), sender=world.account(GUARDIAN))
    keeper = world.keeper(tmp_path, [vault], max_failures=3)
    nonce = world.nonce()

    reports = [world.cycle(keeper) for _ in range(4)]

    assert all(r.sent == [] and r.orders == [] for r in reports)
    assert reports[3].skipped[vault.address].startswith("not served: this keeper's account is neither a keeper")
    assert keeper.journal.breakers() == {} and keeper.journal.failures() == 0
    assert world.nonce() == nonce


def test_cycle__simulation_fails_max_failures_times__that_vaults_breaker_stops_it_and_the_global_one_stays(world,
                                                                                                      tmp_path):  # fmt: skip
    hostiles = Hostiles(world)
    vault = hostiles.vault("reverting_token", supply=10**18)  # small: the pool quotes it within the slippage
    hostiles.arm()
    keeper = world.keeper(tmp_path, [vault], max_failures=3)
    nonce = world.nonce()

    reports = [world.cycle(keeper) for _ in range(4)]

    assert all(r.sent == [] for r in reports)
    assert reports[3].skipped[vault.address].startswith("breaker: 3 failures in a row")
    assert "simulation reverted" in keeper.journal.breakers()[vault.address]
    assert GLOBAL not in keeper.journal.breakers() and keeper.journal.failures() == 0
    assert world.nonce() == nonce


def test_cycle__oracle_jump_on_a_token_two_vaults_hold__trips_both_vaults(world, tmp_path):
    first, second = world.create_vault(), world.create_vault()
    keeper = world.keeper(tmp_path, [first, second])
    keeper.cycle()  # in band; prices remembered
    world.move_price(WETH, 3_000)  # +50 %

    report = keeper.cycle()

    assert report.sent == []
    assert set(keeper.journal.breakers()) == {first.address, second.address}
