"""Status page tools on pagerduty-incidents: reads of the seeded pages, each write seen by a later read,
names where people use names, and bad ids and names answered with what to do next."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx2
import pytest
from mcp import Client

from pagerduty_mcp.sandbox import SANDBOX_API_URL, SANDBOX_TOKEN
from tests.harness import fails, first, ok
from tests.servers.incidents.helpers import state_of

pytestmark = [pytest.mark.incidents, pytest.mark.anyio, pytest.mark.server("incidents")]

PUBLIC = "Acme Shop Status"
UNKNOWN = "PZZZZZZ"


def _page(client: Client, name: str = PUBLIC) -> dict[str, Any]:
    return next(p for p in state_of(client).all("status_pages") if p["name"] == name)


def _post(client: Client, title: str) -> dict[str, Any]:
    return next(p for p in state_of(client).all("status_page_posts") if p["title"] == title)


def iso(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def _labels(rows: list[dict[str, Any]], post_type: str) -> list[str]:
    return [r["description"] for r in rows if r["post_type"] == post_type]


# -- reads ----------------------------------------------------------------------------------------
async def test_list_status_pages_shows_each_page_and_filters_by_kind(client: Client) -> None:
    pages = state_of(client).all("status_pages")
    listed = await ok(client, "list_status_pages")
    assert {(p["name"], p["status_page_type"]) for p in listed["status_pages"]} == {
        (p["name"], p["status_page_type"]) for p in pages
    }
    private = await ok(client, "list_status_pages", {"status_page_type": "private"})
    assert [p["name"] for p in private["status_pages"]] == [
        p["name"] for p in pages if p["status_page_type"] == "private"
    ]
    await fails(client, "list_status_pages", {"status_page_type": "secret"}, "INVALID_PARAMETER")


async def test_get_status_page_by_name_gives_its_whole_vocabulary_in_one_round_trip(client: Client) -> None:
    page = _page(client)
    before = len(client.sandbox.request_log)  # type: ignore[attr-defined]
    shown = first(await ok(client, "get_status_page", {"status_page_id": PUBLIC}))
    assert shown["id"] == page["id"] and shown["status_page_type"] == "public" and shown["url"] == page["url"]
    assert shown["services"] == [s["name"] for s in page["_services"]]  # by name, as the writes take them
    for post_type in ("incident", "maintenance"):
        assert shown[post_type]["statuses"] == _labels(page["_statuses"], post_type)
        assert shown[post_type]["severities"] == _labels(page["_severities"], post_type)
        assert shown[post_type]["impacts"] == _labels(page["_impacts"], post_type)
    paths = [r.path for r in client.sandbox.request_log[before:]]  # type: ignore[attr-defined]
    assert {f"/status_pages/{page['id']}/{k}" for k in ("services", "severities", "statuses", "impacts")} <= set(paths)
    assert paths.count("/status_pages") <= 1  # the page's own fields come from the list that found its name


async def test_get_status_page_with_an_unknown_id_or_name_says_where_to_look(client: Client) -> None:
    error = await fails(client, "get_status_page", {"status_page_id": UNKNOWN}, "STATUS_PAGE_NOT_FOUND")
    assert "list_status_pages" in error["message"] and error["details"]["parameters"] == ["status_page_id"]
    await fails(client, "get_status_page", {"status_page_id": "No Such Page"}, "STATUS_PAGE_NOT_FOUND")


async def test_list_status_page_posts_filters_by_type_status_and_window(client: Client) -> None:
    every = await ok(client, "list_status_page_posts", {"status_page_id": PUBLIC})
    titles = {p["title"] for p in every["posts"]}
    assert titles == {
        p["title"] for p in state_of(client).all("status_page_posts") if p["_page"] == _page(client)["id"]
    }
    incident = _post(client, "Card payments failing at checkout")
    shown = next(p for p in every["posts"] if p["id"] == incident["id"])
    assert shown["status"] == "resolved" and shown["severity"] == "all good"
    maintenance = await ok(client, "list_status_page_posts", {"status_page_id": PUBLIC, "post_type": "maintenance"})
    assert [p["title"] for p in maintenance["posts"]] == ["Search index upgrade"]
    resolved = await ok(client, "list_status_page_posts", {"status_page_id": PUBLIC, "status": "Resolved"})
    assert [p["id"] for p in resolved["posts"]] == [incident["id"]]
    # The incident post was live a day ago; the maintenance window opens in two days.
    recent = await ok(client, "list_status_page_posts", {"status_page_id": PUBLIC, "since": "2d", "until": "1d"})
    assert [p["id"] for p in recent["posts"]] == [incident["id"]]
    later = await ok(client, "list_status_page_posts", {"status_page_id": PUBLIC, "since": "2026-01-01", "limit": 1})
    assert later["metadata"]["count"] == 1 and later["metadata"]["has_more"] is True


async def test_list_status_page_posts_by_id_with_nothing_matching_is_an_empty_answer(client: Client) -> None:
    # PagerDuty has no GET /status_pages/{id}: the check after an empty answer must find the page in the list.
    args = {"status_page_id": _page(client, "Acme Internal Systems")["id"], "post_type": "maintenance"}
    empty = await ok(client, "list_status_page_posts", args)
    assert empty["posts"] == [] and empty["metadata"]["count"] == 0


async def test_list_status_page_posts_rejects_an_unknown_status_listing_the_valid_ones(client: Client) -> None:
    error = await fails(
        client, "list_status_page_posts", {"status_page_id": PUBLIC, "status": "on fire"}, "INVALID_PARAMETER"
    )
    assert "investigating" in error["message"] and "scheduled" in error["message"]
    await fails(client, "list_status_page_posts", {"status_page_id": UNKNOWN}, "STATUS_PAGE_NOT_FOUND")


async def test_get_status_page_post_shows_updates_and_postmortem_or_says_there_is_none(client: Client) -> None:
    incident = _post(client, "Card payments failing at checkout")
    shown = first(await ok(client, "get_status_page_post", {"status_page_id": PUBLIC, "post_id": incident["id"]}))
    assert [u["status"] for u in shown["updates"]] == ["resolved", "investigating"]  # newest first
    assert shown["updates"][1]["impacts"] == {
        "Payments Gateway": "partial outage",
        "Checkout API": "degraded performance",
    }
    assert shown["postmortem"]["message"] == incident["_postmortem"]["message"]
    other = _post(client, "Order exports delayed")
    args = {"status_page_id": "Acme Internal Systems", "post_id": other["id"]}
    answer = await ok(client, "get_status_page_post", args)
    assert first(answer)["postmortem"] == "none yet" and "no postmortem" in answer["metadata"]["description"]


async def test_get_status_page_post_names_the_wrong_id(client: Client) -> None:
    post = _post(client, "Search index upgrade")["id"]
    error = await fails(client, "get_status_page_post", {"status_page_id": PUBLIC, "post_id": UNKNOWN})
    assert error["code"] == "STATUS_PAGE_POST_NOT_FOUND" and error["details"]["parameters"] == ["post_id"]
    # A post of the other page is not on this one.
    elsewhere = {"status_page_id": "Acme Internal Systems", "post_id": post}
    await fails(client, "get_status_page_post", elsewhere, "STATUS_PAGE_POST_NOT_FOUND")
    error = await fails(client, "get_status_page_post", {"status_page_id": UNKNOWN, "post_id": post})
    assert error["code"] == "STATUS_PAGE_NOT_FOUND" and error["details"]["parameters"] == ["status_page_id"]


# -- writes ---------------------------------------------------------------------------------------
async def test_create_status_page_post_by_names_then_reads_show_it(client: Client) -> None:
    args = {
        "status_page_id": PUBLIC,
        "title": "Checkout is slow",
        "message": "Checkout is slower than usual. We are investigating.",
        "severity": "minor",
        "impacted_services": {"Checkout API": "degraded_performance", "Edge CDN": "Operational"},
    }
    created = first(await ok(client, "create_status_page_post", args))
    assert created["status"] == "investigating" and created["severity"] == "minor"
    shown = first(await ok(client, "get_status_page_post", {"status_page_id": PUBLIC, "post_id": created["id"]}))
    assert shown["title"] == "Checkout is slow" and len(shown["updates"]) == 1
    assert shown["updates"][0]["impacts"] == {"Checkout API": "degraded performance", "Edge CDN": "operational"}
    listed = await ok(client, "list_status_page_posts", {"status_page_id": PUBLIC, "status": "investigating"})
    assert [p["id"] for p in listed["posts"]] == [created["id"]]
    assert _post(client, "Checkout is slow")["updates"][0]  # stored by the sandbox, notify left off
    update = state_of(client).get("status_page_post_updates", _post(client, "Checkout is slow")["updates"][0]["id"])
    assert update["notify_subscribers"] is False


async def test_create_maintenance_post_needs_its_window_and_takes_its_only_severity(client: Client) -> None:
    base = {"status_page_id": PUBLIC, "title": "CDN upgrade", "message": "Short blips", "post_type": "maintenance"}
    error = await fails(client, "create_status_page_post", base, "INVALID_PARAMETER")
    assert "starts_at" in error["message"]
    now = state_of(client).clock()
    window = {"starts_at": iso(now + timedelta(days=1)), "ends_at": iso(now + timedelta(days=1, hours=2))}
    error = await fails(
        client, "create_status_page_post", {**base, "starts_at": window["ends_at"], "ends_at": window["starts_at"]}
    )
    assert error["details"]["parameters"] == ["ends_at"]
    created = first(await ok(client, "create_status_page_post", {**base, **window}))
    assert created["status"] == "scheduled" and created["severity"] == "maintenance"
    assert created["starts_at"] < created["ends_at"]
    listed = await ok(client, "list_status_page_posts", {"status_page_id": PUBLIC, "post_type": "maintenance"})
    assert created["id"] in {p["id"] for p in listed["posts"]}


async def test_create_status_page_post_rejects_names_the_page_does_not_have(client: Client) -> None:
    base = {"status_page_id": PUBLIC, "title": "x", "message": "m"}
    error = await fails(client, "create_status_page_post", {**base, "severity": "apocalyptic"}, "INVALID_PARAMETER")
    assert error["details"]["parameters"] == ["severity"] and "all good, minor, major" in error["message"]
    error = await fails(client, "create_status_page_post", base, "INVALID_PARAMETER")  # incident posts: say how bad
    assert error["details"]["parameters"] == ["severity"]
    bad_service = {**base, "severity": "major", "impacted_services": {"Orders DB": "major outage"}}
    error = await fails(client, "create_status_page_post", bad_service, "INVALID_PARAMETER")
    assert "Checkout API" in error["message"]  # Orders DB is on the private page only
    await fails(client, "create_status_page_post", {**base, "severity": "major", "status_page_id": UNKNOWN})
    assert len(state_of(client).all("status_page_posts")) == 3


async def test_create_status_page_post_update_keeps_what_it_is_not_told(client: Client) -> None:
    post = _post(client, "Order exports delayed")
    args = {"status_page_id": "Acme Internal Systems", "post_id": post["id"], "message": "Exports caught up."}
    added = first(await ok(client, "create_status_page_post_update", {**args, "status": "Resolved"}))
    assert added["status"] == "resolved" and added["severity"] == "minor"  # severity kept from the latest
    assert added["impacts"] == {"Orders DB": "degraded performance"}
    shown = first(await ok(client, "get_status_page_post", {k: args[k] for k in ("status_page_id", "post_id")}))
    assert shown["status"] == "resolved" and shown["updates"][0]["message"] == "Exports caught up."
    changed = {**args, "severity": "all good", "impacted_services": {"Orders DB": "operational"}}
    again = first(await ok(client, "create_status_page_post_update", changed))
    assert again["severity"] == "all good" and again["impacts"] == {"Orders DB": "operational"}


async def test_create_status_page_post_update_bad_ids_and_names(client: Client) -> None:
    post = _post(client, "Order exports delayed")["id"]
    base = {"status_page_id": "Acme Internal Systems", "post_id": post, "message": "m"}
    await fails(client, "create_status_page_post_update", {**base, "post_id": UNKNOWN}, "STATUS_PAGE_POST_NOT_FOUND")
    await fails(client, "create_status_page_post_update", {**base, "status_page_id": UNKNOWN}, "STATUS_PAGE_NOT_FOUND")
    error = await fails(client, "create_status_page_post_update", {**base, "status": "scheduled"}, "INVALID_PARAMETER")
    assert "investigating" in error["message"]  # scheduled is for maintenance posts
    assert len(_post(client, "Order exports delayed")["updates"]) == 1


async def test_update_status_page_postmortem_creates_then_replaces(client: Client) -> None:
    post = _post(client, "Order exports delayed")
    args = {"status_page_id": "Acme Internal Systems", "post_id": post["id"]}
    await ok(client, "update_status_page_postmortem", {**args, "message": "A stuck job held the export queue."})
    shown = first(await ok(client, "get_status_page_post", args))
    assert shown["postmortem"]["message"] == "A stuck job held the export queue."
    await ok(client, "update_status_page_postmortem", {**args, "message": "Replaced.", "notify_subscribers": True})
    shown = first(await ok(client, "get_status_page_post", args))
    assert shown["postmortem"]["message"] == "Replaced."
    assert _post(client, "Order exports delayed")["_postmortem"]["notify_subscribers"] is True


async def test_update_status_page_postmortem_names_the_wrong_id(client: Client) -> None:
    post = _post(client, "Order exports delayed")["id"]
    error = await fails(
        client, "update_status_page_postmortem", {"status_page_id": PUBLIC, "post_id": post, "message": "m"}
    )
    assert error["code"] == "STATUS_PAGE_POST_NOT_FOUND" and "list_status_page_posts" in error["message"]
    error = await fails(
        client, "update_status_page_postmortem", {"status_page_id": UNKNOWN, "post_id": post, "message": "m"}
    )
    assert error["code"] == "STATUS_PAGE_NOT_FOUND"
    assert _post(client, "Order exports delayed")["_postmortem"] is None


async def test_post_updates_show_their_review_state_and_can_be_filtered_by_it(client: Client) -> None:
    page = _page(client)
    post = next(p for p in state_of(client).all("status_page_posts") if p["_page"] == page["id"])
    args = {"status_page_id": PUBLIC, "post_id": post["id"]}
    before = first(await ok(client, "get_status_page_post", args))
    assert before["updates"] and {u["reviewed_status"] for u in before["updates"]} == {"approved"}
    # A draft awaiting review, posted to the account as any client of PagerDuty's API could.
    url = f"/status_pages/{page['id']}/posts/{post['id']}/post_updates"
    with httpx2.Client(
        transport=client.sandbox.transport(),  # type: ignore[attr-defined]
        base_url=SANDBOX_API_URL,
        headers={"Authorization": f"Token token={SANDBOX_TOKEN}"},
    ) as api:
        latest = api.get(url).json()["post_updates"][-1]
        draft = {k: latest[k] for k in ("status", "severity", "impacted_services", "update_frequency_ms")}
        draft.update(post={"id": post["id"]}, message="Draft", notify_subscribers=False, reviewed_status="not_reviewed")
        assert api.post(url, json={"post_update": draft}).status_code == 201
    drafts = first(await ok(client, "get_status_page_post", {**args, "reviewed_status": "not_reviewed"}))
    assert [(u["message"], u["reviewed_status"]) for u in drafts["updates"]] == [("Draft", "not_reviewed")]
    approved = first(await ok(client, "get_status_page_post", {**args, "reviewed_status": "approved"}))
    assert [u["id"] for u in approved["updates"]] == [u["id"] for u in before["updates"]]
    await fails(client, "get_status_page_post", {**args, "reviewed_status": "pending"}, "INVALID_PARAMETER")
