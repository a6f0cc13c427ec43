"""Answer shapes of the AIOps area: settings, orchestrations and their rules in brief, change events."""

from __future__ import annotations

from typing import Any

from pagerduty_mcp.common import LeanModel, Ref, clean_text, clean_tree, refs

__all__ = [
    "AlertGroupingSetting",
    "AutomationAction",
    "AutomationActionDetail",
    "ChangeEvent",
    "Invocation",
    "NewOrchestration",
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


class NewOrchestration(OrchestrationDetail):
    """A just-created orchestration with the routing key its events are sent with (a secret:
    given once to the user who asked, never logged)."""

    routing_key: str | None = None

    @classmethod
    def from_api(cls, orchestration: dict[str, Any]) -> NewOrchestration:
        keys = [(i.get("parameters") or {}).get("routing_key") for i in orchestration.get("integrations") or []]
        detail = OrchestrationDetail.from_api(orchestration)
        return cls(**detail.model_dump(), routing_key=next((k for k in keys if k), None))


class AutomationAction(LeanModel):
    id: str
    name: str
    description: str | None = None
    action_type: str | None = None
    classification: str | None = None
    runner: str | None = None
    runner_type: str | None = None
    services: list[Ref] = []
    last_run: str | None = None

    @classmethod
    def from_api(cls, action: dict[str, Any]) -> AutomationAction:
        return cls.model_validate(
            {
                **action,
                "name": clean_text(str(action.get("name") or ""), 200),
                "description": clean_text(str(action["description"]), 300) if action.get("description") else None,
                "classification": action.get("action_classification"),
                "services": refs(action.get("services")),
            }
        )


class Invocation(LeanModel):
    """One run of an action: its state now, and when it reached each state."""

    id: str
    state: str
    action: Ref | None = None
    incident: Ref | None = None
    by: Ref | None = None
    timing: dict[str, str] = {}

    @classmethod
    def from_api(cls, invocation: dict[str, Any]) -> Invocation:
        metadata = invocation.get("metadata") or {}
        action = {"id": invocation.get("action_id"), "name": (invocation.get("action_snapshot") or {}).get("name")}
        return cls.model_validate(
            {
                **invocation,
                "action": Ref.of(action),
                "incident": Ref.of(metadata.get("incident")),
                "by": Ref.of(metadata.get("agent")),
                "timing": {
                    str(t.get("state")): str(t.get("timestamp") or t.get("creation_timestamp"))
                    for t in invocation.get("timing") or []
                    if isinstance(t, dict)
                },
            }
        )


class AutomationActionDetail(AutomationAction):
    """An action in full: what it runs (clipped), where it may run, and its latest invocations."""

    teams: list[Ref] = []
    executes: dict[str, str] = {}
    only_unresolved_incidents: bool | None = None
    last_run_by: Ref | None = None
    invocations: list[Invocation] = []

    @classmethod
    def from_api(
        cls, action: dict[str, Any], invocations: list[dict[str, Any]] | None = None
    ) -> AutomationActionDetail:
        summary = AutomationAction.from_api(action).model_dump()
        executes = {k: clean_text(str(v), 500) for k, v in (action.get("action_data_reference") or {}).items() if v}
        return cls.model_validate(
            {
                **summary,
                "teams": refs(action.get("teams")),
                "executes": executes,
                "only_unresolved_incidents": action.get("only_invocable_on_unresolved_incidents"),
                "last_run_by": Ref.of(action.get("last_run_by")),
                "invocations": [Invocation.from_api(i) for i in invocations or []],
            }
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
    # Its type and parent are what was asked for, and its version matters only to a whole replace
    # (detail=true reads it): said by the question, not again here.
    out: dict[str, Any] = {"updated_at": path.get("updated_at")}
    for rule_set in sets:
        key = "rules" if rule_set.get("id") == "start" else f"set:{rule_set.get('id')}"
        out[key] = [_rule_summary(r, names) for r in rule_set.get("rules") or []]
    catch_all = dict((path.get("catch_all") or {}).get("actions") or {})
    target = catch_all.pop("route_to", None)
    out["catch_all"] = {**({"route_to": target} if target else {}), **_short_actions(catch_all)}
    return {k: v for k, v in out.items() if v is not None}
