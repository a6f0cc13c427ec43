"""Webhook subscriptions (v3): where PagerDuty sends events, for a service, a team or the account.

Custom header values are secrets (tokens, passwords): they are sent to PagerDuty and never come
back in an answer, an error or a log line (``masking``); answers name the headers only.
"""

from __future__ import annotations

import functools
import re
from typing import Annotated, Any

from pydantic import Field

from pagerduty_mcp.common import (
    Envelope,
    Limit,
    Offset,
    Page,
    PagerDutyClient,
    Question,
    ToolFailure,
    at_once,
    check_references_exist,
    fact,
    get_client,
    id_or_url,
    invalid,
    masking,
    not_found,
    paginate,
    path,
    resolved_row,
    respond,
    tool,
)
from pagerduty_mcp.servers.services.models import WebhookSubscription
from pagerduty_mcp.servers.services.params import Id

__all__ = [
    "create_webhook_subscription",
    "delete_webhook_subscription",
    "get_webhook_subscription",
    "list_webhook_subscriptions",
    "test_webhook_subscription",
    "update_webhook_subscription",
]

ServiceFilter = Annotated[Id | None, id_or_url("Service it is for")]
TeamFilter = Annotated[Id | None, id_or_url("Team it is for")]
Events = Annotated[
    list[str] | None,
    Field(min_length=1, max_length=50, description="Event types, e.g. incident.triggered, incident.resolved."),
]
SubscriptionId = Annotated[Id, id_or_url("Webhook subscription id")]

_DEFAULT_EVENTS = [
    "incident.triggered",
    "incident.acknowledged",
    "incident.unacknowledged",
    "incident.escalated",
    "incident.reassigned",
    "incident.delegated",
    "incident.priority_updated",
    "incident.annotated",
    "incident.reopened",
    "incident.resolved",
]
_EVENT = re.compile(r"^[a-z_]+(\.[a-z_]+)+$")
_HEADER_NAME = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$")
_MAX_HEADERS = 10
_MAX_FILTER_NAMES = 10  # distinct services and teams named in one list answer
_ALL_ROWS = 1000  # what a list filtered here (by event or state) reads, at most


def _read(client: PagerDutyClient, ident: str) -> dict[str, Any]:
    try:
        return dict(client.read(path("/webhook_subscriptions/{}", ident))["webhook_subscription"])
    except ToolFailure as failure:
        if failure.code == "WEBHOOK_SUBSCRIPTION_NOT_FOUND":
            raise not_found("webhook_subscription", ident, "list_webhook_subscriptions finds valid ids") from None
        raise


_FILTER_KINDS = ("service", "team")


def _name_of(client: PagerDutyClient, kind: str, ident: str) -> str | None:
    resolved = resolved_row(ident)  # the service or team the caller named: its name is known
    if resolved is not None:
        return str(resolved[1].get("name") or resolved[1].get("summary") or "") or None
    try:
        # Literal paths, so that the tool's OAuth scopes (read from its code) include both reads.
        body = client.read(path("/services/{}", ident) if kind == "service" else path("/teams/{}", ident))
    except ToolFailure as failure:
        if failure.code.endswith("_NOT_FOUND"):
            return None  # the service or team is gone; the subscription still names its id
        raise
    return (body.get(kind) or {}).get("name")


def _with_names(client: PagerDutyClient, raw: list[dict[str, Any]]) -> list[WebhookSubscription]:
    """Subscriptions with the name of the service or team each is for (the API gives ids only)."""
    rows = [WebhookSubscription.from_api(s) for s in raw]
    wanted = list(dict.fromkeys((f.type, f.id) for r in rows if (f := r.filter) and f.id and f.type in _FILTER_KINDS))
    wanted = wanted[:_MAX_FILTER_NAMES]
    names = dict(zip(wanted, at_once(*(functools.partial(_name_of, client, k, i) for k, i in wanted)), strict=True))
    for row in rows:
        if row.filter is not None and row.filter.id:
            row.filter.name = names.get((row.filter.type, row.filter.id))
    return rows


def _filter(service_id: str | None, team_id: str | None, account: bool) -> dict[str, Any] | None:
    given = [n for n, v in (("service_id", service_id), ("team_id", team_id), ("account", account)) if v]
    if len(given) > 1:
        raise invalid(given[1], f"give only one of service_id, team_id or account (got {', '.join(given)})")
    if service_id:
        return {"type": "service_reference", "id": service_id}
    if team_id:
        return {"type": "team_reference", "id": team_id}
    return {"type": "account_reference"} if account else None


def _events(events: list[str] | None) -> list[str] | None:
    if events is None:
        return None
    for event in events:
        if not _EVENT.fullmatch(event):
            raise invalid("events", f"{event[:80]!r} is not an event type like incident.triggered")
    return list(dict.fromkeys(events))


def _checked_write(client: PagerDutyClient, method: str, url: str, body: dict[str, Any]) -> dict[str, Any]:
    try:
        return client.write(method, url, body)
    except ToolFailure as failure:
        if failure.code != "INVALID_PARAMETER":
            raise
        # An unknown service or team is refused as a bad request: say so, naming its parameter,
        # before blaming the URL or the events. Checked only now, so a good request costs nothing more.
        target = (body.get("webhook_subscription") or {}).get("filter") or {}
        kind = str(target.get("type") or "").removesuffix("_reference")
        if kind in _FILTER_KINDS and target.get("id"):
            check_references_exist({f"{kind}_id": target["id"]}, [f"{kind}_id"])
        # PagerDuty's webhook errors may come without a reason: say what it checks.
        raise ToolFailure(
            failure.code,
            f"{failure.message} PagerDuty checks that url is https and that each of "
            "events is a webhook event type (incident.triggered, incident.resolved, service.updated...).",
            failure.details,
        ) from None


def _delivering(row: WebhookSubscription) -> bool:
    return bool(row.active) and not row.temporarily_disabled


@tool("List webhook subscriptions")
def list_webhook_subscriptions(
    service_id: ServiceFilter = None,
    team_id: TeamFilter = None,
    account: Annotated[bool, Field(description="Only account-wide ones.")] = False,
    event: Annotated[str | None, Field(description="Only those sending this event type.")] = None,
    active: Annotated[
        bool | None, Field(description="true: only those delivering; false: inactive or temporarily disabled.")
    ] = None,
    limit: Limit = 25,
    offset: Offset = 0,
) -> Envelope:
    """Webhook subscriptions: URL, events, the service, team or account each is for, and whether it delivers.
    Header values are never shown."""
    params: dict[str, Any] = {}
    target = _filter(service_id, team_id, account)
    if target is not None:
        params["filter_type"] = target["type"].removesuffix("_reference")
        if "id" in target:
            params["filter_id"] = target["id"]
    client = get_client()
    if event is None and active is None:
        page = paginate(client, "/webhook_subscriptions", "webhook_subscriptions", params, limit=limit, offset=offset)
    else:  # PagerDuty filters by neither: read them all, filter and page here
        found = paginate(client, "/webhook_subscriptions", "webhook_subscriptions", params, limit=_ALL_ROWS)
        kept = [
            s
            for s in found.items
            if (event is None or event in (s.get("events") or []))
            and (active is None or _delivering(WebhookSubscription.from_api(s)) == active)
        ]
        end = offset + limit
        more = end < len(kept)
        page = Page(kept[offset:end], has_more=more, next_offset=end if more else None, total=len(kept))
        if found.has_more:
            page.notes.append(f"only the first {_ALL_ROWS} subscriptions were searched")
    rows = _with_names(client, page.items)
    off = sum(1 for r in rows if not _delivering(r))
    return respond(
        "webhook_subscriptions", rows, f"{len(rows)} webhook subscription(s), {off} not delivering", page=page
    )


@tool("Get webhook subscription")
def get_webhook_subscription(webhook_subscription_id: SubscriptionId) -> Envelope:
    """One webhook subscription: URL, events, what it is for, state, custom header names."""
    client = get_client()
    row = _with_names(client, [_read(client, webhook_subscription_id)])[0]
    state = "delivering" if _delivering(row) else "not delivering"
    return respond("webhook_subscriptions", [row], f"Webhook to {row.url}: {state}")


def _headers(custom_headers: dict[str, str] | None) -> list[dict[str, str]]:
    if not custom_headers:
        return []
    if len(custom_headers) > _MAX_HEADERS:
        raise invalid("custom_headers", f"at most {_MAX_HEADERS} headers")
    for name, value in custom_headers.items():
        if not _HEADER_NAME.fullmatch(name):
            raise invalid("custom_headers", f"{name[:80]!r} is not a header name")
        if any(c in value for c in "\r\n\0"):
            # Names the header, never its value.
            raise invalid("custom_headers", f"the value of {name} must be one line")
    return [{"name": name, "value": value} for name, value in custom_headers.items()]


@tool("Create webhook subscription", "create")
def create_webhook_subscription(
    url: Annotated[str, Field(min_length=8, max_length=2048, description="Where to send events (https).")],
    events: Events = None,
    service_id: ServiceFilter = None,
    team_id: TeamFilter = None,
    description: Annotated[str | None, Field(max_length=500, description="What it is for.")] = None,
    custom_headers: Annotated[
        dict[str, str] | None, Field(description="Header name to value, sent with each event; values are secret.")
    ] = None,
) -> Envelope:
    """Send PagerDuty events to a URL, for one service, one team, or (neither given) the whole account.
    Default events: the incident lifecycle. Then test_webhook_subscription checks delivery."""
    with masking(*(custom_headers or {}).values()):
        target = _filter(service_id, team_id, False) or {"type": "account_reference"}
        if not url.startswith(("https://", "http://")):
            raise invalid("url", "must be an absolute https:// URL")
        method: dict[str, Any] = {"type": "http_delivery_method", "url": url}
        headers = _headers(custom_headers)
        if headers:
            method["custom_headers"] = headers
        body = {
            "type": "webhook_subscription",
            "delivery_method": method,
            "events": _events(events) or _DEFAULT_EVENTS,
            "filter": target,
            "description": description or "",
        }
        client = get_client()
        created = _checked_write(client, "POST", "/webhook_subscriptions", {"webhook_subscription": body})
        row = _with_names(client, [created["webhook_subscription"]])[0]
    return respond(
        "webhook_subscriptions",
        [row],
        f"Created webhook subscription {row.id} to {row.url}",
        # PagerDuty shows the signing secret in this answer only; secrets never reach the model.
        signing_secret="withheld: PagerDuty shows it only at creation, and secrets never reach answers here",
    )


@tool("Update webhook subscription", "update")
def update_webhook_subscription(
    webhook_subscription_id: SubscriptionId,
    events: Events = None,
    service_id: ServiceFilter = None,
    team_id: TeamFilter = None,
    account: Annotated[bool, Field(description="Make it account-wide.")] = False,
    description: Annotated[str | None, Field(max_length=500, description="New description.")] = None,
    active: Annotated[
        bool | None, Field(description="false: stop sending; true: send again, re-enabling a temporarily disabled one.")
    ] = None,
) -> Envelope:
    """Change a webhook subscription; only what is given changes. URL and headers are fixed: create a new one."""
    changes: dict[str, Any] = {}
    target = _filter(service_id, team_id, account)
    if target is not None:
        changes["filter"] = target
    if events is not None:
        changes["events"] = _events(events)
    if description is not None:
        changes["description"] = description
    if active is not None:
        changes["active"] = active
    if not changes:
        raise invalid("webhook_subscription_id", "nothing to change: give at least one setting")
    client = get_client()
    before = WebhookSubscription.from_api(_read(client, webhook_subscription_id))
    answer: dict[str, Any] = {}
    # Only active=true on one already delivering changes nothing: no request then.
    sent = changes.keys() != {"active"} or before.active != active
    if sent:
        answer = _checked_write(
            client, "PUT", path("/webhook_subscriptions/{}", webhook_subscription_id), {"webhook_subscription": changes}
        )
    enabled = bool(active) and bool(before.temporarily_disabled)
    if enabled:  # PagerDuty stopped sending after refused deliveries: only this endpoint resumes it
        answer = client.write("POST", path("/webhook_subscriptions/{}/enable", webhook_subscription_id))
    raw = answer.get("webhook_subscription") or _read(client, webhook_subscription_id)
    row = _with_names(client, [raw])[0]
    done = (sorted(changes) if sent else []) + (["re-enabled"] if enabled else [])
    what = ", ".join(done) or "nothing (it was already active)"
    return respond("webhook_subscriptions", [row], f"Updated {what} of webhook {row.id}", updated=done)


def _asks_before_deleting(arguments: dict[str, Any]) -> Question:
    """Always: PagerDuty stops sending events to the URL, for good."""
    client = get_client()
    row = _with_names(client, [_read(client, arguments["webhook_subscription_id"])])[0]
    facts = [fact("Sends to", row.url or row.id)]
    scope = row.filter.type.removesuffix("_reference") if row.filter is not None else "account"
    if row.filter is not None and row.filter.id:
        facts.append(fact(f"Events of the {scope}", row.filter.name or row.filter.id))
    return Question(f"Delete a webhook subscription ({scope} events). This cannot be undone.", tuple(facts))


@tool("Delete webhook subscription", "delete", confirm=_asks_before_deleting)
def delete_webhook_subscription(webhook_subscription_id: SubscriptionId) -> Envelope:
    """Delete a webhook subscription for good. To pause it: update_webhook_subscription active=false."""
    client = get_client()
    row = WebhookSubscription.from_api(_read(client, webhook_subscription_id))
    client.write("DELETE", path("/webhook_subscriptions/{}", webhook_subscription_id))
    return respond("webhook_subscriptions", [row], f"Deleted webhook subscription {row.id} to {row.url}", deleted=True)


@tool("Test webhook subscription", "create")
def test_webhook_subscription(webhook_subscription_id: SubscriptionId) -> Envelope:
    """Ask PagerDuty to send a test event (pagey.ping) to the subscription's URL. PagerDuty accepts it but
    does not report whether the endpoint got it."""
    client = get_client()
    before = WebhookSubscription.from_api(_read(client, webhook_subscription_id))
    client.write("POST", path("/webhook_subscriptions/{}/ping", webhook_subscription_id))
    after = _with_names(client, [_read(client, webhook_subscription_id)])[0]
    if not before.active:
        verdict = "it is inactive, so PagerDuty sends it no events (maybe not this one either); active=true resumes"
    elif after.temporarily_disabled:
        verdict = (
            "PagerDuty has temporarily disabled it: deliveries to the URL keep failing. Fix the endpoint, then "
            "update_webhook_subscription active=true"
        )
    else:
        verdict = "whether the endpoint received it is not reported: check the endpoint's own logs"
    return respond(
        "webhook_subscriptions",
        [after],
        f"PagerDuty accepted a test event (pagey.ping) for {after.url}; {verdict}",
        verified=["the subscription exists", "PagerDuty accepted the test event"],
        not_verified=["that the endpoint received or accepted it"],
    )
