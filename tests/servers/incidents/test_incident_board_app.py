"""The incident board as a person sees it: drawn in headless chromium by a host page that speaks MCP
Apps (tests/app_host.html), from the real answers of a sandbox server, every call it makes forwarded
to that server through the ``mcp`` SDK's client."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from tests.app_host import DrawnApp, Person, apps_session, draw, envelope_of
from tests.servers.incidents.helpers import incident_of, state_of

if TYPE_CHECKING:
    from playwright.async_api import Browser

pytestmark = [pytest.mark.incidents, pytest.mark.anyio]


def open_ones(app: DrawnApp) -> list[dict[str, Any]]:
    return [i for i in state_of(app.client).incidents() if i["status"] != "resolved"]


def card(app: DrawnApp, incident: dict[str, Any]) -> Any:
    return app.frame.locator(f'.incident[data-id="{incident["id"]}"]')


async def wait_for_board(app: DrawnApp, count: int) -> None:
    await app.frame.locator(".incident").nth(count - 1).wait_for()
    assert await app.frame.locator(".incident").count() == count


async def test_the_board_shows_every_open_incident_by_service_and_urgency(browser: Browser) -> None:
    async with apps_session("incidents") as client:
        app = await draw(browser, client, "list_incidents", {})
        incidents = open_ones(app)
        await wait_for_board(app, len(incidents))
        for incident in incidents:
            text = await card(app, incident).inner_text()
            assert incident["title"] in text and f"#{incident['incident_number']}" in text
            assert incident["status"].capitalize() in text
            for assignment in incident["assignments"]:
                assert assignment["assignee"]["summary"] in text
            service = app.frame.locator(f'section.service[aria-label="{incident["service"]["summary"]}"]')
            urgency = "High urgency" if incident["urgency"] == "high" else "Low urgency"
            assert await service.locator(f'[aria-label="{urgency}"] .incident[data-id="{incident["id"]}"]').count() == 1
        triggered = sum(1 for i in incidents if i["status"] == "triggered")
        summary = await app.frame.locator("#summary").inner_text()
        assert summary.startswith(f"{len(incidents)} incidents · {triggered} triggered")
        # The incident nobody acknowledged escalated by timeout; the others are with their first level.
        escalated = next(i for i in incidents if i["_escalation_level"] == 2)
        assert "Escalated to level 2 of 2 · Checkout Escalation" in await card(app, escalated).inner_text()
        first_level = next(i for i in incidents if i["_escalation_level"] == 1)
        assert "Level 1 of 2" in await card(app, first_level).inner_text()
        await app.screenshot("incident-board")
        await app.finish()


async def test_a_resolved_incident_is_drawn_resolved_though_its_row_says_so_only_by_resolved_at(
    browser: Browser,
) -> None:
    async with apps_session("incidents") as client:
        app = await draw(browser, client, "list_incidents", {"statuses": ["resolved"], "limit": 3})
        await wait_for_board(app, 3)
        rows = envelope_of(await client.call_tool("list_incidents", {"statuses": ["resolved"], "limit": 3}))
        for row in rows["incidents"]:
            assert "status" not in row and row["resolved_at"]
            assert "Resolved" in await app.frame.locator(f'.incident[data-id="{row["id"]}"]').inner_text()
            assert await app.frame.locator(f'section.service[aria-label="{row["service"]}"]').count() == 1
        await app.finish()


async def test_the_team_filter_keeps_the_incidents_of_that_team(browser: Browser) -> None:
    async with apps_session("incidents") as client:
        app = await draw(browser, client, "list_incidents", {})
        incidents = open_ones(app)
        await wait_for_board(app, len(incidents))
        database = [i for i in incidents if any(t["summary"] == "Database" for t in i["teams"])]
        assert database and len(database) < len(incidents)
        await app.frame.get_by_label("Team").select_option(label="Database")
        assert await app.frame.locator(".incident").count() == len(database)
        assert await card(app, database[0]).count() == 1
        assert (await app.frame.locator("#summary").inner_text()).startswith(f"{len(database)} of {len(incidents)}")
        await app.frame.get_by_label("Team").select_option(label="All teams")
        assert await app.frame.locator(".incident").count() == len(incidents)
        assert await app.calls() == []  # filtering needs no call: the teams came with the board
        await app.finish()


async def test_opening_an_incident_by_keyboard_shows_its_timeline_read_through_the_host(browser: Browser) -> None:
    async with apps_session("incidents") as client:
        app = await draw(browser, client, "list_incidents", {})
        incidents = open_ones(app)
        await wait_for_board(app, len(incidents))
        escalated = next(i for i in incidents if i["_escalation_level"] == 2)
        await card(app, escalated).focus()
        await app.page.keyboard.press("Enter")
        calls = await app.wait_for_calls(1)
        assert calls == [
            {"name": "list_log_entries", "arguments": {"incident_id": escalated["id"], "overview": True, "limit": 50}}
        ]
        timeline = app.frame.locator("ol.timeline li")
        await timeline.first.wait_for()
        expected = envelope_of(await client.call_tool("list_log_entries", calls[0]["arguments"]))["log_entries"]
        assert await timeline.count() == len(expected)
        assert "Escalated to level 2" in await timeline.first.inner_text()
        detail = await app.frame.locator("#detail").inner_text()
        assert "Escalated to level 2 of 2 · Checkout Escalation" in detail and escalated["title"] in detail
        await app.screenshot("incident-board-timeline")
        await app.page.keyboard.press("Escape")
        assert await app.frame.locator("#detail").is_hidden()
        assert await card(app, escalated).evaluate("el => el === document.activeElement")  # focus goes back
        await app.finish()


async def test_acting_from_the_board_calls_the_tools_and_the_server_asks_the_person_first(browser: Browser) -> None:
    person = Person("decline")
    async with apps_session("incidents", person=person) as client:
        app = await draw(browser, client, "list_incidents", {})
        incidents = open_ones(app)
        await wait_for_board(app, len(incidents))
        target = next(i for i in incidents if i["status"] == "triggered" and i["_escalation_level"] == 1)
        ident = target["id"]
        await card(app, target).click()
        await app.wait_for_calls(1)

        # Acknowledging one incident pages nobody: no question, and it is done.
        await app.frame.locator("#detail").get_by_role("button", name="Acknowledge", exact=True).click()
        await app.frame.locator("#outcome .message.ok").wait_for()
        calls = await app.calls()
        assert {"name": "manage_incidents", "arguments": {"incident_ids": [ident], "status": "acknowledged"}} in calls
        assert person.asked == []
        assert incident_of(client, ident)["status"] == "acknowledged"
        assert "Acknowledged" in await card(app, incident_of(client, ident)).inner_text()  # the board was refreshed

        # Reassigning pages someone: the server asks; declined, nothing changes.
        before = [a["assignee"]["id"] for a in incident_of(client, ident)["assignments"]]
        await app.frame.get_by_label("Reassign to").fill("Noah Kim")
        await app.frame.locator("#detail").get_by_role("button", name="Reassign", exact=True).click()
        await app.frame.locator("#outcome").get_by_text("Nothing changed").wait_for()
        reassign = {"name": "manage_incidents", "arguments": {"incident_ids": [ident], "assignee_ids": ["Noah Kim"]}}
        assert (await app.calls())[-1] == reassign
        assert len(person.asked) == 1 and "pages people" in person.asked[0]
        assert [a["assignee"]["id"] for a in incident_of(client, ident)["assignments"]] == before

        # Accepted, it is done, and the board says who has it now.
        person.answer = "accept"
        await app.frame.get_by_label("Reassign to").fill("Noah Kim")
        await app.frame.locator("#detail").get_by_role("button", name="Reassign", exact=True).click()
        await app.frame.locator("#outcome .message.ok").wait_for()
        assert len(person.asked) == 2
        assert [a["assignee"]["summary"] for a in incident_of(client, ident)["assignments"]] == ["Noah Kim"]
        assert "Noah Kim" in await card(app, incident_of(client, ident)).inner_text()

        await app.frame.get_by_label("Add a note").fill("Rolled back the 14:05 deploy; watching p99.")
        await app.frame.locator("#detail").get_by_role("button", name="Add note", exact=True).click()
        await app.frame.locator("#outcome .message.ok").wait_for()
        text = "Rolled back the 14:05 deploy; watching p99."
        assert {"name": "add_note_to_incident", "arguments": {"incident_id": ident, "note": text}} in await app.calls()
        notes = [state_of(client).get("notes", n)["content"] for n in incident_of(client, ident)["_notes"]]
        assert notes[-1] == text
        assert "Note added" in await app.frame.locator("ol.timeline").inner_text()  # the timeline was read again

        await app.frame.locator("#detail").get_by_role("button", name="Open in PagerDuty").click()
        await app.page.wait_for_function("host.links.length === 1")
        assert await app.links() == [f"https://acme-shop.pagerduty.com/incidents/{ident}"]

        await app.frame.locator("#detail").get_by_role("button", name="Resolve", exact=True).click()
        await app.frame.locator(f'.incident[data-id="{ident}"]').wait_for(state="detached")
        assert incident_of(client, ident)["status"] == "resolved"
        assert {
            "name": "manage_incidents",
            "arguments": {"incident_ids": [ident], "status": "resolved"},
        } in await app.calls()
        assert await app.frame.locator(".incident").count() == len(incidents) - 1
        await app.finish()


async def test_a_read_only_server_s_board_offers_no_action(browser: Browser) -> None:
    async with apps_session("incidents", write=False) as client:
        app = await draw(browser, client, "list_incidents", {})
        incidents = open_ones(app)
        await wait_for_board(app, len(incidents))
        await card(app, incidents[0]).click()
        await app.wait_for_calls(1)
        detail = app.frame.locator("#detail")
        assert "Read-only" in await detail.inner_text()
        assert await detail.get_by_role("button", name="Acknowledge").count() == 0
        assert await detail.get_by_role("button", name="Resolve").count() == 0
        await app.finish()


async def test_the_board_takes_the_host_s_theme_and_its_colours(browser: Browser) -> None:
    async with apps_session("incidents") as client:
        app = await draw(browser, client, "list_incidents", {}, theme="dark")
        incidents = open_ones(app)
        await wait_for_board(app, len(incidents))
        body = app.frame.locator("body")
        dark = await body.evaluate("b => getComputedStyle(b).backgroundColor")
        assert await app.frame.locator("html").get_attribute("data-theme") == "dark"
        await app.screenshot("incident-board-dark")
        await app.set_theme("light")
        await app.frame.locator('html[data-theme="light"]').wait_for()
        light = await body.evaluate("b => getComputedStyle(b).backgroundColor")
        assert light != dark
        # A host's own palette wins over the app's fallbacks.
        await app.set_theme("light", {"--color-background-primary": "rgb(250, 240, 230)"})
        await body.evaluate(
            "b => new Promise(r => { const t = () => getComputedStyle(b).backgroundColor === 'rgb(250, 240, 230)'"
            " ? r() : requestAnimationFrame(t); t(); })"
        )
        assert await body.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(250, 240, 230)"
        await app.finish()


async def test_a_failed_call_is_shown_as_the_server_said_it(browser: Browser) -> None:
    async with apps_session("incidents") as client:
        app = await draw(browser, client, "list_incidents", {"team_ids": ["Platfrom"]})
        assert app.result.is_error
        problem = app.frame.locator("#problem [role=alert]")
        await problem.wait_for()
        message = envelope_of(app.result)["error"]["message"]
        assert await problem.inner_text() == message and "Platfrom" in message
        assert await app.frame.locator("#summary").inner_text() == "The incidents could not be read."
        await app.finish()
