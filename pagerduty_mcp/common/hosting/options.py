"""The options every server takes, each declared once.

A field of :class:`ServeOptions` is an option: its name, type and default, and in its
``Annotated[..., typer.Option(...)]`` the flag, its environment variable and its help. The command
line (``cli.build_app``) is made from these fields, and start-up (``startup.serve``) reads the object
they fill: adding an option is one field here, and the code that uses it.

Secrets are not options: a command line is readable by other users of the machine. They are read
from the environment only, and :data:`SECRETS` names them so that ``--help`` does too.
"""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

import typer

from pagerduty_mcp.common.hosting.budget import DEFAULT_REQUESTS_PER_MINUTE
from pagerduty_mcp.common.hosting.client_auth import AUTH_TOKENS_VARIABLE, AuthMode
from pagerduty_mcp.common.hosting.connections import (
    DEFAULT_MAX_EVENT_STREAMS,
    DEFAULT_READ_TIMEOUT_SECONDS,
    DEFAULT_STREAM_IDLE_SECONDS,
    EVENT_STREAMS_PER_CALLER,
)
from pagerduty_mcp.common.hosting.http import DEFAULT_MAX_BODY_BYTES
from pagerduty_mcp.common.hosting.registration import DEFAULT_REGISTRATIONS_PER_HOUR
from pagerduty_mcp.common.hosting.sealing import KEY_VARIABLE
from pagerduty_mcp.common.hosting.store import REDIS_PASSWORD_VARIABLE
from pagerduty_mcp.common.pagerduty.client import DEFAULT_MAX_CONCURRENT_PER_CREDENTIAL
from pagerduty_mcp.common.toolkit.fairness import DEFAULT_MAX_QUEUED_PER_CREDENTIAL
from pagerduty_mcp.common.toolkit.registry import ToolFilter
from pagerduty_mcp.common.toolkit.server import DEFAULT_CALL_DEADLINE_SECONDS

__all__ = [
    "SECRETS",
    "TOOLSETS",
    "ConfirmWrites",
    "LogLevel",
    "Secret",
    "ServeOptions",
    "Transport",
    "declared_options",
    "envvar_of",
]


class Transport(StrEnum):
    stdio = "stdio"
    streamable_http = "streamable-http"


class LogLevel(StrEnum):
    DEBUG = "DEBUG"
    INFO = "INFO"
    WARNING = "WARNING"
    ERROR = "ERROR"


class ConfirmWrites(StrEnum):
    """Whether writes that page, delete, run, post or change many ask the person first (toolkit.confirm)."""

    auto = "auto"  # clients that can answer are asked; the others act as before
    require = "require"  # clients that cannot answer are refused those writes
    off = "off"  # nobody is asked


# In a help text, where each server's command line puts the names of its toolsets.
TOOLSETS = "{toolsets}"


@dataclass(frozen=True)
class ServeOptions:
    """Everything the command line (or its environment variables) said."""

    enable_write_tools: Annotated[
        bool,
        typer.Option(
            "--enable-write-tools",
            envvar="PAGERDUTY_MCP_ENABLE_WRITE_TOOLS",
            help="Also register tools that change PagerDuty (acknowledge, create, update, delete). "
            "Off by default: the server is read-only.",
        ),
    ] = False
    confirm_writes: Annotated[
        ConfirmWrites,
        typer.Option(
            "--confirm-writes",
            envvar="PAGERDUTY_MCP_CONFIRM_WRITES",
            help="Before a write that pages or wakes people, deletes, runs an action, posts publicly or "
            "changes several incidents, ask the person (MCP elicitation): auto asks clients that can "
            "answer and lets the others act as before; require refuses those writes to clients that "
            "cannot answer; off never asks.",
        ),
    ] = ConfirmWrites.auto
    sandbox: Annotated[
        bool,
        typer.Option(
            "--sandbox",
            envvar="PAGERDUTY_MCP_SANDBOX",
            help="Run against the built-in offline PagerDuty account. No token needed; writes stay inside the sandbox.",
        ),
    ] = False
    toolsets: Annotated[
        str | None,
        typer.Option(
            "--toolsets",
            envvar="PAGERDUTY_MCP_TOOLSETS",
            help=f"Comma-separated areas to expose (of: {TOOLSETS}). Default: all.",
        ),
    ] = None
    tools: Annotated[
        str | None,
        typer.Option("--tools", envvar="PAGERDUTY_MCP_TOOLS", help="Comma-separated tool names: expose only these."),
    ] = None
    exclude_tools: Annotated[
        str | None,
        typer.Option(
            "--exclude-tools", envvar="PAGERDUTY_MCP_EXCLUDE_TOOLS", help="Comma-separated tool names to hide."
        ),
    ] = None
    transport: Annotated[
        Transport,
        typer.Option("--transport", envvar="PAGERDUTY_MCP_TRANSPORT", help="How clients connect."),
    ] = Transport.stdio
    host: Annotated[
        str,
        typer.Option(
            "--host", envvar="PAGERDUTY_MCP_HOST", help="Address to bind for streamable-http (loopback by default)."
        ),
    ] = "127.0.0.1"
    port: Annotated[int, typer.Option("--port", envvar="PAGERDUTY_MCP_PORT", help="Port for streamable-http.")] = 8000
    path: Annotated[str, typer.Option("--path", envvar="PAGERDUTY_MCP_PATH", help="URL path of the MCP endpoint.")] = (
        "/mcp"
    )
    auth: Annotated[
        AuthMode | None,
        typer.Option(
            "--auth",
            envvar="PAGERDUTY_MCP_AUTH",
            help="Client authentication for streamable-http: none; static (Authorization: Bearer <server "
            f"token>, tokens from {AUTH_TOKENS_VARIABLE} or --auth-tokens-file); pagerduty (each request "
            "carries its caller's own PagerDuty token); oauth (users sign in with PagerDuty; needs --public-url). "
            "Default: static if server tokens are set, else none.",
        ),
    ] = None
    auth_tokens_file: Annotated[
        str | None,
        typer.Option(
            "--auth-tokens-file",
            envvar="PAGERDUTY_MCP_AUTH_TOKENS_FILE",
            help="File with server tokens for --auth static, one per line (tokens never go on the command line).",
        ),
    ] = None
    allow_unauthenticated: Annotated[
        bool,
        typer.Option(
            "--allow-unauthenticated",
            envvar="PAGERDUTY_MCP_ALLOW_UNAUTHENTICATED",
            help="Allow a non-loopback --host without client authentication (something in front must "
            "authenticate clients). Logs a warning.",
        ),
    ] = False
    allowed_hosts: Annotated[
        str | None,
        typer.Option(
            "--allowed-hosts",
            envvar="PAGERDUTY_MCP_ALLOWED_HOSTS",
            help="Comma-separated Host header values to accept besides loopback, e.g. mcp.example.com "
            "or mcp.example.com:* (others get 421).",
        ),
    ] = None
    allowed_origins: Annotated[
        str | None,
        typer.Option(
            "--allowed-origins",
            envvar="PAGERDUTY_MCP_ALLOWED_ORIGINS",
            help="Comma-separated browser Origins to accept besides loopback (others get 403).",
        ),
    ] = None
    max_body_bytes: Annotated[
        int,
        typer.Option(
            "--max-body-bytes", envvar="PAGERDUTY_MCP_MAX_BODY_BYTES", help="Largest request body (413 above)."
        ),
    ] = DEFAULT_MAX_BODY_BYTES
    max_concurrent_per_credential: Annotated[
        int,
        typer.Option(
            "--max-concurrent-per-credential",
            envvar="PAGERDUTY_MCP_MAX_CONCURRENT_PER_CREDENTIAL",
            help="Calls, and PagerDuty requests, running at once for one credential; more wait their "
            "turn without holding a worker thread.",
        ),
    ] = DEFAULT_MAX_CONCURRENT_PER_CREDENTIAL
    max_queued_per_credential: Annotated[
        int,
        typer.Option(
            "--max-queued-per-credential",
            envvar="PAGERDUTY_MCP_MAX_QUEUED_PER_CREDENTIAL",
            help="Calls of one credential that may wait for a slot; more fail at once with RATE_LIMITED.",
        ),
    ] = DEFAULT_MAX_QUEUED_PER_CREDENTIAL
    call_timeout: Annotated[
        float,
        typer.Option(
            "--call-timeout",
            envvar="PAGERDUTY_MCP_CALL_TIMEOUT_SECONDS",
            help="Deadline of one tool call, in seconds, retries and waits included.",
        ),
    ] = DEFAULT_CALL_DEADLINE_SECONDS
    read_timeout: Annotated[
        float,
        typer.Option(
            "--read-timeout",
            envvar="PAGERDUTY_MCP_READ_TIMEOUT_SECONDS",
            help="Seconds a client has to send a request's headers, and again its body (streamable-http).",
        ),
    ] = DEFAULT_READ_TIMEOUT_SECONDS
    stream_idle_timeout: Annotated[
        float,
        typer.Option(
            "--stream-idle-timeout",
            envvar="PAGERDUTY_MCP_STREAM_IDLE_SECONDS",
            help="Seconds a GET event stream may stay open without an event (streamable-http).",
        ),
    ] = DEFAULT_STREAM_IDLE_SECONDS
    max_event_streams: Annotated[
        int,
        typer.Option(
            "--max-event-streams",
            envvar="PAGERDUTY_MCP_MAX_EVENT_STREAMS",
            help=f"GET event streams open at once, all callers (streamable-http); each credential may "
            f"hold {EVENT_STREAMS_PER_CALLER}. More get 429.",
        ),
    ] = DEFAULT_MAX_EVENT_STREAMS
    public_url: Annotated[
        str | None,
        typer.Option(
            "--public-url",
            envvar="PAGERDUTY_MCP_PUBLIC_URL",
            help="The URL clients reach this server at (e.g. https://mcp.example.com), for --auth oauth: "
            "tokens are bound to it. Default on loopback: http://<host>:<port>.",
        ),
    ] = None
    allowed_redirect_hosts: Annotated[
        str | None,
        typer.Option(
            "--allowed-redirect-hosts",
            envvar="PAGERDUTY_MCP_ALLOWED_REDIRECT_HOSTS",
            help="For --auth oauth on a shared server: the only hosts an https redirect URI of a registering "
            "client may point at (comma-separated: claude.ai, *.example.com), and one-word app schemes to "
            "allow (cursor:). Default: any https host. Loopback redirects are allowed either way.",
        ),
    ] = None
    loopback_redirects: Annotated[
        bool,
        typer.Option(
            "--loopback-redirects/--no-loopback-redirects",
            envvar="PAGERDUTY_MCP_LOOPBACK_REDIRECTS",
            help="For --auth oauth: accept http redirect URIs to 127.0.0.1, [::1] and localhost (any port), "
            "as editors and desktop apps use (RFC 8252).",
        ),
    ] = True
    max_registrations_per_hour: Annotated[
        int,
        typer.Option(
            "--max-registrations-per-hour",
            envvar="PAGERDUTY_MCP_MAX_REGISTRATIONS_PER_HOUR",
            help="For --auth oauth: client registrations one address may make an hour (a third of them at "
            "once); more get 429.",
        ),
    ] = DEFAULT_REGISTRATIONS_PER_HOUR
    trusted_proxies: Annotated[
        str | None,
        typer.Option(
            "--trusted-proxies",
            envvar="PAGERDUTY_MCP_TRUSTED_PROXIES",
            help="Comma-separated addresses or networks of your reverse proxies (10.0.0.0/8): only their "
            "X-Forwarded-For is believed to name the client. Default: none, the peer address counts.",
        ),
    ] = None
    redis_url: Annotated[
        str | None,
        typer.Option(
            "--redis-url",
            envvar="PAGERDUTY_MCP_REDIS_URL",
            help="Redis shared by replicas: sign-ins, tokens and request budgets (redis://host:6379/0; its "
            f"password in {REDIS_PASSWORD_VARIABLE}). Without it they stay in this process: run one replica.",
        ),
    ] = None
    budget_per_minute: Annotated[
        int | None,
        typer.Option(
            "--budget-per-minute",
            envvar="PAGERDUTY_MCP_BUDGET_PER_MINUTE",
            help="PagerDuty requests per minute and credential, across replicas with --redis-url "
            f"(PagerDuty allows {DEFAULT_REQUESTS_PER_MINUTE} per user token; the default, except on "
            "--sandbox). 0: no budget.",
        ),
    ] = None  # None: PagerDuty's per-user limit, or none on the sandbox
    metrics: Annotated[
        bool,
        typer.Option(
            "--metrics/--no-metrics",
            envvar="PAGERDUTY_MCP_METRICS",
            help="Serve Prometheus metrics at /metrics on the streamable-http port (to loopback "
            "peers, and with a server token under --auth static).",
        ),
    ] = True
    log_level: Annotated[
        LogLevel, typer.Option("--log-level", envvar="PAGERDUTY_MCP_LOG_LEVEL", help="Log level (stderr).")
    ] = LogLevel.INFO

    def request_budget(self) -> int:
        """Requests per minute and credential (0: no budget). The in-process sandbox is not
        PagerDuty: it has no such limit unless its rate-limit fault says so."""
        if self.budget_per_minute is not None:
            return self.budget_per_minute
        return 0 if self.sandbox else DEFAULT_REQUESTS_PER_MINUTE

    def tool_filter(self) -> ToolFilter:
        return ToolFilter(
            enable_write_tools=self.enable_write_tools,
            toolsets=_names(self.toolsets),
            tools=_names(self.tools),
            exclude_tools=_names(self.exclude_tools) or frozenset(),
        )


def _names(value: str | None) -> frozenset[str] | None:
    if value is None:
        return None
    return frozenset(n.strip() for n in value.split(",") if n.strip())


@dataclass(frozen=True)
class Secret:
    """A setting read from the environment only, never from the command line."""

    variable: str
    help: str


SECRETS: tuple[Secret, ...] = (
    Secret(AUTH_TOKENS_VARIABLE, "server tokens for --auth static, comma-separated"),
    Secret(REDIS_PASSWORD_VARIABLE, "the password of --redis-url's Redis, kept out of the URL"),
    Secret(KEY_VARIABLE, "the key(s) to seal sign-ins and confirmations, alike on every replica"),
)


def declared_options() -> list[tuple[dataclasses.Field[Any], Any]]:
    """Each field of :class:`ServeOptions` with its type as declared (``Annotated[..., typer.Option]``)."""
    hints = typing.get_type_hints(ServeOptions, include_extras=True)
    return [(field, hints[field.name]) for field in dataclasses.fields(ServeOptions)]


def envvar_of(name: str) -> str:
    """The environment variable of the option ``name`` (a field of :class:`ServeOptions`)."""
    for field, declared in declared_options():
        if field.name == name:
            option = next(m for m in declared.__metadata__ if isinstance(m, typer.models.OptionInfo))
            return str(option.envvar)
    raise KeyError(name)
