from __future__ import annotations

import httpx2
import pytest

from pagerduty_mcp.common.pagerduty.errors import failure_from_response
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
