"""Every pagerduty-people tool against the sandbox, with each exchange checked against PagerDuty's spec.

The ``recorded_exchanges`` fixture records every request the tools send (and every answer) and
validates them at teardown, so the bodies our writes build (overrides, layers, rules, partial
updates) are held to the spec, not only to the sandbox.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from mcp import Client

from tests.contract.recorder import Exchange, RecordingSandbox, assert_follows_spec
from tests.contract.test_notification_routes import KNOWN_DEVIATIONS as HANDOFF_DEVIATIONS
from tests.contract.test_user_admin_routes import KNOWN_DEVIATIONS
from tests.harness import fails, first, ok

pytestmark = [pytest.mark.contract, pytest.mark.people, pytest.mark.anyio, pytest.mark.server("people")]


def named(client: Client, kind: str, name: str) -> str:
    state = client.sandbox.state  # type: ignore[attr-defined]
    return next(o["id"] for o in state.all(kind) if o.get("name") == name)


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.mark.server("people", write=False)
async def test_people_reads_follow_the_spec(recorded_exchanges: list[Exchange], client: Client) -> None:
    database = named(client, "teams", "Database")
    schedule = named(client, "schedules", "Database On-Call")
    policy = named(client, "escalation_policies", "Database Escalation")
    noah = named(client, "users", "Noah Kim")
    await ok(client, "get_user_data")
    await ok(client, "list_users", {"query": "a", "team_ids": [database], "limit": 2})
    await ok(client, "get_user", {"user_id": noah})
    await ok(client, "list_teams", {"query": "a"})
    await ok(client, "list_teams", {"scope": "my_teams"})
    await ok(client, "get_team", {"team_id": database})
    await ok(client, "list_team_members", {"team_id": database, "limit": 2})
    await ok(client, "list_schedules", {"query": "on"})
    await ok(client, "get_schedule", {"schedule_id": schedule})
    await ok(client, "list_schedule_users", {"schedule_id": schedule})
    await ok(client, "list_schedule_overrides", {"schedule_id": schedule})
    await ok(client, "list_oncalls", {"team_ids": [database]})
    await ok(client, "list_oncalls", {"service_ids": [named(client, "services", "Orders DB")], "user_ids": [noah]})
    now = datetime.now(UTC)
    window = {"since": stamp(now), "until": stamp(now + timedelta(days=3))}
    await ok(client, "list_oncalls", {"schedule_ids": [schedule], "earliest": True, **window})
    await ok(client, "list_oncalls", {"scope": "assigned_to_me", **window})
    await ok(client, "list_escalation_policies", {"query": "a", "user_ids": [noah], "team_ids": [database]})
    await ok(client, "get_escalation_policy", {"escalation_policy_id": policy})
    await ok(client, "get_oncall_load", {"team_id": database})
    await ok(client, "get_oncall_load", {"schedule_ids": [schedule], "user_ids": [noah], "count_incidents": False})
    await ok(client, "find_coverage_gaps", {"schedule_id": schedule})
    await ok(client, "find_coverage_gaps", {"escalation_policy_id": policy})
    await ok(client, "list_users", {"scope": "my_teams"})
    await ok(
        client,
        "get_oncall_compensation",
        {"team_id": database, "rates": [1, 2, 3, 4], "holidays": [stamp(now)[:10]]},
    )
    await client.read_resource("pagerduty://people/me")
    await client.get_prompt("oncall_handoff", {"team_id": database})
    assert len(recorded_exchanges) > 25


async def test_people_writes_follow_the_spec(recorded_exchanges: list[Exchange], client: Client) -> None:
    noah = named(client, "users", "Noah Kim")
    liam = named(client, "users", "Liam O'Connor")
    team = first(await ok(client, "create_team", {"name": "Contract Team", "description": "checked"}))
    await ok(client, "update_team", {"team_id": team["id"], "name": "Contract Team 2"})
    await ok(client, "add_team_member", {"team_id": team["id"], "user_id": noah, "role": "manager"})
    await ok(client, "remove_team_member", {"team_id": team["id"], "user_id": noah})
    start = datetime.now(UTC).replace(microsecond=0, second=0, minute=0) + timedelta(days=2)
    layers = [
        {"users": [noah, liam], "rotation_hours": 24, "start": stamp(start)},
        {
            "name": "Weekend",
            "users": [liam],
            "rotation_hours": 168,
            "start": stamp(start),
            "end": stamp(start + timedelta(days=60)),
            "restrictions": [
                {"type": "weekly", "day": 6, "start": "00:00", "hours": 48},
                {"type": "daily", "start": "08:00", "hours": 2},
            ],
        },
    ]
    schedule = first(
        await ok(
            client,
            "create_schedule",
            {"name": "Contract", "time_zone": "Europe/Dublin", "layers": layers, "team_ids": [team["id"]]},
        )
    )
    await ok(client, "update_schedule", {"schedule_id": schedule["id"], "description": "partial"})
    await ok(client, "update_schedule", {"schedule_id": schedule["id"], "layers": layers[:1], "time_zone": "UTC"})
    overrides = [
        {"user_id": liam, "start": stamp(start), "end": stamp(start + timedelta(hours=4))},
        {"user_id": noah, "start": stamp(start + timedelta(hours=4)), "end": stamp(start + timedelta(hours=8))},
    ]
    created = await ok(client, "create_schedule_override", {"schedule_id": schedule["id"], "overrides": overrides})
    await ok(
        client,
        "delete_schedule_override",
        {"schedule_id": schedule["id"], "override_id": created["overrides"][0]["id"]},
    )
    levels = [{"delay_minutes": 10, "schedule_ids": [schedule["id"]]}, {"delay_minutes": 5, "user_ids": [noah]}]
    policy = first(
        await ok(
            client,
            "create_escalation_policy",
            {"name": "Contract EP", "levels": levels, "num_loops": 1, "team_ids": [team["id"]], "description": "d"},
        )
    )
    await ok(client, "update_escalation_policy", {"escalation_policy_id": policy["id"], "num_loops": 2})
    await ok(client, "update_escalation_policy", {"escalation_policy_id": policy["id"], "levels": levels[1:]})
    await ok(client, "delete_team", {"team_id": team["id"]})
    methods = {(e.method, e.status) for e in recorded_exchanges}
    assert {("POST", 201), ("PUT", 200), ("PUT", 204), ("DELETE", 204), ("GET", 200)} <= methods


async def test_shift_based_schedules_follow_the_spec(recorded_exchanges: list[Exchange], client: Client) -> None:
    """Both schedule kinds through the same tools, with every v3 request and answer checked."""
    shifts = named(client, "schedules", "Personalization Shifts")
    emma, ravi = named(client, "users", "Emma Dubois"), named(client, "users", "Ravi Kapoor")
    now = datetime.now(UTC).replace(microsecond=0, second=0, minute=0)
    window = {"since": stamp(now), "until": stamp(now + timedelta(days=7))}
    await ok(client, "list_schedules", {"team_ids": [named(client, "teams", "Personalization")]})
    await ok(client, "list_schedules", {"user_ids": [ravi], "query": "s"})
    await ok(client, "list_schedules", {"scope": "assigned_to_me"})
    await ok(client, "get_schedule", {"schedule_id": shifts, **window})
    await ok(client, "get_schedule", {"schedule_id": "Personalization Shifts"})
    await ok(client, "list_schedule_overrides", {"schedule_id": shifts})
    await ok(client, "list_oncalls", {"schedule_ids": [shifts], "time_zone": "Asia/Tokyo", **window})
    await ok(client, "get_oncall_load", {"since": "7d", "count_incidents": False})
    await ok(client, "find_coverage_gaps", {"schedule_id": shifts, **window})
    await client.call_tool("delete_schedule", {"schedule_id": shifts})  # refused: a policy uses it
    await client.call_tool("delete_schedule", {"schedule_id": named(client, "schedules", "Database On-Call")})
    schedule = first(
        await ok(client, "create_schedule", {"name": "Contract shifts", "time_zone": "UTC", "kind": "shifts"})
    )
    day = now + timedelta(days=1)
    event = {"users": [emma, ravi], "start": stamp(day), "end": stamp(day + timedelta(hours=8)), "repeat": "weekdays"}
    every = {**event, "start": stamp(day + timedelta(hours=9)), "end": stamp(day + timedelta(hours=10))}
    every.update(all_at_once=True, repeat="FREQ=DAILY", until=stamp(day + timedelta(days=30)))
    made = await ok(client, "create_schedule_rotation", {"schedule_id": schedule["id"], "events": [event, every]})
    await client.call_tool(  # a user that does not exist: PagerDuty's v3 400, then the rotation is removed
        "create_schedule_rotation", {"schedule_id": schedule["id"], "events": [{**event, "users": ["PGHOST1"]}]}
    )
    custom = {"user_id": emma, "start": stamp(day + timedelta(hours=12)), "end": stamp(day + timedelta(hours=14))}
    shift = first(
        await ok(client, "create_schedule_custom_shifts", {"schedule_id": schedule["id"], "shifts": [custom]})
    )
    cover = {"user_id": ravi, "start": stamp(day), "end": stamp(day + timedelta(hours=2))}
    override = first(
        await ok(client, "create_schedule_override", {"schedule_id": schedule["id"], "overrides": [cover]})
    )
    # Edits in place: an event added to the rotation, changed, removed; the custom shift and override changed.
    rotation_id = made["metadata"]["rotation_id"]
    extra = {**event, "start": stamp(day + timedelta(hours=20)), "end": stamp(day + timedelta(hours=22))}
    edits = {"schedule_id": schedule["id"], "action": "add", "item_id": rotation_id, "fields": extra}
    added = first(await ok(client, "manage_schedule_shifts", edits))
    change = {"users": [ravi], "repeat": "weekly", "until": stamp(day + timedelta(days=60))}
    edits = {"schedule_id": schedule["id"], "action": "update", "item_id": added["id"], "fields": change}
    await ok(client, "manage_schedule_shifts", edits)
    await ok(
        client, "manage_schedule_shifts", {"schedule_id": schedule["id"], "action": "delete", "item_id": added["id"]}
    )
    later = {"end": stamp(day + timedelta(hours=15)), "user_id": ravi}
    edits = {"schedule_id": schedule["id"], "action": "update", "item_id": shift["id"], "fields": later}
    await ok(client, "manage_schedule_shifts", edits)
    edits = {"schedule_id": schedule["id"], "action": "update", "item_id": override["id"], "fields": {"user_id": emma}}
    await ok(client, "manage_schedule_shifts", edits)
    await ok(client, "delete_schedule_override", {"schedule_id": schedule["id"], "override_id": override["id"]})
    await ok(client, "delete_schedule_custom_shift", {"schedule_id": schedule["id"], "custom_shift_id": shift["id"]})
    await ok(
        client, "update_schedule", {"schedule_id": schedule["id"], "name": "Contract shifts 2", "time_zone": "UTC"}
    )
    await ok(client, "delete_schedule_rotation", {"schedule_id": schedule["id"], "rotation_id": rotation_id})
    await ok(client, "delete_schedule", {"schedule_id": schedule["id"]})
    paths = {e.path.split("?")[0] for e in recorded_exchanges}
    assert any(p.startswith("/v3/schedules/") and p.endswith("/events") for p in paths)
    assert {e.method for e in recorded_exchanges if "/events/" in e.path} == {"PUT", "DELETE"}
    assert {e.method for e in recorded_exchanges if "/custom_shifts/" in e.path} >= {"PUT", "DELETE"}
    assert ("DELETE", 400) in {(e.method, e.status) for e in recorded_exchanges}


@pytest.mark.server("people", write=True, sandbox=RecordingSandbox())
async def test_how_a_person_is_paged_follows_the_spec(rest_spec: object, client: Client) -> None:
    noah = named(client, "users", "Noah Kim")
    tool = "manage_user_notifications"
    phone = {"type": "phone", "address": "+44 20 7946 0958", "label": "Desk"}
    method = first(await ok(client, tool, {"user_id": noah, "action": "add", "fields": phone}))
    await ok(
        client, tool, {"user_id": noah, "action": "update", "item_id": method["id"], "fields": {"label": "Office"}}
    )
    push = {"type": "push", "address": "token-1", "device_type": "android"}
    await ok(client, tool, {"user_id": noah, "action": "add", "fields": push})
    rule = first(
        await ok(
            client, tool, {"user_id": noah, "action": "add", "fields": {"contact_method": "Office", "urgency": "low"}}
        )
    )
    await ok(client, tool, {"user_id": noah, "action": "update", "item_id": rule["id"], "fields": {"delay_minutes": 3}})
    notice = {"contact_method": method["id"], "handoff": "offcall", "minutes_before": 15}
    handoff = first(await ok(client, tool, {"user_id": noah, "action": "add", "fields": notice}))
    await ok(
        client, tool, {"user_id": noah, "action": "update", "item_id": handoff["id"], "fields": {"handoff": "both"}}
    )
    await ok(client, tool, {"user_id": noah, "action": "delete", "item_id": rule["id"]})
    await ok(client, tool, {"user_id": noah, "action": "delete", "item_id": method["id"]})
    await ok(client, "get_user", {"user_id": noah})
    exchanges: list[Exchange] = client.sandbox.exchanges  # type: ignore[attr-defined]
    assert {e.method for e in exchanges if "/users/" in e.path} == {"GET", "POST", "PUT", "DELETE"}
    assert_follows_spec(exchanges, (*KNOWN_DEVIATIONS, *HANDOFF_DEVIATIONS))


@pytest.mark.server("people", write=False, sandbox=RecordingSandbox())
async def test_responder_metrics_follow_the_spec(rest_spec: object, client: Client) -> None:
    noah = named(client, "users", "Noah Kim")
    await ok(client, "get_responder_metrics", {})
    await ok(client, "get_responder_metrics", {"team_ids": [named(client, "teams", "Database")], "user_ids": [noah]})
    exchanges: list[Exchange] = client.sandbox.exchanges  # type: ignore[attr-defined]
    assert {e.path for e in exchanges} >= {"/analytics/metrics/responders/all", "/analytics/metrics/responders/teams"}
    assert_follows_spec(exchanges, KNOWN_DEVIATIONS)


async def test_user_admin_writes_follow_the_spec(recorded_exchanges: list[Exchange], client: Client) -> None:
    user = first(
        await ok(client, "create_user", {"name": "Spec User", "email": "spec@acme-shop.example", "role": "observer"})
    )
    await ok(client, "update_user", {"user_id": user["id"], "time_zone": "Europe/Paris"})
    await ok(client, "update_user", {"user_id": user["id"], "name": "Spec", "email": "spec2@acme-shop.example"})
    policy = first(
        await ok(
            client,
            "create_escalation_policy",
            {"name": "Spec EP", "levels": [{"delay_minutes": 5, "user_ids": [user["id"]]}]},
        )
    )
    await fails(client, "delete_user", {"user_id": user["id"]}, "CONFLICT")  # the policy's only target
    await ok(client, "delete_escalation_policy", {"escalation_policy_id": policy["id"]})
    await fails(client, "delete_escalation_policy", {"escalation_policy_id": "Database Escalation"}, "CONFLICT")
    await ok(client, "delete_user", {"user_id": user["id"]})
    methods = {(e.method, e.status) for e in recorded_exchanges}
    assert {("POST", 201), ("PUT", 200), ("DELETE", 204), ("DELETE", 400)} <= methods
