"""What the incidents area shows a person before it pages, posts or changes many incidents.

Each tool's question is declared next to it (``@tool(..., confirm=...)``); these are the reads the
questions share: an incident as "#60 and its title", and who an escalation policy pages now.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pagerduty_mcp.common import Fact, PagerDutyClient, ToolFailure, fact, path, resolve_id

__all__ = ["SHOWN", "incident_facts", "policy_facts", "users_fact"]

SHOWN = 5  # incidents, people or alerts named in a question; the rest are counted


def _incident(client: PagerDutyClient, ident: str) -> dict[str, Any]:
    found: dict[str, Any] = client.read(path("/incidents/{}", ident))["incident"]
    return found


def incident_facts(client: PagerDutyClient, idents: Sequence[str], label: str = "Incident") -> list[Fact]:
    """``#60: “title”`` for the first few incidents (ids, numbers or URLs), the rest counted. In a
    bulk change one unknown value fails alone later, so it is shown as given, not refused here."""
    facts = []
    for value in idents[:SHOWN]:
        try:
            incident = _incident(client, resolve_id(value, "incident_ids"))
        except ToolFailure as failure:
            if len(idents) == 1 or not failure.code.endswith(("_NOT_FOUND", "INVALID_PARAMETER")):
                raise
            facts.append(fact(f"{label} (not found)", value))
            continue
        facts.append(fact(f"{label} #{incident.get('incident_number')}", str(incident.get("title") or "")))
    if len(idents) > SHOWN:
        facts.append(Fact("More incidents", (), len(idents) - SHOWN))
    return facts


def _on_call_first(client: PagerDutyClient, policy_id: str) -> list[str]:
    """Who the policy's first level pages now."""
    params = {"escalation_policy_ids[]": [policy_id], "limit": 100}
    rows = client.read("/oncalls", params).get("oncalls") or []
    names = [str((r.get("user") or {}).get("summary") or "") for r in rows if r.get("escalation_level") == 1]
    return list(dict.fromkeys(n for n in names if n))


def policy_facts(client: PagerDutyClient, policy_ids: Sequence[str]) -> list[Fact]:
    """Each escalation policy by name, and who it pages first, now."""
    facts = []
    for policy_id in policy_ids[:SHOWN]:
        policy = client.read(path("/escalation_policies/{}", policy_id))["escalation_policy"]
        facts.append(fact("Escalation policy", str(policy.get("name") or policy_id)))
        facts.append(fact("Paged first by it (on call now)", _on_call_first(client, policy_id)))
    if len(policy_ids) > SHOWN:
        facts.append(Fact("More escalation policies", (), len(policy_ids) - SHOWN))
    return facts


def users_fact(client: PagerDutyClient, label: str, user_ids: Sequence[str]) -> Fact:
    """The first few users by name, the rest counted."""
    ids = list(dict.fromkeys(user_ids))
    names = [str(client.read(path("/users/{}", u))["user"].get("name") or u) for u in ids[:SHOWN]]
    return Fact(label, tuple(names), len(ids) - len(names))
