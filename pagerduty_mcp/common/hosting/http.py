"""Serving a server over streamable HTTP, safely enough to share.

In front of the SDK's stateless streamable-HTTP app sits one ASGI gate, checking in this order:

1. ``GET /healthz`` answers at once (load-balancer probes reach it by IP, so no Host check);
   ``GET /metrics`` answers loopback peers (after the Host and Origin checks) and, under
   ``--auth static``, any peer with a server token (see ``metrics``);
2. the Host header (421) and Origin header (403), parsed (``host_checks``) and compared with
   allow-lists (DNS-rebinding protection stays on whatever the bind address);
3. under ``--auth oauth``, the sign-in endpoints (discovery, registration, consent, callback,
   token, revocation) are public: their body is read within the read timeout (408) and capped
   (413) like any other, then they answer;
4. client authentication (401 with a ``WWW-Authenticate`` challenge), see ``client_auth``;
5. the request body, read within the read timeout (408), and its cap (413); a ``GET`` event
   stream instead ends when idle, and is refused (429) past its caller's share or the server's
   ``--max-event-streams`` (see ``connections``, which also limits request heads).

The client's address is the peer's, unless the peer is one of ``--trusted-proxies``: then it is
the one their ``X-Forwarded-For`` names (uvicorn's proxy-headers support, off otherwise).

The authenticated :class:`~pagerduty_mcp.common.pagerduty.context.Caller` rides in the ASGI scope;
the server's request context takes it from there for each MCP message, so every message sees the
caller of its own request and nothing else. Stateless: nothing ties a client to a process, so
replicas behind an ordinary load balancer need no session affinity.
"""

from __future__ import annotations

import ipaddress
import json
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import anyio
import anyio.to_thread
from mcp.server.mcpserver import MCPServer
from mcp.server.transport_security import RequestBodyLimitMiddleware, TransportSecuritySettings
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from pagerduty_mcp import __version__
from pagerduty_mcp.common.hosting.client_auth import Authenticator, AuthMode, Rejection
from pagerduty_mcp.common.hosting.connections import (
    DEFAULT_MAX_EVENT_STREAMS,
    DEFAULT_READ_TIMEOUT_SECONDS,
    DEFAULT_STREAM_IDLE_SECONDS,
    KEEP_ALIVE_SECONDS,
    MAX_HEAD_BYTES,
    StreamSlots,
    body_within,
    finite_positive,
    guarded_protocol,
    idle_capped,
    replaying,
)
from pagerduty_mcp.common.hosting.host_checks import StrictTransportSecurity, bind_address, url_host
from pagerduty_mcp.common.toolkit.server import CALLER_SCOPE_KEY

if TYPE_CHECKING:
    from pagerduty_mcp.common.hosting.oauth_server import OAuthResource
if TYPE_CHECKING:  # prometheus_client is imported only by servers that serve metrics
    from pagerduty_mcp.common.hosting.metrics import Metrics

__all__ = [
    "DEFAULT_MAX_BODY_BYTES",
    "HEALTH_PATH",
    "METRICS_PATH",
    "RemoteGate",
    "RemoteOptions",
    "build_remote_app",
    "is_loopback",
    "serve_remote",
    "split_names",
]

log = logging.getLogger(__name__)

HEALTH_PATH = "/healthz"
METRICS_PATH = "/metrics"
DEFAULT_MAX_BODY_BYTES = 1024 * 1024  # tool arguments are small; 1 MiB leaves room for long notes
# Plain ``def`` tools run on worker threads; anyio's default of 40 would queue the 41st call.
WORKER_THREADS = 200
_LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")


def is_loopback(host: str) -> bool:
    """Whether binding ``host`` keeps the server on this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class RemoteOptions:
    """How a server listens over streamable HTTP and whom it serves."""

    host: str = "127.0.0.1"
    port: int = 8000
    path: str = "/mcp"
    authenticator: Authenticator = field(default_factory=lambda: Authenticator(AuthMode.none))
    allowed_hosts: tuple[str, ...] = ()
    allowed_origins: tuple[str, ...] = ()
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    allow_unauthenticated: bool = False
    read_timeout_seconds: float = DEFAULT_READ_TIMEOUT_SECONDS  # for a request's head, and for its body
    stream_idle_seconds: float = DEFAULT_STREAM_IDLE_SECONDS
    max_event_streams: int = DEFAULT_MAX_EVENT_STREAMS
    oauth: OAuthResource | None = None  # --auth oauth: sign-in endpoints and the token check
    metrics: bool = True
    trusted_proxies: tuple[str, ...] = ()  # networks whose X-Forwarded-For names the client

    def check(self) -> None:
        """Refuse unsafe combinations before binding anything (``ValueError`` with what to do)."""
        if not self.path.startswith("/") or self.path in (HEALTH_PATH, METRICS_PATH):
            raise ValueError(
                f"--path must start with / and differ from {HEALTH_PATH} and {METRICS_PATH} (got {self.path!r})"
            )
        if self.max_body_bytes < 1024:
            raise ValueError("--max-body-bytes must be at least 1024")
        finite_positive("--read-timeout", self.read_timeout_seconds)
        for entry in self.trusted_proxies:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(
                    f"--trusted-proxies takes IP addresses or networks (10.0.0.0/8), not {entry!r}"
                ) from None
        finite_positive("--stream-idle-timeout", self.stream_idle_seconds)
        if self.max_event_streams < 1:
            raise ValueError(f"--max-event-streams must be at least 1 (got {self.max_event_streams})")
        if not is_loopback(self.host) and not self.authenticator.required and not self.allow_unauthenticated:
            raise ValueError(
                f"refusing to listen on {self.host} without client authentication: use --auth static "
                "(server tokens in PAGERDUTY_MCP_AUTH_TOKENS or PAGERDUTY_MCP_AUTH_TOKENS_FILE) or --auth "
                "pagerduty (each client sends its own PagerDuty token), or pass --allow-unauthenticated "
                "if something in front of this server authenticates clients"
            )

    def security(self) -> TransportSecuritySettings:
        """Host and Origin allow-lists: the loopback names, the bind address, and what the operator adds."""
        hosts = [f"{name}:*" for name in _LOOPBACK_NAMES] + list(_LOOPBACK_NAMES)
        if not is_loopback(self.host) and bind_address(self.host) not in ("0.0.0.0", "::"):
            shown = url_host(self.host)
            hosts += [shown, f"{shown}:*"]
        hosts += list(self.allowed_hosts)
        origins = [f"http://{name}:*" for name in _LOOPBACK_NAMES] + [f"http://{name}" for name in _LOOPBACK_NAMES]
        origins += list(self.allowed_origins)
        return TransportSecuritySettings(
            enable_dns_rebinding_protection=True, allowed_hosts=hosts, allowed_origins=origins
        )


class RemoteGate:
    """The ASGI gate in front of the MCP endpoint (see the module docstring for the order)."""

    def __init__(self, app: ASGIApp, options: RemoteOptions, server_name: str, metrics: Metrics | None = None) -> None:
        self.options = options
        self.server_name = server_name
        self.metrics = metrics
        self._security = StrictTransportSecurity(options.security())
        self._limited = RequestBodyLimitMiddleware(app, options.max_body_bytes)
        self._app = app
        self._oauth = (
            RequestBodyLimitMiddleware(options.oauth.app, options.max_body_bytes) if options.oauth is not None else None
        )
        self.streams = StreamSlots(options.max_event_streams)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)  # lifespan: starts the SDK's session manager
            return
        if scope["path"] == HEALTH_PATH and scope["method"] in ("GET", "HEAD"):
            body = {"status": "ok", "server": self.server_name, "version": __version__}
            await _json(send, 200, body)
            return
        if scope["path"] == METRICS_PATH and self.metrics is not None and scope["method"] in ("GET", "HEAD"):
            await self.metrics.serve(self.options.authenticator, self._security, scope, receive, send)
            return
        request = Request(scope)
        refused = await self._security.validate_request(request)
        if refused is not None:
            await refused(scope, receive, send)
            return
        oauth = self.options.oauth
        if oauth is not None and self._oauth is not None and scope["path"] in oauth.paths:
            # Public by design (the SDK sends CORS *), and bounded like the MCP endpoint.
            await self._read_body_then(self._oauth, scope, receive, send)
            return
        if oauth is not None:
            verdict = await oauth.authenticate(request.headers)
        else:
            verdict = self.options.authenticator.authenticate(request.headers)
        if isinstance(verdict, Rejection):
            label = {401: "unauthorized", 400: "bad_request"}.get(verdict.status, "unavailable")
            body = {"error": label, "message": verdict.message}
            await _json(
                send, verdict.status, body, {"www-authenticate": verdict.challenge} if verdict.challenge else {}
            )
            return
        scope[CALLER_SCOPE_KEY] = verdict
        if scope["method"] == "GET":
            # An event stream: a stateless server has nothing to push on it, so it ends when idle,
            # and each credential (and the server) holds only so many.
            full = self.streams.take(verdict.key)
            if full is not None:
                body = {"error": "too_many_streams", "message": full}
                retry = max(1, int(min(self.options.stream_idle_seconds, 60)))
                await _json(send, 429, body, {"retry-after": str(retry)})
                return
            try:
                await idle_capped(self._limited, scope, receive, send, self.options.stream_idle_seconds)
            finally:
                self.streams.give_back(verdict.key)
            return
        await self._read_body_then(self._limited, scope, receive, send)

    async def _read_body_then(self, app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
        """``app``, once the body arrived within the read timeout (408 otherwise); ``app`` caps its size."""
        messages = await body_within(receive, self.options.read_timeout_seconds, self.options.max_body_bytes)
        if messages is None:
            body = {"error": "request_timeout", "message": "The request body did not arrive in time."}
            await _json(send, 408, body, {"connection": "close"})
            return
        await app(scope, replaying(messages, receive), send)


async def _json(send: Send, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
    payload = json.dumps(body, separators=(",", ":")).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    raw += [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": payload})


def build_remote_app(server: MCPServer, options: RemoteOptions) -> RemoteGate:
    """The whole ASGI application of a remote server: the gate and the SDK's stateless app."""
    options.check()
    inner = server.streamable_http_app(
        streamable_http_path=options.path,
        stateless_http=True,
        # A call's progress and log notifications ride its response as server-sent events, and a
        # client that closes that stream cancels the call. A call that sends none still gets a
        # plain JSON answer (2026-07-28 clients; earlier ones always get an event stream).
        json_response=False,
        max_request_body_size=options.max_body_bytes,
        transport_security=options.security(),
        host=options.host,
    )
    metrics: Metrics | None = None
    if options.metrics:
        from pagerduty_mcp.common.hosting.metrics import server_metrics

        metrics = server_metrics(server)
    return RemoteGate(inner, options, server.name, metrics)


async def serve_remote(server: MCPServer, options: RemoteOptions, *, log_level: str = "info") -> None:
    """Listen until cancelled (uvicorn handles SIGINT/SIGTERM with a graceful shutdown)."""
    import uvicorn

    app = build_remote_app(server, options)
    anyio.to_thread.current_default_thread_limiter().total_tokens = WORKER_THREADS
    if options.allow_unauthenticated and not options.authenticator.required and not is_loopback(options.host):
        log.warning(
            "listening on %s WITHOUT client authentication (--allow-unauthenticated): anyone who reaches "
            "this port acts with the server's PagerDuty credential",
            options.host,
        )
    log.info(
        "streamable HTTP on http://%s:%d%s (auth: %s, health: %s, metrics: %s)",
        url_host(options.host),
        options.port,
        options.path,
        options.authenticator.mode.value,
        HEALTH_PATH,
        METRICS_PATH if options.metrics else "off",
    )
    config = uvicorn.Config(
        app,
        host=bind_address(options.host),  # --host '[::1]' as a URL writes it: uvicorn wants ::1
        port=options.port,
        log_level=log_level.lower(),
        log_config=None,  # keep our stderr handler, which redacts secrets
        server_header=False,
        access_log=False,
        http=guarded_protocol(options.read_timeout_seconds),
        # A forwarded address is believed from the operator's proxies only (uvicorn's default trusts
        # any loopback peer, which a proxy on the same host would make of every client).
        proxy_headers=bool(options.trusted_proxies),
        forwarded_allow_ips=list(options.trusted_proxies),
        timeout_keep_alive=int(KEEP_ALIVE_SECONDS),
        h11_max_incomplete_event_size=MAX_HEAD_BYTES,
    )
    await uvicorn.Server(config).serve()


def split_names(value: str | None) -> tuple[str, ...]:
    """Comma-separated flag values as a tuple, blanks dropped."""
    return tuple(n.strip() for n in (value or "").split(",") if n.strip())
