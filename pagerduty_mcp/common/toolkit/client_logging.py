"""Log messages to the client (``notifications/message``): the level it asked for, and what is worth telling.

Two protocol eras decide who filters. Handshake clients (2025-11-25 and before) set a level with
``logging/setLevel``: it holds for their connection (one stdio session; over stateless HTTP every
request is its own connection, so it holds for that request only, which is all that protocol
allows there) and, until they set one, ``info`` and above are sent. 2026-07-28 clients ask per
request (a ``_meta`` log level) and the SDK drops what they did not ask for.

What is sent: a refusal or failure of a tool call, prompt or resource read (``notice`` for the
caller's own mistake, ``warning`` for a limit or a permission, ``error`` for a fault), a long
call's summary at ``info``, its progress at ``debug``, and the cancel notice (``long_calls``).
Texts are our own, with the operator's secrets redacted; untrusted values in them are quoted
and cleaned where the message is made (``common.pagerduty.errors``).
"""

from __future__ import annotations

import logging
import weakref
from typing import Any, Final, get_args

import anyio
from mcp.server.connection import allowed_log_levels
from mcp.server.context import ServerRequestContext
from mcp_types import LoggingLevel, LoggingMessageNotification, LoggingMessageNotificationParams
from mcp_types.version import MODERN_PROTOCOL_VERSIONS

from pagerduty_mcp.common.pagerduty.logs import redact

__all__ = [
    "DEFAULT_LEVEL",
    "LOGGER_NAME",
    "level_of_failure",
    "send_client_log",
    "set_client_level",
    "wants",
]

log = logging.getLogger(__name__)

LOGGER_NAME: Final = "pagerduty_mcp"
DEFAULT_LEVEL: LoggingLevel = "info"
_ORDER: Final[tuple[LoggingLevel, ...]] = get_args(LoggingLevel)  # least severe first

# The connection -> the level its client set. Weak: a closed connection forgets its level.
_levels: weakref.WeakKeyDictionary[object, LoggingLevel] = weakref.WeakKeyDictionary()

# The caller's own input: a corrected call will do.
_CALLER_MISTAKES = frozenset({"INVALID_PARAMETER", "AMBIGUOUS_NAME"})
# Faults of the server or of PagerDuty, or a write whose outcome nobody knows.
_FAULTS = frozenset({"INTERNAL_ERROR", "UPSTREAM_ERROR", "WRITE_OUTCOME_UNKNOWN", "PARTIAL_FAILURE"})


def _connection(ctx: ServerRequestContext[Any, Any]) -> object:
    # The SDK has no public handle on a request's connection; its session holds it.
    return getattr(ctx.session, "_connection", ctx.session)


def set_client_level(ctx: ServerRequestContext[Any, Any], level: LoggingLevel) -> None:
    """``logging/setLevel``: from now on, this connection gets ``level`` and above."""
    _levels[_connection(ctx)] = level


def wants(ctx: ServerRequestContext[Any, Any], level: LoggingLevel) -> bool:
    """Whether the client of this message takes a message at ``level``."""
    if ctx.protocol_version in MODERN_PROTOCOL_VERSIONS:
        return level in allowed_log_levels(ctx.protocol_version, ctx.meta)  # the request's own opt-in
    chosen = _levels.get(_connection(ctx), DEFAULT_LEVEL)
    return _ORDER.index(level) >= _ORDER.index(chosen)


def level_of_failure(code: str) -> LoggingLevel:
    """How loud a refusal or failure is for the client."""
    if code in _CALLER_MISTAKES or code.endswith("_NOT_FOUND"):
        return "notice"
    return "error" if code in _FAULTS else "warning"


async def send_client_log(
    ctx: ServerRequestContext[Any, Any], level: LoggingLevel, data: str | dict[str, Any], *, seconds: float = 1.0
) -> None:
    """One message to the client, on this request's stream, if it wants that level. Best effort,
    within ``seconds``: a client that went away, or stopped reading, never fails or holds the request.

    Sent as a plain notification: the SDK's ``send_log_message`` is marked deprecated (logging is
    gone at 2026-07-28), and ``wants`` applies the same per-request opt-in it would.
    """
    if ctx.request_id is None or not wants(ctx, level):
        return
    if isinstance(data, str):
        cleaned: str | dict[str, Any] = redact(data)
    else:
        cleaned = {key: redact(value) if isinstance(value, str) else value for key, value in data.items()}
    message = LoggingMessageNotification(
        params=LoggingMessageNotificationParams(level=level, data=cleaned, logger=LOGGER_NAME)
    )
    with anyio.CancelScope(shield=True), anyio.move_on_after(seconds):
        try:
            await ctx.session.send_notification(message, related_request_id=ctx.request_id)
        except Exception as exc:  # the audit line and the answer say it anyway
            log.debug("client log not sent: %s", type(exc).__name__)
