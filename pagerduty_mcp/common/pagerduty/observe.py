"""Hooks for what operators watch: calls, upstream requests, rate-limit waits, sign-ins.

The code that does the work says what happened through :func:`observers`; what is done with it
(Prometheus counters, OpenTelemetry spans) is hosting's business, installed at start-up with
:func:`add_observer`. With no observer installed (stdio, ``--no-metrics``, tests) every hook is
a loop over an empty tuple, so nothing here costs anything measurable.

Observers receive counts, names of tools, HTTP methods, statuses and the first segment of a
REST path (``/incidents``): never arguments, ids, credentials or bodies.
"""

from __future__ import annotations

import contextlib
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from pagerduty_mcp.common.pagerduty.context import RequestContext

_RESOURCE = re.compile(r"[a-z][a-z_]{0,40}")

__all__ = ["Observer", "UpstreamRequest", "add_observer", "observers", "remove_observer", "resource_of"]


@dataclass
class UpstreamRequest:
    """One request to PagerDuty: what observers may know of it."""

    method: str
    resource: str  # first path segment, e.g. "/incidents": the ids after it stay out
    status: int | None = None  # None until answered; stays None when no answer came
    started: float = field(default_factory=time.monotonic)


def resource_of(path: str) -> str:
    """``/incidents/P1/notes`` -> ``/incidents``: a bounded label that carries no id."""
    first = path.strip("/").split("/", 1)[0]
    return f"/{first}" if _RESOURCE.fullmatch(first) else "/other"


class Observer:
    """Base class: every hook does nothing. Hooks run on the thread that did the work; they must
    be quick and must not raise."""

    def call_started(self, request: RequestContext) -> None:
        """A tool call, prompt or resource read began (``request.kind`` says which)."""

    def call_finished(self, request: RequestContext, seconds: float) -> None:
        """It ended; ``request.audit.outcome`` is ``ok`` or a stable failure code."""

    @contextlib.contextmanager
    def upstream(self, request: UpstreamRequest) -> Iterator[None]:
        """Wraps one request to PagerDuty; ``request.status`` is set before the block ends."""
        yield

    def rate_limited(self, seconds: float) -> None:
        """The client waits ``seconds`` because PagerDuty answered 429."""

    def signed_in(self, outcome: str) -> None:
        """A client sign-in (hosting's OAuth) ended with ``outcome`` (``ok`` or a reason)."""


class _Fanout(Observer):
    """What callers hold: every installed observer, in the order they were added."""

    def __init__(self) -> None:
        self._all: tuple[Observer, ...] = ()
        self._lock = threading.Lock()

    def add(self, observer: Observer) -> None:
        with self._lock:
            self._all = (*self._all, observer)

    def remove(self, observer: Observer) -> None:
        with self._lock:
            self._all = tuple(o for o in self._all if o is not observer)

    def call_started(self, request: RequestContext) -> None:
        for observer in self._all:
            observer.call_started(request)

    def call_finished(self, request: RequestContext, seconds: float) -> None:
        for observer in self._all:
            observer.call_finished(request, seconds)

    @contextlib.contextmanager
    def upstream(self, request: UpstreamRequest) -> Iterator[None]:
        if not self._all:
            yield
            return
        with contextlib.ExitStack() as stack:
            for observer in self._all:
                stack.enter_context(observer.upstream(request))
            yield

    def rate_limited(self, seconds: float) -> None:
        for observer in self._all:
            observer.rate_limited(seconds)

    def signed_in(self, outcome: str) -> None:
        for observer in self._all:
            observer.signed_in(outcome)


_fanout = _Fanout()


def observers() -> Observer:
    """Every installed observer, behind one :class:`Observer`."""
    return _fanout


def add_observer(observer: Observer) -> None:
    _fanout.add(observer)


def remove_observer(observer: Observer) -> None:
    _fanout.remove(observer)
