"""Incident writes: create, bulk manage, notes, responders, merge, snooze, status updates, alerts."""

from __future__ import annotations

from typing import Any

from pagerduty_mcp.sandbox.model import incident_actions as actions
from pagerduty_mcp.sandbox.model import incidents
from pagerduty_mcp.sandbox.model.store import public
from pagerduty_mcp.sandbox.protocol import Reply, bad_request
from pagerduty_mcp.sandbox.router import Context, route

__all__: list[str] = []


def _body(ctx: Context) -> dict[str, Any]:
    data = ctx.req.json()
    if not isinstance(data, dict):
        raise bad_request(errors=["The request body must be a JSON object"])
    return data


def _incident(ctx: Context) -> dict[str, Any]:
    return incidents.by_id_or_number(ctx.store, ctx.params["id"])


def _listed(items: list[dict[str, Any]], key: str) -> dict[str, Any]:
    """A bulk answer: every item at once, shaped as one page."""
    return {key: items, "limit": len(items), "offset": 0, "more": False, "total": None}


@route("POST", "/incidents")
def create_incident(ctx: Context) -> Reply:
    user = ctx.acting_user()
    incident, kind = incidents.create_from_request(ctx.store, ctx.req.entity("incident"), user, ctx.now)
    out = incidents.shown(ctx.store, incident)
    if kind is not None:
        out["incident_type"] = {"name": kind["name"]}
    return Reply({"incident": out}, status=201)


@route("PUT", "/incidents")
def manage_incidents(ctx: Context) -> dict[str, Any]:
    user = ctx.acting_user()
    changed = actions.manage(ctx.store, _body(ctx).get("incidents"), user, ctx.now)
    return _listed([incidents.shown(ctx.store, incident) for incident in changed], "incidents")


@route("POST", "/incidents/{id}/notes")
def create_note(ctx: Context) -> Reply:
    user = ctx.acting_user()
    incident = _incident(ctx)
    content = ctx.req.entity("note").get("content")
    note = incidents.annotate(ctx.store, incident, content, ctx.now, user["id"])
    return Reply({"note": public(note)}, status=201)


@route("POST", "/incidents/{id}/responder_requests")
def create_responder_request(ctx: Context) -> dict[str, Any]:
    incident = _incident(ctx)
    return {"responder_request": actions.request_responders(ctx.store, incident, _body(ctx), ctx.now)}


@route("PUT", "/incidents/{id}/responder_requests/cancel")
def cancel_responder_requests(ctx: Context) -> dict[str, Any]:
    incident = _incident(ctx)
    return {"responder_request_targets": actions.cancel_responders(ctx.store, incident, _body(ctx), ctx.now)}


@route("POST", "/incidents/{id}/status_updates")
def create_status_update(ctx: Context) -> dict[str, Any]:
    user = ctx.acting_user()
    incident = _incident(ctx)
    return {"status_update": actions.post_status_update(ctx.store, incident, _body(ctx), user, ctx.now)}


@route("PUT", "/incidents/{id}/merge")
def merge_incidents(ctx: Context) -> dict[str, Any]:
    user = ctx.acting_user()
    target = _incident(ctx)
    actions.merge(ctx.store, target, _body(ctx).get("source_incidents"), user, ctx.now)
    return {"incident": ctx.store.ref(target)}


@route("POST", "/incidents/{id}/snooze")
def snooze_incident(ctx: Context) -> Reply:
    user = ctx.acting_user()
    incident = _incident(ctx)
    actions.snooze(ctx.store, incident, _body(ctx).get("duration"), user, ctx.now)
    return Reply({"incident": incidents.shown(ctx.store, incident)}, status=201)


@route("PUT", "/incidents/{id}/alerts")
def manage_alerts(ctx: Context) -> dict[str, Any]:
    user = ctx.acting_user()
    incident = _incident(ctx)
    updated = actions.manage_alerts(ctx.store, incident, _body(ctx).get("alerts"), user, ctx.now)
    return _listed([public(alert) for alert in updated], "alerts")
