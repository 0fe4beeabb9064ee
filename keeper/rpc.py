"""A small JSON-RPC client: single calls and batches over one HTTP session, counting round trips.

Transport failures (refused, reset, timed out, a non-JSON answer) raise `RpcTransportError` and are retried with
backoff; a JSON-RPC error (a revert, a rejected transaction) raises `RpcError` at once. Batching is how the keeper
stays within two round trips per vault: a cycle reads every vault in one batch and sends in one batch.
"""

import itertools
import time
from collections.abc import Callable, Sequence
from typing import Any

import requests

from keeper.errors import RpcError, RpcTransportError

Request = tuple[str, list]


class Rpc:
    """JSON-RPC over HTTP to one node. `round_trips` counts HTTP requests, retries included."""

    def __init__(self, url: str, timeout: float = 5.0, retries: int = 3, backoff: float = 0.2):
        self.url, self.timeout, self.retries, self.backoff = url, timeout, retries, backoff
        self.round_trips = 0
        self._session = requests.Session()
        self._ids = itertools.count(1)

    def call(self, method: str, params: list) -> Any:
        """The result of one request; RpcError if the node answers with an error."""
        (response,) = self._with_retries(lambda: self._post([(method, params)]))
        return _result(method, response)

    def batch(self, requests_: Sequence[Request]) -> list[Any]:
        """Results (or `RpcError` instances, not raised) for each request, in order, in one round trip."""
        if not requests_:
            return []
        responses = self._with_retries(lambda: self._post(requests_))
        results: list[Any] = []
        for (method, _), response in zip(requests_, responses, strict=True):
            try:
                results.append(_result(method, response))
            except RpcError as error:
                results.append(error)
        return results

    def _with_retries(self, send: Callable[[], list[dict]]) -> list[dict]:
        for attempt in range(self.retries + 1):
            try:
                return send()
            except RpcTransportError:
                if attempt == self.retries:
                    raise
                time.sleep(self.backoff * 2**attempt)
        raise AssertionError("unreachable")

    def _post(self, requests_: Sequence[Request]) -> list[dict]:
        ids = [next(self._ids) for _ in requests_]
        body = [{"jsonrpc": "2.0", "id": i, "method": m, "params": p} for i, (m, p) in zip(ids, requests_)]
        self.round_trips += 1
        try:
            http = self._session.post(self.url, json=body, timeout=self.timeout)
            http.raise_for_status()
            answers = http.json()
        except requests.Timeout:
            raise RpcTransportError(f"{self.url} did not answer within {self.timeout} s") from None
        except (requests.RequestException, ValueError) as error:
            raise RpcTransportError(f"{self.url} is unreachable: {type(error).__name__}") from None
        if isinstance(answers, dict):  # a node rejecting the whole batch answers with one error object
            raise RpcTransportError(f"{self.url} refused the batch: {answers.get('error')}")
        if not isinstance(answers, list):
            raise RpcTransportError(f"{self.url} answered something that is not JSON-RPC: {str(answers)[:80]}")
        by_id = {answer.get("id"): answer for answer in answers}
        if set(by_id) != set(ids):
            raise RpcTransportError(f"{self.url} answered {len(answers)} of {len(ids)} requests")
        return [by_id[i] for i in ids]


def _result(method: str, response: dict) -> Any:
    if "error" in response:
        error = response["error"]
        data = error.get("data")
        raise RpcError(method, error.get("code", 0), error.get("message", ""), data if isinstance(data, str) else None)
    return response["result"]
