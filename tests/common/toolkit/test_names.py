"""Telling "nothing matches" from "that id does not exist", and an unknown name from a near one."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx2
import pytest

from pagerduty_mcp.common import ClientPool, Credential, Settings, ToolFailure
from pagerduty_mcp.common.pagerduty.context import standalone
from pagerduty_mcp.common.toolkit.names import check_references_exist, rename_unknown_ids, resolve_reference
from tests.common.fakes import API, reply

pytestmark = [pytest.mark.unit, pytest.mark.common]


@pytest.fixture
def seen() -> Iterator[list[str]]:
    """PagerDuty knows /teams/PT1 and /users/PU1 only; every path asked is recorded."""
    paths: list[str] = []
    known = {"/teams/PT1", "/users/PU1"}

    def handle(request: httpx2.Request) -> httpx2.Response:
        paths.append(request.url.path)
        if request.url.path in known:
            return reply(200, {"team": {"id": "x"}})(request)
        return reply(404, {"error": {"message": "Not Found", "code": 2100}})(request)

    settings = Settings(credential=Credential("k" * 20), api_host=API)
    with standalone(ClientPool(settings, transport=httpx2.MockTransport(handle))):
        yield paths


def test_an_unknown_id_names_the_parameter_and_the_finder(seen: list[str]) -> None:
    arguments = {"team_ids": ["PT1", "PNOPE99"], "service_ids": ["PS1"]}
    with pytest.raises(ToolFailure) as caught:
        check_references_exist(arguments, ["team_ids", "service_ids"])
    assert caught.value.code == "TEAM_NOT_FOUND"
    assert caught.value.message.startswith("team_ids: no team with id or name 'PNOPE99'")
    assert "list_teams" in caught.value.message
    assert caught.value.details == {"parameters": ["team_ids"]}
    # Stops at the first unknown one; then the team list, for near names (404 here: none offered).
    assert seen == ["/teams/PT1", "/teams/PNOPE99", "/teams"]


def test_known_ids_make_a_real_empty_answer(seen: list[str]) -> None:
    check_references_exist({"team_ids": ["PT1"], "user_ids": ["PU1"], "service_ids": None}, ["team_ids", "user_ids"])
    assert seen == ["/teams/PT1", "/users/PU1"]


TEAMS = [
    {"id": f"PT{i:05d}", "name": name}
    for i, name in enumerate(["Checkout", "Payments", "Database", "Platform", "Platform SRE", "Search", "PROD123"])
]


@pytest.fixture
def account() -> Iterator[list[str]]:
    """PagerDuty with seven teams, one named like an id (PROD123); every request is recorded as
    ``GET /teams?query=…`` or ``GET /teams/<id>``."""
    asked: list[str] = []

    def handle(request: httpx2.Request) -> httpx2.Response:
        query = request.url.params.get("query")
        asked.append(request.url.path + (f"?query={query}" if query is not None else ""))
        if request.url.path == "/teams":
            rows = [t for t in TEAMS if query is None or query.lower() in t["name"].lower()]
            return reply(200, {"teams": rows, "more": False, "limit": 100, "offset": 0})(request)
        team = next((t for t in TEAMS if request.url.path == f"/teams/{t['id']}"), None)
        if team is not None:
            return reply(200, {"team": team})(request)
        return reply(404, {"error": {"message": "Not Found", "code": 2100}})(request)

    settings = Settings(credential=Credential("k" * 20), api_host=API)
    with standalone(ClientPool(settings, transport=httpx2.MockTransport(handle))):
        yield asked


def _failure(handle: Callable[[httpx2.Request], httpx2.Response], attempt: Callable[[], object]) -> ToolFailure:
    """What ``attempt`` fails with, against a PagerDuty that answers with ``handle``."""
    pool = ClientPool(Settings(credential=Credential("k" * 20), api_host=API), transport=httpx2.MockTransport(handle))
    with standalone(pool), pytest.raises(ToolFailure) as caught:
        attempt()
    return caught.value


def test_a_near_name_is_offered_with_its_id_never_picked(account: list[str]) -> None:
    with pytest.raises(ToolFailure) as caught:
        resolve_reference("Platform Team", "team_id")
    failure = caught.value
    assert failure.code == "TEAM_NOT_FOUND" and failure.untrusted  # the names are the account's text
    assert failure.message == (
        "team_id: no team with id or name 'Platform Team'. "
        "Closest: Platform (PT00003), Platform SRE (PT00004); pass the id of the one meant."
    )
    assert failure.details == {
        "parameters": ["team_id"],
        "suggestions": [{"id": "PT00003", "name": "Platform"}, {"id": "PT00004", "name": "Platform SRE"}],
    }
    # The lookup's own search, then the whole list once: a second miss is answered from the cache.
    assert account == ["/teams?query=Platform Team", "/teams"]
    with pytest.raises(ToolFailure):
        resolve_reference("Platfrom", "team_ids")
    assert account[2:] == ["/teams?query=Platfrom"]


def test_an_id_not_found_offers_near_names_after_the_existence_check(account: list[str]) -> None:
    with pytest.raises(ToolFailure) as caught:
        check_references_exist({"team_ids": ["PLATFORMS"]}, ["team_ids"])
    assert caught.value.details["suggestions"][0] == {"id": "PT00003", "name": "Platform"}
    assert account == ["/teams/PLATFORMS", "/teams"]


def test_an_unmistakable_id_that_is_no_id_but_a_name_is_renamed_for_another_try(account: list[str]) -> None:
    given = {"team_ids": ["PT00001", "PROD123"], "user_ids": ["PROD123"]}
    with pytest.raises(ToolFailure) as caught:
        check_references_exist(given, ["team_ids"])
    renamed = rename_unknown_ids(given, dict(given), ["team_ids", "user_ids"], caught.value)
    assert renamed == {"team_ids": ["PT00001", "PT00006"], "user_ids": ["PROD123"]}  # users were not at fault
    # A value that came from a name is never looked up as a name again.
    assert rename_unknown_ids({"team_ids": ["Prod"]}, {"team_ids": ["PROD123"]}, ["team_ids"], caught.value) is None


def test_no_list_no_suggestions_and_the_error_stands() -> None:
    def handle(request: httpx2.Request) -> httpx2.Response:
        if "query" in request.url.params:  # the lookup finds nothing; the whole list is refused
            return reply(200, {"teams": [], "more": False})(request)
        return reply(403, {"error": {"message": "Access Denied", "code": 2010}})(request)

    failure = _failure(handle, lambda: resolve_reference("Platform Team", "team_id"))
    assert failure.code == "TEAM_NOT_FOUND" and "suggestions" not in failure.details
    assert failure.message.startswith("team_id: no team with id or name 'Platform Team'. list_teams")


def test_a_short_list_with_nothing_near_is_shown_whole() -> None:
    def handle(request: httpx2.Request) -> httpx2.Response:
        rows = [{"id": f"PP{i:05d}", "name": f"P{i}"} for i in range(1, 4)]
        return reply(200, {"priorities": rows, "more": False})(request)

    failure = _failure(handle, lambda: resolve_reference("Sev One", "priority_id"))
    assert failure.message.endswith("The account's priorities: P1 (PP00001), P2 (PP00002), P3 (PP00003).")
    assert len(failure.details["suggestions"]) == 3


def test_a_big_account_is_searched_by_the_names_own_words() -> None:
    asked: list[str] = []

    def handle(request: httpx2.Request) -> httpx2.Response:
        query = request.url.params.get("query")
        asked.append(f"query={query}" if query is not None else f"offset={request.url.params['offset']}")
        if query is not None:
            rows = [{"id": "PPLAT01", "name": "Platform"}] if query.lower() in "platform" else []
            return reply(200, {"teams": rows, "more": False})(request)
        offset = int(request.url.params["offset"])
        rows = [{"id": f"PT{offset + i:05d}", "name": f"Team number {offset + i}"} for i in range(100)]
        return reply(200, {"teams": rows, "more": True})(request)

    failure = _failure(handle, lambda: resolve_reference("Platform Team", "team_id"))
    assert failure.details["suggestions"] == [{"id": "PPLAT01", "name": "Platform"}]
    # The lookup, the list up to its bound, and one search by the name's own words (the exact one is cached).
    assert asked == ["query=Platform Team", *(f"offset={n}" for n in range(0, 500, 100)), "query=platform"]


def test_an_id_of_the_usual_shape_without_a_digit_is_taken_as_the_id_and_a_name_so_shaped_still_found() -> None:
    """P and six capitals is how about one PagerDuty id in seven looks (PNHXORC): asked as the id,
    not looked up as a name first. A team named that way (PAYMENT) is found once PagerDuty has no
    such id."""
    asked: list[str] = []
    teams = [{"id": "PNHXORC", "name": "Checkout"}, {"id": "PT00001", "name": "PAYMENT"}]

    def handle(request: httpx2.Request) -> httpx2.Response:
        query = request.url.params.get("query")
        asked.append(request.url.path + (f"?query={query}" if query is not None else ""))
        if request.url.path == "/teams":
            rows = [t for t in teams if query is None or query.lower() in t["name"].lower()]
            return reply(200, {"teams": rows, "more": False})(request)
        if any(request.url.path == f"/teams/{t['id']}" for t in teams):
            return reply(200, {"team": {}})(request)
        return reply(404, {"error": {"message": "Not Found", "code": 2100}})(request)

    pool = ClientPool(Settings(credential=Credential("k" * 20), api_host=API), transport=httpx2.MockTransport(handle))
    with standalone(pool):
        assert resolve_reference("PNHXORC", "team_id") == "PNHXORC"
        assert resolve_reference("PAYMENT", "team_ids") == "PAYMENT"
        assert asked == []  # both taken as ids, nothing asked
        given = {"team_ids": ["PNHXORC", "PAYMENT"]}
        with pytest.raises(ToolFailure) as caught:
            check_references_exist(given, ["team_ids"])
        assert rename_unknown_ids(given, dict(given), ["team_ids"], caught.value) == {
            "team_ids": ["PNHXORC", "PT00001"]
        }
    assert asked[:3] == ["/teams/PNHXORC", "/teams/PAYMENT", "/teams"]
