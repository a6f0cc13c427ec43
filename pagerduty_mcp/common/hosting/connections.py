"""Limits on slow and idle HTTP clients, so none holds a connection, a task or a stream forever.

- Headers: a connection must deliver a whole request head within the read timeout of opening (or
  of its first byte, between keep-alive requests), or it is closed. uvicorn has no such limit: a
  client trickling one header byte at a time held its connection indefinitely.
- Body: the request body must arrive within the read timeout (408 otherwise), read in the gate
  before the app runs.
- Idle: keep-alive connections close after :data:`KEEP_ALIVE_SECONDS` without a request, and a
  ``GET`` event stream ends after the stream idle limit without an event (pings do not count: a
  stateless server has nothing to push, so such a stream is idle by nature).
- Size: a request head is at most :data:`MAX_HEAD_BYTES` (h11's limit; 400 above it).
- Streams: open ``GET`` event streams are counted (:class:`StreamSlots`), at most
  :data:`EVENT_STREAMS_PER_CALLER` per credential and ``--max-event-streams`` in all, so that
  made-up keys (``--auth pagerduty`` checks a key only when it is used upstream) cannot hold
  hundreds of sockets and tasks open for the idle limit.
"""

from __future__ import annotations

import asyncio
import functools
import math
from typing import TYPE_CHECKING, Any

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

if TYPE_CHECKING:
    from uvicorn.protocols.http.h11_impl import H11Protocol

__all__ = [
    "DEFAULT_MAX_EVENT_STREAMS",
    "DEFAULT_READ_TIMEOUT_SECONDS",
    "DEFAULT_STREAM_IDLE_SECONDS",
    "EVENT_STREAMS_PER_CALLER",
    "KEEP_ALIVE_SECONDS",
    "MAX_HEAD_BYTES",
    "StreamSlots",
    "body_within",
    "finite_positive",
    "guarded_protocol",
    "idle_capped",
    "replaying",
]

DEFAULT_READ_TIMEOUT_SECONDS = 30.0
DEFAULT_STREAM_IDLE_SECONDS = 300.0
KEEP_ALIVE_SECONDS = 5.0
MAX_HEAD_BYTES = 16 * 1024
# A client holds one GET stream (two while it reconnects); a stateless server pushes nothing on it.
EVENT_STREAMS_PER_CALLER = 4
DEFAULT_MAX_EVENT_STREAMS = 100


@functools.cache
def _head_timeout_protocol() -> type[H11Protocol]:
    """uvicorn's h11 protocol with a time limit on the request head; uvicorn and h11 are imported
    here, so that a server on stdio never loads them."""
    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class _HeadTimeoutProtocol(H11Protocol):
        """uvicorn's h11 protocol, closing a connection whose request head does not arrive in time."""

        head_timeout_seconds: float = DEFAULT_READ_TIMEOUT_SECONDS
        _head_timer: asyncio.TimerHandle | None = None

        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            super().connection_made(transport)  # type: ignore[arg-type]
            self._arm_head_timer()

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            if self.conn.their_state is h11.IDLE:
                if self._head_timer is None:
                    self._arm_head_timer()  # the first bytes of the next request on a kept-alive connection
            else:
                self._cancel_head_timer()

        def connection_lost(self, exc: Exception | None) -> None:
            self._cancel_head_timer()
            super().connection_lost(exc)

        def on_response_complete(self) -> None:
            self._cancel_head_timer()  # the keep-alive timer takes over until the next byte
            super().on_response_complete()

        def _arm_head_timer(self) -> None:
            self._cancel_head_timer()
            self._head_timer = self.loop.call_later(self.head_timeout_seconds, self._head_timed_out)

        def _cancel_head_timer(self) -> None:
            if self._head_timer is not None:
                self._head_timer.cancel()
                self._head_timer = None

        def _head_timed_out(self) -> None:
            self._head_timer = None
            if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
                self.transport.close()

    return _HeadTimeoutProtocol


def guarded_protocol(head_timeout_seconds: float) -> type[H11Protocol]:
    """The protocol class uvicorn should use (``Config(http=...)``)."""
    return type("HeadTimeoutProtocol", (_head_timeout_protocol(),), {"head_timeout_seconds": head_timeout_seconds})


async def body_within(receive: Receive, seconds: float, limit: int) -> list[Message] | None:
    """The request's body messages, read within ``seconds`` (``None``: too slow). Reading stops
    past ``limit`` bytes; what follows is left for the body limit downstream to refuse."""
    messages: list[Message] = []
    size = 0
    with anyio.move_on_after(seconds):
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                return messages
            size += len(message.get("body", b""))
            if not message.get("more_body", False) or size > limit:
                return messages
    return None


def replaying(messages: list[Message], receive: Receive) -> Receive:
    """A ``receive`` that hands out ``messages`` first, then whatever comes next (a disconnect)."""
    pending = list(messages)

    async def replay() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replay


async def idle_capped(app: ASGIApp, scope: Scope, receive: Receive, send: Send, idle_seconds: float) -> None:
    """Run ``app``; end its response once ``idle_seconds`` pass without an event on it."""
    started = ended = False

    with anyio.CancelScope() as cancel:
        cancel.deadline = anyio.current_time() + idle_seconds

        async def watched(message: Message) -> None:
            nonlocal started, ended
            if message["type"] == "http.response.start":
                started = True
            elif message["type"] == "http.response.body":
                ended = not message.get("more_body", False)
                body: Any = message.get("body", b"")
                if body.strip() and not body.lstrip().startswith(b":"):  # an SSE comment is a ping
                    cancel.deadline = anyio.current_time() + idle_seconds
            await send(message)

        await app(scope, receive, watched)
    if cancel.cancelled_caught and not ended:
        if started:
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        else:
            await send({"type": "http.response.start", "status": 408, "headers": [(b"content-length", b"0")]})
            await send({"type": "http.response.body", "body": b""})


def finite_positive(name: str, value: float) -> None:
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a positive number of seconds (got {value})")


class StreamSlots:
    """Open ``GET`` event streams, per caller key and in all; event loop only (no lock needed)."""

    def __init__(self, overall: int, per_caller: int = EVENT_STREAMS_PER_CALLER) -> None:
        if overall < 1:
            raise ValueError(f"--max-event-streams must be at least 1 (got {overall})")
        self.overall = overall
        self.per_caller = min(per_caller, overall)
        self._open: dict[str, int] = {}
        self._total = 0

    @property
    def total(self) -> int:
        return self._total

    def take(self, key: str) -> str | None:
        """Count one more stream for ``key``; or why not (the caller's share, or the server's, is full)."""
        if self._open.get(key, 0) >= self.per_caller:
            return (
                f"This credential already holds {self.per_caller} open event streams, the most one may. "
                "Close one first; tool calls need no event stream."
            )
        if self._total >= self.overall:
            return (
                f"The server holds {self.overall} open event streams, its limit (--max-event-streams). "
                "Try again later; tool calls need no event stream."
            )
        self._open[key] = self._open.get(key, 0) + 1
        self._total += 1
        return None

    def give_back(self, key: str) -> None:
        left = self._open.get(key, 0) - 1
        if left > 0:
            self._open[key] = left
        else:
            self._open.pop(key, None)
        self._total = max(0, self._total - 1)
