"""The request context: what one message to the server carries, into worker threads and back.

One :class:`RequestContext` is bound per MCP message (a tool call, a prompt, a resource read,
a list): whose credential it acts with, what the caller may see, its deadline, what it cost
upstream and how it ended, for the audit line. ``mcp`` runs plain ``def`` handlers on worker
threads with a copy of the caller's context variables, so the PagerDuty client reads the
credential and deadline here without threading arguments through every tool.

This floor knows nothing of MCP: the toolkit binds the context, hosting fills in the caller.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from pagerduty_mcp.common.pagerduty.config import Credential

__all__ = [
    "Caller",
    "Narrowing",
    "RequestContext",
    "bind_request",
    "credential_key",
    "current_request",
    "request_scope",
    "unbind_request",
]


@dataclass(frozen=True)
class Narrowing:
    """What a caller asked to hide. Empty means: everything the operator enabled."""

    readonly: bool = False
    toolsets: frozenset[str] | None = None
    tools: frozenset[str] | None = None

    def allows(self, tool: str, toolset: str | None, is_write: bool) -> bool:
        if self.readonly and is_write:
            return False
        if self.toolsets is not None and toolset not in self.toolsets:
            return False
        return self.tools is None or tool in self.tools


@dataclass(frozen=True)
class Caller:
    """Who sent a request: an identity for the audit line, a credential, and what they see.

    ``key`` tells callers apart where it matters (whose call a cancel may stop): by default a hash
    of the whole credential, else the identity. Never the identity when there is a credential: the
    audit label shows only a credential's last characters, which anyone can match.
    """

    identity: str
    credential: Credential | None  # None: the server's own credential
    narrowing: Narrowing = Narrowing()
    key: str = ""
    # The user a caller's account-level token acts as (its ``From`` header), under --auth pagerduty.
    from_email: str | None = None

    def __post_init__(self) -> None:
        if not self.key:
            object.__setattr__(self, "key", credential_key(self.credential) if self.credential else self.identity)


def credential_key(credential: Credential) -> str:
    """A stable, non-reversible key for the whole of a credential (its kind and secret)."""
    return "credential:" + hashlib.sha256(f"{credential.kind}\0{credential.secret}".encode()).hexdigest()


@dataclass
class RequestContext:
    """One MCP message in progress. ``kind`` and ``name`` say what it runs (``tool``, ``prompt``…)."""

    kind: str = ""
    name: str = ""
    caller: Caller | None = None
    deadline: float | None = None  # time.monotonic() value
    upstream_calls: int = 0
    # Seconds slept on 429s so far, across every request of the message: the cap is per call.
    rate_limit_waited: float = 0.0
    _wait_lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)
    outcome: str = "ok"
    notes: list[str] = field(default_factory=list)
    # The tools the answering server has (None: unknown), so that hints name only tools it has.
    tools: frozenset[str] | None = None
    # The absolute since/until a call used (relative or defaulted ones included), echoed in its answer,
    # and, for a window asked in pieces, how many pieces of how many days.
    window: dict[str, str | int] = field(default_factory=dict)
    # Ids this message has seen PagerDuty answer for (a resolved name, a checked filter), so that
    # an existence check asks once, whichever layer asks.
    known_ids: set[str] = field(default_factory=set)
    # PagerDuty's own words from error answers of this message (sanitised), so that an error that
    # quotes them, however reworded on the way, is marked as outside text (it may echo a title).
    upstream_texts: list[str] = field(default_factory=list)
    # What to let go of when the message ends (the clients it leased from the pool).
    releases: list[Callable[[], None]] = field(default_factory=list)
    # True for the stand-in outside any message (scripts, tests), which never ends: nothing is
    # leased for it.
    detached: bool = False

    def reserve_rate_limit_wait(self, seconds: float, cap: float) -> bool:
        """Count ``seconds`` of 429 wait against the call's ``cap``, or refuse; atomic, since a
        call's requests may run on several threads at once."""
        with self._wait_lock:
            if self.rate_limit_waited + seconds > cap:
                return False
            self.rate_limit_waited += seconds
            return True

    def finish(self) -> None:
        """Run the releases; each once, whatever the others do."""
        while self.releases:
            release = self.releases.pop()
            try:
                release()
            except Exception:  # a failed release must not turn a result into an error
                continue

    # The client's side of a long call, filled in by the toolkit (see ``progress``): its cancel,
    # its progress bar and its log; and what a write changed, for the audit line of a cancel.
    cancelled: threading.Event = field(default_factory=threading.Event)
    on_progress: Callable[[float, float | None, str | None], None] | None = None
    on_client_log: Callable[[str, str], None] | None = None
    changed: list[str] = field(default_factory=list)
    pages_fetched: int = 0

    @property
    def credential(self) -> Credential | None:
        return self.caller.credential if self.caller else None

    @property
    def narrowing(self) -> Narrowing:
        return self.caller.narrowing if self.caller else Narrowing()

    @property
    def identity(self) -> str:
        """Who asked, for the audit line: never a secret."""
        if self.caller is not None:
            return self.caller.identity
        return "server"

    @property
    def caller_key(self) -> str:
        """What tells this caller's calls apart from everyone else's (see :attr:`Caller.key`)."""
        return self.caller.key if self.caller is not None else "server"

    def remaining(self) -> float | None:
        return None if self.deadline is None else self.deadline - time.monotonic()


_current: ContextVar[RequestContext | None] = ContextVar("pagerduty_mcp_request", default=None)


def current_request() -> RequestContext:
    """The context of the message in progress, or a fresh one outside any (scripts, tests).

    The fresh one is not kept: outside a message, nothing (not the per-call cap on rate-limit
    waits) may add up across unrelated requests of a long-lived thread.
    """
    ctx = _current.get()
    return RequestContext(detached=True) if ctx is None else ctx


def bind_request(ctx: RequestContext) -> object:
    """Make ``ctx`` current; returns a token for :func:`unbind_request`."""
    return _current.set(ctx)


def unbind_request(token: object) -> None:
    _current.reset(token)  # type: ignore[arg-type]


@contextmanager
def request_scope(ctx: RequestContext) -> Iterator[RequestContext]:
    """``ctx`` is current inside the block."""
    token = bind_request(ctx)
    try:
        yield ctx
    finally:
        unbind_request(token)
