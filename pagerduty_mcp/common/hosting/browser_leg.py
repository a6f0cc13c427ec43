"""The browser's part of a sign-in: our consent page, the trip to PagerDuty, and the way back.

1. ``/authorize`` (the SDK's handler, then :meth:`BrowserLeg.begin`) keeps the client's request
   and sends the browser to our consent page, never straight to PagerDuty.
2. ``GET /oauth/consent`` binds the request to this browser (its cookie) and shows the page; an
   approval this user gave before, for this client and redirect URI, skips it.
3. ``POST /oauth/consent`` (same origin, the request's form token, the browser's cookie) approves
   or denies. Approved, the browser goes on to PagerDuty with the operator's app and PKCE.
4. ``GET /oauth/callback``: only in the browser that approved. We exchange PagerDuty's code for the
   user's token, seal it, remember the approval, and send the client a code of our own.

What each check guards against is said in ``consent``; every end of a sign-in is counted in
``pagerduty_mcp_sign_ins_total{outcome}``.
"""

from __future__ import annotations

import hmac
import logging
import secrets
import time
from typing import Any
from urllib.parse import urlsplit

from mcp.server.auth.provider import AuthorizationParams, AuthorizeError, construct_redirect_uri
from mcp.shared.auth import OAuthClientInformationFull
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from pagerduty_mcp.common.hosting.consent import (
    CONSENT_PATH,
    Cookies,
    access_of,
    consent_page,
    message_page,
    redirect_source,
)
from pagerduty_mcp.common.hosting.oauth_config import OAuthConfig
from pagerduty_mcp.common.hosting.sealing import Sealer, SealingError
from pagerduty_mcp.common.hosting.store import Store, StoreUnavailable, digest
from pagerduty_mcp.common.pagerduty.identity import IdentityError, PagerDutyIdentity, pkce_pair
from pagerduty_mcp.common.pagerduty.logs import redact
from pagerduty_mcp.common.pagerduty.observe import observers
from pagerduty_mcp.common.pagerduty.text import clean_text

__all__ = [
    "CODE_SECONDS",
    "PENDING_SECONDS",
    "REMEMBER_SECONDS",
    "SANDBOX_SIGN_IN_PATH",
    "UNAVAILABLE",
    "BrowserLeg",
]

log = logging.getLogger(__name__)

# With an in-process sandbox, its sign-in page is served here (a browser cannot reach a transport).
SANDBOX_SIGN_IN_PATH = "/oauth/sandbox/authorize"
PENDING_SECONDS = 600.0  # the user has ten minutes for our page and PagerDuty's sign-in page
CODE_SECONDS = 300.0
REMEMBER_SECONDS = 30 * 86400.0  # an approval, and the cookie naming its user, last this long
UNAVAILABLE = (
    "The sign-in store (Redis) is unreachable, so signing in, refreshing and revoking are paused. "
    "Try again in a moment."
)
_START_AGAIN = "Start the sign-in again from your MCP client."


def _expired() -> Response:
    return message_page(400, "This sign-in link has expired", f"It was used already or is too old. {_START_AGAIN}")


def _now() -> float:
    return time.time()


def _counted(outcome: str) -> None:
    observers().signed_in(outcome)


class BrowserLeg:
    """Steps 1 to 4 of the module docstring, over the shared sign-in store."""

    def __init__(self, config: OAuthConfig, store: Store, sealer: Sealer, identity: PagerDutyIdentity) -> None:
        self.config = config
        self.store = store
        self.sealer = sealer
        self.identity = identity
        self.cookies = Cookies(secure=config.public_url.startswith("https://"))

    # -- 1: the client's request, kept until the user answers ------------------------------------
    async def begin(self, client: OAuthClientInformationFull, params: AuthorizationParams, asked: list[str]) -> str:
        request_id = secrets.token_urlsafe(32)
        record = {
            "client_id": client.client_id,
            "client_name": client.client_name,
            "redirect_uri": str(params.redirect_uri),
            "explicit": params.redirect_uri_provided_explicitly,
            "challenge": params.code_challenge,
            "state": params.state,
            "scopes": asked,
            "csrf": secrets.token_urlsafe(32),
            "browser": None,
            "expires_at": _now() + PENDING_SECONDS,
        }
        try:
            await self.store.put(f"request:{digest(request_id)}", record, PENDING_SECONDS)
        except StoreUnavailable:
            raise AuthorizeError("temporarily_unavailable", UNAVAILABLE) from None
        return f"{self.config.public_url}{CONSENT_PATH}?request={request_id}"

    # -- 2: the page -----------------------------------------------------------------------------
    async def show(self, request: Request) -> Response:
        request_id = request.query_params.get("request") or ""
        key = f"request:{digest(request_id)}"
        record = await self.store.get(key) if request_id else None
        if record is None:
            _counted("expired")
            return _expired()
        refused = self.config.redirects.refusal(record["redirect_uri"])
        if refused is not None:  # registered before the rules, or before the operator narrowed them
            await self.store.delete(key)
            _counted("refused")
            return message_page(400, "This app cannot sign in here", f"Its redirect URI is not allowed: {refused}.")
        browser = self.cookies.read(request, self.cookies.browser) or secrets.token_urlsafe(32)
        cookies = [self.cookies.set(self.cookies.browser, browser, int(PENDING_SECONDS))]
        if record["browser"] is None:
            record["browser"] = digest(browser)
            await self.store.put(key, record, max(1.0, record["expires_at"] - _now()))
        elif not hmac.compare_digest(record["browser"], digest(browser)):
            _counted("wrong_browser")
            return message_page(
                403, "This sign-in was opened in another browser", f"It can only go on there. {_START_AGAIN}", cookies
            )
        access = access_of(
            self.config.allowed_tools(record["scopes"]), self.config.write_tools, self.config.tool_scopes
        )
        user = self._remembered_user(request)
        if user is not None:
            approval = await self.store.get(self._approval_key(user, record))
            if approval is not None and (approval.get("writes") or not access.writes):
                await self.store.delete(key)
                return _see_other(await self._leave(record, user), cookies)
        identity_origin = redirect_source(self.config.sign_in_url or self.identity.app.authorize_url)
        return consent_page(
            server=f"PagerDuty MCP server at {urlsplit(self.config.public_url).netloc}",
            client_name=record.get("client_name"),
            redirect_uri=record["redirect_uri"],
            access=access,
            action=f"{self.config.public_url}{CONSENT_PATH}",
            fields={"request": request_id, "csrf": record["csrf"]},
            form_sources=(identity_origin, redirect_source(record["redirect_uri"])),
            cookies=cookies,
        )

    # -- 3: the answer ---------------------------------------------------------------------------
    async def answer(self, request: Request) -> Response:
        form = await request.form()
        request_id, token, decision = (str(form.get(name) or "") for name in ("request", "csrf", "decision"))
        key = f"request:{digest(request_id)}"
        record = await self.store.get(key) if request_id else None
        if record is None:
            _counted("expired")
            return _expired()
        browser = self.cookies.read(request, self.cookies.browser)
        if (
            not self._same_origin(request)
            or browser is None
            or record["browser"] is None
            or not hmac.compare_digest(record["browser"], digest(browser))
            or not hmac.compare_digest(record["csrf"].encode(), token.encode())
        ):
            # A form on another site, or a page this browser never opened: approve nothing.
            log.warning("consent: refused an answer that did not come from the page this browser opened")
            return message_page(
                403,
                "This answer did not come from the sign-in page",
                f"Approve or deny on the page this server showed you, in the same browser. {_START_AGAIN}",
            )
        if decision not in ("approve", "deny"):
            return message_page(400, "Approve or deny", "The form was sent without an answer: go back and choose one.")
        if await self.store.take(key) is None:
            _counted("expired")
            return message_page(400, "This sign-in was already answered", _START_AGAIN)
        if decision == "deny":
            _counted("denied")
            log.info("consent: the user denied client %s", record["client_id"])
            return _see_other(
                construct_redirect_uri(
                    record["redirect_uri"],
                    error="access_denied",
                    error_description="The user denied the app on the consent page.",
                    state=record["state"],
                )
            )
        return _see_other(await self._leave(record, None))

    def _same_origin(self, request: Request) -> bool:
        """Sent by a page of this server: ``Origin`` (and ``Sec-Fetch-Site``) when the browser says."""
        origin = request.headers.get("origin")
        ours = redirect_source(self.config.public_url)
        if origin is not None and origin.rstrip("/").lower() != ours.lower():
            return False
        return request.headers.get("sec-fetch-site", "same-origin") == "same-origin"

    async def _leave(self, record: dict[str, Any], remembered_for: str | None) -> str:
        """On to PagerDuty: the sign-in to come back to, and the URL of PagerDuty's page."""
        state = secrets.token_urlsafe(32)
        verifier, challenge = pkce_pair()
        pending = {
            "client_id": record["client_id"],
            "redirect_uri": record["redirect_uri"],
            "explicit": record["explicit"],
            "challenge": record["challenge"],
            "state": record["state"],
            "scopes": record["scopes"],
            "browser": record["browser"],
            "remembered_for": remembered_for,
            "verifier": self.sealer.seal(verifier),
        }
        await self.store.put(f"pending:{digest(state)}", pending, PENDING_SECONDS)
        url = self.identity.authorize_url(self.config.callback_url, tuple(record["scopes"]), state, challenge)
        if self.config.sign_in_url:
            url = self.config.sign_in_url + url[url.index("?") :]
        return url

    # -- 4: back from PagerDuty ------------------------------------------------------------------
    async def callback(self, request: Request) -> Response:
        state = request.query_params.get("state") or ""
        pending = await self.store.take(f"pending:{digest(state)}") if state else None
        if pending is None:
            _counted("expired")
            return _refusal(request, 400, "This sign-in link expired or was already used", _START_AGAIN)
        browser = self.cookies.read(request, self.cookies.browser)
        if browser is None or not hmac.compare_digest(pending["browser"], digest(browser)):
            # A link to PagerDuty's page, opened by someone other than who approved: complete nothing.
            _counted("wrong_browser")
            log.warning("sign-in: the way back came to a browser other than the one that approved; refused")
            return _refusal(
                request,
                403,
                "This sign-in was approved in another browser",
                f"A sign-in completes only in the browser where it was approved. {_START_AGAIN}",
            )
        back = pending["redirect_uri"]
        if request.query_params.get("error"):
            _counted("denied")
            said = request.query_params.get("error_description") or request.query_params["error"]
            said = clean_text(redact(said), 300)
            said = f"PagerDuty: {said}"
            return _redirect(back, error="access_denied", error_description=said, state=pending["state"])
        try:
            grant = await self.identity.exchange_code(
                request.query_params.get("code") or "",
                self.sealer.open(pending["verifier"]),
                self.config.callback_url,
                tuple(pending["scopes"]),
            )
        except IdentityError as exc:
            _counted("refused")
            log.warning("sign-in: PagerDuty refused the code exchange (%s)", exc.error)
            described = f"PagerDuty refused the sign-in ({exc.error}): {exc.description}"
            return _redirect(back, error="server_error", error_description=described, state=pending["state"])
        user = (await self.identity.current_user(self.config.api_host, grant.access_token) or {}).get("id")
        user = str(user) if user else None
        if pending["remembered_for"] is not None and user != pending["remembered_for"]:
            # The approval on file is another user's: this one has not approved the client.
            _counted("denied")
            await self._forget_upstream(grant.access_token)
            return _redirect(
                back,
                error="access_denied",
                error_description="Signed in to PagerDuty as another user than the one who approved this app: "
                "sign in again to approve it as yourself.",
                state=pending["state"],
                cookies=[self.cookies.set(self.cookies.user, "", 0)],
            )
        granted = grant.scopes  # PagerDuty's word: what the user's role and the app allow
        grant_id = secrets.token_urlsafe(18)
        record = {
            "user": user or "unknown",
            "client_id": pending["client_id"],
            "scopes": list(granted),
            "pd_access": self.sealer.seal(grant.access_token),
            "pd_refresh": self.sealer.seal(grant.refresh_token) if grant.refresh_token else None,
            "pd_expires_at": grant.expires_at,
        }
        code = secrets.token_urlsafe(32)
        await self.store.put(f"grant:{grant_id}", record, self.config.refresh_seconds)
        await self.store.put(
            f"code:{digest(code)}",
            {
                "client_id": pending["client_id"],
                "redirect_uri": back,
                "explicit": pending["explicit"],
                "challenge": pending["challenge"],
                "scopes": list(granted),
                "grant": grant_id,
                "resource": self.config.resource_url,
                "expires_at": _now() + CODE_SECONDS,
            },
            CODE_SECONDS,
        )
        cookies: list[str] = []
        if user is not None:
            access = access_of(
                self.config.allowed_tools(pending["scopes"]), self.config.write_tools, self.config.tool_scopes
            )
            await self.store.put(self._approval_key(user, pending), {"writes": access.writes}, REMEMBER_SECONDS)
            cookies.append(self.cookies.set(self.cookies.user, self.sealer.seal(user), int(REMEMBER_SECONDS)))
        _counted("ok")
        log.info("sign-in: user %s signed in with %d scope(s)", record["user"], len(granted))
        return _redirect(back, code=code, state=pending["state"], cookies=cookies)

    def _remembered_user(self, request: Request) -> str | None:
        sealed = self.cookies.read(request, self.cookies.user)
        if sealed is None:
            return None
        try:
            return self.sealer.open(sealed, int(REMEMBER_SECONDS))
        except SealingError:
            return None  # too old, or sealed with a key this server no longer has: ask again

    @staticmethod
    def _approval_key(user: str, record: dict[str, Any]) -> str:
        return f"approval:{digest(chr(10).join((user, record['client_id'], record['redirect_uri'])))}"

    async def _forget_upstream(self, token: str) -> None:
        try:
            await self.identity.revoke(token)
        except IdentityError as exc:
            log.warning("sign-in: PagerDuty's token could not be revoked there (%s)", exc.error)


def _see_other(url: str, cookies: list[str] | None = None) -> Response:
    response = RedirectResponse(url, 303, headers={"Cache-Control": "no-store"})
    for cookie in cookies or ():
        response.headers.append("Set-Cookie", cookie)
    return response


def _redirect(uri: str, *, cookies: list[str] | None = None, **params: str | None) -> Response:
    response = RedirectResponse(construct_redirect_uri(uri, **params), 302, headers={"Cache-Control": "no-store"})
    for cookie in cookies or ():
        response.headers.append("Set-Cookie", cookie)
    return response


def _refusal(request: Request, status: int, title: str, message: str) -> Response:
    """A page for a browser; the OAuth error shape for anything else."""
    if "text/html" in request.headers.get("accept", ""):
        return message_page(status, title, message)
    said = f"{title}: {message[:1].lower()}{message[1:]}"
    return JSONResponse({"error": "invalid_request", "error_description": said}, status, {"Cache-Control": "no-store"})
