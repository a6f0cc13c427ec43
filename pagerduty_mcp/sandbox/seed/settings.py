"""The seed account's settings: priorities, custom fields, maintenance windows, alert grouping, the event
orchestration and incident workflows."""

from __future__ import annotations

import random
from copy import deepcopy
from datetime import datetime, timedelta
from typing import Any

from pagerduty_mcp.sandbox.model.store import Store
from pagerduty_mcp.sandbox.protocol import format_time
from pagerduty_mcp.sandbox.seed import data
from pagerduty_mcp.sandbox.seed.data import Ids
from pagerduty_mcp.sandbox.seed.history import integration_key

__all__ = [
    "add_alert_grouping",
    "add_custom_fields",
    "add_incident_workflows",
    "add_maintenance_windows",
    "add_orchestration",
    "add_priorities",
]


def add_priorities(store: Store) -> None:
    for name, description in data.PRIORITIES.items():
        priority = {"id": store.new_id(), "name": name, "description": description, "color": data.PRIORITY_COLOR}
        store.stamp("priorities", priority, name)
        store.put("priorities", priority)


def add_custom_fields(store: Store) -> None:
    for name, spec in data.CUSTOM_FIELDS.items():
        field: dict[str, Any] = {
            "id": store.new_id(),
            "name": name,
            "display_name": spec.display_name,
            "description": f"{spec.display_name} of the incident",
            "data_type": "string",
            "field_type": "single_value_fixed",
            "default_value": None,
            "_options": list(spec.options),
        }
        store.stamp("custom_fields", field, spec.display_name)
        store.put("custom_fields", field)


def add_maintenance_windows(store: Store, services: Ids, users: Ids, now: datetime) -> None:
    for sequence, (description, spec) in enumerate(data.MAINTENANCE_WINDOWS.items(), start=1):
        service = store.get("services", services[spec.service])
        start, end = now + timedelta(hours=spec.start_hours), now + timedelta(hours=spec.end_hours)
        window: dict[str, Any] = {
            "id": store.new_id(),
            "sequence_number": sequence,
            "start_time": format_time(start),
            "end_time": format_time(end),
            "description": description,
            "created_by": store.ref_to("users", users[spec.created_by]),
            "services": [store.ref(service)],
            "teams": list(service["teams"]),
            "_start": start,
            "_end": end,
        }
        store.stamp("maintenance_windows", window, description)
        store.put("maintenance_windows", window)


def add_alert_grouping(store: Store, services: Ids, now: datetime) -> None:
    for name, spec in data.ALERT_GROUPING.items():
        setting: dict[str, Any] = {
            "id": store.new_id(),
            "name": name,
            "description": f"{name} for related alerts",
            "type": spec.type,
            "config": deepcopy(spec.config),
            "services": [{"id": services[s]} for s in spec.services],
            "created_at": format_time(now - timedelta(days=90)),
            "updated_at": format_time(now - timedelta(days=12)),
        }
        store.put("alert_grouping_settings", setting)


def _orchestration_path(kind: str, parent: dict[str, Any], rules: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "type": kind,
        "parent": parent,
        "sets": [{"id": "start", "rules": rules}],
        "catch_all": {"actions": {"route_to": "unrouted"} if kind == "router" else {}},
    }


def add_orchestration(store: Store, services: Ids, teams: Ids, users: Ids, now: datetime) -> None:
    spec = data.ORCHESTRATION
    priorities = {p["name"]: p["id"] for p in store.all("priorities")}

    def rule(raw: dict[str, Any]) -> dict[str, Any]:
        """A rule with the names in its actions turned into ids."""
        raw = deepcopy(raw)  # the data stays as written when routes change the account
        actions = raw["actions"]
        if "route_to" in actions:
            actions["route_to"] = services[actions["route_to"]]
        if "priority" in actions:
            actions["priority"] = priorities[actions["priority"]]
        return raw

    orchestration_id = store.new_id()
    routing_key = "R0" + integration_key(random.Random(f"orchestration:{store.seed}"))[:30]
    owner = {
        "id": users[spec.owner],
        "type": "user_reference",
        "self": f"{store.api_base}/users/{users[spec.owner]}",
    }
    team_id = teams[spec.team]
    orchestration: dict[str, Any] = {
        "id": orchestration_id,
        "self": f"{store.api_base}/event_orchestrations/{orchestration_id}",
        "name": spec.name,
        "description": spec.description,
        "team": {"id": team_id, "type": "team_reference", "self": f"{store.api_base}/teams/{team_id}"},
        "integrations": [
            {"id": store.new_id(), "label": "Monitoring", "parameters": {"routing_key": routing_key, "type": "global"}}
        ],
        "routes": len(spec.router_rules),
        "created_at": format_time(now - timedelta(days=120)),
        "created_by": owner,
        "updated_at": format_time(now - timedelta(days=8)),
        "updated_by": dict(owner),
        "version": spec.version,
        "type": "event_orchestration",
    }
    parent = {
        "id": orchestration_id,
        "type": "event_orchestration_reference",
        "self": f"{store.api_base}/event_orchestrations/{orchestration_id}",
    }
    for kind, rules in (
        ("router", spec.router_rules),
        ("global", spec.global_rules),
        ("unrouted", spec.unrouted_rules),
    ):
        orchestration[f"_{kind}"] = _orchestration_path(kind, dict(parent), [rule(r) for r in rules])
    store.put("event_orchestrations", orchestration)
    store.service_orchestrations = {
        service_id: _orchestration_path(
            "service",
            {"id": service_id, "type": "service_reference", "self": f"{store.api_base}/services/{service_id}"},
            [rule(r) for r in spec.service_rules.get(name, ())],
        )
        for name, service_id in services.items()
    }


def add_incident_workflows(store: Store, teams: Ids, now: datetime) -> None:
    for name, spec in data.INCIDENT_WORKFLOWS.items():
        workflow: dict[str, Any] = {
            "id": store.new_id(),
            "name": name,
            "description": spec.description,
            "created_at": format_time(now - timedelta(days=60)),
            "team": store.ref_to("teams", teams[spec.team]),
            "is_enabled": True,
            "steps": [],
        }
        store.stamp("incident_workflows", workflow, name)
        store.put("incident_workflows", workflow)
