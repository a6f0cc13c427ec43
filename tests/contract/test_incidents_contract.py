"""Every pagerduty-incidents tool against the sandbox, each exchange checked against PagerDuty's spec.

The ``recorded_exchanges`` fixture validates every request our tools send and every answer the
sandbox gives, so the bodies of the writes (bulk updates, responder requests, merges, alerts,
analytics queries) are held to the spec, not only to the sandbox.

Two known differences between the published spec and PagerDuty itself, where we follow PagerDuty:
``create_incident`` sends ``body.details`` as text (PagerDuty's documented example; the spec's
``IncidentBody`` says object), so ``details`` is left out below; ``get_incident`` asks for
``include[]=body``, which PagerDuty serves but the spec's enum omits; and acknowledgements are
``acknowledge_log_entry`` (``KNOWN_DEVIATIONS`` lists what is tolerated, line by line).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from pagerduty_mcp.sandbox import Sandbox
from pagerduty_mcp.sandbox.core import SandboxTransport
from tests.contract.openapi import Spec
from tests.contract.recorder import Exchange, RecordingTransport, check_exchanges
from tests.harness import first, memory_session, ok
from tests.servers.incidents.helpers import open_incident, state_of

pytestmark = [pytest.mark.contract, pytest.mark.incidents, pytest.mark.anyio]

# Where PagerDuty and its published spec disagree, the sandbox and the tools follow PagerDuty.
KNOWN_DEVIATIONS = (
    "include[]='body'",  # GET /incidents/{id}?include[]=body works; the spec's enum omits it
    "incident/body: {'type': 'incident_body', 'details': '",  # ...and its details are text
    "'type': 'acknowledge_log_entry'",  # the spec's AcknowledgeLogEntry says acknowledgement_log_entry
)


@pytest.fixture
def recorded_exchanges(rest_spec: Spec, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Exchange]]:
    """The shared fixture, less the known deviations above (each problem line is checked)."""
    exchanges: list[Exchange] = []
    original = Sandbox.transport

    def recording_transport(self: Sandbox) -> RecordingTransport:
        inner: SandboxTransport = original(self)
        return RecordingTransport(inner, exchanges)

    monkeypatch.setattr(Sandbox, "transport", recording_transport)
    yield exchanges
    problems = [p for p in check_exchanges(exchanges) if not any(known in p for known in KNOWN_DEVIATIONS)]
    if problems:
        pytest.fail(f"{len(problems)} contract problem(s):\n" + "\n".join(problems), pytrace=False)


async def test_incidents_reads_follow_the_spec(recorded_exchanges: list[Exchange]) -> None:
    async with memory_session("incidents", write=False) as client:
        state = state_of(client)
        record = open_incident(client, "acknowledged")
        ident = record["id"]
        priority = state.all("priorities")[0]["id"]
        await ok(client, "list_incidents", {"urgencies": ["high"], "limit": 3})
        since = (state.clock() - timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%SZ")
        await ok(client, "list_incidents", {"statuses": ["resolved"], "since": since, "limit": 2})
        await ok(client, "list_incidents", {"scope": "my_teams", "sort_by": "urgency:desc", "limit": 2})
        await ok(client, "list_incidents", {"scope": "assigned_to_me", "priority_ids": [priority], "limit": 2})
        await ok(client, "get_incident", {"incident_id": str(record["incident_number"])})
        await ok(client, "list_incident_notes", {"incident_id": ident})
        alerts = await ok(client, "list_alerts_from_incident", {"incident_id": ident, "statuses": ["triggered"]})
        await ok(client, "get_alert_from_incident", {"incident_id": ident, "alert_id": record["_alerts"][0]})
        del alerts
        timeline = await ok(client, "list_log_entries", {"incident_id": ident, "overview": False})
        await ok(client, "list_log_entries", {"team_ids": [state.all("teams")[0]["id"]], "limit": 3})
        await ok(client, "get_log_entry", {"log_entry_id": timeline["log_entries"][0]["id"]})
        await ok(client, "get_outlier_incident", {"incident_id": ident})
        await ok(client, "get_past_incidents", {"incident_id": ident})
        await ok(client, "get_related_incidents", {"incident_id": ident})
        await ok(client, "list_incident_change_events", {"incident_id": ident})
        await ok(client, "list_priorities", {})
        workflow = first(await ok(client, "list_incident_workflows", {"query": "kick"}))
        await ok(client, "get_incident_workflow", {"workflow_id": workflow["id"]})
        for group_by in ("all", "service", "team"):
            await ok(client, "get_incident_metrics", {"group_by": group_by, "urgency": "high", "period": "week"})
        await client.get_prompt("triage_incident", {"incident_id": ident})
    assert len(recorded_exchanges) > 25


async def test_incidents_writes_follow_the_spec(recorded_exchanges: list[Exchange]) -> None:
    async with memory_session("incidents") as client:
        state = state_of(client)
        record = open_incident(client)
        service = record["_service_id"]
        user = state.all("users")[5]["id"]
        policy = state.all("escalation_policies")[0]["id"]
        priority = state.all("priorities")[1]["id"]
        created = first(
            await ok(
                client,
                "create_incident",
                {
                    "title": "Contract incident",
                    "service_id": service,
                    "urgency": "low",
                    "priority_id": priority,
                    "assignee_ids": [user],
                    "incident_key": "contract-1",
                    "conference_url": "https://meet.example/x",
                    "conference_number": "+1 555-0100",
                },
            )
        )
        other = first(
            await ok(
                client, "create_incident", {"title": "Second", "service_id": service, "escalation_policy_id": policy}
            )
        )
        await ok(
            client,
            "manage_incidents",
            {
                "incident_ids": [created["id"], str(other["number"])],
                "status": "acknowledged",
                "urgency": "high",
                "priority_id": priority,
                "title": "Renamed",
            },
        )
        await ok(client, "manage_incidents", {"incident_ids": [created["id"]], "assignee_ids": [user]})
        await ok(client, "manage_incidents", {"incident_ids": [created["id"]], "escalation_policy_id": policy})
        await ok(client, "manage_incidents", {"incident_ids": [created["id"]], "escalation_level": 2})
        await ok(client, "add_responders", {"incident_id": created["id"], "message": "help", "user_ids": [user]})
        await ok(
            client,
            "add_responders",
            {"incident_id": created["id"], "message": "help", "escalation_policy_ids": [policy]},
        )
        await ok(client, "add_note_to_incident", {"incident_id": created["id"], "note": "contract note"})
        await ok(client, "create_status_update", {"incident_id": created["id"], "message": "update", "subject": "s"})
        await ok(client, "manage_incidents", {"incident_ids": [created["id"]], "status": "acknowledged"})
        await ok(client, "snooze_incident", {"incident_id": created["id"], "minutes": 10})
        workflow = state.all("incident_workflows")[0]["id"]
        await ok(client, "start_incident_workflow", {"workflow_id": workflow, "incident_id": created["id"]})
        await ok(client, "merge_incidents", {"incident_id": record["id"], "source_incident_ids": [other["id"]]})
        alert = record["_alerts"][0]
        target = first(await ok(client, "create_incident", {"title": "Third", "service_id": service}))
        await ok(
            client,
            "manage_alerts",
            {"incident_id": record["id"], "alert_ids": [alert], "action": "move", "target_incident_id": target["id"]},
        )
        await ok(client, "manage_alerts", {"incident_id": target["id"], "alert_ids": [alert], "action": "resolve"})
        await ok(
            client,
            "manage_incidents",
            {"incident_ids": [created["id"]], "status": "resolved", "resolution_note": "done"},
        )
    assert len(recorded_exchanges) > 20
