"""Bad input to every people tool: the right code, and a message that says what to do next."""

from __future__ import annotations

import pytest
from mcp import Client

from pagerduty_mcp.common.toolkit.registry import spec_of
from pagerduty_mcp.servers.people.tools import READ_TOOLS, WRITE_TOOLS
from tests.harness import fails

pytestmark = [pytest.mark.people, pytest.mark.anyio, pytest.mark.server("people")]

NOPE = "PNOPE00"
CASES: list[tuple[str, dict, str, str]] = [
    ("list_users", {"limit": 0}, "INVALID_PARAMETER", "limit"),
    ("list_users", {"team_ids": ["null"]}, "INVALID_PARAMETER", "team_ids"),
    ("get_user", {"user_id": NOPE}, "USER_NOT_FOUND", "list"),
    ("get_user", {"user_id": "null"}, "INVALID_PARAMETER", "user_id"),
    ("list_teams", {"scope": "everyone"}, "INVALID_PARAMETER", "my_teams"),
    ("get_team", {"team_id": NOPE}, "TEAM_NOT_FOUND", "The account's teams"),
    ("list_team_members", {"team_id": "null"}, "INVALID_PARAMETER", "team_id"),
    # Not an id, so a name; no team is called that.
    ("list_team_members", {"team_id": "../teams"}, "TEAM_NOT_FOUND", "team_id"),
    ("list_schedules", {"offset": -1}, "INVALID_PARAMETER", "offset"),
    ("get_schedule", {"schedule_id": NOPE}, "SCHEDULE_NOT_FOUND", "list"),
    ("get_schedule", {"schedule_id": "PABC123", "since": "2026-13-01"}, "INVALID_PARAMETER", "since"),
    ("list_schedule_users", {"schedule_id": ""}, "INVALID_PARAMETER", "schedule_id"),
    ("list_schedule_overrides", {"schedule_id": NOPE}, "SCHEDULE_NOT_FOUND", "list"),
    ("list_oncalls", {"user_ids": [NOPE]}, "USER_NOT_FOUND", "list_users"),
    ("list_oncalls", {"schedule_ids": [NOPE]}, "SCHEDULE_NOT_FOUND", "list_schedules"),
    ("list_oncalls", {"scope": "my_teams", "team_ids": ["PABC123"]}, "INVALID_PARAMETER", "scope=all"),
    # A mistyped team name must not read as "nobody is on call".
    ("list_oncalls", {"team_ids": ["Databse"]}, "TEAM_NOT_FOUND", "Closest: Database ("),
    ("list_escalation_policies", {"scope": "assigned_to_me", "user_ids": ["PABC123"]}, "INVALID_PARAMETER", "scope"),
    ("get_escalation_policy", {"escalation_policy_id": NOPE}, "ESCALATION_POLICY_NOT_FOUND", "list"),
    ("get_oncall_load", {"schedule_ids": [NOPE]}, "SCHEDULE_NOT_FOUND", "list_schedules"),
    ("find_coverage_gaps", {"schedule_id": "PABC123", "until": "2020-01-01T00:00:00Z"}, "INVALID_PARAMETER", "until"),
    ("create_team", {"name": ""}, "INVALID_PARAMETER", "name"),
    ("update_team", {"team_id": NOPE, "name": "x"}, "TEAM_NOT_FOUND", ""),
    ("delete_team", {"team_id": NOPE}, "TEAM_NOT_FOUND", ""),
    ("add_team_member", {"team_id": NOPE, "user_id": "PABC123"}, "TEAM_NOT_FOUND", ""),
    ("remove_team_member", {"team_id": "PABC123", "user_id": "null"}, "INVALID_PARAMETER", "user_id"),
    ("remove_team_member", {"team_id": NOPE, "user_id": "PABC123"}, "TEAM_NOT_FOUND", "list_teams"),
    ("create_schedule_override", {"schedule_id": NOPE, "overrides": []}, "INVALID_PARAMETER", "overrides"),
    (
        "create_schedule_override",
        {"schedule_id": NOPE, "overrides": [{"user_id": "PABC123", "start": "2026-01-01", "end": "2026-01-02"}]},
        "SCHEDULE_NOT_FOUND",
        "",
    ),
    ("delete_schedule_override", {"schedule_id": "PABC123", "override_id": "a/b"}, "INVALID_PARAMETER", "override_id"),
    ("create_schedule", {"name": "x", "time_zone": "UTC", "layers": []}, "INVALID_PARAMETER", "layers"),
    ("update_schedule", {"schedule_id": "PABC123", "time_zone": "Nowhere/City"}, "INVALID_PARAMETER", "time_zone"),
    ("delete_schedule", {"schedule_id": NOPE}, "SCHEDULE_NOT_FOUND", "list_schedules"),
    ("create_schedule_rotation", {"schedule_id": NOPE, "events": [{"users": []}]}, "INVALID_PARAMETER", "events[0]"),
    ("delete_schedule_rotation", {"schedule_id": "PABC123", "rotation_id": "a/b"}, "INVALID_PARAMETER", "rotation_id"),
    ("create_schedule_custom_shifts", {"schedule_id": "PABC123", "shifts": [{}]}, "INVALID_PARAMETER", "shifts[0]"),
    (
        "delete_schedule_custom_shift",
        {"schedule_id": "Personalization Shifts", "custom_shift_id": "X1"},
        "CUSTOM_SHIFT_NOT_FOUND",
        "get_schedule",
    ),
    ("create_escalation_policy", {"name": "x", "levels": ["level one"]}, "INVALID_PARAMETER", "levels"),
    (
        "update_escalation_policy",
        {"escalation_policy_id": "PABC123", "num_loops": 99},
        "INVALID_PARAMETER",
        "num_loops",
    ),
    # user administration, responder metrics and pay
    ("create_user", {"name": "x", "email": "not an email"}, "INVALID_PARAMETER", "email"),
    ("create_user", {"name": "x", "email": "x@example.com", "time_zone": "Nowhere/City"}, "INVALID_PARAMETER", "IANA"),
    ("update_user", {"user_id": "PABC123"}, "INVALID_PARAMETER", "name"),
    ("update_user", {"user_id": "PABC123", "time_zone": ""}, "INVALID_PARAMETER", "time_zone"),
    ("update_user", {"user_id": NOPE, "name": "x"}, "USER_NOT_FOUND", "list"),
    ("delete_user", {"user_id": NOPE}, "USER_NOT_FOUND", "list"),
    ("delete_escalation_policy", {"escalation_policy_id": NOPE}, "ESCALATION_POLICY_NOT_FOUND", "list"),
    ("get_responder_metrics", {"user_ids": ["Nobody Atall"]}, "USER_NOT_FOUND", "list_users"),
    ("get_responder_metrics", {"since": "2026-13-01"}, "INVALID_PARAMETER", "since"),
    ("get_oncall_compensation", {"rates": [1, 2, -5, 4]}, "INVALID_PARAMETER", "rates"),
    ("get_oncall_compensation", {"currency": "euros"}, "INVALID_PARAMETER", "currency"),
    ("get_oncall_compensation", {"holidays": ["next friday"]}, "INVALID_PARAMETER", "holidays"),
    ("get_oncall_compensation", {"team_id": "PABC123", "user_ids": ["PABC123"]}, "INVALID_PARAMETER", "team_id"),
    # issue 26: shift-based edits, and how a person is paged
    (
        "manage_schedule_shifts",
        {"schedule_id": "Database On-Call", "action": "update", "item_id": "P1", "fields": {"end": "1h"}},
        "INVALID_PARAMETER",
        "layer-based",
    ),
    (
        "manage_schedule_shifts",
        {"schedule_id": "Personalization Shifts", "action": "delete", "item_id": "PNOPE00"},
        "EVENT_NOT_FOUND",
        "item_id",
    ),
    (
        "manage_schedule_shifts",
        {"schedule_id": "Personalization Shifts", "action": "update", "item_id": "X1"},
        "INVALID_PARAMETER",
        "fields",
    ),
    ("manage_schedule_shifts", {"schedule_id": NOPE, "action": "redo", "item_id": "X1"}, "INVALID_PARAMETER", "action"),
    (
        "manage_user_notifications",
        {"user_id": "Noah Kim", "action": "add", "fields": {"type": "fax", "address": "1"}},
        "INVALID_PARAMETER",
        "fields.type",
    ),
    (
        "manage_user_notifications",
        {"user_id": "Noah Kim", "action": "add", "fields": {"type": "phone", "address": "5550100"}},
        "INVALID_PARAMETER",
        "country code",
    ),
    (  # where the country code ends cannot be told without the space
        "manage_user_notifications",
        {"user_id": "Noah Kim", "action": "add", "fields": {"type": "sms", "address": "+15550100"}},
        "INVALID_PARAMETER",
        "country code",
    ),
    (
        "manage_user_notifications",
        {"user_id": "Noah Kim", "action": "update", "item_id": NOPE, "fields": {"label": "x"}},
        "NOTIFICATION_RULE_NOT_FOUND",
        "item_id",
    ),
    ("manage_user_notifications", {"user_id": "Noah Kim", "action": "delete"}, "INVALID_PARAMETER", "item_id"),
    (
        "manage_user_notifications",
        {"user_id": NOPE, "action": "add", "fields": {"urgency": "high"}},
        "USER_NOT_FOUND",
        "list_users",
    ),
    (
        "manage_user_notifications",
        {"user_id": "Noah Kim", "action": "add", "fields": {"contact_method": "fax", "urgency": "high"}},
        "INVALID_PARAMETER",
        "fields.contact_method",
    ),
]


def test_every_tool_with_parameters_has_a_bad_input_case() -> None:
    tools = {spec_of(fn).name for fn in [*READ_TOOLS, *WRITE_TOOLS]} - {"get_user_data"}  # takes no arguments
    assert tools <= {case[0] for case in CASES}


@pytest.mark.parametrize(("tool", "args", "code", "fragment"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
async def test_bad_input_is_a_clear_error(client: Client, tool: str, args: dict, code: str, fragment: str) -> None:
    error = await fails(client, tool, args, code)
    assert fragment in error["message"], error
    assert "Traceback" not in error["message"] and len(error["message"]) < 600
