"""What the model reads on every turn: the size of each server's ``tools/list``."""

from __future__ import annotations

import json
from typing import Any

from bench.stats import tokens
from pagerduty_mcp.catalog import model_bytes, server_tools

__all__ = ["measure_surface"]

LARGEST = 5


def _compact(value: Any) -> int:
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())


def _sizes(tools: list[dict[str, Any]]) -> dict[str, Any]:
    read = sum(model_bytes(t) for t in tools)
    largest = sorted(tools, key=model_bytes, reverse=True)[:LARGEST]
    return {
        "tools": len(tools),
        "model_bytes": read,
        "model_tokens": tokens(read),
        "tools_list_bytes": _compact({"tools": tools}),
        "largest": [{"name": t["name"], "model_bytes": model_bytes(t)} for t in largest],
    }


async def measure_surface(key: str) -> dict[str, Any]:
    """Sizes of one server's real ``tools/list``: read-only (the default) and with write tools."""
    tools = await server_tools(key, write=True)
    read_only = await server_tools(key, write=False)
    return {"read_only": _sizes(read_only), "with_writes": _sizes(tools), "names": sorted(t["name"] for t in tools)}
