"""The client's side of a long tool call: its progress bar, its log, and its cancel.

Tools run on worker threads and report through ``common.pagerduty.progress``; this module makes
the :class:`~pagerduty_mcp.common.pagerduty.context.ClientLink` those hooks read, connected to the
MCP session of the message in progress, and is the one that sets its cancel.

Cancelling: the SDK cancels the message's task on ``notifications/cancelled`` (stdio) or when
the client closes the response stream (HTTP, 2026-07-28 clients). A plain ``def`` tool is awaited
with the cancel held back until its worker thread returns, so the thread must be told:
:func:`flag_cancel` sets the link's ``cancelled`` event the moment the task is cancelled,
and the PagerDuty client checks it before every upstream request. Over stateless HTTP with
2025-era clients the cancel notification arrives in a request of its own, which the SDK cannot
match to the call: :class:`CallsInFlight` does.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any, cast

import anyio
import anyio.from_thread
import anyio.lowlevel
from mcp.server.context import ServerRequestContext
from mcp_types import LoggingLevel

from pagerduty_mcp.common.pagerduty.context import ClientLink, RequestContext
from pagerduty_mcp.common.toolkit.client_logging import send_client_log, wants

__all__ = ["CALLS", "CallsInFlight", "connect_client", "flag_cancel", "tell_cancelled"]

log = logging.getLogger(__name__)
# How long a notification may wait for the client to take it.
_NOTIFY_SECONDS = 5.0
# How long a cancelled call may spend telling the client what it changed: over HTTP the client
# has closed the stream, and nothing will take it.
_FAREWELL_SECONDS = 1.0


def connect_client(ctx: ServerRequestContext[Any, Any]) -> ClientLink:
    """The link of a tool call: its progress and client-log hooks routed to this message's session,
    and its cancel."""
    cancelled = threading.Event()
    session = ctx.session
    # Tools fan out to plain threads of their own (concurrent pages): they reach the event loop
    # by its token, not as anyio worker threads.
    loop = anyio.lowlevel.current_token()

    def progress(done: float, total: float | None, message: str | None) -> None:
        if not cancelled.is_set():  # a cancelled call's stream may have no reader any more
            _from_worker(loop, functools.partial(session.report_progress, done, total, message))

    def client_log(level: str, message: str) -> None:
        said = cast(LoggingLevel, level)
        # Checked here, on the tool's thread: a message the client did not ask for costs no hop.
        if cancelled.is_set() or not wants(ctx, said):
            return
        _from_worker(loop, functools.partial(send_client_log, ctx, said, message, seconds=_NOTIFY_SECONDS))

    # Without a progress token each page would wait on the event loop for nothing.
    return ClientLink(cancelled, progress if _wants_progress(ctx) else None, client_log)


def _wants_progress(ctx: ServerRequestContext[Any, Any]) -> bool:
    """Whether the client asked for progress: a token in ``_meta`` on the wire, a callback in
    process. The SDK keeps that in its per-request channel and has no public way to ask; when the
    channel is not one we know, progress is sent and the SDK drops what was not asked for."""
    meta = (ctx.params or {}).get("_meta")
    if isinstance(meta, dict) and meta.get("progressToken") is not None:
        return True
    channel = getattr(ctx.session, "_request_outbound", None)
    for _ in range(4):  # the SDK wraps channels (``_inner``) a level or two deep
        for name in ("progress_token", "_progress_token", "_on_progress"):
            if hasattr(channel, name):
                return getattr(channel, name) is not None
        channel = getattr(channel, "_inner", None)
    return True


def _from_worker(loop: anyio.lowlevel.EventLoopToken, send: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Send a notification from a tool's thread. Best effort: a client that went away, or a
    transport with no channel for it, must not fail the call."""

    async def bounded() -> None:
        # A client that stops reading (it closed the stream to cancel) must not hold the thread.
        with anyio.move_on_after(_NOTIFY_SECONDS):
            await send()

    try:
        anyio.from_thread.run(bounded, token=loop)
    except Exception as exc:  # a notification is never worth failing the call
        log.debug("notification not sent: %s", type(exc).__name__)


@asynccontextmanager
async def flag_cancel(request: RequestContext, ctx: ServerRequestContext[Any, Any]) -> AsyncIterator[None]:
    """Inside the block, a cancel of the task sets ``request.link.cancelled`` at once; so does a
    ``notifications/cancelled`` the SDK could not match to the call (see :class:`CallsInFlight`)."""
    finished = anyio.Event()

    async def watch() -> None:
        try:
            await anyio.sleep_forever()
        finally:
            if not finished.is_set():
                request.link.cancelled.set()

    with CALLS.track(request, ctx.request_id):
        try:
            async with anyio.create_task_group() as group:
                group.start_soon(watch)
                try:
                    yield
                finally:
                    finished.set()
                    group.cancel_scope.cancel()
        except BaseExceptionGroup as raised:
            # The task group wraps what the call raised; the SDK maps the bare exception (a pydantic
            # ValidationError is invalid params, an MCPError its own code), never the group.
            if len(raised.exceptions) != 1:
                raise
            only = raised.exceptions[0]
            raise only from only.__cause__


class CallsInFlight:
    """Tool calls in progress by caller and JSON-RPC request id, for cancels that arrive apart.

    Over the 2025-era stateless HTTP transport each POST gets a fresh session, so the SDK cannot
    match a ``notifications/cancelled`` to the call it names; this table can. A cancel reaches
    only the calls of the caller who sent it, and only when exactly one of them has that id:
    clients that share a credential (``--auth none``, one server token) may reuse ids, and an
    ambiguous cancel is safer dropped than misapplied. Callers are told apart by
    :attr:`~pagerduty_mcp.common.pagerduty.context.Caller.key`, a hash of the whole credential,
    never by the audit label: ``token:…`` and four characters are easy to match with a made-up key.
    """

    def __init__(self) -> None:
        self._calls: dict[tuple[str, str], list[RequestContext]] = {}
        self._lock = threading.Lock()

    @contextmanager
    def track(self, request: RequestContext, request_id: object) -> Iterator[None]:
        if request_id is None:
            yield
            return
        key = (request.caller_key, str(request_id))
        with self._lock:
            self._calls.setdefault(key, []).append(request)
        try:
            yield
        finally:
            with self._lock:
                calls = self._calls.get(key, [])
                calls.remove(request)
                if not calls:
                    self._calls.pop(key, None)

    def cancel(self, caller_key: str, request_id: object) -> bool:
        """Flag the one call of the caller with ``caller_key`` and ``request_id``; ``False`` if none
        or several."""
        with self._lock:
            calls = list(self._calls.get((caller_key, str(request_id)), []))
        if len(calls) != 1:
            return False
        calls[0].link.cancelled.set()
        return True

    def __len__(self) -> int:
        with self._lock:
            return sum(len(calls) for calls in self._calls.values())


CALLS = CallsInFlight()


async def tell_cancelled(ctx: ServerRequestContext[Any, Any], message: str) -> None:
    """After a cancel, tell the client what the call had changed (if it still listens)."""
    await send_client_log(ctx, "warning", message, seconds=_FAREWELL_SECONDS)
