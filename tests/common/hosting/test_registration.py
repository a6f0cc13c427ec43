"""Dynamic client registration, bounded: metadata size, names, redirect rules, rate, lifetime."""

from __future__ import annotations

import time
from typing import Any

import httpx2
import pytest

from pagerduty_mcp.common.hosting.budget import MemoryBuckets
from pagerduty_mcp.common.hosting.redirects import RedirectPolicy
from pagerduty_mcp.common.hosting.registration import (
    MAX_METADATA_BYTES,
    UNUSED_CLIENT_SECONDS,
    RegistrationLimit,
    address_key,
)
from tests.common.hosting.sign_in_steps import CLIENT_REDIRECT, oauth_setup, register, sign_in

pytestmark = [pytest.mark.unit, pytest.mark.common, pytest.mark.anyio]


async def _register(http: httpx2.AsyncClient, **metadata: Any) -> httpx2.Response:
    return await http.post("/register", json={"redirect_uris": [CLIENT_REDIRECT], **metadata})


@pytest.mark.parametrize(
    ("metadata", "error", "said"),
    [
        ({"redirect_uris": ["http://evil.example.com/cb"]}, "invalid_redirect_uri", "use https"),
        ({"redirect_uris": ["javascript:alert(1)"]}, "invalid_redirect_uri", "javascript:"),
        ({"redirect_uris": ["https://good.example/cb#x"]}, "invalid_redirect_uri", "fragment"),
        ({"redirect_uris": [f"http://127.0.0.1:{4000 + i}/cb" for i in range(6)]}, "invalid_redirect_uri", "at most 5"),
        ({"redirect_uris": []}, "invalid_redirect_uri", "non-empty list"),
        ({"client_name": "n" * 201}, "invalid_client_metadata", "at most 200 characters"),
        ({"client_name": {"a": 1}}, "invalid_client_metadata", "client_name must be a string"),
        ({"client_uri": "https://x.example/" + "p" * MAX_METADATA_BYTES}, "invalid_client_metadata", "8192 bytes"),
    ],
)
async def test_registration_refuses_what_it_must_with_rfc_7591_errors(
    metadata: dict[str, Any], error: str, said: str
) -> None:
    async with oauth_setup() as setup:
        answer = await _register(setup.http, **metadata)
        assert answer.status_code == 400, answer.text
        assert answer.json()["error"] == error and said in answer.json()["error_description"]
        assert not any(key.startswith("client:") for key in setup.store._items)  # nothing was kept


async def test_a_body_that_is_not_a_json_object_is_refused() -> None:
    async with oauth_setup() as setup:
        for body in (b"[1]", b"not json", b'"x"'):
            answer = await setup.http.post("/register", content=body, headers={"content-type": "application/json"})
            assert answer.status_code == 400 and answer.json()["error"] == "invalid_client_metadata"


async def test_the_operators_allow_list_refuses_other_https_hosts() -> None:
    async with oauth_setup(redirects=RedirectPolicy.parse("claude.ai")) as setup:
        refused = await _register(setup.http, redirect_uris=["https://evil.example.com/cb"])
        assert refused.status_code == 400 and refused.json()["error"] == "invalid_redirect_uri"
        assert "claude.ai" in refused.json()["error_description"]
        assert (
            await _register(setup.http, redirect_uris=["https://claude.ai/api/mcp/auth_callback"])
        ).status_code == 201
        assert (await _register(setup.http, redirect_uris=["http://127.0.0.1:33418/"])).status_code == 201


async def test_one_address_is_refused_past_its_hourly_limit_with_retry_after() -> None:
    async with oauth_setup(registrations_per_hour=30) as setup:
        answers = [await _register(setup.http) for _ in range(15)]
        accepted = [a for a in answers if a.status_code == 201]
        assert len(accepted) == 10  # a third of the hourly limit at once, then one every two minutes
        refused = answers[-1]
        assert refused.status_code == 429 and refused.json()["error"] == "rate_limited"
        assert 1 <= int(refused.headers["retry-after"]) <= 120
        assert "30 an hour" in refused.json()["error_description"]
        other = httpx2.ASGITransport(app=setup.resource.app, client=("10.9.8.7", 5000))  # type: ignore[arg-type]
        async with httpx2.AsyncClient(transport=other, base_url=setup.http.base_url) as elsewhere:
            assert (await _register(elsewhere)).status_code == 201  # another address has its own limit


def test_addresses_are_counted_per_ipv4_address_and_per_ipv6_64() -> None:
    assert address_key("203.0.113.7") == "203.0.113.7"
    assert address_key("2001:db8:1:2:aaaa::1") == address_key("2001:db8:1:2:bbbb::9") == "2001:db8:1:2::/64"
    assert address_key("2001:db8:1:3::1") != address_key("2001:db8:1:2::1")
    assert address_key("::ffff:203.0.113.7") == "203.0.113.7"
    assert address_key(None) == "unknown"


async def test_all_addresses_together_are_bounded_too() -> None:
    limit = RegistrationLimit(MemoryBuckets(), per_hour=30, all_per_hour=9)
    verdicts = [await limit.refusal(f"198.51.100.{i}") for i in range(5)]
    assert verdicts[:3] == [None, None, None]
    refused = verdicts[3]
    assert refused is not None and "on this server" in refused[1]


async def test_a_client_that_never_signs_in_is_forgotten_after_an_hour_a_used_one_is_kept() -> None:
    async with oauth_setup() as setup:
        unused = await register(setup.http)
        used, _ = await sign_in(setup.http)

        def lifetime(client: dict[str, Any]) -> float:
            return setup.store._items[f"client:{client['client_id']}"][0] - time.monotonic()

        assert UNUSED_CLIENT_SECONDS - 60 < lifetime(unused) <= UNUSED_CLIENT_SECONDS
        assert lifetime(used) > 300 * 86400  # extended when its first tokens were issued
