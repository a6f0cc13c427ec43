"""The read-only e2e suite against a real PagerDuty account.

Runs only with ``PAGERDUTY_LIVE_API_KEY`` (a dedicated, preferably read-only key; optional
``PAGERDUTY_LIVE_API_HOST`` for the EU region). The servers start without
``--enable-write-tools``, so nothing can be written. Pointed at the HTTPS sandbox (with
``SSL_CERT_FILE``), the same suite checks itself offline.
"""

from __future__ import annotations

import os

import pytest

from tests.harness import call, stdio_session

LIVE_KEY = os.environ.get("PAGERDUTY_LIVE_API_KEY", "")

pytestmark = [
    pytest.mark.live,
    pytest.mark.e2e,
    pytest.mark.anyio,
    pytest.mark.skipif(not LIVE_KEY, reason="set PAGERDUTY_LIVE_API_KEY to run the read-only suite on a real account"),
    pytest.mark.subprocess,
]

# Codes an account may legitimately answer with: features off on its plan, a key without a user.
ACCEPTABLE = {"FORBIDDEN", "NO_CURRENT_USER"}
# Tools whose parameters are all optional but that need one of them (a team, a schedule, ...).
NEEDS_ONE_OF = {"get_oncall_load", "find_coverage_gaps"}
# list tool -> (get tool, its id parameter)
FOLLOW_UPS = {
    "list_incidents": ("get_incident", "incident_id"),
    "list_services": ("get_service", "service_id"),
    "list_users": ("get_user", "user_id"),
    "list_teams": ("get_team", "team_id"),
    "list_schedules": ("get_schedule", "schedule_id"),
    "list_escalation_policies": ("get_escalation_policy", "escalation_policy_id"),
    "list_event_orchestrations": ("get_event_orchestration", "orchestration_id"),
}


def _live_env() -> dict[str, str]:
    env = {"PAGERDUTY_USER_API_KEY": LIVE_KEY}
    for name, target in (("PAGERDUTY_LIVE_API_HOST", "PAGERDUTY_API_HOST"), ("SSL_CERT_FILE", "SSL_CERT_FILE")):
        if os.environ.get(name):
            env[target] = os.environ[name]
    return env


@pytest.mark.parametrize("key", ["incidents", "services", "people", "aiops"])
async def test_every_argument_free_read_tool_answers_on_a_real_account(key: str) -> None:
    async with stdio_session(key, write=False, sandbox=False, env=_live_env()) as client:
        tools = (await client.list_tools()).tools
        assert tools and all(t.annotations and t.annotations.read_only_hint for t in tools)
        names = {t.name for t in tools}
        for tool in tools:
            if tool.input_schema.get("required"):
                continue
            is_error, envelope = await call(client, tool.name, {})
            if is_error:
                code = envelope["error"]["code"]
                assert code in ACCEPTABLE or (tool.name in NEEDS_ONE_OF and code == "INVALID_PARAMETER"), (
                    tool.name,
                    envelope["error"],
                )
                continue
            items_key = next(k for k in envelope if k != "metadata")
            assert envelope["metadata"]["count"] == len(envelope[items_key]), tool.name
            follow = FOLLOW_UPS.get(tool.name)
            if follow and follow[0] in names and envelope[items_key]:
                get_tool, parameter = follow
                first_id = envelope[items_key][0]["id"]
                is_error, detail = await call(client, get_tool, {parameter: first_id})
                assert not is_error, (get_tool, detail.get("error"))
                assert detail[next(k for k in detail if k != "metadata")][0]["id"] == first_id
