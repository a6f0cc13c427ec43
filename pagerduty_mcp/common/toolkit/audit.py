"""The audit line: one per tool call, prompt and resource read, that no client can forge.

A client chooses the name it calls (an unregistered tool's name, a resource URI, a prompt name)
and, over HTTP, part of how it is labelled (the last characters of its token). Written as is, a
newline in a name starts a line of the client's making, attributed to anyone, and a space followed
by ``outcome=ok`` adds a field. So every value that is not plainly one word is written quoted, its
control, line-breaking and non-ASCII characters escaped, and cut first to a bounded length.
"""

from __future__ import annotations

import json
import logging

from pagerduty_mcp.common.pagerduty.context import RequestContext

__all__ = ["AUDIT_VALUE_CHARS", "audit_value", "write_audit_line"]

audit = logging.getLogger("pagerduty_mcp.audit")

# The longest client-chosen value an audit line carries (before escaping).
AUDIT_VALUE_CHARS = 200
# What may stand bare in a field: anything printable but what separates fields or quotes them.
_SEPARATORS = frozenset(' ="\\')


def audit_value(value: str, limit: int = AUDIT_VALUE_CHARS) -> str:
    """``value`` as one field of an audit line: bare when it is one printable word, else quoted
    with every control, line-breaking and non-ASCII character escaped; cut to ``limit`` first."""
    cut = value[:limit]
    plain = cut and cut.isprintable() and not any(c.isspace() or c in _SEPARATORS for c in cut)
    shown = cut if plain else json.dumps(cut, ensure_ascii=True)
    return shown + ("…" if len(value) > limit else "")


def write_audit_line(request: RequestContext, milliseconds: float, changed: list[str] | None) -> None:
    """The line for one message that acted (``request.kind`` is ``tool``, ``prompt`` or ``resource``)."""
    said_changed = "" if changed is None else f" changed={audit_value(','.join(changed) or 'none', 4000)}"
    audit.info(
        "%s=%s outcome=%s duration_ms=%d upstream_calls=%d caller=%s%s",
        request.kind,
        audit_value(request.name),
        audit_value(request.audit.outcome, 64),
        milliseconds,
        request.upstream.requests,
        audit_value(request.identity),
        said_changed,
    )
