"""The account's entities and the mutations more than one route needs.

Entities are stored in PagerDuty's own JSON shape (``id``, ``type``, ``summary``, ``self``,
``html_url`` and the rest). Keys starting with ``_`` are the sandbox's private bookkeeping (parsed
times, foreign keys) and never leave it: :func:`public` strips them.
"""

from __future__ import annotations

import random
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, overload
from zoneinfo import ZoneInfo

from pagerduty_mcp.sandbox import oncall, shifts
from pagerduty_mcp.sandbox.constants import SANDBOX_API_URL as API_BASE
from pagerduty_mcp.sandbox.protocol import format_time, not_found

__all__ = ["HTML_BASE", "KINDS", "State", "public"]

HTML_BASE = "https://acme-shop.pagerduty.com"
_SECOND = timedelta(seconds=1)
_ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
# the kinds whose objects hold references that show a renamed object's new name
_REFERRING_KINDS = ("users", "services", "escalation_policies", "schedules", "business_services", "incident_workflows")

# kind -> (object type, API collection path, web path); reference type is "<type>_reference"
KINDS: dict[str, tuple[str, str, str | None]] = {
    "users": ("user", "/users", "/users"),
    "teams": ("team", "/teams", "/teams"),
    "schedules": ("schedule", "/schedules", "/schedules"),
    "overrides": ("override", "", None),
    "escalation_policies": ("escalation_policy", "/escalation_policies", "/escalation_policies"),
    "services": ("service", "/services", "/service-directory"),
    "business_services": ("business_service", "/business_services", "/business-services"),
    "integrations": ("integration", "", None),
    "incidents": ("incident", "/incidents", "/incidents"),
    "alerts": ("alert", "", None),
    "notes": ("note", "", None),
    "log_entries": ("log_entry", "/log_entries", None),
    "priorities": ("priority", "/priorities", None),
    "maintenance_windows": ("maintenance_window", "/maintenance_windows", "/maintenance_windows"),
    "change_events": ("change_event", "/change_events", None),
    "alert_grouping_settings": ("alert_grouping_setting", "/alert_grouping_settings", None),
    "event_orchestrations": ("event_orchestration", "/event_orchestrations", "/event-orchestration"),
    "incident_workflows": ("incident_workflow", "/incident_workflows", "/flex-workflows/workflows"),
    "contact_methods": ("contact_method", "", None),
    "notification_rules": ("notification_rule", "", None),
    "oauth_tokens": ("oauth_token", "", None),
    "status_updates": ("status_update", "", None),
    "responder_requests": ("responder_request", "", None),
    "custom_fields": ("field", "/incidents/custom_fields", None),
    "automation_actions": ("action", "/automation_actions/actions", None),
    "automation_invocations": ("invocation", "/automation_actions/invocations", None),
    "incident_types": ("incident_type", "/incidents/types", None),
    "status_pages": ("status_page", "/status_pages", None),
    "status_page_posts": ("status_page_post", "", None),
    "status_page_post_updates": ("status_page_post_update", "", None),
    "webhook_subscriptions": ("webhook_subscription", "/webhook_subscriptions", None),
    "extension_schemas": ("extension_schema", "/extension_schemas", None),
    "extensions": ("extension", "/extensions", None),
}


def public(obj: dict[str, Any]) -> dict[str, Any]:
    """The object without the sandbox's private ``_`` keys (shallow)."""
    return {k: v for k, v in obj.items() if not k.startswith("_")}


class State:
    """Every entity of the account, indexed by kind and id, with one re-entrant lock.

    Routes run under ``state.lock`` (the sandbox takes it around every request), so a handler can
    read and write freely; concurrent worker threads see whole requests one at a time.
    """

    def __init__(self, seed: int, now: datetime, api_base: str = API_BASE) -> None:
        self.seed = seed
        self.api_base = api_base.rstrip("/")
        self.lock = threading.RLock()
        self.rng = random.Random(f"ids:{seed}")
        self._frozen_now = now.astimezone(UTC).replace(microsecond=0)
        self._clock_offset = datetime.now(UTC) - self._frozen_now
        self.tables: dict[str, dict[str, dict[str, Any]]] = {kind: {} for kind in KINDS}
        self.deliver_webhooks = False  # the Sandbox's choice: whether test events go to loopback receivers
        self.incident_order: list[str] = []  # ids by created_at, oldest first
        self.incident_times: list[float] = []  # created_at timestamps, parallel to incident_order
        self.incident_numbers: dict[int, str] = {}
        self.incident_keys: dict[tuple[str, str], str] = {}  # (service id, incident_key) -> id
        self.memberships: dict[str, dict[str, str]] = {}  # team id -> {user id: role}
        self.account_time_zone = "America/New_York"
        self.current_user_id = ""
        self.tokens: dict[str, str | None] = {}  # API token -> user id (None: account-level)
        self.oauth_clients: dict[str, tuple[str, str]] = {}  # client id -> (secret, name)
        self.next_incident_number = 1
        self.hooks: dict[str, list[Callable[..., Any]]] = {}
        self.dependencies: list[dict[str, Any]] = []  # service_dependency objects
        self.service_orchestrations: dict[str, dict[str, Any]] = {}  # service id -> orchestration path
        self.open_incidents: dict[str, dict[str, None]] = {}  # service id -> open incident ids (ordered)

    # -- time ------------------------------------------------------------------------------
    def clock(self) -> datetime:
        """The sandbox's "now": the seed's now, advancing with the wall clock."""
        return (datetime.now(UTC) - self._clock_offset).replace(microsecond=0)

    @property
    def seed_now(self) -> datetime:
        return self._frozen_now

    # -- ids and references ------------------------------------------------------------------
    def new_id(self) -> str:
        """A fresh PagerDuty-style id: "P" and six upper-case letters or digits, from the seeded RNG."""
        used = self._all_ids
        while True:
            ident = "P" + "".join(self.rng.choices(_ID_ALPHABET, k=6))
            if ident not in used:
                used.add(ident)
                return ident

    @property
    def _all_ids(self) -> set[str]:
        if not hasattr(self, "_ids"):
            self._ids: set[str] = set()
        return self._ids

    def self_url(self, kind: str, ident: str) -> str:
        path = KINDS[kind][1]
        return f"{self.api_base}{path}/{ident}" if path else ""

    def html_url(self, kind: str, ident: str) -> str | None:
        path = KINDS[kind][2]
        return f"{HTML_BASE}{path}/{ident}" if path else None

    def stamp(self, kind: str, obj: dict[str, Any], summary: str, type_: str | None = None) -> dict[str, Any]:
        """Fill the common fields (id, type, summary, self, html_url) of a new object."""
        obj.setdefault("id", self.new_id())
        obj["type"] = type_ or KINDS[kind][0]
        obj["summary"] = summary
        obj.setdefault("self", self.self_url(kind, obj["id"]))
        obj.setdefault("html_url", self.html_url(kind, obj["id"]))
        return obj

    def put(self, kind: str, obj: dict[str, Any]) -> dict[str, Any]:
        self.tables[kind][obj["id"]] = obj
        return obj

    def get(self, kind: str, ident: str) -> dict[str, Any]:
        try:
            return self.tables[kind][ident]
        except KeyError:
            raise not_found(KINDS[kind][0], ident) from None

    def find(self, kind: str, ident: str) -> dict[str, Any] | None:
        return self.tables[kind].get(ident)

    def all(self, kind: str) -> list[dict[str, Any]]:
        return list(self.tables[kind].values())

    @overload
    def ref(self, obj: dict[str, Any]) -> dict[str, Any]: ...

    @overload
    def ref(self, obj: None) -> None: ...

    def ref(self, obj: dict[str, Any] | None) -> dict[str, Any] | None:
        """PagerDuty's reference object for ``obj``: id, ``<type>_reference``, summary, self, html_url."""
        if obj is None:
            return None
        type_ = obj["type"]
        if not type_.endswith("_reference"):
            type_ += "_reference"
        return {
            "id": obj["id"],
            "type": type_,
            "summary": obj.get("summary") or obj.get("name") or obj["id"],
            "self": obj.get("self"),
            "html_url": obj.get("html_url"),
        }

    def ref_to(self, kind: str, ident: str) -> dict[str, Any]:
        return self.ref(self.get(kind, ident))

    def refresh_summaries(self, obj: dict[str, Any]) -> None:
        """Keep references' summaries in step with a renamed object (PagerDuty shows the new name)."""
        ident, summary = obj["id"], obj["summary"]

        def walk(value: Any) -> None:
            if isinstance(value, dict):
                if value.get("id") == ident and str(value.get("type", "")).endswith("_reference"):
                    value["summary"] = summary
                for item in value.values():
                    walk(item)
            elif isinstance(value, list):
                for item in value:
                    walk(item)

        for kind in (
            "users",
            "services",
            "escalation_policies",
            "schedules",
            "business_services",
            "incident_workflows",
        ):
            walk(self.tables[kind])

    # -- people ----------------------------------------------------------------------------
    def user_by_email(self, email: str) -> dict[str, Any] | None:
        lowered = email.lower()
        for user in self.tables["users"].values():
            if user["email"].lower() == lowered:
                return user
        return None

    def teams_of(self, user_id: str) -> list[str]:
        return [team_id for team_id, members in self.memberships.items() if user_id in members]

    # -- schedules and on-call ----------------------------------------------------------------
    def render_schedule(self, schedule_id: str, since: datetime, until: datetime) -> oncall.Rendered:
        schedule = self.get("schedules", schedule_id)
        if schedule.get("_kind") == "shifts":
            # Shift-based: no layers; several people may be on call at once, each kept contiguous.
            spans: dict[str, list[oncall.Entry]] = {}
            for item in shifts.schedule_assignments(schedule, since, until):
                if item.user is not None:
                    spans.setdefault(item.user, []).append(oncall.Entry(item.user, item.start, item.end))
            final = [e for entries in spans.values() for e in _merge_spans(entries)]
            return oncall.Rendered([], [], sorted(final, key=lambda e: (e.start, e.user)))
        zone = ZoneInfo(schedule["time_zone"])
        layers = [layer_model(layer) for layer in schedule["schedule_layers"]]
        overrides = [
            oncall.Override(o["_start"], o["_end"], o["user"]["id"], o["id"]) for o in self.overrides_of(schedule_id)
        ]
        return oncall.render_schedule(layers, overrides, zone, since, until)

    @staticmethod
    def schedule_user_ids(schedule: dict[str, Any]) -> list[str]:
        """The users a schedule names (its layers, or a shift-based one's events and custom shifts)."""
        if schedule.get("_kind") == "shifts":
            members = [
                m for r in schedule["_rotations"] for e in r["events"] for m in e["assignment_strategy"]["members"]
            ]
            members += [s["assignments"][0]["member"] for s in schedule["_custom_shifts"]]
            return list(dict.fromkeys(m["user_id"] for m in members if m.get("user_id")))
        return list(dict.fromkeys(u["user"]["id"] for layer in schedule["schedule_layers"] for u in layer["users"]))

    def overrides_of(self, schedule_id: str) -> list[dict[str, Any]]:
        return sorted(
            (o for o in self.tables["overrides"].values() if o["_schedule_id"] == schedule_id),
            key=lambda o: (o["_start"], o["_created"]),
        )

    def add_override(
        self, schedule_id: str, user_id: str, start: datetime, end: datetime, created: datetime | None = None
    ) -> dict[str, Any]:
        schedule = self.get("schedules", schedule_id)
        user = self.get("users", user_id)
        zone = ZoneInfo(schedule["time_zone"])
        override = {
            "id": self.new_id(),
            "type": "override",
            "start": format_time(start, zone),
            "end": format_time(end, zone),
            "user": self.ref(user),
            "_schedule_id": schedule_id,
            "_start": start,
            "_end": end,
            "_created": created or self.clock(),
        }
        return self.put("overrides", override)

    # -- incidents -------------------------------------------------------------------------
    def incidents(self, since: datetime | None = None, until: datetime | None = None) -> Sequence[dict[str, Any]]:
        """Incidents created in [since, until) (all when omitted), oldest first, found by bisection.
        A lazy view: slicing a page touches only that page."""
        low = 0 if since is None else bisect_left(self.incident_times, since.timestamp())
        high = len(self.incident_times) if until is None else bisect_left(self.incident_times, until.timestamp())
        return _IncidentView(self.tables["incidents"], self.incident_order[low:high])

    def open_incidents_of(self, service_id: str) -> list[dict[str, Any]]:
        table = self.tables["incidents"]
        return [table[i] for i in self.open_incidents.get(service_id, {})]

    def on(self, event: str, hook: Callable[..., Any]) -> None:
        """Run ``hook(state, **details)`` after ``event`` (e.g. "incident_created")."""
        self.hooks.setdefault(event, []).append(hook)

    def emit(self, event: str, **details: Any) -> None:
        for hook in self.hooks.get(event, ()):
            hook(self, **details)

    def add_log_entry(
        self,
        incident: dict[str, Any],
        kind: str,
        at: datetime,
        agent: dict[str, Any] | None,
        summary: str,
        channel: dict[str, Any] | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        """Append a ``<kind>_log_entry`` (trigger, acknowledge, resolve, assign, notify, annotate...)."""
        if agent is not None and agent.get("type", "").endswith("_integration_reference"):
            # the spec types a log entry's agent as user, service or integration reference
            agent = {**agent, "type": "integration_reference"}
        entry: dict[str, Any] = {
            "id": self.new_id(),
            "type": f"{kind}_log_entry",
            "summary": summary,
            "self": "",
            "html_url": None,
            "created_at": format_time(at),
            "agent": agent,
            "channel": channel or {"type": "api" if agent else "auto"},
            "service": incident["service"],
            "incident": self.ref(incident),
            "teams": incident.get("teams", []),
            "contexts": [],
            "_at": at,
            "_incident_id": incident["id"],
            **fields,
        }
        entry["self"] = f"{self.api_base}/log_entries/{entry['id']}"
        entry["html_url"] = f"{HTML_BASE}/incidents/{incident['id']}/log_entries/{entry['id']}"
        self.put("log_entries", entry)
        incident["_log"].append(entry["id"])
        return entry

    def create_incident(
        self,
        service_id: str,
        title: str,
        at: datetime,
        urgency: str = "high",
        *,
        body_details: str | None = None,
        incident_key: str | None = None,
        priority_id: str | None = None,
        escalation_policy_id: str | None = None,
        assignee_ids: list[str] | None = None,
        agent: dict[str, Any] | None = None,
        channel: dict[str, Any] | None = None,
        conference_bridge: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Open a triggered incident on a service, assigned by its escalation policy's first level
        (or to ``assignee_ids``), with trigger and assign log entries."""
        service = self.get("services", service_id)
        policy_id = escalation_policy_id or service["escalation_policy"]["id"]
        policy = self.get("escalation_policies", policy_id)
        number = self.next_incident_number
        self.next_incident_number += 1
        ident = self.new_id()
        assignees = assignee_ids if assignee_ids else self.escalation_targets(policy_id, 1, at)
        incident: dict[str, Any] = {
            "id": ident,
            "type": "incident",
            "summary": f"[#{number}] {title}",
            "self": f"{self.api_base}/incidents/{ident}",
            "html_url": f"{HTML_BASE}/incidents/{ident}",
            "incident_number": number,
            "title": title,
            "description": title,
            "created_at": format_time(at),
            "updated_at": format_time(at),
            "status": "triggered",
            "incident_key": incident_key or ident.lower() + "-key",
            "service": self.ref(service),
            "assignments": [{"at": format_time(at), "assignee": self.ref_to("users", u)} for u in assignees],
            "assigned_via": "escalation_policy" if not assignee_ids else "direct_assignment",
            "last_status_change_at": format_time(at),
            "resolved_at": None,
            "first_trigger_log_entry": None,
            "alert_counts": {"all": 0, "triggered": 0, "resolved": 0},
            "is_mergeable": True,
            "escalation_policy": self.ref(policy),
            "teams": list(service.get("teams", [])),
            "pending_actions": [],
            "acknowledgements": [],
            "alert_grouping": None,
            "last_status_change_by": self.ref(service),
            "priority": self.ref(self.get("priorities", priority_id)) if priority_id else None,
            "resolve_reason": None,
            "conference_bridge": conference_bridge,
            "incidents_responders": [],
            "responder_requests": [],
            "urgency": urgency,
            # Incident.body is only shown with include[]=body (routes/incidents.py)
            "_body": {"type": "incident_body", "details": body_details or ""},
            "_created": at,
            "_updated": at,
            "_resolved": None,
            "_log": [],
            "_alerts": [],
            "_notes": [],
            "_service_id": service_id,
            "_escalation_level": 1,
        }
        self.put("incidents", incident)
        position = bisect_right(self.incident_times, at.timestamp())
        self.incident_times.insert(position, at.timestamp())
        self.incident_order.insert(position, ident)
        self.incident_numbers[number] = ident
        self.incident_keys[(service_id, incident["incident_key"])] = ident
        self.open_incidents.setdefault(service_id, {})[ident] = None
        via = (channel or {}).get("type", "api")
        trigger = self.add_log_entry(
            incident,
            "trigger",
            at,
            agent or self.ref(service),
            f"Triggered through the {via} channel",
            channel=channel or {"type": "api"},
        )
        incident["first_trigger_log_entry"] = self.ref(trigger)
        if assignees:
            self.add_log_entry(
                incident,
                "assign",
                at,
                self.ref(service),
                "Assigned to " + ", ".join(self.get("users", u)["name"] for u in assignees),
                assignees=[self.ref_to("users", u) for u in assignees],
            )
        self.emit("incident_created", incident=incident)
        return incident

    def escalation_targets(self, policy_id: str, level: int, at: datetime) -> list[str]:
        """User ids on call at ``at`` for a level (1-based) of an escalation policy."""
        policy = self.get("escalation_policies", policy_id)
        rules = policy["escalation_rules"]
        if not rules:
            return []
        rule = rules[(level - 1) % len(rules)]
        users: list[str] = []
        for target in rule["targets"]:
            if target["type"].startswith("user"):
                users.append(target["id"])
            elif target["type"].startswith("schedule"):
                rendered = self.render_schedule(target["id"], at, at + _SECOND)
                who = oncall.user_at(rendered, at)
                if who:
                    users.append(who)
        return list(dict.fromkeys(users))

    def set_incident_status(
        self, incident: dict[str, Any], status: str, at: datetime, agent: dict[str, Any] | None
    ) -> None:
        """Acknowledge or resolve, with the log entry, times and acknowledgement the API shows."""
        if status == incident["status"]:
            return
        incident["status"] = status
        incident["last_status_change_at"] = format_time(at)
        incident["last_status_change_by"] = agent or incident["service"]
        incident["updated_at"] = format_time(at)
        incident["_updated"] = at
        if status == "acknowledged":
            incident["acknowledgements"].append({"at": format_time(at), "acknowledger": agent})
            self.add_log_entry(incident, "acknowledge", at, agent, "Acknowledged", acknowledgement_timeout=None)
        elif status == "resolved":
            self.open_incidents.get(incident["_service_id"], {}).pop(incident["id"], None)
            incident["resolved_at"] = format_time(at)
            incident["_resolved"] = at
            incident["assignments"] = []
            incident["pending_actions"] = []
            self.add_log_entry(incident, "resolve", at, agent, "Resolved")
            for alert_id in incident["_alerts"]:
                alert = self.tables["alerts"][alert_id]
                if alert["status"] != "resolved":
                    alert["status"] = "resolved"
                    alert["resolved_at"] = format_time(at)
            self._recount_alerts(incident)
        elif status == "triggered":
            incident["acknowledgements"] = []
        self.emit("incident_status", incident=incident, status=status, at=at)

    def add_alert(
        self,
        incident: dict[str, Any],
        summary: str,
        at: datetime,
        severity: str = "error",
        details: dict[str, Any] | None = None,
        alert_key: str | None = None,
        integration: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        ident = self.new_id()
        alert: dict[str, Any] = {
            "id": ident,
            "type": "alert",
            "summary": summary,
            "self": f"{self.api_base}/incidents/{incident['id']}/alerts/{ident}",
            "html_url": f"{HTML_BASE}/alerts/{ident}",
            "created_at": format_time(at),
            "status": "resolved" if incident["status"] == "resolved" else "triggered",
            "resolved_at": incident["resolved_at"] if incident["status"] == "resolved" else None,
            "alert_key": alert_key or incident["incident_key"],
            "suppressed": False,
            "service": incident["service"],
            "severity": severity,
            "incident": self.ref(incident),
            "integration": integration,
            "body": {
                "type": "alert_body",
                "contexts": [],
                "details": details or {},
                "cef_details": {"summary": summary, "severity": severity, "details": details or {}},
            },
            "_incident_id": incident["id"],
            "_created": at,
        }
        self.put("alerts", alert)
        incident["_alerts"].append(ident)
        self._recount_alerts(incident)
        return alert

    def _recount_alerts(self, incident: dict[str, Any]) -> None:
        alerts = [self.tables["alerts"][a] for a in incident["_alerts"]]
        resolved = sum(1 for a in alerts if a["status"] == "resolved")
        incident["alert_counts"] = {
            "all": len(alerts),
            "triggered": len(alerts) - resolved,
            "resolved": resolved,
        }

    def add_note(self, incident: dict[str, Any], content: str, at: datetime, user_id: str) -> dict[str, Any]:
        user = self.get("users", user_id)
        note = {
            "id": self.new_id(),
            "type": "note",
            "user": self.ref(user),
            "channel": {"summary": "The PagerDuty website or APIs"},
            "content": content,
            "created_at": format_time(at),
            "_incident_id": incident["id"],
        }
        self.put("notes", note)
        incident["_notes"].append(note["id"])
        self.add_log_entry(incident, "annotate", at, self.ref(user), "Note added", channel={"type": "note"})
        return note

    def active_maintenance(self, service_id: str, at: datetime) -> list[dict[str, Any]]:
        return [
            w
            for w in self.tables["maintenance_windows"].values()
            if w["_start"] <= at < w["_end"] and any(s["id"] == service_id for s in w["services"])
        ]

    def integration_by_key(self, key: str) -> dict[str, Any] | None:
        for integration in self.tables["integrations"].values():
            if integration.get("integration_key") == key:
                return integration
        return None


class _IncidentView(Sequence[dict[str, Any]]):
    def __init__(self, table: dict[str, dict[str, Any]], ids: list[str]) -> None:
        self._table = table
        self._ids = ids

    def __len__(self) -> int:
        return len(self._ids)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self._table[i] for i in self._ids[index]]
        return self._table[self._ids[index]]

    def __iter__(self) -> Iterator[dict[str, Any]]:
        table = self._table
        return (table[i] for i in self._ids)


def layer_model(layer: dict[str, Any]) -> oncall.Layer:
    """The on-call engine's view of a stored schedule layer."""
    return oncall.Layer(
        start=layer["_start"],
        end=layer.get("_end"),
        rotation_virtual_start=layer["_rotation_virtual_start"],
        rotation_turn_length_seconds=int(layer["rotation_turn_length_seconds"]),
        users=tuple(u["user"]["id"] for u in layer["users"]),
        restrictions=tuple(
            oncall.Restriction(
                r["type"], r["start_time_of_day"], int(r["duration_seconds"]), r.get("start_day_of_week")
            )
            for r in layer.get("restrictions", [])
        ),
        id=layer.get("id", ""),
    )


def _merge_spans(entries: list[oncall.Entry]) -> list[oncall.Entry]:
    """One user's entries with overlapping or touching ones joined."""
    merged: list[oncall.Entry] = []
    for entry in sorted(entries, key=lambda e: e.start):
        if merged and entry.start <= merged[-1].end:
            last = merged[-1]
            merged[-1] = oncall.Entry(last.user, last.start, max(last.end, entry.end))
        else:
            merged.append(entry)
    return merged
