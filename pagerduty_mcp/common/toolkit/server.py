"""``PagerDutyMCPServer``: the MCP server class, and one request context per message.

Every inbound message (a tool call, a prompt, a resource read, a list) runs inside one
:class:`~pagerduty_mcp.common.pagerduty.context.RequestContext`, made by this server's middleware
from explicit pieces: the caller (over HTTP, put in the request by hosting's client auth), a
deadline, this server's client pool, the client link of a tool call (progress, cancel), the
upstream counter and the audit record; and, for calls, prompts and reads, one audit line.

Beyond tools it answers ``completion/complete`` (``toolkit.completions``), ``logging/setLevel``
(``toolkit.client_logging``) and a paged ``resources/list`` (``toolkit.browse``), and marks the
cacheable lists ``private``: what they hold depends on the caller's narrowing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from types import MappingProxyType
from typing import Any

import anyio.to_thread
from mcp.server.caching import CacheableMethod, CacheHint
from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError, ToolError
from mcp.server.mcpserver.resources.templates import ResourceSecurityError
from mcp.server.request_state import RequestStateSecurity
from mcp.shared.exceptions import MCPError
from mcp_types import (
    INTERNAL_ERROR,
    INVALID_PARAMS,
    INVALID_REQUEST,
    CallToolResult,
    CancelledNotificationParams,
    CompleteRequestParams,
    CompleteResult,
    Completion,
    EmptyResult,
    ListResourcesResult,
    PaginatedRequestParams,
    PromptReference,
    SetLevelRequestParams,
    ToolAnnotations,
)
from mcp_types import Prompt as MCPPrompt
from mcp_types import Resource as MCPResource
from mcp_types import ResourceTemplate as MCPResourceTemplate
from mcp_types import Tool as MCPTool
from pydantic import ValidationError

from pagerduty_mcp import __version__
from pagerduty_mcp.common.pagerduty.client import ClientPool
from pagerduty_mcp.common.pagerduty.context import (
    Caller,
    ClientLink,
    Deadline,
    RequestContext,
    current_request,
    request_scope,
)
from pagerduty_mcp.common.pagerduty.errors import ToolFailure, failure_from_exception, quotes_outside_text
from pagerduty_mcp.common.pagerduty.observe import observers
from pagerduty_mcp.common.pagerduty.progress import cancelled_failure
from pagerduty_mcp.common.pagerduty.text import clean_text
from pagerduty_mcp.common.toolkit.apps import (
    RESULT_META,
    App,
    AppView,
    app_host,
    apps_extension,
    host_draws_apps,
    viewing,
)
from pagerduty_mcp.common.toolkit.area import Area
from pagerduty_mcp.common.toolkit.audit import write_audit_line
from pagerduty_mcp.common.toolkit.bounds import too_long
from pagerduty_mcp.common.toolkit.browse import Lister, page_of_resources
from pagerduty_mcp.common.toolkit.client_logging import level_of_failure, send_client_log, set_client_level
from pagerduty_mcp.common.toolkit.completions import Source, complete
from pagerduty_mcp.common.toolkit.confirm import ASKED, ConfirmMode, unanswered
from pagerduty_mcp.common.toolkit.directory import sibling_line
from pagerduty_mcp.common.toolkit.envelope import UNTRUSTED_NOTICE, error_result
from pagerduty_mcp.common.toolkit.fairness import CredentialSlots
from pagerduty_mcp.common.toolkit.ids import MAX_REFERENCE_LENGTH
from pagerduty_mcp.common.toolkit.long_calls import CALLS, connect_client, flag_cancel, tell_cancelled
from pagerduty_mcp.common.toolkit.message_checks import malformed
from pagerduty_mcp.common.toolkit.reads import Reads
from pagerduty_mcp.common.toolkit.registry import ToolFilter, register_read_tools, register_write_tools
from pagerduty_mcp.common.toolkit.schema import describe_validation_error, lean_schema, name_references
from pagerduty_mcp.common.toolkit.sdk_logging import unused_handler_not_built
from pagerduty_mcp.common.toolkit.span_names import bound_span_names

__all__ = [
    "CACHE_HINTS",
    "CALLER_SCOPE_KEY",
    "DEFAULT_CALL_DEADLINE_SECONDS",
    "PagerDutyMCPServer",
    "caller_principal",
    "create_pagerduty_server",
]

DEFAULT_CALL_DEADLINE_SECONDS = 60.0
# Where hosting's client auth leaves the request's Caller in the ASGI scope.
CALLER_SCOPE_KEY = "pagerduty_mcp.caller"
# The messages that act on the account, each worth an audit line, and what names their target.
_AUDITED = {"tools/call": ("tool", "name"), "prompts/get": ("prompt", "name"), "resources/read": ("resource", "uri")}
# A call this long gets a summary in the client's log.
LONG_CALL_SECONDS = 5.0
# Every cacheable list depends on the caller (narrowing headers, OAuth scopes): private. The
# definitions change only with the server's flags; resources/list holds open incidents, which
# change by the minute; a resource read is always fresh.
CACHE_HINTS: dict[CacheableMethod, CacheHint] = {
    "tools/list": CacheHint(ttl_ms=300_000, scope="private"),
    "prompts/list": CacheHint(ttl_ms=300_000, scope="private"),
    "resources/templates/list": CacheHint(ttl_ms=300_000, scope="private"),
    "resources/list": CacheHint(ttl_ms=30_000, scope="private"),
    "resources/read": CacheHint(ttl_ms=0, scope="private"),
}
# How much of a client-chosen name an error echoes back.
_ECHOED_NAME_CHARS = 100


def _request_caller(ctx: ServerRequestContext[Any, Any]) -> Caller | None:
    scope = getattr(ctx.request, "scope", None)
    caller = scope.get(CALLER_SCOPE_KEY) if isinstance(scope, dict) else None
    return caller if isinstance(caller, Caller) else None


def caller_principal(ctx: ServerRequestContext[Any, Any]) -> str | None:
    """Whose a request is, for the SDK's sealed request state: a confirmation one caller answered
    is never spent by another (``None`` on stdio, where the one caller is the server's)."""
    caller = _request_caller(ctx)
    return caller.identity if caller is not None else None


class PagerDutyMCPServer(MCPServer):
    """``MCPServer`` that runs every message in its request context and keeps errors in our envelope.

    Over HTTP each request has a caller: its PagerDuty credential is the one the message uses,
    and its narrowing hides tools from its ``tools/list`` and calls. On stdio there is no
    caller: the server's own credential, everything the operator enabled.
    """

    call_deadline_seconds: float = DEFAULT_CALL_DEADLINE_SECONDS
    toolset_of: Mapping[str, str] = MappingProxyType({})  # tool name -> area; set by create_pagerduty_server
    registered: frozenset[str] = frozenset()  # the tools this server has; set by create_pagerduty_server
    confirm_writes: ConfirmMode = "auto"  # --confirm-writes (toolkit.confirm)
    apps: Mapping[str, App] = MappingProxyType({})  # tool name -> the app that draws its results (toolkit.apps)
    # The PagerDuty clients of this server's messages: set by serve() (hosting.startup), which owns
    # it for as long as the server serves, or by whoever builds the server for a test or a script.
    pool: ClientPool | None = None

    def __init__(self, name: str, **kwargs: Any) -> None:
        with unused_handler_not_built():
            super().__init__(name, **kwargs)
        # "prompt:<name>" / "resource:<uri or template>" -> the tools it reads (toolkit.extras).
        self.reads_of: dict[str, Reads] = {}
        # "prompt:<name>" / "resource:<template>" -> argument -> where its completions come from.
        self.completions_of: dict[str, dict[str, Source]] = {}
        # What the areas offer in resources/list, in order (toolkit.browse).
        self.listers: list[Lister] = []
        # Each credential's turn is taken here, before a worker thread (toolkit.fairness).
        self.slots = CredentialSlots()
        self.middleware.append(self._in_request_context)
        bound_span_names(self.middleware, self._knows)
        self._lowlevel_server.add_notification_handler(
            "notifications/cancelled", CancelledNotificationParams, self._on_cancelled
        )
        lowlevel = self._lowlevel_server
        lowlevel.add_request_handler("completion/complete", CompleteRequestParams, self._on_complete)
        lowlevel.add_request_handler("logging/setLevel", SetLevelRequestParams, self._on_set_level)

    async def _on_cancelled(self, ctx: ServerRequestContext[Any, Any], params: CancelledNotificationParams) -> None:
        """A cancel the SDK could not match (stateless HTTP): flag the caller's call of that id."""
        caller = _request_caller(ctx)
        if params.request_id is not None and caller is not None:
            CALLS.cancel(caller.key, params.request_id)

    def _knows(self, method: str, name: str) -> bool:
        """Whether ``name`` is a tool (``tools/call``) or prompt (``prompts/get``) this server has."""
        if method == "tools/call":
            return name in self.registered
        return self._prompt_manager.get_prompt(name) is not None

    async def _in_request_context(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        """Middleware: bind one request context around the message, and audit what acts."""
        kind, key = _AUDITED.get(ctx.method, ("", ""))
        target = ctx.params.get(key) if kind and ctx.params else None
        request = RequestContext(
            kind=kind,
            name=target if isinstance(target, str) else "",
            caller=_request_caller(ctx),
            deadline=Deadline(self.call_deadline_seconds),
            pool=self.pool,
            tools=self.registered,
            link=connect_client(ctx) if kind == "tool" else ClientLink(),
        )
        started = time.monotonic()
        if kind:
            observers().call_started(request)
        with request_scope(request), app_host(ctx):
            try:
                refusal = malformed(ctx.method, ctx.params)
                if refusal is not None:
                    request.audit.outcome = "INVALID_PARAMS"
                    raise MCPError(INVALID_PARAMS, refusal)
                if kind != "tool":
                    return await call_next(ctx)
                async with flag_cancel(request, ctx):
                    return await call_next(ctx)
            except Exception as exc:
                if request.audit.outcome == "ok":  # not already said by the handler
                    failure = failure_from_exception(exc)
                    request.audit.outcome = failure.code if failure is not None else type(exc).__name__
                raise
            finally:
                request.leases.release_all()
                changed = None
                if request.link.cancelled.is_set():
                    request.audit.outcome = "CANCELLED"
                    changed = request.audit.changed
                    await tell_cancelled(ctx, cancelled_failure().message)
                if kind:
                    observers().call_finished(request, time.monotonic() - started)
                    write_audit_line(request, (time.monotonic() - started) * 1000, changed)
                    await _tell_client(ctx, request, time.monotonic() - started)

    def _allowed(self, name: str, annotations: ToolAnnotations | None) -> bool:
        """Whether the caller's narrowing leaves this tool visible."""
        is_write = not (annotations is not None and annotations.read_only_hint)
        return current_request().narrowing.allows(name, self.toolset_of.get(name), is_write)

    def _shows(self, key: str) -> bool:
        """Whether the caller's narrowing leaves this prompt or resource visible: only when it
        leaves every tool the prompt or resource reads. One that declares nothing is hidden from
        any caller who narrows by toolset or tool, since nothing says what it would reveal."""
        narrowing = current_request().narrowing
        declared = self.reads_of.get(key)
        if declared is None:
            return narrowing.toolsets is None and narrowing.tools is None
        return declared.pass_narrowing(narrowing)

    async def list_prompts(self) -> list[MCPPrompt]:
        return [p for p in await super().list_prompts() if self._shows(f"prompt:{p.name}")]

    async def get_prompt(
        self, name: str, arguments: dict[str, Any] | None = None, context: Context[Any, Any] | None = None
    ) -> Any:
        known = self._prompt_manager.get_prompt(name) is not None
        if not known or not self._shows(f"prompt:{name}"):
            # A hidden prompt does not exist for this caller; and an unknown name is the caller's
            # mistake (invalid params), not the server's internal error the SDK would report.
            current_request().audit.outcome = "HIDDEN_PROMPT" if known else "UNKNOWN_PROMPT"
            raise MCPError(INVALID_PARAMS, f"Unknown prompt: {name[:_ECHOED_NAME_CHARS]}")
        async with self._turn_or_refuse():
            try:
                return await super().get_prompt(name, arguments, context)
            except Exception as exc:
                raise _as_protocol_error(exc) from exc

    async def list_resources(self) -> list[MCPResource]:
        # An app's view is listed to hosts that draw apps; any client may still read it.
        drawn = host_draws_apps()
        return [
            r
            for r in await super().list_resources()
            if self._shows(f"resource:{r.uri}") and (drawn or str(r.uri) not in self.app_uris)
        ]

    @property
    def app_uris(self) -> set[str]:
        return {app.uri for app in self.apps.values()}

    async def _handle_list_resources(
        self, ctx: ServerRequestContext[Any, Any], params: PaginatedRequestParams | None
    ) -> ListResourcesResult:
        """The fixed resources, then what the areas offer (their open incidents, their teams'
        schedules), a page at a time."""
        fixed = await self.list_resources()
        listers = [lister for lister in self.listers if lister.reads.pass_narrowing(current_request().narrowing)]
        cursor = params.cursor if params is not None else None
        if not listers and cursor is None:
            return ListResourcesResult(resources=fixed)
        async with self._turn_or_refuse():
            try:
                found, following = await anyio.to_thread.run_sync(page_of_resources, fixed, listers, cursor)
            except Exception as exc:
                raise _as_protocol_error(exc) from exc
        return ListResourcesResult(resources=found, next_cursor=following)

    async def _on_complete(self, ctx: ServerRequestContext[Any, Any], params: CompleteRequestParams) -> CompleteResult:
        """``completion/complete``. What this caller cannot see (or that does not exist) completes
        to nothing rather than an error: a completion is a hint while typing, and a hidden
        prompt must answer exactly as an unknown one."""
        source = self._completion_source(params.ref, params.argument.name)
        typed = params.argument.value
        if source is None or len(typed) > MAX_REFERENCE_LENGTH:
            return CompleteResult(completion=Completion(values=[], total=0, has_more=False))
        context = params.context.arguments if params.context is not None else None
        async with self._turn_or_refuse():
            try:
                found = await anyio.to_thread.run_sync(complete, source, typed, context)
            except Exception as exc:
                raise _as_protocol_error(exc) from exc
        return CompleteResult(completion=found)

    def _completion_source(self, ref: Any, argument: str) -> Source | None:
        key = f"prompt:{ref.name}" if isinstance(ref, PromptReference) else f"resource:{ref.uri}"  # the template
        sources = self.completions_of.get(key)
        if sources is None or not self._shows(key):
            return None
        source = sources.get(argument)
        if source is None or source.finder is None:
            return source
        # Completing lists what the finder tool would: only where that tool is, for this caller.
        visible = source.finder in self.registered and current_request().narrowing.allows(
            source.finder, self.toolset_of.get(source.finder), False
        )
        return source if visible else None

    async def _on_set_level(self, ctx: ServerRequestContext[Any, Any], params: SetLevelRequestParams) -> EmptyResult:
        set_client_level(ctx, params.level)
        return EmptyResult()

    async def list_resource_templates(self) -> list[MCPResourceTemplate]:
        return [t for t in await super().list_resource_templates() if self._shows(f"resource:{t.uri_template}")]

    async def read_resource(self, uri: Any, context: Context[Any, Any] | None = None) -> Any:
        key = self._resource_key(str(uri))
        if key is None or not self._shows(key):
            current_request().audit.outcome = "UNKNOWN_RESOURCE" if key is None else "HIDDEN_RESOURCE"
            # Exactly what an unknown URI gets.
            raise ResourceNotFoundError(f"Unknown resource: {str(uri)[:_ECHOED_NAME_CHARS]}")
        async with self._turn_or_refuse():
            try:
                return await super().read_resource(uri, context)
            except Exception as exc:
                raise _as_protocol_error(exc) from exc

    @asynccontextmanager
    async def _turn_or_refuse(self) -> AsyncIterator[None]:
        """The credential's turn for a prompt or resource; a refusal is a protocol error there."""
        try:
            async with self.slots.turn():
                yield
        except ToolFailure as failure:
            current_request().audit.outcome = failure.code
            raise MCPError(INVALID_REQUEST, f"{failure.code}: {failure.message}") from failure

    def _resource_key(self, uri: str) -> str | None:
        """The key of the resource or template that would answer ``uri`` (templates: first match),
        or ``None`` when none would."""
        if any(str(r.uri) == uri for r in self._resource_manager.list_resources()):
            return f"resource:{uri}"
        for template in self._resource_manager.list_templates():
            try:
                if template.matches(uri) is not None:
                    return f"resource:{template.uri_template}"
            except (ResourceError, ResourceSecurityError):  # a value the SDK refuses ("..", "/x"): no match
                break
        return None

    async def list_tools(self) -> list[MCPTool]:
        drawn = host_draws_apps()
        listed = []
        for tool in await super().list_tools():
            if not self._allowed(tool.name, tool.annotations):
                continue
            update: dict[str, Any] = {"input_schema": lean_schema(name_references(tool.input_schema))}
            app = self.apps.get(tool.name) if drawn else None
            if app is not None:  # a host that draws apps learns which one draws this tool's results
                update["meta"] = {**(tool.meta or {}), "ui": {"resourceUri": app.uri}}
            listed.append(tool.model_copy(update=update))
        return listed

    async def call_tool(self, name: str, arguments: dict[str, Any], context: Context[Any, Any] | None = None) -> Any:
        tool = self._tool_manager.get_tool(name)
        if tool is None or not self._allowed(name, tool.annotations):
            # A hidden tool does not exist for this caller: it gets exactly what an unknown one gets.
            current_request().audit.outcome = "UNKNOWN_TOOL" if tool is None else "HIDDEN_TOOL"
            raise ToolError(f"Unknown tool: {name[:_ECHOED_NAME_CHARS]}")
        unknown = sorted(set(arguments) - set(tool.parameters.get("properties", {})))
        if unknown:
            # The SDK would drop them silently; a misspelt argument must not be ignored.
            valid = ", ".join(tool.parameters.get("properties", {})) or "none"
            return _refuse(
                ToolFailure(
                    "INVALID_PARAMETER",
                    f"Unknown argument(s) {', '.join(unknown)}; {name} takes: {valid}.",
                    {"parameters": unknown},
                )
            )
        overlong = too_long(name, tool.parameters, arguments)
        if overlong is not None:
            return _refuse(overlong)
        app = self.apps.get(name) if host_draws_apps() else None
        try:
            async with self.slots.turn():
                with viewing(app is not None) as view:
                    result = await super().call_tool(name, arguments, context)
                return self._for_app(app, view, result)
        except ToolError as exc:
            if isinstance(exc.__cause__, ValidationError):
                return _refuse(describe_validation_error(name, exc.__cause__))
            if isinstance(exc.__cause__, ToolFailure):
                return _refuse(exc.__cause__)
            if current_request().audit.outcome == ASKED:  # the SDK could not read the answer to our question
                return _refuse(unanswered(str(exc)))
            raise
        except ToolFailure as failure:
            return _refuse(failure)

    def _for_app(self, app: App | None, view: AppView | None, result: Any) -> Any:
        """A result an app draws carries, in its ``_meta``, the tools that app may call for this
        caller (each as ``tools/list`` shows it to them) and the facts the tool added for the view."""
        if app is None or view is None or not isinstance(result, CallToolResult) or result.is_error:
            return result
        registered = {name: self._tool_manager.get_tool(name) for name in app.callable_tools}
        callable_here = [
            name for name, tool in registered.items() if tool is not None and self._allowed(name, tool.annotations)
        ]
        result.meta = {**(result.meta or {}), RESULT_META: {"tools": callable_here, **view.facts}}
        return result


def _as_protocol_error(exc: Exception) -> Exception:
    """A prompt or resource has no ``isError`` result: its failure is a JSON-RPC error that carries
    our code and message (the SDK would otherwise say only "Error reading resource")."""
    if isinstance(exc, MCPError):
        return exc
    cause: BaseException | None = exc
    while cause is not None:
        failure = failure_from_exception(cause)
        if failure is not None:
            current_request().audit.outcome = failure.code
            wrong_input = failure.code == "INVALID_PARAMETER" or failure.code.endswith("_NOT_FOUND")
            marked = {"untrusted_content": UNTRUSTED_NOTICE} if quotes_outside_text(failure) else {}
            return MCPError(
                INVALID_PARAMS if wrong_input else INTERNAL_ERROR,
                f"{failure.code}: {failure.message}",
                {"code": failure.code, **(failure.details or {}), **marked},
            )
        cause = cause.__cause__
    return exc


async def _tell_client(ctx: ServerRequestContext[Any, Any], request: RequestContext, seconds: float) -> None:
    """The client's log of a call, prompt or read: how it was refused or failed, or that it was long."""
    what = f"{request.kind} {clean_text(request.name, 200)}"  # a URI is the caller's own text
    outcome = request.audit.outcome
    if outcome not in ("ok", "CANCELLED"):  # a cancel has its own notice (long_calls)
        await send_client_log(
            ctx,
            level_of_failure(outcome),
            {"message": f"{what} ended with {outcome}", request.kind: clean_text(request.name, 200)},
        )
    elif seconds >= LONG_CALL_SECONDS:
        await send_client_log(
            ctx,
            "info",
            {
                "message": f"{what} took {seconds:.1f} s and {request.upstream.requests} PagerDuty request(s)",
                request.kind: clean_text(request.name, 200),
            },
        )


def _refuse(failure: ToolFailure) -> Any:
    current_request().audit.outcome = failure.code
    return error_result(failure)


def create_pagerduty_server(
    name: str,
    areas: Sequence[Area],
    flt: ToolFilter,
    *,
    instructions: str | None = None,
    server_class: type[PagerDutyMCPServer] = PagerDutyMCPServer,
    request_state_security: RequestStateSecurity | None = None,
) -> PagerDutyMCPServer:
    """Build a server with the tools of ``areas`` that ``flt`` allows.

    Raises ``ValueError`` (before anything is registered) when a filter names an unknown
    toolset or tool.
    """
    flt.check({area.name: area.tool_names() for area in areas})
    if instructions is None:
        # What the other servers hold, for a server that does not hold every area.
        elsewhere = sibling_line([area.name for area in areas])
        instructions = "\n".join([*(area.instructions for area in areas), *([elsewhere] if elsewhere else [])])
    mode = "Write tools are enabled." if flt.enable_write_tools else "Read-only: write tools are disabled."
    # An app is served where a tool that it draws is.
    apps = [app for area in areas for app in area.apps if any(flt.admits(t, area.name, False) for t in app.drawn_by)]
    server = server_class(
        name,
        instructions=f"{instructions}\n{mode}",
        version=__version__,
        log_level=logging.getLevelName(logging.getLogger().level or logging.INFO),
        request_state_security=request_state_security,  # None: a key of this process alone
        cache_hints=CACHE_HINTS,
        # Nothing here can tell a client that a resource or a list changed (toolkit.browse):
        # without a listen stream, 2026-07-28 clients are not promised subscribe or listChanged.
        subscriptions=False,
        extensions=[apps_extension(apps)] if apps else None,
    )
    server.toolset_of = {name: area.name for area in areas for name in area.tool_names()}
    names: list[str] = []
    for area in areas:
        names += register_read_tools(server, area.name, area.read_tools, flt)
        names += register_write_tools(server, area.name, area.write_tools, flt)
        for extras in area.extras:
            extras(server, flt)
    server.registered = frozenset(names)
    server.apps = {tool: app for app in apps for tool in app.drawn_by if tool in server.registered}
    for app in apps:  # a caller sees an app's view where it sees any tool that draws it
        server.reads_of[f"resource:{app.uri}"] = Reads.of(app.draws, server.toolset_of, any_one=True)
    return server
