from __future__ import annotations

import io
import json
import logging
from typing import Annotated

import httpx2
import pytest
from pydantic import Field

from pagerduty_mcp.common import (
    Area,
    ClientPool,
    Credential,
    IdList,
    Settings,
    ToolFilter,
    create_pagerduty_server,
    tool,
)
from pagerduty_mcp.common.pagerduty.context import standalone
from pagerduty_mcp.common.pagerduty.errors import ToolFailure
from pagerduty_mcp.common.pagerduty.logs import configure_logging, register_secret
from pagerduty_mcp.common.toolkit.registry import spec_of
from tests.common.fakes import API, reply

pytestmark = [pytest.mark.unit, pytest.mark.common]


@tool("Look")
def look(thing: Annotated[str, Field(description="What to look at.")]) -> dict:
    """Look at a thing."""
    if thing == "boom":
        raise RuntimeError("secret internals")
    if thing == "missing":
        raise ToolFailure("THING_NOT_FOUND", "No thing; list_things finds valid ones")
    return {"metadata": {"count": 1, "description": "a thing"}, "things": [{"id": thing}]}


@tool("Change", "update")
def change(thing: Annotated[str, Field(description="What to change.")]) -> dict:
    """Change a thing."""
    return {"metadata": {"count": 1, "description": "changed"}, "things": [{"id": thing}]}


AREA = Area("things", "things", "Things.", [look, change])


def test_kinds_set_all_four_hints() -> None:
    assert spec_of(look).annotations.read_only_hint is True
    update = spec_of(change).annotations
    assert (update.read_only_hint, update.destructive_hint, update.idempotent_hint) == (False, True, True)
    assert update.open_world_hint is not None


def test_a_manage_tool_may_remove_may_add_twice_and_says_why_it_is_grouped() -> None:
    @tool("Manage things", "manage", grouped="A thing's writes are one set-up.")
    def manage_things(action: Annotated[str, Field(description="add, update or delete.")]) -> dict:
        """Add, change or remove things."""
        return {}

    hints = spec_of(manage_things).annotations
    assert (hints.read_only_hint, hints.destructive_hint, hints.idempotent_hint) == (False, True, False)
    assert spec_of(manage_things).grouped == "A thing's writes are one set-up."

    def unsaid() -> dict:
        """Groups without saying why."""
        return {}

    with pytest.raises(ValueError, match="why it is grouped"):
        tool("Manage", "manage")(unsaid)
    with pytest.raises(ValueError, match="why it is grouped"):
        tool("Read", grouped="a reason a read needs not give")(unsaid)


def test_a_tool_without_a_docstring_is_refused() -> None:
    with pytest.raises(ValueError, match="docstring"):

        @tool("Nameless")
        def nameless() -> dict:
            return {}


@pytest.mark.parametrize(
    ("flt", "message"),
    [
        (ToolFilter(toolsets=frozenset({"thingz"})), "unknown toolset(s) thingz; valid: things"),
        (ToolFilter(tools=frozenset({"lok"})), "--tools: unknown tool(s) lok; valid: change, look"),
        (ToolFilter(exclude_tools=frozenset({"x"})), "--exclude-tools: unknown tool(s) x"),
    ],
)
def test_unknown_names_fail_at_start_listing_valid_ones(flt: ToolFilter, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        create_pagerduty_server("t", [AREA], flt)
    assert message in str(caught.value)


@pytest.mark.anyio
async def test_read_only_wins_over_tools_and_filters_narrow() -> None:
    only_change = create_pagerduty_server("t", [AREA], ToolFilter(tools=frozenset({"change", "look"})))
    assert [t.name for t in await only_change.list_tools()] == ["look"]
    writes = create_pagerduty_server(
        "t", [AREA], ToolFilter(enable_write_tools=True, exclude_tools=frozenset({"look"}))
    )
    assert [t.name for t in await writes.list_tools()] == ["change"]


@pytest.mark.anyio
async def test_failures_become_is_error_envelopes_with_codes() -> None:
    server = create_pagerduty_server("t", [AREA], ToolFilter())
    missing = await server.call_tool("look", {"thing": "missing"})
    assert missing.is_error
    assert json.loads(missing.content[0].text)["error"]["code"] == "THING_NOT_FOUND"
    crash = await server.call_tool("look", {"thing": "boom"})
    body = json.loads(crash.content[0].text)
    assert crash.is_error and body["error"]["code"] == "INTERNAL_ERROR"
    assert "secret internals" not in crash.content[0].text
    invalid = await server.call_tool("look", {"thing": 5})
    body = json.loads(invalid.content[0].text)
    assert invalid.is_error and body["error"]["code"] == "INVALID_PARAMETER"
    assert "thing" in body["error"]["message"] and "look again" in body["error"]["message"]
    misspelt = await server.call_tool("look", {"thing": "x", "thnig": "y"})
    body = json.loads(misspelt.content[0].text)
    assert misspelt.is_error and body["error"]["code"] == "INVALID_PARAMETER"
    assert "thnig" in body["error"]["message"] and "takes: thing" in body["error"]["message"]


def test_registered_secrets_never_reach_the_log() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logging.getLogger().addHandler(handler)
    try:
        configure_logging("INFO")
        register_secret("u+very-secret-key-123")
        log = logging.getLogger("pagerduty_mcp.test")
        log.warning("calling with %s", "u+very-secret-key-123")
        try:
            raise ValueError("token u+very-secret-key-123 rejected")
        except ValueError:
            log.exception("failed")
    finally:
        logging.getLogger().removeHandler(handler)
    written = stream.getvalue()
    assert "u+very-secret-key-123" not in written
    assert "calling with [REDACTED]" in written and "ValueError: token [REDACTED] rejected" in written


@tool("Team look")
def team_look(
    team_ids: Annotated[IdList | None, Field(description="Teams.")] = None,
    team_id: Annotated[str | None, Field(description="A team.")] = None,
) -> dict:
    """Fail the way PagerDuty's 404 does, attributed to no parameter."""
    raise ToolFailure("TEAM_NOT_FOUND", "PagerDuty has no team at that id. Use a list tool to find valid ids.")


def _six_teams(request: httpx2.Request) -> httpx2.Response:
    if request.url.path == "/teams":  # six teams, none named near PABC123: the finder is named
        return reply(200, {"teams": [{"id": f"PT{i}", "name": f"Team {i}"} for i in range(6)], "more": False})(request)
    return reply(404, {"error": {"message": "Not Found", "code": 2100}})(request)


@pytest.mark.anyio
async def test_a_not_found_names_the_one_parameter_of_its_kind_and_its_finder() -> None:
    pool = ClientPool(
        Settings(credential=Credential("k" * 20), api_host=API), transport=httpx2.MockTransport(_six_teams)
    )
    with standalone(pool):
        await _a_not_found_names_the_one_parameter_of_its_kind_and_its_finder()


async def _a_not_found_names_the_one_parameter_of_its_kind_and_its_finder() -> None:
    server = create_pagerduty_server("t", [Area("teams", "teams", "Teams.", [team_look])], ToolFilter())
    one = json.loads((await server.call_tool("team_look", {"team_ids": ["PABC123"]})).content[0].text)["error"]
    assert one["code"] == "TEAM_NOT_FOUND" and one["details"]["parameters"] == ["team_ids"]
    assert one["message"].startswith("team_ids: PagerDuty has no team at that id.")
    assert "list_teams" in one["message"] and "list tool" not in one["message"]
    # Two parameters of that kind given: which one failed is unknown, so none is named.
    both = {"team_ids": ["PABC123"], "team_id": "PDEF456"}
    two = json.loads((await server.call_tool("team_look", both)).content[0].text)["error"]
    assert two["code"] == "TEAM_NOT_FOUND" and "details" not in two


@tool("Incident look")
def incident_look(incident_id: Annotated[str, Field(description="An incident.")]) -> dict:
    """Fail the way PagerDuty's 404 for an unknown incident does."""
    raise ToolFailure("INCIDENT_NOT_FOUND", "PagerDuty has no incident at that id. Use a list tool to find valid ids.")


@tool("Merge look", "update")
def merge_look(
    incident_id: Annotated[str, Field(description="The one kept.")],
    source_incident_ids: Annotated[list[str], Field(description="The ones merged in.")],
) -> dict:
    """Fail on an unknown incident, not saying which."""
    raise ToolFailure("INCIDENT_NOT_FOUND", "PagerDuty has no incident at that id. Use a list tool to find valid ids.")


@pytest.mark.anyio
async def test_a_parameter_that_names_by_id_only_is_named_with_its_finder() -> None:
    area = Area("incidents", "incidents", "Incidents.", [incident_look, merge_look])
    server = create_pagerduty_server("t", [area], ToolFilter(enable_write_tools=True))
    one = json.loads((await server.call_tool("incident_look", {"incident_id": "PABC123"})).content[0].text)["error"]
    assert one["code"] == "INCIDENT_NOT_FOUND" and one["details"]["parameters"] == ["incident_id"]
    assert one["message"] == "incident_id: PagerDuty has no incident at that id. list_incidents finds valid ones."
    # Two incident parameters given: which one is unknown is not known, so neither is named.
    both = {"incident_id": "PABC123", "source_incident_ids": ["PDEF456"]}
    two = json.loads((await server.call_tool("merge_look", both)).content[0].text)["error"]
    assert two["code"] == "INCIDENT_NOT_FOUND" and "details" not in two
