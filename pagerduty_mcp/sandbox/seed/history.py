"""The seed account's generated history: change events and incidents over the last 30 days.

Drawn from the content RNG, so it follows the seed. ``size`` multiplies the incidents (and their
alerts, notes and log entries): size 1 gives about 60, size 100 about 6,000.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from datetime import datetime, timedelta
from typing import Any

from pagerduty_mcp.sandbox.model.alerts import add_alert
from pagerduty_mcp.sandbox.model.incidents import add_note, create_incident, set_incident_status
from pagerduty_mcp.sandbox.model.log_entries import add_log_entry
from pagerduty_mcp.sandbox.model.schedules import render_schedule
from pagerduty_mcp.sandbox.model.store import Store
from pagerduty_mcp.sandbox.protocol import format_time
from pagerduty_mcp.sandbox.seed import data

__all__ = ["HISTORY_DAYS", "INCIDENTS_PER_SIZE", "add_change_events", "add_incidents", "integration_key"]

INCIDENTS_PER_SIZE = 60
HISTORY_DAYS = 30
CHANGE_EVENTS = 20


def integration_key(rng: random.Random) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(32))


def _slug(name: str) -> str:
    return name.lower().replace(" ", "-")


def add_change_events(store: Store, services: list[str], now: datetime, rng: random.Random) -> None:
    for _ in range(CHANGE_EVENTS):
        service = store.get("services", services[rng.randrange(len(services))])
        at = now - timedelta(minutes=rng.randrange(HISTORY_DAYS * 24 * 60))
        kind = rng.choice(data.CHANGE_KINDS)
        version = f"v{rng.randint(1, 9)}.{rng.randint(0, 30)}.{rng.randint(0, 9)}"
        integration = store.get("integrations", service["integrations"][0]["id"])
        event: dict[str, Any] = {
            "id": store.new_id(),
            "timestamp": format_time(at),
            "services": [store.ref(service)],
            "integration": store.ref(integration),
            "routing_key": integration.get("integration_key", ""),
            "source": rng.choice(data.CHANGE_SOURCES),
            "links": [
                {
                    "href": f"https://git.{data.EMAIL_DOMAIN}/{_slug(service['name'])}/releases/{version}",
                    "text": f"Release {version}",
                }
            ],
            "images": [],
            "custom_details": {"build_state": "passed", "version": version},
            "_at": at,
        }
        store.stamp("change_events", event, f"{kind}: {service['name']} {version}")
        store.put("change_events", event)
    # keep them in time order, as the API lists them
    store.reorder("change_events", key=lambda e: e["_at"])


class _FirstResponders:
    """Who the first level of each escalation policy reaches at a moment, from schedules rendered
    once over the whole history (rendering per incident would dominate seeding at large sizes)."""

    def __init__(self, store: Store, since: datetime, until: datetime) -> None:
        self.store = store
        self.finals = {s["id"]: render_schedule(store, s["id"], since, until).final for s in store.all("schedules")}
        self.starts = {sid: [e.start for e in entries] for sid, entries in self.finals.items()}

    def at(self, policy_id: str, moment: datetime) -> list[str]:
        rule = self.store.get("escalation_policies", policy_id)["escalation_rules"][0]
        users: list[str] = []
        for target in rule["targets"]:
            if target["type"].startswith("user"):
                users.append(target["id"])
                continue
            entries = self.finals[target["id"]]
            index = bisect_right(self.starts[target["id"]], moment) - 1
            if index >= 0 and entries[index].start <= moment < entries[index].end:
                users.append(entries[index].user)
        return list(dict.fromkeys(users))


def add_incidents(
    store: Store,
    services: dict[str, str],
    users: list[str],
    fallback_assignee: str,
    now: datetime,
    rng: random.Random,
    size: int,
) -> None:
    """``INCIDENTS_PER_SIZE * size`` incidents on the services (by their incident weights), the
    newest tenth still open, the rest acknowledged and resolved."""
    count = INCIDENTS_PER_SIZE * size
    horizon = HISTORY_DAYS * 24 * 3600
    offsets = sorted((rng.randrange(120, horizon) for _ in range(count)), reverse=True)
    priorities = [p["id"] for p in store.all("priorities")]
    names = list(services)
    weights = [data.SERVICES[name].incident_weight for name in names]
    first_responders = _FirstResponders(store, now - timedelta(seconds=horizon + 3600), now + timedelta(hours=1))
    fields = store.all("custom_fields")
    open_tail = max(6, count // 10)  # the newest tenth are still open
    for position, offset in enumerate(offsets):
        at = now - timedelta(seconds=offset)
        name = names[rng.choices(range(len(names)), weights=weights)[0]]
        service = store.get("services", services[name])
        title = rng.choice(data.SERVICES[name].incident_titles)
        urgency = service["incident_urgency_rule"].get("urgency", "high")
        if urgency == "severity_based" or service["incident_urgency_rule"]["type"] != "constant":
            urgency = rng.choice(["high", "low"])
        priority = rng.choice(priorities) if rng.random() < 0.4 else None
        policy_id = service["escalation_policy"]["id"]
        assignees = first_responders.at(policy_id, at) or [fallback_assignee]
        source = rng.choice(data.MONITORING_SOURCES)
        integration = store.get("integrations", service["integrations"][0]["id"])
        bridge = None
        if priority in priorities[:2]:
            bridge = {
                "conference_number": data.CONFERENCE_NUMBER,
                "conference_url": f"https://meet.{data.EMAIL_DOMAIN}/inc-{position + 1}",
            }
        incident = create_incident(
            store,
            service["id"],
            title,
            at,
            urgency,
            body_details=f"{title}. Detected by {source}.",
            incident_key=f"{source}-{_slug(service['name'])}-{position}",
            priority_id=priority,
            assignee_ids=assignees,
            agent=store.ref(integration),
            channel={"type": "api"},
            conference_bridge=bridge,
        )
        incident["assigned_via"] = "escalation_policy"
        if rng.random() < 0.3:
            incident["_custom_fields"] = {f["name"]: rng.choice(f["_options"]) for f in fields}
        for number in range(1 + (rng.random() < 0.35) + (rng.random() < 0.15)):
            add_alert(
                store,
                incident,
                f"{title} ({source})" if number == 0 else f"{title}: follow-up signal {number}",
                at + timedelta(seconds=30 * number),
                severity=rng.choice(["critical", "error", "warning"]) if urgency == "high" else "warning",
                details={"source": source, "service": service["name"], "value": rng.randint(70, 99)},
                integration=store.ref(integration),
            )
        assignee = assignees[0]
        add_log_entry(
            store,
            incident,
            "notify",
            at + timedelta(seconds=5),
            store.ref(service),
            f"Notified {store.get('users', assignee)['name']} by email",
            user=store.ref_to("users", assignee),
            notification={
                "type": "email_notification",
                "status": "success",
                "address": store.get("users", assignee)["email"],
            },
        )
        open_incident = position >= count - open_tail
        ack_delay = timedelta(minutes=rng.randint(1, 25))
        status_roll = rng.random()
        if not open_incident or status_roll < 0.5:
            set_incident_status(store, incident, "acknowledged", at + ack_delay, store.ref_to("users", assignee))
        if rng.random() < 0.35:
            add_note(store, incident, rng.choice(data.NOTES), at + ack_delay + timedelta(minutes=2), assignee)
        if rng.random() < 0.15:
            helper = rng.choice([u for u in users if u != assignee])
            requested = at + ack_delay + timedelta(minutes=3)
            incident["incidents_responders"].append(
                {
                    "state": rng.choice(["joined", "pending"]),
                    "user": store.ref_to("users", helper),
                    "incident": store.ref(incident),
                    "updated_at": format_time(requested),
                    "message": "Please help with this incident",
                    "requester": store.ref_to("users", assignee),
                    "requested_at": format_time(requested),
                    "escalation_policy_requests": [],
                }
            )
        if not open_incident:
            resolve_at = at + ack_delay + timedelta(minutes=rng.randint(5, 240))
            set_incident_status(
                store,
                incident,
                "resolved",
                min(resolve_at, now - timedelta(seconds=30)),
                store.ref_to("users", assignee),
            )
        service["last_incident_timestamp"] = incident["created_at"]
