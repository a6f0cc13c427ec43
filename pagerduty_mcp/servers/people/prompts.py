"""The people area's MCP resource (the current user and their on-call status) and the
``oncall_handoff`` prompt (who is on now and next, their open incidents, recent notes)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from mcp.server.mcpserver import MCPServer

from pagerduty_mcp.common import (
    UNTRUSTED_NOTICE,
    Ref,
    ToolFailure,
    ToolFilter,
    clean_text,
    dump,
    from_email_advice,
    get_client,
    iso,
    path,
    refs,
    register_prompt,
    register_resource,
    resolve_reference,
)
from pagerduty_mcp.servers.people.tools.lookups import moment
from pagerduty_mcp.servers.people.tools.oncall import NEXT_HORIZON, list_oncalls
from pagerduty_mcp.servers.people.tools.users import get_user_data

__all__ = ["ME_URI", "current_user_status", "oncall_handoff", "register_extras"]

ME_URI = "pagerduty://people/me"
MAX_HANDOFF_INCIDENTS = 10
NOTES_PER_INCIDENT = 3


def current_user_status() -> dict[str, Any]:
    """The current user, their teams, and whether they are on call now and when next."""
    client = get_client()
    me = client.current_user()
    if me is None:
        return {
            "user": None,
            "message": "This token is account-level: there is no current user. Read tools still work. "
            f"For writes that need a user: {from_email_advice()}",
        }
    now = datetime.now(UTC).replace(microsecond=0)
    body = client.read(
        "/oncalls",
        {
            "user_ids[]": [me["id"]],
            "since": iso(now),
            "until": iso(now + NEXT_HORIZON),
            "time_zone": "UTC",
            "limit": 100,
        },
    )
    now_rows, upcoming = [], []
    for entry in body.get("oncalls") or []:
        start, end = moment(entry.get("start")), moment(entry.get("end"))
        row = {
            "escalation_policy": (Ref.of(entry.get("escalation_policy")) or Ref(id="?")).model_dump(exclude_none=True),
            "level": entry.get("escalation_level"),
        }
        if entry.get("schedule"):
            row["schedule"] = (Ref.of(entry["schedule"]) or Ref(id="?")).model_dump(exclude_none=True)
        if start is None or start <= now:
            if end is not None:
                row["until"] = iso(end)
            now_rows.append(row)
        else:
            upcoming.append({**row, "from": iso(start), "until": iso(end) if end else None})
    upcoming.sort(key=lambda r: r["from"])
    return {
        "user": {
            "id": me["id"],
            "name": me.get("name"),
            "email": me.get("email"),
            "time_zone": me.get("time_zone"),
            "teams": [ref.model_dump(exclude_none=True) for ref in refs(me.get("teams"))],
        },
        "on_call_now": now_rows,
        "next_shifts": upcoming[:5],
    }


def _recent_notes(incident_id: str) -> list[dict[str, Any]] | str:
    try:
        body = get_client().read(path("/incidents/{}/notes", incident_id))
    except ToolFailure as failure:
        return f"notes unavailable: {failure.message}"
    notes = sorted(body.get("notes") or [], key=lambda n: n.get("created_at") or "", reverse=True)
    return [
        {
            "at": n.get("created_at"),
            "by": (n.get("user") or {}).get("summary"),
            "note": clean_text(str(n.get("content") or ""), 500),
        }
        for n in notes[:NOTES_PER_INCIDENT]
    ]


def oncall_handoff(team_id: str | None = None) -> str:
    """The hand-off brief: on-call now and next, open incidents on their policies, recent notes."""
    team = resolve_reference(team_id, "team_id") if team_id else None  # an id, URL or name
    envelope = list_oncalls(team_ids=[team] if team else None, scope="all" if team else "my_teams")
    groups = envelope["oncalls"]
    policy_ids = {g["escalation_policy"]["id"] for g in groups if g.get("escalation_policy")}
    client = get_client()
    body = client.read(
        "/incidents",
        {"statuses[]": ["triggered", "acknowledged"], "date_range": "all", "limit": 100, "sort_by": "created_at:desc"},
    )
    incidents: list[dict[str, Any]] = []
    for incident in body.get("incidents") or []:
        if (incident.get("escalation_policy") or {}).get("id") not in policy_ids:
            continue
        if len(incidents) >= MAX_HANDOFF_INCIDENTS:
            break
        incidents.append(
            {
                "id": incident["id"],
                "number": incident.get("incident_number"),
                "title": clean_text(str(incident.get("title") or ""), 200),
                "status": incident.get("status"),
                "urgency": incident.get("urgency"),
                "service": (incident.get("service") or {}).get("summary"),
                "created_at": incident.get("created_at"),
                "recent_notes": _recent_notes(incident["id"]),
            }
        )
    data = {
        "on_call": groups,
        "notes": envelope["metadata"].get("notes"),
        "open_incidents": incidents,
        "as_of": iso(datetime.now(UTC)),
    }
    scope = f"team {team}" if team else "my teams"
    return (
        f"Prepare an on-call hand-off for {scope}. Using the data below, write: who is on call now at each "
        "level and until when, who takes over next, each open incident (status, urgency, age) with what the "
        "recent notes say is going on, and anything the next person must do first. Keep it short.\n"
        f"({UNTRUSTED_NOTICE})\n\n{dump(data)}"
    )


def register_extras(server: MCPServer, flt: ToolFilter) -> None:
    """Register the resource and the prompt where every tool whose data they show is served
    (they only read, so read-only servers get them too). The hand-off shows incidents and their
    notes: the incidents area's tools, named since areas do not import one another."""

    def me_resource() -> str:
        return json.dumps(current_user_status(), separators=(",", ":"))

    register_resource(
        server,
        flt,
        me_resource,
        reads=(get_user_data, list_oncalls),
        uri=ME_URI,
        name="current_user",
        title="Current PagerDuty user",
        description="The current user, their teams, and whether they are on call now and next.",
    )
    register_prompt(
        server,
        flt,
        oncall_handoff,
        reads=(list_oncalls, "list_incidents", "list_incident_notes"),
        name="oncall_handoff",
        title="On-call hand-off",
        description="Brief for an on-call hand-off: who is on now and next, open incidents, recent notes. "
        "team_id: a team's id or name (default: your teams).",
    )
