"""Write tools of the people area: teams and membership, overrides, schedules, escalation policies.

Updates are partial: only the fields given are sent. Where PagerDuty's PUT needs a field the
caller did not give (a schedule's time zone, a policy's name and rules), the current value is
read and sent back unchanged, so nothing is ever overwritten with a null.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from pagerduty_mcp.common import (
    ToolFailure,
    get_client,
    id_or_url,
    invalid,
    iso,
    not_found,
    parse_time,
    path,
    resolve_id,
    resolve_ids,
    respond,
    tool,
)
from pagerduty_mcp.common.pagerduty.errors import failure_from_response
from pagerduty_mcp.common.toolkit.ids import IdList
from pagerduty_mcp.servers.people.models import OverrideInfo, PolicyDetail, ScheduleDetail, TeamSummary

__all__ = [
    "add_team_member",
    "create_escalation_policy",
    "create_schedule",
    "create_schedule_override",
    "create_team",
    "delete_schedule_override",
    "delete_team",
    "remove_team_member",
    "update_escalation_policy",
    "update_schedule",
    "update_team",
]

TeamRole = Literal["observer", "responder", "manager"]
MAX_OVERRIDES = 50


def _ref(kind: str, ident: str) -> dict[str, str]:
    return {"id": ident, "type": f"{kind}_reference"}


def _nothing_to_change(parameter: str) -> ToolFailure:
    return invalid(parameter, "give at least one field to change")


# -- nested inputs, validated with the parameter path of the field at fault ------------------------
class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _OverrideInput(_Strict):
    user_id: str
    start: str
    end: str


class _RestrictionInput(_Strict):
    type: Literal["daily", "weekly"]
    start: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    hours: float = Field(gt=0, le=168)
    day: int | None = Field(default=None, ge=1, le=7)


class _LayerInput(_Strict):
    id: str | None = None
    name: str | None = None
    users: list[str] = Field(min_length=1)
    rotation_hours: int = Field(ge=1, le=8760)
    start: str
    end: str | None = None
    restrictions: list[_RestrictionInput] = []


class _RuleInput(_Strict):
    delay_minutes: int = Field(ge=1)
    user_ids: list[str] = []
    schedule_ids: list[str] = []

    @model_validator(mode="after")
    def _has_target(self) -> _RuleInput:
        if not self.user_ids and not self.schedule_ids:
            raise ValueError("a level needs user_ids or schedule_ids")
        return self


def _parse(model: type[_Strict], raw: Any, where: str) -> Any:
    if not isinstance(raw, dict):
        raise invalid(where, "must be a JSON object")
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        problem = exc.errors()[0]
        field = ".".join(str(p) for p in problem["loc"])
        raise invalid(f"{where}.{field}" if field else where, problem["msg"]) from None


def _layers_body(layers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for index, raw in enumerate(layers):
        where = f"layers[{index}]"
        layer: _LayerInput = _parse(_LayerInput, raw, where)
        start = parse_time(layer.start, f"{where}.start")
        end = parse_time(layer.end, f"{where}.end") if layer.end else None
        if start is None:
            raise invalid(f"{where}.start", "is required")
        if end is not None and end <= start:
            raise invalid(f"{where}.end", "must be after start")
        restrictions = []
        for r_index, restriction in enumerate(layer.restrictions):
            if restriction.type == "weekly" and restriction.day is None:
                raise invalid(f"{where}.restrictions[{r_index}].day", "a weekly restriction needs day (1=Monday..7)")
            if restriction.type == "daily" and restriction.hours > 24:
                raise invalid(f"{where}.restrictions[{r_index}].hours", "a daily restriction lasts at most 24 hours")
            item: dict[str, Any] = {
                "type": f"{restriction.type}_restriction",
                "start_time_of_day": f"{restriction.start}:00",
                "duration_seconds": round(restriction.hours * 3600),
            }
            if restriction.type == "weekly":
                item["start_day_of_week"] = restriction.day
            restrictions.append(item)
        body: dict[str, Any] = {
            "name": layer.name or f"Layer {index + 1}",
            "start": iso(start),
            "rotation_virtual_start": iso(start),
            "rotation_turn_length_seconds": layer.rotation_hours * 3600,
            "users": [{"user": _ref("user", u)} for u in resolve_ids(layer.users, f"{where}.users") or []],
            "restrictions": restrictions,
        }
        if end is not None:
            body["end"] = iso(end)
        if layer.id:
            body["id"] = resolve_id(layer.id, f"{where}.id")
        out.append(body)
    return out


def _rules_body(rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for index, raw in enumerate(rules):
        where = f"levels[{index}]"
        rule: _RuleInput = _parse(_RuleInput, raw, where)
        targets = [_ref("user", u) for u in resolve_ids(rule.user_ids, f"{where}.user_ids") or []]
        targets += [_ref("schedule", s) for s in resolve_ids(rule.schedule_ids, f"{where}.schedule_ids") or []]
        out.append({"escalation_delay_in_minutes": rule.delay_minutes, "targets": targets})
    return out


# -- teams ----------------------------------------------------------------------------------------
@tool("Create team", "create")
def create_team(
    name: Annotated[str, Field(min_length=1, max_length=100, description="Team name.")],
    description: Annotated[str | None, Field(max_length=1024, description="What the team does.")] = None,
    parent_team_id: Annotated[str | None, id_or_url("Parent team")] = None,
) -> dict:
    """Create a team."""
    team: dict[str, Any] = {"type": "team", "name": name}
    if description is not None:
        team["description"] = description
    if parent_team_id:
        team["parent"] = _ref("team", resolve_id(parent_team_id, "parent_team_id"))
    body = get_client().write("POST", "/teams", {"team": team})
    created = TeamSummary.from_api(body["team"])
    return respond("teams", [created], f"Created team {created.name} ({created.id})")


@tool("Update team", "update")
def update_team(
    team_id: Annotated[str, id_or_url("Team")],
    name: Annotated[str | None, Field(min_length=1, max_length=100, description="New name.")] = None,
    description: Annotated[str | None, Field(max_length=1024, description="New description.")] = None,
    parent_team_id: Annotated[str | None, id_or_url("New parent team")] = None,
) -> dict:
    """Rename a team or change its description or parent; only the fields given change."""
    ident = resolve_id(team_id, "team_id")
    team: dict[str, Any] = {"type": "team"}
    if name is not None:
        team["name"] = name
    if description is not None:
        team["description"] = description
    if parent_team_id:
        team["parent"] = _ref("team", resolve_id(parent_team_id, "parent_team_id"))
    if len(team) == 1:
        raise _nothing_to_change("name")
    body = get_client().write("PUT", path("/teams/{}", ident), {"team": team})
    updated = TeamSummary.from_api(body["team"])
    return respond("teams", [updated], f"Updated team {updated.name}")


@tool("Delete team", "delete")
def delete_team(
    team_id: Annotated[str, id_or_url("Team")],
    reassignment_team_id: Annotated[str | None, id_or_url("Team that takes over its objects")] = None,
) -> dict:
    """Delete a team. Its services and policies lose the team (or move to reassignment_team_id)."""
    ident = resolve_id(team_id, "team_id")
    params = {}
    if reassignment_team_id:
        params["reassignment_team"] = resolve_id(reassignment_team_id, "reassignment_team_id")
    get_client().write("DELETE", path("/teams/{}", ident), params=params or None)
    return respond("teams", [{"id": ident, "deleted": True}], f"Deleted team {ident}")


def _membership_write(method: str, team: str, user: str, body: dict[str, Any] | None = None) -> None:
    """PUT/DELETE /teams/{team}/users/{user}; a 404 names whichever of the two is unknown."""
    try:
        get_client().write(method, path("/teams/{}/users/{}", team, user), body)
    except ToolFailure as failure:
        if not failure.code.endswith("_NOT_FOUND"):
            raise
        said = failure.message
        if f"team {team}" in said or f"team_{team}" in said:
            raise not_found("team", team, "list_teams finds valid ids") from None
        if "member" in said:
            raise not_found(
                "team_member", user, f"the user is not a member of team {team}; list_team_members"
            ) from None
        if f"user {user}" in said:
            raise not_found("user", user, "list_users finds valid ids") from None
        raise


@tool("Add team member", "update")
def add_team_member(
    team_id: Annotated[str, id_or_url("Team")],
    user_id: Annotated[str, id_or_url("User")],
    role: Annotated[TeamRole, Field(description="Team role.")] = "responder",
) -> dict:
    """Add a user to a team with a role, or change a member's role."""
    team, user = resolve_id(team_id, "team_id"), resolve_id(user_id, "user_id")
    _membership_write("PUT", team, user, {"role": role})
    return respond("members", [{"user": {"id": user}, "role": role}], f"{user} is a {role} of team {team}")


@tool("Remove team member", "delete")
def remove_team_member(team_id: Annotated[str, id_or_url("Team")], user_id: Annotated[str, id_or_url("User")]) -> dict:
    """Remove a user from a team."""
    team, user = resolve_id(team_id, "team_id"), resolve_id(user_id, "user_id")
    _membership_write("DELETE", team, user)
    return respond("members", [{"user": {"id": user}, "removed": True}], f"Removed {user} from team {team}")


# -- overrides ------------------------------------------------------------------------------------
@tool("Create schedule overrides", "create")
def create_schedule_override(
    schedule_id: Annotated[str, id_or_url("Schedule")],
    overrides: Annotated[
        list[dict[str, Any]],
        Field(
            min_length=1,
            max_length=MAX_OVERRIDES,
            description='One or more {"user_id": who covers, "start": ISO, "end": ISO}.',
        ),
    ],
) -> dict:
    """Put someone else on call for part of a schedule ("cover my shift", vacation cover):
    several overrides in one call; says exactly which were created and which failed.
    list_oncalls(scope=assigned_to_me, since, until) finds the shift to cover."""
    ident = resolve_id(schedule_id, "schedule_id")
    wanted: list[dict[str, Any]] = []
    for index, raw in enumerate(overrides):
        where = f"overrides[{index}]"
        item: _OverrideInput = _parse(_OverrideInput, raw, where)
        start, end = parse_time(item.start, f"{where}.start"), parse_time(item.end, f"{where}.end")
        if start is None or end is None:
            raise invalid(where, "start and end are required")
        if end <= start:
            raise invalid(f"{where}.end", "must be after start")
        user = resolve_id(item.user_id, f"{where}.user_id")
        wanted.append({"start": iso(start), "end": iso(end), "user": _ref("user", user), "time_zone": "UTC"})
    # One override answers an object, several a JSON array (one status per item); write() is typed
    # for the object case only.
    body: Any = get_client().write("POST", path("/schedules/{}/overrides", ident), {"overrides": wanted})
    results: list[Any] = body if isinstance(body, list) else [{"status": 201, "override": body.get("override")}]
    created, failed = [], []
    for index, (request, result) in enumerate(zip(wanted, results, strict=False)):
        status = result.get("status") if isinstance(result, dict) else None
        if status in (200, 201) and result.get("override"):
            created.append({"index": index, **OverrideInfo.from_api(result["override"]).model_dump(exclude_none=True)})
        else:
            errors = (result or {}).get("errors") or ["PagerDuty gave no reason"]
            failed.append(
                {
                    "index": index,
                    "user_id": request["user"]["id"],
                    "start": request["start"],
                    "end": request["end"],
                    "error": "; ".join(str(e)[:200] for e in errors),
                }
            )
    if failed:
        code = "PARTIAL_FAILURE" if created else "INVALID_PARAMETER"
        done = f"{len(created)} created (ids kept), " if created else ""
        raise ToolFailure(
            code,
            f"{done}{len(failed)} of {len(wanted)} override(s) failed; fix and resend only the failed ones.",
            {"created": created, "failed": failed},
        )
    return respond("overrides", created, f"Created {len(created)} override(s) on schedule {ident}")


@tool("Delete schedule override", "delete")
def delete_schedule_override(
    schedule_id: Annotated[str, id_or_url("Schedule")],
    override_id: Annotated[str, Field(pattern=r"^[\w-]+$", description="Override id (list_schedule_overrides).")],
) -> dict:
    """Remove an override; one in progress is cut short at the current time instead."""
    ident = resolve_id(schedule_id, "schedule_id")
    override = resolve_id(override_id, "override_id")
    response = get_client().request("DELETE", path("/schedules/{}/overrides/{}", ident, override))
    if not response.is_success:
        raise failure_from_response(response, write=True)
    ended = response.status_code == 200
    text = "The override was in progress, so it now ends now" if ended else "Deleted the override"
    return respond("overrides", [{"id": override, "deleted": not ended, "ended_early": ended}], text)


# -- schedules ------------------------------------------------------------------------------------
Layers = Annotated[
    list[dict[str, Any]],
    Field(
        min_length=1,
        max_length=10,
        description=(
            'Layers, later ones win: {"users": [ids in turn order], "rotation_hours": 24|168|..., '
            '"start": ISO first hand-off, "end"?, "name"?, "id"? (existing layer), "restrictions"?: '
            '[{"type": "daily"|"weekly", "start": "HH:MM", "hours": n, "day": 1-7 (weekly, 1=Mon)}]}'
        ),
    ),
]
TimeZone = Annotated[str, Field(min_length=1, description="IANA time zone, e.g. Europe/Berlin.")]


def _zone_ok(name: str, parameter: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise invalid(parameter, f"{name[:60]!r} is not an IANA time zone such as Europe/Berlin") from None
    return name


def _schedule_answer(body: dict[str, Any], verb: str) -> dict:
    schedule = ScheduleDetail.from_api(body["schedule"])
    return respond("schedules", [schedule], f"{verb} schedule {schedule.name} ({schedule.id})")


@tool("Create schedule", "create")
def create_schedule(
    name: Annotated[str, Field(min_length=1, description="Schedule name.")],
    time_zone: TimeZone,
    layers: Layers,
    description: Annotated[str | None, Field(description="Description.")] = None,
    team_ids: Annotated[IdList | None, Field(description="Owning teams.")] = None,
) -> dict:
    """Create an on-call schedule from rotation layers."""
    schedule: dict[str, Any] = {
        "type": "schedule",
        "name": name,
        "time_zone": _zone_ok(time_zone, "time_zone"),
        "schedule_layers": _layers_body(layers),
    }
    if description is not None:
        schedule["description"] = description
    if team_ids:
        schedule["teams"] = [_ref("team", t) for t in resolve_ids(team_ids, "team_ids") or []]
    return _schedule_answer(get_client().write("POST", "/schedules", {"schedule": schedule}), "Created")


@tool("Update schedule", "update")
def update_schedule(
    schedule_id: Annotated[str, id_or_url("Schedule")],
    name: Annotated[str | None, Field(min_length=1, description="New name.")] = None,
    time_zone: Annotated[str | None, Field(description="New IANA time zone.")] = None,
    layers: Annotated[list[dict[str, Any]] | None, Field(description="All layers (replaces them), as create.")] = None,
    description: Annotated[str | None, Field(description="New description.")] = None,
    team_ids: Annotated[IdList | None, Field(description="New owning teams.")] = None,
) -> dict:
    """Change a schedule; only the fields given change."""
    ident = resolve_id(schedule_id, "schedule_id")
    schedule: dict[str, Any] = {"type": "schedule"}
    if name is not None:
        schedule["name"] = name
    if description is not None:
        schedule["description"] = description
    if time_zone is not None:
        schedule["time_zone"] = _zone_ok(time_zone, "time_zone")
    if layers is not None:
        schedule["schedule_layers"] = _layers_body(layers)
    if team_ids is not None:
        schedule["teams"] = [_ref("team", t) for t in resolve_ids(team_ids, "team_ids") or []]
    if len(schedule) == 1:
        raise _nothing_to_change("name")
    client = get_client()
    if "time_zone" not in schedule:  # PagerDuty's PUT requires it: send the current one back
        current = client.read(path("/schedules/{}", ident)).get("schedule") or {}
        schedule["time_zone"] = current.get("time_zone")
    return _schedule_answer(client.write("PUT", path("/schedules/{}", ident), {"schedule": schedule}), "Updated")


# -- escalation policies --------------------------------------------------------------------------
Levels = Annotated[
    list[dict[str, Any]],
    Field(
        min_length=1,
        max_length=20,
        description='Levels in order: {"delay_minutes": n, "user_ids": [...], "schedule_ids": [...]}.',
    ),
]
Loops = Annotated[int | None, Field(ge=0, le=9, description="Times to repeat all levels.")]


def _policy_answer(body: dict[str, Any], verb: str) -> dict:
    policy = PolicyDetail.from_api(body["escalation_policy"])
    return respond("escalation_policies", [policy], f"{verb} escalation policy {policy.name} ({policy.id})")


@tool("Create escalation policy", "create")
def create_escalation_policy(
    name: Annotated[str, Field(min_length=1, description="Policy name.")],
    levels: Levels,
    description: Annotated[str | None, Field(description="Description.")] = None,
    num_loops: Loops = None,
    team_ids: Annotated[IdList | None, Field(description="Owning teams.")] = None,
) -> dict:
    """Create an escalation policy: who is paged, in which order, after how long."""
    policy: dict[str, Any] = {"type": "escalation_policy", "name": name, "escalation_rules": _rules_body(levels)}
    if description is not None:
        policy["description"] = description
    if num_loops is not None:
        policy["num_loops"] = num_loops
    if team_ids:
        policy["teams"] = [_ref("team", t) for t in resolve_ids(team_ids, "team_ids") or []]
    body = get_client().write("POST", "/escalation_policies", {"escalation_policy": policy}, needs_from=True)
    return _policy_answer(body, "Created")


@tool("Update escalation policy", "update")
def update_escalation_policy(
    escalation_policy_id: Annotated[str, id_or_url("Escalation policy")],
    name: Annotated[str | None, Field(min_length=1, description="New name.")] = None,
    levels: Annotated[list[dict[str, Any]] | None, Field(description="All levels (replace them), as create.")] = None,
    description: Annotated[str | None, Field(description="New description.")] = None,
    num_loops: Loops = None,
    team_ids: Annotated[IdList | None, Field(description="New owning teams.")] = None,
) -> dict:
    """Change an escalation policy; only the fields given change."""
    ident = resolve_id(escalation_policy_id, "escalation_policy_id")
    policy: dict[str, Any] = {"type": "escalation_policy"}
    if name is not None:
        policy["name"] = name
    if levels is not None:
        policy["escalation_rules"] = _rules_body(levels)
    if description is not None:
        policy["description"] = description
    if num_loops is not None:
        policy["num_loops"] = num_loops
    if team_ids is not None:
        policy["teams"] = [_ref("team", t) for t in resolve_ids(team_ids, "team_ids") or []]
    if len(policy) == 1:
        raise _nothing_to_change("name")
    client = get_client()
    if "name" not in policy or "escalation_rules" not in policy:
        # PagerDuty's PUT requires both: send the current ones back unchanged.
        current = client.read(path("/escalation_policies/{}", ident)).get("escalation_policy") or {}
        policy.setdefault("name", current.get("name"))
        policy.setdefault(
            "escalation_rules",
            [
                {
                    "id": r.get("id"),
                    "escalation_delay_in_minutes": r.get("escalation_delay_in_minutes"),
                    "targets": [{"id": t["id"], "type": t["type"]} for t in r.get("targets") or []],
                }
                for r in current.get("escalation_rules") or []
            ],
        )
    body = client.write("PUT", path("/escalation_policies/{}", ident), {"escalation_policy": policy})
    return _policy_answer(body, "Updated")
