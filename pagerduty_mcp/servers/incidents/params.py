"""The incidents area's parameter types and the checks its tools share, kept in one place.

Ids are checked where the arguments are validated (``Id``), so tool bodies get bare ids. An
incident may also be named by its number, which ``incident_id_of`` turns into its id.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from pagerduty_mcp.common import ID_PATTERN, TIME_FORMS, Id, PagerDutyClient, path

__all__ = [
    "MAX_BULK",
    "BulkIds",
    "Id",
    "IncidentId",
    "Since",
    "SortBy",
    "Status",
    "Until",
    "Urgency",
    "incident_id_of",
]

MAX_BULK = 250  # PUT /incidents takes at most 250 incidents (413 beyond)


Status = Literal["triggered", "acknowledged", "resolved"]
Urgency = Literal["high", "low"]
SortBy = Literal["created_at:desc", "created_at:asc", "resolved_at:desc", "urgency:desc", "incident_number:desc"]
IncidentId = Annotated[Id, Field(description="Id, number or URL.")]
# Checked item by item in the bulk engine, not here: one value that is no id must not refuse the rest.
BulkIds = Annotated[
    list[Annotated[str, Field(pattern=ID_PATTERN)]],
    Field(min_length=1, max_length=MAX_BULK, description="Ids, numbers or URLs (max 250)."),
]
# Every time is read by common's parse_time, so every description names the same forms.
Since = Annotated[str | None, Field(description=f"Start, {TIME_FORMS}.")]
Until = Annotated[str | None, Field(description=f"End, {TIME_FORMS}.")]


def incident_id_of(client: PagerDutyClient, ident: str) -> str:
    """The id of the incident ``ident`` names; a number is looked up, so writes always get the id."""
    if ident.isdigit():
        return str(client.read(path("/incidents/{}", ident))["incident"]["id"])
    return ident
