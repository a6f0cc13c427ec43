"""On-call load and pay as a person sees it: drawn in headless chromium by a host page that speaks MCP
Apps (tests/app_host.html), from the real answers of a sandbox server, every call it makes forwarded
to that server through the ``mcp`` SDK's client."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import pytest

from tests.app_host import DrawnApp, apps_session, draw, envelope_of

if TYPE_CHECKING:
    from playwright.async_api import Browser

pytestmark = [pytest.mark.people, pytest.mark.anyio]

RATES = [12.5, 20, 25, 40]


def js_round(value: float) -> int:
    """JavaScript's Math.round (half up), which the app uses: Python's round() rounds half to even."""
    return math.floor(value + 0.5)


def hours(value: float) -> str:
    return f"{js_round(value * 10) / 10:,g} h"


async def table(app: DrawnApp) -> list[list[str]]:
    """Each row's cells as one line of text each; a person's cell is their name (their time zone dropped)."""
    rows: list[list[str]] = await app.frame.locator("#table tbody tr").evaluate_all(
        "rows => rows.map(r => [...r.cells].map((c, i) => i ? c.innerText : c.firstChild.innerText))"
    )
    return [[" ".join(cell.split()) for cell in row] for row in rows]


async def headers(app: DrawnApp) -> list[str]:
    """The column names, without the sort arrows."""
    found: list[str] = await app.frame.locator("#table thead th").evaluate_all(
        "cells => cells.map(c => c.querySelector('button').firstChild.textContent)"
    )
    return found


async def test_the_load_of_a_team_per_person_with_its_balance_and_working_time_flags(browser: Browser) -> None:
    async with apps_session("people") as client:
        app = await draw(browser, client, "get_oncall_load", {"team_id": "Database"})
        load = envelope_of(app.result)
        window = load["metadata"]["window"]
        calls = await app.wait_for_calls(1)
        # The pay bands and flags come from the other tool, for exactly the same window and people.
        assert calls == [{"name": "get_oncall_compensation", "arguments": {**window, "team_id": "Database"}}]
        pay = envelope_of(await client.call_tool("get_oncall_compensation", calls[0]["arguments"]))
        await app.frame.locator("#table tbody tr .flags, #table tbody tr .pill.ok").first.wait_for()
        rows = await table(app)
        people = load["people"]
        assert [r[0] for r in rows] == [p["user"]["name"] for p in people]  # heaviest first
        names = await headers(app)
        for row, person in zip(rows, people, strict=True):
            cell = dict(zip(names, row, strict=True))
            assert cell["Hours on call"].startswith(hours(person["hours"]))
            assert cell["Night"] == f"{js_round(person['night_share'] * 100)}%"
            assert cell["Weekend"] == f"{js_round(person['weekend_share'] * 100)}%"
            assert cell["Incidents"] == str(person["incidents"]) and cell["Off hours"] == str(
                person["incidents_off_hours"]
            )
            flags = next(p for p in pay["people"] if p["user"]["id"] == person["user"]["id"]).get("flags", [])
            assert (cell["Working time"] == "✓ None") == (not flags)
        heaviest = people[0]
        verdict = await app.frame.locator("#verdict").inner_text()
        assert verdict.startswith(f"{heaviest['user']['name']} is on call {hours(heaviest['hours'])}")
        assert "Very uneven" in await app.frame.locator("#glance").inner_text()  # coefficient of variation > 0.35
        assert load["metadata"]["balance"]["coefficient_of_variation"] > 0.35
        # The flags of the heaviest, opened: one line per short rest or long week, on their own clock.
        flagged = next(p for p in pay["people"] if p.get("flags"))
        await app.frame.get_by_role("button", name="short rest").first.click()
        items = app.frame.locator(".flags li")
        rests, week = flagged["flags"].get("short_rests", []), flagged["flags"].get("over_week")
        assert await items.count() == len(rests) + (week is not None)
        if rests:  # when it began and how long: the line says until when, too
            assert (await items.first.inner_text()).startswith(f"Rest of {hours(rests[0]['hours'])}: ")
            assert " → " in await items.first.inner_text()
        if week is not None:
            assert f"{hours(week['hours'])} in the 7 days from" in await items.last.inner_text()
        await app.screenshot("oncall-load")
        await app.finish()


async def test_columns_sort_by_click_or_keyboard_and_say_how(browser: Browser) -> None:
    async with apps_session("people") as client:
        app = await draw(browser, client, "get_oncall_load", {"team_id": "Database"})
        await app.wait_for_calls(1)
        load = envelope_of(app.result)["people"]
        night = app.frame.get_by_role("button", name="Night", exact=True)
        await night.click()
        header = app.frame.locator("#table thead th").nth(2)
        assert await header.get_attribute("aria-sort") == "descending"
        by_night = [p["user"]["name"] for p in sorted(load, key=lambda p: (-p["night_share"], p["user"]["name"]))]
        assert [r[0] for r in await table(app)] == by_night
        await app.frame.get_by_role("button", name="Night", exact=True).press("Enter")
        assert await app.frame.locator("#table thead th").nth(2).get_attribute("aria-sort") == "ascending"
        assert [r[0] for r in await table(app)] == list(reversed(by_night))
        await app.finish()


async def test_pay_is_computed_by_the_server_from_the_rates_given(browser: Browser) -> None:
    async with apps_session("people") as client:
        app = await draw(browser, client, "get_oncall_load", {"team_id": "Database"})
        window = envelope_of(app.result)["metadata"]["window"]
        await app.wait_for_calls(1)
        assert "Pay" not in await headers(app)  # no rates, no bill of zeros
        await app.frame.locator("#rates-box summary").click()
        for band, rate in zip(["Weekday", "Weeknight", "Weekend", "Holiday"], RATES, strict=True):
            await app.frame.get_by_label(band, exact=True).fill(str(rate))
        await app.frame.get_by_role("button", name="Compute pay").click()
        calls = await app.wait_for_calls(2)
        asked = {**window, "team_id": "Database", "rates": RATES, "currency": "EUR"}
        assert calls[-1] == {"name": "get_oncall_compensation", "arguments": asked}
        await app.frame.get_by_role("button", name="Pay", exact=True).wait_for()
        pay = envelope_of(await client.call_tool("get_oncall_compensation", asked))
        names = await headers(app)
        for row in await table(app):
            cell = dict(zip(names, row, strict=True))
            person = next(p for p in pay["people"] if p["user"]["name"] == cell["Person"])
            assert cell["Pay"] == f"€{person['pay']['total']:,.2f}"
        total = sum(p["pay"]["total"] for p in pay["people"])
        assert f"€{total:,.2f}" in await app.frame.locator("#glance").inner_text()
        await app.finish()


@pytest.mark.parametrize("theme", ["light", "dark"])
async def test_a_pay_report_drawn_from_get_oncall_compensation_reads_the_load_too(browser: Browser, theme: str) -> None:
    arguments: dict[str, Any] = {"team_id": "Database", "rates": RATES, "currency": "EUR"}
    async with apps_session("people") as client:
        app = await draw(browser, client, "get_oncall_compensation", arguments, theme=theme)
        window = envelope_of(app.result)["metadata"]["window"]
        calls = await app.wait_for_calls(1)
        assert calls == [{"name": "get_oncall_load", "arguments": {**window, "team_id": "Database"}}]
        await app.frame.get_by_role("button", name="Off hours").wait_for()
        names = await headers(app)
        assert {"Pay", "Night", "Incidents", "Working time"} <= set(names)
        assert await app.frame.get_by_label("Weekday", exact=True).input_value() == "12.5"  # the rates it was given
        await app.screenshot("oncall-load-pay" + ("-dark" if theme == "dark" else ""))
        await app.finish()
