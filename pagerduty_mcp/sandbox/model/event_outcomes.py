"""What can become of an Events API event: rejected as invalid (400), absorbed (accepted, but no
alert: unrouted, dropped or suppressed by rules), or routed to a service through an integration.
Ingestion (:mod:`.events`) and the rules that route it (:mod:`.orchestration`) share these."""

from __future__ import annotations

from typing import Any

__all__ = ["SEVERITIES", "EventAbsorbed", "EventRejected", "RoutingTarget"]

SEVERITIES = ("critical", "error", "warning", "info")

# The service that receives an event, and the integration that carried it (None when rules routed it).
RoutingTarget = tuple[dict[str, Any], dict[str, Any] | None]


class EventRejected(Exception):
    """An event PagerDuty would answer with 400 ``invalid event``."""

    def __init__(self, message: str, errors: list[str]) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors


class EventAbsorbed(Exception):
    """An event that is accepted but makes no alert (unrouted, dropped or suppressed by rules)."""
