"""``create_pagerduty_server`` and the typer app factory that every area reuses."""

import dataclasses
import functools
import logging
import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Annotated, Any, NoReturn

import anyio
import typer
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import Tool as MCPTool
from mcp_types import ToolAnnotations
from pydantic import ValidationError

from pagerduty_mcp import __version__
from pagerduty_mcp.common.auth import Authenticator, AuthMode, Caller, current_caller, load_server_tokens
from pagerduty_mcp.common.client import DEFAULT_MAX_CONCURRENT_PER_CREDENTIAL, ClientPool, set_pool
from pagerduty_mcp.common.config import Settings, load_dotenv_file
from pagerduty_mcp.common.context import CallContext, bind_call, unbind_call
from pagerduty_mcp.common.errors import ToolFailure
from pagerduty_mcp.common.logs import configure_logging, register_secret
from pagerduty_mcp.common.oauth import ClientCredentials
from pagerduty_mcp.common.params import ID_PATTERN
from pagerduty_mcp.common.registry import ToolFilter, register_read_tools, register_write_tools, spec_of
from pagerduty_mcp.common.remote import DEFAULT_MAX_BODY_BYTES, RemoteOptions, serve_remote, split_names
from pagerduty_mcp.common.responses import error_result

__all__ = ["Area", "PagerDutyMCPServer", "build_app", "create_pagerduty_server"]

log = logging.getLogger(__name__)

DEFAULT_CALL_DEADLINE_SECONDS = 60.0


@dataclass(frozen=True)
class Area:
    """One product area: its tools, its instructions for the model, and any prompts/resources."""

    name: str
    command: str
    summary: str
    instructions: str
    read_tools: Sequence[Callable[..., Any]]
    write_tools: Sequence[Callable[..., Any]] = ()
    extras: Callable[[MCPServer, ToolFilter], None] | None = None

    def tool_names(self) -> list[str]:
        return [spec_of(fn).name for fn in (*self.read_tools, *self.write_tools)]


def describe_validation_error(tool: str, error: ValidationError) -> ToolFailure:
    """Arguments that fail the input schema: name each field and what it should be."""
    problems = []
    fields = []
    for item in error.errors()[:5]:
        where = ".".join(str(p) for p in item["loc"]) or "arguments"
        fields.append(where)
        if item["type"] == "string_pattern_mismatch" and item.get("ctx", {}).get("pattern") == ID_PATTERN:
            problems.append(f"{where}: not a PagerDuty id (like PABC123) or the object's PagerDuty URL")
        else:
            problems.append(f"{where}: {item['msg']}")
    more = f" (+{len(error.errors()) - 5} more)" if len(error.errors()) > 5 else ""
    return ToolFailure(
        "INVALID_PARAMETER",
        f"{'; '.join(problems)}{more}. Fix the arguments and call {tool} again.",
        {"parameters": fields},
    )


def lean_schema(schema: Any) -> Any:
    """Drop what pydantic adds that no model needs: titles, ``null`` branches, ``default: null``.

    Optional parameters stay optional (they are not ``required``); the arguments are still
    validated against the full pydantic model.
    """
    if isinstance(schema, list):
        return [lean_schema(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {}
    for key, value in schema.items():
        if key == "title" and isinstance(value, str):
            continue
        if key == "default" and value is None:
            continue
        if key == "properties" and isinstance(value, dict):
            out[key] = {name: lean_schema(prop) for name, prop in value.items()}
            continue
        out[key] = lean_schema(value)
    branches = out.get("anyOf")
    if isinstance(branches, list):
        kept = [b for b in branches if b != {"type": "null"}]
        if len(kept) == 1 and len(kept) < len(branches):
            del out["anyOf"]
            out = {**kept[0], **out}
    return out


class PagerDutyMCPServer(MCPServer):
    """``MCPServer`` that gives every call its context and keeps errors in our envelope.

    Over HTTP each request has a caller (``common.auth``): its PagerDuty credential is the one
    the call uses, and its narrowing headers hide tools from its ``tools/list`` and calls.
    """

    call_deadline_seconds: float = DEFAULT_CALL_DEADLINE_SECONDS
    toolset_of: Mapping[str, str] = MappingProxyType({})  # tool name -> area; set by create_pagerduty_server

    def _allowed(self, name: str, annotations: ToolAnnotations | None, caller: Caller | None) -> bool:
        """Whether the caller's narrowing headers leave this tool visible (no caller: stdio, all)."""
        if caller is None:
            return True
        is_write = not (annotations is not None and annotations.read_only_hint)
        return caller.narrowing.allows(name, self.toolset_of.get(name), is_write)

    async def list_tools(self) -> list[MCPTool]:
        caller = current_caller()
        return [
            tool.model_copy(update={"input_schema": lean_schema(tool.input_schema)})
            for tool in await super().list_tools()
            if self._allowed(tool.name, tool.annotations, caller)
        ]

    def call_context(self, name: str, context: Context[Any, Any] | None) -> CallContext:
        """The per-call context: the HTTP caller's credential and identity, or the server's own."""
        caller = current_caller()
        return CallContext(
            tool=name,
            credential=caller.credential if caller else None,
            caller=caller.identity if caller else None,
            deadline=time.monotonic() + self.call_deadline_seconds,
        )

    async def call_tool(self, name: str, arguments: dict[str, Any], context: Context[Any, Any] | None = None) -> Any:
        tool = self._tool_manager.get_tool(name)
        if tool is not None and not self._allowed(name, tool.annotations, current_caller()):
            # Exactly what an unknown tool gets: a hidden tool does not exist for this caller.
            raise ToolError(f"Unknown tool: {name}")
        if tool is not None:
            unknown = sorted(set(arguments) - set(tool.parameters.get("properties", {})))
            if unknown:
                # The SDK would drop them silently; a misspelt argument must not be ignored.
                valid = ", ".join(tool.parameters.get("properties", {})) or "none"
                return error_result(
                    ToolFailure(
                        "INVALID_PARAMETER",
                        f"Unknown argument(s) {', '.join(unknown)}; {name} takes: {valid}.",
                        {"parameters": unknown},
                    )
                )
        token = bind_call(self.call_context(name, context))
        try:
            return await super().call_tool(name, arguments, context)
        except ToolError as exc:
            if isinstance(exc.__cause__, ValidationError):
                return error_result(describe_validation_error(name, exc.__cause__))
            if isinstance(exc.__cause__, ToolFailure):
                return error_result(exc.__cause__)
            raise
        except ToolFailure as failure:
            return error_result(failure)
        finally:
            unbind_call(token)


def create_pagerduty_server(
    name: str,
    areas: Sequence[Area],
    flt: ToolFilter,
    *,
    instructions: str | None = None,
    server_class: type[PagerDutyMCPServer] = PagerDutyMCPServer,
) -> PagerDutyMCPServer:
    """Build a server with the tools of ``areas`` that ``flt`` allows.

    Raises ``ValueError`` (before anything is registered) when a filter names an unknown
    toolset or tool.
    """
    flt.check({area.name: area.tool_names() for area in areas})
    if instructions is None:
        instructions = "\n".join(area.instructions for area in areas)
    mode = "Write tools are enabled." if flt.enable_write_tools else "Read-only: write tools are disabled."
    server = server_class(
        name,
        instructions=f"{instructions}\n{mode}",
        version=__version__,
        log_level=logging.getLevelName(logging.getLogger().level or logging.INFO),  # type: ignore[arg-type]
    )
    server.toolset_of = {name: area.name for area in areas for name in area.tool_names()}
    for area in areas:
        register_read_tools(server, area.name, area.read_tools, flt)
        register_write_tools(server, area.name, area.write_tools, flt)
        if area.extras is not None:
            area.extras(server, flt)
    return server


class Transport(StrEnum):
    stdio = "stdio"
    streamable_http = "streamable-http"


class LogLevel(StrEnum):
    DEBUG = "DEBUG"
    INFO = "INFO"
    WARNING = "WARNING"
    ERROR = "ERROR"


def _names(value: str | None) -> frozenset[str] | None:
    if value is None:
        return None
    return frozenset(n.strip() for n in value.split(",") if n.strip())


def _fail(command: str, message: str) -> NoReturn:
    """One clear line on stderr and a non-zero exit: no traceback, nothing on stdout."""
    sys.stderr.write(f"{command}: {message}\n")
    sys.stderr.flush()
    raise SystemExit(2)


def build_app(command: str, areas: Sequence[Area], *, help_text: str) -> typer.Typer:
    """The command-line entry point of a server: same flags for every area."""
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
                "carries its caller's own PagerDuty token). Default: static if server tokens are set, else none.",
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
                help="PagerDuty requests in flight at once for one credential; more wait their turn.",
            ),
        ] = DEFAULT_MAX_CONCURRENT_PER_CREDENTIAL,
        call_timeout: Annotated[
            float,
            typer.Option(
                "--call-timeout",
                envvar="PAGERDUTY_MCP_CALL_TIMEOUT_SECONDS",
                help="Deadline of one tool call, in seconds, retries and waits included.",
            ),
        ] = DEFAULT_CALL_DEADLINE_SECONDS,
        log_level: Annotated[
            LogLevel,
            typer.Option("--log-level", envvar="PAGERDUTY_MCP_LOG_LEVEL", help="Log level (stderr)."),
        ] = LogLevel.INFO,
        version: Annotated[
            bool,
            typer.Option("--version", callback=version_callback, is_eager=True, help="Print the version and exit."),
        ] = False,
    ) -> None:
        configure_logging(log_level.value)
        load_dotenv_file()
        remote: RemoteOptions | None = None
        try:
            settings = Settings.from_env(sandbox=sandbox)
            oauth = ClientCredentials.from_env(settings.api_host)
            if transport is Transport.streamable_http:
                remote = _remote_options(
                    host, port, path, auth, auth_tokens_file, allow_unauthenticated, allowed_hosts,
                    allowed_origins, max_body_bytes,
                )  # fmt: skip
            elif auth not in (None, AuthMode.none):
                raise ValueError("--auth applies to --transport streamable-http only")
            if max_concurrent_per_credential < 1 or call_timeout <= 0:
                raise ValueError("--max-concurrent-per-credential and --call-timeout must be positive")
        except ValueError as exc:
            _fail(command, str(exc))
        per_caller = remote is not None and remote.authenticator.mode is AuthMode.pagerduty
        if per_caller:
            if settings.credential is not None or oauth is not None:
                log.warning("--auth pagerduty: the server's own PagerDuty credential is ignored; callers bring theirs")
            if settings.user_email:
                log.warning("--auth pagerduty: PAGERDUTY_USER_EMAIL is ignored; writes act as each caller's own user")
            # Nothing of the operator's identity may act for a caller: not the key, not the From email.
            settings, oauth = dataclasses.replace(settings, credential=None, user_email=None), None
        elif settings.credential is None and oauth is None and not sandbox:
            _fail(
                command,
                "no PagerDuty credential: set PAGERDUTY_USER_API_KEY (or PAGERDUTY_OAUTH_TOKEN, or "
                "PAGERDUTY_OAUTH_CLIENT_ID/_SECRET/_SCOPES), or run with --sandbox to try the offline sandbox.",
            )
        if settings.credential is not None:
            register_secret(settings.credential.secret)
        flt = ToolFilter(
            enable_write_tools=enable_write_tools,
            toolsets=_names(toolsets),
            tools=_names(tools),
            exclude_tools=_names(exclude_tools) or frozenset(),
        )
        try:
            server = create_pagerduty_server(command, areas, flt)
        except ValueError as exc:
            _fail(command, str(exc))
        if flt.tools and not enable_write_tools:
            named_writes = sorted(
                spec_of(fn).name for area in areas for fn in area.write_tools if spec_of(fn).name in flt.tools
            )
            if named_writes:
                log.warning("read-only: %s stay hidden without --enable-write-tools", ", ".join(named_writes))
        server.call_deadline_seconds = call_timeout
        set_pool(
            ClientPool(
                settings,
                oauth=oauth,
                max_concurrent_per_credential=max_concurrent_per_credential,
                server_credential=not per_caller,
            )
        )
        os.environ.setdefault("PYTHONUNBUFFERED", "1")
        log.info(
            "%s %s starting (%s, %s)",
            command,
            __version__,
            transport.value,
            "sandbox" if sandbox else settings.api_host,
        )
        if remote is None:
            server.run("stdio")
        else:
            anyio.run(functools.partial(serve_remote, server, remote, log_level=log_level.value))

    return app


def _remote_options(
    host: str,
    port: int,
    path: str,
    auth: AuthMode | None,
    auth_tokens_file: str | None,
    allow_unauthenticated: bool,
    allowed_hosts: str | None,
    allowed_origins: str | None,
    max_body_bytes: int,
) -> RemoteOptions:
    """The streamable-HTTP listener from the flags; ``ValueError`` says what is wrong."""
    env = dict(os.environ)
    if auth_tokens_file:
        env["PAGERDUTY_MCP_AUTH_TOKENS_FILE"] = auth_tokens_file
    tokens = load_server_tokens(env)
    mode = auth or (AuthMode.static if tokens else AuthMode.none)
    if tokens and mode is not AuthMode.static:
        raise ValueError(f"server tokens are set but --auth is {mode.value}: use --auth static, or unset them")
    options = RemoteOptions(
        host=host,
        port=port,
        path=path,
        authenticator=Authenticator(mode, tokens),
        allowed_hosts=split_names(allowed_hosts),
        allowed_origins=split_names(allowed_origins),
        max_body_bytes=max_body_bytes,
        allow_unauthenticated=allow_unauthenticated,
    )
    options.check()
    return options
