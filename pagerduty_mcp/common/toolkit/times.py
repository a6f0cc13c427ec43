"""One reading of every ``since``/``until``: ISO 8601, or a relative form such as ``24h``.

Relative forms count back from now: ``30m``, ``24h``, ``7d``, ``2w``; ``today`` and
``yesterday`` are midnight UTC. Every tool reads its times here, so they all accept the same
forms and fail with the same words.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pagerduty_mcp.common.pagerduty.context import current_request
from pagerduty_mcp.common.pagerduty.errors import invalid

__all__ = ["TIME_FORMS", "check_order", "iso", "parse_time", "window", "zone_ok"]

# Said once in each parameter description that takes a time (the model pays for every byte).
TIME_FORMS = "ISO 8601 or 24h/7d/2w ago"
_AGO = re.compile(r"^(\d{1,5})\s*(m|h|d|w)$", re.IGNORECASE)
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
# Parameters whose absolute value the answer's metadata echoes as its window.
_WINDOW_ENDS = ("since", "until")
_FURTHEST = timedelta(days=3650)


def parse_time(value: str | None, parameter: str, *, now: datetime | None = None) -> datetime | None:
    """An aware UTC time from ISO 8601 (``Z`` or an offset; a bare date is midnight UTC) or a
    relative form; ``None`` (or blank) passes through."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    now = now or datetime.now(UTC)
    midnight = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    if text.lower() == "now":
        return now
    if text.lower() == "today":
        return midnight
    if text.lower() == "yesterday":
        return midnight - timedelta(days=1)
    if ago := _AGO.match(text):
        try:
            parsed = now - timedelta(**{_UNITS[ago[2].lower()]: int(ago[1])})
        except OverflowError:
            raise invalid(parameter, f"{text!r} is out of range") from None
    else:
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            raise invalid(
                parameter, f"{text[:60]!r} is not a time: give ISO 8601 (2026-11-01T09:00:00Z) or 24h, 7d, 2w, today"
            ) from None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
    if not _EARLIEST <= parsed <= now + _FURTHEST:
        raise invalid(parameter, f"{text[:60]!r} is out of range")
    parsed = parsed.astimezone(UTC)
    if parameter in _WINDOW_ENDS:
        current_request().memo.window[parameter] = iso(parsed)
    return parsed


def window(
    since: str | None,
    until: str | None,
    *,
    back: timedelta = timedelta(0),
    ahead: timedelta = timedelta(0),
    maximum: timedelta | None = None,
    now: datetime | None = None,
) -> tuple[datetime, datetime]:
    """``[since, until)`` from the arguments; a missing end is ``now - back`` / ``now + ahead``.

    ``until`` must come after ``since``, and the span may not exceed ``maximum``.
    """
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    start, end = parse_time(since, "since", now=now), parse_time(until, "until", now=now)
    if start is None and end is None:
        start, end = now - back, now + ahead
    elif start is None:
        assert end is not None
        start = end - back if back else now
    elif end is None:
        end = start + (ahead or back or timedelta(days=1))
    check_order(start, end)
    current_request().memo.window.update(since=iso(start), until=iso(end))
    if maximum is not None and end - start > maximum:
        raise invalid("until", f"the window may span at most {maximum.days} days; split it into smaller windows")
    return start, end


def check_order(start: datetime | None, end: datetime | None) -> None:
    """``until`` after ``since``, said the same way by every tool."""
    if start is not None and end is not None and end <= start:
        raise invalid("until", f"must be after since ({iso(start)})")


def iso(moment: datetime) -> str:
    """PagerDuty's time format: UTC with a Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def zone_ok(name: str, parameter: str) -> str:
    """``name`` when it is an IANA time zone; otherwise ``INVALID_PARAMETER`` naming ``parameter``."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise invalid(parameter, f"{name[:60]!r} is not an IANA time zone such as Europe/Berlin") from None
    return name
