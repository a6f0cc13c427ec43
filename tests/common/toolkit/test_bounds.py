from __future__ import annotations

import pytest

from pagerduty_mcp.common.toolkit.bounds import BODY_CAP, TEXT_CAP, bound_schema, too_long

pytestmark = [pytest.mark.unit, pytest.mark.common]

SCHEMA = {
    "type": "object",
    "properties": {
        "query": {"type": "string"},
        "title": {"type": "string", "maxLength": 1024},
        "description": {"anyOf": [{"type": "string"}, {"type": "null"}]},
        "status": {"type": "string", "enum": ["open", "closed"]},
        "ids": {"type": "array", "items": {"type": "string"}},
        "item": {"$ref": "#/$defs/Item"},
        "limit": {"type": "integer"},
    },
    "$defs": {"Item": {"type": "object", "properties": {"label": {"type": "string"}}}},
}


def test_every_unbounded_string_gets_the_cap_of_its_parameter() -> None:
    bounded = bound_schema(SCHEMA)
    props = bounded["properties"]
    assert props["query"]["maxLength"] == TEXT_CAP
    assert props["title"]["maxLength"] == 1024  # a stated limit is kept
    assert props["description"]["anyOf"][0]["maxLength"] == BODY_CAP
    assert "maxLength" not in props["status"]  # an enum bounds itself
    assert props["ids"]["items"]["maxLength"] == TEXT_CAP
    assert bounded["$defs"]["Item"]["properties"]["label"]["maxLength"] == TEXT_CAP
    assert "maxLength" not in props["limit"]
    assert "maxLength" not in SCHEMA["properties"]["query"]  # the input is left alone


@pytest.mark.parametrize(
    ("arguments", "where", "limit"),
    [
        ({"query": "q" * (TEXT_CAP + 1)}, "query", TEXT_CAP),
        ({"description": "d" * (BODY_CAP + 1)}, "description", BODY_CAP),
        ({"ids": ["P1", "x" * (TEXT_CAP + 1)]}, "ids[1]", TEXT_CAP),
        ({"item": {"label": "l" * (TEXT_CAP + 1)}}, "item.label", TEXT_CAP),
    ],
)
def test_a_value_over_its_bound_is_invalid_parameter(arguments: dict, where: str, limit: int) -> None:
    failure = too_long("some_tool", bound_schema(SCHEMA), arguments)
    assert failure is not None and failure.code == "INVALID_PARAMETER"
    assert failure.details == {"parameters": [where], "max_length": limit}
    assert f"{where} is longer than {limit:,} characters" in failure.message


def test_values_within_their_bounds_pass() -> None:
    arguments = {"query": "q" * TEXT_CAP, "description": None, "ids": ["P1"], "limit": 10**9, "unknown": "x" * 10**5}
    assert too_long("some_tool", bound_schema(SCHEMA), arguments) is None
