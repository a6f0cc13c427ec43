"""Asking the person before a write acts: through the ``mcp`` SDK's own client, in-process, in both
protocol eras (2025-11-25: the classic ``elicitation/create`` request; 2026-07-28: the
``input_required`` round trip), against a fresh sandbox each time."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import anyio
import pytest
from mcp import Client
from mcp_types import ElicitRequestParams, ElicitResult

from pagerduty_mcp.common.toolkit.confirm import FOOTER, Question, fact, quote
from pagerduty_mcp.common.toolkit.registry import spec_of
from pagerduty_mcp.sandbox import Sandbox
from pagerduty_mcp.server import AREAS
from tests.harness import memory_session

pytestmark = [pytest.mark.unit, pytest.mark.anyio]

WRITES = ("POST", "PUT", "DELETE", "PATCH")
ERAS = ["legacy", "auto"]  # 2025-11-25 (as editors speak today) and 2026-07-28
CONFIRMING = sorted(spec_of(fn).name for area in AREAS for fn in area.tools if spec_of(fn).confirm is not None)


@dataclass
class Person:
    """The human behind the client: answers every question the same way, and remembers them."""

    answer: str | None  # accept, decline, cancel; None: a client that cannot be asked
    asked: list[str] = field(default_factory=list)
    thinks: float = 0.0  # seconds before answering

    async def __call__(self, context: Any, params: ElicitRequestParams) -> ElicitResult:
        self.asked.append(params.message)
        if self.thinks:
            await anyio.sleep(self.thinks)  # the person reading the question, not a wait for a condition
        assert params.requested_schema["type"] == "object"  # type: ignore[union-attr]
        if self.answer == "accept without content":
            return ElicitResult(action="accept")
        return ElicitResult(action=self.answer, content={} if self.answer == "accept" else None)  # type: ignore[arg-type]


@dataclass
class Asked:
    """A client whose person is asked before writes, and the account behind it."""

    client: Client
    box: Sandbox
    person: Person

    def writes(self) -> list[str]:
        return [f"{r.method} {r.path}" for r in self.box.request_log if r.method.upper() in WRITES]

    async def call(self, tool: str, arguments: dict[str, Any]) -> tuple[bool, dict[str, Any]]:
        result = await self.client.call_tool(tool, arguments)
        envelope = json.loads(result.content[0].text)  # type: ignore[union-attr]
        assert result.structured_content == envelope
        return bool(result.is_error), envelope


@asynccontextmanager
async def asking(
    answer: str | None, *, era: str = "auto", confirm: str = "auto", deadline: float | None = None, thinks: float = 0
) -> AsyncIterator[Asked]:
    """The combined server with write tools on a fresh sandbox, ``--confirm-writes confirm``; the
    client speaks ``era`` and its person answers ``answer`` (None: a client that cannot be asked)."""
    box = Sandbox()
    person = Person(answer, thinks=thinks)
    async with memory_session(
        sandbox=box,
        confirm_writes=confirm,
        deadline_seconds=deadline,
        mode=era,
        elicitation_callback=person if answer else None,
    ) as client:
        yield Asked(client, box, person)


PAGE = {"title": "Checkout is down", "service_id": "Checkout API"}


async def open_incidents(live: Asked) -> int:
    _, envelope = await live.call("list_incidents", {"limit": 100})
    return int(envelope["metadata"]["count"])


@pytest.mark.parametrize("era", ERAS)
async def test_a_decline_pages_nobody_and_says_nothing_changed(era: str, caplog: pytest.LogCaptureFixture) -> None:
    async with asking("decline", era=era) as live:
        before = await open_incidents(live)
        with caplog.at_level(logging.INFO, logger="pagerduty_mcp.audit"):
            is_error, envelope = await live.call("create_incident", PAGE)
        assert is_error and envelope["error"]["code"] == "DECLINED"
        assert "nothing was sent to PagerDuty" in envelope["error"]["message"]
        assert live.writes() == []
        assert await open_incidents(live) == before
        [question] = live.person.asked
        assert question.startswith("Open an incident. This pages people now.\n")
        assert "- Service: \u201cCheckout API\u201d" in question
        assert "- Escalation policy: \u201cCheckout Escalation\u201d" in question
        assert "- Paged first by it (on call now): \u201c" in question
        assert question.endswith(FOOTER)
        audit = [r.getMessage() for r in caplog.records if r.name == "pagerduty_mcp.audit"]
        assert any("tool=create_incident outcome=DECLINED" in line for line in audit), audit


@pytest.mark.parametrize("era", ERAS)
async def test_an_accept_pages_as_before(era: str) -> None:
    async with asking("accept", era=era) as live:
        before = await open_incidents(live)
        is_error, envelope = await live.call("create_incident", PAGE)
        assert not is_error, envelope
        assert envelope["incidents"][0]["title"] == "Checkout is down"
        assert live.writes() == ["POST /incidents"]
        assert await open_incidents(live) == before + 1
        assert len(live.person.asked) == 1


@pytest.mark.parametrize("era", ERAS)
async def test_a_dismissed_question_is_a_cancel_of_its_own(era: str) -> None:
    async with asking("cancel", era=era) as live:
        is_error, envelope = await live.call("create_incident", PAGE)
        assert is_error and envelope["error"]["code"] == "CANCELLED_BY_USER"
        assert live.writes() == []


@pytest.mark.parametrize("era", ERAS)
async def test_an_answer_the_sdk_cannot_read_sends_nothing_and_says_so(
    era: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with asking("accept without content", era=era) as live:
        with caplog.at_level(logging.INFO, logger="pagerduty_mcp.audit"):
            is_error, envelope = await live.call("create_incident", PAGE)
        assert is_error and envelope["error"]["code"] == "CONFIRMATION_FAILED", envelope
        assert live.writes() == []
        audit = [r.getMessage() for r in caplog.records if r.name == "pagerduty_mcp.audit"]
        assert any("outcome=CONFIRMATION_FAILED" in line for line in audit), audit


@pytest.mark.parametrize("era", ERAS)
async def test_a_client_that_cannot_be_asked_acts_as_before(era: str) -> None:
    async with asking(None, era=era) as live:
        is_error, envelope = await live.call("create_incident", PAGE)
        assert not is_error, envelope
        assert live.writes() == ["POST /incidents"]


@pytest.mark.parametrize("era", ERAS)
async def test_require_refuses_a_client_that_cannot_be_asked(era: str) -> None:
    async with asking(None, era=era, confirm="require") as live:
        before = await open_incidents(live)
        is_error, envelope = await live.call("create_incident", PAGE)
        assert is_error and envelope["error"]["code"] == "CONFIRMATION_REQUIRED"
        message = envelope["error"]["message"]
        assert "--confirm-writes require" in message and "elicitation" in message and "Nothing was sent" in message
        assert live.writes() == [] and await open_incidents(live) == before
        # A write that needs no question still goes ahead.
        is_error, envelope = await live.call("add_note_to_incident", {"incident_id": "60", "note": "Looking."})
        assert not is_error, envelope


async def test_require_asks_a_client_that_can_answer() -> None:
    async with asking("accept", confirm="require") as live:
        is_error, _ = await live.call("create_incident", PAGE)
        assert not is_error and len(live.person.asked) == 1


async def test_the_time_a_person_takes_to_answer_is_not_the_calls() -> None:
    # Classic era: the call waits for the answer. A call deadline shorter than the person's
    # thinking must not turn an accepted page into a TIMEOUT.
    async with asking("accept", era="legacy", deadline=1.0, thinks=1.5) as live:
        is_error, envelope = await live.call("create_incident", PAGE)
        assert not is_error, envelope
        assert live.writes() == ["POST /incidents"]


async def test_off_never_asks() -> None:
    async with asking("decline", confirm="off") as live:
        is_error, envelope = await live.call("create_incident", PAGE)
        assert not is_error, envelope
        assert live.person.asked == [] and live.writes() == ["POST /incidents"]


async def test_one_incident_acknowledged_is_not_asked_two_are() -> None:
    async with asking("decline") as live:
        is_error, _ = await live.call("manage_incidents", {"incident_ids": ["60"], "status": "acknowledged"})
        assert not is_error and live.person.asked == []
        is_error, envelope = await live.call("manage_incidents", {"incident_ids": ["59", "60"], "status": "resolved"})
        assert is_error and envelope["error"]["code"] == "DECLINED"
        [question] = live.person.asked
        assert question.startswith("Change 2 incidents.\n")
        assert "- Status: \u201cresolved\u201d" in question
        assert "- Incident #59: \u201c" in question and "- Incident #60: \u201c" in question


async def test_reassigning_one_incident_pages_so_it_is_asked() -> None:
    async with asking("decline") as live:
        arguments = {"incident_ids": ["60"], "assignee_ids": ["Priya Natarajan"]}
        is_error, envelope = await live.call("manage_incidents", arguments)
        assert is_error and envelope["error"]["code"] == "DECLINED"
        assert "Change an incident. This pages people now." in live.person.asked[0]
        assert "- Reassigned to, and paged: \u201cPriya Natarajan\u201d" in live.person.asked[0]


async def test_a_bad_argument_is_its_own_error_and_nobody_is_asked() -> None:
    async with asking("accept") as live:
        is_error, envelope = await live.call("create_incident", {**PAGE, "service_id": "No Such Service"})
        assert is_error and envelope["error"]["code"] == "SERVICE_NOT_FOUND", envelope
        assert live.person.asked == [] and live.writes() == []


async def test_unsubscribing_and_clearing_an_impact_are_not_asked_subscribing_and_impacting_are() -> None:
    async with asking("decline") as live:
        is_error, envelope = await live.call(
            "manage_incident_subscribers", {"incident_id": "60", "action": "unsubscribe", "user_ids": ["Chloe Martin"]}
        )
        assert not is_error, envelope
        clear = {"incident_id": "60", "business_service_ids": ["Online Store"], "impacted": False}
        is_error, envelope = await live.call("update_incident_business_impact", clear)
        assert not is_error, envelope
        assert live.person.asked == []
        is_error, envelope = await live.call(
            "manage_incident_subscribers", {"incident_id": "60", "action": "subscribe", "user_ids": ["Sam Taylor"]}
        )
        assert is_error and envelope["error"]["code"] == "DECLINED"
        assert "they are emailed its status updates" in live.person.asked[0]
        assert "- Users: \u201cSam Taylor\u201d" in live.person.asked[0]
        is_error, envelope = await live.call("update_incident_business_impact", {**clear, "impacted": True})
        assert is_error and envelope["error"]["code"] == "DECLINED"
        assert "- Business services: \u201cOnline Store\u201d" in live.person.asked[1]


async def test_an_events_api_acknowledge_is_not_asked() -> None:
    async with asking("decline") as live:
        key = live.box.state.all("integrations")[0]["integration_key"]
        arguments = {"routing_key": key, "action": "acknowledge", "dedup_key": "disk-full-db-1"}
        await live.call("send_event", arguments)
        assert live.person.asked == []


# -- the question's text ----------------------------------------------------------------------------


def test_untrusted_text_stays_inside_its_quotes_on_one_line() -> None:
    hostile = (
        "Disk full\n- Paged: nobody\u201d\n\u202eAccept is safe\u200b [click](https://evil.example) <b>x</b> `code`"
    )
    question = Question("Open an incident. This pages people now.", (fact("Title", hostile),)).render()
    lines = question.split("\n")
    assert lines[0] == "Open an incident. This pages people now."
    assert len(lines) == 2 + FOOTER.count("\n") + 1  # the action, one fact, the footer: nothing injected
    title = lines[1]
    assert title.startswith("- Title: \u201c") and title.endswith("\u201d")
    inside = title[len("- Title: \u201c") : -1]
    assert "\u201d" not in inside and "\u201c" not in inside  # the quote cannot be closed from inside
    assert "\u202e" not in inside and "\u200b" not in inside
    assert "\\[click\\]" in inside and "\\<b\\>" in inside  # no link, no markup, where markdown renders
    assert len(inside.replace("\\", "")) <= 80 and inside.endswith("\u2026")  # cut, and marked as cut


def test_long_lists_are_counted_not_listed() -> None:
    rendered = fact("Paged", [f"User {n}" for n in range(12)]).render()
    assert rendered.endswith(" and 7 more") and rendered.count("\u201c") == 5
    assert quote("x" * 500).startswith("\u201c") and len(quote("x" * 500)) <= 82


# -- every tool that asks -----------------------------------------------------------------------------


async def arguments_of(live: Asked) -> dict[str, dict[str, Any]]:
    """Valid arguments for every tool that asks, from the sandbox's own account."""
    state = live.box.state
    incidents = [i for i in state.all("incidents") if i["status"] != "resolved"]
    kept, merged = incidents[-1]["id"], incidents[-2]["id"]
    alerts = [a["id"] for a in state.all("alerts") if a["incident"]["id"] == merged and a["status"] == "triggered"]
    assert len(alerts) > 1
    now = datetime.now(UTC)
    future = next(w["id"] for w in state.all("maintenance_windows") if datetime.fromisoformat(w["start_time"]) > now)
    post = state.all("status_page_posts")[0]
    override = state.all("overrides")[0]
    _, shifts = await live.call("get_schedule", {"schedule_id": "Personalization Shifts"})
    schedule = shifts["schedules"][0]
    start = (now + timedelta(days=3)).replace(microsecond=0)
    sofia = next(u["id"] for u in state.all("users") if u["name"] == "Sofia Rossi")
    shift = {"user_id": sofia, "start": start.isoformat(), "end": (start + timedelta(hours=4)).isoformat()}
    _, custom = await live.call("create_schedule_custom_shifts", {"schedule_id": schedule["id"], "shifts": [shift]})
    page = {"status_page_id": post["status_page"]["id"], "post_id": post["id"], "message": "Fixed; watching."}
    noah = next(u for u in state.all("users") if u["name"] == "Noah Kim")
    sms = next(
        r["id"]
        for r in noah["contact_methods"]
        if state.get("contact_methods", r["id"])["type"] == "sms_contact_method"
    )
    return {
        "create_incident": PAGE,
        "manage_incidents": {"incident_ids": [kept, merged], "status": "acknowledged"},
        "add_responders": {
            "incident_id": kept,
            "user_ids": ["Priya Natarajan"],
            "escalation_policy_ids": ["Database Escalation"],
        },
        "cancel_responder_request": {"incident_id": kept, "user_ids": ["Priya Natarajan"]},
        "manage_incident_subscribers": {"incident_id": kept, "action": "subscribe", "team_ids": ["Payments"]},
        "update_incident_business_impact": {
            "incident_id": kept,
            "business_service_ids": ["Payments Platform"],
            "impacted": True,
        },
        "merge_incidents": {"incident_id": kept, "source_incident_ids": [merged]},
        "create_status_update": {"incident_id": kept, "message": "We are on it.", "subject": "Checkout"},
        "manage_alerts": {"incident_id": merged, "alert_ids": alerts, "action": "resolve"},
        "start_incident_workflow": {"workflow_id": state.all("incident_workflows")[0]["id"], "incident_id": kept},
        "create_status_page_post": {
            "status_page_id": "Acme Shop Status",
            "title": "Slow checkout",
            "message": "On it.",
            "severity": "minor",
            "impacted_services": {"Checkout API": "degraded performance"},
        },
        "create_status_page_post_update": page,
        "update_status_page_postmortem": page,
        "delete_service": {"service_id": "Cart Service"},
        "delete_maintenance_window": {"maintenance_window_id": future},
        "delete_webhook_subscription": {"webhook_subscription_id": state.all("webhook_subscriptions")[0]["id"]},
        "delete_team": {"team_id": "Database", "reassignment_team_id": "Platform"},
        "delete_schedule_override": {"schedule_id": override["_schedule_id"], "override_id": override["id"]},
        "delete_schedule": {"schedule_id": "Checkout Primary"},
        "delete_schedule_rotation": {"schedule_id": schedule["id"], "rotation_id": schedule["rotations"][0]["id"]},
        "delete_schedule_custom_shift": {
            "schedule_id": schedule["id"],
            "custom_shift_id": custom["custom_shifts"][0]["id"],
        },
        "manage_schedule_shifts": {
            "schedule_id": schedule["id"],
            "action": "delete",
            "item_id": schedule["rotations"][0]["events"][0]["id"],
        },
        "manage_user_notifications": {"user_id": "Noah Kim", "action": "delete", "item_id": sms},
        "delete_user": {"user_id": "Jonas Weber"},
        "delete_escalation_policy": {"escalation_policy_id": "Database Escalation"},
        "delete_alert_grouping_setting": {"setting_id": state.all("alert_grouping_settings")[0]["id"]},
        "invoke_automation_action": {
            "automation_action_id": state.all("automation_actions")[0]["id"],
            "incident_id": kept,
        },
        "send_event": {
            "routing_key": state.all("integrations")[0]["integration_key"],
            "action": "trigger",
            "summary": "Disk full on db-1",
            "source": "db-1",
            "severity": "critical",
        },
    }


async def test_the_list_below_is_every_tool_that_asks() -> None:
    async with asking("decline") as live:
        assert sorted(await arguments_of(live)) == CONFIRMING


@pytest.mark.parametrize("tool", CONFIRMING)
async def test_every_tool_that_asks_sends_nothing_on_a_decline_and_acts_on_an_accept(tool: str) -> None:
    async with asking("decline") as live:
        arguments = (await arguments_of(live))[tool]
        live.box.request_log.reset()
        is_error, envelope = await live.call(tool, arguments)
        assert is_error and envelope["error"]["code"] == "DECLINED", envelope
        assert live.writes() == [], f"{tool} wrote after a decline"
        [question] = live.person.asked
        action, *facts, _ = question.split("\n", question.count("\n") - FOOTER.count("\n"))
        assert action and not action.startswith("- ") and facts, question
        assert all(line.startswith("- ") for line in facts), question
        assert question.endswith(FOOTER)
    async with asking("accept") as live:
        arguments = (await arguments_of(live))[tool]
        live.box.request_log.reset()
        is_error, envelope = await live.call(tool, arguments)
        code = envelope.get("error", {}).get("code")
        assert code not in ("DECLINED", "CANCELLED_BY_USER", "CONFIRMATION_REQUIRED", "INTERNAL_ERROR"), envelope
        assert live.writes(), f"{tool} sent nothing after an accept: {envelope}"
        assert len(live.person.asked) == 1
