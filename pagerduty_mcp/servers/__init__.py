"""The product areas, one MCP server each, and ``AREA_NAMES``, the one list of them.

An area is the package ``pagerduty_mcp.servers.<name>``: its ``__init__`` declares ``CARD`` (what the
others say of it) and its ``server`` module ``AREA``. The list is handed to the toolkit when any
area is imported, so that a server of one area can say what the others hold and name the server of
a finder tool it lacks without importing their tools (areas stay apart): their cards, and nothing
else of them, are loaded on first use.
"""

from __future__ import annotations

import importlib

from pagerduty_mcp.common import Area, Card, declare_areas

__all__ = ["AREA_NAMES", "area_cards", "load_areas"]

AREA_NAMES = ("incidents", "services", "people", "aiops")


def load_areas() -> tuple[Area, ...]:
    """Every area's ``AREA``, in the order of ``AREA_NAMES`` (the order servers and docs show them)."""
    return tuple(importlib.import_module(f"{__name__}.{name}.server").AREA for name in AREA_NAMES)


def area_cards() -> tuple[Card, ...]:
    """Every area's ``CARD``, in the order of ``AREA_NAMES``: only their packages' ``__init__`` is read."""
    return tuple(importlib.import_module(f"{__name__}.{name}").CARD for name in AREA_NAMES)


declare_areas(area_cards)
