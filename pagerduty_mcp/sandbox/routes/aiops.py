"""Event orchestrations, alert grouping and change events (the aiops area adds the rest here)."""

from __future__ import annotations

from typing import Any

from pagerduty_mcp.sandbox.model.store import public
from pagerduty_mcp.sandbox.protocol import bad_request, paginate_offset
from pagerduty_mcp.sandbox.router import Context, route

__all__: list[str] = []


@route("GET", "/event_orchestrations")
def list_event_orchestrations(ctx: Context) -> dict[str, Any]:
    sort_by = ctx.req.arg("sort_by", "name:asc")
    field, _, direction = (sort_by or "name:asc").partition(":")
    if field not in ("name", "routes", "created_at") or direction not in ("", "asc", "desc"):
        raise bad_request(errors=["sort_by must be name, routes or created_at, with :asc or :desc"])
    items = sorted(ctx.store.all("event_orchestrations"), key=lambda o: o[field], reverse=direction == "desc")
    page = paginate_offset(items, ctx.req, "orchestrations")
    page["orchestrations"] = [public(o) for o in page["orchestrations"]]
    return page
