"""Parameter types shared by the tools of every area. Ids live in ``ids``, times in ``times``.

Schemas stay flat: only scalars, lists, ``Literal`` and ``Annotated[..., Field(...)]``.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

__all__ = ["Limit", "Offset", "Since", "Until"]

Limit = Annotated[int, Field(ge=1, le=100, description="Max results (1-100).")]
Offset = Annotated[int, Field(ge=0, le=10000, description="Skip this many results (use next_offset).")]
Since = Annotated[str | None, Field(description="Start, ISO 8601 (e.g. 2026-11-01T00:00:00Z).")]
Until = Annotated[str | None, Field(description="End, ISO 8601.")]
