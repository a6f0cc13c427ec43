"""The service map as a person sees it: drawn in headless chromium by a host page that speaks MCP Apps
(tests/app_host.html), from the real answers of a sandbox server, every call it makes forwarded to
that server through the ``mcp`` SDK's client."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from tests.app_host import DrawnApp, apps_session, draw, envelope_of

if TYPE_CHECKING:
    from playwright.async_api import Browser

pytestmark = [pytest.mark.services, pytest.mark.anyio]


def account(app: DrawnApp) -> tuple[dict[str, dict[str, Any]], set[tuple[str, str]]]:
    """The sandbox's own services (technical and business) by id, and its dependencies as
    (dependent, supporting) pairs: what the map must show."""
    state = app.client.sandbox.state  # type: ignore[attr-defined]
    services = {s["id"]: s for s in state.all("services")} | {b["id"]: b for b in state.all("business_services")}
    edges = {(d["dependent_service"]["id"], d["supporting_service"]["id"]) for d in state.dependencies}
    return services, edges


def depending_on(edges: set[tuple[str, str]], ident: str) -> set[str]:
    """Every service that fails with ``ident``: what depends on it, directly or through another."""
    found: set[str] = set()
    frontier = {ident}
    while frontier:
        frontier = {dependent for dependent, supporting in edges if supporting in frontier} - found - {ident}
        found |= frontier
    return found


def node(app: DrawnApp, ident: str) -> Any:
    return app.frame.locator(f'.node[data-id="{ident}"]')


async def wait_for_map(app: DrawnApp, calls: int, edges: int) -> None:
    """Once the app's reads are answered and every dependency is drawn."""
    await app.page.wait_for_function("n => host.answers.length >= n", arg=calls)
    await app.frame.locator("svg.edges > path").nth(edges - 1).wait_for(state="attached")


async def test_the_map_shows_every_service_its_status_and_what_fails_with_the_one_asked_about(browser: Browser) -> None:
    async with apps_session("services") as client:
        app = await draw(browser, client, "get_service_dependencies", {"service_id": "Orders DB"})
        services, edges = account(app)
        # the lists, and every service's dependencies, read through the host
        await wait_for_map(app, 2 + len(services), len(edges))
        calls = await app.calls()
        read = {c["arguments"]["service_id"] for c in calls if c["name"] == "get_service_dependencies"}
        assert read == set(services)
        assert {"name": "list_services", "arguments": {"limit": 100}} in calls
        assert await app.frame.locator(".node").count() == len(services)
        assert await app.frame.locator("svg.edges > path").count() == len(edges)
        listed = envelope_of(await client.call_tool("list_services", {"limit": 100}))["services"]
        words = {"active": "OK", "critical": "Critical", "warning": "Warning", "maintenance": "Maintenance"}
        for ident, service in services.items():
            assert service["name"] in await node(app, ident).inner_text()
        for service in listed:  # each technical service's status as PagerDuty gives it, in words
            assert words[service["status"]] in await node(app, service["id"]).inner_text()
        assert {s["status"] for s in listed} >= {"critical", "active", "maintenance"}
        # A business service is impacted when something it needs is critical.
        store = next(i for i, s in services.items() if s["name"] == "Online Store")
        assert "Impacted" in await node(app, store).inner_text()
        # Orders DB, the one asked about, is selected: what fails with it, directly or not.
        orders = next(i for i, s in services.items() if s["name"] == "Orders DB")
        assert await node(app, orders).get_attribute("aria-pressed") == "true"
        affected = depending_on(edges, orders)
        assert affected and store in affected  # through Checkout API
        for ident in services:
            classes = (await node(app, ident).get_attribute("class") or "").split()
            assert ("affected" in classes) == (ident in affected), services[ident]["name"]
        detail = app.frame.locator("#detail")
        assert f"If Orders DB fails, {len(affected)} services depend on it" in await detail.inner_text()
        await app.page.wait_for_function("host.calls.some(c => c.name === 'get_service')")
        assert {"name": "get_service", "arguments": {"service_id": orders}} in await app.calls()
        # What get_service's status says of the open incidents (critical: high urgency ones).
        said = {"critical": "high urgency", "warning": "low urgency only", "active": "none"}[services[orders]["status"]]
        await detail.get_by_text(f"Open incidents: {said}").wait_for()
        assert (
            "through Checkout API" in await detail.inner_text() or "through Cart Service" in await detail.inner_text()
        )
        await app.screenshot("service-map")
        await app.finish()


async def test_a_service_is_chosen_by_keyboard_and_the_list_view_says_the_same(browser: Browser) -> None:
    async with apps_session("services") as client:
        app = await draw(browser, client, "list_services", {})
        services, edges = account(app)
        await wait_for_map(app, 2 + len(services), len(edges))
        assert await app.frame.locator("#detail").is_hidden()  # nothing chosen yet
        platform = next(i for i, s in services.items() if s["name"] == "Kubernetes Platform")
        await node(app, platform).focus()
        await app.page.keyboard.press("Enter")
        affected = depending_on(edges, platform)
        detail = app.frame.locator("#detail")
        await detail.wait_for()
        assert f"If Kubernetes Platform fails, {len(affected)} services depend on it" in await detail.inner_text()
        listed = await detail.locator("ul").first.locator("li button").all_inner_texts()
        assert sorted(listed) == sorted(services[i]["name"] for i in affected)
        await app.frame.get_by_role("button", name="List", exact=True).click()
        rows = await app.frame.locator("table.data tbody tr").evaluate_all(
            "rows => rows.map(r => [...r.cells].map(c => c.innerText.trim()))"
        )
        assert len(rows) == len(services)
        by_name = {r[0]: r for r in rows}
        for ident, service in services.items():
            needs = sorted(services[s]["name"] for d, s in edges if d == ident)
            assert by_name[service["name"]][3] == (", ".join(needs) or "–")
            assert by_name[service["name"]][5] == f"{len(depending_on(edges, ident))} affected"
        await app.page.keyboard.press("Escape")
        assert await detail.is_hidden()
        await app.finish()


async def test_the_map_in_the_dark(browser: Browser) -> None:
    async with apps_session("services") as client:
        app = await draw(
            browser, client, "get_service_dependencies", {"service_id": "Kubernetes Platform"}, theme="dark"
        )
        services, edges = account(app)
        await wait_for_map(app, 2 + len(services), len(edges))
        await app.frame.locator("#detail").get_by_text("Open incidents:").wait_for()
        await app.screenshot("service-map-dark")
        await app.finish()
