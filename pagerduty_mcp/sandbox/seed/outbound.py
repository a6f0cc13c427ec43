"""The seed account's outbound integrations: webhook subscriptions (one per kind of filter, the
account-wide one temporarily disabled) and extensions of three schemas on its services.

Made after the incidents, so that every id made before stays what it was.
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any, NamedTuple

from pagerduty_mcp.sandbox.model.store import Store
from pagerduty_mcp.sandbox.model.webhooks import build_subscription
from pagerduty_mcp.sandbox.seed.data import Ids

__all__ = ["EXTENSIONS", "EXTENSION_SCHEMAS", "WEBHOOKS", "add_outbound"]

_INCIDENT_LIFECYCLE = ("incident.triggered", "incident.acknowledged", "incident.resolved")


class Webhook(NamedTuple):
    url: str
    filter: tuple[str, str | None]  # ("service" | "team", name) or ("account", None)
    events: tuple[str, ...]
    header_names: tuple[str, ...]  # values are made up per account: secrets, never data
    temporarily_disabled: bool = False


# description -> subscription
WEBHOOKS: dict[str, Webhook] = {
    "Checkout incidents to the storefront status bot": Webhook(
        "https://hooks.acme-shop.example/pagerduty/checkout",
        ("service", "Checkout API"),
        (*_INCIDENT_LIFECYCLE, "incident.escalated"),
        ("X-Acme-Token",),
    ),
    "Payments team incidents to ServiceNow": Webhook(
        "https://acme-shop.service-now.example/api/x_pd/webhook",
        ("team", "Payments"),
        (*_INCIDENT_LIFECYCLE, "incident.priority_updated", "incident.annotated"),
        ("Authorization", "X-ServiceNow-Instance"),
    ),
    "Account-wide audit feed": Webhook(
        "https://audit.acme-shop.example/pagerduty/events",
        ("account", None),
        (*_INCIDENT_LIFECYCLE, "service.created", "service.updated", "service.deleted"),
        (),
        temporarily_disabled=True,
    ),
}


class Schema(NamedTuple):
    key: str
    description: str
    send_types: tuple[str, ...]


_ALL_SEND_TYPES = ("trigger", "acknowledge", "resolve", "delegate", "escalate", "unacknowledge", "assign", "custom")

# label -> extension schema
EXTENSION_SCHEMAS: dict[str, Schema] = {
    "Slack": Schema("slack_v2", "Posts incidents to a Slack channel, with buttons to act on them.", _ALL_SEND_TYPES),
    "ServiceNow": Schema(
        "servicenow_v7", "Opens and syncs ServiceNow incidents for PagerDuty incidents.", _ALL_SEND_TYPES
    ),
    "Generic V2 Webhook": Schema("generic_v2_webhook", "Sends incident events to any URL as JSON.", _ALL_SEND_TYPES),
    "Microsoft Teams": Schema("microsoft_teams", "Posts incidents to a Microsoft Teams channel.", _ALL_SEND_TYPES[:3]),
}


class Extension(NamedTuple):
    schema: str
    services: tuple[str, ...]
    endpoint_url: str
    config: dict[str, Any]


# name -> extension
EXTENSIONS: dict[str, Extension] = {
    "#checkout-alerts": Extension(
        "Slack",
        ("Checkout API", "Cart Service"),
        "https://hooks.slack.example/services/TACME0001/BCHECKOUT1/not-a-real-token",
        {"channel": "#checkout-alerts", "notify_types": {"resolve": True, "acknowledge": True}},
    ),
    "ServiceNow payments sync": Extension(
        "ServiceNow",
        ("Payments Gateway",),
        "https://acme-shop.service-now.example/api/x_pd_integration/pagerduty2sn",
        {"snow_user": "pagerduty", "sync_options": "sync_all", "target": "https://acme-shop.service-now.example"},
    ),
    "Orders DB change audit": Extension(
        "Generic V2 Webhook",
        ("Orders DB",),
        "https://audit.acme-shop.example/pagerduty/extensions/orders-db",
        {"referer": "pagerduty"},
    ),
}


def add_outbound(store: Store, services: Ids, teams: Ids) -> None:
    add_webhook_subscriptions(store, services, teams)
    schemas = add_extension_schemas(store)
    add_extensions(store, services, schemas)


def add_webhook_subscriptions(store: Store, services: Ids, teams: Ids) -> None:
    for description, spec in WEBHOOKS.items():
        kind, name = spec.filter
        target: dict[str, Any] = {"type": f"{kind}_reference"}
        if name is not None:
            target["id"] = (services if kind == "service" else teams)[name]
        subscription = build_subscription(
            store,
            {
                "description": description,
                "events": list(spec.events),
                "filter": target,
                "delivery_method": {
                    "type": "http_delivery_method",
                    "url": spec.url,
                    "custom_headers": [
                        {"name": h, "value": f"seeded-{store.rng.getrandbits(64):016x}"} for h in spec.header_names
                    ],
                },
            },
        )
        subscription["_disabled"] = spec.temporarily_disabled


def add_extension_schemas(store: Store) -> Ids:
    ids: Ids = {}
    for label, spec in EXTENSION_SCHEMAS.items():
        schema: dict[str, Any] = {
            "id": store.new_id(),
            "label": label,
            "key": spec.key,
            "description": spec.description,
            "send_types": list(spec.send_types),
            "guide_url": f"https://support.pagerduty.com/docs/{spec.key.replace('_', '-')}",
            "icon_url": f"https://assets.pagerduty.example/extensions/{spec.key}-icon.png",
            "logo_url": f"https://assets.pagerduty.example/extensions/{spec.key}-logo.png",
            "url": f"https://extensions.pagerduty.example/{spec.key}",
        }
        store.stamp("extension_schemas", schema, label)
        ids[label] = store.put("extension_schemas", schema)["id"]
    return ids


def add_extensions(store: Store, services: Ids, schemas: Ids) -> None:
    for name, spec in EXTENSIONS.items():
        extension: dict[str, Any] = {
            "id": store.new_id(),
            "name": name,
            "endpoint_url": spec.endpoint_url,
            "extension_schema": store.ref_to("extension_schemas", schemas[spec.schema]),
            "extension_objects": [store.ref_to("services", services[s]) for s in spec.services],
            "temporarily_disabled": False,
            "config": deepcopy(spec.config),
        }
        store.stamp("extensions", extension, name)
        store.put("extensions", extension)
