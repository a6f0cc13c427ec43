"""The seed account's extensions: schemas of four kinds (Slack, ServiceNow, a generic webhook,
Microsoft Teams) and extensions of three of them on its services.

Made after the webhook subscriptions, so that every id made before stays what it was.
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any, NamedTuple

from pagerduty_mcp.sandbox.model.store import Store
from pagerduty_mcp.sandbox.seed.data import Ids

__all__ = ["EXTENSIONS", "EXTENSION_SCHEMAS", "add_extension_schemas", "add_extensions"]


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
