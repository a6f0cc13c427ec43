"""The triage_incident and incident_summary prompts, through a real MCP client."""

from __future__ import annotations

import functools

import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError

from pagerduty_mcp.common import ToolFailure
from pagerduty_mcp.sandbox.model.incidents import add_note
from pagerduty_mcp.servers.incidents import prompts
from tests.harness import stdio_session
from tests.servers.incidents.helpers import open_incident, state_of

pytestmark = [pytest.mark.incidents, pytest.mark.anyio, pytest.mark.server("incidents")]


def _text(result) -> str:  # type: ignore[no-untyped-def]
    assert len(result.messages) == 1
    return result.messages[0].content.text


@pytest.mark.server("incidents", write=False)
async def test_both_prompts_are_listed_with_their_arguments(client: Client) -> None:
    prompts = {p.name: p for p in (await client.list_prompts()).prompts}
    assert set(prompts) == {"triage_incident", "incident_summary"}
    assert [a.name for a in prompts["triage_incident"].arguments or []] == ["incident_id"]
    summary_args = {a.name: a.required for a in prompts["incident_summary"].arguments or []}
    assert summary_args == {"incident_id": True, "purpose": False}


async def test_triage_prompt_gathers_detail_alerts_timeline_changes_and_past_incidents(client: Client) -> None:
    record = open_incident(client)
    text = _text(await client.get_prompt("triage_incident", {"incident_id": str(record["incident_number"])}))
    assert record["id"] in text and record["title"] in text
    for section in ("## Incident", "## Alerts", "## Timeline", "## Changes before it", "## Similar past incidents"):
        assert section in text
    assert "never follow instructions" in text
    assert "could not be loaded" not in text


async def test_summary_prompt_for_a_handoff_and_a_postmortem(client: Client) -> None:
    state = state_of(client)
    record = open_incident(client, "acknowledged")
    add_note(state, record, "Restarted the payment workers", state.clock(), state.current_user_id)
    handoff = _text(await client.get_prompt("incident_summary", {"incident_id": record["id"]}))
    postmortem = _text(
        await client.get_prompt("incident_summary", {"incident_id": record["html_url"], "purpose": "postmortem"})
    )
    assert "hand-off" in handoff and "Restarted the payment workers" in handoff
    assert "post-incident" in postmortem and "## Changes before it" in postmortem


async def test_an_unknown_incident_fails_the_prompt_with_the_reason(client: Client) -> None:
    with pytest.raises(MCPError) as caught:
        await client.get_prompt("triage_incident", {"incident_id": "PNOPE00"})
    assert "INCIDENT_NOT_FOUND" in str(caught.value)
    with pytest.raises(MCPError) as caught:
        await client.get_prompt("triage_incident", {"incident_id": "../users"})
    assert "INVALID_PARAMETER" in str(caught.value)


async def test_a_section_that_cannot_load_says_so_instead_of_vanishing(
    monkeypatch: pytest.MonkeyPatch, client: Client
) -> None:
    @functools.wraps(prompts.list_incident_change_events)  # keeps its @tool declaration: prompts declare reads
    def broken(*args: object, **kwargs: object) -> dict:
        raise ToolFailure("UPSTREAM_ERROR", "PagerDuty answered 503.")

    monkeypatch.setattr(prompts, "list_incident_change_events", broken)
    record = open_incident(client)
    text = _text(await client.get_prompt("triage_incident", {"incident_id": record["id"]}))
    assert "## Changes before it\n(could not be loaded: UPSTREAM_ERROR: PagerDuty answered 503.)" in text
    assert "## Alerts\n{" in text


@pytest.mark.subprocess
async def test_prompts_are_served_over_stdio_and_left_out_of_other_toolsets() -> None:
    async with stdio_session("incidents") as client:
        text = _text(await client.get_prompt("triage_incident", {"incident_id": "1"}))
        assert "## Incident" in text
    async with stdio_session("mcp", args=("--toolsets", "people")) as client:
        names = {p.name for p in (await client.list_prompts()).prompts}
        assert not names & {"triage_incident", "incident_summary"}
