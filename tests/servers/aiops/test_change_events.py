"""Change events: account-wide and per service, with time, team and integration filters."""

from __future__ import annotations

from datetime import datetime

import pytest
from mcp import Client

from tests.harness import fails, first, ok
from tests.servers.aiops.seeded import service_id

pytestmark = [pytest.mark.aiops, pytest.mark.anyio, pytest.mark.server("aiops")]


async def test_lists_newest_first_with_offset_pages(client: Client) -> None:
    page1 = await ok(client, "list_change_events", {"limit": 5})
    assert page1["metadata"]["count"] == 5 and page1["metadata"]["has_more"] is True
    assert page1["metadata"]["untrusted_content"]
    stamps = [c["timestamp"] for c in page1["change_events"]]
    assert stamps == sorted(stamps, reverse=True)
    page2 = await ok(client, "list_change_events", {"limit": 5, "offset": page1["metadata"]["next_offset"]})
    assert not {c["id"] for c in page1["change_events"]} & {c["id"] for c in page2["change_events"]}
    assert page2["change_events"][0]["timestamp"] <= stamps[-1]
    assert all("custom_details" not in c for c in page1["change_events"])  # lean list; details on get


async def test_filters_by_service_time_team_and_integration(client: Client) -> None:
    state = client.sandbox.state
    every = await ok(client, "list_change_events", {"limit": 100})
    assert every["metadata"]["total"] == len(state.all("change_events"))
    target = every["change_events"][3]
    sid = target["services"][0]["id"]
    mine = await ok(client, "list_change_events", {"service_id": sid, "limit": 100})
    assert mine["change_events"] and all(c["services"][0]["id"] == sid for c in mine["change_events"])
    assert target["id"] in {c["id"] for c in mine["change_events"]}
    stamp = target["timestamp"]
    window = await ok(client, "list_change_events", {"since": stamp, "limit": 100})
    assert window["change_events"] and all(c["timestamp"] >= stamp for c in window["change_events"])
    older = await ok(client, "list_change_events", {"until": stamp, "limit": 100})
    assert all(c["timestamp"] < stamp for c in older["change_events"])
    assert window["metadata"]["total"] + older["metadata"]["total"] == every["metadata"]["total"]
    by_integration = await ok(client, "list_change_events", {"integration_ids": [target["integration"]["id"]]})
    assert {c["integration"]["id"] for c in by_integration["change_events"]} == {target["integration"]["id"]}
    team = state.get("services", sid)["teams"][0]["id"]
    by_team = await ok(client, "list_change_events", {"team_ids": [team], "limit": 100})
    team_services = {s["id"] for s in state.all("services") if team in {t["id"] for t in s["teams"]}}
    assert by_team["change_events"] and all(c["services"][0]["id"] in team_services for c in by_team["change_events"])
    recent = await ok(client, "list_change_events", {"since": "2d", "limit": 100})
    now = state.clock()
    assert all(
        (now - datetime.fromisoformat(c["timestamp"].replace("Z", "+00:00"))).days < 2 for c in recent["change_events"]
    )


async def test_get_and_bad_input(client: Client) -> None:
    listed = first(await ok(client, "list_change_events", {"limit": 1}))
    change = first(await ok(client, "get_change_event", {"change_event_id": listed["id"]}))
    assert change["custom_details"]["build_state"] == "passed" and change["links"][0]["href"].startswith("https://")
    await fails(client, "get_change_event", {"change_event_id": "PNOSUCH"}, "CHANGE_EVENT_NOT_FOUND")
    await fails(client, "get_change_event", {"change_event_id": "null"}, "INVALID_PARAMETER")
    await fails(client, "list_change_events", {"service_id": "PNOSUCH"}, "SERVICE_NOT_FOUND")
    error = await fails(client, "list_change_events", {"since": "last tuesday"}, "INVALID_PARAMETER")
    assert "since" in error["message"]
    error = await fails(client, "list_change_events", {"since": "1h", "until": "2h"}, "INVALID_PARAMETER")
    assert "until" in error["message"]
    await fails(client, "list_change_events", {"team_ids": ["null"]}, "INVALID_PARAMETER")
    error = await fails(client, "list_change_events", {"team_ids": ["../x"]}, "TEAM_NOT_FOUND")
    assert "The account's teams: Checkout (" in error["message"]  # five, none near: shown whole
    checkout = service_id(client.sandbox.state, "Checkout API")
    await ok(
        client,
        "list_change_events",
        {"service_id": f"https://acme-shop.pagerduty.com/service-directory/{checkout}"},
    )
