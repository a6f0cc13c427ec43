"""What the incident board shows of each open incident beyond what list_incidents tells the model:
its teams, its escalation policy, and the level of that policy its assignees were paged at.

PagerDuty's incident has no escalation level. The level is where the incident's assignees stood in
its policy when they were assigned: one ``/oncalls`` read per policy, over the span of the
assignment times, answers it for every incident of that policy on the page. That read is the
board's alone (list_incidents needs only incidents.read): when it fails, the levels are left out.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from pagerduty_mcp.common import PagerDutyClient, Ref, ToolFailure, iso, paginate, refs

__all__ = ["board_facts"]

MAX_ONCALL_RANGE = timedelta(days=89)  # /oncalls answers at most 90 days between since and until
MAX_ENTRIES = 500  # on-call entries read per policy; a level that needs more is left unsaid


def _moment(text: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(text)) if text else None
    except ValueError:
        return None


def _assigned(incident: dict[str, Any]) -> tuple[datetime | None, set[str]]:
    """When the incident was last assigned, and to whom."""
    assignments = incident.get("assignments") or []
    times = [t for t in (_moment(a.get("at")) for a in assignments) if t is not None]
    people = {str((a.get("assignee") or {}).get("id")) for a in assignments if (a.get("assignee") or {}).get("id")}
    return (max(times) if times else None), people


def _covers(entry: dict[str, Any], at: datetime) -> bool:
    start, end = _moment(entry.get("start")), _moment(entry.get("end"))
    return (start is None or start <= at) and (end is None or at < end)


def _levels(client: PagerDutyClient, policy_id: str, incidents: list[dict[str, Any]]) -> tuple[dict[str, int], int]:
    """Incident id -> the lowest level of ``policy_id`` at which one of its assignees was on call
    when it was assigned (incidents assigned outside the policy get none); and the highest level
    anyone covered then, which is how far the incidents can still be escalated."""
    assigned = {i["id"]: _assigned(i) for i in incidents}
    times = [at for at, _ in assigned.values() if at is not None]
    if not times:
        return {}, 0
    until = max(times) + timedelta(seconds=1)
    since = max(min(times), until - MAX_ONCALL_RANGE)
    params = {"escalation_policy_ids[]": [policy_id], "since": iso(since), "until": iso(until)}
    page = paginate(client, "/oncalls", "oncalls", params, limit=MAX_ENTRIES)
    levels: dict[str, int] = {}
    for ident, (at, people) in assigned.items():
        if at is None or at < since:
            continue
        found = [
            int(entry["escalation_level"])
            for entry in page.items
            if (entry.get("user") or {}).get("id") in people and entry.get("escalation_level") and _covers(entry, at)
        ]
        if found:
            levels[ident] = min(found)
    deepest = max((int(e.get("escalation_level") or 0) for e in page.items), default=0)
    return levels, deepest


def board_facts(client: PagerDutyClient, incidents: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Incident id -> its teams, escalation policy, escalation level and the policy's levels, for the board."""
    by_policy: dict[str, list[dict[str, Any]]] = defaultdict(list)
    facts: dict[str, dict[str, Any]] = {}
    for incident in incidents:
        policy = Ref.of(incident.get("escalation_policy"))
        row: dict[str, Any] = {"teams": [t.model_dump(exclude_none=True) for t in refs(incident.get("teams"))]}
        if policy is not None:
            row["escalation_policy"] = policy.model_dump(exclude_none=True)
            if incident.get("status") != "resolved":
                by_policy[policy.id].append(incident)
        facts[incident["id"]] = row
    for policy_id, those in by_policy.items():
        try:
            levels, deepest = _levels(client, policy_id, those)
        except ToolFailure as failure:
            # The levels are the board's extra: a token without oncalls.read, or an /oncalls read that
            # fails, leaves them out and the incidents still answer. A cancelled call is cancelled.
            if failure.code == "CANCELLED":
                raise
            continue
        for ident, level in levels.items():
            facts[ident].update(level=level, levels=deepest)
    return facts
