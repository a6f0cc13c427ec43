"""The PagerDuty client factory: credentials, region, TLS and proxies, timeouts and retries.

We use PagerDuty's own ``pagerduty`` library for auth, headers, URL handling and ``key[]=``
query arrays, but replace its retry loop: it retries 429 forever with doubling sleeps and
ignores ``Retry-After``, and it would replay writes after network errors.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import random
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar, cast
from urllib.parse import quote

import httpx2
import pagerduty

from pagerduty_mcp import __version__
from pagerduty_mcp.common.pagerduty.config import Credential, Settings, credential_problem
from pagerduty_mcp.common.pagerduty.context import current_request
from pagerduty_mcp.common.pagerduty.errors import (
    ToolFailure,
    failure_from_response,
    from_email_advice,
    retry_after_seconds,
    tls_failure,
)
from pagerduty_mcp.common.pagerduty.oauth import ClientCredentials, TokenSource
from pagerduty_mcp.common.pagerduty.observe import UpstreamRequest, observers, resource_of
from pagerduty_mcp.common.pagerduty.progress import check_cancelled
from pagerduty_mcp.rules.scope_table import missing_scope, required_scope

__all__ = [
    "ClientPool",
    "CredentialLoad",
    "EventsClient",
    "PagerDutyClient",
    "get_client",
    "get_pool",
    "path",
]

log = logging.getLogger(__name__)

USER_AGENT = f"pagerduty-mcp/{__version__}"
_ME_TTL_SECONDS = 300.0
# How long reference data (priorities) is reused before it is read again.
REFERENCE_TTL_SECONDS = 300.0
_T = TypeVar("_T")
# Upstream requests in flight at once per credential: PagerDuty rate-limits per token, and one
# busy caller must not take every worker thread from the others.
DEFAULT_MAX_CONCURRENT_PER_CREDENTIAL = 16
# Sockets a client keeps open between requests, and for how long: with at most ``max_clients``
# clients, the pool holds at most max_clients x this many idle sockets (64 x 4 by default).
IDLE_SOCKETS_PER_CLIENT = 4
IDLE_SOCKET_SECONDS = 30.0
# Longer than any PagerDuty id (escaped): such a value never becomes a path segment.
MAX_ID_LENGTH = 512
# Sends of one request, first try and every retry (429, 5xx, network) together.
MAX_ATTEMPTS = 5


def path(template: str, *ids: str) -> str:
    """Fill ``{}`` slots in a REST path with ids, each escaped so it stays one path segment."""
    return template.format(*(_segment(i) for i in ids))


def _segment(ident: str) -> str:
    # "", "." and ".." survive quote(), and URL normalisation (ours or a proxy's, even of %2E)
    # would drop or climb a segment with them: such an id never leaves.
    try:
        text = quote(str(ident), safe="")
    except UnicodeEncodeError:  # a lone surrogate: not text any URL can carry
        text = ""
    if text in ("", ".", "..") or len(text) > MAX_ID_LENGTH:
        raise ToolFailure("INVALID_PARAMETER", f"{str(ident)[:80]!r} is not a PagerDuty id; list tools give valid ids.")
    return text


def _send_within(client: httpx2.Client, seconds: float, method: str, url: str, **kwargs: Any) -> httpx2.Response:
    """Send and read the whole answer within ``seconds``. httpx2's timeouts bound each read, so an
    answer trickled out a few bytes at a time would otherwise hold the call for as long as it lasts."""
    request = httpx2.Client.build_request(client, method, url, timeout=seconds, **kwargs)
    response = httpx2.Client.send(client, request, stream=True, follow_redirects=False)
    response.stream = _ReadBy(response.stream, time.monotonic() + seconds, request)
    try:
        response.read()
    finally:
        response.close()
    return response


class _ReadBy(httpx2.SyncByteStream):
    """A response body that must have arrived in full by ``limit`` (``time.monotonic()``)."""

    def __init__(self, inner: Any, limit: float, request: httpx2.Request) -> None:
        self.inner, self.limit, self.request = inner, limit, request

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.inner:
            if time.monotonic() > self.limit:
                raise httpx2.ReadTimeout("the answer did not arrive in full in time", request=self.request)
            yield chunk

    def close(self) -> None:
        self.inner.close()

    @property
    def elapsed(self) -> Any:
        return getattr(self.inner, "elapsed", None)  # what Response.elapsed reads from its stream


def _never_sent(exc: httpx2.TransportError) -> bool:
    """True when the request cannot have reached PagerDuty, so resending is safe."""
    return isinstance(exc, httpx2.ConnectError | httpx2.ConnectTimeout | httpx2.PoolTimeout)


class CredentialLoad:
    """How many upstream requests of one credential are in flight, and how many wait for a slot.

    Read by the metrics at scrape time; counts only, so nothing of the credential leaves.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.active = 0
        self.queued = 0

    def in_flight(self, delta: int) -> None:
        with self._lock:
            self.active += delta

    def waiting(self, delta: int) -> None:
        with self._lock:
            self.queued += delta


class _BoundedRetries:
    """One request at a time, with bounded, honest retries.

    - 429: wait what PagerDuty asks (``Retry-After``), never less than the back-off (a header of
      0, a negative number, a past date or none at all would otherwise retry in a tight loop),
      while the call's total wait stays under the cap, then give up.
    - At most ``MAX_ATTEMPTS`` sends per request, whatever went wrong.
    - 5xx and network errors: retried for reads only; a write is never replayed blindly.
    - Every wait and every attempt respects the deadline of the tool call in progress.
    """

    rate_limit_wait_seconds: float = 20.0
    read_retries: int = 2
    backoff_seconds: float = 0.5
    sleep = staticmethod(time.sleep)
    granted_scopes: frozenset[str] | None = None  # known for OAuth app tokens only
    slots: threading.BoundedSemaphore | None = None
    # Called before each request with the credential and the seconds left: waits, or raises.
    budget: Callable[[Credential, float | None], None] | None = None
    load: CredentialLoad = CredentialLoad()  # replaced per client where slots are set

    def _send_once(self, method: str, url: str, **kwargs: Any) -> httpx2.Response:
        client: Any = self
        if self.granted_scopes is not None:
            needed = missing_scope(self.granted_scopes, method, httpx2.URL(url).path)
            if needed is not None:
                raise scope_failure(needed, method)
        headers = client.prepare_headers(method, user_headers=kwargs.pop("headers", None) or {})
        if kwargs.get("params"):
            kwargs["params"] = client.normalize_params(kwargs["params"])
        if method in ("POST", "PUT", "PATCH") and isinstance(kwargs.get("json"), dict):
            kwargs["json"] = {**kwargs["json"], **client.auth_method.auth_param}
        timeout = client.timeout
        remaining = current_request().remaining()
        if remaining is not None:
            if remaining <= 0:
                raise httpx2.TimeoutException("the tool call's deadline passed before the request")
            timeout = min(float(timeout), max(remaining, 0.05))
        credential = getattr(self, "credential", None)  # the Events API client has none
        if self.budget is not None and credential is not None:
            self.budget(credential, remaining)
        with self._slot(remaining):
            check_cancelled()  # after the wait for a slot too: a cancel may come while queued
            current_request().upstream.count_request()
            seen = UpstreamRequest(method, resource_of(httpx2.URL(url).path))
            with observers().upstream(seen):
                response = _send_within(
                    client, float(timeout), method, client.normalize_url(url), headers=headers, **kwargs
                )
                seen.status = response.status_code
        client.postprocess(response)
        return response

    @contextlib.contextmanager
    def _slot(self, remaining: float | None) -> Iterator[None]:
        """Hold one of the credential's upstream slots for the request, waiting no longer than the deadline."""
        if self.slots is None:
            yield
            return
        self.load.waiting(+1)
        try:
            acquired = self.slots.acquire(timeout=None if remaining is None else max(remaining, 0.0))
        finally:
            self.load.waiting(-1)
        if not acquired:
            raise ToolFailure(
                "TIMEOUT",
                "Too many PagerDuty requests were already in flight for this credential, and the call's "
                "deadline passed while waiting. Try again in a moment, or ask for less at once.",
            )
        self.load.in_flight(+1)
        try:
            yield
        finally:
            self.load.in_flight(-1)
            self.slots.release()

    def _may_wait(self, seconds: float) -> bool:
        remaining = current_request().remaining()
        return remaining is None or seconds < remaining - 0.1

    def request(self, method: str, url: str, **kwargs: Any) -> httpx2.Response:
        method = method.strip().upper()
        idempotent = method in ("GET", "HEAD", "OPTIONS")
        failures = 0
        rate_limited = 0
        attempts = 0
        ctx = current_request()  # the message's own when bound: its waits add up across requests
        while True:
            attempts += 1
            try:
                response = self._send_once(method, url, **dict(kwargs))
            except httpx2.TransportError as exc:
                tls = tls_failure(exc)
                if tls is not None:
                    raise tls from exc  # a certificate problem: no retry can mend it
                backoff = self.backoff_seconds * (2**failures) * (1 + random.random() / 4)
                retry = (idempotent or _never_sent(exc)) and failures < self.read_retries
                if retry and attempts < MAX_ATTEMPTS and self._may_wait(backoff):
                    failures += 1
                    log.warning("%s %s: %s; retrying", method, url, type(exc).__name__)
                    self.sleep(backoff)
                    continue
                if not idempotent and not _never_sent(exc):
                    raise ToolFailure(
                        "WRITE_OUTCOME_UNKNOWN",
                        f"The connection failed after the write was sent ({type(exc).__name__}), so it may "
                        "or may not have been applied. Read the object to check before trying again.",
                    ) from exc
                raise
            status = response.status_code
            if status == 429:
                floor = self.backoff_seconds * (2 ** min(rate_limited, 5)) * (1 + random.random() / 4)
                asked = retry_after_seconds(response)
                wait = floor if asked is None else max(asked, floor)
                if (
                    attempts >= MAX_ATTEMPTS
                    or not self._may_wait(wait)
                    or not ctx.upstream.reserve_rate_limit_wait(wait, self.rate_limit_wait_seconds)
                ):
                    return response
                log.warning("%s %s: rate limited; waiting %.1f s", method, url, wait)
                observers().rate_limited(wait)
                self.sleep(wait)
                rate_limited += 1
                continue
            if status >= 500 and idempotent and failures < self.read_retries and attempts < MAX_ATTEMPTS:
                backoff = self.backoff_seconds * (2**failures) * (1 + random.random() / 4)
                if self._may_wait(backoff):
                    failures += 1
                    log.warning("%s %s: PagerDuty answered %d; retrying", method, url, status)
                    self.sleep(backoff)
                    continue
            return response


def scope_failure(scope: str, method: str) -> ToolFailure:
    """FORBIDDEN, naming the OAuth scope the token lacks."""
    kind = "read" if method.upper() in ("GET", "HEAD") else "change"
    return ToolFailure(
        "FORBIDDEN",
        f"The OAuth token lacks the scope {scope}, which PagerDuty requires to {kind} this. Grant the app "
        f"{scope} (PAGERDUTY_OAUTH_SCOPES for client credentials), or use a token that has it.",
        {"missing_scope": scope},
    )


# The library's ApiClient.request narrows httpx2's ``url: URL | str`` to ``str``; ours mirrors it.
class PagerDutyClient(_BoundedRetries, pagerduty.RestApiV2Client):  # type: ignore[misc]
    """``RestApiV2Client`` with our retries, user agent, and the current user fetched lazily."""

    def __init__(
        self,
        credential: Credential,
        settings: Settings,
        *,
        max_concurrent: int = DEFAULT_MAX_CONCURRENT_PER_CREDENTIAL,
        granted_scopes: frozenset[str] | None = None,
        **kw: Any,
    ) -> None:
        auth_type = "oauth2" if credential.kind == "bearer" else "token"
        if "transport" not in kw:
            # As many sockets as requests in flight; a few stay open between requests, briefly.
            kw["limits"] = httpx2.Limits(
                max_connections=max_concurrent,
                max_keepalive_connections=min(max_concurrent, IDLE_SOCKETS_PER_CLIENT),
                keepalive_expiry=IDLE_SOCKET_SECONDS,
            )
        super().__init__(credential.secret, auth_type=auth_type, base_url=settings.api_host, **kw)
        # The constructor argument is ignored by the library, whose class attribute is typed int
        # though httpx2 takes float seconds.
        self.timeout = settings.timeout_seconds  # type: ignore[assignment]
        self.rate_limit_wait_seconds = settings.rate_limit_wait_seconds
        self.configured_email = settings.user_email
        self.credential = credential
        self.slots = threading.BoundedSemaphore(max_concurrent)
        self.load = CredentialLoad()
        self.granted_scopes = granted_scopes
        self.on_rejected: Callable[[Credential], None] | None = None
        self._me: tuple[float, dict[str, Any] | None] | None = None
        self._me_lock = threading.Lock()
        self._references: dict[str, tuple[float, Any]] = {}
        self._references_lock = threading.Lock()

    @property
    def user_agent(self) -> str:
        return f"{USER_AGENT} {super().user_agent}"

    # --- plain JSON helpers every tool uses -------------------------------------------------

    def read(self, url: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """GET a path and return its JSON body, or raise a tool failure."""
        response = self.request("GET", url, params=params or None)
        if not response.is_success:
            raise self.failure(response)
        return response.json() if response.content else {}

    def write(
        self,
        method: str,
        url: str,
        body: dict[str, Any] | None = None,
        *,
        params: dict[str, Any] | None = None,
        needs_from: bool = False,
    ) -> dict[str, Any]:
        """Send a write and return its JSON body, or raise a tool failure (never replayed)."""
        headers = {"From": self.from_email()} if needs_from else {}
        kwargs: dict[str, Any] = {"headers": headers}
        if body is not None:
            kwargs["json"] = body
        if params:
            kwargs["params"] = params
        response = self.request(method, url, **kwargs)
        if not response.is_success:
            raise self.failure(response, write=True)
        return response.json() if response.content else {}

    # --- reference data ---------------------------------------------------------------------

    def reference(self, name: str, fetch: Callable[[], _T]) -> _T:
        """Reference data that hardly changes (priorities), cached for this credential.

        Entries expire after ``REFERENCE_TTL_SECONDS``; a failed fetch is not cached.
        """
        now = time.monotonic()
        with self._references_lock:
            hit = self._references.get(name)
            if hit is not None and hit[0] > now:
                return cast(_T, hit[1])
        value = fetch()
        with self._references_lock:
            self._references[name] = (time.monotonic() + REFERENCE_TTL_SECONDS, value)
        return value

    # --- the current user ---------------------------------------------------------------------

    def current_user(self, include: Sequence[str] = ()) -> dict[str, Any] | None:
        """The token's user (cached for a few minutes), or ``None`` for an account-level token.

        ``include`` (``contact_methods``, ``teams``): asked for now, with those in full, and kept for
        whoever needs less next."""
        with self._me_lock:
            if not include and self._me is not None and self._me[0] > time.monotonic():
                return self._me[1]
            response = self.request("GET", "/users/me", params={"include[]": list(include)} if include else None)
            if response.status_code == 400 and "account-level" in response.text:
                user = None
            elif not response.is_success:
                raise self.failure(response)
            else:
                user = response.json().get("user")
            self._me = (time.monotonic() + _ME_TTL_SECONDS, user)
            return user

    def failure(self, response: httpx2.Response, *, write: bool = False) -> ToolFailure:
        """The tool failure for an error answer; a 403 to an OAuth token names the scope it lacks."""
        if response.status_code == 401 and self.on_rejected is not None:
            self.on_rejected(self.credential)  # an app token revoked early: fetch a new one next time
        if response.status_code == 403 and self.credential.kind == "bearer" and response.request is not None:
            scope = required_scope(response.request.method, response.request.url.path)
            if scope is not None:
                return scope_failure(scope, response.request.method)
        return failure_from_response(response, write=write)

    def from_email(self) -> str:
        """The ``From`` header for writes that need one: the caller's own ``From`` (--auth
        pagerduty), the configured email, or the token's user."""
        caller = current_request().caller
        if caller is not None and caller.from_email:
            return caller.from_email
        if self.configured_email:
            return self.configured_email
        user = self.current_user()
        if user and user.get("email"):
            return str(user["email"])
        raise ToolFailure(
            "FROM_EMAIL_REQUIRED",
            "This write needs the email of a PagerDuty user (the From header), and an account-level "
            f"token has none. {from_email_advice()}",
        )


class EventsClient(_BoundedRetries, pagerduty.EventsApiV2Client):  # type: ignore[misc]  # url: str, as PagerDutyClient
    """Events API v2 client (routing key in the body) with the same bounded behaviour."""

    def __init__(self, routing_key: str, settings: Settings, **kw: Any) -> None:
        super().__init__(routing_key, base_url=settings.events_host, **kw)
        self.timeout = settings.timeout_seconds  # type: ignore[assignment]  # library types it int; float is fine
        self.rate_limit_wait_seconds = settings.rate_limit_wait_seconds

    @property
    def user_agent(self) -> str:
        return f"{USER_AGENT} {super().user_agent}"


_POOL_SERIALS = itertools.count(1)


class ClientPool:
    """One client per credential, from a bounded cache with expiry.

    The library overwrites any per-request ``Authorization`` header with its own, so a client
    can only ever speak for one credential. Each client also carries that credential's cap on
    concurrent upstream requests. With ``oauth`` (client credentials), the server's own
    credential is the app token of the moment, renewed before it expires.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        transport: httpx2.BaseTransport | None = None,
        max_clients: int = 64,
        ttl_seconds: float = 900.0,
        oauth: ClientCredentials | None = None,
        max_concurrent_per_credential: int = DEFAULT_MAX_CONCURRENT_PER_CREDENTIAL,
        server_credential: bool = True,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        if max_concurrent_per_credential < 1:
            raise ValueError("max_concurrent_per_credential must be at least 1")
        self.serial = next(_POOL_SERIALS)  # tells pools apart for caches, even after one is gone
        self.settings = settings
        self._max = max_clients
        self._ttl = ttl_seconds
        self._max_concurrent = max_concurrent_per_credential
        self._clients: OrderedDict[Credential, tuple[float, PagerDutyClient]] = OrderedDict()
        self._leases: dict[PagerDutyClient, int] = {}  # messages in progress holding each client
        self._retired: set[PagerDutyClient] = set()  # dropped from the pool, closing when released
        self._lock = threading.Lock()
        # Where requests go: the network by default, or whatever transport the composition root
        # hands over (the offline sandbox, a test double). The pool never knows which.
        self._transport = transport
        self.budget: Callable[[Credential, float | None], None] | None = None
        self.oauth: TokenSource | None = None
        # False when every caller must bring its own credential (--auth pagerduty): then nothing,
        # not even a sandbox default, may stand in for a missing one.
        self.server_credential = server_credential
        # How a client waits out a 429 or a back-off: time.sleep, or a test's clock.
        self._sleep = sleep
        if oauth is not None:
            self.oauth = TokenSource(oauth, transport=self._transport, timeout_seconds=settings.timeout_seconds)

    def _client_kwargs(self) -> dict[str, Any]:
        return {"transport": self._transport} if self._transport is not None else {}

    def get(self, credential: Credential | None = None) -> PagerDutyClient:
        """The client of ``credential`` (a caller's own), or of the server's credential."""
        scopes: frozenset[str] | None = None
        if credential is None and self.server_credential:
            if self.oauth is not None:
                credential, scopes = self.oauth.current()
            credential = credential or self.settings.credential
        if credential is None:
            raise ToolFailure(
                "UNAUTHORIZED",
                "No PagerDuty credential: set PAGERDUTY_USER_API_KEY, or start the server with --sandbox.",
            )
        problem = credential_problem(credential.secret)
        if problem is not None:
            # Checked before any client exists: such a value would fail inside the HTTP stack.
            raise ToolFailure(
                "UNAUTHORIZED",
                f"The PagerDuty credential cannot be used: {problem}. Send the API key or OAuth token exactly "
                "as PagerDuty issued it.",
            )
        now = time.monotonic()
        dropped: list[PagerDutyClient] = []
        with self._lock:
            entry = self._clients.get(credential)
            if entry is not None and entry[0] > now:
                self._clients.move_to_end(credential)
                client = entry[1]
            else:
                if entry is not None:
                    dropped.append(entry[1])  # expired
                client = PagerDutyClient(
                    credential,
                    self.settings,
                    max_concurrent=self._max_concurrent,
                    granted_scopes=scopes,
                    **self._client_kwargs(),
                )
                client.on_rejected = self._rejected
                client.budget = self.budget
                if self._sleep is not None:
                    client.sleep = self._sleep  # type: ignore[assignment]  # time.sleep also takes an index
                self._clients[credential] = (now + self._ttl, client)
                while len(self._clients) > self._max:
                    dropped.append(self._clients.popitem(last=False)[1][1])
            # Leased until the message ends, so a client dropped meanwhile closes only then.
            request = current_request()
            if not request.detached:
                self._leases[client] = self._leases.get(client, 0) + 1
                request.leases.add(lambda: self._release(client))
            closable = self._retire(dropped)
        for old in closable:
            old.close()
        return client

    def _retire(self, clients: list[PagerDutyClient]) -> list[PagerDutyClient]:
        """(Under the lock.) The dropped clients no message holds, to close now; the others close
        when their last message ends. Either way their sockets go at once, not at collection."""
        closable = []
        for client in clients:
            if self._leases.get(client, 0) == 0:
                closable.append(client)
            else:
                self._retired.add(client)
        return closable

    def _release(self, client: PagerDutyClient) -> None:
        with self._lock:
            left = self._leases.get(client, 0) - 1
            if left > 0:
                self._leases[client] = left
                return
            self._leases.pop(client, None)
            if client not in self._retired:
                return
            self._retired.discard(client)
        client.close()

    def _rejected(self, credential: Credential) -> None:
        """PagerDuty refused the credential (401): forget its client, so a made-up token keeps no
        socket open; an OAuth app token is fetched anew next time."""
        if self.oauth is not None:
            self.oauth.invalidate(credential)
        with self._lock:
            entry = self._clients.pop(credential, None)
            closable = self._retire([entry[1]]) if entry is not None else []
        for client in closable:
            client.close()

    def loads(self) -> list[CredentialLoad]:
        """The upstream load of each pooled client (for the metrics: counts, no credentials)."""
        with self._lock:
            return [client.load for _, client in self._clients.values()]

    def events(self, routing_key: str) -> EventsClient:
        """A short-lived Events API client for one routing key."""
        return EventsClient(routing_key, self.settings, **self._client_kwargs())

    def close(self) -> None:
        with self._lock:
            for _, client in self._clients.values():
                client.close()
            self._clients.clear()


def get_pool() -> ClientPool:
    """The pool of the message in progress: its server's (``PagerDutyMCPServer.pool``, which
    ``serve()`` sets), or a script's (:func:`~pagerduty_mcp.common.pagerduty.context.standalone`)."""
    pool = current_request().pool
    if not isinstance(pool, ClientPool):
        raise RuntimeError(
            "no PagerDuty client pool: a server gets one from serve() (or its .pool), a script from standalone(pool)"
        )
    return pool


def get_client() -> PagerDutyClient:
    """The client for the tool call in progress: the caller's own credential, or the server's."""
    return get_pool().get(current_request().credential)
