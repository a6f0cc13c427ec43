"""Answer shapes of the people area."""

from __future__ import annotations

from typing import Any

from pagerduty_mcp.common.models import LeanModel, Ref, refs

__all__ = ["ContactMethod", "UserDetail", "UserSummary"]


class UserSummary(LeanModel):
    id: str
    name: str | None = None
    email: str | None = None
    role: str | None = None
    job_title: str | None = None
    time_zone: str | None = None
    teams: list[Ref] = []
    html_url: str | None = None

    @classmethod
    def from_api(cls, user: dict[str, Any]) -> UserSummary:
        return cls.model_validate({**user, "teams": refs(user.get("teams"))})


class ContactMethod(LeanModel):
    type: str
    label: str | None = None
    address: str | None = None

    @classmethod
    def from_api(cls, method: dict[str, Any]) -> ContactMethod:
        kind = str(method.get("type", "")).removesuffix("_contact_method").removesuffix("_reference")
        address = method.get("address")
        if method.get("country_code") and address:
            address = f"+{method['country_code']} {address}"
        return cls(type=kind, label=method.get("label"), address=address)


class UserDetail(UserSummary):
    contact_methods: list[ContactMethod] = []

    @classmethod
    def from_api(cls, user: dict[str, Any]) -> UserDetail:
        methods = [ContactMethod.from_api(m) for m in user.get("contact_methods") or [] if "address" in m]
        return cls.model_validate({**user, "teams": refs(user.get("teams")), "contact_methods": methods})
