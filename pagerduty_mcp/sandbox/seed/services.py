"""The seed account's services: technical services with their integrations and dependencies,
and the business services they support."""

from __future__ import annotations

import random
from copy import deepcopy
from datetime import datetime, timedelta
from typing import Any

from pagerduty_mcp.sandbox.model.store import HTML_BASE, Store
from pagerduty_mcp.sandbox.protocol import format_time
from pagerduty_mcp.sandbox.seed import data
from pagerduty_mcp.sandbox.seed.data import Ids
from pagerduty_mcp.sandbox.seed.history import integration_key

__all__ = ["add_business_services", "add_services"]


def _urgency_rule(urgency: str) -> dict[str, Any]:
    if urgency == "support_hours":
        return {
            "type": "use_support_hours",
            "during_support_hours": {"type": "constant", "urgency": "high"},
            "outside_support_hours": {"type": "constant", "urgency": "low"},
        }
    return {"type": "constant", "urgency": urgency}


def add_services(store: Store, teams: Ids, policies: Ids, now: datetime, rng: random.Random) -> Ids:
    ids: Ids = {}
    for name, spec in data.SERVICES.items():
        service_id = store.new_id()
        created = now - timedelta(days=spec.created_days_ago)
        policy_id = policies[spec.escalation_policy]
        service: dict[str, Any] = {
            "id": service_id,
            "name": name,
            "description": spec.description,
            "auto_resolve_timeout": spec.auto_resolve_timeout,
            "acknowledgement_timeout": spec.acknowledgement_timeout,
            "created_at": format_time(created),
            "status": "active",
            "last_incident_timestamp": None,
            "escalation_policy": store.ref_to("escalation_policies", policy_id),
            "response_play": None,
            "teams": [store.ref_to("teams", teams[spec.team])],
            "integrations": [],
            "incident_urgency_rule": _urgency_rule(spec.urgency),
            "support_hours": deepcopy(data.SUPPORT_HOURS) if spec.urgency == "support_hours" else None,
            "scheduled_actions": [],
            "addons": [],
            "alert_creation": "create_alerts_and_incidents",
            "auto_pause_notifications_parameters": {
                "enabled": spec.auto_pause_seconds is not None,
                "timeout": spec.auto_pause_seconds,
            },
            "_created": created,
        }
        store.stamp("services", service, name)
        store.put("services", service)
        store.get("escalation_policies", policy_id)["services"].append(store.ref(service))
        _add_integration(store, service, "Events API v2", "events_api_v2_inbound_integration", created, rng)
        if spec.email_integration:
            _add_integration(store, service, "Email", "generic_email_inbound_integration", created, rng)
        ids[name] = service_id
    for supporting, dependent in data.DEPENDENCIES:
        store.dependencies.append(
            {
                "id": store.new_id(),
                "type": "service_dependency",
                "supporting_service": {"id": ids[supporting], "type": "service"},
                "dependent_service": {"id": ids[dependent], "type": "service"},
            }
        )
    return ids


def _add_integration(
    store: Store, service: dict[str, Any], name: str, type_: str, created: datetime, rng: random.Random
) -> None:
    integration: dict[str, Any] = {
        "id": store.new_id(),
        "name": name,
        "service": store.ref(service),
        "created_at": format_time(created),
        "vendor": None,
        "_service_id": service["id"],
    }
    store.stamp("integrations", integration, name, type_)
    integration["self"] = f"{store.api_base}/services/{service['id']}/integrations/{integration['id']}"
    integration["html_url"] = f"{HTML_BASE}/services/{service['id']}/integrations/{integration['id']}"
    if type_ == "generic_email_inbound_integration":
        slug = service["name"].lower().replace(" ", "-")
        integration["integration_email"] = f"{slug}@acme-shop.pagerduty.com"
        integration["email_incident_creation"] = "on_new_email"
        integration["email_filter_mode"] = "all-email"
    else:
        integration["integration_key"] = integration_key(rng)
    store.put("integrations", integration)
    service["integrations"].append(store.ref(integration))


def add_business_services(store: Store, services: Ids, teams: Ids) -> None:
    for name, spec in data.BUSINESS_SERVICES.items():
        business: dict[str, Any] = {
            "id": store.new_id(),
            "name": name,
            "description": spec.description,
            "point_of_contact": f"support@{data.EMAIL_DOMAIN}",
            "team": store.ref_to("teams", teams[spec.team]),
        }
        store.stamp("business_services", business, name)
        store.put("business_services", business)
        for supporting in spec.supporting_services:
            store.dependencies.append(
                {
                    "id": store.new_id(),
                    "type": "service_dependency",
                    "supporting_service": {"id": services[supporting], "type": "service"},
                    "dependent_service": {"id": business["id"], "type": "business_service"},
                }
            )
