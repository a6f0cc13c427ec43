"""``make conformance``: the official MCP conformance suite's server scenarios against a sandbox
server. Every scenario that applies must pass; each one that cannot apply is listed with why.

Marked ``conformance`` (``-m "not conformance"`` leaves it out). It needs npm once, to install the
pinned suite and Node 22 into ``conformance/node_modules`` (about 15 s); after that a run takes
about 3 s.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conformance import NOT_APPLICABLE
from conformance.__main__ import SUITE, SUITE_PACKAGE, _installed_version, _pinned_version
from tests.harness import server_env

pytestmark = [
    pytest.mark.conformance,
    pytest.mark.skipif(
        shutil.which("npm") is None and _installed_version(SUITE_PACKAGE) is None,
        reason="needs npm (once) to install the pinned conformance suite",
    ),
    pytest.mark.subprocess,
]

ROOT = Path(__file__).resolve().parents[2]


def test_every_scenario_that_applies_passes_and_the_rest_say_why() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "conformance"],
        cwd=ROOT,
        env=server_env(),
        capture_output=True,
        text=True,
        timeout=600,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert SUITE.exists() and _installed_version(SUITE_PACKAGE) == _pinned_version(SUITE_PACKAGE)
    rows = {line.split()[0]: line for line in done.stdout.splitlines() if line[:1].isalpha() and "  " in line}
    for scenario in ("server-initialize", "logging-set-level", "completion-complete", "resources-list", "ping"):
        assert rows[scenario].rstrip().split("  ")[-1].strip().startswith("PASS"), rows[scenario]
    for scenario, why in NOT_APPLICABLE.items():
        if scenario in rows:
            assert f"n/a: {why}" in rows[scenario]
    assert "scenarios that apply passed" in done.stdout
