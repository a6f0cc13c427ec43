"""What a tool's input schema looks like to a client, and what a bad argument tells the model."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from pydantic import ValidationError

from pagerduty_mcp.common.pagerduty.context import current_request
from pagerduty_mcp.common.pagerduty.errors import ToolFailure
from pagerduty_mcp.common.toolkit.ids import ID_PATTERN, NOT_AN_ID
from pagerduty_mcp.common.toolkit.references import NAMED_PARAMETERS

__all__ = ["describe_validation_error", "lean_schema", "name_references"]


def describe_validation_error(
    tool: str, error: ValidationError, parameter: str = "", known: Iterable[str] = ()
) -> ToolFailure:
    """Arguments that fail their schema: name each field and what it should be.

    The one formatter for every validation error: a tool's arguments (``parameter`` empty), or an
    object nested in one argument (``parameter`` is that argument, so fields read ``layers[0].start``;
    ``known`` lists that object's fields for a misspelt one). ``tool`` empty: the call in progress.
    """
    tool = tool or current_request().name or "the tool"
    valid = f" (valid: {', '.join(known)})" if known else ""
    problems = []
    fields = []
    for item in error.errors()[:5]:
        where = ".".join(str(p) for p in item["loc"])
        where = f"{parameter}.{where}" if parameter and where else where or parameter or "arguments"
        fields.append(where)
        if item["type"] == "string_pattern_mismatch" and item.get("ctx", {}).get("pattern") == ID_PATTERN:
            problems.append(f"{where}: {NOT_AN_ID}")
        elif item["type"] == "extra_forbidden":
            problems.append(f"{where}: is not a field{valid}")
        else:
            problems.append(f"{where}: {str(item['msg']).removeprefix('Value error, ')}")
    more = f" (+{len(error.errors()) - 5} more)" if len(error.errors()) > 5 else ""
    return ToolFailure(
        "INVALID_PARAMETER",
        f"{'; '.join(problems)}{more}. Fix the arguments and call {tool} again.",
        {"parameters": fields},
    )


def lean_schema(schema: Any) -> Any:
    """Drop what pydantic adds that no model needs: titles, ``null`` branches, ``default: null``.

    Optional parameters stay optional (they are not ``required``); the arguments are still
    validated against the full pydantic model.
    """
    if isinstance(schema, list):
        return [lean_schema(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {}
    for key, value in schema.items():
        if key == "title" and isinstance(value, str):
            continue
        if key == "default" and value is None:
            continue
        if key == "properties" and isinstance(value, dict):
            out[key] = {name: lean_schema(prop) for name, prop in value.items()}
            continue
        out[key] = lean_schema(value)
    branches = out.get("anyOf")
    if isinstance(branches, list):
        kept = [b for b in branches if b != {"type": "null"}]
        if len(kept) == 1 and len(kept) < len(branches):
            del out["anyOf"]
            out = {**kept[0], **out}
    return out


# How a description says "an id" today, dropped where the parameter also takes a name.
_ID_WORDS = re.compile(r"\s*\(id or PagerDuty URL\)|\s+(?:ids? or URLs?|id)(?=\.?$)")
NAMES_NOTE = " (id, URL or name)"


def name_references(schema: Any) -> Any:
    """Say "id, URL or name" on every parameter that names an object by name (toolkit.names)."""
    properties = schema.get("properties") if isinstance(schema, dict) else None
    if not isinstance(properties, dict) or not any(p in NAMED_PARAMETERS for p in properties):
        return schema
    renamed = {}
    for name, prop in properties.items():
        if name in NAMED_PARAMETERS and isinstance(prop, dict):
            text = _ID_WORDS.sub("", _ID_WORDS.sub("", str(prop.get("description", "")))).rstrip(". ")
            prop = {**prop, "description": f"{text}{NAMES_NOTE}." if text else NAMES_NOTE.strip(" ()") + "."}
        renamed[name] = prop
    return {**schema, "properties": renamed}
