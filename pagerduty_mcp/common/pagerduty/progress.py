"""Long calls: progress for the client's bar, its cancel, and what a write changed before it.

Tool code runs on worker threads and knows nothing of MCP. It calls these functions; the toolkit
has put the client's channels into the request context (its :class:`ClientLink`: ``on_progress``,
``on_client_log``, ``cancelled``). Outside a tool call, or when the client asked for no progress, they do nothing.

Cancelling is cooperative: the client checks :func:`check_cancelled` before every upstream
request, so a cancelled call sends nothing more to PagerDuty; a bulk write checks it between
batches, so a batch is never cut in half, and :func:`record_changed` keeps the ids it changed.
"""

from __future__ import annotations

from collections.abc import Iterable

from pagerduty_mcp.common.pagerduty.context import current_request
from pagerduty_mcp.common.pagerduty.errors import ToolFailure

__all__ = [
    "cancelled_failure",
    "check_cancelled",
    "page_fetched",
    "record_changed",
    "report_progress",
    "tell_client",
]


def report_progress(done: float, total: float | None = None, message: str | None = None) -> None:
    """``done`` of ``total`` (``None``: unknown, e.g. pages of a pull) to the client's progress bar,
    and its message to the client's log at ``debug``."""
    send = current_request().link.on_progress
    if send is not None:
        send(done, total, message)
    if message:
        tell_client("debug", message)


def page_fetched() -> None:
    """One more page of a list pulled: progress counts pages over the whole call, since a call may
    pull several lists (on-call load reads on-calls, then incidents) and progress only grows."""
    request = current_request()
    if request.link.on_progress is None and request.link.on_client_log is None:
        return
    done = request.upstream.count_page()
    report_progress(done, None, f"{done} page(s) fetched from PagerDuty")


def tell_client(level: str, message: str) -> None:
    """A log message to the client (``notifications/message``), when a channel is open."""
    send = current_request().link.on_client_log
    if send is not None:
        send(level, message)


def record_changed(ids: Iterable[str]) -> None:
    """Ids a write has changed so far; the audit line names them if the call ends early."""
    current_request().audit.changed.extend(ids)


def cancelled_failure() -> ToolFailure:
    changed = current_request().audit.changed
    done = f" It had already changed: {', '.join(changed)}." if changed else " Nothing had been changed."
    return ToolFailure(
        "CANCELLED",
        f"The client cancelled this call; no further PagerDuty requests were sent.{done}",
        {"changed": list(changed)},
    )


def check_cancelled() -> None:
    """Raise ``CANCELLED`` once the client has cancelled the call in progress."""
    if current_request().link.cancelled.is_set():
        raise cancelled_failure()
