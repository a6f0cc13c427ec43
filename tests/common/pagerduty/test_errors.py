from __future__ import annotations

import email.utils
import ssl

import httpx2
import pytest

from pagerduty_mcp.common.pagerduty.errors import (
    failure_from_response,
    retry_after_seconds,
    tls_failure,
    upstream_message,
    when_to_retry,
)
from tests.common.fakes import reply

pytestmark = [pytest.mark.unit, pytest.mark.common]


def answer(status: int, body: object, url: str = "https://api.pagerduty.com/incidents/PX", method: str = "GET"):
    response = reply(status, body)(httpx2.Request(method, url))
    response.read()
    return response


def test_not_found_names_the_resource_from_the_path() -> None:
    failure = failure_from_response(answer(404, {"error": {"message": "Not Found", "code": 2100}}))
    assert failure.code == "INCIDENT_NOT_FOUND"
    nested = answer(404, {"error": {}}, "https://api.pagerduty.com/incidents/P1/alerts/P2")
    assert failure_from_response(nested).code == "ALERT_NOT_FOUND"
    assert failure_from_response(answer(404, {}, "https://api.pagerduty.com/escalation_policies/P1")).code == (
        "ESCALATION_POLICY_NOT_FOUND"
    )
    # A collection followed by a word, not an id, is not what is missing: the incident is.
    for tail in ("business_services/impacts", "status_updates/subscribers", "responder_requests/cancel"):
        missing = answer(404, {}, f"https://api.pagerduty.com/incidents/P1/{tail}")
        assert failure_from_response(missing).code == "INCIDENT_NOT_FOUND", tail
    by_number = answer(404, {}, "https://api.pagerduty.com/incidents/60/business_services/PB1/impacts")
    assert failure_from_response(by_number).code == "BUSINESS_SERVICE_NOT_FOUND"


def test_upstream_text_is_quoted_sanitised_and_cut() -> None:
    body = {"error": {"message": "Invalid Input\u202e Provided", "errors": ["x" * 1000]}}
    failure = failure_from_response(answer(400, body))
    assert failure.code == "INVALID_PARAMETER"
    assert "Invalid Input Provided" in failure.message
    assert "\u202e" not in failure.message
    assert "…[cut" in failure.message and len(failure.message) < 500


@pytest.mark.parametrize(
    ("status", "method", "code"),
    [
        (401, "GET", "UNAUTHORIZED"),
        (403, "GET", "FORBIDDEN"),
        (409, "PUT", "CONFLICT"),
        (429, "GET", "RATE_LIMITED"),
        (500, "GET", "UPSTREAM_ERROR"),
        (502, "POST", "WRITE_OUTCOME_UNKNOWN"),
    ],
)
def test_statuses_map_to_stable_codes(status: int, method: str, code: str) -> None:
    failure = failure_from_response(answer(status, {"error": {"message": "m"}}, method=method), write=method != "GET")
    assert failure.code == code
    assert failure.message.endswith((".", "later.", "again.", "access."))


def _limited(headers: dict[str, str]) -> httpx2.Response:
    request = httpx2.Request("GET", "https://api.pagerduty.com/incidents")
    return httpx2.Response(429, headers=headers, request=request)


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"retry-after": "7"}, 7.0),
        ({"retry-after": "0"}, 0.0),
        ({"retry-after": "-5"}, -5.0),
        ({"retry-after": "soon"}, None),
        ({"retry-after": "nan"}, None),
        ({"ratelimit-reset": "3"}, 3.0),
        ({}, None),
    ],
)
def test_retry_after_reads_seconds_and_refuses_what_it_cannot_read(
    headers: dict[str, str], seconds: float | None
) -> None:
    assert retry_after_seconds(_limited(headers)) == seconds


def test_retry_after_reads_an_http_date_relative_to_now() -> None:
    now = 1_700_000_000.0
    date = email.utils.formatdate(now + 30, usegmt=True)
    assert retry_after_seconds(_limited({"retry-after": date}), now=now) == pytest.approx(30, abs=1)
    past = retry_after_seconds(_limited({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}), now=now)
    assert past is not None and past < 0


def test_when_to_retry_is_a_delay_and_a_utc_time_never_a_header() -> None:
    sentence, details = when_to_retry(9.2, now=0.0)
    assert sentence == "Retry in 10 s (at 1970-01-01T00:00:10Z)."
    assert details == {"retry_after_seconds": 10, "retry_at": "1970-01-01T00:00:10Z"}
    assert when_to_retry(0)[0] == when_to_retry(None)[0] == when_to_retry(-3)[0]
    assert "few seconds" in when_to_retry(None)[0] and when_to_retry(None)[1] == {}


def test_the_credential_a_request_carried_is_masked_in_upstream_text() -> None:
    request = httpx2.Request(
        "GET", "https://api.pagerduty.com/incidents", headers={"Authorization": "Token token=k3y-abcdefgh"}
    )
    response = httpx2.Response(400, json={"error": {"message": "bad: Token token=k3y-abcdefgh"}}, request=request)
    assert upstream_message(response) == "bad: Token token=[REDACTED]"


def test_a_certificate_failure_is_named_with_ssl_cert_file() -> None:
    cause = ssl.SSLCertVerificationError(1, "certificate verify failed: self-signed certificate")
    wrapped = httpx2.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED]")
    wrapped.__cause__ = cause
    failure = tls_failure(wrapped)
    assert failure is not None and failure.code == "UPSTREAM_ERROR"
    assert "SSL_CERT_FILE" in failure.message and "certificate" in failure.message
    assert tls_failure(httpx2.ConnectError("connection refused")) is None
