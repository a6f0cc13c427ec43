"""The write tools of pagerduty-incidents: each write, then the read that shows it, and bad input."""

from __future__ import annotations

import pytest
from mcp import Client

from pagerduty_mcp.sandbox import Sandbox
from pagerduty_mcp.sandbox.faults import Faults
from pagerduty_mcp.sandbox.model.alerts import add_alert
from pagerduty_mcp.sandbox.model.incidents import create_incident
from tests.harness import fails, first, ok
from tests.servers.incidents.helpers import account_session, incident_of, open_incident, state_of

pytestmark = [pytest.mark.incidents, pytest.mark.anyio, pytest.mark.server("incidents")]


def _requests(client, method: str, path: str) -> int:  # type: ignore[no-untyped-def]
    return sum(1 for r in client.sandbox.request_log if r.method == method and r.path == path)


def _service(client) -> dict:  # type: ignore[no-untyped-def]
    return state_of(client).all("services")[0]


# -- create_incident --------------------------------------------------------------------------------
async def test_create_incident_pages_the_service_and_shows_up_in_reads(client: Client) -> None:
    state = state_of(client)
    service = _service(client)
    priority = state.all("priorities")[0]
    args = {
        "title": "Checkout\u200b returns 500",
        "service_id": service["id"],
        "urgency": "high",
        "priority_id": priority["id"],
        "details": "Errors since 10:02",
        "conference_url": "https://meet.example/war-room",
    }
    created = first(await ok(client, "create_incident", args))
    assert created["title"] == "Checkout returns 500" and created["status"] == "triggered"
    assert created["assignees"], "the service's on-call is paged"
    shown = first(await ok(client, "get_incident", {"incident_id": created["id"]}))
    assert shown["priority"] == "P1" and shown["details"] == "Errors since 10:02"
    assert shown["conference_bridge"] == {"conference_url": "https://meet.example/war-room"}
    listed = await ok(client, "list_incidents", {"service_ids": [service["id"]]})
    assert created["id"] in {i["id"] for i in listed["incidents"]}
    trigger = state.get("log_entries", incident_of(client, created["id"])["_log"][0])
    assert trigger["agent"]["id"] == state.current_user_id  # sent with the From header of the current user


async def test_create_incident_with_an_incident_key_does_not_page_twice(client: Client) -> None:
    state = state_of(client)
    args = {"title": "Disk full", "service_id": _service(client)["id"], "incident_key": "disk-db-1"}
    created = first(await ok(client, "create_incident", args))
    before = len(state.incidents())
    error = await fails(client, "create_incident", args, "CONFLICT")
    assert created["id"] in error["message"] and "manage_incidents" in error["message"]
    assert error["details"]["incident_id"] == created["id"]
    assert len(state.incidents()) == before


async def test_create_incident_assigns_users_or_a_policy_and_rejects_both(client: Client) -> None:
    state = state_of(client)
    user = state.all("users")[3]
    policy = state.all("escalation_policies")[1]
    service = _service(client)["id"]
    direct = first(
        await ok(client, "create_incident", {"title": "A", "service_id": service, "assignee_ids": [user["id"]]})
    )
    assert [a["id"] for a in direct["assignees"]] == [user["id"]]
    via_policy = first(
        await ok(client, "create_incident", {"title": "B", "service_id": service, "escalation_policy_id": policy["id"]})
    )
    assert via_policy["escalation_policy"]["id"] == policy["id"]
    error = await fails(
        client,
        "create_incident",
        {"title": "C", "service_id": service, "assignee_ids": [user["id"]], "escalation_policy_id": policy["id"]},
        "INVALID_PARAMETER",
    )
    assert "not both" in error["message"]


@pytest.mark.parametrize(
    ("args", "code"),
    [
        ({"service_id": "PNOPE00"}, "SERVICE_NOT_FOUND"),
        ({"service_id": "null"}, "INVALID_PARAMETER"),
        ({"service_id": "../users"}, "SERVICE_NOT_FOUND"),  # read as a name: no service has it
        ({"service_id": ""}, "INVALID_PARAMETER"),
        ({"urgency": "critical"}, "INVALID_PARAMETER"),
        ({"title": ""}, "INVALID_PARAMETER"),
        ({"priority_id": "PNOPE00"}, "INVALID_PARAMETER"),
        ({"assignee_ids": ["PNOPE00"]}, "INVALID_PARAMETER"),
    ],
)
async def test_create_incident_bad_input(args: dict, code: str, client: Client) -> None:
    base = {"title": "Something broke", "service_id": _service(client)["id"]}
    error = await fails(client, "create_incident", {**base, **args}, code)
    assert error["message"]


async def test_writes_on_an_account_token_need_an_email_and_say_how_to_set_it() -> None:
    async with account_session() as client:
        error = await fails(
            client, "create_incident", {"title": "X", "service_id": _service(client)["id"]}, "FROM_EMAIL_REQUIRED"
        )
        assert "PAGERDUTY_USER_EMAIL" in error["message"]
        record = open_incident(client)
        await fails(
            client,
            "manage_incidents",
            {"incident_ids": [record["id"]], "status": "acknowledged"},
            "FROM_EMAIL_REQUIRED",
        )
        await fails(
            client,
            "add_responders",
            {"incident_id": record["id"], "message": "m", "user_ids": ["PABC123"]},
            "FROM_EMAIL_REQUIRED",
        )
    async with account_session("priya.natarajan@acme-shop.example") as client:
        record = open_incident(client)
        await ok(client, "manage_incidents", {"incident_ids": [record["id"]], "status": "acknowledged"})
        shown = first(await ok(client, "get_incident", {"incident_id": record["id"]}))
        assert shown["status"] == "acknowledged" and shown["acknowledgers"][-1]["name"] == "Priya Natarajan"
        helper = state_of(client).all("users")[6]
        await ok(client, "add_responders", {"incident_id": record["id"], "message": "m", "user_ids": [helper["id"]]})
        requests = incident_of(client, record["id"])["responder_requests"]
        assert requests[-1]["requester"]["summary"] == "Priya Natarajan"


# -- manage_incidents -------------------------------------------------------------------------------
async def test_manage_incidents_acknowledges_many_in_one_request_by_id_number_and_url(client: Client) -> None:
    state = state_of(client)
    triggered = [i for i in state.incidents() if i["status"] == "triggered"][:3]
    assert len(triggered) == 3
    ids = [triggered[0]["id"], str(triggered[1]["incident_number"]), triggered[2]["html_url"]]
    envelope = await ok(client, "manage_incidents", {"incident_ids": ids, "status": "acknowledged"})
    assert {i["id"] for i in envelope["incidents"]} == {i["id"] for i in triggered}
    assert _requests(client, "PUT", "/incidents") == 1
    for record in triggered:
        shown = first(await ok(client, "get_incident", {"incident_id": record["id"]}))
        assert shown["status"] == "acknowledged" and shown["acknowledgers"]
    timeline = await ok(client, "list_log_entries", {"incident_id": triggered[0]["id"]})
    assert timeline["log_entries"][0]["type"] == "acknowledge"


async def test_manage_incidents_reports_exactly_which_ids_failed_and_why(client: Client) -> None:
    record = open_incident(client)
    args = {"incident_ids": [record["id"], "PNOPE00", "null", "999999"], "status": "acknowledged"}
    error = await fails(client, "manage_incidents", args, "PARTIAL_FAILURE")
    details = error["details"]
    assert details["succeeded"] == [record["id"]]
    failed = {f["id"]: f["code"] for f in details["failed"]}
    assert failed == {"PNOPE00": "INCIDENT_NOT_FOUND", "null": "INVALID_PARAMETER", "999999": "INCIDENT_NOT_FOUND"}
    assert "PNOPE00" in error["message"] and record["id"] in error["message"]
    assert incident_of(client, record["id"])["status"] == "acknowledged"


async def test_manage_incidents_reports_an_unknown_outcome_when_pagerduty_fails_mid_write() -> None:
    box = Sandbox()
    record = next(i for i in box.state.incidents() if i["status"] == "triggered")
    box.injector.faults = Faults(error_rate=1.0)
    async with account_session("priya.natarajan@acme-shop.example", sandbox=box) as client:
        args = {"incident_ids": [record["id"]], "status": "acknowledged"}
        error = await fails(client, "manage_incidents", args, "WRITE_OUTCOME_UNKNOWN")
    assert error["details"]["failed"] == [
        {"id": record["id"], "code": "WRITE_OUTCOME_UNKNOWN", "reason": error["details"]["failed"][0]["reason"]}
    ]
    assert "check them with get_incident" in error["message"] and "left as they were" not in error["message"]


async def test_manage_incidents_all_unknown_is_not_found(client: Client) -> None:
    error = await fails(client, "manage_incidents", {"incident_ids": ["PNOPE00"], "status": "resolved"})
    assert error["code"] == "INCIDENT_NOT_FOUND" and error["details"]["succeeded"] == []


async def test_manage_incidents_one_bad_change_fails_only_that_incident(client: Client) -> None:
    state = state_of(client)
    resolved = next(i for i in state.incidents() if i["status"] == "resolved")
    live = open_incident(client)
    args = {"incident_ids": [live["id"], resolved["id"]], "escalation_level": 2}
    error = await fails(client, "manage_incidents", args, "PARTIAL_FAILURE")
    assert error["details"]["succeeded"] == [live["id"]]
    assert error["details"]["failed"][0]["id"] == resolved["id"]
    assert "resolved" in error["details"]["failed"][0]["reason"]
    timeline = await ok(client, "list_log_entries", {"incident_id": live["id"]})
    assert timeline["log_entries"][0]["type"] == "escalate"


async def test_manage_incidents_resolves_with_a_resolution_note(client: Client) -> None:
    record = open_incident(client, "acknowledged")
    args = {"incident_ids": [record["id"]], "status": "resolved", "resolution_note": "Rolled back v2.3"}
    updated = first(await ok(client, "manage_incidents", args))
    assert updated["resolved_at"] and "status" not in updated  # resolved_at says it, once
    notes = await ok(client, "list_incident_notes", {"incident_id": record["id"]})
    assert notes["notes"][-1]["content"] == "Rolled back v2.3"


async def test_manage_incidents_changes_urgency_priority_title_and_assignment_together(client: Client) -> None:
    state = state_of(client)
    record = open_incident(client)
    user = state.all("users")[4]
    priority = state.all("priorities")[1]
    args = {
        "incident_ids": [record["id"]],
        "urgency": "low",
        "priority_id": priority["id"],
        "title": "Checkout slow in EU",
        "assignee_ids": [user["id"]],
    }
    await ok(client, "manage_incidents", args)
    assert _requests(client, "PUT", "/incidents") == 1
    shown = first(await ok(client, "get_incident", {"incident_id": record["id"]}))
    assert shown["urgency"] == "low" and shown["priority"] == priority["name"]
    assert shown["title"] == "Checkout slow in EU"
    assert [a["id"] for a in shown["assignees"]] == [user["id"]]


async def test_manage_incidents_reassigns_to_a_policy_and_reopens(client: Client) -> None:
    state = state_of(client)
    record = open_incident(client)
    policy = next(p for p in state.all("escalation_policies") if p["id"] != record["escalation_policy"]["id"])
    await ok(client, "manage_incidents", {"incident_ids": [record["id"]], "escalation_policy_id": policy["id"]})
    shown = first(await ok(client, "get_incident", {"incident_id": record["id"]}))
    assert shown["escalation_policy"]["id"] == policy["id"]
    resolved = next(i for i in state.incidents() if i["status"] == "resolved")
    reopened = first(await ok(client, "manage_incidents", {"incident_ids": [resolved["id"]], "status": "triggered"}))
    assert reopened["status"] == "triggered" and "resolved_at" not in reopened


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ({}, ["nothing to change"]),
        ({"status": "closed"}, ["status", "acknowledged"]),
        ({"status": "acknowledged", "resolution_note": "x"}, ["resolution_note", "status=resolved"]),
        ({"assignee_ids": ["PABC123"], "escalation_policy_id": "PABC124"}, ["not both"]),
        ({"escalation_level": 0}, ["escalation_level"]),
        ({"title": "   "}, ["title"]),
    ],
)
async def test_manage_incidents_bad_input(args: dict, words: list[str], client: Client) -> None:
    record = open_incident(client)
    error = await fails(client, "manage_incidents", {"incident_ids": [record["id"]], **args}, "INVALID_PARAMETER")
    for word in words:
        assert word in error["message"]
    assert incident_of(client, record["id"])["status"] == "triggered"


async def test_manage_incidents_takes_at_most_250_ids(client: Client) -> None:
    ids = [f"P{n:06d}" for n in range(251)]
    await fails(client, "manage_incidents", {"incident_ids": ids, "status": "resolved"}, "INVALID_PARAMETER")
    await fails(client, "manage_incidents", {"incident_ids": [], "status": "resolved"}, "INVALID_PARAMETER")


# -- responders, notes, status updates -----------------------------------------------------------
async def test_add_responders_pages_users_and_policies(client: Client) -> None:
    state = state_of(client)
    record = open_incident(client)
    user = state.all("users")[6]
    policy = state.all("escalation_policies")[0]
    args = {
        "incident_id": record["id"],
        "message": "Need the DBA",
        "user_ids": [user["id"]],
        "escalation_policy_ids": [policy["id"]],
    }
    envelope = await ok(client, "add_responders", args)
    assert user["id"] in {r["id"] for r in envelope["responders"]}
    # The policy asked for comes as {id, name}, on the answer and on each responder it paged.
    assert envelope["metadata"]["escalation_policies"] == [{"id": policy["id"], "name": policy["name"]}]
    via_policy = [r for r in envelope["responders"] if "escalation_policy" in r]
    assert via_policy and all(
        r["escalation_policy"] == {"id": policy["id"], "name": policy["name"]} for r in via_policy
    )
    shown = first(await ok(client, "get_incident", {"incident_id": record["id"]}))
    assert {"id": user["id"], "name": user["name"], "state": "pending"} in shown["responders"]
    await fails(client, "add_responders", {"incident_id": record["id"], "message": "m"}, "INVALID_PARAMETER")
    await fails(
        client,
        "add_responders",
        {"incident_id": record["id"], "message": "m", "user_ids": ["PNOPE00"]},
        "INVALID_PARAMETER",
    )


async def test_add_note_to_incident_then_list_notes(client: Client) -> None:
    record = open_incident(client)
    note = first(await ok(client, "add_note_to_incident", {"incident_id": record["id"], "note": "Found it: DNS"}))
    assert note["content"] == "Found it: DNS" and note["user"]["id"] == state_of(client).current_user_id
    notes = await ok(client, "list_incident_notes", {"incident_id": str(record["incident_number"])})
    assert notes["notes"][-1]["id"] == note["id"]
    await fails(client, "add_note_to_incident", {"incident_id": record["id"], "note": ""}, "INVALID_PARAMETER")


async def test_create_status_update_shows_in_the_timeline(client: Client) -> None:
    record = open_incident(client)
    args = {"incident_id": record["id"], "message": "Mitigated; monitoring", "subject": "Checkout"}
    update = first(await ok(client, "create_status_update", args))
    assert update["message"] == "Mitigated; monitoring" and update["subject"] == "Checkout"
    timeline = await ok(client, "list_log_entries", {"incident_id": record["id"]})
    assert "Mitigated; monitoring" in timeline["log_entries"][0]["summary"]
    await fails(client, "create_status_update", {"incident_id": record["id"], "message": ""}, "INVALID_PARAMETER")


# -- merge, snooze, alerts, workflows -------------------------------------------------------------
async def test_merge_incidents_moves_alerts_and_resolves_the_sources(client: Client) -> None:
    state = state_of(client)
    target = open_incident(client)
    service = target["_service_id"]
    sources = [create_incident(state, service, f"dup {n}", state.clock()) for n in range(2)]
    for source in sources:
        add_alert(state, source, f"alert of {source['title']}", state.clock())
    before = target["alert_counts"]["all"]
    args = {"incident_id": target["id"], "source_incident_ids": [s["id"] for s in sources]}
    merged = first(await ok(client, "merge_incidents", args))
    assert merged["id"] == target["id"] and sum(merged["alert_counts"].values()) == before + 2
    for source in sources:
        shown = first(await ok(client, "get_incident", {"incident_id": source["id"]}))
        assert shown["resolved_at"] and shown["merged_into"]["id"] == target["id"]
    error = await fails(client, "merge_incidents", {**args, "source_incident_ids": [target["id"]]}, "INVALID_PARAMETER")
    assert "source_incident_ids" in error["message"]
    await fails(client, "merge_incidents", {**args, "source_incident_ids": ["PNOPE00"]}, "INCIDENT_NOT_FOUND")


async def test_snooze_incident_needs_an_acknowledged_incident(client: Client) -> None:
    record = open_incident(client, "acknowledged")
    snoozed = first(await ok(client, "snooze_incident", {"incident_id": record["id"], "minutes": 30}))
    assert snoozed["pending_actions"][0]["type"] == "unacknowledge"
    shown = first(await ok(client, "get_incident", {"incident_id": record["id"]}))
    assert shown["pending_actions"] == snoozed["pending_actions"]
    triggered = open_incident(client, "triggered")
    error = await fails(client, "snooze_incident", {"incident_id": triggered["id"], "minutes": 30}, "INVALID_PARAMETER")
    assert "acknowledged" in error["message"]
    await fails(client, "snooze_incident", {"incident_id": record["id"], "minutes": 0}, "INVALID_PARAMETER")


async def test_manage_alerts_resolves_alerts_and_the_incident_they_leave_empty(client: Client) -> None:
    record = open_incident(client)
    alerts = await ok(client, "list_alerts_from_incident", {"incident_id": record["id"]})
    ids = [a["id"] for a in alerts["alerts"]]
    resolved = await ok(client, "manage_alerts", {"incident_id": record["id"], "alert_ids": ids, "action": "resolve"})
    assert {a["status"] for a in resolved["alerts"]} == {"resolved"}
    shown = first(await ok(client, "get_incident", {"incident_id": record["id"]}))
    assert shown["resolved_at"] and incident_of(client, record["id"])["status"] == "resolved"


async def test_manage_alerts_moves_alerts_to_another_incident(client: Client) -> None:
    state = state_of(client)
    record = open_incident(client)
    extra = add_alert(state, record, "second signal", state.clock())
    target = create_incident(state, record["_service_id"], "Root cause", state.clock())
    args = {
        "incident_id": record["id"],
        "alert_ids": [extra["id"]],
        "action": "move",
        "target_incident_id": target["id"],
    }
    await ok(client, "manage_alerts", args)
    moved = await ok(client, "list_alerts_from_incident", {"incident_id": target["id"]})
    assert [a["id"] for a in moved["alerts"]] == [extra["id"]]
    await fails(client, "manage_alerts", {**args, "target_incident_id": None, "action": "move"}, "INVALID_PARAMETER")
    await fails(client, "manage_alerts", {**args, "action": "resolve"}, "INVALID_PARAMETER")
    await fails(client, "manage_alerts", {**args, "action": "delete"}, "INVALID_PARAMETER")
    await fails(client, "manage_alerts", {**args, "alert_ids": ["PNOPE00"]}, "ALERT_NOT_FOUND")


async def test_start_incident_workflow_shows_in_the_timeline(client: Client) -> None:
    record = open_incident(client)
    workflow = state_of(client).all("incident_workflows")[0]
    started = first(
        await ok(client, "start_incident_workflow", {"workflow_id": workflow["id"], "incident_id": record["id"]})
    )
    assert started["id"] and started["incident_id"] == record["id"]
    timeline = await ok(client, "list_log_entries", {"incident_id": record["id"]})
    assert workflow["name"] in timeline["log_entries"][0]["summary"]
    await fails(
        client,
        "start_incident_workflow",
        {"workflow_id": "PNOPE00", "incident_id": record["id"]},
        "INCIDENT_WORKFLOW_NOT_FOUND",
    )
    await fails(
        client,
        "start_incident_workflow",
        {"workflow_id": workflow["id"], "incident_id": "PNOPE00"},
        "INCIDENT_NOT_FOUND",
    )


# -- bad incident ids for every write tool --------------------------------------------------------
WRITES = {
    "manage_incidents": lambda ident: {"incident_ids": [ident], "status": "acknowledged"},
    "add_responders": lambda ident: {"incident_id": ident, "message": "help", "user_ids": ["PABC123"]},
    "add_note_to_incident": lambda ident: {"incident_id": ident, "note": "n"},
    "merge_incidents": lambda ident: {"incident_id": ident, "source_incident_ids": ["PABC123"]},
    "snooze_incident": lambda ident: {"incident_id": ident, "minutes": 5},
    "create_status_update": lambda ident: {"incident_id": ident, "message": "m"},
    "manage_alerts": lambda ident: {"incident_id": ident, "alert_ids": ["PABC123"], "action": "resolve"},
    "start_incident_workflow": lambda ident: {"incident_id": ident, "workflow_id": "PABC123"},
}


@pytest.mark.parametrize("bad", ["", "null", "../users"])
@pytest.mark.parametrize("tool", list(WRITES))
async def test_write_tools_reject_bad_incident_ids(tool: str, bad: str, client: Client) -> None:
    error = await fails(client, tool, WRITES[tool](bad), "INVALID_PARAMETER")
    assert ("incident_ids" if tool == "manage_incidents" else "incident_id") in error["message"]
    assert _requests(client, "POST", "/incidents") == 0


@pytest.mark.parametrize("tool", list(WRITES))
async def test_write_tools_say_an_unknown_incident_is_not_found(tool: str, client: Client) -> None:
    await fails(client, tool, WRITES[tool]("PNOPE00"), "INCIDENT_NOT_FOUND")
    assert _requests(client, "POST", "/incidents") == 0


async def test_add_responders_needs_no_message_and_says_its_default_in_the_schema(client: Client) -> None:
    state = state_of(client)
    record = open_incident(client)
    user = state.all("users")[6]
    await ok(client, "add_responders", {"incident_id": record["id"], "user_ids": [user["name"]]})
    sent = incident_of(client, record["id"])["responder_requests"][-1]
    tool = next(t for t in (await client.list_tools()).tools if t.name == "add_responders")
    message = tool.input_schema["properties"]["message"]
    assert sent["message"] == message["default"] and message["default"].strip()
    assert "message" not in tool.input_schema.get("required", [])


# -- names where ids go -----------------------------------------------------------------------------
async def test_create_incident_takes_a_service_and_a_priority_by_name(client: Client) -> None:
    state = state_of(client)
    checkout = next(s for s in state.all("services") if s["name"] == "Checkout API")
    p2 = next(p for p in state.all("priorities") if p["name"] == "P2")
    args = {"title": "Checkout slow", "service_id": "Checkout API", "priority_id": "p2"}
    created = first(await ok(client, "create_incident", args))
    assert created["service"] == "Checkout API" and created["priority"] == "P2"
    assert incident_of(client, created["id"])["service"]["id"] == checkout["id"]
    assert incident_of(client, created["id"])["priority"]["id"] == p2["id"]
    error = await fails(client, "create_incident", {**args, "service_id": "Checkout"}, "SERVICE_NOT_FOUND")
    assert error["details"]["parameters"] == ["service_id"]
    assert error["details"]["suggestions"][0] == {"id": checkout["id"], "name": "Checkout API"}  # never picked


async def test_manage_incidents_takes_a_priority_and_a_user_by_name_or_email(client: Client) -> None:
    state = state_of(client)
    record = open_incident(client)
    user = state.all("users")[3]
    args = {"incident_ids": [record["id"]], "priority_id": "P1", "assignee_ids": [user["email"].upper()]}
    await ok(client, "manage_incidents", args)
    shown = first(await ok(client, "get_incident", {"incident_id": record["id"]}))
    assert shown["priority"] == "P1" and [a["id"] for a in shown["assignees"]] == [user["id"]]
    error = await fails(client, "manage_incidents", {**args, "priority_id": "P9"}, "PRIORITY_NOT_FOUND")
    assert error["details"]["parameters"] == ["priority_id"] and "The account's priorities: P1 (" in error["message"]
