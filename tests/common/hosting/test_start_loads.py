"""A server on stdio loads nothing at start that it does not use there: what start-up rests on.

The figures are the bench's (``make bench``); these tests pin what makes them, in fresh
processes, without timing anything.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.unit, pytest.mark.common, pytest.mark.subprocess]

# What serve() does before it reads stdin, for one area server with --sandbox --enable-write-tools.
_START = """
import json, sys
sys.argv = ["pagerduty-incidents", "--sandbox", "--enable-write-tools"]
import pagerduty_mcp.servers.incidents.server as area
from pagerduty_mcp.common.hosting.upstream import sandbox_pool
from pagerduty_mcp.common.pagerduty.config import load_dotenv_file
from pagerduty_mcp.common.pagerduty.logs import configure_logging
from pagerduty_mcp.common import ToolFilter, create_pagerduty_server
configure_logging("WARNING")
load_dotenv_file()
server = create_pagerduty_server("pagerduty-incidents", [area.AREA], ToolFilter(enable_write_tools=True))
sandbox_pool()
built = [t.name for t in server._tool_manager.list_tools() if "fn_metadata" in vars(t)]
others = [f"pagerduty_mcp.servers.{a}.server" for a in ("services", "people", "aiops")]  # their cards suffice
wanted = ("rich", "h11", "dotenv", "pagerduty_mcp.sandbox.core", *others)
assert "Elsewhere: pagerduty-services (" in server.instructions
print(json.dumps({"loaded": sorted(m for m in wanted if m in sys.modules), "built": built}))
"""


def _run(code: str, cwd: Path, **env: str) -> dict[str, object]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PAGERDUTY_")}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=cwd, env={**clean, **env}
    )
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_an_area_server_starts_without_rich_h11_dotenv_the_sandbox_other_areas_or_a_tool_model(tmp_path: Path) -> None:
    started = _run(_START, tmp_path)  # a folder without a .env
    assert started == {"loaded": [], "built": []}


def test_a_configured_sandbox_is_made_at_start_so_that_a_wrong_setting_stops_it(tmp_path: Path) -> None:
    assert _run(_START, tmp_path, PAGERDUTY_SANDBOX_SEED="7")["loaded"] == ["pagerduty_mcp.sandbox.core"]
    with pytest.raises(subprocess.CalledProcessError) as refused:
        _run(_START, tmp_path, PAGERDUTY_SANDBOX_SEED="seven")
    assert "PAGERDUTY_SANDBOX_SEED='seven' is not a whole number" in refused.value.stderr


def test_with_a_dotenv_file_python_dotenv_reads_it(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("PAGERDUTY_MCP_UNUSED=1\n")
    assert _run(_START, tmp_path)["loaded"] == ["dotenv"]


def test_without_logging_configured_the_sdk_keeps_its_own_handler() -> None:
    """Only a handler basicConfig would drop is skipped: a script that builds a server before
    configuring logging gets the SDK's handler, as before."""
    code = """
import json, logging, sys
from pagerduty_mcp.common.toolkit.server import PagerDutyMCPServer
PagerDutyMCPServer("bare")
print(json.dumps({"handlers": [type(h).__name__ for h in logging.getLogger().handlers], "rich": "rich" in sys.modules}))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {"handlers": ["RichHandler"], "rich": True}
