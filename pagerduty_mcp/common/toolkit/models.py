"""Shapes more than one area uses: references to other objects."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

__all__ = ["LeanModel", "Ref", "refs"]


class LeanModel(BaseModel):
    """Base of every answer shape: unknown fields from PagerDuty are dropped, not echoed."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True, defer_build=True)


class Ref(LeanModel):
    """Another object, named: enough for the model to mention it and to pass its id on."""

    id: str
    name: str | None = None

    @classmethod
    def of(cls, obj: dict[str, Any] | None) -> Ref | None:
        if not obj or not obj.get("id"):
            return None
        return cls(id=obj["id"], name=obj.get("summary") or obj.get("name") or obj.get("email"))


def refs(objs: list[dict[str, Any]] | None) -> list[Ref]:
    """References for a list of PagerDuty objects, skipping empty entries."""
    return [r for r in (Ref.of(o) for o in objs or []) if r is not None]
