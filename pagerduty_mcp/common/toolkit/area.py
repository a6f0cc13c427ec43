"""``Area``: one product area, declared once: its tools, its words to the model, its extras."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from mcp.server.mcpserver import MCPServer

from pagerduty_mcp.common.toolkit.apps import App
from pagerduty_mcp.common.toolkit.registry import ToolFilter, spec_of

__all__ = ["Area", "split_by_kind"]


def split_by_kind(tools: Sequence[Callable[..., Any]]) -> tuple[list[Callable[..., Any]], list[Callable[..., Any]]]:
    """``(read tools, write tools)``, each tool sorted by the kind its ``@tool`` declares."""
    reads = [fn for fn in tools if not spec_of(fn).is_write]
    writes = [fn for fn in tools if spec_of(fn).is_write]
    return reads, writes


@dataclass(frozen=True)
class Area:
    """One product area: its tools, its instructions for the model, any prompts/resources, and the
    apps (``toolkit.apps``) a host may draw its tools' results with.

    ``tools`` is the one list an area declares; which are reads and which are writes follows
    from each tool's kind. ``extras`` register prompts and resources, in order (a template before
    the listing of its resources).
    """

    name: str
    summary: str
    instructions: str
    tools: Sequence[Callable[..., Any]]
    extras: Sequence[Callable[[MCPServer, ToolFilter], None]] = ()
    # One line on what the other servers hold, for a server of this area alone (the combined
    # server holds them all, so it leaves these lines out).
    siblings: str = ""
    apps: Sequence[App] = ()

    @property
    def command(self) -> str:
        return f"pagerduty-{self.name}"

    @property
    def read_tools(self) -> list[Callable[..., Any]]:
        return split_by_kind(self.tools)[0]

    @property
    def write_tools(self) -> list[Callable[..., Any]]:
        return split_by_kind(self.tools)[1]

    def tool_names(self) -> list[str]:
        return [spec_of(fn).name for fn in self.tools]
