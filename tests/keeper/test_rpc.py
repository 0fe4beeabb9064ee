"""keeper.rpc.Rpc against a tiny threaded HTTP stub: results, JSON-RPC errors, batches answered out of order, and
transport failures (a closed connection, a non-JSON body, a late answer, a refused batch, a lost answer) retried
exactly `retries` times with every attempt counted in `round_trips`."""

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from eth_abi import encode
from fixtures.anvil import free_port

from keeper.chain import symbol_text
from keeper.errors import RpcError, RpcTransportError
from keeper.rpc import Rpc

TIMEOUT = 0.2  # seconds the client waits in these tests
LATE = 0.5  # seconds a "late" stub waits before answering: past TIMEOUT
CLOSE = None  # what a responder returns to close the connection without answering


class StubNode:
    """Answers each POST with `respond(payload)`: bytes to send back, or CLOSE. Every payload received is kept."""

    def __init__(self):
        self.received: list = []
        self.respond: Callable[[list | dict], bytes | None] = answer_each(lambda call: call["method"])
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", free_port()), self._handler())
        self._server.daemon_threads = True
        self._server.handle_error = lambda *_: None  # a late answer to a client that gave up is expected here
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, args=(0.01,), daemon=True).start()

    @property
    def attempts(self) -> int:
        with self._lock:
            return len(self.received)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self):
        node = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_):
                pass

            def do_POST(self):
                payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with node._lock:
                    node.received.append(payload)
                body = node.respond(payload)
                if body is CLOSE:
                    self.close_connection = True
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler


def answer_each(result_of: Callable[[dict], object], reverse: bool = False) -> Callable[[list], bytes]:
    """A responder answering every call of a batch with `{"result": result_of(call)}`, optionally in reverse order."""

    def respond(payload: list) -> bytes:
        answers = [{"jsonrpc": "2.0", "id": call["id"], "result": result_of(call)} for call in payload]
        return json.dumps(answers[::-1] if reverse else answers).encode()

    return respond


def error(call: dict, code: int, message: str, data=None) -> dict:
    body = {"code": code, "message": message} | ({"data": data} if data is not None else {})
    return {"jsonrpc": "2.0", "id": call["id"], "error": body}


@pytest.fixture
def node():
    stub = StubNode()
    yield stub
    stub.close()


@pytest.fixture
def make_rpc(node):
    def make(retries: int = 2) -> Rpc:
        return Rpc(node.url, timeout=TIMEOUT, retries=retries, backoff=0)

    return make


# --- call -------------------------------------------------------------------------------------------------------------


def test_call__node_answers_result__returns_it_in_one_round_trip(node, make_rpc):
    node.respond = answer_each(lambda call: f"{call['method']}:{call['params'][0]}")
    rpc = make_rpc()

    assert rpc.call("eth_chainId", ["x"]) == "eth_chainId:x"
    assert rpc.round_trips == 1
    assert node.received == [[{"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": ["x"]}]]


def test_call__node_answers_jsonrpc_error__raises_rpc_error_with_code_message_data_without_retry(node, make_rpc):
    node.respond = lambda payload: json.dumps([error(payload[0], 3, "execution reverted", "0x08c379a0")]).encode()
    rpc = make_rpc(retries=2)

    with pytest.raises(RpcError, match=r"^eth_call failed: execution reverted \(code 3\)$") as raised:
        rpc.call("eth_call", [{}, "latest"])

    assert (raised.value.method, raised.value.code, raised.value.message) == ("eth_call", 3, "execution reverted")
    assert raised.value.data == "0x08c379a0"
    assert node.attempts == 1 and rpc.round_trips == 1


def test_call__error_data_not_a_string__rpc_error_data_is_none(node, make_rpc):
    node.respond = lambda payload: json.dumps([error(payload[0], -32000, "odd", {"nested": 1})]).encode()

    with pytest.raises(RpcError, match=r"^eth_call failed: odd \(code -32000\)$") as raised:
        make_rpc().call("eth_call", [])

    assert raised.value.data is None


# --- batch ------------------------------------------------------------------------------------------------------------


def test_batch__answers_out_of_order__results_in_request_order(node, make_rpc):
    node.respond = answer_each(lambda call: call["params"][0], reverse=True)
    rpc = make_rpc()

    assert rpc.batch([("eth_a", [1]), ("eth_b", [2]), ("eth_c", [3])]) == [1, 2, 3]
    assert rpc.round_trips == 1


def test_batch__answers_in_order__results_in_request_order(node, make_rpc):
    node.respond = answer_each(lambda call: call["params"][0])

    assert make_rpc().batch([("eth_a", [1]), ("eth_b", [2]), ("eth_c", [3])]) == [1, 2, 3]


def test_batch__some_calls_fail__rpc_error_instances_in_place_not_raised(node, make_rpc):
    def respond(payload: list) -> bytes:
        answers = [
            error(call, -32000, f"bad {call['params'][0]}") if call["params"][0] % 2 else
            {"jsonrpc": "2.0", "id": call["id"], "result": call["params"][0]}
            for call in payload
        ]  # fmt: skip
        return json.dumps(answers[::-1]).encode()

    node.respond = respond

    results = make_rpc().batch([("eth_a", [0]), ("eth_b", [1]), ("eth_c", [2])])

    assert results[0] == 0 and results[2] == 2
    assert isinstance(results[1], RpcError)
    assert (results[1].method, results[1].code, results[1].message) == ("eth_b", -32000, "bad 1")


def test_batch__no_requests__returns_empty_without_round_trip(node, make_rpc):
    rpc = make_rpc()

    assert rpc.batch([]) == []
    assert rpc.round_trips == 0 and node.attempts == 0


def test_batch__whole_batch_error_object__raises_transport_error_after_retries(node, make_rpc):
    refusal = {"jsonrpc": "2.0", "id": None, "error": {"code": -32600, "message": "batch too large"}}
    node.respond = lambda payload: json.dumps(refusal).encode()
    rpc = make_rpc(retries=1)
    message = r"refused the batch: \{'code': -32600, 'message': 'batch too large'\}$"

    with pytest.raises(RpcTransportError, match=message):
        rpc.batch([("eth_a", []), ("eth_b", [])])

    assert node.attempts == 2 and rpc.round_trips == 2


def test_batch__answer_missing_an_id__raises_transport_error(node, make_rpc):
    node.respond = lambda payload: answer_each(lambda call: 0)(payload[:1])
    rpc = make_rpc(retries=0)

    with pytest.raises(RpcTransportError, match=r"answered 1 of 2 requests$"):
        rpc.batch([("eth_a", []), ("eth_b", [])])

    assert node.attempts == 1 and rpc.round_trips == 1


def test_batch__answer_with_an_unknown_id__raises_transport_error(node, make_rpc):
    node.respond = lambda payload: json.dumps([{"jsonrpc": "2.0", "id": 999, "result": 0}]).encode()

    with pytest.raises(RpcTransportError, match=r"answered 1 of 1 requests$"):
        make_rpc(retries=0).batch([("eth_a", [])])


# --- transport failures, retried -------------------------------------------------------------------------------------


def _late(payload: list) -> bytes:
    time.sleep(LATE)
    return answer_each(lambda call: 0)(payload)


@pytest.mark.parametrize(
    "respond, message",
    [
        (lambda payload: CLOSE, r"is unreachable: ConnectionError$"),
        (lambda payload: b"<html>502 Bad Gateway</html>", r"is unreachable: JSONDecodeError$"),
        (_late, rf"did not answer within {TIMEOUT} s$"),
    ],
    ids=["closed", "not-json", "late"],
)
@pytest.mark.parametrize("retries", [0, 2])
def test_call__transport_failure__raises_after_retries_plus_one_attempts(node, make_rpc, respond, message, retries):
    node.respond = respond
    rpc = make_rpc(retries=retries)

    with pytest.raises(RpcTransportError, match=message):
        rpc.call("eth_blockNumber", [])

    assert node.attempts == retries + 1
    assert rpc.round_trips == retries + 1


def test_call__transport_failure_then_answer__retries_and_returns_it(node, make_rpc):
    script = iter(["close", "garbage", "answer"])

    def respond(payload: list) -> bytes | None:
        step = next(script)
        if step == "close":
            return CLOSE
        return b"garbage" if step == "garbage" else answer_each(lambda call: "0x1")(payload)

    node.respond = respond
    rpc = make_rpc(retries=2)

    assert rpc.call("eth_blockNumber", []) == "0x1"
    assert node.attempts == 3 and rpc.round_trips == 3
    assert [payload[0]["id"] for payload in node.received] == [1, 2, 3]  # each attempt numbers its requests anew


def test_call__node_unreachable__raises_transport_error_counting_every_attempt():
    rpc = Rpc(f"http://127.0.0.1:{free_port()}", timeout=TIMEOUT, retries=3, backoff=0)

    with pytest.raises(RpcTransportError, match=r"is unreachable: ConnectionError$"):
        rpc.call("eth_blockNumber", [])

    assert rpc.round_trips == 4


def test_call__json_null_answer__raises_transport_error(node, make_rpc):
    node.respond = lambda payload: b"null"

    with pytest.raises(RpcTransportError, match=r"answered something that is not JSON-RPC: None$"):
        make_rpc(retries=0).call("eth_blockNumber", [])


# --- symbols a stranger's token may answer ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer, shown",
    [
        ("0x" + encode(["string"], ["USDC"]).hex(), "USDC"),
        ("0x" + b"MKR".ljust(32, b"\0").hex(), "MKR"),  # bytes32, as Maker's token answers
        ("0x" + encode(["string"], ["A" * 500]).hex(), "A" * 16),
        ("0x" + encode(["string"], ["EV\nIL sent"]).hex(), "EVILsent"),
        ("0x1234", "0xAbCd12"),
    ],
    ids=["string", "bytes32", "long", "line-break", "garbage"],
)  # fmt: skip
def test_symbol_text__any_answer__short_printable_name_or_the_address(answer, shown):
    assert symbol_text(answer, "0xAbCd1234" + "00" * 16) == shown
