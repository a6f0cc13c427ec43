"""Business-service impact: which business services an incident impacts, and the account-wide view.

PagerDuty derives an incident's impact from its priority and each business service's threshold.
The sandbox takes a simpler rule with the same shapes: an open, high-urgency incident impacts the
business services its service supports. A relation set through the API overrides that either way
(``impacted`` adds a business service, ``not_impacted`` takes it away), and impact runs on up to
every business service an impacted one supports. Resolved incidents impact nothing.
"""

from __future__ import annotations

from typing import Any

from pagerduty_mcp.sandbox.model.store import Store
from pagerduty_mcp.sandbox.protocol import bad_request

__all__ = [
    "IMPACT_FIELDS",
    "MAX_LISTED",
    "RELATIONS",
    "business_services_impacted",
    "impact_rows",
    "impactors",
    "set_relation",
]

RELATIONS = ("impacted", "not_impacted")
IMPACT_FIELDS = ("services.highest_impacting_priority", "total_impacted_count")
MAX_LISTED = 200  # "up to the limit of 200": the account-wide lists are not exhaustive beyond it


def set_relation(store: Store, incident: dict[str, Any], business_service: dict[str, Any], relation: Any) -> str:
    """Record the incident's impact on ``business_service`` as the request sets it."""
    if relation not in RELATIONS:
        raise bad_request(errors=["relation must be impacted or not_impacted"])
    incident.setdefault("_impacts", {})[business_service["id"]] = relation
    return str(relation)


def _dependents(store: Store, supporting: str, business_only: bool) -> list[str]:
    """The business services ``supporting`` (a technical or business service id) supports directly."""
    return [
        d["dependent_service"]["id"]
        for d in store.dependencies
        if d["supporting_service"]["id"] == supporting
        and str(d["dependent_service"].get("type", "")).startswith("business_service")
        and (not business_only or str(d["supporting_service"].get("type", "")).startswith("business_service"))
    ]


def business_services_impacted(store: Store, incident: dict[str, Any]) -> list[dict[str, Any]]:
    """The business services the incident impacts now, by name."""
    if incident["status"] == "resolved":
        return []
    relations: dict[str, str] = incident.get("_impacts", {})
    direct = set(_dependents(store, incident["_service_id"], False)) if incident["urgency"] == "high" else set()
    direct |= {ident for ident, relation in relations.items() if relation == "impacted"}
    reached: set[str] = set()
    waiting = [i for i in direct if relations.get(i) != "not_impacted"]
    while waiting:
        ident = waiting.pop()
        if ident in reached or relations.get(ident) == "not_impacted":
            continue
        reached.add(ident)
        waiting += _dependents(store, ident, True)
    found = [b for b in (store.find("business_services", i) for i in reached) if b is not None]
    return sorted(found, key=lambda b: b["name"].lower())


def _top_level(store: Store) -> list[dict[str, Any]]:
    """Business services that support no other business service."""
    supporting = {
        d["supporting_service"]["id"]
        for d in store.dependencies
        if str(d["supporting_service"].get("type", "")).startswith("business_service")
    }
    return [b for b in store.all("business_services") if b["id"] not in supporting]


def _impacting(store: Store) -> dict[str, list[dict[str, Any]]]:
    """Business service id -> the open incidents impacting it."""
    found: dict[str, list[dict[str, Any]]] = {}
    for incident in store.open_incidents_in():
        for business in business_services_impacted(store, incident):
            found.setdefault(business["id"], []).append(incident)
    return found


def _rank(store: Store) -> dict[str, int]:
    """Priority id -> its rank, highest first (0 is the highest)."""
    return {p["id"]: position for position, p in enumerate(store.all("priorities"))}


def _highest_priority(store: Store, incidents: list[dict[str, Any]]) -> dict[str, Any] | None:
    """``{id, order}`` of the highest priority among ``incidents`` (a larger order is more urgent)."""
    rank = _rank(store)
    ranked = [rank[i["priority"]["id"]] for i in incidents if i.get("priority") and i["priority"]["id"] in rank]
    if not ranked:
        return None
    best = min(ranked)
    priority = store.all("priorities")[best]
    return {"id": priority["id"], "order": (len(rank) - best) * 64}


def _chosen(store: Store, ids: list[str]) -> list[dict[str, Any]]:
    """The business services asked for (unknown ids are left out), or the top-level ones."""
    if not ids:
        return _top_level(store)
    return [b for b in (store.find("business_services", i) for i in dict.fromkeys(ids)) if b is not None]


def impact_rows(store: Store, ids: list[str], fields: list[str]) -> tuple[list[dict[str, Any]], int]:
    """The business services asked for, impacted first, then the most recently impacted, then by
    name, each with its status (and its highest impacting priority when asked); and how many are
    impacted."""
    impacting = _impacting(store)

    def latest(business: dict[str, Any]) -> float:
        return max((i["_created"].timestamp() for i in impacting.get(business["id"], [])), default=0.0)

    chosen = sorted(
        _chosen(store, ids),
        key=lambda b: (b["id"] not in impacting, -latest(b), b["name"].lower()),
    )
    rows = []
    for business in chosen[:MAX_LISTED]:
        row: dict[str, Any] = {
            "id": business["id"],
            "name": business["name"],
            "type": "business_service",
            "status": "impacted" if business["id"] in impacting else "not_impacted",
        }
        if "services.highest_impacting_priority" in fields:
            row["additional_fields"] = {
                "highest_impacting_priority": _highest_priority(store, impacting.get(business["id"], []))
            }
        rows.append(row)
    return rows, sum(1 for b in chosen if b["id"] in impacting)


def impactors(store: Store, ids: list[str]) -> list[dict[str, Any]]:
    """The incidents impacting the business services asked for (or the top-level ones), highest
    priority first, then the newest."""
    impacting = _impacting(store)
    rank = _rank(store)
    found: dict[str, dict[str, Any]] = {}
    for business in _chosen(store, ids):
        for incident in impacting.get(business["id"], []):
            found[incident["id"]] = incident

    def order(incident: dict[str, Any]) -> tuple[int, float]:
        priority = (incident.get("priority") or {}).get("id")
        return rank.get(priority, len(rank)) if priority else len(rank), -incident["_created"].timestamp()

    return [{"id": i["id"], "type": "incident"} for i in sorted(found.values(), key=order)[:MAX_LISTED]]
