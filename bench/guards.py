"""The guards ``make bench`` checks on its figures: ratios and counts, never absolute times.

Absolute times depend on the machine and on whoever else is using it; a ratio to something
measured alongside (one latency, the SDK's own start) does not, or much less. Each guard says
what it compared, so that a failure can be read without opening the results file. A guard whose
figures were not measured in this run (``--no-stdio``, ``--no-concurrency``) is reported as such
and fails nothing; one whose measurement failed, fails.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench.pagerduty_server import THEIRS

__all__ = [
    "AREA_START_RATIO",
    "BYTES_CUT",
    "CALLERS_LATENCIES",
    "CALLER_LATENCIES",
    "COMBINED_START_RATIO",
    "Guard",
    "check",
    "render_guards",
]

# 50 concurrent calls of one caller at --max-concurrent-per-credential 50, in latencies.
CALLER_LATENCIES = 3.0
# 5 calls of each of 10 callers at once, in latencies.
CALLERS_LATENCIES = 2.0
# initialize over stdio over the SDK's own import, fresh processes, medians.
AREA_START_RATIO = 1.15
COMBINED_START_RATIO = 1.5
# The answer set's bytes at most this share below the figures recorded before.
BYTES_CUT = 0.15


@dataclass(frozen=True)
class Guard:
    """One check: ``passed`` is None when its figures were not measured in this run."""

    name: str
    passed: bool | None
    compared: str


def _concurrency(results: dict[str, Any], scenario: str, limit: float) -> Guard:
    name = f"concurrency: {scenario} within {limit:g} latencies"
    concurrency = results.get("concurrency")
    if concurrency is None:
        return Guard(name, None, "not measured (--no-concurrency)")
    row = (concurrency.get("scenarios") or {}).get(scenario)
    if "error" in concurrency or not row:
        return Guard(name, False, f"no figure: {concurrency.get('error', 'scenario missing')}")
    said = row.get("server_started_with", "")
    if "request budget off" not in said:
        return Guard(name, False, f"the request budget was not off (server said: {said or 'nothing'})")
    latencies, median = row["latencies"], row["seconds"]["median"]
    latency = concurrency["latency_ms"]
    return Guard(
        name,
        latencies <= limit,
        f"median {median * 1000:.0f} ms / {latency:.0f} ms = {latencies} latencies (limit {limit:g}; budget off)",
    )


def _start(results: dict[str, Any], key: str, limit: float) -> Guard:
    server = results.get("servers", {}).get(key)
    command = server["command"] if server else key
    name = f"start-up: {command} initialize within {limit:g}x the SDK's import"
    if server is None:
        return Guard(name, None, "not measured (server not in --servers)")
    initialize, floor, ratio = server.get("initialize"), server.get("sdk_floor"), server.get("floor_ratio")
    if initialize is None:
        return Guard(name, None, "not measured (--no-stdio)")
    if ratio is None or "median" not in (initialize or {}) or "median" not in (floor or {}):
        return Guard(name, False, f"no figure: {(initialize or {}).get('error') or (floor or {}).get('error')}")
    medians = server.get("ratio_of_medians")
    of_medians = f"; medians {initialize['median']:.0f} / {floor['median']:.0f} ms = {medians:.2f}x" if medians else ""
    return Guard(
        name,
        ratio <= limit,
        f"median of {initialize['runs']} paired ratios {ratio:.2f}x (limit {limit:g}){of_medians}",
    )


def _measured_answers(results: dict[str, Any]) -> dict[str, dict[str, Any]] | None:
    answers = results.get("answers")
    if not isinstance(answers, dict) or "error" in answers:
        return None
    return {n: a for n, a in answers.items() if "response_bytes" in a}


def _bytes(results: dict[str, Any]) -> Guard:
    name = f"answers: the fixed set's bytes at least {BYTES_CUT:.0%} below the figures recorded before"
    answers = _measured_answers(results)
    before = (results.get("answers_before") or {}).get("bytes") or {}
    if answers is None:
        return Guard(name, False, f"no figure: {(results.get('answers') or {}).get('error', 'answers missing')}")
    both = [n for n in answers if n in before]
    if not both:
        return Guard(name, False, "no answer has a figure recorded before (bench/answers_before.json)")
    now, was = sum(answers[n]["response_bytes"] for n in both), sum(before[n] for n in both)
    limit = was * (1 - BYTES_CUT)
    return Guard(
        name,
        now <= limit,
        f"{now:,} bytes now vs {was:,} before ({(now - was) / was:+.1%}; limit {limit:,.0f}) on {len(both)} answers",
    )


def _later_bytes(results: dict[str, Any]) -> list[Guard]:
    """The questions added after the set was recorded: measured too, and none of them grown since."""
    later = (results.get("answers_before") or {}).get("later") or {}
    was = later.get("bytes") or {}
    answers = _measured_answers(results)
    if not was or answers is None:
        return []
    name = f"answers: the questions added later no larger than recorded ({later.get('recorded_at', '-')})"
    missing = [n for n in was if n not in answers]
    if missing:
        return [Guard(name, False, f"not answered: {', '.join(missing)}")]
    grown = [f"{n} {answers[n]['response_bytes']:,} > {was[n]:,}" for n in was if answers[n]["response_bytes"] > was[n]]
    now, before = sum(answers[n]["response_bytes"] for n in was), sum(was.values())
    said = f"{now:,} bytes now vs {before:,} ({(now - before) / before:+.1%}) on {len(was)} answers"
    return [Guard(name, not grown, said + (f"; grown: {'; '.join(grown)}" if grown else ""))]


def _requests(results: dict[str, Any]) -> list[Guard]:
    answers = _measured_answers(results)
    if answers is None:
        return [Guard("answers: requests", False, "no figure: answers missing")]
    guards = []
    for question, theirs in THEIRS.items():
        name = f"answers: {question!r} needs no more requests than PagerDuty's server"
        entry = answers.get(question)
        if entry is None:
            guards.append(Guard(name, False, "not answered (skipped or failed)"))
            continue
        ours, allowed = entry["upstream_requests"], theirs.requests + len(theirs.lacks)
        lacking = ""
        if theirs.lacks:
            lacking = f" + {len(theirs.lacks)} for what theirs cannot give ({'; '.join(theirs.lacks)})"
        guards.append(Guard(name, ours <= allowed, f"{ours} vs {theirs.requests}{lacking}"))
    return guards


def _facts(results: dict[str, Any]) -> list[Guard]:
    answers = _measured_answers(results)
    if answers is None:
        return []
    guards = []
    for question, entry in answers.items():
        missing = entry.get("missing_facts")
        if missing is None:
            continue
        name = f"answers: {question!r} still says what its question needs"
        needed = entry.get("facts_needed", 0)
        if entry.get("error"):
            guards.append(Guard(name, False, f"the answer is an error: {entry['error']}"))
        elif missing:
            guards.append(Guard(name, False, f"missing {', '.join(missing)} (of {needed} facts)"))
        else:
            guards.append(Guard(name, True, f"all {needed} facts present"))
    return guards


_CHECKS: tuple[Callable[[dict[str, Any]], list[Guard]], ...] = (
    lambda r: [_concurrency(r, "1 caller x 50, cap 50", CALLER_LATENCIES)],
    lambda r: [_concurrency(r, "10 callers x 5", CALLERS_LATENCIES)],
    lambda r: [_start(r, key, AREA_START_RATIO) for key in r.get("servers", {}) if key != "mcp"],
    lambda r: [_start(r, "mcp", COMBINED_START_RATIO)],
    lambda r: [_bytes(r)],
    _later_bytes,
    _requests,
    _facts,
)


def check(results: dict[str, Any]) -> list[Guard]:
    """Every guard on one run's results (as written to ``bench/results.json``)."""
    return [guard for each in _CHECKS for guard in each(results)]


def render_guards(guards: list[Guard]) -> list[str]:
    """One line per guard: PASS, FAIL or not measured, and what it compared."""
    lines = ["", "== guards (ratios and counts; make bench fails when one fails)"]
    for guard in guards:
        mark = {True: "PASS", False: "FAIL", None: "----"}[guard.passed]
        lines.append(f"  {mark}  {guard.name}: {guard.compared}")
    measured = [g for g in guards if g.passed is not None]
    failed = sum(1 for g in measured if not g.passed)
    unmeasured = f", {len(guards) - len(measured)} not measured" if len(measured) < len(guards) else ""
    verdict = f"{failed} of {len(measured)} failed" if failed else f"all {len(measured)} passed"
    lines.append(f"  {verdict}{unmeasured}")
    return lines
