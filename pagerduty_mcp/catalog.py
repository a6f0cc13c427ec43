"""The live tool catalogue of every server: what ``tools/list`` really returns.

Used to generate ``docs/tools.md`` (``make docs``), by the tool-surface tests, and by the
benchmarks, so that all three read the same thing a client sees. ``make docs`` also writes
``pagerduty_mcp/tool_schemas.json``: every tool as the SDK registers it, so that a server starts
without building them again (``common.toolkit.prebuilt``). Both are built the SDK's way here.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, cast

import anyio

from pagerduty_mcp.common import Area, ToolFilter, create_pagerduty_server
from pagerduty_mcp.common.toolkit.apps import APP_MIME_TYPE, EXTENSION_ID
from pagerduty_mcp.common.toolkit.prebuilt import SCHEMAS, entry_of, key_of, registered_the_sdk_way
from pagerduty_mcp.common.toolkit.registry import spec_of
from pagerduty_mcp.common.toolkit.scopes_by_tool import tool_scopes
from pagerduty_mcp.server import AREAS

__all__ = ["AREA_KEYS", "SERVERS", "areas_of", "model_bytes", "render_markdown", "server_tools", "tool_schemas"]

# The area servers' keys, in the order of AREAS.
AREA_KEYS = tuple(area.name for area in AREAS)
# server key -> command name; "mcp" is the combined server.
SERVERS = {**{area.name: area.command for area in AREAS}, "mcp": "pagerduty-mcp"}


def areas_of(key: str) -> list[Area]:
    """The areas a server serves: one, or all of them for the combined server."""
    return list(AREAS) if key == "mcp" else [a for a in AREAS if a.name == key]


# (key, write, apps) -> the tools/list as JSON text. Building a server registers every tool (a few ms
# each), and the surface tests, the docs and the benchmarks ask for the same lists many times.
_listed: dict[tuple[str, bool, bool], str] = {}


async def server_tools(key: str, *, write: bool = True, apps: bool = False) -> list[dict[str, Any]]:
    """The ``tools/list`` of one server, as JSON objects, through a real in-process client
    (``apps``: one that declares the MCP Apps extension, as a host that draws apps does).

    Built once per process and server; every caller gets its own copy to change as it likes.
    """
    if (key, write, apps) not in _listed:
        from mcp import Client
        from mcp.client.extension import advertise

        server = create_pagerduty_server(SERVERS[key], areas_of(key), ToolFilter(enable_write_tools=write))
        extensions = [advertise(EXTENSION_ID, {"mimeTypes": [APP_MIME_TYPE]})] if apps else []
        async with Client(server, extensions=extensions) as client:
            result = await client.list_tools()
        tools = [t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in result.tools]
        _listed[key, write, apps] = json.dumps(tools)
    return cast(list[dict[str, Any]], json.loads(_listed[key, write, apps]))


def model_bytes(tool: dict[str, Any]) -> int:
    """Bytes of what the model reads of a tool: name, title, description and input schema."""
    seen = {k: tool.get(k) for k in ("name", "title", "description", "inputSchema")}
    return len(json.dumps(seen, separators=(",", ":"), ensure_ascii=False).encode())


def _hint_flags(tool: dict[str, Any]) -> str:
    notes = tool.get("annotations", {})
    if notes.get("readOnlyHint"):
        return "read"
    return "write, destructive" if notes.get("destructiveHint") else "write"


def _parameters(tool: dict[str, Any]) -> str:
    schema = tool.get("inputSchema", {})
    required = set(schema.get("required", []))
    parts = []
    for name, prop in schema.get("properties", {}).items():
        kind = prop.get("type", "any")
        if kind == "array":
            kind = f"{prop.get('items', {}).get('type', 'any')}[]"
        enum = prop.get("enum") or prop.get("items", {}).get("enum")
        if enum:
            kind += " (" + " \\| ".join(map(str, enum)) + ")"
        star = "" if name in required else "?"
        described = str(prop.get("description", "")).replace("|", "\\|")  # a "|" ("high|low") would end the cell
        parts.append(f"`{name}{star}`: {kind}: {described}")
    return "<br>".join(parts) or "none"


def _asks_first(key: str) -> list[str]:
    """The rows of the tools of ``key`` that ask the person first, with when (their question's docstring)."""
    rows = []
    for area in areas_of(key):
        for fn in area.tools:
            spec = spec_of(fn)
            if spec.confirm is not None:
                when = " ".join((spec.confirm.__doc__ or "").split())
                rows.append(f"| `{spec.name}` | {when.replace('|', chr(92) + '|')} |")
    return rows


def _grouped(key: str) -> list[str]:
    """The rows of the tools of ``key`` that group several operations, with why they are one tool."""
    rows = []
    for area in areas_of(key):
        for fn in area.tools:
            spec = spec_of(fn)
            if spec.grouped is not None:
                rows.append(f"| `{spec.name}` | {' '.join(spec.grouped.split()).replace('|', chr(92) + '|')} |")
    return rows


def render_markdown(catalogue: dict[str, list[dict[str, Any]]]) -> str:
    lines = [
        "# Tools",
        "",
        "Generated from the live `tools/list` of each server by `make docs`; do not edit by hand.",
        "Write tools appear only with `--enable-write-tools`. `?` marks an optional parameter.",
        "",
    ]
    for key in AREA_KEYS:
        tools = catalogue[key]
        total = sum(model_bytes(t) for t in tools)
        reads = [t for t in tools if t.get("annotations", {}).get("readOnlyHint")]
        lines += [
            f"## {SERVERS[key]}",
            "",
            f"{len(tools)} tools; {total:,} bytes of tool definitions read by the model "
            f"(read-only: {len(reads)} tools, {sum(model_bytes(t) for t in reads):,} bytes).",
            "",
            "| tool | kind | bytes | description | parameters |",
            "|---|---|---|---|---|",
        ]
        for t in tools:
            description = t.get("description", "").replace("\n", " ").replace("|", "\\|")
            lines.append(
                f"| `{t['name']}` | {_hint_flags(t)} | {model_bytes(t):,} | {description} | {_parameters(t)} |"
            )
        lines.append("")
        asking = _asks_first(key)
        if asking:
            lines += [
                f"Asks the person first (clients with elicitation; `--confirm-writes`): {len(asking)} tools.",
                "",
                "| tool | asks |",
                "|---|---|",
                *asking,
                "",
            ]
        grouped = _grouped(key)
        if grouped:
            lines += [
                f"Several operations in one tool: {len(grouped)} tools, and why each is shaped so.",
                "",
                "| tool | why one tool |",
                "|---|---|",
                *grouped,
                "",
            ]
    return "\n".join(lines + _apps_section())


def _apps_section() -> list[str]:
    """Each app: where it is served, which tools draw it and which it calls, and its size."""
    rows = []
    for area in AREAS:
        for app in area.apps:
            drawn = ", ".join(f"`{name}`" for name in app.drawn_by)
            calls = ", ".join(f"`{name}`" for name in app.callable_tools if name not in app.drawn_by) or "none"
            size = len(app.html().encode())
            rows.append(f"| {app.title} (`{app.uri}`) | {area.command} | {drawn} | {calls} | {size:,} bytes |")
    if not rows:
        return []
    return [
        "## Apps",
        "",
        "Drawn by hosts that support MCP Apps (`io.modelcontextprotocol/ui`); other clients get none of it. Each is "
        "one HTML document (scripts and styles inline, no network access) that draws the result of the tools that "
        "name it, and calls tools back through the host (write tools only with `--enable-write-tools`).",
        "",
        "| app | server | drawn from | calls back | size |",
        "|---|---|---|---|---|",
        *rows,
        "",
    ]


async def _catalogue() -> dict[str, list[dict[str, Any]]]:
    with registered_the_sdk_way():  # the docs say what the functions say, whatever the kept schemas
        return {key: await server_tools(key) for key in AREA_KEYS}


def tool_schemas() -> str:
    """``pagerduty_mcp/tool_schemas.json``: every tool of every area as the SDK registers it, writes
    included, one line a tool (in key order, so that two changes to different tools merge)."""
    with registered_the_sdk_way():
        server = create_pagerduty_server("catalogue", list(AREAS), ToolFilter(enable_write_tools=True))
    entries = {key_of(tool.fn): entry_of(tool) for tool in server._tool_manager.list_tools()}
    lines = [f"{json.dumps(key)}: {json.dumps(entries[key], separators=(',', ':'))}" for key in sorted(entries)]
    return "{\n" + ",\n".join(lines) + "\n}\n"


def scopes_report() -> str:
    """Per server, the OAuth scopes to grant an app: read-only, and with writes."""
    lines = []
    for area in AREAS:
        reads = sorted({s for fn in area.read_tools for s in tool_scopes(fn)})
        everything = sorted({s for fn in area.tools for s in tool_scopes(fn)})
        lines.append(f"{area.command}\n  read-only: {' '.join(reads)}\n  with writes: {' '.join(everything)}\n")
    return "".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Write or check docs/tools.md and the kept tool schemas from the live tool lists."
    )
    parser.add_argument("--output", type=Path, default=Path("docs/tools.md"))
    parser.add_argument("--schemas", type=Path, default=SCHEMAS, help="the kept tool schemas (default: in the package)")
    parser.add_argument("--check", action="store_true", help="fail if the file differs from the live tools")
    parser.add_argument("--scopes", action="store_true", help="print the OAuth scopes each server needs, and exit")
    args = parser.parse_args(argv)
    if args.scopes:
        sys.stdout.write(scopes_report())
        return 0
    outputs = {args.output: render_markdown(anyio.run(_catalogue)), args.schemas: tool_schemas()}
    if args.check:
        stale = [path for path, text in outputs.items() if not path.exists() or path.read_text() != text]
        for path in stale:
            sys.stderr.write(f"{path} is out of date: run `make docs`\n")
        return 1 if stale else 0
    for path, text in outputs.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
