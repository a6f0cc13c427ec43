"""The sandbox's user administration, policy deletion and responder analytics answer as PagerDuty
does, with any client: its refusals name what blocks. Every exchange is checked against the spec,
less one known error in it (``KNOWN_DEVIATIONS``)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pagerduty
import pytest

from pagerduty_mcp.sandbox import Sandbox
from tests.contract.conftest import CONTRACT_NOW
from tests.contract.openapi import Spec
from tests.contract.recorder import Exchange, RecordingSandbox, assert_follows_spec

pytestmark = [pytest.mark.contract, pytest.mark.people]

# AnalyticsResponderMetrics types responder_id as an integer; its own examples (and PagerDuty) give
# the user's id, a string.
KNOWN_DEVIATIONS = ("/responder_id: '",)


@pytest.fixture(name="contract_sandbox")
def recording_contract_sandbox(rest_spec: Spec) -> Iterator[RecordingSandbox]:
    box = RecordingSandbox(seed=7, now=CONTRACT_NOW)
    yield box
    assert_follows_spec(box.exchanges, KNOWN_DEVIATIONS)


@pytest.fixture
def recorded_exchanges(contract_sandbox: RecordingSandbox) -> list[Exchange]:
    return contract_sandbox.exchanges


def _error(response: Any) -> str:
    assert response.status_code == 400, response.text
    return " ".join(response.json()["error"]["errors"])


def test_users_are_created_changed_and_deleted(contract_client: pagerduty.RestApiV2Client) -> None:
    body = {"user": {"type": "user", "name": "Ada Byron", "email": "ada@acme-shop.example", "role": "limited_user"}}
    created = contract_client.rpost("/users", json=body)
    assert created["role"] == "limited_user" and created["name"] == "Ada Byron"
    again = contract_client.post("/users", json=body)
    assert "already been taken" in _error(again)
    bad_zone = {"user": {**body["user"], "email": "x@acme-shop.example", "time_zone": "Mars/Olympus"}}
    assert "Mars/Olympus" in _error(contract_client.post("/users", json=bad_zone))
    change = {"user": {"type": "user", "name": "Ada Lovelace", "email": created["email"], "time_zone": "Europe/London"}}
    contract_client.rput(f"/users/{created['id']}", json=change)
    after = contract_client.rget(f"/users/{created['id']}")
    assert (after["name"], after["time_zone"], after["role"]) == ("Ada Lovelace", "Europe/London", "limited_user")
    assert contract_client.delete(f"/users/{created['id']}").status_code == 204
    assert contract_client.get(f"/users/{created['id']}").status_code == 404


def test_a_user_with_open_incidents_is_not_deleted(
    contract_sandbox: Sandbox, contract_client: pagerduty.RestApiV2Client
) -> None:
    state = contract_sandbox.state
    incident = next(i for i in reversed(state.incidents()) if i["status"] != "resolved" and i["assignments"])
    user_id = incident["assignments"][0]["assignee"]["id"]
    reason = _error(contract_client.delete(f"/users/{user_id}"))
    assert "open incident" in reason and f"#{incident['incident_number']}" in reason
    assert state.find("users", user_id) is not None


def test_the_only_person_on_a_layer_or_rule_is_not_deleted(
    contract_sandbox: Sandbox, contract_client: pagerduty.RestApiV2Client
) -> None:
    state = contract_sandbox.state
    schedule = contract_client.rpost(
        "/schedules",
        json={
            "schedule": {
                "type": "schedule",
                "name": "Solo",
                "time_zone": "UTC",
                "schedule_layers": [
                    {
                        "start": (CONTRACT_NOW + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                        "rotation_virtual_start": (CONTRACT_NOW + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                        "rotation_turn_length_seconds": 86400,
                        "users": [{"user": {"id": _new_user(contract_client), "type": "user_reference"}}],
                    }
                ],
            }
        },
    )
    solo = schedule["schedule_layers"][0]["users"][0]["user"]["id"]
    assert "Solo" in _error(contract_client.delete(f"/users/{solo}"))
    target = _new_user(contract_client, "rule")
    contract_client.rpost(
        "/escalation_policies",
        json={
            "escalation_policy": {
                "type": "escalation_policy",
                "name": "Only Rule",
                "escalation_rules": [
                    {"escalation_delay_in_minutes": 5, "targets": [{"id": target, "type": "user_reference"}]}
                ],
            }
        },
    )
    assert "Only Rule (level 1)" in _error(contract_client.delete(f"/users/{target}"))
    assert state.find("users", target) is not None


def _new_user(client: pagerduty.RestApiV2Client, tag: str = "solo") -> str:
    body = {"user": {"type": "user", "name": f"New {tag}", "email": f"{tag}@acme-shop.example"}}
    return str(client.rpost("/users", json=body)["id"])


def test_a_policy_in_use_is_not_deleted(contract_sandbox: Sandbox, contract_client: pagerduty.RestApiV2Client) -> None:
    state = contract_sandbox.state
    service = state.all("services")[0]
    policy = service["escalation_policy"]["id"]
    reason = _error(contract_client.delete(f"/escalation_policies/{policy}"))
    assert service["name"] in reason
    unused = contract_client.rpost(
        "/escalation_policies",
        json={
            "escalation_policy": {
                "type": "escalation_policy",
                "name": "Unused",
                "escalation_rules": [
                    {
                        "escalation_delay_in_minutes": 5,
                        "targets": [{"id": state.all("users")[0]["id"], "type": "user_reference"}],
                    }
                ],
            }
        },
    )
    assert contract_client.delete(f"/escalation_policies/{unused['id']}").status_code == 204
    assert contract_client.get(f"/escalation_policies/{unused['id']}").status_code == 404


def test_responder_metrics_count_interruptions_by_the_responders_clock(
    contract_sandbox: Sandbox, contract_client: pagerduty.RestApiV2Client
) -> None:
    window = {
        "date_range_start": (CONTRACT_NOW - timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "date_range_end": CONTRACT_NOW.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    everyone = contract_client.post("/analytics/metrics/responders/all", json={"filters": window}).json()["data"]
    assert len(everyone) == 1 and everyone[0]["total_interruptions"] > 0
    row = everyone[0]
    bands = ("business", "off", "sleep")
    assert sum(row[f"total_{b}_hour_interruptions"] for b in bands) == row["total_interruptions"]
    by_team = contract_client.post("/analytics/metrics/responders/teams", json={"filters": window}).json()["data"]
    assert by_team and all(r["responder_name"] and r["team_name"] for r in by_team)
    one = by_team[0]["responder_id"]
    only = contract_client.post(
        "/analytics/metrics/responders/teams", json={"filters": {**window, "responder_ids": [one]}}
    ).json()["data"]
    assert {r["responder_id"] for r in only} == {one}
    missing = contract_client.post("/analytics/metrics/responders/all", json={"filters": {}})
    assert "date_range_start" in _error(missing)
