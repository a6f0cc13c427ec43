"""Declaring tools once, and registering them with titles, annotations and filters.

A tool is a plain function in an area's ``tools.py``. ``@tool(...)`` records its title and
kind next to it; the function's signature (``Annotated[..., Field(description=...)]``) is its
flat input schema and its docstring is its description. ``register_read_tools`` and
``register_write_tools`` wrap each one so that it returns the envelope as compact JSON and turns
every failure into an ``isError`` result with a stable code.
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from mcp.server.mcpserver import MCPServer
from mcp_types import CallToolResult, ToolAnnotations

from pagerduty_mcp.common.pagerduty.context import current_request
from pagerduty_mcp.common.pagerduty.errors import ToolFailure, failure_from_exception
from pagerduty_mcp.common.pagerduty.kinds import Kind as ObjectKind
from pagerduty_mcp.common.toolkit.bounds import bound_schema
from pagerduty_mcp.common.toolkit.confirm import CONFIRMATION, Asks, ask_first, go_ahead
from pagerduty_mcp.common.toolkit.envelope import error_result, success_result
from pagerduty_mcp.common.toolkit.names import (
    check_references_exist,
    rename_unknown_ids,
    resolve_references,
    unknown,
)
from pagerduty_mcp.common.toolkit.prebuilt import add_tool
from pagerduty_mcp.common.toolkit.references import NAMED_PARAMETERS, REFERENCES

__all__ = [
    "OPEN_WORLD",
    "Kind",
    "ToolFilter",
    "ToolSpec",
    "register_read_tools",
    "register_write_tools",
    "spec_of",
    "tool",
]

log = logging.getLogger(__name__)

Kind = Literal["read", "create", "update", "delete", "run", "manage"]

# Project-wide decision: every tool reaches a PagerDuty account whose content (alert bodies,
# notes, titles) is written by monitors and people outside the user's control, so clients
# should treat results as coming from an open world.
OPEN_WORLD = True

_HINTS: dict[str, tuple[bool, bool, bool]] = {
    # kind: (readOnlyHint, destructiveHint, idempotentHint)
    "read": (True, False, True),
    "create": (False, False, False),
    "update": (False, True, True),
    "delete": (False, True, True),
    # Runs something with effects outside PagerDuty (a runbook restarting pods): a client should
    # ask first, and running it twice runs it twice.
    "run": (False, True, False),
    # One resource's writes grouped in one tool (an ``action`` parameter): it may remove, and an
    # add made twice adds twice.
    "manage": (False, True, False),
}


@dataclass(frozen=True)
class ToolSpec:
    """Everything about a tool except its parameters, which live in the function signature."""

    fn: Callable[..., Any]
    name: str
    title: str
    description: str
    kind: Kind
    scopes: tuple[str, ...] = ()
    # Asks the person before acting, where the client can (toolkit.confirm): builds the question.
    confirm: Asks | None = None
    # Why several operations share this one tool (an ``action``, or one change of many kinds):
    # docs/tools.md says it beside the tool.
    grouped: str | None = None

    @property
    def is_write(self) -> bool:
        return self.kind != "read"

    @property
    def annotations(self) -> ToolAnnotations:
        read_only, destructive, idempotent = _HINTS[self.kind]
        # The title lives on the tool itself; repeating it here would cost bytes on every turn.
        return ToolAnnotations(
            read_only_hint=read_only,
            destructive_hint=destructive,
            idempotent_hint=idempotent,
            open_world_hint=OPEN_WORLD,
        )


def tool(
    title: str,
    kind: Kind = "read",
    *,
    name: str | None = None,
    scopes: Sequence[str] = (),
    confirm: Asks | None = None,
    grouped: str | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Mark a function as a tool. It stays a plain function, callable directly in tests.

    ``grouped``: why several operations share this one tool (kept out of the description the model
    reads; ``docs/tools.md`` shows it). A ``manage`` tool, one resource's writes behind an
    ``action``, always says it."""

    def mark(fn: Callable[..., Any]) -> Callable[..., Any]:
        if not fn.__doc__:
            raise ValueError(f"tool {fn.__name__} needs a docstring: it is the tool's description")
        if (kind == "manage" and not grouped) or (kind == "read" and grouped):
            raise ValueError(f"tool {fn.__name__}: a manage tool says why it is grouped, and a read never")
        fn.__pagerduty_tool__ = ToolSpec(  # type: ignore[attr-defined]
            fn=fn,
            name=name or fn.__name__,
            title=title,
            description=inspect.cleandoc(fn.__doc__),
            kind=kind,
            scopes=tuple(scopes),
            confirm=confirm,
            grouped=grouped,
        )
        return fn

    return mark


def spec_of(fn: Callable[..., Any]) -> ToolSpec:
    try:
        return fn.__pagerduty_tool__  # type: ignore[attr-defined,no-any-return]
    except AttributeError:
        raise TypeError(f"{fn!r} is not declared with @tool") from None


@dataclass(frozen=True)
class ToolFilter:
    """Which tools a server exposes. Read-only wins over everything else."""

    enable_write_tools: bool = False
    toolsets: frozenset[str] | None = None
    tools: frozenset[str] | None = None
    exclude_tools: frozenset[str] = field(default_factory=frozenset)

    def check(self, toolsets: dict[str, Iterable[str]]) -> None:
        """Fail at start-up on names that match nothing, listing the valid ones."""
        known_sets = sorted(toolsets)
        if self.toolsets is not None:
            unknown = sorted(self.toolsets - set(known_sets))
            if unknown:
                raise ValueError(f"unknown toolset(s) {', '.join(unknown)}; valid: {', '.join(known_sets)}")
        known_tools = sorted({t for names in toolsets.values() for t in names})
        for option, names in (("--tools", self.tools), ("--exclude-tools", self.exclude_tools)):
            unknown = sorted((names or frozenset()) - set(known_tools))
            if unknown:
                raise ValueError(f"{option}: unknown tool(s) {', '.join(unknown)}; valid: {', '.join(known_tools)}")

    def allows(self, toolset: str, spec: ToolSpec) -> bool:
        return self.admits(spec.name, toolset, spec.is_write)

    def admits(self, name: str, toolset: str | None, is_write: bool) -> bool:
        """Whether the tool ``name`` passes; a tool of no known toolset passes no toolset filter."""
        if is_write and not self.enable_write_tools:
            return False
        if self.toolsets is not None and toolset not in self.toolsets:
            return False
        if self.tools is not None and name not in self.tools:
            return False
        return name not in self.exclude_tools


def _named(spec: ToolSpec) -> list[str]:
    return [p for p in inspect.signature(spec.fn).parameters if p in NAMED_PARAMETERS]


def _kinds(spec: ToolSpec) -> dict[str, ObjectKind]:
    """Each parameter that names objects (by name, or by id only) -> the kind it names."""
    return {p: REFERENCES[p] for p in inspect.signature(spec.fn).parameters if p in REFERENCES}


def _wrap(spec: ToolSpec) -> Callable[..., CallToolResult]:
    # Parameters that name objects: names become ids before the body runs, a read that comes back
    # empty checks that what it was filtered by exists, and a read told an id does not exist tries
    # it as a name.
    named = _named(spec)
    kinds = _kinds(spec)

    @functools.wraps(spec.fn)
    def call(**kwargs: Any) -> CallToolResult:
        confirmation = kwargs.pop(CONFIRMATION, None)
        arguments = kwargs
        try:
            if confirmation is not None:
                go_ahead(confirmation)
            arguments = resolve_references(kwargs, named) if named else kwargs
            try:
                envelope = _run(spec, arguments, named)
            except Exception as exc:
                renamed = _tried_as_names(spec, kwargs, arguments, named, exc)
                if renamed is None:
                    raise
                arguments = renamed
                envelope = _run(spec, arguments, named)
            window = current_request().memo.window
            if window and isinstance(envelope, dict) and isinstance(envelope.get("metadata"), dict):
                envelope["metadata"]["window"] = dict(window)  # relative or defaulted times, made absolute
            return success_result(envelope)
        except Exception as exc:
            failure = failure_from_exception(exc)
            if failure is None:
                log.exception("tool %s failed unexpectedly", spec.name)
                failure = ToolFailure(
                    "INTERNAL_ERROR",
                    f"{spec.name} failed unexpectedly ({type(exc).__name__}); the server log has details. "
                    "Try again, or narrow the request.",
                )
            failure = _naming_the_parameter(failure, arguments, kinds)
            current_request().audit.outcome = failure.code
            return error_result(failure)

    return call


def _run(spec: ToolSpec, arguments: dict[str, Any], named: list[str]) -> Any:
    envelope = spec.fn(**arguments)
    if named and not spec.is_write and _is_empty(envelope):
        check_references_exist(arguments, named)
    return envelope


def _tried_as_names(
    spec: ToolSpec, given: dict[str, Any], arguments: dict[str, Any], named: list[str], exc: Exception
) -> dict[str, Any] | None:
    """For a read that PagerDuty answered "no such id": the arguments with each value that was
    taken as an id without a lookup, and is an object's exact name, replaced by that object's id
    (``names.rename_unknown_ids``), to run the read once more; ``None`` when there is none. A write
    is never run twice: its error offers that object instead."""
    if spec.is_write or not named:
        return None
    failure = failure_from_exception(exc)
    if failure is None or not failure.code.endswith("_NOT_FOUND"):
        return None
    return rename_unknown_ids(given, arguments, named, failure)


_GENERIC_HINT = " Use a list tool to find valid ids."


def _naming_the_parameter(failure: ToolFailure, arguments: dict[str, Any], kinds: dict[str, ObjectKind]) -> ToolFailure:
    """A ``<RESOURCE>_NOT_FOUND`` from PagerDuty that no tool code attributed: when exactly one given
    parameter names objects of that kind, the error names it, with the closest names to the value
    or the tool that lists valid ones (``names.unknown``)."""
    if not failure.code.endswith("_NOT_FOUND") or failure.details.get("parameters"):
        return failure
    given = [p for p, kind in kinds.items() if arguments.get(p) and kind.code == failure.code]
    if len(given) != 1:
        return failure
    parameter = given[0]
    value = arguments[parameter]
    if isinstance(value, list):
        value = value[0] if len(value) == 1 else ""  # of several, PagerDuty does not say which
    message = failure.message.removesuffix(_GENERIC_HINT).rstrip()
    named_failure = unknown(kinds[parameter], parameter, str(value), message)
    return ToolFailure(
        failure.code,
        named_failure.message,
        {**failure.details, **named_failure.details},
        untrusted=failure.untrusted or named_failure.untrusted,
    )


def _is_empty(envelope: Any) -> bool:
    return isinstance(envelope, dict) and envelope.get("metadata", {}).get("count") == 0


def _register(server: MCPServer, toolset: str, tools: Iterable[Callable[..., Any]], flt: ToolFilter) -> list[str]:
    names = []
    for fn in tools:
        spec = spec_of(fn)
        if not flt.allows(toolset, spec):
            continue
        add_tool(
            server,
            _wrap(spec),
            name=spec.name,
            title=spec.title,
            description=spec.description,
            annotations=spec.annotations,
            structured_output=False,
        )
        registered = server._tool_manager.get_tool(spec.name)
        if registered is not None:
            # Published and enforced (PagerDutyMCPServer.call_tool): no string goes unbounded.
            registered.parameters = bound_schema(registered.parameters)
            if spec.confirm is not None:
                ask_first(registered, spec.confirm, _named(spec))
        names.append(spec.name)
    return names


def register_read_tools(
    server: MCPServer, toolset: str, tools: Iterable[Callable[..., Any]], flt: ToolFilter
) -> list[str]:
    """Register the read tools of ``toolset`` that ``flt`` allows; returns their names."""
    tools = list(tools)
    if any(spec_of(fn).is_write for fn in tools):
        raise ValueError(f"{toolset}: a write tool is listed among READ_TOOLS")
    return _register(server, toolset, tools, flt)


def register_write_tools(
    server: MCPServer, toolset: str, tools: Iterable[Callable[..., Any]], flt: ToolFilter
) -> list[str]:
    """Register the write tools of ``toolset``, only when writes are enabled."""
    tools = list(tools)
    if any(not spec_of(fn).is_write for fn in tools):
        raise ValueError(f"{toolset}: a read tool is listed among WRITE_TOOLS")
    if not flt.enable_write_tools:
        return []
    return _register(server, toolset, tools, flt)
