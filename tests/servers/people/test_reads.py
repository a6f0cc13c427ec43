"""The read tools of pagerduty-people through a real MCP client on a fresh sandbox."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

import pytest
from mcp import Client

from pagerduty_mcp.common import Credential, Settings
from pagerduty_mcp.common.hosting.upstream import sandbox_pool
from pagerduty_mcp.sandbox import SANDBOX_ACCOUNT_TOKEN
from pagerduty_mcp.sandbox.model import oncall
from pagerduty_mcp.sandbox.model.schedules import render_schedule
from tests.harness import fails, first, ok
from tests.servers.people.seeded import named

pytestmark = [pytest.mark.people, pytest.mark.anyio, pytest.mark.server("people", write=False)]


def use_the_account_level_token(client: Client) -> None:
    settings = Settings(credential=Credential(SANDBOX_ACCOUNT_TOKEN))
    client.server.pool = sandbox_pool(client.sandbox, settings)  # type: ignore[attr-defined,union-attr]


def requests(client: Client) -> list[str]:
    return [f"{r.method} {r.path}" for r in client.sandbox.request_log]  # type: ignore[attr-defined]


# -- users ----------------------------------------------------------------------------------------
async def test_get_user_data_names_the_current_user_with_teams_and_contact_methods(client: Client) -> None:
    client.sandbox.request_log.reset()  # type: ignore[attr-defined]
    user = first(await ok(client, "get_user_data"))
    assert requests(client) == ["GET /users/me"]  # who, and the contact methods, in one
    assert user["email"] == "alex.rivera@acme-shop.example"
    assert {t["name"] for t in user["teams"]} == {"Checkout", "Platform"}
    assert {m["type"] for m in user["contact_methods"]} >= {"email", "phone", "sms"}


async def test_get_user_data_says_plainly_when_the_token_is_account_level(client: Client) -> None:
    use_the_account_level_token(client)
    envelope = await ok(client, "get_user_data")
    assert envelope["users"] == [] and envelope["metadata"]["account_level_token"] is True
    assert "no current user" in envelope["metadata"]["description"]
    assert "PAGERDUTY_USER_EMAIL" in envelope["metadata"]["description"]
    teams = await ok(client, "list_teams", {"scope": "my_teams"})
    assert "account-level" in teams["metadata"]["notes"][0] and teams["metadata"]["count"] == 5


async def test_list_users_filters_by_query_and_team(client: Client) -> None:
    found = await ok(client, "list_users", {"query": "santos"})
    assert [u["name"] for u in found["users"]] == ["Maria Santos"]
    database = named(client, "teams", "Database")
    members = await ok(client, "list_users", {"team_ids": [database]})
    assert {u["name"] for u in members["users"]} == {"Liam O'Connor", "Sofia Rossi", "Noah Kim", "Hannah Schmidt"}


async def test_list_users_reads_every_page_up_to_the_limit(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    state = client.sandbox.state  # type: ignore[attr-defined]
    template = state.all("users")[0]
    for n in range(135):
        clone = copy.deepcopy(template)
        clone.pop("id")
        clone.update(name=f"Zed Extra {n:03d}", email=f"zed{n}@acme-shop.example")
        state.put("users", state.stamp("users", clone, clone["name"]))
    # PagerDuty may answer fewer users per page than asked; the tool must keep going.
    monkeypatch.setattr("pagerduty_mcp.sandbox.protocol.MAX_LIMIT", 25)
    client.sandbox.request_log.reset()  # type: ignore[attr-defined]
    page = await ok(client, "list_users", {"limit": 100})
    assert page["metadata"]["count"] == 100 and page["metadata"]["has_more"] is True
    assert page["metadata"]["next_offset"] == 100 and page["metadata"]["total"] == 150
    assert requests(client).count("GET /users") == 4
    rest = await ok(client, "list_users", {"limit": 100, "offset": 100})
    assert rest["metadata"]["count"] == 50 and rest["metadata"]["has_more"] is False
    assert not {u["id"] for u in page["users"]} & {u["id"] for u in rest["users"]}


async def test_get_user_gives_contact_methods_and_notification_rules(client: Client) -> None:
    noah = named(client, "users", "Noah Kim")
    user = first(await ok(client, "get_user", {"user_id": f"https://acme-shop.pagerduty.com/users/{noah}"}))
    assert user["id"] == noah and user["time_zone"] == "America/Los_Angeles"
    assert {r["urgency"] for r in user["notification_rules"]} == {"high", "low"}
    assert any(r["delay_minutes"] == 5 for r in user["notification_rules"])
    await fails(client, "get_user", {"user_id": "PNOPE00"}, "USER_NOT_FOUND")


@pytest.mark.parametrize("bad", ["", "null"])
async def test_a_malformed_user_id_is_named(client: Client, bad: str) -> None:
    error = await fails(client, "get_user", {"user_id": bad}, "INVALID_PARAMETER")
    assert error["details"]["parameters"] == ["user_id"] and "user_id" in error["message"]


@pytest.mark.parametrize("unknown", ["../users", "Nobody Here", "https://acme-shop.pagerduty.com/incidents"])
async def test_a_value_that_is_no_id_is_looked_up_as_a_name_and_not_found(client: Client, unknown: str) -> None:
    error = await fails(client, "get_user", {"user_id": unknown}, "USER_NOT_FOUND")
    assert error["details"]["parameters"] == ["user_id"] and "list_users" in error["message"]


@pytest.mark.parametrize("name", ["PLATFORM", "DATABASE", "PAYMENTS", "Platform"])
async def test_a_name_in_capitals_shaped_like_an_id_is_found_as_a_name(client: Client, name: str) -> None:
    """Names match in any case; PLATFORM looks like an id, but no object has that id."""
    team = first(await ok(client, "get_team", {"team_id": name}))
    assert team["name"].upper() == name.upper()
    listed = await ok(client, "list_users", {"team_ids": [name]})
    assert listed["users"], listed


async def test_an_id_shaped_value_that_is_neither_id_nor_name_is_not_found(client: Client) -> None:
    error = await fails(client, "get_team", {"team_id": "PLATFORMS"}, "TEAM_NOT_FOUND")
    assert error["details"]["parameters"] == ["team_id"]
    platform = next(t["id"] for t in client.sandbox.state.all("teams") if t["name"] == "Platform")  # type: ignore[attr-defined]
    assert error["details"]["suggestions"][0] == {"id": platform, "name": "Platform"}
    assert f"Closest: Platform ({platform})" in error["message"]


async def test_a_url_on_another_host_is_never_the_objects(client: Client) -> None:
    error = await fails(client, "get_team", {"team_id": "https://evil.example.com/teams/P0Z800L"}, "INVALID_PARAMETER")
    assert "pagerduty.com" in error["message"] and error["details"]["parameters"] == ["team_id"]


# -- teams ----------------------------------------------------------------------------------------
async def test_list_teams_by_query_and_my_teams(client: Client) -> None:
    assert [t["name"] for t in (await ok(client, "list_teams", {"query": "pay"}))["teams"]] == ["Payments"]
    client.server.pool = sandbox_pool(client.sandbox)  # type: ignore[attr-defined,union-attr]  # nothing cached
    client.sandbox.request_log.reset()  # type: ignore[attr-defined]
    mine = await ok(client, "list_teams", {"scope": "my_teams"})
    assert [t["name"] for t in mine["teams"]] == ["Checkout", "Platform"]
    assert requests(client) == ["GET /users/me"]  # the token's user, its teams with it: asked once
    paged = await ok(client, "list_teams", {"limit": 2})
    assert paged["metadata"]["has_more"] is True and paged["metadata"]["next_offset"] == 2
    error = await fails(client, "list_teams", {"scope": "assigned_to_me"}, "INVALID_PARAMETER")
    assert "my_teams" in error["message"] and "all" in error["message"]


async def test_who_else_is_on_the_personalization_team(client: Client) -> None:
    team = first(await ok(client, "list_teams", {"query": "personalization"}))
    detail = first(await ok(client, "get_team", {"team_id": team["id"]}))
    assert {(m["user"]["name"], m["role"]) for m in detail["members"]} == {
        ("Sofia Rossi", "responder"),
        ("Emma Dubois", "responder"),
        ("Ravi Kapoor", "manager"),
    }
    # its own policy and the one of its shift-based schedule
    assert [p["name"] for p in detail["escalation_policies"]] == [
        "Personalization Escalation",
        "Personalization Shifts Escalation",
    ]
    members = await ok(client, "list_team_members", {"team_id": team["id"], "limit": 2})
    assert members["metadata"]["count"] == 2 and members["metadata"]["has_more"] is True
    await fails(client, "get_team", {"team_id": "PNOPE00"}, "TEAM_NOT_FOUND")
    await fails(client, "list_team_members", {"team_id": "null"}, "INVALID_PARAMETER")


# -- schedules ------------------------------------------------------------------------------------
async def test_schedules_list_get_users_and_overrides(client: Client) -> None:
    found = await ok(client, "list_schedules", {"query": "database"})
    schedule = first(found)
    assert schedule["name"] == "Database On-Call" and schedule["time_zone"] == "America/New_York"
    assert [p["name"] for p in schedule["escalation_policies"]] == ["Database Escalation", "Payments Escalation"] or [
        p["name"] for p in schedule["escalation_policies"]
    ] == ["Payments Escalation", "Database Escalation"]
    detail = first(await ok(client, "get_schedule", {"schedule_id": schedule["id"]}))
    assert [layer["name"] for layer in detail["layers"]] == ["Weekly", "Nights"]
    assert detail["layers"][1]["restrictions"] == ["daily 18:00:00 for 14h"]
    shifts = detail["final_schedule"]
    assert shifts and all(a["end"] == b["start"] for a, b in pairwise(shifts))
    assert detail["coverage_percentage"] == 100.0
    users = await ok(client, "list_schedule_users", {"schedule_id": schedule["id"]})
    assert {"Liam O'Connor", "Noah Kim"} <= {u["name"] for u in users["users"]}
    upcoming = await ok(client, "list_schedule_overrides", {"schedule_id": schedule["id"]})
    assert [o["user"]["name"] for o in upcoming["overrides"]] == ["Hannah Schmidt"]
    assert upcoming["overrides"][0]["id"]
    await fails(client, "get_schedule", {"schedule_id": "PNOPE00"}, "SCHEDULE_NOT_FOUND")
    await fails(client, "list_schedule_users", {"schedule_id": "PNOPE00"}, "SCHEDULE_NOT_FOUND")
    await fails(client, "list_schedule_overrides", {"schedule_id": "PNOPE00"}, "SCHEDULE_NOT_FOUND")
    error = await fails(
        client, "get_schedule", {"schedule_id": schedule["id"], "since": "tomorrow"}, "INVALID_PARAMETER"
    )
    assert "since" in error["message"] and "ISO 8601" in error["message"]


# -- on-call --------------------------------------------------------------------------------------
async def test_who_is_on_call_for_the_database_team_now_and_next_in_two_requests(client: Client) -> None:
    team = named(client, "teams", "Database")
    client.sandbox.request_log.reset()  # type: ignore[attr-defined]
    envelope = await ok(client, "list_oncalls", {"team_ids": [team]})
    assert requests(client) == ["GET /escalation_policies", "GET /oncalls"]
    [group] = envelope["oncalls"]
    assert group["escalation_policy"]["name"] == "Database Escalation"
    level_one, level_two = group["levels"]
    state = client.sandbox.state  # type: ignore[attr-defined]
    now = datetime.now(UTC)
    schedule = named(client, "schedules", "Database On-Call")
    rendered = render_schedule(state, schedule, now, now + timedelta(seconds=1))
    assert [row["user"]["id"] for row in level_one["on_call"]] == [oncall.user_at(rendered, now)]
    assert level_one["next"][0]["user"]["id"] != level_one["on_call"][0]["user"]["id"]
    # Takes over when the current shift ends: the current until says when, once.
    handover = datetime.fromisoformat(level_one["on_call"][0]["until"])
    assert "from" not in level_one["next"][0] and datetime.fromisoformat(level_one["next"][0]["until"]) > handover
    assert level_two["on_call"] == [
        {"user": {"id": named(client, "users", "Hannah Schmidt"), "name": "Hannah Schmidt"}, "always": True}
    ]


async def test_a_service_resolves_to_its_escalation_policy(client: Client) -> None:
    service = named(client, "services", "Orders DB")
    client.sandbox.request_log.reset()  # type: ignore[attr-defined]
    envelope = await ok(client, "list_oncalls", {"service_ids": [service]})
    assert requests(client) == [f"GET /services/{service}", "GET /oncalls"]
    assert [g["escalation_policy"]["name"] for g in envelope["oncalls"]] == ["Database Escalation"]
    none = await ok(
        client, "list_oncalls", {"service_ids": [service], "team_ids": [named(client, "teams", "Checkout")]}
    )
    assert none["oncalls"] == [] and "share no escalation policy" in none["metadata"]["notes"][0]
    await fails(client, "list_oncalls", {"service_ids": ["PNOPE00"]}, "SERVICE_NOT_FOUND")


async def test_my_shifts_in_the_next_two_weeks(client: Client) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    until = (now + timedelta(days=14)).strftime("%Y-%m-%dT%H:%M:%SZ")
    envelope = await ok(
        client,
        "list_oncalls",
        {"scope": "assigned_to_me", "since": now.strftime("%Y-%m-%dT%H:%M:%SZ"), "until": until},
    )
    shifts = [s for g in envelope["oncalls"] for lv in g["levels"] for s in lv["shifts"]]
    assert shifts and {s["user"]["name"] for s in shifts} == {"Alex Rivera"}
    assert {g["escalation_policy"]["name"] for g in envelope["oncalls"]} == {"Checkout Escalation"}
    error = await fails(
        client, "list_oncalls", {"scope": "assigned_to_me", "user_ids": ["PABC123"]}, "INVALID_PARAMETER"
    )
    assert "assigned_to_me" in error["message"]
    error = await fails(client, "list_oncalls", {"scope": "my_teams", "team_ids": ["PABC123"]}, "INVALID_PARAMETER")
    assert "my_teams" in error["message"]
    error = await fails(client, "list_oncalls", {"scope": "mine"}, "INVALID_PARAMETER")
    assert "assigned_to_me" in error["message"]


async def test_oncalls_at_a_moment_and_earliest(client: Client) -> None:
    policy = named(client, "escalation_policies", "Platform Escalation")
    day = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%d")
    after = (datetime.now(UTC) + timedelta(days=4)).strftime("%Y-%m-%d")
    window = {"escalation_policy_ids": [policy], "since": f"{day}T00:00:00Z", "until": f"{after}T00:00:00Z"}
    everything = await ok(client, "list_oncalls", window)
    earliest = await ok(client, "list_oncalls", {**window, "earliest": True})
    count = lambda env: sum(len(lv["shifts"]) for g in env["oncalls"] for lv in g["levels"])  # noqa: E731
    assert count(earliest) < count(everything)
    pairs = [(lv["level"], s["user"]["id"]) for g in earliest["oncalls"] for lv in g["levels"] for s in lv["shifts"]]
    assert len(pairs) == len(set(pairs))
    moment = await ok(client, "list_oncalls", {"escalation_policy_ids": [policy], "since": f"{day}T12:00:00Z"})
    level_one = moment["oncalls"][0]["levels"][0]
    assert level_one["level"] == 1 and len(level_one["shifts"]) == 1
    await fails(client, "list_oncalls", {"escalation_policy_ids": ["PNOPE00"]}, "ESCALATION_POLICY_NOT_FOUND")
    await fails(
        client, "list_oncalls", {"since": "2026-01-01T00:00:00Z", "until": "2026-06-01T00:00:00Z"}, "INVALID_PARAMETER"
    )


async def test_a_team_without_escalation_policies_is_a_note_not_an_error(client: Client) -> None:
    state = client.sandbox.state  # type: ignore[attr-defined]
    team = state.put("teams", state.stamp("teams", {"name": "Empty", "description": "", "parent": None}, "Empty"))
    envelope = await ok(client, "list_oncalls", {"team_ids": [team["id"]]})
    assert envelope["oncalls"] == [] and "no escalation policy" in envelope["metadata"]["notes"][0]


# -- escalation policies --------------------------------------------------------------------------
async def test_escalation_policies_by_query_team_user_and_scope(client: Client) -> None:
    assert [
        p["name"] for p in (await ok(client, "list_escalation_policies", {"query": "pay"}))["escalation_policies"]
    ] == ["Payments Escalation"]
    platform = named(client, "teams", "Platform")
    by_team = await ok(client, "list_escalation_policies", {"team_ids": [platform]})
    assert [p["name"] for p in by_team["escalation_policies"]] == ["Platform Escalation"]
    mine = await ok(client, "list_escalation_policies", {"scope": "assigned_to_me"})
    assert [p["name"] for p in mine["escalation_policies"]] == ["Checkout Escalation"]
    sam = named(client, "users", "Sam Taylor")
    by_user = await ok(client, "list_escalation_policies", {"user_ids": [sam]})
    assert [p["name"] for p in by_user["escalation_policies"]] == ["Platform Escalation"]
    page = await ok(client, "list_escalation_policies", {"limit": 2, "offset": 2})
    assert page["metadata"]["next_offset"] == 4
    await fails(client, "list_escalation_policies", {"scope": "my_teams", "team_ids": [platform]}, "INVALID_PARAMETER")


async def test_get_escalation_policy_lists_levels_targets_and_services(client: Client) -> None:
    policy = named(client, "escalation_policies", "Platform Escalation")
    detail: dict[str, Any] = first(await ok(client, "get_escalation_policy", {"escalation_policy_id": policy}))
    assert [lv["level"] for lv in detail["levels"]] == [1, 2, 3]
    assert detail["levels"][0]["schedules"][0]["name"] == "Platform Follow-the-Sun"
    assert detail["levels"][2]["users"][0]["name"] == "Sam Taylor"
    assert {s["name"] for s in detail["services"]} == {"Kubernetes Platform", "Edge CDN"}
    await fails(client, "get_escalation_policy", {"escalation_policy_id": "PNOPE00"}, "ESCALATION_POLICY_NOT_FOUND")


@pytest.mark.parametrize(
    ("tool", "arguments"),
    [
        ("get_oncall_load", {"team_id": "Database"}),
        ("get_oncall_compensation", {"team_id": "Database", "rates": [0, 8, 12, 20]}),
        ("find_coverage_gaps", {"schedule_id": "Database On-Call"}),
        ("list_schedule_users", {"schedule_id": "Database On-Call"}),
        ("list_schedule_overrides", {"schedule_id": "Personalization Shifts"}),
        ("get_schedule", {"schedule_id": "Database On-Call"}),
        ("get_responder_metrics", {}),
    ],
)
async def test_a_window_is_said_once_in_metadata_window(client: Client, tool: str, arguments: dict[str, Any]) -> None:
    metadata = (await ok(client, tool, arguments))["metadata"]
    since, until = metadata["window"]["since"], metadata["window"]["until"]
    assert since < until
    assert since not in metadata["description"] and until not in metadata["description"]
