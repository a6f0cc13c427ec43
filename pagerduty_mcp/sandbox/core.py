"""The sandbox: account state, authentication, fault switches and request dispatch."""

from __future__ import annotations

import itertools
import json
import os
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any, NamedTuple

import httpx2

from pagerduty_mcp.sandbox.constants import (
    SANDBOX_ACCOUNT_TOKEN,
    SANDBOX_API_URL,
    SANDBOX_EVENTS_URL,
    SANDBOX_OAUTH_CLIENT_ID,
    SANDBOX_OAUTH_CLIENT_SECRET,
    SANDBOX_TOKEN,
)
from pagerduty_mcp.sandbox.faults import TRICKLE_CHUNK_BYTES, FaultInjector, Faults
from pagerduty_mcp.sandbox.model.identity import Identity, Principal, authenticate, identity_of, user_token
from pagerduty_mcp.sandbox.model.store import Store
from pagerduty_mcp.sandbox.protocol import (
    CODE_FORBIDDEN,
    CODE_INTERNAL,
    CODE_NOT_FOUND,
    CODE_RATE_LIMIT,
    ApiError,
    ApiRequest,
    Reply,
    error_body,
)
from pagerduty_mcp.sandbox.router import ROUTER, Context

__all__ = [
    "ENV_DELIVER_WEBHOOKS",
    "SANDBOX_ACCOUNT_TOKEN",
    "SANDBOX_API_URL",
    "SANDBOX_EVENTS_URL",
    "SANDBOX_OAUTH_CLIENT_ID",
    "SANDBOX_OAUTH_CLIENT_SECRET",
    "SANDBOX_TOKEN",
    "DroppedConnection",
    "LoggedRequest",
    "Principal",
    "RequestLog",
    "Sandbox",
    "SandboxTransport",
    "Trickle",
    "env_flag",
    "shared_sandbox",
]


ENV_SEED = "PAGERDUTY_SANDBOX_SEED"
ENV_SIZE = "PAGERDUTY_SANDBOX_SIZE"
# Off by default: a sandbox served to others must not be made to send requests on its own machine.
ENV_DELIVER_WEBHOOKS = "PAGERDUTY_SANDBOX_DELIVER_WEBHOOKS"


class DroppedConnection(Exception):
    """The drop-rate fault struck: the connection is cut without an answer."""


_WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class LoggedRequest(NamedTuple):
    method: str
    path: str
    query: str
    status: int


class RequestLog:
    """A bounded, thread-safe record of the requests served (newest last)."""

    def __init__(self, size: int = 10_000) -> None:
        self._items: deque[LoggedRequest] = deque(maxlen=size)
        self._lock = threading.Lock()

    def append(self, item: LoggedRequest) -> None:
        with self._lock:
            self._items.append(item)

    def reset(self) -> None:
        with self._lock:
            self._items.clear()

    def __iter__(self):  # type: ignore[no-untyped-def]
        with self._lock:
            return iter(list(self._items))

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, index: int) -> LoggedRequest:
        with self._lock:
            return list(self._items)[index]


class Sandbox:
    """One offline PagerDuty account. Seeded lazily on first use (or by :meth:`ensure_seeded`)."""

    def __init__(
        self,
        seed: int = 7,
        size: int = 1,
        now: datetime | None = None,
        faults: Faults | None = None,
        deliver_webhooks: bool = False,
    ) -> None:
        """``deliver_webhooks``: send webhook test events to receivers on this machine (loopback)."""
        if size < 1:
            raise ValueError("size must be at least 1")
        self.seed = seed
        self.size = size
        self.now = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
        self.faults = faults or Faults()
        self.deliver_webhooks = deliver_webhooks
        self.injector = FaultInjector(self.faults, seed)
        self.request_log = RequestLog()
        self._state: Store | None = None
        self._seed_lock = threading.Lock()
        self.seed_seconds: float | None = None
        self._request_ids = itertools.count(1)

    # -- state -------------------------------------------------------------------------------
    @property
    def state(self) -> Store:
        if self._state is None:
            self.ensure_seeded()
        assert self._state is not None
        return self._state

    def ensure_seeded(self) -> None:
        with self._seed_lock:
            if self._state is not None:
                return
            from pagerduty_mcp.sandbox import routes
            from pagerduty_mcp.sandbox.seed import build_account

            routes.load()
            started = time.perf_counter()
            self._state = build_account(self.seed, self.size, self.now)
            self._state.deliver_webhooks = self.deliver_webhooks
            self.seed_seconds = time.perf_counter() - started

    @property
    def lock(self) -> threading.RLock:
        return self.state.lock

    def token_for(self, user_id: str) -> str:
        """A user-level API token acting as ``user_id`` (raises the 404 ``ApiError`` for unknown users)."""
        return user_token(self.state, user_id)

    @property
    def identity(self) -> Identity:
        """The account's identity service: sign-in lifetimes and registered redirect URLs."""
        return identity_of(self.state)

    @property
    def current_user_id(self) -> str:
        return self.state.current_user_id

    # -- serving -----------------------------------------------------------------------------
    def transport(self) -> SandboxTransport:
        return SandboxTransport(self)

    def handle(self, request: httpx2.Request) -> httpx2.Response:
        """Answer one httpx2 request (raises an httpx2 transport error for a dropped connection)."""
        body = request.read()
        try:
            status, headers, payload = self.dispatch(
                request.method, request.url.path, request.url.query.decode(), dict(request.headers), body
            )
        except DroppedConnection:
            raise httpx2.RemoteProtocolError(
                "Server disconnected without sending a response (sandbox drop-rate fault)", request=request
            ) from None
        return httpx2.Response(status, headers=headers, stream=self.body_stream(payload), request=request)

    def body_stream(self, payload: bytes) -> httpx2.ByteStream | Trickle:
        """The answer's body: at once, or trickled out when the trickle fault is on."""
        if self.faults.trickle_ms:
            return Trickle(payload, self.faults.trickle_ms / 1000.0)
        return httpx2.ByteStream(payload)

    def dispatch(
        self, method: str, path: str, query: str, headers: dict[str, str], body: bytes, *, sleep: bool = True
    ) -> tuple[int, dict[str, str], bytes]:
        """Serve one request: faults, authentication, routing. Returns status, headers, body."""
        state = self.state
        if sleep and self.faults.latency_ms:
            time.sleep(self.injector.delay())
        decision = self.injector.decide(write=method.upper() in _WRITE_METHODS)
        if decision.drop:
            self.request_log.append(LoggedRequest(method, path, query, 0))
            raise DroppedConnection()
        extra = dict(decision.headers or {})
        req = ApiRequest.build(method, path, query, headers, body)
        if decision.status == 429:
            reply_status, reply_body = 429, error_body("Rate Limit Exceeded", CODE_RATE_LIMIT)
        elif decision.status:
            reply_status = decision.status
            reply_body = error_body("Internal Server Error (sandbox error-rate fault)", CODE_INTERNAL)
        else:
            reply_status, reply_body, more = self._route(req, state)
            extra.update(more)
            if decision.drop_after_write:
                # Applied, logged, then never answered: the client cannot know it happened.
                self.request_log.append(LoggedRequest(req.method, path, query, reply_status))
                raise DroppedConnection()
        if self.faults.echo_headers and reply_status >= 400:
            reply_body = _echo_headers(reply_body, headers, body)
        self.request_log.append(LoggedRequest(req.method, path, query, reply_status))
        out_headers = {"x-request-id": f"sandbox-{next(self._request_ids):08d}", **extra}
        if reply_body is None:
            return reply_status, out_headers, b""
        out_headers["content-type"] = "application/json; charset=utf-8"
        return reply_status, out_headers, json.dumps(reply_body, separators=(",", ":")).encode()

    def _route(self, req: ApiRequest, state: Store) -> tuple[int, Any, dict[str, str]]:
        found = ROUTER.match(req.method, req.path)
        if found is None:
            if ROUTER.path_known(req.path):
                return 405, error_body("Method Not Allowed", 2000), {}
            return 404, error_body("Not Found", CODE_NOT_FOUND, [f"No route for {req.path}"]), {}
        route, params = found
        req.path_params = params
        try:
            principal = authenticate(state, req.headers.get("authorization", "")) if route.auth else None
            req.principal = principal
            if principal is not None:
                _check_access(principal, req, state)
            with state.lock:
                result = route.handler(Context(req, params, state, principal))
        except ApiError as error:
            return error.status, error.body(), error.headers
        if isinstance(result, Reply):
            return result.status, result.body, result.headers
        return 200, result, {}


def _echo_headers(body: Any, headers: dict[str, str], sent: bytes = b"") -> Any:
    """An error body that also lists the request's headers, as careless proxies and debug modes do.
    An OAuth error (the identity service) keeps its shape and echoes the request's form as well."""
    echoed = [f"{name.lower()}: {value}" for name, value in sorted(headers.items(), key=lambda h: h[0].lower())]
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        said = f"{body.get('error_description') or ''} (request body was {sent.decode('utf-8', 'replace')}; "
        return {**body, "error_description": f"{said}request headers were {'; '.join(echoed)})"}
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        error = dict(body["error"])
        error["errors"] = [f"request headers were {'; '.join(echoed)}", *(error.get("errors") or [])]
        return {**body, "error": error}
    if isinstance(body, dict) and "message" in body:  # the Events API's shape
        return {**body, "errors": [f"request headers were {'; '.join(echoed)}", *(body.get("errors") or [])]}
    return {"error": {"message": "Error", "errors": [f"request headers were {'; '.join(echoed)}"]}}


def _check_access(principal: Principal, req: ApiRequest, state: Store) -> None:
    """403 like PagerDuty when an OAuth token lacks the scope the endpoint needs, or a user whose
    role only reads (an observer, a read-only user) asks for more than a ``*.read`` scope covers,
    with any kind of token. The scope is PagerDuty's, or the fallback where its description names
    none (shift-based schedules, automation actions): silence never opens an endpoint."""
    from pagerduty_mcp.rules.scope_table import missing_scope, required_scope
    from pagerduty_mcp.sandbox.model.identity import READ_ONLY_ROLES

    needed = missing_scope(principal.scopes, req.method, req.path) if principal.kind == "oauth" else None
    if needed is not None:
        raise ApiError(
            403,
            "Access Denied",
            CODE_FORBIDDEN,
            [f"The access token does not have the required scope: {needed}"],
        )
    user = state.find("users", principal.user_id) if principal.user_id else None
    scope = required_scope(req.method, req.path)
    if user is not None and user.get("role") in READ_ONLY_ROLES and scope and not scope.endswith(".read"):
        raise ApiError(403, "Access Denied", CODE_FORBIDDEN, [f"The user's role ({user['role']}) may not do this"])


class SandboxTransport(httpx2.BaseTransport, httpx2.AsyncBaseTransport):
    """An httpx2 transport that answers from a :class:`Sandbox`, with no sockets."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        return self.sandbox.handle(request)

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        import anyio

        await request.aread()
        delay = self.sandbox.injector.delay()
        if delay:
            await anyio.sleep(delay)
        sandbox = self.sandbox
        try:
            status, headers, payload = sandbox.dispatch(
                request.method,
                request.url.path,
                request.url.query.decode(),
                dict(request.headers),
                request.content,
                sleep=False,
            )
        except DroppedConnection:
            raise httpx2.RemoteProtocolError(
                "Server disconnected without sending a response (sandbox drop-rate fault)", request=request
            ) from None
        return httpx2.Response(status, headers=headers, stream=sandbox.body_stream(payload), request=request)


class Trickle(httpx2.SyncByteStream, httpx2.AsyncByteStream):
    """A body sent a few bytes at a time with a pause between pieces: a slow or stalling upstream."""

    def __init__(self, payload: bytes, pause_seconds: float) -> None:
        self.payload = payload
        self.pause = pause_seconds

    def pieces(self) -> list[bytes]:
        return [self.payload[i : i + TRICKLE_CHUNK_BYTES] for i in range(0, len(self.payload), TRICKLE_CHUNK_BYTES)]

    def __iter__(self) -> Iterator[bytes]:
        for index, piece in enumerate(self.pieces()):
            if index:
                time.sleep(self.pause)
            yield piece

    async def __aiter__(self) -> AsyncIterator[bytes]:
        import anyio

        for index, piece in enumerate(self.pieces()):
            if index:
                await anyio.sleep(self.pause)
            yield piece


_shared: Sandbox | None = None
_shared_lock = threading.Lock()


# About 60 incidents per unit of size: 200 is 12,000 incidents (some 300 MB, 6 s to build), room
# for the thousands a benchmark pulls; far more would exhaust memory before the first request.
MAX_SIZE = 200


def _env_int(name: str, default: int, minimum: int, maximum: int | None = None, what: str = "") -> int:
    """An integer setting from the environment; ``ValueError`` naming the variable and what it takes."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    takes = f"a whole number from {minimum}" + (f" to {maximum}" if maximum is not None else " up") + what
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name}={raw[:40]!r} is not a whole number: it takes {takes}") from None
    if value < minimum or (maximum is not None and value > maximum):
        raise ValueError(f"{name}={raw!r} is out of range: it takes {takes}")
    return value


def env_seed() -> int:
    """``PAGERDUTY_SANDBOX_SEED`` (default 7): the same seed gives the same account."""
    return _env_int(ENV_SEED, 7, 0, what=" (the same seed gives the same account; default 7)")


def env_size() -> int:
    """``PAGERDUTY_SANDBOX_SIZE`` (default 1), at most :data:`MAX_SIZE`."""
    return _env_int(ENV_SIZE, 1, 1, MAX_SIZE, " (about 60 incidents each; default 1)")


def env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def shared_sandbox() -> Sandbox:
    """The process-wide sandbox ``--sandbox`` uses, configured from the environment."""
    global _shared
    seed, size = env_seed(), env_size()  # checked on every call: a bad value is refused, never ignored
    with _shared_lock:
        if _shared is None:
            _shared = Sandbox(
                seed=seed,
                size=size,
                faults=Faults.from_env(),
                deliver_webhooks=env_flag(ENV_DELIVER_WEBHOOKS),
            )
        return _shared
