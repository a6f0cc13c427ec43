"""Incident insights computed from the account's own history: outliers, similar past incidents,
related incidents and the change events that preceded an incident.

PagerDuty derives these with machine learning; the sandbox uses plain title similarity, time
proximity and service dependencies, which give the same shapes and believable answers.
"""

from __future__ import annotations

import re
import zlib
from datetime import datetime, timedelta
from typing import Any

from pagerduty_mcp.sandbox.model.store import Store, public
from pagerduty_mcp.sandbox.protocol import format_time

__all__ = ["outlier", "past_incidents", "related_change_events", "related_incidents", "similarity"]

_WORD = re.compile(r"[a-z0-9]+")
_NUMBER = re.compile(r"\d+(\.\d+)?")
RELATED_WINDOW = timedelta(hours=2)
CHANGE_WINDOW = timedelta(hours=24)
PAST_WINDOW = timedelta(days=180)


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.lower()))


def similarity(a: str, b: str) -> float:
    """Word overlap of two titles (Jaccard), 0..1."""
    left, right = _words(a), _words(b)
    if not left or not right:
        return 0.0
    return len(left & right) / len(left | right)


def _brief(incident: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": incident["id"],
        "created_at": incident["created_at"],
        "self": incident["self"],
        "title": incident["title"],
    }


def outlier(store: Store, incident: dict[str, Any], since: datetime | None) -> dict[str, Any]:
    """How often incidents like this one (same service, same title but for numbers) happened before it."""
    since = since or incident["_created"] - PAST_WINDOW
    until = incident["_created"]
    template = _NUMBER.sub("<*>", incident["title"])
    same_service = [
        i for i in store.incidents(since, until + timedelta(seconds=1)) if i["_service_id"] == incident["_service_id"]
    ]
    count = sum(1 for i in same_service if _NUMBER.sub("<*>", i["title"]) == template)
    frequency = round(count / max(len(same_service), 1), 2)
    category = "rare" if count <= 1 else "frequent" if frequency >= 0.25 else "anomalous"
    cluster = zlib.crc32(template.encode()) & 0xFFFFFF
    return {
        "incident": {
            **_brief(incident),
            "occurrence": {
                "count": count,
                "frequency": frequency,
                "category": category,
                "since": format_time(since),
                "until": format_time(until),
            },
        },
        "incident_template": {"id": f"PT{cluster:06X}", "cluster_id": f"PC{cluster:06X}", "mined_text": template},
    }


def past_incidents(store: Store, incident: dict[str, Any]) -> list[dict[str, Any]]:
    """Earlier incidents of the same service, most similar first, each with its score."""
    scored = []
    for other in store.incidents(incident["_created"] - PAST_WINDOW, incident["_created"]):
        if other["id"] == incident["id"] or other["_service_id"] != incident["_service_id"]:
            continue
        scored.append((round(similarity(incident["title"], other["title"]) * 100, 4), other))
    scored.sort(key=lambda pair: (pair[0], pair[1]["_created"]), reverse=True)
    return [{"incident": _brief(other), "score": score} for score, other in scored]


def _dependency_between(store: Store, a: str, b: str) -> dict[str, Any] | None:
    for dependency in store.dependencies:
        supporting = dependency["supporting_service"]["id"]
        dependent = dependency["dependent_service"]["id"]
        if {supporting, dependent} == {a, b}:
            return {
                "dependent_services": [{"id": dependent, "type": "technical_service_reference"}],
                "supporting_services": [{"id": supporting, "type": "technical_service_reference"}],
            }
    return None


def related_incidents(store: Store, incident: dict[str, Any], full: bool) -> list[dict[str, Any]]:
    """Incidents within two hours that share a dependency, a team or most of the title (20 at most)."""
    start, end = incident["_created"] - RELATED_WINDOW, incident["_created"] + RELATED_WINDOW
    related = []
    for other in store.incidents(start, end):
        if other["id"] == incident["id"]:
            continue
        relationships = []
        dependency = _dependency_between(store, incident["_service_id"], other["_service_id"])
        if dependency is not None:
            relationships.append({"type": "service_dependency", "metadata": dependency})
        shared_team = {t["id"] for t in incident["teams"]} & {t["id"] for t in other["teams"]}
        if similarity(incident["title"], other["title"]) >= 0.3 or shared_team:
            relationships.append(
                {
                    "type": "machine_learning_inferred",
                    "metadata": {
                        "grouping_classification": "similar_contents" if not shared_team else "prior_feedback",
                        "user_feedback": {"positive_feedback_count": 0, "negative_feedback_count": 0},
                    },
                }
            )
        if relationships:
            shown = public(other) if full else _brief(other)
            related.append({"incident": shown, "relationships": relationships})
    return related[:20]


def related_change_events(store: Store, incident: dict[str, Any]) -> list[dict[str, Any]]:
    """Change events of the day before, on the incident's service or its neighbours, newest first."""
    service_id = incident["_service_id"]
    neighbours = {
        d["supporting_service"]["id"] if d["dependent_service"]["id"] == service_id else d["dependent_service"]["id"]
        for d in store.dependencies
        if service_id in (d["supporting_service"]["id"], d["dependent_service"]["id"])
    }
    start, end = incident["_created"] - CHANGE_WINDOW, incident["_created"]
    events = [e for e in store.all("change_events") if start <= e["_at"] <= end]
    events.sort(key=lambda e: e["_at"], reverse=True)
    found = []
    most_recent_taken = False
    for event in events:
        services = {s["id"] for s in event.get("services") or []}
        if service_id in services:
            reason = "related_service" if most_recent_taken else "most_recent"
            most_recent_taken = True
        elif services & neighbours:
            reason = "related_service"
        else:
            continue
        found.append({**public(event), "correlation_reason": {"reason": reason}})
    return found
