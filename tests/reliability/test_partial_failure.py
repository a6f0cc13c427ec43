"""Bulk changes in which some items fail report exactly which succeeded and which did not, and
the account agrees: nothing reported as done was not done, nothing reported as failed was done
(unless the outcome is said to be unknown)."""

from __future__ import annotations

from typing import Any

import pytest

from pagerduty_mcp.sandbox import Faults, Sandbox
from pagerduty_mcp.sandbox.faults import FaultInjector
from tests.harness import call, fails, memory_session, ok
from tests.reliability.support import live_tools

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]

TOOLS = {t["name"] for t in live_tools("mcp", write=True)}


def needs(tool: str) -> None:
    if tool not in TOOLS:
        pytest.skip(f"{tool} has not landed yet")


def open_incidents(box: Sandbox) -> list[str]:
    return [i["id"] for i in box.state.tables["incidents"].values() if i["status"] != "resolved"]


def status_of(box: Sandbox, ident: str) -> str | None:
    found = box.state.find("incidents", ident)
    return None if found is None else str(found["status"])


async def test_manage_incidents_lists_what_succeeded_and_what_failed_and_the_account_agrees() -> None:
    needs("manage_incidents")
    box = Sandbox(seed=3)
    good = open_incidents(box)[:2]
    batch = [*good, "PNOPE00", "99999"]
    async with memory_session(sandbox=box) as client:
        error = await fails(client, "manage_incidents", {"incident_ids": batch, "status": "resolved"})
    assert error["code"] == "PARTIAL_FAILURE", error
    assert error["details"]["succeeded"] == good
    assert {f["id"] for f in error["details"]["failed"]} == {"PNOPE00", "99999"}
    assert all(f["code"] and f["reason"] for f in error["details"]["failed"])
    assert all(status_of(box, i) == "resolved" for i in good)
    for ident in good:
        assert ident in error["message"]


async def test_manage_incidents_that_all_fail_change_nothing_and_say_why() -> None:
    needs("manage_incidents")
    box = Sandbox(seed=3)
    async with memory_session(sandbox=box) as client:
        error = await fails(client, "manage_incidents", {"incident_ids": ["PNOPE00", "PNOPE01"], "status": "resolved"})
    assert error["code"] in ("INCIDENT_NOT_FOUND", "PARTIAL_FAILURE")
    assert error.get("details", {}).get("succeeded", []) == []


async def storm(rounds: int = 7) -> tuple[Sandbox, list[tuple[dict[str, str | None], dict[str, Any]]]]:
    """manage_incidents on batches of mixed incidents plus an unknown id (so that items fail one
    by one), while PagerDuty answers 5xx at random; returns each batch's prior state and error."""
    box = Sandbox(seed=4)
    candidates = list(box.state.tables["incidents"])[-4 * rounds :]
    outcomes = []
    async with memory_session(sandbox=box, sleep=lambda _seconds: None) as client:  # retries, not slept
        client.server.pool.get().current_user()  # type: ignore[union-attr]  # warm the From header's user
        box.faults = Faults(error_rate=0.35)
        box.injector = FaultInjector(box.faults, 41)
        for round_ in range(rounds):
            batch = candidates[round_ * 4 : round_ * 4 + 4]
            before = {i: status_of(box, i) for i in batch}
            arguments = {"incident_ids": [*batch, "PNOPE00"], "status": "acknowledged"}
            is_error, envelope = await call(client, "manage_incidents", arguments)
            assert is_error  # PNOPE00 cannot succeed
            outcomes.append((before, envelope["error"]))
    return box, outcomes


async def test_manage_incidents_under_a_5xx_storm_never_reports_undone_work_as_done() -> None:
    """With PagerDuty failing at random, each id is either done (and the account shows it),
    failed with nothing changed, or reported as an unknown outcome: never misreported."""
    needs("manage_incidents")
    box, outcomes = await storm()
    partial = 0
    for before, error in outcomes:
        details: dict[str, Any] = error.get("details") or {}
        partial += error["code"] == "PARTIAL_FAILURE"
        for ident in details.get("succeeded", []):
            assert status_of(box, ident) == "acknowledged", f"{ident} reported done but is {status_of(box, ident)}"
        for failed in details.get("failed", []):
            if failed["code"] == "WRITE_OUTCOME_UNKNOWN":
                assert "check" in failed["reason"].lower(), failed
            elif failed["id"] in before:
                assert status_of(box, failed["id"]) == before[failed["id"]], f"{failed} but it changed"
        if not details:
            # The whole batch failed at once: an unknown outcome says so; anything else changed nothing.
            assert error["code"] in ("WRITE_OUTCOME_UNKNOWN", "UPSTREAM_ERROR", "INCIDENT_NOT_FOUND"), error
            if error["code"] != "WRITE_OUTCOME_UNKNOWN":
                assert all(status_of(box, i) == before[i] for i in before)
    assert partial >= 2, "the storm produced too few partial failures to check"


async def test_manage_incidents_never_says_nothing_changed_on_an_unknown_outcome() -> None:
    needs("manage_incidents")
    _, outcomes = await storm()
    unknown_seen = 0
    for _, error in outcomes:
        failed = (error.get("details") or {}).get("failed", [])
        if any(f["code"] == "WRITE_OUTCOME_UNKNOWN" for f in failed):
            unknown_seen += 1
            assert "nothing changed on them" not in error["message"], error["message"]
            for item in failed:
                if item["code"] == "WRITE_OUTCOME_UNKNOWN":
                    assert item["id"] in error["message"] and "unknown" in error["message"], error["message"]
    assert unknown_seen


async def test_several_overrides_report_each_created_and_each_failed() -> None:
    needs("create_schedule_override")
    box = Sandbox(seed=3)
    schedule = next(iter(box.state.tables["schedules"]))
    users = list(box.state.tables["users"])
    before = len(box.state.tables["overrides"])
    overrides = [
        {"user_id": users[0], "start": "2030-01-01T00:00:00Z", "end": "2030-01-01T08:00:00Z"},
        {"user_id": "PNOUSER", "start": "2030-01-02T00:00:00Z", "end": "2030-01-02T08:00:00Z"},
        {"user_id": users[1], "start": "2030-01-03T00:00:00Z", "end": "2030-01-03T08:00:00Z"},
    ]
    async with memory_session(sandbox=box) as client:
        error = await fails(client, "create_schedule_override", {"schedule_id": schedule, "overrides": overrides})
    assert error["code"] == "PARTIAL_FAILURE", error
    created, failed = error["details"]["created"], error["details"]["failed"]
    assert [c["index"] for c in created] == [0, 2]
    assert [f["index"] for f in failed] == [1] and failed[0]["user_id"] == "PNOUSER" and failed[0]["error"]
    # Exactly the two reported as created exist, with the ids reported.
    assert len(box.state.tables["overrides"]) == before + 2
    assert all(box.state.find("overrides", c["id"]) is not None for c in created)


async def test_an_invalid_override_in_a_batch_refuses_the_whole_batch_before_sending() -> None:
    needs("create_schedule_override")
    box = Sandbox(seed=3)
    schedule = next(iter(box.state.tables["schedules"]))
    user = next(iter(box.state.tables["users"]))
    before = len(box.state.tables["overrides"])
    overrides = [
        {"user_id": user, "start": "2030-01-01T00:00:00Z", "end": "2030-01-01T08:00:00Z"},
        {"user_id": user, "start": "2030-01-02T08:00:00Z", "end": "2030-01-02T00:00:00Z"},  # ends before it starts
    ]
    async with memory_session(sandbox=box) as client:
        start = len(box.request_log)
        error = await fails(client, "create_schedule_override", {"schedule_id": schedule, "overrides": overrides})
        sent = list(box.request_log)[start:]
    assert error["code"] == "INVALID_PARAMETER" and "overrides[1]" in error["message"]
    assert not [r for r in sent if r.method == "POST"]
    assert len(box.state.tables["overrides"]) == before


async def test_a_maintenance_window_for_several_services_is_all_or_nothing() -> None:
    needs("create_maintenance_window")
    box = Sandbox(seed=3)
    services = list(box.state.tables["services"])[:3]
    before = len(box.state.tables["maintenance_windows"])
    async with memory_session(sandbox=box) as client:
        error = await fails(
            client,
            "create_maintenance_window",
            {"service_ids": [*services[:2], "PNOSVC0"], "duration_minutes": 30},
        )
        assert "PNOSVC0" in error["message"], error
        assert len(box.state.tables["maintenance_windows"]) == before  # nothing half-applied
        envelope = await ok(client, "create_maintenance_window", {"service_ids": services, "duration_minutes": 30})
    window = envelope["maintenance_windows"][0]
    assert sorted(s["id"] for s in window["services"]) == sorted(services)
    assert len(box.state.tables["maintenance_windows"]) == before + 1
