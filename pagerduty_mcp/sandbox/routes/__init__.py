"""The sandbox's endpoints, one module per product area.

How to add a route:
1. In ``routes/<area>.py``: ``@route("GET", "/incidents/{id}/notes")`` above ``def handler(ctx: Context)``.
2. ``ctx.params["id"]`` is the path parameter; ``ctx.req`` the request (``arg``, ``array("statuses")`` for
   ``statuses[]=``, ``flag``, ``time``, ``entity("incident")`` for a wrapped JSON body,
   ``require_from_header()``); ``ctx.acting_user()`` the user its ``From`` header names (400 if none);
   ``ctx.store`` the account (``get(kind, id)`` gives 404 for you).
3. Return a JSON-able body (200), or ``Reply(body, status=201)``/``Reply(None, 204)``; raise
   ``bad_request(...)``, ``not_found(kind, id)`` or ``ApiError(status, message, code, errors)``.
4. Lists: ``paginate_offset(items, ctx.req, "incidents")`` or ``paginate_cursor(...)``; a ``query``
   filter with ``matches_query(query, name, ...)``.
5. Objects: store PagerDuty's JSON shape; ``ref(state, obj)`` builds a reference, ``public(obj)``
   drops private ``_`` keys. Shared writes (log entries, incidents) belong in ``state.py``.
6. Add the module to ``_AREAS`` below, and a row to the contract tests (tests/contract/).
"""

from __future__ import annotations

import importlib
from typing import Any

from pagerduty_mcp.sandbox.model.store import Store, public
from pagerduty_mcp.sandbox.protocol import (
    ApiError,
    ApiRequest,
    Reply,
    bad_request,
    forbidden,
    format_time,
    matches_query,
    not_found,
    paginate_cursor,
    paginate_offset,
    parse_time,
    parse_time_zone,
)
from pagerduty_mcp.sandbox.router import ROUTER, Context, route

__all__ = [
    "ROUTER",
    "ApiError",
    "ApiRequest",
    "Context",
    "Reply",
    "bad_request",
    "forbidden",
    "format_time",
    "json_body",
    "load",
    "matches_query",
    "not_found",
    "paginate_cursor",
    "paginate_offset",
    "parse_time",
    "parse_time_zone",
    "public",
    "ref",
    "require_from_header",
    "route",
]

_AREAS = (
    "users",
    "teams",
    "schedules",
    "shift_schedules",
    "oncalls",
    "escalation_policies",
    "incidents",
    "services",
    "events",
    "identity",
    "business_services",
    "maintenance",
    "alert_grouping",
    "orchestration",
    "change_events",
    "incident_records",
    "incident_actions",
    "incident_insights",
    "analytics",
    "workflows",
    "automation_actions",
    "incident_types",
    "status_pages",
    "webhooks",
    "extensions",
    "responder_analytics",
)
_loaded = False


def load() -> None:
    """Import every area module once, which registers its routes on :data:`ROUTER`."""
    global _loaded
    if _loaded:
        return
    for area in _AREAS:
        importlib.import_module(f"{__name__}.{area}")
    _loaded = True


def ref(state: Store, obj: dict[str, Any]) -> dict[str, Any]:
    """PagerDuty's reference object ``{id, type: "<x>_reference", summary, self, html_url}``."""
    result = state.ref(obj)
    assert result is not None
    return result


def json_body(req: ApiRequest, wrapper: str) -> dict[str, Any]:
    """The object inside a ``{"<wrapper>": {...}}`` request body (400 otherwise)."""
    return req.entity(wrapper)


def require_from_header(req: ApiRequest) -> str:
    """The ``From`` header's email; 400 with PagerDuty's message when it is missing."""
    return req.require_from_header()
