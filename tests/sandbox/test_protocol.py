"""The shared wire helpers routes are built from: query arrays, bodies, pagination, routing."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pagerduty
import pytest

from pagerduty_mcp.sandbox import Sandbox
from pagerduty_mcp.sandbox.protocol import (
    ApiError,
    ApiRequest,
    matches_query,
    paginate_cursor,
    paginate_offset,
    parse_time,
)
from pagerduty_mcp.sandbox.router import ROUTER, Context, Router

pytestmark = [pytest.mark.unit, pytest.mark.sandbox]


def request(query: str = "", body: bytes = b"", headers: dict[str, str] | None = None) -> ApiRequest:
    return ApiRequest.build("GET", "/x", query, headers or {}, body)


def test_array_parameters_with_and_without_brackets_and_commas() -> None:
    req = request("statuses[]=triggered&statuses[]=acknowledged&include[]=a,b&user_ids=P1")
    assert req.array("statuses") == ["triggered", "acknowledged"]
    assert req.array("include") == ["a", "b"]
    assert req.array("user_ids") == ["P1"]
    assert req.array("absent") == []


def test_enum_arrays_flags_and_integers_reject_bad_values() -> None:
    with pytest.raises(ApiError) as failure:
        request("statuses[]=open").enum_array("statuses", ("triggered",))
    assert failure.value.status == 400 and "open" in failure.value.errors[0]
    with pytest.raises(ApiError):
        request("total=maybe").flag("total")
    with pytest.raises(ApiError):
        request("limit=-1").integer("limit", 25, minimum=1)
    assert request("total=true").flag("total") is True


def test_entity_wrapper() -> None:
    assert request(body=b'{"team": {"name": "A"}}').entity("team") == {"name": "A"}


@pytest.mark.parametrize("body", [b'{"name": "A"}', b"not json", b"", b'{"team": "A"}'])
def test_entity_wrapper_rejects_other_bodies(body: bytes) -> None:
    with pytest.raises(ApiError) as failure:
        request(body=body).entity("team")
    assert failure.value.status == 400


@pytest.mark.parametrize(
    ("query", "texts", "expected"),
    [
        (None, ("Checkout",), True),
        ("", ("Checkout",), True),
        ("check", ("Checkout",), True),
        ("CHECK", ("Cart", "checkout@example.com"), True),
        ("pay", ("Checkout", None), False),
        ("pay", (), False),
    ],
)
def test_query_filter_is_a_case_insensitive_substring_of_any_text(
    query: str | None, texts: tuple[str | None, ...], expected: bool
) -> None:
    assert matches_query(query, *texts) is expected


def test_from_header() -> None:
    assert request(headers={"From": "a@example.com"}).require_from_header() == "a@example.com"
    with pytest.raises(ApiError, match="From"):
        request().require_from_header()


def test_times_accept_z_offsets_and_naive_utc() -> None:
    assert parse_time("2026-03-01T10:00:00Z") == parse_time("2026-03-01T11:00:00+01:00")
    assert parse_time("2026-03-01T10:00:00").utcoffset() is not None
    with pytest.raises(ApiError):
        parse_time("yesterday")


def test_offset_pagination_edges() -> None:
    items = list(range(230))
    page = paginate_offset(items, request("limit=100&offset=200&total=true"), "items")
    assert (page["items"], page["more"], page["total"], page["limit"]) == (list(range(200, 230)), False, 230, 100)
    assert paginate_offset(items, request(), "items")["limit"] == 25
    assert paginate_offset(items, request("offset=500"), "items")["items"] == []
    with pytest.raises(ApiError):
        paginate_offset(items, request("limit=0"), "items")


def test_cursor_pagination_walks_everything_once() -> None:
    items = list(range(57))
    seen: list[int] = []
    cursor = ""
    for _ in range(10):
        page = paginate_cursor(items, request(f"limit=20&cursor={cursor}" if cursor else "limit=20"), "items")
        seen += page["items"]
        if page["next_cursor"] is None:
            break
        cursor = page["next_cursor"]
    assert seen == items
    with pytest.raises(ApiError):
        paginate_cursor(items, request("cursor=garbage!"), "items")


def test_router_prefers_literal_segments_and_refuses_duplicates() -> None:
    router = Router()
    router.add("GET", "/users/{id}", lambda ctx: "by id")
    router.add("GET", "/users/me", lambda ctx: "me")
    me = router.match("GET", "/users/me")
    other = router.match("GET", "/users/P123")
    assert me is not None and me[0].template == "/users/me"
    assert other is not None and other[1] == {"id": "P123"}
    assert router.match("POST", "/users/me") is None and router.path_known("/users/me")
    with pytest.raises(ValueError):
        router.add("GET", "/users/{user_id}", lambda ctx: "again")


def test_a_path_two_routes_match_goes_to_the_same_one_whatever_order_they_were_added() -> None:
    templates = ["/incidents/{id}/alerts", "/incidents/types/{type}", "/incidents/{id}", "/incidents/types"]
    for order in (templates, templates[::-1]):
        router = Router()
        for template in order:
            router.add("GET", template, lambda ctx: None)
        winners = {path: router.match("GET", path) for path in ("/incidents/types/alerts", "/incidents/types")}
        assert {path: found[0].template for path, found in winners.items() if found} == {
            "/incidents/types/alerts": "/incidents/{id}/alerts",
            "/incidents/types": "/incidents/types",
        }


def test_wrong_method_on_a_known_path_is_405(api: pagerduty.RestApiV2Client) -> None:
    assert api.request("PATCH", "/priorities").status_code == 405


@pytest.fixture
def cursor_route() -> Iterator[None]:
    """A temporary route on one of the library's cursor-paginated paths."""

    def records(ctx: Context) -> dict[str, Any]:
        items = [{"id": f"R{n:03d}", "type": "audit_record"} for n in range(45)]
        return paginate_cursor(items, ctx.req, "records")

    ROUTER.add("GET", "/audit/records", records)
    yield
    ROUTER.remove("GET", "/audit/records")


def test_library_iter_cursor_works_against_cursor_pagination(
    cursor_route: None, api: pagerduty.RestApiV2Client
) -> None:
    records = list(api.iter_cursor("/audit/records", page_size=10))
    assert [r["id"] for r in records] == [f"R{n:03d}" for n in range(45)]


def test_concurrent_writes_from_worker_threads_all_persist(sandbox: Sandbox) -> None:
    from tests.sandbox.conftest import client_for

    token = sandbox.token_for(sandbox.current_user_id)
    errors: list[BaseException] = []

    def create(index: int) -> None:
        try:
            api = client_for(sandbox, token)
            for n in range(5):
                api.rpost("/teams", json={"type": "team", "name": f"Thread {index} team {n}"})
        except BaseException as error:  # collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=create, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    names = [t["name"] for t in sandbox.state.all("teams") if t["name"].startswith("Thread ")]
    assert len(names) == len(set(names)) == 40
    ids = [t["id"] for t in sandbox.state.all("teams")]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/incidents", {"incident": {"type": "incident", "title": "t"}}),
        ("PUT", "/incidents", {"incidents": []}),
        ("POST", "/maintenance_windows", {"maintenance_window": {"type": "maintenance_window"}}),
        ("POST", "/escalation_policies", {"escalation_policy": {"type": "escalation_policy", "name": "p"}}),
    ],
)
def test_writes_name_a_from_address_that_is_no_user(
    api: pagerduty.RestApiV2Client, method: str, path: str, body: dict[str, Any]
) -> None:
    reply = api.request(method, path, json=body, headers={"From": "nobody@example.com"})
    assert reply.status_code == 400
    assert reply.json()["error"]["errors"] == [
        "The \"From\" header 'nobody@example.com' is not the email of a user in this account"
    ]
