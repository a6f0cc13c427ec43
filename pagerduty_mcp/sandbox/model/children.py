"""Objects kept in a list on their parent rather than in a table of their own: a shift-based
schedule's rotations, custom shifts and overrides. One helper finds, adds and removes them, with
PagerDuty's 404 for an id the parent does not hold."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pagerduty_mcp.sandbox.protocol import not_found

__all__ = ["Children"]


@dataclass(frozen=True)
class Children:
    """The children a parent keeps under ``key``, each an object of ``kind`` (for the 404)."""

    key: str
    kind: str

    def of(self, parent: dict[str, Any]) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = parent[self.key]
        return found

    def find(self, parent: dict[str, Any], ident: str) -> dict[str, Any] | None:
        return next((child for child in self.of(parent) if child["id"] == ident), None)

    def get(self, parent: dict[str, Any], ident: str) -> dict[str, Any]:
        found = self.find(parent, ident)
        if found is None:
            raise not_found(self.kind, ident)
        return found

    def add(self, parent: dict[str, Any], children: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        """Append ``children`` (already checked, all of them: a batch is added whole or not at all)."""
        added = list(children)
        self.of(parent).extend(added)
        return added

    def remove(self, parent: dict[str, Any], ident: str) -> dict[str, Any]:
        found = self.get(parent, ident)
        self.of(parent).remove(found)
        return found
