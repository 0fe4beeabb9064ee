"""Build the wallet page (app/) into build/app/dist, and optionally serve it.

    python scripts/build_app.py                  # build only
    python scripts/build_app.py --serve 5173     # build, then serve on http://127.0.0.1:5173

The page's ABIs come from the compiled contracts (`make .build/.compiled` writes .build/__local__.json) and from the
Uniswap V2 npm artifacts, never from a hand-made copy: this script extracts them into build/app/abis.json, which
vite bundles. Every deployments/*.json is copied beside the page (dist/deployments/), so the same build serves any
network that has a deployment file (`?deployment=ethereum-sepolia`; the default is ethereum-local).
"""

import argparse
import functools
import http.server
import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COMPILED = ROOT / ".build" / "__local__.json"
OUT = ROOT / "build" / "app"
DIST = OUT / "dist"
# The contracts the page calls. IndexZap is optional: a checkout without it builds a page without one-token flows.
CONTRACTS = ("IndexVault", "VaultFactory", "VaultLens", "RebalancePolicy", "OracleRouter")
OPTIONAL = ("IndexZap",)
# The ERC-20 (and EIP-2612) part of the index token's ABI is the ABI the page uses for every token.
ERC20_NAMES = {"name", "symbol", "decimals", "totalSupply", "balanceOf", "allowance", "approve", "transfer",
               "permit", "nonces", "DOMAIN_SEPARATOR", "eip712Domain", "Transfer", "Approval"}  # fmt: skip
V2_ROUTER = ROOT / "node_modules/@uniswap/v2-periphery/build/UniswapV2Router02.json"
V2_ROUTER_NAMES = {"getAmountsIn", "getAmountsOut"}


class BuildError(Exception):
    """The page cannot be built; the message says what to run first."""


def extract_abis() -> dict[str, list]:
    """The page's ABIs, keyed by contract name (plus `ERC20` and `UniswapV2Router02`)."""
    if not COMPILED.exists():
        raise BuildError(f"{COMPILED.relative_to(ROOT)} is missing: run `make .build/.compiled` first")
    types = json.loads(COMPILED.read_text())["contractTypes"]
    missing = [name for name in CONTRACTS if name not in types]
    if missing:
        raise BuildError(f"compiled contracts lack {', '.join(missing)}: run `make .build/.compiled`")
    abis = {name: types[name]["abi"] for name in CONTRACTS + OPTIONAL if name in types}
    abis["ERC20"] = [item for item in types["IndexVault"]["abi"] if item.get("name") in ERC20_NAMES]
    router = json.loads(V2_ROUTER.read_text())["abi"]
    abis["UniswapV2Router02"] = [item for item in router if item.get("name") in V2_ROUTER_NAMES]
    return abis


def build() -> Path:
    """ABIs, then `vite build`, then the deployment files; returns the dist folder."""
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "abis.json").write_text(json.dumps(extract_abis(), indent=1) + "\n")
    vite = ROOT / "node_modules/.bin/vite"
    result = subprocess.run([str(vite), "build", "--config", "app/vite.config.js", "--logLevel", "warn"], check=False,
                            cwd=ROOT, capture_output=True, text=True)  # fmt: skip
    if result.returncode != 0:
        raise BuildError(f"vite build failed:\n{result.stdout}{result.stderr}")
    deployments = DIST / "deployments"
    deployments.mkdir(exist_ok=True)
    for path in sorted((ROOT / "deployments").glob("*.json")):
        shutil.copy2(path, deployments / path.name)
    return DIST


def serve(port: int) -> None:
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(DIST))
    with http.server.ThreadingHTTPServer(("127.0.0.1", port), handler) as server:
        print(f"serving the page on http://127.0.0.1:{port}/ (Ctrl-C stops it)", flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serve", type=int, metavar="PORT", help="serve the built page on 127.0.0.1:PORT")
    args = parser.parse_args()
    try:
        dist = build()
    except BuildError as error:
        print(f"build_app: {error}", file=sys.stderr)
        return 1
    names = sorted(p.stem for p in (dist / "deployments").glob("*.json"))
    print(f"built {dist.relative_to(ROOT)} (deployments: {', '.join(names) or 'none yet: run `ape run deploy`'})")
    if args.serve:
        serve(args.serve)
    return 0


if __name__ == "__main__":
    sys.exit(main())
