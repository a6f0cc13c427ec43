"""The on-call calendar as a person sees it: drawn in headless chromium by a host page that speaks MCP
Apps (tests/app_host.html), from the real answers of a sandbox server, every call it makes forwarded
to that server through the ``mcp`` SDK's client."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import pytest

from tests.app_host import DrawnApp, apps_session, draw, envelope_of

if TYPE_CHECKING:
    from playwright.async_api import Browser

pytestmark = [pytest.mark.people, pytest.mark.anyio]

HOURS = "{:g} h"


def local(moment: str, zone: str) -> str:
    """A time as the calendar writes it (en-GB): "Mon 7 Dec, 18:00", in the viewer's zone."""
    at = datetime.fromisoformat(moment).astimezone(ZoneInfo(zone))
    return f"{at:%a} {at.day} {at:%b}, {at:%H:%M}"


def stamp(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def hours(value: float) -> str:
    """As the app writes hours: JavaScript's Math.round (half up) to a tenth."""
    return f"{math.floor(value * 10 + 0.5) / 10:,g} h"


async def list_rows(app: DrawnApp, schedule: str) -> list[list[str]]:
    """The List view of one schedule: [who, from, until, hours] per row, gaps included."""
    await app.frame.get_by_role("button", name="List", exact=True).click()
    table = app.frame.locator(f'section.schedule[aria-label="{schedule}"] table.data')
    await table.wait_for()
    rows: list[list[str]] = await table.locator("tbody tr").evaluate_all(
        "rows => rows.map(r => [...r.cells].map(c => c.innerText.trim()))"
    )
    await app.frame.get_by_role("button", name="Calendar", exact=True).click()
    return rows


async def test_a_rota_s_gaps_are_red_striped_labelled_and_the_same_as_find_coverage_gaps(browser: Browser) -> None:
    zone = "America/New_York"
    async with apps_session("people") as client:
        app = await draw(browser, client, "get_schedule", {"schedule_id": "Personalization Shifts"}, time_zone=zone)
        drawn = envelope_of(app.result)
        window = drawn["metadata"]["window"]
        expected = envelope_of(
            await client.call_tool("find_coverage_gaps", {"schedule_id": "Personalization Shifts", **window})
        )
        gaps = expected["gaps"]
        assert gaps, "the sandbox's shift-based rota leaves its nights uncovered"
        bars = app.frame.locator(".bar-item.gap")
        await bars.first.wait_for()
        assert await bars.count() == len(gaps)
        look = await bars.first.evaluate("b => [getComputedStyle(b).backgroundImage, getComputedStyle(b).outlineStyle]")
        assert "repeating-linear-gradient" in look[0] and look[1] == "solid"  # a pattern, not colour alone
        coverage = await app.frame.locator("section.schedule .coverage").inner_text()
        assert f"{len(gaps)} gaps: {hours(expected['metadata']['uncovered_hours'])} with no one on call" in coverage
        # The text alternative: every gap, in the viewer's time zone, with its hours.
        rows = await list_rows(app, "Personalization Shifts")
        listed = [r for r in rows if r[0].startswith("⚠ No one on call")]
        assert [r[1:] for r in listed] == [
            [local(g["start"], zone), local(g["end"], zone), hours(g["hours"])] for g in gaps
        ]
        shifts = drawn["schedules"][0]["final_schedule"]
        first = next(r for r in rows if not r[0].startswith("⚠"))
        assert first[0].startswith(shifts[0]["user"]["name"]) and first[1] == local(shifts[0]["start"], zone)
        assert f"Times in {zone}" in await app.frame.locator("#zone").inner_text()
        await app.screenshot("oncall-calendar")
        await app.finish()


async def test_overrides_are_marked_on_a_layer_based_rota(browser: Browser) -> None:
    async with apps_session("people") as client:
        overrides = envelope_of(await client.call_tool("list_schedule_overrides", {"schedule_id": "Database On-Call"}))
        override = overrides["overrides"][0]
        since = (datetime.fromisoformat(override["start"]) - timedelta(days=2)).astimezone(UTC)
        window = {
            "schedule_id": "Database On-Call",
            "since": stamp(since),
            "until": stamp(since + timedelta(days=7)),
        }
        app = await draw(browser, client, "get_schedule", window)
        marked = app.frame.locator(".bar-item.override")
        await marked.first.wait_for()
        calls = await app.calls()
        schedule_id = envelope_of(app.result)["schedules"][0]["id"]
        assert {
            "name": "list_schedule_overrides",
            "arguments": {"schedule_id": schedule_id, **envelope_of(app.result)["metadata"]["window"]},
        } in calls
        titles = await marked.evaluate_all("bars => bars.map(b => b.title)")
        assert any(t.startswith(override["user"]["name"]) and t.endswith("(override)") for t in titles)
        rows = await list_rows(app, "Database On-Call")
        assert [override["user"]["name"] + " (override)"] == [r[0] for r in rows if r[0].endswith("(override)")]
        await app.finish()


async def test_a_month_next_month_and_another_schedule_are_read_through_the_host(browser: Browser) -> None:
    zone = "Europe/Berlin"
    async with apps_session("people") as client:
        app = await draw(browser, client, "get_schedule", {"schedule_id": "Personalization Shifts"}, time_zone=zone)
        await app.frame.locator("section.schedule .coverage").wait_for()
        await app.frame.get_by_role("button", name="Month").press("Enter")
        await app.frame.locator('#show-month[aria-pressed="true"]').wait_for()
        now = datetime.now(ZoneInfo(zone))
        first = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        following = (first + timedelta(days=32)).replace(day=1)
        month = {"since": stamp(first), "until": stamp(following)}
        schedule_id = envelope_of(app.result)["schedules"][0]["id"]
        await app.page.wait_for_function("s => host.calls.some(c => c.arguments.since === s)", arg=month["since"])
        assert {"name": "get_schedule", "arguments": {"schedule_id": schedule_id, **month}} in await app.calls()
        assert await app.frame.locator("#period").inner_text() == f"{now:%B %Y}"
        labels = app.frame.locator("section.schedule .day-label")
        assert await labels.count() == (following - first).days
        # Another schedule, chosen from the account's list.
        choice = app.frame.get_by_label("Add a schedule")
        await choice.select_option(label="Database On-Call")
        await app.frame.locator('section.schedule[aria-label="Database On-Call"] .coverage').wait_for()
        assert await app.frame.locator("section.schedule").count() == 2
        await app.screenshot("oncall-calendar-month")
        await app.frame.get_by_role("button", name="Next period").click()
        later = (following + timedelta(days=32)).replace(day=1)
        await app.frame.get_by_text(f"{following:%B %Y}", exact=True).wait_for()
        await app.frame.locator('section.schedule[aria-label="Database On-Call"] .coverage').wait_for()
        gets = [c["arguments"] for c in await app.calls() if c["name"] == "get_schedule"]
        assert {"since": stamp(following), "until": stamp(later)} == {
            k: v for k, v in gets[-1].items() if k != "schedule_id"
        }
        await app.finish()


@pytest.mark.parametrize(
    ("tool", "arguments", "schedules"),
    [
        ("find_coverage_gaps", {"schedule_id": "Personalization Shifts"}, ["Personalization Shifts"]),
        ("find_coverage_gaps", {"escalation_policy_id": "Database Escalation"}, ["Database On-Call"]),
        ("list_oncalls", {"team_ids": ["Database"]}, ["Database On-Call"]),
    ],
)
async def test_gaps_and_on_calls_are_drawn_on_the_calendar_too(
    browser: Browser, tool: str, arguments: dict[str, Any], schedules: list[str]
) -> None:
    async with apps_session("people") as client:
        app = await draw(browser, client, tool, arguments)
        for name in schedules:
            await app.frame.locator(f'section.schedule[aria-label="{name}"] .coverage').wait_for()
        drawn = envelope_of(app.result)
        if tool == "find_coverage_gaps" and "schedule_id" in arguments:
            assert await app.frame.locator(".bar-item.gap").count() == len(drawn["gaps"])
            window = drawn["metadata"]["window"]
            assert {
                "name": "get_schedule",
                "arguments": {"schedule_id": "Personalization Shifts", **window},
            } in await app.calls()
        if "escalation_policy_id" in arguments:
            policy = app.frame.locator('section.schedule[aria-label="Escalation policy Database Escalation"]')
            text = await policy.inner_text()
            for level in drawn["metadata"]["levels"]:
                assert f"Level {level['level']}:" in text
        await app.finish()
