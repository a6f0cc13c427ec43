"""The client's side of a long tool call: its progress bar, its log, and its cancel.

Tools run on worker threads and report through ``common.pagerduty.progress``; this module
connects those hooks in the request context to the MCP session of the message in progress.

Cancelling: the SDK cancels the message's task on ``notifications/cancelled`` (stdio, legacy
HTTP) or when the client closes the response stream (HTTP). A plain ``def`` tool is awaited
with the cancel held back until its worker thread returns, so the thread must be told:
:func:`flag_cancel` sets the request's ``cancelled`` event the moment the task is cancelled,
and the PagerDuty client checks it before every upstream request.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any

import anyio
import anyio.from_thread
from mcp.server.context import ServerRequestContext

from pagerduty_mcp.common.pagerduty.context import RequestContext

__all__ = ["connect_client", "flag_cancel", "tell_cancelled"]

log = logging.getLogger(__name__)
_LOGGER_NAME = "pagerduty_mcp"
# How long a cancelled call may spend telling the client what it changed.
_FAREWELL_SECONDS = 2.0


def connect_client(ctx: ServerRequestContext[Any, Any], request: RequestContext) -> None:
    """Route the request's progress and client-log hooks to this message's session."""
    session = ctx.session

    def progress(done: float, total: float | None, message: str | None) -> None:
        _from_worker(functools.partial(session.report_progress, done, total, message))

    def client_log(level: str, message: str) -> None:
        _from_worker(
            functools.partial(
                session.send_log_message,
                level,  # type: ignore[arg-type]
                message,
                logger=_LOGGER_NAME,
                related_request_id=ctx.request_id,
            )
        )

    request.on_progress = progress
    request.on_client_log = client_log


def _from_worker(send: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Send a notification from a tool's worker thread. Best effort: a client that went away,
    or a transport with no channel for it, must not fail the call."""
    try:
        anyio.from_thread.run(send)
    except Exception as exc:  # a notification is never worth failing the call
        log.debug("notification not sent: %s", type(exc).__name__)


@asynccontextmanager
async def flag_cancel(request: RequestContext) -> AsyncIterator[None]:
    """Inside the block, a cancel of the task sets ``request.cancelled`` at once."""
    finished = anyio.Event()

    async def watch() -> None:
        try:
            await anyio.sleep_forever()
        finally:
            if not finished.is_set():
                request.cancelled.set()

    async with anyio.create_task_group() as group:
        group.start_soon(watch)
        try:
            yield
        finally:
            finished.set()
            group.cancel_scope.cancel()


async def tell_cancelled(ctx: ServerRequestContext[Any, Any], message: str) -> None:
    """After a cancel, tell the client what the call had changed (if it still listens)."""
    with anyio.CancelScope(shield=True), anyio.move_on_after(_FAREWELL_SECONDS):
        try:
            await ctx.session.send_log_message(
                "warning", message, logger=_LOGGER_NAME, related_request_id=ctx.request_id
            )
        except Exception as exc:  # the client may have gone; the audit line has it anyway
            log.debug("cancel notice not sent: %s", type(exc).__name__)
