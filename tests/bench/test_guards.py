"""The guards make bench checks, on synthetic figures: what passes, what fails, what was not measured."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bench.answers import missing_facts
from bench.guards import Guard, check, render_guards
from bench.pagerduty_server import THEIRS

pytestmark = [pytest.mark.unit]


def _concurrency(latencies: float, *, said: str = "streamable-http, https://127.0.0.1:1, request budget off") -> Any:
    seconds = {"median": latencies * 0.2, "min": latencies * 0.2, "max": latencies * 0.2, "runs": 3}
    row = {"seconds": seconds, "latencies": latencies, "server_started_with": said}
    return {"latency_ms": 200.0, "scenarios": {"1 caller x 50, cap 50": row, "10 callers x 5": dict(row)}}


def _server(command: str, initialize: float, floor: float) -> dict[str, Any]:
    return {
        "command": command,
        "initialize": {"median": initialize, "runs": 7},
        "sdk_floor": {"median": floor, "runs": 7},
        "floor_ratio": round(initialize / floor, 3),
    }


def _answers(ours: int = 1, size: int = 800) -> dict[str, Any]:
    return {
        name: {"response_bytes": size, "upstream_requests": min(ours, theirs.requests), "missing_facts": []}
        for name, theirs in THEIRS.items()
    }


def _named(guards: list[Guard], part: str) -> list[Guard]:
    return [g for g in guards if part in g.name]


def test_concurrency_is_read_in_latencies_and_only_with_the_budget_off() -> None:
    assert all(g.passed for g in _named(check({"concurrency": _concurrency(1.6)}), "concurrency"))
    slow = _named(check({"concurrency": _concurrency(2.5)}), "concurrency")
    assert [g.passed for g in slow] == [True, False]  # 3 latencies for one caller, 2 for ten
    assert "2.5 latencies" in slow[1].compared and "budget off" in slow[1].compared
    budget_on = _named(check({"concurrency": _concurrency(1.0, said="request budget 960/min per credential")}), "1 ca")
    assert budget_on[0].passed is False and "budget was not off" in budget_on[0].compared


def test_start_up_is_a_ratio_to_the_sdk_import_with_a_looser_limit_for_the_combined_server() -> None:
    servers = {
        "incidents": _server("pagerduty-incidents", 600, 540),  # 1.11x
        "people": _server("pagerduty-people", 650, 540),  # 1.20x
        "mcp": _server("pagerduty-mcp", 780, 540),  # 1.44x
    }
    guards = {g.name.split(":")[1].split()[0]: g for g in _named(check({"servers": servers}), "start-up")}
    assert guards["pagerduty-incidents"].passed is True
    assert guards["pagerduty-people"].passed is False and "1.20x (limit 1.15" in guards["pagerduty-people"].compared
    assert guards["pagerduty-mcp"].passed is True and "limit 1.5" in guards["pagerduty-mcp"].compared


def test_parts_not_measured_fail_nothing_but_failed_measurements_do() -> None:
    unmeasured = check({"servers": {"mcp": {"command": "pagerduty-mcp"}}})
    assert {g.passed for g in unmeasured if "start-up" in g.name or "concurrency" in g.name} == {None}
    broken = check({"concurrency": {"error": "RuntimeError: boom"}, "answers": {"error": "RuntimeError: boom"}})
    assert _named(broken, "1 caller")[0].passed is False
    assert _named(broken, "bytes")[0].passed is False


def test_the_answer_set_must_shrink_by_fifteen_percent_of_what_was_recorded_before() -> None:
    before = {"bytes": {name: 1000 for name in THEIRS}}
    at_limit = check({"answers": _answers(size=850), "answers_before": before})
    assert _named(at_limit, "bytes")[0].passed is True
    short = _named(check({"answers": _answers(size=851), "answers_before": before}), "bytes")[0]
    assert short.passed is False and "-14.9%" in short.compared


def test_requests_are_compared_with_pagerdutys_server_allowing_one_per_fact_it_cannot_give() -> None:
    answers = _answers()
    status = "a status page's choices"
    answers[status]["upstream_requests"] = THEIRS[status].requests + len(THEIRS[status].lacks)
    answers["one service"]["upstream_requests"] = THEIRS["one service"].requests + 1
    guards = {g.name: g for g in _named(check({"answers": answers}), "no more requests")}
    failed = [name for name, g in guards.items() if not g.passed]
    assert failed == ["answers: 'one service' needs no more requests than PagerDuty's server"]
    assert "cannot give" in next(g.compared for n, g in guards.items() if status in n)


def test_an_answer_missing_a_fact_its_question_needs_fails() -> None:
    answers = _answers()
    answers["priorities"].update(missing_facts=["priorities[].description"], facts_needed=3)
    guard = _named(check({"answers": answers}), "'priorities' still says")[0]
    assert guard.passed is False and "priorities[].description" in guard.compared


def test_facts_are_paths_into_the_answer_every_row_or_at_least_one() -> None:
    answer = {
        "metadata": {"has_more": False, "total": 0},
        "incidents": [{"title": "a", "priority": "P1", "assignees": [{"name": "x"}]}, {"title": "b", "assignees": []}],
    }
    needs = (
        "incidents[].title",
        "incidents[?].priority",
        "incidents[].priority",
        "incidents[?].assignees[].name",
        "incidents[].priority|title",
        "incidents[].priority|url",
        "metadata.has_more",
        "metadata.total",
        "metadata.url",
    )
    # has_more=False is a fact (no more); a total of 0 too; an absent key is not.
    assert missing_facts(answer, needs) == ["incidents[].priority", "incidents[].priority|url", "metadata.url"]


def test_make_bench_exits_non_zero_when_a_guard_fails(tmp_path: Path) -> None:
    from bench.__main__ import main

    results: dict[str, Any] = {
        "method": {"tokens": "bytes / 4", "upstream": "logged"},
        "servers": {},
        "answers": _answers(),
        "answers_before": {"bytes": {name: 2000 for name in THEIRS}},
        "concurrency": _concurrency(1.5),
    }
    recorded = tmp_path / "results.json"
    recorded.write_text(json.dumps(results))
    assert main(["--render", str(recorded)]) == 0
    results["concurrency"] = _concurrency(9)
    recorded.write_text(json.dumps(results))
    assert main(["--render", str(recorded)]) == 1


def test_each_guard_prints_what_it_compared() -> None:
    lines = render_guards([Guard("a", True, "1 vs 2"), Guard("b", False, "3 vs 2"), Guard("c", None, "not measured")])
    assert lines[2:] == [
        "  PASS  a: 1 vs 2",
        "  FAIL  b: 3 vs 2",
        "  ----  c: not measured",
        "  1 of 2 failed, 1 not measured",
    ]


def test_the_questions_added_later_are_measured_and_may_not_grow() -> None:
    later = {"recorded_at": "later", "bytes": {"priorities": 1000, "one service": 1000}}
    before = {"bytes": {name: 1000 for name in THEIRS}, "later": later}
    same = _named(check({"answers": _answers(size=1000), "answers_before": before}), "added later")[0]
    assert same.passed is True and "2,000 bytes now vs 2,000" in same.compared
    answers = _answers(size=900)
    answers["one service"]["response_bytes"] = 1001
    grown = _named(check({"answers": answers, "answers_before": before}), "added later")[0]
    assert grown.passed is False and "one service 1,001 > 1,000" in grown.compared
    del answers["priorities"]
    gone = _named(check({"answers": answers, "answers_before": before}), "added later")[0]
    assert gone.passed is False and "not answered: priorities" in gone.compared
