"""Parameter types shared by the tools of every area, and turning ids or URLs into ids.

Schemas stay flat: only scalars, lists, ``Literal`` and ``Annotated[..., Field(...)]``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated
from urllib.parse import urlparse

from pydantic import Field

from pagerduty_mcp.common.pagerduty.errors import invalid

__all__ = [
    "ID_PATTERN",
    "IdList",
    "Limit",
    "Offset",
    "Since",
    "Until",
    "id_or_url",
    "iso",
    "parse_time",
    "resolve_id",
    "resolve_ids",
]

# An id, or the PagerDuty web URL of the object (the id is read from it). The schema's pattern is
# deliberately short (the model pays for it in every tool); resolve_id checks ids strictly.
ID_PATTERN = r"^([\w-]+|https://\S+)$"
_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")

Limit = Annotated[int, Field(ge=1, le=100, description="Max results (1-100).")]
Offset = Annotated[int, Field(ge=0, le=10000, description="Skip this many results (use next_offset).")]
IdList = Annotated[list[Annotated[str, Field(pattern=ID_PATTERN)]], Field(max_length=100)]
Since = Annotated[str | None, Field(description="Start, ISO 8601 (e.g. 2026-11-01T00:00:00Z).")]
Until = Annotated[str | None, Field(description="End, ISO 8601.")]


def id_or_url(description: str) -> object:
    """A ``Field`` for one id parameter that also accepts the object's PagerDuty URL."""
    return Field(pattern=ID_PATTERN, description=f"{description} (id or PagerDuty URL)")


# Web paths put the id after these segments (…/incidents/Q1ABC, …/service-directory/PABC123).
_COLLECTIONS = {
    "incidents",
    "services",
    "service-directory",
    "business-services",
    "business_services",
    "users",
    "teams",
    "schedules",
    "escalation_policies",
    "escalation-policies",
    "event-orchestration",
    "event_orchestrations",
    "alerts",
    "log_entries",
    "maintenance_windows",
    "incident_workflows",
    "workflows",
    "change_events",
    "alert-grouping-settings",
}


def resolve_id(value: str, parameter: str) -> str:
    """Return the id in ``value``, which is an id or a PagerDuty web URL of the object."""
    text = value.strip()
    if _ID_RE.fullmatch(text) and text.lower() not in ("null", "undefined", "none"):
        return text
    if text.startswith("https://"):
        try:
            parsed = urlparse(text)
        except ValueError:  # e.g. "https://[": an unbalanced IPv6 bracket
            raise invalid(parameter, f"{value[:80]!r} is not a valid URL") from None
        segments = [s for s in parsed.path.split("/") if s]
        if parsed.fragment and _ID_RE.fullmatch(parsed.fragment):
            return parsed.fragment
        found = [
            segments[i + 1]
            for i, segment in enumerate(segments[:-1])
            if segment in _COLLECTIONS and _ID_RE.fullmatch(segments[i + 1])
        ]
        if found:
            return found[-1]
    raise invalid(parameter, f"{value[:80]!r} is not a PagerDuty id (like PABC123) or the object's PagerDuty URL")


def resolve_ids(values: list[str] | None, parameter: str) -> list[str] | None:
    if not values:
        return None
    return [resolve_id(v, parameter) for v in values]


def parse_time(value: str | None, parameter: str) -> datetime | None:
    """Parse an ISO 8601 time (``Z`` or an offset; a bare date is midnight UTC); ``None`` passes."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise invalid(parameter, f"{text[:60]!r} is not an ISO 8601 time such as 2026-11-01T09:00:00Z") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    if not datetime(1970, 1, 1, tzinfo=UTC) <= parsed <= datetime.now(UTC) + timedelta(days=3650):
        raise invalid(parameter, f"{text[:60]!r} is out of range")
    return parsed


def iso(moment: datetime) -> str:
    """PagerDuty's time format: UTC with a Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
