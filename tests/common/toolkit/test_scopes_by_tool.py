"""Each tool's OAuth scopes, read from the REST paths in its code, checked against the sandbox."""

from __future__ import annotations

import inspect

import pytest

from pagerduty_mcp.common import tool
from pagerduty_mcp.common.hosting.upstream import sandbox_pool
from pagerduty_mcp.common.pagerduty.context import standalone
from pagerduty_mcp.common.pagerduty.errors import ToolFailure
from pagerduty_mcp.common.pagerduty.oauth import ClientCredentials
from pagerduty_mcp.common.toolkit.registry import spec_of
from pagerduty_mcp.common.toolkit.scopes_by_tool import paths_of, tool_scopes
from pagerduty_mcp.sandbox import SANDBOX_OAUTH_CLIENT_ID, SANDBOX_OAUTH_CLIENT_SECRET, Sandbox
from pagerduty_mcp.server import AREAS

pytestmark = [pytest.mark.unit, pytest.mark.common]

ALL_TOOLS = {spec_of(fn).name: fn for area in AREAS for fn in (*area.read_tools, *area.write_tools)}


@pytest.mark.parametrize("name", sorted(ALL_TOOLS))
def test_every_tool_states_its_scopes(name: str) -> None:
    """Every tool, even one whose endpoints PagerDuty's description leaves without a scope (shift-based
    schedules, automation actions, the Events API): a tool stating none would be shown to no one
    signed in, since scope hiding fails closed."""
    fn = ALL_TOOLS[name]
    scopes = tool_scopes(fn)
    assert scopes, (name, paths_of(fn))
    if not spec_of(fn).is_write:
        # Reads need read scopes, except analytics queries, which PagerDuty serves as POSTs.
        assert all(s.endswith(".read") or s.startswith("analytics.") for s in scopes), scopes
    else:
        assert any(s.endswith(".write") for s in scopes), scopes


@pytest.mark.parametrize(
    ("name", "needed"),
    [
        ("create_schedule_rotation", "schedules.write"),  # POST /v3/schedules/{id}/rotations
        ("delete_schedule_custom_shift", "schedules.write"),
        ("list_schedule_overrides", "schedules.read"),  # GET /v3/schedules/{id}/overrides
        ("invoke_automation_action", "incidents.write"),  # runs on an incident
        ("list_automation_actions", "services.read"),
        ("send_event", "incidents.write"),  # the Events API: a routing key, but it triggers incidents
        ("send_change_event", "change_events.write"),
        ("get_user_data", "users.read"),
    ],
)
def test_tools_on_endpoints_without_a_stated_scope_take_the_nearest_one(name: str, needed: str) -> None:
    assert needed in tool_scopes(ALL_TOOLS[name])


def test_scopes_follow_the_methods_a_tool_sends() -> None:
    assert tool_scopes(ALL_TOOLS["list_incidents"]) == ("incidents.read",)
    create = tool_scopes(ALL_TOOLS["create_incident"])
    assert "incidents.write" in create
    assert "services.write" not in create  # it only reads the service it files against


def test_declared_scopes_win() -> None:
    @tool("Declared")
    def declared_probe() -> dict:
        """A probe."""
        return {"path": "/incidents"}

    assert tool_scopes(declared_probe) == ("incidents.read",)
    declared = tool("Declared", scopes=["schedules.read"])(inspect.unwrap(declared_probe))
    assert tool_scopes(declared) == ("schedules.read",)


def _no_argument_reads() -> list[str]:
    names = []
    for name, fn in ALL_TOOLS.items():
        required = [p for p in inspect.signature(fn).parameters.values() if p.default is inspect.Parameter.empty]
        if not spec_of(fn).is_write and not required and tool_scopes(fn):
            names.append(name)
    return sorted(names)


@pytest.mark.parametrize("name", _no_argument_reads())
def test_a_token_with_exactly_those_scopes_is_not_refused(name: str) -> None:
    fn = ALL_TOOLS[name]
    box = Sandbox()
    app = ClientCredentials(
        SANDBOX_OAUTH_CLIENT_ID,
        SANDBOX_OAUTH_CLIENT_SECRET,
        tool_scopes(fn),
        "https://identity.pagerduty.com/oauth/token",
    )
    with standalone(sandbox_pool(box, oauth=app)):
        try:
            fn()
        except ToolFailure as failure:
            # An app token has no user, so "my" views may fail; a missing scope must not be why.
            assert failure.code != "FORBIDDEN", failure.message
    assert not any(r.status == 403 for r in box.request_log)
