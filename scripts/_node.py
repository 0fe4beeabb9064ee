"""`make chain`'s helper (plain Python, no ape): is a JSON-RPC node answering at a URL, wait for one to come up or
go down. `python scripts/_node.py up|wait|down URL`; exit status 0 when the condition holds."""

import json
import sys
import time
import urllib.request


def answers(url: str) -> bool:
    request = urllib.request.Request(
        url, json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}).encode(),
        {"Content-Type": "application/json"},
    )  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=1) as response:
            return "result" in json.loads(response.read())
    except (OSError, ValueError):
        return False


def main(command: str, url: str, timeout: float = 20.0) -> int:
    if command == "up":
        return 0 if answers(url) else 1
    deadline = time.monotonic() + timeout
    while answers(url) != (command == "wait"):
        if time.monotonic() > deadline:
            print(f"the node at {url} did not {'start' if command == 'wait' else 'stop'} within {timeout:.0f} s")
            return 1
        time.sleep(0.1)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
