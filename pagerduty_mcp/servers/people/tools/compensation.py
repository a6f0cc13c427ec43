"""On-call compensation: hours and pay per person by pay band, with working-time flags."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Any

from pydantic import Field

from pagerduty_mcp.common import Envelope, IdList, Ref, get_client, id_or_url, iso, pieces, respond, tool
from pagerduty_mcp.servers.people import compensation_math, oncall_math
from pagerduty_mcp.servers.people.params import Id, Since, Until
from pagerduty_mcp.servers.people.tools.lookups import LONGEST_REPORT, MAX_WINDOW
from pagerduty_mcp.servers.people.tools.oncall import read_shifts, report_window, zone_of

__all__ = ["get_oncall_compensation"]

Rates = Annotated[
    list[Annotated[float, Field(ge=0)]],
    Field(min_length=4, max_length=4, description="Per hour: weekday, weeknight, weekend, holiday."),
]


@tool("On-call compensation")
def get_oncall_compensation(
    since: Since = None,
    until: Until = None,
    user_ids: Annotated[IdList | None, Field(description="People.")] = None,
    team_id: Annotated[Id | None, id_or_url("Team")] = None,
    schedule_id: Annotated[Id | None, id_or_url("Schedule")] = None,
    rates: Rates | None = None,
    holidays: Annotated[list[date] | None, Field(description="Dates.")] = None,
    currency: Annotated[str, Field(max_length=3, description="ISO 4217.")] = "EUR",
    min_rest_hours: Annotated[float, Field(ge=0, description="Hours.")] = 11,
    max_week_hours: Annotated[float, Field(gt=0, description="Hours.")] = 48,
) -> Envelope:
    """Hours and pay per person on their own clock: weekday (08-18 Mon-Fri), weeknight, weekend,
    holiday; flags short rests and long weeks."""
    start, end = report_window(since, until)
    spans = pieces(start, end, MAX_WINDOW, longest=LONGEST_REPORT)
    shifts = read_shifts(get_client(), spans, team_id, [schedule_id] if schedule_id else None, user_ids)
    # Without rates there is no pay to state: hours only, rather than a bill of zeros.
    per_hour = dict(zip(compensation_math.BANDS, rates, strict=True)) if rates else None
    limits = (timedelta(hours=min_rest_hours), max_week_hours)
    rows = [
        _person(user, shifts.spans[uid], per_hour, set(holidays or ()), limits) for uid, user in shifts.people.items()
    ]
    rows.sort(key=lambda r: (-r.get("pay", {}).get("total", 0), -r["hours"]["total"]))
    notes = shifts.notes
    if shifts.direct:
        notes.append(
            "Standing targets of a policy (always on call there, no shift times, so not paid for that): "
            + ", ".join(sorted(shifts.direct))
        )
    # The window is said once, in metadata.window.
    if per_hour is None:
        description = f"On-call hours for {len(rows)} people; no rates given, so no pay (pass rates)"
    else:
        total = round(sum(r["pay"]["total"] for r in rows), 2)
        description = f"On-call pay: {total:,.2f} {currency} for {len(rows)} people"
    return respond(
        "people",
        rows,
        description,
        window={"since": iso(start), "until": iso(end)},
        currency=currency if per_hour else None,
        rates=per_hour,
        notes=notes or None,
    )


def _person(
    user: dict[str, Any],
    spans: list[oncall_math.Span],
    rates: dict[str, float] | None,
    holidays: set[date],
    limits: tuple[timedelta, float],
) -> dict[str, Any]:
    """One person's hours and pay by band (a band with none left out: the total and the rates say
    them all), with each short rest (when it began and how long it was) and an over-long week."""
    zone = zone_of(user)
    hours = compensation_math.band_hours(spans, zone, holidays)
    row: dict[str, Any] = {
        "user": Ref.of(user),
        "time_zone": zone.key,
        "hours": _banded({b: round(h, 2) for b, h in hours.items()}),
        "shifts": len(spans),
    }
    if rates is not None:
        row["pay"] = _banded({band: round(hours[band] * rates[band], 2) for band in compensation_math.BANDS})
    min_rest, max_week_hours = limits

    def local(moment: datetime) -> str:  # a flag is read against the person's own day
        return moment.astimezone(zone).isoformat()

    flags: dict[str, Any] = {}
    rests = compensation_math.short_rests(spans, min_rest)
    if rests:
        flags["short_rests"] = [{"from": local(a), "hours": round((b - a).total_seconds() / 3600, 2)} for a, b in rests]
    week, week_start = compensation_math.busiest_week(spans)
    if week > max_week_hours and week_start is not None:
        flags["over_week"] = {"from": local(week_start), "hours": round(week, 2)}
    if flags:
        row["flags"] = flags
    return row


def _banded(amounts: dict[str, float]) -> dict[str, float]:
    return {**{band: amount for band, amount in amounts.items() if amount}, "total": round(sum(amounts.values()), 2)}
