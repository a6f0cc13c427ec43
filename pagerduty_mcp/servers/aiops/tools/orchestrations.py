"""Event orchestrations: how incoming events are routed, and the rules applied on the way."""

from __future__ import annotations

import json
from typing import Annotated, Any, cast

from pydantic import Field

from pagerduty_mcp.common import (
    Envelope,
    Id,
    Limit,
    Offset,
    ToolFailure,
    check_references_exist,
    get_client,
    id_or_url,
    paginate,
    path,
    respond,
    tool,
)
from pagerduty_mcp.servers.aiops.models import (
    NewOrchestration,
    OrchestrationDetail,
    OrchestrationSummary,
    summarize_path,
)
from pagerduty_mcp.servers.aiops.validators import check_condition, check_path

__all__ = [
    "APPEND_ATTEMPTS",
    "append_event_orchestration_router_rule",
    "create_event_orchestration",
    "get_event_orchestration",
    "get_event_orchestration_global",
    "get_event_orchestration_router",
    "get_event_orchestration_service",
    "get_event_orchestration_unrouted",
    "list_event_orchestrations",
    "update_event_orchestration_global",
    "update_event_orchestration_router",
    "update_event_orchestration_service",
    "update_event_orchestration_unrouted",
]

OrchestrationId = Annotated[Id, id_or_url("Event orchestration id")]
ServiceId = Annotated[Id, id_or_url("Service id")]
Detail = Annotated[bool, Field(description="Full rule JSON instead of compact summaries.")]
PathBody = Annotated[
    dict[str, Any],
    Field(
        description='Whole path: {"sets":[{"id":"start","rules":[{"label","conditions":[{"expression":PCL}],'
        '"actions":{...}}]}],"catch_all":{"actions":{}}}. Replaces all rules: read with detail=true first.'
    ),
]

APPEND_ATTEMPTS = 3
# Teams read to name the teams of a page of orchestrations; a team beyond them keeps its bare id.
MAX_TEAMS_NAMED = 100


def _name_teams(orchestrations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The orchestrations with each team as ``{id, name}``: PagerDuty gives only the team's id."""
    bare = {t["id"] for o in orchestrations if (t := o.get("team") or {}).get("id") and not t.get("summary")}
    if not bare:
        return orchestrations
    try:
        if len(bare) == 1:
            (team_id,) = bare
            teams = [get_client().read(path("/teams/{}", team_id)).get("team") or {}]
        else:
            teams = paginate(get_client(), "/teams", "teams", {}, limit=MAX_TEAMS_NAMED, with_total=False).items
    except ToolFailure:  # a deleted team, or a token without teams.read: the ids stay bare
        return orchestrations
    names = {t["id"]: t.get("name") or t.get("summary") for t in teams if t.get("id") in bare}
    return [
        {**o, "team": {**o["team"], "summary": names[o["team"]["id"]]}}
        if (o.get("team") or {}).get("id") in names
        else o
        for o in orchestrations
    ]


@tool("List event orchestrations")
def list_event_orchestrations(limit: Limit = 25, offset: Offset = 0) -> Envelope:
    """List global event orchestrations (how incoming events are routed), with route counts."""
    page = paginate(
        get_client(),
        "/event_orchestrations",
        "orchestrations",
        {"sort_by": "name:asc"},
        limit=limit,
        offset=offset,
        with_total=False,
    )
    orchestrations = [OrchestrationSummary.from_api(o) for o in _name_teams(page.items)]
    return respond("orchestrations", orchestrations, f"{len(orchestrations)} event orchestration(s)", page=page)


@tool("Get event orchestration")
def get_event_orchestration(orchestration_id: OrchestrationId) -> Envelope:
    """One global event orchestration: team, route count, integrations (ids and labels)."""
    found = get_client().read(path("/event_orchestrations/{}", orchestration_id))["orchestration"]
    orchestration = OrchestrationDetail.from_api(_name_teams([found])[0])
    return respond("orchestrations", [orchestration], f"Event orchestration {orchestration.name or orchestration_id}")


def _service_names(targets: set[str]) -> dict[str, str]:
    """Names of the services rules route to (one request; ids stay bare beyond the first 100)."""
    if not targets - {"unrouted"}:
        return {}
    body = get_client().read("/services", {"limit": 100})
    return {
        s["id"]: s.get("name") or s.get("summary") or s["id"] for s in body.get("services") or [] if s["id"] in targets
    }


def _read_path(url: str) -> dict[str, Any]:
    return cast(dict[str, Any], get_client().read(url)["orchestration_path"])


def _path_answer(orchestration_path: dict[str, Any], detail: bool, what: str) -> dict[str, Any]:
    rules = [r for s in orchestration_path.get("sets") or [] for r in s.get("rules") or []]
    description = f"{what}: {len(rules)} rule(s)"
    if detail:
        return respond("orchestration_paths", [orchestration_path], description)
    targets = (
        {str((r.get("actions") or {}).get("route_to")) for r in rules}
        if orchestration_path.get("type") == "router"
        else set()
    )
    return respond("orchestration_paths", [summarize_path(orchestration_path, _service_names(targets))], description)


@tool("Get event orchestration router")
def get_event_orchestration_router(orchestration_id: OrchestrationId, detail: Detail = False) -> Envelope:
    """Routing rules of an orchestration: which events go to which service (first match wins)."""
    return _path_answer(_read_path(path("/event_orchestrations/{}/router", orchestration_id)), detail, "Router")


@tool("Get event orchestration global rules")
def get_event_orchestration_global(orchestration_id: OrchestrationId, detail: Detail = False) -> Envelope:
    """Global rules applied to every event of an orchestration before routing (drop, suppress, priority)."""
    return _path_answer(_read_path(path("/event_orchestrations/{}/global", orchestration_id)), detail, "Global rules")


@tool("Get event orchestration unrouted rules")
def get_event_orchestration_unrouted(orchestration_id: OrchestrationId, detail: Detail = False) -> Envelope:
    """Rules for events no router rule matched."""
    return _path_answer(
        _read_path(path("/event_orchestrations/{}/unrouted", orchestration_id)), detail, "Unrouted rules"
    )


@tool("Get service orchestration")
def get_event_orchestration_service(service_id: ServiceId, detail: Detail = False) -> Envelope:
    """A service's event rules (suppress, severity, priority...) applied to its events."""
    return _path_answer(_read_path(path("/event_orchestrations/services/{}", service_id)), detail, "Service rules")


def _replace(url: str, body: dict[str, Any], kind: str, what: str) -> dict[str, Any]:
    checked = check_path(body, kind, "orchestration_path")
    written = get_client().write("PUT", url, {"orchestration_path": checked})["orchestration_path"]
    return _path_answer(written, False, f"{what} replaced")


@tool("Replace event orchestration router", "update")
def update_event_orchestration_router(orchestration_id: OrchestrationId, orchestration_path: PathBody) -> Envelope:
    """Replace all routing rules of an orchestration. To add one rule, use append_event_orchestration_router_rule."""
    return _replace(path("/event_orchestrations/{}/router", orchestration_id), orchestration_path, "router", "Router")


@tool("Replace event orchestration global rules", "update")
def update_event_orchestration_global(orchestration_id: OrchestrationId, orchestration_path: PathBody) -> Envelope:
    """Replace the global rules of an orchestration."""
    return _replace(
        path("/event_orchestrations/{}/global", orchestration_id), orchestration_path, "global", "Global rules"
    )


@tool("Replace event orchestration unrouted rules", "update")
def update_event_orchestration_unrouted(orchestration_id: OrchestrationId, orchestration_path: PathBody) -> Envelope:
    """Replace the rules for events no router rule matched (actions: severity, event_action, variables, extractions)."""
    return _replace(
        path("/event_orchestrations/{}/unrouted", orchestration_id), orchestration_path, "unrouted", "Unrouted rules"
    )


@tool("Create event orchestration", "create")
def create_event_orchestration(
    name: Annotated[str, Field(min_length=1, max_length=255, description="Name.")],
    team_id: Annotated[Id | None, id_or_url("Owning team")] = None,
    description: Annotated[str | None, Field(max_length=1024, description="Description.")] = None,
) -> Envelope:
    """Create a global event orchestration. Answers with its routing key: give it only to the user, who
    configures monitors with it. Add rules with append_event_orchestration_router_rule."""
    body: dict[str, Any] = {"name": name.strip()}
    if team_id:
        body["team"] = {"id": team_id}
    if description:
        body["description"] = description
    try:
        created = get_client().write("POST", "/event_orchestrations", {"orchestration": body})["orchestration"]
    except ToolFailure:
        if team_id:  # a refusal over an unknown team says so, naming the parameter
            check_references_exist({"team_id": team_id}, ["team_id"])
        raise
    orchestration = NewOrchestration.from_api(_name_teams([created])[0])
    return respond("orchestrations", [orchestration], f"Created event orchestration {orchestration.name}")


@tool("Replace service orchestration", "update")
def update_event_orchestration_service(service_id: ServiceId, orchestration_path: PathBody) -> Envelope:
    """Replace a service's event rules."""
    return _replace(
        path("/event_orchestrations/services/{}", service_id), orchestration_path, "service", "Service rules"
    )


def _start_rules(orchestration_path: dict[str, Any]) -> list[dict[str, Any]]:
    return list(((orchestration_path.get("sets") or [{}])[0]).get("rules") or [])


def _fingerprint(orchestration_path: dict[str, Any]) -> str:
    return json.dumps([orchestration_path.get("version"), orchestration_path.get("sets")], sort_keys=True)


@tool("Append router rule", "create")
def append_event_orchestration_router_rule(
    orchestration_id: OrchestrationId,
    route_to: Annotated[Id, id_or_url("Service to route matching events to")],
    conditions: Annotated[
        list[str] | None,
        Field(
            max_length=20,
            description="PCL, any may match, e.g. event.source matches part 'db-' (also: matches, matches regex). "
            "None: every event.",
        ),
    ] = None,
    label: Annotated[str | None, Field(max_length=255, description="What the rule is for.")] = None,
    first: Annotated[bool, Field(description="Put it before the other rules (first match wins).")] = False,
) -> Envelope:
    """Add one routing rule to an orchestration's router, keeping every other rule."""
    for i, expression in enumerate(conditions or []):
        check_condition(expression, f"conditions[{i}]")
    rule = {
        "label": label or f"Route to {route_to}",
        "conditions": [{"expression": c} for c in conditions or []],
        "actions": {"route_to": route_to},
    }
    url = path("/event_orchestrations/{}/router", orchestration_id)
    client = get_client()
    added: str | None = None  # our rule's id once a write went through
    for attempt in range(1, APPEND_ATTEMPTS + 1):
        seen = _read_path(url)
        rules = _start_rules(seen)
        seen_ids = {r.get("id") for r in rules}
        if added not in seen_ids:  # (re)write unless an earlier attempt's rule is already there
            body = {
                "sets": [{"id": "start", "rules": [rule, *rules] if first else [*rules, rule]}],
                "catch_all": seen.get("catch_all") or {"actions": {"route_to": "unrouted"}},
            }
            checked = check_path(body, "router")
            if _fingerprint(_read_path(url)) != _fingerprint(seen):
                continue  # changed between our read and our write: start again from the fresh router
            try:
                written = client.write("PUT", url, {"orchestration_path": checked})["orchestration_path"]
            except ToolFailure as failure:
                if failure.code == "CONFLICT":
                    continue  # PagerDuty saw a concurrent change: redo from a fresh read
                raise
            added = next((r.get("id") for r in _start_rules(written) if r.get("id") not in seen_ids), None)
        after = _read_path(url)
        after_ids = {r.get("id") for r in _start_rules(after)}
        if added in after_ids and seen_ids <= after_ids:
            answer = _path_answer(after, False, f"Router: rule {added} added")
            answer["metadata"]["attempts"] = attempt
            return answer
    raise ToolFailure(
        "CONFLICT",
        f"The router of {orchestration_id} kept changing while the rule was being added ({APPEND_ATTEMPTS} attempts), "
        "so it was not added safely. Read it with get_event_orchestration_router and try again.",
    )
