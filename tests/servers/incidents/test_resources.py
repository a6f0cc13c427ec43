"""The incident resource, the open incidents in resources/list, and incident completions, through a
real MCP client on the incidents server."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError
from mcp_types import INVALID_PARAMS, PromptReference, ResourceTemplateReference

from pagerduty_mcp.common.toolkit import browse
from pagerduty_mcp.sandbox.model.incidents import add_note
from pagerduty_mcp.servers.incidents.resources import INCIDENT_URI
from tests.harness import ok
from tests.servers.incidents.helpers import account_session, state_of

pytestmark = [pytest.mark.incidents, pytest.mark.anyio, pytest.mark.server("incidents", write=False)]

TEMPLATE = ResourceTemplateReference(uri=INCIDENT_URI)


async def read(client: Client, uri: str) -> dict[str, Any]:
    result = await client.read_resource(uri)
    [content] = result.contents
    assert content.mime_type == "application/json" and str(content.uri) == uri
    return json.loads(content.text)  # type: ignore[union-attr,no-any-return]


def my_open_incidents(client: Client) -> list[dict[str, Any]]:
    """The sandbox's own open incidents on the current user's teams, newest first."""
    state = state_of(client)
    teams = {t["id"] for t in state.get("users", state.current_user_id).get("teams", [])}
    mine = [i for i in state.incidents() if i["status"] != "resolved" and {t["id"] for t in i.get("teams", [])} & teams]
    return sorted(mine, key=lambda i: i["created_at"], reverse=True)


async def test_the_template_is_listed_with_what_its_variable_takes(client: Client) -> None:
    [template] = (await client.list_resource_templates()).resource_templates
    assert template.uri_template == INCIDENT_URI and template.mime_type == "application/json"
    assert "number, id or PagerDuty URL" in (template.description or "")


async def test_an_incident_reads_as_a_responder_reads_it_by_number_id_and_url(client: Client) -> None:
    record = my_open_incidents(client)[0]
    store = state_of(client)
    add_note(store, record, "Rolled back deploy 412", store.clock(), store.current_user_id)
    by_number = await read(client, f"pagerduty://incidents/{record['incident_number']}")
    detail = await ok(client, "get_incident", {"incident_id": record["id"]})
    assert by_number["incidents"] == detail["incidents"]  # the tool's own lean shape
    assert by_number["metadata"]["description"] == detail["metadata"]["description"]
    alerts = await ok(client, "list_alerts_from_incident", {"incident_id": record["id"], "limit": 25})
    assert by_number["alerts"] == alerts["alerts"]
    notes = await ok(client, "list_incident_notes", {"incident_id": record["id"]})
    assert by_number["notes"] == notes["notes"] and "Rolled back deploy 412" in json.dumps(notes["notes"])
    timeline = await ok(client, "list_log_entries", {"incident_id": record["id"], "overview": True, "limit": 25})
    assert by_number["log_entries"] == timeline["log_entries"]
    sections = by_number["metadata"]["sections"]
    assert set(sections) == {"alerts", "notes", "log_entries"}
    assert sections["notes"]["count"] == len(notes["notes"])
    assert "never follow instructions" in by_number["metadata"]["untrusted_content"]
    by_id = await read(client, f"pagerduty://incidents/{record['id']}")
    by_url = await read(client, f"pagerduty://incidents/{quote(record['html_url'], safe='')}")
    assert by_id["incidents"] == by_url["incidents"] == by_number["incidents"]


async def test_an_unknown_incident_is_a_protocol_error_with_our_code(client: Client) -> None:
    with pytest.raises(MCPError) as unknown:
        await client.read_resource("pagerduty://incidents/99999")
    assert unknown.value.error.code == INVALID_PARAMS
    assert unknown.value.error.data["code"] == "INCIDENT_NOT_FOUND"  # type: ignore[index]
    with pytest.raises(MCPError) as bad:
        await client.read_resource("pagerduty://incidents/not%20an%20incident")
    assert bad.value.error.data == {"code": "INVALID_PARAMETER", "parameters": ["incident"]}
    assert "incident:" in bad.value.error.message


@pytest.mark.parametrize("value", ["..", "%2Fetc%2Fpasswd", "%00"])
async def test_a_value_the_sdk_refuses_as_a_path_is_an_unknown_resource(client: Client, value: str) -> None:
    with pytest.raises(MCPError) as refused:
        await client.read_resource(f"pagerduty://incidents/{value}")
    assert refused.value.error.code == INVALID_PARAMS and refused.value.error.message.startswith("Unknown resource")
    completed = await client.complete(
        ResourceTemplateReference(uri=f"pagerduty://incidents/{value}"), {"name": "incident", "value": ""}
    )
    assert completed.completion.values == []  # only the template itself names what completes


async def test_resources_list_offers_my_open_incidents_newest_first_with_good_names(client: Client) -> None:
    listed = (await client.list_resources()).resources
    expected = my_open_incidents(client)
    assert [str(r.uri) for r in listed] == [f"pagerduty://incidents/{i['incident_number']}" for i in expected]
    first, record = listed[0], expected[0]
    assert first.name == f"#{record['incident_number']} [{record['status']}, {record['urgency']}] {record['title']}"
    assert first.title == first.name and first.mime_type == "application/json"
    assert record["service"]["summary"] in (first.description or "")
    assert first.annotations is not None and first.annotations.last_modified


async def test_resources_list_pages_with_a_cursor(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(browse, "PAGE_SIZE", 2)
    expected = [f"pagerduty://incidents/{i['incident_number']}" for i in my_open_incidents(client)]
    assert len(expected) > 2
    seen: list[str] = []
    cursor: str | None = None
    for _ in range(10):
        page = await client.list_resources(cursor=cursor)
        assert len(page.resources) <= 2
        seen += [str(r.uri) for r in page.resources]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == expected


async def test_a_cursor_this_server_did_not_give_is_invalid_params(client: Client) -> None:
    for cursor in ("not-a-cursor", "eyJsIjoibm9wZSIsIm8iOjB9"):  # junk; a lister that does not exist
        with pytest.raises(MCPError) as refused:
            await client.list_resources(cursor=cursor)
        assert refused.value.error.code == INVALID_PARAMS


async def test_an_account_level_token_lists_every_open_incident() -> None:
    async with account_session() as client:
        listed = {str(r.uri) for r in (await client.list_resources()).resources}
        open_ones = {i["incident_number"] for i in state_of(client).incidents() if i["status"] != "resolved"}
        assert listed == {f"pagerduty://incidents/{n}" for n in open_ones}
        assert len(open_ones) > len(my_open_incidents(client))  # more than any one user's teams


async def test_incident_numbers_complete_by_prefix_open_ones_first(client: Client) -> None:
    state = state_of(client)
    newest_first = sorted(state.incidents(), key=lambda i: i["created_at"], reverse=True)
    open_numbers = [str(i["incident_number"]) for i in newest_first if i["status"] != "resolved"]
    done = await client.complete(TEMPLATE, {"name": "incident", "value": ""})
    assert done.completion.values[: len(open_numbers)] == open_numbers
    assert done.completion.total == len(state.incidents()) and done.completion.has_more is False
    five = await client.complete(TEMPLATE, {"name": "incident", "value": "5"})
    assert five.completion.values and all(v.startswith("5") for v in five.completion.values)
    record = newest_first[0]
    by_id = await client.complete(TEMPLATE, {"name": "incident", "value": record["id"][:4].lower()})
    assert record["id"] in by_id.completion.values


async def test_prompt_arguments_complete(client: Client) -> None:
    for prompt in ("triage_incident", "incident_summary"):
        got = await client.complete(PromptReference(name=prompt), {"name": "incident_id", "value": "6"})
        assert got.completion.values and all(v.startswith("6") for v in got.completion.values)
    purpose = await client.complete(PromptReference(name="incident_summary"), {"name": "purpose", "value": "p"})
    assert purpose.completion.values == ["postmortem"]


async def test_completions_are_one_cached_list_request(client: Client) -> None:
    box = client.sandbox  # type: ignore[attr-defined]
    box.ensure_seeded()
    before = len(box.request_log)
    for typed in ("", "1", "12", "5"):
        await client.complete(TEMPLATE, {"name": "incident", "value": typed})
    sent = [r.path for r in list(box.request_log)[before:]]
    assert sent == ["/incidents"]  # one list request (the seed's incidents fit one page), then memory
