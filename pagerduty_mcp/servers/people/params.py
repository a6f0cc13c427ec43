"""Parameter types that several people tools share."""

from __future__ import annotations

from typing import Annotated, get_args

from pydantic import Field

from pagerduty_mcp.common import TIME_FORMS, Id
from pagerduty_mcp.common import Limit as _Limit
from pagerduty_mcp.common import Offset as _Offset

__all__ = ["TIMES", "Id", "Limit", "Offset", "OverrideId", "Query", "Since", "Until"]

# The id of an object kept on its parent (an override, rotation, event, contact method, rule): never a
# name. The schema says only how long (ids are at most 64 characters); the id check runs as for Id.
OverrideId = Annotated[str, Field(max_length=64), get_args(Id)[2]]

Query = Annotated[str | None, Field(description="Name (partial match).")]

# Paging as every area pages, in fewer words: the schema already says 1 to 100.
Limit = Annotated[_Limit, Field(description="Max results.")]
Offset = Annotated[_Offset, Field(description="Skip this many (next_offset).")]

# Every since/until takes the common time forms: the server's instructions say which, once
# (TIMES), rather than every parameter on every turn.
Since = Annotated[str | None, Field(description="Start.")]
Until = Annotated[str | None, Field(description="End.")]
TIMES = (
    f"Times (since, until, start, end): {TIME_FORMS}, today, yesterday. Load, pay and responder metrics cover "
    "the last 30 days unless told. Updates change only the fields given."
)
