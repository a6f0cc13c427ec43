"""Resources, completions, client logging and cache hints, as hosts meet them: the ``mcp`` SDK's
client over stdio (a server subprocess) and over streamable HTTP (a server process on a port)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError
from mcp_types import LoggingMessageNotificationParams, PromptReference, ResourceTemplateReference

from pagerduty_mcp.sandbox import Sandbox
from tests.harness import HttpServer, ServerSpec, http_servers, http_session, server_env, stdio_session, upstream_env

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.anyio,
    # The client's own logging/setLevel is marked deprecated (gone at 2026-07-28); handshake clients use it.
    pytest.mark.filterwarnings("ignore:The logging capability is deprecated"),
    pytest.mark.subprocess,
]

TEMPLATES = {
    "pagerduty://incidents/{incident}": "incident",
    "pagerduty://services/{service}": "service",
    "pagerduty://schedules/{schedule}": "schedule",
    "pagerduty://users/{user}": "user",
    "pagerduty://teams/{team}": "team",
    "pagerduty://escalation_policies/{escalation_policy}": "escalation_policy",
}
PROMPT_ARGUMENTS = {
    "triage_incident": ["incident_id"],
    "incident_summary": ["incident_id", "purpose"],
    "oncall_handoff": ["team_id"],
}


async def envelope_of(client: Client, uri: str) -> dict[str, Any]:
    [content] = (await client.read_resource(uri)).contents
    return json.loads(content.text)  # type: ignore[union-attr,no-any-return]


async def every_template_and_argument_completes_and_reads(client: Client) -> None:
    """Each template variable completes, and its first value reads; each prompt argument completes,
    and the prompt renders with the values offered."""
    listed = {t.uri_template: t for t in (await client.list_resource_templates()).resource_templates}
    assert set(listed) == set(TEMPLATES)
    for template, variable in TEMPLATES.items():
        offered = await client.complete(ResourceTemplateReference(uri=template), {"name": variable, "value": ""})
        assert offered.completion.values, template
        uri = template.replace("{" + variable + "}", quote(offered.completion.values[0], safe=""))
        envelope = await envelope_of(client, uri)
        assert envelope["metadata"]["count"] == 1, uri
    prompts = {p.name: [a.name for a in p.arguments or []] for p in (await client.list_prompts()).prompts}
    assert prompts == PROMPT_ARGUMENTS
    for prompt, arguments in PROMPT_ARGUMENTS.items():
        chosen = {}
        for argument in arguments:
            got = await client.complete(PromptReference(name=prompt), {"name": argument, "value": ""})
            assert got.completion.values, (prompt, argument)
            chosen[argument] = got.completion.values[0]
        rendered = await client.get_prompt(prompt, chosen)
        assert rendered.messages, prompt


async def read_by_id_name_and_number(client: Client) -> None:
    incidents = json.loads((await client.call_tool("list_incidents", {"limit": 1})).content[0].text)  # type: ignore[union-attr]
    newest = incidents["incidents"][0]
    by_number = await envelope_of(client, f"pagerduty://incidents/{newest['number']}")
    by_id = await envelope_of(client, f"pagerduty://incidents/{newest['id']}")
    assert by_number["incidents"] == by_id["incidents"] and by_id["incidents"][0]["id"] == newest["id"]
    by_name = await envelope_of(client, "pagerduty://services/Checkout%20API")
    by_service_id = await envelope_of(client, f"pagerduty://services/{by_name['services'][0]['id']}")
    assert by_name == by_service_id


# --- stdio -------------------------------------------------------------------------------------


async def test_over_stdio_templates_read_and_every_argument_completes() -> None:
    async with stdio_session("mcp") as client:
        await read_by_id_name_and_number(client)
        await every_template_and_argument_completes_and_reads(client)
        listed = await client.list_resources()
        assert str(listed.resources[0].uri) == "pagerduty://people/me"
        assert any(str(r.uri).startswith("pagerduty://incidents/") for r in listed.resources)
        assert listed.cache_scope == "private" and listed.ttl_ms == 30_000
        for result in (
            await client.list_tools(),
            await client.list_prompts(),
            await client.list_resource_templates(),
        ):
            assert result.cache_scope == "private" and result.ttl_ms == 300_000


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_over_stdio_capabilities_say_what_is_served_and_nothing_more(mode: str) -> None:
    async with stdio_session(mode=mode) as client:
        capabilities = client.server_capabilities
    assert capabilities.completions is not None and capabilities.logging is not None
    assert capabilities.resources is not None
    # Nothing here can tell a client that a resource or a list changed: neither is promised.
    assert not capabilities.resources.subscribe and not capabilities.resources.list_changed
    assert capabilities.tools is not None and not capabilities.tools.list_changed


async def test_over_stdio_set_level_filters_what_the_client_is_told() -> None:
    told: list[LoggingMessageNotificationParams] = []

    async def on_log(params: LoggingMessageNotificationParams) -> None:
        told.append(params)

    async with stdio_session(mode="legacy", logging_callback=on_log) as client:
        refused = await client.call_tool("get_incident", {"incident_id": "99999"})
        assert refused.is_error
        assert [(m.level, m.data) for m in told] == [
            ("notice", {"message": "tool get_incident ended with INCIDENT_NOT_FOUND", "tool": "get_incident"})
        ]
        await client.set_logging_level("warning")  # the session keeps it
        await client.call_tool("get_incident", {"incident_id": "99998"})
        assert len(told) == 1
        await client.set_logging_level("debug")
        await client.call_tool("list_incidents", {"statuses": ["resolved"], "limit": 100})
        assert [m.level for m in told[1:]] == ["debug"] and told[1].data == "1 page(s) fetched from PagerDuty"


# --- streamable HTTP ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def servers(https_sandbox: Any) -> Iterator[list[HttpServer]]:
    """Both servers of the module, started side by side: on the sandbox, and per caller in front of
    the HTTPS sandbox."""
    with http_servers(
        ServerSpec(["--sandbox"]), ServerSpec(["--auth", "pagerduty"], upstream_env(https_sandbox))
    ) as both:
        yield both


@pytest.fixture(scope="module")
def sandbox_http(servers: list[HttpServer]) -> HttpServer:
    return servers[0]


@pytest.fixture(scope="module")
def per_caller(servers: list[HttpServer]) -> HttpServer:
    return servers[1]


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_over_http_templates_read_and_every_argument_completes(sandbox_http: HttpServer, mode: str) -> None:
    async with http_session(sandbox_http.url, {}, mode=mode) as client:
        await read_by_id_name_and_number(client)
        await every_template_and_argument_completes_and_reads(client)
        with pytest.raises(MCPError) as unknown:
            await client.read_resource("pagerduty://teams/No%20Such%20Team")
        data = unknown.value.error.data
        assert data["code"] == "TEAM_NOT_FOUND" and data["parameters"] == ["team"]
        assert len(data["suggestions"]) == 5 and "untrusted_content" in data  # the account's five teams, marked


async def test_over_http_a_narrowed_caller_gets_no_template_and_no_completion_of_hidden_tools(
    sandbox_http: HttpServer,
) -> None:
    async with http_session(sandbox_http.url, {"X-MCP-Toolsets": "services"}) as client:
        listed = [t.uri_template for t in (await client.list_resource_templates()).resource_templates]
        assert listed == ["pagerduty://services/{service}"]
        team = ResourceTemplateReference(uri="pagerduty://teams/{team}")
        assert (await client.complete(team, {"name": "team", "value": ""})).completion.values == []
        handoff = PromptReference(name="oncall_handoff")
        assert (await client.complete(handoff, {"name": "team_id", "value": ""})).completion.values == []
    # get_team alone: the template reads, but completing it would list every team (list_teams).
    async with http_session(sandbox_http.url, {"X-MCP-Tools": "get_team"}) as client:
        assert [t.uri_template for t in (await client.list_resource_templates()).resource_templates] == [
            "pagerduty://teams/{team}"
        ]
        assert (await envelope_of(client, "pagerduty://teams/Checkout"))["teams"][0]["name"] == "Checkout"
        assert (await client.complete(team, {"name": "team", "value": ""})).completion.values == []


async def test_over_http_log_messages_follow_each_eras_opt_in(sandbox_http: HttpServer) -> None:
    told: list[LoggingMessageNotificationParams] = []

    async def on_log(params: LoggingMessageNotificationParams) -> None:
        told.append(params)

    async def refused_call(**options: Any) -> None:
        async with http_session(sandbox_http.url, logging_callback=on_log, **options) as c:
            if options.get("mode") == "legacy":
                await c.set_logging_level("error")  # accepted; stateless: it holds for that request only
            assert (await c.call_tool("get_incident", {"incident_id": "99999"})).is_error

    await refused_call(mode="legacy")  # 2025-11-25: info and above unless set on this connection
    assert [m.level for m in told] == ["notice"]
    await refused_call(log_level="warning")  # 2026-07-28: only what the request asked for
    assert len(told) == 1
    await refused_call(log_level="notice")
    assert [m.level for m in told] == ["notice", "notice"]


async def test_over_http_each_callers_completions_come_from_their_own_list(
    per_caller: HttpServer, box: Sandbox
) -> None:
    users = sorted(uid for uid in box.state.tables["users"] if uid != box.current_user_id)
    team = ResourceTemplateReference(uri="pagerduty://teams/{team}")

    def team_lists() -> int:
        return sum(1 for r in list(box.request_log) if r.method == "GET" and r.path == "/teams")

    before = team_lists()
    for user, typed in ((users[0], ""), (users[0], "p"), (users[0], "pl"), (users[1], ""), (users[1], "c")):
        headers = {"Authorization": f"Token token={box.token_for(user)}"}
        async with http_session(per_caller.url, headers) as client:
            got = await client.complete(team, {"name": "team", "value": typed})
            assert got.completion.values
    # One list per caller, reused for that caller's keystrokes; never one caller's list for another.
    assert team_lists() - before == 2


def test_the_readme_attaches_incident_60_and_completes_a_team() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    [snippet] = [b for b in re.findall(r"^```python\n(.*?)^```", readme, re.M | re.S) if "incidents/60" in b]
    done = subprocess.run(
        [sys.executable, "-c", snippet], env=server_env(), capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    first, second = done.stdout.splitlines()
    assert first.startswith('{"metadata":{"count":1,"description":"Incident #60: triggered"')
    assert second == "['Platform']"
