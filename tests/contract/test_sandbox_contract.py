"""Every sandbox endpoint, driven by the real pagerduty client; every exchange checked against the spec.

The ``recorded_exchanges`` fixture validates each request and response at teardown, so these tests
also assert on content (what a write changed), and the contract is checked as a side effect.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pagerduty
import pytest

from pagerduty_mcp.sandbox import SANDBOX_ACCOUNT_TOKEN, SANDBOX_API_URL, Sandbox
from tests.contract.conftest import CONTRACT_NOW
from tests.contract.recorder import Exchange

pytestmark = [pytest.mark.contract, pytest.mark.sandbox]


def _iso(delta: timedelta) -> str:
    return (CONTRACT_NOW + delta).strftime("%Y-%m-%dT%H:%M:%SZ")


def _first(client: pagerduty.RestApiV2Client, path: str, **params: Any) -> dict[str, Any]:
    return next(iter(client.iter_all(path, params=params or None)))


def test_users(contract_client: pagerduty.RestApiV2Client, recorded_exchanges: list[Exchange]) -> None:
    users = list(contract_client.iter_all("/users", params={"include[]": ["contact_methods", "notification_rules"]}))
    assert len(users) == 15
    me = contract_client.rget("/users/me")
    contract_client.rget(f"/users/{me['id']}", params={"include[]": ["contact_methods", "notification_rules", "teams"]})
    methods = contract_client.rget(f"/users/{me['id']}/contact_methods")
    assert {m["type"] for m in methods} >= {"email_contact_method", "phone_contact_method"}
    rules = contract_client.rget(f"/users/{me['id']}/notification_rules", params={"urgency": "all"})
    assert {r["urgency"] for r in rules} == {"high", "low"}
    team = me["teams"][0]["id"]
    assert list(contract_client.iter_all("/users", params={"team_ids[]": [team], "query": "a"}))
    assert contract_client.get("/users/PNOSUCH").status_code == 404
    assert len(recorded_exchanges) >= 6


def test_account_token_answers(contract_sandbox: Sandbox, recorded_exchanges: list[Exchange]) -> None:
    client = pagerduty.RestApiV2Client(
        SANDBOX_ACCOUNT_TOKEN, base_url=SANDBOX_API_URL, transport=contract_sandbox.transport()
    )
    assert client.get("/users/me").status_code == 400


def test_teams_read_and_write(contract_client: pagerduty.RestApiV2Client) -> None:
    teams = contract_client.list_all("/teams", params={"query": "a"})
    assert teams
    created = contract_client.rpost("/teams", json={"type": "team", "name": "Growth", "description": "Experiments"})
    team_id = created["id"]
    contract_client.rput(f"/teams/{team_id}", json={"type": "team", "name": "Growth", "description": "A/B tests"})
    assert contract_client.rget(f"/teams/{team_id}")["description"] == "A/B tests"
    user = _first(contract_client, "/users")
    assert contract_client.put(f"/teams/{team_id}/users/{user['id']}", json={"role": "observer"}).status_code == 204
    members = contract_client.list_all(f"/teams/{team_id}/members")
    assert [(m["user"]["id"], m["role"]) for m in members] == [(user["id"], "observer")]
    contract_client.list_all(f"/teams/{team_id}/members", params={"include[]": ["users"]})
    assert contract_client.delete(f"/teams/{team_id}/users/{user['id']}").status_code == 204
    assert contract_client.delete(f"/teams/{team_id}").status_code == 204
    assert contract_client.get(f"/teams/{team_id}").status_code == 404


def test_schedules_read(contract_client: pagerduty.RestApiV2Client) -> None:
    schedules = contract_client.list_all("/schedules", params={"query": "on"})
    assert schedules
    for schedule in contract_client.list_all("/schedules"):
        rendered = contract_client.rget(
            f"/schedules/{schedule['id']}",
            params={"since": _iso(timedelta(days=-1)), "until": _iso(timedelta(days=6)), "time_zone": "UTC"},
        )
        assert rendered["final_schedule"]["rendered_schedule_entries"]
        contract_client.rget(f"/schedules/{schedule['id']}/users", params={"since": _iso(timedelta(0))})
        contract_client.rget(
            f"/schedules/{schedule['id']}/overrides",
            params={"since": _iso(timedelta(days=-7)), "until": _iso(timedelta(days=14)), "editable": "true"},
        )


def test_schedule_writes(contract_client: pagerduty.RestApiV2Client) -> None:
    users = contract_client.list_all("/users", params={"limit": 3})
    body = {
        "type": "schedule",
        "name": "Support Rotation",
        "time_zone": "Europe/Berlin",
        "description": "Weekdays",
        "schedule_layers": [
            {
                "name": "Weekdays",
                "start": _iso(timedelta(days=-7)),
                "rotation_virtual_start": _iso(timedelta(days=-7)),
                "rotation_turn_length_seconds": 86400,
                "users": [{"user": {"id": u["id"], "type": "user_reference"}} for u in users],
                "restrictions": [
                    {"type": "daily_restriction", "start_time_of_day": "08:00:00", "duration_seconds": 36000}
                ],
            }
        ],
    }
    schedule = contract_client.rpost("/schedules", json=body)
    renamed = contract_client.rput(
        f"/schedules/{schedule['id']}",
        json={"type": "schedule", "time_zone": "Europe/Berlin", "name": "Support Rotation (EU)"},
    )
    assert renamed["name"] == "Support Rotation (EU)"
    assert len(renamed["schedule_layers"]) == 1
    created = contract_client.post(
        f"/schedules/{schedule['id']}/overrides",
        json={
            "overrides": [
                {
                    "start": _iso(timedelta(days=1)),
                    "end": _iso(timedelta(days=1, hours=4)),
                    "user": {"id": users[0]["id"], "type": "user_reference"},
                    "time_zone": "UTC",
                }
            ]
        },
    )
    assert created.status_code == 201
    override_id = created.json()[0]["override"]["id"]
    assert contract_client.delete(f"/schedules/{schedule['id']}/overrides/{override_id}").status_code == 204


def test_oncalls(contract_client: pagerduty.RestApiV2Client) -> None:
    now = contract_client.list_all("/oncalls")
    assert now
    contract_client.list_all(
        "/oncalls",
        params={
            "since": _iso(timedelta(0)),
            "until": _iso(timedelta(days=7)),
            "earliest": "true",
            "include[]": ["users", "schedules", "escalation_policies"],
            "time_zone": "Europe/Berlin",
        },
    )
    user_id = now[0]["user"]["id"]
    assert all(
        o["user"]["id"] == user_id for o in contract_client.list_all("/oncalls", params={"user_ids[]": [user_id]})
    )


def test_escalation_policies(contract_client: pagerduty.RestApiV2Client) -> None:
    policies = contract_client.list_all("/escalation_policies", params={"include[]": ["services", "teams", "targets"]})
    me = contract_client.rget("/users/me")
    mine = contract_client.list_all("/escalation_policies", params={"user_ids[]": [me["id"]], "query": "e"})
    assert mine
    contract_client.list_all("/escalation_policies", params={"team_ids[]": [me["teams"][0]["id"]]})
    contract_client.rget(f"/escalation_policies/{policies[0]['id']}")
    created = contract_client.rpost(
        "/escalation_policies",
        json={
            "type": "escalation_policy",
            "name": "Growth Escalation",
            "num_loops": 1,
            "escalation_rules": [
                {"escalation_delay_in_minutes": 10, "targets": [{"id": me["id"], "type": "user_reference"}]}
            ],
        },
    )
    updated = contract_client.rput(
        f"/escalation_policies/{created['id']}",
        json={**{k: created[k] for k in ("type", "name", "escalation_rules")}, "description": "Growth team"},
    )
    assert updated["description"] == "Growth team"


def test_incidents_services_and_the_rest(contract_client: pagerduty.RestApiV2Client) -> None:
    incidents = contract_client.list_all(
        "/incidents",
        params={
            "statuses[]": ["triggered", "acknowledged"],
            "urgencies[]": ["high"],
            "sort_by": "created_at:desc",
            "include[]": ["assignees", "services", "priorities", "first_trigger_log_entries"],
        },
    )
    assert incidents
    contract_client.list_all("/incidents", params={"date_range": "all", "time_zone": "Europe/Berlin"})
    contract_client.rget(f"/incidents/{incidents[0]['id']}", params={"include[]": ["acknowledgers"]})
    services = contract_client.list_all("/services", params={"include[]": ["integrations", "escalation_policies"]})
    contract_client.rget(f"/services/{services[0]['id']}", params={"include[]": ["teams", "integrations"]})
    contract_client.list_all("/priorities")
    # /event_orchestrations takes no `total`, which iter_all always sends: ask for one page
    assert contract_client.rget("/event_orchestrations")


def test_events_api(contract_sandbox: Sandbox, recorded_exchanges: list[Exchange]) -> None:
    state = contract_sandbox.state
    key = next(i["integration_key"] for i in state.all("integrations") if i.get("integration_key"))
    events = pagerduty.EventsApiV2Client(
        key, base_url="https://events.pagerduty.sandbox", transport=contract_sandbox.transport()
    )
    dedup_key = events.trigger("Disk 95% on db-2", "db-2", severity="warning", custom_details={"disk": "95%"})
    events.acknowledge(dedup_key)
    events.resolve(dedup_key)
    events.send_change_event(payload={"summary": "Deploy 1.2.3", "source": "ci"})
    rejected = events.post("/v2/enqueue", json={"routing_key": "short", "event_action": "trigger"})
    assert rejected.status_code == 400
    assert [e.path for e in recorded_exchanges] == ["/v2/enqueue"] * 3 + ["/v2/change/enqueue", "/v2/enqueue"]
