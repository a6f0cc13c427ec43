"""One credential's calls take their turn before a worker thread, so a flood waits alone.

Plain ``def`` tools run on a shared pool of worker threads. If a credential's calls took their
turn inside those threads (as a semaphore in the PagerDuty client does), every queued call would
hold a thread while it waited, and one busy caller would delay everyone else. Here each
credential has an async slot count: a call waits for its credential's slot on the event loop,
holding nothing, and only then goes to a thread. Beyond a bound of waiting calls, a call fails
at once with ``RATE_LIMITED``, naming the bound, instead of joining an ever longer queue.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import anyio

from pagerduty_mcp.common.pagerduty.client import DEFAULT_MAX_CONCURRENT_PER_CREDENTIAL
from pagerduty_mcp.common.pagerduty.context import current_request
from pagerduty_mcp.common.pagerduty.errors import ToolFailure

__all__ = ["DEFAULT_MAX_QUEUED_PER_CREDENTIAL", "CredentialSlots"]

DEFAULT_MAX_QUEUED_PER_CREDENTIAL = 64


@dataclass
class _Turns:
    slots: anyio.Semaphore
    holders: int = 0  # running or waiting


class CredentialSlots:
    """Per credential: at most ``running`` calls at once, at most ``queued`` more waiting."""

    def __init__(
        self, running: int = DEFAULT_MAX_CONCURRENT_PER_CREDENTIAL, queued: int = DEFAULT_MAX_QUEUED_PER_CREDENTIAL
    ) -> None:
        if running < 1 or queued < 0:
            raise ValueError(
                "--max-concurrent-per-credential must be at least 1 and --max-queued-per-credential at least 0"
            )
        self.running = running
        self.queued = queued
        # Keyed by a hash, never the secret; an entry lives only while someone holds or awaits it,
        # so made-up tokens leave nothing behind.
        self._turns: dict[str, _Turns] = {}

    def waiting(self, key: str) -> int:
        turns = self._turns.get(key)
        return 0 if turns is None else turns.holders - (self.running - turns.slots.value)

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """Hold the current caller's credential's slot for the block (event loop only)."""
        request = current_request()
        credential = request.credential
        key = hashlib.sha256(credential.secret.encode()).hexdigest() if credential is not None else "server"
        turns = self._turns.setdefault(key, _Turns(anyio.Semaphore(self.running)))
        if turns.slots.value == 0 and self.waiting(key) >= self.queued:
            if turns.holders == 0:
                del self._turns[key]
            raise ToolFailure(
                "RATE_LIMITED",
                f"This credential already has {self.running} calls running and {self.queued} waiting, the most "
                f"this server queues per credential (--max-queued-per-credential {self.queued}). Wait for "
                "earlier calls to finish, then try again; send fewer calls at once.",
                {"max_running": self.running, "max_queued": self.queued},
            )
        turns.holders += 1
        try:
            remaining = request.remaining()
            with anyio.move_on_after(remaining if remaining is not None else float("inf")) as waited:
                await turns.slots.acquire()
            if waited.cancelled_caught:
                raise ToolFailure(
                    "TIMEOUT",
                    "This credential's earlier calls kept every slot busy until the call's deadline passed. "
                    "Try again in a moment, or send fewer calls at once.",
                )
            try:
                yield
            finally:
                turns.slots.release()
        finally:
            turns.holders -= 1
            if turns.holders == 0:
                self._turns.pop(key, None)
