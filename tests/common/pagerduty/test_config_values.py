from __future__ import annotations

import pytest

from pagerduty_mcp.common.pagerduty.config import Settings, credential_problem, masked_url
from pagerduty_mcp.common.pagerduty.logs import redact

pytestmark = [pytest.mark.unit, pytest.mark.common]


@pytest.mark.parametrize(
    ("secret", "problem"),
    [
        ("u+abcdefgh12345", None),
        ("", "empty"),
        ("u+abc def", "whitespace"),
        ("u+abc\ndef", "line break"),
        ("u+abcdéf", "non-ASCII"),
        ("u+abc\x7fdef", "control"),
        ("x" * 513, "longer than 512"),
    ],
)
def test_credential_problems_say_why(secret: str, problem: str | None) -> None:
    found = credential_problem(secret)
    assert (found is None) if problem is None else (found is not None and problem in found)


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "-1", "0", "soon"])
def test_timeouts_must_be_positive_and_finite(value: str) -> None:
    with pytest.raises(ValueError, match="PAGERDUTY_TIMEOUT_SECONDS"):
        Settings.from_env({"PAGERDUTY_TIMEOUT_SECONDS": value})


def test_hosts_refuse_user_and_password_without_echoing_them() -> None:
    with pytest.raises(ValueError) as caught:
        Settings.from_env({"PAGERDUTY_API_HOST": "https://ops:s3cret-pw@api.pagerduty.com"})
    assert "s3cret-pw" not in str(caught.value) and "***@api.pagerduty.com" in str(caught.value)


def test_masked_url_hides_only_the_user_part() -> None:
    assert masked_url("https://u:p@proxy:3128/x@y") == "https://***@proxy:3128/x@y"
    assert masked_url("u:p@proxy:3128") == "***@proxy:3128"
    assert masked_url("https://api.pagerduty.com") == "https://api.pagerduty.com"


def test_a_proxy_password_is_accepted_and_redacted() -> None:
    settings = Settings.from_env({"HTTPS_PROXY": "http://ops:pr0xy-pa55word@127.0.0.1:3128"})
    assert settings.api_host == "https://api.pagerduty.com"
    assert redact("connecting with pr0xy-pa55word") == "connecting with [REDACTED]"
