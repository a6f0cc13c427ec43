"""What a prompt, resource or app view reads: the tools behind it (:class:`Reads`), checked against
the operator's filter and each caller's narrowing, so that none becomes a way around them.

Its own module because both declaring extras (``extras``) and listing resources (``browse``) hold
one, and ``extras`` builds on ``browse``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pagerduty_mcp.common.pagerduty.context import Narrowing
from pagerduty_mcp.common.toolkit.registry import ToolFilter, spec_of

__all__ = ["Reads", "ToolRef"]

# A tool a prompt reads: its function (same area) or its name (another area's tool, which an
# area may not import).
ToolRef = Callable[..., Any] | str


@dataclass(frozen=True)
class Reads:
    """The read tools behind a prompt or resource, each with its toolset (``None``: not served here).

    ``any_one``: it shows when any one of them passes, not only when all do (an app's view, which
    each of the tools that draw it names, and which holds no data of its own)."""

    tools: tuple[tuple[str, str | None], ...]
    any_one: bool = False

    @classmethod
    def of(cls, reads: Sequence[ToolRef], toolset_of: Mapping[str, str], *, any_one: bool = False) -> Reads:
        if not reads:
            raise ValueError("a prompt or resource must declare the tools it reads (reads=...)")
        names = []
        for ref in reads:
            if isinstance(ref, str):
                names.append(ref)
                continue
            spec = spec_of(ref)
            if spec.is_write:
                raise ValueError(f"{spec.name} is a write tool: prompts and resources only read")
            names.append(spec.name)
        return cls(tuple((name, toolset_of.get(name)) for name in names), any_one)

    def pass_filter(self, flt: ToolFilter) -> bool:
        return self._passes(flt.admits(name, toolset, False) for name, toolset in self.tools)

    def pass_narrowing(self, narrowing: Narrowing) -> bool:
        return self._passes(narrowing.allows(name, toolset, False) for name, toolset in self.tools)

    def _passes(self, each: Iterable[bool]) -> bool:
        return any(each) if self.any_one else all(each)
