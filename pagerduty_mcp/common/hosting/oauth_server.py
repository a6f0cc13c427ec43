"""Sign in with PagerDuty: this server as the OAuth authorization server and resource server of MCP.

The MCP client discovers us (RFC 9728 metadata, and a ``401`` whose ``WWW-Authenticate`` points at
it), registers itself (``registration``: bounded, and only to redirect URIs ``redirects`` allows),
and sends its user to our ``/authorize``. The user approves the client on our own consent page,
then signs in at PagerDuty's identity service with the operator's OAuth app, PKCE and the scopes
the enabled tools need; PagerDuty sends them back to ``/oauth/callback`` (``browser_leg``), where
we exchange its code for the user's PagerDuty token, seal that token with the server key, and hand
the MCP client a code of our own. From it the client gets our short-lived access token and a
rotating refresh token: each maps to the sign-in (the *grant*), never to PagerDuty's token
directly, and the store keeps only their SHA-256.

A refresh token or code presented twice ends the whole sign-in, on every replica (RFC 9700
§4.14.2, RFC 6749 §4.1.2): whoever used it first, honest client or thief, is signed out, and the
user signs in again (a refresh token carries the id of its sign-in; a spent code is remembered).
Codes and refresh tokens are bound to this server's resource URL (RFC 8707): another server
sharing the store refuses them.

The endpoints are the ``mcp`` SDK's (``create_auth_routes``), driven by :class:`PagerDutySignIn`,
its provider, with our own registration and revocation in front. Every MCP request is then checked
here (:meth:`OAuthResource.authenticate`): the token must be live, issued for this resource (its
audience), and its sign-in not revoked; the call runs with the user's PagerDuty token, and tools
whose scopes the user was not granted are hidden.

State lives in a :mod:`~pagerduty_mcp.common.hosting.store`; with Redis, any replica can carry on
what another began. If the store goes away, tokens this replica already verified keep working
until they expire; everything that writes (sign-in, refresh, revocation) answers 503.
"""

from __future__ import annotations

import contextlib
import logging
import re
import secrets
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx2
from mcp.server.auth.handlers.metadata import ProtectedResourceMetadataHandler
from mcp.server.auth.handlers.register import RegistrationHandler
from mcp.server.auth.handlers.token import TokenHandler
from mcp.server.auth.middleware.client_auth import AuthenticationError, ClientAuthenticator
from mcp.server.auth.provider import (
    AccessToken,
    AuthorizationCode,
    AuthorizationParams,
    AuthorizeError,
    OAuthAuthorizationServerProvider,
    RefreshToken,
    TokenError,
)
from mcp.server.auth.routes import cors_middleware, create_auth_routes
from mcp.server.auth.settings import AuthSettings, ClientRegistrationOptions, RevocationOptions
from mcp.shared.auth import OAuthClientInformationFull, OAuthToken, ProtectedResourceMetadata
from pydantic import AnyHttpUrl, AnyUrl
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from pagerduty_mcp.common.hosting.browser_leg import SANDBOX_SIGN_IN_PATH, UNAVAILABLE, BrowserLeg
from pagerduty_mcp.common.hosting.budget import Bucket, MemoryBuckets
from pagerduty_mcp.common.hosting.client_auth import Rejection, narrowing_from_headers
from pagerduty_mcp.common.hosting.consent import CONSENT_PATH
from pagerduty_mcp.common.hosting.oauth_config import CALLBACK_PATH, OAuthConfig
from pagerduty_mcp.common.hosting.registration import (
    UNUSED_CLIENT_SECONDS,
    RegistrationLimit,
    bounded_registration,
)
from pagerduty_mcp.common.hosting.sealing import Sealer, SealingError
from pagerduty_mcp.common.hosting.store import Store, StoreUnavailable, digest
from pagerduty_mcp.common.pagerduty.config import Credential
from pagerduty_mcp.common.pagerduty.context import Caller, Narrowing
from pagerduty_mcp.common.pagerduty.identity import IdentityError, PagerDutyIdentity

__all__ = [
    "CALLBACK_PATH",
    "SANDBOX_SIGN_IN_PATH",
    "OAuthConfig",
    "OAuthResource",
    "PagerDutySignIn",
    "build_oauth_resource",
]

log = logging.getLogger(__name__)

CLIENT_SECONDS = 365 * 86400.0  # a client that signed in is kept this long after its last token
# A spent code is remembered this long, so that presenting it again ends its sign-in. A refresh
# token needs no such memory: it names its sign-in (``_refresh_token``), so a spent one is known
# as such for as long as the sign-in lasts, at no cost per refresh.
SPENT_CODE_SECONDS = 86400.0
_REFRESH_PREFIX = "pdmcp_rt_"
_GRANT_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")
# Our access token never outlives the PagerDuty token behind it, less this margin.
UPSTREAM_MARGIN_SECONDS = 60.0
_CACHE_SIZE = 10_000
_UNKNOWN_CLIENT = (
    "Unknown client_id: it was never used to sign in within an hour of registering, or it was registered "
    "under a key this server no longer holds. Register the client again."
)


def _now() -> float:
    return time.time()


class PagerDutySignIn(OAuthAuthorizationServerProvider[AuthorizationCode, RefreshToken, AccessToken]):
    """The SDK's ``OAuthAuthorizationServerProvider``, in front of PagerDuty's identity service."""

    def __init__(self, config: OAuthConfig, store: Store, sealer: Sealer, identity: PagerDutyIdentity) -> None:
        self.config = config
        self.store = store
        self.sealer = sealer
        self.identity = identity
        self.browser = BrowserLeg(config, store, sealer, identity)

    # -- clients (dynamic registration) ------------------------------------------------------
    async def get_client(self, client_id: str) -> OAuthClientInformationFull | None:
        record = await self.store.get(f"client:{client_id}")
        if record is None:
            return None
        if record.get("client_secret"):
            try:
                record["client_secret"] = self.sealer.open(record["client_secret"])
            except SealingError:
                log.warning("a client registered under a token key this server no longer holds must register again")
                return None
        return OAuthClientInformationFull.model_validate(record)

    async def register_client(self, client_info: OAuthClientInformationFull) -> None:
        record = client_info.model_dump(mode="json", exclude_none=True)
        if client_info.client_secret:
            record["client_secret"] = self.sealer.seal(client_info.client_secret)
        # Short-lived until its first sign-in (_client_used): unused registrations cost little for long.
        await self.store.put(f"client:{client_info.client_id}", record, UNUSED_CLIENT_SECONDS)

    async def _client_used(self, client_id: str) -> None:
        await self.store.expire(f"client:{client_id}", CLIENT_SECONDS)

    # -- the browser's part: our consent page, PagerDuty, the way back (browser_leg) ---------------
    async def authorize(self, client: OAuthClientInformationFull, params: AuthorizationParams) -> str:
        if params.resource and not _same_resource(params.resource, self.config.resource_url):
            raise AuthorizeError("invalid_target", f"This server is the resource {self.config.resource_url}")
        asked = [s for s in (params.scopes or ()) if s in self.config.scopes] or list(self.config.scopes)
        return await self.browser.begin(client, params, asked)

    # -- our tokens ------------------------------------------------------------------------------
    async def load_authorization_code(
        self, client: OAuthClientInformationFull, authorization_code: str
    ) -> AuthorizationCode | None:
        key = digest(authorization_code)
        record = await self.store.get(f"code:{key}")
        if record is None:
            await self._replayed(f"spent-code:{key}", "an authorization code was presented again")
            return None
        if not _same_resource(record.get("resource") or "", self.config.resource_url):
            log.warning("refused an authorization code issued for another resource")
            return None
        return AuthorizationCode(
            code=authorization_code,
            scopes=record["scopes"],
            expires_at=record["expires_at"],
            client_id=record["client_id"],
            code_challenge=record["challenge"],
            redirect_uri=AnyUrl(record["redirect_uri"]),
            redirect_uri_provided_explicitly=record["explicit"],
            resource=self.config.resource_url,
            subject=record["grant"],
        )

    async def exchange_authorization_code(
        self, client: OAuthClientInformationFull, authorization_code: AuthorizationCode
    ) -> OAuthToken:
        grant_id = str(authorization_code.subject)
        key = digest(authorization_code.code)
        # Marked spent before it is taken: of two replicas racing with one code, one issues tokens
        # and the other ends the sign-in, as for any code presented twice.
        await self.store.put(f"spent-code:{key}", {"grant": grant_id}, SPENT_CODE_SECONDS)
        if await self.store.take(f"code:{key}") is None:
            await self._end_sign_in(grant_id, "its authorization code was presented twice")
            raise TokenError("invalid_grant", "authorization code was already used: the sign-in is ended")
        tokens = await self._issue(grant_id, client.client_id, authorization_code.scopes)
        await self._client_used(client.client_id)
        return tokens

    async def load_refresh_token(self, client: OAuthClientInformationFull, refresh_token: str) -> RefreshToken | None:
        key = digest(refresh_token)
        record = await self.store.get(f"refresh:{key}")
        if record is None:
            grant_id = _grant_of(refresh_token)
            if grant_id is not None:  # a spent one of a sign-in that still stands: someone else holds it
                await self._end_sign_in(grant_id, "a refresh token of it was used again (RFC 9700)")
            return None
        if not _same_resource(record["resource"], self.config.resource_url):
            log.warning("refused a refresh token issued for another resource")
            return None
        return RefreshToken(
            token=refresh_token,
            client_id=record["client_id"],
            scopes=record["scopes"],
            expires_at=int(record["expires_at"]),
            resource=record["resource"],
            subject=record["grant"],
        )

    async def exchange_refresh_token(
        self, client: OAuthClientInformationFull, refresh_token: RefreshToken, scopes: list[str]
    ) -> OAuthToken:
        grant_id = str(refresh_token.subject)
        key = digest(refresh_token.token)
        record = await self.store.take(f"refresh:{key}")  # rotation: of two racing refreshes, one wins
        if record is None:  # and the other is a reuse, which ends the sign-in
            await self._end_sign_in(grant_id, "a refresh token of it was used twice at once (RFC 9700)")
            raise TokenError("invalid_grant", "refresh token was already used: the sign-in is ended, sign in again")
        try:
            tokens = await self._issue(grant_id, client.client_id, scopes)
        except (IdentityError, StoreUnavailable):
            # Nothing was issued: hand the refresh token back, so a passing outage costs no sign-in.
            with contextlib.suppress(StoreUnavailable):
                await self.store.put(f"refresh:{key}", record, max(1.0, record["expires_at"] - _now()))
            raise
        await self._client_used(client.client_id)
        return tokens

    async def _replayed(self, spent_key: str, what: str) -> None:
        """A spent code came back: someone else holds it. End its sign-in."""
        spent = await self.store.get(spent_key)
        if spent is not None:
            await self._end_sign_in(spent["grant"], f"{what} (RFC 6749 §4.1.2)")

    async def _issue(self, grant_id: str, client_id: str, scopes: list[str]) -> OAuthToken:
        grant = await self.store.get(f"grant:{grant_id}")
        if grant is None:
            raise TokenError("invalid_grant", "the sign-in was revoked or has expired: sign in again")
        try:
            self.sealer.open(grant["pd_access"])
        except SealingError:
            log.error("a sign-in sealed under a token key this server no longer holds is ended")
            await self.store.delete(f"grant:{grant_id}")
            raise TokenError("invalid_grant", "this server can no longer open the sign-in: sign in again") from None
        now = _now()
        if grant["pd_expires_at"] - now < self.config.access_seconds + UPSTREAM_MARGIN_SECONDS and grant["pd_refresh"]:
            grant = await self._refresh_upstream(grant_id, grant)
        expires_at = min(now + self.config.access_seconds, grant["pd_expires_at"] - UPSTREAM_MARGIN_SECONDS)
        if expires_at <= now + 1:
            raise TokenError("invalid_grant", "the PagerDuty sign-in has expired: sign in again")
        access, refresh = "pdmcp_at_" + secrets.token_urlsafe(32), _refresh_token(grant_id)
        base = {"grant": grant_id, "client_id": client_id, "scopes": scopes, "resource": self.config.resource_url}
        await self.store.put(f"access:{digest(access)}", {**base, "expires_at": expires_at}, expires_at - now)
        refresh_at = now + self.config.refresh_seconds
        await self.store.put(
            f"refresh:{digest(refresh)}", {**base, "expires_at": refresh_at}, self.config.refresh_seconds
        )
        return OAuthToken(
            access_token=access, expires_in=int(expires_at - now), scope=" ".join(scopes), refresh_token=refresh
        )

    async def _refresh_upstream(self, grant_id: str, grant: dict[str, Any]) -> dict[str, Any]:
        try:
            fresh = await self.identity.refresh(self.sealer.open(grant["pd_refresh"]), tuple(grant["scopes"]))
        except IdentityError as exc:
            if exc.error == "temporarily_unavailable":
                raise  # PagerDuty unreachable: 503, and the sign-in stands
            raise TokenError(
                "invalid_grant", f"PagerDuty refused to renew the sign-in ({exc.error}): sign in again"
            ) from None
        grant = {
            **grant,
            "pd_access": self.sealer.seal(fresh.access_token),
            "pd_refresh": self.sealer.seal(fresh.refresh_token) if fresh.refresh_token else grant["pd_refresh"],
            "pd_expires_at": fresh.expires_at,
        }
        await self.store.put(f"grant:{grant_id}", grant, self.config.refresh_seconds)
        return grant

    # -- checking and revoking -----------------------------------------------------------------
    async def load_access_token(self, token: str) -> AccessToken | None:
        record = await self.store.get(f"access:{digest(token)}")
        if record is None or record["expires_at"] <= _now():
            return None
        return AccessToken(
            token=token,
            client_id=record["client_id"],
            scopes=record["scopes"],
            expires_at=int(record["expires_at"]),
            resource=record["resource"],
            subject=record["grant"],
        )

    async def revoke_token(self, token: AccessToken | RefreshToken) -> None:
        """Ends the whole sign-in: every access and refresh token of it, on every replica."""
        kind = "access" if isinstance(token, AccessToken) else "refresh"
        await self.store.delete(f"{kind}:{digest(token.token)}")
        await self._end_sign_in(str(token.subject), "revoked by its client")

    async def revoke(self, client: OAuthClientInformationFull, token: str) -> None:
        """RFC 7009 for any client, public ones too: a token of its own, live or not, ends its sign-in."""
        for kind in ("access", "refresh"):
            record = await self.store.get(f"{kind}:{digest(token)}")
            if record is not None and record["client_id"] == client.client_id:
                if _same_resource(record["resource"], self.config.resource_url):
                    await self.store.delete(f"{kind}:{digest(token)}")
                    await self._end_sign_in(record["grant"], "revoked by its client")
                return

    async def _end_sign_in(self, grant_id: str, why: str) -> None:
        """Forget the grant (so every token of it fails, on every replica) and revoke it at PagerDuty."""
        grant = await self.store.take(f"grant:{grant_id}")
        if grant is None:
            return
        try:
            await self.identity.revoke(self.sealer.open(grant["pd_access"]))
        except (IdentityError, SealingError) as exc:
            log.warning("revocation: PagerDuty's token could not be revoked there (%s); it is forgotten here", exc)
        log.info("sign-in of user %s revoked: %s", grant.get("user"), why)


class _ClientAuthenticator(ClientAuthenticator):
    """The SDK's client authentication, saying what to do when the client is unknown."""

    async def authenticate_request(self, request: Request) -> OAuthClientInformationFull:
        try:
            return await super().authenticate_request(request)
        except AuthenticationError as exc:
            if exc.message == "Invalid client_id":
                raise AuthenticationError(_UNKNOWN_CLIENT) from None
            raise


def _revocation(provider: PagerDutySignIn, authenticator: ClientAuthenticator) -> Any:
    """``/revoke`` (RFC 7009): confidential clients with their secret, public clients with their id."""

    async def revoke(request: Request) -> Response:
        no_store = {"Cache-Control": "no-store"}
        try:
            client = await authenticator.authenticate_request(request)
        except AuthenticationError as exc:
            return JSONResponse({"error": "invalid_client", "error_description": exc.message}, 401, no_store)
        token = (await request.form()).get("token")
        if not isinstance(token, str) or not token:
            return JSONResponse({"error": "invalid_request", "error_description": "token is required"}, 400, no_store)
        await provider.revoke(client, token)
        return Response(status_code=200, headers=no_store)  # unknown tokens too (RFC 7009 §2.2)

    return revoke


@dataclass
class OAuthResource:
    """What the HTTP gate needs: the OAuth endpoints to serve, and the check of each MCP request."""

    config: OAuthConfig
    provider: PagerDutySignIn
    app: ASGIApp
    paths: frozenset[str]
    _verified: OrderedDict[str, tuple[Caller, float]] = field(default_factory=OrderedDict)

    async def authenticate(self, headers: Mapping[str, str]) -> Caller | Rejection:
        challenge = f'Bearer resource_metadata="{self.config.metadata_url}"'
        scheme, _, token = headers.get("authorization", "").strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            return Rejection("Sign in with PagerDuty: this server uses OAuth (see the resource metadata).", challenge)
        key = digest(token)
        try:
            caller = await self._caller(token, headers)
        except StoreUnavailable:
            held = self._verified.get(key)
            if held is not None and held[1] > _now():
                return held[0]
            return Rejection(UNAVAILABLE, "", 503)
        except SealingError as exc:
            # The key that sealed it is gone (or differs on this replica): the client's refresh ends
            # the sign-in cleanly (``_issue``) and the user signs in again.
            log.error("%s", exc)
            return Rejection(
                "This server can no longer open your sign-in (its token key changed): sign in again.",
                f'{challenge}, error="invalid_token"',
            )
        if caller is None:
            self._verified.pop(key, None)
            return Rejection(
                "The access token is not valid here (expired, revoked, or issued for another server): refresh it "
                "or sign in again.",
                f'{challenge}, error="invalid_token"',
            )
        self._verified[key] = (caller[0], caller[1])
        self._verified.move_to_end(key)
        while len(self._verified) > _CACHE_SIZE:
            self._verified.popitem(last=False)
        return caller[0]

    async def _caller(self, token: str, headers: Mapping[str, str]) -> tuple[Caller, float] | None:
        store = self.provider.store
        record = await store.get(f"access:{digest(token)}")
        if record is None or record["expires_at"] <= _now():
            return None
        if not _same_resource(record["resource"], self.config.resource_url):
            log.warning("refused a token issued for another resource")
            return None
        grant = await store.get(f"grant:{record['grant']}")
        if grant is None:
            return None
        credential = Credential(self.provider.sealer.open(grant["pd_access"]), "bearer")
        asked = narrowing_from_headers(headers)
        allowed = self.config.allowed_tools(record["scopes"])
        narrowing = Narrowing(asked.readonly, asked.toolsets, allowed if asked.tools is None else asked.tools & allowed)
        return Caller(f"user:{grant['user']}", credential, narrowing), float(record["expires_at"])


def _refresh_token(grant_id: str) -> str:
    """A new refresh token of the sign-in ``grant_id``: its id, then the secret part."""
    return f"{_REFRESH_PREFIX}{grant_id}.{secrets.token_urlsafe(32)}"


def _grant_of(refresh_token: str) -> str | None:
    """The sign-in a refresh token of ours names (only its holder, or a thief, knows it)."""
    named, dot, _ = refresh_token.removeprefix(_REFRESH_PREFIX).partition(".")
    return named if refresh_token.startswith(_REFRESH_PREFIX) and dot and _GRANT_ID.fullmatch(named) else None


def _same_resource(a: str, b: str) -> bool:
    return a.rstrip("/").lower() == b.rstrip("/").lower()


def _unavailable(request: Request, exc: Exception) -> Response:
    said = UNAVAILABLE if isinstance(exc, StoreUnavailable) else f"PagerDuty's identity service: {exc}"
    return JSONResponse({"error": "temporarily_unavailable", "error_description": said}, 503)


def build_oauth_resource(
    config: OAuthConfig,
    store: Store,
    sealer: Sealer,
    identity: PagerDutyIdentity,
    *,
    sign_in_transport: httpx2.AsyncBaseTransport | None = None,
    registration_buckets: Bucket | None = None,
) -> OAuthResource:
    """The OAuth endpoints (the SDK's, with our provider), RFC 9728 metadata, the consent page and
    the callback.

    ``sign_in_transport``: the identity service is in this process (the sandbox), so its sign-in
    page is served at :data:`SANDBOX_SIGN_IN_PATH`, where a browser can reach it.
    ``registration_buckets``: where registrations are counted (Redis's, to share the limit across
    replicas; this process's by default).
    """
    provider = PagerDutySignIn(config, store, sealer, identity)
    # Through AuthSettings, as the SDK does, so that a path-less issuer keeps no trailing slash
    # (RFC 8414 compares issuers as exact strings).
    issuer = AuthSettings(
        issuer_url=config.public_url,  # type: ignore[arg-type]
        resource_server_url=config.resource_url,  # type: ignore[arg-type]
        validate_token_resource=True,
    ).issuer_url
    scopes = list(config.scopes)
    registering = ClientRegistrationOptions(enabled=True, valid_scopes=scopes, default_scopes=scopes)
    routes: list[Route] = create_auth_routes(
        provider, issuer, client_registration_options=registering, revocation_options=RevocationOptions(enabled=True)
    )
    authenticator = _ClientAuthenticator(provider)
    limit = RegistrationLimit(registration_buckets or MemoryBuckets(), config.registrations_per_hour)
    ours = {
        "/token": TokenHandler(provider, authenticator).handle,
        "/register": bounded_registration(RegistrationHandler(provider, registering).handle, config.redirects, limit),
        "/revoke": _revocation(provider, authenticator),
    }
    routes = [
        Route(r.path, endpoint=cors_middleware(ours[r.path], ["POST", "OPTIONS"]), methods=["POST", "OPTIONS"])
        if r.path in ours
        else r
        for r in routes
    ]
    metadata = ProtectedResourceMetadata.model_validate(
        {
            "resource": config.resource_url,
            "authorization_servers": [config.public_url],
            "scopes_supported": scopes,
            "resource_name": "PagerDuty MCP server",
        }
    )
    described = cors_middleware(ProtectedResourceMetadataHandler(metadata).handle, ["GET", "OPTIONS"])
    suffixed = AnyHttpUrl(config.metadata_url).path or "/.well-known/oauth-protected-resource"
    for path in dict.fromkeys((suffixed, "/.well-known/oauth-protected-resource")):
        routes.append(Route(path, endpoint=described, methods=["GET", "OPTIONS"]))
    routes.append(Route(CONSENT_PATH, endpoint=provider.browser.show, methods=["GET"]))
    routes.append(Route(CONSENT_PATH, endpoint=provider.browser.answer, methods=["POST"]))
    routes.append(Route(CALLBACK_PATH, endpoint=provider.browser.callback, methods=["GET"]))
    if sign_in_transport is not None:
        routes.append(Route(SANDBOX_SIGN_IN_PATH, endpoint=_sign_in_page(identity, sign_in_transport), methods=["GET"]))
    app = Starlette(routes=routes, exception_handlers={StoreUnavailable: _unavailable, IdentityError: _unavailable})
    return OAuthResource(config, provider, app, frozenset(r.path for r in routes))


def _sign_in_page(identity: PagerDutyIdentity, transport: httpx2.AsyncBaseTransport) -> Any:
    async def forward(request: Request) -> Response:
        url = f"{identity.app.authorize_url}?{request.url.query}"
        async with httpx2.AsyncClient(transport=transport) as http:
            answer = await http.get(url)
        headers = {
            k: v for k, v in answer.headers.items() if k.lower() in ("location", "content-type", "cache-control")
        }
        return Response(answer.content, answer.status_code, headers=headers)

    return forward
