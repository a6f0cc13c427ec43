"""People and on-call: users, teams, schedules, overrides, on-calls and escalation policies."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pagerduty_mcp.sandbox import oncall
from pagerduty_mcp.sandbox.protocol import (
    ApiError,
    Reply,
    bad_request,
    format_time,
    not_found,
    paginate_offset,
    parse_time,
    parse_time_zone,
)
from pagerduty_mcp.sandbox.router import Context, route
from pagerduty_mcp.sandbox.state import State, public

__all__ = ["acting_user", "render_user", "schedule_window_entries"]

TEAM_ROLES = ("observer", "responder", "manager")
USER_INCLUDES = ("contact_methods", "notification_rules", "teams", "subdomains")
ONCALL_INCLUDES = ("escalation_policies", "users", "schedules")
MAX_ONCALL_RANGE = timedelta(days=90)
# On-call shifts are reported whole; rendering this far either side of the window finds their edges.
SHIFT_MARGIN = timedelta(days=8)


# -- shared helpers -------------------------------------------------------------------------------
def acting_user(ctx: Context, required: bool = True) -> dict[str, Any] | None:
    """The user named by the ``From`` header; 400 when it is required and missing, or when no
    user has that email. ``None`` when it is optional and absent."""
    if not required and not ctx.req.headers.get("from", "").strip():
        return None
    email = ctx.req.require_from_header()
    user = ctx.state.user_by_email(email)
    if user is None:
        raise bad_request(errors=[f'The "From" header {email!r} is not the email of a user in this account'])
    return user


def _matches(query: str | None, *texts: str | None) -> bool:
    if not query:
        return True
    lowered = query.lower()
    return any(t and lowered in t.lower() for t in texts)


def render_user(state: State, user: dict[str, Any], includes: list[str] | tuple[str, ...] = ()) -> dict[str, Any]:
    out = public(user)
    out["teams"] = [state.ref_to("teams", t) for t in state.teams_of(user["id"])]
    if "contact_methods" in includes:
        out["contact_methods"] = [public(state.get("contact_methods", c["id"])) for c in user["contact_methods"]]
    if "notification_rules" in includes:
        out["notification_rules"] = [
            public(state.get("notification_rules", r["id"])) for r in user["notification_rules"]
        ]
    if "teams" in includes:
        out["teams"] = [public(state.get("teams", t["id"])) for t in out["teams"]]
    return out


def _user_includes(ctx: Context) -> list[str]:
    return ctx.req.enum_array("include", USER_INCLUDES)


def _user(ctx: Context, ident: str) -> dict[str, Any]:
    return ctx.state.get("users", ident)


# -- users --------------------------------------------------------------------------------------
@route("GET", "/users")
def list_users(ctx: Context) -> dict[str, Any]:
    query = ctx.req.arg("query")
    team_ids = ctx.req.array("team_ids")
    includes = _user_includes(ctx)
    state = ctx.state
    users = [
        u
        for u in state.all("users")
        if _matches(query, u["name"], u["email"])
        and (not team_ids or any(t in state.teams_of(u["id"]) for t in team_ids))
    ]
    users.sort(key=lambda u: u["name"])
    page = paginate_offset(users, ctx.req, "users")
    page["users"] = [render_user(state, u, includes) for u in page["users"]]
    return page


@route("GET", "/users/me")
def get_current_user(ctx: Context) -> dict[str, Any]:
    principal = ctx.principal
    if principal is None or principal.user_id is None:
        raise ApiError(
            400,
            "Because this request was made using an account-level access token, we were unable to "
            "determine the user's identity. Please use a user-level token.",
            2001,
            ["GET /users/me needs a user-level API token or a user's OAuth token"],
        )
    return {"user": render_user(ctx.state, _user(ctx, principal.user_id), _user_includes(ctx))}


@route("GET", "/users/{id}")
def get_user(ctx: Context) -> dict[str, Any]:
    return {"user": render_user(ctx.state, _user(ctx, ctx.params["id"]), _user_includes(ctx))}


@route("GET", "/users/{id}/contact_methods")
def list_contact_methods(ctx: Context) -> dict[str, Any]:
    user = _user(ctx, ctx.params["id"])
    return {"contact_methods": [public(ctx.state.get("contact_methods", c["id"])) for c in user["contact_methods"]]}


@route("GET", "/users/{id}/notification_rules")
def list_notification_rules(ctx: Context) -> dict[str, Any]:
    user = _user(ctx, ctx.params["id"])
    urgency = ctx.req.arg("urgency", "high")
    if urgency not in ("high", "low", "all"):
        raise bad_request(errors=["urgency must be one of high, low, all"])
    includes = ctx.req.enum_array("include", ("contact_methods",))
    rules = []
    for reference in user["notification_rules"]:
        rule = public(ctx.state.get("notification_rules", reference["id"]))
        if urgency != "all" and rule["urgency"] != urgency:
            continue
        if "contact_methods" in includes:
            rule["contact_method"] = public(ctx.state.get("contact_methods", rule["contact_method"]["id"]))
        rules.append(rule)
    return {"notification_rules": rules}


# -- teams --------------------------------------------------------------------------------------
@route("GET", "/teams")
def list_teams(ctx: Context) -> dict[str, Any]:
    query = ctx.req.arg("query")
    teams = sorted((t for t in ctx.state.all("teams") if _matches(query, t["name"])), key=lambda t: t["name"])
    page = paginate_offset(teams, ctx.req, "teams")
    page["teams"] = [public(t) for t in page["teams"]]
    return page


def _check_team_fields(state: State, data: dict[str, Any], exclude: str | None = None) -> None:
    name = data.get("name")
    if name is not None:
        if not isinstance(name, str) or not name.strip():
            raise bad_request(errors=["Name can't be blank"])
        if any(t["name"].lower() == name.strip().lower() and t["id"] != exclude for t in state.all("teams")):
            raise bad_request(errors=["Name has already been taken"])
    if "description" in data and data["description"] is not None and not isinstance(data["description"], str):
        raise bad_request(errors=["description must be a string"])
    parent = data.get("parent")
    if parent is not None:
        if not isinstance(parent, dict) or "id" not in parent:
            raise bad_request(errors=["parent must be a team reference"])
        state.get("teams", parent["id"])


@route("POST", "/teams")
def create_team(ctx: Context) -> Reply:
    data = ctx.req.entity("team")
    if not data.get("name"):
        raise bad_request(errors=["Name can't be blank"])
    _check_team_fields(ctx.state, data)
    team: dict[str, Any] = {
        "name": data["name"].strip(),
        "description": data.get("description") or "",
        "default_role": data.get("default_role", "manager"),
        "parent": ctx.state.ref_to("teams", data["parent"]["id"]) if data.get("parent") else None,
    }
    ctx.state.stamp("teams", team, team["name"])
    ctx.state.put("teams", team)
    ctx.state.memberships[team["id"]] = {}
    return Reply({"team": public(team)}, 201)


@route("GET", "/teams/{id}")
def get_team(ctx: Context) -> dict[str, Any]:
    return {"team": public(ctx.state.get("teams", ctx.params["id"]))}


@route("PUT", "/teams/{id}")
def update_team(ctx: Context) -> dict[str, Any]:
    team = ctx.state.get("teams", ctx.params["id"])
    data = ctx.req.entity("team")
    _check_team_fields(ctx.state, data, exclude=team["id"])
    if data.get("name"):
        team["name"] = team["summary"] = data["name"].strip()
    if "description" in data:
        team["description"] = data["description"] or ""
    if "parent" in data:
        team["parent"] = ctx.state.ref_to("teams", data["parent"]["id"]) if data["parent"] else None
    _refresh_summaries(ctx.state, team)
    return {"team": public(team)}


def _refresh_summaries(state: State, obj: dict[str, Any]) -> None:
    """Keep references' summaries in step with a renamed object (PagerDuty shows the new name)."""
    ident, summary = obj["id"], obj["summary"]

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            if value.get("id") == ident and str(value.get("type", "")).endswith("_reference"):
                value["summary"] = summary
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for kind in ("users", "services", "escalation_policies", "schedules", "business_services", "incident_workflows"):
        walk(state.tables[kind])


@route("DELETE", "/teams/{id}")
def delete_team(ctx: Context) -> Reply:
    state = ctx.state
    team = state.get("teams", ctx.params["id"])
    reassign = ctx.req.arg("reassignment_team")
    if reassign:
        state.get("teams", reassign)
    del state.tables["teams"][team["id"]]
    state.memberships.pop(team["id"], None)
    for kind in ("services", "escalation_policies"):
        for obj in state.all(kind):
            obj["teams"] = [t for t in obj.get("teams", []) if t["id"] != team["id"]]
    for schedule in state.all("schedules"):
        schedule["_team_ids"] = [t for t in schedule.get("_team_ids", []) if t != team["id"]]
    return Reply(None, 204)


@route("GET", "/teams/{id}/members")
def list_team_members(ctx: Context) -> dict[str, Any]:
    state = ctx.state
    team = state.get("teams", ctx.params["id"])
    includes = ctx.req.enum_array("include", ("users",))
    members = sorted(state.memberships.get(team["id"], {}).items(), key=lambda m: state.get("users", m[0])["name"])
    page = paginate_offset(members, ctx.req, "members")
    page["members"] = [
        {
            "user": render_user(state, state.get("users", uid)) if "users" in includes else state.ref_to("users", uid),
            "role": role,
        }
        for uid, role in page["members"]
    ]
    return page


@route("PUT", "/teams/{id}/users/{user_id}")
def add_team_member(ctx: Context) -> Reply:
    state = ctx.state
    team = state.get("teams", ctx.params["id"])
    user = state.get("users", ctx.params["user_id"])
    role = team.get("default_role", "manager")
    if ctx.req.body:
        data = ctx.req.json()
        if not isinstance(data, dict):
            raise bad_request(errors=['The body must be an object such as {"role": "responder"}'])
        role = data.get("role", role)
    if role not in TEAM_ROLES:
        raise bad_request(errors=[f"role must be one of {', '.join(TEAM_ROLES)}"])
    state.memberships.setdefault(team["id"], {})[user["id"]] = role
    return Reply(None, 204)


@route("DELETE", "/teams/{id}/users/{user_id}")
def remove_team_member(ctx: Context) -> Reply:
    state = ctx.state
    team = state.get("teams", ctx.params["id"])
    user = state.get("users", ctx.params["user_id"])
    members = state.memberships.get(team["id"], {})
    if user["id"] not in members:
        raise not_found("team member", user["id"])
    del members[user["id"]]
    return Reply(None, 204)


# -- schedules ------------------------------------------------------------------------------------
def _zone(name: str) -> ZoneInfo:
    return parse_time_zone(name)


def _entry_json(state: State, entry: oncall.Entry, zone: ZoneInfo) -> dict[str, Any]:
    return {
        "user": state.ref_to("users", entry.user),
        "start": format_time(entry.start, zone),
        "end": format_time(entry.end, zone),
    }


def schedule_window_entries(
    state: State, schedule_id: str, since: datetime, until: datetime, overflow: bool = False
) -> oncall.Rendered:
    """The schedule rendered over [since, until); with ``overflow`` entries keep their whole span."""
    if not overflow:
        return state.render_schedule(schedule_id, since, until)
    wide = state.render_schedule(schedule_id, since - SHIFT_MARGIN, until + SHIFT_MARGIN)

    def keep(entries: list[oncall.Entry]) -> list[oncall.Entry]:
        return [e for e in entries if e.end > since and e.start < until]

    return oncall.Rendered([keep(x) for x in wide.layers], keep(wide.overrides), keep(wide.final))


def render_schedule(
    ctx: Context, schedule: dict[str, Any], since: datetime | None, until: datetime | None, zone: ZoneInfo
) -> dict[str, Any]:
    state = ctx.state
    out = public(schedule)
    out["schedule_layers"] = []
    rendered: oncall.Rendered | None = None
    if since is not None and until is not None:
        rendered = schedule_window_entries(state, schedule["id"], since, until, ctx.req.flag("overflow"))
    for index, layer in enumerate(schedule["schedule_layers"]):
        data = public(layer)
        data["start"] = format_time(layer["_start"], zone)
        data["rotation_virtual_start"] = format_time(layer["_rotation_virtual_start"], zone)
        data["end"] = format_time(layer["_end"], zone) if layer.get("_end") else None
        if rendered is not None and since is not None and until is not None:
            entries = rendered.layers[index]
            data["rendered_schedule_entries"] = [_entry_json(state, e, zone) for e in entries]
            data["rendered_coverage_percentage"] = oncall.coverage_percentage(entries, since, until)
        else:
            data["rendered_schedule_entries"] = []
            data["rendered_coverage_percentage"] = None
        out["schedule_layers"].append(data)
    for name, key, attr in (
        ("Final Schedule", "final_schedule", "final"),
        ("Overrides", "overrides_subschedule", "overrides"),
    ):
        sub: dict[str, Any] = {"name": name, "rendered_schedule_entries": [], "rendered_coverage_percentage": None}
        if rendered is not None and since is not None and until is not None:
            entries = getattr(rendered, attr)
            sub["rendered_schedule_entries"] = [_entry_json(state, e, zone) for e in entries]
            sub["rendered_coverage_percentage"] = oncall.coverage_percentage(entries, since, until)
        out[key] = sub
    out["users"] = [
        state.ref_to("users", uid)
        for uid in dict.fromkeys(u["user"]["id"] for layer in schedule["schedule_layers"] for u in layer["users"])
    ]
    out["escalation_policies"] = [
        state.ref(p)
        for p in state.all("escalation_policies")
        if any(t["id"] == schedule["id"] for r in p["escalation_rules"] for t in r["targets"])
    ]
    out["teams"] = [state.ref_to("teams", t) for t in schedule.get("_team_ids", []) if state.find("teams", t)]
    return out


def _schedule_window(ctx: Context) -> tuple[datetime | None, datetime | None]:
    since, until = ctx.req.time("since"), ctx.req.time("until")
    if since is None and until is None:
        return None, None
    if since is None:
        since = ctx.now
    if until is None:
        until = since + timedelta(weeks=2)
    if until < since:
        raise bad_request(errors=["until must be after since"])
    return since, until


@route("GET", "/schedules")
def list_schedules(ctx: Context) -> dict[str, Any]:
    state = ctx.state
    query = ctx.req.arg("query")
    schedules = sorted((s for s in state.all("schedules") if _matches(query, s["name"])), key=lambda s: s["name"])
    page = paginate_offset(schedules, ctx.req, "schedules")
    zone_name = ctx.req.arg("time_zone")
    page["schedules"] = [
        render_schedule(ctx, s, None, None, _zone(zone_name or s["time_zone"])) for s in page["schedules"]
    ]
    return page


@route("GET", "/schedules/{id}")
def get_schedule(ctx: Context) -> dict[str, Any]:
    schedule = ctx.state.get("schedules", ctx.params["id"])
    since, until = _schedule_window(ctx)
    zone = _zone(ctx.req.arg("time_zone") or schedule["time_zone"])
    return {"schedule": render_schedule(ctx, schedule, since, until, zone)}


def _parse_layers(state: State, raw: Any, existing: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    if not isinstance(raw, list) or not raw:
        raise bad_request(errors=["schedule_layers must be a non-empty array"])
    by_id = {layer["id"]: layer for layer in existing or []}
    layers: list[dict[str, Any]] = []
    for position, item in enumerate(raw):
        where = f"schedule_layers[{position}]"
        if not isinstance(item, dict):
            raise bad_request(errors=[f"{where} must be an object"])
        for key in ("start", "rotation_virtual_start", "rotation_turn_length_seconds", "users"):
            if item.get(key) in (None, "", []):
                raise bad_request(errors=[f"{where}.{key} is required"])
        start = parse_time(str(item["start"]), f"{where}.start")
        virtual = parse_time(str(item["rotation_virtual_start"]), f"{where}.rotation_virtual_start")
        end = parse_time(str(item["end"]), f"{where}.end") if item.get("end") else None
        if end is not None and end <= start:
            raise bad_request(errors=[f"{where}.end must be after start"])
        turn = item["rotation_turn_length_seconds"]
        if not isinstance(turn, int) or isinstance(turn, bool) or not 3600 <= turn <= 365 * 86400:
            raise bad_request(errors=[f"{where}.rotation_turn_length_seconds must be an integer from 3600 to 31536000"])
        users = []
        for member in item["users"]:
            user_ref = member.get("user") if isinstance(member, dict) else None
            if not isinstance(user_ref, dict) or "id" not in user_ref:
                raise bad_request(
                    errors=[f'{where}.users entries must look like {{"user": {{"id": ..., "type": "user_reference"}}}}']
                )
            users.append({"user": state.ref_to("users", user_ref["id"])})
        restrictions = [
            _parse_restriction(r, f"{where}.restrictions[{i}]") for i, r in enumerate(item.get("restrictions") or [])
        ]
        layer_id = item.get("id") if item.get("id") in by_id else state.new_id()
        layers.append(
            {
                "id": layer_id,
                "name": item.get("name") or f"Layer {position + 1}",
                "start": format_time(start),
                "end": format_time(end) if end else None,
                "rotation_virtual_start": format_time(virtual),
                "rotation_turn_length_seconds": turn,
                "users": users,
                "restrictions": restrictions,
                "_start": start,
                "_end": end,
                "_rotation_virtual_start": virtual,
            }
        )
    return layers


def _parse_restriction(raw: Any, where: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise bad_request(errors=[f"{where} must be an object"])
    kind = raw.get("type")
    if kind not in ("daily_restriction", "weekly_restriction"):
        raise bad_request(errors=[f"{where}.type must be daily_restriction or weekly_restriction"])
    text = raw.get("start_time_of_day")
    try:
        hours, minutes, seconds = (int(p) for p in str(text).split(":"))
        if not (0 <= hours < 24 and 0 <= minutes < 60 and 0 <= seconds < 60):
            raise ValueError(text)
    except ValueError:
        raise bad_request(errors=[f"{where}.start_time_of_day must be HH:MM:SS"]) from None
    duration = raw.get("duration_seconds")
    limit = 7 * 86400 if kind == "weekly_restriction" else 86400
    if not isinstance(duration, int) or isinstance(duration, bool) or not 0 < duration <= limit:
        raise bad_request(errors=[f"{where}.duration_seconds must be an integer from 1 to {limit}"])
    out: dict[str, Any] = {
        "type": kind,
        "start_time_of_day": f"{hours:02d}:{minutes:02d}:{seconds:02d}",
        "duration_seconds": duration,
    }
    if kind == "weekly_restriction":
        day = raw.get("start_day_of_week")
        if not isinstance(day, int) or not 1 <= day <= 7:
            raise bad_request(errors=[f"{where}.start_day_of_week must be 1 (Monday) to 7 (Sunday)"])
        out["start_day_of_week"] = day
    return out


@route("POST", "/schedules")
def create_schedule(ctx: Context) -> Reply:
    state = ctx.state
    data = ctx.req.entity("schedule")
    if not data.get("name"):
        raise bad_request(errors=["name is required"])
    zone_name = data.get("time_zone")
    if not zone_name:
        raise bad_request(errors=["time_zone is required"])
    _zone(zone_name)
    schedule: dict[str, Any] = {
        "name": data["name"],
        "time_zone": zone_name,
        "description": data.get("description") or "",
        "schedule_layers": _parse_layers(state, data.get("schedule_layers")),
        "_team_ids": [t["id"] for t in data.get("teams") or [] if state.get("teams", t["id"])],
    }
    state.stamp("schedules", schedule, schedule["name"])
    state.put("schedules", schedule)
    return Reply({"schedule": render_schedule(ctx, schedule, None, None, _zone(zone_name))}, 201)


@route("PUT", "/schedules/{id}")
def update_schedule(ctx: Context) -> dict[str, Any]:
    state = ctx.state
    schedule = state.get("schedules", ctx.params["id"])
    data = ctx.req.entity("schedule")
    if "time_zone" in data:
        _zone(data["time_zone"])
    layers = (
        _parse_layers(state, data["schedule_layers"], schedule["schedule_layers"])
        if "schedule_layers" in data
        else None
    )
    if data.get("name"):
        schedule["name"] = schedule["summary"] = data["name"]
        _refresh_summaries(state, schedule)
    if "description" in data:
        schedule["description"] = data["description"] or ""
    if data.get("time_zone"):
        schedule["time_zone"] = data["time_zone"]
    if layers is not None:
        schedule["schedule_layers"] = layers
    if "teams" in data:
        schedule["_team_ids"] = [t["id"] for t in data["teams"] or [] if state.get("teams", t["id"])]
    return {"schedule": render_schedule(ctx, schedule, None, None, _zone(schedule["time_zone"]))}


@route("GET", "/schedules/{id}/users")
def list_schedule_users(ctx: Context) -> dict[str, Any]:
    state = ctx.state
    schedule = state.get("schedules", ctx.params["id"])
    since = ctx.req.time("since") or ctx.now
    until = ctx.req.time("until") or since + timedelta(weeks=2)
    if until < since:
        raise bad_request(errors=["until must be after since"])
    rendered = state.render_schedule(schedule["id"], since, until)
    user_ids = dict.fromkeys(e.user for e in rendered.final)
    return {"users": [render_user(state, state.get("users", u)) for u in user_ids]}


def _override_json(override: dict[str, Any], zone: ZoneInfo) -> dict[str, Any]:
    out = public(override)
    out["start"] = format_time(override["_start"], zone)
    out["end"] = format_time(override["_end"], zone)
    return out


@route("GET", "/schedules/{id}/overrides")
def list_overrides(ctx: Context) -> dict[str, Any]:
    state = ctx.state
    schedule = state.get("schedules", ctx.params["id"])
    since, until = ctx.req.time("since"), ctx.req.time("until")
    if since is None or until is None:
        raise bad_request(errors=["since and until are required"])
    if until < since:
        raise bad_request(errors=["until must be after since"])
    editable = ctx.req.flag("editable")
    overflow = ctx.req.flag("overflow")
    now = ctx.now
    zone = _zone(schedule["time_zone"])
    out = []
    for override in state.overrides_of(schedule["id"]):
        if override["_end"] <= since or override["_start"] >= until:
            continue
        if editable and override["_end"] <= now:
            continue
        data = _override_json(override, zone)
        if not overflow:
            data["start"] = format_time(max(override["_start"], since), zone)
            data["end"] = format_time(min(override["_end"], until), zone)
        out.append(data)
    return {"overrides": out}


def _parse_override(state: State, raw: Any, where: str) -> tuple[str, datetime, datetime]:
    if not isinstance(raw, dict):
        raise bad_request(errors=[f"{where} must be an object"])
    user = raw.get("user")
    if not isinstance(user, dict) or not user.get("id"):
        raise bad_request(errors=[f"{where}.user must be a user reference"])
    if not raw.get("start") or not raw.get("end"):
        raise bad_request(errors=[f"{where}.start and {where}.end are required"])
    start = parse_time(str(raw["start"]), f"{where}.start")
    end = parse_time(str(raw["end"]), f"{where}.end")
    if end <= start:
        raise bad_request(errors=[f"{where}.end must be after start"])
    return user["id"], start, end


@route("POST", "/schedules/{id}/overrides")
def create_overrides(ctx: Context) -> Reply:
    """Many overrides (``{"overrides": [...]}``, one status per item, as documented) or one
    (``{"override": {...}}``, the older form, answered with the override)."""
    state = ctx.state
    schedule = state.get("schedules", ctx.params["id"])
    zone = _zone(schedule["time_zone"])
    data = ctx.req.json()
    if isinstance(data, dict) and isinstance(data.get("override"), dict):
        user_id, start, end = _parse_override(state, data["override"], "override")
        override = state.add_override(schedule["id"], state.get("users", user_id)["id"], start, end)
        return Reply({"override": _override_json(override, zone)}, 201)
    if not isinstance(data, dict) or not isinstance(data.get("overrides"), list) or not data["overrides"]:
        raise bad_request(errors=['The body must be {"overrides": [{"start", "end", "user"}, ...]}'])
    results = []
    for index, raw in enumerate(data["overrides"]):
        try:
            user_id, start, end = _parse_override(state, raw, f"overrides[{index}]")
            if state.find("users", user_id) is None:
                raise bad_request(errors=[f"overrides[{index}].user {user_id} is not a user in this account"])
        except ApiError as error:
            results.append({"status": 400, "errors": error.errors or [error.message], "override": raw})
            continue
        override = state.add_override(schedule["id"], user_id, start, end)
        results.append({"status": 201, "override": _override_json(override, zone)})
    return Reply(results, 201)


@route("DELETE", "/schedules/{id}/overrides/{override_id}")
def delete_override(ctx: Context) -> Reply:
    state = ctx.state
    schedule = state.get("schedules", ctx.params["id"])
    override = state.get("overrides", ctx.params["override_id"])
    if override["_schedule_id"] != schedule["id"]:
        raise not_found("override", override["id"])
    now = ctx.now
    if override["_start"] < now < override["_end"]:
        # an override in progress is cut short at now rather than erased (PagerDuty answers 200)
        override["_end"] = now
        override["end"] = format_time(now, _zone(schedule["time_zone"]))
        return Reply(None, 200)
    del state.tables["overrides"][override["id"]]
    return Reply(None, 204)


# -- on-calls -------------------------------------------------------------------------------------
@route("GET", "/oncalls")
def list_oncalls(ctx: Context) -> dict[str, Any]:
    state = ctx.state
    req = ctx.req
    includes = req.enum_array("include", ONCALL_INCLUDES)
    user_ids = set(req.array("user_ids"))
    schedule_ids = set(req.array("schedule_ids"))
    policy_ids = set(req.array("escalation_policy_ids"))
    for ident in schedule_ids:
        state.get("schedules", ident)
    for ident in policy_ids:
        state.get("escalation_policies", ident)
    earliest = req.flag("earliest")
    zone = parse_time_zone(req.arg("time_zone"), state.account_time_zone)
    now = ctx.now
    since = req.time("since") or now
    until = req.time("until") or max(since, now)
    if until < since:
        raise bad_request(errors=["until must be after since"])
    if until - since > MAX_ONCALL_RANGE:
        raise bad_request(errors=["The range between since and until cannot exceed 90 days"])
    probe_until = until if until > since else since + timedelta(seconds=1)
    rendered_cache: dict[str, list[oncall.Entry]] = {}

    def shifts(schedule_id: str) -> list[oncall.Entry]:
        if schedule_id not in rendered_cache:
            rendered = schedule_window_entries(state, schedule_id, since, probe_until, overflow=True)
            rendered_cache[schedule_id] = rendered.final
        return rendered_cache[schedule_id]

    rows: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    policies = sorted(state.all("escalation_policies"), key=lambda p: p["name"])
    for policy in policies:
        if policy_ids and policy["id"] not in policy_ids:
            continue
        for level, rule in enumerate(policy["escalation_rules"], start=1):
            for target in rule["targets"]:
                if target["type"].startswith("user"):
                    if schedule_ids or (user_ids and target["id"] not in user_ids):
                        continue
                    rows.append(
                        (
                            (policy["name"], level, "", target["id"]),
                            _oncall(state, policy, level, target["id"], None, None, None, zone),
                        )
                    )
                elif target["type"].startswith("schedule"):
                    if schedule_ids and target["id"] not in schedule_ids:
                        continue
                    for entry in shifts(target["id"]):
                        if user_ids and entry.user not in user_ids:
                            continue
                        rows.append(
                            (
                                (policy["name"], level, entry.start.isoformat(), entry.user),
                                _oncall(state, policy, level, entry.user, target["id"], entry.start, entry.end, zone),
                            )
                        )
    rows.sort(key=lambda row: row[0])
    items = [row[1] for row in rows]
    if earliest:
        seen: set[tuple[str, int, str]] = set()
        kept = []
        for item in items:
            key = (item["escalation_policy"]["id"], item["escalation_level"], item["user"]["id"])
            if key not in seen:
                seen.add(key)
                kept.append(item)
        items = kept
    page = paginate_offset(items, req, "oncalls")
    for item in page["oncalls"]:
        if "users" in includes:
            item["user"] = render_user(state, state.get("users", item["user"]["id"]))
        if "schedules" in includes and item["schedule"] is not None:
            item["schedule"] = public(state.get("schedules", item["schedule"]["id"]))
            item["schedule"].pop("schedule_layers", None)
        if "escalation_policies" in includes:
            item["escalation_policy"] = public(state.get("escalation_policies", item["escalation_policy"]["id"]))
    return page


def _oncall(
    state: State,
    policy: dict[str, Any],
    level: int,
    user_id: str,
    schedule_id: str | None,
    start: datetime | None,
    end: datetime | None,
    zone: ZoneInfo,
) -> dict[str, Any]:
    return {
        "escalation_policy": state.ref(policy),
        "escalation_level": level,
        "schedule": state.ref_to("schedules", schedule_id) if schedule_id else None,
        "user": state.ref_to("users", user_id),
        "start": format_time(start, zone),
        "end": format_time(end, zone),
    }


# -- escalation policies --------------------------------------------------------------------------
def _policy_json(state: State, policy: dict[str, Any], includes: list[str]) -> dict[str, Any]:
    out = public(policy)
    if "services" in includes:
        out["services"] = [
            public(state.get("services", s["id"])) for s in policy["services"] if state.find("services", s["id"])
        ]
    if "teams" in includes:
        out["teams"] = [public(state.get("teams", t["id"])) for t in policy["teams"] if state.find("teams", t["id"])]
    if "targets" in includes:
        out["escalation_rules"] = [
            {**rule, "targets": [_target_object(state, t) for t in rule["targets"]]}
            for rule in policy["escalation_rules"]
        ]
    return out


def _target_object(state: State, target: dict[str, Any]) -> dict[str, Any]:
    if target["type"].startswith("user"):
        return render_user(state, state.get("users", target["id"]))
    schedule = public(state.get("schedules", target["id"]))
    schedule["schedule_layers"] = [public(layer) for layer in schedule["schedule_layers"]]
    return schedule


@route("GET", "/escalation_policies")
def list_escalation_policies(ctx: Context) -> dict[str, Any]:
    state = ctx.state
    req = ctx.req
    query = req.arg("query")
    user_ids = set(req.array("user_ids"))
    team_ids = set(req.array("team_ids"))
    includes = req.enum_array("include", ("services", "teams", "targets"))
    sort_by = req.arg("sort_by", "name")
    if sort_by not in ("name", "name:asc", "name:desc"):
        raise bad_request(errors=["sort_by must be name, name:asc or name:desc"])

    def involves_user(policy: dict[str, Any]) -> bool:
        for rule in policy["escalation_rules"]:
            for target in rule["targets"]:
                if target["type"].startswith("user") and target["id"] in user_ids:
                    return True
                if target["type"].startswith("schedule") and state.find("schedules", target["id"]):
                    schedule = state.get("schedules", target["id"])
                    if any(
                        u["user"]["id"] in user_ids for layer in schedule["schedule_layers"] for u in layer["users"]
                    ):
                        return True
        return False

    policies = [
        p
        for p in state.all("escalation_policies")
        if _matches(query, p["name"])
        and (not team_ids or any(t["id"] in team_ids for t in p["teams"]))
        and (not user_ids or involves_user(p))
    ]
    policies.sort(key=lambda p: p["name"].lower(), reverse=sort_by == "name:desc")
    page = paginate_offset(policies, req, "escalation_policies")
    page["escalation_policies"] = [_policy_json(state, p, includes) for p in page["escalation_policies"]]
    return page


@route("GET", "/escalation_policies/{id}")
def get_escalation_policy(ctx: Context) -> dict[str, Any]:
    includes = ctx.req.enum_array("include", ("services", "teams", "targets"))
    return {
        "escalation_policy": _policy_json(ctx.state, ctx.state.get("escalation_policies", ctx.params["id"]), includes)
    }


def _parse_rules(state: State, raw: Any) -> list[dict[str, Any]]:
    if not isinstance(raw, list) or not raw:
        raise bad_request(errors=["escalation_rules must be a non-empty array"])
    rules = []
    for index, rule in enumerate(raw):
        where = f"escalation_rules[{index}]"
        if not isinstance(rule, dict):
            raise bad_request(errors=[f"{where} must be an object"])
        delay = rule.get("escalation_delay_in_minutes")
        if not isinstance(delay, int) or isinstance(delay, bool) or delay < 1:
            raise bad_request(errors=[f"{where}.escalation_delay_in_minutes must be a positive integer"])
        targets = rule.get("targets")
        if not isinstance(targets, list) or not targets:
            raise bad_request(errors=[f"{where}.targets must be a non-empty array"])
        refs = []
        for target in targets:
            kind = {
                "user_reference": "users",
                "user": "users",
                "schedule_reference": "schedules",
                "schedule": "schedules",
            }.get(str(target.get("type")) if isinstance(target, dict) else "")
            if kind is None or not target.get("id"):
                raise bad_request(
                    errors=[f"{where}.targets entries need an id and type user_reference or schedule_reference"]
                )
            refs.append(state.ref_to(kind, target["id"]))
        rules.append({"id": rule.get("id") or state.new_id(), "escalation_delay_in_minutes": delay, "targets": refs})
    return rules


@route("POST", "/escalation_policies")
def create_escalation_policy(ctx: Context) -> Reply:
    state = ctx.state
    acting_user(ctx, required=False)  # optional here ("only used for change tracking")
    data = ctx.req.entity("escalation_policy")
    if not data.get("name"):
        raise bad_request(errors=["name is required"])
    if any(p["name"].lower() == str(data["name"]).lower() for p in state.all("escalation_policies")):
        raise bad_request(errors=["Name has already been taken"])
    num_loops = data.get("num_loops", 0)
    if not isinstance(num_loops, int) or num_loops < 0 or num_loops > 9:
        raise bad_request(errors=["num_loops must be an integer from 0 to 9"])
    policy: dict[str, Any] = {
        "name": data["name"],
        "description": data.get("description") or "",
        "num_loops": num_loops,
        "on_call_handoff_notifications": data.get("on_call_handoff_notifications", "if_has_services"),
        "escalation_rules": _parse_rules(state, data.get("escalation_rules")),
        "services": [],
        "teams": [state.ref_to("teams", t["id"]) for t in data.get("teams") or []],
    }
    state.stamp("escalation_policies", policy, policy["name"])
    state.put("escalation_policies", policy)
    return Reply({"escalation_policy": public(policy)}, 201)


@route("PUT", "/escalation_policies/{id}")
def update_escalation_policy(ctx: Context) -> dict[str, Any]:
    state = ctx.state
    policy = state.get("escalation_policies", ctx.params["id"])
    data = ctx.req.entity("escalation_policy")
    rules = _parse_rules(state, data["escalation_rules"]) if "escalation_rules" in data else None
    teams = [state.ref_to("teams", t["id"]) for t in data.get("teams") or []] if "teams" in data else None
    if "num_loops" in data and (not isinstance(data["num_loops"], int) or not 0 <= data["num_loops"] <= 9):
        raise bad_request(errors=["num_loops must be an integer from 0 to 9"])
    if data.get("name"):
        policy["name"] = policy["summary"] = data["name"]
        _refresh_summaries(state, policy)
    for key in ("description", "num_loops", "on_call_handoff_notifications"):
        if key in data:
            policy[key] = data[key]
    if rules is not None:
        policy["escalation_rules"] = rules
    if teams is not None:
        policy["teams"] = teams
    return {"escalation_policy": public(policy)}
