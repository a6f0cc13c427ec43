"""Shared look-ups of the on-call tools: narrowing filters to escalation policies, reading /oncalls.

``GET /oncalls`` filters by user, schedule and escalation policy only. A team or a service is
resolved to its escalation policies first, in as few requests as possible: one request for all
teams, one per service.

It lives in the tools package so that the REST paths here count towards the OAuth scopes of the
tools that call it (``scopes_by_tool`` follows calls within the tool's own package).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pagerduty_mcp.common import (
    ANALYTICS_AT_ONCE,
    ANALYTICS_LONGEST,
    INCIDENTS_AT_ONCE,
    ONCALLS_AT_ONCE,
    Page,
    PagerDutyClient,
    ToolFailure,
    cached_list,
    check_references_exist,
    invalid,
    paginate,
    path,
)

__all__ = [
    "ANALYTICS_PIECE",
    "INCIDENTS_PIECE",
    "LONGEST_ANALYTICS",
    "LONGEST_REPORT",
    "MAX_WINDOW",
    "PolicyFilter",
    "moment",
    "oncall_params",
    "page_of_oncalls",
    "policies_for",
    "user_names",
]

# PagerDuty's /oncalls answers at most 90 days at a time, /incidents six months, Analytics a year.
MAX_WINDOW = ONCALLS_AT_ONCE
INCIDENTS_PIECE = INCIDENTS_AT_ONCE
ANALYTICS_PIECE = ANALYTICS_AT_ONCE
# The longest on-call window a report asks in pieces: a year, five /oncalls requests.
LONGEST_REPORT = timedelta(days=366)
LONGEST_ANALYTICS = ANALYTICS_LONGEST
MAX_SERVICES = 20
# Users read one by one to name them, past the (cached) list of users.
MAX_NAMED_ONE_BY_ONE = 10


def moment(text: str | None) -> datetime | None:
    """A time from PagerDuty's answer as an aware UTC datetime."""
    if not text:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


@dataclass
class PolicyFilter:
    """Escalation policy ids that every given filter allows (``None``: no policy filter at all)."""

    ids: list[str] | None
    names: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return self.ids is not None and not self.ids


def policies_for(
    client: PagerDutyClient,
    policy_ids: list[str] | None,
    team_ids: list[str] | None,
    service_ids: list[str] | None,
) -> PolicyFilter:
    """Intersect the escalation policies named directly, of the teams, and of the services."""
    sets: list[set[str]] = []
    result = PolicyFilter(None)
    if policy_ids:
        sets.append(set(policy_ids))
    if team_ids:
        page = paginate(client, "/escalation_policies", "escalation_policies", {"team_ids[]": team_ids}, limit=100)
        found = {p["id"]: p.get("name") or p.get("summary") or p["id"] for p in page.items}
        result.names.update(found)
        if not found:
            # An unknown team is an error, not "nobody on call" (callers that skip the tool wrapper too).
            check_references_exist({"team_ids": team_ids}, ["team_ids"])
            teams = ", ".join(team_ids)
            result.notes.append(f"Team(s) {teams} own no escalation policy, so no one is on call for them.")
        sets.append(set(found))
    if service_ids:
        if len(service_ids) > MAX_SERVICES:
            raise invalid("service_ids", f"at most {MAX_SERVICES} services at a time")
        of_services = set()
        for service_id in service_ids:
            service = client.read(path("/services/{}", service_id)).get("service") or {}
            policy = service.get("escalation_policy") or {}
            if policy.get("id"):
                of_services.add(policy["id"])
                result.names[policy["id"]] = policy.get("summary") or policy["id"]
        sets.append(of_services)
    if sets:
        result.ids = sorted(set.intersection(*sets))
        if not result.ids and len(sets) > 1:
            result.notes.append("The filters share no escalation policy, so nothing matches all of them.")
    return result


def oncall_params(policies: PolicyFilter, user_ids: list[str] | None, schedule_ids: list[str] | None) -> dict[str, Any]:
    params: dict[str, Any] = {}
    if policies.ids:
        params["escalation_policy_ids[]"] = policies.ids
    if user_ids:
        params["user_ids[]"] = user_ids
    if schedule_ids:
        params["schedule_ids[]"] = schedule_ids
    return params


_FINDERS = {"escalation_policy": "list_escalation_policies", "schedule": "list_schedules", "user": "list_users"}


def page_of_oncalls(client: PagerDutyClient, params: dict[str, Any], *, limit: int, offset: int = 0) -> Page:
    """``GET /oncalls``, with a 404 for an unknown filter id named after the kind of id it was."""
    try:
        return paginate(client, "/oncalls", "oncalls", params, limit=limit, offset=offset)
    except ToolFailure as failure:
        if failure.code != "RESOURCE_NOT_FOUND":
            raise
        for kind, finder in _FINDERS.items():
            if f"{kind} " in failure.message:
                raise ToolFailure(
                    f"{kind.upper()}_NOT_FOUND",
                    f"One of the {kind}_ids is not a {kind.replace('_', ' ')} in this account; {finder} finds "
                    f"valid ids.{failure.message.split('.', 1)[-1]}",
                ) from None
        raise


def user_names(client: PagerDutyClient, known: list[dict[str, Any]], ids: list[str]) -> dict[str, str]:
    """Names for the user ``ids``: from ``known`` references (a schedule's users) first, then the
    account's cached list of users (one request a minute), then one by one (a few at most).

    Shift-based schedules name people by bare id in their custom shifts and overrides; answers name
    them as layer-based ones do."""
    names = {
        str(u["id"]): str(u.get("summary") or u.get("name"))
        for u in known
        if u.get("id") and (u.get("summary") or u.get("name"))
    }
    if all(i in names for i in ids):
        return names
    for user in cached_list("/users", "users"):
        if user.get("id") and user.get("name"):
            names.setdefault(str(user["id"]), str(user["name"]))
    for ident in [i for i in dict.fromkeys(ids) if i not in names][:MAX_NAMED_ONE_BY_ONE]:
        try:
            user = client.read(path("/users/{}", ident)).get("user") or {}
        except ToolFailure as failure:
            if not failure.code.endswith("_NOT_FOUND"):
                raise
            continue  # a user deleted since: the id stays unnamed
        if user.get("name"):
            names[ident] = str(user["name"])
    return names
