"""Checks on a message's raw params, before the SDK or a handler sees them.

What a client sends is checked where its shape is known, so that a malformed message is a
JSON-RPC invalid-params error that says what to send, never an internal error:

- ``tools/call``: ``name`` a string, ``arguments`` an object (or absent);
- ``_meta.progressToken`` of any request: a string of at most :data:`MAX_PROGRESS_TOKEN_CHARS`
  characters or a 64-bit integer. The SDK repeats the token in every progress notification, so
  an unbounded one multiplies (0.9 MB in became 6.3 MB out over one bulk change).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["MAX_PROGRESS_TOKEN_CHARS", "malformed"]

MAX_PROGRESS_TOKEN_CHARS = 256
_INT64 = 2**63


def _kind(value: Any) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number"
    )


def malformed(method: str, params: Mapping[str, Any] | None) -> str | None:
    """Why ``params`` cannot be served (an invalid-params message), or ``None``."""
    if not isinstance(params, Mapping):
        return None  # absent params: the SDK's own validation says what is missing
    meta = params.get("_meta")
    token = meta.get("progressToken") if isinstance(meta, Mapping) else None
    if isinstance(token, str) and len(token) > MAX_PROGRESS_TOKEN_CHARS:
        return (
            f"_meta.progressToken is {len(token)} characters long; at most {MAX_PROGRESS_TOKEN_CHARS} are "
            "accepted. Send a short token, such as a counter or a UUID."
        )
    if isinstance(token, int) and not isinstance(token, bool) and not -_INT64 <= token < _INT64:
        return "_meta.progressToken is out of range; send a 64-bit integer or a short string."
    if method == "tools/call":
        name, arguments = params.get("name"), params.get("arguments")
        if not isinstance(name, str):
            return f"tools/call: params.name must be a string, the tool's name (got {_kind(name)})."
        if arguments is not None and not isinstance(arguments, Mapping):
            return (
                f"tools/call: params.arguments must be an object of the tool's arguments, such as "
                f'{{"limit": 5}} (got {_kind(arguments)}).'
            )
    return None
