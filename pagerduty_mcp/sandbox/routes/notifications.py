"""How a user is reached: contact methods, notification rules and on-call hand-off rules, each
listed, read, created, changed and removed under ``/users/{id}``."""

from __future__ import annotations

from typing import Any

from pagerduty_mcp.sandbox.model import notifications, public, users
from pagerduty_mcp.sandbox.protocol import Reply, bad_request
from pagerduty_mcp.sandbox.router import Context, route

__all__: list[str] = []

_HANDOFF = "oncall_handoff_notification_rule"


def _user(ctx: Context) -> dict[str, Any]:
    return ctx.store.get("users", ctx.params["id"])


# -- contact methods ------------------------------------------------------------------------------
@route("GET", "/users/{id}/contact_methods")
def list_contact_methods(ctx: Context) -> dict[str, Any]:
    return {"contact_methods": users.contact_methods(ctx.store, _user(ctx))}


@route("POST", "/users/{id}/contact_methods")
def create_contact_method(ctx: Context) -> Reply:
    method = notifications.add_contact_method(ctx.store, _user(ctx), ctx.req.entity("contact_method"))
    return Reply({"contact_method": public(method)}, 201)


@route("GET", "/users/{id}/contact_methods/{contact_method_id}")
def get_contact_method(ctx: Context) -> dict[str, Any]:
    method = notifications.contact_method_of(ctx.store, _user(ctx), ctx.params["contact_method_id"])
    return {"contact_method": public(method)}


@route("PUT", "/users/{id}/contact_methods/{contact_method_id}")
def update_contact_method(ctx: Context) -> dict[str, Any]:
    user = _user(ctx)
    method = notifications.contact_method_of(ctx.store, user, ctx.params["contact_method_id"])
    changed = notifications.update_contact_method(ctx.store, user, method, ctx.req.entity("contact_method"))
    return {"contact_method": public(changed)}


@route("DELETE", "/users/{id}/contact_methods/{contact_method_id}")
def delete_contact_method(ctx: Context) -> Reply:
    notifications.delete_contact_method(ctx.store, _user(ctx), ctx.params["contact_method_id"])
    return Reply(None, 204)


# -- notification rules ---------------------------------------------------------------------------
@route("GET", "/users/{id}/notification_rules")
def list_notification_rules(ctx: Context) -> dict[str, Any]:
    user = _user(ctx)
    urgency = ctx.req.arg("urgency", "high")
    if urgency not in ("high", "low", "all"):
        raise bad_request(errors=["urgency must be one of high, low, all"])
    includes = ctx.req.enum_array("include", ("contact_methods",))
    return {"notification_rules": users.notification_rules(ctx.store, user, urgency, "contact_methods" in includes)}


@route("POST", "/users/{id}/notification_rules")
def create_notification_rule(ctx: Context) -> Reply:
    rule = notifications.add_notification_rule(ctx.store, _user(ctx), ctx.req.entity("notification_rule"))
    return Reply({"notification_rule": public(rule)}, 201)


@route("GET", "/users/{id}/notification_rules/{notification_rule_id}")
def get_notification_rule(ctx: Context) -> dict[str, Any]:
    rule = notifications.notification_rule_of(ctx.store, _user(ctx), ctx.params["notification_rule_id"])
    return {"notification_rule": public(rule)}


@route("PUT", "/users/{id}/notification_rules/{notification_rule_id}")
def update_notification_rule(ctx: Context) -> dict[str, Any]:
    user = _user(ctx)
    rule = notifications.notification_rule_of(ctx.store, user, ctx.params["notification_rule_id"])
    changed = notifications.update_notification_rule(ctx.store, user, rule, ctx.req.entity("notification_rule"))
    return {"notification_rule": public(changed)}


@route("DELETE", "/users/{id}/notification_rules/{notification_rule_id}")
def delete_notification_rule(ctx: Context) -> Reply:
    notifications.delete_notification_rule(ctx.store, _user(ctx), ctx.params["notification_rule_id"])
    return Reply(None, 204)


# -- on-call hand-off rules -----------------------------------------------------------------------
@route("GET", "/users/{id}/oncall_handoff_notification_rules")
def list_handoff_rules(ctx: Context) -> dict[str, Any]:
    rules = notifications.handoff_rules(ctx.store, _user(ctx))
    return {f"{_HANDOFF}s": [notifications.shown_handoff_rule(ctx.store, r) for r in rules]}


@route("POST", "/users/{id}/oncall_handoff_notification_rules")
def create_handoff_rule(ctx: Context) -> Reply:
    rule = notifications.add_handoff_rule(ctx.store, _user(ctx), ctx.req.entity(_HANDOFF))
    return Reply({_HANDOFF: notifications.shown_handoff_rule(ctx.store, rule)}, 201)


@route("GET", "/users/{id}/oncall_handoff_notification_rules/{oncall_handoff_notification_rule_id}")
def get_handoff_rule(ctx: Context) -> dict[str, Any]:
    rule = notifications.handoff_rule_of(ctx.store, _user(ctx), ctx.params["oncall_handoff_notification_rule_id"])
    return {_HANDOFF: notifications.shown_handoff_rule(ctx.store, rule)}


@route("PUT", "/users/{id}/oncall_handoff_notification_rules/{oncall_handoff_notification_rule_id}")
def update_handoff_rule(ctx: Context) -> dict[str, Any]:
    user = _user(ctx)
    rule = notifications.handoff_rule_of(ctx.store, user, ctx.params["oncall_handoff_notification_rule_id"])
    changed = notifications.update_handoff_rule(ctx.store, user, rule, ctx.req.entity(_HANDOFF))
    return {_HANDOFF: notifications.shown_handoff_rule(ctx.store, changed)}


@route("DELETE", "/users/{id}/oncall_handoff_notification_rules/{oncall_handoff_notification_rule_id}")
def delete_handoff_rule(ctx: Context) -> Reply:
    notifications.delete_handoff_rule(ctx.store, _user(ctx), ctx.params["oncall_handoff_notification_rule_id"])
    return Reply(None, 204)
