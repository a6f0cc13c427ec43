"""Incident analytics: ``POST /analytics/metrics/incidents/{all,services,teams}``."""

from __future__ import annotations

from typing import Any

from pagerduty_mcp.sandbox.model import analytics
from pagerduty_mcp.sandbox.router import Context, Handler, route

__all__: list[str] = []


def _metrics_route(grouping: str) -> Handler:
    def handler(ctx: Context) -> dict[str, Any]:
        user_level = ctx.principal is not None and ctx.principal.kind != "account"
        return analytics.incident_metrics(ctx.store, ctx.req.json(), grouping, user_level)

    handler.__name__ = f"incident_metrics_{grouping}"
    return route("POST", f"/analytics/metrics/incidents/{grouping}")(handler)


for _grouping in analytics.GROUPINGS:
    _metrics_route(_grouping)
