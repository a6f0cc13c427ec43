"""User administration, policy deletion, responder metrics and on-call pay on pagerduty-people,
through a real MCP client against the sandbox: each write followed by the read that shows it."""

from __future__ import annotations

import pytest
from mcp import Client

from pagerduty_mcp.common.toolkit.scopes_by_tool import tool_scopes
from pagerduty_mcp.sandbox.model.users import teams_of
from pagerduty_mcp.servers.people.tools import get_oncall_compensation, get_responder_metrics
from tests.harness import fails, first, ok
from tests.servers.people.seeded import named
from tests.servers.people.test_writes import record_bodies

pytestmark = [pytest.mark.people, pytest.mark.anyio, pytest.mark.server("people", write=True)]


def state_of(client: Client):  # type: ignore[no-untyped-def]
    return client.sandbox.state  # type: ignore[attr-defined]


async def test_create_update_and_delete_a_user(client: Client) -> None:
    created = first(
        await ok(
            client,
            "create_user",
            {
                "name": "Grace Hopper",
                "email": "grace@acme-shop.example",
                "role": "limited_user",
                "time_zone": "Asia/Tokyo",
            },
        )
    )
    assert (created["role"], created["time_zone"]) == ("limited_user", "Asia/Tokyo")
    again = await fails(
        client, "create_user", {"name": "Grace", "email": "grace@acme-shop.example"}, "INVALID_PARAMETER"
    )
    assert "already been taken" in again["message"]
    seen = record_bodies(client)
    await ok(client, "update_user", {"user_id": "Grace Hopper", "time_zone": "Europe/Lisbon"})  # by name
    put = next(e for e in seen if e.method == "PUT")
    sent = put.request_body["user"]
    assert sent["time_zone"] == "Europe/Lisbon" and "role" not in sent  # only what was given (+ required name/email)
    shown = first(await ok(client, "get_user", {"user_id": created["id"]}))
    assert (shown["time_zone"], shown["role"], shown["name"]) == ("Europe/Lisbon", "limited_user", "Grace Hopper")
    await fails(client, "update_user", {"user_id": created["id"]}, "INVALID_PARAMETER")
    await fails(client, "update_user", {"user_id": created["id"], "time_zone": "Mars/Base"}, "INVALID_PARAMETER")
    gone = await ok(client, "delete_user", {"user_id": "grace@acme-shop.example"})  # by email
    assert gone["metadata"]["deleted"] is True and first(gone)["name"] == "Grace Hopper"
    await fails(client, "get_user", {"user_id": created["id"]}, "USER_NOT_FOUND")
    await fails(client, "delete_user", {"user_id": "PNOPE00"}, "USER_NOT_FOUND")


async def test_delete_user_refuses_with_the_reason_that_blocks(client: Client) -> None:
    state = state_of(client)
    incident = next(i for i in reversed(state.incidents()) if i["status"] != "resolved" and i["assignments"])
    busy = incident["assignments"][0]["assignee"]["id"]
    error = await fails(client, "delete_user", {"user_id": busy}, "CONFLICT")
    assert "open incident" in error["message"] and f"#{incident['incident_number']}" in error["message"]
    assert "Next:" in error["message"]
    # Named from our own read too, whatever PagerDuty's wording: ids to act on.
    assert incident["id"] in {i["id"] for i in error["details"]["open_incidents"]}
    await ok(client, "get_user", {"user_id": busy})  # still there
    solo = first(await ok(client, "create_user", {"name": "Solo Target", "email": "solo@acme-shop.example"}))
    await ok(
        client,
        "create_escalation_policy",
        {"name": "Solo EP", "levels": [{"delay_minutes": 5, "user_ids": [solo["id"]]}]},
    )
    error = await fails(client, "delete_user", {"user_id": "Solo Target"}, "CONFLICT")
    assert "Solo EP (level 1)" in error["message"]


async def test_delete_escalation_policy_refuses_while_services_use_it(client: Client) -> None:
    state = state_of(client)
    policy = named(client, "escalation_policies", "Database Escalation")
    users = sorted(s["name"] for s in state.all("services") if s["escalation_policy"]["id"] == policy)
    assert users
    error = await fails(client, "delete_escalation_policy", {"escalation_policy_id": "Database Escalation"}, "CONFLICT")
    assert all(name in error["message"] for name in users[:3]) and "update_service" in error["message"]
    await ok(client, "get_escalation_policy", {"escalation_policy_id": policy})
    me = state.current_user_id
    spare = first(
        await ok(
            client,
            "create_escalation_policy",
            {"name": "Spare EP", "levels": [{"delay_minutes": 5, "user_ids": [me]}]},
        )
    )
    deleted = await ok(client, "delete_escalation_policy", {"escalation_policy_id": "Spare EP"})
    assert deleted["metadata"]["deleted"] is True
    await fails(client, "get_escalation_policy", {"escalation_policy_id": spare["id"]}, "ESCALATION_POLICY_NOT_FOUND")
    await fails(client, "delete_escalation_policy", {"escalation_policy_id": "PNOPE00"}, "ESCALATION_POLICY_NOT_FOUND")


async def test_list_users_scope_my_teams_lists_only_teammates(client: Client) -> None:
    state = state_of(client)
    mine = set(teams_of(state, state.current_user_id))
    teammates = await ok(client, "list_users", {"scope": "my_teams", "limit": 100})
    everyone = await ok(client, "list_users", {"limit": 100})
    assert teammates["users"] and len(teammates["users"]) < len(everyone["users"])
    assert all(mine & {t["id"] for t in u["teams"]} for u in teammates["users"])
    await fails(client, "list_users", {"scope": "my_teams", "team_ids": [next(iter(mine))]}, "INVALID_PARAMETER")


async def test_responder_metrics_per_responder_by_name(client: Client) -> None:
    answer = await ok(client, "get_responder_metrics", {"since": "30d"})
    rows = answer["responders"]
    assert rows and answer["metadata"]["all_responders"]["interruptions"] > 0
    for row in rows:
        bands = sum(row.get(k, 0) for k in ("business_hours", "off_hours", "sleep_hours"))
        assert bands == row.get("interruptions", 0) and row["team"]["name"]
    busiest = rows[0]["responder"]
    only = await ok(client, "get_responder_metrics", {"since": "30d", "user_ids": [busiest["name"]]})
    assert {r["responder"]["id"] for r in only["responders"]} == {busiest["id"]}
    team = rows[0]["team"]
    by_team = await ok(client, "get_responder_metrics", {"since": "30d", "team_ids": [team["name"]]})
    assert {r["team"]["id"] for r in by_team["responders"]} == {team["id"]}
    await fails(client, "get_responder_metrics", {"user_ids": ["Nobody Atall"]}, "USER_NOT_FOUND")


def _daily_schedule(user: str) -> dict:
    """One person on call 08:00-22:00 UTC every day from 1 January 2026."""
    return {
        "name": f"Pay {user}",
        "time_zone": "UTC",
        "layers": [
            {
                "users": [user],
                "rotation_hours": 24,
                "start": "2026-01-01T00:00:00Z",
                "restrictions": [{"type": "daily", "start": "08:00", "hours": 14}],
            }
        ],
    }


async def test_oncall_compensation_on_each_persons_clock(client: Client) -> None:
    tokyo = first(
        await ok(
            client,
            "create_user",
            {"name": "Kenji Sato", "email": "kenji@acme-shop.example", "time_zone": "Asia/Tokyo"},
        )
    )
    schedule = first(await ok(client, "create_schedule", _daily_schedule(tokyo["id"])))
    week = {"since": "2026-01-05T00:00:00Z", "until": "2026-01-12T00:00:00Z"}  # Monday to Monday
    rates = {"rates": [1, 2, 3, 5], "currency": "JPY"}
    answer = await ok(client, "get_oncall_compensation", {**week, **rates, "schedule_id": schedule["name"]})
    row = first(answer)
    assert row["user"]["name"] == "Kenji Sato" and row["time_zone"] == "Asia/Tokyo"
    # 08:00-22:00 UTC is 17:00-07:00 in Tokyo: 1 h of each weekday afternoon is weekday time.
    # No holiday: a band with no hours is left out, the total says them all.
    assert row["hours"] == {"weekday": 5, "weeknight": 65, "weekend": 28, "total": 98}
    assert row["pay"] == {"weekday": 5 * 1, "weeknight": 65 * 2, "weekend": 28 * 3, "total": 5 * 1 + 65 * 2 + 28 * 3}
    assert answer["metadata"]["currency"] == "JPY"
    assert answer["metadata"]["rates"] == {"weekday": 1, "weeknight": 2, "weekend": 3, "holiday": 5}
    rests = row["flags"]["short_rests"]
    assert len(rests) == 6 and all(f["hours"] == 10 for f in rests)
    # A rest is told on the person's clock: from 07:00 in Tokyo, for 10 hours (until 17:00).
    assert all(f["from"].endswith("T07:00:00+09:00") for f in rests)
    assert row["flags"]["over_week"]["hours"] == 98
    holiday = await ok(
        client,
        "get_oncall_compensation",
        {
            **week,
            **rates,
            "user_ids": ["Kenji Sato"],
            "schedule_id": schedule["id"],
            "holidays": ["2026-01-06"],
            "min_rest_hours": 9,
            "max_week_hours": 100,
        },
    )
    row = first(holiday)
    # Tuesday 6 January in Tokyo: 00:00-07:00 and 17:00-24:00 on call.
    assert row["hours"]["holiday"] == 14 and row["hours"]["weeknight"] == 65 - 13
    assert "flags" not in row  # thresholds changed: a 10 h rest and a 98 h week are within them
    hours_only = await ok(client, "get_oncall_compensation", {**week, "schedule_id": schedule["id"]})
    assert "no rates given" in hours_only["metadata"]["description"] and "rates" not in hours_only["metadata"]
    assert first(hours_only)["hours"]["total"] == 98 and "pay" not in first(hours_only)
    await fails(client, "get_oncall_compensation", {**week, "team_id": "PNOPE00"}, "TEAM_NOT_FOUND")
    await fails(client, "get_oncall_compensation", {**week, "rates": [1, 2, 3]}, "INVALID_PARAMETER")


async def test_pay_and_metrics_ask_for_the_oauth_scopes_their_reads_need() -> None:
    assert {"oncalls.read", "users.read", "schedules.read"} <= set(tool_scopes(get_oncall_compensation))
    assert set(tool_scopes(get_responder_metrics)) == {"analytics.write"}  # what PagerDuty's analytics require


def test_a_refusal_in_other_words_still_names_the_open_incidents_before_next() -> None:
    from pagerduty_mcp.common import ToolFailure
    from pagerduty_mcp.common.hosting.upstream import sandbox_pool
    from pagerduty_mcp.sandbox import Sandbox
    from pagerduty_mcp.servers.people.models import UserSummary
    from pagerduty_mcp.servers.people.tools.users import _name_open_incidents

    box = Sandbox()
    incident = next(i for i in reversed(box.state.incidents()) if i["status"] != "resolved" and i["assignments"])
    busy = box.state.get("users", incident["assignments"][0]["assignee"]["id"])
    refusal = ToolFailure("CONFLICT", "PagerDuty will not delete user X: not allowed. Next: reassign, then retry.")
    _name_open_incidents(sandbox_pool(box).get(), UserSummary.from_api(busy), refusal)
    said, _, next_step = refusal.message.partition(" Next: ")
    assert f"#{incident['incident_number']}" in said and f"assigned to {busy['name']}" in said
    assert next_step == "reassign, then retry."
    assert incident["id"] in {i["id"] for i in refusal.details["open_incidents"]}
