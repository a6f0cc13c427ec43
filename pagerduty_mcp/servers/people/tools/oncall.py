"""On-call tools: who is on call (now, next, in a window), on-call load, and coverage gaps."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field

from pagerduty_mcp.common import (
    Envelope,
    IdList,
    Page,
    PagerDutyClient,
    Ref,
    Scope,
    ToolFailure,
    apply_scope,
    get_client,
    id_or_url,
    iso,
    paginate,
    parse_time,
    path,
    pieces,
    respond,
    tool,
    window,
)
from pagerduty_mcp.servers.people import oncall_math
from pagerduty_mcp.servers.people.models import final_entries
from pagerduty_mcp.servers.people.params import Id, Limit, Offset, Since, Until
from pagerduty_mcp.servers.people.tools.lookups import (
    INCIDENTS_PIECE,
    LONGEST_REPORT,
    MAX_WINDOW,
    moment,
    oncall_params,
    page_of_oncalls,
    policies_for,
)
from pagerduty_mcp.servers.people.tools.schedule_kinds import all_schedules, read_schedule
from pagerduty_mcp.servers.people.validators import zone_ok

__all__ = [
    "Shifts",
    "current_and_next",
    "find_coverage_gaps",
    "get_oncall_load",
    "list_oncalls",
    "read_shifts",
    "report_window",
    "zone_of",
]

# "Who is next" looks this far ahead: longer than the usual weekly rotation.
NEXT_HORIZON = timedelta(days=14)
# On-call entries read at most to group one answer (ten of PagerDuty's largest pages).
MAX_ONCALL_ENTRIES = 1000
# Entries read to compute load or gaps; more means the window is too large to be exact.
MAX_ENTRIES = 2000
MAX_INCIDENTS = 1000
MAX_GAPS_LISTED = 100


def _ref(obj: dict[str, Any] | None) -> dict[str, Any] | None:
    found = Ref.of(obj)
    return found.model_dump(exclude_none=True) if found else None


def _whole(page: Page) -> list[dict[str, Any]]:
    """Every entry of a page of on-calls read up to MAX_ENTRIES, or a failure when there were more.

    Callers read the page themselves: the OAuth scopes of a tool are found in the paths its code
    (and the helpers it calls, two deep) names."""
    if page.has_more:
        raise ToolFailure(
            "INVALID_PARAMETER",
            f"More than {MAX_ENTRIES} on-call entries in this window; narrow it (since/until) or the filters.",
            {"parameters": ["since", "until"]},
        )
    return page.items


def _group(entries: list[dict[str, Any]], now: datetime | None) -> list[dict[str, Any]]:
    """Group /oncalls entries by escalation policy and level.

    With ``now``: each level lists who is on call now (``on_call``) and, per schedule, the next
    different person (``next``). Without: every shift, as PagerDuty gave it.
    """
    policies: dict[str, dict[str, Any]] = {}
    levels: dict[tuple[str, int], list[dict[str, Any]]] = defaultdict(list)
    for entry in entries:
        policy = entry.get("escalation_policy") or {}
        policies.setdefault(policy.get("id", ""), _ref(policy) or {})
        levels[(policy.get("id", ""), int(entry.get("escalation_level") or 0))].append(entry)
    out = []
    for policy_id, ref in policies.items():
        group: dict[str, Any] = {"escalation_policy": ref, "levels": []}
        for (pid, level), items in sorted(levels.items(), key=lambda kv: kv[0][1]):
            if pid != policy_id:
                continue
            if now is None:
                shifts = [
                    {
                        "user": _ref(e.get("user")),
                        "schedule": _ref(e.get("schedule")),
                        "start": e.get("start"),
                        "end": e.get("end"),
                    }
                    for e in items
                ]
                group["levels"].append({"level": level, "shifts": shifts})
            else:
                group["levels"].append({"level": level, **current_and_next(items, now)})
        out.append(group)
    return out


def current_and_next(items: list[dict[str, Any]], now: datetime) -> dict[str, list[dict[str, Any]]]:
    """Who of ``items`` (one level's entries) is on call at ``now``, and who takes over next."""
    on_call, upcoming = [], []
    by_schedule: dict[str | None, list[dict[str, Any]]] = defaultdict(list)
    for entry in items:
        by_schedule[(entry.get("schedule") or {}).get("id")].append(entry)
    for schedule_id, group in by_schedule.items():
        current_users = set()
        ends = set()
        for entry in group:
            start, end = moment(entry.get("start")), moment(entry.get("end"))
            if schedule_id is None or (start is not None and start <= now and (end is None or now < end)):
                row: dict[str, Any] = {"user": _ref(entry.get("user")), "schedule": _ref(entry.get("schedule"))}
                if end is not None:
                    row["until"] = entry.get("end")
                    ends.add(entry.get("end"))
                elif schedule_id is None:
                    row["always"] = True  # a user named directly in the policy
                on_call.append(row)
                current_users.add((entry.get("user") or {}).get("id"))
        later = [
            e
            for e in group
            if schedule_id is not None
            and (e.get("user") or {}).get("id") not in current_users
            and (moment(e.get("start")) or now) > now
        ]
        if later:
            first = min(later, key=lambda e: moment(e.get("start")) or now)
            takes_over: dict[str, Any] = {"user": _ref(first.get("user")), "schedule": _ref(first.get("schedule"))}
            if first.get("start") not in ends:  # a handover as the current shift ends: its until says when
                takes_over["from"] = first.get("start")
            takes_over["until"] = first.get("end")
            upcoming.append(takes_over)
    result: dict[str, list[dict[str, Any]]] = {"on_call": on_call}
    if upcoming:
        result["next"] = upcoming
    return result


@tool("List on-calls")
def list_oncalls(
    team_ids: Annotated[IdList | None, Field(description="Teams.")] = None,
    service_ids: Annotated[IdList | None, Field(description="Services.")] = None,
    escalation_policy_ids: Annotated[IdList | None, Field(description="Policies.")] = None,
    schedule_ids: Annotated[IdList | None, Field(description="Schedules.")] = None,
    user_ids: Annotated[IdList | None, Field(description="Users.")] = None,
    scope: Annotated[Scope, Field(description="assigned_to_me: my shifts.")] = "all",
    since: Since = None,
    until: Until = None,
    time_zone: Annotated[str | None, Field(description="IANA zone.")] = None,
    earliest: Annotated[bool, Field(description="Each person's first shift only.")] = False,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Envelope:
    """Who is on call by escalation policy and level: now and next, or each shift in since-until
    (since alone: that moment). Filters AND."""
    client = get_client()
    scoped = apply_scope(client, scope, team_ids or None, user_ids or None)
    policies = policies_for(client, escalation_policy_ids or None, scoped.team_ids, service_ids or None)
    notes = scoped.notes + policies.notes
    if policies.empty:
        return respond("oncalls", [], "Nobody matches: no escalation policy fits the filters", notes=notes or None)
    params = oncall_params(policies, scoped.user_ids, schedule_ids or None)
    if time_zone:
        params["time_zone"] = zone_ok(time_zone, "time_zone")
    now_mode = since is None and until is None
    if now_mode:
        now = datetime.now(UTC).replace(microsecond=0)
        params.update(since=iso(now), until=iso(now + NEXT_HORIZON), earliest="true")
    else:
        start = until_at = None
        if until is None:
            start, _ = window(since, None, maximum=MAX_WINDOW)
            until_at = start + timedelta(seconds=1)
        else:
            start, until_at = window(since, until, maximum=MAX_WINDOW)
        params.update(since=iso(start), until=iso(until_at))
        if earliest:
            params["earliest"] = "true"
    # Rows are escalation policies, so paging counts policies: every entry is read (up to a bound),
    # grouped, and then the page of policies is cut, with a total and has_more that hold.
    entries = page_of_oncalls(client, params, limit=MAX_ONCALL_ENTRIES)
    everyone = _group(entries.items, now if now_mode else None)
    groups = everyone[offset : offset + limit]
    more = offset + limit < len(everyone)
    if entries.has_more:
        notes.append(
            f"More than {MAX_ONCALL_ENTRIES:,} on-call entries match: only those were grouped. Narrow the "
            "window or the filters for the rest."
        )
    page = Page(
        items=groups,
        has_more=more or entries.has_more,
        next_offset=offset + limit if more else None,
        total=None if entries.has_more else len(everyone),
        notes=notes + entries.notes,
    )
    if now_mode:
        people = {row["user"]["id"] for g in groups for lv in g["levels"] for row in lv["on_call"] if row.get("user")}
        text = f"{len(people)} people on call now across {len(groups)} escalation policies; 'next' is who takes over"
    else:
        shown = sum(len(lv["shifts"]) for g in groups for lv in g["levels"])
        text = f"{shown} on-call entries from {params['since']} to {params['until']}"
    return respond("oncalls", groups, text, page=page)


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _final_schedule_entries(
    client: PagerDutyClient, schedule_ids: list[str], spans: list[oncall_math.Span], users: set[str]
) -> list[dict[str, Any]]:
    """On-call entries of schedules that /oncalls does not cover (in no escalation policy), read
    piece by piece (each within what PagerDuty renders at once)."""
    entries = []
    for schedule_id in schedule_ids:
        for since, until in spans:
            _, schedule = read_schedule(client, schedule_id, since, until, zone=None)
            for entry in final_entries(schedule):
                user_id = (entry.get("user") or {}).get("id")
                if user_id and (not users or user_id in users):
                    entries.append({**entry, "schedule": {"id": schedule_id}})
    return entries


def _people_of_team(client: PagerDutyClient, team_id: str) -> dict[str, dict[str, Any]]:
    page = paginate(client, path("/teams/{}/members", team_id), "members", {"include[]": ["users"]}, limit=100)
    return {m["user"]["id"]: m["user"] for m in page.items if (m.get("user") or {}).get("id")}


Holding = dict[str, list[tuple[str, datetime, datetime]]]  # policy id -> (user id, start, end) at level 1


def _paged_incidents(
    client: PagerDutyClient, spans: list[oncall_math.Span], level_one: Holding
) -> dict[str, list[datetime]]:
    """For each user: when incidents were created while they held level 1 of the incident's policy
    (``spans``: the window in pieces /incidents takes)."""
    incidents: list[dict[str, Any]] = []
    for since, until in spans:
        params = {"since": iso(since), "until": iso(until), "time_zone": "UTC"}
        page = paginate(client, "/incidents", "incidents", params, limit=MAX_INCIDENTS)
        if page.has_more or len(incidents) + len(page.items) > MAX_INCIDENTS:
            raise ToolFailure(
                "INVALID_PARAMETER",
                f"More than {MAX_INCIDENTS} incidents in this window; narrow it or pass count_incidents=false.",
                {"parameters": ["since", "until", "count_incidents"]},
            )
        incidents += page.items
    paged: dict[str, list[datetime]] = defaultdict(list)
    for incident in incidents:
        created = moment(incident.get("created_at"))
        policy_id = (incident.get("escalation_policy") or {}).get("id")
        if created is None or policy_id is None:
            continue
        for user_id, start, end in level_one.get(policy_id, ()):
            if start <= created < end:
                paged[user_id].append(created)
    return paged


@dataclass
class Shifts:
    """Who held on-call shifts in a window: the reading that load and pay share."""

    people: dict[str, dict[str, Any]]  # user id -> user (with its time zone)
    spans: dict[str, list[oncall_math.Span]]  # user id -> merged shifts, clipped to the window
    level_one: Holding = field(default_factory=dict)
    direct: set[str] = field(default_factory=set)  # names of users a policy targets directly
    notes: list[str] = field(default_factory=list)
    whole_account: bool = False


def _entry_key(entry: dict[str, Any]) -> tuple[Any, ...]:
    """One on-call entry, whichever piece of the window reported it (a shift across two pieces comes
    back whole from both)."""
    return tuple(
        (entry.get(part) or {}).get("id") if isinstance(entry.get(part), dict) else entry.get(part)
        for part in ("escalation_policy", "escalation_level", "schedule", "user", "start", "end")
    )


def read_shifts(
    client: PagerDutyClient,
    spans: list[oncall_math.Span],
    team_id: str | None = None,
    schedule_ids: list[str] | None = None,
    user_ids: list[str] | None = None,
) -> Shifts:
    """Every on-call shift of a team's members, some users or schedules (none: the whole account)
    over the window ``spans`` covers (pieces /oncalls takes), per person, with each person's time
    zone. An empty team has no people."""
    if team_id and user_ids:
        raise ToolFailure(
            "INVALID_PARAMETER",
            "team_id and user_ids conflict: give a team (all its members) or users, not both.",
            {"parameters": ["team_id", "user_ids"]},
        )
    start, end = spans[0][0], spans[-1][1]
    whole_account = not (team_id or schedule_ids or user_ids)
    people: dict[str, dict[str, Any]] = {}
    wanted = user_ids or None
    if team_id:
        people = _people_of_team(client, team_id)
        wanted = sorted(people)
        if not wanted:
            return Shifts({}, {})
    params: dict[str, Any] = {"time_zone": "UTC", "include[]": ["users"]}
    if wanted:
        params["user_ids[]"] = wanted
    schedules = schedule_ids or []
    if schedules:
        params["schedule_ids[]"] = schedules
    found: dict[tuple[Any, ...], dict[str, Any]] = {}
    for since, until in spans:
        piece = {**params, "since": iso(since), "until": iso(until)}
        for entry in _whole(page_of_oncalls(client, piece, limit=MAX_ENTRIES)):
            found.setdefault(_entry_key(entry), entry)
    entries = list(found.values())
    notes = []
    if whole_account:
        # /oncalls reports only schedules that an escalation policy uses; the rest are read one by one.
        listed, cut = all_schedules(client, None, None, None)
        schedules = [s["id"] for s in listed]
        notes.append(f"Whole account: every escalation policy and all {len(schedules)} schedules (both kinds).")
        notes += cut
    unreferenced = [s for s in schedules if not any((e.get("schedule") or {}).get("id") == s for e in entries)]
    if unreferenced:
        entries += _final_schedule_entries(client, unreferenced, spans, set(wanted or []))
        shown = ", ".join(unreferenced[:10]) + (f" and {len(unreferenced) - 10} more" if len(unreferenced) > 10 else "")
        notes.append(f"{shown}: read from the final schedule (no escalation policy reports it).")
    spans_of: dict[str, list[oncall_math.Span]] = defaultdict(list)
    level_one: Holding = defaultdict(list)
    direct = set()
    for entry in entries:
        user = entry.get("user") or {}
        if not user.get("id"):
            continue
        people.setdefault(user["id"], user)
        entry_start, entry_end = moment(entry.get("start")), moment(entry.get("end"))
        if entry_start is None or entry_end is None:
            direct.add(user.get("summary") or user.get("name") or user["id"])
            continue
        spans_of[user["id"]].append((entry_start, entry_end))
        if entry.get("escalation_level") == 1 and entry.get("escalation_policy"):
            level_one[entry["escalation_policy"]["id"]].append((user["id"], entry_start, entry_end))
    # Wanted users with no shift, and people known only by reference, still need a name and a time zone.
    missing = [u for u in wanted or [] if u not in people] + [u for u, d in people.items() if "time_zone" not in d]
    for user_id in dict.fromkeys(missing):
        people[user_id] = client.read(path("/users/{}", user_id)).get("user") or {"id": user_id}
    merged = {u: oncall_math.union(oncall_math.clip(spans_of.get(u, []), start, end)) for u in people}
    return Shifts(people, merged, level_one, direct, notes, whole_account)


def zone_of(user: dict[str, Any]) -> ZoneInfo:
    """The person's own time zone (UTC when PagerDuty gives none or one Python does not know)."""
    return _zone(user.get("time_zone"))


def report_window(since: str | None, until: str | None) -> tuple[datetime, datetime]:
    """A past window for load, pay and analytics: 30 days back by default; "since last Monday" runs
    to now, however long ago that was (the tools ask a long window in pieces)."""
    now = datetime.now(UTC).replace(microsecond=0)
    if since and not until:
        since_at = parse_time(since, "since", now=now)
        if since_at is not None and since_at < now:
            until = iso(now)
    return window(since, until, back=timedelta(days=30), now=now)


@tool("On-call load")
def get_oncall_load(
    team_id: Annotated[Id | None, id_or_url("Team")] = None,
    schedule_ids: Annotated[IdList | None, Field(description="Schedules.")] = None,
    user_ids: Annotated[IdList | None, Field(description="Users.")] = None,
    since: Since = None,
    until: Until = None,
    count_incidents: Annotated[bool, Field(description="Count incidents paging them.")] = True,
) -> Envelope:
    """On-call hours per person: night (outside 08-20, own clock) and weekend shares, shifts,
    incidents, balance."""
    start, end = report_window(since, until)
    spans = pieces(start, end, MAX_WINDOW, longest=LONGEST_REPORT)
    client = get_client()
    shifts = read_shifts(client, spans, team_id, schedule_ids, user_ids)
    if team_id and not shifts.people:
        return respond("people", [], "The team has no members, so there is no on-call load to measure")
    if count_incidents:
        by_half_year = pieces(start, end, INCIDENTS_PIECE, longest=LONGEST_REPORT, said=False)
        paged = _paged_incidents(client, by_half_year, shifts.level_one)
    else:
        paged = {}
    rows = []
    for user_id, user in shifts.people.items():
        zone = zone_of(user)
        merged = shifts.spans[user_id]
        hours = oncall_math.split_hours(merged, zone)
        row: dict[str, Any] = {
            "user": _ref(user),
            "time_zone": zone.key,
            "hours": round(hours.total, 2),
            "night_hours": round(hours.night, 2),
            "weekend_hours": round(hours.weekend, 2),
            "night_share": round(hours.night / hours.total, 3) if hours.total else 0.0,
            "weekend_share": round(hours.weekend / hours.total, 3) if hours.total else 0.0,
            "shifts": len(merged),
        }
        if count_incidents:
            times = paged.get(user_id, [])
            row["incidents"] = len(times)
            row["incidents_off_hours"] = sum(1 for t in times if oncall_math.off_hours_at(t, zone))
        rows.append(row)
    rows.sort(key=lambda r: (-r["hours"], r["user"].get("name") or ""))
    notes = shifts.notes
    if shifts.direct:
        # Being a policy's standing target has no start or end, so it is not hours; say only that,
        # as the same people may have schedule shifts counted above.
        notes.append(
            f"Named directly in an escalation policy (always on call there; not counted as hours): "
            f"{', '.join(sorted(shifts.direct))}."
        )
    total = sum(r["hours"] for r in rows)
    whose = f"across the whole account ({len(rows)} people)" if shifts.whole_account else f"of {len(rows)} people"
    return respond(
        "people",
        rows,
        f"On-call load {whose}: {total:g} hours in all",  # the window: metadata.window, said once
        window={"since": iso(start), "until": iso(end)},
        balance=oncall_math.balance([r["hours"] for r in rows]),
        notes=notes or None,
    )


def _gap_rows(spans: list[oncall_math.Span]) -> list[dict[str, Any]]:
    return [{"start": iso(a), "end": iso(b), "hours": round((b - a).total_seconds() / 3600, 2)} for a, b in spans]


@tool("Find coverage gaps")
def find_coverage_gaps(
    schedule_id: Annotated[Id | None, id_or_url("Schedule")] = None,
    escalation_policy_id: Annotated[Id | None, id_or_url("Escalation policy")] = None,
    since: Since = None,
    until: Until = None,
) -> Envelope:
    """Where a schedule, or an escalation policy at every level, has nobody on call (default: next
    14 days)."""
    if bool(schedule_id) == bool(escalation_policy_id):
        raise ToolFailure(
            "INVALID_PARAMETER",
            "Give exactly one of schedule_id or escalation_policy_id.",
            {"parameters": ["schedule_id", "escalation_policy_id"]},
        )
    start, end = window(since, until, ahead=timedelta(days=14), maximum=MAX_WINDOW)
    client = get_client()
    extra: dict[str, Any] = {}
    if schedule_id:
        _, schedule = read_schedule(client, schedule_id, start, end)
        final = final_entries(schedule)
        covered = [(moment(e["start"]), moment(e["end"])) for e in final if e.get("start") and e.get("end")]
        holes = oncall_math.gaps(covered, start, end)  # type: ignore[arg-type]
        subject = f"schedule {schedule.get('name') or schedule_id}"
    else:
        policy_id = escalation_policy_id or ""  # the check above: exactly one of the two is given
        policy = client.read(path("/escalation_policies/{}", policy_id)).get("escalation_policy") or {}
        params = {"escalation_policy_ids[]": [policy_id], "since": iso(start), "until": iso(end), "time_zone": "UTC"}
        entries = _whole(page_of_oncalls(client, params, limit=MAX_ENTRIES))
        per_level: dict[int, list[oncall_math.Span]] = defaultdict(list)
        for index, rule in enumerate(policy.get("escalation_rules") or [], start=1):
            per_level.setdefault(index, [])  # every level is listed, even one nobody covers
            if any(str(t.get("type", "")).startswith("user") for t in rule.get("targets") or []):
                per_level[index].append((start, end))
        for entry in entries:
            a, b = moment(entry.get("start")), moment(entry.get("end"))
            level = int(entry.get("escalation_level") or 0)
            per_level[level].append((a or start, b or end))
        everyone = [span for spans in per_level.values() for span in spans]
        holes = oncall_math.gaps(everyone, start, end)
        extra["levels"] = [
            {
                "level": level,
                "uncovered_hours": round(
                    sum((b - a).total_seconds() for a, b in oncall_math.gaps(spans, start, end)) / 3600, 2
                ),
            }
            for level, spans in sorted(per_level.items())
        ]
        subject = f"escalation policy {policy.get('name') or policy_id} (all {len(per_level)} levels)"
    hours = sum((b - a).total_seconds() for a, b in holes) / 3600
    shown = holes[:MAX_GAPS_LISTED]
    text = (
        f"{len(holes)} gap(s), {hours:g} hours with nobody on call, in {subject} in the window"
        if holes
        else f"No gaps: someone is on call throughout the window for {subject}"
    )
    return respond(
        "gaps",
        _gap_rows(shown),
        text,
        window={"since": iso(start), "until": iso(end)},
        uncovered_hours=round(hours, 2),
        total_gaps=len(holes) if len(holes) > len(shown) else None,
        **extra,
    )
