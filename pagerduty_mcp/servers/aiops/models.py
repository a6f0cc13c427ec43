"""Answer shapes of the AIOps area."""

from __future__ import annotations

from typing import Any

from pagerduty_mcp.common.models import LeanModel, Ref

__all__ = ["OrchestrationSummary"]


class OrchestrationSummary(LeanModel):
    id: str
    name: str | None = None
    description: str | None = None
    team: Ref | None = None
    routes: int | None = None
    integrations: list[str] = []
    updated_at: str | None = None

    @classmethod
    def from_api(cls, orchestration: dict[str, Any]) -> OrchestrationSummary:
        return cls.model_validate(
            {
                **orchestration,
                "team": Ref.of(orchestration.get("team")),
                "integrations": [i["id"] for i in orchestration.get("integrations") or [] if i.get("id")],
            }
        )
