"""The product's areas as every server sees them: which server has which finder, and what the others hold.

The areas declare themselves (``pagerduty_mcp.servers`` hands :func:`declare_areas` the loader of
its one list when any area is imported), so the toolkit names no area and no area's tool: a hint
for an unknown team asks this directory which area declares the finder of teams, and a server of
one area says in one line what each other area holds, from their own summaries. Each area says
this in a :class:`Card` in its package's ``__init__``, so that reading the others' costs a server
of one area no import of their tools, models or apps at start-up.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

__all__ = ["AreaCard", "Card", "all_areas", "declare_areas", "finder_of", "sibling_line"]


class AreaCard(Protocol):
    """What the directory reads of an area (``toolkit.area.Area`` has it)."""

    @property
    def name(self) -> str: ...

    @property
    def summary(self) -> str: ...

    @property
    def finders(self) -> Mapping[str, str]: ...


@dataclass(frozen=True)
class Card:
    """An area as the others see it: its name, a few words on what it holds (``summary``), and the read
    tool that lists each kind of object it owns (``finders``, kind -> tool). ``Area`` takes the same."""

    name: str
    summary: str
    finders: Mapping[str, str] = field(default_factory=dict)


_load: Callable[[], Sequence[AreaCard]] | None = None
_loaded: tuple[AreaCard, ...] | None = None
_lock = threading.RLock()  # loading imports areas, which may declare again


def declare_areas(load: Callable[[], Sequence[AreaCard]]) -> None:
    """Declare the product's areas: ``load`` returns them all, in the order servers show them.
    Called lazily, on the first hint or sibling line: a server of one area then loads the others'
    cards, never before."""
    global _load, _loaded
    with _lock:
        _load, _loaded = load, None


def all_areas() -> tuple[AreaCard, ...]:
    """Every declared area, in order; none when nothing declared them (a script of its own)."""
    global _loaded
    with _lock:
        if _loaded is None:
            _loaded = tuple(_load()) if _load is not None else ()
        return _loaded


def finder_of(kind: str) -> tuple[str, str] | None:
    """``(tool, area)``: the read tool that lists objects of ``kind`` (a key of ``KINDS``), and
    the area whose server has it; ``None`` when no area declares one."""
    for area in all_areas():
        tool = area.finders.get(kind)
        if tool is not None:
            return tool, area.name
    return None


def sibling_line(served: Sequence[str]) -> str:
    """One line on what the other servers hold, for a server of the ``served`` areas; empty when
    it serves them all."""
    others = [f"pagerduty-{area.name} ({area.summary})" for area in all_areas() if area.name not in served]
    return f"Elsewhere: {', '.join(others)}." if others else ""
