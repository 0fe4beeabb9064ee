"""Prometheus metrics for the keeper, in their own registry (so tests and several keepers in one process don't mix)."""

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

from keeper.journal import GLOBAL

# Every outcome a trade can have: each series exists at 0 from start, so a dashboard's rate() and an alert on
# `keeper_trades_total{outcome="failed"}` work before the first failure.
TRADE_OUTCOMES = ("sent", "mined", "failed", "skipped", "replaced", "cancelled", "stuck")


class Metrics:
    """Cycles, trades by outcome, drift per vault, gas spent, breakers, RPC round trips and reorgs."""

    def __init__(self, registry: CollectorRegistry | None = None):
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.cycles = Counter("keeper_cycles", "Keeper cycles completed", registry=r)
        self.cycles_failed = Counter(
            "keeper_cycles_failed", "Keeper cycles that failed (node unreachable, a read refused)", registry=r
        )
        self.cycle_seconds = Histogram("keeper_cycle_seconds", "Wall time of one cycle over every vault", registry=r)
        self.trades = Counter(
            "keeper_trades",
            "Transactions by outcome: sent, mined, failed, skipped, replaced, cancelled, stuck",
            ["outcome"],
            registry=r,
        )
        self.drift = Gauge("keeper_drift_bps", "Largest |weight - target| of a vault, bps", ["vault"], registry=r)
        self.gas_spent = Counter("keeper_gas_spent_wei", "Wei paid for the keeper's final transactions", registry=r)
        self.breaker = Gauge("keeper_breaker_tripped", "1 while a breaker stops trading", ["scope"], registry=r)
        self.rpc_round_trips = Counter("keeper_rpc_round_trips", "HTTP requests to the node", registry=r)
        self.reorgs = Counter("keeper_reorgs", "Mined keeper transactions later missing from the chain", registry=r)
        for outcome in TRADE_OUTCOMES:
            self.trades.labels(outcome=outcome)
        self.breaker.labels(scope=GLOBAL).set(0)

    def serve(self, port: int) -> None:
        """Expose /metrics on `port` from a background thread."""
        start_http_server(port, registry=self.registry)

    def value(self, name: str, **labels: str) -> float:
        """A sample's current value (0 when never set): for `keeper status` and the tests."""
        return self.registry.get_sample_value(name, labels or None) or 0.0
