"""The product areas, one MCP server each, and ``AREA_NAMES``, the one list of them.

An area is the package ``pagerduty_mcp.servers.<name>``, whose ``server`` module declares ``AREA``.
The list is handed to the toolkit when any area is imported, so that a server of one area can say
what the others hold and name the server of a finder tool it lacks, without importing them itself
(areas stay apart): their declarations are loaded on first use.
"""

from __future__ import annotations

import importlib

from pagerduty_mcp.common import Area, declare_areas

__all__ = ["AREA_NAMES", "load_areas"]

AREA_NAMES = ("incidents", "services", "people", "aiops")


def load_areas() -> tuple[Area, ...]:
    """Every area's ``AREA``, in the order of ``AREA_NAMES`` (the order servers and docs show them)."""
    return tuple(importlib.import_module(f"{__name__}.{name}.server").AREA for name in AREA_NAMES)


declare_areas(load_areas)
