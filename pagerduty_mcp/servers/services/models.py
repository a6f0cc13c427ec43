"""Answer shapes of the services area, and the nested inputs it validates itself."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from pagerduty_mcp.common import LeanModel, Ref, clean_text, describe_validation_error, invalid, refs

__all__ = [
    "BusinessServiceDetail",
    "Dependency",
    "Extension",
    "ExtensionSchema",
    "ExtensionSchemaDetail",
    "IntegrationSummary",
    "MaintenanceWindowSummary",
    "NewIntegration",
    "ServiceDetail",
    "ServiceSummary",
    "UrgencyRule",
    "WebhookFilter",
    "WebhookSubscription",
    "window_state",
]

_DESCRIPTION_LIMIT = 500
_EXTENSIONS_NAMED = 10  # extensions of a schema named in its detail


def _text(value: Any) -> str | None:
    return clean_text(str(value), _DESCRIPTION_LIMIT) if value else None


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
            "name": _text(service.get("name")),
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
    integration_email: str | None = None

    @classmethod
    def from_api(cls, integration: dict[str, Any]) -> IntegrationSummary:
        vendor = integration.get("vendor") or {}
        return cls(
            id=integration["id"],
            name=_text(integration.get("name") or integration.get("summary")),
            type=str(integration.get("type", "")).removesuffix("_reference") or None,
            vendor=vendor.get("summary") or vendor.get("name"),
            integration_email=integration.get("integration_email"),
        )


class NewIntegration(IntegrationSummary):
    """A just-created integration: the key a monitor sends events with, and where to send them."""

    service: Ref | None = None
    integration_key: str | None = None
    events_url: str | None = None


class ServiceDetail(ServiceSummary):
    description: str | None = None
    last_incident_timestamp: str | None = None
    acknowledgement_timeout: int | None = None
    auto_resolve_timeout: int | None = None
    incident_urgency_rule: dict[str, Any] | None = None
    support_hours: dict[str, Any] | None = None
    alert_grouping: dict[str, Any] | None = None
    integrations: list[IntegrationSummary] = []
    maintenance_window: dict[str, Any] | None = None

    @classmethod
    def from_api(cls, service: dict[str, Any]) -> ServiceDetail:
        grouping = service.get("alert_grouping_parameters")
        return cls.model_validate(
            {
                **cls.fields_from_api(service),
                "description": _text(service.get("description")),
                # {"type": null} means no grouping set on the service itself; a reference means
                # an Alert Grouping Setting holds it (list_alert_grouping_settings reads that).
                "alert_grouping": _grouping(grouping),
                "integrations": [
                    IntegrationSummary.from_api(i) for i in service.get("integrations") or [] if isinstance(i, dict)
                ],
            }
        )


def _grouping(parameters: Any) -> dict[str, Any] | None:
    if not isinstance(parameters, dict) or not parameters.get("type"):
        return None
    if str(parameters["type"]).endswith("_reference"):
        return {"setting": parameters.get("id")}
    return {"type": parameters["type"], "config": parameters.get("config")}


class BusinessServiceDetail(LeanModel):
    id: str
    name: str | None = None
    description: str | None = None
    point_of_contact: str | None = None
    team: Ref | None = None
    html_url: str | None = None

    @classmethod
    def from_api(cls, business: dict[str, Any]) -> BusinessServiceDetail:
        return cls(
            id=business["id"],
            name=_text(business.get("name") or business.get("summary")),
            description=_text(business.get("description")),
            point_of_contact=_text(business.get("point_of_contact")),
            team=Ref.of(business.get("team")),
            html_url=business.get("html_url"),
        )


class Dependency(LeanModel):
    """One immediate neighbour in the dependency graph."""

    relation: Literal["depends_on", "dependent"]
    id: str
    kind: Literal["technical", "business"]
    name: str | None = None
    status: str | None = None


def _moment(value: Any) -> datetime | None:
    """A time PagerDuty sent; ``None`` if missing or unreadable (upstream data is not an argument)."""
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def window_state(start: datetime | None, end: datetime | None, now: datetime) -> str:
    if end is not None and end <= now:
        return "past"
    if start is not None and start > now:
        return "future"
    return "ongoing"


class MaintenanceWindowSummary(LeanModel):
    id: str
    description: str | None = None
    state: str | None = None
    start_time: str | None = None
    end_time: str | None = None
    services: list[Ref] = []
    created_by: Ref | None = None
    html_url: str | None = None

    @classmethod
    def from_api(cls, window: dict[str, Any], now: datetime) -> MaintenanceWindowSummary:
        start, end = _moment(window.get("start_time")), _moment(window.get("end_time"))
        return cls(
            id=window["id"],
            description=_text(window.get("description")),
            state=window_state(start, end, now),
            start_time=window.get("start_time"),
            end_time=window.get("end_time"),
            services=refs(window.get("services")),
            created_by=Ref.of(window.get("created_by")),
            html_url=window.get("html_url"),
        )


def shown_url(value: Any) -> str | None:
    """A destination URL without what may carry credentials: user and password, query string."""
    if not value:
        return None
    try:
        parts = urlsplit(str(value))
        host = parts.hostname or ""
        netloc = f"{host}:{parts.port}" if parts.port else host
    except ValueError:
        return None
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


class WebhookFilter(LeanModel):
    """What a subscription sends events for: a service, a team, or the whole account."""

    type: str
    id: str | None = None
    name: str | None = None


class WebhookSubscription(LeanModel):
    id: str
    description: str | None = None
    url: str | None = None
    events: list[str] = []
    filter: WebhookFilter | None = None
    active: bool | None = None
    temporarily_disabled: bool | None = None
    header_names: list[str] = []  # values are secrets: never read into an answer

    @classmethod
    def from_api(cls, subscription: dict[str, Any]) -> WebhookSubscription:
        method = subscription.get("delivery_method") or {}
        target = subscription.get("filter") or {}
        return cls(
            id=subscription["id"],
            description=_text(subscription.get("description")),
            url=shown_url(method.get("url")),
            events=[str(e) for e in subscription.get("events") or []],
            filter=WebhookFilter(type=str(target.get("type") or "").removesuffix("_reference"), id=target.get("id"))
            if target
            else None,
            active=subscription.get("active"),
            temporarily_disabled=method.get("temporarily_disabled") or None,  # said only when it is
            header_names=[str(h.get("name")) for h in method.get("custom_headers") or [] if isinstance(h, dict)],
        )


class ExtensionSchema(LeanModel):
    id: str
    name: str | None = None
    key: str | None = None
    description: str | None = None
    send_types: list[str] = []

    @classmethod
    def from_api(cls, schema: dict[str, Any]) -> ExtensionSchema:
        return cls(
            id=schema["id"],
            name=_text(schema.get("label") or schema.get("summary")),
            key=schema.get("key"),
            description=_text(schema.get("description")),
            send_types=list(schema.get("send_types") or []),
        )


class ExtensionSchemaDetail(ExtensionSchema):
    """One schema, with what PagerDuty says of it and what this account's extensions of it set."""

    guide_url: str | None = None
    url: str | None = None  # where its events go
    config_keys: list[str] = []  # settings the account's extensions of it use (keys only)
    extensions: list[Ref] = []

    @classmethod
    def from_schema(cls, schema: dict[str, Any], extensions: list[Extension]) -> ExtensionSchemaDetail:
        return cls(
            **ExtensionSchema.from_api(schema).model_dump(),
            guide_url=shown_url(schema.get("guide_url")),
            url=shown_url(schema.get("url")),
            config_keys=sorted({k for e in extensions for k in e.config_keys}),
            extensions=[Ref(id=e.id, name=e.name) for e in extensions[:_EXTENSIONS_NAMED]],
        )


class Extension(LeanModel):
    id: str
    name: str | None = None
    extension_schema: Ref | None = None
    services: list[Ref] = []
    url: str | None = None
    temporarily_disabled: bool | None = None
    config_keys: list[str] = []  # values may be credentials (a password, a token)

    @classmethod
    def from_api(cls, extension: dict[str, Any]) -> Extension:
        config = extension.get("config")
        return cls(
            id=extension["id"],
            name=_text(extension.get("name") or extension.get("summary")),
            extension_schema=Ref.of(extension.get("extension_schema")),
            services=refs(extension.get("extension_objects")),
            url=shown_url(extension.get("endpoint_url")),
            temporarily_disabled=extension.get("temporarily_disabled"),
            config_keys=sorted(config) if isinstance(config, dict) else [],
        )


# -- the one nested input: urgency rule with optional support hours ------------------------------
Urgency = Literal["high", "low", "severity_based"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _SupportHours(_Strict):
    time_zone: str
    days_of_week: list[int] = Field(min_length=1, max_length=7)
    start_time: str = Field(pattern=r"^\d{1,2}:\d{2}(:\d{2})?$")
    end_time: str = Field(pattern=r"^\d{1,2}:\d{2}(:\d{2})?$")

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("not a known time zone such as America/New_York") from None
        return value

    @field_validator("days_of_week")
    @classmethod
    def _days(cls, value: list[int]) -> list[int]:
        if not all(1 <= d <= 7 for d in value):
            raise ValueError("days are 1 (Monday) to 7 (Sunday)")
        return sorted(set(value))

    @field_validator("start_time", "end_time")
    @classmethod
    def _time(cls, value: str) -> str:
        parts = [int(p) for p in value.split(":")] + [0]
        if parts[0] > 23 or parts[1] > 59 or parts[2] > 59:
            raise ValueError("not a time of day like 09:00")
        return f"{parts[0]:02d}:{parts[1]:02d}:{parts[2]:02d}"


class UrgencyRule(_Strict):
    """``{"urgency": ...}``, or ``{"during_support_hours", "outside_support_hours", "support_hours"}``."""

    urgency: Urgency | None = None
    during_support_hours: Urgency | None = None
    outside_support_hours: Urgency | None = None
    support_hours: _SupportHours | None = None

    @classmethod
    def parse(cls, value: dict[str, Any], parameter: str) -> UrgencyRule:
        if not isinstance(value, dict):
            raise invalid(parameter, "must be a JSON object")
        try:
            rule = cls.model_validate(value)
        except ValidationError as exc:
            raise describe_validation_error("", exc, parameter, cls.model_fields) from None
        by_hours = (rule.during_support_hours, rule.outside_support_hours, rule.support_hours)
        if rule.urgency is not None and any(v is not None for v in by_hours):
            raise invalid(parameter, "give either urgency, or the support-hours form, not both")
        if rule.urgency is None:
            names = ("during_support_hours", "outside_support_hours", "support_hours")
            missing = [name for name, v in zip(names, by_hours, strict=True) if v is None]
            if missing:
                raise invalid(f"{parameter}.{missing[0]}", "is required unless urgency is given")
        return rule

    def to_api(self) -> dict[str, Any]:
        """PagerDuty's ``incident_urgency_rule`` and, for the support-hours form, ``support_hours``."""
        if self.urgency is not None:
            return {"incident_urgency_rule": {"type": "constant", "urgency": self.urgency}}
        assert self.support_hours is not None
        return {
            "incident_urgency_rule": {
                "type": "use_support_hours",
                "during_support_hours": {"type": "constant", "urgency": self.during_support_hours},
                "outside_support_hours": {"type": "constant", "urgency": self.outside_support_hours},
            },
            "support_hours": {"type": "fixed_time_per_day", **self.support_hours.model_dump()},
        }
