"""Trace spans named only by what the server has, never by what a client made up.

The ``mcp`` SDK opens one OpenTelemetry span per message, named ``tools/call <name>`` (and
``gen_ai.tool.name`` set) from the raw ``params.name``: an unregistered name of a client's choosing
becomes a span name, which tracing backends index and group by, without bound. The SDK's span
middleware is kept, but it is shown the registered name, or :data:`UNKNOWN_NAME`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from mcp.server._otel import OpenTelemetryMiddleware
from mcp.server.context import CallNext, HandlerResult, ServerMiddleware, ServerRequestContext

__all__ = ["UNKNOWN_NAME", "BoundedSpanNames", "bound_span_names"]

UNKNOWN_NAME = "unknown"
# The methods whose ``params.name`` the SDK puts into the span's name.
_NAMED = ("tools/call", "prompts/get")


class BoundedSpanNames:
    """The SDK's span middleware, fed a message whose name is known to the server or ``unknown``."""

    def __init__(self, inner: ServerMiddleware[Any], known: Callable[[str, str], bool]) -> None:
        self._inner = inner
        self._known = known

    async def __call__(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        params = ctx.params
        name = params.get("name") if ctx.method in _NAMED and params else None
        if name is None or (isinstance(name, str) and self._known(ctx.method, name)):
            return await self._inner(ctx, call_next)
        shown = dataclasses.replace(ctx, params={**(params or {}), "name": UNKNOWN_NAME})

        async def original(_: ServerRequestContext[Any, Any]) -> HandlerResult:
            return await call_next(ctx)  # the handler gets the message as sent

        return await self._inner(shown, original)


def bound_span_names(chain: list[ServerMiddleware[Any]], known: Callable[[str, str], bool]) -> None:
    """Wrap the SDK's span middleware in ``chain`` (in place) so that it names only known things."""
    for index, middleware in enumerate(chain):
        if isinstance(middleware, OpenTelemetryMiddleware):
            chain[index] = BoundedSpanNames(middleware, known)
