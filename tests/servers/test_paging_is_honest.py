"""``has_more``, ``next_offset``/``next_cursor`` and ``total`` are true on every list tool of every server.

Every tool whose schema pages (``limit`` with ``offset`` or ``cursor``) is paged to the end on a large
sandbox (``size=10``: 600 incidents, 3,000 log entries). What paging yields is compared with one
call that asks for everything at once and with the first page's ``total``: no row twice, none lost,
``has_more`` false only at the end.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import anyio
import pytest

from pagerduty_mcp.catalog import AREA_KEYS, server_tools
from pagerduty_mcp.sandbox import Sandbox
from tests.harness import memory_session, ok

pytestmark = [pytest.mark.anyio]

PAGE = 7  # small and odd, so that pages never line up with the sandbox's own page sizes
MAX_PAGES = 40
# Area-owned, reported: rows are escalation policies, while limit, next_offset and total count
# PagerDuty's on-call entries, so a policy can come on two pages and total is not the rows.
KNOWN = {}


# Tools whose unfiltered answer is a whole sandbox table: paging must yield exactly what it holds.
HOLDS = {
    "list_users": "users",
    "list_schedules": "schedules",
    "list_business_services": "business_services",
    "list_event_orchestrations": "event_orchestrations",
    "list_incident_workflows": "incident_workflows",
    "list_webhook_subscriptions": "webhook_subscriptions",
    "list_extension_schemas": "extension_schemas",
    "list_extensions": "extensions",
}


def _marked(pairs: list[tuple[str, str]]) -> list[Any]:
    """Known area-owned failures stay visible: strict xfail, so a fix shows up as a pass to clean up."""
    known = pytest.mark.xfail
    return [pytest.param(k, n, marks=known(reason=KNOWN[n], strict=True)) if n in KNOWN else (k, n) for k, n in pairs]


def _paging_tools() -> list[Any]:
    async def listed() -> list[tuple[str, str]]:
        found = []
        for key in AREA_KEYS:
            for tool in await server_tools(key, write=False):
                properties = tool["inputSchema"].get("properties", {})
                if "limit" in properties and ({"offset", "cursor"} & set(properties)):
                    found.append((key, tool["name"]))
        return found

    return _marked(anyio.run(listed))


@cache
def _large_sandbox() -> Sandbox:
    box = Sandbox(size=10)
    box.ensure_seeded()
    return box


def _required(tool: str, schema: dict[str, Any], box: Sandbox) -> dict[str, Any]:
    """Arguments for the required parameters: the object with the most rows under it."""
    state = box.state
    choices = {
        "incident_id": max(
            state.tables["incidents"],
            key=lambda i: sum(1 for a in state.tables["alerts"].values() if a.get("incident", {}).get("id") == i),
        ),
        "team_id": max(state.memberships, key=lambda t: len(state.memberships[t])),
        "status_page_id": max(
            state.tables["status_pages"],
            key=lambda p: sum(1 for post in state.tables["status_page_posts"].values() if post["_page"] == p),
        ),
    }
    args = {}
    for name in schema.get("required", []):
        assert name in choices, f"{tool}: no sandbox choice for required parameter {name}"
        args[name] = choices[name]
    return args


def _key(row: Any) -> str:
    return row["id"] if isinstance(row, dict) and "id" in row else json.dumps(row, sort_keys=True)


def _rows(envelope: dict[str, Any]) -> list[Any]:
    (key,) = [k for k in envelope if k != "metadata"]
    return envelope[key]


@pytest.mark.parametrize(("server", "tool"), _paging_tools())
async def test_paging_to_the_end_yields_every_row_once_and_totals_hold(server: str, tool: str) -> None:
    box = _large_sandbox()
    schema = next(t for t in await server_tools(server, write=False) if t["name"] == tool)["inputSchema"]
    properties = schema["properties"]
    args = _required(tool, schema, box)
    most = properties["limit"].get("maximum", 100)
    async with memory_session(server, write=False, sandbox=box) as client:
        whole = await ok(client, tool, {**args, "limit": most})
        held = whole["metadata"].get("total") or len(_rows(whole))
        size = max(2, min(PAGE, held // 2), held // MAX_PAGES + 1)  # at least two pages, at most MAX_PAGES
        pages: list[dict[str, Any]] = [await ok(client, tool, {**args, "limit": size})]
        while pages[-1]["metadata"]["has_more"]:
            meta = pages[-1]["metadata"]
            assert len(_rows(pages[-1])) == meta["count"] == size, (tool, meta)  # a short page is the last
            follow = {"offset": meta["next_offset"]} if "offset" in properties else {"cursor": meta["next_cursor"]}
            pages.append(await ok(client, tool, {**args, "limit": size, **follow}))
            assert len(pages) <= MAX_PAGES + 1, f"{tool}: paging does not end"
    paged = [row for page in pages for row in _rows(page)]
    keys = [_key(row) for row in paged]
    assert len(keys) == len(set(keys)), f"{tool}: a row came twice"
    assert "next_offset" not in pages[-1]["metadata"] and "next_cursor" not in pages[-1]["metadata"]
    total = pages[0]["metadata"].get("total")
    if total is not None:
        assert total == len(paged), f"{tool}: total {total}, paging gave {len(paged)}"
        assert all(p["metadata"].get("total") == total for p in pages), f"{tool}: total changes between pages"
    if tool in HOLDS:
        assert sorted(keys) == sorted(box.state.tables[HOLDS[tool]]), f"{tool}: paging and the sandbox disagree"
    if tool == "list_alerts_from_incident":
        alerts = [a for a in box.state.tables["alerts"].values() if a["incident"]["id"] == args["incident_id"]]
        assert len(paged) == len(alerts) and len(pages) >= 2
    if not whole["metadata"]["has_more"]:
        assert [_key(r) for r in _rows(whole)] == keys, f"{tool}: paging and one call disagree"
    else:  # more than one call can give: the first call's rows start the paged list
        assert [_key(r) for r in _rows(whole)] == keys[: len(_rows(whole))], f"{tool}: paging and one call disagree"


def _capped_tools() -> list[Any]:
    async def listed() -> list[tuple[str, str]]:
        found = []
        for key in AREA_KEYS:
            for tool in await server_tools(key, write=False):
                properties = tool["inputSchema"].get("properties", {})
                if "limit" in properties and not ({"offset", "cursor"} & set(properties)):
                    found.append((key, tool["name"]))
        return found

    return _marked(anyio.run(listed))


@pytest.mark.parametrize(("server", "tool"), _capped_tools())
async def test_an_answer_cut_by_its_limit_says_so(server: str, tool: str) -> None:
    """Tools with a limit and no way to page: a cut answer says ``has_more``, an uncut one does not."""
    box = _large_sandbox()
    schema = next(t for t in await server_tools(server, write=False) if t["name"] == tool)["inputSchema"]
    args = _required(tool, schema, box)
    async with memory_session(server, write=False, sandbox=box) as client:
        whole = await ok(client, tool, {**args, "limit": schema["properties"]["limit"].get("maximum", 100)})
        one = await ok(client, tool, {**args, "limit": 1})
    assert len(_rows(one)) == min(1, len(_rows(whole)))
    assert one["metadata"]["has_more"] is (len(_rows(whole)) > 1 or whole["metadata"]["has_more"]), one["metadata"]
    if "total" in one["metadata"] and not whole["metadata"]["has_more"]:
        assert one["metadata"]["total"] == len(_rows(whole))
