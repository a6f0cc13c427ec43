"""Responder analytics: how often PagerDuty interrupted each person, and when, by its own measure."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from pagerduty_mcp.common import (
    Envelope,
    IdList,
    Ref,
    failure_from_response,
    get_client,
    iso,
    respond,
    tool,
)
from pagerduty_mcp.servers.people.params import Since, Until
from pagerduty_mcp.servers.people.tools.oncall import report_window

__all__ = ["get_responder_metrics"]

# PagerDuty's metric names, shortened to what a reader asks about.
_FIELDS = {
    "total_incident_count": "incidents",
    "total_interruptions": "interruptions",
    "total_business_hour_interruptions": "business_hours",
    "total_off_hour_interruptions": "off_hours",
    "total_sleep_hour_interruptions": "sleep_hours",
    "total_notifications": "notifications",
    "total_incidents_acknowledged": "acknowledged",
    "mean_time_to_acknowledge_seconds": "mean_seconds_to_ack",
    "total_seconds_on_call": "seconds_on_call",
}


def _metrics(row: dict[str, Any]) -> dict[str, Any]:
    return {short: row[name] for name, short in _FIELDS.items() if row.get(name) is not None}


@tool("Responder metrics")
def get_responder_metrics(
    since: Since = None,
    until: Until = None,
    team_ids: Annotated[IdList | None, Field(description="Teams.")] = None,
    user_ids: Annotated[IdList | None, Field(description="Users.")] = None,
) -> Envelope:
    """PagerDuty Analytics per responder and team (default: last 30 days): incidents, time to ack,
    interruptions by business, off and sleep hours."""
    start, end = report_window(since, until)
    filters: dict[str, Any] = {"date_range_start": iso(start), "date_range_end": iso(end)}
    if team_ids:
        filters["team_ids"] = team_ids
    if user_ids:
        filters["responder_ids"] = user_ids
    client = get_client()
    answers = []
    for grouping in ("teams", "all"):
        body = {"filters": filters, "time_zone": "Etc/UTC", "order_by": "total_interruptions"}
        response = client.request("POST", f"/analytics/metrics/responders/{grouping}", json=body)
        if not response.is_success:
            raise failure_from_response(response)
        answers.append(response.json().get("data") or [])
    rows = [
        {
            "responder": Ref(id=str(r.get("responder_id")), name=r.get("responder_name")),
            "team": Ref(id=str(r["team_id"]), name=r.get("team_name")) if r.get("team_id") else None,
            **_metrics(r),
        }
        for r in answers[0]
    ]
    rows.sort(key=lambda r: -int(r.get("interruptions") or 0))
    total = _metrics(answers[1][0]) if answers[1] else {}
    return respond(
        "responders",
        rows,
        f"Responder metrics from {iso(start)} to {iso(end)}: {len(rows)} responder-team row(s)",
        window={"since": iso(start), "until": iso(end)},
        all_responders=total or None,
    )
