"""Answer shapes of the services area."""

from __future__ import annotations

from typing import Any

from pagerduty_mcp.common.models import LeanModel, Ref, refs
from pagerduty_mcp.common.text import clean_text

__all__ = ["IntegrationSummary", "ServiceDetail", "ServiceSummary"]


class ServiceSummary(LeanModel):
    id: str
    name: str | None = None
    status: str | None = None
    escalation_policy: Ref | None = None
    teams: list[Ref] = []
    html_url: str | None = None

    @classmethod
    def fields_from_api(cls, service: dict[str, Any]) -> dict[str, Any]:
        return {
            **service,
            "escalation_policy": Ref.of(service.get("escalation_policy")),
            "teams": refs(service.get("teams")),
        }

    @classmethod
    def from_api(cls, service: dict[str, Any]) -> ServiceSummary:
        return cls.model_validate(cls.fields_from_api(service))


class IntegrationSummary(LeanModel):
    id: str
    name: str | None = None
    type: str | None = None
    vendor: str | None = None

    @classmethod
    def from_api(cls, integration: dict[str, Any]) -> IntegrationSummary:
        vendor = integration.get("vendor") or {}
        return cls(
            id=integration["id"],
            name=integration.get("name") or integration.get("summary"),
            type=str(integration.get("type", "")).removesuffix("_reference") or None,
            vendor=vendor.get("summary") or vendor.get("name"),
        )


class ServiceDetail(ServiceSummary):
    description: str | None = None
    created_at: str | None = None
    last_incident_timestamp: str | None = None
    acknowledgement_timeout: int | None = None
    auto_resolve_timeout: int | None = None
    incident_urgency_rule: dict[str, Any] | None = None
    alert_creation: str | None = None
    alert_grouping_parameters: dict[str, Any] | None = None
    integrations: list[IntegrationSummary] = []

    @classmethod
    def from_api(cls, service: dict[str, Any]) -> ServiceDetail:
        description = service.get("description")
        return cls.model_validate(
            {
                **cls.fields_from_api(service),
                "description": clean_text(description, 500) if description else None,
                "integrations": [IntegrationSummary.from_api(i) for i in service.get("integrations") or []],
            }
        )
