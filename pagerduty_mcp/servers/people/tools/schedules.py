"""Schedules: their layers and final schedule, who is on them, and overrides (covering a shift)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import Field

from pagerduty_mcp.common import (
    Envelope,
    IdList,
    PagerDutyClient,
    Scope,
    ToolFailure,
    apply_scope,
    at_once,
    failure_from_response,
    get_client,
    id_or_url,
    invalid,
    iso,
    paginate,
    path,
    respond,
    tool,
    window,
)
from pagerduty_mcp.servers.people.models import (
    ROTATION_SOURCES,
    CustomShiftInfo,
    OverrideInfo,
    ScheduleDetail,
    ScheduleSummary,
    UserSummary,
    final_entries,
    member_ids,
)
from pagerduty_mcp.servers.people.params import Id, Limit, Offset, OverrideId, Query
from pagerduty_mcp.servers.people.tools.lookups import MAX_WINDOW, user_names
from pagerduty_mcp.servers.people.tools.schedule_kinds import (
    V3,
    asks_to_remove_from_schedule,
    likely_shift_based,
    page_of_schedules,
    read_schedule,
    unknown_schedule,
)
from pagerduty_mcp.servers.people.tools.shift_overrides import cover_shifts
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
def list_schedules(
    query: Query = None,
    team_ids: Annotated[IdList | None, Field(description="Teams.")] = None,
    user_ids: Annotated[IdList | None, Field(description="Users on them.")] = None,
    scope: Annotated[Scope, Field(description="assigned_to_me: mine.")] = "all",
    limit: Limit = 25,
    offset: Offset = 0,
) -> Envelope:
    """Schedules, layer- or shift-based: zone, teams, escalation policies."""
    client = get_client()
    scoped = apply_scope(client, scope, team_ids or None, user_ids or None)
    page = page_of_schedules(client, query, scoped.team_ids, scoped.user_ids, limit=limit, offset=offset)
    page.notes = scoped.notes + page.notes
    schedules = [ScheduleSummary.from_api(s) for s in page.items]
    return respond("schedules", schedules, f"{len(schedules)} schedule(s)", page=page)


WindowSince = Annotated[str | None, Field(description="Start (default now).")]


@tool("Get schedule")
def get_schedule(
    schedule_id: Annotated[Id, id_or_url("Schedule")],
    since: WindowSince = None,
    until: Annotated[str | None, Field(description="End (default 7 days on).")] = None,
) -> Envelope:
    """Layers or rotations and custom shifts, and who is on call in a window (shifts, overrides
    included)."""
    start, end = window(since, until, ahead=timedelta(days=7), maximum=MAX_WINDOW)
    client = get_client()

    def custom_shifts(ident: str) -> list[dict[str, Any]]:
        url = path(V3 + "/{}/custom_shifts", ident)
        window_params = {"since": iso(start), "until": iso(end)}
        return paginate(client, url, "custom_shifts", window_params, limit=MAX_SHIFTS, with_total=False).items

    def custom_shifts_if_any() -> list[dict[str, Any]] | None:
        try:
            return custom_shifts(schedule_id)
        except ToolFailure as failure:
            if failure.code.endswith("_NOT_FOUND"):  # the guess was wrong: a layer-based schedule
                return None
            raise

    speculative: list[dict[str, Any]] | None = None
    if likely_shift_based(schedule_id):  # probably shift-based: its custom shifts in the same round trip
        both: list[Any] = at_once(
            lambda: read_schedule(client, schedule_id, start, end, zone=None), custom_shifts_if_any
        )
        (kind, schedule), speculative = both
    else:
        kind, schedule = read_schedule(client, schedule_id, start, end, zone=None)
    customs: list[dict[str, Any]] = []
    if kind == "shifts":
        customs = speculative if speculative is not None else custom_shifts(str(schedule.get("id") or schedule_id))
        _name_everyone(client, schedule, customs)
    detail = ScheduleDetail.from_api(schedule)
    if kind == "shifts":
        names = {str(u["id"]): str(u.get("summary")) for u in schedule.get("users") or [] if u.get("id")}
        detail.custom_shifts = [CustomShiftInfo.from_api(c, names) for c in customs]
    shifts = detail.final_schedule or []
    notes = []
    if len(shifts) > MAX_SHIFTS:
        notes.append(f"Showing the first {MAX_SHIFTS} of {len(shifts)} shifts; narrow the window.")
        detail.final_schedule = shifts[:MAX_SHIFTS]
    if detail.kind == "shifts" and shifts:
        notes.append(ROTATION_SOURCES)
    who = f"{len(shifts)} shift(s)" if shifts else "nobody on call"
    parts = f"{len(detail.rotations)} rotation(s)" if detail.kind == "shifts" else f"{len(detail.layers)} layer(s)"
    # The window is in metadata.window (the registry adds it): said once.
    return respond("schedules", [detail], f"{detail.name}: {parts}, {who} in the window", notes=notes or None)


def _name_everyone(client: PagerDutyClient, schedule: dict[str, Any], customs: list[dict[str, Any]]) -> None:
    """Add to a shift-based schedule's ``users`` whoever its final schedule or custom shifts name
    and it does not (someone covering by override, a custom shift's person): answers name them all."""
    computed = (schedule.get("final_schedule") or {}).get("computed_shift_assignments") or []
    wanted = [(a.get("member") or {}).get("user_id") for a in computed] + member_ids(*customs)
    known = schedule.get("users") or []
    names = user_names(client, known, [w for w in wanted if w])
    have = {u.get("id") for u in known}
    schedule["users"] = known + [
        {"id": ident, "summary": names[ident]}
        for ident in dict.fromkeys(wanted)
        if ident and ident not in have and ident in names
    ]


@tool("List schedule users")
def list_schedule_users(
    schedule_id: Annotated[Id, id_or_url("Schedule")],
    since: WindowSince = None,
    until: Annotated[str | None, Field(description="End (default 14 days on).")] = None,
) -> Envelope:
    """Who is on call in a schedule in a window."""
    start, end = window(since, until, ahead=timedelta(days=14), maximum=MAX_WINDOW)
    client = get_client()
    try:
        body = client.read(path("/schedules/{}/users", schedule_id), {"since": iso(start), "until": iso(end)})
        users = [UserSummary.from_api(u) for u in body.get("users") or []]
    except ToolFailure as failure:
        if not failure.code.endswith("_NOT_FOUND"):
            raise
        # Shift-based: v3 has no users endpoint; the final schedule of the window names them.
        _, schedule = read_schedule(client, schedule_id, start, end)
        on_call = {e["user"]["id"]: e["user"].get("summary") for e in final_entries(schedule)}
        users = [UserSummary(id=uid, name=name) for uid, name in on_call.items()]
    return respond("users", users, f"{len(users)} user(s) on call in {schedule_id} in the window")


@tool("List schedule overrides")
def list_schedule_overrides(
    schedule_id: Annotated[Id, id_or_url("Schedule")],
    since: WindowSince = None,
    until: Annotated[str | None, Field(description="End (default 30 days on).")] = None,
) -> Envelope:
    """Overrides (someone covering a shift) in a window."""
    start, end = window(since, until, ahead=timedelta(days=30), maximum=timedelta(days=366))
    client, params = get_client(), {"since": iso(start), "until": iso(end), "overflow": "true"}
    found = _overrides(client, schedule_id, params)
    # Shift-based overrides name people by id alone: named here, as layer-based ones come.
    names = user_names(client, [], member_ids(*found)) if any(o.get("type") == "override_shift" for o in found) else {}
    overrides = [OverrideInfo.from_api(o, names) for o in found]
    return respond("overrides", overrides, f"{len(overrides)} override(s) in the window")


def _overrides(client: PagerDutyClient, schedule_id: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    """A schedule's overrides from the API of its kind: the one it is likely to be first, the
    other on a 404."""

    def layered() -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = (
            client.read(path("/schedules/{}/overrides", schedule_id), params).get("overrides") or []
        )
        return found

    def shifted() -> list[dict[str, Any]]:
        url = path(V3 + "/{}/overrides", schedule_id)
        return paginate(client, url, "overrides", params, limit=1000, with_total=False).items

    ways = (shifted, layered) if likely_shift_based(schedule_id) else (layered, shifted)
    for way in ways:
        try:
            return way()
        except ToolFailure as failure:
            if not failure.code.endswith("_NOT_FOUND"):
                raise
    raise unknown_schedule(schedule_id)


@tool("Create schedule overrides", "create")
def create_schedule_override(
    schedule_id: Annotated[Id, id_or_url("Schedule")],
    overrides: Annotated[
        list[dict[str, Any]],
        Field(
            min_length=1,
            max_length=MAX_OVERRIDES,
            description='{"user_id": who covers, "start", "end", "replaces"?: whom (shift-based, if several are on)}.',
        ),
    ],
) -> Envelope:
    """Put someone else on call for part of a schedule ("cover my shift"), several at once; says
    which failed. list_oncalls(scope=assigned_to_me) finds the shift."""
    wanted = overrides_body(overrides)
    client = get_client()
    layered = [{k: v for k, v in o.items() if k != "_replaces"} for o in wanted]
    response = client.request("POST", path("/schedules/{}/overrides", schedule_id), json={"overrides": layered})
    if response.status_code == 404:
        return cover_shifts(client, schedule_id, wanted)
    if not response.is_success:
        raise failure_from_response(response, write=True)
    # One override answers an object, several a JSON array (one status per item).
    body: Any = response.json()
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


@tool(
    "Delete schedule override",
    "delete",
    confirm=asks_to_remove_from_schedule("Override", "override_id", "the usual on-call takes its hours back"),
)
def delete_schedule_override(
    schedule_id: Annotated[Id, id_or_url("Schedule")],
    override_id: Annotated[OverrideId, Field(description="Override id (list_schedule_overrides).")],
) -> Envelope:
    """Remove an override; one in progress ends now."""
    client = get_client()
    response = client.request("DELETE", path("/schedules/{}/overrides/{}", schedule_id, override_id))
    if response.status_code == 404:  # a shift-based schedule, or no such override
        response = client.request("DELETE", path(V3 + "/{}/overrides/{}", schedule_id, override_id))
        if response.status_code == 404:
            raise ToolFailure(
                "OVERRIDE_NOT_FOUND",
                f"No override {override_id} on schedule {schedule_id}; list_schedule_overrides shows their ids.",
                {"parameters": ["schedule_id", "override_id"]},
            )
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
            'Later ones win: {"users": [ids in turn], "rotation_hours": 24|168, "start": first '
            'hand-off, "end"?, "name"?, "id"? (keeps a layer), "restrictions"?: [{"type": daily|weekly, '
            '"start": "HH:MM", "hours": n, "day": 1-7 (1=Mon)}]}'
        ),
    ),
]
TimeZone = Annotated[str, Field(min_length=1, description="IANA zone.")]


def _schedule_answer(body: dict[str, Any], verb: str) -> Envelope:
    # A write's answer renders no window, so it says nothing of who is on call: that is left out.
    schedule = ScheduleDetail.from_api(body["schedule"], rendered=False)
    text = f"{verb} schedule {schedule.name} ({schedule.id}); get_schedule shows who is on call"
    if schedule.kind == "shifts":
        text = f"{verb} shift-based schedule {schedule.name} ({schedule.id}); create_schedule_rotation adds shifts"
    return respond("schedules", [schedule], text)


@tool("Create schedule", "create")
def create_schedule(
    name: Annotated[str, Field(min_length=1, description="Name.")],
    time_zone: TimeZone,
    layers: Layers | None = None,
    description: Annotated[str | None, Field(description="Description.")] = None,
    team_ids: Annotated[IdList | None, Field(description="Teams.")] = None,
    kind: Annotated[
        Literal["layers", "shifts"], Field(description="shifts: then create_schedule_rotation.")
    ] = "layers",
) -> Envelope:
    """Create a schedule of rotation layers, or a shift-based one."""
    if (kind == "layers") != bool(layers):
        raise invalid("layers", "required for kind=layers, not accepted for kind=shifts")
    schedule: dict[str, Any] = {"name": name, "time_zone": zone_ok(time_zone, "time_zone")}
    if description is not None:
        schedule["description"] = description
    if team_ids:
        schedule["teams"] = [ref("team", t) for t in team_ids]
    if kind == "shifts":
        return _schedule_answer(get_client().write("POST", V3, {"schedule": schedule}), "Created")
    schedule.update(type="schedule", schedule_layers=layers_body(layers or []))
    return _schedule_answer(get_client().write("POST", "/schedules", {"schedule": schedule}), "Created")


@tool("Update schedule", "update")
def update_schedule(
    schedule_id: Annotated[Id, id_or_url("Schedule")],
    name: Annotated[str | None, Field(min_length=1, description="Name.")] = None,
    time_zone: Annotated[str | None, Field(description="IANA zone.")] = None,
    layers: Annotated[list[dict[str, Any]] | None, Field(description="All layers (replaces them), as create.")] = None,
    description: Annotated[str | None, Field(description="Description.")] = None,
    team_ids: Annotated[IdList | None, Field(description="Teams.")] = None,
) -> Envelope:
    """Change a schedule of either kind."""
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
    # A layer given by id without a name keeps its name, and PagerDuty's PUT requires the time zone:
    # both come from the schedule as it is, read once when either is missing.
    unnamed = [
        body
        for raw, body in zip(layers or [], schedule.get("schedule_layers") or [], strict=True)
        if body.get("id") and not raw.get("name")
    ]
    try:
        if "time_zone" not in schedule or unnamed:
            current = client.read(path("/schedules/{}", schedule_id)).get("schedule") or {}
            schedule.setdefault("time_zone", current.get("time_zone"))
            names = {layer.get("id"): layer.get("name") for layer in current.get("schedule_layers") or []}
            for body in unnamed:
                body["name"] = names.get(body["id"]) or body["name"]
        answer = client.write("PUT", path("/schedules/{}", schedule_id), {"schedule": schedule})
    except ToolFailure as failure:
        if not failure.code.endswith("_NOT_FOUND"):
            raise
        answer = _update_shift_based(client, schedule_id, schedule)
    return _schedule_answer(answer, "Updated")


def _update_shift_based(client: PagerDutyClient, schedule_id: str, wanted: dict[str, Any]) -> dict[str, Any]:
    """PagerDuty's v3 PUT changes a shift-based schedule's name, description and time zone only."""
    read_schedule(client, schedule_id)  # an unknown schedule says so
    if "schedule_layers" in wanted:
        raise invalid(
            "layers", "a shift-based schedule has rotations: create_schedule_rotation, delete_schedule_rotation"
        )
    if "teams" in wanted:
        raise invalid("team_ids", "PagerDuty cannot change a shift-based schedule's teams")
    body = {k: v for k, v in wanted.items() if k in ("name", "description", "time_zone")}
    return client.write("PUT", path(V3 + "/{}", schedule_id), {"schedule": body})
