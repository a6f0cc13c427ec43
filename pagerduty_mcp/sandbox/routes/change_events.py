"""Change events: the account-wide list, one service's list, and one event."""

from __future__ import annotations

from typing import Any

from pagerduty_mcp.sandbox.model import change_events
from pagerduty_mcp.sandbox.model.store import public
from pagerduty_mcp.sandbox.protocol import paginate_offset
from pagerduty_mcp.sandbox.router import Context, route

__all__: list[str] = []


def _page(ctx: Context, service_id: str | None) -> dict[str, Any]:
    since, until = ctx.req.time("since"), ctx.req.time("until")
    found = change_events.listed(
        ctx.store,
        since,
        until,
        service_id=service_id,
        team_ids=set(ctx.req.array("team_ids")),
        integration_ids=set(ctx.req.array("integration_ids")),
    )
    page = paginate_offset(found, ctx.req, "change_events")
    page["change_events"] = [public(e) for e in page["change_events"]]
    return page


@route("GET", "/change_events")
def list_change_events(ctx: Context) -> dict[str, Any]:
    return _page(ctx, None)


@route("GET", "/services/{id}/change_events")
def list_service_change_events(ctx: Context) -> dict[str, Any]:
    ctx.store.get("services", ctx.params["id"])
    return _page(ctx, ctx.params["id"])


@route("GET", "/change_events/{id}")
def get_change_event(ctx: Context) -> dict[str, Any]:
    return {"change_event": public(ctx.store.get("change_events", ctx.params["id"]))}
