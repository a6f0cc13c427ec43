"""Telling "nothing matches" from "that id does not exist": the check after an empty answer."""

from __future__ import annotations

from collections.abc import Iterator

import httpx2
import pytest

from pagerduty_mcp.common import ClientPool, Credential, Settings, ToolFailure
from pagerduty_mcp.common.pagerduty.context import standalone
from pagerduty_mcp.common.toolkit.names import check_references_exist
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
    assert seen == ["/teams/PT1", "/teams/PNOPE99"]  # stops at the first unknown one


def test_known_ids_make_a_real_empty_answer(seen: list[str]) -> None:
    check_references_exist({"team_ids": ["PT1"], "user_ids": ["PU1"], "service_ids": None}, ["team_ids", "user_ids"])
    assert seen == ["/teams/PT1", "/users/PU1"]
