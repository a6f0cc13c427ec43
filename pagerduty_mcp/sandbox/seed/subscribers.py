"""The seed account's stakeholders on its open incidents: on each one that impacts a business
service, the team that owns that business service and the support lead follow its status updates.

Subscriptions are relations, not objects: they take no ids, so no id of the account changes.
"""

from __future__ import annotations

from pagerduty_mcp.sandbox.model import impacts, subscribers
from pagerduty_mcp.sandbox.model.store import Store
from pagerduty_mcp.sandbox.seed.data import Ids

__all__ = ["STAKEHOLDERS", "add_incident_subscribers"]

# users who follow every incident that impacts a business service
STAKEHOLDERS = ("Chloe Martin",)


def add_incident_subscribers(store: Store, users: Ids) -> None:
    for incident in store.open_incidents_in():
        owners = [b["team"]["id"] for b in impacts.business_services_impacted(store, incident) if b.get("team")]
        if not owners:
            continue
        wanted = [{"subscriber_id": t, "subscriber_type": "team"} for t in dict.fromkeys(owners)]
        wanted += [{"subscriber_id": users[name], "subscriber_type": "user"} for name in STAKEHOLDERS]
        subscribers.subscribe(store, incident, {"subscribers": wanted})
