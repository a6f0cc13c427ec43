"""Change events: the account-wide list, one service's list, and one event."""

from __future__ import annotations

from typing import Any

from pagerduty_mcp.sandbox.model.store import Store, public
from pagerduty_mcp.sandbox.protocol import CODE_INVALID_INPUT, ApiError, paginate_offset
from pagerduty_mcp.sandbox.router import Context, route

__all__: list[str] = []


def _filtered(ctx: Context, service_id: str | None) -> list[dict[str, Any]]:
    state: Store = ctx.store
    since, until = ctx.req.time("since"), ctx.req.time("until")
    if since and until and until < since:
        raise ApiError(400, "Invalid Input Provided", CODE_INVALID_INPUT, ["until must be after since"])
    teams = set(ctx.req.array("team_ids"))
    integrations = set(ctx.req.array("integration_ids"))
    out = []
    for event in state.all("change_events"):
        if (since and event["_at"] < since) or (until and event["_at"] >= until):
            continue
        service_ids = {s["id"] for s in event["services"]}
        if service_id and service_id not in service_ids:
            continue
        if integrations and (event.get("integration") or {}).get("id") not in integrations:
            continue
        if teams:
            owners = {t["id"] for sid in service_ids for t in (state.find("services", sid) or {}).get("teams", [])}
            if not teams & owners:
                continue
        out.append(event)
    out.sort(key=lambda e: e["_at"], reverse=True)  # newest first, as PagerDuty lists them
    return out


def _page(ctx: Context, service_id: str | None) -> dict[str, Any]:
    page = paginate_offset(_filtered(ctx, service_id), ctx.req, "change_events")
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
