"""Each example spec says how to create it; that command must name every account the spec needs (issue 13: the
README's `create_index` line for defi.yaml lacked `--role keeper=...`). Checked without a chain: the spec parses
against the mock world's symbols with exactly the accounts the command gives. (tests/integration/test_readme.py runs
defi.yaml's command on a chain.)"""

import shlex
from pathlib import Path

import pytest

from scripts._spec import load_spec, parse_spec
from scripts._world import DEMO_ASSETS

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def documented_command(spec_file: Path) -> list[str]:
    [line] = [line for line in spec_file.read_text().splitlines() if line.startswith("#   ape run create_index")]
    return shlex.split(line.removeprefix("#"))


def fake_address(i: int) -> str:
    return "0x" + f"{i + 1:040x}"


@pytest.mark.parametrize("spec_file", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.stem)
def test_example__documented_command__names_every_account_the_spec_needs(spec_file):
    command = documented_command(spec_file)
    roles = [command[i + 1].split("=")[0] for i, word in enumerate(command) if word == "--role"]
    accounts = {"deployer": fake_address(100)} | {name: fake_address(200 + i) for i, name in enumerate(roles)}

    spec = parse_spec(
        load_spec(spec_file), tokens={symbol: fake_address(i) for i, (symbol, *_) in enumerate(DEMO_ASSETS)},
        adapters={"uniswap_v2": fake_address(300)}, accounts=accounts,
    )  # fmt: skip

    assert command[:4] == ["ape", "run", "create_index", f"examples/{spec_file.name}"]
    assert "--network" in command and "--account" in command
    assert spec.symbol
