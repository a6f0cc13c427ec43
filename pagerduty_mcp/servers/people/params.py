"""Parameter types that several people tools share."""

from __future__ import annotations

from typing import Annotated, get_args

from pydantic import Field

from pagerduty_mcp.common import ID_PATTERN
from pagerduty_mcp.common import Id as _CommonId

__all__ = ["Id", "OverrideId", "Query"]

# common's ``Id`` runs its check before a Field's pattern, so ``Annotated[Id, id_or_url(...)]``
# leaves the pattern out of the schema the model sees. Until ``Id`` carries the pattern itself,
# this spelling puts the pattern first and then the same check (the schema stays as it was).
_ID_CHECK = get_args(_CommonId)[1]
Id = Annotated[str, Field(pattern=ID_PATTERN), _ID_CHECK]
OverrideId = Annotated[str, Field(pattern=r"^[\w-]+$"), _ID_CHECK]

Query = Annotated[str | None, Field(description="Filter by name (partial match).")]
