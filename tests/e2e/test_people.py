"""Every pagerduty-people tool over stdio (the server as a subprocess, write tools on), plus the
resource and the prompt: the write, then the read that shows it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from pagerduty_mcp.common.toolkit.registry import spec_of
from pagerduty_mcp.servers.people.tools import READ_TOOLS, WRITE_TOOLS
from tests.harness import fails, first, ok, stdio_session

pytestmark = [pytest.mark.e2e, pytest.mark.people, pytest.mark.anyio, pytest.mark.subprocess]


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


async def test_every_people_tool_over_stdio() -> None:
    called: set[str] = set()
    async with stdio_session("people", write=True) as client:

        async def run(tool: str, args: dict | None = None) -> dict:
            called.add(tool)
            return await ok(client, tool, args)

        names = {t.name for t in (await client.list_tools()).tools}
        assert names == {spec_of(fn).name for fn in [*READ_TOOLS, *WRITE_TOOLS]}

        me = first(await run("get_user_data"))
        assert me["name"] == "Alex Rivera"
        users = await run("list_users", {"query": "o", "limit": 3})
        assert users["metadata"]["count"] == 3 and users["metadata"]["has_more"] is True
        noah = first(await run("list_users", {"query": "noah"}))
        assert first(await run("get_user", {"user_id": noah["id"]}))["contact_methods"]

        database = first(await run("list_teams", {"query": "database"}))
        assert {m["user"]["name"] for m in first(await run("get_team", {"team_id": database["id"]}))["members"]} >= {
            "Noah Kim"
        }
        assert (await run("list_team_members", {"team_id": database["id"]}))["metadata"]["count"] == 4

        # "Who is on call for the database team right now, and who is next?"
        oncall = await run("list_oncalls", {"team_ids": [database["id"]]})
        level_one = oncall["oncalls"][0]["levels"][0]
        assert level_one["on_call"] and level_one["next"]

        schedule = first(await run("list_schedules", {"query": "checkout"}))
        assert first(await run("get_schedule", {"schedule_id": schedule["id"]}))["final_schedule"]
        assert (await run("list_schedule_users", {"schedule_id": schedule["id"]}))["users"]
        policy = first(await run("list_escalation_policies", {"query": "checkout"}))
        assert first(await run("get_escalation_policy", {"escalation_policy_id": policy["id"]}))["levels"]
        load = await run("get_oncall_load", {"team_id": database["id"]})
        assert load["metadata"]["balance"]["mean_hours"] > 0
        assert (await run("find_coverage_gaps", {"escalation_policy_id": policy["id"]}))["gaps"] == []

        # "Cover my shift": Jonas takes the next two hours of Alex's Checkout shift.
        jonas = first(await run("list_users", {"query": "jonas"}))
        now = datetime.now(UTC)
        cover = {
            "user_id": jonas["id"],
            "start": stamp(now - timedelta(minutes=1)),
            "end": stamp(now + timedelta(hours=2)),
        }
        override = first(await run("create_schedule_override", {"schedule_id": schedule["id"], "overrides": [cover]}))
        listed = await run(
            "list_schedule_overrides", {"schedule_id": schedule["id"], "since": stamp(now - timedelta(hours=1))}
        )
        assert override["id"] in {o["id"] for o in listed["overrides"]}
        after = await run("list_oncalls", {"escalation_policy_ids": [policy["id"]]})
        assert after["oncalls"][0]["levels"][0]["on_call"][0]["user"]["name"] == "Jonas Weber"
        await run("delete_schedule_override", {"schedule_id": schedule["id"], "override_id": override["id"]})

        team = first(await run("create_team", {"name": "Night Owls"}))
        assert first(await run("update_team", {"team_id": team["id"], "description": "Nights"}))["name"] == "Night Owls"
        await run("add_team_member", {"team_id": team["id"], "user_id": noah["id"], "role": "responder"})
        await run("remove_team_member", {"team_id": team["id"], "user_id": noah["id"]})

        layer = {
            "users": [noah["id"]],
            "rotation_hours": 168,
            "start": stamp(now),
            "restrictions": [{"type": "daily", "start": "20:00", "hours": 12}],
        }
        owls = first(
            await run(
                "create_schedule", {"name": "Owls", "time_zone": "UTC", "layers": [layer], "team_ids": [team["id"]]}
            )
        )
        assert first(await run("update_schedule", {"schedule_id": owls["id"], "description": "nights only"}))["layers"]
        night_policy = first(
            await run(
                "create_escalation_policy",
                {"name": "Owls EP", "levels": [{"delay_minutes": 15, "schedule_ids": [owls["id"]]}]},
            )
        )
        renamed = first(
            await run("update_escalation_policy", {"escalation_policy_id": night_policy["id"], "name": "Owls policy"})
        )
        assert renamed["levels"][0]["schedules"][0]["id"] == owls["id"]
        gaps = await run(
            "find_coverage_gaps",
            {"schedule_id": owls["id"], "since": stamp(now), "until": stamp(now + timedelta(days=2))},
        )
        assert gaps["metadata"]["uncovered_hours"] > 0
        await run("delete_escalation_policy", {"escalation_policy_id": "Owls policy"})

        # A shift-based schedule: a rotation of recurring shifts, a one-off shift, then gone again.
        shifts = first(await run("create_schedule", {"name": "Owl shifts", "time_zone": "UTC", "kind": "shifts"}))
        assert shifts["kind"] == "shifts"
        day = (now + timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
        event = {"users": [noah["id"]], "start": stamp(day), "end": stamp(day + timedelta(hours=8)), "repeat": "daily"}
        made = await run("create_schedule_rotation", {"schedule_id": "Owl shifts", "events": [event]})
        one_off = {
            "user_id": jonas["id"],
            "start": stamp(day + timedelta(hours=9)),
            "end": stamp(day + timedelta(hours=10)),
        }
        custom = first(await run("create_schedule_custom_shifts", {"schedule_id": shifts["id"], "shifts": [one_off]}))
        window = {"since": stamp(day), "until": stamp(day + timedelta(hours=12))}
        on_it = first(await run("get_schedule", {"schedule_id": shifts["id"], **window}))["final_schedule"]
        assert [s["user"]["name"] for s in on_it] == ["Noah Kim", "Jonas Weber"]
        # Edited in place: the coming event gets a second person and a name; the one-off shift moves.
        event_id = made["events"][0]["id"]
        edit = {"users": [noah["id"], jonas["id"]], "name": "Days"}
        edited = await run(
            "manage_schedule_shifts",
            {"schedule_id": "Owl shifts", "action": "update", "item_id": event_id, "fields": edit},
        )
        assert [u["name"] for u in first(edited)["users"]] == ["Noah Kim", "Jonas Weber"]
        moved = {"end": stamp(day + timedelta(hours=11))}
        later = await run(
            "manage_schedule_shifts",
            {"schedule_id": shifts["id"], "action": "update", "item_id": custom["id"], "fields": moved},
        )
        assert first(later)["user"]["name"] == "Jonas Weber"
        await run("delete_schedule_custom_shift", {"schedule_id": shifts["id"], "custom_shift_id": custom["id"]})
        rotation = made["metadata"]["rotation_id"]
        await run("delete_schedule_rotation", {"schedule_id": shifts["id"], "rotation_id": rotation})
        await run("delete_schedule", {"schedule_id": "Owl shifts"})
        await fails(client, "get_schedule", {"schedule_id": shifts["id"]}, "SCHEDULE_NOT_FOUND")

        # "Add a new engineer", then "what do we owe the database team for last month's nights?"
        hire = first(await run("create_user", {"name": "Ines Costa", "email": "ines@acme-shop.example"}))
        await run("update_user", {"user_id": hire["id"], "time_zone": "Europe/Lisbon"})
        # ... paged the way the team wants: a phone, rung at once for high urgency.
        phone = {"type": "phone", "address": "+351 912 345 678", "label": "Mobile"}
        method = first(
            await run("manage_user_notifications", {"user_id": "Ines Costa", "action": "add", "fields": phone})
        )
        rule = {"contact_method": method["id"], "urgency": "high", "delay_minutes": 0}
        await run("manage_user_notifications", {"user_id": hire["id"], "action": "add", "fields": rule})
        paged = first(await run("get_user", {"user_id": hire["id"]}))
        assert paged["notification_rules"][0]["contact_method"]["name"] == "phone (Mobile)"
        await run("delete_user", {"user_id": "Ines Costa"})
        metrics = await run("get_responder_metrics", {"team_ids": ["Database"]})
        assert metrics["responders"][0]["team"]["name"] == "Database"
        pay = await run("get_oncall_compensation", {"team_id": "Database", "rates": [0, 10, 15, 20]})
        assert pay["metadata"]["currency"] == "EUR" and all(row["time_zone"] for row in pay["people"])
        await run("delete_team", {"team_id": team["id"]})
        await fails(client, "get_team", {"team_id": team["id"]}, "TEAM_NOT_FOUND")

        me_resource = json.loads((await client.read_resource("pagerduty://people/me")).contents[0].text)  # type: ignore[union-attr]
        assert me_resource["user"]["id"] == me["id"]
        prompt = await client.get_prompt("oncall_handoff", {"team_id": database["id"]})
        assert "Database Escalation" in prompt.messages[0].content.text  # type: ignore[union-attr]

    assert called == names


async def test_names_work_over_stdio_on_the_people_server_alone() -> None:
    async with stdio_session("people") as client:
        # "Who is on call for the Database team?" with the team named in words.
        oncall = await ok(client, "list_oncalls", {"team_ids": ["database"]})
        assert oncall["oncalls"][0]["escalation_policy"]["name"] == "Database Escalation"
        noah = first(await ok(client, "get_user", {"user_id": "noah.kim@acme-shop.example"}))
        assert noah["name"] == "Noah Kim"
        error = await fails(client, "list_oncalls", {"service_ids": ["Nowhere API"]}, "SERVICE_NOT_FOUND")
        assert "list_services on pagerduty-services" in error["message"]
