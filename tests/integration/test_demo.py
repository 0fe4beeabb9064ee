"""`make demo`'s story, shortened to two simulated weeks, as the Makefile runs it: `ape run demo` on a fresh anvil
that ape starts on a free port and stops; it must exit 0, print every section and write the chart."""

import os
import subprocess
import sys
from pathlib import Path

from fixtures.anvil import free_port

ROOT = Path(__file__).resolve().parents[2]
SECTIONS = ("== 1. deploy", "== 2. create two indices", "== 3.", "== 4. every trade", "== 5. holdings",
            "== 6. alice redeems", "== 7. a compliant income index", "== chart:")  # fmt: skip


def test_demo__two_weeks__exits_0_with_every_section_and_the_chart():
    env = {**os.environ, "DEMO_WEEKS": "2", "APE_FOUNDRY_HOST": f"http://127.0.0.1:{free_port()}"}
    chart = ROOT / "build" / "demo" / "nav_per_share.png"
    chart.unlink(missing_ok=True)
    ape = Path(sys.executable).with_name("ape")

    command = [str(ape), "run", "demo", "--network", "ethereum:local:foundry"]
    demo = subprocess.run(command, cwd=ROOT, env=env, check=False, capture_output=True, text=True, timeout=300)

    assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]
    for section in SECTIONS:
        assert section in demo.stdout, section
    assert " MMOM " in demo.stdout and " DPL " in demo.stdout
    assert "ERC-1404 code" in demo.stdout and "dividend #1" in demo.stdout and "vote: for" in demo.stdout
    assert chart.stat().st_size > 10_000
