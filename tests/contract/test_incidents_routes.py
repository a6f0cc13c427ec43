"""The sandbox's incident endpoints answer the way PagerDuty does, with any client: all-or-nothing
bulk updates, the bulk limit, de-duplication, the From header and analytics' filter rule. Every
exchange is also checked against the spec."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pagerduty
import pytest

from pagerduty_mcp.sandbox import Sandbox

# contract_client drives a recording sandbox, checked against the spec less PagerDuty's known
# differences from it (see that module).
from tests.contract.test_incidents_contract import recorded_exchanges, recording_contract_sandbox  # noqa: F401

pytestmark = [pytest.mark.contract, pytest.mark.incidents]

FROM = {"From": "alex.rivera@acme-shop.example"}


def _ref(ident: str) -> dict[str, Any]:
    return {"id": ident, "type": "incident_reference"}


def _open(sandbox: Sandbox, status: str = "triggered") -> dict[str, Any]:
    return next(i for i in reversed(sandbox.state.incidents()) if i["status"] == status)


def test_a_bulk_update_with_an_unknown_id_changes_nothing(
    contract_sandbox: Sandbox, contract_client: pagerduty.RestApiV2Client
) -> None:
    incident = _open(contract_sandbox)
    body = {"incidents": [{**_ref(incident["id"]), "status": "resolved"}, {**_ref("PNOPE00"), "status": "resolved"}]}
    response = contract_client.put("/incidents", json=body, headers=FROM)
    assert response.status_code == 404 and "PNOPE00" in response.text
    assert incident["status"] == "triggered"


def test_a_bulk_update_with_one_invalid_change_changes_nothing(
    contract_sandbox: Sandbox, contract_client: pagerduty.RestApiV2Client
) -> None:
    live = _open(contract_sandbox)
    resolved = _open(contract_sandbox, "resolved")
    body = {"incidents": [{**_ref(live["id"]), "escalation_level": 2}, {**_ref(resolved["id"]), "escalation_level": 2}]}
    response = contract_client.put("/incidents", json=body, headers=FROM)
    assert response.status_code == 400 and resolved["id"] in response.text
    assert live["_escalation_level"] == 1


def test_bulk_updates_take_at_most_250_incidents_and_need_from(contract_client: pagerduty.RestApiV2Client) -> None:
    body = {"incidents": [{**_ref(f"P{n:06d}"), "status": "resolved"} for n in range(251)]}
    assert contract_client.put("/incidents", json=body, headers=FROM).status_code == 413
    no_from = pagerduty.RestApiV2Client.put(contract_client, "/incidents", json=body, headers={"From": ""})
    assert no_from.status_code == 400 and "From" in no_from.text


def test_an_open_incident_key_is_not_paged_twice_but_a_resolved_one_is(
    contract_sandbox: Sandbox, contract_client: pagerduty.RestApiV2Client
) -> None:
    service = contract_sandbox.state.all("services")[0]["id"]
    incident = {"type": "incident", "title": "Dup", "service": {"id": service, "type": "service_reference"}}
    incident["incident_key"] = "route-dup"
    first = contract_client.post("/incidents", json={"incident": incident}, headers=FROM)
    assert first.status_code == 201
    again = contract_client.post("/incidents", json={"incident": incident}, headers=FROM)
    assert again.status_code == 400 and "dedup key" in again.text
    ident = first.json()["incident"]["id"]
    contract_client.put("/incidents", json={"incidents": [{**_ref(ident), "status": "resolved"}]}, headers=FROM)
    assert contract_client.post("/incidents", json={"incident": incident}, headers=FROM).status_code == 201


def test_snooze_needs_an_acknowledged_incident(
    contract_sandbox: Sandbox, contract_client: pagerduty.RestApiV2Client
) -> None:
    triggered = _open(contract_sandbox)
    response = contract_client.post(f"/incidents/{triggered['id']}/snooze", json={"duration": 60}, headers=FROM)
    assert response.status_code == 400
    acknowledged = _open(contract_sandbox, "acknowledged")
    response = contract_client.post(f"/incidents/{acknowledged['id']}/snooze", json={"duration": 60}, headers=FROM)
    assert response.status_code == 201
    assert response.json()["incident"]["pending_actions"][-1]["type"] == "unacknowledge"


def test_analytics_need_a_team_or_service_filter_with_a_user_token(
    contract_sandbox: Sandbox, contract_client: pagerduty.RestApiV2Client
) -> None:
    now = contract_sandbox.state.clock()
    window = {
        "created_at_start": (now - timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "created_at_end": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    refused = contract_client.post("/analytics/metrics/incidents/all", json={"filters": window})
    assert refused.status_code == 400 and "team_ids or service_ids" in refused.text
    teams = [t["id"] for t in contract_sandbox.state.all("teams")]
    answer = contract_client.post(
        "/analytics/metrics/incidents/services", json={"filters": {**window, "team_ids": teams}}
    )
    assert answer.status_code == 200
    rows = answer.json()["data"]
    counted = sum(r["total_incident_count"] for r in rows)
    expected = len(contract_sandbox.state.incidents(now - timedelta(days=7), now))
    assert counted == expected and all(r["service_name"] for r in rows)


def test_incident_workflow_instances_and_the_account_log(
    contract_sandbox: Sandbox, contract_client: pagerduty.RestApiV2Client
) -> None:
    incident = _open(contract_sandbox)
    workflow = contract_sandbox.state.all("incident_workflows")[0]["id"]
    body = {"incident_workflow_instance": {"incident": _ref(incident["id"])}}
    started = contract_client.post(f"/incident_workflows/{workflow}/instances", json=body)
    assert (
        started.status_code == 201 and started.json()["incident_workflow_instance"]["incident"]["id"] == incident["id"]
    )
    unknown = {"incident_workflow_instance": {"incident": _ref("PNOPE00")}}
    assert contract_client.post(f"/incident_workflows/{workflow}/instances", json=unknown).status_code == 400
    log = contract_client.get("/log_entries", params={"limit": 5, "is_overview": "true"}).json()
    assert len(log["log_entries"]) == 5 and log["more"] is True
