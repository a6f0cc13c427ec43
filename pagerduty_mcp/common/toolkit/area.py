"""``Area``: one product area, declared once: its tools, its words to the model, its extras, and the
finder tools other servers' hints point to."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mcp.server.mcpserver import MCPServer

from pagerduty_mcp.common.pagerduty.kinds import KINDS
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
    the listing of its resources). ``summary`` says in a few words what the area holds: its
    command's help, and the line a server of another area says about this one
    (``toolkit.directory``). ``finders`` maps a kind of object (a key of ``pagerduty.kinds.KINDS``)
    to the read tool of this area that lists it: what hints about an unknown one name, here or as
    "<tool> on pagerduty-<area>" on the other servers.
    """

    name: str
    summary: str
    instructions: str
    tools: Sequence[Callable[..., Any]]
    extras: Sequence[Callable[[MCPServer, ToolFilter], None]] = ()
    apps: Sequence[App] = ()
    finders: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        mine = self.tool_names()
        for kind, tool in self.finders.items():
            if kind not in KINDS:
                raise ValueError(f"area {self.name}: finders names {kind!r}, which is no kind of PagerDuty object")
            if tool not in mine or spec_of(self.tools[mine.index(tool)]).is_write:
                raise ValueError(f"area {self.name}: the finder of {kind}, {tool}, is not one of its read tools")

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
