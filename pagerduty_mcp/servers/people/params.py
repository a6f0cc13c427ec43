"""Parameter types that several people tools share."""

from __future__ import annotations

from typing import Annotated, get_args

from pydantic import Field

from pagerduty_mcp.common import Id

__all__ = ["Id", "OverrideId", "Query"]

# An override id is never a URL: the stricter pattern, then the same id check.
OverrideId = Annotated[str, Field(pattern=r"^[\w-]+$"), get_args(Id)[2]]

Query = Annotated[str | None, Field(description="Filter by name (partial match).")]
