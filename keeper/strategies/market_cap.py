"""Market-cap weighting: the largest N of the vault's components, weighted by market cap, each at most a cap.

Market caps come from a source: a JSON file (`StaticMarketCaps`, a dated snapshot ships in `keeper/data/`) or a
URL answering the same JSON (`HttpMarketCaps`). The JSON is {symbol: whole USD}; keys starting with "_" are notes.
"""

import json
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Protocol

from keeper.state import BPS
from keeper.strategies.base import Strategy, StrategyError, StrategyInput, apportion


class MarketCapSource(Protocol):
    """Anything that answers {symbol: market cap in whole USD}."""

    def market_caps(self) -> Mapping[str, int]: ...


def parse_market_caps(text: str, where: str) -> dict[str, int]:
    """{symbol: USD} from JSON `text`, skipping "_" notes; a StrategyError naming `where` when it is not that."""
    try:
        # Decimal, not float: caps stay exact integers (fractions of a dollar are dropped).
        raw = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as error:
        raise StrategyError(f"market caps from {where} are not valid JSON: {error}") from None
    if not isinstance(raw, dict):
        raise StrategyError(f"market caps from {where} must be a JSON object {{symbol: USD}}")
    caps = {}
    for symbol, value in raw.items():
        if symbol.startswith("_"):
            continue
        if isinstance(value, bool) or not isinstance(value, int | Decimal) or value <= 0:
            raise StrategyError(f"market cap of {symbol} from {where} must be a positive number of USD, got {value!r}")
        caps[symbol] = int(value)
    return caps


class StaticMarketCaps:
    """Market caps from a JSON file, read at every call so an operator's edit counts at the next decision."""

    def __init__(self, path: str | Path | None = None):
        # The default is a dated snapshot shipped with the package; point `path` at something fresher.
        self.path = path

    def market_caps(self) -> dict[str, int]:
        if self.path is None:
            resource = resources.files("keeper") / "data" / "market_caps.json"
            return parse_market_caps(resource.read_text(encoding="utf-8"), "the bundled keeper/data/market_caps.json")
        try:
            text = Path(self.path).read_text(encoding="utf-8")
        except OSError as error:
            raise StrategyError(f"cannot read market caps from {self.path}: {error.strerror or error}") from None
        return parse_market_caps(text, str(self.path))


class HttpMarketCaps:
    """Market caps from a URL answering {symbol: USD} JSON, fetched at every call (never on import)."""

    def __init__(self, url: str, timeout: float = 10.0):
        self.url = url
        self.timeout = timeout

    def market_caps(self) -> dict[str, int]:
        try:
            with urllib.request.urlopen(self.url, timeout=self.timeout) as response:
                text = response.read().decode("utf-8")
        except TimeoutError:
            raise StrategyError(f"market caps from {self.url} did not arrive within {self.timeout} s") from None
        except urllib.error.HTTPError as error:
            raise StrategyError(f"market caps from {self.url}: HTTP {error.code} {error.reason}") from None
        except urllib.error.URLError as error:
            if isinstance(error.reason, TimeoutError):
                raise StrategyError(f"market caps from {self.url} did not arrive within {self.timeout} s") from None
            raise StrategyError(f"cannot reach {self.url} for market caps: {error.reason}") from None
        except UnicodeDecodeError:
            raise StrategyError(f"market caps from {self.url} are not UTF-8 text") from None
        return parse_market_caps(text, self.url)


def cap_weights(values: Sequence[int], cap_bps: int) -> tuple[int, ...]:
    """Positive `values` as bps summing to 10 000 in proportion, none above `cap_bps` (iterative capping).

    Weights above the cap are clipped to it and the excess goes to the others pro rata to their values; that can
    push another over the cap, so repeat until none is. It ends: each round caps at least one more, and not all
    can be over the cap while cap_bps * len(values) >= 10 000.
    """
    if cap_bps * len(values) < BPS:
        raise StrategyError(f"{len(values)} components capped at {cap_bps} bps each cannot add up to {BPS} bps")
    capped: set[int] = set()
    while True:
        free = [i for i in range(len(values)) if i not in capped]
        shares = apportion([values[i] for i in free], BPS - cap_bps * len(capped))
        # Rounding never lifts a share over the cap: a share is at most its exact value rounded up, cap is whole.
        over = [i for i, share in zip(free, shares) if share > cap_bps]
        if not over:
            weights = [cap_bps] * len(values)
            for i, share in zip(free, shares):
                weights[i] = share
            return tuple(weights)
        capped.update(over)


class MarketCapTopN(Strategy):
    """The `top_n` components with the largest market caps, weighted by cap, each at most `cap_bps`; 0 for the rest.

    Ties in market cap go to the component earlier in the basket. A component the source does not know is a
    StrategyError naming it: weighting it zero silently would sell it.
    """

    name = "market-cap"

    def __init__(self, top_n: int = 10, cap_bps: int = BPS, source: MarketCapSource | None = None):
        if top_n < 1:
            raise StrategyError(f"top_n must be at least 1, got {top_n}")
        if not 0 < cap_bps <= BPS:
            raise StrategyError(f"cap_bps must be in (0, {BPS}], got {cap_bps}")
        self.top_n = top_n
        self.cap_bps = cap_bps
        self.source = source if source is not None else StaticMarketCaps()

    def targets(self, data: StrategyInput) -> tuple[int, ...]:
        caps = self.source.market_caps()
        missing = [symbol for symbol in data.symbols if symbol not in caps]
        if missing:
            raise StrategyError(f"no market cap for {', '.join(missing)} in the market-cap source")
        count = min(self.top_n, len(data.symbols))
        ranked = sorted(range(len(data.symbols)), key=lambda i: (-caps[data.symbols[i]], i))[:count]
        weights = [0] * len(data.symbols)
        for i, weight in zip(ranked, cap_weights([caps[data.symbols[i]] for i in ranked], self.cap_bps)):
            weights[i] = weight
        return tuple(weights)
