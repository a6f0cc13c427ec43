"""Status pages and incident types: what the shop tells its customers, and the kinds of incident it
tells apart, each with its own custom fields.

Seeded after the incidents (ids come from the state's RNG in creation order), so nothing made
before changes. The static content sits at the top, keyed by name like :mod:`.data`.
"""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from pagerduty_mcp.sandbox.model.status_pages import add_post, add_post_update, put_postmortem
from pagerduty_mcp.sandbox.model.store import Store
from pagerduty_mcp.sandbox.protocol import format_time
from pagerduty_mcp.sandbox.seed.data import Ids

__all__ = ["DEFAULT_INCIDENT_TYPE", "add_incident_types", "add_status_pages"]

# The vocabulary of every page: PagerDuty's defaults, per post type.
SEVERITIES = {"incident": ("all good", "minor", "major"), "maintenance": ("maintenance",)}
STATUSES = {
    "incident": ("investigating", "identified", "monitoring", "resolved"),
    "maintenance": ("scheduled", "in progress", "completed"),
}
IMPACTS = {
    "incident": ("operational", "degraded performance", "partial outage", "major outage"),
    "maintenance": ("under maintenance", "operational"),
}


class Update(NamedTuple):
    hours: float  # when it was reported, from the seed's now
    message: str
    status: str
    severity: str
    impacts: tuple[tuple[str, str], ...]  # (page service, impact)


class Post(NamedTuple):
    post_type: str
    window: tuple[float, float] | None  # starts/ends in hours from now (maintenance posts)
    updates: tuple[Update, ...]
    postmortem: str | None = None


class Page(NamedTuple):
    status_page_type: str
    url: str
    services: tuple[str, ...]
    posts: dict[str, Post]


STATUS_PAGES: dict[str, Page] = {
    "Acme Shop Status": Page(
        "public",
        "https://status.acme-shop.example",
        ("Checkout API", "Payments Gateway", "Catalogue Search", "Edge CDN"),
        {
            "Card payments failing at checkout": Post(
                "incident",
                None,
                (
                    Update(
                        -30,
                        "Some card payments are failing. We are investigating.",
                        "investigating",
                        "major",
                        (("Payments Gateway", "partial outage"), ("Checkout API", "degraded performance")),
                    ),
                    Update(
                        -29,
                        "A faulty release of the payments gateway was rolled back.",
                        "resolved",
                        "all good",
                        (("Payments Gateway", "operational"), ("Checkout API", "operational")),
                    ),
                ),
                "A configuration change sent card payments to a retired processor for 52 minutes. "
                "We now deploy payment configuration in stages.",
            ),
            "Search index upgrade": Post(
                "maintenance",
                (48, 50),
                (
                    Update(
                        -2,
                        "Search may return stale results for up to two hours.",
                        "scheduled",
                        "maintenance",
                        (("Catalogue Search", "under maintenance"),),
                    ),
                ),
            ),
        },
    ),
    "Acme Internal Systems": Page(
        "private",
        "https://acme-shop.trust.pagerduty.com/internal",
        ("Orders DB", "Kubernetes Platform"),
        {
            "Order exports delayed": Post(
                "incident",
                None,
                (
                    Update(
                        -5,
                        "Nightly order exports are running late.",
                        "identified",
                        "minor",
                        (("Orders DB", "degraded performance"),),
                    ),
                ),
            ),
        },
    ),
}


class FieldSpec(NamedTuple):
    display_name: str
    data_type: str
    field_type: str
    options: tuple[str, ...] = ()


class IncidentType(NamedTuple):
    display_name: str
    description: str
    parent: str | None
    fields: dict[str, FieldSpec]


DEFAULT_INCIDENT_TYPE = "incident_default"
# The account's existing custom fields (seed/settings.py) belong to the base type; others inherit them.
INCIDENT_TYPES: dict[str, IncidentType] = {
    DEFAULT_INCIDENT_TYPE: IncidentType("Base Incident", "Any incident", None, {}),
    "security_incident": IncidentType(
        "Security Incident",
        "Suspected or confirmed security events",
        DEFAULT_INCIDENT_TYPE,
        {
            "attack_vector": FieldSpec(
                "Attack vector", "string", "single_value_fixed", ("phishing", "credential stuffing", "ddos", "other")
            ),
            "accounts_affected": FieldSpec("Accounts affected", "integer", "single_value"),
            "affected_systems": FieldSpec(
                "Affected systems", "string", "multi_value_fixed", ("payments", "identity", "storefront")
            ),
        },
    ),
}
# One seeded incident is a security incident, so get_incident has a type and its fields to show.
SECURITY_EXAMPLE = {"attack_vector": "credential stuffing", "accounts_affected": 42, "affected_systems": ["identity"]}


def _vocabulary(store: Store, page_ref: dict[str, Any], kind: str, table: dict[str, tuple[str, ...]]) -> list[Any]:
    rows = []
    for post_type, names in table.items():
        for name in names:
            ident = store.new_id()
            rows.append(
                {
                    "id": ident,
                    "self": f"{store.api_base}/status_pages/{page_ref['id']}/{kind}/{ident}",
                    "description": name,
                    "post_type": post_type,
                    "status_page": page_ref,
                    "type": f"status_page_{kind[:-1] if kind != 'severities' else 'severity'}",
                }
            )
    return rows


def add_status_pages(store: Store, services: Ids, now: datetime) -> None:
    for name, spec in STATUS_PAGES.items():
        page: dict[str, Any] = {
            "id": store.new_id(),
            "name": name,
            "status_page_type": spec.status_page_type,
            "url": spec.url,
            "published_at": format_time(now - timedelta(days=400)),
            "type": "status_page",
        }
        page_ref = {"id": page["id"], "type": "status_page"}
        page["_services"] = [
            {
                "id": store.new_id(),
                "self": None,
                "name": service,
                "status_page": page_ref,
                "type": "status_page_service",
                "_service": services[service],
            }
            for service in spec.services
        ]
        for row in page["_services"]:
            row["self"] = f"{store.api_base}/status_pages/{page['id']}/services/{row['id']}"
        page["_severities"] = _vocabulary(store, page_ref, "severities", SEVERITIES)
        page["_statuses"] = _vocabulary(store, page_ref, "statuses", STATUSES)
        page["_impacts"] = _vocabulary(store, page_ref, "impacts", IMPACTS)
        store.put("status_pages", page)
        for title, post_spec in spec.posts.items():
            _add_post(store, page, title, post_spec, now)


def _named(rows: list[dict[str, Any]], name: str, post_type: str) -> dict[str, Any]:
    key = "name" if rows and "name" in rows[0] else "description"
    return next(r for r in rows if r[key] == name and r.get("post_type", post_type) == post_type)


def _add_post(store: Store, page: dict[str, Any], title: str, spec: Post, now: datetime) -> None:
    window = spec.window
    post = add_post(
        store,
        page,
        title,
        spec.post_type,
        now + timedelta(hours=window[0]) if window else None,
        now + timedelta(hours=window[1]) if window else None,
    )
    for update in spec.updates:
        impacts = [
            (_named(page["_services"], service, spec.post_type), _named(page["_impacts"], impact, spec.post_type))
            for service, impact in update.impacts
        ]
        add_post_update(
            store,
            post,
            update.message,
            _named(page["_statuses"], update.status, spec.post_type),
            _named(page["_severities"], update.severity, spec.post_type),
            impacts,
            now + timedelta(hours=update.hours),
        )
    if spec.postmortem:
        put_postmortem(store, post, spec.postmortem, False, now - timedelta(hours=20))


def add_incident_types(store: Store, now: datetime) -> None:
    created = format_time(now - timedelta(days=200))
    ids: dict[str, str] = {}
    for name, spec in INCIDENT_TYPES.items():
        ident = store.new_id()
        ids[name] = ident
        kind: dict[str, Any] = {
            "id": ident,
            "type": "incident_type",
            "name": name,
            "display_name": spec.display_name,
            "description": spec.description,
            "enabled": True,
            "parent": {"id": ids[spec.parent], "type": "incident_type_reference"} if spec.parent else None,
            "created_at": created,
            "updated_at": created,
        }
        store.put("incident_types", kind)
        for field_name, field in spec.fields.items():
            row: dict[str, Any] = {
                "id": store.new_id(),
                "name": field_name,
                "display_name": field.display_name,
                "description": f"{field.display_name} of the incident",
                "data_type": field.data_type,
                "field_type": field.field_type,
                "default_value": None,
                "_options": list(field.options),
                "_incident_type": ident,
            }
            store.stamp("custom_fields", row, field.display_name)
            store.put("custom_fields", row)
    for existing in store.all("custom_fields"):
        existing.setdefault("_incident_type", ids[DEFAULT_INCIDENT_TYPE])
    resolved = [i for i in store.incidents() if i["status"] == "resolved"]
    if resolved:
        example = resolved[0]
        example["_incident_type"] = ids["security_incident"]
        # A copy: each account owns its values (the example's list must not be shared between accounts).
        example["_custom_fields"] = {**(example.get("_custom_fields") or {}), **copy.deepcopy(SECURITY_EXAMPLE)}
