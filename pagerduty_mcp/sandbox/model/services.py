"""Technical services: their status, what a create or change may set, their integrations, and
deleting one with what only it owned.

A service's teams are not set directly: PagerDuty derives them from its escalation policy, so
creating a service or changing its policy copies the policy's teams.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pagerduty_mcp.sandbox.model.maintenance import active_maintenance
from pagerduty_mcp.sandbox.model.store import HTML_BASE, Store, public
from pagerduty_mcp.sandbox.protocol import ApiError, bad_request, format_time

__all__ = [
    "INCLUDES",
    "add_integration",
    "create_service",
    "delete_service",
    "integration_by_key",
    "integration_of",
    "listed",
    "service_status",
    "shown",
    "update_service",
]

INCLUDES = ("escalation_policies", "teams", "integrations", "auto_pause_notifications_parameters")
_SORTS = ("name", "name:asc", "name:desc")


def integration_by_key(store: Store, key: str) -> dict[str, Any] | None:
    for integration in store.all("integrations"):
        if integration.get("integration_key") == key:
            return integration
    return None


def service_status(store: Store, service: dict[str, Any]) -> str:
    """``critical``/``warning`` from open incidents, ``maintenance`` in a window, else the stored status."""
    if service.get("status") == "disabled":
        return "disabled"
    now = store.clock()
    if active_maintenance(store, service["id"], now):
        return "maintenance"
    worst = "active"
    for incident in store.open_incidents_of(service["id"]):
        if incident["urgency"] == "high" and incident["status"] == "triggered":
            return "critical"
        worst = "warning"
    return worst


def shown(store: Store, service: dict[str, Any], includes: list[str] | tuple[str, ...] = ()) -> dict[str, Any]:
    out = public(service)
    out["status"] = service_status(store, service)
    if "escalation_policies" in includes:
        policy = store.find("escalation_policies", service["escalation_policy"]["id"])
        if policy is not None:
            out["escalation_policy"] = public(policy)
    if "teams" in includes:
        out["teams"] = [public(store.get("teams", t["id"])) for t in service["teams"] if store.find("teams", t["id"])]
    if "integrations" in includes:
        out["integrations"] = [
            public(store.get("integrations", i["id"]))
            for i in service["integrations"]
            if store.find("integrations", i["id"])
        ]
    return out


def listed(store: Store, query: str, name: str | None, team_ids: set[str], sort_by: str | None) -> list[dict[str, Any]]:
    """Services whose name holds ``query`` (or is ``name``), of ``team_ids``, by name."""
    if sort_by not in _SORTS:
        raise bad_request(errors=["sort_by must be name, name:asc or name:desc"])
    services = [
        s
        for s in store.all("services")
        if (not query or query in s["name"].lower())
        and (name is None or s["name"] == name)
        and (not team_ids or any(t["id"] in team_ids for t in s["teams"]))
    ]
    services.sort(key=lambda s: s["name"].lower(), reverse=sort_by == "name:desc")
    return services


# -- what a create or change may set --------------------------------------------------------------
URGENCIES = ("low", "high", "severity_based")
INTEGRATION_TYPES = (
    "aws_cloudwatch_inbound_integration",
    "cloudkick_inbound_integration",
    "event_transformer_api_inbound_integration",
    "generic_email_inbound_integration",
    "generic_events_api_inbound_integration",
    "keynote_inbound_integration",
    "nagios_inbound_integration",
    "pingdom_inbound_integration",
    "sql_monitor_inbound_integration",
    "events_api_v2_inbound_integration",
)
_SETTABLE_STATUSES = ("active", "disabled")


# -- validation of a service body -------------------------------------------------------------
def _check_urgency_type(value: Any, where: str, *, constant_only: bool = False) -> None:
    if not isinstance(value, dict):
        raise bad_request(errors=[f"{where} must be an object"])
    kind = value.get("type", "constant")
    if kind == "use_support_hours" and not constant_only:
        for part in ("during_support_hours", "outside_support_hours"):
            _check_urgency_type(value.get(part), f"{where}.{part}", constant_only=True)
        return
    if kind != "constant":
        raise bad_request(errors=[f"{where}.type must be constant or use_support_hours"])
    if value.get("urgency") not in URGENCIES:
        raise bad_request(errors=[f"{where}.urgency must be one of {', '.join(URGENCIES)}"])


def _check_support_hours(value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, dict) or value.get("type", "fixed_time_per_day") != "fixed_time_per_day":
        raise bad_request(errors=["support_hours.type must be fixed_time_per_day"])
    for name in ("start_time", "end_time"):
        text = value.get(name)
        parts = str(text or "").split(":")
        if len(parts) not in (2, 3) or not all(p.isdigit() for p in parts):
            raise bad_request(errors=[f"support_hours.{name} must be a time of day like 09:00:00"])
    days = value.get("days_of_week")
    if not isinstance(days, list) or not days or not all(isinstance(d, int) and 1 <= d <= 7 for d in days):
        raise bad_request(errors=["support_hours.days_of_week must list days 1 (Monday) to 7 (Sunday)"])
    if not value.get("time_zone"):
        raise bad_request(errors=["support_hours.time_zone is required"])


def _timeout(value: Any, name: str) -> int | None:
    if value is None or value == 0:
        return None  # 0, null or unset turns the feature off
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise bad_request(errors=[f"{name} must be a non-negative integer number of seconds"])
    return value


def _check_name(store: Store, name: Any, exclude: str | None = None) -> str:
    if not isinstance(name, str) or not name.strip():
        raise bad_request(errors=["Name can't be blank"])
    clean = name.strip()
    if any(s["name"].lower() == clean.lower() and s["id"] != exclude for s in store.all("services")):
        raise bad_request(errors=["Name has already been taken"])
    return clean


def _policy_for(store: Store, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict) or not value.get("id"):
        raise bad_request(errors=["Escalation policy can't be blank"])
    policy = store.find("escalation_policies", str(value["id"]))
    if policy is None:
        raise bad_request(errors=[f"Escalation policy {value['id']} not found"])
    return policy


def _apply(store: Store, service: dict[str, Any], data: dict[str, Any]) -> None:
    """Apply the fields present in ``data`` (PUT is partial: absent fields keep their values)."""
    if "name" in data:
        service["name"] = service["summary"] = _check_name(store, data["name"], service.get("id"))
    if "description" in data:
        service["description"] = str(data["description"] or "")
    for name in ("auto_resolve_timeout", "acknowledgement_timeout"):
        if name in data:
            service[name] = _timeout(data[name], name)
    if "incident_urgency_rule" in data:
        _check_urgency_type(data["incident_urgency_rule"], "incident_urgency_rule")
        rule = dict(data["incident_urgency_rule"])
        rule.setdefault("type", "constant")
        service["incident_urgency_rule"] = rule
    if "support_hours" in data:
        _check_support_hours(data["support_hours"])
        service["support_hours"] = data["support_hours"]
    if (service.get("incident_urgency_rule") or {}).get("type") == "use_support_hours" and not service.get(
        "support_hours"
    ):
        raise bad_request(errors=["support_hours are required when incident_urgency_rule uses support hours"])
    if "alert_creation" in data:
        if data["alert_creation"] not in ("create_incidents", "create_alerts_and_incidents"):
            raise bad_request(errors=["alert_creation must be create_incidents or create_alerts_and_incidents"])
        service["alert_creation"] = data["alert_creation"]
    if "escalation_policy" in data:
        policy = _policy_for(store, data["escalation_policy"])
        old = service.get("escalation_policy")
        if old is not None:
            previous = store.find("escalation_policies", old["id"])
            if previous is not None:
                previous["services"] = [s for s in previous["services"] if s["id"] != service.get("id")]
        service["escalation_policy"] = store.ref(policy)
        service["teams"] = [dict(t) for t in policy.get("teams", [])]
        service["_policy_changed"] = True


def _link_policy(store: Store, service: dict[str, Any]) -> None:
    if service.pop("_policy_changed", False):
        policy = store.get("escalation_policies", service["escalation_policy"]["id"])
        if not any(s["id"] == service["id"] for s in policy["services"]):
            policy["services"].append(store.ref(service))


def _refresh_references(store: Store, service: dict[str, Any]) -> None:
    """Renaming a service renames it wherever it is referenced, as PagerDuty shows it."""
    ident = service["id"]
    for kind in ("escalation_policies", "maintenance_windows", "integrations"):
        for obj in store.all(kind):
            for ref in [obj.get("service"), *obj.get("services", [])]:
                if isinstance(ref, dict) and ref.get("id") == ident:
                    ref["summary"] = service["summary"]


def create_service(store: Store, data: dict[str, Any], now: datetime) -> dict[str, Any]:
    if data.get("status", "active") != "active":
        raise bad_request(errors=["A service can only be created with status active"])
    if "escalation_policy" not in data:
        raise bad_request(errors=["Escalation policy can't be blank"])
    service: dict[str, Any] = {
        "name": "",
        "description": "",
        "auto_resolve_timeout": None,
        "acknowledgement_timeout": None,
        "created_at": format_time(now),
        "status": "active",
        "last_incident_timestamp": None,
        "response_play": None,
        "teams": [],
        "integrations": [],
        "incident_urgency_rule": {"type": "constant", "urgency": "high"},
        "support_hours": None,
        "scheduled_actions": [],
        "addons": [],
        "alert_creation": "create_alerts_and_incidents",
        "alert_grouping_parameters": {"type": None},
        "auto_pause_notifications_parameters": {"enabled": False, "timeout": None},
        "_created": now,
    }
    if "name" not in data:
        raise bad_request(errors=["Name can't be blank"])
    _apply(store, service, data)
    store.stamp("services", service, service["name"])
    store.put("services", service)
    _link_policy(store, service)
    return service


def update_service(store: Store, service: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """Apply the fields ``data`` gives, all checked before any is applied; a rename shows everywhere."""
    if "status" in data and data["status"] not in _SETTABLE_STATUSES:
        raise bad_request(errors=["status can be set to active or disabled"])
    trial = dict(service)
    _apply(store, trial, data)  # validate everything before changing anything
    if "status" in data:
        trial["status"] = data["status"]
    service.clear()
    service.update(trial)
    _link_policy(store, service)
    _refresh_references(store, service)
    return service


def delete_service(store: Store, service_id: str) -> None:
    """Remove a service and what only it owned: integrations, dependencies, window slots."""
    service = store.remove("services", service_id)
    for integration in service.get("integrations", []):
        store.discard("integrations", integration["id"])
    policy = store.find("escalation_policies", service["escalation_policy"]["id"])
    if policy is not None:
        policy["services"] = [s for s in policy["services"] if s["id"] != service_id]
    store.dependencies[:] = [
        d for d in store.dependencies if service_id not in (d["supporting_service"]["id"], d["dependent_service"]["id"])
    ]
    for window in store.all("maintenance_windows"):
        remaining = [s for s in window["services"] if s["id"] != service_id]
        if len(remaining) != len(window["services"]):
            if remaining:
                window["services"] = remaining
            else:
                store.remove("maintenance_windows", window["id"])
    store.forget_open_incidents(service_id)


# -- integrations --------------------------------------------------------------------------------------
def _new_key(store: Store) -> str:
    return "".join(store.rng.choice("0123456789abcdef") for _ in range(32))


def add_integration(store: Store, service: dict[str, Any], data: dict[str, Any], now: Any) -> dict[str, Any]:
    kind = data.get("type")
    if kind not in INTEGRATION_TYPES:
        raise bad_request(errors=[f"type must be one of {', '.join(INTEGRATION_TYPES)}"])
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise bad_request(errors=["Name can't be blank"])
    integration: dict[str, Any] = {
        "id": store.new_id(),
        "name": name.strip(),
        "service": store.ref(service),
        "created_at": format_time(now),
        "vendor": None,
        "_service_id": service["id"],
    }
    store.stamp("integrations", integration, integration["name"], kind)
    integration["self"] = f"{store.api_base}/services/{service['id']}/integrations/{integration['id']}"
    integration["html_url"] = f"{HTML_BASE}/services/{service['id']}/integrations/{integration['id']}"
    if kind == "generic_email_inbound_integration":
        email = data.get("integration_email") or f"{service['name'].lower().replace(' ', '-')}-{integration['id']}"
        if "@" not in email:
            email += "@acme-shop.pagerduty.com"
        integration["integration_email"] = email.lower()
        integration["email_incident_creation"] = data.get("email_incident_creation", "on_new_email")
        integration["email_filter_mode"] = data.get("email_filter_mode", "all-email")
    else:
        integration["integration_key"] = _new_key(store)
    store.put("integrations", integration)
    service["integrations"].append(store.ref(integration))
    return integration


def integration_of(store: Store, service: dict[str, Any], integration_id: str) -> dict[str, Any]:
    """One of the service's integrations (404 for any other)."""
    integration = store.get("integrations", integration_id)
    if integration["_service_id"] != service["id"]:
        raise ApiError(404, "Not Found", 2100, [f"integration {integration['id']} not found"])
    return integration
