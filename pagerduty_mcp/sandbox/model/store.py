"""The account's store: every object by kind and id, the account-wide registers, ids, references,
the clock and the lock. It holds the data; the rules live in the modules beside it.

Objects are stored in PagerDuty's own JSON shape (``id``, ``type``, ``summary``, ``self``,
``html_url`` and the rest). Keys starting with ``_`` are the sandbox's private bookkeeping (parsed
times, foreign keys) and never leave it: :func:`public` strips them.

Only this module reaches into ``tables``; the rules read and write through the methods below.
"""

from __future__ import annotations

import random
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, overload

from pagerduty_mcp.sandbox.constants import SANDBOX_API_URL as API_BASE
from pagerduty_mcp.sandbox.protocol import not_found

__all__ = ["HTML_BASE", "KINDS", "Store", "public"]

HTML_BASE = "https://acme-shop.pagerduty.com"
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
    "handoff_rules": ("oncall_handoff_notification_rule", "", None),
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


class Store:
    """Every object of the account, indexed by kind and id, with one re-entrant lock.

    Routes run under ``store.lock`` (the sandbox takes it around every request), so a rule can
    read and write freely; concurrent worker threads see whole requests one at a time.
    """

    def __init__(self, seed: int, now: datetime, api_base: str = API_BASE) -> None:
        self.seed = seed
        self.api_base = api_base.rstrip("/")
        self.lock = threading.RLock()
        self.rng = random.Random(f"ids:{seed}")
        self._id_streams: dict[str, random.Random] = {}
        self._frozen_now = now.astimezone(UTC).replace(microsecond=0)
        self._clock_offset = datetime.now(UTC) - self._frozen_now
        self.tables: dict[str, dict[str, dict[str, Any]]] = {kind: {} for kind in KINDS}
        self._ids: set[str] = set()
        self.deliver_webhooks = False  # the Sandbox's choice: whether test events go to loopback receivers
        self.incident_order: list[str] = []  # ids by created_at, oldest first
        self.incident_times: list[float] = []  # created_at timestamps, parallel to incident_order
        self.incident_numbers: dict[int, str] = {}
        self.incident_keys: dict[tuple[str, str], str] = {}  # (service id, incident_key) -> id
        self.open_incidents: dict[str, dict[str, None]] = {}  # service id -> open incident ids (ordered)
        self.next_incident_number = 1
        self.memberships: dict[str, dict[str, str]] = {}  # team id -> {user id: role}
        self.account_time_zone = "America/New_York"
        self.current_user_id = ""
        self.tokens: dict[str, str | None] = {}  # API token -> user id (None: account-level)
        self.oauth_clients: dict[str, tuple[str, str]] = {}  # client id -> (secret, name)
        self.hooks: dict[str, list[Callable[..., Any]]] = {}
        self.dependencies: list[dict[str, Any]] = []  # service_dependency objects
        self.service_orchestrations: dict[str, dict[str, Any]] = {}  # service id -> orchestration path
        self.books: dict[str, Any] = {}  # a rule module's own book-keeping, by its name

    # -- time ------------------------------------------------------------------------------
    def clock(self) -> datetime:
        """The sandbox's "now": the seed's now, advancing with the wall clock."""
        return (datetime.now(UTC) - self._clock_offset).replace(microsecond=0)

    @property
    def seed_now(self) -> datetime:
        return self._frozen_now

    # -- ids and references ------------------------------------------------------------------
    def new_id(self, source: random.Random | str | None = None) -> str:
        """A fresh PagerDuty-style id: "P" and six upper-case letters or digits, from the seeded RNG.

        ``source``: for seed data added to the account after it was first published, ids from a
        sequence of their own (an RNG, or the name of a stream kept here), so that adding it moves
        no id made after the seed."""
        rng = self.rng
        if isinstance(source, random.Random):
            rng = source
        elif source is not None:
            rng = self._id_streams.setdefault(source, random.Random(f"ids:{self.seed}:{source}"))
        while True:
            ident = "P" + "".join(rng.choices(_ID_ALPHABET, k=6))
            if ident not in self._ids:
                self._ids.add(ident)
                return ident

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

        for kind in _REFERRING_KINDS:
            walk(self.tables[kind])

    # -- the tables --------------------------------------------------------------------------
    def put(self, kind: str, obj: dict[str, Any]) -> dict[str, Any]:
        """Store ``obj`` (new, or replacing the one with its id)."""
        self.tables[kind][obj["id"]] = obj
        return obj

    def get(self, kind: str, ident: str) -> dict[str, Any]:
        """The object, or the 404 ``ApiError`` PagerDuty answers for an unknown id."""
        try:
            return self.tables[kind][ident]
        except KeyError:
            raise not_found(KINDS[kind][0], ident) from None

    def find(self, kind: str, ident: str) -> dict[str, Any] | None:
        return self.tables[kind].get(ident)

    def all(self, kind: str) -> list[dict[str, Any]]:
        """Every object of a kind, in the order they were stored."""
        return list(self.tables[kind].values())

    def count(self, kind: str) -> int:
        return len(self.tables[kind])

    def remove(self, kind: str, ident: str) -> dict[str, Any]:
        """Delete the object (404 when there is none) and return it."""
        found = self.get(kind, ident)
        del self.tables[kind][ident]
        return found

    def discard(self, kind: str, ident: str) -> dict[str, Any] | None:
        """Delete the object if it is there; the object, or ``None``."""
        return self.tables[kind].pop(ident, None)

    def reorder(self, kind: str, key: Callable[[dict[str, Any]], Any]) -> None:
        """Keep a kind's objects in ``key`` order, which is the order :meth:`all` gives."""
        self.tables[kind] = {o["id"]: o for o in sorted(self.tables[kind].values(), key=key)}

    # -- incidents: by creation time, number and dedup key, and the open ones by service -------
    def take_incident_number(self) -> int:
        number = self.next_incident_number
        self.next_incident_number += 1
        return number

    def index_incident(self, incident: dict[str, Any]) -> None:
        """Enter a new, open incident in every index (it is already stored)."""
        position = bisect_right(self.incident_times, incident["_created"].timestamp())
        self.incident_times.insert(position, incident["_created"].timestamp())
        self.incident_order.insert(position, incident["id"])
        self.incident_numbers[incident["incident_number"]] = incident["id"]
        self.bind_incident_key(incident["_service_id"], incident["incident_key"], incident["id"])
        self.mark_open(incident)

    def incidents(self, since: datetime | None = None, until: datetime | None = None) -> Sequence[dict[str, Any]]:
        """Incidents created in [since, until) (all when omitted), oldest first, found by bisection.
        A lazy view: slicing a page touches only that page."""
        low = 0 if since is None else bisect_left(self.incident_times, since.timestamp())
        high = len(self.incident_times) if until is None else bisect_left(self.incident_times, until.timestamp())
        return _IncidentView(self.tables["incidents"], self.incident_order[low:high])

    def incident_by_number(self, number: int) -> dict[str, Any] | None:
        ident = self.incident_numbers.get(number)
        return self.find("incidents", ident) if ident is not None else None

    def incident_with_key(self, service_id: str, key: str) -> dict[str, Any] | None:
        """The incident a service's dedup key names (open or not), if any."""
        ident = self.incident_keys.get((service_id, key))
        return self.find("incidents", ident) if ident else None

    def bind_incident_key(self, service_id: str, key: str, incident_id: str) -> None:
        self.incident_keys[(service_id, key)] = incident_id

    def unbind_incident_key(self, service_id: str, key: str) -> None:
        self.incident_keys.pop((service_id, key), None)

    def mark_open(self, incident: dict[str, Any]) -> None:
        self.open_incidents.setdefault(incident["_service_id"], {})[incident["id"]] = None

    def mark_closed(self, incident: dict[str, Any]) -> None:
        self.open_incidents.get(incident["_service_id"], {}).pop(incident["id"], None)

    def forget_open_incidents(self, service_id: str) -> None:
        self.open_incidents.pop(service_id, None)

    def open_incidents_of(self, service_id: str) -> list[dict[str, Any]]:
        table = self.tables["incidents"]
        return [table[i] for i in self.open_incidents.get(service_id, {})]

    def open_incidents_in(self, service_ids: Iterable[str] | None = None) -> list[dict[str, Any]]:
        """The open incidents of the services (every service when ``None``), service by service."""
        table = self.tables["incidents"]
        services = self.open_incidents.keys() if service_ids is None else service_ids
        return [table[i] for sid in services for i in self.open_incidents.get(sid, {}) if i in table]

    # -- events between rules ------------------------------------------------------------------
    def on(self, event: str, hook: Callable[..., Any]) -> None:
        """Run ``hook(store, **details)`` after ``event`` (e.g. "incident_created")."""
        self.hooks.setdefault(event, []).append(hook)

    def emit(self, event: str, **details: Any) -> None:
        for hook in self.hooks.get(event, ()):
            hook(self, **details)

    def book(self, name: str, make: Callable[[], Any]) -> Any:
        """A rule module's own book-keeping for this account (made on first use)."""
        if name not in self.books:
            self.books[name] = make()
        return self.books[name]


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
