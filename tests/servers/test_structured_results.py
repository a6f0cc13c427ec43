"""Every tool result carries ``structuredContent`` equal to its text envelope, and the hosts that
show the model ``JSON.stringify(structuredContent)`` instead of the text (VS Code, Claude Code,
Cursor: README, "What each host sees") show it the very bytes of the text.

Over the real ``tools/call`` of every tool of the combined server with writes on: each with no
arguments (an error for every tool that needs some, an answer for the others), and each read whose
required parameters name objects with a real name from the sandbox (an answer). JavaScript's own
``JSON.stringify`` (Node) checks the bytes.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import Any

import pytest

from pagerduty_mcp.catalog import server_tools
from tests.harness import memory_session

pytestmark = [pytest.mark.anyio]

# A real object for each parameter a read may require, named as a person would.
REAL = {
    "incident_id": "60",
    "service_id": "Checkout API",
    "business_service_id": "Online Store",
    "team_id": "Platform",
    "user_id": "Alex Rivera",
    "schedule_id": "Checkout Primary",
    "escalation_policy_id": "Checkout Escalation",
    "status_page_id": "Acme Shop Status",
    "automation_action_id": "Restart checkout pods",
}

_STRINGIFY = """
const lines = require("fs").readFileSync(0, "utf8").split("\\n").filter(Boolean);
for (const line of lines) {
  const [tool, text, structured] = JSON.parse(line);
  if (JSON.stringify(structured) !== text) console.log(tool);
}
"""


async def _results() -> list[tuple[str, bool, str, Any]]:
    """(tool, is_error, text, structuredContent) of every call."""
    found = []
    async with memory_session("mcp", write=True) as client:
        for tool in await server_tools("mcp", write=True):
            required = tool["inputSchema"].get("required", [])
            cases = [{}]
            if tool["annotations"]["readOnlyHint"] and required and all(p in REAL for p in required):
                cases.append({p: REAL[p] for p in required})
            for arguments in cases:
                result = await client.call_tool(tool["name"], arguments)
                [content] = result.content
                found.append((tool["name"], bool(result.is_error), content.text, result.structured_content))  # type: ignore[union-attr]
    return found


@pytest.mark.subprocess
async def test_every_result_carries_its_envelope_as_structured_content() -> None:
    results = await _results()
    tools = {t["name"] for t in await server_tools("mcp", write=True)}
    assert {tool for tool, *_ in results} == tools
    answers = [r for r in results if not r[1]]
    errors = [r for r in results if r[1]]
    assert len(answers) >= 40 and len(errors) >= 60, (len(answers), len(errors))  # both kinds, many tools
    for tool, _, text, structured in results:
        assert structured == json.loads(text), tool
        assert isinstance(structured, dict) and "metadata" in structured, tool
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the byte-for-byte check with JSON.stringify needs it")
    lines = "\n".join(json.dumps([tool, text, structured]) for tool, _, text, structured in results)
    done = subprocess.run([node, "-e", _STRINGIFY], input=lines, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [], f"JSON.stringify differs from the text for: {done.stdout.split()}"


async def test_no_tool_publishes_an_output_schema() -> None:
    """Deliberate (README, "What each host sees"): the envelope is one shape for every tool, and an
    outputSchema would cost tools/list bytes on every turn for no model-visible gain."""
    for tool in await server_tools("mcp", write=True):
        assert "outputSchema" not in tool, tool["name"]
