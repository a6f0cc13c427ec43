"""The command line every server shares: one typer app, the same flags for every area."""

# No "from __future__ import annotations": typer evaluates the option annotations, and their help
# text reads the local list of toolsets.

from collections.abc import Sequence
from typing import Annotated

import typer

from pagerduty_mcp import __version__
from pagerduty_mcp.common.hosting import startup
from pagerduty_mcp.common.hosting.budget import DEFAULT_REQUESTS_PER_MINUTE
from pagerduty_mcp.common.hosting.client_auth import AuthMode
from pagerduty_mcp.common.hosting.connections import (
    DEFAULT_MAX_EVENT_STREAMS,
    DEFAULT_READ_TIMEOUT_SECONDS,
    DEFAULT_STREAM_IDLE_SECONDS,
    EVENT_STREAMS_PER_CALLER,
)
from pagerduty_mcp.common.hosting.http import DEFAULT_MAX_BODY_BYTES
from pagerduty_mcp.common.hosting.registration import DEFAULT_REGISTRATIONS_PER_HOUR
from pagerduty_mcp.common.hosting.startup import ConfirmWrites, LogLevel, ServeOptions, Transport
from pagerduty_mcp.common.pagerduty.client import DEFAULT_MAX_CONCURRENT_PER_CREDENTIAL
from pagerduty_mcp.common.toolkit.area import Area
from pagerduty_mcp.common.toolkit.fairness import DEFAULT_MAX_QUEUED_PER_CREDENTIAL
from pagerduty_mcp.common.toolkit.server import DEFAULT_CALL_DEADLINE_SECONDS

__all__ = ["build_app"]


def build_app(command: str, areas: Sequence[Area], *, help_text: str | None = None) -> typer.Typer:
    """The command-line entry point of a server: same flags for every area. Its help says what the
    areas hold (their summaries) unless ``help_text`` says otherwise."""
    if help_text is None:
        help_text = f"PagerDuty MCP server for {'; '.join(area.summary for area in areas)}."
    app = typer.Typer(add_completion=False, help=help_text, rich_markup_mode=None, pretty_exceptions_enable=False)
    toolset_names = ", ".join(area.name for area in areas)

    def version_callback(value: bool) -> None:
        if value:
            typer.echo(f"{command} {__version__}")
            raise typer.Exit()

    @app.command(help=help_text)
    def serve(
        enable_write_tools: Annotated[
            bool,
            typer.Option(
                "--enable-write-tools",
                envvar="PAGERDUTY_MCP_ENABLE_WRITE_TOOLS",
                help="Also register tools that change PagerDuty (acknowledge, create, update, delete). "
                "Off by default: the server is read-only.",
            ),
        ] = False,
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
        ] = ConfirmWrites.auto,
        sandbox: Annotated[
            bool,
            typer.Option(
                "--sandbox",
                envvar="PAGERDUTY_MCP_SANDBOX",
                help="Run against the built-in offline PagerDuty account. No token needed; writes stay "
                "inside the sandbox.",
            ),
        ] = False,
        toolsets: Annotated[
            str | None,
            typer.Option(
                "--toolsets",
                envvar="PAGERDUTY_MCP_TOOLSETS",
                help=f"Comma-separated areas to expose (of: {toolset_names}). Default: all.",
            ),
        ] = None,
        tools: Annotated[
            str | None,
            typer.Option(
                "--tools", envvar="PAGERDUTY_MCP_TOOLS", help="Comma-separated tool names: expose only these."
            ),
        ] = None,
        exclude_tools: Annotated[
            str | None,
            typer.Option(
                "--exclude-tools",
                envvar="PAGERDUTY_MCP_EXCLUDE_TOOLS",
                help="Comma-separated tool names to hide.",
            ),
        ] = None,
        transport: Annotated[
            Transport,
            typer.Option("--transport", envvar="PAGERDUTY_MCP_TRANSPORT", help="How clients connect."),
        ] = Transport.stdio,
        host: Annotated[
            str,
            typer.Option(
                "--host",
                envvar="PAGERDUTY_MCP_HOST",
                help="Address to bind for streamable-http (loopback by default).",
            ),
        ] = "127.0.0.1",
        port: Annotated[
            int, typer.Option("--port", envvar="PAGERDUTY_MCP_PORT", help="Port for streamable-http.")
        ] = 8000,
        path: Annotated[
            str, typer.Option("--path", envvar="PAGERDUTY_MCP_PATH", help="URL path of the MCP endpoint.")
        ] = "/mcp",
        auth: Annotated[
            AuthMode | None,
            typer.Option(
                "--auth",
                envvar="PAGERDUTY_MCP_AUTH",
                help="Client authentication for streamable-http: none; static (Authorization: Bearer <server "
                "token>, tokens from PAGERDUTY_MCP_AUTH_TOKENS or --auth-tokens-file); pagerduty (each request "
                "carries its caller's own PagerDuty token); oauth (users sign in with PagerDuty; needs --public-url). "
                "Default: static if server tokens are set, else none.",
            ),
        ] = None,
        auth_tokens_file: Annotated[
            str | None,
            typer.Option(
                "--auth-tokens-file",
                envvar="PAGERDUTY_MCP_AUTH_TOKENS_FILE",
                help="File with server tokens for --auth static, one per line (tokens never go on the command line).",
            ),
        ] = None,
        allow_unauthenticated: Annotated[
            bool,
            typer.Option(
                "--allow-unauthenticated",
                envvar="PAGERDUTY_MCP_ALLOW_UNAUTHENTICATED",
                help="Allow a non-loopback --host without client authentication (something in front must "
                "authenticate clients). Logs a warning.",
            ),
        ] = False,
        allowed_hosts: Annotated[
            str | None,
            typer.Option(
                "--allowed-hosts",
                envvar="PAGERDUTY_MCP_ALLOWED_HOSTS",
                help="Comma-separated Host header values to accept besides loopback, e.g. mcp.example.com "
                "or mcp.example.com:* (others get 421).",
            ),
        ] = None,
        allowed_origins: Annotated[
            str | None,
            typer.Option(
                "--allowed-origins",
                envvar="PAGERDUTY_MCP_ALLOWED_ORIGINS",
                help="Comma-separated browser Origins to accept besides loopback (others get 403).",
            ),
        ] = None,
        max_body_bytes: Annotated[
            int,
            typer.Option(
                "--max-body-bytes", envvar="PAGERDUTY_MCP_MAX_BODY_BYTES", help="Largest request body (413 above)."
            ),
        ] = DEFAULT_MAX_BODY_BYTES,
        max_concurrent_per_credential: Annotated[
            int,
            typer.Option(
                "--max-concurrent-per-credential",
                envvar="PAGERDUTY_MCP_MAX_CONCURRENT_PER_CREDENTIAL",
                help="Calls, and PagerDuty requests, running at once for one credential; more wait their "
                "turn without holding a worker thread.",
            ),
        ] = DEFAULT_MAX_CONCURRENT_PER_CREDENTIAL,
        max_queued_per_credential: Annotated[
            int,
            typer.Option(
                "--max-queued-per-credential",
                envvar="PAGERDUTY_MCP_MAX_QUEUED_PER_CREDENTIAL",
                help="Calls of one credential that may wait for a slot; more fail at once with RATE_LIMITED.",
            ),
        ] = DEFAULT_MAX_QUEUED_PER_CREDENTIAL,
        call_timeout: Annotated[
            float,
            typer.Option(
                "--call-timeout",
                envvar="PAGERDUTY_MCP_CALL_TIMEOUT_SECONDS",
                help="Deadline of one tool call, in seconds, retries and waits included.",
            ),
        ] = DEFAULT_CALL_DEADLINE_SECONDS,
        read_timeout: Annotated[
            float,
            typer.Option(
                "--read-timeout",
                envvar="PAGERDUTY_MCP_READ_TIMEOUT_SECONDS",
                help="Seconds a client has to send a request's headers, and again its body (streamable-http).",
            ),
        ] = DEFAULT_READ_TIMEOUT_SECONDS,
        stream_idle_timeout: Annotated[
            float,
            typer.Option(
                "--stream-idle-timeout",
                envvar="PAGERDUTY_MCP_STREAM_IDLE_SECONDS",
                help="Seconds a GET event stream may stay open without an event (streamable-http).",
            ),
        ] = DEFAULT_STREAM_IDLE_SECONDS,
        max_event_streams: Annotated[
            int,
            typer.Option(
                "--max-event-streams",
                envvar="PAGERDUTY_MCP_MAX_EVENT_STREAMS",
                help=f"GET event streams open at once, all callers (streamable-http); each credential may "
                f"hold {EVENT_STREAMS_PER_CALLER}. More get 429.",
            ),
        ] = DEFAULT_MAX_EVENT_STREAMS,
        public_url: Annotated[
            str | None,
            typer.Option(
                "--public-url",
                envvar="PAGERDUTY_MCP_PUBLIC_URL",
                help="The URL clients reach this server at (e.g. https://mcp.example.com), for --auth oauth: "
                "tokens are bound to it. Default on loopback: http://<host>:<port>.",
            ),
        ] = None,
        allowed_redirect_hosts: Annotated[
            str | None,
            typer.Option(
                "--allowed-redirect-hosts",
                envvar="PAGERDUTY_MCP_ALLOWED_REDIRECT_HOSTS",
                help="For --auth oauth on a shared server: the only hosts an https redirect URI of a registering "
                "client may point at (comma-separated: claude.ai, *.example.com), and one-word app schemes to "
                "allow (cursor:). Default: any https host. Loopback redirects are allowed either way.",
            ),
        ] = None,
        loopback_redirects: Annotated[
            bool,
            typer.Option(
                "--loopback-redirects/--no-loopback-redirects",
                envvar="PAGERDUTY_MCP_LOOPBACK_REDIRECTS",
                help="For --auth oauth: accept http redirect URIs to 127.0.0.1, [::1] and localhost (any port), "
                "as editors and desktop apps use (RFC 8252).",
            ),
        ] = True,
        max_registrations_per_hour: Annotated[
            int,
            typer.Option(
                "--max-registrations-per-hour",
                envvar="PAGERDUTY_MCP_MAX_REGISTRATIONS_PER_HOUR",
                help="For --auth oauth: client registrations one address may make an hour (a third of them at "
                "once); more get 429.",
            ),
        ] = DEFAULT_REGISTRATIONS_PER_HOUR,
        trusted_proxies: Annotated[
            str | None,
            typer.Option(
                "--trusted-proxies",
                envvar="PAGERDUTY_MCP_TRUSTED_PROXIES",
                help="Comma-separated addresses or networks of your reverse proxies (10.0.0.0/8): only their "
                "X-Forwarded-For is believed to name the client. Default: none, the peer address counts.",
            ),
        ] = None,
        redis_url: Annotated[
            str | None,
            typer.Option(
                "--redis-url",
                envvar="PAGERDUTY_MCP_REDIS_URL",
                help="Redis shared by replicas: sign-ins, tokens and request budgets (redis://host:6379/0). "
                "Without it they stay in this process: run one replica.",
            ),
        ] = None,
        budget_per_minute: Annotated[
            int | None,
            typer.Option(
                "--budget-per-minute",
                envvar="PAGERDUTY_MCP_BUDGET_PER_MINUTE",
                help="PagerDuty requests per minute and credential, across replicas with --redis-url "
                f"(PagerDuty allows {DEFAULT_REQUESTS_PER_MINUTE} per user token; the default, except on "
                "--sandbox). 0: no budget.",
            ),
        ] = None,
        metrics: Annotated[
            bool,
            typer.Option(
                "--metrics/--no-metrics",
                envvar="PAGERDUTY_MCP_METRICS",
                help="Serve Prometheus metrics at /metrics on the streamable-http port (to loopback "
                "peers, and with a server token under --auth static).",
            ),
        ] = True,
        log_level: Annotated[
            LogLevel,
            typer.Option("--log-level", envvar="PAGERDUTY_MCP_LOG_LEVEL", help="Log level (stderr)."),
        ] = LogLevel.INFO,
        version: Annotated[
            bool,
            typer.Option("--version", callback=version_callback, is_eager=True, help="Print the version and exit."),
        ] = False,
    ) -> None:
        startup.serve(
            command,
            areas,
            ServeOptions(
                enable_write_tools=enable_write_tools,
                confirm_writes=confirm_writes,
                sandbox=sandbox,
                toolsets=toolsets,
                tools=tools,
                exclude_tools=exclude_tools,
                transport=transport,
                host=host,
                port=port,
                path=path,
                auth=auth,
                auth_tokens_file=auth_tokens_file,
                allow_unauthenticated=allow_unauthenticated,
                allowed_hosts=allowed_hosts,
                allowed_origins=allowed_origins,
                max_body_bytes=max_body_bytes,
                max_concurrent_per_credential=max_concurrent_per_credential,
                max_queued_per_credential=max_queued_per_credential,
                call_timeout=call_timeout,
                read_timeout=read_timeout,
                stream_idle_timeout=stream_idle_timeout,
                max_event_streams=max_event_streams,
                metrics=metrics,
                log_level=log_level,
                public_url=public_url,
                redis_url=redis_url,
                budget_per_minute=budget_per_minute,
                allowed_redirect_hosts=allowed_redirect_hosts,
                loopback_redirects=loopback_redirects,
                max_registrations_per_hour=max_registrations_per_hour,
                trusted_proxies=trusted_proxies,
            ),
        )

    return app
