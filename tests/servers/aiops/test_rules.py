"""Orchestration rules: the sandbox's PCL subset, the checks on rules the model writes, summaries."""

from __future__ import annotations

from typing import Any

import pytest

from pagerduty_mcp.common import ToolFailure
from pagerduty_mcp.sandbox.model.orchestration import condition_matches, evaluate_path
from pagerduty_mcp.servers.aiops.models import summarize_path
from pagerduty_mcp.servers.aiops.validators import check_condition, check_path

pytestmark = [pytest.mark.unit, pytest.mark.aiops]

EVENT = {
    "dedup_key": "k1",
    "payload": {
        "summary": "postgres replica lag",
        "source": "db-orders-1",
        "severity": "critical",
        "component": "replica",
        "custom_details": {"service": "checkout", "region": {"name": "eu-west-1"}},
    },
}


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("event.source matches part 'db-'", True),
        ("event.source matches part 'web-'", False),
        ("event.source matches 'db-orders-1'", True),
        ("event.source matches 'db-orders'", False),
        ("event.source matches regex '^db-[a-z]+-[0-9]$'", True),
        ("event.source not matches part 'db-'", False),
        ("event.custom_details.service matches 'checkout'", True),
        ("event.custom_details.region.name matches part 'eu-'", True),
        ("event.custom_details.missing exists", False),
        ("event.component exists", True),
        ("event.group not exists", True),
        ("event.severity matches 'warning' or event.summary matches part 'postgres'", True),
        ("event.severity matches 'critical' and event.source matches part 'web'", False),
        ("event.summary matches part 'lag or ok'", False),
        ("event.dedup_key matches 'k1'", True),
    ],
)
def test_the_sandbox_evaluates_its_pcl_subset(expression: str, expected: bool) -> None:
    assert condition_matches(expression, EVENT) is expected


def test_paths_follow_sets_and_fall_back_to_the_catch_all() -> None:
    path: dict[str, Any] = {
        "type": "global",
        "sets": [
            {
                "id": "start",
                "rules": [
                    {
                        "conditions": [{"expression": "event.source matches part 'db'"}],
                        "actions": {"route_to": "db", "priority": "P1"},
                    }
                ],
            },
            {
                "id": "db",
                "rules": [{"disabled": True, "actions": {"suppress": True}}, {"actions": {"severity": "info"}}],
            },
        ],
        "catch_all": {"actions": {"severity": "warning"}},
    }
    assert evaluate_path(path, EVENT) == {"route_to": "db", "priority": "P1", "severity": "info"}
    other = {"payload": {**EVENT["payload"], "source": "web-1"}}
    assert evaluate_path(path, other) == {"severity": "warning"}
    unsupported = {
        "type": "router",
        "sets": [
            {
                "id": "start",
                "rules": [{"conditions": [{"expression": "now in Mon,Tue"}], "actions": {"route_to": "P1"}}],
            }
        ],
        "catch_all": {"actions": {"route_to": "unrouted"}},
    }
    assert evaluate_path(unsupported, EVENT) == {"route_to": "unrouted"}  # beyond the subset: never matches


@pytest.mark.parametrize(
    ("expression", "fragment"),
    [
        ("", "non-empty"),
        ("event.source matches 'x", "unbalanced quote"),
        ("host matches 'x'", "starts with a field"),
        ("event.source matches regex '(['", "does not compile"),
    ],
)
def test_malformed_conditions_name_the_field(expression: str, fragment: str) -> None:
    with pytest.raises(ToolFailure) as raised:
        check_condition(expression, "conditions[2]")
    assert raised.value.code == "INVALID_PARAMETER"
    assert raised.value.message.startswith("conditions[2]:") and fragment in raised.value.message


def test_read_only_fields_are_dropped_and_a_wrapped_path_is_accepted() -> None:
    read = {
        "orchestration_path": {
            "type": "router",
            "version": "v1",
            "self": "https://x",
            "sets": [
                {
                    "id": "start",
                    "rules": [{"id": "r1", "label": "x", "conditions": [], "actions": {"route_to": "PABC123"}}],
                }
            ],
            "catch_all": {"actions": {"route_to": "unrouted"}},
        }
    }
    assert check_path(read, "router") == {
        "sets": [
            {"id": "start", "rules": [{"id": "r1", "label": "x", "conditions": [], "actions": {"route_to": "PABC123"}}]}
        ],
        "catch_all": {"actions": {"route_to": "unrouted"}},
    }
    with pytest.raises(ToolFailure) as raised:
        check_path({"sets": [{"id": "start", "rules": [{"actions": {"drop_event": True}}]}]}, "service")
    assert "drop_event" in raised.value.message and "valid:" in raised.value.message


def test_summaries_are_compact_and_name_route_targets() -> None:
    path = {
        "type": "router",
        "parent": {"id": "PORCH01"},
        "sets": [
            {
                "id": "start",
                "rules": [
                    {
                        "id": "r1",
                        "label": "DB",
                        "conditions": [{"expression": "event.source matches part 'db-'"}],
                        "actions": {"route_to": "PSVC001"},
                    }
                ],
            }
        ],
        "catch_all": {"actions": {"route_to": "unrouted"}},
    }
    summary = summarize_path(path, {"PSVC001": "DBA"})
    assert summary["rules"] == [
        {
            "id": "r1",
            "label": "DB",
            "when": ["event.source matches part 'db-'"],
            "route_to": {"id": "PSVC001", "name": "DBA"},
        }
    ]
    assert summary["catch_all"] == {"route_to": "unrouted"}
    # What was asked for (its type and parent) and the version only a replace needs are not said again.
    assert not {"type", "parent", "version"} & set(summary)
    service = {
        "type": "service",
        "sets": [{"id": "start", "rules": [{"id": "r2", "actions": {"extractions": [{}, {}], "annotate": "x"}}]}],
    }
    assert summarize_path(service)["rules"][0] == {
        "id": "r2",
        "label": "",
        "when": ["always"],
        "actions": {"extractions": "2 item(s)", "annotate": "x"},
    }
