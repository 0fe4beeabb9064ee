"""Compile governor/IndexGovernor.sol with npm's solc-js against the pinned @openzeppelin/contracts and write a
Waffle-like artifact (abi + bytecode at the top level) to build/governor/IndexGovernor.json.

Run by `make build/governor/IndexGovernor.json` (rebuilt only when the .sol or this file changes); about 10-20 s.
Kept out of contracts/ so ape never tries to compile Solidity.
"""

import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = Path("governor/IndexGovernor.sol")
CONTRACT = "IndexGovernor"
OUTPUT = ROOT / "build" / "governor" / f"{CONTRACT}.json"


class GovernorBuildError(Exception):
    """solc-js failed or wrote no artifact for the governor."""


def build(output: Path = OUTPUT) -> Path:
    """Compile the governor and write its artifact to `output`; return the path."""
    solcjs = ROOT / "node_modules" / ".bin" / "solcjs"
    if not solcjs.exists():
        raise GovernorBuildError(
            "node_modules/.bin/solcjs is missing: run `make setup` (solc is pinned in package.json)"
        )
    with tempfile.TemporaryDirectory() as out:
        cmd = [
            str(solcjs),
            "--bin",
            "--abi",
            "--optimize",
            "--base-path",
            ".",
            "--include-path",
            "node_modules",
            "--output-dir",
            out,
            str(SOURCE),
        ]
        done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise GovernorBuildError(f"solcjs failed on {SOURCE}:\n{done.stderr or done.stdout}")
        # solcjs names outputs after the source path with separators replaced: governor_IndexGovernor_sol_IndexGovernor.
        stem = f"{str(SOURCE).replace('/', '_').replace('.', '_')}_{CONTRACT}"
        abi, bytecode = Path(out, f"{stem}.abi"), Path(out, f"{stem}.bin")
        if not (abi.is_file() and bytecode.is_file()):
            raise GovernorBuildError(
                f"solcjs wrote no {stem}.abi/.bin (found {sorted(p.name for p in Path(out).iterdir())})"
            )
        artifact = {
            "contractName": CONTRACT,
            "abi": json.loads(abi.read_text()),
            "bytecode": "0x" + bytecode.read_text().strip(),
            "compiler": "solc-js "
            + subprocess.run([str(solcjs), "--version"], capture_output=True, text=True, check=True).stdout.strip(),
        }
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(artifact, indent=1))
    return output


if __name__ == "__main__":
    try:
        path = build()
    except GovernorBuildError as error:
        sys.exit(f"governor build: {error}")
    runtime = json.loads(path.read_text())["bytecode"]
    print(f"wrote {path.relative_to(ROOT)} ({(len(runtime) - 2) // 2:,} bytes of initcode)")
