"""A length bound on every string a tool takes, published in its schema and enforced on its arguments.

PagerDuty states limits for some fields (an incident title 1,024 characters, a note 25,000, a team
name 100); tools declare those where they take them. Every other string gets a cap here, at
registration, so nothing unbounded reaches a URL or a body: 200 kB in ``query`` is an
``INVALID_PARAMETER`` that names the limit, not an upstream failure.

- Free-text bodies (descriptions, PCL conditions) get :data:`BODY_CAP`: PagerDuty states no limit
  for them on these objects, and 64 KiB is far more than a person writes and far less than a
  request body may hold.
- Everything else (names, queries, ids and URLs, times, keys, cursors) gets :data:`TEXT_CAP`.
  Enums need none: their values bound them.
"""

from __future__ import annotations

from typing import Any

from pagerduty_mcp.common.pagerduty.errors import ToolFailure

__all__ = ["BODY_CAP", "BODY_PARAMETERS", "TEXT_CAP", "bound_schema", "too_long"]

TEXT_CAP = 1_024
BODY_CAP = 65_536
# Parameters whose value is prose or an expression, not a name: the larger cap.
BODY_PARAMETERS = frozenset({"description", "conditions", "details", "note", "message", "resolution_note"})


def _cap(parameter: str) -> int:
    return BODY_CAP if parameter in BODY_PARAMETERS else TEXT_CAP


def _is_string(schema: dict[str, Any]) -> bool:
    kind = schema.get("type")
    return kind == "string" or (isinstance(kind, list) and "string" in kind)


def _bound(schema: Any, parameter: str) -> Any:
    """``schema`` with ``maxLength`` on every string below it that has no bound yet."""
    if isinstance(schema, list):
        return [_bound(item, parameter) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "properties" and isinstance(value, dict):
            out[key] = {name: _bound(prop, name) for name, prop in value.items()}
        elif key in ("items", "anyOf", "oneOf", "allOf", "additionalProperties", "prefixItems"):
            out[key] = _bound(value, parameter)
        elif key == "$defs" and isinstance(value, dict):
            out[key] = {name: _bound(definition, name) for name, definition in value.items()}
        else:
            out[key] = value
    if _is_string(out) and "maxLength" not in out and "enum" not in out and "const" not in out:
        out["maxLength"] = _cap(parameter)
    return out


def bound_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """A tool's input schema with a ``maxLength`` on every string parameter, item and field."""
    return _bound(schema, "")  # type: ignore[no-any-return]


def _overlong(value: Any, schema: Any, root: dict[str, Any], where: str) -> tuple[str, int] | None:
    """The first string in ``value`` longer than its schema allows: (where, limit)."""
    if not isinstance(schema, dict):
        return None
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        schema = root.get("$defs", {}).get(ref.removeprefix("#/$defs/"), {})
    if isinstance(value, str):
        limit = schema.get("maxLength")
        if isinstance(limit, int) and len(value) > limit:
            return where, limit
    for branch in schema.get("anyOf", ()) or ():
        found = _overlong(value, branch, root, where)
        if found is not None:
            return found
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        for index, item in enumerate(value):
            found = _overlong(item, schema["items"], root, f"{where}[{index}]")
            if found is not None:
                return found
    if isinstance(value, dict) and isinstance(schema.get("properties"), dict):
        for name, item in value.items():
            found = _overlong(item, schema["properties"].get(name), root, f"{where}.{name}")
            if found is not None:
                return found
    return None


def too_long(tool: str, schema: dict[str, Any], arguments: dict[str, Any]) -> ToolFailure | None:
    """``INVALID_PARAMETER`` for the first argument longer than its ``maxLength``, else ``None``.

    Checked before the arguments are parsed, so an oversized value costs one length check and
    never reaches validation messages, logs or PagerDuty.
    """
    properties = schema.get("properties", {})
    for name, value in arguments.items():
        found = _overlong(value, properties.get(name), schema, name)
        if found is not None:
            where, limit = found
            return ToolFailure(
                "INVALID_PARAMETER",
                f"{where} is longer than {limit:,} characters, the most {tool} accepts there. "
                "Shorten it and call again.",
                {"parameters": [where], "max_length": limit},
            )
    return None
