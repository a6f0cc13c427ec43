"""What happened on an incident so far: its timeline (log entries), notes, and the changes before it."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from pagerduty_mcp.common import (
    Envelope,
    IdList,
    Limit,
    Offset,
    ToolFailure,
    check_order,
    get_client,
    iso,
    paginate,
    parse_time,
    path,
    respond,
    tool,
    zone_ok,
)
from pagerduty_mcp.servers.incidents.models import ChangeEvent, LogEntry, Note
from pagerduty_mcp.servers.incidents.params import Id, IncidentId, Since, Until, incident_id_of

__all__ = [
    "add_note_to_incident",
    "get_log_entry",
    "list_incident_change_events",
    "list_incident_notes",
    "list_log_entries",
]


@tool("List incident notes")
def list_incident_notes(incident_id: IncidentId) -> Envelope:
    """Notes responders left on an incident, oldest first."""
    client = get_client()
    ident = incident_id_of(client, incident_id)
    notes = [Note.from_api(n) for n in client.read(path("/incidents/{}/notes", ident)).get("notes") or []]
    return respond("notes", notes, f"{len(notes)} note(s) on incident {ident}", untrusted=True)


@tool("List log entries")
def list_log_entries(
    # An id with an empty default: for ``Id | None`` the SDK would turn the text "null" into None
    # and silently answer with the whole account's log.
    incident_id: Annotated[Id, Field(description="Id, number or URL: its timeline.")] = "",
    since: Since = None,
    until: Until = None,
    overview: Annotated[bool, Field(description="true: key events only, without notifications.")] = False,
    team_ids: Annotated[IdList | None, Field(description="Account log only: these teams.")] = None,
    time_zone: Annotated[str | None, Field(description="IANA zone of the times.")] = None,
    limit: Limit = 25,
    offset: Offset = 0,
) -> Envelope:
    """An incident's timeline (newest first), or without incident_id the account's log (entries with
    incident, service, teams)."""
    client = get_client()
    since_at, until_at = parse_time(since, "since"), parse_time(until, "until")
    check_order(since_at, until_at)
    params: dict[str, Any] = {"is_overview": "true" if overview else "false"}
    if time_zone:
        params["time_zone"] = zone_ok(time_zone, "time_zone")
    if since_at:
        params["since"] = iso(since_at)
    if until_at:
        params["until"] = iso(until_at)
    if incident_id:
        if team_ids:
            raise ToolFailure(
                "INVALID_PARAMETER",
                "team_ids filters the account log; leave it out when incident_id is given.",
                {"parameters": ["incident_id", "team_ids"]},
            )
        ident = incident_id_of(client, incident_id)
        url, what = path("/incidents/{}/log_entries", ident), f"incident {ident}"
    else:
        url, what = "/log_entries", "the account"
        if team_ids:
            params["team_ids[]"] = team_ids
    page = paginate(client, url, "log_entries", params, limit=limit, offset=offset)
    entries = [LogEntry.from_api(e, with_incident=not incident_id) for e in page.items]
    return respond("log_entries", entries, f"{len(entries)} log entries of {what}", page=page, untrusted=True)


@tool("Get log entry")
def get_log_entry(
    log_entry_id: Annotated[Id, Field(description="Log entry id (list_log_entries).")],
) -> Envelope:
    """One log entry in full, with its incident."""
    entry = get_client().read(path("/log_entries/{}", log_entry_id))["log_entry"]
    return respond("log_entries", [LogEntry.from_api(entry, with_incident=True)], "Log entry", untrusted=True)


@tool("List changes before an incident")
def list_incident_change_events(
    incident_id: IncidentId,
    limit: Annotated[int, Field(ge=1, le=100, description="Max results (1-100).")] = 10,
) -> Envelope:
    """Deploys and config changes that may have caused an incident."""
    client = get_client()
    ident = incident_id_of(client, incident_id)
    body = client.read(path("/incidents/{}/related_change_events", ident), {"limit": limit})
    events = [ChangeEvent.from_api(e) for e in body.get("change_events") or []]
    return respond("change_events", events, f"{len(events)} change(s) related to {ident}", untrusted=True)


@tool("Add note to incident", "create")
def add_note_to_incident(
    incident_id: IncidentId,
    note: Annotated[str, Field(min_length=1, max_length=25000, description="The note text.")],
) -> Envelope:
    """Add a note to an incident's timeline (findings, actions taken, hand-over)."""
    client = get_client()
    ident = incident_id_of(client, incident_id)
    created = client.write("POST", path("/incidents/{}/notes", ident), {"note": {"content": note}}, needs_from=True)
    return respond("notes", [Note.from_api(created["note"])], f"Note added to incident {ident}", untrusted=True)
