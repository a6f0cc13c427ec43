"""The sandbox's automation action endpoints, driven by the real pagerduty client and checked against the spec."""

from __future__ import annotations

import pagerduty
import pytest

from pagerduty_mcp.sandbox import Sandbox
from tests.contract.recorder import Exchange

pytestmark = [pytest.mark.contract, pytest.mark.sandbox]


def test_action_filters(contract_client: pagerduty.RestApiV2Client, recorded_exchanges: list[Exchange]) -> None:
    def names(**params: str) -> list[str]:
        return [a["name"] for a in contract_client.rget("/automation_actions/actions", params=params)]

    everything = names()
    assert len(everything) == 3 and everything == sorted(everything)
    assert names(classification="diagnostic") == ["Collect Postgres diagnostics"]
    assert names(action_type="process_automation", name="CDN") == ["Clear CDN cache"]
    assert names(runner_id="any") == everything
    one = contract_client.rget("/automation_actions/actions", params={"limit": 1})
    assert len(one) == 1


def test_an_invocation_moves_one_step_per_read(
    contract_client: pagerduty.RestApiV2Client, contract_sandbox: Sandbox, recorded_exchanges: list[Exchange]
) -> None:
    state = contract_sandbox.state
    action = next(a for a in state.all("automation_actions") if a["name"] == "Clear CDN cache")
    ran_on = {i["metadata"]["incident"]["id"] for i in state.all("automation_invocations")}
    incident = next(i for i in reversed(state.incidents()) if i["id"] not in ran_on)
    created = contract_client.rpost(
        f"/automation_actions/actions/{action['id']}/invocations",
        json={"invocation": {"metadata": {"incident_id": incident["id"]}}},
    )
    assert created["state"] == "queued" and created["metadata"]["incident"]["id"] == incident["id"]
    seen = [contract_client.rget(f"/automation_actions/invocations/{created['id']}")["state"] for _ in range(3)]
    assert seen == ["running", "completed", "completed"]
    done = contract_client.rget("/automation_actions/invocations", params={"incident_id": incident["id"]})
    assert [i["id"] for i in done] == [created["id"]]
    assert [t["state"] for t in done[0]["timing"]] == ["queued", "running", "completed"]
    assert done[0]["duration"] >= 2
    others = contract_client.rget(
        "/automation_actions/invocations", params={"action_id": action["id"], "not_invocation_state": "completed"}
    )
    assert others == []
    assert contract_client.get("/automation_actions/invocations/01NOSUCH").status_code == 404
