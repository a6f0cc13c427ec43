"""Responder analytics: ``POST /analytics/metrics/responders/{all,teams}``."""

from __future__ import annotations

from typing import Any

from pagerduty_mcp.sandbox.model import responder_analytics
from pagerduty_mcp.sandbox.router import Context, route

__all__: list[str] = []


@route("POST", "/analytics/metrics/responders/all")
def responders_all(ctx: Context) -> dict[str, Any]:
    return responder_analytics.all_responders(ctx.store, ctx.req.json())


@route("POST", "/analytics/metrics/responders/teams")
def responders_by_team(ctx: Context) -> dict[str, Any]:
    return responder_analytics.by_team(ctx.store, ctx.req.json())
