"""Every error the keeper raises on purpose derives from `KeeperError` and says, in a sentence, what went wrong."""


class KeeperError(Exception):
    """Base class: catch this to handle any keeper failure the operator should read."""


class ConfigError(KeeperError):
    """The settings or command-line arguments cannot work (bad address, missing account, bad number)."""


class RpcTransportError(KeeperError):
    """The node could not be reached or did not answer in time: safe to retry."""


class RpcError(KeeperError):
    """The node answered with a JSON-RPC error (a revert, a rejected transaction): retrying will not help."""

    def __init__(self, method: str, code: int, message: str, data: str | None = None):
        self.method, self.code, self.message, self.data = method, code, message, data
        super().__init__(f"{method} failed: {message} (code {code})")


class SimulationFailed(KeeperError):
    """A transaction reverted in simulation, so it was not sent."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(f"simulation reverted: {reason}")


class BreakerTripped(KeeperError):
    """A circuit breaker stopped trading; an operator must look and reset it (`keeper reset`)."""
