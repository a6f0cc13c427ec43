"""Responder analytics: how often PagerDuty interrupted each person, and when, by its own measure."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from pagerduty_mcp.common import (
    Envelope,
    IdList,
    PagerDutyClient,
    Ref,
    failure_from_response,
    get_client,
    iso,
    join_rows,
    pieces,
    respond,
    tool,
)
from pagerduty_mcp.servers.people.params import Since, Until
from pagerduty_mcp.servers.people.tools.lookups import ANALYTICS_PIECE, LONGEST_ANALYTICS
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


# How one responder's rows of several pieces of a window join: counts add up, the mean time to
# acknowledge is weighted by the incidents acknowledged.
_SUMS = tuple(name for name in _FIELDS if name.startswith("total_"))
_MEANS = {"mean_time_to_acknowledge_seconds": "total_incidents_acknowledged"}


def _asked(client: PagerDutyClient, grouping: str, filters: dict[str, Any]) -> list[dict[str, Any]]:
    body = {"filters": filters, "time_zone": "Etc/UTC", "order_by": "total_interruptions"}
    response = client.request("POST", f"/analytics/metrics/responders/{grouping}", json=body)
    if not response.is_success:
        raise failure_from_response(response)
    return list(response.json().get("data") or [])


@tool("Responder metrics")
def get_responder_metrics(
    since: Since = None,
    until: Until = None,
    team_ids: Annotated[IdList | None, Field(description="Teams.")] = None,
    user_ids: Annotated[IdList | None, Field(description="Users.")] = None,
) -> Envelope:
    """Analytics per responder and team: incidents, time to ack, interruptions (business, off and
    sleep hours)."""
    start, end = report_window(since, until)
    spans = pieces(start, end, ANALYTICS_PIECE, longest=LONGEST_ANALYTICS)
    filters: dict[str, Any] = {}
    if team_ids:
        filters["team_ids"] = team_ids
    if user_ids:
        filters["responder_ids"] = user_ids
    client = get_client()
    answers: dict[str, list[list[dict[str, Any]]]] = {"teams": [], "all": []}
    for grouping, per_piece in answers.items():
        for since_at, until_at in spans:
            window = {"date_range_start": iso(since_at), "date_range_end": iso(until_at)}
            per_piece.append(_asked(client, grouping, {**filters, **window}))
    by_team = join_rows(answers["teams"], lambda r: (r.get("responder_id"), r.get("team_id")), sums=_SUMS, means=_MEANS)
    rows = [
        {
            "responder": Ref(id=str(r.get("responder_id")), name=r.get("responder_name")),
            "team": Ref(id=str(r["team_id"]), name=r.get("team_name")) if r.get("team_id") else None,
            **_metrics(r),
        }
        for r in by_team
    ]
    rows.sort(key=lambda r: -int(r.get("interruptions") or 0))
    everyone = join_rows(answers["all"], lambda r: None, sums=_SUMS, means=_MEANS)
    total = _metrics(everyone[0]) if everyone else {}
    return respond(
        "responders",
        rows,
        f"Responder metrics: {len(rows)} responder-team row(s)",  # the window: metadata.window, said once
        window={"since": iso(start), "until": iso(end)},
        all_responders=total or None,
    )
