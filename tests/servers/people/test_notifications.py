"""How a person is paged, on pagerduty-people: contact methods, notification rules and hand-off
notices through manage_user_notifications, read back with get_user and checked in the sandbox's own
account. Onboarding a new engineer goes from create_user to paged the way the team wants."""

from __future__ import annotations

from typing import Any

import pytest
from mcp import Client

from tests.harness import fails, first, ok
from tests.servers.people.seeded import user_id

pytestmark = [pytest.mark.people, pytest.mark.anyio, pytest.mark.server("people", write=True)]

TOOL = "manage_user_notifications"


def stored(client: Client, user: str) -> dict[str, list[dict[str, Any]]]:
    """The user's contact methods, notification rules and hand-off rules as the sandbox keeps them."""
    state = client.sandbox.state  # type: ignore[attr-defined]
    person = state.get("users", user)
    return {
        "methods": [state.get("contact_methods", r["id"]) for r in person["contact_methods"]],
        "rules": [state.get("notification_rules", r["id"]) for r in person["notification_rules"]],
        "handoffs": [r for r in state.all("handoff_rules") if r["_user_id"] == user],
    }


async def add(client: Client, user: str, fields: dict[str, Any]) -> dict[str, Any]:
    return first(await ok(client, TOOL, {"user_id": user, "action": "add", "fields": fields}))


async def test_a_new_engineer_is_paged_the_way_the_team_wants(client: Client) -> None:
    hire = first(await ok(client, "create_user", {"name": "Ines Costa", "email": "ines@acme-shop.example"}))
    phone = await add(client, "Ines Costa", {"type": "phone", "address": "+351 912 345 678", "label": "Mobile"})
    sms = await add(client, hire["id"], {"type": "sms", "address": "+351 912-345-678"})
    mail = await add(client, "ines@acme-shop.example", {"type": "email", "address": "ines@acme-shop.example"})
    assert (phone["type"], phone["address"], sms["label"]) == ("phone", "+351 912345678", "Mobile")
    # The team's practice: high urgency rings the phone at once and texts after 2 minutes; low urgency emails.
    rule = await add(client, hire["id"], {"contact_method": "phone", "urgency": "high", "delay_minutes": 0})
    await add(client, hire["id"], {"contact_method": sms["id"], "urgency": "high", "delay_minutes": 2})
    await add(client, hire["id"], {"contact_method": "email", "urgency": "low"})
    notice = await add(client, hire["id"], {"contact_method": "sms", "handoff": "oncall", "minutes_before": 60})
    assert rule["contact_method"] == {"id": phone["id"], "name": "phone (Mobile)"}
    assert (notice["handoff"], notice["minutes_before"]) == ("oncall", 60)

    shown = first(await ok(client, "get_user", {"user_id": "Ines Costa"}))
    kept = stored(client, hire["id"])
    assert (
        {m["id"] for m in shown["contact_methods"]}
        == {m["id"] for m in kept["methods"]}
        == {
            phone["id"],
            sms["id"],
            mail["id"],
        }
    )
    assert [m["country_code"] for m in kept["methods"] if m["id"] == phone["id"]] == [351]
    rules = {(r["urgency"], r["delay_minutes"], r["contact_method"]["id"]) for r in shown["notification_rules"]}
    assert rules == {("high", 0, phone["id"]), ("high", 2, sms["id"]), ("low", 0, mail["id"])}
    assert rules == {(r["urgency"], r["start_delay_in_minutes"], r["contact_method"]["id"]) for r in kept["rules"]}
    [handoff] = shown["handoff_rules"]
    assert handoff["contact_method"]["name"] == "sms (Mobile)" and handoff["id"] == kept["handoffs"][0]["id"]


async def test_changes_keep_what_was_not_given(client: Client) -> None:
    noah = user_id(client, "noah.kim")
    before = stored(client, noah)
    phone = next(m for m in before["methods"] if m["type"] == "phone_contact_method")
    changed = first(
        await ok(
            client, TOOL, {"user_id": noah, "action": "update", "item_id": phone["id"], "fields": {"label": "Desk"}}
        )
    )
    assert (changed["label"], changed["address"]) == ("Desk", f"+1 {phone['address']}")  # number kept
    rule = next(r for r in before["rules"] if r["urgency"] == "high" and r["start_delay_in_minutes"] == 5)
    later = {"user_id": noah, "action": "update", "item_id": rule["id"], "fields": {"delay_minutes": 10}}
    updated = first(await ok(client, TOOL, later))
    assert (updated["urgency"], updated["delay_minutes"]) == ("high", 10)
    assert updated["contact_method"] == {"id": phone["id"], "name": "phone (Desk)"}  # the new label shows
    [handoff] = before["handoffs"]
    moved = {"user_id": noah, "action": "update", "item_id": handoff["id"], "fields": {"minutes_before": 30}}
    notice = first(await ok(client, TOOL, moved))
    assert (notice["minutes_before"], notice["handoff"]) == (30, handoff["handoff_type"])
    wrong = {"user_id": noah, "action": "update", "item_id": handoff["id"], "fields": {"urgency": "low"}}
    error = await fails(client, TOOL, wrong, "INVALID_PARAMETER")
    assert error["message"].startswith("fields.urgency:") and "handoff" in error["message"]
    retype = {"user_id": noah, "action": "update", "item_id": phone["id"], "fields": {"type": "email"}}
    await fails(client, TOOL, retype, "INVALID_PARAMETER")


async def test_removing_a_contact_method_takes_the_rules_that_use_it(client: Client) -> None:
    alex = user_id(client, "alex.rivera")  # push: a high-urgency rule and the hand-off notice use it
    before = stored(client, alex)
    push = next(m for m in before["methods"] if m["type"] == "push_notification_contact_method")
    using = [r["id"] for r in before["rules"] if r["contact_method"]["id"] == push["id"]]
    using += [r["id"] for r in before["handoffs"] if r["contact_method"]["id"] == push["id"]]
    assert len(using) == 2
    gone = first(await ok(client, TOOL, {"user_id": alex, "action": "delete", "item_id": push["id"]}))
    assert gone == {"id": push["id"], "deleted": True, "rules_removed": using}
    after = stored(client, alex)
    assert push["id"] not in {m["id"] for m in after["methods"]}
    assert not {r["id"] for r in after["rules"] + after["handoffs"]} & set(using)
    login = next(m for m in after["methods"] if m["type"] == "email_contact_method")
    error = await fails(client, TOOL, {"user_id": alex, "action": "delete", "item_id": login["id"]})
    assert "login email" in error["message"]
    rule = after["rules"][0]["id"]
    assert first(await ok(client, TOOL, {"user_id": alex, "action": "delete", "item_id": rule})) == {
        "id": rule,
        "deleted": True,
    }


async def test_an_ambiguous_contact_method_is_named_never_picked(client: Client) -> None:
    liam = user_id(client, "liam.oconnor")
    desk = await add(client, liam, {"type": "phone", "address": "+353 1 555 0199", "label": "Desk"})
    error = await fails(
        client, TOOL, {"user_id": liam, "action": "add", "fields": {"contact_method": "phone", "urgency": "low"}}
    )
    assert error["code"] == "INVALID_PARAMETER" and desk["id"] in error["message"] and "give the id" in error["message"]
    by_label = await add(client, liam, {"contact_method": "desk", "urgency": "low", "delay_minutes": 1})
    assert by_label["contact_method"]["id"] == desk["id"]
    mixed = {"contact_method": "desk", "urgency": "low", "handoff": "both"}
    await fails(client, TOOL, {"user_id": liam, "action": "add", "fields": mixed}, "INVALID_PARAMETER")
    push = {"type": "push", "address": "token-1"}
    error = await fails(client, TOOL, {"user_id": liam, "action": "add", "fields": push}, "INVALID_PARAMETER")
    assert "fields.device_type" in error["message"]
