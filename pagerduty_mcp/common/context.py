"""Per-call state that travels with a tool call into worker threads.

``mcp`` runs plain ``def`` tools on worker threads with a copy of the caller's context, so a
context variable set around the call reaches the PagerDuty client without threading
arguments through every tool.
"""

from __future__ import annotations

import time
from contextvars import ContextVar
from dataclasses import dataclass, field

from pagerduty_mcp.common.config import Credential

__all__ = ["CallContext", "current_call"]


@dataclass
class CallContext:
    """What one tool call carries: whose credential, its deadline, and what it cost upstream."""

    tool: str = ""
    credential: Credential | None = None
    caller: str | None = None  # who asked, for the audit line (never a secret)
    deadline: float | None = None  # time.monotonic() value
    upstream_calls: int = 0
    notes: list[str] = field(default_factory=list)

    def remaining(self) -> float | None:
        return None if self.deadline is None else self.deadline - time.monotonic()


_current: ContextVar[CallContext | None] = ContextVar("pagerduty_mcp_call", default=None)


def current_call() -> CallContext:
    """The context of the tool call in progress, or a fresh one outside any call."""
    ctx = _current.get()
    if ctx is None:
        ctx = CallContext()
        _current.set(ctx)
    return ctx


def bind_call(ctx: CallContext) -> object:
    """Make ``ctx`` current; returns a token for :func:`unbind_call`."""
    return _current.set(ctx)


def unbind_call(token: object) -> None:
    _current.reset(token)  # type: ignore[arg-type]
