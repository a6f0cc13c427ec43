"""The benchmark harness measures what it says: sizes, ids placed right, failures reported."""

from __future__ import annotations

import math
from typing import Any

import pytest

from bench.answers import ANSWERS, Answer, Ids, measure_answers, measure_slow_upstream, sandbox_ids
from bench.budgets import propose_budgets
from bench.pagerduty_server import NO_TOOL, THEIRS
from bench.report import render
from bench.startup import package_self_times
from bench.stats import spread, tokens
from bench.surface import measure_surface
from pagerduty_mcp.catalog import model_bytes, server_tools

pytestmark = [pytest.mark.unit]

IDS = Ids(incident="PINC001", team="PTEAM01", service="PSVC001", orchestration="PORCH01")


def test_spread_gives_median_and_range() -> None:
    assert spread([3.0, 1.0, 2.0, 10.0]) == {"median": 2.5, "min": 1.0, "max": 10.0, "runs": 4}
    with pytest.raises(ValueError):
        spread([])


@pytest.mark.parametrize(("size", "expected"), [(0, 0), (1, 1), (4, 1), (5, 2), (4001, 1001)])
def test_tokens_are_bytes_over_four_rounded_up(size: int, expected: int) -> None:
    assert tokens(size) == expected == math.ceil(size / 4)


def test_the_id_goes_to_the_one_required_parameter_whatever_its_name() -> None:
    answer = Answer("router", "get_router", lambda ids: ids.orchestration, {"detail": True, "unknown": 1})
    schema = {
        "properties": {"event_orchestration_id": {"type": "string"}, "detail": {}},
        "required": ["event_orchestration_id"],
    }
    assert answer.arguments(IDS, schema) == {"event_orchestration_id": "PORCH01", "detail": True}


def test_an_id_cannot_be_placed_when_the_tool_needs_more() -> None:
    answer = Answer("x", "get_x", lambda ids: ids.service)
    with pytest.raises(LookupError, match="service_id"):
        answer.arguments(IDS, {"properties": {"a": {}, "service_id": {}}, "required": ["a", "service_id"]})


def test_importtime_log_is_summed_per_package() -> None:
    log = (
        "import time: self [us] | cumulative | imported package\n"
        "import time:       500 |        500 |     mcp_types._types\n"
        "import time:       250 |        750 |   mcp_types\n"
        "import time:      1000 |       1750 | pagerduty_mcp.server\n"
    )
    assert package_self_times(log) == {"total_ms": 1.8, "packages_ms": {"pagerduty_mcp": 1.0, "mcp_types": 0.8}}


@pytest.mark.anyio
async def test_surface_sizes_are_the_catalogue_sizes() -> None:
    surface = await measure_surface("incidents")
    tools = await server_tools("incidents", write=True)
    assert surface["with_writes"]["tools"] == len(tools) >= surface["read_only"]["tools"] > 0
    assert surface["with_writes"]["model_bytes"] == sum(model_bytes(t) for t in tools)
    assert surface["with_writes"]["model_tokens"] == tokens(surface["with_writes"]["model_bytes"])
    assert surface["with_writes"]["tools_list_bytes"] > surface["with_writes"]["model_bytes"]
    largest = [t["model_bytes"] for t in surface["with_writes"]["largest"]]
    assert largest == sorted(largest, reverse=True) and largest[0] == max(model_bytes(t) for t in tools)


@pytest.mark.anyio
async def test_answers_report_bytes_and_upstream_requests_or_say_they_were_skipped() -> None:
    results = await measure_answers(sandbox_ids())
    assert set(results) == {a.name for a in ANSWERS}
    names = {t["name"] for t in await server_tools("mcp", write=False)}
    for answer in ANSWERS:
        entry = results[answer.name]
        if answer.tool not in names:
            assert "does not exist" in entry["skipped"]
            continue
        assert "error" not in entry, entry
        assert entry["response_bytes"] > 100 and entry["items"] >= 0
        assert len(entry["requests"]) == entry["upstream_requests"] >= 1
        assert 0 <= entry["upstream_requests_again"] <= entry["upstream_requests"]
    assert results["25 incidents"]["items"] == 25


def test_the_report_shows_skipped_and_failed_parts() -> None:
    surface = {
        "read_only": {"tools": 1, "model_bytes": 400, "model_tokens": 100, "tools_list_bytes": 500, "largest": []},
        "with_writes": {
            "tools": 2,
            "model_bytes": 900,
            "model_tokens": 225,
            "tools_list_bytes": 1100,
            "largest": [{"name": "get_x", "model_bytes": 500}],
        },
    }
    results: dict[str, Any] = {
        "method": {"tokens": "bytes / 4", "upstream": "logged"},
        "answers": {"one x": {"tool": "get_x", "skipped": "get_x does not exist yet"}},
        "servers": {
            "mcp": {
                "command": "pagerduty-mcp",
                "tool_names": ["get_x"],
                "surface": surface,
                "initialize": {"error": "RuntimeError: boom"},
                "latency": {},
            }
        },
    }
    text = render(results)
    assert "get_x does not exist yet" in text and "failed: RuntimeError: boom" in text
    assert "get_x 500" in text and "900" in text


def test_budgets_are_the_measured_sizes_plus_ten_percent_rounded_up() -> None:
    surface = {"model_bytes": 15_410, "tools_list_bytes": 17_927, "largest": [{"name": "a", "model_bytes": 1_890}]}
    budgets = propose_budgets({"incidents": {"surface": {"with_writes": surface}}, "broken": {"surface": {}}})
    assert budgets == {"incidents": {"model_bytes": 17_000, "tools_list_bytes": 19_800, "per_tool_bytes": 2_100}}


@pytest.mark.anyio
async def test_a_slow_pagerduty_shows_in_every_answer_that_asks_it() -> None:
    slow = await measure_slow_upstream(sandbox_ids(), latency_ms=30, calls=1)
    assert slow, "no answer was timed"
    for name, entry in slow.items():
        assert entry["upstream_latency_ms"] == 30
        if entry["requests"] >= 1:
            assert entry["median"] >= 30 * 0.9, (name, entry)  # at least one request, after the latency
    # Cached reference data costs a warm call no request, and no latency.
    assert slow["priorities"]["requests"] == 0
    assert slow["25 incidents"]["requests"] >= 1


def test_the_report_compares_the_answer_set_with_the_figures_recorded_before() -> None:
    results: dict[str, Any] = {
        "method": {"tokens": "bytes / 4", "upstream": "logged"},
        "servers": {},
        "answers": {
            "a": {"tool": "get_a", "response_bytes": 600, "upstream_requests": 1},
            "b": {"tool": "get_b", "response_bytes": 150, "upstream_requests": 2},
            "later": {"tool": "get_c", "response_bytes": 90, "upstream_requests": 1},
            "new": {"tool": "get_d", "response_bytes": 70, "upstream_requests": 1},
        },
        "answers_before": {
            "recorded_at": "on the base",
            "bytes": {"a": 800, "b": 200},
            "requests": {"a": 1, "b": 3},
            "later": {"recorded_at": "on a later base", "bytes": {"later": 100}, "requests": {"later": 2}},
        },
    }
    text = render(results)
    assert "on the base" in text and "on a later base" in text
    set_total, later_total = [line.split() for line in text.splitlines() if "all of them" in line]
    # Each recorded set has its own total, bytes and requests; the new answer is in neither.
    assert set_total == ["all", "of", "them", "750", "1,000", "-25.0%", "3", "4"]
    assert later_total == ["all", "of", "them", "90", "100", "-10.0%", "1", "2"]


@pytest.mark.anyio
async def test_no_answer_sends_more_requests_than_pagerdutys_own_server_needs_nor_drops_a_fact() -> None:
    results = await measure_answers(sandbox_ids())
    for question, theirs in THEIRS.items():
        entry = results[question]
        allowed = theirs.requests + len(theirs.lacks)
        assert entry["upstream_requests"] <= allowed, (question, entry["requests"], theirs.calls)
    for question, entry in results.items():
        assert entry["missing_facts"] == [], (question, entry["missing_facts"])
    assert set(NO_TOOL) <= set(results) and not set(NO_TOOL) & set(THEIRS)


@pytest.mark.subprocess
def test_tracing_cost_compares_start_up_without_and_with_an_otlp_endpoint() -> None:
    from bench.startup import tracing_cost

    cost = tracing_cost("incidents", 1)
    assert cost["unset"]["sdk_loaded"] is False  # without the variable, no OpenTelemetry SDK at all
    assert cost["set"]["sdk_loaded"] is True
    assert cost["unset"]["cpu"]["runs"] == cost["set"]["cpu"]["runs"] == 1
    method = {"tokens": "bytes / 4", "upstream": "logged"}
    lines = render({"method": method, "servers": {}, "startup": {"server": "pagerduty-incidents", "tracing": cost}})
    assert "OTEL endpoint unset" in lines and "no OpenTelemetry SDK loaded" in lines
