"""The browser's part of a sign-in: consent bound to one browser, the way back checked, approvals remembered.

Each ``httpx2.AsyncClient`` is one browser (its own cookie jar); the attacker and the victim are two.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx2
import pytest
from mcp.shared.auth import OAuthClientInformationFull
from pydantic import AnyUrl

from pagerduty_mcp.common.hosting.redirects import RedirectPolicy
from pagerduty_mcp.common.pagerduty.observe import Observer, add_observer, remove_observer
from tests.common.hosting.sign_in_steps import (
    CLIENT_REDIRECT,
    JONAS,
    Setup,
    authorize,
    authorize_url,
    oauth_setup,
    pkce,
    register,
    sign_in,
)
from tests.consent_form import consent_form

pytestmark = [pytest.mark.unit, pytest.mark.common, pytest.mark.anyio]

MARIA = "maria.santos@acme-shop.example"


class Outcomes(Observer):
    def __init__(self) -> None:
        self.seen: list[str] = []

    def signed_in(self, outcome: str) -> None:
        self.seen.append(outcome)


@contextmanager
def counted() -> Iterator[Outcomes]:
    outcomes = Outcomes()
    add_observer(outcomes)
    try:
        yield outcomes
    finally:
        remove_observer(outcomes)


@asynccontextmanager
async def another_browser(setup: Setup) -> AsyncIterator[httpx2.AsyncClient]:
    transport = httpx2.ASGITransport(app=setup.resource.app)  # type: ignore[arg-type]
    async with httpx2.AsyncClient(transport=transport, base_url=setup.http.base_url) as http:
        yield http


async def consent_of(http: httpx2.AsyncClient, client: dict[str, Any]) -> tuple[str, httpx2.Response]:
    """The consent page's URL and the page, for a fresh authorization request of ``client``."""
    answer = await http.get(authorize_url(client, pkce()[1]))
    assert answer.status_code == 302, answer.text
    location = answer.headers["location"]
    return location, await http.get(location)


async def follow(http: httpx2.AsyncClient, url: str, login_as: str = JONAS) -> tuple[int, str, dict[str, str]]:
    """Follows redirects without answering any consent page: the last status, URL and query."""
    for _ in range(8):
        parts = urlsplit(url)
        if url.startswith(CLIENT_REDIRECT):
            return 302, url, {k: v[0] for k, v in parse_qs(parts.query).items()}
        if parts.path == "/oauth/sandbox/authorize" and "login_as=" not in url:
            url += "&" + urlencode({"login_as": login_as})
        answer = await http.get(url)
        if answer.status_code not in (302, 303):
            return answer.status_code, url, {"body": answer.text}
        url = answer.headers["location"]
    raise AssertionError("too many redirects")


async def approve(http: httpx2.AsyncClient, page: httpx2.Response) -> str:
    """Approves on ``page``; where the browser is sent next (PagerDuty's sign-in page)."""
    action, fields = consent_form(page.text)
    answer = await http.post(action, data={**fields, "decision": "approve"})
    assert answer.status_code == 303, answer.text
    return str(answer.headers["location"])


async def test_a_denial_on_our_page_reaches_the_client_and_nothing_goes_to_pagerduty() -> None:
    async with oauth_setup() as setup:
        client = await register(setup.http)
        before = len(setup.box.request_log)
        with counted() as outcomes:
            denied = await authorize(setup.http, client, pkce()[1], decision="deny")
        assert denied == {
            "error": "access_denied",
            "error_description": "The user denied the app on the consent page.",
            "state": "client-state",
        }
        assert outcomes.seen == ["denied"]
        assert len(setup.box.request_log) == before  # PagerDuty was never asked
        assert not any(key.startswith("pending:") for key in setup.store._items)


async def test_a_sign_in_approved_in_one_browser_cannot_complete_in_another() -> None:
    """The one-link attack: the attacker approves their own client in their browser and sends the
    victim PagerDuty's sign-in link. PagerDuty signs the victim in at once (they consented to the
    operator's app long ago), but the way back refuses the victim's browser: no code is issued."""
    async with oauth_setup() as setup:
        attacker = await register(setup.http, client_name="Totally Legit", redirect_uris=[CLIENT_REDIRECT])
        _, page = await consent_of(setup.http, attacker)
        link = await approve(setup.http, page)
        assert "/oauth/sandbox/authorize?" in link  # PagerDuty's sign-in page, with our state
        async with another_browser(setup) as victim:
            with counted() as outcomes:
                status, _, answer = await follow(victim, link, login_as=MARIA)
        assert status == 403 and "approved in another browser" in answer["body"]
        assert outcomes.seen == ["wrong_browser"]
        assert not any(key.startswith("code:") for key in setup.store._items)  # nothing for the attacker
        # The sign-in is spent: the attacker's own browser cannot finish it with the victim's code either.
        status, _, _ = await follow(setup.http, link, login_as=MARIA)
        assert status == 400


async def test_a_consent_page_opened_by_one_browser_cannot_be_shown_to_another() -> None:
    async with oauth_setup() as setup:
        client = await register(setup.http)
        url, page = await consent_of(setup.http, client)
        assert page.status_code == 200
        async with another_browser(setup) as victim:
            elsewhere = await victim.get(url)
        assert elsewhere.status_code == 403 and "opened in another browser" in elsewhere.text
        assert (await setup.http.get(url)).status_code == 200  # still fine where it was opened


@pytest.mark.parametrize("forgery", ["cross_site_origin", "sec_fetch_site", "no_cookie", "wrong_csrf"])
async def test_an_approval_not_sent_from_our_page_in_this_browser_approves_nothing(forgery: str) -> None:
    async with oauth_setup() as setup:
        client = await register(setup.http)
        _, page = await consent_of(setup.http, client)
        action, fields = consent_form(page.text)
        form = {**fields, "decision": "approve"}
        if forgery == "cross_site_origin":
            forged = await setup.http.post(action, data=form, headers={"Origin": "https://evil.example.com"})
        elif forgery == "sec_fetch_site":
            forged = await setup.http.post(action, data=form, headers={"Sec-Fetch-Site": "cross-site"})
        elif forgery == "wrong_csrf":
            forged = await setup.http.post(action, data={**form, "csrf": "guessed"})
        else:
            async with another_browser(setup) as other:
                forged = await other.post(action, data=form)
        assert forged.status_code == 403, forged.text
        assert "did not come from the sign-in page" in forged.text
        assert not any(key.startswith("pending:") for key in setup.store._items)
        # The honest answer still works: a forgery costs the user nothing.
        assert (await setup.http.post(action, data=form)).status_code == 303


async def test_an_approval_is_remembered_per_user_client_and_redirect_uri() -> None:
    async with oauth_setup() as setup:
        client = await register(setup.http)
        _, page = await consent_of(setup.http, client)
        assert page.status_code == 200
        status, _, query = await follow(setup.http, await approve(setup.http, page))
        assert status == 302 and "code" in query
        assert "pdmcp-user=" in str(setup.http.cookies.jar)

        # The same user, client and redirect URI, in this browser: straight on to PagerDuty.
        with counted() as outcomes:
            status, _, query = await follow(setup.http, authorize_url(client, pkce()[1]))
        assert status == 302 and "code" in query and outcomes.seen == ["ok"]

        # Another client, or another redirect URI of the same client: asked again.
        other = await register(setup.http)
        _, page = await consent_of(setup.http, other)
        assert page.status_code == 200 and "Approve" in page.text
        two = await register(setup.http, redirect_uris=[CLIENT_REDIRECT, "http://127.0.0.1:40001/cb"])
        await sign_in(setup.http, client=two)
        answer = await setup.http.get(authorize_url(two, pkce()[1], redirect_uri="http://127.0.0.1:40001/cb"))
        assert (await setup.http.get(answer.headers["location"])).status_code == 200

        # Another browser knows no user: asked again.
        async with another_browser(setup) as fresh:
            _, page = await consent_of(fresh, client)
        assert page.status_code == 200 and "Approve" in page.text


async def test_a_remembered_approval_never_covers_another_user() -> None:
    async with oauth_setup() as setup:
        client, _ = await sign_in(setup.http)  # Jonas approved, in this browser
        held = set(setup.box.state.tables["oauth_tokens"])
        with counted() as outcomes:  # no page: Jonas approved it before; but Maria signs in
            status, _, query = await follow(setup.http, authorize_url(client, pkce()[1]), login_as=MARIA)
        assert status == 302 and query["error"] == "access_denied" and "another user" in query["error_description"]
        assert outcomes.seen == ["denied"]
        assert set(setup.box.state.tables["oauth_tokens"]) == held  # Maria's new PagerDuty token is revoked
        _, page = await consent_of(setup.http, client)
        assert page.status_code == 200  # the user cookie was dropped: the page asks again


async def test_a_client_whose_redirect_the_operator_no_longer_allows_stops_at_our_page() -> None:
    async with oauth_setup(redirects=RedirectPolicy.parse("claude.ai")) as setup:
        # Registered before the operator narrowed the allow-list (or before there were rules at all).
        old = OAuthClientInformationFull(
            client_id="registered-long-ago",
            client_secret="a-secret-of-the-old-client",
            redirect_uris=[AnyUrl("https://old-partner.example/cb")],
            token_endpoint_auth_method="client_secret_post",
        )
        await setup.resource.provider.register_client(old)
        client = {"client_id": old.client_id}
        answer = await setup.http.get(authorize_url(client, pkce()[1], redirect_uri="https://old-partner.example/cb"))
        page = await setup.http.get(answer.headers["location"])
        assert page.status_code == 400 and "cannot sign in here" in page.text
        assert "old-partner.example" in page.text and "Approve" not in page.text


async def test_every_end_of_a_sign_in_is_counted_with_its_outcome() -> None:
    async with oauth_setup() as setup:
        with counted() as outcomes:
            await sign_in(setup.http)
            client = await register(setup.http)
            await authorize(setup.http, client, pkce()[1], login_as="nobody@example.com")  # PagerDuty declines
            await setup.http.get("/oauth/callback?state=never-issued&code=x")
        assert outcomes.seen == ["ok", "denied", "expired"]
