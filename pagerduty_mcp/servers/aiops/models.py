"""Answer shapes of the AIOps area: settings, orchestrations and their rules in brief, change events."""

from __future__ import annotations

from typing import Any

from pagerduty_mcp.common import LeanModel, Ref, clean_text, clean_tree, refs

__all__ = [
    "AlertGroupingSetting",
    "ChangeEvent",
    "OrchestrationDetail",
    "OrchestrationSummary",
    "summarize_path",
]


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


class OrchestrationDetail(OrchestrationSummary):
    """One orchestration; integrations by id and label only (their routing keys are secrets)."""

    integrations: list[dict[str, str]] = []  # type: ignore[assignment]
    version: str | None = None
    created_at: str | None = None

    @classmethod
    def from_api(cls, orchestration: dict[str, Any]) -> OrchestrationDetail:
        integrations = [
            {"id": i["id"], "label": i.get("label") or ""}
            for i in orchestration.get("integrations") or []
            if i.get("id")
        ]
        return cls.model_validate(
            {**orchestration, "team": Ref.of(orchestration.get("team")), "integrations": integrations}
        )


class AlertGroupingSetting(LeanModel):
    id: str
    name: str | None = None
    description: str | None = None
    type: str
    config: dict[str, Any] = {}
    services: list[Ref] = []
    updated_at: str | None = None

    @classmethod
    def from_api(cls, setting: dict[str, Any]) -> AlertGroupingSetting:
        config = {k: v for k, v in (setting.get("config") or {}).items() if v is not None}
        return cls.model_validate({**setting, "config": config, "services": refs(setting.get("services"))})


class ChangeEvent(LeanModel):
    """A change event; its text comes from deploy tools outside the account (untrusted)."""

    id: str
    summary: str | None = None
    timestamp: str | None = None
    source: str | None = None
    services: list[Ref] = []
    integration: Ref | None = None
    links: list[dict[str, Any]] = []
    custom_details: dict[str, Any] | None = None

    @classmethod
    def from_api(cls, event: dict[str, Any], detail: bool = False) -> ChangeEvent:
        links = [
            {k: clean_text(str(v), 300) for k, v in link.items() if k in ("href", "text") and v}
            for link in (event.get("links") or [])[:5]
            if isinstance(link, dict)
        ]
        details = event.get("custom_details")
        return cls.model_validate(
            {
                "id": event["id"],
                "summary": clean_text(str(event.get("summary") or ""), 300),
                "timestamp": event.get("timestamp"),
                "source": clean_text(str(event["source"]), 200) if event.get("source") else None,
                "services": refs(event.get("services")),
                "integration": Ref.of(event.get("integration")),
                "links": links,
                "custom_details": clean_tree(details, 300) if details and detail else None,
            }
        )


def _short_actions(actions: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in actions.items():
        if value in (None, "", [], {}):
            continue
        if isinstance(value, list):
            out[name] = f"{len(value)} item(s)"
        elif isinstance(value, dict):
            out[name] = "{...}"
        elif isinstance(value, str):
            out[name] = clean_text(value, 120)
        else:
            out[name] = value
    return out


def _rule_summary(rule: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    actions = dict(rule.get("actions") or {})
    summary: dict[str, Any] = {"id": rule.get("id"), "label": clean_text(str(rule.get("label") or ""), 200)}
    summary["when"] = [clean_text(str(c.get("expression", "")), 300) for c in rule.get("conditions") or []] or [
        "always"
    ]
    target = actions.pop("route_to", None)
    if target:
        summary["route_to"] = {"id": target, "name": names[target]} if target in names else target
    short = _short_actions(actions)
    if short:
        summary["actions"] = short
    if rule.get("disabled"):
        summary["disabled"] = True
    return summary


def summarize_path(path: dict[str, Any], names: dict[str, str] | None = None) -> dict[str, Any]:
    """Compact view of an orchestration path: rules as conditions, route target and short actions."""
    names = names or {}
    sets = path.get("sets") or []
    out: dict[str, Any] = {
        "type": path.get("type"),
        "parent": (path.get("parent") or {}).get("id"),
        "version": path.get("version"),
        "updated_at": path.get("updated_at"),
    }
    for rule_set in sets:
        key = "rules" if rule_set.get("id") == "start" else f"set:{rule_set.get('id')}"
        out[key] = [_rule_summary(r, names) for r in rule_set.get("rules") or []]
    catch_all = dict((path.get("catch_all") or {}).get("actions") or {})
    target = catch_all.pop("route_to", None)
    out["catch_all"] = {**({"route_to": target} if target else {}), **_short_actions(catch_all)}
    return {k: v for k, v in out.items() if v is not None}
