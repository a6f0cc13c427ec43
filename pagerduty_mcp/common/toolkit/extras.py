"""Prompts and resources that read through tools, filtered by the same rules as those tools.

A prompt or resource gathers data on the server with the same functions (or the same PagerDuty
reads) as some tools. It must not become a way around a filter: ``--tools list_services`` must
not leave a prompt that returns incidents and their notes. So each one declares the tools it
reads; registration leaves it out when the operator's :class:`ToolFilter` hides any of them,
and :class:`~pagerduty_mcp.common.toolkit.server.PagerDutyMCPServer` hides it from a caller
whose narrowing (``X-MCP-*`` headers) hides any of them.

Every prompt argument and template variable completes (``toolkit.completions``): from the
objects a tool parameter of its name names, its ``Literal`` choices, or a source declared here.
An area's offer for ``resources/list`` (``register_resource_list``) reads, and is shown, where
both its list tool and the template whose resources it lists are.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.shared.uri_template import UriTemplate

from pagerduty_mcp.common.toolkit.browse import Lister, ListerPage
from pagerduty_mcp.common.toolkit.completions import Source, sources_for
from pagerduty_mcp.common.toolkit.reads import Reads, ToolRef
from pagerduty_mcp.common.toolkit.registry import ToolFilter

__all__ = ["register_prompt", "register_resource", "register_resource_list"]


def _toolset_of(server: MCPServer) -> Mapping[str, str]:
    return getattr(server, "toolset_of", {})


def _remember(server: MCPServer, key: str, reads: Reads, completions: dict[str, Source] | None = None) -> None:
    """Leave the declaration where the server checks each caller's narrowing, and the completion
    source of each argument where it answers ``completion/complete``."""
    table = getattr(server, "reads_of", None)
    if isinstance(table, dict):
        table[key] = reads
    sources = getattr(server, "completions_of", None)
    if isinstance(sources, dict) and completions:
        sources[key] = completions


def register_prompt(
    server: MCPServer,
    flt: ToolFilter,
    fn: Callable[..., Any],
    *,
    reads: Sequence[ToolRef],
    name: str,
    title: str,
    description: str | None = None,
    completions: Mapping[str, Source] | None = None,
) -> bool:
    """Register the prompt ``fn`` unless ``flt`` hides a tool it reads; returns whether it was.

    ``completions``: sources for arguments that neither name objects by a tool parameter's name
    nor are a ``Literal`` (``ValueError`` for one left without).
    """
    declared = Reads.of(reads, _toolset_of(server))
    sources = sources_for(fn, completions, what=f"prompt {name}")
    if not declared.pass_filter(flt):
        return False
    server.prompt(name=name, title=title, description=description)(fn)
    _remember(server, f"prompt:{name}", declared, sources)
    return True


def register_resource(
    server: MCPServer,
    flt: ToolFilter,
    fn: Callable[..., Any],
    *,
    reads: Sequence[ToolRef],
    uri: str,
    name: str,
    title: str,
    description: str,
    mime_type: str = "application/json",
    completions: Mapping[str, Source] | None = None,
) -> bool:
    """Register the resource (or template, when ``uri`` has ``{slots}``) unless ``flt`` hides a tool it reads.

    ``completions``: the source of each template variable (``ValueError`` for one left without).
    """
    declared = Reads.of(reads, _toolset_of(server))
    variables = UriTemplate.parse(uri).variable_names
    sources = sources_for(fn, completions, what=f"resource {uri}", names=variables) if variables else None
    if not declared.pass_filter(flt):
        return False
    server.resource(uri, name=name, title=title, description=description, mime_type=mime_type)(fn)
    _remember(server, f"resource:{uri}", declared, sources)
    return True


def register_resource_list(
    server: MCPServer, flt: ToolFilter, page: ListerPage, *, reads: Sequence[ToolRef], template: str, name: str
) -> bool:
    """Offer resources of ``template`` in ``resources/list``, one page at a time from ``page``,
    wherever both the tools in ``reads`` and the template are served and shown."""
    served = getattr(server, "reads_of", {}).get(f"resource:{template}")
    if served is None:  # the template itself is filtered out: its resources could not be read
        return False
    declared = Reads.of(reads, _toolset_of(server))
    if not declared.pass_filter(flt):
        return False
    listers = getattr(server, "listers", None)
    if isinstance(listers, list):
        listers.append(Lister(name, Reads(declared.tools + served.tools), page))
    return True
