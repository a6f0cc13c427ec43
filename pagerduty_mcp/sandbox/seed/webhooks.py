"""The seed account's webhook subscriptions: one per kind of filter (a service, a team, the
account), the account-wide one temporarily disabled.

Made after the incidents, so that every id made before stays what it was.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from pagerduty_mcp.sandbox.model.store import Store
from pagerduty_mcp.sandbox.model.webhooks import build_subscription
from pagerduty_mcp.sandbox.seed.data import Ids

__all__ = ["WEBHOOKS", "add_webhook_subscriptions"]

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
