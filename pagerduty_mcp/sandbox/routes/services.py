"""Technical services (reads; the services area adds the rest here)."""

from __future__ import annotations

from typing import Any

from pagerduty_mcp.sandbox.model.maintenance import active_maintenance
from pagerduty_mcp.sandbox.model.store import Store, public
from pagerduty_mcp.sandbox.protocol import bad_request, paginate_offset
from pagerduty_mcp.sandbox.router import Context, route

__all__ = ["SERVICE_INCLUDES", "render_service", "service_status"]

SERVICE_INCLUDES = ("escalation_policies", "teams", "integrations", "auto_pause_notifications_parameters")


def service_status(state: Store, service: dict[str, Any]) -> str:
    """``critical``/``warning`` from open incidents, ``maintenance`` in a window, else the stored status."""
    if service.get("status") == "disabled":
        return "disabled"
    now = state.clock()
    if active_maintenance(state, service["id"], now):
        return "maintenance"
    worst = "active"
    for incident in state.open_incidents_of(service["id"]):
        if incident["urgency"] == "high" and incident["status"] == "triggered":
            return "critical"
        worst = "warning"
    return worst


def render_service(state: Store, service: dict[str, Any], includes: list[str] | tuple[str, ...] = ()) -> dict[str, Any]:
    out = public(service)
    out["status"] = service_status(state, service)
    if "escalation_policies" in includes:
        policy = state.find("escalation_policies", service["escalation_policy"]["id"])
        if policy is not None:
            out["escalation_policy"] = public(policy)
    if "teams" in includes:
        out["teams"] = [public(state.get("teams", t["id"])) for t in service["teams"] if state.find("teams", t["id"])]
    if "integrations" in includes:
        out["integrations"] = [
            public(state.get("integrations", i["id"]))
            for i in service["integrations"]
            if state.find("integrations", i["id"])
        ]
    return out


@route("GET", "/services")
def list_services(ctx: Context) -> dict[str, Any]:
    state = ctx.store
    req = ctx.req
    query = (req.arg("query") or "").lower()
    name = req.arg("name")
    team_ids = set(req.array("team_ids"))
    includes = req.enum_array("include", SERVICE_INCLUDES)
    sort_by = req.arg("sort_by", "name")
    if sort_by not in ("name", "name:asc", "name:desc"):
        raise bad_request(errors=["sort_by must be name, name:asc or name:desc"])
    services = [
        s
        for s in state.all("services")
        if (not query or query in s["name"].lower())
        and (name is None or s["name"] == name)
        and (not team_ids or any(t["id"] in team_ids for t in s["teams"]))
    ]
    services.sort(key=lambda s: s["name"].lower(), reverse=sort_by == "name:desc")
    page = paginate_offset(services, req, "services")
    page["services"] = [render_service(state, s, includes) for s in page["services"]]
    return page


@route("GET", "/services/{id}")
def get_service(ctx: Context) -> dict[str, Any]:
    includes = ctx.req.enum_array("include", SERVICE_INCLUDES)
    return {"service": render_service(ctx.store, ctx.store.get("services", ctx.params["id"]), includes)}
