from __future__ import annotations

import httpx2
import pytest

from pagerduty_mcp.common.pagerduty.errors import ToolFailure
from pagerduty_mcp.common.toolkit.filters import check_filter_ids
from tests.common.fakes import make_client, reply

pytestmark = [pytest.mark.unit, pytest.mark.common]


def known(*paths: str):
    seen: list[str] = []

    def handle(request: httpx2.Request) -> httpx2.Response:
        seen.append(request.url.path)
        if request.url.path in paths:
            return reply(200, {"team": {"id": "x"}})(request)
        return reply(404, {"error": {"message": "Not Found", "code": 2100}})(request)

    return handle, seen


def test_a_non_empty_answer_costs_no_request() -> None:
    handle, seen = known()
    check_filter_ids(make_client(handle), [{"id": "P1"}], {"team_ids": ["Database"]})
    assert seen == []


def test_an_empty_answer_with_an_unknown_id_names_the_parameter() -> None:
    handle, seen = known("/teams/PT1")
    with pytest.raises(ToolFailure) as caught:
        check_filter_ids(make_client(handle), [], {"team_ids": ["PT1", "Database"], "service_ids": ["PS1"]})
    assert caught.value.code == "TEAM_NOT_FOUND"
    assert caught.value.message.startswith("team_ids: no team with id Database")
    assert "list_teams" in caught.value.message
    assert seen == ["/teams/PT1", "/teams/Database"]


def test_an_empty_answer_with_valid_ids_is_a_real_empty_answer() -> None:
    handle, seen = known("/teams/PT1", "/users/PU1")
    check_filter_ids(make_client(handle), [], {"team_ids": ["PT1"], "user_ids": ["PU1"], "service_ids": None})
    assert seen == ["/teams/PT1", "/users/PU1"]
