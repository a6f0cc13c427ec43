"""Automation actions in the sandbox: what it refuses, and runs that only an open incident allows."""

from __future__ import annotations

import pagerduty
import pytest

from pagerduty_mcp.sandbox import Sandbox

pytestmark = [pytest.mark.unit, pytest.mark.sandbox]


def _action(sandbox: Sandbox, name: str) -> str:
    return next(a["id"] for a in sandbox.state.all("automation_actions") if a["name"] == name)


def test_bad_filters_and_bodies_are_refused(sandbox: Sandbox, api: pagerduty.RestApiV2Client) -> None:
    before = len(sandbox.state.all("automation_invocations"))
    assert api.get("/automation_actions/actions", params={"action_type": "shell"}).status_code == 400
    assert api.get("/automation_actions/invocations", params={"invocation_state": "done"}).status_code == 400
    url = f"/automation_actions/actions/{_action(sandbox, 'Clear CDN cache')}/invocations"
    assert api.post(url, json={"invocation": {"metadata": {}}}).status_code == 400
    assert api.post(url, json={"invocation": {"metadata": {"incident_id": "Q0NOSUCH"}}}).status_code == 400
    assert api.post("/automation_actions/actions/01NOSUCH/invocations", json={}).status_code == 404
    assert len(sandbox.state.all("automation_invocations")) == before


def test_an_action_for_open_incidents_refuses_a_resolved_one(sandbox: Sandbox, api: pagerduty.RestApiV2Client) -> None:
    state = sandbox.state
    url = f"/automation_actions/actions/{_action(sandbox, 'Restart checkout pods')}/invocations"
    resolved = next(i for i in state.incidents() if i["status"] == "resolved")
    before = len(state.all("automation_invocations"))
    refused = api.post(url, json={"invocation": {"metadata": {"incident_id": resolved["id"]}}})
    assert refused.status_code == 400 and "unresolved" in refused.text
    opened = next(i for i in state.incidents() if i["status"] != "resolved")
    accepted = api.post(url, json={"invocation": {"metadata": {"incident_id": opened["id"]}}})
    assert accepted.status_code == 201 and accepted.json()["invocation"]["state"] == "queued"
    assert len(state.all("automation_invocations")) == before + 1


def test_seeded_runs_are_finished_and_the_seed_is_repeatable(sandbox: Sandbox) -> None:
    runs = sandbox.state.all("automation_invocations")
    assert runs and {r["state"] for r in runs} == {"completed"}
    assert all(len(r["id"]) == 26 for r in runs)
    again = Sandbox(seed=7, now=sandbox.state.seed_now)
    assert [a["id"] for a in again.state.all("automation_actions")] == [
        a["id"] for a in sandbox.state.all("automation_actions")
    ]
