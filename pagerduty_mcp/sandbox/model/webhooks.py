"""Where the account sends events out: webhook subscriptions, and their deliveries.

A subscription keeps its custom header values and signing secret privately (``_headers``,
``_secret``); what the API shows has every header value replaced, as PagerDuty does on reads.

The sandbox is offline, so it delivers only to loopback addresses (a receiver a test or a user
started on this machine), and only when started to (``--deliver-webhooks``): a sandbox served to a
team must not be made to send requests to services on its own host. Any other delivery is accepted
and not made.
A receiver that keeps refusing gets its subscription temporarily disabled, as PagerDuty does.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from pagerduty_mcp.sandbox.model.store import Store, public
from pagerduty_mcp.sandbox.protocol import bad_request, format_time

__all__ = [
    "EVENT_TYPES",
    "REDACTED_HEADER",
    "build_subscription",
    "check_events",
    "check_filter",
    "deliver_ping",
    "enable",
    "is_loopback",
    "listed",
    "shown",
    "update_subscription",
]

# PagerDuty's v3 webhook event types.
EVENT_TYPES = (
    "incident.acknowledged",
    "incident.annotated",
    "incident.conference_bridge.updated",
    "incident.custom_field_values.updated",
    "incident.delegated",
    "incident.escalated",
    "incident.incident_type.changed",
    "incident.priority_updated",
    "incident.reassigned",
    "incident.reopened",
    "incident.resolved",
    "incident.responder.added",
    "incident.responder.replied",
    "incident.service_updated",
    "incident.status_update_published",
    "incident.triggered",
    "incident.unacknowledged",
    "incident.workflow.completed",
    "incident.workflow.started",
    "service.created",
    "service.deleted",
    "service.updated",
    "pagey.ping",
)
REDACTED_HEADER = "-- redacted --"
# Refused deliveries in a row after which PagerDuty stops sending ("temporarily disabled").
REFUSALS_TO_DISABLE = 3
_DELIVERY_TIMEOUT_SECONDS = 2.0
_FILTER_KINDS = {"service_reference": "services", "team_reference": "teams"}
_FILTER_TYPES = {"account": "account_reference", "service": "service_reference", "team": "team_reference"}


def is_loopback(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_filter(store: Store, value: Any) -> dict[str, Any]:
    """A subscription's filter as stored: account-wide, or a service or team of the account."""
    if not isinstance(value, dict) or value.get("type") not in ("account_reference", *_FILTER_KINDS):
        raise bad_request(errors=["filter.type must be account_reference, service_reference or team_reference"])
    if value["type"] == "account_reference":
        return {"type": "account_reference"}
    ident = str(value.get("id") or "")
    if not ident:
        raise bad_request(errors=[f"filter.id is required for a {value['type']}"])
    if store.find(_FILTER_KINDS[value["type"]], ident) is None:
        raise bad_request(errors=[f"filter.id {ident} is not a {value['type'].removesuffix('_reference')} here"])
    return {"id": ident, "type": value["type"]}


def check_events(value: Any) -> list[str]:
    if not isinstance(value, list) or not value:
        raise bad_request(errors=["events must list at least one event type"])
    unknown = [str(e) for e in value if e not in EVENT_TYPES]
    if unknown:
        raise bad_request(errors=[f"unknown event type(s): {', '.join(unknown)[:200]}"])
    return list(dict.fromkeys(value))


def _check_headers(value: Any) -> list[dict[str, str]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise bad_request(errors=["delivery_method.custom_headers must be a list"])
    headers = []
    for item in value:
        name = item.get("name") if isinstance(item, dict) else None
        header_value = item.get("value") if isinstance(item, dict) else None
        if not isinstance(name, str) or not name or not isinstance(header_value, str):
            # Never the value in an error: it is a secret.
            raise bad_request(errors=["each custom header needs a name and a string value"])
        headers.append({"name": name, "value": header_value})
    return headers


def build_subscription(store: Store, data: dict[str, Any]) -> dict[str, Any]:
    """A new subscription from a create request's ``webhook_subscription`` (400 on bad input)."""
    method = data.get("delivery_method")
    if not isinstance(method, dict) or method.get("type", "http_delivery_method") != "http_delivery_method":
        raise bad_request(errors=["delivery_method.type must be http_delivery_method"])
    url = str(method.get("url") or "")
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise bad_request(errors=["delivery_method.url must be an absolute URL"])
    if parts.scheme == "http" and not is_loopback(url):
        raise bad_request(errors=["delivery_method.url must use https"])
    active = data.get("active", True)
    if not isinstance(active, bool):
        raise bad_request(errors=["active must be true or false"])
    subscription = {
        "id": store.new_id(),
        "type": "webhook_subscription",
        "active": active,
        "description": str(data.get("description") or ""),
        "events": check_events(data.get("events")),
        "filter": check_filter(store, data.get("filter")),
        "delivery_method": {"id": store.new_id(), "type": "http_delivery_method", "url": url},
        "_headers": _check_headers(method.get("custom_headers")),
        # From the account's own generator, so that a seed gives the same account every time.
        "_secret": f"{store.rng.getrandbits(192):048x}",
        "_disabled": False,
        "_refusals": 0,
        "_deliveries": [],
    }
    return store.put("webhook_subscriptions", subscription)


def listed(store: Store, kind: str | None, ident: str | None) -> list[dict[str, Any]]:
    """Subscriptions of one kind of filter (account, service or team; a service or team by id), or all."""
    if kind is not None and kind not in _FILTER_TYPES:
        raise bad_request(errors=["filter_type must be account, service or team"])
    if kind in ("service", "team") and not ident:
        raise bad_request(errors=[f"filter_id is required when filter_type is {kind}"])
    return [
        s
        for s in store.all("webhook_subscriptions")
        if kind is None
        or (s["filter"]["type"] == _FILTER_TYPES[kind] and (kind == "account" or s["filter"].get("id") == ident))
    ]


def update_subscription(store: Store, subscription: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """Apply what ``data`` changes, checked whole before any of it applies."""
    changes: dict[str, Any] = {}
    if "description" in data:
        changes["description"] = str(data["description"] or "")
    if "events" in data:
        changes["events"] = check_events(data["events"])
    if "filter" in data:
        changes["filter"] = check_filter(store, data["filter"])
    if "active" in data:
        if not isinstance(data["active"], bool):
            raise bad_request(errors=["active must be true or false"])
        changes["active"] = data["active"]
    subscription.update(changes)
    return subscription


def enable(subscription: dict[str, Any]) -> dict[str, Any]:
    """Deliveries resume after the subscription was temporarily disabled."""
    subscription["_disabled"], subscription["_refusals"] = False, 0
    return subscription


def shown(subscription: dict[str, Any], *, with_secret: bool = False) -> dict[str, Any]:
    """The subscription as the API shows it: header values redacted, the secret only on create."""
    out = public(subscription)
    out["delivery_method"] = {
        **subscription["delivery_method"],
        "secret": subscription["_secret"] if with_secret else None,
        "temporarily_disabled": subscription["_disabled"],
        "custom_headers": [{"name": h["name"], "value": REDACTED_HEADER} for h in subscription["_headers"]],
    }
    return out


def deliver_ping(store: Store, subscription: dict[str, Any]) -> None:
    """Send ``pagey.ping`` the way PagerDuty would, when deliveries are on, the subscription is on
    and its URL is on this machine; record the outcome. Otherwise nothing is sent."""
    url = subscription["delivery_method"]["url"]
    if not store.deliver_webhooks or not subscription["active"] or subscription["_disabled"] or not is_loopback(url):
        return
    now = store.clock()
    payload = {
        "event": {
            "id": store.new_id(),
            "event_type": "pagey.ping",
            "resource_type": "pagey",
            "occurred_at": format_time(now),
            "agent": None,
            "client": None,
            "data": {"message": "Hello from your friend Pagey!", "type": "ping"},
        }
    }
    body = json.dumps(payload, separators=(",", ":")).encode()
    signature = hmac.new(subscription["_secret"].encode(), body, hashlib.sha256).hexdigest()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "PagerDuty-Webhook/V3.0",
        "X-Webhook-Id": payload["event"]["id"],
        "X-Webhook-Subscription": subscription["id"],
        "X-PagerDuty-Signature": f"v1={signature}",
        **{h["name"]: h["value"] for h in subscription["_headers"]},
    }
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with _NO_REDIRECTS.open(request, timeout=_DELIVERY_TIMEOUT_SECONDS) as answer:
            status = int(answer.status)
    except urllib.error.HTTPError as refused:
        status = refused.code
    except (OSError, ValueError):
        status = 0  # nothing answered
    accepted = 200 <= status < 300
    subscription["_deliveries"].append({"event": "pagey.ping", "at": format_time(now), "status": status})
    subscription["_refusals"] = 0 if accepted else subscription["_refusals"] + 1
    if subscription["_refusals"] >= REFUSALS_TO_DISABLE:
        subscription["_disabled"] = True


class _Refuse(urllib.request.HTTPRedirectHandler):
    """Redirects are not followed: one could lead off this machine."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_NO_REDIRECTS = urllib.request.build_opener(_Refuse, urllib.request.ProxyHandler({}))
