"""Byte budgets for the tool-surface tests: what each server needs now, plus a small margin.

Growth past them must be deliberate: raise the number in the same change, and say why.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["MARGIN", "propose_budgets"]

MARGIN = 0.10
ROUND_TO = 100  # bytes


def _with_margin(size: int) -> int:
    return math.ceil(size * (1 + MARGIN) / ROUND_TO) * ROUND_TO


def propose_budgets(servers: dict[str, Any]) -> dict[str, dict[str, int]]:
    """Per server (write tools on): model bytes, whole ``tools/list`` bytes, the largest tool."""
    budgets: dict[str, dict[str, int]] = {}
    for key, server in servers.items():
        surface = server.get("surface", {}).get("with_writes")
        if not surface:
            continue
        largest = surface["largest"][0]["model_bytes"] if surface["largest"] else 0
        budgets[key] = {
            "model_bytes": _with_margin(surface["model_bytes"]),
            "tools_list_bytes": _with_margin(surface["tools_list_bytes"]),
            "per_tool_bytes": _with_margin(largest),
        }
    return budgets
