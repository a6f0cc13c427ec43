"""Events API v2 through send_event and send_change_event: incidents, grouping, secrets and regions."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any

import pytest
from mcp import Client

from pagerduty_mcp.common import ClientPool, Settings
from pagerduty_mcp.common.pagerduty.config import EU_API_HOST
from pagerduty_mcp.sandbox import Store
from pagerduty_mcp.sandbox.model.events import EventRejected
from pagerduty_mcp.sandbox.model.maintenance import active_maintenance
from tests.harness import fails, first, ok
from tests.servers.aiops.seeded import orchestration_key, service_id, service_key

pytestmark = [pytest.mark.aiops, pytest.mark.anyio, pytest.mark.server("aiops")]


@pytest.mark.server("mcp")
async def test_trigger_then_resolve_shows_in_incidents_and_the_log(client: Client) -> None:
    state = client.sandbox.state
    key = service_key(state, "Cart Service")
    cart = service_id(state, "Cart Service")
    sent = first(
        await ok(
            client,
            "send_event",
            {
                "routing_key": key,
                "action": "trigger",
                "summary": "Critical test event",
                "source": "test-runner",
                "severity": "critical",
                "component": "api",
                "group": "web",
                "event_class": "test",
                "custom_details": {"run": 7},
            },
        )
    )
    dedup = sent["dedup_key"]
    assert dedup and sent["status"] == "success"
    listed = await ok(client, "list_incidents", {"service_ids": [cart]})
    incident = next(i for i in listed["incidents"] if i["title"] == "Critical test event")
    alert = state.tables["alerts"][state.get("incidents", incident["id"])["_alerts"][0]]
    assert alert["body"]["cef_details"]["source_component"] == "api" and alert["body"]["details"] == {"run": 7}
    acked = first(await ok(client, "send_event", {"routing_key": key, "action": "acknowledge", "dedup_key": dedup}))
    assert acked["dedup_key"] == dedup
    await ok(client, "send_event", {"routing_key": key, "action": "resolve", "dedup_key": dedup})
    resolved = await ok(
        client, "list_incidents", {"service_ids": [cart], "statuses": ["resolved"], "date_range": "all"}
    )
    assert incident["id"] in {i["id"] for i in resolved["incidents"]}
    log = await ok(client, "list_log_entries", {"incident_id": incident["id"], "overview": False, "limit": 50})
    kinds = {entry.get("type", "") for entry in log["log_entries"]}
    assert {"trigger", "acknowledge", "resolve"} <= kinds, kinds
    assert key not in json.dumps(log) and key not in json.dumps(listed)


async def test_bad_input_and_bad_routing_keys(client: Client) -> None:
    key = service_key(client.sandbox.state, "Cart Service")
    error = await fails(
        client,
        "send_event",
        {"routing_key": "0" * 32, "action": "trigger", "summary": "s", "source": "x", "severity": "info"},
        "EVENTS_API_ERROR",
    )
    assert "Invalid routing key" in error["message"] and "0" * 32 not in error["message"]
    error = await fails(
        client,
        "send_event",
        {"routing_key": "short", "action": "trigger", "summary": "s", "source": "x", "severity": "info"},
        "EVENTS_API_ERROR",
    )
    assert "32 characters" in error["message"]
    error = await fails(
        client,
        "send_event",
        {"routing_key": key, "action": "trigger", "summary": "s", "source": "x"},
        "INVALID_PARAMETER",
    )
    assert "severity" in error["message"] and key not in json.dumps(error)
    error = await fails(client, "send_event", {"routing_key": key, "action": "resolve"}, "INVALID_PARAMETER")
    assert "dedup_key" in error["message"]
    error = await fails(client, "send_event", {"routing_key": key, "action": "snooze", "dedup_key": "k"})
    assert error["code"] == "INVALID_PARAMETER" and "resolve" in error["message"]
    await fails(
        client,
        "send_event",
        {"routing_key": "has space", "action": "resolve", "dedup_key": "k"},
        "INVALID_PARAMETER",
    )
    error = await fails(
        client, "send_change_event", {"routing_key": key, "summary": "x", "links": ["ftp://x"]}, "INVALID_PARAMETER"
    )
    assert "links[0]" in error["message"]
    await fails(
        client,
        "send_change_event",
        {"routing_key": key, "summary": "x", "timestamp": "last tuesday"},
        "INVALID_PARAMETER",
    )
    error = await fails(client, "send_change_event", {"routing_key": "f" * 32, "summary": "Deploy"}, "EVENTS_API_ERROR")
    assert "f" * 32 not in error["message"]


async def test_alert_grouping_puts_matching_alerts_into_one_incident(client: Client) -> None:
    state = client.sandbox.state
    key = service_key(state, "Checkout API")  # content-based grouping on summary and component
    event = {
        "routing_key": key,
        "action": "trigger",
        "summary": "p99 high",
        "source": "web-1",
        "severity": "error",
        "component": "lb",
    }
    await ok(client, "send_event", event)
    first_incident = state.incidents()[-1]
    second = first(await ok(client, "send_event", {**event, "source": "web-2"}))
    assert state.incidents()[-1]["id"] == first_incident["id"]
    assert first_incident["alert_counts"]["all"] == 2
    await ok(client, "send_event", {**event, "component": "db"})  # another component: a new incident
    assert state.incidents()[-1]["id"] != first_incident["id"]
    await ok(client, "send_event", {"routing_key": key, "action": "resolve", "dedup_key": second["dedup_key"]})
    assert first_incident["status"] == "triggered"  # one of two grouped alerts resolved
    assert first_incident["alert_counts"] == {"all": 2, "triggered": 1, "resolved": 1}
    opener = state.tables["alerts"][first_incident["_alerts"][0]]["alert_key"]
    await ok(client, "send_event", {"routing_key": key, "action": "resolve", "dedup_key": opener})
    assert first_incident["status"] == "resolved"


async def test_time_based_grouping_and_maintenance_windows(client: Client) -> None:
    state = client.sandbox.state
    cart = service_id(state, "Cart Service")
    await ok(client, "create_alert_grouping_setting", {"type": "time", "service_ids": [cart], "time_window": 600})
    key = service_key(state, "Cart Service")
    for summary in ("first", "second"):
        await ok(
            client,
            "send_event",
            {"routing_key": key, "action": "trigger", "summary": summary, "source": "a", "severity": "warning"},
        )
    assert state.incidents()[-1]["title"] == "first" and state.incidents()[-1]["alert_counts"]["all"] == 2
    search = service_id(state, "Catalogue Search")  # seeded in a maintenance window now
    assert active_maintenance(state, search, state.clock())
    before = len(state.incidents())
    sent = first(
        await ok(
            client,
            "send_event",
            {
                "routing_key": service_key(state, "Catalogue Search"),
                "action": "trigger",
                "summary": "x",
                "source": "a",
                "severity": "critical",
            },
        )
    )
    assert sent["dedup_key"] and len(state.incidents()) == before


async def test_change_event_is_recorded_on_the_service(client: Client) -> None:
    state = client.sandbox.state
    key = service_key(state, "Payments Gateway")
    when = (state.clock() - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    sent = first(
        await ok(
            client,
            "send_change_event",
            {
                "routing_key": key,
                "summary": "Deploy payments v4.2.0",
                "source": "github-actions",
                "timestamp": when,
                "links": ["https://git.example/pr/42"],
                "custom_details": {"sha": "abc123"},
            },
        )
    )
    assert sent["status"] == "success" and key not in json.dumps(sent)
    recent = await ok(
        client, "list_change_events", {"since": "1h", "service_id": service_id(state, "Payments Gateway")}
    )
    change = next(c for c in recent["change_events"] if c["summary"] == "Deploy payments v4.2.0")
    assert change["timestamp"] == when and change["links"] == [{"href": "https://git.example/pr/42"}]
    full = first(await ok(client, "get_change_event", {"change_event_id": change["id"]}))
    assert full["custom_details"] == {"sha": "abc123"} and "routing_key" not in json.dumps(full)


def test_the_events_host_follows_the_region() -> None:
    assert ClientPool(Settings(api_host=EU_API_HOST)).events("k" * 32).url == "https://events.eu.pagerduty.com"
    assert ClientPool(Settings()).events("k" * 32).url == "https://events.pagerduty.com"


async def test_a_routing_key_echoed_by_the_api_is_redacted(client: Client, caplog: pytest.LogCaptureFixture) -> None:
    state = client.sandbox.state
    secret = service_key(state, "Cart Service")

    def echo_the_key(state: Store, incident: dict[str, Any]) -> None:
        # The sandbox answers this event with a rejection that repeats the routing key it was sent.
        raise EventRejected("Event object is invalid", [f"Bad key {secret}"])

    state.on("incident_created", echo_the_key)
    caplog.set_level(logging.DEBUG)
    event = {"routing_key": secret, "action": "trigger", "summary": "echo", "source": "x", "severity": "info"}
    error = await fails(client, "send_event", event, "EVENTS_API_ERROR")
    assert "Bad key [REDACTED]" in error["message"] and secret not in json.dumps(error)
    assert secret not in caplog.text
    assert [(r.method, r.path, r.status) for r in client.sandbox.request_log][-1] == ("POST", "/v2/enqueue", 400)


async def test_change_events_sent_to_an_orchestration_follow_its_router(client: Client) -> None:
    state = client.sandbox.state
    _, key = orchestration_key(state)
    before = len(state.all("change_events"))
    await ok(
        client, "send_change_event", {"routing_key": key, "summary": "Deploy payments v9", "source": "payments-ci"}
    )
    change = state.all("change_events")[-1]
    assert len(state.all("change_events")) == before + 1
    assert change["services"][0]["id"] == service_id(state, "Payments Gateway")  # the seeded 'payments' rule
    sent = first(await ok(client, "send_change_event", {"routing_key": key, "summary": "Unrelated", "source": "x"}))
    assert sent["status"] == "success" and len(state.all("change_events")) == before + 1  # unrouted: not stored


async def test_intelligent_grouping_groups_by_summary_within_the_window(client: Client) -> None:
    state = client.sandbox.state
    fraud = service_id(state, "Fraud Detection")
    await ok(
        client, "create_alert_grouping_setting", {"type": "intelligent", "service_ids": [fraud], "time_window": 300}
    )
    key = service_key(state, "Fraud Detection")
    event = {"routing_key": key, "action": "trigger", "summary": "Scoring lag", "source": "a", "severity": "error"}
    await ok(client, "send_event", event)
    grouped = state.incidents()[-1]
    await ok(client, "send_event", {**event, "source": "b"})
    await ok(client, "send_event", {**event, "summary": "Queue backlog"})
    assert grouped["alert_counts"]["all"] == 2
    assert state.incidents()[-1]["title"] == "Queue backlog"
