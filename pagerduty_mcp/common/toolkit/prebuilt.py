"""Tool schemas built once, when the catalogue is generated, instead of at every start.

The SDK's ``add_tool`` builds a pydantic model of each function's parameters, and that model's
JSON schema: about 2 ms a tool, so registering 113 tools took longer than importing the package.
The schemas change only when a signature does. ``python -m pagerduty_mcp.catalog`` (``make docs``)
registers every tool the SDK's way and keeps what it registered in ``pagerduty_mcp/tool_schemas.json``;
``--check`` and a test fail when the file no longer matches.

:func:`add_tool` registers a tool from that file: its published schema as kept, and its model
built the first time anything needs it (its first call, usually). That first build is also the
SDK's own ``add_tool`` work, so it checks the kept schema: a stale one is replaced and logged. A
function the file does not know, or whose parameters differ from what the file saw, is
registered the SDK's way at once.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.tools.base import Tool
from pydantic import PrivateAttr

import pagerduty_mcp
from pagerduty_mcp.common.toolkit.bounds import bound_schema

__all__ = ["SCHEMAS", "PrebuiltTool", "add_tool", "entry_of", "fingerprint", "key_of", "registered_the_sdk_way"]

log = logging.getLogger(__name__)

SCHEMAS = Path(pagerduty_mcp.__file__).with_name("tool_schemas.json")
# What the SDK derives from the function's signature (type hints evaluated, a pydantic model
# built): left out of a prebuilt tool until first asked for.
_LAZY = ("fn_metadata", "context_kwarg", "resolved_params", "resolver_plans")

_entries: dict[str, dict[str, Any]] | None = None
_sdk_way = False


def key_of(fn: Callable[..., Any]) -> str:
    """The file's key for a tool function (the function itself, not a wrapper around it)."""
    fn = getattr(fn, "__wrapped__", fn)
    return f"{fn.__module__}:{fn.__qualname__}"


def fingerprint(fn: Callable[..., Any]) -> str:
    """What of a function its schema depends on and is cheap to read: parameter names, their
    annotations as written, and defaults. A change to a shared alias (``Limit``) escapes it; the
    first build and the drift check catch that."""
    fn = getattr(fn, "__wrapped__", fn)
    code = fn.__code__
    names = code.co_varnames[: code.co_argcount + code.co_kwonlyargcount]
    text = repr((names, [fn.__annotations__.get(n) for n in names], fn.__defaults__, fn.__kwdefaults__))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _load() -> dict[str, dict[str, Any]]:
    global _entries
    if _entries is None:
        try:
            _entries = json.loads(SCHEMAS.read_text())
        except (OSError, ValueError):
            log.debug("no usable %s: tools are registered the SDK's way", SCHEMAS.name)
            _entries = {}
    return _entries


def entry_of(tool: Tool) -> dict[str, Any]:
    """What the file keeps of a registered tool."""
    return {
        "fingerprint": fingerprint(tool.fn),
        "parameters": tool.parameters,
        "output_schema": tool.output_schema,
        "is_async": tool.is_async,
    }


@contextmanager
def registered_the_sdk_way() -> Iterator[None]:
    """Register every tool the SDK's way inside the block: how the file itself is made."""
    global _sdk_way
    before, _sdk_way = _sdk_way, True
    try:
        yield
    finally:
        _sdk_way = before


class PrebuiltTool(Tool):
    """A tool registered from the file: what the SDK derives from the signature comes on first use."""

    _options: dict[str, Any] = PrivateAttr(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        if name in _LAZY:
            self._build()
            return self.__dict__[name]
        return super().__getattr__(name)  # type: ignore[misc]

    def _build(self) -> None:
        full = Tool.from_function(self.fn, **self._options)
        fresh = bound_schema(full.parameters)
        if fresh != self.parameters:
            log.warning("%s: its schema in %s is stale; run `make docs`", self.name, SCHEMAS.name)
            self.parameters = fresh
        for name in _LAZY:  # what something set meanwhile (a confirmation's resolver) stays
            self.__dict__.setdefault(name, getattr(full, name))


def add_tool(server: MCPServer, fn: Callable[..., Any], **options: Any) -> None:
    """``server.add_tool(fn, **options)``, from the kept schema when the file knows ``fn`` as it is."""
    entry = None if _sdk_way else _load().get(key_of(fn))
    if entry is None or entry["fingerprint"] != fingerprint(fn):
        server.add_tool(fn, **options)
        return
    tools = server._tool_manager._tools  # the SDK offers no public way to add a built Tool
    name = options.get("name") or fn.__name__
    if name in tools:
        server.add_tool(fn, **options)  # the SDK's own duplicate handling
        return
    tool = PrebuiltTool.model_construct(
        fn=fn,
        name=name,
        title=options.get("title"),
        description=options.get("description") or fn.__doc__ or "",
        # Shared with the file's copy: a tool's parameters are replaced, never changed in place (the
        # registry bounds them into a new dict, the first build assigns its own).
        parameters=entry["parameters"],
        is_async=entry["is_async"],
        annotations=options.get("annotations"),
        icons=options.get("icons"),
        meta=options.get("meta"),
    )
    tool._options = options
    for lazy in _LAZY:
        tool.__dict__.pop(lazy, None)
    tool.__dict__["output_schema"] = entry["output_schema"]  # Tool.output_schema is a cached_property
    tools[name] = tool
