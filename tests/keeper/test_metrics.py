"""keeper.metrics.Metrics: samples update and read back through `value()`, each instance has its own registry, and
`serve` exposes them over HTTP."""

import requests
from prometheus_client import generate_latest
from fixtures.anvil import free_port

from keeper.metrics import Metrics


def test_value__counters_incremented__read_back():
    metrics = Metrics()

    metrics.cycles.inc()
    metrics.cycles.inc()
    metrics.trades.labels(outcome="sent").inc()
    metrics.trades.labels(outcome="failed").inc(3)
    metrics.gas_spent.inc(21_000 * 10**9)
    metrics.rpc_round_trips.inc(5)
    metrics.reorgs.inc()

    assert metrics.value("keeper_cycles_total") == 2
    assert metrics.value("keeper_trades_total", outcome="sent") == 1
    assert metrics.value("keeper_trades_total", outcome="failed") == 3
    assert metrics.value("keeper_gas_spent_wei_total") == 21_000 * 10**9
    assert metrics.value("keeper_rpc_round_trips_total") == 5
    assert metrics.value("keeper_reorgs_total") == 1


def test_value__never_set__zero():
    metrics = Metrics()

    assert metrics.value("keeper_cycles_total") == 0
    assert metrics.value("keeper_trades_total", outcome="sent") == 0
    assert metrics.value("keeper_breaker_tripped", scope="global") == 0


def test_value__gauges_set__latest_value_per_label():
    metrics = Metrics()

    metrics.drift.labels(vault="0xA").set(250)
    metrics.drift.labels(vault="0xA").set(120)
    metrics.drift.labels(vault="0xB").set(40)
    metrics.breaker.labels(scope="global").set(1)

    assert metrics.value("keeper_drift_bps", vault="0xA") == 120
    assert metrics.value("keeper_drift_bps", vault="0xB") == 40
    assert metrics.value("keeper_breaker_tripped", scope="global") == 1


def test_value__other_label__not_counted():
    metrics = Metrics()

    metrics.trades.labels(outcome="sent").inc()

    assert metrics.value("keeper_trades_total", outcome="mined") == 0


def test_metrics__two_instances__samples_not_shared():
    first, second = Metrics(), Metrics()

    first.cycles.inc()
    second.trades.labels(outcome="sent").inc(2)

    assert (first.value("keeper_cycles_total"), second.value("keeper_cycles_total")) == (1, 0)
    assert (first.value("keeper_trades_total", outcome="sent"), second.value("keeper_trades_total", outcome="sent")) == (
        0, 2)  # fmt: skip


def test_serve__free_port__answers_metrics_over_http():
    metrics = Metrics()
    metrics.cycles.inc(7)
    port = free_port()

    metrics.serve(port)
    answer = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5)

    assert answer.status_code == 200
    assert "keeper_cycles_total 7.0" in answer.text.splitlines()


def test_metrics__fresh_keeper__trade_breaker_and_failed_cycle_series_exposed_at_zero():
    exposed = generate_latest(Metrics().registry).decode().splitlines()

    for outcome in ("sent", "mined", "failed", "skipped", "replaced", "cancelled", "stuck"):
        assert f'keeper_trades_total{{outcome="{outcome}"}} 0.0' in exposed
    assert 'keeper_breaker_tripped{scope="global"} 0.0' in exposed
    assert "keeper_cycles_failed_total 0.0" in exposed
