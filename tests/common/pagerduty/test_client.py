from __future__ import annotations

import httpx2
import pytest

from pagerduty_mcp.common.pagerduty.client import path
from pagerduty_mcp.common.pagerduty.context import Deadline, RequestContext, bind_request, unbind_request
from pagerduty_mcp.common.pagerduty.errors import ToolFailure
from tests.common.fakes import Recorder, make_client, reply

pytestmark = [pytest.mark.unit, pytest.mark.common]


def test_requests_carry_token_user_agent_and_api_version() -> None:
    rec = Recorder(reply(200, {"users": []}))
    client = make_client(rec, secret="u+secret-token-123")
    client.read("/users", {"team_ids": ["P1", "P2"]})
    request = rec.requests[0]
    assert request.headers["authorization"] == "Token token=u+secret-token-123"
    assert request.headers["user-agent"].startswith("pagerduty-mcp/")
    assert "vnd.pagerduty+json;version=2" in request.headers["accept"]
    # Lists become key[]= arrays, as PagerDuty expects.
    assert request.url.params.get_list("team_ids[]") == ["P1", "P2"]


def test_oauth_tokens_are_sent_as_bearer() -> None:
    rec = Recorder(reply(200, {}))
    make_client(rec, secret="oauth-token-xyz", kind="bearer").read("/priorities")
    assert rec.requests[0].headers["authorization"] == "Bearer oauth-token-xyz"


def test_rate_limit_waits_what_retry_after_asks_then_succeeds() -> None:
    sleeps: list[float] = []
    rec = Recorder(reply(429, {"error": {}}, {"retry-after": "2"}), reply(200, {"ok": 1}))
    client = make_client(rec, sleeps=sleeps)
    assert client.read("/incidents") == {"ok": 1}
    assert sleeps == [2.0]
    assert len(rec.requests) == 2


def test_rate_limit_gives_up_after_the_capped_total_wait() -> None:
    sleeps: list[float] = []
    rec = Recorder(reply(429, {"error": {"message": "Rate Limit Exceeded"}}, {"retry-after": "4"}))
    client = make_client(rec, sleeps=sleeps)
    with pytest.raises(ToolFailure) as caught:
        client.read("/incidents")
    assert caught.value.code == "RATE_LIMITED"
    assert "4" in caught.value.message
    assert sum(sleeps) <= client.rate_limit_wait_seconds
    assert sleeps == [4.0, 4.0]  # a third wait would pass the 10 s cap


def test_ratelimit_reset_header_is_honoured_when_retry_after_is_absent() -> None:
    sleeps: list[float] = []
    rec = Recorder(reply(429, None, {"ratelimit-reset": "3"}), reply(200, {}))
    make_client(rec, sleeps=sleeps).read("/services")
    assert sleeps == [3.0]


def test_server_errors_are_retried_for_reads_within_bounds() -> None:
    sleeps: list[float] = []
    rec = Recorder(reply(502, {"error": {"message": "bad gateway"}}))
    client = make_client(rec, sleeps=sleeps)
    with pytest.raises(ToolFailure) as caught:
        client.read("/incidents")
    assert caught.value.code == "UPSTREAM_ERROR"
    assert len(rec.requests) == 1 + client.read_retries


def test_writes_are_not_replayed_after_a_server_error() -> None:
    rec = Recorder(reply(503, {"error": {"message": "unavailable"}}))
    client = make_client(rec, email="me@example.com")
    with pytest.raises(ToolFailure) as caught:
        client.write("POST", "/incidents", {"incident": {}}, needs_from=True)
    assert caught.value.code == "WRITE_OUTCOME_UNKNOWN"
    assert len(rec.requests) == 1
    assert rec.requests[0].headers["from"] == "me@example.com"


def test_a_write_whose_connection_drops_reports_an_unknown_outcome() -> None:
    calls = []

    def drop(request: httpx2.Request) -> httpx2.Response:
        calls.append(request)
        raise httpx2.ReadError("connection reset", request=request)

    client = make_client(drop)
    with pytest.raises(ToolFailure) as caught:
        client.write("PUT", "/incidents", {"incidents": []})
    assert caught.value.code == "WRITE_OUTCOME_UNKNOWN"
    assert "check" in caught.value.message
    assert len(calls) == 1


def test_reads_retry_network_errors_then_raise() -> None:
    calls = []

    def drop(request: httpx2.Request) -> httpx2.Response:
        calls.append(request)
        raise httpx2.ReadError("reset", request=request)

    client = make_client(drop)
    with pytest.raises(httpx2.ReadError):
        client.read("/users")
    assert len(calls) == 1 + client.read_retries


def test_from_email_comes_from_the_current_user_once() -> None:
    rec = Recorder(reply(200, {"user": {"id": "PU1", "email": "ann@example.com"}}))
    client = make_client(rec)
    assert client.from_email() == "ann@example.com"
    assert client.from_email() == "ann@example.com"
    assert len(rec.requests) == 1  # cached


def test_account_level_token_has_no_current_user_and_needs_an_email() -> None:
    body = {"error": "Because this request was made using an account-level access token, we were unable to ..."}
    client = make_client(Recorder(reply(400, body)))
    assert client.current_user() is None
    with pytest.raises(ToolFailure) as caught:
        client.from_email()
    assert caught.value.code == "FROM_EMAIL_REQUIRED"
    assert "PAGERDUTY_USER_EMAIL" in caught.value.message


def test_no_request_is_sent_once_the_call_deadline_has_passed() -> None:
    rec = Recorder(reply(200, {}))
    client = make_client(rec)
    token = bind_request(RequestContext(deadline=Deadline(at=0.0)))
    try:
        with pytest.raises(httpx2.TimeoutException):
            client.read("/users")
    finally:
        unbind_request(token)
    assert rec.requests == []


def test_path_escapes_ids_so_they_stay_one_segment() -> None:
    assert path("/incidents/{}/notes", "../users") == "/incidents/..%2Fusers/notes"
    assert path("/teams/{}/users/{}", "PT1", "a?b#c") == "/teams/PT1/users/a%3Fb%23c"


def test_the_events_host_follows_the_region_and_never_escapes_a_custom_host() -> None:
    from pagerduty_mcp.common.pagerduty.config import Settings

    assert Settings.from_env({}).events_host == "https://events.pagerduty.com"
    assert Settings.from_env({"PAGERDUTY_API_HOST": "https://api.eu.pagerduty.com"}).events_host == (
        "https://events.eu.pagerduty.com"
    )
    assert Settings.from_env({"PAGERDUTY_API_HOST": "https://127.0.0.1:8443"}).events_host == "https://127.0.0.1:8443"
    explicit = {"PAGERDUTY_API_HOST": "https://pd-proxy.internal", "PAGERDUTY_EVENTS_API_HOST": "https://ev.internal/"}
    assert Settings.from_env(explicit).events_host == "https://ev.internal"
    with pytest.raises(ValueError, match="https://"):
        Settings.from_env({"PAGERDUTY_EVENTS_API_HOST": "http://plain"})


def test_reference_data_is_cached_per_credential_until_it_expires(mocker) -> None:
    from pagerduty_mcp.common.pagerduty import client as client_module

    rec = Recorder(reply(200, {"priorities": [{"id": "P1"}]}))
    client = make_client(rec)
    clock = mocker.patch.object(client_module.time, "monotonic", return_value=1000.0)
    fetch = lambda: client.read("/priorities")  # noqa: E731
    assert client.reference("priorities", fetch) == {"priorities": [{"id": "P1"}]}
    assert client.reference("priorities", fetch) == {"priorities": [{"id": "P1"}]}
    assert len(rec.requests) == 1
    clock.return_value = 1000.0 + client_module.REFERENCE_TTL_SECONDS + 1
    client.reference("priorities", fetch)
    assert len(rec.requests) == 2


def test_a_failed_reference_fetch_is_not_cached() -> None:
    rec = Recorder(reply(503, {"error": {"message": "down"}}), reply(200, {"priorities": []}))
    client = make_client(rec)
    client.read_retries = 0
    with pytest.raises(ToolFailure):
        client.reference("priorities", lambda: client.read("/priorities"))
    assert client.reference("priorities", lambda: client.read("/priorities")) == {"priorities": []}
