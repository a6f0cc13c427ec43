"""The scope table: PagerDuty's word on the scope each endpoint needs, the fallbacks where it is
silent, and how granted scopes cover a needed one."""

from __future__ import annotations

import json

import pytest

from pagerduty_mcp.rules.scope_table import (
    EVENTS_API_SCOPES,
    FALLBACK_SCOPES,
    NO_SCOPE_NEEDED,
    REQUIRED_SCOPES,
    grants,
    missing_scope,
    required_scope,
    scope_table,
    stated_scopes,
)
from tests.contract.openapi import spec_path

pytestmark = [pytest.mark.unit, pytest.mark.common]


def test_scope_table_matches_the_api_description() -> None:
    path = spec_path()
    if not path.is_file():
        pytest.skip(f"PagerDuty's OpenAPI description is not at {path}")
    spec = json.loads(path.read_text(encoding="utf-8"))
    assert scope_table(spec) == REQUIRED_SCOPES, "regenerate: python -m pagerduty_mcp.rules.scope_table <spec>"


@pytest.mark.parametrize(
    ("method", "path", "scope"),
    [
        ("GET", "/incidents", "incidents.read"),
        ("get", "/incidents/PABC123/notes", "incidents.read"),
        ("PUT", "/incidents/PABC123", "incidents.write"),
        ("GET", "/services?limit=5", "services.read"),
        ("GET", "/schedules/P1/overrides", "schedules.read"),
        ("GET", "/oncalls", "oncalls.read"),
        ("GET", "/users/me", None),  # no scope: any token may ask who it is
        ("GET", "/no/such/endpoint", None),
        # PagerDuty's description states none for these: the fallbacks name the nearest scope.
        ("GET", "/v3/schedules", "schedules.read"),
        ("POST", "/v3/schedules/P1/rotations", "schedules.write"),
        ("DELETE", "/v3/schedules/P1/custom_shifts/CS1", "schedules.write"),
        ("POST", "/automation_actions/actions/01ABC/invocations", "incidents.write"),
        ("GET", "/automation_actions/actions", "services.read"),
    ],
)
def test_required_scope_matches_concrete_paths(method: str, path: str, scope: str | None) -> None:
    assert required_scope(method, path) == scope


def test_every_fallback_fills_a_gap_of_the_description_with_a_scope_pagerduty_offers() -> None:
    offered = set(REQUIRED_SCOPES.values()) - {""}
    stale = sorted(k for k in FALLBACK_SCOPES if REQUIRED_SCOPES.get(k) != "")
    assert not stale, f"PagerDuty states a scope for these now (or has no such operation): drop {stale}"
    assert set(FALLBACK_SCOPES.values()) | set(EVENTS_API_SCOPES.values()) <= offered
    for key, scope in FALLBACK_SCOPES.items():
        assert scope.endswith(".read" if key.startswith("GET ") else ".write"), (key, scope)


def test_no_operation_is_left_without_a_scope() -> None:
    """Generation stays honest (the table above is PagerDuty's word), and silence opens nothing."""
    unscoped = {key for key, scope in stated_scopes().items() if not scope}
    assert unscoped == NO_SCOPE_NEEDED, f"add a fallback for {sorted(unscoped - NO_SCOPE_NEEDED)}"
    assert all(REQUIRED_SCOPES[key] == "" for key in NO_SCOPE_NEEDED)


def test_literal_segments_win_over_parameters() -> None:
    literal = next(k for k in REQUIRED_SCOPES if k.startswith("GET /incidents/types"))
    assert required_scope("GET", literal.split(" ", 1)[1]) == REQUIRED_SCOPES[literal]


def test_classic_read_and_write_scopes_cover_the_specific_ones() -> None:
    assert grants({"read"}, "incidents.read") and not grants({"read"}, "incidents.write")
    assert grants({"write"}, "incidents.write") and grants({"write"}, "services.read")
    assert grants({"incidents.write"}, "incidents.read")
    assert not grants({"incidents.read"}, "services.read")
    assert missing_scope({"incidents.read"}, "GET", "/services") == "services.read"
    assert missing_scope({"incidents.read"}, "GET", "/incidents") is None
