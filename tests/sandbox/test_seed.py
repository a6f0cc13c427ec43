"""The seed account: deterministic, relative to now, sized by the knob."""

from __future__ import annotations

import re
from copy import deepcopy
from datetime import timedelta

import pytest

from pagerduty_mcp.sandbox import Sandbox
from pagerduty_mcp.sandbox.model.store import public
from pagerduty_mcp.sandbox.seed.data import ESCALATION_POLICIES, SERVICES, TEAMS
from tests.sandbox.conftest import FIXED_NOW

pytestmark = [pytest.mark.unit, pytest.mark.sandbox]


def _snapshot(sandbox: Sandbox) -> dict[str, list[dict[str, object]]]:
    state = sandbox.state
    return {kind: [public(o) for o in table.values()] for kind, table in state.tables.items()}


def test_same_seed_and_now_give_the_same_account() -> None:
    assert _snapshot(Sandbox(seed=3, now=FIXED_NOW)) == _snapshot(Sandbox(seed=3, now=FIXED_NOW))


def test_another_seed_gives_other_ids() -> None:
    first = {u["id"] for u in Sandbox(seed=1, now=FIXED_NOW).state.all("users")}
    second = {u["id"] for u in Sandbox(seed=2, now=FIXED_NOW).state.all("users")}
    assert first.isdisjoint(second)


@pytest.mark.parametrize("kind", ["users", "teams", "services", "schedules", "escalation_policies", "incidents"])
def test_ids_look_like_pagerduty_ids(sandbox: Sandbox, kind: str) -> None:
    for obj in sandbox.state.all(kind):
        assert re.fullmatch(r"P[A-Z0-9]{6}", obj["id"]), obj["id"]


def _scribble(value: object, seen: set[int]) -> None:
    """Empty every dict and list reachable from ``value``, innermost first."""
    if not isinstance(value, (dict, list)) or id(value) in seen:
        return
    seen.add(id(value))
    for child in list(value.values() if isinstance(value, dict) else value):
        _scribble(child, seen)
    value.clear()


def test_accounts_share_no_mutable_data() -> None:
    # The seed data is module-level; an account that changes its objects must not change the next.
    # Private keys count too: a value shared through them (a seeded incident's custom fields) leaks
    # between accounts, and between the tests that share this process.
    expected = deepcopy(Sandbox(seed=3, now=FIXED_NOW).state.tables)
    first = Sandbox(seed=3, now=FIXED_NOW).state
    _scribble([first.tables, first.service_orchestrations, first.memberships, first.dependencies], set())
    assert Sandbox(seed=3, now=FIXED_NOW).state.tables == expected


def test_account_sizes(sandbox: Sandbox) -> None:
    state = sandbox.state
    assert len(state.all("users")) == 15
    assert len(state.all("teams")) == 5
    assert 8 <= len(state.all("services")) <= 10
    assert 2 <= len(state.all("business_services")) <= 3
    layered = [s for s in state.all("schedules") if s.get("_kind") != "shifts"]
    assert 3 <= len(layered) <= 4
    assert [s["name"] for s in state.all("schedules") if s.get("_kind") == "shifts"] == ["Personalization Shifts"]
    assert [p["name"] for p in state.all("priorities")] == ["P1", "P2", "P3", "P4", "P5"]
    assert len(state.all("incidents")) == 60


def test_incidents_span_the_last_30_days_in_every_status(sandbox: Sandbox) -> None:
    incidents = sandbox.state.all("incidents")
    assert {i["status"] for i in incidents} == {"triggered", "acknowledged", "resolved"}
    assert all(FIXED_NOW - timedelta(days=30) <= i["_created"] < FIXED_NOW for i in incidents)
    resolved = [i for i in incidents if i["status"] == "resolved"]
    assert all(i["_resolved"] is not None and i["_resolved"] > i["_created"] for i in resolved)
    assert any(i["_notes"] for i in incidents)
    assert any(i["incidents_responders"] for i in incidents)
    assert any(i["conference_bridge"] for i in incidents)
    assert any(i["priority"] for i in incidents)


def test_maintenance_windows_past_ongoing_and_future(sandbox: Sandbox) -> None:
    windows = sandbox.state.all("maintenance_windows")
    assert any(w["_end"] < FIXED_NOW for w in windows)
    assert any(w["_start"] <= FIXED_NOW < w["_end"] for w in windows)
    assert any(w["_start"] > FIXED_NOW for w in windows)


@pytest.mark.parametrize("name", list(SERVICES))
def test_every_technical_service_has_an_events_api_v2_key(sandbox: Sandbox, name: str) -> None:
    state = sandbox.state
    service = next(s for s in state.all("services") if s["name"] == name)
    integrations = [state.get("integrations", i["id"]) for i in service["integrations"]]
    assert any(i["type"] == "events_api_v2_inbound_integration" and i["integration_key"] for i in integrations)
    emails = [i for i in integrations if i["type"] == "generic_email_inbound_integration"]
    assert len(emails) == int(SERVICES[name].email_integration)


@pytest.mark.parametrize("name", list(TEAMS))
def test_team_members_are_the_named_users_in_their_roles(sandbox: Sandbox, name: str) -> None:
    state = sandbox.state
    team = next(t for t in state.all("teams") if t["name"] == name)
    members = {state.get("users", uid)["name"]: role for uid, role in state.memberships[team["id"]].items()}
    assert members == TEAMS[name].members


@pytest.mark.parametrize("name", list(ESCALATION_POLICIES))
def test_escalation_rules_target_the_named_schedules_and_users(sandbox: Sandbox, name: str) -> None:
    policy = next(p for p in sandbox.state.all("escalation_policies") if p["name"] == name)
    rules = [
        (rule["escalation_delay_in_minutes"], tuple((t["type"], t["summary"]) for t in rule["targets"]))
        for rule in policy["escalation_rules"]
    ]
    expected = [
        (delay, tuple((f"{kind[:-1]}_reference", target) for kind, target in targets))
        for delay, targets in ESCALATION_POLICIES[name].rules
    ]
    assert rules == expected


@pytest.mark.slow
def test_size_knob_reaches_thousands_of_incidents() -> None:
    big = Sandbox(seed=7, size=100, now=FIXED_NOW)
    assert len(big.state.all("incidents")) == 6000
