"""The README's shell commands, exactly as written, in README order, the way a newcomer runs them on a fresh clone.

Every line of every ```sh block is one command (a trailing backslash continues it). They run in a copy of the
working tree (tracked and new files, mtimes kept, `.venv` and `node_modules` linked, `.build` copied), so the
deployment files, `pause.json` and `build/chain/` they write never touch the checkout. The environment differs from a
newcomer's in what the README itself documents:
- the persistent chain is on a free port instead of 8545 (`CHAIN_PORT`, `APE_FOUNDRY_HOST`, `KEEPER_RPC_URL`), so a
  chain of the developer's own is never touched, and so is `make app`'s page (`APP_PORT`);
- ape's data folder (`APE_DATA_FOLDER`) is a temporary one, so `ape accounts import deployer` adds to no real
  keystore; it is fed test account 5's key and a passphrase on stdin, and `APE_ACCOUNTS_deployer_PASSPHRASE` holds it;
- the one public-network command, the Sepolia deploy, runs exactly as written with `SEPOLIA_RPC_URL` pointing at a
  second, local anvil that has Sepolia's chain id (11155111) and Uniswap's Router02 code at Router02's Sepolia
  address; ape's Sepolia network waits for no confirmations there (`APE_ETHEREUM_SEPOLIA`);
- `make demo` runs two simulated weeks (`DEMO_WEEKS=2`);
- every prompt is answered "y" on stdin (mint, redeem and the public deploy ask before sending).
Not run: `make test` (this test is part of it) and the commands that run parts of it (`ape test ...`), and
`make bench` (minutes of benchmarks, and Set Protocol's artifacts fetched from npm): `SKIPPED` says why for each.
`NOT_RUNNABLE_AS_WRITTEN` would list, word for word, a command that holds placeholders; it is empty, and the test
fails if one appears without being listed.

Beside the walk-through, on the same chain: scripts refuse a throwaway anvil and another chain, the keeper refuses
another chain, a redeem's gas limit covers the fee-accrual path that an estimate taken after another accrual in the
same block misses, and `keeper backtest` works from any folder without a duplicate row.
"""

import json
import os
import re
import shutil
import signal
import subprocess
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from fixtures.anvil import free_port

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
SEPOLIA_CHAIN_ID = 11155111
SEPOLIA_ROUTER02 = "0xeE567Fe1712Faf6149d80dA1E6934E354124CfE3"
DEPLOYER_KEY = "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba"  # TEST::5 (anvil funds it)
PASSPHRASE = "readme-test"

# Commands that are not run, each with the reason.
SKIPPED = {
    "make test-fast": "a part of `make test`",
    "make test": "the whole suite, of which this test is a part",
    "ape test": "a part of `make test`",
    "HYPOTHESIS_PROFILE=": "a part of `make test` under another Hypothesis profile (deep: hours)",
    "make bench": "the benchmarks: minutes, and Set Protocol's artifacts fetched from npm",
}
# Commands that hold placeholders and so cannot run as written, word for word (none today).
NOT_RUNNABLE_AS_WRITTEN: set[str] = set()
# What a command must print (besides exiting 0): the README's claims, checked.
EXPECT = {
    "make chain-stop && make chain": ["chain stopped", "chain running"],
    "make chain": ["chain running on 127.0.0.1:"],
    "make app": ["deployments: ethereum-local", "serving the page on http://127.0.0.1:"],
    "make demo": ["== 1. deploy", "== 2. create two indices", "== 3.", "== 4. every trade", "== 5. holdings",
                  "== 6. alice redeems", "== 7. a wallet holding only USDC mints and redeems through the zap",
                  "in one zap transaction", "== 8. a compliant income index",
                  "ERC-1404 code", "dividend #1", "vote: for", "== chart:", " MMOM ", " DPL "],
    "ape accounts import deployer": ["has been added with the id 'deployer'"],
    'ape run deploy --network "ethereum:sepolia:': ["wrote deployments/ethereum-sepolia.json"],
    "ape run deploy --network ethereum:local:foundry": ["wrote deployments/ethereum-local.json", "tokens  USDC"],
    "ape run create_index examples/defi.yaml": ["DPL.policy"],
    "ape run create_index examples/income.yaml": ["index  0x", "registry governance offered to"],
    "ape run governor deploy --token CINC": ["recorded CINC in deployments/ethereum-local.governors.json"],
    "ape run governor handover": ["governance to timelock"],
    "ape run compliance register": ["registered 0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc as identity 1 (country 276)"],
    "ape run compliance check": ["mint of 1 CINC: refused: recipient not verified (ERC-1404 code 4)",
                                 "0x976EA74026E726554dB657fA54763abd0C3a0aa9: not registered"],
    "ape run faucet --network ethereum:local:foundry --account TEST::5 --vault CINC": [
        "USDC to 0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc", "WETH to 0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc",
        "WBTC to 0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc"],
    "ape run mint   --network ethereum:local:foundry --account TEST::5 --vault CINC": [
        "minted 10 CINC", "balance 10 CINC"],
    "ape run dividends distribute": ["distribution 1: 1,000 USDC to 10 CINC"],
    "ape run dividends status": ["claimable 1,000 USDC"],
    "ape run dividends claim": ["claimed distribution 1: 1,000 USDC"],
    "ape run governor delegate": ["0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc now delegates its votes on"],
    "ape run governor propose index.accept_governance": ["proposed 0xb14a55eace290baa686504919b947cdc154d9391c4071855a8a3674b46720522: voting from block"],
    "ape run warp --network ethereum:local:foundry --blocks": ["blocks: now block"],
    "ape run governor vote": ["voted for: for 10000000000000000000, against 0"],
    "ape run governor queue": ["queued 0xb14a55eace290baa686504919b947cdc154d9391c4071855a8a3674b46720522: executable from"],
    "ape run governor execute": ["executed 0xb14a55eace290baa686504919b947cdc154d9391c4071855a8a3674b46720522"],
    "ape run faucet": ["minted 40 UNI"],
    "ape run redeem --network ethereum:local:foundry --account TEST::4 --vault DPL --amount 0.5 --to USDC": [
        "UNI -> USDC", "oracle prices", "redeemed 0.5 DPL for"],
    "ape run mint   --network ethereum:local:foundry --account TEST::4 --vault DPL --amount 0.4 --with USDC": [
        "USDC -> UNI", "slippage", "minted 0.4 DPL through the zap"],
    "ape run mint": ["minted 1.5 DPL"],
    "ape run redeem": ["redeemed 1 DPL"],
    "ape run governance propose": ["queued set_fees: id 0x76ad502cdca22c710cc9e978607988f63a32496f20994cdaa1f1d207085fed74"],
    "ape run governance list --address DPL --address DPL.policy": ["set_fees(management_fee=50, mint_fee=10, redeem_fee=10)", "waiting"],
    "ape run governance cancel": ["cancelled set_fees"],
    "ape run warp": ["refreshed 12 feeds"],
    "ape run governance execute": ["executed set_fees"],
    "ape run governance call policy.pause_rebalance": ["wrote pause.json"],
    "keeper plan --deployment": ["DPL"],
    "keeper run  --deployment": [],
    "keeper reset": ["cleared"],
    "keeper backtest --strategy momentum --strategy equal-weight": ["momentum", "equal-weight"],
    "ape run governance list --address DPL --network": ["nothing queued"],
}  # fmt: skip
NOISE = ("RuntimeWarning", "found in sys.modules", "IncompleteFieldDefinitionWarning", "Traceback")


@dataclass
class Command:
    section: str
    text: str


def readme_commands(text: str) -> list[Command]:
    """Every command line of every ```sh block, continuations joined, with the section it is under."""
    commands, section, block = [], "", None
    for line in text.splitlines():
        if line.startswith("## "):
            section = line[3:]
        if line.startswith("```"):
            block = [] if block is None and line.strip() == "```sh" else None
            continue
        if block is None or not line.strip() or line.lstrip().startswith("#"):
            continue
        if commands and commands[-1].text.endswith("\\"):
            commands[-1].text = commands[-1].text[:-1].rstrip() + " " + line.strip()
        else:
            commands.append(Command(section, line.strip()))
    return commands


def skip_reason(command: Command) -> str | None:
    return next((why for prefix, why in SKIPPED.items() if command.text.startswith(prefix)), None)


def expected(command: Command) -> list[str]:
    return next((out for prefix, out in EXPECT.items() if command.text.startswith(prefix)), [])


def rpc(url: str, method: str, params: list):
    request = urllib.request.Request(url, json.dumps({"jsonrpc": "2.0", "id": 1, "method": method,
                                                      "params": params}).encode(), {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as response:
        answer = json.loads(response.read())
    assert "error" not in answer, f"{method}: {answer['error']}"
    return answer["result"]


def copy_checkout(destination: Path) -> None:
    """The working tree's tracked and new files (mtimes kept, so make sees nothing to rebuild), `.build` copied,
    `.venv` and `node_modules` linked."""
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, check=True,
                           capture_output=True, text=True).stdout.splitlines()  # fmt: skip
    for name in files:
        source = ROOT / name
        if source.is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)
    shutil.copytree(ROOT / ".build", destination / ".build", copy_function=shutil.copy2)
    for name in (".venv", "node_modules"):
        (destination / name).symlink_to(ROOT / name)


@pytest.fixture(scope="module")
def sepolia_standin(tmp_path_factory):
    """Where SEPOLIA_RPC_URL points: a local anvil with Sepolia's chain id and Router02's code at its Sepolia
    address."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    node = subprocess.Popen(
        [str(ROOT / "node_modules/.bin/anvil"), "--port", str(port), "--chain-id", str(SEPOLIA_CHAIN_ID),
         "--block-time", "1", "--silent"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        subprocess.run(["python", str(ROOT / "scripts/_node.py"), "wait", url], check=True)
        artifact = json.loads((ROOT / "node_modules/@uniswap/v2-periphery/build/UniswapV2Router02.json").read_text())
        rpc(url, "anvil_setCode", [SEPOLIA_ROUTER02, "0x" + artifact["evm"]["deployedBytecode"]["object"]])
        yield url
    finally:
        os.killpg(node.pid, signal.SIGTERM)
        node.wait(timeout=10)


@pytest.fixture(scope="module")
def newcomer(tmp_path_factory, sepolia_standin):
    """(checkout copy, environment), and the persistent chain stopped afterwards whatever happened."""
    # What `make test` did already: the copy then has nothing to install or compile.
    subprocess.run(["make", "setup", ".build/.compiled"], cwd=ROOT, check=True, capture_output=True)
    checkout = tmp_path_factory.mktemp("clone")
    copy_checkout(checkout)
    port = free_port()
    env = {
        **os.environ,
        "PATH": f"{ROOT / '.venv/bin'}:{ROOT / 'node_modules/.bin'}:{os.environ['PATH']}",
        "CHAIN_PORT": str(port),
        "APE_FOUNDRY_HOST": f"http://127.0.0.1:{port}",
        "KEEPER_RPC_URL": f"http://127.0.0.1:{port}",
        "APP_PORT": str(free_port()),
        "APE_DATA_FOLDER": str(tmp_path_factory.mktemp("ape")),
        "APE_ACCOUNTS_deployer_PASSPHRASE": PASSPHRASE,
        "SEPOLIA_RPC_URL": sepolia_standin,
        "APE_ETHEREUM_SEPOLIA": json.dumps({"required_confirmations": 0}),
        "DEMO_WEEKS": "2",
    }
    env.pop("VIRTUAL_ENV", None)
    try:
        yield checkout, env
    finally:
        subprocess.run(["make", "chain-stop"], cwd=checkout, env=env, capture_output=True, timeout=60)


def runs_until_stopped(command: Command) -> bool:
    """The keeper loop, the Silverback bot and `make app`'s page server run until stopped: started, watched, then
    stopped with SIGINT."""
    return command.text.startswith("silverback run") or " silverback run " in command.text or (
        command.text.startswith("keeper run") and "--cycles" not in command.text) or command.text == "make app"


# What a command that runs until stopped prints once it is up, and the page it then serves (`{app}`: make app's port,
# `{metrics}`: the keeper's --metrics-port) with a text that page must hold.
READY = {
    "make app": ("serving the page on http://127.0.0.1:", "http://127.0.0.1:{app}/", "<html"),
    "keeper run": (" read, ", "http://127.0.0.1:{metrics}/metrics", "keeper_cycles_total"),
    "silverback run": ("Startup complete", None, None),
}
READY_SECONDS = 90


def readiness(command: Command, env: dict) -> tuple[str, str | None, str | None]:
    key = next(prefix for prefix in READY if prefix in command.text)
    ready, url, page = READY[key]
    metrics = re.search(r"--metrics-port (\d+)", command.text)
    return ready, url and url.format(app=env["APP_PORT"], metrics=metrics and metrics.group(1)), page


def run_for_a_while(command: Command, checkout: Path, env: dict) -> subprocess.CompletedProcess:
    """Start a command that runs until stopped and wait until it says it is up (its first keeper cycle, the page
    server's address), then until what it serves answers; it must not have stopped by then. Then SIGINT (an
    operator's Ctrl-C), and its output; the exit code is 0 if it was up, served, and stopped cleanly."""
    process = subprocess.Popen(["bash", "-c", command.text], cwd=checkout, env=env, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    lines: list[str] = []  # extend() appends each line as the pipe yields it
    reader = threading.Thread(target=lines.extend, args=(process.stdout,), daemon=True)
    reader.start()
    ready, url, page = readiness(command, env)
    deadline, up, served = time.monotonic() + READY_SECONDS, False, False
    while process.poll() is None and time.monotonic() < deadline and not served:
        up = up or any(ready in line for line in lines)
        served = up and (url is None or served_page(url, page))
        time.sleep(0.2)
    early = process.poll()
    if early is None:
        os.killpg(process.pid, signal.SIGINT)
        process.wait(timeout=60)
    reader.join(timeout=10)  # the pipe closes with the process group: the reader has every line
    output = "".join(lines) + ("" if served else f"\n(test: not up and serving within {READY_SECONDS} s)")
    code = 1 if early is not None or not served else 0  # stopping on its own before it was stopped is a failure
    return subprocess.CompletedProcess(command.text, code, output, "")


def served_page(url: str, text: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200 and text in response.read().decode()
    except OSError:
        return False


def run(command: Command, checkout: Path, env: dict) -> subprocess.CompletedProcess:
    if runs_until_stopped(command):
        return run_for_a_while(command, checkout, env)
    answers = f"{DEPLOYER_KEY}\n{PASSPHRASE}\n{PASSPHRASE}\n" if "accounts import" in command.text else "y\n" * 20
    return subprocess.run(
        ["bash", "-c", command.text], cwd=checkout, env=env, input=answers, capture_output=True, text=True,
        timeout=300, start_new_session=True,  # no terminal: ape's hidden prompts read stdin
    )  # fmt: skip


def test_readme__every_command_as_written__succeeds_in_order(newcomer):
    checkout, env = newcomer
    commands = readme_commands(README.read_text())
    assert len(commands) >= 20, "the README lost its commands"
    gone = NOT_RUNNABLE_AS_WRITTEN - {c.text for c in commands}
    assert not gone, f"no longer in the README (remove from NOT_RUNNABLE_AS_WRITTEN): {gone}"
    outcomes = []
    for command in commands:
        if command.text in NOT_RUNNABLE_AS_WRITTEN:
            outcomes.append(f"NOT RUN  {command.text}  (placeholders)")
            continue
        if reason := skip_reason(command):
            outcomes.append(f"skipped  {command.text}  ({reason})")
            continue
        result = run(command, checkout, env)
        output = result.stdout + result.stderr
        shown = f"[{command.section}] {command.text}\n--- exit {result.returncode} ---\n{output[-4000:]}"
        assert result.returncode == 0, shown
        for text in expected(command):
            assert text in output, f"missing {text!r}:\n{shown}"
        noise = [line for line in output.splitlines() if any(n in line for n in NOISE)]
        assert not noise, f"warnings or a traceback:\n{shown}"
        outcomes.append(f"ok       {command.text}")
    print("\n".join(outcomes))
    assert (checkout / "build/demo/nav_per_share.png").stat().st_size > 10_000  # make demo's chart
    assert (checkout / "deployments/ethereum-sepolia.json").is_file()
    assert json.loads((checkout / "pause.json").read_text())["transactions"][0]["data"] is None
    # The holders' vote executed: the index's governance is now their TimelockController.
    cinc = json.loads((checkout / "deployments/ethereum-local.governors.json").read_text())["CINC"]
    governance = rpc(env["KEEPER_RPC_URL"], "eth_call", [{"to": cinc["token"], "data": "0x5aa6e675"}, "latest"])
    assert int(governance, 16) == int(cinc["timelock"], 16)


def test_scripts__no_chain_running__refuse_instead_of_a_throwaway_anvil(newcomer):
    checkout, env = newcomer
    nothing = {**env, "APE_FOUNDRY_HOST": f"http://127.0.0.1:{free_port()}"}

    result = run(Command("", "ape run governance list --address DPL --network ethereum:local:foundry"), checkout,
                 nothing)  # fmt: skip

    output = result.stdout + result.stderr
    assert result.returncode == 1 and "no local chain was running at" in output and "`make chain`" in output


def test_scripts_and_keeper__without_network_or_on_another_chain__refuse_in_one_sentence(newcomer, sepolia_standin):
    checkout, env = newcomer
    propose = ("ape run governance propose set_fees management_fee=40 mint_fee=10 redeem_fee=10 --address DPL "
               "--account TEST::1")  # fmt: skip

    scripts = run(Command("", propose), checkout, env)  # no --network: ape's in-process test chain
    keeper = run(Command("", f"keeper plan --deployment deployments/ethereum-local.json --rpc-url {sepolia_standin}"),
                 checkout, env)  # fmt: skip

    assert scripts.returncode == 1
    assert "is for chain 31337 (ethereum:local) but this node is chain 1337: pass the matching --network" in (
        scripts.stdout + scripts.stderr)
    assert keeper.returncode != 0 and "but this node is chain 11155111" in keeper.stdout + keeper.stderr


def test_chain__restarted_after_a_warp__its_clock_goes_on_from_the_last_block(newcomer):
    """The walk-through warped 7 days, then restarted the chain (`make chain-stop && make chain`): anvil does not save
    the warp, and without `make chain` resuming the clock the next block would be mined a week before the last."""
    _, env = newcomer
    url = env["KEEPER_RPC_URL"]
    last = int(rpc(url, "eth_getBlockByNumber", ["latest", False])["timestamp"], 16)

    rpc(url, "evm_mine", [])

    assert int(rpc(url, "eth_getBlockByNumber", ["latest", False])["timestamp"], 16) > last


def test_redeem_gas__fee_vault__limit_covers_the_accrual_that_an_estimate_after_another_accrual_misses(newcomer):
    """Item 9 on the README's chain: DPL now has a management fee. Two redeems by the same wallet land in one block:
    the first accrues the fee (time has passed since the last accrual), the second does not. The second's cost is what
    eth_estimateGas reports once a fee was charged in the pending block; the scripts' limit from it must still cover
    the first's."""
    from eth_abi import encode
    from eth_utils import function_signature_to_4byte_selector

    from scripts._chain import gas_limit

    checkout, env = newcomer
    url = env["KEEPER_RPC_URL"]
    deployment = json.loads((checkout / "deployments/ethereum-local.json").read_text())
    factory_vaults = function_signature_to_4byte_selector("vaults(uint256)") + encode(["uint256"], [0])
    vault = "0x" + rpc(url, "eth_call", [{"to": deployment["factory"], "data": "0x" + factory_vaults.hex()},
                                         "latest"])[-40:]  # fmt: skip
    wallet = "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65"  # TEST::4: holds 0.5 DPL after the walk-through
    redeem = function_signature_to_4byte_selector("redeem(uint256,address,address[])") + encode(
        ["uint256", "address", "address[]"], [10**17, wallet, []])
    rpc(url, "evm_increaseTime", [3_600])
    call = {"from": wallet, "to": vault, "data": "0x" + redeem.hex()}
    assert rpc(url, "eth_call", [call, "latest"]) == "0x"  # it does not revert (a revert raises with its reason)
    rpc(url, "evm_setAutomine", [False])
    try:
        hashes = [rpc(url, "eth_sendTransaction", [{"from": wallet, "to": vault, "data": "0x" + redeem.hex(),
                                                     "gas": hex(1_000_000)}]) for _ in range(2)]  # fmt: skip
        rpc(url, "evm_mine", [])
    finally:
        rpc(url, "evm_setAutomine", [True])
    accrues, after_accrual = (rpc(url, "eth_getTransactionReceipt", [h]) for h in hashes)
    for receipt in (accrues, after_accrual):
        if receipt["status"] != "0x1":
            trace = rpc(url, "debug_traceTransaction", [receipt["transactionHash"], {"disableStorage": True,
                                                                                    "disableStack": True}])
            pytest.fail(f"redeem reverted: {bytes.fromhex(trace.get('returnValue', '')[-128:].removeprefix('0x'))!r}")

    assert accrues["status"] == after_accrual["status"] == "0x1" and accrues["blockHash"] == after_accrual["blockHash"]
    accrual_gas, estimate = int(accrues["gasUsed"], 16), int(after_accrual["gasUsed"], 16)
    assert accrual_gas > estimate  # the accrual path costs more: a bare estimate would run out of gas
    assert gas_limit(estimate) >= accrual_gas


def test_keeper_backtest__default_run_from_another_folder__bundled_prices_and_no_duplicate_row(tmp_path):
    keeper = str(ROOT / ".venv/bin/keeper")

    result = subprocess.run([keeper, "backtest"], cwd=tmp_path, capture_output=True, text=True, timeout=120)

    assert result.returncode == 0, result.stdout + result.stderr
    rows = [line.split()[0] for line in result.stdout.splitlines()[2:]]
    assert rows == ["equal-weight", "market-cap", "momentum", "buy-and-hold"]
