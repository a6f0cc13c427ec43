from __future__ import annotations

from pathlib import Path

import anyio
import pytest

from pagerduty_mcp.catalog import SERVERS, render_markdown, server_tools

pytestmark = [pytest.mark.unit]

DOCS = Path(__file__).parent.parent / "docs" / "tools.md"


def test_docs_tools_md_matches_the_live_tool_lists() -> None:
    async def catalogue():
        return {key: await server_tools(key) for key in SERVERS if key != "mcp"}

    expected = render_markdown(anyio.run(catalogue))
    assert DOCS.read_text() == expected, "docs/tools.md is out of date: run `make docs`"
