"""The services area's parameter types, kept in one place.

Ids are checked where the arguments are validated (``Id``, ``IdList``), so tool bodies get bare ids.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from pagerduty_mcp.common import Id, IdList

__all__ = ["AckTimeout", "AutoResolve", "Id", "ServiceIds", "UrgencyRuleParam", "WindowFilter"]


ServiceIds = Annotated[IdList, Field(min_length=1, max_length=20, description="Service ids or URLs.")]
UrgencyRuleParam = Annotated[
    dict[str, Any] | None,
    Field(
        description='Incident urgency. Constant: {"urgency":"high"} (high, low or severity_based). '
        'By support hours: {"during_support_hours":"high","outside_support_hours":"low","support_hours":'
        '{"time_zone":"America/New_York","days_of_week":[1,2,3,4,5],"start_time":"09:00","end_time":"17:00"}} '
        "(days 1=Monday)."
    ),
]
AutoResolve = Annotated[
    int | None, Field(ge=0, le=86400 * 30, description="Auto-resolve open incidents after this many seconds; 0 = off.")
]
AckTimeout = Annotated[
    int | None, Field(ge=0, le=86400, description="Re-trigger acknowledged incidents after this many seconds; 0 = off.")
]


WindowFilter = Literal["ongoing", "future", "past", "open", "all"]
