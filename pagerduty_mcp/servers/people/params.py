"""Parameter types that several people tools share."""

from __future__ import annotations

from typing import Annotated, get_args

from pydantic import Field

from pagerduty_mcp.common import TIME_FORMS, Id

__all__ = ["Id", "OverrideId", "Query", "Since", "Until"]

# An override id is never a URL: the stricter pattern, then the same id check.
OverrideId = Annotated[str, Field(pattern=r"^[\w-]+$"), get_args(Id)[2]]

Query = Annotated[str | None, Field(description="Name (partial match).")]

# Every since/until takes the common time forms; the description says so once, in few bytes.
Since = Annotated[str | None, Field(description=f"Start, {TIME_FORMS}.")]
Until = Annotated[str | None, Field(description="End, same forms.")]
