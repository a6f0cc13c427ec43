"""People and on-call over the API: writes show up in later reads, and the three on-call views agree."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pagerduty
import pytest

from pagerduty_mcp.sandbox import Sandbox
from tests.sandbox.conftest import FIXED_NOW

pytestmark = [pytest.mark.unit, pytest.mark.sandbox]


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def user_ids(api: pagerduty.RestApiV2Client, count: int) -> list[str]:
    return [u["id"] for u in api.list_all("/users")][:count]


def make_schedule(api: pagerduty.RestApiV2Client, members: list[str], **layer: Any) -> dict[str, Any]:
    """A schedule with one layer; ``layer`` overrides the defaults (daily turns from Mar 16 09:00 Berlin)."""
    base = {
        "name": "Layer",
        "start": "2026-03-16T09:00:00+01:00",
        "rotation_virtual_start": "2026-03-16T09:00:00+01:00",
        "rotation_turn_length_seconds": 86400,
        "users": [{"user": {"id": u, "type": "user_reference"}} for u in members],
    }
    base.update(layer)
    return api.rpost(
        "/schedules",
        json={"type": "schedule", "name": "Test rotation", "time_zone": "Europe/Berlin", "schedule_layers": [base]},
    )


def make_policy(api: pagerduty.RestApiV2Client, schedule_id: str, name: str = "Test policy") -> dict[str, Any]:
    return api.rpost(
        "/escalation_policies",
        json={
            "type": "escalation_policy",
            "name": name,
            "escalation_rules": [
                {"escalation_delay_in_minutes": 30, "targets": [{"id": schedule_id, "type": "schedule_reference"}]}
            ],
        },
        headers={"From": "alex.rivera@acme-shop.example"},
    )


def final_entries(
    api: pagerduty.RestApiV2Client, schedule_id: str, since: str, until: str
) -> list[tuple[str, str, str]]:
    schedule = api.rget(f"/schedules/{schedule_id}", params={"since": since, "until": until, "time_zone": "UTC"})
    return [
        (e["user"]["id"], z(e["start"]), z(e["end"])) for e in schedule["final_schedule"]["rendered_schedule_entries"]
    ]


def z(text: str) -> str:
    """An ISO time in UTC written with Z, whatever offset the API used."""
    return iso(parse(text))


def test_current_user_is_on_call_now(sandbox: Sandbox, api: pagerduty.RestApiV2Client) -> None:
    oncalls = api.list_all("/oncalls", params={"user_ids[]": [sandbox.current_user_id]})
    assert any(o["schedule"] is not None and o["escalation_level"] == 1 for o in oncalls)


def test_a_schedule_renders_the_hand_worked_rotation(api: pagerduty.RestApiV2Client) -> None:
    a, b, c = user_ids(api, 3)
    schedule = make_schedule(api, [a, b, c])
    got = final_entries(api, schedule["id"], "2026-03-17T00:00:00Z", "2026-03-19T00:00:00Z")
    assert got == [
        (a, "2026-03-17T00:00:00Z", "2026-03-17T08:00:00Z"),  # turn 0 (Mar 16 09:00 CET) is a's
        (b, "2026-03-17T08:00:00Z", "2026-03-18T08:00:00Z"),
        (c, "2026-03-18T08:00:00Z", "2026-03-19T00:00:00Z"),
    ]


def test_override_changes_final_schedule_oncalls_and_users(api: pagerduty.RestApiV2Client) -> None:
    a, b, c, d = user_ids(api, 4)
    schedule = make_schedule(api, [a, b, c])
    policy = make_policy(api, schedule["id"])
    since, until = "2026-03-23T12:00:00Z", "2026-03-23T13:00:00Z"  # Mar 23 is turn 7: b's
    assert final_entries(api, schedule["id"], since, until) == [(b, since, until)]
    result = api.post(
        f"/schedules/{schedule['id']}/overrides",
        json={"overrides": [{"start": since, "end": until, "user": {"id": d, "type": "user_reference"}}]},
    )
    assert result.status_code == 201 and result.json()[0]["status"] == 201
    assert final_entries(api, schedule["id"], since, until) == [(d, since, until)]
    oncalls = api.list_all(
        "/oncalls", params={"escalation_policy_ids[]": [policy["id"]], "since": "2026-03-23T12:30:00Z"}
    )
    assert [(o["user"]["id"], o["start"], o["end"]) for o in oncalls] == [
        (d, "2026-03-23T08:00:00-04:00", "2026-03-23T09:00:00-04:00")  # account time zone: New York
    ]
    users = api.rget(f"/schedules/{schedule['id']}/users", params={"since": since, "until": until})
    assert [u["id"] for u in users] == [d]
    override_id = result.json()[0]["override"]["id"]
    assert api.delete(f"/schedules/{schedule['id']}/overrides/{override_id}").status_code == 204
    assert final_entries(api, schedule["id"], since, until) == [(b, since, until)]


def test_deleting_an_override_in_progress_ends_it_now(sandbox: Sandbox, api: pagerduty.RestApiV2Client) -> None:
    a, b = user_ids(api, 2)
    schedule = make_schedule(api, [a])
    start, end = FIXED_NOW - timedelta(hours=1), FIXED_NOW + timedelta(hours=1)
    created = api.post(
        f"/schedules/{schedule['id']}/overrides",
        json={"overrides": [{"start": iso(start), "end": iso(end), "user": {"id": b, "type": "user_reference"}}]},
    ).json()[0]["override"]
    assert api.delete(f"/schedules/{schedule['id']}/overrides/{created['id']}").status_code == 200
    left = api.rget(
        f"/schedules/{schedule['id']}/overrides", params={"since": iso(start), "until": iso(end + timedelta(hours=1))}
    )
    assert [o["id"] for o in left] == [created["id"]]
    cut = parse(left[0]["end"])
    assert FIXED_NOW <= cut <= sandbox.state.clock()


def test_oncalls_final_schedule_and_schedule_users_agree_on_the_seed(api: pagerduty.RestApiV2Client) -> None:
    since, until = FIXED_NOW, FIXED_NOW + timedelta(days=7)
    for schedule in api.list_all("/schedules"):
        entries = final_entries(api, schedule["id"], iso(since), iso(until))
        from_final = {user for user, _, _ in entries}
        users = api.rget(f"/schedules/{schedule['id']}/users", params={"since": iso(since), "until": iso(until)})
        assert {u["id"] for u in users} == from_final
        oncalls = api.list_all(
            "/oncalls",
            params={"schedule_ids[]": [schedule["id"]], "since": iso(since), "until": iso(until), "time_zone": "UTC"},
        )
        assert oncalls, schedule["name"]
        assert {o["user"]["id"] for o in oncalls} == from_final
        # every final-schedule entry is inside an on-call shift of the same user
        for user, start, end in entries:
            assert any(
                o["user"]["id"] == user and parse(o["start"]) <= parse(start) and parse(end) <= parse(o["end"])
                for o in oncalls
            ), (schedule["name"], user, start, end)


def test_oncalls_report_whole_shifts_and_earliest(api: pagerduty.RestApiV2Client) -> None:
    a, b = user_ids(api, 2)
    schedule = make_schedule(api, [a, b])
    policy = make_policy(api, schedule["id"])
    now_shift = api.list_all("/oncalls", params={"escalation_policy_ids[]": [policy["id"]], "time_zone": "UTC"})
    # now (Mar 23 10:17Z) is inside the turn that started Mar 23 08:00Z (09:00 CET)
    assert [(o["user"]["id"], z(o["start"]), z(o["end"])) for o in now_shift] == [
        (b, "2026-03-23T08:00:00Z", "2026-03-24T08:00:00Z")
    ]
    week = api.list_all(
        "/oncalls",
        params={
            "escalation_policy_ids[]": [policy["id"]],
            "since": "2026-03-23T10:17:00Z",
            "until": "2026-03-27T10:17:00Z",
            "time_zone": "UTC",
        },
    )
    assert [o["user"]["id"] for o in week] == [b, a, b, a, b]
    earliest = api.list_all(
        "/oncalls",
        params={
            "escalation_policy_ids[]": [policy["id"]],
            "since": "2026-03-23T10:17:00Z",
            "until": "2026-03-27T10:17:00Z",
            "earliest": "true",
        },
    )
    assert [o["user"]["id"] for o in earliest] == [b, a]


def test_oncalls_range_is_limited_to_90_days(api: pagerduty.RestApiV2Client) -> None:
    response = api.get("/oncalls", params={"since": "2026-01-01T00:00:00Z", "until": "2026-06-01T00:00:00Z"})
    assert response.status_code == 400


def test_schedule_update_replaces_layers(api: pagerduty.RestApiV2Client) -> None:
    a, b = user_ids(api, 2)
    schedule = make_schedule(api, [a])
    layer = dict(schedule["schedule_layers"][0])
    layer["users"] = [{"user": {"id": b, "type": "user_reference"}}]
    api.rput(
        f"/schedules/{schedule['id']}",
        json={"type": "schedule", "time_zone": "Europe/Berlin", "schedule_layers": [layer]},
    )
    assert final_entries(api, schedule["id"], "2026-03-20T00:00:00Z", "2026-03-21T00:00:00Z") == [
        (b, "2026-03-20T00:00:00Z", "2026-03-21T00:00:00Z")
    ]
    updated = api.rget(f"/schedules/{schedule['id']}")
    assert updated["schedule_layers"][0]["id"] == layer["id"]


@pytest.mark.parametrize(
    "layer",
    [
        {"rotation_turn_length_seconds": 0},
        {"users": []},
        {"restrictions": [{"type": "daily_restriction", "start_time_of_day": "25:00:00", "duration_seconds": 60}]},
        {"restrictions": [{"type": "weekly_restriction", "start_time_of_day": "09:00:00", "duration_seconds": 60}]},
        {"start": "not a time"},
    ],
)
def test_invalid_schedule_layers_are_rejected(api: pagerduty.RestApiV2Client, layer: dict[str, Any]) -> None:
    users = user_ids(api, 1)
    with pytest.raises(pagerduty.HttpError) as failure:
        make_schedule(api, users, **layer)
    assert failure.value.response.status_code == 400
    assert failure.value.response.json()["error"]["errors"]


def test_team_membership_roles_persist(api: pagerduty.RestApiV2Client) -> None:
    team = api.rpost("/teams", json={"type": "team", "name": "Observability"})
    (user,) = user_ids(api, 1)
    assert api.put(f"/teams/{team['id']}/users/{user}", json={"role": "responder"}).status_code == 204
    assert api.put(f"/teams/{team['id']}/users/{user}", json={"role": "manager"}).status_code == 204
    assert [(m["user"]["id"], m["role"]) for m in api.list_all(f"/teams/{team['id']}/members")] == [(user, "manager")]
    assert team["id"] in {t["id"] for t in api.rget(f"/users/{user}")["teams"]}
    assert [u["id"] for u in api.list_all("/users", params={"team_ids[]": [team["id"]]})] == [user]
    bad_role = api.put(f"/teams/{team['id']}/users/{user}", json={"role": "owner"})
    assert bad_role.status_code == 400
    assert api.delete(f"/teams/{team['id']}/users/{user}").status_code == 204
    assert api.list_all(f"/teams/{team['id']}/members") == []


def test_team_rename_and_delete(api: pagerduty.RestApiV2Client) -> None:
    checkout = next(t for t in api.list_all("/teams") if t["name"] == "Checkout")
    api.rput(f"/teams/{checkout['id']}", json={"type": "team", "name": "Checkout & Cart"})
    services = [s for s in api.list_all("/services") if any(t["id"] == checkout["id"] for t in s["teams"])]
    assert services and all(
        t["summary"] == "Checkout & Cart" for s in services for t in s["teams"] if t["id"] == checkout["id"]
    )
    duplicate = api.post("/teams", json={"team": {"type": "team", "name": "checkout & cart"}})
    assert duplicate.status_code == 400
    assert api.delete(f"/teams/{checkout['id']}").status_code == 204
    assert api.get(f"/teams/{checkout['id']}").status_code == 404
    assert all(t["id"] != checkout["id"] for s in api.list_all("/services") for t in s["teams"])


def test_escalation_policy_from_is_optional_but_checked_and_update_persists(
    api: pagerduty.RestApiV2Client,
) -> None:
    schedule = make_schedule(api, user_ids(api, 1))
    body = {
        "escalation_policy": {
            "type": "escalation_policy",
            "name": "Needs From",
            "escalation_rules": [
                {"escalation_delay_in_minutes": 5, "targets": [{"id": schedule["id"], "type": "schedule_reference"}]}
            ],
        }
    }
    unknown = api.post("/escalation_policies", json=body, headers={"From": "nobody@example.com"})
    assert unknown.status_code == 400
    assert "nobody@example.com" in unknown.json()["error"]["errors"][0]
    without = api.post("/escalation_policies", json=body)
    assert without.status_code == 201
    policy = make_policy(api, schedule["id"], name="Has From")
    api.rput(f"/escalation_policies/{policy['id']}", json={"name": "Has From (renamed)", "num_loops": 3})
    again = api.rget(f"/escalation_policies/{policy['id']}")
    assert (again["name"], again["num_loops"]) == ("Has From (renamed)", 3)
    found = api.list_all("/escalation_policies", params={"query": "renamed"})
    assert [p["id"] for p in found] == [policy["id"]]


def test_escalation_policy_filters(sandbox: Sandbox, api: pagerduty.RestApiV2Client) -> None:
    mine = api.list_all("/escalation_policies", params={"user_ids[]": [sandbox.current_user_id]})
    assert {p["name"] for p in mine} >= {"Checkout Escalation"}
    platform = next(t for t in api.list_all("/teams") if t["name"] == "Platform")
    by_team = api.list_all("/escalation_policies", params={"team_ids[]": [platform["id"]]})
    assert [p["name"] for p in by_team] == ["Platform Escalation"]


def test_user_includes_and_sub_resources(sandbox: Sandbox, api: pagerduty.RestApiV2Client) -> None:
    user = api.rget(f"/users/{sandbox.current_user_id}", params={"include[]": ["contact_methods"]})
    assert all("address" in method for method in user["contact_methods"])
    rules = api.rget(f"/users/{sandbox.current_user_id}/notification_rules")
    assert rules and {r["urgency"] for r in rules} == {"high"}
    assert api.get("/users", params={"include[]": "nonsense"}).status_code == 400
