"""Schedules: their layers and final schedule, who is on them, and overrides (covering a shift)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from pydantic import Field

from pagerduty_mcp.common import (
    IdList,
    Limit,
    Offset,
    ToolFailure,
    get_client,
    id_or_url,
    iso,
    paginate,
    path,
    respond,
    tool,
    window,
)
from pagerduty_mcp.common.pagerduty.errors import failure_from_response
from pagerduty_mcp.servers.people.models import OverrideInfo, ScheduleDetail, ScheduleSummary, UserSummary
from pagerduty_mcp.servers.people.params import Id, OverrideId, Query
from pagerduty_mcp.servers.people.tools.lookups import MAX_WINDOW
from pagerduty_mcp.servers.people.validators import layers_body, nothing_to_change, overrides_body, ref, zone_ok

__all__ = [
    "create_schedule",
    "create_schedule_override",
    "delete_schedule_override",
    "get_schedule",
    "list_schedule_overrides",
    "list_schedule_users",
    "list_schedules",
    "update_schedule",
]

MAX_SHIFTS = 200
MAX_OVERRIDES = 50


@tool("List schedules")
def list_schedules(query: Query = None, limit: Limit = 25, offset: Offset = 0) -> dict:
    """Find on-call schedules by name, with their time zone, teams and escalation policies."""
    params = {"query": query} if query else {}
    page = paginate(get_client(), "/schedules", "schedules", params, limit=limit, offset=offset)
    schedules = [ScheduleSummary.from_api(s) for s in page.items]
    return respond("schedules", schedules, f"{len(schedules)} schedule(s)", page=page)


WindowSince = Annotated[str | None, Field(description="Window start, ISO 8601. Default: now.")]


@tool("Get schedule")
def get_schedule(
    schedule_id: Annotated[Id, id_or_url("Schedule")],
    since: WindowSince = None,
    until: Annotated[str | None, Field(description="Window end, ISO 8601. Default: 7 days on.")] = None,
) -> dict:
    """A schedule's layers (rotation, users, restrictions) and its final schedule for a window as
    shifts (who, start, end), overrides included."""
    start, end = window(since, until, ahead=timedelta(days=7), maximum=MAX_WINDOW)
    body = get_client().read(path("/schedules/{}", schedule_id), {"since": iso(start), "until": iso(end)})
    detail = ScheduleDetail.from_api(body["schedule"])
    notes = None
    if len(detail.final_schedule) > MAX_SHIFTS:
        notes = [f"Showing the first {MAX_SHIFTS} of {len(detail.final_schedule)} shifts; narrow the window."]
        detail.final_schedule = detail.final_schedule[:MAX_SHIFTS]
    text = (
        f"{detail.name}: {len(detail.layers)} layer(s), {len(detail.final_schedule)} shift(s) "
        f"from {iso(start)} to {iso(end)}"
    )
    return respond("schedules", [detail], text, notes=notes)


@tool("List schedule users")
def list_schedule_users(
    schedule_id: Annotated[Id, id_or_url("Schedule")],
    since: WindowSince = None,
    until: Annotated[str | None, Field(description="Window end, ISO 8601. Default: 14 days on.")] = None,
) -> dict:
    """The users on call in a schedule during a window."""
    start, end = window(since, until, ahead=timedelta(days=14), maximum=MAX_WINDOW)
    body = get_client().read(path("/schedules/{}/users", schedule_id), {"since": iso(start), "until": iso(end)})
    users = [UserSummary.from_api(u) for u in body.get("users") or []]
    return respond("users", users, f"{len(users)} user(s) on call in {schedule_id} from {iso(start)} to {iso(end)}")


@tool("List schedule overrides")
def list_schedule_overrides(
    schedule_id: Annotated[Id, id_or_url("Schedule")],
    since: WindowSince = None,
    until: Annotated[str | None, Field(description="Window end, ISO 8601. Default: 30 days on.")] = None,
) -> dict:
    """Overrides (someone covering a shift) on a schedule during a window, with their ids."""
    start, end = window(since, until, ahead=timedelta(days=30), maximum=timedelta(days=366))
    body = get_client().read(
        path("/schedules/{}/overrides", schedule_id), {"since": iso(start), "until": iso(end), "overflow": "true"}
    )
    overrides = [OverrideInfo.from_api(o) for o in body.get("overrides") or []]
    return respond("overrides", overrides, f"{len(overrides)} override(s) from {iso(start)} to {iso(end)}")


@tool("Create schedule overrides", "create")
def create_schedule_override(
    schedule_id: Annotated[Id, id_or_url("Schedule")],
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
    wanted = overrides_body(overrides)
    # One override answers an object, several a JSON array (one status per item); write() is typed
    # for the object case only.
    body: Any = get_client().write("POST", path("/schedules/{}/overrides", schedule_id), {"overrides": wanted})
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
    return respond("overrides", created, f"Created {len(created)} override(s) on schedule {schedule_id}")


@tool("Delete schedule override", "delete")
def delete_schedule_override(
    schedule_id: Annotated[Id, id_or_url("Schedule")],
    override_id: Annotated[OverrideId, Field(description="Override id (list_schedule_overrides).")],
) -> dict:
    """Remove an override; one in progress is cut short at the current time instead."""
    response = get_client().request("DELETE", path("/schedules/{}/overrides/{}", schedule_id, override_id))
    if not response.is_success:
        raise failure_from_response(response, write=True)
    ended = response.status_code == 200
    text = "The override was in progress, so it now ends now" if ended else "Deleted the override"
    return respond("overrides", [{"id": override_id, "deleted": not ended, "ended_early": ended}], text)


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
        "time_zone": zone_ok(time_zone, "time_zone"),
        "schedule_layers": layers_body(layers),
    }
    if description is not None:
        schedule["description"] = description
    if team_ids:
        schedule["teams"] = [ref("team", t) for t in team_ids]
    return _schedule_answer(get_client().write("POST", "/schedules", {"schedule": schedule}), "Created")


@tool("Update schedule", "update")
def update_schedule(
    schedule_id: Annotated[Id, id_or_url("Schedule")],
    name: Annotated[str | None, Field(min_length=1, description="New name.")] = None,
    time_zone: Annotated[str | None, Field(description="New IANA time zone.")] = None,
    layers: Annotated[list[dict[str, Any]] | None, Field(description="All layers (replaces them), as create.")] = None,
    description: Annotated[str | None, Field(description="New description.")] = None,
    team_ids: Annotated[IdList | None, Field(description="New owning teams.")] = None,
) -> dict:
    """Change a schedule; only the fields given change."""
    schedule: dict[str, Any] = {"type": "schedule"}
    if name is not None:
        schedule["name"] = name
    if description is not None:
        schedule["description"] = description
    if time_zone is not None:
        schedule["time_zone"] = zone_ok(time_zone, "time_zone")
    if layers is not None:
        schedule["schedule_layers"] = layers_body(layers)
    if team_ids is not None:
        schedule["teams"] = [ref("team", t) for t in team_ids]
    if len(schedule) == 1:
        raise nothing_to_change("name")
    client = get_client()
    if "time_zone" not in schedule:  # PagerDuty's PUT requires it: send the current one back
        current = client.read(path("/schedules/{}", schedule_id)).get("schedule") or {}
        schedule["time_zone"] = current.get("time_zone")
    return _schedule_answer(client.write("PUT", path("/schedules/{}", schedule_id), {"schedule": schedule}), "Updated")
