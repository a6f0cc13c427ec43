"""The request context: one MCP message in progress, made of explicit pieces, each with one owner.

One :class:`RequestContext` is made per MCP message (a tool call, a prompt, a resource read, a
list) by the toolkit's middleware (``toolkit.server``), which alone writes it: it is frozen. Its
parts are the things a call needs, each written by the one owner named on its class and read
where it is used:

- :class:`Caller`: who asks, with which credential, seeing what (hosting's client auth);
- :class:`Deadline`: when the call must be done (the middleware; a confirmation holds its clock);
- the pool: the server's PagerDuty clients (``serve()`` gives the server its pool; the middleware
  hands it over, so two servers in one process each use their own);
- :class:`ClientLink`: the client's side of a long call, its progress, log and cancel
  (``toolkit.long_calls``);
- :class:`Upstream`: what the call cost PagerDuty (PagerDuty access: the client and ``progress``);
- :class:`AuditRecord`: how the call ended and what a write changed, for the audit line;
- :class:`Memo`: what the message learnt on the way, for its later steps;
- :class:`Leases`: the pooled clients the message holds until it ends (the pool).

``mcp`` runs plain ``def`` handlers on worker threads with a copy of the caller's context
variables: :func:`current_request` is the typed accessor to the message's context there, so that
120 tool functions need no extra parameter. Outside any message (a script, a test),
:func:`standalone` gives one: a pool, and nothing that adds up across calls.

This floor knows nothing of MCP: the toolkit makes the context, hosting fills in the caller.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from pagerduty_mcp.common.pagerduty.config import Credential

__all__ = [
    "AuditRecord",
    "Caller",
    "ClientLink",
    "Deadline",
    "Leases",
    "Memo",
    "Narrowing",
    "RequestContext",
    "Upstream",
    "bind_request",
    "credential_key",
    "current_request",
    "request_scope",
    "standalone",
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


class Deadline:
    """When the call must be done (``time.monotonic()``; ``None``: never).

    Set by the middleware from ``--call-timeout``. While a person reads a confirmation, their time
    is not the call's: ``toolkit.confirm`` holds what was left when it asked, and the clock
    resumes from there once they answer.
    """

    def __init__(self, seconds: float | None = None, *, at: float | None = None) -> None:
        self._at = at if seconds is None else time.monotonic() + seconds
        self._held: float | None = None

    def remaining(self) -> float | None:
        return None if self._at is None else self._at - time.monotonic()

    def hold(self) -> None:
        """A person is asked now: keep what is left, to resume from when they answer."""
        self._held = self.remaining()

    def resume(self) -> None:
        """The person answered: the call has what it had when they were asked."""
        if self._held is not None:
            self._at, self._held = time.monotonic() + max(self._held, 0.0), None


@dataclass(frozen=True)
class ClientLink:
    """The client's side of a long call: made and cancelled by ``toolkit.long_calls`` alone (which
    connects it to the message's session), read by PagerDuty access (``progress``)."""

    cancelled: threading.Event = field(default_factory=threading.Event)
    on_progress: Callable[[float, float | None, str | None], None] | None = None
    on_client_log: Callable[[str, str], None] | None = None


@dataclass
class Upstream:
    """What the call cost PagerDuty, written by PagerDuty access alone: the client counts requests
    and 429 waits, ``progress`` the pages of a pull. Read by the audit line, metrics and traces."""

    requests: int = 0
    pages: int = 0
    # Seconds slept on 429s so far, across every request of the message: the cap is per call.
    rate_limit_waited: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def count_request(self) -> None:
        with self._lock:
            self.requests += 1

    def count_page(self) -> int:
        """One more page pulled; the pages so far (a call's requests may run on several threads)."""
        with self._lock:
            self.pages += 1
            return self.pages

    def reserve_rate_limit_wait(self, seconds: float, cap: float) -> bool:
        """Count ``seconds`` of 429 wait against the call's ``cap``, or refuse; atomic, since a
        call's requests may run on several threads at once."""
        with self._lock:
            if self.rate_limit_waited + seconds > cap:
                return False
            self.rate_limit_waited += seconds
            return True


@dataclass
class AuditRecord:
    """What the audit line (and the metrics) say of the message: how it ended, written by the
    toolkit as it answers (the middleware, the tool wrapper, a refusal, a confirmation); and the
    ids a write changed so far, written by the tool (``progress.record_changed``), named if the
    call is cancelled half-way."""

    outcome: str = "ok"
    changed: list[str] = field(default_factory=list)


@dataclass
class Memo:
    """What the message learnt on its way, for its later steps; each part has one writer."""

    # The absolute since/until a call used (relative or defaulted ones included), echoed in its answer,
    # and, for a window asked in pieces, how many pieces of how many days (``toolkit.times``).
    window: dict[str, str | int] = field(default_factory=dict)
    # Ids this message has seen PagerDuty answer for (a resolved name, a checked filter), so that
    # an existence check asks once, whichever layer asks (``toolkit.names``).
    known_ids: set[str] = field(default_factory=set)
    # What a name resolution of this message found, by id: the path PagerDuty listed it at, and the
    # row, so that a tool that needs the object's name (or kind) asks nothing more (``toolkit.names``).
    resolved_rows: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)
    # PagerDuty's own words from error answers of this message (sanitised), so that an error that
    # quotes them, however reworded on the way, is marked as outside text (``errors``).
    upstream_texts: list[str] = field(default_factory=list)


class Leases:
    """The pooled clients a message holds, let go when it ends: added by the pool, released by the
    middleware at the end of the message."""

    def __init__(self) -> None:
        self._releases: list[Callable[[], None]] = []

    def add(self, release: Callable[[], None]) -> None:
        self._releases.append(release)

    def release_all(self) -> None:
        """Run the releases; each once, whatever the others do."""
        while self._releases:
            release = self._releases.pop()
            try:
                release()
            except Exception:  # a failed release must not turn a result into an error
                continue


@dataclass(frozen=True)
class RequestContext:
    """One MCP message in progress. ``kind`` and ``name`` say what it runs (``tool``, ``prompt``…).

    Made by the toolkit's middleware and never reassigned; the mutable parts are the pieces above,
    each with its owner. ``pool`` is the server's ``ClientPool`` (typed by its accessors,
    ``client.get_pool`` and ``get_client``: this floor's lowest module cannot name it).
    """

    kind: str = ""
    name: str = ""
    caller: Caller | None = None
    deadline: Deadline = field(default_factory=Deadline)
    pool: object | None = None
    # The tools the answering server has (None: unknown), so that hints name only tools it has.
    tools: frozenset[str] | None = None
    link: ClientLink = field(default_factory=ClientLink)
    upstream: Upstream = field(default_factory=Upstream)
    audit: AuditRecord = field(default_factory=AuditRecord)
    memo: Memo = field(default_factory=Memo)
    leases: Leases = field(default_factory=Leases)
    # True outside any message (scripts, tests): nothing is leased, nothing adds up.
    detached: bool = False

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
        return self.deadline.remaining()


_current: ContextVar[RequestContext | None] = ContextVar("pagerduty_mcp_request", default=None)


def current_request() -> RequestContext:
    """The context of the message in progress, or a fresh one outside any (scripts, tests).

    The fresh one is not kept: outside a message, nothing (not the per-call cap on rate-limit
    waits) may add up across unrelated requests of a long-lived thread. Inside :func:`standalone`
    it has that block's pool.
    """
    ctx = _current.get()
    if ctx is None:
        return RequestContext(detached=True)
    return RequestContext(pool=ctx.pool, detached=True) if ctx.detached else ctx


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


@contextmanager
def standalone(pool: object) -> Iterator[None]:
    """Tool code outside any MCP message (a script, a test) uses ``pool`` inside the block: what a
    server's middleware gives each message, without anything that adds up across calls."""
    with request_scope(RequestContext(pool=pool, detached=True)):
        yield
