"""`make chain`'s helper (plain Python, no ape): is a JSON-RPC node answering at a URL, wait for one to come up or
go down, and resume a restarted chain's clock. `python scripts/_node.py up|wait|down|resume URL`; exit status 0 when
the condition holds.

`resume`: anvil saves blocks and balances in its state file but not the offset that `evm_increaseTime` (a timelock
warp) added to its clock, so a restarted chain would mine its next block before its last one; time going backwards
breaks every contract that measures elapsed time (a vault's fee accrual reverts). It moves the clock to just after
the last block when that block is in the future.
"""

import json
import sys
import time
import urllib.request


def call(url: str, method: str, params: list):
    request = urllib.request.Request(
        url, json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).encode(),
        {"Content-Type": "application/json"},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())["result"]


def answers(url: str) -> bool:
    try:
        return call(url, "eth_chainId", []) is not None
    except (OSError, ValueError, KeyError):
        return False


def resume(url: str) -> int:
    last = int(call(url, "eth_getBlockByNumber", ["latest", False])["timestamp"], 16)
    ahead = last - int(time.time()) + 1
    if ahead > 1:  # a fresh chain's block 0 is "now": nothing to resume
        call(url, "evm_increaseTime", [ahead])
        print(f"the chain's clock resumes after its last block ({ahead:,} s ahead of this machine's)")
    return 0


def main(command: str, url: str, timeout: float = 20.0) -> int:
    if command == "resume":
        return resume(url)
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
